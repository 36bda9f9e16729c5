// The text of a states file (its symbol and segment of each position) as memsig's train/dev/eval partitions, split
// by memsig's own rules: by segment (90/5/5, seeded, each partition in file order), or, for a file of too few
// segments (a model that read its text as one stream) or when asked, by contiguous blocks of positions as a stream
// corpus is split (a segment cut by a block boundary goes on as a new segment of the next block). Each partition
// remembers where its segments lie in the file, so that a sampled position maps back to its row.

import { UserError } from '../core/errors.js';
import type { EncodedPartition } from '../data/corpus.js';
import { type SplitFractions, splitCounts, splitSegments } from '../data/split.js';

/** The file's positions: the symbol at each, and where its segments (runs of one segment id) start. */
export interface StoredSegments {
  /** (N) symbol ids. */
  ids: Uint8Array;
  /** Segment start rows, then N: segment s is rows starts[s] .. starts[s+1]. */
  starts: Float64Array;
}

export interface StoredPartition extends EncodedPartition {
  /** The file row of each segment's first position. */
  rowStarts: Float64Array;
}

export type StoredSplit = 'segments' | 'blocks';

export interface StoredText {
  split: StoredSplit;
  partitions: { train: StoredPartition; dev: StoredPartition; eval: StoredPartition };
}

const PARTS = ['train', 'dev', 'eval'] as const;

/**
 * Splits the file's text: 'segments' (seeded by `seed`), 'blocks', or 'auto': by segment when there are enough of
 * them for every partition to get one, else by blocks.
 */
export function splitStoredText(
  text: StoredSegments,
  mode: StoredSplit | 'auto',
  fractions: SplitFractions,
  seed: number,
): StoredText {
  const count = text.starts.length - 1;
  const perPart = splitCounts(count, fractions);
  const split: StoredSplit =
    mode === 'auto' ? (perPart.dev > 0 && perPart.eval > 0 && perPart.train > 0 ? 'segments' : 'blocks') : mode;
  // Pieces of the file (from, to) per partition, in file order.
  const pieces: Record<(typeof PARTS)[number], [number, number][]> = { train: [], dev: [], eval: [] };
  if (split === 'segments') {
    const parts = splitSegments(
      Array.from({ length: count }, (_, s) => s),
      fractions,
      seed,
    );
    for (const part of PARTS) for (const s of parts[part]) pieces[part].push([text.starts[s]!, text.starts[s + 1]!]);
  } else {
    const N = text.ids.length;
    const c = splitCounts(N, fractions);
    if (c.train < 2 || c.dev < 2 || c.eval < 2) {
      throw new UserError(`too few positions for the split: ${N} (dev and eval need at least 2 each)`);
    }
    const bounds = [0, c.train, c.train + c.dev, N];
    for (let s = 0; s < count; s++) {
      for (const [b, part] of PARTS.entries()) {
        const from = Math.max(text.starts[s]!, bounds[b]!);
        const to = Math.min(text.starts[s + 1]!, bounds[b + 1]!);
        if (to > from) pieces[part].push([from, to]);
      }
    }
  }
  const partitions = {} as StoredText['partitions'];
  for (const part of PARTS) partitions[part] = storedPartition(text.ids, pieces[part]);
  return { split, partitions };
}

function storedPartition(ids: Uint8Array, pieces: [number, number][]): StoredPartition {
  let n = 0;
  for (const [from, to] of pieces) n += to - from;
  const out = new Uint8Array(n);
  const starts = new Uint32Array(pieces.length + 1);
  const rowStarts = new Float64Array(pieces.length);
  let at = 0;
  for (const [s, [from, to]] of pieces.entries()) {
    starts[s] = at;
    rowStarts[s] = from;
    out.set(ids.subarray(from, to), at);
    at += to - from;
  }
  starts[pieces.length] = at;
  return { ids: out, starts, rowStarts };
}

/** The file rows of positions of a partition (offsets into its ids, sorted ascending): sorted ascending too. */
export function rowsOfPositions(partition: StoredPartition, index: Uint32Array): Float64Array {
  const rows = new Float64Array(index.length);
  const { starts, rowStarts } = partition;
  let s = 0;
  for (let i = 0; i < index.length; i++) {
    const o = index[i]!;
    while (starts[s + 1]! <= o) s++;
    rows[i] = rowStarts[s]! + (o - starts[s]!);
  }
  return rows;
}

/**
 * The segments of a file from the segment id of each position, given block by block: a segment is a run of one id;
 * an id that comes back after another segment is an error (a segment's positions must be contiguous).
 */
export class SegmentRuns {
  private readonly seen = new Set<number>();
  private readonly starts: number[] = [];
  private last: number | null = null;
  private n = 0;

  constructor(private readonly label: string) {}

  add(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++, this.n++) {
      const v = values[i]!;
      if (v === this.last) continue;
      if (this.seen.has(v)) {
        throw new UserError(
          `${this.label}: segment ${v} comes back at position ${this.n} after other segments; a segment's positions ` +
            'must be contiguous, in reading order',
        );
      }
      this.seen.add(v);
      this.starts.push(this.n);
      this.last = v;
    }
  }

  /** Segment starts, then the position count. */
  finish(): Float64Array {
    return Float64Array.from([...this.starts, this.n]);
  }
}
