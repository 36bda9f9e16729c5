// Seeded train/dev/eval split by segment. Segments are drawn at random (so every partition samples the whole
// corpus) but each partition keeps corpus order, so text within it still reads in order.

import { UserError } from '../core/errors.js';
import { Rng } from '../core/random.js';

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

/** The smallest segment count for which no partition is empty, for the error message. */
function minSegments(f: SplitFractions): number {
  // round(n * f) first reaches 1 near n = 0.5 / f; start just below that instead of counting up from 3.
  const start = Math.max(3, Math.floor(0.5 / Math.min(f.dev, f.eval)) - 2);
  for (let n = start; ; n++) {
    const c = splitCounts(n, f);
    if (c.train > 0 && c.dev > 0 && c.eval > 0) return n;
  }
}
