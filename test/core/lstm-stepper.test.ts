import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OnnxGemm } from '../../src/backends/onnx-gemm.js';
import { type Gemm, tsGemm } from '../../src/core/gemm.js';
import { checkGradient } from '../../src/core/gradcheck.js';
import { LstmLayer } from '../../src/core/lstm.js';
import { LstmStepper } from '../../src/core/lstm-stepper.js';
import { Rng } from '../../src/core/random.js';
import type { RecurrentParams } from '../../src/core/recurrent.js';

const I = 4;
const H = 3;
const T = 5;
const B = 2;

function randomArray(rng: Rng, n: number, scale = 0.6): Float32Array {
  return new Float32Array(n).map(() => rng.uniform(-scale, scale));
}

function makeParams(rng: Rng): RecurrentParams {
  return {
    wIh: randomArray(rng, 4 * H * I),
    wHh: randomArray(rng, 4 * H * H),
    bIh: randomArray(rng, 4 * H),
    bHh: randomArray(rng, 4 * H),
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

const params = (p: RecurrentParams) => [p.wIh, p.wHh, p.bIh, p.bHh];

for (const gemm of [tsGemm, new OnnxGemm({ smallWork: 0, threads: 1 })] as Gemm[]) {
  test(`LstmStepper driven step by step equals LstmLayer over the whole sequence, forward and backward (${gemm.name})`, () => {
    const rng = new Rng(1);
    const p = makeParams(rng);
    const x = randomArray(rng, T * B * I, 1);
    const dOut = randomArray(rng, T * B * H, 1);
    const layer = new LstmLayer(I, H);
    const state = { h: new Float32Array(B * H), c: new Float32Array(B * H) };
    const out = layer.forward(gemm, p, x, T, B, state, { resets: null }, null).slice();
    const memory = layer.memory().slice();
    const grads = zeroLike(p);
    const dX = new Float32Array(x.length);
    layer.backward(gemm, p, grads, dOut.slice(), dX);

    const stepper = new LstmStepper(I, H);
    stepper.begin(p, B, T + 2); // room to spare
    for (let t = 0; t < T; t++) {
      stepper.input(t).set(x.subarray(t * B * I, (t + 1) * B * I));
      const h = stepper.step(gemm, p);
      for (let i = 0; i < B * H; i++) assert.ok(Math.abs(h[i]! - out[t * B * H + i]!) < 1e-6, `h step ${t}`);
    }
    assert.equal(stepper.length, T);
    const close = (a: Float32Array, b: Float32Array, what: string) => {
      assert.equal(a.length, b.length, what);
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-5, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
    };
    close(stepper.outputs(), out, 'outputs');
    close(stepper.memory(), memory, 'memory');
    const stepGrads = zeroLike(p);
    const stepDX = new Float32Array(x.length);
    stepper.beginBackward(p);
    for (let t = T - 1; t >= 0; t--) {
      stepper.backwardStep(gemm, p, dOut.subarray(t * B * H), stepDX.subarray(t * B * I, (t + 1) * B * I));
    }
    stepper.finishBackward(gemm, p, stepGrads);
    close(stepDX, dX, 'dX');
    params(stepGrads).forEach((g, k) => {
      close(g, params(grads)[k]!, `param ${k}`);
    });
  });
}

test('LstmStepper backward matches finite differences when each input depends on the last output', () => {
  // x_t = [u_t; h_{t−1}]: the feedback an attention decoder has, through dx into the caller's own chain rule.
  const rng = new Rng(2);
  const In = 2;
  const p = {
    wIh: randomArray(rng, 4 * H * (In + H)),
    wHh: randomArray(rng, 4 * H * H),
    bIh: randomArray(rng, 4 * H),
    bHh: randomArray(rng, 4 * H),
  };
  const u = randomArray(rng, T * B * In, 1);
  const r = randomArray(rng, T * B * H, 1);
  const stepper = new LstmStepper(In + H, H);
  const loss = () => {
    stepper.begin(p, B, T);
    let prev: Float32Array = new Float32Array(B * H);
    let s = 0;
    for (let t = 0; t < T; t++) {
      const x = stepper.input(t);
      for (let b = 0; b < B; b++) {
        x.set(u.subarray((t * B + b) * In, (t * B + b + 1) * In), b * (In + H));
        x.set(prev.subarray(b * H, (b + 1) * H), b * (In + H) + In);
      }
      prev = stepper.step(tsGemm, p);
      for (let i = 0; i < B * H; i++) s += prev[i]! * r[t * B * H + i]!;
    }
    return s;
  };
  loss();
  const grads = zeroLike(p);
  const dU = new Float32Array(u.length);
  const dh = new Float32Array(B * H);
  const dx = new Float32Array(B * (In + H));
  const carried = new Float32Array(B * H); // gradient into h_t through step t + 1's input
  stepper.beginBackward(p);
  for (let t = T - 1; t >= 0; t--) {
    for (let i = 0; i < B * H; i++) dh[i] = r[t * B * H + i]! + carried[i]!;
    stepper.backwardStep(tsGemm, p, dh, dx);
    for (let b = 0; b < B; b++) {
      dU.set(dx.subarray(b * (In + H), b * (In + H) + In), (t * B + b) * In);
      carried.set(dx.subarray(b * (In + H) + In, (b + 1) * (In + H)), b * H);
    }
  }
  stepper.finishBackward(tsGemm, p, grads);
  const res = checkGradient({ params: [...params(p), u], analytic: [...params(grads), dU], loss, floor: 1e-2, rng });
  assert.ok(res.maxRelError < 2e-3, res.worst);
});
