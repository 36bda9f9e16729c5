// A model directory (memsig- or PyTorch-made) loaded as a ready model: a CharLm, or a FactorizedLm for a
// factorized-lstm config; a speech recognizer's (kind "las") as a Las.

import { CharLm } from '../models/char-lm.js';
import type { CharLmShape } from '../models/char-lm-params.js';
import { type CharLmConfig, CORPUS_LAMBDA } from '../models/config.js';
import { FactorizedLm, type LambdaSource } from '../models/factorized-lm.js';
import { Las } from '../models/las.js';
import { type LoadedLasModelDir, type LoadedModel, loadLasModelDir, loadModelDir } from './model-dir.js';

export type LoadedAnyModel = LoadedModel &
  ({ kind: 'char-lm'; model: CharLm } | { kind: 'factorized-lstm'; model: FactorizedLm });

export async function loadModel(dir: string): Promise<LoadedAnyModel> {
  const loaded = await loadModelDir(dir);
  const { config, params } = loaded;
  const { layers, units, embed } = config;
  const vocab = config.normalization.alphabet.length;
  if (config.kind === 'factorized-lstm') {
    // λ: the running bigram frequencies of the segment, unless the config names the fixed corpus vector it stores.
    const fixed = config.lambda === 'corpus' ? params.get(CORPUS_LAMBDA)!.data : null;
    const source: LambdaSource = fixed ? { kind: 'corpus', lambda: fixed } : { kind: 'running' };
    return {
      ...loaded,
      kind: 'factorized-lstm',
      model: new FactorizedLm({ layers, units, embed, vocab }, source, params),
    };
  }
  return { ...loaded, kind: 'char-lm', model: new CharLm(charLmShape(config), params) };
}

/** The shape of the LSTM/GRU language model a config describes. */
export function charLmShape(config: CharLmConfig): CharLmShape {
  const { layers, units, embed } = config;
  const vocab = config.normalization.alphabet.length;
  // The cell variants of imported models (forward only), where the config names them.
  const variants = {
    ...(config.resetAfter === false ? { resetAfter: false } : {}),
    ...(config.gateActivation === 'hard_sigmoid' ? { gate: 'hard_sigmoid' as const } : {}),
  };
  return { cell: config.cell, layers, units, embed, vocab, ...variants };
}

export type LoadedLas = LoadedLasModelDir & { model: Las };

/** A LAS model directory as a ready Las (its weights as stored, PyTorch state_dict names). */
export async function loadLasModel(dir: string): Promise<LoadedLas> {
  const loaded = await loadLasModelDir(dir);
  return { ...loaded, model: new Las(loaded.config.las, loaded.params) };
}
