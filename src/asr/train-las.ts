// Trains a Listen-Attend-Spell recognizer: length-bucketed batches shuffled per epoch (a length curriculum first),
// per-utterance CMVN features with optional speed copies and SpecAugment masks, teacher forcing (optionally
// scheduled sampling), Adam with gradient-norm clipping, the joint CTC weight on a schedule, guided attention toward
// word timings for the first epochs; dev CER after every epoch (the learning rate lowered after an epoch without
// improvement), early stopping and the best weights kept; snapshots to resume from exactly; an attention probe on
// fixed dev utterances every N steps. Pure apart from the hooks.

import { UserError } from '../core/errors.js';
import type { Gemm } from '../core/gemm.js';
import { Adam, type AdamState, clippedStep } from '../core/optim.js';
import { hash32, Rng } from '../core/random.js';
import { Las, type LasBatch, type LasConfig } from '../models/las.js';
import { EOS, SYMBOL_OFFSET } from '../models/las-config.js';
import { type AlignmentScore, scoreAlignment } from './alignment-score.js';
import { maskFeatures, pickVariant } from './augment.js';
import { type BatchItem, makeLasBatch, planEpochBatches } from './batching.js';
import { countCharacterErrors, errorRate } from './error-rates.js';
import { decodeGraphemes } from './graphemes.js';
import { expectedListenerFrames, type FrameTiming } from './guided-attention.js';
import {
  backwardWithGuidance,
  type LasShardLosses,
  type ParallelLasOptions,
  ParallelLasStep,
} from './parallel-las-step.js';
import { defaultDecodeConfig, listenerLength, listenerReduction, recognizeUtterances } from './recognize.js';
import { type AsrTrainConfig, ctcWeightAt, lasConfigOf, validateAsrTrainConfig } from './train-config.js';
import type { Utterance } from './utterances.js';

/** What the trainer trains on. */
export interface AsrData {
  train: readonly Utterance[];
  dev: readonly Utterance[];
  alphabet: readonly string[];
  /** Features per frame. */
  bins: number;
  /** The fbank frame shift and length, seconds. */
  frameShift: number;
  frameLength: number;
}

export interface AsrEpochRecord {
  epoch: number;
  step: number;
  trainLoss: number;
  /** Dev CER of greedy attention decoding, and of the CTC head alone (null without one). */
  devCer: number;
  devCtcCer: number | null;
  /**
   * The dev CER over the utterances of voices that speak in train, and over those of voices that never do (null
   * where dev has none; absent in checkpoints written before it was recorded).
   */
  devCerTrainVoices?: number | null;
  devCerHeldOutVoices?: number | null;
  devAlign: number;
  seconds: number;
}

/** Everything needed to continue a run exactly where it stopped. */
export interface AsrSnapshot {
  step: number;
  /** 0-based epoch under way, and the next batch of its plan. */
  epoch: number;
  batchInEpoch: number;
  params: Map<string, Float32Array>;
  best: Map<string, Float32Array> | null;
  bestDevCer: number;
  bestStep: number;
  badEpochs: number;
  adam: AdamState;
  /** The learning rate now (lower after epochs without a better dev CER). */
  lr: number;
  epochLossSum: number;
  epochLossCount: number;
  history: AsrEpochRecord[];
  utterances: number;
  elapsedSeconds: number;
  finished: boolean;
}

export interface AsrProgress {
  step: number;
  totalSteps: number;
  /** 1-based epoch under way (the one just finished at an epoch's end). */
  epoch: number;
  loss: number;
  attentionLoss: number;
  ctcLoss: number | null;
  guidedLoss: number | null;
  utterancesPerSecond: number;
  etaSeconds: number;
  /** The latest alignment score of the dev probe, or null before the first probe. */
  align: AlignmentScore | null;
  epochRecord?: AsrEpochRecord;
}

/** The attention of the dev probe: its first utterance's weights for a figure, and the score over all of it. */
export interface AsrProbe {
  step: number;
  score: AlignmentScore;
  /** (steps, frames) of the probe's first utterance, with a label per step and its id. */
  weights: Float32Array;
  steps: number;
  frames: number;
  labels: string[];
  utterance: string;
  /** Seconds per listener frame. */
  frameSeconds: number;
}

