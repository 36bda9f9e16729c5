import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createGemm } from '../../src/backends/index.js';
import { tsGemm } from '../../src/core/gemm.js';
import { Rng } from '../../src/core/random.js';
import { Alphabet } from '../../src/data/alphabet.js';
import { encodeSegments, type PreparedCorpus } from '../../src/data/corpus.js';
import { defaultNormalization } from '../../src/data/normalize.js';
import { basesOfBigrams, corpusBigramFrequencies, FactorizedLm } from '../../src/models/factorized-lm.js';
import { ParallelStepRunner } from '../../src/train/parallel-step-runner.js';
import {
  defaultTrainConfig,
  type TrainConfig,
  type TrainSnapshot,
  trainCharLm,
  validateTrainConfig,
} from '../../src/train/train-char-lm.js';

const SENTENCES = [
  'the cat sat on the mat',
  'a dog ran in the park',
  'it was the best of times',
  'to be or not to be',
  'all that glitters is not gold',
  'the quick brown fox jumps over the lazy dog',
  'now is the winter of our discontent',
  'we few we happy few',
];

function tinyCorpus(): PreparedCorpus {
  const normalization = defaultNormalization();
  const alphabet = new Alphabet(normalization.alphabet);
  const segments = (n: number, offset: number) =>
    Array.from({ length: n }, (_, i) => SENTENCES[(i * 3 + offset) % SENTENCES.length]!);
  const partitions = {
    train: encodeSegments(segments(60, 0), alphabet),
    dev: encodeSegments(segments(8, 1), alphabet),
    eval: encodeSegments(segments(8, 2), alphabet),
  };
  const record = {
    source: 'test',
    sha256: '0'.repeat(64),
    segmentation: 'line' as const,
    split: { train: 0.9, dev: 0.05, eval: 0.05, seed: 1 },
    symbols: { train: partitions.train.ids.length, dev: partitions.dev.ids.length, eval: partitions.eval.ids.length },
    segments: { train: 60, dev: 8, eval: 8 },
    maxChars: null,
  };
  return { alphabet, normalization, partitions, record };
}

function config(overrides: Partial<TrainConfig> = {}): TrainConfig {
  return {
    ...defaultTrainConfig(),
    cell: 'gru',
    units: 16,
    embed: 8,
    batch: 4,
    seq: 8,
    epochs: 3,
    lr: 1e-2,
    ...overrides,
  };
}

test('trainCharLm() lowers dev perplexity well below the uniform level and keeps the best epoch', async () => {
  const corpus = tinyCorpus();
  const result = await trainCharLm(corpus, config(), { gemm: tsGemm });
  const first = result.history[0]!;
  const best = Math.min(...result.history.map((h) => h.devPerplexity));
  assert.ok(best < 0.5 * corpus.alphabet.size, `best dev perplexity ${best}`);
  assert.ok(best <= first.devPerplexity);
  assert.equal(result.snapshot.finished, true);
});

for (const cell of ['lstm', 'factorized-lstm'] as const) {
  test(`${cell}: a run stopped mid-epoch and resumed from its snapshot ends with the same weights as an unbroken run`, async () => {
    const corpus = tinyCorpus();
    const cfg = config({ dropout: 0.2, recurrentDropout: 0.1, cell });
    const straight = await trainCharLm(corpus, cfg, { gemm: tsGemm });
    const controller = new AbortController();
    let saved: TrainSnapshot | null = null;
    const first = await trainCharLm(corpus, cfg, {
      gemm: tsGemm,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.step === 7) controller.abort();
      },
      onSnapshot: (s) => {
        saved = s;
      },
    });
    assert.equal(first.interrupted, true);
    assert.equal(saved!.step, 7);
    if (cell === 'factorized-lstm') {
      // The running bigram counts are part of the carried state: mid-segment, some stream has counted bigrams.
      const pairs = saved!.state.get('bigrams.pairs');
      assert.ok(pairs instanceof Int32Array && pairs.some((n) => n > 0), 'the snapshot carries the bigram counts');
    }
    const resumed = await trainCharLm(corpus, cfg, { gemm: tsGemm, resumeFrom: saved! });
    assert.equal(resumed.interrupted, false);
    for (const [name, t] of straight.model.params) {
      assert.deepEqual(resumed.model.params.get(name)!.data, t.data, `parameter ${name} differs after resume`);
    }
    assert.deepEqual(resumed.history, straight.history);
  });

  test(`${cell}: data-parallel steps over worker threads match the single-thread run`, async () => {
    const corpus = tinyCorpus();
    const cfg = config({ epochs: 1, cell, maxSteps: cell === 'lstm' ? null : 20 });
    const serial = await trainCharLm(corpus, cfg, { gemm: tsGemm });
    const parallel = await trainCharLm(corpus, cfg, {
      gemm: tsGemm,
      createRunner: (model, T, B, dropout) =>
        new ParallelStepRunner(model, T, B, dropout, { shards: 2, backend: 'ts', gemm: tsGemm }),
    });
    for (const [name, t] of serial.model.params) {
      const other = parallel.model.params.get(name)!.data;
      for (let i = 0; i < t.data.length; i++) {
        assert.ok(Math.abs(other[i]! - t.data[i]!) < 1e-4, `${name}[${i}]: ${other[i]} vs ${t.data[i]}`);
      }
    }
    assert.ok(Math.abs(parallel.history[0]!.devLoss - serial.history[0]!.devLoss) < 1e-4);
  });
}

