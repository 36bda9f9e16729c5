import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  type DecoderCheckpointStore,
  labelsFingerprint,
  memoryCheckpointStore,
} from '../../src/analysis/decoder-checkpoint.js';
import {
  type DecoderConfig,
  type DecoderData,
  type DecoderOutcome,
  defaultDecoderConfig,
  fitDecoders,
} from '../../src/analysis/decoders.js';
import { createGemm } from '../../src/backends/index.js';
import { Rng } from '../../src/core/random.js';
import { decoderCheckpointFiles } from '../../src/io/decoder-checkpoint-files.js';

/** States whose first V features point (noisily) at the label at δ = 1, a little at δ = 2 and not at δ = 3. */
function data(seed: number): DecoderData {
  const rng = new Rng(seed);
  const V = 4;
  const D = 6;
  const part = (n: number) => {
    const x = new Float32Array(n * D);
    const labels = [new Int32Array(n), new Int32Array(n), new Int32Array(n)];
    for (let r = 0; r < n; r++) {
      for (const l of labels) l[r] = rng.int(V);
      if (r % 9 === 0) labels[2]![r] = -1;
      for (let j = 0; j < D; j++) x[r * D + j] = rng.normal() * 0.6;
      x[r * D + labels[0]![r]!]! += 1.2;
      x[r * D + labels[1]![r]!]! += 0.4;
    }
    return { x, labels };
  };
  const train = part(700);
  const dev = part(200);
  const evalPart = part(240);
  return {
    train: train.x,
    dev: dev.x,
    eval: evalPart.x,
    nTrain: 700,
    nDev: 200,
    nEval: 240,
    D,
    trainLabels: train.labels,
    devLabels: dev.labels,
    evalLabels: evalPart.labels,
    V,
  };
}

/** A sweep with a rung, a finalist with both stages, rounds that end in the middle of a pass, two δ groups. */
function config(): DecoderConfig {
  return {
    ...defaultDecoderConfig(),
    hidden: [12],
    keepProbs: [0.7, 1],
    batch: 32,
    lr: 1e-2,
    roundPositions: 250,
    maxEpochs: 8,
  };
}

/** Passes saves on until the n-th, which throws as if the run had been stopped during that round. */
function stoppingAt(store: DecoderCheckpointStore, n: number): DecoderCheckpointStore {
  let saves = 0;
  return {
    load: (key) => store.load(key),
    save: (key, checkpoint) => {
      if (++saves === n) throw new Error('stopped');
      store.save(key, checkpoint);
    },
  };
}

function assertSameOutcomes(actual: DecoderOutcome[], expected: DecoderOutcome[], label: string): void {
  assert.equal(actual.length, expected.length, label);
  for (let d = 0; d < expected.length; d++) {
    const a = actual[d]!;
    const e = expected[d]!;
    assert.equal(a.keepProb, e.keepProb, `${label}, δ=${d + 1}: keep`);
    assert.equal(a.epochs, e.epochs, `${label}, δ=${d + 1}: epochs`);
    assert.equal(a.devAccuracy, e.devAccuracy, `${label}, δ=${d + 1}: dev accuracy`);
    assert.equal(a.evalLogLikelihood, e.evalLogLikelihood, `${label}, δ=${d + 1}: eval log-likelihood`);
    assert.deepEqual(a.evalPredictions, e.evalPredictions, `${label}, δ=${d + 1}: eval predictions`);
    assert.deepEqual(a.sweep, e.sweep, `${label}, δ=${d + 1}: sweep`);
    assert.deepEqual(a.curve, e.curve, `${label}, δ=${d + 1}: curve`);
  }
}

test('keeping checkpoints changes no outcome, and a finished run is read back without training', () => {
  const gemm = createGemm('auto', 1);
  const plain = fitDecoders(gemm, data(3), config());
  const store = memoryCheckpointStore();
  const kept = fitDecoders(gemm, data(3), config(), { checkpoints: store });
  assertSameOutcomes(kept, plain, 'with checkpoints');
  const saves = store.saves;
  // Rounds of 250 positions over several stages and runs: many checkpoints, one per round and one per finished run.
  assert.ok(saves > 10, `${saves} saves`);
  let batches = 0;
  const again = fitDecoders(gemm, data(3), config(), { checkpoints: store, onProgress: () => batches++ });
  assert.equal(batches, 0, 'every run was finished: nothing trains again');
  assertSameOutcomes(again, plain, 'read back');
});

