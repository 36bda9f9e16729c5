import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareAlignmentMethods } from '../../src/analysis/las-alignments.js';
import type { LasUtterance } from '../../src/analysis/las-batches.js';
import type { LasLike } from '../../src/analysis/las-probes.js';
import {
  defaultLasSignatureOptions,
  type LasSignatureOptions,
  lasSignature,
} from '../../src/analysis/las-signature.js';
import type { DeltaSignature, LayerSignature } from '../../src/analysis/signature-types.js';
import { tsGemm } from '../../src/core/gemm.js';
import { Rng } from '../../src/core/random.js';
import { serializeSignature, validateSignature } from '../../src/io/signature-file.js';
import { Las, type LasBatch, type ListenerLayerStates } from '../../src/models/las.js';
import type { LasConfig } from '../../src/models/las-config.js';
import type { Split } from '../../src/speech/manifest.js';

const ALPHABET = ['a', 'b', 'c', 'd', ' '];
const V = ALPHABET.length;
const SPAN = 6; // feature frames per grapheme
const LEAD = 6; // feature frames of silence before the first grapheme and after the last

/**
 * Utterances of random words over a–d whose every grapheme (spaces too) is spoken for SPAN frames from frame LEAD
 * on, with word timings that say so; the features are the one-hot of the grapheme spoken (zeros in silence).
 */
function spokenUtterances(seed: number, counts: Record<Split, number>, F = V): LasUtterance[] {
  const rng = new Rng(seed);
  const out: LasUtterance[] = [];
  for (const split of ['train', 'dev', 'eval'] as const) {
    for (let n = 0; n < counts[split]; n++) {
      const words = Array.from({ length: 2 + rng.int(3) }, () =>
        Array.from({ length: 1 + rng.int(3) }, () => ALPHABET[rng.int(4)]).join(''),
      );
      const transcript = words.join(' ');
      const labels = Int32Array.from([...transcript], (ch) => ALPHABET.indexOf(ch));
      const frames = LEAD + SPAN * labels.length + LEAD;
      const features = new Float32Array(frames * F);
      if (F === V) {
        labels.forEach((s, j) => {
          for (let t = LEAD + SPAN * j; t < LEAD + SPAN * (j + 1); t++) features[t * F + s] = 1;
        });
      }
      // Frame t is centred at 12.5 ms + 10 ms·t: grapheme j's span starts half a shift before frame LEAD + SPAN·j.
      const at = (j: number) => (LEAD + SPAN * j) * 0.01 + 0.0075;
      let j = 0;
      const timings = words.map((word) => {
        const start = at(j);
        j += word.length;
        const timing = { word, start, end: at(j) };
        j++; // the space
        return timing;
      });
      out.push({ id: `${split}${n}`, split, transcript, labels, words: timings, frames, features });
    }
  }
  return out;
}

/**
 * A stand-in listener of three layers (10, 10 and 20 ms frames) whose states are known: layer 1 holds the one-hot of
 * the grapheme spoken 12 frames earlier (two graphemes back), layer 2 noise, layer 3 the one-hot of the grapheme
 * spoken 3 of its frames earlier (one back). Its attention peaks in the middle of each grapheme's top-layer frames.
 */
class KnownListener {
  readonly config: LasConfig = {
    features: V,
    stack: 1,
    listenerLayers: 3,
    pyramidLayers: 1,
    listenerUnits: V,
    alphabet: V,
    embed: 2,
    spellerLayers: 1,
    spellerUnits: 2,
    attention: 2,
    location: null,
    outputHidden: 2,
    labelSmoothing: 0,
    ctcWeight: 0,
  };
  readonly params = new Map();
  private states: ListenerLayerStates[] = [];
  private readonly noise = new Rng(99);

  encode(_gemm: unknown, features: Float32Array, T: number, B: number, frames: Int32Array): ListenerLayerStates[] {
    const W = 2 * V; // [forward half; backward half], the one-hot in the forward half
    const shifted = (Tl: number, factor: number, back: number) => {
      const s = new Float32Array(Tl * B * W);
      for (let t = 0; t < Tl; t++) {
        const from = factor * t - back; // the feature frame whose grapheme the state holds
        for (let b = 0; b < B; b++) {
          if (from >= 0) s.set(features.subarray((from * B + b) * V, (from * B + b + 1) * V), (t * B + b) * W);
        }
      }
      return s;
    };
    const noise = new Float32Array(T * B * W).map(() => this.noise.normal());
    const T2 = Math.floor(T / 2);
    const layer = (Tl: number, s: Float32Array, lengths: Int32Array) => ({ T: Tl, lengths, h: s, c: s });
    this.states = [
      layer(T, shifted(T, 1, 2 * SPAN), Int32Array.from(frames)),
      layer(T, noise, Int32Array.from(frames)),
      layer(
        T2,
        shifted(T2, 2, SPAN),
        frames.map((n) => Math.floor(n / 2)),
      ),
    ];
    return this.states;
  }

