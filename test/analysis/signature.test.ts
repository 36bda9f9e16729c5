import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { defaultSignatureOptions, memorySignature, type SignatureOptions } from '../../src/analysis/signature.js';
import { createGemm } from '../../src/backends/index.js';
import { UserError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/random.js';
import type { PreparedCorpus } from '../../src/data/corpus.js';
import { shardFileStore } from '../../src/io/state-shard-files.js';
import { historyModel } from './history-model.js';
import { skewedSegments, syntheticCorpus } from './synthetic-corpus.js';

const SYMBOLS = ['a', 'b', 'c', 'd', 'e'];

/** Segments of random symbols with a skewed prior, so that chance is well away from 1/V. */
function skewedCorpus(seed: number): PreparedCorpus {
  const rng = new Rng(seed);
  const weights = [0.4, 0.25, 0.15, 0.12, 0.08];
  const segments = (n: number) => skewedSegments(rng, SYMBOLS, weights, n, 30);
  return syntheticCorpus(SYMBOLS, { train: segments(200), dev: segments(40), eval: segments(80) });
}

function options(overrides: Partial<SignatureOptions> = {}): SignatureOptions {
  const d = defaultSignatureOptions();
  return {
    ...d,
    maxDelta: 5,
    trainPositions: 3000,
    devPositions: 600,
    evalPositions: 1500,
    decoder: { ...d.decoder, hidden: [32], keepProbs: [1], maxEpochs: 15, patience: 3, batch: 64, lr: 1e-2 },
    ...overrides,
  };
}

test('memorySignature() of a one-hot history of k = 3 recalls δ ≤ 3 perfectly and falls to chance beyond', async () => {
  const corpus = skewedCorpus(1);
  const sig = await memorySignature(historyModel(SYMBOLS.length, 3), corpus, options(), { gemm: createGemm('auto') });
  const deltas = sig.layers[0]!.deltas;
  assert.equal(deltas.length, 5);
  for (const d of deltas.slice(0, 3)) {
    assert.ok(d.accuracy > 0.99, `δ=${d.delta} accuracy ${d.accuracy}`);
    assert.ok(d.recall.every((r) => r === null || r > 0.97));
    assert.ok(d.informationBits > 0.9 * d.priorEntropyBits, `δ=${d.delta} bits ${d.informationBits}`);
    assert.ok(d.pValue < 1e-12);
  }
  for (const d of deltas.slice(3)) {
    // Nothing to recover: the decoder can only learn the prior, so it guesses the majority symbol (chance 0.4).
    assert.ok(
      Math.abs(d.accuracy - d.chanceAccuracy) < 0.05,
      `δ=${d.delta} accuracy ${d.accuracy} vs ${d.chanceAccuracy}`,
    );
    assert.equal(d.chanceSymbol, 'a');
    assert.ok(d.informationBits < 0.05, `δ=${d.delta} bits ${d.informationBits}`);
    assert.ok(d.pValue > 1e-3);
  }
});

test('memorySignature() with a bigram target: a history of k = 3 names the pairs ending 1 and 2 back, not 3 back', async () => {
  const corpus = skewedCorpus(1);
  const sig = await memorySignature(
    historyModel(SYMBOLS.length, 3),
    corpus,
    options({ maxDelta: 3, target: { kind: 'bigram', top: 40 } }),
    { gemm: createGemm('auto') },
  );
  // Every pair of the five symbols occurs in training: 25 classes and "other" (never used here).
  assert.equal(sig.target?.kind, 'bigram');
  assert.equal(sig.target?.classes.length, 26);
  assert.equal(sig.target?.classes.at(-1), 'other');
  assert.equal(sig.alphabet.length, 26);
  assert.ok(sig.target?.classes.includes('ab'));
  assert.equal(sig.forward, null); // the next-symbol strip is per symbol
  const [d1, d2, d3] = sig.layers[0]!.deltas;
  // The pair ending δ back is (x_{t−δ−1}, x_{t−δ}): in the state for δ = 1, 2; half of it for δ = 3.
  assert.ok(d1!.accuracy > 0.99 && d2!.accuracy > 0.99, `δ=1 ${d1!.accuracy}, δ=2 ${d2!.accuracy}`);
  // For δ = 3 only its second symbol is in the state: the best guess of the first is the majority symbol (0.4).
  assert.ok(Math.abs(d3!.accuracy - 0.4) < 0.06, `δ=3 ${d3!.accuracy}`);
  assert.equal(d1!.textBaseline, undefined);
});

test('memorySignature() of a state unrelated to the input gives chance at every δ', async () => {
  const corpus = skewedCorpus(2);
  const sig = await memorySignature(
    historyModel(SYMBOLS.length, 3, { shuffle: true }),
    corpus,
    options({ maxDelta: 2 }),
    {
      gemm: createGemm('auto'),
    },
  );
  for (const d of sig.layers[0]!.deltas) {
    assert.ok(Math.abs(d.accuracy - d.chanceAccuracy) < 0.05, `δ=${d.delta} accuracy ${d.accuracy}`);
  }
});

test('memorySignature() is deterministic: the same inputs and seed give the same signature', async () => {
  const corpus = skewedCorpus(3);
  const o = options({ maxDelta: 2, trainPositions: 800, devPositions: 200, evalPositions: 300 });
  const a = await memorySignature(historyModel(SYMBOLS.length, 1), corpus, o, { gemm: createGemm('auto') });
  const b = await memorySignature(historyModel(SYMBOLS.length, 1), corpus, o, { gemm: createGemm('auto') });
  assert.deepEqual(a, b);
});

test('memorySignature() gives the same signature with its train states in shard files as in memory', async () => {
  const corpus = skewedCorpus(5);
  const o = options({ maxDelta: 2, trainPositions: 900, devPositions: 200, evalPositions: 300 });
  const inMemory = await memorySignature(historyModel(SYMBOLS.length, 1), corpus, o, { gemm: createGemm('auto') });
  const store = shardFileStore(tmpdir());
  try {
    const opened: number[] = [];
    const removed: string[] = [];
    const inFiles = await memorySignature(
      historyModel(SYMBOLS.length, 1),
      corpus,
      { ...o, stateMemoryBytes: 0 },
      {
        gemm: createGemm('auto'),
        shardFiles: {
          open: (layer, k) => {
            opened.push(k);
            return store.open(layer, k);
          },
          read: store.read,
          remove: (paths) => {
            removed.push(...paths);
            store.remove(paths);
          },
        },
      },
    );
    assert.deepEqual(opened, [2]); // the states did go to files
    assert.equal(removed.length, 2); // and were removed after the layer's decoders
    assert.deepEqual(inFiles, inMemory);
  } finally {
    store.dispose();
  }
});

test('memorySignature() refuses a Δ longer than every segment, a missing layer and a mismatched alphabet', async () => {
  const corpus = skewedCorpus(4);
  const gemm = createGemm('auto');
  await assert.rejects(
    () => memorySignature(historyModel(SYMBOLS.length, 1), corpus, options({ maxDelta: 40 }), { gemm }),
    (e: Error) => e instanceof UserError && /longer than every segment/.test(e.message),
  );
  await assert.rejects(
    () => memorySignature(historyModel(SYMBOLS.length, 1), corpus, options({ layers: [1] }), { gemm }),
    (e: Error) => e instanceof UserError && /layer 2 does not exist/.test(e.message),
  );
  const wrong = { ...historyModel(SYMBOLS.length, 1), vocab: 7 };
  await assert.rejects(
    () => memorySignature(wrong, corpus, options(), { gemm }),
    (e: Error) => e instanceof UserError && /symbols/.test(e.message),
  );
});

test('memorySignature() marks starved decoders not converged, and none on a planted, easily decodable state', async () => {
  const corpus = skewedCorpus(1);
  const planted = await memorySignature(historyModel(SYMBOLS.length, 3), corpus, options(), {
    gemm: createGemm('auto'),
  });
  for (const d of planted.layers[0]!.deltas) {
    assert.equal(d.convergence?.converged, true, `δ=${d.delta}: ${JSON.stringify(d.convergence)}`);
    assert.equal(d.convergence.curve.fullEnd, 'plateau');
    assert.ok(d.convergence.curve.half.length >= 1 && d.convergence.curve.full.length >= 1);
  }
  // Tiny positions and a single epoch per stage: nothing shows the decoders are done learning.
  const starvedOptions = options({ trainPositions: 60 });
  starvedOptions.decoder = { ...starvedOptions.decoder, maxEpochs: 1 };
  const starved = await memorySignature(historyModel(SYMBOLS.length, 3), corpus, starvedOptions, {
    gemm: createGemm('auto'),
  });
  for (const d of starved.layers[0]!.deltas.slice(0, 3)) {
    assert.equal(d.convergence?.converged, false, `δ=${d.delta}`);
    assert.equal(d.convergence.curve.fullEnd, 'cap');
  }
  assert.equal(starved.settings.convergenceTolerance, 0.005);
});
