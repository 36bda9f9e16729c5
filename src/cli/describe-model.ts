// How the CLI names a loaded model in its lines.

import type { LoadedModel } from '../io/model-dir.js';

/**
 * "gru, 1 layer, 128 units, embed 16, 30 symbols" ("factorized lstm, …" for a factorized model, "factorized lstm with
 * corpus λ, …" for one with a fixed λ).
 */
export function describeModel(loaded: LoadedModel): string {
  const c = loaded.config;
  const factorized = c.lambda === 'corpus' ? 'factorized lstm with corpus λ' : 'factorized lstm';
  const cell = c.kind === 'factorized-lstm' ? factorized : c.cell;
  return `${cell}, ${c.layers} layer${c.layers === 1 ? '' : 's'}, ${c.units} units, embed ${c.embed}, ${c.normalization.alphabet.length} symbols`;
}
