import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  type NamedTensor,
  parseSafetensors,
  readSafetensors,
  serializeSafetensors,
  toBf16Bits,
  toF16Bits,
  toFloat32,
  toInt32,
  writeSafetensors,
} from '../../src/io/safetensors.js';
import { assertUserError, FIXTURES, rejectsUserError, tempDir, tempFilesIn } from './helpers.js';

const LABEL = 'model.safetensors';

// One tensor of every dtype, with edge values; F16/BF16 as raw bits.
function everyDtype(): Record<string, NamedTensor> {
  return {
    f64: { dtype: 'F64', shape: [2, 2], data: new Float64Array([0.1, -1e300, Number.NaN, -0]) },
    f32: { dtype: 'F32', shape: [3], data: new Float32Array([1.5, Number.NEGATIVE_INFINITY, 1e-45]) },
    f16: { dtype: 'F16', shape: [2], data: new Uint16Array([0x3c00, 0xfbff]) },
    bf16: { dtype: 'BF16', shape: [1, 2], data: new Uint16Array([0x3f80, 0xc040]) },
    i64: { dtype: 'I64', shape: [2], data: new BigInt64Array([-(2n ** 63n), 2n ** 40n]) },
    i32: { dtype: 'I32', shape: [2], data: new Int32Array([-2147483648, 2147483647]) },
    i16: { dtype: 'I16', shape: [2], data: new Int16Array([-32768, 300]) },
    i8: { dtype: 'I8', shape: [3], data: new Int8Array([-128, 0, 127]) },
    u8: { dtype: 'U8', shape: [1, 1, 3], data: new Uint8Array([0, 128, 255]) },
    bool: { dtype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) },
    scalar: { dtype: 'F32', shape: [], data: new Float32Array([42]) },
    empty: { dtype: 'F32', shape: [0, 5], data: new Float32Array(0) },
  };
}

function bytesOf(data: NamedTensor['data']): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

