// The header of a NumPy .npy file (numpy.lib.format): the magic "\x93NUMPY", a version, the header length, and a
// Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (N, D), } naming the element type and shape
// of the C-order data that follows. Only the header is parsed, so that a large array is read with positioned reads.

import { UserError } from '../core/errors.js';
import type { Dtype } from './tensor-dtypes.js';

export interface NpyHeader {
  dtype: Dtype;
  shape: number[];
  /** Byte offset of the first element in the file. */
  dataOffset: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Bytes to read from the start of a file to hold any header this parser accepts. */
export const NPY_HEADER_PROBE_BYTES = 65_536;

// NumPy's little-endian (or byte-order-free) descriptors of the dtypes memsig reads.
const DESCRIPTORS: Record<string, Dtype> = {
  '<f8': 'F64',
  '<f4': 'F32',
  '<f2': 'F16',
  '<i8': 'I64',
  '<i4': 'I32',
  '<i2': 'I16',
  '|i1': 'I8',
  '|u1': 'U8',
  '|b1': 'BOOL',
};

/** Parses the header at the start of `bytes` (at least the whole header); every problem is a UserError naming `label`. */
export function parseNpyHeader(bytes: Uint8Array, label: string): NpyHeader {
  const fail = (message: string) => new UserError(`${label}: ${message}`);
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw fail('not a .npy file (no \\x93NUMPY magic)');
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let length: number;
  let start: number;
  if (major === 1) {
    length = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw fail('truncated .npy header');
    length = view.getUint32(8, true);
    start = 12;
  } else {
    throw fail(`.npy format version ${major} is not supported (1, 2 or 3)`);
  }
  if (start + length > bytes.length) throw fail(`truncated .npy header (${length} bytes announced)`);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + length));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw fail(`corrupt .npy header: ${JSON.stringify(text.trim())}`);
  }
  if (fortran === 'True') throw fail('the array is stored in Fortran order; save it in C order (np.ascontiguousarray)');
  const dtype = DESCRIPTORS[descr];
  if (dtype === undefined) {
    throw fail(
      `element type ${descr} is not supported (${Object.keys(DESCRIPTORS).join(', ')}; big-endian arrays: .astype('<f4'))`,
    );
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const n = Number(s.replace(/L$/, ''));
      if (!Number.isSafeInteger(n) || n < 0) throw fail(`corrupt .npy header: shape (${shapeText})`);
      return n;
    });
  return { dtype, shape, dataOffset: start + length };
}
