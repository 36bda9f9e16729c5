// A corpus with a smaller training partition: fine-tuning on "a small amount" of a target domain (the paper's
// section 6), by `memsig train --train-fraction` and the domain-adaptation experiment alike.

import { Rng } from '../core/random.js';
import { type EncodedPartition, encodeSegments, type PreparedCorpus, segmentIds } from './corpus.js';

/**
 * The same corpus with its train partition cut to a seeded `fraction` of its segments (dev and eval unchanged):
 * the "small amount of target-domain data" of the paper's domain adaptation. At least one segment is kept; of a
 * stream corpus (segmentation none), a seeded contiguous window of that fraction of the symbols.
 */
export function subsampleTrain(corpus: PreparedCorpus, fraction: number, seed: number): PreparedCorpus {
  const train = corpus.partitions.train;
  const count = train.starts.length - 1;
  let segments: string[];
  if (corpus.record.segmentation === 'none') {
    segments = streamWindow(train, fraction, seed).map((ids) => corpus.alphabet.decode(ids));
  } else {
    const order = new Rng(seed).shuffle(Array.from({ length: count }, (_, i) => i));
    const keep = order.slice(0, Math.max(1, Math.round(fraction * count))).sort((a, b) => a - b);
    segments = keep.map((i) => corpus.alphabet.decode(segmentIds(train, i)));
  }
  const subset = encodeSegments(segments, corpus.alphabet);
  return {
    ...corpus,
    partitions: { ...corpus.partitions, train: subset },
    record: {
      ...corpus.record,
      symbols: { ...corpus.record.symbols, train: subset.ids.length },
      segments: { ...corpus.record.segments, train: segments.length },
    },
  };
}

/**
 * Streams have a segment or a few, so a fraction of them is a contiguous window of the symbols instead: `fraction` of
 * them (at least 2) from a seeded start, cut from the streams it overlaps (each piece a segment of its own).
 */
function streamWindow(train: EncodedPartition, fraction: number, seed: number): Uint8Array[] {
  const n = train.ids.length;
  const length = Math.min(n, Math.max(2, Math.round(fraction * n)));
  const from = new Rng(seed).int(n - length + 1);
  const to = from + length;
  const pieces: Uint8Array[] = [];
  for (let s = 0; s + 1 < train.starts.length; s++) {
    const a = Math.max(from, train.starts[s]!);
    const b = Math.min(to, train.starts[s + 1]!);
    if (b > a) pieces.push(train.ids.subarray(a, b));
  }
  return pieces;
}