// A file assembled from a header object and data bytes, independently of serializeSafetensors.
function rawFile(header: unknown, data: number[] | Uint8Array = [], headerLength?: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength ?? json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function f32Entry(begin: number, count: number) {
  return { dtype: 'F32', shape: [count], data_offsets: [begin, begin + 4 * count] };
}

test('every dtype round-trips through serialize and parse', () => {
  const tensors = everyDtype();
  const { tensors: parsed, metadata } = parseSafetensors(serializeSafetensors(tensors), LABEL);
  assert.deepEqual(metadata, {});
  assert.deepEqual([...parsed.keys()].sort(), Object.keys(tensors).sort());
  for (const [name, t] of Object.entries(tensors)) {
    const back = parsed.get(name)!;
    assert.equal(back.dtype, t.dtype, name);
    assert.deepEqual(back.shape, t.shape, name);
    assert.equal(back.data.constructor, t.data.constructor, name);
    assert.deepEqual(bytesOf(back.data), bytesOf(t.data), name);
  }
});

test('parsed arrays are aligned copies, independent of the file bytes', () => {
  // A U8 of odd length before an F32 would misalign a view into the file; parse copies instead.
  const file = rawFile(
    { a: { dtype: 'U8', shape: [1], data_offsets: [0, 1] }, b: f32Entry(1, 1) },
    [9, 0, 0, 0x80, 0x3f],
  );
  // A Node Buffer too (what fs.readFile returns), whose slice() is a view, not a copy.
  for (const bytes of [file, Buffer.from(file)]) {
    const { tensors } = parseSafetensors(bytes, LABEL);
    assert.deepEqual([...(tensors.get('b')!.data as Float32Array)], [1]);
    bytes.fill(0);
    assert.deepEqual([...(tensors.get('a')!.data as Uint8Array)], [9]);
  }
});

test('serialization matches a file built by hand from the spec, byte for byte', () => {
  // Header: metadata first, then tensors widest dtype first (F32 before I16 before U8), then by name.
  const header =
    '{"__metadata__":{"format":"pt","note":"hi"},' +
    '"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
    '"b":{"dtype":"I16","shape":[1],"data_offsets":[8,10]},' +
    '"a":{"dtype":"U8","shape":[2,1],"data_offsets":[10,12]}}';
  const padded = header + ' '.repeat((8 - (header.length % 8)) % 8);
  assert.equal(padded.length % 8, 0);
  const expected = Uint8Array.from([
    ...[padded.length, 0, 0, 0, 0, 0, 0, 0], // u64 little-endian (the header is < 256 bytes)
    ...new TextEncoder().encode(padded),
    ...[0x00, 0x00, 0x80, 0x3f], // 1.0f
    ...[0x00, 0x00, 0x00, 0xc0], // -2.0f
    ...[0xd4, 0xfe], // -300 as i16
    ...[0x07, 0xff], // u8 7, 255
  ]);
  const actual = serializeSafetensors(
    {
      a: { dtype: 'U8', shape: [2, 1], data: new Uint8Array([7, 255]) },
      w: { dtype: 'F32', shape: [2], data: new Float32Array([1, -2]) },
      b: { dtype: 'I16', shape: [1], data: new Int16Array([-300]) },
    },
    { note: 'hi', format: 'pt' },
  );
  assert.deepEqual(actual, expected);

  const { tensors, metadata } = parseSafetensors(expected, LABEL);
  assert.deepEqual(metadata, { format: 'pt', note: 'hi' });
  assert.deepEqual([...(tensors.get('w')!.data as Float32Array)], [1, -2]);
  assert.deepEqual([...(tensors.get('b')!.data as Int16Array)], [-300]);
});

test('an empty tensor set is a valid file', () => {
  const bytes = serializeSafetensors({});
  assert.equal(bytes.length, 16);
  assert.equal(new TextDecoder().decode(bytes.subarray(8)), '{}      ');
  assert.equal(parseSafetensors(bytes, LABEL).tensors.size, 0);
});

test('integer-like tensor names keep the sorted order (not JavaScript object order)', () => {
  const t = (v: number): NamedTensor => ({ dtype: 'F32', shape: [1], data: new Float32Array([v]) });
  const bytes = serializeSafetensors({ b: t(1), '10': t(2), '9': t(3) });
  const text = new TextDecoder().decode(bytes);
  assert.ok(text.indexOf('"10"') < text.indexOf('"9"') && text.indexOf('"9"') < text.indexOf('"b"'));
  assert.deepEqual([...(parseSafetensors(bytes, LABEL).tensors.get('9')!.data as Float32Array)], [3]);
});

test('reads a file written by the reference implementation (safetensors.torch.save) and rewrites it identically', () => {
  const file = new Uint8Array(readFileSync(join(FIXTURES, 'all-dtypes.safetensors')));
  const { tensors, metadata } = parseSafetensors(file, 'all-dtypes.safetensors');
  assert.deepEqual(metadata, { format: 'pt' });
  const get = (name: string) => tensors.get(name)!;
  assert.deepEqual([...toFloat32(get('f64'))], [Math.fround(0.1), Number.NEGATIVE_INFINITY]);
  assert.deepEqual([...(get('f64').data as Float64Array)], [0.1, -2.5e300]);
  assert.deepEqual(get('f32').shape, [2, 3]);
  assert.deepEqual([...toFloat32(get('f32'))], [1.5, -2, 3.25, 0, -0, Math.fround(1e-40)]);
  assert.deepEqual([...toFloat32(get('f16'))], [0.5, -65504, 2 ** -24, 1.0009765625]);
  // Our encoders round exactly as PyTorch does.
  assert.deepEqual(get('f16').data, toF16Bits([0.5, -65504, 6e-8, 1.0009765625]));
  assert.deepEqual(get('bf16').data, toBf16Bits([1, -3, 1e38]));
  assert.deepEqual(toFloat32(get('bf16')).slice(0, 2), new Float32Array([1, -3]));
  assert.deepEqual([...(get('i64').data as BigInt64Array)], [7n, -1n, 2n ** 40n]);
  assert.deepEqual([...toInt32(get('i32'))], [1, -2, 2147483647, -2147483648]);
  assert.deepEqual([...toInt32(get('i16'))], [-300, 32767]);
  assert.deepEqual([...toInt32(get('i8'))], [-3, 127, -128]);
  assert.deepEqual([...toInt32(get('u8'))], [0, 1, 255]);
  assert.deepEqual([...(get('bool').data as Uint8Array)], [1, 0, 1]);
  assert.deepEqual(get('empty').shape, [0, 3]);
  assert.deepEqual(get('scalar').shape, []);
  assert.deepEqual(serializeSafetensors(tensors, metadata), file);
});

test('readSafetensors and writeSafetensors go through the file system', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'w.safetensors');
  await writeSafetensors(path, everyDtype(), { format: 'pt' });
  const { tensors, metadata } = await readSafetensors(path);
  assert.equal(tensors.size, Object.keys(everyDtype()).length);
  assert.deepEqual(metadata, { format: 'pt' });
  assert.deepEqual(tempFilesIn(dir), []);
  await rejectsUserError(
    readSafetensors(join(dir, 'nope.safetensors')),
    /nope\.safetensors: cannot read: no such file/,
  );
});

