import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ngramAnalysable, ngramDigest, PAPER_GRU_LAYER_PARAMETERS } from '../../src/analysis/ngram-analysable.js';
import { samplePositions } from '../../src/analysis/positions.js';
import { defaultSignatureOptions, memorySignature } from '../../src/analysis/signature.js';
import { extractStates } from '../../src/analysis/states.js';
import { createGemm } from '../../src/backends/index.js';
import { UserError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/random.js';
import { Alphabet } from '../../src/data/alphabet.js';
import { allocChunk, evalChunks } from '../../src/data/batches.js';
import { type EncodedPartition, encodeSegments, type PreparedCorpus } from '../../src/data/corpus.js';
import { type NgramModel, trainNgram } from '../../src/models/ngram.js';
import { syntheticCorpus } from '../analysis/synthetic-corpus.js';

const SYMBOLS = ['a', 'b', 'c', 'd', 'e'];
const V = SYMBOLS.length;

/** Segments of random symbols with a skewed prior (chance well away from 1/V), lengths from 1 to maxLength. */
function randomSegments(rng: Rng, count: number, maxLength: number, fixed = false): string[] {
  const weights = [0.4, 0.25, 0.15, 0.12, 0.08];
  const draw = () => {
    let u = rng.next();
    for (let s = 0; s < V; s++) {
      u -= weights[s];
      if (u < 0) return SYMBOLS[s];
    }
    return SYMBOLS[0];
  };
  return Array.from({ length: count }, () =>
    Array.from({ length: fixed ? maxLength : 1 + rng.int(maxLength) }, draw).join(''),
  );
}

function randomCorpus(seed: number): PreparedCorpus {
  const rng = new Rng(seed);
  const segments = (n: number) => randomSegments(rng, n, 30, true);
  return syntheticCorpus(SYMBOLS, { train: segments(200), dev: segments(40), eval: segments(80) }, '0'.repeat(64));
}

/** The state at offset g computed straight from the definition: one-hot of x_g, x_{g−1}, … over the used length. */
function directState(model: NgramModel, part: EncodedPartition, segmentStart: number, g: number): Float32Array {
  const D = (model.order - 1) * V;
  const history = Array.from(part.ids.subarray(segmentStart, g + 1));
  const used = model.usedContextLength(history);
  const out = new Float32Array(D);
  for (let j = 0; j < used; j++) out[j * V + history[history.length - 1 - j]] = 1;
  return out;
}

/** Segment start of every offset in the partition. */
function segmentStarts(part: EncodedPartition): Uint32Array {
  const out = new Uint32Array(part.ids.length);
  for (let s = 0; s + 1 < part.starts.length; s++) out.fill(part.starts[s], part.starts[s], part.starts[s + 1]);
  return out;
}

test('ngramAnalysable() stateSource runs (T, B) chunks to the one-hot used context, reset at segment starts', () => {
  const rng = new Rng(3);
  const alphabet = new Alphabet(SYMBOLS);
  // Training text without 'e': after an 'e' nothing is known, so the used length is 0 there.
  const train = encodeSegments(
    randomSegments(rng, 150, 25).map((s) => s.replaceAll('e', 'a')),
    alphabet,
  );
  const other = encodeSegments(randomSegments(rng, 40, 25), alphabet);
  // Pruned, so that longer contexts of the other text are often missing and the used length varies.
  const model = trainNgram(train, V, { order: 4, prune: 3 });
  const source = ngramAnalysable(model).stateSource('h');
  const D = 3 * V;
  assert.deepEqual(source.stateSizes, [D]);
  const B = 5;
  const T = 7;
  const batches = evalChunks(other, B, T);
  const starts = segmentStarts(other);
  const chunk = allocChunk(B, T);
  const usedSeen = new Set<number>();
  let compared = 0;
  source.begin(B);
  for (let k = 0; k < batches.chunkCount; k++) {
    batches.chunk(k, chunk);
    const [state] = source.run(chunk, T, B);
    assert.equal(state.length, T * B * D);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const g = batches.streamStarts[b] + k * T + t;
        if (g >= batches.streamStarts[b + 1]) continue; // padding
        const row = state.subarray((t * B + b) * D, (t * B + b + 1) * D);
        const expected = directState(model, other, starts[g], g);
        assert.deepEqual(row, expected, `offset ${g}`);
        usedSeen.add(row.reduce((s, x) => s + x, 0));
        compared++;
      }
    }
  }
  assert.equal(compared, other.ids.length);
  // Used lengths 0 (nothing kept), 1, 2 and 3 all occur, so both the fallback and the zero blocks were checked.
  assert.deepEqual([...usedSeen].sort(), [0, 1, 2, 3]);
});

