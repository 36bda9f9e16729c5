import assert from 'node:assert/strict';
import { test } from 'node:test';
import { combineSeedDeltas, combineSeedLayers, seedSpread } from '../../src/analysis/seed-spread.js';
import { decoderSeedList, seededMemorySignature } from '../../src/analysis/seeded-signature.js';
import { memorySignature } from '../../src/analysis/signature.js';
import type { DeltaSignature } from '../../src/analysis/signature-types.js';
import { createGemm } from '../../src/backends/index.js';
import { UserError } from '../../src/core/errors.js';
import { serializeSignature, validateSignature } from '../../src/io/signature-file.js';
import { tinySignature } from '../render/helpers.js';
import { noisyHistoryModel, seedCorpus, seedOptions } from './seed-helpers.js';

const deltaOf = (recall: (number | null)[]): DeltaSignature => tinySignature([[recall]]).layers[0]!.deltas[0]!;

test('seedSpread() gives the mean, the sample sd and the range; identical values spread zero', () => {
  assert.deepEqual(seedSpread([0.7, 0.7, 0.7]), { mean: 0.7, sd: 0, min: 0.7, max: 0.7 });
  assert.deepEqual(seedSpread([1, 2, 3]), { mean: 2, sd: 1, min: 1, max: 3 });
  assert.deepEqual(seedSpread([0.4]), { mean: 0.4, sd: 0, min: 0.4, max: 0.4 });
  assert.throws(() => seedSpread([]), RangeError);
});

test('combineSeedDeltas() of identical seeds keeps every number and records a zero spread', () => {
  const d = deltaOf([0.8, 0.5, 1, null]);
  const combined = combineSeedDeltas([d, structuredClone(d), structuredClone(d)], [1, 2, 3]);
  assert.equal(combined.accuracy, d.accuracy);
  assert.deepEqual(combined.recall, d.recall);
  assert.deepEqual(combined.confusion, d.confusion);
  const s = combined.seeds!;
  assert.deepEqual(s.seeds, [1, 2, 3]);
  assert.equal(s.accuracySpread.sd, 0);
  assert.equal(s.informationBitsSpread.sd, 0);
  assert.deepEqual(s.recallSd, [0, 0, 0, null]);
  assert.deepEqual(s.recallMin, d.recall);
  assert.deepEqual(s.recallMax, d.recall);
});

test('combineSeedDeltas() records what was seeded: nothing for a decoder\'s seeds, "model" for a model\'s', () => {
  const d = deltaOf([0.8, 0.5, 1, null]);
  assert.equal(combineSeedDeltas([d, structuredClone(d)], [1, 2]).seeds!.of, undefined);
  assert.equal(combineSeedDeltas([d, structuredClone(d)], [1, 2], 'model').seeds!.of, 'model');
});

test('combineSeedDeltas() averages recall, accuracy and confusion and keeps each seed apart', () => {
  const a = deltaOf([0.8, 0.5, 1, null]);
  const b = deltaOf([0.6, 0.7, 1, null]);
  const c = combineSeedDeltas([a, b], [7, 100_007]);
  assert.deepEqual(
    c.recall.map((r) => (r === null ? null : Number(r.toFixed(9)))),
    [0.7, 0.6, 1, null],
  );
  assert.ok(Math.abs(c.accuracy - (a.accuracy + b.accuracy) / 2) < 1e-12);
  assert.deepEqual(c.seeds!.accuracy, [a.accuracy, b.accuracy]);
  assert.ok(Math.abs(c.seeds!.recallSd[0]! - Math.SQRT2 * 0.1) < 1e-9);
  assert.deepEqual(c.seeds!.recallMin.slice(0, 3), [0.6, 0.5, 1]);
  assert.deepEqual(c.seeds!.recallMax.slice(0, 3), [0.8, 0.7, 1]);
  // Recall from the mean confusion is the mean recall.
  assert.ok(Math.abs(c.confusion[0]![0]! / c.count[0]! - 0.7) < 1e-12);
  assert.equal(c.pValue, Math.max(a.pValue, b.pValue));
});

test('combineSeedDeltas() refuses seeds measured on different positions, in one line', () => {
  const a = deltaOf([0.8, 0.5, 1, null]);
  const b = deltaOf([0.8, 0.5, 1, 0.5]);
  assert.throws(
    () => combineSeedDeltas([a, b], [1, 2]),
    (e: unknown) => e instanceof UserError && /δ 1: the seeds were measured on different positions/.test(e.message),
  );
});