test('a file cut short anywhere is refused with a message naming the file', () => {
  const file = serializeSafetensors(everyDtype());
  const headerEnd = 8 + Number(new DataView(file.buffer).getBigUint64(0, true));
  const cuts: [number, RegExp][] = [
    [0, /^model\.safetensors: not a safetensors file: 0 bytes is too short/],
    [5, /^model\.safetensors: not a safetensors file: 5 bytes/],
    [8, /^model\.safetensors: truncated: the header is \d+ bytes but only 0 bytes follow/],
    [headerEnd - 1, /^model\.safetensors: truncated: the header is/],
    [headerEnd, /^model\.safetensors: truncated: tensor '\w+' ends at byte \d+ but the file has 0 data bytes$/],
    [headerEnd + 3, /^model\.safetensors: truncated: tensor '\w+' ends at byte \d+ but the file has 3 data bytes$/],
    [
      file.length - 1,
      /^model\.safetensors: truncated: tensor 'bool' ends at byte \d+ but the file has \d+ data bytes$/,
    ],
  ];
  for (const [cut, pattern] of cuts) assertUserError(() => parseSafetensors(file.subarray(0, cut), LABEL), pattern);
});

test('a corrupt header length is refused before it is trusted', () => {
  const file = serializeSafetensors(everyDtype());
  const withLength = (n: bigint) => {
    const copy = file.slice();
    new DataView(copy.buffer).setBigUint64(0, n, true);
    return copy;
  };
  const n = new DataView(file.buffer).getBigUint64(0, true);
  assertUserError(
    () => parseSafetensors(withLength(2n ** 63n + 5n), LABEL),
    /header length \d+ exceeds the 100000000-byte limit/,
  );
  assertUserError(() => parseSafetensors(withLength(100_000_001n), LABEL), /exceeds the 100000000-byte limit/);
  assertUserError(() => parseSafetensors(withLength(BigInt(file.length)), LABEL), /truncated: the header is/);
  assertUserError(() => parseSafetensors(withLength(n - 8n), LABEL), /corrupt header: not valid JSON/);
  assertUserError(() => parseSafetensors(withLength(n + 8n), LABEL), /corrupt header: not valid (JSON|UTF-8)/);
  assertUserError(() => parseSafetensors(withLength(0n), LABEL), /corrupt header: not valid JSON/);
});

