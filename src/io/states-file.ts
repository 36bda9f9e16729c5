// A states file (`memsig signature --states`): the recurrent states of a model computed elsewhere, per position in
// reading order, with the input symbol and the segment of each position. A safetensors file, or a folder of .npy
// files, holding
//   c.0, c.1, … and/or h.0, h.1, …   float [N, D_l]   the state of layer l at each position (c: an LSTM's memory cell,
//                                                      h: a layer's output); layers may differ in size
//   symbols                           int [N]          the input symbol id at each position
//   segments                          int [N]          the segment of each position (the state is reset at each start)
// and metadata: `alphabet` (a JSON list or {symbol: id} map), optional `parameters` (per layer, the parameter count
// the decoders are sized by), `model` (a label) and `cell`. In a safetensors file the metadata is its __metadata__
// (JSON text values); in a folder, metadata.json (JSON values). Only the headers are read here: the arrays stay in
// the file (stored-array.ts reads what is needed).

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fsp from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { StateKind } from '../analysis/signature-types.js';
import { UserError } from '../core/errors.js';
import { fsError } from './fs-errors.js';
import { NPY_HEADER_PROBE_BYTES, parseNpyHeader } from './npy-header.js';
import { readJsonFile } from './read-file.js';
import { readSafetensorsHeader } from './safetensors.js';
import { FLOAT_DTYPES, INTEGER_DTYPES, type StoredArray } from './stored-array.js';

export interface StatesFile {
  /** The path given (a .safetensors file or a folder of .npy files). */
  path: string;
  format: 'safetensors' | 'npy';
  /** The layers' state arrays of each kind, in layer order (empty where the file has none of that kind). */
  layers: Record<StateKind, StoredArray[]>;
  symbols: StoredArray;
  segments: StoredArray;
  /** Positions (N). */
  positions: number;
  /** Metadata values, parsed (safetensors metadata is JSON text; a plain string that is not JSON stays a string). */
  metadata: Record<string, unknown>;
  /** The files whose bytes make up the states (for the digest). */
  files: string[];
}

const LAYER_NAME = /^([ch])\.(\d+)$/;

/** Opens a states file or folder: checks names, shapes and types; reads no array. */
export async function openStatesFile(path: string): Promise<StatesFile> {
  let stat: Awaited<ReturnType<typeof fsp.stat>>;
  try {
    stat = await fsp.stat(path);
  } catch (err) {
    throw fsError(err, 'read', path);
  }
  const opened = stat.isDirectory() ? await openNpyFolder(path) : await openSafetensors(path);
  return checkArrays(path, opened.format, opened.arrays, opened.metadata, opened.files);
}

/**
 * sha256 (hex) of a states file's bytes; for a folder, of the lines "<sha256 of file>  <file name>\n" of its files
 * in name order (as sha256sum prints them).
 */
export async function sha256OfStates(states: StatesFile): Promise<string> {
  if (states.format === 'safetensors') return sha256OfFile(states.files[0]!);
  const lines: string[] = [];
  for (const file of [...states.files].sort()) lines.push(`${await sha256OfFile(file)}  ${basename(file)}\n`);
  return createHash('sha256').update(lines.join('')).digest('hex');
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 4 * 2 ** 20 })) hash.update(chunk as Buffer);
  } catch (err) {
    throw fsError(err, 'read', path);
  }
  return hash.digest('hex');
}

interface OpenedArrays {
  format: StatesFile['format'];
  arrays: Map<string, StoredArray>;
  metadata: Record<string, unknown>;
  files: string[];
}

async function openSafetensors(path: string): Promise<OpenedArrays> {
  const { entries, metadata, dataStart } = await readSafetensorsHeader(
    path,
    '; a states file is .safetensors or a folder of .npy files',
  );
  const arrays = new Map<string, StoredArray>();
  for (const e of entries) {
    arrays.set(e.name, {
      path,
      label: `${path}: tensor '${e.name}'`,
      dtype: e.dtype,
      shape: e.shape,
      offset: dataStart + e.begin,
    });
  }
  const parsed: Record<string, unknown> = {};
  for (const [key, text] of Object.entries(metadata)) parsed[key] = parseJsonOrString(text);
  return { format: 'safetensors', arrays, metadata: parsed, files: [path] };
}

