// How the CLI names a loaded model in its lines.

import type { LoadedModel } from '../io/model-dir.js';

/** "gru, 1 layer, 128 units, embed 16, 30 symbols" ("factorized lstm, …" for a factorized model). */
export function describeModel(loaded: LoadedModel): string {
  const c = loaded.config;
  const cell = c.kind === 'factorized-lstm' ? 'factorized lstm' : c.cell;
  return `${cell}, ${c.layers} layer${c.layers === 1 ? '' : 's'}, ${c.units} units, embed ${c.embed}, ${c.normalization.alphabet.length} symbols`;
}
