// The decoders' passes around their products as WebAssembly SIMD kernels, on float32 arrays that live in the
// kernels' own WebAssembly memory (allocated there once, so a pass copies nothing): the backward ReLU/dropout gate,
// the dropout mask with the very random stream of decoder-kernels.ts's reluDropout, and a transpose. They give
// exactly what the JavaScript kernels give: where those compute in float64 and round to float32, these do too
// (f64x2 lanes). The module is assembled here byte by byte, as simd-adam.ts's is.

import type { CrossEntropyResult } from './loss.js';
import type { Rng } from './random.js';
import {
  block,
  br,
  brIf,
  F64,
  F64_ZERO,
  get,
  I32,
  i32c,
  i32x4,
  ifThen,
  load,
  loop,
  name,
  OP,
  section,
  set,
  shuffle,
  store,
  tee,
  u32,
  V128,
} from './simd-bytes.js';
import { softmaxModuleBytes } from './simd-softmax.js';

/** Lanes 2 and 3 of a v128 moved to lanes 0 and 1 (as bytes of one operand). */
const HIGH_HALF = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
/** Lanes 0, 1 of the first operand, then lanes 0, 1 of the second. */
const JOIN_LOWS = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
const SIGN = 0x80000000 | 0;

/**
 * f32x4 (on the stack) times the f64x2 in local `factor`, each lane in float64 and rounded to float32 (what a
 * JavaScript float32 store of a float64 product does). `pre` (f64x2 → f64x2) runs on each promoted half first.
 * Uses locals `x` (the input), `lo`.
 */
function timesInFloat64(factor: number, x: number, lo: number, pre: (v: number) => number[]): number[] {
  const half = (select: number[]) => [
    ...get(x),
    ...select,
    ...OP.promoteLow,
    ...pre(lo),
    ...get(factor),
    ...OP.f64mulV,
    ...OP.demoteZero,
  ];
  return [
    ...set(x),
    ...half([]),
    ...set(lo),
    ...get(lo),
    ...half([...get(x), ...shuffle(HIGH_HALF)]),
    ...shuffle(JOIN_LOWS),
  ];
}

/** f64x2 v → v + |v| (in place on the stack, via local `tmp`). */
const plusAbs = (tmp: number) => [...tee(tmp), ...get(tmp), ...OP.f64absV, ...OP.f64addV];

// gate(d, a, n, scale): d[i] ← a[i] > 0 ? d[i]·scale : d[i]·0, i < n, byte offsets d and a.
// Params 0..3; locals: i32 at(4) end(5) vecEnd(6); v128 vScale(7) x(8) lo(9) sign(10).
function gateBody(): number[] {
  const [D, A, N, SCALE] = [0, 1, 2, 3];
  const [AT, END, VEND, VSCALE, X, LO, SIGNV] = [4, 5, 6, 7, 8, 9, 10];
  const dAt = [...get(D), ...get(AT), ...OP.i32add];
  const aAt = [...get(A), ...get(AT), ...OP.i32add];
  return [
    ...get(N),
    ...i32c(2),
    ...OP.i32shl,
    ...tee(END),
    ...i32c(-16),
    ...OP.i32and,
    ...set(VEND),
    ...get(SCALE),
    ...OP.f64splat,
    ...set(VSCALE),
    ...i32x4(SIGN, SIGN, SIGN, SIGN),
    ...set(SIGNV),
    ...i32c(0),
    ...set(AT),
    ...block(
      loop([
        ...get(AT),
        ...get(VEND),
        ...OP.i32geU,
        ...brIf(1),
        ...dAt,
        // bitselect(d·scale, d's sign bit (d·0), a > 0)
        ...dAt,
        ...load(),
        ...timesInFloat64(VSCALE, X, LO, () => []),
        ...get(X),
        ...get(SIGNV),
        ...OP.and,
        ...aAt,
        ...load(),
        ...i32x4(0, 0, 0, 0),
        ...OP.f32gtV,
        ...OP.bitselect,
        ...store(),
        ...get(AT),
        ...i32c(16),
        ...OP.i32add,
        ...set(AT),
        ...br(0),
      ]),
    ),
    // The last n mod 4 entries one by one.
    ...block(
      loop([
        ...get(AT),
        ...get(END),
        ...OP.i32geU,
        ...brIf(1),
        ...dAt,
        ...dAt,
        ...OP.f32load,
        ...OP.f64promote,
        ...get(SCALE),
        ...F64_ZERO,
        ...aAt,
        ...OP.f32load,
        ...OP.f32const0,
        ...OP.f32gt,
        ...OP.select,
        ...OP.f64mul,
        ...OP.f32demote,
        ...OP.f32store,
        ...get(AT),
        ...i32c(4),
        ...OP.i32add,
        ...set(AT),
        ...br(0),
      ]),
    ),
  ];
}

