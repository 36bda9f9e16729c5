// memsig import against the source framework: each fixture model (scripts/import_fixtures.py), imported from each
// format, gives PyTorch's logits on the same ids within 1e-4; the GRU whose reset gate comes before the recurrent
// product (Keras reset_after=False, ONNX linear_before_reset=0) and the models with Keras's hard-sigmoid gates give
// those of the script's numpy forward in their equations.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { test } from 'node:test';
import { tsGemm } from '../../src/core/gemm.js';
import { importModel } from '../../src/import/import-model.js';
import { loadModel } from '../../src/io/load-model.js';
import { readSafetensors, toFloat32, toInt32 } from '../../src/io/safetensors.js';
import { IMPORT_FIXTURES } from './fixtures.js';

const cases = [
  { model: 'lstm', source: 'pytorch.safetensors', framework: 'pytorch' },
  { model: 'lstm', source: 'keras/model.json', framework: 'keras' },
  { model: 'lstm', source: 'model.onnx', framework: 'onnx' },
  { model: 'gru', source: 'pytorch.safetensors', framework: 'pytorch', alphabetFile: 'alphabet.txt' },
  { model: 'gru', source: 'keras', framework: 'keras', alphabetFile: 'alphabet.json' },
  { model: 'gru', source: 'model.onnx', framework: 'onnx', alphabetFile: 'alphabet.json' },
  {
    model: 'gru',
    source: 'keras-reset-before',
    framework: 'keras',
    alphabetFile: 'alphabet.json',
    expected: 'expected-reset-before.safetensors',
  },
  {
    model: 'gru',
    source: 'model-reset-before.onnx',
    framework: 'onnx',
    alphabetFile: 'alphabet.json',
    expected: 'expected-reset-before.safetensors',
  },
  {
    model: 'lstm',
    source: 'keras-hard-sigmoid',
    framework: 'keras',
    expected: 'expected-hard-sigmoid.safetensors',
  },
  {
    model: 'gru',
    source: 'keras-hard-sigmoid',
    framework: 'keras',
    alphabetFile: 'alphabet.json',
    expected: 'expected-hard-sigmoid.safetensors',
  },
] as const;

for (const c of cases) {
  test(`importModel() of the ${c.model} fixture from ${c.source} gives the source's logits within 1e-4`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'memsig-import-'));
    try {
      const folder = join(IMPORT_FIXTURES, c.model);
      const out = join(dir, 'model');
      const result = await importModel({
        source: join(folder, c.source),
        out,
        alphabetFile: 'alphabetFile' in c ? join(folder, c.alphabetFile) : undefined,
        renames: [],
        normalization: {},
        force: false,
      });
      assert.equal(result.config.imported?.framework, c.framework);
      assert.equal(result.config.cell, c.model);
      assert.equal(result.config.layers, 2);
      const loaded = await loadModel(out);
      assert.equal(loaded.kind, 'char-lm');
      if (loaded.kind !== 'char-lm') return;
      const variant = 'expected' in c ? c.expected : null;
      assert.equal(result.config.resetAfter, variant?.includes('reset-before') ? false : undefined);
      assert.equal(result.config.gateActivation, variant?.includes('hard-sigmoid') ? 'hard_sigmoid' : undefined);
      const { tensors } = await readSafetensors(join(folder, variant ?? 'expected.safetensors'));
      const ids = toInt32(tensors.get('inputs')!);
      const [T, B] = tensors.get('inputs')!.shape as [number, number];
      const expected = toFloat32(tensors.get('logits')!);
      const logits = loaded.model.forward(tsGemm, ids, T, B, loaded.model.zeroState(B), null, null);
      assert.equal(logits.length, expected.length);
      let worst = 0;
      for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(logits[i]! - expected[i]!));
      assert.ok(worst <= 1e-4, `largest difference from PyTorch ${worst}`);
      // The record says what was read: the file's sha256 (and the shards' for TensorFlow.js).
      const read = join(folder, c.source, c.framework === 'keras' && !c.source.endsWith('.json') ? 'model.json' : '');
      const sha = createHash('sha256').update(readFileSync(read)).digest('hex');
      assert.equal(isAbsolute(result.config.imported!.file), false, 'no absolute path recorded');
      assert.equal(result.config.imported!.sha256, sha);
      assert.equal(result.config.imported!.shards?.length ?? 0, c.framework === 'keras' ? 1 : 0);
      if (variant) {
        // Forward only: training it is refused by the layer (and, one line, by memsig train --init).
        assert.throws(() => loaded.model.backward(tsGemm, new Float32Array(logits.length)), /no backward pass/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