export interface AsrTrainHooks {
  gemm: Gemm;
  onProgress?: (p: AsrProgress) => void;
  /** Called every checkpointEvery steps, at each epoch's end, and when stopped by the signal. */
  onSnapshot?: (s: AsrSnapshot) => Promise<void> | void;
  checkpointEvery?: number;
  /** Probe the attention on fixed dev utterances every this many steps (0: at epoch ends only). */
  probeEvery?: number;
  onProbe?: (p: AsrProbe) => Promise<void> | void;
  signal?: AbortSignal;
  resumeFrom?: AsrSnapshot;
  now?: () => number;
  /** Awaited after every step, so that a Ctrl-C handler can run while training runs in this thread. */
  yieldEachStep?: () => Promise<void>;
  /**
   * Data-parallel steps: each batch split into up to `shards` groups of utterances, shard 0 in this thread with
   * parallel.gemm (single-threaded), the others in worker threads. Absent or 1 shard: serial steps with `gemm`.
   */
  parallel?: ParallelLasOptions;
}

export interface AsrTrainResult {
  /** The model with the best dev CER seen. */
  model: Las;
  snapshot: AsrSnapshot;
  interrupted: boolean;
  totalSteps: number;
}

/** Dev utterances in the attention probe. */
const PROBE_UTTERANCES = 8;

/** The training set's utterances, checked: each must leave the listener at least one frame. */
export function checkTrainable(data: AsrData, c: LasConfig): void {
  if (data.train.length === 0) throw new UserError('no train utterances in the manifest');
  if (data.dev.length === 0) throw new UserError('no dev utterances in the manifest (dev CER picks the kept weights)');
  for (const u of [...data.train, ...data.dev]) {
    if (listenerLength(c, u.copies[0]!.frames) < 1) {
      throw new UserError(
        `utterance ${JSON.stringify(u.id)} (${u.copies[0]!.frames} frames) is too short for the listener's ${listenerReduction(c)}x time reduction`,
      );
    }
  }
}

