// Seeded train/dev/eval split by segment. Segments are drawn at random (so every partition samples the whole
// corpus) but each partition keeps corpus order, so text within it still reads in order. Streams (--segment none)
// are split instead into contiguous blocks of symbols, as a character RNN trained on raw text is.

import { UserError } from '../core/errors.js';
import { Rng } from '../core/random.js';
import type { Segmentation } from './segments.js';

export interface SplitFractions {
  train: number;
  dev: number;
  eval: number;
}

export interface SplitResult<T> {
  train: T[];
  dev: T[];
  eval: T[];
}

export function defaultSplitFractions(): SplitFractions {
  return { train: 0.9, dev: 0.05, eval: 0.05 };
}

/** Throws a UserError unless the fractions are positive and add up to 1. */
export function validateSplitFractions(f: SplitFractions): void {
  for (const key of ['train', 'dev', 'eval'] as const) {
    const v = f[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v >= 1) {
      throw new UserError(`split fraction ${key} must be a number between 0 and 1 (got ${String(v)})`);
    }
  }
  const sum = f.train + f.dev + f.eval;
  if (Math.abs(sum - 1) > 1e-6) {
    throw new UserError(`split fractions must add up to 1 (train ${f.train} + dev ${f.dev} + eval ${f.eval} = ${sum})`);
  }
}

/** Segments per partition for `n` segments: dev and eval rounded, train takes the rest. */
export function splitCounts(n: number, f: SplitFractions): SplitFractions {
  const dev = Math.round(n * f.dev);
  const evalCount = Math.round(n * f.eval);
  return { train: n - dev - evalCount, dev, eval: evalCount };
}

/** Assigns each segment to train, dev or eval, deterministically from `seed`; partitions keep corpus order. */
export function splitSegments<T>(
  segments: readonly T[],
  fractions: SplitFractions = defaultSplitFractions(),
  seed = 1,
): SplitResult<T> {
  validateSplitFractions(fractions);
  const n = segments.length;
  const counts = splitCounts(n, fractions);
  if (counts.train <= 0 || counts.dev <= 0 || counts.eval <= 0) {
    throw new UserError(`corpus too small for the split: ${n} segments (needs at least ${minSegments(fractions)})`);
  }
  const order = new Rng(seed).shuffle(Array.from({ length: n }, (_, i) => i));
  // 0 train, 1 dev, 2 eval, by position in the shuffled order.
  const part = new Uint8Array(n);
  for (let r = counts.train; r < n; r++) part[order[r]] = r < counts.train + counts.dev ? 1 : 2;
  const out: SplitResult<T> = { train: [], dev: [], eval: [] };
  const targets = [out.train, out.dev, out.eval];
  for (let i = 0; i < n; i++) targets[part[i]].push(segments[i]);
  return out;
}

/** The fewest symbols a stream partition may have: one prediction needs two. */
const MIN_STREAM_SYMBOLS = 2;

/**
 * Streams (the documents of a corpus read with --segment none, in order) → contiguous blocks: train is the first
 * `fractions.train` of all symbols, dev the next `fractions.dev`, eval the rest (counts as splitCounts gives them).
 * A stream that a block boundary cuts goes on as a new segment of the next partition (its state starts afresh there).
 */
export function splitStreams(
  streams: readonly string[],
  fractions: SplitFractions = defaultSplitFractions(),
): SplitResult<string> {
  validateSplitFractions(fractions);
  let total = 0;
  for (const s of streams) total += s.length;
  const counts = splitCounts(total, fractions);
  if (counts.train < MIN_STREAM_SYMBOLS || counts.dev < MIN_STREAM_SYMBOLS || counts.eval < MIN_STREAM_SYMBOLS) {
    throw new UserError(
      `corpus too small for the split: ${total} characters (dev and eval need at least ${MIN_STREAM_SYMBOLS} each)`,
    );
  }
  const out: SplitResult<string> = { train: [], dev: [], eval: [] };
  const targets = [out.train, out.dev, out.eval];
  // Block b covers the characters [bounds[b], bounds[b+1]) of the streams laid end to end.
  const bounds = [0, counts.train, counts.train + counts.dev, total];
  let offset = 0;
  for (const stream of streams) {
    const end = offset + stream.length;
    for (let b = 0; b < 3; b++) {
      const from = cutPoint(stream, Math.max(bounds[b]!, offset) - offset);
      const to = cutPoint(stream, Math.min(bounds[b + 1]!, end) - offset);
      if (to > from) targets[b]!.push(stream.slice(from, to));
    }
    offset = end;
  }
  return out;
}

/** `at`, moved one code unit on when it would cut a surrogate pair (one astral character) in two. */
function cutPoint(text: string, at: number): number {
  if (at <= 0 || at >= text.length) return Math.max(0, Math.min(at, text.length));
  const c = text.charCodeAt(at);
  return c >= 0xdc00 && c <= 0xdfff ? at + 1 : at;
}

/** The split a segmentation calls for: contiguous blocks for streams ('none'), else seeded by segment. */
export function splitCorpusSegments(
  segments: readonly string[],
  segmentation: Segmentation,
  fractions: SplitFractions,
  seed: number,
): SplitResult<string> {
  return segmentation === 'none' ? splitStreams(segments, fractions) : splitSegments(segments, fractions, seed);
}

/** The smallest segment count for which no partition is empty, for the error message. */
function minSegments(f: SplitFractions): number {
  // round(n * f) first reaches 1 near n = 0.5 / f; start just below that instead of counting up from 3.
  const start = Math.max(3, Math.floor(0.5 / Math.min(f.dev, f.eval)) - 2);
  for (let n = start; ; n++) {
    const c = splitCounts(n, f);
    if (c.train > 0 && c.dev > 0 && c.eval > 0) return n;
  }
}
