// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian u64 header length N,
// N bytes of UTF-8 JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {string: string}},
// then the data buffer, which the tensors tile exactly (offsets are relative to its start).
// Files come from users, so every header field is checked before any offset is used to touch the data.

import fsp from 'node:fs/promises';
import { UserError } from '../core/errors.js';
import { writeFileAtomic } from './atomic.js';
import { fsError } from './fs-errors.js';
import { readFileBytes } from './read-file.js';
import {
  arrayNameFor,
  DTYPE_NAMES,
  type Dtype,
  dtypeRank,
  dtypeSize,
  elementCount,
  isArrayFor,
  isDtype,
  type NamedTensor,
  type TensorData,
  wrapBuffer,
} from './tensor-dtypes.js';

export { toBf16Bits, toF16Bits, toFloat32, toInt32 } from './tensor-convert.js';
export type { Dtype, DtypeArrays, NamedTensor, TensorData } from './tensor-dtypes.js';

export interface SafetensorsFile {
  tensors: Map<string, NamedTensor>;
  metadata: Record<string, string>;
}

/** Headers beyond this are refused as corrupt rather than decoded (the reference implementation's limit). */
export const MAX_HEADER_BYTES = 100_000_000;

const METADATA_KEY = '__metadata__';

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// Reverses each element's bytes in place: the file is little-endian whatever the host is.
function swapBytes(bytes: Uint8Array, size: number): void {
  if (HOST_LITTLE_ENDIAN || size === 1) return;
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
}

type Entry = SafetensorsEntry;

/** Parses a whole safetensors file. Every problem is a UserError starting with `label` (the file's name). */
export function parseSafetensors(bytes: Uint8Array, label: string): SafetensorsFile {
  const fail = (message: string) => new UserError(`${label}: ${message}`);
  if (bytes.length < 8) {
    throw fail(`not a safetensors file: ${bytes.length} bytes is too short to hold the 8-byte header length`);
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    throw fail(`not a safetensors file: header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const n = Number(headerLength);
  if (8 + n > bytes.length) {
    throw fail(`truncated: the header is ${n} bytes but only ${bytes.length - 8} bytes follow the length`);
  }
  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  const { entries, metadata } = parseSafetensorsHeader(bytes.subarray(8, 8 + n), dataLength, label);

  const tensors = new Map<string, NamedTensor>();
  for (const e of entries) {
    // A copy into a fresh buffer at offset 0, so the typed array is aligned whatever the file layout. (Not
    // bytes.slice(): on a Node Buffer, slice() returns a view.)
    const own = new Uint8Array(bytes.subarray(dataStart + e.begin, dataStart + e.end));
    swapBytes(own, dtypeSize(e.dtype));
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: wrapBuffer(e.dtype, own.buffer) } as NamedTensor);
  }
  return { tensors, metadata };
}

/** One tensor's place in a safetensors file: `begin`, `end` are byte offsets into the data buffer. */
export interface SafetensorsEntry {
  name: string;
  dtype: Dtype;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * The JSON header alone (the bytes after the 8-byte length), checked against a data buffer of `dataLength` bytes:
 * for reading tensors of a file too large to load whole with positioned reads.
 */
export function parseSafetensorsHeader(
  raw: Uint8Array,
  dataLength: number,
  label: string,
): { entries: SafetensorsEntry[]; metadata: Record<string, string> } {
  const fail = (message: string) => new UserError(`${label}: ${message}`);
  const header = decodeHeader(raw, fail);
  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === METADATA_KEY) metadata = checkMetadata(value, fail);
    else entries.push(checkEntry(name, value, dataLength, fail));
  }
  checkTiling(entries, dataLength, fail);
  return { entries, metadata };
}

function decodeHeader(raw: Uint8Array, fail: (m: string) => UserError): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(raw);
  } catch {
    throw fail('corrupt header: not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    throw fail(`corrupt header: not valid JSON (${(err as Error).message})`);
  }
  if (!isPlainObject(header)) throw fail('corrupt header: the JSON is not an object');
  return header;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function checkMetadata(value: unknown, fail: (m: string) => UserError): Record<string, string> {
  if (!isPlainObject(value)) throw fail(`corrupt header: "${METADATA_KEY}" must be an object of strings`);
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw fail(`corrupt header: metadata "${key}" must be a string`);
  }
  // fromEntries defines own properties, so even a key named "__proto__" stays plain data.
  return Object.fromEntries(Object.entries(value)) as Record<string, string>;
}

function checkEntry(name: string, value: unknown, dataLength: number, fail: (m: string) => UserError): Entry {
  const where = `tensor '${name}'`;
  if (!isPlainObject(value)) throw fail(`corrupt header: ${where} is not an object`);
  const { dtype, shape, data_offsets: offsets } = value;
  if (!isDtype(dtype)) {
    throw fail(`${where} has unsupported dtype ${JSON.stringify(dtype)} (supported: ${DTYPE_NAMES.join(', ')})`);
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw fail(`corrupt header: ${where} shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw fail(
      `corrupt header: ${where} data_offsets ${JSON.stringify(offsets)} is not a pair of non-negative integers`,
    );
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) throw fail(`corrupt header: ${where} data_offsets [${begin}, ${end}] begin after they end`);
  if (end > dataLength) {
    throw fail(`truncated: ${where} ends at byte ${end} but the file has ${dataLength} data bytes`);
  }
  const needed = elementCount(shape) * dtypeSize(dtype);
  if (!Number.isSafeInteger(needed) || end - begin !== needed) {
    throw fail(
      `corrupt header: ${where} has ${end - begin} data bytes but shape [${shape.join(', ')}] of ${dtype} ` +
        `needs ${needed}`,
    );
  }
  return { name, dtype, shape: [...shape], begin, end };
}

// The spec requires the tensors to cover the data buffer exactly: no overlaps, no holes, nothing after the last one.
function checkTiling(entries: Entry[], dataLength: number, fail: (m: string) => UserError): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let last: Entry | undefined;
  for (const e of sorted) {
    if (e.begin < covered && last) {
      throw fail(
        `corrupt header: tensors '${last.name}' (bytes ${last.begin}–${last.end}) and '${e.name}' ` +
          `(bytes ${e.begin}–${e.end}) overlap`,
      );
    }
    if (e.begin > covered) {
      throw fail(`corrupt header: data bytes ${covered}–${e.begin} belong to no tensor (before '${e.name}')`);
    }
    covered = e.end;
    last = e;
  }
  if (covered !== dataLength) {
    throw fail(`corrupt file: ${dataLength - covered} data bytes after the last tensor belong to no tensor`);
  }
}