export async function trainLas(data: AsrData, config: AsrTrainConfig, hooks: AsrTrainHooks): Promise<AsrTrainResult> {
  validateAsrTrainConfig(config);
  const { gemm } = hooks;
  const now = hooks.now ?? (() => performance.now());
  const lasConfig = lasConfigOf(config, data.bins, data.alphabet.length);
  checkTrainable(data, lasConfig);
  const las = new Las(lasConfig);
  las.initialize(new Rng(config.seed).fork(1));
  const adam = new Adam(las.trainable(), { lr: config.lr });
  const grads = [...las.grads.values()];
  const perEpoch = Math.ceil(data.train.length / config.batch);
  const totalSteps = Math.min(config.epochs * perEpoch, config.maxSteps ?? Number.POSITIVE_INFINITY);
  const speeds = [1, ...config.speeds];
  const timing: FrameTiming = {
    shiftSeconds: data.frameShift,
    lengthSeconds: data.frameLength,
    reduction: listenerReduction(lasConfig),
  };
  const lengths = data.train.map((u) => u.copies[0]!.frames);
  const devSet = config.devLimit === null ? data.dev : data.dev.slice(0, config.devLimit);
  const trainSpeakers = new Set(data.train.map((u) => u.speaker));
  const probeSet = [...data.dev].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).slice(0, PROBE_UTTERANCES);

  let snap: AsrSnapshot = {
    step: 0,
    epoch: 0,
    batchInEpoch: 0,
    params: new Map([...las.params].map(([n, t]) => [n, t.data])),
    best: null,
    bestDevCer: Number.POSITIVE_INFINITY,
    bestStep: 0,
    badEpochs: 0,
    adam: adam.getState(),
    lr: config.lr,
    epochLossSum: 0,
    epochLossCount: 0,
    history: [],
    utterances: 0,
    elapsedSeconds: 0,
    finished: false,
  };
  if (hooks.resumeFrom) {
    snap = hooks.resumeFrom;
    for (const [name, t] of las.params) {
      const saved = snap.params.get(name);
      if (!saved || saved.length !== t.data.length) {
        throw new UserError('the checkpoint holds another model; train afresh (--force)');
      }
      t.data.set(saved);
    }
    adam.setState(snap.adam);
    adam.lr = snap.lr;
    // --epochs, --max-steps and --patience may have changed (a finished run continued for more epochs): they only
    // decide where to stop, so the run stays the one an unbroken run with the new values would be.
    if (snap.batchInEpoch === 0) {
      snap.finished = snap.step >= totalSteps || snap.epoch >= config.epochs || snap.badEpochs >= config.patience;
    }
  }
  const startedAt = now();
  const elapsedBefore = snap.elapsedSeconds;
  const stepsBefore = snap.step;
  const utterancesBefore = snap.utterances;
  let plan: { epoch: number; batches: number[][] } | null = null;
  let align: AlignmentScore | null = null;
  let recent = { loss: 0, attention: 0, ctc: 0, guided: 0, count: 0 };
  const checkpointEvery = hooks.checkpointEvery ?? 0;
  const probeEvery = hooks.probeEvery ?? 0;

  const capture = (): AsrSnapshot => ({
    ...snap,
    params: new Map([...las.params].map(([n, t]) => [n, t.data.slice()])),
    adam: adam.getState(),
    history: [...snap.history],
    elapsedSeconds: elapsedBefore + (now() - startedAt) / 1000,
  });

  const probe = async (): Promise<AlignmentScore> => {
    const p = probeAttention(gemm, las, probeSet, data, timing, snap.step);
    await hooks.onProbe?.(p);
    return p.score;
  };

  const runner = hooks.parallel && hooks.parallel.shards > 1 ? new ParallelLasStep(las, hooks.parallel) : null;
  let interrupted = false;
  try {
    while (!snap.finished) {
      if (hooks.signal?.aborted) {
        interrupted = true;
        break;
      }
      if (!plan || plan.epoch !== snap.epoch) {
        const batches = planEpochBatches(lengths, {
          batch: config.batch,
          seed: config.seed,
          epoch: snap.epoch,
          curriculum: snap.epoch < config.curriculumEpochs,
        });
        plan = { epoch: snap.epoch, batches };
      }
      const idx = plan.batches[snap.batchInEpoch]!;
      // Each step's randomness comes from the seed and the step alone, so a resumed run draws the same.
      const rng = new Rng(hash32(Math.imul(snap.step + 1, 0x9e3779b1) ^ config.seed));
      const chosen = idx.map((i) => {
        const u = data.train[i]!;
        const variant = pickVariant(u.copies.length, rng);
        const copy = u.copies[variant]!;
        const features = maskFeatures(copy.features, copy.frames, data.bins, config, rng);
        return { item: { features, frames: copy.frames, labels: u.labels }, speed: speeds[variant]!, u };
      });
      const batch = makeLasBatch(
        chosen.map((x) => x.item),
        data.bins,
      );
      las.config.ctcWeight = ctcWeightAt(config, snap.epoch);
      if (config.samplingProbability > 0 && snap.epoch + 1 >= config.samplingFromEpoch) {
        batch.inputs = sampleInputs(gemm, las, batch, config.samplingProbability, rng);
      }
      const guiding = config.guidedWeight > 0 && snap.epoch < config.guidedEpochs;
      // Where each utterance's graphemes should be attended, from the synthesizer's word timings.
      const guidedTargets = () => {
        const listenerFrames = Int32Array.from(batch.frames, (f) => listenerLength(lasConfig, f));
        const centres = chosen.map(({ u, speed }, b) =>
          expectedListenerFrames(u.transcript, scaleWords(u.words, speed), timing, listenerFrames[b]!),
        );
        return { centres, sigma: config.guidedSigma, weight: config.guidedWeight };
      };
      let out: LasShardLosses;
      if (runner) {
        const guided = guiding ? guidedTargets() : null;
        out = await runner.step(
          chosen.map((x) => x.item),
          data.bins,
          { inputs: batch.inputs ?? null, guided },
        );
      } else {
        const whole = las.forward(gemm, batch);
        const guided = backwardWithGuidance(las, gemm, batch, whole, guiding ? guidedTargets() : null);
        out = { loss: whole.loss, attentionLoss: whole.attentionLoss, ctcLoss: whole.ctcLoss, guided };
      }
      const guided = out.guided;
      const loss = out.loss + (guided ?? 0);
      clippedStep(adam, grads, config.clip, loss, snap.step);
      snap.step++;
      snap.batchInEpoch++;
      snap.utterances += batch.B;
      snap.epochLossSum += out.loss * batch.B;
      snap.epochLossCount += batch.B;
      recent.loss += loss;
      recent.attention += out.attentionLoss;
      recent.ctc += out.ctcLoss ?? 0;
      recent.guided += guided ?? 0;
      recent.count++;

      const epochEnds = snap.batchInEpoch >= plan.batches.length || snap.step >= totalSteps;
      let epochRecord: AsrEpochRecord | undefined;
      if (epochEnds) {
        const dev = measureDev(gemm, las, devSet, data, trainSpeakers);
        align = await probe();
        epochRecord = {
          epoch: snap.epoch + 1,
          step: snap.step,
          trainLoss: snap.epochLossSum / Math.max(1, snap.epochLossCount),
          devCer: dev.cer,
          devCtcCer: dev.ctcCer,
          devCerTrainVoices: dev.trainVoices,
          devCerHeldOutVoices: dev.heldOutVoices,
          devAlign: align.score,
          seconds: elapsedBefore + (now() - startedAt) / 1000,
        };
        snap.history.push(epochRecord);
        if (dev.cer < snap.bestDevCer) {
          snap.bestDevCer = dev.cer;
          snap.bestStep = snap.step;
          snap.best = new Map([...las.params].map(([n, t]) => [n, t.data.slice()]));
          snap.badEpochs = 0;
        } else {
          snap.badEpochs++;
          snap.lr *= config.lrDecay;
          adam.lr = snap.lr;
        }
        snap.epoch++;
        snap.batchInEpoch = 0;
        snap.epochLossSum = 0;
        snap.epochLossCount = 0;
        snap.finished = snap.step >= totalSteps || snap.epoch >= config.epochs || snap.badEpochs >= config.patience;
      } else if (probeEvery > 0 && snap.step % probeEvery === 0) {
        align = await probe();
      }
      if (hooks.onProgress) {
        const seconds = (now() - startedAt) / 1000;
        const rate = (snap.step - stepsBefore) / Math.max(seconds, 1e-9);
        const n = recent.count;
        hooks.onProgress({
          step: snap.step,
          totalSteps,
          epoch: snap.epoch + (epochEnds ? 0 : 1),
          loss: recent.loss / n,
          attentionLoss: recent.attention / n,
          ctcLoss: out.ctcLoss === null ? null : recent.ctc / n,
          guidedLoss: guided === null ? null : recent.guided / n,
          utterancesPerSecond: (snap.utterances - utterancesBefore) / Math.max(seconds, 1e-9),
          etaSeconds: (totalSteps - snap.step) / Math.max(rate, 1e-9),
          align,
          epochRecord,
        });
        recent = { loss: 0, attention: 0, ctc: 0, guided: 0, count: 0 };
      }
      if (hooks.onSnapshot && (epochEnds || (checkpointEvery > 0 && snap.step % checkpointEvery === 0))) {
        await hooks.onSnapshot(capture());
      }
      await hooks.yieldEachStep?.();
    }
  } finally {
    await runner?.close();
  }
  const finalSnapshot = capture();
  if (interrupted && hooks.onSnapshot) await hooks.onSnapshot(finalSnapshot);
  las.config.ctcWeight = config.ctcWeight;
  const best = new Las(
    las.config,
    new Map([...las.params].map(([n, t]) => [n, { shape: t.shape, data: (snap.best?.get(n) ?? t.data).slice() }])),
  );
  return { model: best, snapshot: finalSnapshot, interrupted, totalSteps };
}

