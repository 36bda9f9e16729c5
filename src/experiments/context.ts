// What every experiment step shares: where results go, how to compute, how to report, and the cached steps
// (a trained model, a signature) that make a long experiment resumable: a finished step is found and reused.

import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type AnalysableModel, charLmAnalysable } from '../analysis/analysable-model.js';
import { DecoderEta, decoderWorkPlan } from '../analysis/decoder-eta.js';
import { decoderPoolRunner } from '../analysis/decoder-pool.js';
import { memorySignature, type SignatureOptions } from '../analysis/signature.js';
import type { Signature, SignatureModel } from '../analysis/signature-types.js';
import type { BackendName } from '../backends/index.js';
import { createGemm } from '../backends/index.js';
import { formatDuration } from '../cli/format.js';
import { UserError } from '../core/errors.js';
import type { Gemm } from '../core/gemm.js';
import type { PreparedCorpus } from '../data/corpus.js';
import { ensureDir, writeJsonAtomic } from '../io/atomic.js';
import { layerCheckpoints } from '../io/decoder-checkpoint-files.js';
import { charLmShape, loadModel } from '../io/load-model.js';
import { validateModelConfig } from '../io/model-config.js';
import { CONFIG_FILE, saveModelDir, WEIGHTS_FILE } from '../io/model-dir.js';
import { readSafetensors, toFloat32 } from '../io/safetensors.js';
import { readSignature, writeSignature } from '../io/signature-file.js';
import {
  decoderCheckpointDir,
  partialKeeper,
  partialPath,
  readPartial,
  removePartial,
} from '../io/signature-partial.js';
import { shardFileStore, staleShardFoldersLine } from '../io/state-shard-files.js';
import { readTrainCheckpoint, writeTrainCheckpoint } from '../io/train-checkpoint.js';
import { CharLm, type Tensor } from '../models/char-lm.js';
import type { CharLmConfig } from '../models/config.js';
import { FactorizedLm, factorizedLmParamShapes } from '../models/factorized-lm.js';
import { type AnyLm, savedTensorsOf, type TrainableLm } from '../models/language-model.js';
import { evaluateLm, lmPredictor } from '../train/evaluate.js';
import { buildModelConfig, buildUntrainedRecordConfig } from '../train/model-config.js';
import { ParallelStepRunner } from '../train/parallel-step-runner.js';
import { type TrainConfig, trainCharLm } from '../train/train-char-lm.js';
import {
  copyFolder,
  digestOf,
  findSiblingModel,
  findSiblingSignature,
  MODEL_RECIPE_FILE,
  markReused,
  modelRecipe,
  readRecipe,
  signatureRecipePath,
  writeRecipe,
} from './reuse.js';

export interface ExperimentContext {
  /** This experiment's folder: models/, signatures/, figures, results.json. */
  dir: string;
  quick: boolean;
  backend: BackendName;
  threads: number;
  /** A line of progress for the person watching. */
  log: (line: string) => void;
  signal?: AbortSignal;
  /** Where Shakespeare lives (the complete works, .txt.gz). */
  shakespeare: string;
  generator: string;
  /** Figure 6's bigram bases, e.g. ['th', 'ha']; default the paper's (FIG6_BIGRAMS in figures.ts). */
  bases?: readonly string[];
  /** Figure 7: a speech corpus folder to use instead of synthesizing one, and a trained LAS to use (with it). */
  speechData?: string;
  lasModel?: string;
  /** Figures 1 and 2: train their models with this many seeds (1, the default: the figure's own model only). */
  modelSeeds?: number;
}

export interface TrainedModel<M extends AnyLm = CharLm> {
  model: M;
  config: CharLmConfig;
  weightsSha256: string;
  /** True when it was trained now, false when a finished one was found. */
  fresh: boolean;
}

/** A GEMM for work done in this thread alone (evaluations, state extraction). */
export function contextGemm(ctx: ExperimentContext): Gemm {
  return createGemm(ctx.backend, ctx.threads);
}

/** The log's line while a signature reads a partition's states (minutes on a large corpus, before any decoder). */
export function statesLine(name: string, p: { partition: string; done: number; total: number }): string {
  return `${name}: reading the ${p.partition} states: ${p.done}/${p.total} chunks`;
}

