import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/random.js';
import { parseNpyHeader } from '../../src/io/npy-header.js';
import { readFloatRows, type StoredArray, scanIntegers } from '../../src/io/stored-array.js';
import { toBf16Bits, toF16Bits } from '../../src/io/tensor-convert.js';
import type { Dtype } from '../../src/io/tensor-dtypes.js';

function withFile(t: { after: (fn: () => void) => void }, bytes: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'memsig-stored-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'a.bin');
  writeFileSync(path, bytes);
  return path;
}

/** A (N, D) matrix with a 13-byte prefix before it (an unaligned offset, as in a safetensors file). */
function matrixFile(values: Float32Array, dtype: Dtype): { bytes: Uint8Array; offset: number } {
  const body =
    dtype === 'F32'
      ? new Uint8Array(values.buffer.slice(0))
      : dtype === 'F16'
        ? new Uint8Array(toF16Bits(values).buffer)
        : dtype === 'BF16'
          ? new Uint8Array(toBf16Bits(values).buffer)
          : new Uint8Array(Float64Array.from(values).buffer);
  const bytes = new Uint8Array(13 + body.length);
  bytes.set(body, 13);
  return { bytes, offset: 13 };
}

test('readFloatRows() reads exactly the asked rows of F32, F16, BF16 and F64 matrices, near and far apart', async (t) => {
  const N = 5000;
  const D = 7;
  const rng = new Rng(4);
  // Values that every dtype holds exactly (small integers and halves), so each must read back bit for bit.
  const values = Float32Array.from({ length: N * D }, () => (rng.int(512) - 256) / 2);
  // Runs of neighbours (one read), gaps beyond the merge distance, the first and the last row.
  const rows = [0, 1, 2, 5, 9, 10, 1000, 1001, 1003, 4000, 4999];
  for (const dtype of ['F32', 'F16', 'BF16', 'F64'] as const) {
    const { bytes, offset } = matrixFile(values, dtype);
    const array: StoredArray = { path: withFile(t, bytes), label: dtype, dtype, shape: [N, D], offset };
    const got: number[][] = [];
    await readFloatRows(array, Float64Array.from(rows), (k, row) => {
      assert.equal(k, got.length);
      got.push([...row]);
    });
    assert.deepEqual(
      got,
      rows.map((r) => [...values.subarray(r * D, (r + 1) * D)]),
      dtype,
    );
  }
});

test('readFloatRows() refuses unsorted rows and rows outside the matrix', async (t) => {
  const { bytes, offset } = matrixFile(new Float32Array(40), 'F32');
  const array: StoredArray = { path: withFile(t, bytes), label: 'm', dtype: 'F32', shape: [10, 4], offset };
  await assert.rejects(
    readFloatRows(array, [3, 2], () => {}),
    /sorted/,
  );
  await assert.rejects(
    readFloatRows(array, [2, 10], () => {}),
    /outside/,
  );
});

test('scanIntegers() gives every element of an I64, I32 or U8 vector as numbers', async (t) => {
  const n = 300_000; // more than one block
  const values = Array.from({ length: n }, (_, i) => (i * 7919) % 251);
  for (const [dtype, body] of [
    ['I64', new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer)],
    ['I32', new Uint8Array(Int32Array.from(values).buffer)],
    ['U8', Uint8Array.from(values)],
  ] as const) {
    const array: StoredArray = { path: withFile(t, body), label: dtype, dtype, shape: [n], offset: 0 };
    const got = new Array<number>(n);
    await scanIntegers(array, (block, first) => {
      for (let i = 0; i < block.length; i++) got[first + i] = block[i]!;
    });
    assert.deepEqual(got, values, dtype);
  }
  const floats: StoredArray = { path: withFile(t, new Uint8Array(8)), label: 'f', dtype: 'F32', shape: [2], offset: 0 };
  await assert.rejects(
    scanIntegers(floats, () => {}),
    (err) => err instanceof UserError && /integer/.test(err.message),
  );
});

function npyHeader(dict: string, version = 1): Uint8Array {
  const pad = ' '.repeat(63 - ((10 + dict.length) % 64));
  const text = `${dict}${pad}\n`;
  const head = new Uint8Array(version === 1 ? 10 : 12);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(head.buffer);
  if (version === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  const out = new Uint8Array(head.length + text.length);
  out.set(head);
  out.set(new TextEncoder().encode(text), head.length);
  return out;
}

test('parseNpyHeader() reads dtype, shape and data offset; refuses Fortran order, big-endian and non-.npy files', () => {
  const h = npyHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (1000, 512), }");
  assert.deepEqual(parseNpyHeader(h, 'a.npy'), { dtype: 'F32', shape: [1000, 512], dataOffset: h.length });
  assert.equal(h.length % 64, 0);
  const v2 = npyHeader("{'descr': '<i8', 'fortran_order': False, 'shape': (7,), }", 2);
  assert.deepEqual(parseNpyHeader(v2, 'b.npy'), { dtype: 'I64', shape: [7], dataOffset: v2.length });
  assert.throws(
    () => parseNpyHeader(npyHeader("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }"), 'c.npy'),
    /c\.npy: .*Fortran order/,
  );
  assert.throws(
    () => parseNpyHeader(npyHeader("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }"), 'd.npy'),
    /element type >f4 is not supported/,
  );
  assert.throws(() => parseNpyHeader(new TextEncoder().encode('hello world'), 'e.npy'), /not a \.npy file/);
});
