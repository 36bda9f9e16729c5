// The resume file of a signature (`memsig signature`, the experiments): OUT.partial.json holds the layers finished so far, with a sha256 of
// everything that determines the result ("inputs"), so that --resume only ever reuses layers of the very same run.
//
//   { "format": "memsig-signature-partial", "version": 1, "inputs": "<sha256 hex>", "layers": [LayerSignature, ...] }

import { createHash } from 'node:crypto';
import fsp from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SignatureOptions } from '../analysis/signature.js';
import type { LayerSignature } from '../analysis/signature-types.js';
import { UserError } from '../core/errors.js';
import type { CorpusRecord } from '../models/config.js';
import { ensureDir, writeJsonAtomic } from './atomic.js';
import { fsError } from './fs-errors.js';
import { readJsonFileIfPresent } from './read-file.js';

export const PARTIAL_FORMAT = 'memsig-signature-partial';
export const PARTIAL_VERSION = 1;

export interface PartialSignature {
  format: typeof PARTIAL_FORMAT;
  version: typeof PARTIAL_VERSION;
  inputs: string;
  layers: LayerSignature[];
}

export function partialPath(out: string): string {
  return `${out}.partial.json`;
}

/** The folder where the decoders of an unfinished layer keep their checkpoints (io/decoder-checkpoint-files.ts). */
export function decoderCheckpointDir(out: string): string {
  return `${out}.partial.decoders`;
}

/** What determines a signature, bit for bit. */
export interface SignatureInputs {
  weightsSha256: string;
  corpus: Pick<CorpusRecord, 'sha256' | 'segmentation' | 'split' | 'maxChars'>;
  options: SignatureOptions;
  /** The GEMM backend that computes (backends may differ in the last bits). */
  backend: string;
  /** memsig's version, recorded in the signature. */
  generator: string;
  /** The part of a factorized kernel analysed (absent for other models: their digests stay as they were). */
  kernel?: unknown;
  /** Seeds per decoder (--decoder-seeds), absent for one: a resumed run keeps only layers of the same count. */
  decoderSeeds?: number;
  /** --capacity-sweep and --mdl, absent when off (so that earlier digests stay): layers carry their results. */
  capacitySweep?: boolean;
  onlineCode?: boolean;
}

/** sha256 (hex) of the canonical JSON of `inputs`: object keys sorted at every level, no spaces. */
export function inputsDigest(inputs: SignatureInputs): string {
  const { corpus } = inputs;
  const value = {
    ...inputs,
    corpus: {
      sha256: corpus.sha256,
      segmentation: corpus.segmentation,
      split: corpus.split,
      maxChars: corpus.maxChars,
    },
  };
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`canonicalJson: ${value}`);
  return JSON.stringify(value);
}

export async function writePartial(path: string, inputs: string, layers: readonly LayerSignature[]): Promise<void> {
  const partial: PartialSignature = { format: PARTIAL_FORMAT, version: PARTIAL_VERSION, inputs, layers: [...layers] };
  await writeJsonAtomic(path, partial);
}

/**
 * The finished layers of the interrupted run in `path`, which must have been made with the same inputs, or null
 * when there is no such file (the run was stopped before its first layer was done); every problem is a one-line
 * UserError. (The layers are checked in full when the finished signature is written.)
 */
export async function readPartial(path: string, inputs: string): Promise<LayerSignature[] | null> {
  const value = await readJsonFileIfPresent(path);
  if (value === undefined) return null;
  const p = value as Partial<PartialSignature> | null;
  if (typeof p !== 'object' || p === null || p.format !== PARTIAL_FORMAT) {
    throw new UserError(`${path}: not a memsig partial signature`);
  }
  if (p.version !== PARTIAL_VERSION) {
    throw new UserError(`${path}: partial signature version ${String(p.version)} is not supported`);
  }
  if (typeof p.inputs !== 'string' || !Array.isArray(p.layers)) {
    throw new UserError(`${path}: a partial signature needs "inputs" and "layers"`);
  }
  if (p.inputs !== inputs) {
    throw new UserError(
      `${path} was made with another model, corpus or settings; resume with the same flags, or leave out --resume to start over`,
    );
  }
  for (const [i, layer] of p.layers.entries()) {
    const l = layer as Partial<LayerSignature> | null;
    if (typeof l !== 'object' || l === null || !Number.isInteger(l.layer) || !Array.isArray(l.deltas)) {
      throw new UserError(`${path}: /layers/${i} is not a layer signature`);
    }
  }
  return p.layers;
}

/** Removes the partial file; fine when it is not there. */
export async function removePartial(path: string): Promise<void> {
  try {
    await fsp.rm(path, { force: true });
  } catch (err) {
    throw fsError(err, 'remove', path);
  }
}

/**
 * Keeps OUT.partial.json up to date with the finished layers. Layers arrive in a synchronous progress callback, so
 * the writes are chained; settled() waits for them and rethrows the first failure.
 */
export function partialKeeper(path: string, inputs: string, completed: readonly LayerSignature[]) {
  const finished = [...completed];
  let chain: Promise<void> = Promise.resolve();
  let failure: unknown;
  return {
    add(layer: LayerSignature): void {
      finished.push(layer);
      const snapshot = [...finished].sort((a, b) => a.layer - b.layer);
      chain = chain
        .then(async () => {
          await ensureDir(dirname(path));
          await writePartial(path, inputs, snapshot);
        })
        .catch((err: unknown) => {
          failure ??= err;
        });
    },
    layers: (): readonly LayerSignature[] => finished,
    async settled(): Promise<void> {
      await chain;
      if (failure !== undefined) throw failure;
    },
  };
}
