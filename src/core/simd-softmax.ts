// Softmax cross-entropy rows (loss.ts's softmaxCrossEntropy) as a WebAssembly kernel whose exponentials run two at a
// time in f64x2 lanes. Math.exp is most of that function's time (12 ns a call), and V8's Math.exp is fdlibm's
// algorithm; the lanes follow that algorithm step by step (the same argument reduction, polynomial, division and
// scaling, each case selected per lane), so each exponential is Math.exp's to the bit, and so is every other step:
// the row sums run in the same order in float64, the stores round to float32 where the JavaScript ones do.
// The module imports the memory of SimdKernels (simd-kernels.ts), which instantiates it.

import {
  block,
  br,
  brIf,
  F64,
  F64_ZERO,
  f64c,
  f64x2,
  get,
  I32,
  i32c,
  i64x2,
  loop,
  name,
  section,
  set,
  simd,
  tee,
  u32,
  V128,
} from './simd-bytes.js';

// fdlibm's constants for exp (e_exp.c), as the shortest decimals of the same float64 values.
const LN2_HI = 0.6931471803691238;
const LN2_LO = 1.9082149292705877e-10;
const INV_LN2 = Math.LOG2E;
const P = [
  0.16666666666666602, -0.0027777777777015593, 6.613756321437934e-5, -1.6533902205465252e-6, 4.1381367970572385e-8,
];
const TWO_M1000 = 2 ** -1000;
const UNDERFLOW = -745.1332191019411;
/** High words of |x| that separate fdlibm's cases: ½ln2, 1½ln2, 2⁻²⁸. */
const HALF_LN2_HI = 0x3fd62e42;
const THREE_HALVES_LN2_HI = 0x3ff0a2b2;
const TINY_HI = 0x3e300000;

const V = {
  load: [...simd(0x00), 0, 0],
  store: [...simd(0x0b), 0, 0],
  splat: simd(0x14),
  and: simd(0x4e),
  bitselect: simd(0x52),
  f64neg: simd(0xed),
  f64add: simd(0xf0),
  f64sub: simd(0xf1),
  f64mul: simd(0xf2),
  f64div: simd(0xf3),
  f64lt: simd(0x49),
  f64ge: simd(0x4c),
  i64shl: simd(0xcb),
  i64shrU: simd(0xcd),
  i64add: simd(0xce),
  i64eq: simd(0xd6),
  i64gtS: simd(0xd9),
  i64ltS: simd(0xd8),
  i64geS: simd(0xdb),
  i64extendLowS: simd(0xc7),
  truncSatZero: simd(0xfc),
  convertLow: simd(0xfe),
  i64splat: simd(0x12),
};
const i64const = (v: number) => i64x2(BigInt(v), BigInt(v));
const shuffle = (lanes: number[]) => [...simd(0x0d), ...lanes];
const f64const = (v: number) => f64x2(v, v);

/** Locals of expLanes: v128 each. */
interface ExpLocals {
  x: number;
  hx: number;
  k: number;
  hi: number;
  lo: number;
  r: number;
  c: number;
  q: number;
  res: number;
}

/**
 * exp of the f64x2 on the stack, lanewise, as fdlibm computes it, for x ≤ 0 (the softmax's x − max; x > 0 and NaN
 * are not handled). Leaves the result on the stack.
 */
