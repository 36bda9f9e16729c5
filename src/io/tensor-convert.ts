// Conversions between stored tensors and the arrays memsig computes with: any float dtype → Float32Array, integer
// ids → Int32Array, and Float32Array → F16/BF16 bits for writing half-precision files.

import { UserError } from '../core/errors.js';
import type { NamedTensor } from './tensor-dtypes.js';

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** One IEEE half-precision value (given as its 16 bits) as a number; exact. */
export function f16BitsToNumber(h: number): number {
  const exponent = (h >>> 10) & 0x1f;
  const fraction = h & 0x3ff;
  let magnitude: number;
  if (exponent === 0) magnitude = fraction * 2 ** -24;
  else if (exponent === 0x1f) magnitude = fraction === 0 ? Number.POSITIVE_INFINITY : Number.NaN;
  else magnitude = (1 + fraction / 1024) * 2 ** (exponent - 15);
  return h & 0x8000 ? -magnitude : magnitude;
}

/** The IEEE half-precision bits nearest to float32(x) (round to nearest, ties to even; overflow → ±Infinity). */
export function numberToF16Bits(x: number): number {
  scratchF32[0] = x;
  const bits = scratchU32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 | (mantissa >>> 13) : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): shift the full significand, implicit bit included, into the 10-bit fraction.
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the fraction correctly bumps the exponent (up to Infinity).
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  return sign | half;
}

/** The bfloat16 bits nearest to float32(x) (round to nearest, ties to even; NaN stays NaN). */
export function numberToBf16Bits(x: number): number {
  scratchF32[0] = x;
  const bits = scratchU32[0];
  if ((bits & 0x7f800000) === 0x7f800000 && bits & 0x7fffff) return (bits >>> 16) | 0x40;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Float32 values as F16 bits, for writing an F16 tensor. */
export function toF16Bits(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = numberToF16Bits(values[i]);
  return out;
}

/** Float32 values as BF16 bits, for writing a BF16 tensor. */
export function toBf16Bits(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = numberToBf16Bits(values[i]);
  return out;
}

/**
 * A floating-point tensor's values as a Float32Array (F64 is rounded; F16 and BF16 are exact). An F32 tensor's own
 * array is returned, not a copy. `what` names the tensor in the UserError raised for non-float dtypes.
 */
export function toFloat32(t: NamedTensor, what = 'tensor'): Float32Array {
  switch (t.dtype) {
    case 'F32':
      return t.data;
    case 'F64':
      return Float32Array.from(t.data);
    case 'F16': {
      const out = new Float32Array(t.data.length);
      for (let i = 0; i < out.length; i++) out[i] = f16BitsToNumber(t.data[i]);
      return out;
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const bits = new Uint32Array(t.data.length);
      for (let i = 0; i < bits.length; i++) bits[i] = t.data[i] << 16;
      return new Float32Array(bits.buffer);
    }
    default:
      throw new UserError(`${what} has dtype ${t.dtype}, but floating-point values (F32, F64, F16 or BF16) are needed`);
  }
}

/**
 * An integer tensor's values (e.g. symbol ids) as an Int32Array; an I32 tensor's own array is returned. `what` names
 * the tensor in the UserError raised for other dtypes or for I64 values outside the 32-bit range.
 */
export function toInt32(t: NamedTensor, what = 'tensor'): Int32Array {
  switch (t.dtype) {
    case 'I32':
      return t.data;
    case 'I64': {
      const out = new Int32Array(t.data.length);
      for (let i = 0; i < out.length; i++) {
        const v = t.data[i];
        if (v < -2147483648n || v > 2147483647n) {
          throw new UserError(`${what}: value ${v} at index ${i} does not fit in a 32-bit integer`);
        }
        out[i] = Number(v);
      }
      return out;
    }
    case 'I16':
    case 'I8':
    case 'U8':
      return Int32Array.from(t.data);
    default:
      throw new UserError(`${what} has dtype ${t.dtype}, but integer values (I64, I32, I16, I8 or U8) are needed`);
  }
}
