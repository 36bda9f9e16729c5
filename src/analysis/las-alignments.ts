// Alignments of a LAS corpus: the synthesizer's (from word timings, on any layer's grid) and the trained speller's
// (from its attention in a teacher-forced forward, on the top listener layer, carried to other grids), and how far
// the two agree over a corpus.

import type { Gemm } from '../core/gemm.js';
import type { LasConfig } from '../models/las-config.js';
import { compareAlignments, type FrameGrid, frameGrid, resampleAlignment, synthAlignment } from './alignment.js';
import { attentionAlignment, utteranceAttention } from './alignment-attention.js';
import { batchOrder, type LasUtterance, makeBatch } from './las-batches.js';
import { type LasLike, listenerFactor, listenerFrames } from './las-probes.js';
import type { AlignmentMethod } from './signature-types.js';

export interface PassHooks {
  signal?: AbortSignal;
  /** Awaited before every batch, so that the host's event loop can run. */
  yieldToHost?: () => Promise<void>;
  /** After each batch: utterances done, of total. */
  onProgress?: (done: number, total: number) => void;
}

/** The top listener layer's grid. */
export function topGrid(config: LasConfig, shift: number, length: number): FrameGrid {
  return frameGrid(listenerFactor(config, config.listenerLayers - 1), shift, length);
}

/**
 * Per utterance of `which`, the attention alignment on the top listener layer's frames (teacher-forced on its
 * transcript); other entries undefined.
 */
export async function attentionAlignments(
  model: LasLike,
  gemm: Gemm,
  utterances: readonly LasUtterance[],
  which: readonly number[],
  batchSize: number,
  hooks: PassHooks = {},
): Promise<(Int32Array | undefined)[]> {
  const out: (Int32Array | undefined)[] = new Array(utterances.length);
  let done = 0;
  for (const members of batchOrder(utterances, which, batchSize)) {
    if (hooks.yieldToHost) await hooks.yieldToHost();
    hooks.signal?.throwIfAborted();
    const { batch } = makeBatch(utterances, members, model.config.features);
    const result = model.forward(gemm, batch);
    const top = model.listenerStates()[model.config.listenerLayers - 1]!;
    members.forEach((m, b) => {
      const n = utterances[m]!.labels.length;
      const U = top.lengths[b]!;
      const w = utteranceAttention(result.weights, result.steps, batch.B, result.frames, b, n, U);
      out[m] = attentionAlignment(w, n, U);
    });
    done += members.length;
    hooks.onProgress?.(done, which.length);
  }
  return out;
}

/**
 * An utterance's alignment on `grid` (`frames` frames): the synthesizer's (null without usable timings), or the
 * attention alignment `top` (on the top layer's grid) carried over.
 */
export function alignmentOnGrid(
  u: LasUtterance,
  method: AlignmentMethod,
  top: Int32Array | undefined,
  topGridOf: FrameGrid,
  grid: FrameGrid,
  frames: number,
): Int32Array | null {
  if (method === 'synth') return synthAlignment(u.transcript, u.words, frames, grid);
  if (!top) throw new Error(`no attention alignment for utterance ${u.id}`);
  return resampleAlignment(top, topGridOf, grid, frames);
}

/** How far the synthesizer's and the attention's alignments agree over a corpus, on the top listener layer. */
export interface CorpusAlignmentAgreement {
  /** Utterances compared (those with word timings). */
  utterances: number;
  /** Frames where either alignment has a grapheme, and those where both have the same. */
  frames: number;
  same: number;
  share: number | null;
  /** Mean over graphemes of (attention centre − synthesizer centre), in top-layer frames, and of its absolute value. */
  meanOffset: number | null;
  meanAbsOffset: number | null;
}

export async function compareAlignmentMethods(
  model: LasLike,
  gemm: Gemm,
  utterances: readonly LasUtterance[],
  settings: { batch: number; shiftSeconds: number; lengthSeconds: number },
  hooks: PassHooks = {},
): Promise<CorpusAlignmentAgreement> {
  const config = model.config;
  const grid = topGrid(config, settings.shiftSeconds, settings.lengthSeconds);
  const top = config.listenerLayers - 1;
  const synth = utterances.map((u) =>
    synthAlignment(u.transcript, u.words, listenerFrames(config, u.frames)[top]!, grid),
  );
  const which = synth.flatMap((a, i) => (a && listenerFrames(config, utterances[i]!.frames)[top]! >= 1 ? [i] : []));
  const attention = await attentionAlignments(model, gemm, utterances, which, settings.batch, hooks);
  let frames = 0;
  let same = 0;
  let graphemes = 0;
  let offset = 0;
  let absOffset = 0;
  for (const i of which) {
    const a = compareAlignments(synth[i]!, attention[i]!);
    frames += a.frames;
    same += a.same;
    graphemes += a.graphemes;
    offset += (a.meanOffset ?? 0) * a.graphemes;
    absOffset += (a.meanAbsOffset ?? 0) * a.graphemes;
  }
  return {
    utterances: which.length,
    frames,
    same,
    share: frames > 0 ? same / frames : null,
    meanOffset: graphemes > 0 ? offset / graphemes : null,
    meanAbsOffset: graphemes > 0 ? absOffset / graphemes : null,
  };
}