function expLanes(L: ExpLocals): number[] {
  const { x, hx, k, hi, lo, r, c, q, res } = L;
  /** res ← `value` where `mask`, else res. */
  const override = (value: number[], mask: number[]) => [...value, ...get(res), ...mask, ...V.bitselect, ...set(res)];
  const hxIs = (op: number[], bound: number) => [...get(hx), ...i64const(bound), ...op];
  return [
    ...set(x),
    // hx: the high word of |x|, in 64-bit lanes.
    ...get(x),
    ...i64x2(0x7fffffffffffffffn, 0x7fffffffffffffffn),
    ...V.and,
    ...i32c(32),
    ...V.i64shrU,
    ...set(hx),
    // k = trunc(x/ln2 − ½) where |x| ≥ 1½ln2, −1 where ½ln2 < |x| < 1½ln2, 0 where |x| ≤ ½ln2.
    ...get(x),
    ...f64const(INV_LN2),
    ...V.f64mul,
    ...f64const(-0.5),
    ...V.f64add,
    ...V.truncSatZero,
    ...V.i64extendLowS,
    ...set(k),
    ...i64const(-1),
    ...get(k),
    ...hxIs(V.i64ltS, THREE_HALVES_LN2_HI),
    ...V.bitselect,
    ...i64const(0),
    ...hxIs(V.i64gtS, HALF_LN2_HI),
    ...V.bitselect,
    ...set(k),
    // hi = x − k·ln2HI, lo = k·ln2LO (exact products: k has few bits), r = hi − lo.
    ...get(x),
    ...get(k),
    ...get(k),
    ...shuffle([0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11]),
    ...V.convertLow,
    ...tee(q),
    ...f64const(LN2_HI),
    ...V.f64mul,
    ...V.f64sub,
    ...set(hi),
    ...get(q),
    ...f64const(LN2_LO),
    ...V.f64mul,
    ...set(lo),
    ...get(hi),
    ...get(lo),
    ...V.f64sub,
    ...set(r),
    // c = r − r²·(P1 + r²·(P2 + r²·(P3 + r²·(P4 + r²·P5)))), Horner's order as fdlibm's.
    ...get(r),
    ...get(r),
    ...get(r),
    ...V.f64mul,
    ...set(c),
    ...f64const(P[0]!),
    ...get(c),
    ...f64const(P[1]!),
    ...get(c),
    ...f64const(P[2]!),
    ...get(c),
    ...f64const(P[3]!),
    ...get(c),
    ...f64const(P[4]!),
    ...V.f64mul,
    ...V.f64add,
    ...V.f64mul,
    ...V.f64add,
    ...V.f64mul,
    ...V.f64add,
    ...V.f64mul,
    ...V.f64add,
    ...get(c),
    ...V.f64mul,
    ...V.f64sub,
    ...set(c),
    // q = r·c / (2 − c); fdlibm's (r·c)/(c − 2) for k = 0 is −q exactly.
    ...get(r),
    ...get(c),
    ...V.f64mul,
    ...f64const(2),
    ...get(c),
    ...V.f64sub,
    ...V.f64div,
    ...set(q),
    // y = 1 − ((lo − q) − hi), scaled by 2^k: k added to the exponent field, or below 2^−1021 (k + 1000) and then
    // ×2^−1000, as fdlibm does.
    ...f64const(1),
    ...get(lo),
    ...get(q),
    ...V.f64sub,
    ...get(hi),
    ...V.f64sub,
    ...V.f64sub,
    ...tee(hi), // y, reusing hi
    ...get(k),
    ...i32c(52),
    ...V.i64shl,
    ...V.i64add,
    ...get(hi),
    ...get(k),
    ...i64const(1000),
    ...V.i64add,
    ...i32c(52),
    ...V.i64shl,
    ...V.i64add,
    ...f64const(TWO_M1000),
    ...V.f64mul,
    ...get(k),
    ...i64const(-1021),
    ...V.i64geS,
    ...V.bitselect,
    ...set(res),
    // k = 0: 1 − ((−q) − r).
    ...override(
      [...f64const(1), ...get(q), ...V.f64neg, ...get(r), ...V.f64sub, ...V.f64sub],
      [...get(k), ...i64const(0), ...V.i64eq],
    ),
    // |x| < 2⁻²⁸: 1 + x.
    ...override([...f64const(1), ...get(x), ...V.f64add], hxIs(V.i64ltS, TINY_HI)),
    // Below the underflow threshold (−745.13): 0.
    ...override(f64const(0), [...get(x), ...f64const(UNDERFLOW), ...V.f64lt]),
    ...get(res),
  ];
}