const yieldToHost = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The LSTM/GRU model ctx.dir/models/NAME: loaded if finished; otherwise trained (resuming its checkpoint if one is
 * there), evaluated on the corpus's eval partition and saved. `init` can start from other weights (fine-tuning).
 */
export async function ensureModel(
  ctx: ExperimentContext,
  name: string,
  corpus: PreparedCorpus,
  config: TrainConfig,
  init?: Map<string, Float32Array>,
): Promise<TrainedModel> {
  const trained = await ensureTrained(ctx, name, corpus, config, init);
  const { model } = trained;
  if (!(model instanceof CharLm)) throw new Error(`${name}: expected an LSTM/GRU model, found a factorized one`);
  return { ...trained, model };
}

/**
 * The factorized-kernel LM ctx.dir/models/NAME (config.cell factorized-lstm), as ensureModel. Weights saved before
 * configs were written get a config.json (training null).
 */
export async function ensureFactorizedModel(
  ctx: ExperimentContext,
  name: string,
  corpus: PreparedCorpus,
  config: TrainConfig,
): Promise<TrainedModel<FactorizedLm>> {
  const dir = join(ctx.dir, 'models', name);
  if (existsSync(join(dir, WEIGHTS_FILE)) && !existsSync(join(dir, CONFIG_FILE))) {
    const shape = { layers: config.layers, units: config.units, embed: config.embed, vocab: corpus.alphabet.size };
    const { tensors } = await readSafetensors(join(dir, WEIGHTS_FILE));
    const params = new Map<string, Tensor>();
    for (const [n, dims] of factorizedLmParamShapes(shape))
      params.set(n, { shape: dims, data: toFloat32(tensors.get(n)!) });
    const model = new FactorizedLm(shape, { kind: 'running' }, params);
    const perplexity = evaluateLm(
      lmPredictor(model),
      corpus.partitions.eval,
      corpus.alphabet.symbols,
      contextGemm(ctx),
    );
    const modelConfig = buildUntrainedRecordConfig(config, corpus, perplexity.perplexity);
    await writeJsonAtomic(join(dir, CONFIG_FILE), validateModelConfig(modelConfig, join(dir, CONFIG_FILE)));
  }
  const trained = await ensureTrained(ctx, name, corpus, config);
  const { model } = trained;
  if (!(model instanceof FactorizedLm)) throw new Error(`${name}: expected a factorized-kernel model`);
  return { ...trained, model };
}

