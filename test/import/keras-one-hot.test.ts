// A Keras model without an Embedding layer reads one-hot symbols (the classic Keras text-generation example): its
// first kernel's rows are the embedding. The LSTM fixture with its embedding folded into the first kernel must give
// the fixture's logits.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { tsGemm } from '../../src/core/gemm.js';
import { importModel } from '../../src/import/import-model.js';
import { loadModel } from '../../src/io/load-model.js';
import { readSafetensors, toFloat32, toInt32 } from '../../src/io/safetensors.js';
import { IMPORT_FIXTURES } from './fixtures.js';

interface Spec {
  name: string;
  shape: number[];
}

test('importModel() of a Keras model without an Embedding takes one-hot input as an identity embedding', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'memsig-import-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const src = join(IMPORT_FIXTURES, 'lstm');
  const json = JSON.parse(readFileSync(join(src, 'keras', 'model.json'), 'utf8'));
  const bin = readFileSync(join(src, 'keras', 'weights.bin'));
  const floats = new Float32Array(bin.buffer, bin.byteOffset, bin.byteLength / 4);
  const specs: Spec[] = json.weightsManifest[0].weights;
  const values = new Map<string, Float32Array>();
  let at = 0;
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    values.set(s.name, floats.slice(at, at + n));
    at += n;
  }
  // kernel' (V, 4H) = embeddings (V, E) · kernel (E, 4H).
  const [V, E] = specs.find((s) => s.name === 'embedding/embeddings')!.shape as [number, number];
  const G = specs.find((s) => s.name === 'lstm/lstm_cell/kernel')!.shape[1]!;
  const emb = values.get('embedding/embeddings')!;
  const kernel = values.get('lstm/lstm_cell/kernel')!;
  const folded = new Float32Array(V * G);
  for (let v = 0; v < V; v++)
    for (let e = 0; e < E; e++) for (let g = 0; g < G; g++) folded[v * G + g]! += emb[v * E + e]! * kernel[e * G + g]!;
  values.set('lstm/lstm_cell/kernel', folded);
  const kept = specs.filter((s) => s.name !== 'embedding/embeddings');
  kept.find((s) => s.name === 'lstm/lstm_cell/kernel')!.shape = [V, G];
  json.weightsManifest[0].weights = kept;
  json.modelTopology.config.layers = json.modelTopology.config.layers.filter(
    (l: { class_name: string }) => l.class_name !== 'Embedding',
  );
  const folder = join(dir, 'one-hot');
  mkdirSync(folder);
  writeFileSync(join(folder, 'model.json'), JSON.stringify(json));
  const parts = kept.map((s) => values.get(s.name)!);
  writeFileSync(
    join(folder, 'weights.bin'),
    Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength))),
  );

  const out = join(dir, 'm');
  const result = await importModel({ source: folder, out, renames: [], normalization: {}, force: false });
  assert.equal(result.config.embed, V);
  assert.match(result.config.imported!.mapping['embed.weight']!, /identity/);
  const loaded = await loadModel(out);
  if (loaded.kind !== 'char-lm') throw new Error('not a char-lm');
  const { tensors } = await readSafetensors(join(src, 'expected.safetensors'));
  const [T, B] = tensors.get('inputs')!.shape as [number, number];
  const logits = loaded.model.forward(
    tsGemm,
    toInt32(tensors.get('inputs')!),
    T,
    B,
    loaded.model.zeroState(B),
    null,
    null,
  );
  const expected = toFloat32(tensors.get('logits')!);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(logits[i]! - expected[i]!));
  assert.ok(worst <= 1e-4, `largest difference from PyTorch ${worst}`);
});