test('a signature of combined layers validates and writes', () => {
  const one = tinySignature([
    [
      [0.8, 0.5, 1, null],
      [0.5, 0.4, 0.3, null],
    ],
  ]);
  const two = tinySignature([
    [
      [0.6, 0.7, 1, null],
      [0.5, 0.6, 0.3, null],
    ],
  ]);
  const sig = { ...one, settings: { ...one.settings, decoderSeeds: 2 } };
  sig.layers = [combineSeedLayers([one.layers[0]!, two.layers[0]!], [1, 2])];
  const text = serializeSignature(sig);
  assert.deepEqual(validateSignature(JSON.parse(text), 'x.json'), JSON.parse(text));
});

test('decoderSeedList() starts with the single-seed run and steps past every layer seed', () => {
  assert.deepEqual(decoderSeedList(1001, 3), [1001, 101_001, 201_001]);
  assert.throws(() => decoderSeedList(1, 0), RangeError);
});

test('seededMemorySignature() with one seed is memorySignature itself', async () => {
  const corpus = seedCorpus(1);
  const o = seedOptions({ maxDelta: 2, trainPositions: 600 });
  const gemm = createGemm('ts');
  const a = await memorySignature(noisyHistoryModel(), corpus, o, { gemm });
  const b = await seededMemorySignature(noisyHistoryModel(), corpus, o, { gemm }, 1);
  assert.deepEqual(b, a);
});

test('seededMemorySignature(): seeds that train alike spread zero and give the single-seed numbers', async () => {
  const corpus = seedCorpus(2);
  const o = seedOptions({ maxDelta: 2, trainPositions: 600 });
  const gemm = createGemm('ts');
  const single = await memorySignature(noisyHistoryModel(), corpus, o, { gemm });
  const seen: number[] = [];
  const { fitDecoders } = await import('../../src/analysis/decoders.js');
  // A runner that ignores the seed it is given: every "seed" trains the very same decoders.
  const sig = await seededMemorySignature(
    noisyHistoryModel(),
    corpus,
    o,
    {
      gemm,
      decoderRunner: async (data, config, h) => {
        seen.push(config.seed);
        return fitDecoders(gemm, data, { ...config, seed: o.seed + 1000 }, h);
      },
    },
    3,
  );
  assert.deepEqual(seen, [1001, 101_001, 201_001]);
  assert.equal(sig.settings.decoderSeeds, 3);
  sig.layers[0]!.deltas.forEach((d, i) => {
    const s = single.layers[0]!.deltas[i]!;
    assert.equal(d.seeds!.accuracySpread.sd, 0);
    assert.ok(d.seeds!.recallSd.every((x) => x === null || x === 0));
    assert.ok(Math.abs(d.accuracy - s.accuracy) < 1e-12);
    assert.deepEqual(d.textBaseline, s.textBaseline);
  });
  validateSignature(JSON.parse(serializeSignature(sig)), 'seeds.json');
});

test('seededMemorySignature(): different seeds of the same decoders disagree a little; the first is the single run', async () => {
  const corpus = seedCorpus(3);
  const o = seedOptions();
  const gemm = createGemm('ts');
  const single = await memorySignature(noisyHistoryModel(), corpus, o, { gemm });
  const started: string[] = [];
  const layersDone: number[] = [];
  const sig = await seededMemorySignature(
    noisyHistoryModel(),
    corpus,
    o,
    {
      gemm,
      onProgress: (p) => {
        if (p.phase === 'layer-done') layersDone.push(p.layer.deltas[0]!.seeds!.seeds.length);
      },
    },
    2,
    { onSeed: (i, k, seed) => started.push(`${i + 1}/${k}:${seed}`) },
  );
  assert.deepEqual(started, ['1/2:1001', '2/2:101001']);
  assert.deepEqual(layersDone, [2]);
  const deltas = sig.layers[0]!.deltas;
  deltas.forEach((d, i) => {
    const s = single.layers[0]!.deltas[i]!;
    assert.equal(d.seeds!.accuracy[0], s.accuracy);
    assert.equal(d.keepProb, s.keepProb);
    assert.ok(Math.abs(d.accuracy - (d.seeds!.accuracy[0]! + d.seeds!.accuracy[1]!) / 2) < 1e-12);
  });
  // The noisy state leaves room for seeds to differ: somewhere a cell's recall does.
  assert.ok(deltas.some((d) => d.seeds!.recallSd.some((x) => x !== null && x > 0)));
  // The other seed's pairing with the text-only baseline is its own: the mean accuracy less the baseline's.
  for (const d of deltas) {
    const b = d.textBaseline!;
    assert.ok(Math.abs(d.accuracy - b.accuracy - (b.decoderOnly - b.baselineOnly) / d.positions.eval) < 1e-9);
  }
  validateSignature(JSON.parse(serializeSignature(sig)), 'seeds.json');
});
