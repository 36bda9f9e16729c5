// What --capacity-sweep and --mdl cost, said before the work starts (both are opt-in because they are not cheap).

import type { AnalysableModel } from '../analysis/analysable-model.js';
import { CAPACITY_FACTORS, capacitySweepCost, scaledHidden } from '../analysis/capacity-sweep.js';
import { hiddenSizeByRule } from '../analysis/decoders.js';
import { ONLINE_CODE_BLOCKS } from '../analysis/online-code.js';

/** The hidden widths of layer k's decoder (0-based): those given, or the paper's rule. */
function layerHidden(model: AnalysableModel, k: number, given: readonly number[]): number[] {
  return given.length > 0
    ? [...given]
    : [hiddenSizeByRule(model.stateSizes[k]!, model.vocab, model.layerParameterCount(k))];
}

/** The line for --capacity-sweep on these 0-based layers. */
export function capacitySweepCostLine(
  model: AnalysableModel,
  layers: readonly number[],
  given: readonly number[],
): string {
  const costs = layers.map((k) => capacitySweepCost(model.stateSizes[k]!, model.vocab, layerHidden(model, k, given)));
  const most = Math.max(...costs);
  const first = layerHidden(model, layers[0]!, given);
  const sizes = CAPACITY_FACTORS.filter((f) => f !== 1 && f !== 0)
    .map((f) => `${f}× (hidden ${scaledHidden(first, f).join(',')})`)
    .join(' and ');
  return (
    `--capacity-sweep: each layer's decoders train again as linear maps and at ${sizes} their width ` +
    `(layer ${layers[0]! + 1}'s): up to about ${most.toFixed(1)} times the decoders' time more`
  );
}

/** The line for --mdl. */
export function onlineCodeCostLine(): string {
  const blocks = ONLINE_CODE_BLOCKS.length - 1;
  return (
    `--mdl: each layer's decoders train ${blocks} more times, on the first 0.1% to 50% of the train positions ` +
    '(the online code length): about 1 to 2 times the decoders’ time more'
  );
}
