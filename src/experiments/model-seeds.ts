// --model-seeds K for Figures 1 and 2: the same language model trained with K seeds (initialization and dropout;
// the data, the split and the signature's positions stay), each one's signature, and per δ the mean and spread over
// the seeds. Seed 1 is the figure's own model; seed k > 1 lives beside it as NAME-seedK, found again when the run
// resumes like every other step.

import { welchPValue } from '../analysis/seed-groups.js';
import { seedSpread } from '../analysis/seed-spread.js';
import type { SignatureOptions } from '../analysis/signature.js';
import type { LayerSignature, SeedSpread, Signature } from '../analysis/signature-types.js';
import { memoryVersusPrediction } from '../analysis/similarity.js';
import type { PreparedCorpus } from '../data/corpus.js';
import type { TrainConfig } from '../train/train-char-lm.js';
import { type ExperimentContext, modelWithSignature } from './context.js';

/** One seed's model and what the figures judge of it. */
export interface SeedRecord {
  seed: number;
  /** The model's and its signature's name under models/ and signatures/. */
  name: string;
  evalPerplexity: number | null;
  marginalAccuracy: number[];
  marginalInterval: { low: number; high: number }[];
  chance: number[];
  meanAccuracy: number;
  /** Figure 1's second claim: Pearson r across symbols of mean recall over δ against next-symbol accuracy. */
  memoryVersusPrediction: { correlation: number };
}

export interface ModelSeeds {
  seeds: number[];
  perSeed: SeedRecord[];
  /** Per δ, the marginal accuracy's mean, sample sd and range over the seeds. */
  marginalSpread: SeedSpread[];
  meanAccuracySpread: SeedSpread;
}

/** The model seeds 1..K, the first the figure's own. */
export function modelSeedList(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i + 1);
}

/** The name of seed `seed` of the model `name` (seed 1 is the model itself). */
export function seedName(name: string, seed: number): string {
  return seed === 1 ? name : `${name}-seed${seed}`;
}

/** Trains (or finds) the K seeds of one model and their signatures, and summarizes them per δ. */
export async function modelSeeds(
  ctx: ExperimentContext,
  name: string,
  corpus: PreparedCorpus,
  train: TrainConfig,
  options: SignatureOptions,
  count: number,
): Promise<ModelSeeds> {
  const perSeed: SeedRecord[] = [];
  for (const seed of modelSeedList(count)) {
    const seedModel = seedName(name, seed);
    const { step, sig } = await modelWithSignature(ctx, seedModel, corpus, { ...train, seed }, options);
    perSeed.push(seedRecord(seed, seedModel, step.config.metrics.evalPerplexity ?? null, sig));
  }
  const deltas = perSeed[0]!.marginalAccuracy.length;
  return {
    seeds: perSeed.map((r) => r.seed),
    perSeed,
    marginalSpread: Array.from({ length: deltas }, (_, i) => seedSpread(perSeed.map((r) => r.marginalAccuracy[i]!))),
    meanAccuracySpread: seedSpread(perSeed.map((r) => r.meanAccuracy)),
  };
}

function seedRecord(seed: number, name: string, evalPerplexity: number | null, sig: Signature): SeedRecord {
  const layer: LayerSignature = sig.layers.find((l) => l.layer === 1)!;
  const marginal = layer.deltas.map((d) => d.accuracy);
  return {
    seed,
    name,
    evalPerplexity,
    marginalAccuracy: marginal,
    marginalInterval: layer.deltas.map((d) => d.accuracyInterval),
    chance: layer.deltas.map((d) => d.chanceAccuracy),
    meanAccuracy: marginal.reduce((a, b) => a + b, 0) / marginal.length,
    memoryVersusPrediction: { correlation: memoryVersusPrediction(sig, layer).correlation },
  };
}

/**
 * Two models' seeds compared on their mean marginal accuracy over δ, with the seed as the unit: the difference of
 * the means (a − b) and Welch's two-sided p-value.
 */
export function compareSeedGroups(a: ModelSeeds, b: ModelSeeds): { difference: number; pValue: number } {
  const xa = a.perSeed.map((r) => r.meanAccuracy);
  const xb = b.perSeed.map((r) => r.meanAccuracy);
  return { difference: a.meanAccuracySpread.mean - b.meanAccuracySpread.mean, pValue: welchPValue(xa, xb) };
}

/** Where two seed groups' mean marginal accuracies differ most, and the most the seeds of either model spread. */
export interface SeedGroupGap {
  /** The δ (1-based) of the largest |a − b| of the per-δ means. */
  delta: number;
  /** a − b at that δ. */
  difference: number;
  /** The largest sample sd over seeds, of either group, at any δ. */
  largestSeedSd: number;
}

/** The per-δ comparison behind a difference of group means: its largest gap, set against the seeds' own spread. */
export function largestSeedGroupGap(
  a: Pick<ModelSeeds, 'marginalSpread'>,
  b: Pick<ModelSeeds, 'marginalSpread'>,
): SeedGroupGap {
  const deltas = Math.min(a.marginalSpread.length, b.marginalSpread.length);
  if (deltas === 0) throw new RangeError('largestSeedGroupGap: no δ');
  let best = 0;
  let largestSeedSd = 0;
  for (let i = 0; i < deltas; i++) {
    const gap = a.marginalSpread[i]!.mean - b.marginalSpread[i]!.mean;
    const bestGap = a.marginalSpread[best]!.mean - b.marginalSpread[best]!.mean;
    if (Math.abs(gap) > Math.abs(bestGap)) best = i;
    largestSeedSd = Math.max(largestSeedSd, a.marginalSpread[i]!.sd, b.marginalSpread[i]!.sd);
  }
  return {
    delta: best + 1,
    difference: a.marginalSpread[best]!.mean - b.marginalSpread[best]!.mean,
    largestSeedSd,
  };
}
