// Synthetic corpora for the signature tests: segments of random symbols, already split, as a PreparedCorpus with the
// records a real corpus carries (the normalization that would have made it, the split and the counts).

import type { Rng } from '../../src/core/random.js';
import { Alphabet } from '../../src/data/alphabet.js';
import { type EncodedPartition, encodeSegments, type PreparedCorpus } from '../../src/data/corpus.js';

/** `count` segments of `length` symbols drawn from `symbols` with probabilities `weights` (summing to 1). */
export function skewedSegments(
  rng: Rng,
  symbols: readonly string[],
  weights: readonly number[],
  count: number,
  length: number,
): string[] {
  const draw = () => {
    let u = rng.next();
    for (let s = 0; s < weights.length; s++) {
      u -= weights[s]!;
      if (u < 0) return symbols[s]!;
    }
    return symbols[0]!;
  };
  return Array.from({ length: count }, () => Array.from({ length }, draw).join(''));
}

/** A PreparedCorpus of these partitions' segments (line segmentation, no normalization beyond the alphabet). */
export function syntheticCorpus(
  symbols: readonly string[],
  texts: { train: string[]; dev: string[]; eval: string[] },
  sha256 = 'f'.repeat(64),
): PreparedCorpus {
  const alphabet = new Alphabet([...symbols]);
  const encode = (segments: string[]): EncodedPartition => encodeSegments(segments, alphabet);
  const partitions = { train: encode(texts.train), dev: encode(texts.dev), eval: encode(texts.eval) };
  return {
    alphabet,
    normalization: {
      alphabet: [...symbols],
      lowercase: true,
      digitSymbol: null,
      unknown: 'drop',
      collapseWhitespace: false,
    },
    partitions,
    record: {
      source: 'synthetic',
      sha256,
      segmentation: 'line',
      split: { train: 0.9, dev: 0.05, eval: 0.05, seed: 1 },
      symbols: { train: partitions.train.ids.length, dev: partitions.dev.ids.length, eval: partitions.eval.ids.length },
      segments: { train: texts.train.length, dev: texts.dev.length, eval: texts.eval.length },
      maxChars: null,
    },
  };
}