test('a run stopped in any round and resumed from its checkpoints ends exactly as an uninterrupted one', () => {
  const gemm = createGemm('auto', 1);
  const plain = fitDecoders(gemm, data(4), config());
  const counter = memoryCheckpointStore();
  fitDecoders(gemm, data(4), config(), { checkpoints: counter });
  const total = counter.saves;
  // Stopping points spread over the whole run: the rung, the half stage, the full stage, between runs.
  const stops = [1, 2, Math.floor(total / 3), Math.floor(total / 2), total - 3, total - 1, total];
  for (const stop of stops) {
    const store = memoryCheckpointStore();
    assert.throws(() => fitDecoders(gemm, data(4), config(), { checkpoints: stoppingAt(store, stop) }), /stopped/);
    const resumed = fitDecoders(gemm, data(4), config(), { checkpoints: store });
    assertSameOutcomes(resumed, plain, `stopped at save ${stop} of ${total}`);
  }
});

test('a checkpoint is never taken up by a run on other labels or with other settings', () => {
  const gemm = createGemm('auto', 1);
  const store = memoryCheckpointStore();
  fitDecoders(gemm, data(5), config(), { checkpoints: store });
  let batches = 0;
  const other = fitDecoders(gemm, data(6), config(), { checkpoints: store, onProgress: () => batches++ });
  assert.ok(batches > 0, 'other labels train afresh');
  assertSameOutcomes(other, fitDecoders(gemm, data(6), config()), 'other labels');
  batches = 0;
  fitDecoders(gemm, data(5), { ...config(), seed: 2 }, { checkpoints: store, onProgress: () => batches++ });
  assert.ok(batches > 0, 'another seed trains afresh');
});

test('labelsFingerprint() tells label arrays apart by values, order and lengths', () => {
  const a = [Int32Array.of(0, 1, 2), Int32Array.of(-1, 3)];
  assert.equal(labelsFingerprint(a), labelsFingerprint([Int32Array.of(0, 1, 2), Int32Array.of(-1, 3)]));
  assert.notEqual(labelsFingerprint(a), labelsFingerprint([Int32Array.of(0, 1, 2), Int32Array.of(3, -1)]));
  assert.notEqual(labelsFingerprint(a), labelsFingerprint([Int32Array.of(0, 1), Int32Array.of(2, -1, 3)]));
});

test('checkpoint files: a run stopped and resumed from them ends exactly as an uninterrupted one; a damaged file is passed over', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'memsig-ckpt-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const gemm = createGemm('auto', 1);
  const plain = fitDecoders(gemm, data(7), config());
  const files = decoderCheckpointFiles({ dir, tag: 'inputs:layer1' });
  assert.throws(() => fitDecoders(gemm, data(7), config(), { checkpoints: stoppingAt(files, 14) }), /stopped/);
  const kept = readdirSync(dir);
  assert.ok(kept.length >= 2, `${kept.length} files`);
  assert.ok(
    kept.every((f) => f.endsWith('.safetensors')),
    'no temporary file is left behind',
  );
  assertSameOutcomes(fitDecoders(gemm, data(7), config(), { checkpoints: files }), plain, 'resumed from files');

  // Another tag (other states) finds nothing; a damaged file is as good as none: the run trains again, the same.
  let batches = 0;
  const other = decoderCheckpointFiles({ dir, tag: 'inputs:layer2' });
  fitDecoders(gemm, data(7), config(), { checkpoints: other, onProgress: () => batches++ });
  assert.ok(batches > 0, 'another tag trains afresh');
  for (const f of readdirSync(dir)) writeFileSync(join(dir, f), 'not a checkpoint');
  batches = 0;
  const again = fitDecoders(gemm, data(7), config(), { checkpoints: files, onProgress: () => batches++ });
  assert.ok(batches > 0, 'damaged files: trained afresh');
  assertSameOutcomes(again, plain, 'after damaged files');
});