/** Word timings of a copy played `speed` times faster. */
function scaleWords(words: Utterance['words'], speed: number): Utterance['words'] {
  if (!words || speed === 1) return words;
  return words.map((w) => ({ word: w.word, start: w.start / speed, end: w.end / speed }));
}

/**
 * Scheduled sampling in two passes (Duckworth et al. 2019's parallel form): a teacher-forced pass gives the model's
 * predictions, and each fed grapheme is replaced by the prediction of the step before it with probability p.
 */
function sampleInputs(gemm: Gemm, las: Las, batch: LasBatch, p: number, rng: Rng): Int32Array[] {
  const first = las.forward(gemm, batch);
  const V = las.config.alphabet + SYMBOL_OFFSET;
  const { B } = batch;
  return batch.transcripts.map((t, b) => {
    const fed = t.slice();
    for (let i = 0; i < t.length; i++) {
      if (!(rng.next() < p)) continue;
      // Step i predicted grapheme i; the input of step i + 1 is fed[i]. <sos>/<eos> predictions keep the truth.
      const row = (i * B + b) * V;
      let best = SYMBOL_OFFSET;
      for (let v = SYMBOL_OFFSET + 1; v < V; v++) if (first.logits[row + v]! > first.logits[row + best]!) best = v;
      if (first.logits[row + EOS]! < first.logits[row + best]!) fed[i] = best - SYMBOL_OFFSET;
    }
    return fed;
  });
}