test('a factorized-lstm run trains a FactorizedLm that learns the corpus and grows its bigram bases', async () => {
  const corpus = tinyCorpus();
  const result = await trainCharLm(corpus, config({ cell: 'factorized-lstm' }), { gemm: tsGemm });
  assert.ok(result.model instanceof FactorizedLm);
  const best = Math.min(...result.history.map((h) => h.devPerplexity));
  assert.ok(best < 0.5 * corpus.alphabet.size, `best dev perplexity ${best}`);
  // The bases start at U(−1/√H, 1/√H); training moves those of bigrams the corpus holds ("th") and leaves the
  // others (no "qz" in it) exactly where the initialization put them, since λ is zero for them everywhere.
  const V = corpus.alphabet.size;
  const fresh = new FactorizedLm(result.model.shape);
  fresh.initialize(new Rng(config().seed).fork(1));
  const column = (m: FactorizedLm, i: number) => {
    const u = m.params.get('rnn.basis_u_l0')!.data;
    return Array.from({ length: 4 * m.shape.units }, (_, r) => u[r * V * V + i]!);
  };
  const th = basesOfBigrams(['th'], corpus.alphabet.symbols)[0]!;
  const qz = basesOfBigrams(['qz'], corpus.alphabet.symbols)[0]!;
  assert.deepEqual(column(result.model, qz), column(fresh, qz));
  assert.notDeepEqual(column(result.model, th), column(fresh, th));
});

test("a factorized-lstm run with --lambda corpus reads the training partition's bigram frequencies at every step", async () => {
  const corpus = tinyCorpus();
  const cfg = config({ cell: 'factorized-lstm', lambda: 'corpus', epochs: 1 });
  const result = await trainCharLm(corpus, cfg, { gemm: tsGemm });
  assert.ok(result.model instanceof FactorizedLm);
  const source = result.model.lambdaSource;
  assert.equal(source.kind, 'corpus');
  const expected = corpusBigramFrequencies(corpus.partitions.train, corpus.alphabet.size);
  assert.deepEqual(source.kind === 'corpus' ? source.lambda : null, expected);
  // Threads get the same fixed λ: the data-parallel run matches the serial one.
  const parallel = await trainCharLm(corpus, cfg, {
    gemm: tsGemm,
    createRunner: (model, T, B, dropout) =>
      new ParallelStepRunner(model, T, B, dropout, { shards: 2, backend: 'ts', gemm: tsGemm }),
  });
  assert.ok(Math.abs(parallel.history[0]!.devLoss - result.history[0]!.devLoss) < 1e-4);
  // A fixed λ is not the running one: the two models differ after the same steps.
  const running = await trainCharLm(corpus, config({ cell: 'factorized-lstm', epochs: 1 }), { gemm: tsGemm });
  assert.notEqual(running.history[0]!.devLoss, result.history[0]!.devLoss);
  assert.throws(
    () => validateTrainConfig(config({ cell: 'lstm', lambda: 'corpus' })),
    /--lambda corpus is for --cell factorized-lstm/,
  );
});

test('data-parallel steps work with the onnxruntime backend in the workers', async () => {
  const corpus = tinyCorpus();
  const cfg = config({ epochs: 1, maxSteps: 5 });
  const result = await trainCharLm(corpus, cfg, {
    gemm: createGemm('auto'),
    createRunner: (model, T, B, dropout) =>
      new ParallelStepRunner(model, T, B, dropout, { shards: 2, backend: 'auto', gemm: createGemm('auto', 1) }),
  });
  assert.equal(result.snapshot.step, 5);
  assert.ok(Number.isFinite(result.history[0]!.devLoss));
});