// One mulberry32 step of Rng.nextUint32 (see decoder-kernels.ts), on the i32 (or i32x4) on the stack.
const GOLDEN = 0x6d2b79f5;
function mulberryScalar(t: number, u: number): number[] {
  // t = imul(t ^ (t >>> 15), t | 1); t ^= t + imul(t ^ (t >>> 7), t | 61); u = t ^ (t >>> 14)
  return [
    ...set(t),
    ...get(t),
    ...get(t),
    ...i32c(15),
    ...OP.i32shrU,
    ...OP.i32xor,
    ...get(t),
    ...i32c(1),
    ...OP.i32or,
    ...OP.i32mul,
    ...set(t),
    ...get(t),
    ...get(t),
    ...get(t),
    ...get(t),
    ...i32c(7),
    ...OP.i32shrU,
    ...OP.i32xor,
    ...get(t),
    ...i32c(61),
    ...OP.i32or,
    ...OP.i32mul,
    ...OP.i32add,
    ...OP.i32xor,
    ...tee(t),
    ...get(t),
    ...i32c(14),
    ...OP.i32shrU,
    ...OP.i32xor,
    ...set(u),
  ];
}
function mulberryVector(t: number, u: number, one: number, sixtyOne: number): number[] {
  const shr = (k: number) => [...i32c(k), ...OP.i32shrUV];
  return [
    ...set(t),
    ...get(t),
    ...get(t),
    ...shr(15),
    ...OP.xor,
    ...get(t),
    ...get(one),
    ...OP.or,
    ...OP.i32mulV,
    ...set(t),
    ...get(t),
    ...get(t),
    ...get(t),
    ...get(t),
    ...shr(7),
    ...OP.xor,
    ...get(t),
    ...get(sixtyOne),
    ...OP.or,
    ...OP.i32mulV,
    ...OP.i32addV,
    ...OP.xor,
    ...tee(t),
    ...get(t),
    ...shr(14),
    ...OP.xor,
    ...set(u),
  ];
}