test('extractStates() reads the n-gram state unchanged: sampled rows equal the direct computation', async () => {
  const rng = new Rng(4);
  const alphabet = new Alphabet(SYMBOLS);
  const train = encodeSegments(randomSegments(rng, 150, 25), alphabet);
  const part = encodeSegments(randomSegments(rng, 60, 25), alphabet);
  const model = trainNgram(train, V, { order: 5 });
  const positions = samplePositions(part, 300, 3, new Rng(5));
  const [states] = await extractStates(ngramAnalysable(model).stateSource('h'), part, positions, [0], {
    batch: 4,
    seq: 9,
  });
  const starts = segmentStarts(part);
  const D = 4 * V;
  positions.index.forEach((g, i) => {
    assert.deepEqual(states.subarray(i * D, (i + 1) * D), directState(model, part, starts[g], g), `offset ${g}`);
  });
});

test('ngramAnalysable() describes the model, sizes decoders, and has only the h state', () => {
  const rng = new Rng(6);
  const train = encodeSegments(randomSegments(rng, 100, 20), new Alphabet(SYMBOLS));
  const model = trainNgram(train, V, { order: 3, prune: 2 });
  const analysable = ngramAnalysable(model);
  assert.throws(
    () => analysable.stateSource('c'),
    (err: unknown) =>
      err instanceof UserError && err.message === 'an n-gram model has only its context state (use --state h)',
  );
  const d = analysable.describe();
  assert.equal(d.kind, 'ngram');
  assert.equal(d.label, '3-gram, modified Kneser-Ney, pruned below 2');
  assert.deepEqual(d.details, { order: 3, prune: 2, ngrams: model.ngramCount });
  assert.equal(d.units, 2 * V);
  assert.match(d.weightsSha256 ?? '', /^[0-9a-f]{64}$/);
  assert.equal(d.weightsSha256, ngramDigest(trainNgram(train, V, { order: 3, prune: 2 })), 'same tables, same digest');
  assert.notEqual(d.weightsSha256, ngramDigest(trainNgram(train, V, { order: 3 })));
  // A small model: its own n-gram count; a caller can match the compared GRU's count instead.
  assert.equal(analysable.layerParameterCount(0), Math.min(model.ngramCount, PAPER_GRU_LAYER_PARAMETERS));
  assert.equal(ngramAnalysable(model, { decoderTarget: 12345, label: 'x' }).layerParameterCount(0), 12345);
  assert.equal(ngramAnalysable(model, { label: 'x' }).describe().label, 'x');
  assert.throws(() => ngramAnalysable(trainNgram(train, V, { order: 1 })), UserError);
  assert.throws(() => ngramAnalysable(model, { decoderTarget: 0 }), UserError);

  const e = model.evaluate(train, SYMBOLS);
  const f = analysable.forwardAccuracy(train, SYMBOLS);
  assert.ok(f);
  assert.equal(f.accuracy, e.accuracy);
  assert.equal(f.perplexity, e.perplexity);
  assert.deepEqual(
    f.count,
    e.perSymbol.map((s) => s.count),
  );
  assert.deepEqual(
    f.recall,
    e.perSymbol.map((s) => s.accuracy),
  );
});

test('memorySignature() of a 4-gram recalls δ ≤ 2 (its context beyond x_t) and is at chance for δ ≥ 3', async () => {
  const corpus = randomCorpus(1);
  const model = trainNgram(corpus.partitions.train, V, { order: 4 });
  const d = defaultSignatureOptions();
  const sig = await memorySignature(
    ngramAnalysable(model, { decoderTarget: 1000 }),
    corpus,
    {
      ...d,
      state: 'h',
      maxDelta: 4,
      trainPositions: 3000,
      devPositions: 600,
      evalPositions: 1500,
      decoder: { ...d.decoder, hidden: [], keepProbs: [1], maxEpochs: 15, patience: 3, batch: 64, lr: 1e-2 },
    },
    { gemm: createGemm('auto') },
  );
  assert.equal(sig.model.kind, 'ngram');
  assert.equal(sig.layers[0].stateSize, 3 * V);
  assert.equal(sig.layers[0].decoder.rule, 'paper-rule');
  assert.ok(sig.layers[0].decoder.parameters >= 1000);
  assert.ok(sig.forward && sig.forward.perplexity > 1);
  const deltas = sig.layers[0].deltas;
  // The state at t holds x_t, x_{t−1}, x_{t−2} (n − 1 = 3 symbols, every 3-symbol context being seen in training).
  for (const delta of deltas.slice(0, 2)) {
    assert.ok(delta.accuracy > 0.99, `δ=${delta.delta} accuracy ${delta.accuracy}`);
    assert.ok(delta.informationBits > 0.9 * delta.priorEntropyBits, `δ=${delta.delta} bits ${delta.informationBits}`);
  }
  // x_{t−3} and beyond are outside every n-gram context: the decoder can only learn the prior.
  for (const delta of deltas.slice(2)) {
    assert.ok(
      Math.abs(delta.accuracy - delta.chanceAccuracy) < 0.05,
      `δ=${delta.delta} accuracy ${delta.accuracy} vs chance ${delta.chanceAccuracy}`,
    );
    assert.ok(delta.informationBits < 0.05, `δ=${delta.delta} bits ${delta.informationBits}`);
  }
});