// softmax(logits, targets, rows, V, dLogits, invCount, scratch, rowOut): softmaxCrossEntropy's passes over each row
// r with a target t ≠ −1 (see loss.ts), dLogits written, and rowOut[2r] = Σ exp(l − max), rowOut[2r+1] = l_t − max
// (float64) for the caller's log; rows with t = −1 get zero gradient. scratch: V + 1 float64.
// Params 0..7; locals: i32 r(8) j(9) rowL(10) rowD(11) t(12) (13); f32 max(14) v(15); f64 sum(16) e(17) scale(18);
// v128 x(19) hx(20) k(21) hi(22) lo(23) rr(24) c(25) q(26) res(27).
function softmaxBody(): number[] {
  const [LOGITS, TARGETS, ROWS, NV, DLOGITS, INVCOUNT, SCRATCH, ROWOUT] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [R, J, ROWL, ROWD, T] = [8, 9, 10, 11, 12]; // local 13 is spare
  const [MAX, VV, SUM, E, SCALE] = [14, 15, 16, 17, 18];
  const EXP: ExpLocals = { x: 19, hx: 20, k: 21, hi: 22, lo: 23, r: 24, c: 25, q: 26, res: 27 };
  const f32load = [0x2a, 2, 0];
  const f32store = [0x38, 2, 0];
  const f64load = [0x2b, 3, 0];
  const f64store = [0x39, 3, 0];
  const i32load = [0x28, 2, 0];
  const add = [0x6a];
  const mul = [0x6c];
  const promote = [0xbb];
  const demote = [0xb6];
  const at = (base: number, index: number, bytes: number) => [
    ...get(base),
    ...get(index),
    ...i32c(bytes),
    ...mul,
    ...add,
  ];
  /** for (j = from; j < V; j += step) body */
  const forJ = (from: number, step: number, body: number[]) => [
    ...i32c(from),
    ...set(J),
    ...block(
      loop([
        ...get(J),
        ...get(NV),
        0x4e, // i32.ge_s
        ...brIf(1),
        ...body,
        ...get(J),
        ...i32c(step),
        ...add,
        ...set(J),
        ...br(0),
      ]),
    ),
  ];
  const row = [
    ...get(LOGITS),
    ...get(R),
    ...get(NV),
    ...mul,
    ...i32c(4),
    ...mul,
    ...add,
    ...set(ROWL),
    ...get(DLOGITS),
    ...get(R),
    ...get(NV),
    ...mul,
    ...i32c(4),
    ...mul,
    ...add,
    ...set(ROWD),
    ...at(TARGETS, R, 4),
    ...i32load,
    ...set(T),
    ...get(T),
    ...i32c(-1),
    0x46, // i32.eq
    0x04,
    0x40, // if (no target): zero gradient
    ...forJ(0, 1, [...at(ROWD, J, 4), 0x43, 0, 0, 0, 0, ...f32store]),
    0x05, // else
    // max
    ...get(ROWL),
    ...f32load,
    ...set(MAX),
    ...forJ(1, 1, [
      ...at(ROWL, J, 4),
      ...f32load,
      ...tee(VV),
      ...get(MAX),
      ...get(VV),
      ...get(MAX),
      0x5e, // f32.gt
      0x1b, // select
      ...set(MAX),
    ]),
    // scratch[j] = l_j − max, the pad lane 0
    ...forJ(0, 1, [
      ...at(SCRATCH, J, 8),
      ...at(ROWL, J, 4),
      ...f32load,
      ...promote,
      ...get(MAX),
      ...promote,
      0xa1, // f64.sub
      ...f64store,
    ]),
    ...at(SCRATCH, NV, 8),
    ...F64_ZERO,
    ...f64store,
    // exponentials, two lanes at a time
    ...forJ(0, 2, [...at(SCRATCH, J, 8), ...at(SCRATCH, J, 8), ...V.load, ...expLanes(EXP), ...V.store]),
    // dLogits = e (0 below 1e-30), sum += e in order
    ...F64_ZERO,
    ...set(SUM),
    ...forJ(0, 1, [
      ...at(ROWD, J, 4),
      ...F64_ZERO,
      ...at(SCRATCH, J, 8),
      ...f64load,
      ...tee(E),
      ...get(E),
      ...f64c(1e-30),
      0x63, // f64.lt
      0x1b, // select
      ...demote,
      ...f32store,
      ...get(SUM),
      ...get(E),
      0xa0, // f64.add
      ...set(SUM),
    ]),
    // dLogits *= invCount / sum
    ...get(INVCOUNT),
    ...get(SUM),
    0xa3, // f64.div
    ...set(SCALE),
    ...forJ(0, 1, [
      ...at(ROWD, J, 4),
      ...at(ROWD, J, 4),
      ...f32load,
      ...promote,
      ...get(SCALE),
      0xa2, // f64.mul
      ...demote,
      ...f32store,
    ]),
    // dLogits[t] = (e_t / sum − 1) · invCount
    ...at(ROWD, T, 4),
    ...at(SCRATCH, T, 8),
    ...f64load,
    ...get(SUM),
    0xa3,
    ...f64c(1),
    0xa1,
    ...get(INVCOUNT),
    0xa2,
    ...demote,
    ...f32store,
    // rowOut
    ...at(ROWOUT, R, 16),
    ...get(SUM),
    ...f64store,
    ...at(ROWOUT, R, 16),
    ...i32c(8),
    ...add,
    ...at(ROWL, T, 4),
    ...f32load,
    ...promote,
    ...get(MAX),
    ...promote,
    0xa1,
    ...f64store,
    0x0b, // end if
  ];
  return [
    ...i32c(0),
    ...set(R),
    ...block(
      loop([...get(R), ...get(ROWS), 0x4e, ...brIf(1), ...row, ...get(R), ...i32c(1), ...add, ...set(R), ...br(0)]),
    ),
  ];
}

