import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BatchItem } from '../../src/asr/batching.js';
import { makeLasBatch } from '../../src/asr/batching.js';
import { guidedAttentionLoss } from '../../src/asr/guided-attention.js';
import { ParallelLasStep } from '../../src/asr/parallel-las-step.js';
import { listenerLength } from '../../src/asr/recognize.js';
import { lasConfigOf } from '../../src/asr/train-config.js';
import { type AsrData, trainLas } from '../../src/asr/train-las.js';
import type { Utterance } from '../../src/asr/utterances.js';
import { tsGemm } from '../../src/core/gemm.js';
import { Rng } from '../../src/core/random.js';
import { Las, type LasConfig } from '../../src/models/las.js';
import { tinyLasTrainConfig } from './tiny-las-config.js';

const BINS = 3;

/** A tiny LAS with every option on: stacking, a pyramid layer, two speller layers, location, CTC, smoothing. */
function tinyConfig(): LasConfig {
  return {
    features: BINS,
    stack: 2,
    listenerLayers: 2,
    pyramidLayers: 1,
    listenerUnits: 3,
    alphabet: 4,
    embed: 2,
    spellerLayers: 2,
    spellerUnits: 4,
    attention: 3,
    location: { filters: 2, kernel: 3 },
    outputHidden: 5,
    labelSmoothing: 0.1,
    ctcWeight: 0.3,
  };
}

/** Utterances of uneven lengths and transcripts (one of them empty), random features. */
function tinyItems(rng: Rng): BatchItem[] {
  const frames = [20, 13, 17, 9, 12, 8];
  const symbols = [4, 1, 3, 0, 2, 2];
  return frames.map((f, b) => ({
    features: new Float32Array(f * BINS).map(() => rng.normal()),
    frames: f,
    labels: Int32Array.from({ length: symbols[b]! }, () => rng.int(4)),
  }));
}

/** Per utterance expected listener frames for every step, one utterance without (it takes no part). */
function tinyCentres(c: LasConfig, items: BatchItem[], rng: Rng): (Float64Array | null)[] {
  return items.map((it, b) => {
    if (b === 2) return null;
    const n = listenerLength(c, it.frames);
    return Float64Array.from({ length: it.labels.length + 1 }, () => rng.uniform(0, n - 1));
  });
}

function makeLas(seed: number): Las {
  const las = new Las(tinyConfig());
  las.initialize(new Rng(seed));
  for (const t of las.params.values()) for (let i = 0; i < t.data.length; i++) t.data[i] *= 2;
  return las;
}

function assertClose(actual: Float32Array, expected: Float32Array, rel: number, what: string): void {
  let scale = 0;
  for (const x of expected) scale = Math.max(scale, Math.abs(x));
  assert.ok(scale > 0, `${what}: the whole batch's gradient is zero, so the test would not see a wrong one`);
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    assert.ok(d <= rel * scale, `${what}[${i}]: ${actual[i]} vs ${expected[i]} (scale ${scale})`);
  }
}

test('sharded LAS steps give the whole batch gradient and losses (2 and 3 shards, CTC and guided attention on)', async () => {
  const rng = new Rng(3);
  const config = tinyConfig();
  const items = tinyItems(rng);
  const centres = tinyCentres(config, items, rng);
  const sigma = 1.5;
  const weight = 0.7;

  const whole = makeLas(1);
  const batch = makeLasBatch(items, BINS);
  const out = whole.forward(tsGemm, batch);
  const lengths = Int32Array.from(items, (it) => listenerLength(config, it.frames));
  const dW = new Float32Array(out.steps * batch.B * out.frames);
  const guided = guidedAttentionLoss(out.weights, out.steps, batch.B, out.frames, centres, lengths, sigma, weight, dW);
  whole.zeroGrads();
  whole.backward(tsGemm, { weightGrads: dW });

  for (const shards of [2, 3]) {
    const las = makeLas(1);
    const runner = new ParallelLasStep(las, { shards, backend: 'ts', gemm: tsGemm });
    try {
      for (const g of las.grads.values()) g.fill(123); // a step overwrites them
      const r = await runner.step(items, BINS, { guided: { centres, sigma, weight } });
      assert.ok(Math.abs(r.loss - out.loss) <= 1e-5 * out.loss, `${shards} shards: loss ${r.loss} vs ${out.loss}`);
      assert.ok(Math.abs(r.attentionLoss - out.attentionLoss) <= 1e-5 * out.attentionLoss);
      assert.ok(Math.abs(r.ctcLoss! - out.ctcLoss!) <= 1e-5 * out.ctcLoss!);
      assert.ok(Math.abs(r.guided! - guided) <= 1e-5 * guided, `${shards} shards: guided ${r.guided} vs ${guided}`);
      for (const [name, g] of whole.grads) assertClose(las.grads.get(name)!, g, 1e-5, `${shards} shards ${name}`);
    } finally {
      await runner.close();
    }
  }
});