/** Either kind of model ctx.dir/models/NAME, found (here or, by its recipe, in a sibling experiment) or trained. */
async function ensureTrained(
  ctx: ExperimentContext,
  name: string,
  corpus: PreparedCorpus,
  config: TrainConfig,
  init?: Map<string, Float32Array>,
): Promise<TrainedModel<AnyLm>> {
  const dir = join(ctx.dir, 'models', name);
  const recipe = modelRecipe(config, corpus, init);
  const recipePath = join(dir, MODEL_RECIPE_FILE);
  if (!existsSync(join(dir, CONFIG_FILE))) {
    const twin = await findSiblingModel(ctx.dir, recipe);
    if (twin) {
      await ensureDir(join(ctx.dir, 'models'));
      await copyFolder(twin, dir);
      await markReused(ctx.dir, dir, twin);
      ctx.log(`${name}: the same model was trained in ${twin}; reusing it`);
    }
  }
  if (existsSync(join(dir, CONFIG_FILE))) {
    // Models finished before recipes were kept get theirs now, so that other experiments can find them.
    if ((await readRecipe(recipePath)) === null) await writeRecipe(recipePath, recipe);
    const loaded = await loadModel(dir);
    ctx.log(`${name}: found (eval perplexity ${loaded.config.metrics.evalPerplexity?.toFixed(3)})`);
    return { model: loaded.model, config: loaded.config, weightsSha256: loaded.weightsSha256, fresh: false };
  }
  await ensureDir(dir);
  const checkpoint = join(dir, 'checkpoint.safetensors');
  const resumeFrom = existsSync(checkpoint) ? (await readTrainCheckpoint(checkpoint)).snapshot : undefined;
  const gemm = contextGemm(ctx);
  const shardGemm = createGemm(ctx.backend, 1);
  ctx.log(
    `${name}: training ${config.layers}×${config.units} ${config.cell}${resumeFrom ? ` from step ${resumeFrom.step}` : ''}`,
  );
  let lastLog = 0;
  const result = await trainCharLm(corpus, config, {
    gemm,
    resumeFrom,
    signal: ctx.signal,
    checkpointEvery: 500,
    yieldEachStep: yieldToHost,
    initialParams: init,
    createRunner:
      ctx.threads > 1
        ? (model, T, B, dropout) =>
            new ParallelStepRunner(model, T, B, dropout, {
              shards: ctx.threads,
              backend: ctx.backend,
              gemm: shardGemm,
            })
        : undefined,
    onSnapshot: (s) => writeTrainCheckpoint(checkpoint, s, config, corpus.record.sha256),
    onProgress: (p) => {
      const now = performance.now();
      if (p.epochRecord) {
        ctx.log(`${name}: epoch ${p.epochRecord.epoch}, dev perplexity ${p.epochRecord.devPerplexity.toFixed(3)}`);
      } else if (now - lastLog > 30_000) {
        lastLog = now;
        ctx.log(
          `${name}: step ${p.step}/${p.totalSteps}, loss ${p.loss.toFixed(3)}, ETA ${Math.round(p.etaSeconds)} s`,
        );
      }
    },
  });
  if (result.interrupted) throw ctx.signal?.reason ?? new Error('interrupted');
  const snap = result.snapshot;
  const model: TrainableLm<unknown> = result.model;
  const evaluation = evaluateLm(lmPredictor(model), corpus.partitions.eval, corpus.alphabet.symbols, gemm);
  const devPerplexity = Number.isFinite(snap.bestDevLoss) ? Math.exp(snap.bestDevLoss) : null;
  const modelConfig = buildModelConfig(config, corpus, snap, devPerplexity, evaluation.perplexity);
  const { weightsSha256 } = await saveModelDir(dir, modelConfig, savedTensorsOf(result.model));
  await writeRecipe(recipePath, recipe);
  await rm(checkpoint, { force: true });
  ctx.log(`${name}: eval perplexity ${evaluation.perplexity.toFixed(3)} after ${snap.step} steps`);
  return { model: result.model, config: modelConfig, weightsSha256, fresh: true };
}

/**
 * A model known by its description before its weights: a carried record (below) stands for a model whose weights
 * are not on disk, and `load` trains them (bit for bit the same) only when a signature of it is still to compute.
 */
export interface DeferredModel {
  describe(): SignatureModel;
  load(): Promise<AnalysableModel>;
}

/**
 * What `scripts/carry-experiments.sh save` keeps of a finished model in models/NAME/: its config, its recipe and
 * the sha256 of its weights, not the weights. A session that restores it finds the model's signatures without
 * retraining it (experiments-in-progress/README.md).
 */
export const CARRIED_MODEL_FILE = 'carried.json';

interface CarriedModel {
  recipe: string;
  weightsSha256: string;
  config: CharLmConfig;
}

async function readCarriedModel(dir: string): Promise<CarriedModel | null> {
  const path = join(dir, CARRIED_MODEL_FILE);
  if (!existsSync(path)) return null;
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new UserError(`${path}: not readable as JSON (${(err as Error).message})`);
  }
  const hex = /^[0-9a-f]{64}$/;
  if (
    typeof value !== 'object' ||
    value === null ||
    value.format !== 'memsig-carried-model' ||
    typeof value.recipe !== 'string' ||
    typeof value.weightsSha256 !== 'string' ||
    !hex.test(value.recipe) ||
    !hex.test(value.weightsSha256)
  ) {
    throw new UserError(`${path}: not a carried model record (format memsig-carried-model, recipe, weightsSha256)`);
  }
  const config = validateModelConfig(value.config, path);
  if (config.kind !== 'char-lm')
    throw new UserError(`${path}: a carried record of an LSTM/GRU language model expected`);
  return { recipe: value.recipe, weightsSha256: value.weightsSha256, config };
}

/** A language model step of an experiment: what its signatures need to know of it, and the model itself. */
export interface ModelStep {
  config: CharLmConfig;
  /** The model as a signature sees it: loaded, or deferred when only its carried record is on disk. */
  analysable: AnalysableModel | DeferredModel;
}

