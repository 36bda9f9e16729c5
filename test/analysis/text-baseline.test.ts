import assert from 'node:assert/strict';
import { test } from 'node:test';
import { samplePositions } from '../../src/analysis/positions.js';
import { defaultSignatureOptions, memorySignature } from '../../src/analysis/signature.js';
import {
  describeTextBaseline,
  guessFromText,
  orderFor,
  pairedDifferenceInterval,
  reversePartition,
  trainTextBaseline,
} from '../../src/analysis/text-baseline.js';
import { createGemm } from '../../src/backends/index.js';
import { Rng } from '../../src/core/random.js';
import { Alphabet } from '../../src/data/alphabet.js';
import { type EncodedPartition, encodeSegments, type PreparedCorpus } from '../../src/data/corpus.js';
import { serializeSignature, validateSignature } from '../../src/io/signature-file.js';
import { historyModel } from './history-model.js';
import { syntheticCorpus } from './synthetic-corpus.js';

const ALPHABET = new Alphabet(['a', 'b', 'c', 'q', 'r', 's', 'z']);

function partition(segments: string[]): EncodedPartition {
  return encodeSegments(segments, ALPHABET);
}

/** Segments of i.i.d. symbols drawn with `weights` (the text after a symbol says nothing about it). */
function randomSegments(rng: Rng, count: number, length: number, weights: number[]): string[] {
  const symbols = ALPHABET.symbols;
  const draw = () => {
    let u = rng.next();
    for (let s = 0; s < weights.length; s++) {
      u -= weights[s]!;
      if (u < 0) return symbols[s]!;
    }
    return symbols[0]!;
  };
  return Array.from({ length: count }, () => Array.from({ length }, draw).join(''));
}

test('reversePartition() reads every segment backwards, in reverse segment order', () => {
  const r = reversePartition(partition(['abc', 'qr', 'z']));
  assert.deepEqual([...r.ids], [...partition(['z', 'rq', 'cba']).ids]);
  assert.deepEqual([...r.starts], [0, 1, 3, 6]);
});

test('orderFor() keeps V^order within 2^53', () => {
  assert.equal(orderFor(30, 10), 10);
  assert.equal(orderFor(256, 10), 6);
  assert.equal(orderFor(5, 3), 3);
});

test('trainTextBaseline() guesses from raw counts at every context length, not continuation counts', () => {
  // "ab" occurs 5 times, always before z; "cb" 3 times, before three different symbols. The symbol before b is a by
  // count (5 to 3) but c by continuation count (1 to 3): read with one symbol of context the guess must be a.
  const train = partition(['abz', 'abz', 'abz', 'abz', 'abz', 'cbq', 'cbr', 'cbs']);
  const model = trainTextBaseline(train, ALPHABET.size, 3);
  assert.equal(model.order, 3);
  const evalPart = partition(['abz', 'cbq']);
  const positions = samplePositions(evalPart, 100, 2, new Rng(1));
  const [d1] = guessFromText(model, evalPart, positions, 2);
  const a = ALPHABET.symbols.indexOf('a');
  // Every position whose δ = 1 target sits before a b is guessed a.
  for (let i = 0; i < positions.index.length; i++) {
    if (evalPart.ids[positions.index[i]!] === ALPHABET.symbols.indexOf('b')) assert.equal(d1!.predictions[i], a);
  }
});

test('guessFromText() reads the min(δ, n − 1) symbols after the target and none before it or past the state', () => {
  const rng = new Rng(5);
  const train = partition(randomSegments(rng, 300, 20, [0.3, 0.2, 0.15, 0.1, 0.1, 0.1, 0.05]));
  const evalPart = partition(randomSegments(rng, 40, 20, [0.3, 0.2, 0.15, 0.1, 0.1, 0.1, 0.05]));
  const model = trainTextBaseline(train, ALPHABET.size, 4);
  const positions = samplePositions(evalPart, 500, 6, new Rng(2));
  const guesses = guessFromText(model, evalPart, positions, 6);
  const dist = new Float64Array(ALPHABET.size);
  guesses.forEach((g, k) => {
    const delta = k + 1;
    assert.equal(g.context, Math.min(delta, 3));
    let loglik = 0;
    for (let i = 0; i < positions.index.length; i++) {
      const label = positions.labels[k]![i]!;
      if (label < 0) {
        assert.equal(g.predictions[i], -1);
        continue;
      }
      // The reference: the history written out by hand, farthest symbol first, the one just after the target last.
      const p = positions.index[i]! - delta;
      const history = Array.from({ length: g.context }, (_, j) => evalPart.ids[p + g.context - j]!);
      model.byContext[g.context]!.distribution(history, dist);
      let best = 0;
      for (let s = 1; s < dist.length; s++) if (dist[s]! > dist[best]!) best = s;
      assert.equal(g.predictions[i], best, `δ ${delta}, position ${positions.index[i]}`);
      loglik += Math.log(dist[label]!);
    }
    assert.ok(Math.abs(g.logLikelihood - loglik) < 1e-9);
  });
});

