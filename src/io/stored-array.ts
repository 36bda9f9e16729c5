// Arrays inside files too large to load whole (states of millions of positions): read with positioned reads, rows of
// a matrix at sorted row numbers (neighbouring rows in one read), integer vectors block by block. The file is
// little-endian, C order, as safetensors and NumPy write it on every common machine.

import { type FileHandle, open } from 'node:fs/promises';
import { UserError } from '../core/errors.js';
import { fsError } from './fs-errors.js';
import { f16BitsToNumber } from './tensor-convert.js';
import { type Dtype, dtypeSize, elementCount } from './tensor-dtypes.js';

/** A numeric array stored in a file: `shape` elements of `dtype`, C order, little-endian, from byte `offset`. */
export interface StoredArray {
  path: string;
  /** How messages name it, e.g. "states.safetensors: tensor 'c.0'". */
  label: string;
  dtype: Dtype;
  shape: number[];
  offset: number;
}

export const FLOAT_DTYPES: readonly Dtype[] = ['F32', 'F16', 'BF16', 'F64'];
export const INTEGER_DTYPES: readonly Dtype[] = ['I64', 'I32', 'I16', 'I8', 'U8'];

/** Neighbouring rows whose gap is at most this many bytes are read together (one read instead of many). */
const MERGE_GAP_BYTES = 64 * 1024;
/** The largest single read. */
const BLOCK_BYTES = 4 * 2 ** 20;

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface ReadRowsOptions {
  signal?: AbortSignal;
  /** Awaited between reads now and then, so that the host's event loop (a Ctrl-C handler) can run. */
  yieldToHost?: () => Promise<void>;
}

/**
 * Reads rows of a 2-D float array (F32, F16, BF16 or F64) at `rows` (sorted ascending, distinct) and calls
 * sink(k, row) for rows[k], in that order; `row` is a float32 view valid during the call.
 */
export async function readFloatRows(
  array: StoredArray,
  rows: ArrayLike<number>,
  sink: (k: number, row: Float32Array) => void,
  options: ReadRowsOptions = {},
): Promise<void> {
  if (!FLOAT_DTYPES.includes(array.dtype) || array.shape.length !== 2) {
    throw new UserError(`${array.label}: states must be a 2-D float array (F32, F16, BF16 or F64)`);
  }
  checkHost();
  const [N, D] = array.shape as [number, number];
  const size = dtypeSize(array.dtype);
  const rowBytes = D * size;
  const decode = rowDecoder(array.dtype, D);
  const buffer = new ArrayBuffer(Math.max(BLOCK_BYTES, rowBytes));
  const bytes = new Uint8Array(buffer);
  const fh = await openFile(array.path);
  try {
    let reads = 0;
    for (let k = 0; k < rows.length; ) {
      // One read from rows[k] up to the last row within reach (small gaps, block size).
      const first = rows[k]!;
      if (!(first >= 0 && first < N)) throw new RangeError(`${array.label}: row ${first} is outside 0..${N - 1}`);
      let end = k + 1;
      while (end < rows.length) {
        const r = rows[end]!;
        if (r <= rows[end - 1]!) throw new RangeError('readFloatRows: rows must be sorted ascending without repeats');
        if ((r - rows[end - 1]! - 1) * rowBytes > MERGE_GAP_BYTES || (r - first + 1) * rowBytes > buffer.byteLength)
          break;
        end++;
      }
      const last = rows[end - 1]!;
      if (last >= N) throw new RangeError(`${array.label}: row ${last} is outside 0..${N - 1}`);
      const length = (last - first + 1) * rowBytes;
      await readFully(fh, bytes, length, array.offset + first * rowBytes, array);
      for (let j = k; j < end; j++) sink(j, decode(buffer, (rows[j]! - first) * rowBytes));
      k = end;
      if (++reads % 64 === 0) {
        options.signal?.throwIfAborted();
        await options.yieldToHost?.();
      }
    }
  } finally {
    await fh.close();
  }
}