/**
 * The LSTM/GRU model ctx.dir/models/NAME as ensureModel makes it, except where only a carried record of it is on
 * disk with this run's recipe: then its training waits until a signature of it must be computed, and the
 * retrained weights must be the recorded ones.
 */
export async function modelStep(
  ctx: ExperimentContext,
  name: string,
  corpus: PreparedCorpus,
  train: TrainConfig,
): Promise<ModelStep> {
  const dir = join(ctx.dir, 'models', name);
  const carried = existsSync(join(dir, CONFIG_FILE)) ? null : await readCarriedModel(dir);
  if (carried && carried.recipe === modelRecipe(train, corpus)) {
    ctx.log(
      `${name}: carried record found (eval perplexity ${carried.config.metrics.evalPerplexity?.toFixed(3)}); trained only if a signature of it is still to compute`,
    );
    const gemm = contextGemm(ctx);
    let loading: Promise<AnalysableModel> | null = null;
    const load = async () => {
      const trained = await ensureModel(ctx, name, corpus, train);
      if (trained.weightsSha256 !== carried.weightsSha256) {
        throw new UserError(
          `${name}: retrained, its weights (sha256 ${trained.weightsSha256.slice(0, 12)}…) differ from the carried record's (${carried.weightsSha256.slice(0, 12)}…); delete ${join(dir, CARRIED_MODEL_FILE)} and the signatures made from it`,
        );
      }
      return charLmAnalysable(trained.model, gemm, trained.weightsSha256);
    };
    const described = charLmAnalysable(new CharLm(charLmShape(carried.config)), gemm, carried.weightsSha256);
    return {
      config: carried.config,
      analysable: {
        describe: () => described.describe(),
        load: () => {
          loading ??= load();
          return loading;
        },
      },
    };
  }
  const trained = await ensureModel(ctx, name, corpus, train);
  return {
    config: trained.config,
    analysable: charLmAnalysable(trained.model, contextGemm(ctx), trained.weightsSha256),
  };
}

/** A language model step and its signature, each found if finished. */
export async function modelWithSignature(
  ctx: ExperimentContext,
  name: string,
  corpus: PreparedCorpus,
  train: TrainConfig,
  options: SignatureOptions,
): Promise<{ step: ModelStep; sig: Signature }> {
  const step = await modelStep(ctx, name, corpus, train);
  const sig = await ensureSignature(ctx, name, step.analysable, corpus, options);
  return { step, sig };
}