test('header contents are validated', () => {
  const one = f32Entry(0, 1);
  const four = [0, 0, 0x80, 0x3f];
  const cases: [Uint8Array, RegExp][] = [
    [Uint8Array.from([2, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe]), /corrupt header: not valid UTF-8/],
    [rawFile([]), /corrupt header: the JSON is not an object/],
    [rawFile(null), /corrupt header: the JSON is not an object/],
    [rawFile({ x: 3 }), /corrupt header: tensor 'x' is not an object/],
    [rawFile({ x: { ...one, dtype: 'F8_E4M3' } }, four), /tensor 'x' has unsupported dtype "F8_E4M3" \(supported: /],
    [rawFile({ x: { ...one, dtype: undefined } }, four), /tensor 'x' has unsupported dtype undefined/],
    [rawFile({ x: { ...one, shape: [-1] } }, four), /tensor 'x' shape \[-1\] is not a list of non-negative integers/],
    [rawFile({ x: { ...one, shape: [1.5] } }, four), /tensor 'x' shape \[1.5\]/],
    [rawFile({ x: { ...one, shape: '1' } }, four), /tensor 'x' shape "1"/],
    [rawFile({ x: { ...one, data_offsets: [0, 4.5] } }, four), /tensor 'x' data_offsets \[0,4.5\] is not a pair/],
    [rawFile({ x: { ...one, data_offsets: [0] } }, four), /data_offsets \[0\] is not a pair/],
    [rawFile({ x: { ...one, data_offsets: [4, 0] } }, four), /tensor 'x' data_offsets \[4, 0\] begin after they end/],
    [rawFile({ x: { ...one, data_offsets: [0, 2 ** 60] } }, four), /data_offsets \[0,\d+\] is not a pair/],
    [
      rawFile({ x: { ...one, data_offsets: [0, 400] } }, four),
      /truncated: tensor 'x' ends at byte 400 but the file has 4 data bytes/,
    ],
    // Wrong dtype size: 3 F32s need 12 bytes, not 4.
    [rawFile({ x: { ...one, shape: [3] } }, four), /tensor 'x' has 4 data bytes but shape \[3\] of F32 needs 12/],
    [rawFile({ x: { ...one, dtype: 'F64' } }, four), /tensor 'x' has 4 data bytes but shape \[1\] of F64 needs 8/],
    [
      rawFile({ x: { ...one, shape: [2 ** 40, 2 ** 40] } }, four),
      /shape \[1099511627776, 1099511627776\] of F32 needs/,
    ],
    [rawFile({ __metadata__: { a: 1 } }), /metadata "a" must be a string/],
    [rawFile({ __metadata__: 'x' }), /"__metadata__" must be an object of strings/],
  ];
  for (const [file, pattern] of cases) assertUserError(() => parseSafetensors(file, LABEL), pattern);
});

test('tensors must tile the data buffer: no overlaps, holes or trailing bytes', () => {
  const data = new Uint8Array(12);
  assertUserError(
    () => parseSafetensors(rawFile({ a: f32Entry(0, 2), b: f32Entry(4, 2) }, data), LABEL),
    /^model\.safetensors: corrupt header: tensors 'a' \(bytes 0–8\) and 'b' \(bytes 4–12\) overlap$/,
  );
  assertUserError(
    () => parseSafetensors(rawFile({ a: f32Entry(0, 1), b: f32Entry(8, 1) }, data), LABEL),
    /data bytes 4–8 belong to no tensor \(before 'b'\)/,
  );
  assertUserError(
    () => parseSafetensors(rawFile({ a: f32Entry(4, 2) }, data), LABEL),
    /data bytes 0–4 belong to no tensor \(before 'a'\)/,
  );
  assertUserError(
    () => parseSafetensors(rawFile({ a: f32Entry(0, 2) }, data), LABEL),
    /corrupt file: 4 data bytes after the last tensor belong to no tensor/,
  );
  assertUserError(
    () => parseSafetensors(rawFile({ a: f32Entry(0, 2), b: f32Entry(0, 2), c: f32Entry(8, 1) }, data), LABEL),
    /tensors 'a' \(bytes 0–8\) and 'b' \(bytes 0–8\) overlap/,
  );
  // Tensors may be listed in any order, and empty tensors take no room.
  const ok = rawFile({ b: f32Entry(4, 2), e: f32Entry(4, 0), a: f32Entry(0, 1) }, data);
  assert.deepEqual([...parseSafetensors(ok, LABEL).tensors.keys()], ['b', 'e', 'a']);
});

test('serialization rejects inputs that do not describe themselves correctly', () => {
  const bad = (t: unknown) => () => serializeSafetensors({ x: t as NamedTensor });
  assert.throws(bad({ dtype: 'F32', shape: [2], data: new Float32Array(3) }), /needs 2 elements, got 3/);
  assert.throws(bad({ dtype: 'F32', shape: [2], data: new Float64Array(2) }), /F32 data must be a Float32Array/);
  assert.throws(bad({ dtype: 'F16', shape: [2], data: new Float32Array(2) }), /F16 data must be a Uint16Array/);
  assert.throws(bad({ dtype: 'U32', shape: [1], data: new Uint32Array(1) }), /unsupported dtype "U32"/);
  assert.throws(bad({ dtype: 'F32', shape: [-2], data: new Float32Array(0) }), /not a list of non-negative integers/);
  assert.throws(
    () => serializeSafetensors({ __metadata__: { dtype: 'U8', shape: [0], data: new Uint8Array(0) } }),
    /cannot be used as a tensor name/,
  );
  assert.throws(() => serializeSafetensors({}, { a: 1 as unknown as string }), /metadata "a" must be a string/);
});

test('toFloat32 converts every float dtype and refuses integers', () => {
  const f16 = toF16Bits([1, -0.5, 65504, 1e-7, 70000]);
  assert.deepEqual([...toFloat32({ dtype: 'F16', shape: [5], data: f16 })], [1, -0.5, 65504, 2 ** -23, Infinity]);
  const bf16 = toBf16Bits([1, -2.5, 1.2345]);
  assert.deepEqual([...toFloat32({ dtype: 'BF16', shape: [3], data: bf16 })], [1, -2.5, 1.234375]);
  assert.deepEqual([...toFloat32({ dtype: 'F64', shape: [1], data: new Float64Array([0.1]) })], [Math.fround(0.1)]);
  const f32 = new Float32Array([2]);
  assert.equal(toFloat32({ dtype: 'F32', shape: [1], data: f32 }), f32);
  assertUserError(
    () => toFloat32({ dtype: 'I64', shape: [1], data: new BigInt64Array(1) }, "tensor 'embed.weight'"),
    /^tensor 'embed\.weight' has dtype I64, but floating-point values \(F32, F64, F16 or BF16\) are needed$/,
  );
  assertUserError(() => toFloat32({ dtype: 'BOOL', shape: [1], data: new Uint8Array(1) }), /dtype BOOL/);
});

test('toInt32 converts integer ids and refuses floats and out-of-range values', () => {
  assert.deepEqual(
    [...toInt32({ dtype: 'I64', shape: [3], data: new BigInt64Array([0n, -5n, 2147483647n]) })],
    [0, -5, 2147483647],
  );
  assertUserError(
    () => toInt32({ dtype: 'I64', shape: [2], data: new BigInt64Array([1n, 2n ** 31n]) }, 'ids'),
    /^ids: value 2147483648 at index 1 does not fit in a 32-bit integer$/,
  );
  assertUserError(() => toInt32({ dtype: 'F32', shape: [1], data: new Float32Array(1) }, 'ids'), /^ids has dtype F32/);
});

test('half-precision encoding is exact on every representable value and rounds ties to even', () => {
  const bits = new Uint16Array(65536);
  for (let h = 0; h < 65536; h++) bits[h] = h;
  const values = toFloat32({ dtype: 'F16', shape: [65536], data: bits });
  const back = toF16Bits(values);
  const midpoints: number[] = [];
  const rounded: number[] = [];
  for (let h = 0; h < 65536; h++) {
    const exponent = (h >> 10) & 0x1f;
    if (exponent === 0x1f && h & 0x3ff) {
      assert.ok(Number.isNaN(values[h]));
      assert.equal(back[h] & 0x7e00, 0x7e00, 'NaN stays a (quiet) NaN');
      continue;
    }
    assert.equal(back[h], h, `f16 0x${h.toString(16)}`);
    // Halfway to the next larger magnitude (not past the largest finite value): rounds to the even one.
    if ((h & 0x7fff) < 0x7bff) {
      midpoints.push((values[h] + values[h + 1]) / 2);
      rounded.push(h & 1 ? h + 1 : h);
    }
  }
  assert.deepEqual([...toF16Bits(midpoints)], rounded);
  assert.equal(toF16Bits([65520])[0], 0x7c00, 'halfway past the largest finite value overflows to Infinity');
  assert.equal(toF16Bits([2 ** -26])[0], 0, 'below half the smallest subnormal is zero');
});

test('bfloat16 encoding rounds to nearest even and keeps NaN', () => {
  // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to even (1). 1 + 3*2^-8 rounds up to 1 + 2^-6.
  assert.deepEqual([...toBf16Bits([1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -8 + 2 ** -20])], [0x3f80, 0x3f82, 0x3f81]);
  assert.ok(Number.isNaN(toFloat32({ dtype: 'BF16', shape: [1], data: toBf16Bits([Number.NaN]) })[0]));
  assert.equal(toBf16Bits([Number.NEGATIVE_INFINITY])[0], 0xff80);
});
