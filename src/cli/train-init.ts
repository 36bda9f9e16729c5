// `memsig train --init DIR`: fine-tuning starts from a saved model. The model fixes the architecture (cell, layers,
// units, embed, λ) and the normalization the new corpus is read with; a flag that names the architecture must agree
// with it, and one left out takes the model's value.

import { UserError } from '../core/errors.js';
import { readingSegmentation, type Segmentation } from '../data/index.js';
import { loadModel } from '../io/load-model.js';
import { CORPUS_LAMBDA, type NormalizationConfig } from '../models/config.js';
import type { TrainCell, TrainConfig } from '../train/train-char-lm.js';

/** The flags that describe the architecture, as TrainConfig keys. */
export const ARCHITECTURE_KEYS = ['cell', 'layers', 'units', 'embed', 'lambda'] as const;
export type ArchitectureKey = (typeof ARCHITECTURE_KEYS)[number];

export interface InitModel {
  /** The run's config: the given one with the model's architecture and its weights' SHA-256. */
  config: TrainConfig;
  normalization: NormalizationConfig;
  /** How the model reads text when that does not depend on the text ('none' for a stream model), else undefined. */
  reading: Segmentation | undefined;
  /** The weights to start from, by parameter name. */
  params: Map<string, Float32Array>;
}

export async function loadInitModel(
  dir: string,
  config: TrainConfig,
  given: readonly ArchitectureKey[],
): Promise<InitModel> {
  const loaded = await loadModel(dir);
  const c = loaded.config;
  if (c.resetAfter === false || c.gateActivation === 'hard_sigmoid') {
    const cell =
      c.resetAfter === false ? 'a GRU whose reset gate comes before the recurrent product' : 'hard-sigmoid gates';
    throw new UserError(
      `${dir}: a model with ${cell} (imported; resetAfter false or gateActivation hard_sigmoid) can be evaluated and analysed, not trained`,
    );
  }
  const cell: TrainCell = c.kind === 'factorized-lstm' ? 'factorized-lstm' : c.cell;
  const model: Pick<TrainConfig, ArchitectureKey> = {
    cell,
    layers: c.layers,
    units: c.units,
    embed: c.embed,
    ...(c.lambda === 'corpus' ? { lambda: 'corpus' as const } : {}),
  };
  for (const key of given) {
    const mine = config[key] ?? (key === 'lambda' ? 'running' : undefined);
    const theirs = model[key] ?? (key === 'lambda' ? 'running' : undefined);
    if (mine !== theirs) {
      throw new UserError(
        `--${key} ${mine} differs from the --init model's ${theirs} (${dir}); leave --${key} out to take the model's`,
      );
    }
  }
  const { lambda: _dropped, ...rest } = config;
  return {
    config: { ...rest, ...model, initWeightsSha256: loaded.weightsSha256 },
    normalization: c.normalization,
    reading: readingSegmentation(c),
    // A fixed λ is not a weight: the fine-tuned model takes its own from its training partition.
    params: new Map([...loaded.params].filter(([name]) => name !== CORPUS_LAMBDA).map(([n, t]) => [n, t.data])),
  };
}
