// A model directory (memsig- or PyTorch-made) loaded as a ready CharLm.

import { type LoadedModel, loadModelDir } from '../io/model-dir.js';
import { CharLm } from '../models/char-lm.js';

export interface LoadedCharLm extends LoadedModel {
  model: CharLm;
}

export async function loadCharLm(dir: string): Promise<LoadedCharLm> {
  const loaded = await loadModelDir(dir);
  const { config, params } = loaded;
  const model = new CharLm(
    {
      cell: config.cell,
      layers: config.layers,
      units: config.units,
      embed: config.embed,
      vocab: config.normalization.alphabet.length,
    },
    params,
  );
  return { ...loaded, model };
}

/** "gru, 1 layer, 128 units, embed 16, 30 symbols". */
export function describeModel(loaded: LoadedModel): string {
  const c = loaded.config;
  return `${c.cell}, ${c.layers} layer${c.layers === 1 ? '' : 's'}, ${c.units} units, embed ${c.embed}, ${c.normalization.alphabet.length} symbols`;
}
