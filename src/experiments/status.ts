// What an experiment's folder holds, read while it runs or after it stopped (`memsig experiment NAME --status`): its
// models, its signatures (finished, or the layers finished so far and the one whose decoders are training), the
// speech it has synthesized, and the time spent. It reads the folder only, so steps not yet begun do not appear.

import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayerSignature } from '../analysis/signature-types.js';
import { ASR_CHECKPOINT_META_KEY } from '../io/las-checkpoint.js';
import { type LockHolder, lockHolder } from '../io/run-lock.js';
import { readSafetensorsMetadata } from '../io/safetensors.js';
import { TRAIN_CHECKPOINT_META_KEY } from '../io/train-checkpoint.js';
import { CARRIED_MODEL_FILE } from './context.js';
import { RUN_LOCK_FILE } from './runner.js';

export interface ModelStatus {
  name: string;
  /** trained: weights on disk; training: only its training checkpoint; carried: a record of it, no weights. */
  state: 'trained' | 'training' | 'carried';
  /** The model's eval score where its config records one. */
  evalPerplexity?: number;
  evalCer?: number;
  /** The step of the training checkpoint (state training). */
  step?: number;
  /** The experiment folder a reused model was copied from. */
  reusedFrom?: string;
}

export interface LayerRecall {
  /** "layer 3", or a speech probe's label ("listener layer 2"). */
  label: string;
  /** Mean marginal accuracy over δ = 1..Δ. */
  meanRecall: number;
}

export interface SignatureStatus {
  name: string;
  finished: boolean;
  /** The layers finished: every layer of a finished signature, those done so far of an unfinished one. */
  layers: LayerRecall[];
  /** The layer whose decoders have checkpoints (an unfinished signature), or null. */
  layerInTraining: number | null;
  reusedFrom?: string;
}

export interface CorpusStatus {
  /** A manifest is written once the whole corpus is made. */
  finished: boolean;
  utterances: number;
}

export interface ExperimentStatus {
  figure: string;
  dir: string;
  /** Nothing of it on disk. */
  empty: boolean;
  /** results.json: the experiment finished, in this many seconds of all its runs. */
  finishedSeconds: number | null;
  /** results.json says it was a --quick run (tiny sizes). */
  quick: boolean;
  /** Seconds spent so far (time.json), and how long ago a run last wrote it (it does every 30 s while running). */
  secondsSpent: number | null;
  secondsSinceWritten: number | null;
  /** The run holding the experiment's lock: one is going on. */
  runner: LockHolder | null;
  corpus: CorpusStatus | null;
  models: ModelStatus[];
  signatures: SignatureStatus[];
}

/** Reads the status of experiment `figure` in `dir` (DIR/figN). `now` is the clock in ms since the epoch. */
export async function readExperimentStatus(dir: string, figure: string, now = Date.now()): Promise<ExperimentStatus> {
  const status: ExperimentStatus = {
    figure,
    dir,
    empty: !existsSync(dir),
    finishedSeconds: null,
    quick: false,
    secondsSpent: null,
    secondsSinceWritten: null,
    runner: null,
    corpus: null,
    models: [],
    signatures: [],
  };
  if (status.empty) return status;
  const results = await readJson(join(dir, 'results.json'));
  if (results && typeof results.wallSeconds === 'number') status.finishedSeconds = results.wallSeconds;
  status.quick = results?.quick === true;
  const timePath = join(dir, 'time.json');
  const time = await readJson(timePath);
  if (time && typeof time.seconds === 'number') {
    status.secondsSpent = time.seconds;
    status.secondsSinceWritten = Math.max(0, (now - (await stat(timePath)).mtimeMs) / 1000);
  }
  status.runner = lockHolder(join(dir, RUN_LOCK_FILE), now);
  status.corpus = await corpusStatus(join(dir, 'corpus'));
  status.models = await modelStatuses(join(dir, 'models'));
  status.signatures = await signatureStatuses(join(dir, 'signatures'));
  status.empty = status.finishedSeconds === null && status.secondsSpent === null && status.models.length === 0;
  return status;
}

async function corpusStatus(dir: string): Promise<CorpusStatus | null> {
  if (!existsSync(dir)) return null;
  const manifest = join(dir, 'manifest.jsonl');
  if (existsSync(manifest)) {
    const lines = (await readFile(manifest, 'utf8')).split('\n').filter((l) => l.trim() !== '');
    return { finished: true, utterances: lines.length };
  }
  const wavs = existsSync(join(dir, 'wav')) ? await readdir(join(dir, 'wav')) : [];
  return { finished: false, utterances: wavs.filter((f) => f.endsWith('.wav')).length };
}