  forward(gemm: unknown, batch: LasBatch) {
    this.encode(gemm, batch.features, batch.T, batch.B, batch.frames);
    const { B } = batch;
    const L = Math.max(...batch.transcripts.map((t) => t.length + 1));
    const U = this.states[2]!.T;
    const weights = new Float32Array(L * B * U);
    batch.transcripts.forEach((t, b) => {
      // Grapheme i fills top frames LEAD/2 + 3i … + 2: its peak in the middle.
      for (let i = 0; i < t.length; i++) weights[(i * B + b) * U + LEAD / 2 + (3 * i + 1)] = 1;
    });
    const none = new Float32Array(0);
    return {
      loss: 0,
      attentionLoss: 0,
      ctcLoss: null,
      steps: L,
      frames: U,
      logits: none,
      weights,
      targets: new Int32Array(0),
    };
  }

  listenerStates(): ListenerLayerStates[] {
    return this.states;
  }
  queries(): Float32Array {
    throw new Error('no speller');
  }
  spellerStates(): never {
    throw new Error('no speller');
  }
}

/** Small, quick decoders: one hidden layer, no dropout sweep. */
function quickOptions(over: Partial<LasSignatureOptions> = {}): LasSignatureOptions {
  const o = defaultLasSignatureOptions();
  return {
    ...o,
    maxDelta: 3,
    decoder: { ...o.decoder, hidden: [16], keepProbs: [1], maxEpochs: 40, lr: 0.01, batch: 64, groups: 1 },
    ...over,
  };
}

const accuracy = (layer: LayerSignature, delta: number): number =>
  (delta === 0 ? layer.current! : layer.deltas[delta - 1]!).accuracy;

for (const alignment of ['synth', 'attention'] as const) {
  test(`lasSignature() recalls a planted history exactly at the δ it implies, noise at chance (${alignment} alignment)`, async () => {
    const utterances = spokenUtterances(1, { train: 60, dev: 15, eval: 20 });
    const options = quickOptions({
      alignment,
      probes: [
        { role: 'encoder', layer: 0 },
        { role: 'encoder', layer: 1 },
        { role: 'encoder', layer: 2 },
        { role: 'features', window: 0 },
        { role: 'features', window: SPAN },
      ],
    });
    const sig = await lasSignature(new KnownListener() as unknown as LasLike, utterances, ALPHABET, options, {
      gemm: tsGemm,
      weightsSha256: null,
    });
    validateSignature(JSON.parse(serializeSignature(sig)), 'las.json');
    const [one, window, layer1, noise, layer3] = sig.layers as [LayerSignature, ...LayerSignature[]];
    assert.deepEqual(
      sig.layers.map((l) => [l.layer, l.speech!.role, l.speech!.label, l.speech!.frameSeconds, l.speech!.alignment]),
      [
        [1, 'features', 'features (one frame)', 0.01, alignment],
        [2, 'features', `features ±${SPAN} frames`, 0.01, alignment],
        [3, 'encoder', 'listener layer 1', 0.01, alignment],
        [4, 'encoder', 'listener layer 2', 0.01, alignment],
        [5, 'encoder', 'listener layer 3', 0.02, alignment],
      ],
    );
    // The state holds the grapheme two back (layer 1), one back (layer 3): perfect there, well short elsewhere.
    assert.deepEqual(
      [0, 1, 2, 3].map((d) => accuracy(layer1!, d) === 1),
      [false, false, true, false],
    );
    assert.deepEqual(
      [0, 1, 2, 3].map((d) => accuracy(layer3!, d) === 1),
      [false, true, false, false],
    );
    for (const d of [0, 1, 3]) assert.ok(accuracy(layer1!, d) < 0.8, `layer 1, δ ${d}: ${accuracy(layer1!, d)}`);
    // The features name the grapheme being spoken; a window of ±SPAN frames reaches one grapheme back too.
    assert.equal(accuracy(one!, 0), 1);
    assert.ok(accuracy(one!, 1) < 0.8);
    assert.deepEqual(
      [0, 1].map((d) => accuracy(window!, d)),
      [1, 1],
    );
    // Noise: chance, within its interval.
    const decoders = [noise!.current!, ...noise!.deltas] as DeltaSignature[];
    for (const d of decoders) {
      assert.ok(d.accuracy < d.chanceAccuracy + 0.08, `noise δ ${d.delta}: ${d.accuracy} vs ${d.chanceAccuracy}`);
      assert.ok(d.informationBits < 0.15, `noise δ ${d.delta}: ${d.informationBits} bits`);
    }
    assert.equal(sig.model.kind, 'las');
    assert.deepEqual(sig.target, { kind: 'grapheme', classes: ALPHABET });
    assert.equal(sig.forward, null);
  });
}

