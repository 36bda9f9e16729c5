// The corpora of the experiments: Shakespeare (the complete works) and the State of the Union addresses, the
// public-domain stand-in for the paper's licensed WSJ corpus. Both normalize to the same default alphabet, so a
// model trained on one reads the other (domain adaptation).

import { Rng } from '../core/random.js';
import { encodeSegments, type PreparedCorpus, prepareCorpus, segmentIds } from '../data/corpus.js';

export interface CorpusSpec {
  name: 'shakespeare' | 'sotu';
  /** Keep only the last N characters (recorded in the corpus record), or null for all. */
  maxChars: number | null;
}

export async function loadCorpus(spec: CorpusSpec, shakespearePath: string): Promise<PreparedCorpus> {
  if (spec.name === 'shakespeare') return prepareCorpus(shakespearePath, { maxChars: spec.maxChars });
  // One address per line in the package's files: sentences are the natural segments.
  return prepareCorpus('sotu', { segmentation: 'sentence', maxChars: spec.maxChars });
}

/**
 * The same corpus with its train partition cut to a seeded `fraction` of its segments (dev and eval unchanged):
 * the "small amount of target-domain data" of the paper's domain adaptation.
 */
export function subsampleTrain(corpus: PreparedCorpus, fraction: number, seed: number): PreparedCorpus {
  const train = corpus.partitions.train;
  const count = train.starts.length - 1;
  const order = new Rng(seed).shuffle(Array.from({ length: count }, (_, i) => i));
  const keep = order.slice(0, Math.max(1, Math.round(fraction * count))).sort((a, b) => a - b);
  const segments = keep.map((i) => corpus.alphabet.decode(segmentIds(train, i)));
  const subset = encodeSegments(segments, corpus.alphabet);
  return {
    ...corpus,
    partitions: { ...corpus.partitions, train: subset },
    record: {
      ...corpus.record,
      symbols: { ...corpus.record.symbols, train: subset.ids.length },
      segments: { ...corpus.record.segments, train: keep.length },
    },
  };
}
