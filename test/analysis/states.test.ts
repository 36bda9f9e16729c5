import assert from 'node:assert/strict';
import { test } from 'node:test';
import { samplePositions } from '../../src/analysis/positions.js';
import { charLmStateSource, type StateSource } from '../../src/analysis/state-source.js';
import { extractStates } from '../../src/analysis/states.js';
import { tsGemm } from '../../src/core/gemm.js';
import { Rng } from '../../src/core/random.js';
import type { BatchChunk } from '../../src/data/batches.js';
import type { EncodedPartition } from '../../src/data/corpus.js';
import { CharLm } from '../../src/models/char-lm.js';

const V = 6;

function partition(segments: number[][]): EncodedPartition {
  const starts = [0];
  for (const s of segments) starts.push(starts[starts.length - 1]! + s.length);
  return { ids: Uint8Array.from(segments.flat()), starts: Uint32Array.from(starts) };
}

// Segment lengths from 1 to 23: several span more than one chunk of seq 4, so the state must carry across chunks.
const rng = new Rng(3);
const corpus = partition(
  [5, 1, 23, 2, 9, 4, 17, 1, 8, 3, 12, 6, 2, 11].map((n) => Array.from({ length: n }, () => rng.int(V))),
);

function segmentOf(p: EncodedPartition, g: number): number {
  let s = 0;
  while (p.starts[s + 1]! <= g) s++;
  return s;
}

function tinyModel(cell: 'lstm' | 'gru'): CharLm {
  const model = new CharLm({ cell, layers: 2, units: 5, embed: 4, vocab: V });
  model.initialize(new Rng(cell === 'lstm' ? 17 : 18));
  // Stronger recurrent weights than the default init, so that a wrong or missing reset would show.
  for (const [name, t] of model.params) {
    if (name.includes('weight_hh')) for (let i = 0; i < t.data.length; i++) t.data[i]! *= 3;
  }
  return model;
}

/** State of layer k at offset g, computed by running g's segment alone (B = 1, from zero state). */
function directState(model: CharLm, p: EncodedPartition, g: number, k: number, state: 'c' | 'h'): Float32Array {
  const s = segmentOf(p, g);
  const ids = Int32Array.from(p.ids.subarray(p.starts[s]!, p.starts[s + 1]!));
  model.forward(tsGemm, ids, ids.length, 1, model.zeroState(1), null, null);
  const H = model.shape.units;
  const t = g - p.starts[s]!;
  return (state === 'c' ? model.memory(k) : model.hidden(k)).slice(t * H, (t + 1) * H);
}

for (const cell of ['lstm', 'gru'] as const) {
  for (const state of ['c', 'h'] as const) {
    test(`extracted ${cell} ${state} states equal a direct forward of the position's segment`, async () => {
      const model = tinyModel(cell);
      const positions = samplePositions(corpus, 40, 3, new Rng(7));
      assert.equal(positions.index.length, 40);
      const source = charLmStateSource(model, tsGemm, state);
      assert.equal(source.layers, 2);
      assert.deepEqual(source.stateSizes, [5, 5]);
      const [first, second] = await extractStates(source, corpus, positions, [1, 0], { batch: 3, seq: 4 });
      const H = 5;
      assert.equal(first!.length, 40 * H);
      let largest = 0;
      for (let i = 0; i < positions.index.length; i++) {
        const g = positions.index[i]!;
        for (const [k, rows] of [
          [1, first!],
          [0, second!],
        ] as const) {
          const want = directState(model, corpus, g, k, state);
          const got = rows.subarray(i * H, (i + 1) * H);
          for (let j = 0; j < H; j++) {
            assert.ok(
              Math.abs(got[j]! - want[j]!) <= 1e-6,
              `offset ${g}, layer ${k}, unit ${j}: ${got[j]} ≠ ${want[j]}`,
            );
            largest = Math.max(largest, Math.abs(want[j]!));
          }
        }
      }
      assert.ok(largest > 0.05, 'the states are not trivially zero');
    });
  }
}

