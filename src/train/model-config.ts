// The config.json of a trained character LM (plain or factorized-kernel): what was trained, on what, how, and how
// well.

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
  const factorized = config.cell === 'factorized-lstm';
  return {
    format: 'memsig-model',
    version: 1,
    kind: factorized ? 'factorized-lstm' : 'char-lm',
    cell: config.cell === 'factorized-lstm' ? 'lstm' : config.cell,
    ...(factorized ? { lambda: config.lambda ?? 'running' } : {}),
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
      ...(config.initWeightsSha256 !== undefined ? { initWeightsSha256: config.initWeightsSha256 } : {}),
      ...(config.trainFraction !== undefined ? { trainFraction: config.trainFraction } : {}),
    },
    metrics: {
      devPerplexity,
      evalPerplexity: Number.isFinite(evalPerplexity) ? evalPerplexity : null,
    },
  };
}

/** The config.json of a model whose training is not known (weights saved before configs were): training null. */
export function buildUntrainedRecordConfig(
  config: TrainConfig,
  corpus: PreparedCorpus,
  evalPerplexity: number,
): CharLmConfig {
  const unknown = { step: 0, epoch: 0, bestStep: 0, elapsedSeconds: 0 };
  return { ...buildModelConfig(config, corpus, unknown, null, evalPerplexity), training: null };
}