/** The signature ctx.dir/signatures/NAME.json: read if finished, otherwise computed and written. */
export async function ensureSignature(
  ctx: ExperimentContext,
  name: string,
  model: AnalysableModel | DeferredModel,
  corpus: PreparedCorpus,
  options: SignatureOptions,
): Promise<Signature> {
  const path = join(ctx.dir, 'signatures', `${name}.json`);
  const gemm = contextGemm(ctx);
  const inputs = experimentSignatureDigest(model, corpus, options, gemm.name, ctx.generator);
  const recipePath = signatureRecipePath(path);
  if (!existsSync(path)) {
    const twin = await findSiblingSignature(ctx.dir, inputs);
    if (twin) {
      await ensureDir(join(ctx.dir, 'signatures'));
      await writeSignature(path, await readSignature(twin));
      await markReused(ctx.dir, path, twin);
      ctx.log(`${name}: the same signature was computed in ${twin}; reusing it`);
    }
  }
  if (existsSync(path)) {
    const kept = await readRecipe(recipePath);
    if (kept === null) await writeRecipe(recipePath, inputs);
    // A finished signature is never thrown away silently, but a stale one is named: defaults change between
    // versions (the decoders' minibatch did), and a figure that mixes old and new signatures compares decoders.
    ctx.log(
      kept === null || kept === inputs
        ? `${name}: signature found`
        : `${name}: signature found, but made with other settings or inputs than this run's; kept (delete ${path} to recompute it)`,
    );
    return readSignature(path);
  }
  // Finished layers of an interrupted run are kept in NAME.json.partial.json and reused when every input matches.
  const partial = partialPath(path);
  const completed = (await readPartial(partial, inputs).catch(() => null)) ?? [];
  const checkpoints = layerCheckpoints(decoderCheckpointDir(path), inputs);
  const resumed = [
    ...(completed.length ? [`layers ${completed.map((l) => l.layer).join(', ')} kept from before`] : []),
    ...(checkpoints.any() ? ['the decoders go on from their last round'] : []),
  ];
  const analysable = 'load' in model ? await model.load() : model;
  ctx.log(
    `${name}: computing the signature (Δ = ${options.maxDelta})${resumed.length ? ` (${resumed.join('; ')})` : ''}`,
  );
  const keeper = partialKeeper(partial, inputs, completed);
  let lastLog = 0;
  // Each layer's time (its states and decoders) is logged with it: what plans the next long run.
  let layerStart = performance.now();
  const layersToRun = (options.layers?.length ?? analysable.layers) - completed.length;
  const eta = new DecoderEta(decoderWorkPlan(options.decoder, options.maxDelta, Math.max(1, layersToRun)));
  // Train states beyond the memory budget go to shard files in the system's temporary folder, removed at the end.
  const shardFiles = shardFileStore(undefined, (stale) => ctx.log(`${name}: ${staleShardFoldersLine(stale)}`));
  const run = memorySignature(analysable, corpus, options, {
    gemm,
    shardFiles,
    signal: ctx.signal,
    yieldToHost,
    generator: ctx.generator,
    completedLayers: completed,
    // The decoders of an unfinished layer go on from their last round when the experiment is run again.
    decoderCheckpoints: checkpoints.store,
    decoderRunner: decoderPoolRunner({ threads: ctx.threads, backend: ctx.backend }),
    onProgress: (p) => {
      const now = performance.now();
      if (p.phase === 'layer-done') {
        keeper.add(p.layer);
        checkpoints.layerDone(p.layer.layer);
        const acc = p.layer.deltas.map((d) => (100 * d.accuracy).toFixed(0)).join(' ');
        const minutes = ((now - layerStart) / 60_000).toFixed(1);
        layerStart = now;
        ctx.log(`${name}: layer ${p.layer.layer} done in ${minutes} min; accuracy by δ: ${acc} %`);
      } else if (p.phase === 'states') {
        if (p.done < p.total && now - lastLog <= 30_000) return;
        lastLog = now;
        ctx.log(statesLine(name, p));
      } else if (p.phase === 'decoders') {
        eta.record(p.layer, p.decoder, now);
        if (now - lastLog <= 30_000) return;
        lastLog = now;
        const d = p.decoder;
        const left = eta.secondsLeft(now);
        ctx.log(
          `${name}: layer ${p.layer}: keep ${d.keepProb}, epoch ${d.epoch}/${d.maxEpochs}, loss ${d.loss.toFixed(3)}` +
            (left === null ? '' : `, ETA ≤ ${formatDuration(left)}`),
        );
      }
    },
  });
  let sig: Signature;
  try {
    sig = await run;
  } catch (err) {
    // Stopped or failed: the layers finished so far reach the disk before the error goes on.
    await keeper.settled().catch(() => {});
    throw err;
  } finally {
    shardFiles.dispose();
  }
  await keeper.settled();
  await ensureDir(join(ctx.dir, 'signatures'));
  await writeSignature(path, sig);
  await writeRecipe(recipePath, inputs);
  await removePartial(partial);
  checkpoints.removeAll();
  return sig;
}

/** What determines an experiment's signature: the model (as it describes itself), corpus, options, backend. */
function experimentSignatureDigest(
  model: Pick<AnalysableModel, 'describe'>,
  corpus: PreparedCorpus,
  options: SignatureOptions,
  backend: string,
  generator: string,
): string {
  const r = corpus.record;
  return digestOf({
    model: model.describe(),
    corpus: { sha256: r.sha256, segmentation: r.segmentation, split: r.split, maxChars: r.maxChars },
    options,
    backend,
    generator,
  });
}

/** Writes ctx.dir/results.json (every number of the experiment). */
export async function writeResults(ctx: ExperimentContext, results: unknown): Promise<void> {
  await writeJsonAtomic(join(ctx.dir, 'results.json'), results);
}
