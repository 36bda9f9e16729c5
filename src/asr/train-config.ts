// The settings of a LAS training run (`memsig asr train`, one flag per key) and the model they build.

import { UserError } from '../core/errors.js';
import type { LasConfig } from '../models/las-config.js';

export interface AsrTrainConfig {
  /** Input frames stacked into one before the listener. */
  stack: number;
  listenerLayers: number;
  /** Top listener layers that halve the frame rate. */
  pyramidLayers: number;
  /** Units per direction of each listener layer. */
  listenerUnits: number;
  embed: number;
  spellerLayers: number;
  spellerUnits: number;
  /** Size of the attention MLP. */
  attention: number;
  /** Location-aware attention's filters over the previous weights (0: content-only attention) and their width. */
  locationFilters: number;
  locationKernel: number;
  outputHidden: number;
  labelSmoothing: number;
  /** λ of loss = λ·CTC + (1 − λ)·attention cross-entropy, from epoch ctcWeightEpochs on (0: no CTC head). */
  ctcWeight: number;
  /** λ in the first epoch, moving linearly to ctcWeight over ctcWeightEpochs epochs (CTC helps the listener early). */
  ctcWeightStart: number;
  ctcWeightEpochs: number;
  /** Utterances per batch. */
  batch: number;
  lr: number;
  /** The learning rate is multiplied by this after each epoch without a better dev CER (1: constant). */
  lrDecay: number;
  /** Gradient-norm clipping threshold. */
  clip: number;
  epochs: number;
  /** Stop after this many steps in all, or null for no cap. */
  maxSteps: number | null;
  /** Stop when dev CER has not improved for this many epochs. */
  patience: number;
  seed: number;
  /** Epochs whose batches run from the shortest utterances to the longest, instead of in shuffled order. */
  curriculumEpochs: number;
  /** Scheduled sampling: the probability of feeding the model's own previous prediction (0: teacher forcing). */
  samplingProbability: number;
  /** The epoch (1-based) from which scheduled sampling is on. */
  samplingFromEpoch: number;
  /** SpecAugment: masks per utterance and their widths (frames, mel bins); 0 masks: off. */
  timeMasks: number;
  timeMaskWidth: number;
  freqMasks: number;
  freqMaskWidth: number;
  /** Speed-perturbed copies of each training utterance (factors such as 0.9, 1.1); empty: off. */
  speeds: number[];
  /** Weight of the guided-attention loss toward the word timings (0: off), its first epochs, and its width σ. */
  guidedWeight: number;
  guidedEpochs: number;
  /** In listener frames. */
  guidedSigma: number;
  /** Dev utterances decoded for each epoch's CER, or null for all. */
  devLimit: number | null;
}

/**
 * A small recognizer for CPUs: 3 × 128 BLSTM over triples of frames (30 ms per listener frame). Synthesized read
 * speech runs up to ~25 graphemes a second, so at 40 ms (25 frames a second) CTC would find no alignment for many
 * utterances; a pyramid (--stack 1 --pyramid-layers 1: 20 ms) costs more in the lower layers. Small batches at a
 * high learning rate and guided attention for the first 8 epochs: on an hour of synthesized speech, batches of 16
 * at 1e-3 had not aligned after 4 epochs, these had by the second (runs reported with the LAS issue).
 */
export function defaultAsrTrainConfig(): AsrTrainConfig {
  return {
    stack: 3,
    listenerLayers: 3,
    pyramidLayers: 0,
    listenerUnits: 128,
    embed: 32,
    spellerLayers: 1,
    spellerUnits: 192,
    attention: 96,
    locationFilters: 8,
    locationKernel: 15,
    outputHidden: 192,
    labelSmoothing: 0.1,
    ctcWeight: 0.3,
    ctcWeightStart: 0.5,
    ctcWeightEpochs: 5,
    batch: 8,
    lr: 3e-3,
    lrDecay: 0.5,
    clip: 5,
    epochs: 40,
    maxSteps: null,
    patience: 5,
    seed: 1,
    curriculumEpochs: 2,
    samplingProbability: 0,
    samplingFromEpoch: 4,
    timeMasks: 0,
    timeMaskWidth: 20,
    freqMasks: 0,
    freqMaskWidth: 8,
    speeds: [],
    guidedWeight: 1,
    guidedEpochs: 8,
    guidedSigma: 4,
    devLimit: null,
  };
}

/** The smallest recognizer that trains end to end in seconds: smoke runs (`asr demo --quick`, `experiment --quick`). */
export function tinyAsrTrainConfig(): AsrTrainConfig {
  return {
    ...defaultAsrTrainConfig(),
    listenerLayers: 2,
    listenerUnits: 16,
    embed: 8,
    spellerUnits: 24,
    attention: 16,
    locationFilters: 4,
    locationKernel: 7,
    outputHidden: 24,
    batch: 4,
    epochs: 2,
    maxSteps: 4,
  };
}

