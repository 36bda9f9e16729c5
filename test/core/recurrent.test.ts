import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OnnxGemm } from '../../src/backends/onnx-gemm.js';
import { type Gemm, tsGemm } from '../../src/core/gemm.js';
import { GruLayer } from '../../src/core/gru.js';
import { LstmLayer } from '../../src/core/lstm.js';
import { Rng } from '../../src/core/random.js';
import type { RecurrentLayer, RecurrentParams } from '../../src/core/recurrent.js';

const I = 3;
const H = 4;
const T = 5;
const B = 2;

function randomArray(rng: Rng, n: number, scale = 0.6): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(-scale, scale);
  return a;
}

function makeParams(rng: Rng, gates: number): RecurrentParams {
  return {
    wIh: randomArray(rng, gates * H * I),
    wHh: randomArray(rng, gates * H * H),
    bIh: randomArray(rng, gates * H),
    bHh: randomArray(rng, gates * H),
  };
}

function zeroLike(p: RecurrentParams): RecurrentParams {
  return {
    wIh: new Float32Array(p.wIh.length),
    wHh: new Float32Array(p.wHh.length),
    bIh: new Float32Array(p.bIh.length),
    bHh: new Float32Array(p.bHh.length),
  };
}

interface Case {
  layer: () => RecurrentLayer;
  resets: Uint8Array | null;
  mask: Float32Array | null;
}

/** Loss = Σ w·h_t over all steps + Σ u·memory_T: exercises every output and the final memory. */
function lossOf(c: Case, gemm: Gemm, p: RecurrentParams, x: Float32Array, w: Float32Array, h0: Float32Array) {
  const layer = c.layer();
  const state = { h: h0.slice(), c: layer.gates === 4 ? h0.map((v) => v * 0.5) : null };
  const out = layer.forward(gemm, p, x, T, B, state, { resets: c.resets }, c.mask);
  let loss = 0;
  for (let i = 0; i < out.length; i++) loss += w[i] * out[i];
  return { loss, layer };
}

function checkLayerGradients(name: string, c: Case): void {
  const rng = new Rng(7);
  const layer0 = c.layer();
  const p = makeParams(rng, layer0.gates);
  const x = randomArray(rng, T * B * I, 1);
  const w = randomArray(rng, T * B * H, 1);
  const h0 = randomArray(rng, B * H, 0.5);
  const { layer } = lossOf(c, tsGemm, p, x, w, h0);
  const grads = zeroLike(p);
  const dX = new Float32Array(x.length);
  layer.backward(tsGemm, p, grads, w.slice(), dX);

  const eps = 1e-2;
  let worst = 0;
  let where = '';
  const entries: [string, Float32Array, Float32Array][] = [
    ['wIh', p.wIh, grads.wIh],
    ['wHh', p.wHh, grads.wHh],
    ['bIh', p.bIh, grads.bIh],
    ['bHh', p.bHh, grads.bHh],
    ['x', x, dX],
  ];
  for (const [label, values, analytic] of entries) {
    for (let i = 0; i < values.length; i++) {
      const saved = values[i];
      values[i] = saved + eps;
      const up = lossOf(c, tsGemm, p, x, w, h0).loss;
      values[i] = saved - eps;
      const down = lossOf(c, tsGemm, p, x, w, h0).loss;
      values[i] = saved;
      const numeric = (up - down) / (2 * eps);
      const err = Math.abs(numeric - analytic[i]) / Math.max(Math.abs(numeric) + Math.abs(analytic[i]), 1e-2);
      if (err > worst) {
        worst = err;
        where = `${label}[${i}] numeric ${numeric} analytic ${analytic[i]}`;
      }
    }
  }
  assert.ok(worst < 1e-3, `${name}: relative error ${worst} at ${where}`);
}

const resets = new Uint8Array(T * B);
resets[2 * B + 1] = 1; // second sequence starts a new segment at step 2
resets[4 * B] = 1;
const mask = new Float32Array(B * H).map((_, i) => (i % 3 === 0 ? 0 : 1.5));

for (const [cell, make] of [
  ['LSTM', () => new LstmLayer(I, H)],
  ['GRU', () => new GruLayer(I, H)],
] as const) {
  test(`${cell} backward matches finite differences`, () => {
    checkLayerGradients(cell, { layer: make, resets: null, mask: null });
  });
  test(`${cell} backward matches finite differences with segment resets and a recurrent dropout mask`, () => {
    checkLayerGradients(cell, { layer: make, resets, mask });
  });
  test(`${cell} forward with a reset at step t equals a fresh run from step t`, () => {
    const rng = new Rng(3);
    const layer = make();
    const p = makeParams(rng, layer.gates);
    const x = randomArray(rng, T * 1 * I, 1);
    const zero = () => ({ h: new Float32Array(H), c: layer.gates === 4 ? new Float32Array(H) : null });
    const r = new Uint8Array(T);
    r[2] = 1;
    const full = layer.forward(tsGemm, p, x, T, 1, zero(), { resets: r }, null).slice();
    const tail = make().forward(tsGemm, p, x.subarray(2 * I), T - 2, 1, zero(), { resets: null }, null);
    for (let i = 0; i < tail.length; i++) assert.ok(Math.abs(full[2 * H + i] - tail[i]) < 1e-6);
  });
}

// The onnxruntime backend runs each step fused (Gemm.lstmStep / gruStep); the portable one runs gemm() and the
// JavaScript gate loop. Both must give the same outputs, final state, memory and gradients, resets and mask included.
for (const [cell, make] of [
  ['LSTM', () => new LstmLayer(I, H)],
  ['GRU', () => new GruLayer(I, H)],
] as const) {
  test(`${cell}: the fused onnxruntime steps and the portable steps agree, forward and backward`, () => {
    const ort = new OnnxGemm({ smallWork: 0, threads: 1 });
    const rng = new Rng(11);
    const p = makeParams(rng, make().gates);
    const x = randomArray(rng, T * B * I, 1);
    const h0 = randomArray(rng, B * H, 0.5);
    const dOut = randomArray(rng, T * B * H, 1);
    const run = (gemm: Gemm) => {
      const layer = make();
      const state = { h: h0.slice(), c: layer.gates === 4 ? h0.map((v) => v * 0.5) : null };
      const out = layer.forward(gemm, p, x, T, B, state, { resets }, mask).slice();
      const memory = layer.memory().slice();
      const grads = zeroLike(p);
      const dX = new Float32Array(x.length);
      layer.backward(gemm, p, grads, dOut.slice(), dX);
      return { out, memory, h: state.h, c: state.c ?? new Float32Array(0), dX, ...grads };
    };
    const a = run(tsGemm);
    const b = run(ort);
    for (const key of ['out', 'memory', 'h', 'c', 'dX', 'wIh', 'wHh', 'bIh', 'bHh'] as const) {
      const u = a[key];
      const v = b[key];
      assert.equal(u.length, v.length, key);
      for (let i = 0; i < u.length; i++) assert.ok(Math.abs(u[i]! - v[i]!) < 1e-5, `${key}[${i}]: ${u[i]} vs ${v[i]}`);
    }
  });
}
