// Helpers that assemble WebAssembly modules byte by byte (LEB128 numbers, sections, opcodes): the SIMD kernels are
// written with them as arrays of instruction bytes, with no toolchain and no file.

/** Unsigned LEB128. */
export function u32(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
export function s32(n: number): number[] {
  const out: number[] = [];
  let v = n | 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

export function section(id: number, body: number[]): number[] {
  return [id, ...u32(body.length), ...body];
}

export function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...u32(bytes.length), ...bytes];
}

export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;
export const get = (i: number) => [0x20, ...u32(i)];
export const set = (i: number) => [0x21, ...u32(i)];
export const tee = (i: number) => [0x22, ...u32(i)];
export const i32c = (v: number) => [0x41, ...s32(v)];
export const simd = (op: number) => [0xfd, ...u32(op)];
/** v128.load / v128.store, alignment hint 1 byte (rows of an odd width start anywhere), offset `at`. */
export const load = (at = 0) => [...simd(0x00), 0, ...u32(at)];
export const store = (at = 0) => [...simd(0x0b), 0, ...u32(at)];
export const shuffle = (lanes: number[]) => [...simd(0x0d), ...lanes];
export const OP = {
  i32add: [0x6a],
  i32sub: [0x6b],
  i32mul: [0x6c],
  i32and: [0x71],
  i32or: [0x72],
  i32xor: [0x73],
  i32shl: [0x74],
  i32shrU: [0x76],
  i32geU: [0x4f],
  i32ltU: [0x49],
  i32geS: [0x4e],
  i32eqz: [0x45],
  f32load: [0x2a, 2, 0],
  f32store: [0x38, 2, 0],
  f64promote: [0xbb],
  f32demote: [0xb6],
  f64add: [0xa0],
  f64mul: [0xa2],
  f64abs: [0x99],
  f32gt: [0x5e],
  f32const0: [0x43, 0, 0, 0, 0],
  select: [0x1b],
  i32splat: simd(0x11),
  f64splat: simd(0x14),
  and: simd(0x4e),
  xor: simd(0x51),
  or: simd(0x50),
  bitselect: simd(0x52),
  f32gtV: simd(0x44),
  i16leU: simd(0x34),
  i16splat: simd(0x10),
  i32extendLow16: simd(0xa7),
  i32extendHigh16: simd(0xa8),
  i32shrUV: simd(0xad),
  i32addV: simd(0xae),
  i32mulV: simd(0xb5),
  promoteLow: simd(0x5f),
  demoteZero: simd(0x5e),
  f64absV: simd(0xec),
  f64addV: simd(0xf0),
  f64mulV: simd(0xf2),
};
/** v128.const of four i32 lanes. */
export function i32x4(a: number, b: number, c: number, d: number): number[] {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  const lanes = [a, b, c, d];
  for (let i = 0; i < 4; i++) view.setInt32(4 * i, lanes[i]!, true);
  return [...simd(0x0c), ...bytes];
}
export const block = (body: number[]) => [0x02, 0x40, ...body, 0x0b];
export const loop = (body: number[]) => [0x03, 0x40, ...body, 0x0b];
export const brIf = (depth: number) => [0x0d, ...u32(depth)];
export const br = (depth: number) => [0x0c, ...u32(depth)];
export const ifThen = (body: number[]) => [0x04, 0x40, ...body, 0x0b];

export const F64_ZERO = [0x44, 0, 0, 0, 0, 0, 0, 0, 0];
/** f64.const v. */
export function f64c(v: number): number[] {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setFloat64(0, v, true);
  return [0x44, ...bytes];
}
/** v128.const of two f64 lanes. */
export function f64x2(a: number, b: number): number[] {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  view.setFloat64(0, a, true);
  view.setFloat64(8, b, true);
  return [...simd(0x0c), ...bytes];
}
/** v128.const of two i64 lanes (given as numbers that fit in 53 bits, or bigints). */
export function i64x2(a: bigint, b: bigint): number[] {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  view.setBigInt64(0, a, true);
  view.setBigInt64(8, b, true);
  return [...simd(0x0c), ...bytes];
}
