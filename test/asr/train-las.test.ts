import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AsrTrainConfig } from '../../src/asr/train-config.js';
import { type AsrData, type AsrSnapshot, trainLas } from '../../src/asr/train-las.js';
import type { Utterance } from '../../src/asr/utterances.js';
import { asrEpochLine } from '../../src/cli/asr-progress.js';
import { tsGemm } from '../../src/core/gemm.js';
import { Rng } from '../../src/core/random.js';
import { readAsrCheckpoint, writeAsrCheckpoint } from '../../src/io/las-checkpoint.js';
import { tinyLasTrainConfig } from './tiny-las-config.js';

const BINS = 4;
const FRAMES_PER_SYMBOL = 4;

/** Utterances whose frames are noisy prototypes of their graphemes, 4 frames each, with word timings. */
function syntheticData(seed: number): AsrData {
  const rng = new Rng(seed);
  const alphabet = ['a', 'b', ' '];
  const prototypes = alphabet.map(() => Float32Array.from({ length: BINS }, () => rng.normal()));
  const make = (id: string, text: string, split: 'train' | 'dev'): Utterance => {
    const labels = Int32Array.from([...text], (ch) => alphabet.indexOf(ch));
    const frames = labels.length * FRAMES_PER_SYMBOL;
    const features = new Float32Array(frames * BINS);
    for (let t = 0; t < frames; t++) {
      const p = prototypes[labels[Math.floor(t / FRAMES_PER_SYMBOL)]!]!;
      for (let k = 0; k < BINS; k++) features[t * BINS + k] = p[k]! + 0.1 * rng.normal();
    }
    let at = 0;
    const words = text.split(' ').map((word) => {
      const start = at * FRAMES_PER_SYMBOL * 0.01;
      at += word.length + 1;
      return { word, start, end: Math.min(at * FRAMES_PER_SYMBOL * 0.01, frames * 0.01) };
    });
    return {
      id,
      speaker: 's',
      split,
      transcript: text,
      labels,
      duration: frames * 0.01,
      words,
      copies: [{ frames, features }],
    };
  };
  const train = ['ab', 'ba b', 'aab', 'b a', 'bba', 'a ba'].map((t, i) => make(`t${i}`, t, 'train'));
  const dev = ['ab a', 'bb'].map((t, i) => make(`d${i}`, t, 'dev'));
  return { train, dev, alphabet, bins: BINS, frameShift: 0.01, frameLength: 0.01 };
}

function tinyConfig(over: Partial<AsrTrainConfig> = {}): AsrTrainConfig {
  return tinyLasTrainConfig({ lr: 3e-2, lrDecay: 1, epochs: 12, ctcWeightEpochs: 2, ...over });
}

test('trainLas() reduces the loss on a tiny synthetic corpus and keeps the best dev CER weights', async () => {
  const data = syntheticData(1);
  const losses: number[] = [];
  const result = await trainLas(
    data,
    tinyConfig({ timeMasks: 1, timeMaskWidth: 2, samplingProbability: 0.2, samplingFromEpoch: 6 }),
    {
      gemm: tsGemm,
      onProgress: (p) => {
        if (p.epochRecord) losses.push(p.epochRecord.trainLoss);
      },
    },
  );
  assert.equal(losses.length, 12);
  assert.ok(losses[losses.length - 1]! < 0.7 * losses[0]!, `losses ${losses.map((x) => x.toFixed(3)).join(' ')}`);
  const h = result.snapshot.history;
  assert.equal(result.snapshot.bestDevCer, Math.min(...h.map((r) => r.devCer)));
  assert.ok(h.every((r) => r.devCtcCer !== null && r.devAlign >= 0));
  assert.equal(result.model.config.ctcWeight, 0.3);
});

test('trainLas(): each epoch records the dev CER over voices heard in training and over held-out voices', async () => {
  const data = syntheticData(2);
  const heard = await trainLas(data, tinyConfig({ epochs: 1 }), { gemm: tsGemm });
  const only = heard.snapshot.history[0]!;
  assert.equal(only.devCerTrainVoices, only.devCer);
  assert.equal(only.devCerHeldOutVoices, null);
  assert.doesNotMatch(asrEpochLine(only), /voices/);
  // One dev utterance in a voice that never speaks in train: two groups, the overall rate between them.
  const dev = [data.dev[0]!, { ...data.dev[1]!, speaker: 'held out' }];
  const mixed = await trainLas({ ...data, dev }, tinyConfig({ epochs: 1 }), { gemm: tsGemm });
  const r = mixed.snapshot.history[0]!;
  const [a, b] = [r.devCerTrainVoices!, r.devCerHeldOutVoices!];
  assert.ok(Number.isFinite(a) && Number.isFinite(b));
  assert.ok(r.devCer >= Math.min(a, b) - 1e-12 && r.devCer <= Math.max(a, b) + 1e-12);
  assert.match(
    asrEpochLine(r),
    /dev CER \d+\.\d% \(CTC alone \d+\.\d%\) \[voices in train \d+\.\d%, never in train \d+\.\d%\],/,
  );
});

test('trainLas(): a run stopped and resumed from its checkpoint file ends with the same bytes as an unbroken run', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'memsig-asr-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const data = syntheticData(2);
  const config = tinyConfig({
    epochs: 4,
    lrDecay: 0.5,
    timeMasks: 1,
    timeMaskWidth: 2,
    samplingProbability: 0.3,
    samplingFromEpoch: 2,
  });
  const identity = { manifestSha256: 'x', features: '{}' };
  const whole = await trainLas(data, config, { gemm: tsGemm });
  const controller = new AbortController();
  const path = join(dir, 'checkpoint.safetensors');
  const first = await trainLas(data, config, {
    gemm: tsGemm,
    signal: controller.signal,
    onProgress: (p) => {
      if (p.step === 3) controller.abort();
    },
    onSnapshot: (s: AsrSnapshot) => writeAsrCheckpoint(path, s, config, identity),
  });
  assert.ok(first.interrupted);
  assert.equal(first.snapshot.step, 3);
  const loaded = await readAsrCheckpoint(path);
  assert.deepEqual(loaded.config, config);
  const rest = await trainLas(data, config, { gemm: tsGemm, resumeFrom: loaded.snapshot });
  assert.equal(rest.snapshot.step, whole.snapshot.step);
  for (const [name, t] of whole.model.params) {
    assert.deepEqual(Buffer.from(rest.model.params.get(name)!.data.buffer), Buffer.from(t.data.buffer), name);
  }
  assert.deepEqual(
    rest.snapshot.history.map((r) => r.devCer),
    whole.snapshot.history.map((r) => r.devCer),
  );
  assert.ok(readFileSync(path).length > 0);
});

test('trainLas(): a finished run resumed with more --epochs ends as a run of that many epochs from the start', async () => {
  const data = syntheticData(3);
  const config = tinyConfig({ epochs: 3, lrDecay: 0.5 });
  const whole = await trainLas(data, config, { gemm: tsGemm });
  const short = await trainLas(data, { ...config, epochs: 2 }, { gemm: tsGemm });
  assert.ok(short.snapshot.finished);
  const longer = await trainLas(data, config, { gemm: tsGemm, resumeFrom: short.snapshot });
  assert.equal(longer.snapshot.step, whole.snapshot.step);
  for (const [name, t] of whole.model.params) {
    assert.deepEqual(Buffer.from(longer.model.params.get(name)!.data.buffer), Buffer.from(t.data.buffer), name);
  }
});