/** The flag of a config key: listenerUnits → --listener-units. */
export function flagOf(key: keyof AsrTrainConfig): string {
  return `--${key.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)}`;
}

/** Throws a UserError naming the flag of the first bad value. */
export function validateAsrTrainConfig(c: AsrTrainConfig): void {
  const bad = (key: keyof AsrTrainConfig, what: string): never => {
    throw new UserError(`${flagOf(key)} must be ${what} (got ${JSON.stringify(c[key])})`);
  };
  const positive = [
    'stack',
    'listenerLayers',
    'listenerUnits',
    'embed',
    'spellerLayers',
    'spellerUnits',
    'attention',
    'outputHidden',
    'batch',
    'epochs',
    'patience',
    'locationKernel',
    'samplingFromEpoch',
  ] as const;
  for (const key of positive) if (!(Number.isSafeInteger(c[key]) && c[key] >= 1)) bad(key, 'a whole number ≥ 1');
  const counts = [
    'pyramidLayers',
    'locationFilters',
    'ctcWeightEpochs',
    'curriculumEpochs',
    'timeMasks',
    'timeMaskWidth',
    'freqMasks',
    'freqMaskWidth',
    'guidedEpochs',
    'seed',
  ] as const;
  for (const key of counts) if (!(Number.isSafeInteger(c[key]) && c[key] >= 0)) bad(key, 'a whole number ≥ 0');
  if (c.pyramidLayers > c.listenerLayers) bad('pyramidLayers', `at most --listener-layers (${c.listenerLayers})`);
  if (c.locationFilters > 0 && c.locationKernel % 2 === 0) bad('locationKernel', 'odd');
  if (!(c.labelSmoothing >= 0 && c.labelSmoothing < 1)) bad('labelSmoothing', 'in [0, 1)');
  for (const key of ['ctcWeight', 'ctcWeightStart'] as const) if (!(c[key] >= 0 && c[key] <= 1)) bad(key, 'in [0, 1]');
  if (c.ctcWeight === 0 && c.ctcWeightStart > 0) {
    bad('ctcWeightStart', '0 when --ctc-weight is 0 (the model then has no CTC head)');
  }
  if (c.ctcWeight === 1) bad('ctcWeight', 'below 1 (the attention decoder must learn too)');
  if (!(c.lr > 0 && c.lr < 10)) bad('lr', 'a number in (0, 10)');
  if (!(c.lrDecay > 0 && c.lrDecay <= 1)) bad('lrDecay', 'in (0, 1]');
  if (!(c.clip > 0)) bad('clip', 'a number > 0');
  if (c.maxSteps !== null && !(Number.isSafeInteger(c.maxSteps) && c.maxSteps >= 1))
    bad('maxSteps', 'a whole number ≥ 1');
  if (!(c.samplingProbability >= 0 && c.samplingProbability < 1)) bad('samplingProbability', 'in [0, 1)');
  for (const s of c.speeds) if (!(s >= 0.5 && s <= 2 && s !== 1)) bad('speeds', 'factors in [0.5, 2] other than 1');
  if (!(c.guidedWeight >= 0)) bad('guidedWeight', 'a number ≥ 0');
  if (!(c.guidedSigma > 0)) bad('guidedSigma', 'a number > 0');
  if (c.devLimit !== null && !(Number.isSafeInteger(c.devLimit) && c.devLimit >= 1))
    bad('devLimit', 'a whole number ≥ 1');
}

/** The LAS a config trains on `features`-wide frames and an alphabet of `alphabet` graphemes. */
export function lasConfigOf(c: AsrTrainConfig, features: number, alphabet: number): LasConfig {
  return {
    features,
    stack: c.stack,
    listenerLayers: c.listenerLayers,
    pyramidLayers: c.pyramidLayers,
    listenerUnits: c.listenerUnits,
    alphabet,
    embed: c.embed,
    spellerLayers: c.spellerLayers,
    spellerUnits: c.spellerUnits,
    attention: c.attention,
    location: c.locationFilters > 0 ? { filters: c.locationFilters, kernel: c.locationKernel } : null,
    outputHidden: c.outputHidden,
    labelSmoothing: c.labelSmoothing,
    ctcWeight: c.ctcWeight,
  };
}

/** λ in 0-based epoch `epoch`: ctcWeightStart moving linearly to ctcWeight over the first ctcWeightEpochs epochs. */
export function ctcWeightAt(c: AsrTrainConfig, epoch: number): number {
  if (epoch >= c.ctcWeightEpochs) return c.ctcWeight;
  return c.ctcWeightStart + ((c.ctcWeight - c.ctcWeightStart) * epoch) / c.ctcWeightEpochs;
}
