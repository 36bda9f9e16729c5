// Several seeds of the same measurement as one: the decoders of a signature trained with K seeds on the same
// positions (--decoder-seeds), or the signatures of K seeds of a language model read on the same positions. The
// combined decoder reports the mean over seeds where a mean is meaningful and keeps the spread beside it
// (DeltaSignature.seeds); a single run's choices (keep probability, epochs, learning curve) are the first seed's.

import { UserError } from '../core/errors.js';
import { informationBits, wilsonInterval } from './metrics.js';
import type {
  DeltaConvergence,
  DeltaSeeds,
  DeltaSignature,
  DeltaTextBaseline,
  LayerSignature,
  SeedSpread,
} from './signature-types.js';
import { pairedDifferenceInterval } from './text-baseline.js';

/** What several seeds seeded: one decoder (--decoder-seeds) or the model read (signatures of its seeds combined). */
export type SeedsOf = 'decoder' | 'model';

/** The mean, taken about the first value: seeds that agree give exactly their value (and a spread of exactly 0). */
function average(values: readonly number[]): number {
  const first = values[0]!;
  return first + values.reduce((a, v) => a + (v - first), 0) / values.length;
}

/** Mean, sample standard deviation (0 for a single value) and range of some values. */
export function seedSpread(values: readonly number[]): SeedSpread {
  if (values.length === 0) throw new RangeError('seedSpread: no values');
  const n = values.length;
  const mean = average(values);
  const squares = values.reduce((a, v) => a + (v - mean) * (v - mean), 0);
  return { mean, sd: n > 1 ? Math.sqrt(squares / (n - 1)) : 0, min: Math.min(...values), max: Math.max(...values) };
}

/**
 * One decoder (δ, l) from its seeds, all on the same positions (the same counts per symbol; a UserError otherwise).
 * Means: accuracy (its Wilson interval over the eval positions), dev accuracy, per-symbol recall, the confusion
 * matrix (so that recall and the bits drawn from it agree), cross-entropy (information recovered from it) and the
 * text-only baseline's pairing. pValue and excessPValue are the largest over seeds: "beyond chance" must hold for
 * every seed. keepProb, epochs and the learning curve are the first seed's; converged only if every seed converged.
 * `of`: what the seeds seeded, the decoder (the default) or the model.
 */
export function combineSeedDeltas(
  perSeed: readonly DeltaSignature[],
  seeds: readonly number[],
  of: SeedsOf = 'decoder',
): DeltaSignature {
  const first = perSeed[0];
  if (!first) throw new RangeError('combineSeedDeltas: no seeds');
  if (seeds.length !== perSeed.length) {
    throw new RangeError(`combineSeedDeltas: ${seeds.length} seeds for ${perSeed.length} decoders`);
  }
  for (const d of perSeed) checkSamePositions(first, d);
  const n = first.positions.eval;
  const V = first.count.length;
  const accuracy = perSeed.map((d) => d.accuracy);
  const bits = perSeed.map((d) => d.informationBits);
  const meanAccuracy = average(accuracy);
  const crossEntropyBits = average(perSeed.map((d) => d.crossEntropyBits));
  const recalls = (s: number) => perSeed.map((d) => d.recall[s]).filter((r): r is number => r !== null);
  const spreads = Array.from({ length: V }, (_, s) => (first.count[s]! > 0 ? seedSpread(recalls(s)) : null));
  const seedRecord: DeltaSeeds = {
    ...(of === 'model' ? { of } : {}),
    seeds: [...seeds],
    accuracy,
    accuracySpread: seedSpread(accuracy),
    informationBits: bits,
    informationBitsSpread: seedSpread(bits),
    recallSd: spreads.map((x) => x?.sd ?? null),
    recallMin: spreads.map((x) => x?.min ?? null),
    recallMax: spreads.map((x) => x?.max ?? null),
    keepProbs: perSeed.map((d) => d.keepProb),
  };
  const combined: DeltaSignature = {
    ...first,
    devAccuracy: average(perSeed.map((d) => d.devAccuracy)),
    accuracy: meanAccuracy,
    accuracyInterval: wilsonInterval(Math.min(n, meanAccuracy * n), n),
    pValue: Math.max(...perSeed.map((d) => d.pValue)),
    recall: spreads.map((x) => x?.mean ?? null),
    confusion: first.confusion.map((row, s) => row.map((_, p) => average(perSeed.map((d) => d.confusion[s]![p]!)))),
    crossEntropyBits,
    informationBits: informationBits(first.priorEntropyBits, crossEntropyBits),
    seeds: seedRecord,
  };
  delete combined.convergence;
  delete combined.textBaseline;
  const convergence = combineConvergence(perSeed);
  if (convergence) combined.convergence = convergence;
  const text = combineTextBaseline(perSeed, n);
  if (text) combined.textBaseline = text;
  return combined;
}

