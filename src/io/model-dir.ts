// A model directory: DIR/config.json (validated against docs/model-config.schema.json) beside DIR/model.safetensors
// (the PyTorch state_dict of embed → rnn → proj, see src/models/char-lm-params.ts). Loading checks that the weights
// are exactly the parameters the config describes, so a mismatched pair fails here with a clear message instead
// of producing garbage later.

import { createHash } from 'node:crypto';
import fsp from 'node:fs/promises';
import { join } from 'node:path';
import type { LasModelConfig } from '../asr/las-model-config.js';
import { UserError } from '../core/errors.js';
import { charLmParamShapes } from '../models/char-lm-params.js';
import { type CharLmConfig, CORPUS_LAMBDA } from '../models/config.js';
import { factorizedLmParamShapes } from '../models/factorized-lm.js';
import { lasParamShapes } from '../models/las-config.js';
import { ensureDir, writeFileAtomic, writeJsonAtomic } from './atomic.js';
import { fsError } from './fs-errors.js';
import { validateLasModelConfig, validateModelConfig } from './model-config.js';
import { readFileBytes, readJsonFile } from './read-file.js';
import { parseSafetensors, serializeSafetensors } from './safetensors.js';
import { toFloat32 } from './tensor-convert.js';
import { elementCount, type NamedTensor } from './tensor-dtypes.js';

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';

export interface ParamTensor {
  shape: number[];
  data: Float32Array;
}

export interface LoadedModel {
  config: CharLmConfig;
  /** Every parameter, in charLmParamShapes order. */
  params: Map<string, ParamTensor>;
  /** SHA-256 of the model.safetensors bytes, hex: identifies the exact weights. */
  weightsSha256: string;
}

/** The tensors `config` implies: the parameters, and a fixed λ where there is one. */
export function expectedParamShapes(config: CharLmConfig): Map<string, number[]> {
  const { cell, layers, units, embed } = config;
  const vocab = config.normalization.alphabet.length;
  if (config.kind !== 'factorized-lstm') return charLmParamShapes({ cell, layers, units, embed, vocab });
  const shapes = factorizedLmParamShapes({ layers, units, embed, vocab });
  // A fixed λ is stored with the weights (not trained; see CORPUS_LAMBDA).
  if (config.lambda === 'corpus') shapes.set(CORPUS_LAMBDA, [vocab * vocab]);
  return shapes;
}

function showShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

// The first difference between the tensors found and those expected, as a message, or undefined if they match.
function paramMismatch(
  found: ReadonlyMap<string, { shape: readonly number[] }>,
  expected: ReadonlyMap<string, number[]>,
  configName: string,
): string | undefined {
  for (const [name, shape] of expected) {
    const t = found.get(name);
    if (!t) return `missing tensor '${name}' (shape ${showShape(shape)}), which ${configName} requires`;
    if (!sameShape(t.shape, shape)) {
      return `tensor '${name}' has shape ${showShape(t.shape)} but ${configName} requires ${showShape(shape)}`;
    }
  }
  for (const name of found.keys()) {
    if (!expected.has(name)) return `unexpected tensor '${name}': not a parameter of the model ${configName} describes`;
  }
  return undefined;
}

/**
 * Writes DIR/model.safetensors then DIR/config.json, each atomically, creating DIR as needed; returns the weights'
 * SHA-256. config.json goes last so that a new directory with a config always has its weights. (Overwriting a
 * model, a crash between the two writes can pair the new weights with the old config; loading catches that when
 * the shapes differ.)
 */
export async function saveModelDir(
  dir: string,
  config: CharLmConfig,
  params: ReadonlyMap<string, ParamTensor>,
): Promise<{ weightsSha256: string }> {
  // Refuse to write what loadModelDir would reject. A bad config is reported like a bad config.json; mismatched
  // params can only come from a bug in the caller, hence plain Errors.
  validateModelConfig(config, join(dir, CONFIG_FILE));
  return writeModelDir(dir, config, params, expectedParamShapes(config));
}

async function writeModelDir(
  dir: string,
  config: CharLmConfig | LasModelConfig,
  params: ReadonlyMap<string, ParamTensor>,
  expected: ReadonlyMap<string, number[]>,
): Promise<{ weightsSha256: string }> {
  const problem = paramMismatch(params, expected, 'the config');
  if (problem) throw new Error(`saveModelDir(${dir}): ${problem}`);
  const tensors = new Map<string, NamedTensor>();
  for (const [name, p] of params) {
    if (!(p.data instanceof Float32Array) || p.data.length !== elementCount(p.shape)) {
      throw new Error(
        `saveModelDir(${dir}): tensor '${name}' needs a Float32Array of ${elementCount(p.shape)} elements (shape ${showShape(p.shape)})`,
      );
    }
    tensors.set(name, { dtype: 'F32', shape: p.shape, data: p.data });
  }
  const bytes = serializeSafetensors(tensors, { format: 'pt' });
  await ensureDir(dir);
  await writeFileAtomic(join(dir, WEIGHTS_FILE), bytes);
  await writeJsonAtomic(join(dir, CONFIG_FILE), config);
  return { weightsSha256: sha256Hex(bytes) };
}

