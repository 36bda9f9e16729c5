// Guided attention toward the synthesizer's word timings: a transcript's graphemes are placed in time by the word
// they belong to (spread evenly over the word's interval), each time becomes an expected listener frame c_i, and the
// loss is the cross-entropy −Σ_u p_{i,u} log α_{i,u} between each step's attention and a Gaussian prior p_i of width σ
// around c_i (attention supervision as in Liu et al. 2016). Its gradient on the energies is α − p, as strong for a
// spread-out, untrained attention as for a sharp one (a penalty Σ α·(1 − p) gives almost nothing while α ≈ 1/U).
// Used for the first epochs only, to get attention to align early; utterances without timings take no part. Pure.

import type { WordTiming } from '../speech/synthesizer.js';

/** Where listener frames sit in time: the fbank frame shift and length (seconds), and the listener's reduction. */
export interface FrameTiming {
  shiftSeconds: number;
  lengthSeconds: number;
  /** Input frames per listener frame (stacking × 2 per pyramid layer). */
  reduction: number;
}

/** The listener frame (fractional) whose centre is at `seconds`. */
export function listenerFrameAt(seconds: number, timing: FrameTiming): number {
  const inputFrame = (seconds - timing.lengthSeconds / 2) / timing.shiftSeconds;
  return (inputFrame - (timing.reduction - 1) / 2) / timing.reduction;
}

/**
 * Per speller step (each grapheme of `transcript`, then <eos>) the listener frame it is expected at, clamped to
 * [0, listenerFrames − 1]; null when there are no timings or they are not the transcript's space-separated words.
 * A space is placed at the end of the word before it, <eos> at the end of the last word.
 */
export function expectedListenerFrames(
  transcript: string,
  words: readonly WordTiming[] | null,
  timing: FrameTiming,
  listenerFrames: number,
): Float64Array | null {
  if (!words || words.length === 0) return null;
  const tokens = transcript.split(' ');
  if (tokens.length !== words.length || tokens.some((t, k) => t !== words[k]!.word)) return null;
  const chars = [...transcript].length;
  const out = new Float64Array(chars + 1);
  const clamp = (u: number) => Math.min(Math.max(u, 0), listenerFrames - 1);
  let i = 0;
  for (let k = 0; k < tokens.length; k++) {
    const { start, end } = words[k]!;
    const letters = [...tokens[k]!];
    for (let j = 0; j < letters.length; j++) {
      out[i++] = clamp(listenerFrameAt(start + ((j + 0.5) / letters.length) * (end - start), timing));
    }
    if (k < tokens.length - 1) out[i++] = clamp(listenerFrameAt(end, timing));
  }
  out[i] = clamp(listenerFrameAt(words[words.length - 1]!.end, timing));
  return out;
}

/**
 * The guided-attention loss of weights (L, B, U) — utterance b's first centres[b].length steps over its first
 * lengths[b] frames — averaged over the steps that have a centre and multiplied by `scale`. When dWeights (L, B, U)
 * is given it is overwritten with the loss's gradient on the weights (zero where there is no centre). When these
 * utterances are one shard of a batch, `batchSteps` is the whole batch's count of steps with a centre: the loss is
 * then averaged over those, so that the shards' losses and gradients add up to the whole batch's.
 */
export function guidedAttentionLoss(
  weights: Float32Array,
  L: number,
  B: number,
  U: number,
  centres: readonly (Float64Array | null)[],
  lengths: Int32Array,
  sigma: number,
  scale: number,
  dWeights: Float32Array | null,
  batchSteps?: number,
): number {
  if (dWeights) dWeights.fill(0, 0, L * B * U);
  let steps = 0;
  for (let b = 0; b < B; b++) steps += Math.min(centres[b]?.length ?? 0, L);
  if (steps === 0) return 0;
  const k = scale / (batchSteps ?? steps);
  const inv = 1 / (2 * sigma * sigma);
  const prior = new Float64Array(U);
  let sum = 0;
  for (let b = 0; b < B; b++) {
    const c = centres[b];
    if (!c) continue;
    const n = lengths[b]!;
    for (let i = 0; i < Math.min(c.length, L); i++) {
      let total = 0;
      for (let u = 0; u < n; u++) {
        const d = u - c[i]!;
        prior[u] = Math.exp(-d * d * inv);
        total += prior[u]!;
      }
      const row = (i * B + b) * U;
      for (let u = 0; u < n; u++) {
        const p = prior[u]! / total;
        if (p === 0) continue;
        // An attention weight that underflowed to 0 must not make the loss infinite.
        const a = Math.max(weights[row + u]!, MIN_WEIGHT);
        sum -= p * Math.log(a);
        if (dWeights) dWeights[row + u] = (-k * p) / a;
      }
    }
  }
  return k * sum;
}

const MIN_WEIGHT = 1e-20;