test('compareAlignmentMethods() finds attention that peaks at the centre of each grapheme in full agreement', async () => {
  const utterances = spokenUtterances(2, { train: 1, dev: 1, eval: 3 });
  const agreement = await compareAlignmentMethods(new KnownListener() as unknown as LasLike, tsGemm, utterances, {
    batch: 2,
    shiftSeconds: 0.01,
    lengthSeconds: 0.025,
  });
  assert.equal(agreement.utterances, 5);
  assert.equal(agreement.share, 1);
  assert.equal(agreement.meanAbsOffset, 0);
});

/** A tiny randomly initialized LAS with everything on: stacking, a pyramid, two speller layers, location, CTC. */
function tinyLas(): Las {
  const las = new Las({
    features: 3,
    stack: 2,
    listenerLayers: 2,
    pyramidLayers: 1,
    listenerUnits: 3,
    alphabet: V,
    embed: 2,
    spellerLayers: 2,
    spellerUnits: 4,
    attention: 3,
    location: { filters: 2, kernel: 3 },
    outputHidden: 4,
    labelSmoothing: 0.1,
    ctcWeight: 0.2,
  });
  las.initialize(new Rng(5));
  return las;
}

/** spokenUtterances with random features of the tiny LAS's width (3). */
function noisyUtterances(seed: number): LasUtterance[] {
  const rng = new Rng(seed + 100);
  return spokenUtterances(seed, { train: 12, dev: 4, eval: 5 }, 3).map((u) => ({
    ...u,
    features: u.features.map(() => rng.normal()),
  }));
}

test('lasSignature() on a tiny LAS: listener, speller query, c and context, features; schema-valid, deterministic', async () => {
  const utterances = noisyUtterances(3);
  const options = quickOptions({
    maxDelta: 2,
    alignment: 'attention',
    probes: [
      { role: 'encoder', layer: 0 },
      { role: 'encoder', layer: 1 },
      { role: 'decoder', reads: 'query' },
      { role: 'decoder', reads: 'c' },
      { role: 'decoder', reads: 'context' },
      { role: 'features', window: 1 },
    ],
    direction: 'backward',
    state: 'h',
    trainPositions: 150,
    decoder: { ...quickOptions().decoder, hidden: [4], maxEpochs: 2 },
  });
  const progress: string[] = [];
  const run = () =>
    lasSignature(tinyLas(), utterances, ALPHABET, options, {
      gemm: tsGemm,
      generator: 'memsig test',
      onProgress: (p) => progress.push(p.phase),
    });
  const sig = await run();
  validateSignature(JSON.parse(serializeSignature(sig)), 'las.json');
  assert.deepEqual(
    sig.layers.map((l) => [l.speech!.label, l.stateSize, l.speech!.reads, l.speech!.direction, l.speech!.frameSeconds]),
    [
      ['features ±1 frames', 9, 'features', null, 0.01],
      ['listener layer 1', 3, 'h', 'backward', 0.02],
      ['listener layer 2', 3, 'h', 'backward', 0.04],
      ['speller query', 4, 'query', null, null],
      ['speller c', 4, 'c', null, null],
      ['speller context', 6, 'context', null, null],
    ],
  );
  // Every speller step of every utterance is a position (graphemes + <eos>), and δ = 0 is never <eos>.
  const steps = (split: Split) =>
    utterances.filter((u) => u.split === split).reduce((n, u) => n + u.labels.length + 1, 0);
  const query = sig.layers[3]!;
  assert.equal(query.current!.positions.eval, steps('eval') - 5);
  assert.equal(query.deltas[0]!.positions.eval, steps('eval') - 5);
  // At most 150 drawn per probe (the speller's train steps are fewer: all of them).
  assert.equal(query.current!.positions.train, steps('train') - 12);
  assert.ok(sig.settings.trainPositions <= 150 && sig.settings.trainPositions >= steps('train'));
  assert.equal(sig.model.label, 'LAS: 2-layer BLSTM listener × 3 (1 pyramid, 2 frames stacked), 2-layer speller × 4');
  assert.match(sig.model.weightsSha256!, /^[0-9a-f]{64}$/);
  // The speller's own prediction, teacher-forced on eval: every grapheme target counted once.
  assert.equal(
    sig.forward!.count.reduce((a, b) => a + b, 0),
    steps('eval') - 5,
  );
  assert.ok(progress.includes('alignment') && progress.includes('states') && progress.includes('layer-done'));
  assert.equal(serializeSignature(await run()), serializeSignature(sig));
});