// mask(x, rows, cols, state, limit, half) → state: in place on x (rows, cols) contiguous,
//   x[r, c] ← (x + |x|)·half where the 16-bit decision of (r, c) is ≤ limit, else (x + |x|)·0,
// per row draw i deciding entry 2i (low half) and 2i+1 (high half), as reluDropout. Returns the generator state.
// Params 0..5; locals: i32 row(6) at(7) rowEnd(8) vecEnd(9) s(10) t(11) u(12);
// v128 vT(13) vU(14) vOne(15) v61(16) vLimit(17) vHalf(18) keep(19) x(20) lo(21); f64 v(22).
function maskBody(): number[] {
  const [X, ROWS, COLS, STATE, LIMIT, HALF] = [0, 1, 2, 3, 4, 5];
  const [ROW, AT, ROWEND, VECEND, S, T, U] = [6, 7, 8, 9, 10, 11, 12];
  const [VT, VU, VONE, V61, VLIMIT, VHALF, KEEP, XV, LO, V] = [13, 14, 15, 16, 17, 18, 19, 20, 21, 22];
  const xAt = [...get(X), ...get(AT), ...OP.i32add];
  /** Entries of the current 8 at byte offset `at` from xAt: one f32x4, with 16-bit masks widened by `widen`. */
  const four = (offset: number, widen: number[]) => [
    ...xAt,
    ...xAt,
    ...load(offset),
    ...timesInFloat64(VHALF, XV, LO, plusAbs),
    ...get(KEEP),
    ...widen,
    ...OP.and,
    ...store(offset),
  ];
  /** One scalar entry at byte offset `at` decided by the i32 on the stack (0 or 1). */
  const scalarEntry = (decision: number[]) => [
    ...xAt,
    ...xAt,
    ...OP.f32load,
    ...OP.f64promote,
    ...tee(V),
    ...get(V),
    ...OP.f64abs,
    ...OP.f64add,
    ...get(HALF),
    ...F64_ZERO,
    ...decision,
    ...OP.select,
    ...OP.f64mul,
    ...OP.f32demote,
    ...OP.f32store,
  ];
  return [
    ...get(STATE),
    ...set(S),
    ...i32x4(1, 1, 1, 1),
    ...set(VONE),
    ...i32x4(61, 61, 61, 61),
    ...set(V61),
    ...get(LIMIT),
    ...OP.i16splat,
    ...set(VLIMIT),
    ...get(HALF),
    ...OP.f64splat,
    ...set(VHALF),
    ...i32c(0),
    ...set(AT),
    ...i32c(0),
    ...set(ROW),
    ...block(
      loop([
        ...get(ROW),
        ...get(ROWS),
        ...OP.i32geU,
        ...brIf(1),
        // rowEnd = at + cols·4; vecEnd = at + (cols − cols mod 8)·4
        ...get(AT),
        ...get(COLS),
        ...i32c(2),
        ...OP.i32shl,
        ...OP.i32add,
        ...set(ROWEND),
        ...get(AT),
        ...get(COLS),
        ...i32c(-8),
        ...OP.i32and,
        ...i32c(2),
        ...OP.i32shl,
        ...OP.i32add,
        ...set(VECEND),
        // Eight entries (four draws) at a time: lanes s + G, s + 2G, s + 3G, s + 4G.
        ...block(
          loop([
            ...get(AT),
            ...get(VECEND),
            ...OP.i32geU,
            ...brIf(1),
            ...get(S),
            ...OP.i32splat,
            ...i32x4(GOLDEN, GOLDEN * 2, GOLDEN * 3, GOLDEN * 4),
            ...OP.i32addV,
            ...mulberryVector(VT, VU, VONE, V61),
            // The draws' 16-bit halves in entry order are the i16x8 lanes: kept where ≤ limit.
            ...get(VU),
            ...get(VLIMIT),
            ...OP.i16leU,
            ...set(KEEP),
            ...four(0, OP.i32extendLow16),
            ...four(16, OP.i32extendHigh16),
            ...get(S),
            ...i32c(GOLDEN * 4),
            ...OP.i32add,
            ...set(S),
            ...get(AT),
            ...i32c(32),
            ...OP.i32add,
            ...set(AT),
            ...br(0),
          ]),
        ),
        // The rest of the row: one draw per pair of entries, the last perhaps alone.
        ...block(
          loop([
            ...get(AT),
            ...get(ROWEND),
            ...OP.i32geU,
            ...brIf(1),
            ...get(S),
            ...i32c(GOLDEN),
            ...OP.i32add,
            ...tee(S),
            ...mulberryScalar(T, U),
            ...scalarEntry([...get(U), ...i32c(0xffff), ...OP.i32and, ...get(LIMIT), 0x4d]), // i32.le_u
            ...get(AT),
            ...i32c(4),
            ...OP.i32add,
            ...tee(AT),
            ...get(ROWEND),
            ...OP.i32ltU,
            ...ifThen([
              ...scalarEntry([...get(U), ...i32c(16), ...OP.i32shrU, ...get(LIMIT), 0x4d]),
              ...get(AT),
              ...i32c(4),
              ...OP.i32add,
              ...set(AT),
            ]),
            ...br(0),
          ]),
        ),
        ...get(ROW),
        ...i32c(1),
        ...OP.i32add,
        ...set(ROW),
        ...br(0),
      ]),
    ),
    ...get(S),
  ];
}