// Names compare by UTF-8 bytes, as the reference implementation (Rust strings) does.
function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * A safetensors file's bytes. Deterministic and byte-identical to the reference implementation's output for the
 * same tensors (and at most one metadata key; more are written in sorted order): tensors in order of decreasing
 * dtype width then name, the data in that order, the header padded with spaces to a multiple of 8 bytes.
 * Each tensor's `data` must be the dtype's array type (Uint16Array bits for F16/BF16) with product(shape) elements.
 */
export function serializeSafetensors(
  tensors: Record<string, NamedTensor> | ReadonlyMap<string, NamedTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const { header, list, dataBytes } = safetensorsLayout(tensors, metadata);
  const out = new Uint8Array(header.length + dataBytes);
  out.set(header, 0);
  let at = header.length;
  for (const [, t] of list) {
    const target = out.subarray(at, at + t.data.byteLength);
    target.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    swapBytes(target, dtypeSize(t.dtype));
    at += t.data.byteLength;
  }
  return out;
}

/**
 * The layout serializeSafetensors writes: the header (its 8-byte length, the JSON, the padding) and the tensors in
 * the order their data follows it, so that a large file can be written tensor by tensor from the arrays themselves
 * (on a little-endian host, where the arrays' bytes are the file's).
 */
export function safetensorsLayout(
  tensors: Record<string, NamedTensor> | ReadonlyMap<string, NamedTensor>,
  metadata?: Record<string, string>,
): { header: Uint8Array; list: [string, NamedTensor][]; dataBytes: number; littleEndianHost: boolean } {
  const list = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  for (const [name, t] of list) checkTensorInput(name, t);
  list.sort(([an, a], [bn, b]) => dtypeRank(b.dtype) - dtypeRank(a.dtype) || compareNames(an, bn));

  // Built by hand, not with JSON.stringify(object): objects enumerate integer-like keys ("0", "1") first.
  const parts: string[] = [];
  const metaKeys = Object.keys(metadata ?? {}).sort(compareNames);
  if (metadata && metaKeys.length > 0) {
    for (const key of metaKeys) {
      if (typeof metadata[key] !== 'string') throw new TypeError(`safetensors metadata "${key}" must be a string`);
    }
    const fields = metaKeys.map((key) => `${JSON.stringify(key)}:${JSON.stringify(metadata[key])}`);
    parts.push(`${JSON.stringify(METADATA_KEY)}:{${fields.join(',')}}`);
  }
  let offset = 0;
  for (const [name, t] of list) {
    const begin = offset;
    offset += t.data.byteLength;
    const info = { dtype: t.dtype, shape: t.shape, data_offsets: [begin, offset] };
    parts.push(`${JSON.stringify(name)}:${JSON.stringify(info)}`);
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  const header = new Uint8Array(8 + headerLength);
  new DataView(header.buffer).setBigUint64(0, BigInt(headerLength), true);
  header.set(json, 8);
  header.fill(0x20, 8 + json.length);
  return { header, list, dataBytes: offset, littleEndianHost: HOST_LITTLE_ENDIAN };
}

// Writing is done by memsig's own code, so bad input is a programming error (TypeError), not a UserError.
function checkTensorInput(name: string, t: NamedTensor): void {
  if (name === METADATA_KEY) throw new TypeError(`"${METADATA_KEY}" cannot be used as a tensor name`);
  if (!isDtype(t.dtype)) throw new TypeError(`tensor '${name}': unsupported dtype ${JSON.stringify(t.dtype)}`);
  if (!Array.isArray(t.shape) || !t.shape.every(isCount)) {
    throw new TypeError(`tensor '${name}': shape ${JSON.stringify(t.shape)} is not a list of non-negative integers`);
  }
  if (!isArrayFor(t.dtype, t.data)) {
    throw new TypeError(`tensor '${name}': ${t.dtype} data must be a ${arrayNameFor(t.dtype)}`);
  }
  const data = t.data as TensorData;
  if (data.length !== elementCount(t.shape)) {
    throw new TypeError(
      `tensor '${name}': shape [${t.shape.join(', ')}] needs ${elementCount(t.shape)} elements, got ${data.length}`,
    );
  }
}

/** Reads and parses a safetensors file; every problem is a UserError naming `path`. */
export async function readSafetensors(path: string): Promise<SafetensorsFile> {
  return parseSafetensors(await readFileBytes(path), path);
}

/** A safetensors file's header alone, and the offset in the file where its data buffer starts. */
export interface SafetensorsHeader {
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
  dataStart: number;
}

/**
 * Reads only the header of a safetensors file (its tensors stay on disk: files too large to load whole, or a
 * checkpoint's metadata). Every problem is a UserError naming `path`; `hint` follows "not a safetensors file".
 */
export async function readSafetensorsHeader(path: string, hint = ''): Promise<SafetensorsHeader> {
  const notSafetensors = (why: string) => new UserError(`${path}: not a safetensors file (${why})${hint}`);
  const fh = await fsp.open(path, 'r').catch((err) => {
    throw fsError(err, 'read', path);
  });
  try {
    const size = (await fh.stat()).size;
    const head = new Uint8Array(8);
    if (size < 8 || (await fh.read(head, 0, 8, 0)).bytesRead < 8) throw notSafetensors('too short');
    const length = new DataView(head.buffer).getBigUint64(0, true);
    if (length > BigInt(MAX_HEADER_BYTES) || 8 + Number(length) > size) throw notSafetensors('bad header length');
    const raw = new Uint8Array(Number(length));
    await fh.read(raw, 0, raw.length, 8);
    const dataStart = 8 + raw.length;
    return { ...parseSafetensorsHeader(raw, size - dataStart, path), dataStart };
  } finally {
    await fh.close();
  }
}

/** The metadata of a safetensors file, from its header alone. */
export async function readSafetensorsMetadata(path: string): Promise<Record<string, string>> {
  return (await readSafetensorsHeader(path)).metadata;
}

/** Writes a safetensors file atomically (see serializeSafetensors for the layout). */
export async function writeSafetensors(
  path: string,
  tensors: Record<string, NamedTensor> | ReadonlyMap<string, NamedTensor>,
  metadata?: Record<string, string>,
): Promise<void> {
  await writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}
