// Golden parity of Listen-Attend-Spell with PyTorch: fixtures written by scripts/las_golden.py from the reference
// module scripts/las_reference.py (test/fixtures/golden/las/README.md), on both backends.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OnnxGemm } from '../../src/backends/onnx-gemm.js';
import { type Gemm, tsGemm } from '../../src/core/gemm.js';
import { readSafetensors, toFloat32, toInt32 } from '../../src/io/safetensors.js';
import { Las, type LasBatch, type LasConfig, lasParamShapes } from '../../src/models/las.js';
import type { Tensor } from '../../src/models/stacked-lm.js';

const fixtures = new URL('../../../test/fixtures/golden/las/', import.meta.url);
const TOL = 1e-4;

/** Largest |actual − expected| / max(1, |expected|); fails beyond tol. */
function compare(actual: Float32Array, expected: Float32Array, what: string, tol = TOL): number {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!));
    assert.ok(err <= tol, `${what}[${i}]: ${actual[i]} vs PyTorch ${expected[i]}`);
    worst = Math.max(worst, err);
  }
  return worst;
}

/** A golden case: the model with PyTorch's weights, the batch, and the tensors by name. */
export async function readLasGolden(name: string) {
  const { tensors, metadata } = await readSafetensors(new URL(`${name}.safetensors`, fixtures).pathname);
  const get = (n: string) => {
    const t = tensors.get(n);
    assert.ok(t, `fixture lacks ${n}`);
    return t;
  };
  const config = JSON.parse(metadata.config!) as LasConfig;
  const params = new Map<string, Tensor>();
  for (const [n, shape] of lasParamShapes(config)) params.set(n, { shape, data: toFloat32(get(n)) });
  const features = get('features');
  const [T, B] = features.shape as [number, number];
  const all = toInt32(get('transcripts'));
  const lengths = toInt32(get('transcript_lengths'));
  const transcripts: Int32Array[] = [];
  let at = 0;
  for (const n of lengths) {
    transcripts.push(all.slice(at, at + n));
    at += n;
  }
  const batch: LasBatch = { features: toFloat32(features), T, B, frames: toInt32(get('frames')), transcripts };
  const f32 = (n: string) => toFloat32(get(n));
  // The reference module's state_dict holds exactly memsig's parameters (one gradient was written per parameter).
  const torchNames = [...tensors.keys()].filter((n) => n.startsWith('grad.')).map((n) => n.slice(5));
  assert.deepEqual(torchNames.sort(), [...params.keys()].sort());
  return { config, params, batch, f32, has: (n: string) => tensors.has(n) };
}

const CASES = ['content', 'content-ctc', 'location', 'location-ctc'];

for (const name of CASES) {
  for (const gemm of [tsGemm, new OnnxGemm({ smallWork: 0, threads: 1 })] as Gemm[]) {
    test(`Las (${name}) matches PyTorch logits, attention weights, losses, states and every gradient (${gemm.name})`, async (t) => {
      const { config, params, batch, f32, has } = await readLasGolden(name);
      const las = new Las(config, params);
      const out = las.forward(gemm, batch);
      const dev: Record<string, number> = {};
      dev.logits = compare(out.logits, f32('logits'), 'logits');
      dev.weights = compare(out.weights, f32('weights'), 'attention weights');
      const loss = f32('loss')[0]!;
      assert.ok(Math.abs(out.loss - loss) <= TOL * Math.max(1, loss), `loss ${out.loss} vs PyTorch ${loss}`);
      dev.loss = Math.abs(out.loss - loss);
      assert.ok(Math.abs(out.attentionLoss - f32('attention_loss')[0]!) <= TOL, 'attention loss');
      assert.equal(out.ctcLoss === null, !has('ctc_loss'));
      if (out.ctcLoss !== null) assert.ok(Math.abs(out.ctcLoss - f32('ctc_loss')[0]!) <= TOL, 'CTC loss');
      let states = 0;
      las.listenerStates().forEach((layer, k) => {
        states = Math.max(states, compare(layer.h, f32(`listener.h.l${k}`), `listener h of layer ${k}`));
        states = Math.max(states, compare(layer.c, f32(`listener.c.l${k}`), `listener c of layer ${k}`));
      });
      las.spellerStates().forEach((layer, j) => {
        states = Math.max(states, compare(layer.h, f32(`speller.h.l${j}`), `speller h of layer ${j}`));
        states = Math.max(states, compare(layer.c, f32(`speller.c.l${j}`), `speller c of layer ${j}`));
      });
      dev.states = states;
      las.zeroGrads();
      las.backward(gemm);
      let grads = 0;
      for (const n of las.params.keys())
        grads = Math.max(grads, compare(las.grads.get(n)!, f32(`grad.${n}`), `grad ${n}`));
      dev.grads = grads;
      t.diagnostic(`max deviation from PyTorch: ${JSON.stringify(dev)}`);
    });
  }
}
