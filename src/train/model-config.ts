// The config.json of a trained character LM: what was trained, on what, how, and how well.

import type { PreparedCorpus } from '../data/corpus.js';
import type { CharLmConfig } from '../models/config.js';
import type { TrainConfig, TrainSnapshot } from './train-char-lm.js';

export function buildModelConfig(
  config: TrainConfig,
  corpus: PreparedCorpus,
  s: Pick<TrainSnapshot, 'step' | 'epoch' | 'bestStep' | 'elapsedSeconds'>,
  devPerplexity: number | null,
  evalPerplexity: number,
): CharLmConfig {
  return {
    format: 'memsig-model',
    version: 1,
    kind: 'char-lm',
    cell: config.cell,
    layers: config.layers,
    units: config.units,
    embed: config.embed,
    normalization: corpus.normalization,
    corpus: corpus.record,
    training: {
      batch: config.batch,
      seq: config.seq,
      lr: config.lr,
      dropout: config.dropout,
      recurrentDropout: config.recurrentDropout,
      clip: config.clip,
      epochs: config.epochs,
      maxSteps: config.maxSteps,
      seed: config.seed,
      patience: config.patience,
      steps: s.step,
      epochsCompleted: s.epoch,
      bestStep: s.bestStep,
      wallSeconds: s.elapsedSeconds,
    },
    metrics: {
      devPerplexity,
      evalPerplexity: Number.isFinite(evalPerplexity) ? evalPerplexity : null,
    },
  };
}

/**
 * The config.json of a factorized-kernel LM (kind factorized-lstm), trained for `steps` without early stopping, or
 * with `training` null when how it was trained is not known.
 */
export function buildFactorizedModelConfig(
  config: TrainConfig,
  corpus: PreparedCorpus,
  run: { steps: number; epochs: number; wallSeconds: number } | null,
  evalPerplexity: number,
): CharLmConfig {
  const plain = buildModelConfig(
    { ...config, cell: 'lstm' },
    corpus,
    {
      step: run?.steps ?? 0,
      epoch: run?.epochs ?? 0,
      bestStep: run?.steps ?? 0,
      elapsedSeconds: run?.wallSeconds ?? 0,
    },
    null,
    evalPerplexity,
  );
  return { ...plain, kind: 'factorized-lstm', training: run ? plain.training : null };
}