/** Dev CER of greedy attention decoding and of the CTC head alone. */
export function measureDev(
  gemm: Gemm,
  las: Las,
  dev: readonly Utterance[],
  data: Pick<AsrData, 'alphabet' | 'bins'>,
  trainSpeakers: ReadonlySet<string> = new Set(),
): { cer: number; ctcCer: number | null; trainVoices: number | null; heldOutVoices: number | null } {
  const items: BatchItem[] = dev.map((u) => ({ ...u.copies[0]!, labels: u.labels }));
  const recognized = recognizeUtterances(gemm, las, items, data.bins, defaultDecodeConfig());
  const errors = dev.map((u, i) =>
    countCharacterErrors(u.transcript, decodeGraphemes(recognized[i]!.tokens, data.alphabet)),
  );
  const over = (heard: boolean) => {
    const mine = errors.filter((_, i) => trainSpeakers.has(dev[i]!.speaker) === heard);
    return mine.length > 0 ? errorRate(mine) : null;
  };
  const ctcCer = recognized[0]?.ctcTokens
    ? errorRate(
        dev.map((u, i) =>
          countCharacterErrors(u.transcript, decodeGraphemes(recognized[i]!.ctcTokens!, data.alphabet)),
        ),
      )
    : null;
  return { cer: errorRate(errors), ctcCer, trainVoices: over(true), heldOutVoices: over(false) };
}

/** A teacher-forced pass over the probe utterances: the alignment score and the first utterance's weights. */
export function probeAttention(
  gemm: Gemm,
  las: Las,
  probe: readonly Utterance[],
  data: Pick<AsrData, 'bins' | 'frameShift'>,
  timing: FrameTiming,
  step: number,
): AsrProbe {
  const batch = makeLasBatch(
    probe.map((u) => ({ ...u.copies[0]!, labels: u.labels })),
    data.bins,
  );
  const out = las.forward(gemm, batch);
  const { B } = batch;
  const U = out.frames;
  const lengths = Int32Array.from(batch.frames, (f) => listenerLength(las.config, f));
  const steps = probe.map((u) => u.labels.length + 1);
  const score = scoreAlignment(out.weights, out.steps, B, U, steps, lengths);
  const n = lengths[0]!;
  const L0 = steps[0]!;
  const weights = new Float32Array(L0 * n);
  for (let i = 0; i < L0; i++) weights.set(out.weights.subarray(i * B * U, i * B * U + n), i * n);
  return {
    step,
    score,
    weights,
    steps: L0,
    frames: n,
    labels: [...[...probe[0]!.transcript], '<eos>'],
    utterance: probe[0]!.id,
    frameSeconds: data.frameShift * timing.reduction,
  };
}