// transpose(src, rows, cols, dst): dst (cols, rows) ← srcᵀ, src (rows, cols), both dense; 4×4 blocks in lanes.
// Params 0..3; locals: i32 r(4) c(5) rowBytes(6) colBytes(7) from(8) to(9); v128 t0(10) t1(11) t2(12) t3(13).
const PAIR_LOW = [0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23];
const PAIR_HIGH = [8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31];
const HALF_LOW = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
const HALF_HIGH = [8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31];
function transposeBody(): number[] {
  const [SRC, ROWS, COLS, DST] = [0, 1, 2, 3];
  const [R, C, ROWB, COLB, FROM, TO, T0, T1, T2, T3] = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  /** from = src + (r·cols + c)·4, to = dst + (c·rows + r)·4. */
  const addresses = [
    ...get(SRC),
    ...get(R),
    ...get(COLS),
    ...OP.i32mul,
    ...get(C),
    ...OP.i32add,
    ...i32c(2),
    ...OP.i32shl,
    ...OP.i32add,
    ...set(FROM),
    ...get(DST),
    ...get(C),
    ...get(ROWS),
    ...OP.i32mul,
    ...get(R),
    ...OP.i32add,
    ...i32c(2),
    ...OP.i32shl,
    ...OP.i32add,
    ...set(TO),
  ];
  /** Address `base` + k·`stride` bytes. */
  const at = (base: number, k: number, stride: number) =>
    k === 0 ? get(base) : [...get(base), ...get(stride), ...i32c(k), ...OP.i32mul, ...OP.i32add];
  /** dst[c·rows + r + k] = src[(r + k)·cols + c], from and to already at (r, c). */
  const elementAt = (k: number) => [
    ...get(TO),
    ...i32c(4 * k),
    ...OP.i32add,
    ...at(FROM, k, ROWB),
    ...OP.f32load,
    ...OP.f32store,
  ];
  const whileLess = (a: number[], b: number[], body: number[]) =>
    block(loop([...a, ...b, ...OP.i32geU, ...brIf(1), ...body, ...br(0)]));
  const increment = (local: number, by: number) => [...get(local), ...i32c(by), ...OP.i32add, ...set(local)];
  /** One 4×4 block at rows r + 4q .. r + 4q + 3, columns c .. c + 3 (from and to at (r, c)). */
  const block4 = (q: number) => {
    const src = (k: number) => at(FROM, 4 * q + k, ROWB);
    const dst = (k: number) => [...at(TO, k, COLB), ...(q === 0 ? [] : [...i32c(16 * q), ...OP.i32add])];
    return [
      ...src(0),
      ...load(),
      ...src(1),
      ...load(),
      ...shuffle(PAIR_LOW),
      ...set(T0),
      ...src(0),
      ...load(),
      ...src(1),
      ...load(),
      ...shuffle(PAIR_HIGH),
      ...set(T1),
      ...src(2),
      ...load(),
      ...src(3),
      ...load(),
      ...shuffle(PAIR_LOW),
      ...set(T2),
      ...src(2),
      ...load(),
      ...src(3),
      ...load(),
      ...shuffle(PAIR_HIGH),
      ...set(T3),
      ...dst(0),
      ...get(T0),
      ...get(T2),
      ...shuffle(HALF_LOW),
      ...store(),
      ...dst(1),
      ...get(T0),
      ...get(T2),
      ...shuffle(HALF_HIGH),
      ...store(),
      ...dst(2),
      ...get(T1),
      ...get(T3),
      ...shuffle(HALF_LOW),
      ...store(),
      ...dst(3),
      ...get(T1),
      ...get(T3),
      ...shuffle(HALF_HIGH),
      ...store(),
    ];
  };
  /** Rows `step` (4 or 16) at a time while they last: 4×4 blocks across the columns, then the last cols mod 4. */
  const rowBlocks = (step: number) =>
    whileLess(
      [...get(R), ...i32c(step), ...OP.i32add],
      [...get(ROWS), ...i32c(1), ...OP.i32add],
      [
        ...i32c(0),
        ...set(C),
        ...whileLess(
          [...get(C), ...i32c(4), ...OP.i32add],
          [...get(COLS), ...i32c(1), ...OP.i32add],
          [...addresses, ...Array.from({ length: step / 4 }, (_, q) => block4(q)).flat(), ...increment(C, 4)],
        ),
        ...whileLess(get(C), get(COLS), [
          ...addresses,
          ...Array.from({ length: step }, (_, k) => elementAt(k)).flat(),
          ...increment(C, 1),
        ]),
        ...increment(R, step),
      ],
    );
  return [
    ...get(COLS),
    ...i32c(2),
    ...OP.i32shl,
    ...set(ROWB),
    ...get(ROWS),
    ...i32c(2),
    ...OP.i32shl,
    ...set(COLB),
    ...i32c(0),
    ...set(R),
    // Rows in sixteens, then in fours (r + step ≤ rows): a sixteen writes whole 64-byte lines of dst, whose rows
    // (a multiple of 4 KB apart when rows is a multiple of 1024) would otherwise fight over the same cache sets.
    ...rowBlocks(16),
    ...rowBlocks(4),
    // The last rows mod 4 rows, one entry at a time.
    ...whileLess(get(R), get(ROWS), [
      ...i32c(0),
      ...set(C),
      ...whileLess(get(C), get(COLS), [...addresses, ...elementAt(0), ...increment(C, 1)]),
      ...increment(R, 1),
    ]),
  ];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const gateType = [0x60, 4, I32, I32, I32, F64, 0];
  const maskType = [0x60, 6, I32, I32, I32, I32, I32, F64, 1, I32];
  const transposeType = [0x60, 4, I32, I32, I32, I32, 0];
  const type = section(1, [3, ...gateType, ...maskType, ...transposeType]);
  const imports = section(2, [1, ...name('env'), ...name('mem'), 0x02, 0x00, 1]);
  const funcs = section(3, [3, 0, 1, 2]);
  const exports = section(7, [3, ...name('gate'), 0x00, 0, ...name('mask'), 0x00, 1, ...name('transpose'), 0x00, 2]);
  const gateBodyBytes = [2, 3, I32, 4, V128, ...gateBody(), 0x0b];
  const maskBodyBytes = [3, 7, I32, 9, V128, 1, F64, ...maskBody(), 0x0b];
  const transposeBodyBytes = [2, 6, I32, 4, V128, ...transposeBody(), 0x0b];
  const code = section(10, [
    3,
    ...u32(gateBodyBytes.length),
    ...gateBodyBytes,
    ...u32(maskBodyBytes.length),
    ...maskBodyBytes,
    ...u32(transposeBodyBytes.length),
    ...transposeBodyBytes,
  ]);
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...type, ...imports, ...funcs, ...exports, ...code]);
}