async function openNpyFolder(folder: string): Promise<OpenedArrays> {
  let names: string[];
  try {
    names = (await fsp.readdir(folder)).sort();
  } catch (err) {
    throw fsError(err, 'read', folder);
  }
  const arrays = new Map<string, StoredArray>();
  const files: string[] = [];
  for (const name of names.filter((n) => n.endsWith('.npy'))) {
    const path = join(folder, name);
    const probe = await readStart(path, NPY_HEADER_PROBE_BYTES);
    const header = parseNpyHeader(probe, path);
    arrays.set(name.slice(0, -'.npy'.length), {
      path,
      label: path,
      dtype: header.dtype,
      shape: header.shape,
      offset: header.dataOffset,
    });
    files.push(path);
  }
  let metadata: Record<string, unknown> = {};
  if (names.includes('metadata.json')) {
    const path = join(folder, 'metadata.json');
    const value = await readJsonFile(path);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new UserError(`${path}: metadata is a JSON object ({"alphabet": [...], ...})`);
    }
    metadata = value as Record<string, unknown>;
    files.push(path);
  }
  return { format: 'npy', arrays, metadata, files };
}

async function readStart(path: string, bytes: number): Promise<Uint8Array> {
  const fh = await fsp.open(path, 'r').catch((err) => {
    throw fsError(err, 'read', path);
  });
  try {
    const out = new Uint8Array(bytes);
    const { bytesRead } = await fh.read(out, 0, bytes, 0);
    return out.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function parseJsonOrString(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function checkArrays(
  path: string,
  format: StatesFile['format'],
  arrays: Map<string, StoredArray>,
  metadata: Record<string, unknown>,
  files: string[],
): StatesFile {
  const fail = (message: string) => new UserError(`${path}: ${message}`);
  const need = (name: string): StoredArray => {
    const a = arrays.get(name);
    if (!a) throw fail(`no '${name}' array (${describeExpected(format)})`);
    return a;
  };
  const symbols = need('symbols');
  const segments = need('segments');
  for (const a of [symbols, segments]) {
    if (a.shape.length !== 1 || !INTEGER_DTYPES.includes(a.dtype)) {
      throw new UserError(`${a.label}: must be a 1-D integer array [N] (got ${a.dtype} [${a.shape.join(', ')}])`);
    }
  }
  const N = symbols.shape[0]!;
  if (segments.shape[0] !== N) {
    throw fail(`'symbols' has ${N} positions but 'segments' has ${segments.shape[0]}: one of each per position`);
  }
  if (N === 0) throw fail('holds no positions');
  const found: Record<StateKind, Map<number, StoredArray>> = { c: new Map(), h: new Map() };
  for (const [name, a] of arrays) {
    const m = LAYER_NAME.exec(name);
    if (!m) continue;
    if (a.shape.length !== 2 || !FLOAT_DTYPES.includes(a.dtype)) {
      throw new UserError(
        `${a.label}: states must be a 2-D float array [N, D] (got ${a.dtype} [${a.shape.join(', ')}])`,
      );
    }
    if (a.shape[0] !== N) throw new UserError(`${a.label}: has ${a.shape[0]} positions; 'symbols' has ${N}`);
    if (a.shape[1] === 0) throw new UserError(`${a.label}: a state of size 0`);
    found[m[1] as StateKind].set(Number(m[2]), a);
  }
  const layers = {} as Record<StateKind, StoredArray[]>;
  for (const kind of ['c', 'h'] as const) {
    const byLayer = found[kind];
    layers[kind] = [];
    for (let l = 0; l < byLayer.size; l++) {
      const a = byLayer.get(l);
      if (!a) throw fail(`'${kind}' layers must be numbered 0, 1, … without gaps (${kind}.${l} is missing)`);
      layers[kind].push(a);
    }
  }
  if (layers.c.length === 0 && layers.h.length === 0) {
    throw fail(`holds no states (${describeExpected(format)}; found ${[...arrays.keys()].join(', ') || 'nothing'})`);
  }
  return { path, format, layers, symbols, segments, positions: N, metadata, files };
}

function describeExpected(format: StatesFile['format']): string {
  const arrays = "c.0, c.1, … or h.0, h.1, … [N, D] float, 'symbols' [N] and 'segments' [N] int";
  return format === 'safetensors' ? `expected tensors ${arrays}` : `expected files ${arrays}, each NAME.npy`;
}
