// The config.json of a LAS model directory ("kind": "las"): the network (LasConfig), its graphemes, how features are
// computed, and what data and training made it (docs/model-config.schema.json, docs/formats.md).

import type { LasConfig } from '../models/las-config.js';
import type { FbankConfig } from '../speech/fbank.js';
import type { AsrTrainConfig } from './train-config.js';

export interface LasFeatureSettings {
  /** Audio is resampled to this rate (Hz) before the features are computed. */
  sampleRate: number;
  fbank: FbankConfig;
  /** Per-utterance mean and variance normalization of each bin. */
  cmvn: 'utterance';
}

export interface LasDataRecord {
  /** The manifest trained on, as given. */
  manifest: string;
  /** SHA-256 of its bytes. */
  sha256: string;
  utterances: { train: number; dev: number; eval: number };
  hours: { train: number; dev: number; eval: number };
}

export type LasTrainingRecord = AsrTrainConfig & {
  steps: number;
  epochsCompleted: number;
  bestStep: number;
  wallSeconds: number;
  utterancesPerSecond: number;
};

export interface LasMetrics {
  /** Greedy attention decoding's CER on the dev split at the kept step, and the CTC head's alone. */
  devCer: number | null;
  devCtcCer: number | null;
  /** On the eval split when the model was saved, decoded as `decoding` says. */
  evalCer: number | null;
  evalWer: number | null;
  evalCtcCer: number | null;
  decoding: string | null;
}

export interface LasModelConfig {
  format: 'memsig-model';
  version: 1;
  kind: 'las';
  las: LasConfig;
  /** The alphabet in id order: grapheme s is speller id s + 2 and CTC class s + 1. */
  graphemes: string[];
  features: LasFeatureSettings;
  data: LasDataRecord | null;
  training: LasTrainingRecord | null;
  metrics: LasMetrics;
}

/** Metrics not measured. */
export function emptyLasMetrics(): LasMetrics {
  return { devCer: null, devCtcCer: null, evalCer: null, evalWer: null, evalCtcCer: null, decoding: null };
}