test('the baseline of a text whose symbols say nothing of the one before them is chance', () => {
  const rng = new Rng(9);
  const weights = [0.4, 0.2, 0.15, 0.1, 0.1, 0.05, 0];
  const train = partition(randomSegments(rng, 1000, 30, weights));
  const evalPart = partition(randomSegments(rng, 200, 30, weights));
  const positions = samplePositions(evalPart, 3000, 4, new Rng(3));
  const guesses = guessFromText(trainTextBaseline(train, ALPHABET.size, 4), evalPart, positions, 4);
  guesses.forEach((g, k) => {
    const labels = positions.labels[k]!;
    const b = describeTextBaseline(g, labels, new Int32Array(labels.length).fill(-1), ALPHABET.size);
    assert.ok(Math.abs(b.accuracy - 0.4) < 0.04, `δ ${k + 1}: ${b.accuracy}`);
    // About the entropy of the prior (2.28 bits): the context adds nothing.
    assert.ok(Math.abs(b.crossEntropyBits - 2.28) < 0.1, `δ ${k + 1}: ${b.crossEntropyBits} bits`);
  });
});

test('describeTextBaseline() counts recall per symbol and pairs the decoder with the baseline', () => {
  // Labels a a b c and an unused position; baseline right on 1, 2 (and wrong on 0, 3); decoder right on 0, 1, 3.
  const labels = Int32Array.from([0, 0, 1, 2, -1]);
  const guesses = {
    delta: 2,
    order: 5,
    context: 2,
    predictions: Int32Array.from([1, 0, 1, 0, -1]),
    logLikelihood: 4 * Math.log(0.5),
  };
  const decoder = Int32Array.from([0, 0, 2, 2, -1]);
  const b = describeTextBaseline(guesses, labels, decoder, 4);
  assert.equal(b.accuracy, 0.5);
  assert.deepEqual(b.recall, [0.5, 1, 0, null]);
  assert.equal(b.crossEntropyBits, 1);
  assert.equal(b.decoderOnly, 2);
  assert.equal(b.baselineOnly, 1);
  // P[X ≥ 2] for X ~ Bin(3, 1/2) = 4/8.
  assert.ok(Math.abs(b.excessPValue - 0.5) < 1e-12);
  assert.deepEqual([b.order, b.context], [5, 2]);
  // The decoder's accuracy (3/4) minus the baseline's (2/4) is the paired excess (2 − 1) / 4.
  assert.ok(b.excessInterval.low < 0.25 && b.excessInterval.high > 0.25);
});

test('pairedDifferenceInterval() is a point where no position is discordant, and widens with them', () => {
  assert.deepEqual(pairedDifferenceInterval(0, 0, 100), { low: 0, high: 0 });
  const narrow = pairedDifferenceInterval(10, 0, 1000);
  const wide = pairedDifferenceInterval(110, 100, 1000);
  assert.ok(narrow.low > 0 && narrow.low < 0.01 && narrow.high > 0.01);
  assert.ok(wide.high - wide.low > narrow.high - narrow.low);
  assert.ok(wide.low < 0.01 && wide.high > 0.01);
});

// ---- Known answer through memorySignature ----

/** Segments of the cycle a b c q r s z a b …, each from a random phase: every symbol is fixed by the next one. */
function cyclicCorpus(seed: number): PreparedCorpus {
  const rng = new Rng(seed);
  const symbols = ALPHABET.symbols;
  const segments = (n: number) =>
    Array.from({ length: n }, () => {
      const phase = rng.int(symbols.length);
      return Array.from({ length: 30 }, (_, i) => symbols[(phase + i) % symbols.length]).join('');
    });
  return syntheticCorpus(symbols, { train: segments(150), dev: segments(30), eval: segments(60) });
}

test('memorySignature() of a text where every symbol is fixed by the next: the baseline is 100% and the excess 0', async () => {
  const maxDelta = 4;
  const d = defaultSignatureOptions();
  const sig = await memorySignature(
    historyModel(ALPHABET.size, maxDelta),
    cyclicCorpus(4),
    {
      ...d,
      maxDelta,
      trainPositions: 2000,
      devPositions: 400,
      evalPositions: 1000,
      decoder: { ...d.decoder, hidden: [16], keepProbs: [1], maxEpochs: 10, patience: 2, batch: 64, lr: 1e-2 },
    },
    { gemm: createGemm('auto') },
  );
  for (const delta of sig.layers[0]!.deltas) {
    const b = delta.textBaseline!;
    assert.ok(b, `δ ${delta.delta}: no text-only baseline`);
    assert.equal(b.accuracy, 1, `δ ${delta.delta}: baseline ${b.accuracy}`);
    assert.ok(b.recall.every((r) => r === null || r === 1));
    assert.equal(b.context, delta.delta);
    assert.equal(delta.accuracy, 1, `δ ${delta.delta}: decoder ${delta.accuracy}`);
    assert.equal(delta.accuracy - b.accuracy, 0);
    assert.deepEqual([b.decoderOnly, b.baselineOnly, b.excessPValue], [0, 0, 1]);
  }
  // The file keeps it: it validates and reads back as written.
  assert.deepEqual(validateSignature(JSON.parse(serializeSignature(sig)), 'sig'), sig);
});
