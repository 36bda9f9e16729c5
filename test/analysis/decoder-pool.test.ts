import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { featureStats } from '../../src/analysis/decoder-kernels.js';
import { decoderPoolRunner } from '../../src/analysis/decoder-pool.js';
import {
  type DecoderData,
  defaultDecoderConfig,
  fitDecoders,
  prepareTrainShards,
} from '../../src/analysis/decoders.js';
import { createGemm } from '../../src/backends/index.js';
import { UserError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/random.js';
import { decoderCheckpointFiles } from '../../src/io/decoder-checkpoint-files.js';
import { readShardFile } from '../../src/io/state-shard-files.js';

/** States whose first V features point at the label at δ = 1 (noisily) and carry nothing about δ = 2. */
function learnableData(seed: number): DecoderData {
  const rng = new Rng(seed);
  const V = 4;
  const D = 8;
  const part = (n: number) => {
    const x = new Float32Array(n * D);
    const l1 = new Int32Array(n);
    const l2 = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      l1[r] = rng.int(V);
      l2[r] = r % 7 === 0 ? -1 : rng.int(V);
      for (let j = 0; j < D; j++) x[r * D + j] = rng.normal() * 0.5;
      x[r * D + l1[r]!]! += 1.5;
    }
    return { x, labels: [l1, l2] };
  };
  const train = part(600);
  const dev = part(200);
  const evalPart = part(300);
  return {
    train: train.x,
    dev: dev.x,
    eval: evalPart.x,
    nTrain: 600,
    nDev: 200,
    nEval: 300,
    D,
    trainLabels: train.labels,
    devLabels: dev.labels,
    evalLabels: evalPart.labels,
    V,
  };
}

test('decoderPoolRunner() gives exactly the outcomes of fitDecoders() in one thread', async () => {
  const data = learnableData(5);
  const config = {
    ...defaultDecoderConfig(),
    hidden: [16],
    keepProbs: [0.6, 0.8, 1],
    maxEpochs: 4,
    batch: 32,
    lr: 1e-2,
  };
  const serial = fitDecoders(createGemm('auto', 1), data, config);
  let progressed = 0;
  const pooled = await decoderPoolRunner({ threads: 2, backend: 'auto' })(data, config, {
    onProgress: () => progressed++,
  });
  assert.ok(progressed > 0);
  assert.equal(pooled.length, 2);
  for (let d = 0; d < 2; d++) {
    const a = serial[d]!;
    const b = pooled[d]!;
    assert.equal(b.keepProb, a.keepProb);
    assert.equal(b.epochs, a.epochs);
    assert.equal(b.devAccuracy, a.devAccuracy);
    assert.deepEqual(b.evalPredictions, a.evalPredictions);
    assert.ok(Math.abs(b.evalLogLikelihood - a.evalLogLikelihood) < 1e-6 * Math.abs(a.evalLogLikelihood));
    assert.deepEqual(b.sweep, a.sweep);
  }
  assert.ok(serial[0]!.devAccuracy > 0.7, `δ=1 dev accuracy ${serial[0]!.devAccuracy}`);
});

test('decoderPoolRunner() stops its workers and rejects when the signal aborts', async () => {
  const data = learnableData(6);
  const config = { ...defaultDecoderConfig(), hidden: [16], keepProbs: [0.5, 0.7, 0.9, 1], maxEpochs: 50, batch: 8 };
  const controller = new AbortController();
  const run = decoderPoolRunner({ threads: 2 })(data, config, {
    signal: controller.signal,
    onProgress: () => controller.abort(new Error('stop now')),
  });
  await assert.rejects(run, /stop now/);
});

test('decoderPoolRunner() reads train states kept in shard files, as fitDecoders() does (whitening included)', async () => {
  const data = learnableData(6);
  const config = { ...defaultDecoderConfig(), hidden: [16], keepProbs: [0.8, 1], maxEpochs: 3, batch: 32, lr: 1e-2 };
  // The train rows dealt into shards as a signature does, each shard written to a file in shard order.
  const prepared = prepareTrainShards(data, config.seed);
  const { offsets, physical } = prepared.shards!;
  const D = data.D;
  const dir = mkdtempSync(join(tmpdir(), 'memsig-pool-files-'));
  try {
    const files: string[] = [];
    for (let s = 0; s + 1 < offsets.length; s++) {
      const rows = new Float32Array((offsets[s + 1]! - offsets[s]!) * D);
      for (let r = offsets[s]!; r < offsets[s + 1]!; r++)
        rows.set(data.train.subarray(physical![r]! * D, (physical![r]! + 1) * D), (r - offsets[s]!) * D);
      files.push(join(dir, `shard-${s}.f32`));
      writeFileSync(files.at(-1)!, rows);
    }
    const all = Int32Array.from(physical!);
    const inFiles: DecoderData = {
      ...prepared,
      train: new Float32Array(0),
      shards: { offsets, physical: null, files, stats: featureStats(data.train, D, all) },
    };
    const serial = fitDecoders(createGemm('auto', 1), inFiles, config, { readShardFile });
    const pooled = await decoderPoolRunner({ threads: 2, backend: 'auto' })(inFiles, config, {});
    for (let d = 0; d < 2; d++) {
      assert.equal(pooled[d]!.devAccuracy, serial[d]!.devAccuracy);
      assert.deepEqual(pooled[d]!.evalPredictions, serial[d]!.evalPredictions);
    }
    assert.ok(serial[0]!.devAccuracy > 0.7, `δ=1 dev accuracy ${serial[0]!.devAccuracy}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a worker's UserError (a checkpoint it cannot write) reaches the caller as a UserError, not as a bug", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'memsig-pool-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // The checkpoints' folder lies under a plain file: every save fails with ENOTDIR.
  writeFileSync(join(dir, 'file'), '');
  const config = { ...defaultDecoderConfig(), hidden: [8], keepProbs: [1], maxEpochs: 2, batch: 32 };
  const checkpoints = decoderCheckpointFiles({ dir: join(dir, 'file', 'checkpoints'), tag: 'layer1' });
  await assert.rejects(
    decoderPoolRunner({ threads: 2 })(learnableData(3), config, { checkpoints }),
    (e: unknown) => e instanceof UserError && /file\/checkpoints/.test(e.message) && !/decoder worker/.test(e.message),
  );
});
