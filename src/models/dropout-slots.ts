// The dropout bookkeeping of a stacked language model: one mask per slot (each layer's input and the last output),
// the masked copies (the unmasked input is still needed by its producer's backward), and the per-chunk recurrent
// masks. Shared by the char LM and the factorized-kernel LM.

import { makeDropoutMask } from '../core/dropout.js';
import { ensureCapacity } from '../core/recurrent.js';
import type { DropoutSettings } from './stacked-lm.js';

export class DropoutSlots {
  private readonly masks: (Float32Array | null)[] = [];
  private readonly dropped: Float32Array[] = [];
  private readonly recurrentMasks: (Float32Array | null)[] = [];

  /** x (n values) through slot k's fresh mask, or x itself when dropout is off. */
  drop(k: number, x: Float32Array, n: number, dropout: DropoutSettings | null): Float32Array {
    if (!dropout || dropout.p === 0) {
      this.masks[k] = null;
      return x;
    }
    let mask = this.masks[k];
    if (!mask || mask.length !== n) mask = new Float32Array(n);
    makeDropoutMask(dropout.rng, mask, dropout.p);
    this.masks[k] = mask;
    const slot = ensureCapacity(this.dropped[k] ?? new Float32Array(0), n);
    this.dropped[k] = slot;
    const out = slot.subarray(0, n);
    for (let i = 0; i < n; i++) out[i] = x[i] * mask[i];
    return out;
  }

  /** Whether slot k dropped anything in the last forward. */
  active(k: number): boolean {
    return this.masks[k] != null;
  }

  /** Backward of drop(): multiplies d by slot k's mask in place. */
  maskGradient(k: number, d: Float32Array): void {
    const mask = this.masks[k];
    if (!mask) return;
    for (let i = 0; i < mask.length; i++) d[i] *= mask[i];
  }

  /** A fresh recurrent mask (n values) for layer k, or null when recurrent dropout is off. */
  recurrent(k: number, n: number, dropout: DropoutSettings | null): Float32Array | null {
    if (!dropout || dropout.recurrent === 0) {
      this.recurrentMasks[k] = null;
      return null;
    }
    const mask = this.recurrentMasks[k]?.length === n ? this.recurrentMasks[k]! : new Float32Array(n);
    makeDropoutMask(dropout.rng, mask, dropout.recurrent);
    this.recurrentMasks[k] = mask;
    return mask;
  }
}