/** Reads and checks a model directory; every problem is a one-line UserError naming the directory or file. */
export async function loadModelDir(dir: string): Promise<LoadedModel> {
  await checkIsDirectory(dir);
  const configPath = join(dir, CONFIG_FILE);
  const weightsPath = join(dir, WEIGHTS_FILE);
  const config = validateModelConfig(await readPart(configPath, readJsonFile), configPath);
  const bytes = await readPart(weightsPath, readFileBytes);
  const { tensors } = parseSafetensors(bytes, weightsPath);

  const expected = expectedParamShapes(config);
  const describes = `${CONFIG_FILE} (${config.layers}-layer ${config.kind === 'factorized-lstm' ? 'factorized lstm' : config.cell}, ${config.units} units, embed ${config.embed}, ${config.normalization.alphabet.length} symbols)`;
  const problem = paramMismatch(tensors, expected, describes);
  if (problem) throw new UserError(`${weightsPath}: ${problem}`);

  const params = new Map<string, ParamTensor>();
  for (const [name, shape] of expected) {
    const data = toFloat32(tensors.get(name)!, `${weightsPath}: tensor '${name}'`);
    params.set(name, { shape, data });
  }
  return { config, params, weightsSha256: sha256Hex(bytes) };
}

export interface LoadedLasModelDir {
  config: LasModelConfig;
  /** Every parameter, in lasParamShapes order. */
  params: Map<string, ParamTensor>;
  weightsSha256: string;
}

/** Writes a LAS model directory (config.json "kind": "las" + model.safetensors), as saveModelDir does. */
export async function saveLasModelDir(
  dir: string,
  config: LasModelConfig,
  params: ReadonlyMap<string, ParamTensor>,
): Promise<{ weightsSha256: string }> {
  validateLasModelConfig(config, join(dir, CONFIG_FILE));
  return writeModelDir(dir, config, params, lasParamShapes(config.las));
}

/** Reads and checks a LAS model directory; every problem is a one-line UserError. */
export async function loadLasModelDir(dir: string): Promise<LoadedLasModelDir> {
  await checkIsDirectory(dir);
  const configPath = join(dir, CONFIG_FILE);
  const weightsPath = join(dir, WEIGHTS_FILE);
  const config = validateLasModelConfig(await readPart(configPath, readJsonFile), configPath);
  const bytes = await readPart(weightsPath, readFileBytes);
  const { tensors } = parseSafetensors(bytes, weightsPath);
  const expected = lasParamShapes(config.las);
  const l = config.las;
  const describes = `${CONFIG_FILE} (LAS: ${l.listenerLayers} × ${l.listenerUnits} listener, ${l.spellerLayers} × ${l.spellerUnits} speller, ${l.alphabet} graphemes${l.ctcWeight > 0 ? ', CTC head' : ''})`;
  const problem = paramMismatch(tensors, expected, describes);
  if (problem) throw new UserError(`${weightsPath}: ${problem}`);
  const params = new Map<string, ParamTensor>();
  for (const [name, shape] of expected) {
    params.set(name, { shape, data: toFloat32(tensors.get(name)!, `${weightsPath}: tensor '${name}'`) });
  }
  return { config, params, weightsSha256: sha256Hex(bytes) };
}

// Reads one of the two files, saying plainly when it is missing.
async function readPart<T>(path: string, read: (path: string) => Promise<T>): Promise<T> {
  try {
    return await read(path);
  } catch (err) {
    const cause = (err as Error).cause as NodeJS.ErrnoException | undefined;
    if (cause?.code === 'ENOENT') {
      throw new UserError(`${path}: missing (a model directory holds ${CONFIG_FILE} and ${WEIGHTS_FILE})`);
    }
    throw err;
  }
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function checkIsDirectory(dir: string): Promise<void> {
  let isDirectory: boolean;
  try {
    isDirectory = (await fsp.stat(dir)).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UserError(`${dir}: model directory not found`);
    }
    throw fsError(err, 'read model directory', dir);
  }
  if (!isDirectory) {
    throw new UserError(
      `${dir}: not a model directory (expected a directory holding ${CONFIG_FILE} and ${WEIGHTS_FILE})`,
    );
  }
}