test('for a GRU, state c (its memory) and h are the same vector', async () => {
  const model = tinyModel('gru');
  const positions = samplePositions(corpus, 10, 1, new Rng(1));
  const c = await extractStates(charLmStateSource(model, tsGemm, 'c'), corpus, positions, [0, 1]);
  const h = await extractStates(charLmStateSource(model, tsGemm, 'h'), corpus, positions, [0, 1]);
  assert.deepEqual(c, h);
});

/**
 * A synthetic source with two layers: layer 0 holds (steps since the last reset, current id), layer 1 (running sum
 * of ids since the reset). It records how many chunks it ran.
 */
class CountingSource implements StateSource {
  readonly layers = 2;
  readonly stateSizes = [2, 1];
  chunksRun = 0;
  private steps = new Float64Array(0);
  private sums = new Float64Array(0);
  private out: Float32Array[] = [];

  begin(B: number): void {
    this.steps = new Float64Array(B);
    this.sums = new Float64Array(B);
    this.chunksRun = 0;
  }

  run(chunk: BatchChunk, T: number, B: number): Float32Array[] {
    this.chunksRun++;
    this.out = [new Float32Array(T * B * 2), new Float32Array(T * B)];
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const r = t * B + b;
        if (chunk.resets[r] === 1) {
          this.steps[b] = 0;
          this.sums[b] = 0;
        }
        this.steps[b]!++;
        this.sums[b]! += chunk.inputs[r]!;
        this.out[0]![r * 2] = this.steps[b]!;
        this.out[0]![r * 2 + 1] = chunk.inputs[r]!;
        this.out[1]![r] = this.sums[b]!;
      }
    }
    return this.out;
  }
}

test('a synthetic source: every row is the state at its own offset, for any batch and seq', async () => {
  const positions = samplePositions(corpus, 1000, 1, new Rng(1)); // all of them
  for (const [batch, seq] of [
    [1, 1],
    [2, 3],
    [5, 7],
    [32, 64],
  ] as const) {
    const [l0, l1] = await extractStates(new CountingSource(), corpus, positions, [0, 1], { batch, seq });
    for (let i = 0; i < positions.index.length; i++) {
      const g = positions.index[i]!;
      const start = corpus.starts[segmentOf(corpus, g)]!;
      let sum = 0;
      for (let x = start; x <= g; x++) sum += corpus.ids[x]!;
      assert.deepEqual(
        [l0![2 * i], l0![2 * i + 1], l1![i]],
        [g - start + 1, corpus.ids[g], sum],
        `B ${batch} T ${seq}`,
      );
    }
  }
});

test('stops once every stream has passed its last sampled position, and reports progress', async () => {
  // One stream (B = 1): sampled positions only at the start, so only the first chunks run.
  const early = { index: Uint32Array.from([1, 2, 6]), labels: [] };
  const source = new CountingSource();
  const seen: number[] = [];
  await extractStates(source, corpus, early, [0], {
    batch: 1,
    seq: 4,
    onProgress: (p) => seen.push(p.chunks * 100 + p.totalChunks),
  });
  assert.equal(source.chunksRun, 2); // offsets 0..7
  assert.deepEqual(seen, [102, 202]);
  // No positions: nothing runs.
  const none = await extractStates(source, corpus, { index: new Uint32Array(0), labels: [] }, [0, 1]);
  assert.deepEqual(
    none.map((m) => m.length),
    [0, 0],
  );
});

test('honours an abort signal and rejects bad layers and unsorted positions', async () => {
  const positions = samplePositions(corpus, 20, 1, new Rng(2));
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(
    () => extractStates(new CountingSource(), corpus, positions, [0], { signal: controller.signal }),
    (err: unknown) => (err as Error).name === 'AbortError',
  );
  await assert.rejects(() => extractStates(new CountingSource(), corpus, positions, [2]), RangeError);
  await assert.rejects(() => extractStates(new CountingSource(), corpus, positions, [-1]), RangeError);
  const unsorted = { index: Uint32Array.from([5, 3]), labels: [] };
  await assert.rejects(() => extractStates(new CountingSource(), corpus, unsorted, [0]), RangeError);
});
