import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OnnxGemm } from '../../src/backends/onnx-gemm.js';
import { BidirectionalLstm, type BidirectionalParams } from '../../src/core/bidirectional-lstm.js';
import { type Gemm, tsGemm } from '../../src/core/gemm.js';
import { checkGradient } from '../../src/core/gradcheck.js';
import { LstmLayer } from '../../src/core/lstm.js';
import { Rng } from '../../src/core/random.js';
import type { RecurrentParams } from '../../src/core/recurrent.js';

const I = 3;
const H = 3;
const T = 5;
const B = 3;
const lengths = Int32Array.of(5, 3, 1);

function randomArray(rng: Rng, n: number, scale = 0.6): Float32Array {
  return new Float32Array(n).map(() => rng.uniform(-scale, scale));
}

function direction(rng: Rng): RecurrentParams {
  return {
    wIh: randomArray(rng, 4 * H * I),
    wHh: randomArray(rng, 4 * H * H),
    bIh: randomArray(rng, 4 * H),
    bHh: randomArray(rng, 4 * H),
  };
}

function zeroLike(p: BidirectionalParams): BidirectionalParams {
  const z = (d: RecurrentParams): RecurrentParams => ({
    wIh: new Float32Array(d.wIh.length),
    wHh: new Float32Array(d.wHh.length),
    bIh: new Float32Array(d.bIh.length),
    bHh: new Float32Array(d.bHh.length),
  });
  return { forward: z(p.forward), backward: z(p.backward) };
}

function flat(p: BidirectionalParams): Float32Array[] {
  return [p.forward, p.backward].flatMap((d) => [d.wIh, d.wHh, d.bIh, d.bHh]);
}

test('BidirectionalLstm backward matches finite differences with utterances of different lengths', () => {
  const rng = new Rng(5);
  const p = { forward: direction(rng), backward: direction(rng) };
  const x = randomArray(rng, T * B * I, 1);
  const r = randomArray(rng, T * B * 2 * H, 1);
  const layer = new BidirectionalLstm(I, H);
  const loss = () => {
    const out = layer.forward(tsGemm, p, x, T, B, lengths);
    let s = 0;
    for (let i = 0; i < out.length; i++) s += out[i]! * r[i]!;
    return s;
  };
  loss();
  const grads = zeroLike(p);
  const dX = new Float32Array(x.length);
  layer.backward(tsGemm, p, grads, r.slice(), dX);
  const res = checkGradient({ params: [...flat(p), x], analytic: [...flat(grads), dX], loss, floor: 1e-2, rng });
  assert.ok(res.checked > 0);
  assert.ok(res.maxRelError < 2e-3, res.worst);
});

test('BidirectionalLstm: padding never reaches any output; each direction equals a one-way LSTM over the utterance alone', () => {
  const rng = new Rng(6);
  const p = { forward: direction(rng), backward: direction(rng) };
  const x = randomArray(rng, T * B * I, 1);
  const layer = new BidirectionalLstm(I, H);
  const out = layer.forward(tsGemm, p, x, T, B, lengths).slice();
  const cells = layer.memory().slice();
  // Garbage in the padding changes nothing, and outputs beyond a length are zero.
  const noisy = x.slice();
  for (let b = 0; b < B; b++) {
    for (let t = lengths[b]!; t < T; t++) noisy.fill(50, (t * B + b) * I, (t * B + b + 1) * I);
  }
  assert.deepEqual(layer.forward(tsGemm, p, noisy, T, B, lengths), out);
  for (let b = 0; b < B; b++) {
    const n = lengths[b]!;
    for (let t = n; t < T; t++) {
      for (let j = 0; j < 2 * H; j++) {
        assert.equal(out[(t * B + b) * 2 * H + j], 0);
        assert.equal(cells[(t * B + b) * 2 * H + j], 0);
      }
    }
    // Utterance b alone, forward and reversed, through plain one-way layers.
    const alone = new Float32Array(n * I);
    const reversed = new Float32Array(n * I);
    for (let t = 0; t < n; t++) {
      alone.set(x.subarray((t * B + b) * I, (t * B + b + 1) * I), t * I);
      reversed.set(x.subarray((t * B + b) * I, (t * B + b + 1) * I), (n - 1 - t) * I);
    }
    const zero = () => ({ h: new Float32Array(H), c: new Float32Array(H) });
    const fwd = new LstmLayer(I, H);
    const hF = fwd.forward(tsGemm, p.forward, alone, n, 1, zero(), { resets: null }, null).slice();
    const cF = fwd.memory().slice();
    const bwd = new LstmLayer(I, H);
    const hB = bwd.forward(tsGemm, p.backward, reversed, n, 1, zero(), { resets: null }, null).slice();
    const cB = bwd.memory().slice();
    for (let t = 0; t < n; t++) {
      for (let j = 0; j < H; j++) {
        const o = (t * B + b) * 2 * H;
        const r = (n - 1 - t) * H + j;
        assert.ok(Math.abs(out[o + j]! - hF[t * H + j]!) < 1e-6, 'forward h');
        assert.ok(Math.abs(out[o + H + j]! - hB[r]!) < 1e-6, 'backward h');
        assert.ok(Math.abs(cells[o + j]! - cF[t * H + j]!) < 1e-6, 'forward c');
        assert.ok(Math.abs(cells[o + H + j]! - cB[r]!) < 1e-6, 'backward c');
      }
    }
  }
});

test('BidirectionalLstm: the fused onnxruntime steps and the portable ones agree, forward and backward', () => {
  const rng = new Rng(7);
  const p = { forward: direction(rng), backward: direction(rng) };
  const x = randomArray(rng, T * B * I, 1);
  const dOut = randomArray(rng, T * B * 2 * H, 1);
  const run = (gemm: Gemm) => {
    const layer = new BidirectionalLstm(I, H);
    const out = layer.forward(gemm, p, x, T, B, lengths).slice();
    const grads = zeroLike(p);
    const dX = new Float32Array(x.length);
    layer.backward(gemm, p, grads, dOut, dX);
    return [out, dX, ...flat(grads)];
  };
  const a = run(tsGemm);
  const b = run(new OnnxGemm({ smallWork: 0, threads: 1 }));
  a.forEach((u, k) => {
    for (let i = 0; i < u.length; i++) assert.ok(Math.abs(u[i]! - b[k]![i]!) < 1e-5, `array ${k}[${i}]`);
  });
});