test('lasSignature() with bigram and audio-unit targets: stand-in symbols, named classes, schema-valid', async () => {
  const utterances = noisyUtterances(4);
  const decoder = { ...quickOptions().decoder, hidden: [4], maxEpochs: 2 };
  const bigrams = await lasSignature(
    tinyLas(),
    utterances,
    ALPHABET,
    quickOptions({ maxDelta: 2, target: 'bigram', bigrams: 6, decoder }),
    { gemm: tsGemm },
  );
  validateSignature(JSON.parse(serializeSignature(bigrams)), 'bigrams.json');
  assert.equal(bigrams.target!.kind, 'bigram');
  assert.equal(bigrams.target!.classes.length, 7);
  assert.equal(bigrams.target!.classes[6], 'other');
  assert.deepEqual(bigrams.alphabet, ['A', 'B', 'C', 'D', 'E', 'F', 'G']);
  assert.deepEqual(
    bigrams.layers.map((l) => l.speech!.role),
    ['encoder', 'encoder', 'decoder'],
  );
  const units = await lasSignature(
    tinyLas(),
    utterances,
    ALPHABET,
    quickOptions({ maxDelta: 2, target: 'audio-unit', units: { units: 8, iterations: 3, fitFrames: 200 }, decoder }),
    { gemm: tsGemm },
  );
  validateSignature(JSON.parse(serializeSignature(units)), 'units.json');
  assert.deepEqual(units.target!.classes, ['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7']);
  assert.deepEqual(
    units.layers.map((l) => [l.speech!.role, l.speech!.alignment]),
    [
      ['encoder', null],
      ['encoder', null],
    ],
  );
  // Units are labels of frames: every frame of the 20 ms layer is a position for δ = 0.
  const frames = utterances.filter((u) => u.split === 'eval').reduce((n, u) => n + Math.floor(u.frames / 2), 0);
  assert.equal(units.layers[0]!.current!.positions.eval, frames);
  const spellerUnits = quickOptions({ target: 'audio-unit', probes: [{ role: 'decoder', reads: 'query' }] });
  await assert.rejects(
    lasSignature(tinyLas(), utterances, ALPHABET, spellerUnits, { gemm: tsGemm }),
    /audio units belong to frames/,
  );
});

test('lasSignature() refuses what cannot be measured, in one line', async () => {
  const utterances = noisyUtterances(5);
  const las = tinyLas();
  const run = (over: Partial<LasSignatureOptions>, list = utterances, alphabet = ALPHABET) =>
    lasSignature(las, list, alphabet, quickOptions({ maxDelta: 2, ...over }), { gemm: tsGemm });
  await assert.rejects(run({}, utterances, ['a', 'b']), /the model has 5 graphemes but the alphabet has 2/);
  await assert.rejects(run({ maxDelta: 0 }), /--max-delta must be a whole number ≥ 1/);
  await assert.rejects(run({ probes: [{ role: 'encoder', layer: 5 }] }), /listener layer 6 does not exist/);
  const untimed = utterances.map((u) => (u.split === 'dev' ? { ...u, words: null } : u));
  await assert.rejects(run({}, untimed), /no usable dev utterance \(utterances need word timings/);
  await assert.rejects(
    run({ maxDelta: 40 }),
    /^UserError: listener layer 1: no (train|eval) position has a label \d+ back/,
  );
});
