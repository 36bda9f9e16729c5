// TensorFlow.js weight quantization (tensorflowjs_converter --quantize_uint8 / --quantize_float16): weights are read
// back as min + scale · q, or as float16.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { importModel } from '../../src/import/import-model.js';
import { loadModelDir } from '../../src/io/model-dir.js';
import { numberToF16Bits } from '../../src/io/tensor-convert.js';
import { IMPORT_FIXTURES } from './fixtures.js';

interface Spec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number };
}

test('importModel() reads uint8- and float16-quantized TensorFlow.js weights', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'memsig-import-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const src = join(IMPORT_FIXTURES, 'lstm', 'keras');
  const json = JSON.parse(readFileSync(join(src, 'model.json'), 'utf8'));
  const bin = readFileSync(join(src, 'weights.bin'));
  const specs: Spec[] = json.weightsManifest[0].weights;
  const parts: Buffer[] = [];
  let at = 0;
  const V = specs.find((s) => s.name === 'dense/bias')!.shape[0]!;
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const floats = new Float32Array(bin.buffer.slice(bin.byteOffset + at, bin.byteOffset + at + 4 * n));
    at += 4 * n;
    if (s.name === 'dense/bias') {
      // q = i % 256 with min −1 and scale 1/128: the bias becomes −1 + i/128.
      s.quantization = { dtype: 'uint8', scale: 1 / 128, min: -1 };
      parts.push(Buffer.from(Uint8Array.from({ length: n }, (_, i) => i % 256)));
    } else if (s.name === 'embedding/embeddings') {
      s.quantization = { dtype: 'float16' };
      const bits = Uint16Array.from(floats, (v) => numberToF16Bits(v));
      parts.push(Buffer.from(bits.buffer));
    } else parts.push(Buffer.from(floats.buffer));
  }
  const folder = join(dir, 'q');
  mkdirSync(folder);
  writeFileSync(join(folder, 'model.json'), JSON.stringify(json));
  writeFileSync(join(folder, 'weights.bin'), Buffer.concat(parts));
  await importModel({ source: folder, out: join(dir, 'm'), renames: [], normalization: {}, force: false });
  const { params } = await loadModelDir(join(dir, 'm'));
  const bias = params.get('proj.bias')!.data;
  for (let i = 0; i < V; i++) assert.equal(bias[i], Math.fround(-1 + i / 128), `proj.bias[${i}]`);
  const original = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + 4 * 69 * 8));
  const embed = params.get('embed.weight')!.data;
  for (let i = 0; i < embed.length; i++) {
    assert.ok(Math.abs(embed[i]! - original[i]!) <= 1e-3 * Math.max(1, Math.abs(original[i]!)), `embed.weight[${i}]`);
  }
});
