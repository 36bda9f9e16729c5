// Transcribing utterances with a trained LAS: the listener over batches of similar length, then per utterance
// greedy decoding (batched, as Las.greedyDecode does it) or beam search, optionally with the beam's finished
// hypotheses rescored by the CTC head; and the CTC head's own best path when there is one. The longest transcript
// allowed is tied to the utterance's listener frames (CTC could not emit more labels than frames either).

import type { Gemm } from '../core/gemm.js';
import type { Las } from '../models/las.js';
import type { LasConfig } from '../models/las-config.js';
import { type BatchItem, makeLasBatch } from './batching.js';
import { beamSearch, type Hypothesis } from './beam-search.js';
import { computeCtcLogits, ctcLogLikelihood, decodeCtcGreedy, hasCtcHead } from './ctc-decode.js';
import { LasStepScorer } from './las-step-scorer.js';

export interface DecodeConfig {
  /** Beam width; 1 is greedy decoding. */
  beam: number;
  /** Finished hypotheses are ranked by log p / (length + 1)^lengthNorm. */
  lengthNorm: number;
  /** Most graphemes per listener frame. */
  maxLenRatio: number;
  /** Weight λ of the CTC log-likelihood when the beam's hypotheses are rescored: (1 − λ)·attention + λ·CTC; 0: off. */
  ctcRescore: number;
  /** Utterances per listener batch. */
  batch: number;
}

export function defaultDecodeConfig(): DecodeConfig {
  return { beam: 1, lengthNorm: 1, maxLenRatio: 1, ctcRescore: 0, batch: 16 };
}

/** A short description of the decoding, for outputs: "attention greedy", "attention beam 8 + CTC rescoring 0.3". */
export function describeDecoding(d: DecodeConfig): string {
  if (d.beam === 1 && d.ctcRescore === 0) return 'attention greedy';
  const beam = `attention beam ${d.beam}`;
  return d.ctcRescore > 0 ? `${beam} + CTC rescoring λ=${d.ctcRescore}` : beam;
}

export interface Recognition {
  /** The attention decoder's transcript (alphabet ids). */
  tokens: Int32Array;
  /** The CTC head's best path, or null without a CTC head. */
  ctcTokens: Int32Array | null;
  /** Listener frames the utterance had. */
  listenerFrames: number;
}

/** Listener frames of an utterance of `frames` input frames (stacking, then halving per pyramid layer). */
export function listenerLength(c: LasConfig, frames: number): number {
  let n = Math.floor(frames / c.stack);
  for (let k = 0; k < c.pyramidLayers; k++) n = Math.floor(n / 2);
  return n;
}

/** Input frames per listener frame. */
export function listenerReduction(c: LasConfig): number {
  return c.stack * 2 ** c.pyramidLayers;
}

/**
 * Recognizes `items` (features (frames, bins); labels are ignored) in their order. Utterances too short for the
 * listener (no listener frame) get empty transcripts.
 */
export function recognizeUtterances(
  gemm: Gemm,
  las: Las,
  items: readonly BatchItem[],
  bins: number,
  d: DecodeConfig,
  onProgress?: (done: number, total: number) => void,
): Recognition[] {
  const c = las.config;
  const withCtc = hasCtcHead(las);
  if (d.ctcRescore > 0 && !withCtc) throw new RangeError('recognizeUtterances: CTC rescoring needs a CTC head');
  const out: Recognition[] = items.map((it) => ({
    tokens: new Int32Array(0),
    ctcTokens: withCtc ? new Int32Array(0) : null,
    listenerFrames: listenerLength(c, it.frames),
  }));
  const order = items
    .map((_, i) => i)
    .filter((i) => out[i]!.listenerFrames >= 1)
    .sort((a, b) => items[a]!.frames - items[b]!.frames || a - b);
  const D = 2 * c.listenerUnits;
  const C = c.alphabet + 1;
  let done = items.length - order.length;
  for (let start = 0; start < order.length; start += d.batch) {
    const idx = order.slice(start, start + d.batch);
    const batch = makeLasBatch(
      idx.map((i) => ({ ...items[i]!, labels: new Int32Array(0) })),
      bins,
    );
    const caps = idx.map((i) => Math.max(1, Math.ceil(d.maxLenRatio * out[i]!.listenerFrames)));
    const greedy = d.beam === 1 && d.ctcRescore === 0;
    const decoded = greedy
      ? las.greedyDecode(gemm, batch.features, batch.T, batch.B, batch.frames, Math.max(...caps))
      : null;
    if (!greedy) las.encode(gemm, batch.features, batch.T, batch.B, batch.frames);
    const layers = las.listenerStates();
    const top = layers[layers.length - 1]!;
    const U = top.T;
    const B = idx.length;
    const ctcLogits = withCtc ? computeCtcLogits(gemm, las, top.h.subarray(0, U * B * D), U * B) : null;
    for (let b = 0; b < B; b++) {
      const r = out[idx[b]!]!;
      const n = top.lengths[b]!;
      let ctcOwn: Float32Array | null = null;
      if (ctcLogits) {
        ctcOwn = new Float32Array(n * C); // this utterance's rows, frame after frame
        for (let u = 0; u < n; u++) ctcOwn.set(ctcLogits.subarray((u * B + b) * C, (u * B + b + 1) * C), u * C);
        r.ctcTokens = decodeCtcGreedy(ctcOwn, n, C);
      }
      if (decoded) {
        r.tokens = decoded[b]!.slice(0, caps[b]!);
        continue;
      }
      const enc = new Float32Array(n * D);
      for (let u = 0; u < n; u++) enc.set(top.h.subarray((u * B + b) * D, (u * B + b + 1) * D), u * D);
      const hyps = beamSearch(new LasStepScorer(gemm, las, enc, n), {
        beam: d.beam,
        maxLen: caps[b]!,
        lengthNorm: d.lengthNorm,
      });
      r.tokens = (d.ctcRescore > 0 ? rescoreWithCtc(hyps, ctcOwn!, n, C, d) : hyps[0]!).tokens;
    }
    done += B;
    onProgress?.(done, items.length);
  }
  return out;
}

/** The hypothesis best by (1 − λ)·log p_attention + λ·log p_CTC over (length + 1)^lengthNorm. */
function rescoreWithCtc(hyps: Hypothesis[], logits: Float32Array, n: number, C: number, d: DecodeConfig): Hypothesis {
  const lambda = d.ctcRescore;
  let best = hyps[0]!;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const h of hyps) {
    const ctc = ctcLogLikelihood(logits, n, C, h.tokens);
    const score = ((1 - lambda) * h.logProb + lambda * ctc) / (h.tokens.length + 1) ** d.lengthNorm;
    if (score > bestScore) {
      best = h;
      bestScore = score;
    }
  }
  return best;
}
