// A corpus with a smaller training partition: fine-tuning on "a small amount" of a target domain (the paper's
// section 6), by `memsig train --train-fraction` and the domain-adaptation experiment alike.

import { Rng } from '../core/random.js';
import { encodeSegments, type PreparedCorpus, segmentIds } from './corpus.js';

/**
 * The same corpus with its train partition cut to a seeded `fraction` of its segments (dev and eval unchanged):
 * the "small amount of target-domain data" of the paper's domain adaptation. At least one segment is kept.
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
