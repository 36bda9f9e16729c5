// Inverted dropout: kept units are scaled by 1/(1−p) at training time so inference needs no rescaling.
// Masks are materialised (0 or 1/(1−p)) so the backward pass is the same multiply as the forward pass.

import type { Rng } from './random.js';

function checkP(p: number): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout: probability ${p} is not in [0, 1]`);
}

/**
 * Fills mask (any shape, mask.length entries) with independent draws: 0 with probability p, else 1/(1−p).
 * p = 0 fills ones and consumes no random numbers (so the forward pass is an exact identity); p = 1 fills zeros
 * (PyTorch's behaviour). Otherwise draws exactly one Rng.nextUint32() per entry, in index order.
 */
export function makeDropoutMask(rng: Rng, mask: Float32Array, p: number): void {
  checkP(p);
  if (p === 0) {
    mask.fill(1);
    return;
  }
  if (p === 1) {
    mask.fill(0);
    return;
  }
  const scale = 1 / (1 - p);
  // Drop when u < p with u = uint32 / 2³²: comparing the integer with p·2³² avoids a division per entry.
  const threshold = p * 4294967296;
  const n = mask.length;
  for (let i = 0; i < n; i++) mask[i] = rng.nextUint32() < threshold ? 0 : scale;
}

/**
 * out[i] = x[i] · mask[i] for i < mask.length (forward of dropout). out may be x (in place).
 * Backward is the same call: dx = applyMask(dy, mask, dx).
 */
export function applyMask(x: Float32Array, mask: Float32Array, out: Float32Array): void {
  const n = mask.length;
  if (x.length < n || out.length < n) {
    throw new RangeError(`dropout: mask has ${n} elements but x has ${x.length} and out ${out.length}`);
  }
  for (let i = 0; i < n; i++) out[i] = x[i] * mask[i];
}

/** Backward of applyMask: dx = dy · mask (an alias, for readability at call sites). dx may be dy. */
export function dropoutBackward(dy: Float32Array, mask: Float32Array, dx: Float32Array): void {
  applyMask(dy, mask, dx);
}

/**
 * Variational ("locked") dropout: one mask (B,H) shared by all T timesteps of a time-major buffer x (T,B,H):
 * out[t,b,h] = x[t,b,h] · mask[b,h], with B·H = mask.length. out may be x. Backward is the same call on dy.
 * Draw the mask with makeDropoutMask(rng, mask, p) once per sequence batch.
 */
export function applyBroadcastMask(x: Float32Array, mask: Float32Array, out: Float32Array, T: number): void {
  const bh = mask.length;
  const n = T * bh;
  if (!(Number.isInteger(T) && T >= 0)) throw new RangeError(`dropout: invalid T=${T}`);
  if (x.length < n || out.length < n) {
    throw new RangeError(`dropout: (T,B·H) = (${T},${bh}) needs ${n} elements, x has ${x.length}, out ${out.length}`);
  }
  for (let t = 0; t < T; t++) {
    const base = t * bh; // start of timestep t in (T,B,H)
    for (let i = 0; i < bh; i++) out[base + i] = x[base + i] * mask[i];
  }
}
