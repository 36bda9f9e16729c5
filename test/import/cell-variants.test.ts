// The GRU whose reset gate scales h before the recurrent product (config resetAfter false): it never takes a
// backend's fused PyTorch-GRU step, and only GRU configs may say it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { OnnxGemm } from '../../src/backends/onnx-gemm.js';
import { tsGemm } from '../../src/core/gemm.js';
import { importModel } from '../../src/import/import-model.js';
import { loadModel } from '../../src/io/load-model.js';
import { validateModelConfig } from '../../src/io/model-config.js';
import { IMPORT_FIXTURES } from './fixtures.js';

test('a resetAfter-false GRU gives the same logits through onnxruntime as through plain TypeScript', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'memsig-import-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const gru = join(IMPORT_FIXTURES, 'gru');
  const out = join(dir, 'm');
  await importModel({
    source: join(gru, 'model-reset-before.onnx'),
    out,
    alphabetFile: join(gru, 'alphabet.json'),
    renames: [],
    normalization: {},
    force: false,
  });
  const loaded = await loadModel(out);
  if (loaded.kind !== 'char-lm') throw new Error('not a char-lm');
  const { model } = loaded;
  const T = 9;
  const B = 3;
  const ids = Int32Array.from({ length: T * B }, (_, i) => (i * 7) % 30);
  const viaTs = Float32Array.from(model.forward(tsGemm, ids, T, B, model.zeroState(B), null, null));
  // smallWork 0: every product goes to onnxruntime, which also offers a fused PyTorch-GRU step.
  const viaOnnx = model.forward(new OnnxGemm({ smallWork: 0 }), ids, T, B, model.zeroState(B), null, null);
  let worst = 0;
  for (let i = 0; i < viaTs.length; i++) worst = Math.max(worst, Math.abs(viaTs[i]! - viaOnnx[i]!));
  assert.ok(worst < 1e-5, `largest difference ${worst}`);
  const config = { ...loaded.config, cell: 'lstm' as const };
  assert.throws(() => validateModelConfig(config, 'c.json'), /c\.json: \/resetAfter is for GRU models only/);
});
