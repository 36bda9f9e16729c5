// The cell variants of imported models (a GRU whose reset gate scales h before the recurrent product, config
// resetAfter false; Keras's hard-sigmoid gates, gateActivation hard_sigmoid) never take a backend's fused PyTorch
// step, and only the configs they fit may name them.
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

const VARIANTS = [
  { name: 'a resetAfter-false GRU', source: join('gru', 'model-reset-before.onnx') },
  { name: 'a hard-sigmoid LSTM', source: join('lstm', 'keras-hard-sigmoid') },
  { name: 'a hard-sigmoid GRU', source: join('gru', 'keras-hard-sigmoid') },
];

for (const variant of VARIANTS) {
  test(`${variant.name} gives the same logits through onnxruntime as through plain TypeScript`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'memsig-import-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const out = join(dir, 'm');
    await importModel({
      source: join(IMPORT_FIXTURES, variant.source),
      out,
      alphabetFile: variant.source.startsWith('gru') ? join(IMPORT_FIXTURES, 'gru', 'alphabet.json') : undefined,
      renames: [],
      normalization: {},
      force: false,
    });
    const loaded = await loadModel(out);
    if (loaded.kind !== 'char-lm') throw new Error('not a char-lm');
    const { model } = loaded;
    const T = 9;
    const B = 3;
    const ids = Int32Array.from({ length: T * B }, (_, i) => (i * 7) % loaded.model.shape.vocab);
    const viaTs = Float32Array.from(model.forward(tsGemm, ids, T, B, model.zeroState(B), null, null));
    // smallWork 0: every product goes to onnxruntime, which also offers a fused PyTorch-GRU step.
    const viaOnnx = model.forward(new OnnxGemm({ smallWork: 0 }), ids, T, B, model.zeroState(B), null, null);
    let worst = 0;
    for (let i = 0; i < viaTs.length; i++) worst = Math.max(worst, Math.abs(viaTs[i]! - viaOnnx[i]!));
    assert.ok(worst < 1e-5, `largest difference ${worst}`);
  });
}

test('validateModelConfig() takes resetAfter for GRUs only and gateActivation for char-lm models only', async () => {
  const base = JSON.parse(
    JSON.stringify({
      format: 'memsig-model',
      version: 1,
      kind: 'char-lm',
      cell: 'lstm',
      layers: 1,
      units: 2,
      embed: 2,
      normalization: {
        alphabet: ['a', ' '],
        lowercase: true,
        digitSymbol: null,
        unknown: 'space',
        collapseWhitespace: true,
      },
      corpus: null,
      training: null,
      metrics: { devPerplexity: null, evalPerplexity: null },
    }),
  );
  assert.throws(
    () => validateModelConfig({ ...base, resetAfter: false }, 'c.json'),
    /c\.json: \/resetAfter is for GRU models only/,
  );
  assert.equal(validateModelConfig({ ...base, cell: 'gru', resetAfter: false }, 'c.json').resetAfter, false);
  assert.equal(
    validateModelConfig({ ...base, gateActivation: 'hard_sigmoid' }, 'c.json').gateActivation,
    'hard_sigmoid',
  );
  assert.throws(
    () => validateModelConfig({ ...base, kind: 'factorized-lstm', gateActivation: 'hard_sigmoid' }, 'c.json'),
    /\/gateActivation is for char-lm models only/,
  );
});
