import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { samplePositions } from '../../src/analysis/positions.js';
import type { StateSource } from '../../src/analysis/state-source.js';
import { extractionOrder, extractStates } from '../../src/analysis/states.js';
import { collectTrainStates, extractTrainStates } from '../../src/analysis/train-states.js';
import { Rng } from '../../src/core/random.js';
import type { BatchChunk } from '../../src/data/batches.js';
import type { EncodedPartition } from '../../src/data/corpus.js';
import { shardFileStore } from '../../src/io/state-shard-files.js';

const V = 5;

function partition(lengths: number[], seed: number): EncodedPartition {
  const rng = new Rng(seed);
  const starts = [0];
  for (const n of lengths) starts.push(starts[starts.length - 1]! + n);
  const ids = Uint8Array.from({ length: starts[starts.length - 1]! }, () => rng.int(V));
  return { ids, starts: Uint32Array.from(starts) };
}

/**
 * Two layers whose state is a function of the segment read so far: layer 0 (size 3) a running sum of the inputs, the
 * step in the segment and the last input; layer 1 (size 2) products of them. Rows differ from position to position.
 */
function prefixSource(): StateSource {
  let sum = new Float64Array(0);
  let step = new Float64Array(0);
  const out = [new Float32Array(0), new Float32Array(0)];
  return {
    layers: 2,
    stateSizes: [3, 2],
    begin(B) {
      sum = new Float64Array(B);
      step = new Float64Array(B);
    },
    run(chunk: BatchChunk, T, B) {
      out[0] = new Float32Array(T * B * 3);
      out[1] = new Float32Array(T * B * 2);
      for (let t = 0; t < T; t++) {
        for (let b = 0; b < B; b++) {
          const r = t * B + b;
          if (chunk.resets[r]) {
            sum[b] = 0;
            step[b] = 0;
          }
          const x = chunk.inputs[r]!;
          sum[b] += x + 0.1;
          step[b]++;
          out[0].set([sum[b]!, step[b]!, x], r * 3);
          out[1].set([sum[b]! * 0.37 + step[b]!, x * step[b]! - 1.5], r * 2);
        }
      }
      return out;
    },
  };
}

const lengths = [40, 3, 90, 1, 17, 64, 65, 2, 128, 7, 33, 250, 5, 12];

test('extractionOrder() lists the positions in the order extractStates() hands them to its sink', async () => {
  const p = partition(lengths, 1);
  for (const [count, batch, seq] of [
    [50, 4, 8],
    [300, 32, 64],
    [10_000, 3, 5],
    [200, 1, 16],
  ] as const) {
    const positions = samplePositions(p, count, 3, new Rng(count));
    const seen: number[] = [];
    await extractStates(prefixSource(), p, positions, [0], {
      batch,
      seq,
      sink: (i) => {
        seen.push(i);
      },
    });
    const order = extractionOrder(p, positions, { batch, seq });
    assert.deepEqual([...order], seen, `count ${count}, batch ${batch}, seq ${seq}`);
    // Not simply ascending: streams interleave (else the test could not tell a wrong order from a right one).
    if (batch > 1)
      assert.notDeepEqual(
        seen,
        [...seen].sort((a, b) => a - b),
      );
  }
});

/** Every layer's row of each position, read in position order (as a states file is read). */
async function storedRows(p: EncodedPartition, positions: ReturnType<typeof samplePositions>) {
  const dense = await extractStates(prefixSource(), p, positions, [0, 1]);
  const sizes = [3, 2];
  return async (j: number, sink: (i: number, row: Float32Array) => void) => {
    for (let i = 0; i < positions.index.length; i++) sink(i, dense[j]!.subarray(i * sizes[j]!, (i + 1) * sizes[j]!));
  };
}

test('collectTrainStates() of stored rows deals and places them exactly as extractTrainStates() does (in memory)', async () => {
  const p = partition(lengths, 2);
  const positions = samplePositions(p, 400, 4, new Rng(5));
  const expected = await extractTrainStates(prefixSource(), p, positions, [0, 1], new Rng(9), Infinity, null);
  const got = await collectTrainStates(
    positions,
    [3, 2],
    extractionOrder(p, positions),
    new Rng(9),
    Infinity,
    null,
    await storedRows(p, positions),
  );
  assert.equal(got.inFiles, false);
  assert.deepEqual(got.labels, expected.labels);
  for (let j = 0; j < 2; j++) {
    assert.deepEqual(got.layers[j]!.rows, expected.layers[j]!.rows);
    assert.deepEqual(got.layers[j]!.shards, expected.layers[j]!.shards);
  }
});

test('collectTrainStates() writes the same shard files as extractTrainStates() when the states go to files', async () => {
  const p = partition(lengths, 3);
  const positions = samplePositions(p, 500, 4, new Rng(6));
  const dir = mkdtempSync(join(tmpdir(), 'memsig-stored-'));
  const a = shardFileStore(join(dir));
  const b = shardFileStore(join(dir));
  try {
    const expected = await extractTrainStates(prefixSource(), p, positions, [0, 1], new Rng(2), 0, a);
    const got = await collectTrainStates(
      positions,
      [3, 2],
      extractionOrder(p, positions),
      new Rng(2),
      0,
      b,
      await storedRows(p, positions),
    );
    assert.equal(got.inFiles, true);
    assert.deepEqual(got.labels, expected.labels);
    for (let j = 0; j < 2; j++) {
      const [x, y] = [expected.layers[j]!.shards, got.layers[j]!.shards];
      assert.deepEqual(y.offsets, x.offsets);
      assert.equal(y.files!.length, x.files!.length);
      for (const [s, f] of y.files!.entries()) {
        assert.deepEqual(readFileSync(f), readFileSync(x.files![s]!), `layer ${j} shard ${s}`);
      }
      // The moments come in another order here: equal to float32 rounding.
      for (let d = 0; d < x.stats!.mean.length; d++) {
        assert.ok(Math.abs(y.stats!.mean[d]! - x.stats!.mean[d]!) <= 1e-5 * Math.abs(x.stats!.mean[d]!) + 1e-6);
        assert.ok(Math.abs(y.stats!.invStd[d]! - x.stats!.invStd[d]!) <= 1e-5 * x.stats!.invStd[d]!);
      }
    }
  } finally {
    a.dispose();
    b.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