let compiled: { kernels: WebAssembly.Module; softmax: WebAssembly.Module } | null | undefined;

/** The compiled modules, or null where this runtime lacks WebAssembly SIMD. */
function kernelModules(): { kernels: WebAssembly.Module; softmax: WebAssembly.Module } | null {
  if (compiled !== undefined) return compiled;
  const kernels = moduleBytes();
  const softmax = softmaxModuleBytes();
  compiled =
    typeof WebAssembly === 'object' && WebAssembly.validate(kernels) && WebAssembly.validate(softmax)
      ? { kernels: new WebAssembly.Module(kernels), softmax: new WebAssembly.Module(softmax) }
      : null;
  return compiled;
}

/** Whether SimdKernels can run here. */
export function simdKernelsAvailable(): boolean {
  return kernelModules() !== null;
}

/** Floats of kernel memory that softmaxCrossEntropy needs beside the logits, for up to `rows` rows of V. */
export function crossEntropyFloats(rows: number, V: number): number {
  const padded = (n: number) => Math.ceil(n / 4) * 4;
  return padded(rows) + padded(4 * rows) + padded(2 * (V + 2));
}

const PAGE = 65_536;

/**
 * The kernels and the float32 arrays they work on: `alloc` hands out arrays in the kernels' memory, sized once (the
 * memory never grows, so the arrays stay valid), and the kernels take only those.
 */