/**
 * Reads a 1-D integer array (I64, I32, I16, I8 or U8) block by block: onBlock(values, first) with values[i] the
 * element first + i, as numbers (an I64 outside ±2^53 is an error).
 */
export async function scanIntegers(
  array: StoredArray,
  onBlock: (values: Float64Array, first: number) => void,
): Promise<void> {
  if (!INTEGER_DTYPES.includes(array.dtype) || array.shape.length !== 1) {
    throw new UserError(`${array.label}: must be a 1-D integer array (I64, I32, I16, I8 or U8)`);
  }
  checkHost();
  const n = elementCount(array.shape);
  const size = dtypeSize(array.dtype);
  const perBlock = BLOCK_BYTES / 8;
  const buffer = new ArrayBuffer(perBlock * size);
  const bytes = new Uint8Array(buffer);
  const values = new Float64Array(perBlock);
  const fh = await openFile(array.path);
  try {
    for (let first = 0; first < n; first += perBlock) {
      const count = Math.min(perBlock, n - first);
      await readFully(fh, bytes, count * size, array.offset + first * size, array);
      const out = values.subarray(0, count);
      if (array.dtype === 'I64') {
        const big = new BigInt64Array(buffer, 0, count);
        for (let i = 0; i < count; i++) {
          const v = Number(big[i]!);
          if (!Number.isSafeInteger(v)) throw new UserError(`${array.label}: element ${first + i} is too large`);
          out[i] = v;
        }
      } else {
        const typed =
          array.dtype === 'I32'
            ? new Int32Array(buffer, 0, count)
            : array.dtype === 'I16'
              ? new Int16Array(buffer, 0, count)
              : array.dtype === 'I8'
                ? new Int8Array(buffer, 0, count)
                : new Uint8Array(buffer, 0, count);
        out.set(typed);
      }
      onBlock(out, first);
    }
  } finally {
    await fh.close();
  }
}

function checkHost(): void {
  if (!HOST_LITTLE_ENDIAN) throw new UserError('reading stored states needs a little-endian machine');
}

async function openFile(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (err) {
    throw fsError(err, 'read', path);
  }
}

async function readFully(
  fh: FileHandle,
  into: Uint8Array,
  length: number,
  position: number,
  array: StoredArray,
): Promise<void> {
  for (let at = 0; at < length; ) {
    const { bytesRead } = await fh.read(into, at, length - at, position + at);
    if (bytesRead === 0) throw new UserError(`${array.label}: the file ends before the array does (truncated?)`);
    at += bytesRead;
  }
}

// Half-precision bits → float32, as a table (every 16-bit pattern), so that a row converts by lookups.
let f16Table: Float32Array | null = null;
function halfTable(): Float32Array {
  if (f16Table === null) {
    f16Table = new Float32Array(65_536);
    for (let h = 0; h < 65_536; h++) f16Table[h] = f16BitsToNumber(h);
  }
  return f16Table;
}

/** A function from (block, byte offset of a row) to the row as float32 (a view for F32, else a reused scratch row). */
function rowDecoder(dtype: Dtype, D: number): (buffer: ArrayBuffer, at: number) => Float32Array {
  if (dtype === 'F32') return (buffer, at) => new Float32Array(buffer, at, D);
  const scratch = new Float32Array(D);
  if (dtype === 'F64') {
    return (buffer, at) => {
      const src = new Float64Array(buffer, at, D);
      for (let j = 0; j < D; j++) scratch[j] = src[j]!;
      return scratch;
    };
  }
  if (dtype === 'BF16') {
    // bfloat16 is the top half of a float32.
    const bits = new Uint32Array(scratch.buffer);
    return (buffer, at) => {
      const src = new Uint16Array(buffer, at, D);
      for (let j = 0; j < D; j++) bits[j] = src[j]! << 16;
      return scratch;
    };
  }
  const table = halfTable();
  return (buffer, at) => {
    const src = new Uint16Array(buffer, at, D);
    for (let j = 0; j < D; j++) scratch[j] = table[src[j]!]!;
    return scratch;
  };
}
