// Helpers of the gate-major recurrent layers (lstm.ts, gru.ts): inside a step, rows are units (or gate units) and
// the B streams are the columns, so that the recurrent product keeps the weights as its left operand.

import type { Gemm } from './gemm.js';
import type { InputProjection } from './recurrent.js';

/** dst (cols, rows) = srcᵀ for src (rows, cols). */
export function transpose(src: Float32Array, dst: Float32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const s = r * cols;
    for (let c = 0; c < cols; c++) dst[c * rows + r] = src[s + c]!;
  }
}

export function anyReset(resets: Uint8Array, t: number, B: number): boolean {
  for (let b = 0; b < B; b++) if (resets[t * B + b] === 1) return true;
  return false;
}

/**
 * Writes h_{t−1} into dst (H, B) as the recurrent kernel sees it at step t: columns of resetting streams zeroed,
 * the recurrent mask (B, H) applied. h is (B, H) when rowMajor, else already (H, B).
 */
export function writeKernelStateGateMajor(
  h: Float32Array,
  rowMajor: boolean,
  dst: Float32Array,
  t: number,
  B: number,
  H: number,
  resets: Uint8Array | null,
  mask: Float32Array | null,
): void {
  for (let j = 0; j < H; j++) {
    for (let b = 0; b < B; b++) {
      const reset = resets !== null && resets[t * B + b] === 1;
      const v = rowMajor ? h[b * H + j]! : h[j * B + b]!;
      dst[j * B + b] = reset ? 0 : mask ? v * mask[b * H + j]! : v;
    }
  }
}

/** dst (H, B) = c (H, B) with the columns of the streams that reset at step t zeroed. */
export function zeroResetColumns(
  c: Float32Array,
  dst: Float32Array,
  resets: Uint8Array,
  t: number,
  B: number,
  H: number,
) {
  for (let j = 0; j < H; j++) {
    for (let b = 0; b < B; b++) dst[j * B + b] = resets[t * B + b] === 1 ? 0 : c[j * B + b]!;
  }
}

/** keep[b] = 0 where stream b resets at step t, else 1 (multiplied in rather than branched on). */
export function fillKeep(keep: Float32Array, resets: Uint8Array | null, t: number, B: number): void {
  for (let b = 0; b < B; b++) keep[b] = resets !== null && resets[t * B + b] === 1 ? 0 : 1;
}

/**
 * The input projection W_ih·x_t of every step into act (T, G, B): gathered by the caller when it can, otherwise one
 * product per step with W_ih as the left operand (x_t, the small operand, is the one packed).
 */
export function projectInputGateMajor(
  gemm: Gemm,
  wIh: Float32Array,
  x: Float32Array,
  act: Float32Array,
  T: number,
  B: number,
  G: number,
  I: number,
  projectInput?: InputProjection,
): void {
  if (projectInput) {
    projectInput(act.subarray(0, T * G * B), true);
    return;
  }
  for (let t = 0; t < T; t++) {
    gemm.gemm(false, true, G, B, I, wIh, x.subarray(t * B * I, (t + 1) * B * I), act.subarray(t * G * B), false);
  }
}
