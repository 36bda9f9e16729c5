// The safetensors element types memsig reads and writes, with their sizes and in-memory arrays.
// F16 and BF16 have no JavaScript array type on Node 20, so their elements are kept as raw bits in a Uint16Array
// (see tensor-convert.ts to decode or encode them).

export type Dtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** The array that holds each dtype's elements. */
export interface DtypeArrays {
  F64: Float64Array;
  F32: Float32Array;
  F16: Uint16Array;
  BF16: Uint16Array;
  I64: BigInt64Array;
  I32: Int32Array;
  I16: Int16Array;
  I8: Int8Array;
  U8: Uint8Array;
  BOOL: Uint8Array;
}

export type TensorData = DtypeArrays[Dtype];

/** A tensor as stored in a safetensors file: row-major (C order) elements of one dtype. */
export type NamedTensor = { [D in Dtype]: { dtype: D; shape: number[]; data: DtypeArrays[D] } }[Dtype];

interface DtypeInfo {
  /** Bytes per element. */
  size: number;
  /** Writing order of the reference implementation: higher rank first (so wider elements stay aligned). */
  rank: number;
  array: new (buffer: ArrayBuffer) => TensorData;
}

const DTYPES: Record<Dtype, DtypeInfo> = {
  I64: { size: 8, rank: 9, array: BigInt64Array },
  F64: { size: 8, rank: 8, array: Float64Array },
  F32: { size: 4, rank: 7, array: Float32Array },
  I32: { size: 4, rank: 6, array: Int32Array },
  BF16: { size: 2, rank: 5, array: Uint16Array },
  F16: { size: 2, rank: 4, array: Uint16Array },
  I16: { size: 2, rank: 3, array: Int16Array },
  I8: { size: 1, rank: 2, array: Int8Array },
  U8: { size: 1, rank: 1, array: Uint8Array },
  BOOL: { size: 1, rank: 0, array: Uint8Array },
};

export const DTYPE_NAMES = Object.keys(DTYPES) as Dtype[];

export function isDtype(value: unknown): value is Dtype {
  return typeof value === 'string' && Object.hasOwn(DTYPES, value);
}

export function dtypeSize(dtype: Dtype): number {
  return DTYPES[dtype].size;
}

export function dtypeRank(dtype: Dtype): number {
  return DTYPES[dtype].rank;
}

/** Views `buffer` (which must be exactly the tensor's bytes, in host byte order) as the dtype's array. */
export function wrapBuffer(dtype: Dtype, buffer: ArrayBuffer): TensorData {
  return new DTYPES[dtype].array(buffer);
}

/** Whether `data` is the array type that holds `dtype` (e.g. Uint16Array for F16). */
export function isArrayFor(dtype: Dtype, data: unknown): boolean {
  return data instanceof DTYPES[dtype].array;
}

/** The name of the array type that holds `dtype`, for messages. */
export function arrayNameFor(dtype: Dtype): string {
  return DTYPES[dtype].array.name;
}

/** Number of elements of a shape (1 for a scalar, shape []). */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
