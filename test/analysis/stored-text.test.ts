import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rowsOfPositions, SegmentRuns, splitStoredText } from '../../src/analysis/stored-text.js';
import { Rng } from '../../src/core/random.js';
import { defaultSplitFractions, splitSegments } from '../../src/data/split.js';

/** Segments of the given lengths with random symbols, laid end to end as in a states file. */
function stored(lengths: number[]) {
  const rng = new Rng(8);
  const starts = [0];
  for (const n of lengths) starts.push(starts[starts.length - 1]! + n);
  const ids = Uint8Array.from({ length: starts[starts.length - 1]! }, () => rng.int(20));
  return { ids, starts: Float64Array.from(starts) };
}

test('splitStoredText() splits by segment exactly as memsig splits a corpus (90/5/5, seed), in file order', () => {
  const lengths = Array.from({ length: 60 }, (_, s) => 3 + ((s * 7) % 11));
  const text = stored(lengths);
  const split = splitStoredText(text, 'auto', defaultSplitFractions(), 1);
  assert.equal(split.split, 'segments');
  const segmentIds = (s: number) => [...text.ids.subarray(text.starts[s]!, text.starts[s + 1]!)];
  const expected = splitSegments(
    lengths.map((_, s) => s),
    defaultSplitFractions(),
    1,
  );
  for (const part of ['train', 'dev', 'eval'] as const) {
    const p = split.partitions[part];
    const segments = expected[part];
    assert.equal(p.starts.length, segments.length + 1);
    segments.forEach((s, k) => {
      assert.deepEqual([...p.ids.subarray(p.starts[k]!, p.starts[k + 1]!)], segmentIds(s));
      assert.equal(p.rowStarts[k], text.starts[s]);
    });
  }
});

test('rowsOfPositions() maps partition offsets back to file rows', () => {
  const text = stored(Array.from({ length: 40 }, () => 5));
  const { eval: p } = splitStoredText(text, 'segments', defaultSplitFractions(), 3).partitions;
  const index = Uint32Array.from({ length: p.ids.length }, (_, i) => i);
  const rows = rowsOfPositions(p, index);
  for (let i = 0; i < index.length; i++) assert.equal(text.ids[rows[i]!], p.ids[i]);
  // Each partition segment's offsets 0..4 are 5 consecutive rows from its start.
  assert.deepEqual(
    [...rows.subarray(0, 5)],
    [0, 1, 2, 3, 4].map((k) => p.rowStarts[0]! + k),
  );
});

test('splitStoredText() cuts a file of too few segments into contiguous blocks, a cut segment going on as a new one', () => {
  const text = stored([900, 100]);
  const split = splitStoredText(text, 'auto', defaultSplitFractions(), 1);
  assert.equal(split.split, 'blocks');
  const { train, dev, eval: ev } = split.partitions;
  assert.deepEqual([train.ids.length, dev.ids.length, ev.ids.length], [900, 50, 50]);
  assert.deepEqual([...train.starts], [0, 900]);
  assert.deepEqual([...dev.rowStarts, ...ev.rowStarts], [900, 950]);
  assert.deepEqual([...ev.ids], [...text.ids.subarray(950)]);
  // Asked for, blocks even with many segments: the first 90% of the positions are train.
  const many = stored(Array.from({ length: 50 }, () => 20));
  const blocks = splitStoredText(many, 'blocks', defaultSplitFractions(), 1);
  assert.deepEqual([...blocks.partitions.train.ids], [...many.ids.subarray(0, 900)]);
  assert.throws(() => splitStoredText(stored([20]), 'auto', defaultSplitFractions(), 1), /too few positions/);
});

test('SegmentRuns: a segment is a run of one id across blocks; an id that comes back is refused', () => {
  const runs = new SegmentRuns('s');
  runs.add([7, 7, 3]);
  runs.add([3, 3, 9, 0]);
  assert.deepEqual([...runs.finish()], [0, 2, 5, 6, 7]);
  const again = new SegmentRuns('f.safetensors');
  assert.throws(() => again.add([1, 1, 2, 1]), /f\.safetensors: segment 1 comes back at position 3/);
});