// expArray(x, n): x[i] ← exp(x[i]) for float64 x[0 .. n) (n even), for the tests. Params 0..1; locals: i32 i(2);
// v128 as expLanes (3..11).
function expArrayBody(): number[] {
  const [X, N, I] = [0, 1, 2];
  const EXP: ExpLocals = { x: 3, hx: 4, k: 5, hi: 6, lo: 7, r: 8, c: 9, q: 10, res: 11 };
  const addr = [...get(X), ...get(I), ...i32c(8), 0x6c, 0x6a];
  return [
    ...i32c(0),
    ...set(I),
    ...block(
      loop([
        ...get(I),
        ...get(N),
        0x4e,
        ...brIf(1),
        ...addr,
        ...addr,
        ...V.load,
        ...expLanes(EXP),
        ...V.store,
        ...get(I),
        ...i32c(2),
        0x6a,
        ...set(I),
        ...br(0),
      ]),
    ),
  ];
}

/** The module's bytes: functions softmax and expArray over the imported memory env.mem. */
export function softmaxModuleBytes(): Uint8Array<ArrayBuffer> {
  const softmaxType = [0x60, 8, I32, I32, I32, I32, I32, F64, I32, I32, 0];
  const expType = [0x60, 2, I32, I32, 0];
  const type = section(1, [2, ...softmaxType, ...expType]);
  const imports = section(2, [1, ...name('env'), ...name('mem'), 0x02, 0x00, 1]);
  const funcs = section(3, [2, 0, 1]);
  const exports = section(7, [2, ...name('softmax'), 0x00, 0, ...name('expArray'), 0x00, 1]);
  const softmaxBytes = [4, 6, I32, 2, 0x7d, 3, F64, 9, V128, ...softmaxBody(), 0x0b];
  const expBytes = [2, 1, I32, 9, V128, ...expArrayBody(), 0x0b];
  const code = section(10, [2, ...u32(softmaxBytes.length), ...softmaxBytes, ...u32(expBytes.length), ...expBytes]);
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...type, ...imports, ...funcs, ...exports, ...code]);
}