test('a failing LAS training worker rejects the step with its error instead of hanging', async () => {
  const rng = new Rng(4);
  const items = tinyItems(rng);
  items[5] = { ...items[5]!, labels: Int32Array.of(0, 99) }; // a grapheme outside the alphabet, in the worker's shard
  const las = makeLas(2);
  const runner = new ParallelLasStep(las, { shards: 2, backend: 'ts', gemm: tsGemm });
  try {
    await assert.rejects(runner.step(items, BINS), /LAS training worker failed: .*grapheme 99/);
  } finally {
    await runner.close();
  }
});

/** Utterances whose frames are noisy prototypes of their graphemes, 4 frames each, with word timings. */
function syntheticData(seed: number): AsrData {
  const rng = new Rng(seed);
  const alphabet = ['a', 'b', ' '];
  const prototypes = alphabet.map(() => Float32Array.from({ length: 4 }, () => rng.normal()));
  const make = (id: string, text: string, split: 'train' | 'dev'): Utterance => {
    const labels = Int32Array.from([...text], (ch) => alphabet.indexOf(ch));
    const frames = labels.length * 4;
    const features = new Float32Array(frames * 4);
    for (let t = 0; t < frames; t++) {
      const p = prototypes[labels[Math.floor(t / 4)]!]!;
      for (let k = 0; k < 4; k++) features[t * 4 + k] = p[k]! + 0.1 * rng.normal();
    }
    let at = 0;
    const words = text.split(' ').map((word) => {
      const start = at * 0.04;
      at += word.length + 1;
      return { word, start, end: Math.min(at * 0.04, frames * 0.01) };
    });
    const duration = frames * 0.01;
    return { id, speaker: 's', split, transcript: text, labels, duration, words, copies: [{ frames, features }] };
  };
  const train = ['ab', 'ba b', 'aab', 'b a', 'bba', 'a ba', 'ab b'].map((t, i) => make(`t${i}`, t, 'train'));
  const dev = ['ab a', 'bb'].map((t, i) => make(`d${i}`, t, 'dev'));
  return { train, dev, alphabet, bins: 4, frameShift: 0.01, frameLength: 0.01 };
}

test('trainLas with 2 shards trains the same weights as with 1 (CTC, guided attention, SpecAugment on)', async () => {
  const config = tinyLasTrainConfig({
    lr: 1e-2,
    epochs: 2,
    maxSteps: 5,
    timeMasks: 1,
    timeMaskWidth: 2,
    freqMasks: 1,
    freqMaskWidth: 1,
  });
  const data = syntheticData(1);
  const serialLosses: number[] = [];
  const serial = await trainLas(data, config, { gemm: tsGemm, onProgress: (p) => serialLosses.push(p.loss) });
  const shardedLosses: number[] = [];
  const sharded = await trainLas(data, config, {
    gemm: tsGemm,
    parallel: { shards: 2, backend: 'ts', gemm: tsGemm },
    onProgress: (p) => shardedLosses.push(p.loss),
  });
  assert.equal(sharded.snapshot.step, 5);
  assert.equal(shardedLosses.length, serialLosses.length);
  for (let i = 0; i < serialLosses.length; i++) {
    assert.ok(Math.abs(shardedLosses[i]! - serialLosses[i]!) <= 1e-4 * serialLosses[i]!, `loss of step ${i + 1}`);
  }
  let moved = 0;
  for (const [name, w] of serial.snapshot.params) {
    const v = sharded.snapshot.params.get(name)!;
    for (let i = 0; i < w.length; i++) {
      assert.ok(Math.abs(v[i]! - w[i]!) <= 1e-4, `${name}[${i}]: ${v[i]} vs ${w[i]}`);
    }
  }
  // The comparison means something only if training moved the weights away from their initialization.
  const init = new Las(lasConfigOf(config, data.bins, data.alphabet.length));
  init.initialize(new Rng(config.seed).fork(1));
  for (const [name, w] of serial.snapshot.params) {
    const w0 = init.params.get(name)!.data;
    for (let i = 0; i < w.length; i++) moved = Math.max(moved, Math.abs(w[i]! - w0[i]!));
  }
  assert.ok(moved > 1e-3, `the weights moved by only ${moved}`);
});
