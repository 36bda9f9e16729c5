// --decoder-seeds K: a memory signature whose every decoder trains K times, with K seeds of its initial weights,
// dropout and the order its train shards are read in; the positions (and so the deal of the train states into
// shards) stay those of the signature's --seed. memorySignature runs as usual with the first seed; the other seeds
// train beside it on the very same data, and each layer is recorded as the mean and spread over its seeds
// (seed-spread.ts). Cost: K times the decoders' time; the states are read once.

import { Rng } from '../core/random.js';
import type { PreparedCorpus } from '../data/corpus.js';
import type { AnalysableModel } from './analysable-model.js';
import { assessConvergence } from './convergence.js';
import { type DecoderData, type DecoderOutcome, fitDecoders } from './decoders.js';
import { buildDeltaSignature } from './metrics.js';
import { samplePositions } from './positions.js';
import { combineSeedDeltas } from './seed-spread.js';
import { type DecoderRunner, memorySignature, type SignatureHooks, type SignatureOptions } from './signature.js';
import type { DeltaSignature, LayerSignature, Signature } from './signature-types.js';
import { describeTextBaseline, measureTextBaseline, type TextBaselineGuesses } from './text-baseline.js';

/**
 * Apart from the first, decoder seeds step by this much: memorySignature gives layer k the seed `seed + 1000·(k+1)`,
 * so the extra seeds of one layer never repeat another layer's (up to 99 layers).
 */
export const DECODER_SEED_STRIDE = 100_000;

/** The K seeds of a decoder whose single-seed run uses `seed`: that one first. */
export function decoderSeedList(seed: number, count: number): number[] {
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`decoder seeds must be ≥ 1 (got ${count})`);
  return Array.from({ length: count }, (_, j) => seed + j * DECODER_SEED_STRIDE);
}

export interface DecoderSeedHooks {
  /** Called as the decoders of a layer start training with seed `index` (0-based) of `count`. */
  onSeed?: (index: number, count: number, seed: number) => void;
}

/**
 * memorySignature with every decoder trained with `decoderSeeds` seeds (1: memorySignature itself, byte for byte).
 * Layer-done progress events and the result carry the combined layers; hooks.completedLayers (a resumed run) must
 * come from a run with the same seeds.
 */
export async function seededMemorySignature(
  model: AnalysableModel,
  corpus: PreparedCorpus,
  options: SignatureOptions,
  hooks: SignatureHooks,
  decoderSeeds: number,
  seedHooks: DecoderSeedHooks = {},
): Promise<Signature> {
  if (decoderSeeds === 1) return memorySignature(model, corpus, options, hooks);
  decoderSeedList(0, decoderSeeds); // checks the count before any work
  const alphabet = corpus.alphabet.symbols;
  const V = alphabet.length;
  const inner: DecoderRunner =
    hooks.decoderRunner ??
    (async (data, config, h) => fitDecoders(hooks.gemm, data, config, { ...h, readShardFile: hooks.shardFiles?.read }));

  // The other seeds' decoders of each layer, in the order memorySignature trains the layers (one at a time).
  const waiting: { seeds: number[]; deltas: DeltaSignature[][] }[] = [];
  let guesses: TextBaselineGuesses[] | null = null;
  const textGuesses = (data: DecoderData) => {
    guesses ??= textBaselineGuesses(corpus, options, data);
    return guesses;
  };

  const runner: DecoderRunner = async (data, config, h) => {
    const seeds = decoderSeedList(config.seed, decoderSeeds);
    seedHooks.onSeed?.(0, decoderSeeds, seeds[0]!);
    const first = await inner(data, config, h);
    const others: DeltaSignature[][] = [];
    for (let j = 1; j < seeds.length; j++) {
      seedHooks.onSeed?.(j, decoderSeeds, seeds[j]!);
      const outcomes = await inner(data, { ...config, seed: seeds[j]! }, h);
      others.push(seedDeltas(outcomes, data, options, alphabet, V, textGuesses));
    }
    waiting.push({ seeds, deltas: others });
    return first;
  };

  const combined = new Map<number, LayerSignature>();
  const signature = await memorySignature(model, corpus, options, {
    ...hooks,
    decoderRunner: runner,
    onProgress: (p) => {
      if (p.phase !== 'layer-done') {
        hooks.onProgress?.(p);
        return;
      }
      const next = waiting.shift();
      if (!next) throw new Error(`seededMemorySignature: layer ${p.layer.layer} finished without its other seeds`);
      const layer: LayerSignature = {
        ...p.layer,
        deltas: p.layer.deltas.map((d, i) =>
          combineSeedDeltas([d, ...next.deltas.map((seed) => seed[i]!)], next.seeds),
        ),
      };
      combined.set(layer.layer, layer);
      hooks.onProgress?.({ phase: 'layer-done', layer });
    },
  });
  return {
    ...signature,
    settings: { ...signature.settings, decoderSeeds },
    layers: signature.layers.map((l) => combined.get(l.layer) ?? l),
  };
}

/** One seed's decoders as memorySignature records them (its convergence verdict and text-only pairing included). */
function seedDeltas(
  outcomes: DecoderOutcome[],
  data: DecoderData,
  options: SignatureOptions,
  alphabet: readonly string[],
  V: number,
  textGuesses: (data: DecoderData) => TextBaselineGuesses[],
): DeltaSignature[] {
  const guesses = textGuesses(data);
  return outcomes.map((outcome, i) => ({
    ...buildDeltaSignature({
      delta: i + 1,
      alphabet,
      trainLabels: data.trainLabels[i]!,
      devLabels: data.devLabels[i]!,
      evalLabels: data.evalLabels[i]!,
      outcome,
    }),
    convergence: { ...assessConvergence(outcome.curve, options.convergenceTolerance), curve: outcome.curve },
    textBaseline: describeTextBaseline(guesses[i]!, data.evalLabels[i]!, outcome.evalPredictions, V),
  }));
}

/**
 * The text-only baseline's guesses on the signature's eval positions, drawn again as memorySignature draws them
 * (stream 3 of the --seed generator); checked against the labels the decoders were given, so that a change in how
 * memorySignature samples cannot pair the other seeds with the wrong positions unnoticed.
 */
function textBaselineGuesses(
  corpus: PreparedCorpus,
  options: SignatureOptions,
  data: DecoderData,
): TextBaselineGuesses[] {
  const positions = samplePositions(
    corpus.partitions.eval,
    options.evalPositions,
    options.maxDelta,
    new Rng(options.seed).fork(3),
  );
  const same =
    positions.labels.length === data.evalLabels.length &&
    positions.labels.every(
      (l, i) => l.length === data.evalLabels[i]!.length && l.every((s, r) => s === data.evalLabels[i]![r]),
    );
  if (!same) {
    throw new Error('seededMemorySignature: the eval positions drawn again differ from those the decoders were given');
  }
  return measureTextBaseline(corpus.partitions, positions, options.maxDelta, corpus.alphabet.symbols.length);
}