/** The decoders of one layer from its seeds (the same layer, the same δs), combined δ by δ. */
export function combineSeedLayers(
  perSeed: readonly LayerSignature[],
  seeds: readonly number[],
  of: SeedsOf = 'decoder',
): LayerSignature {
  const first = perSeed[0];
  if (!first) throw new RangeError('combineSeedLayers: no seeds');
  for (const l of perSeed) {
    if (l.deltas.length !== first.deltas.length) {
      throw new UserError(
        `layer ${first.layer}: one seed has ${l.deltas.length} decoders, another ${first.deltas.length}`,
      );
    }
  }
  const combined: LayerSignature = {
    ...first,
    deltas: first.deltas.map((_, i) =>
      combineSeedDeltas(
        perSeed.map((l) => l.deltas[i]!),
        seeds,
        of,
      ),
    ),
  };
  if (first.current) {
    combined.current = combineSeedDeltas(
      perSeed.map((l) => l.current!),
      seeds,
      of,
    );
  }
  return combined;
}

// Seeds combine only on the same positions: otherwise a mean of recalls would mix different samples of the text.
function checkSamePositions(a: DeltaSignature, b: DeltaSignature): void {
  const at = `δ ${a.delta}`;
  if (a.delta !== b.delta) throw new UserError(`cannot combine the decoders of δ ${a.delta} and δ ${b.delta}`);
  const same =
    a.positions.eval === b.positions.eval &&
    a.positions.train === b.positions.train &&
    a.count.length === b.count.length &&
    a.count.every((c, s) => c === b.count[s]);
  if (!same) {
    throw new UserError(
      `${at}: the seeds were measured on different positions (${a.positions.eval} and ${b.positions.eval} eval positions, or other counts per symbol); only signatures with the same corpus, split, positions and --seed combine`,
    );
  }
}

function combineConvergence(perSeed: readonly DeltaSignature[]): DeltaConvergence | undefined {
  const all = perSeed.map((d) => d.convergence);
  if (all.some((c) => c === undefined)) return undefined;
  return { ...all[0]!, converged: all.every((c) => c!.converged) };
}

// The baseline's own numbers are the same for every seed (same positions); its pairing with the decoder is averaged,
// so that accuracy − baseline accuracy stays (decoderOnly − baselineOnly) / positions.
function combineTextBaseline(perSeed: readonly DeltaSignature[], n: number): DeltaTextBaseline | undefined {
  const all = perSeed.map((d) => d.textBaseline);
  if (all.some((b) => b === undefined)) return undefined;
  const decoderOnly = average(all.map((b) => b!.decoderOnly));
  const baselineOnly = average(all.map((b) => b!.baselineOnly));
  return {
    ...all[0]!,
    decoderOnly,
    baselineOnly,
    excessPValue: Math.max(...all.map((b) => b!.excessPValue)),
    excessInterval: pairedDifferenceInterval(decoderOnly, baselineOnly, n),
  };
}