export class SimdKernels {
  private readonly memory: WebAssembly.Memory;
  private readonly gateRun: (d: number, a: number, n: number, scale: number) => void;
  private readonly maskRun: (x: number, rows: number, cols: number, s: number, limit: number, half: number) => number;
  private readonly transposeRun: (src: number, rows: number, cols: number, dst: number) => void;
  private readonly softmaxRun: (
    logits: number,
    targets: number,
    rows: number,
    V: number,
    dLogits: number,
    invCount: number,
    scratch: number,
    rowOut: number,
  ) => void;
  private readonly expRun: (x: number, n: number) => void;
  /** softmaxCrossEntropy's targets, per-row results and exponentials, made on first use. */
  private crossEntropy: {
    rows: number;
    V: number;
    targets: Int32Array;
    rowOut: Float64Array;
    scratch: Float64Array;
  } | null = null;
  private used = 0;

  /** Room for arrays of `floats` float32 in all (each rounded up to 4 floats). */
  constructor(readonly floats: number) {
    const modules = kernelModules();
    if (!modules) throw new Error('SimdKernels: this runtime has no WebAssembly SIMD');
    this.memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil((floats * 4 + 16) / PAGE)) });
    const env = { env: { mem: this.memory } };
    const instance = new WebAssembly.Instance(modules.kernels, env);
    this.gateRun = instance.exports.gate as SimdKernels['gateRun'];
    this.maskRun = instance.exports.mask as SimdKernels['maskRun'];
    this.transposeRun = instance.exports.transpose as SimdKernels['transposeRun'];
    const softmax = new WebAssembly.Instance(modules.softmax, env);
    this.softmaxRun = softmax.exports.softmax as SimdKernels['softmaxRun'];
    this.expRun = softmax.exports.expArray as SimdKernels['expRun'];
  }

  /** A zeroed array of n floats in the kernels' memory. */
  alloc(n: number): Float32Array {
    const padded = Math.ceil(n / 4) * 4;
    if (this.used + padded > this.floats) throw new RangeError(`SimdKernels: ${n} more floats exceed ${this.floats}`);
    const array = new Float32Array(this.memory.buffer, this.used * 4, n);
    this.used += padded;
    return array;
  }

  private offset(a: Float32Array, n: number, what: string): number {
    if (a.buffer !== this.memory.buffer) throw new RangeError(`SimdKernels: ${what} is not in the kernels' memory`);
    if (a.length < n) throw new RangeError(`SimdKernels: ${what} has ${a.length} floats, needs ${n}`);
    return a.byteOffset;
  }

  /**
   * d[i] ← d[i]·scale where a[i] > 0, else d[i]·0, for i < n, in place: reluDropoutBackward (decoder-kernels.ts)
   * with d, a and out sharing one row stride, to the bit.
   */
  gate(d: Float32Array, a: Float32Array, n: number, scale: number): void {
    this.gateRun(this.offset(d, n, 'd'), this.offset(a, n, 'a'), n, scale);
  }

  /**
   * x (rows, cols) ← (x + |x|)·half where kept, else (x + |x|)·0, in place: a unit is kept when its 16-bit
   * decision is below `threshold` (1 .. 65536), per row draw i of rng's Rng.nextUint32 stream deciding entries 2i
   * (low half) and 2i+1 (high half); rng advances past the draws. reluDropout with threshold and half = scale/2, to
   * the bit.
   */
  mask(x: Float32Array, rows: number, cols: number, threshold: number, half: number, rng: Rng): void {
    const at = this.offset(x, rows * cols, 'x');
    rng.setState(this.maskRun(at, rows, cols, rng.getState() | 0, threshold - 1, half) >>> 0);
  }

  /** dst (cols, rows) ← srcᵀ for src (rows, cols), both dense (dst must not overlap src). */
  transpose(src: Float32Array, rows: number, cols: number, dst: Float32Array): void {
    this.transposeRun(this.offset(src, rows * cols, 'src'), rows, cols, this.offset(dst, rows * cols, 'dst'));
  }

  /**
   * loss.ts's softmaxCrossEntropy with logits and dLogits in the kernels' memory (the targets anywhere), to the bit:
   * the same checks and errors, the exponentials in float64 lanes as Math.exp computes them. Its scratch: see
   * crossEntropyScratch.
   */
  softmaxCrossEntropy(
    logits: Float32Array,
    targets: Int32Array,
    N: number,
    V: number,
    dLogits: Float32Array,
  ): CrossEntropyResult {
    if (!(Number.isInteger(N) && N >= 0 && Number.isInteger(V) && V > 0)) {
      throw new RangeError(`softmaxCrossEntropy: invalid shape N=${N} V=${V}`);
    }
    if (targets.length < N) throw new RangeError(`softmaxCrossEntropy: targets has ${targets.length}, needs ${N}`);
    const logitsAt = this.offset(logits, N * V, 'logits');
    const dLogitsAt = this.offset(dLogits, N * V, 'dLogits');
    const scratch = this.crossEntropyScratch(N, V);
    let count = 0;
    const copy = scratch.targets;
    for (let r = 0; r < N; r++) {
      const t = targets[r];
      copy[r] = t;
      if (t === -1) continue;
      if (t < 0 || t >= V)
        throw new RangeError(`softmaxCrossEntropy: target ${t} at row ${r} is out of range [0, ${V})`);
      count++;
    }
    const invCount = count > 0 ? 1 / count : 0;
    this.softmaxRun(
      logitsAt,
      scratch.targets.byteOffset,
      N,
      V,
      dLogitsAt,
      invCount,
      scratch.scratch.byteOffset,
      scratch.rowOut.byteOffset,
    );
    const rowOut = scratch.rowOut;
    let total = 0;
    for (let r = 0; r < N; r++) {
      if (targets[r] !== -1) total += Math.log(rowOut[2 * r]!) - rowOut[2 * r + 1]!;
    }
    return { loss: count > 0 ? total / count : 0, count };
  }

  /**
   * softmaxCrossEntropy's scratch for up to `rows` rows of V (crossEntropyFloats(rows, V) floats), set aside now so
   * that no later call needs room; a call on more rows or a wider V sets aside more.
   */
  crossEntropyScratch(rows: number, V: number) {
    let scratch = this.crossEntropy;
    if (scratch === null || scratch.rows < rows || scratch.V < V) {
      const n = Math.max(rows, scratch?.rows ?? 0);
      const width = Math.max(V, scratch?.V ?? 0);
      const t = this.alloc(n);
      const out = this.alloc(4 * n);
      const ex = this.alloc(2 * (width + 2));
      scratch = {
        rows: n,
        V: width,
        targets: new Int32Array(t.buffer, t.byteOffset, n),
        rowOut: new Float64Array(out.buffer, out.byteOffset, 2 * n),
        scratch: new Float64Array(ex.buffer, ex.byteOffset, width + 2),
      };
      this.crossEntropy = scratch;
    }
    return scratch;
  }

  /** x[i] ← exp(x[i]) for float64 x ≤ 0 in the kernels' memory (n even), as Math.exp: for the tests. */
  exp(x: Float64Array, n: number): void {
    if (x.buffer !== this.memory.buffer || x.length < n || n % 2 !== 0) throw new RangeError('SimdKernels.exp: bad x');
    this.expRun(x.byteOffset, n);
  }
}
