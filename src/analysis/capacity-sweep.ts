// --capacity-sweep: what the decoder's size does to a signature (Pimentel et al. 2020 on probe capacity). Beside the
// layer's own decoder, the same δ decoders train on the same positions as a linear map (no hidden layer) and with
// hidden layers a quarter and four times as wide; per δ each size's accuracy and bits against its parameter count
// trace the accuracy/complexity front.

import { decoderParameterCount } from './decoder-net.js';
import type { DecoderConfig, DecoderData, DecoderHooks, DecoderOutcome } from './decoders.js';
import { entropyBits, informationBits, labelledAccuracy, symbolPrior, wilsonInterval } from './metrics.js';
import type { CapacityPoint, CapacityProbe } from './signature-types.js';

/** The sizes of the sweep, as multiples of the layer's decoder's hidden widths; 0 is the linear decoder. */
export const CAPACITY_FACTORS: readonly number[] = [0, 0.25, 1, 4];

/** Hidden widths of the decoder `factor` times as wide as `hidden` (each at least 1); [] for factor 0 (linear). */
export function scaledHidden(hidden: readonly number[], factor: number): number[] {
  if (!(factor >= 0)) throw new RangeError(`scaledHidden: invalid factor ${factor}`);
  if (factor === 0) return [];
  return hidden.map((h) => Math.max(1, Math.round(h * factor)));
}

/** The decoder config of one size of the sweep. */
export function probeConfig(config: DecoderConfig, factor: number): DecoderConfig {
  const hidden = scaledHidden(config.hidden, factor);
  return { ...config, hidden, linear: hidden.length === 0 };
}

/**
 * The decoders' time of the sweep's other sizes, as a multiple of the layer's own decoder's: about each size's
 * parameter count over the decoder's (the GEMMs dominate), summed.
 */
export function capacitySweepCost(D: number, V: number, hidden: readonly number[], factors = CAPACITY_FACTORS): number {
  const own = decoderParameterCount(D, V, hidden);
  return factors
    .filter((f) => f !== 1)
    .reduce((a, f) => a + decoderParameterCount(D, V, scaledHidden(hidden, f)) / own, 0);
}

/** One size's eval scores per δ, from its outcomes (front marks are set by markFront). */
export function capacityProbe(
  data: DecoderData,
  factor: number,
  hidden: number[],
  outcomes: DecoderOutcome[],
): CapacityProbe {
  return {
    factor,
    hidden,
    parameters: decoderParameterCount(data.D, data.V, hidden),
    deltas: outcomes.map((o, i): CapacityPoint => {
      const { correct } = labelledAccuracy(data.evalLabels[i]!, o.evalPredictions);
      const n = o.evalCount;
      const crossEntropyBits = n > 0 ? -o.evalLogLikelihood / n / Math.LN2 : 0;
      const prior = entropyBits(symbolPrior(data.trainLabels[i]!, data.V));
      return {
        delta: i + 1,
        accuracy: n > 0 ? correct / n : 0,
        accuracyInterval: wilsonInterval(correct, n),
        crossEntropyBits,
        informationBits: informationBits(prior, crossEntropyBits),
        keepProb: o.keepProb,
        front: false,
      };
    }),
  };
}

/**
 * Sorts the probes by parameter count and marks, per δ, those on the accuracy/complexity front: more accurate than
 * every smaller probe.
 */
export function markFront(probes: CapacityProbe[]): CapacityProbe[] {
  const sorted = [...probes].sort((a, b) => a.parameters - b.parameters || a.factor - b.factor);
  const deltas = Math.min(...sorted.map((p) => p.deltas.length));
  for (let d = 0; d < deltas; d++) {
    let best = Number.NEGATIVE_INFINITY;
    for (const p of sorted) {
      const point = p.deltas[d]!;
      point.front = point.accuracy > best;
      best = Math.max(best, point.accuracy);
    }
  }
  return sorted;
}

/** Trains one layer's decoders with a given config (a DecoderRunner, or fitDecoders). */
export type TrainDecoders = (
  data: DecoderData,
  config: DecoderConfig,
  hooks: DecoderHooks,
) => Promise<DecoderOutcome[]>;

/**
 * The sweep on one layer: `own` are the outcomes of the layer's decoder (config, factor 1); every other factor trains
 * on the same data with the same schedule and seed. `onSize` is told of each size as it starts.
 */
export async function sweepCapacity(
  train: TrainDecoders,
  data: DecoderData,
  config: DecoderConfig,
  own: DecoderOutcome[],
  hooks: DecoderHooks,
  factors: readonly number[] = CAPACITY_FACTORS,
  onSize?: (factor: number, hidden: number[]) => void,
): Promise<CapacityProbe[]> {
  const probes: CapacityProbe[] = [];
  for (const factor of factors) {
    if (factor === 1) {
      probes.push(capacityProbe(data, 1, [...config.hidden], own));
      continue;
    }
    const probe = probeConfig(config, factor);
    onSize?.(factor, probe.hidden);
    probes.push(capacityProbe(data, factor, probe.hidden, await train(data, probe, hooks)));
  }
  return markFront(probes);
}
