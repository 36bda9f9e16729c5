// Golden parity with PyTorch: fixtures written by scripts/make_goldens.py (nn.Embedding → nn.LSTM/GRU → nn.Linear, and
// the factorized-kernel LSTM LM written out with autograd).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OnnxGemm } from '../../src/backends/onnx-gemm.js';
import { type Gemm, tsGemm } from '../../src/core/gemm.js';
import { softmaxCrossEntropy } from '../../src/core/loss.js';
import { readSafetensors, toFloat32, toInt32 } from '../../src/io/safetensors.js';
import { CharLm, type Tensor } from '../../src/models/char-lm.js';
import { charLmParamShapes } from '../../src/models/char-lm-params.js';
import type { CellKind } from '../../src/models/config.js';
import { FactorizedLm, factorizedLmParamShapes } from '../../src/models/factorized-lm.js';

const fixtures = new URL('../../../test/fixtures/golden/', import.meta.url);

function assertClose(actual: Float32Array, expected: Float32Array, what: string, tol = 1e-4): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i]! - expected[i]!);
    assert.ok(
      diff <= tol * Math.max(1, Math.abs(expected[i]!)),
      `${what}[${i}]: ${actual[i]} vs PyTorch ${expected[i]}`,
    );
  }
}

/** A golden file: its tensors by name (a missing one fails the test), its dimensions, and its parameters. */
async function readGolden(file: string, paramShapes: (dims: GoldenDims) => Map<string, number[]>) {
  const { tensors, metadata } = await readSafetensors(new URL(file, fixtures).pathname);
  const get = (name: string) => {
    const t = tensors.get(name);
    assert.ok(t, `fixture lacks ${name}`);
    return t;
  };
  const dims: GoldenDims = {
    layers: Number(metadata.layers),
    units: Number(metadata.units),
    embed: Number(metadata.embed),
    vocab: Number(metadata.vocab),
  };
  const params = new Map<string, Tensor>();
  for (const [name, shape] of paramShapes(dims)) params.set(name, { shape, data: toFloat32(get(name)) });
  return { get, dims, params };
}

interface GoldenDims {
  layers: number;
  units: number;
  embed: number;
  vocab: number;
}

for (const cell of ['lstm', 'gru'] as CellKind[]) {
  for (const prefix of ['', 'reset.']) {
    for (const gemm of [tsGemm, new OnnxGemm({ smallWork: 0 })] as Gemm[]) {
      test(`CharLm ${cell}${prefix ? ' with segment resets' : ''} matches PyTorch logits, loss, states and gradients (${gemm.name})`, async () => {
        const golden = await readGolden(`${cell}.safetensors`, (d) => charLmParamShapes({ cell, ...d }));
        const { get, params } = golden;
        const shape = { cell, ...golden.dims };
        const model = new CharLm(shape, params);
        const ids = toInt32(get(`${prefix}inputs`));
        const targets = toInt32(get(`${prefix}targets`));
        const [T, B] = get(`${prefix}inputs`).shape as [number, number];
        const resets = prefix ? (get('reset.resets').data as Uint8Array) : null;
        const logits = model.forward(gemm, ids, T, B, model.zeroState(B), resets, null);
        assertClose(logits, toFloat32(get(`${prefix}logits`)), 'logits');
        for (let k = 0; k < shape.layers; k++) {
          assertClose(model.hidden(k), toFloat32(get(`${prefix}hidden.l${k}`)), `h of layer ${k}`);
          if (cell === 'lstm') assertClose(model.memory(k), toFloat32(get(`${prefix}cell.l${k}`)), `c of layer ${k}`);
        }
        const dLogits = new Float32Array(logits.length);
        const { loss } = softmaxCrossEntropy(logits, targets, T * B, shape.vocab, dLogits);
        assert.ok(Math.abs(loss - toFloat32(get(`${prefix}loss`))[0]!) < 1e-5, `loss ${loss}`);
        model.zeroGrads();
        model.backward(gemm, dLogits);
        for (const name of model.params.keys()) {
          assertClose(model.grads.get(name)!, toFloat32(get(`${prefix}grad.${name}`)), `grad ${name}`);
        }
      });
    }
  }
}

for (const gemm of [tsGemm, new OnnxGemm({ smallWork: 0 })] as Gemm[]) {
  test(`FactorizedLm (running λ, segment resets) matches PyTorch λ, logits, loss, states and gradients (${gemm.name})`, async () => {
    const { get, dims: shape, params } = await readGolden('factorized-lstm.safetensors', factorizedLmParamShapes);
    const model = new FactorizedLm(shape, { kind: 'running' }, params);
    const ids = toInt32(get('inputs'));
    const targets = toInt32(get('targets'));
    const [T, B] = get('inputs').shape as [number, number];
    const resets = get('resets').data as Uint8Array;
    const state = model.zeroState(B);
    const logits = model.forward(gemm, ids, T, B, state, resets, null);
    const lambda = model.lambda()!;
    assert.equal(lambda.index, null, 'the running λ has one row per position');
    assertClose(lambda.table, toFloat32(get('lambda')), 'λ', 1e-6);
    assertClose(logits, toFloat32(get('logits')), 'logits');
    for (let k = 0; k < shape.layers; k++) {
      assertClose(model.hidden(k), toFloat32(get(`hidden.l${k}`)), `h of layer ${k}`);
      assertClose(model.memory(k), toFloat32(get(`cell.l${k}`)), `c of layer ${k}`);
    }
    const dLogits = new Float32Array(logits.length);
    const { loss } = softmaxCrossEntropy(logits, targets, T * B, shape.vocab, dLogits);
    assert.ok(Math.abs(loss - toFloat32(get('loss'))[0]!) < 1e-5, `loss ${loss}`);
    model.zeroGrads();
    model.backward(gemm, dLogits);
    for (const name of model.params.keys()) {
      assertClose(model.grads.get(name)!, toFloat32(get(`grad.${name}`)), `grad ${name}`);
    }
  });
}
