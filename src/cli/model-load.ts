// A model directory (memsig- or PyTorch-made) loaded as a ready model: a CharLm, or a FactorizedLm for a
// factorized-lstm config.

import { type LoadedModel, loadModelDir } from '../io/model-dir.js';
import { CharLm } from '../models/char-lm.js';
import { FactorizedLm } from '../models/factorized-lm.js';

export type LoadedAnyModel = LoadedModel &
  ({ kind: 'char-lm'; model: CharLm } | { kind: 'factorized-lstm'; model: FactorizedLm });

export async function loadModel(dir: string): Promise<LoadedAnyModel> {
  const loaded = await loadModelDir(dir);
  const { config, params } = loaded;
  const { layers, units, embed } = config;
  const vocab = config.normalization.alphabet.length;
  if (config.kind === 'factorized-lstm') {
    // Saved factorized models read λ as the running bigram frequencies of the segment (the default source).
    return {
      ...loaded,
      kind: 'factorized-lstm',
      model: new FactorizedLm({ layers, units, embed, vocab }, undefined, params),
    };
  }
  return { ...loaded, kind: 'char-lm', model: new CharLm({ cell: config.cell, layers, units, embed, vocab }, params) };
}

/** "gru, 1 layer, 128 units, embed 16, 30 symbols" ("factorized lstm, …" for a factorized model). */
export function describeModel(loaded: LoadedModel): string {
  const c = loaded.config;
  const cell = c.kind === 'factorized-lstm' ? 'factorized lstm' : c.cell;
  return `${cell}, ${c.layers} layer${c.layers === 1 ? '' : 's'}, ${c.units} units, embed ${c.embed}, ${c.normalization.alphabet.length} symbols`;
}