async function modelStatuses(dir: string): Promise<ModelStatus[]> {
  if (!existsSync(dir)) return [];
  const out: ModelStatus[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory()) continue;
    const name = entry.name;
    const modelDir = join(dir, name);
    const reusedFrom = await readReusedFrom(join(dir, `${name}.reused-from`));
    const config = await readJson(join(modelDir, 'config.json'));
    const weights = existsSync(join(modelDir, 'model.safetensors'));
    const checkpoint = join(modelDir, 'checkpoint.safetensors');
    let model: ModelStatus | null = null;
    // A speech recognizer keeps its training checkpoint when done (asr train --resume); its recipe marks it finished.
    const finished = config && weights && (!existsSync(checkpoint) || existsSync(join(modelDir, 'recipe.sha256')));
    if (finished) model = { name, state: 'trained', ...scores(config) };
    else if (existsSync(checkpoint)) model = { name, state: 'training', step: await checkpointStep(checkpoint) };
    else {
      const carried = await readJson(join(modelDir, CARRIED_MODEL_FILE));
      if (carried) model = { name, state: 'carried', ...scores(carried.config as Record<string, unknown> | undefined) };
    }
    if (model) out.push(reusedFrom ? { ...model, reusedFrom } : model);
  }
  return out;
}

function scores(config: Record<string, unknown> | null | undefined): Pick<ModelStatus, 'evalPerplexity' | 'evalCer'> {
  const metrics = (config?.metrics ?? {}) as Record<string, unknown>;
  return {
    ...(typeof metrics.evalPerplexity === 'number' ? { evalPerplexity: metrics.evalPerplexity } : {}),
    ...(typeof metrics.evalCer === 'number' ? { evalCer: metrics.evalCer } : {}),
  };
}

/** The step a training checkpoint was written at (a language model's or a speech recognizer's), from its header. */
async function checkpointStep(path: string): Promise<number | undefined> {
  try {
    const metadata = await readSafetensorsMetadata(path);
    for (const key of [TRAIN_CHECKPOINT_META_KEY, ASR_CHECKPOINT_META_KEY]) {
      if (metadata[key] === undefined) continue;
      const step = (JSON.parse(metadata[key]) as { step?: unknown }).step;
      return typeof step === 'number' ? step : undefined;
    }
  } catch {
    // Being written, or not a checkpoint: the status says "training" without a step.
  }
  return undefined;
}

async function signatureStatuses(dir: string): Promise<SignatureStatus[]> {
  if (!existsSync(dir)) return [];
  const files = await readdir(dir);
  const names = new Set<string>();
  for (const f of files) {
    const m = /^(.+?)\.json(?:\.partial\.json|\.partial\.decoders)?$/.exec(f);
    if (m) names.add(m[1]!);
  }
  const out: SignatureStatus[] = [];
  for (const name of [...names].sort()) {
    const reusedFrom = await readReusedFrom(join(dir, `${name}.reused-from`));
    const finished = await readJson(join(dir, `${name}.json`));
    const layers = (finished ?? (await readJson(join(dir, `${name}.json.partial.json`))))?.layers;
    const status: SignatureStatus = {
      name,
      finished: finished !== null,
      layers: Array.isArray(layers) ? (layers as LayerSignature[]).map(layerRecall) : [],
      layerInTraining: finished ? null : await layerInTraining(join(dir, `${name}.json.partial.decoders`)),
    };
    out.push(reusedFrom ? { ...status, reusedFrom } : status);
  }
  return out;
}

function layerRecall(layer: LayerSignature): LayerRecall {
  const deltas = layer.deltas ?? [];
  const meanRecall = deltas.length ? deltas.reduce((a, d) => a + d.accuracy, 0) / deltas.length : Number.NaN;
  return { label: layer.speech?.label ?? `layer ${layer.layer}`, meanRecall };
}

async function layerInTraining(dir: string): Promise<number | null> {
  if (!existsSync(dir)) return null;
  const layers = (await readdir(dir))
    .map((f) => /^layer(\d+)$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]));
  return layers.length ? Math.max(...layers) : null;
}

async function readReusedFrom(path: string): Promise<string | undefined> {
  if (!existsSync(path)) return undefined;
  return (await readFile(path, 'utf8')).trim() || undefined;
}

/** A JSON object from a file, or null where the file is missing or not a JSON object (e.g. being replaced). */
async function readJson(path: string): Promise<Record<string, unknown> | null> {
  if (!existsSync(path)) return null;
  try {
    const value = JSON.parse(await readFile(path, 'utf8')) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
