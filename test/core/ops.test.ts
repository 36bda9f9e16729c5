import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sigmoid, sigmoidGradFromOutput, tanh, tanhGradFromOutput } from '../../src/core/activations.js';
import { applyBroadcastMask, applyMask, dropoutBackward, makeDropoutMask } from '../../src/core/dropout.js';
import { embeddingBackward, embeddingForward } from '../../src/core/embedding.js';
import { tsGemm } from '../../src/core/gemm.js';
import { checkGradient } from '../../src/core/gradcheck.js';
import { linearBackward, linearForward } from '../../src/core/linear.js';
import { argmaxRow, countCorrect, logSoftmaxRow, softmaxCrossEntropy } from '../../src/core/loss.js';
import { Adam, clipGradNorm, type Param } from '../../src/core/optim.js';
import { Rng } from '../../src/core/random.js';

const TOL = 1e-3;

function randn(rng: Rng, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal() * scale;
  return a;
}

/** Σ y[i]·r[i] in float64: a scalar loss whose gradient with respect to y is r. */
function dot64(y: Float32Array, r: Float32Array): number {
  let s = 0;
  for (let i = 0; i < r.length; i++) s += y[i] * r[i];
  return s;
}

function assertClose(actual: number, expected: number, tol: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} vs ${expected} (tol ${tol})`);
}

function assertGradOk(res: { maxRelError: number; worst: string; checked: number }): void {
  assert.ok(res.checked > 0, 'nothing was checked');
  assert.ok(res.maxRelError < TOL, `gradient check failed: ${res.worst}`);
}

describe('linear', () => {
  const N = 4;
  const inF = 5;
  const outF = 3;

  it('forward equals x·wᵀ + b computed in float64', () => {
    const rng = new Rng(1);
    const x = randn(rng, N * inF);
    const w = randn(rng, outF * inF);
    const b = randn(rng, outF);
    const y = new Float32Array(N * outF).fill(99); // must be overwritten
    linearForward(tsGemm, x, w, b, y, N, inF, outF);
    const yNoBias = new Float32Array(N * outF);
    linearForward(tsGemm, x, w, null, yNoBias, N, inF, outF);
    for (let n = 0; n < N; n++) {
      for (let o = 0; o < outF; o++) {
        let s = 0;
        for (let i = 0; i < inF; i++) s += x[n * inF + i] * w[o * inF + i];
        assertClose(yNoBias[n * outF + o], s, 1e-5, 'no bias');
        assertClose(y[n * outF + o], s + b[o], 1e-5, 'bias');
      }
    }
  });

  it('backward dx, dw, db pass a finite-difference check', () => {
    const rng = new Rng(2);
    const x = randn(rng, N * inF);
    const w = randn(rng, outF * inF);
    const b = randn(rng, outF);
    const r = randn(rng, N * outF);
    const y = new Float32Array(N * outF);
    const dx = new Float32Array(N * inF);
    const dw = new Float32Array(outF * inF);
    const db = new Float32Array(outF);
    linearBackward(tsGemm, x, w, r, dx, dw, db, N, inF, outF);
    const loss = () => {
      linearForward(tsGemm, x, w, b, y, N, inF, outF);
      return dot64(y, r);
    };
    assertGradOk(checkGradient({ params: [x, w, b], analytic: [dx, dw, db], loss, rng, names: ['x', 'w', 'b'] }));
  });

  it('backward through softmax cross-entropy (nonlinear loss) passes a finite-difference check', () => {
    const rng = new Rng(3);
    const V = 4;
    const x = randn(rng, N * inF);
    const w = randn(rng, V * inF, 0.5);
    const b = randn(rng, V, 0.5);
    const targets = Int32Array.from([2, -1, 0, 3]);
    const logits = new Float32Array(N * V);
    const dLogits = new Float32Array(N * V);
    linearForward(tsGemm, x, w, b, logits, N, inF, V);
    softmaxCrossEntropy(logits, targets, N, V, dLogits);
    const dx = new Float32Array(N * inF);
    const dw = new Float32Array(V * inF);
    const db = new Float32Array(V);
    linearBackward(tsGemm, x, w, dLogits, dx, dw, db, N, inF, V);
    const loss = () => {
      linearForward(tsGemm, x, w, b, logits, N, inF, V);
      return softmaxCrossEntropy(logits, targets, N, V, null).loss;
    };
    assertGradOk(checkGradient({ params: [x, w, b], analytic: [dx, dw, db], loss, rng, names: ['x', 'w', 'b'] }));
    // The ignored row contributes nothing to dx.
    for (let i = 0; i < inF; i++) assert.equal(dx[inF + i], 0);
  });

  it('backward accumulates into dw and db, overwrites dx, and accepts null dx / db', () => {
    const rng = new Rng(4);
    const x = randn(rng, N * inF);
    const w = randn(rng, outF * inF);
    const dy = randn(rng, N * outF);
    const dx1 = new Float32Array(N * inF);
    const dw1 = new Float32Array(outF * inF);
    const db1 = new Float32Array(outF);
    linearBackward(tsGemm, x, w, dy, dx1, dw1, db1, N, inF, outF);
    const dx2 = new Float32Array(N * inF).fill(5);
    const dw2 = new Float32Array(outF * inF).fill(1);
    const db2 = new Float32Array(outF).fill(2);
    linearBackward(tsGemm, x, w, dy, dx2, dw2, db2, N, inF, outF);
    assert.deepEqual(dx2, dx1);
    for (let i = 0; i < dw1.length; i++) assertClose(dw2[i], dw1[i] + 1, 1e-6, 'dw');
    for (let i = 0; i < db1.length; i++) assertClose(db2[i], db1[i] + 2, 1e-6, 'db');
    const dw3 = new Float32Array(outF * inF);
    linearBackward(tsGemm, x, w, dy, null, dw3, null, N, inF, outF);
    assert.deepEqual(dw3, dw1);
  });

  it('throws on buffers too small for the shapes', () => {
    const x = new Float32Array(N * inF);
    const w = new Float32Array(outF * inF);
    assert.throws(() => linearForward(tsGemm, x, w, null, new Float32Array(N * outF - 1), N, inF, outF), RangeError);
    assert.throws(() => linearForward(tsGemm, x, w, new Float32Array(1), new Float32Array(N * outF), N, inF, outF));
  });
});

describe('embedding', () => {
  const V = 5;
  const E = 3;
  const ids = Int32Array.from([1, 4, 1, 0, 2, 1]);

  it('forward copies rows', () => {
    const weight = Float32Array.from({ length: V * E }, (_, i) => i);
    const out = new Float32Array(ids.length * E);
    embeddingForward(weight, ids, out, E);
    assert.deepEqual(Array.from(out.subarray(0, 6)), [3, 4, 5, 12, 13, 14]);
    assert.deepEqual(Array.from(out.subarray(9, 12)), [0, 1, 2]);
  });

  it('backward scatter-adds (repeated ids add up) and passes a finite-difference check', () => {
    const rng = new Rng(5);
    const weight = randn(rng, V * E);
    const r = randn(rng, ids.length * E);
    const out = new Float32Array(ids.length * E);
    const dW = new Float32Array(V * E);
    embeddingBackward(r, ids, dW, E);
    assertClose(dW[1 * E], r[0] + r[2 * E] + r[5 * E], 1e-6, 'id 1 appears three times');
    for (let j = 0; j < E; j++) assert.equal(dW[3 * E + j], 0, 'id 3 is unused');
    const loss = () => {
      embeddingForward(weight, ids, out, E);
      return dot64(out, r);
    };
    assertGradOk(checkGradient({ params: [weight], analytic: [dW], loss, rng }));
  });

  it('throws RangeError on an out-of-range id, before writing', () => {
    const weight = new Float32Array(V * E).fill(1);
    const out = new Float32Array(2 * E);
    assert.throws(() => embeddingForward(weight, Int32Array.from([0, V]), out, E), RangeError);
    assert.throws(() => embeddingForward(weight, Int32Array.from([-1, 0]), out, E), RangeError);
    assert.deepEqual(out, new Float32Array(2 * E));
    const dW = new Float32Array(V * E);
    assert.throws(() => embeddingBackward(new Float32Array(2 * E), Int32Array.from([0, 7]), dW, E), RangeError);
  });
});

describe('softmax cross-entropy', () => {
  it('uniform logits give exactly ln V', () => {
    for (const V of [2, 7, 30]) {
      const N = 3;
      const logits = new Float32Array(N * V).fill(3.7);
      const { loss, count } = softmaxCrossEntropy(logits, Int32Array.from([0, V - 1, 1]), N, V, null);
      assert.equal(loss, Math.log(V));
      assert.equal(count, N);
    }
  });

  it('matches a hand-computed 2×3 case, with an ignored third row', () => {
    // Row 0: logits (1,2,3), target 2: log(e¹+e²+e³) − 3 = 0.40760596444…
    // Row 1: logits (0.5,−0.5,0), target 0: log(e^0.5+e^−0.5+1) − 0.5 = 0.68026967…
    // Mean over the two counted rows = 0.5439378175430574 (float64 from these formulas); row 2 is ignored.
    const logits = Float32Array.from([1, 2, 3, 0.5, -0.5, 0, 100, -100, 5]);
    const targets = Int32Array.from([2, 0, -1]);
    const d = new Float32Array(9).fill(42);
    const { loss, count } = softmaxCrossEntropy(logits, targets, 3, 3, d);
    assert.equal(count, 2);
    assertClose(loss, 0.5439378175430574, 1e-12, 'loss');
    // (softmax − onehot) / 2
    const expected = [
      0.04501528658519024, 0.12236423552739885, -0.167379522112589, -0.246759804472173, 0.09316186161292378,
      0.1535979428592492, 0, 0, 0,
    ];
    for (let i = 0; i < 9; i++) assertClose(d[i], expected[i], 1e-7, `dLogits[${i}]`);
  });

  it('is stable for huge logits', () => {
    const logits = Float32Array.from([1000, 0, -1000, 1000, 0, -1000]);
    const d = new Float32Array(6);
    const { loss } = softmaxCrossEntropy(logits, Int32Array.from([0, 2]), 2, 3, d);
    assertClose(loss, 1000, 1e-9, 'loss'); // (0 + 2000) / 2
    assert.ok(d.every(Number.isFinite));
    assertClose(d[3], 0.5, 1e-7, 'd[3]');
    assertClose(d[5], -0.5, 1e-7, 'd[5]');
  });

  it('gradient passes a finite-difference check (with ignored rows)', () => {
    const rng = new Rng(6);
    const N = 6;
    const V = 5;
    const logits = randn(rng, N * V, 2);
    const targets = Int32Array.from([4, -1, 0, 2, -1, 1]);
    const d = new Float32Array(N * V);
    softmaxCrossEntropy(logits, targets, N, V, d);
    for (const r of [1, 4]) for (let j = 0; j < V; j++) assert.equal(d[r * V + j], 0);
    const loss = () => softmaxCrossEntropy(logits, targets, N, V, null).loss;
    assertGradOk(checkGradient({ params: [logits], analytic: [d], loss, rng }));
  });

  it('all rows ignored → loss 0, count 0, zero gradient; a bad target throws', () => {
    const d = new Float32Array(4).fill(1);
    const res = softmaxCrossEntropy(Float32Array.from([1, 2, 3, 4]), Int32Array.from([-1, -1]), 2, 2, d);
    assert.deepEqual(res, { loss: 0, count: 0 });
    assert.deepEqual(d, new Float32Array(4));
    assert.throws(() => softmaxCrossEntropy(new Float32Array(4), Int32Array.from([0, 2]), 2, 2, null), RangeError);
    assert.throws(() => softmaxCrossEntropy(new Float32Array(4), Int32Array.from([-2, 0]), 2, 2, null), RangeError);
  });

  it('logSoftmaxRow, argmaxRow and countCorrect', () => {
    const src = Float32Array.from([9, 9, 1, 2, 3, 0.5, 3]);
    const out = new Float64Array(4);
    const lse = logSoftmaxRow(src, 2, 4, out);
    assertClose(lse, Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3) + Math.exp(0.5)), 1e-12, 'lse');
    assertClose(
      out.reduce((s, v) => s + Math.exp(v), 0),
      1,
      1e-12,
      'Σ softmax',
    );
    assertClose(out[2], 3 - lse, 1e-12, 'out[2]');
    assert.equal(argmaxRow(src, 2, 4), 2);
    assert.equal(argmaxRow(src, 0, 2), 0, 'first index on ties');
    assert.equal(argmaxRow(src, 2, 5), 2, 'first index on ties');
    const logits = Float32Array.from([0, 1, 5, 0, 2, 2]);
    assert.equal(countCorrect(logits, Int32Array.from([1, 0, -1]), 3, 2), 2);
  });
});

describe('dropout', () => {
  it('mask statistics: fraction of zeros ≈ p, mean ≈ 1, kept value = 1/(1−p)', () => {
    const n = 200_000;
    for (const p of [0.1, 0.3, 0.5]) {
      const mask = new Float32Array(n);
      makeDropoutMask(new Rng(11), mask, p);
      let zeros = 0;
      let sum = 0;
      const keep = Math.fround(1 / (1 - p));
      for (let i = 0; i < n; i++) {
        if (mask[i] === 0) zeros++;
        else assert.equal(mask[i], keep);
        sum += mask[i];
      }
      assertClose(zeros / n, p, 0.005, `zero fraction at p=${p}`);
      assertClose(sum / n, 1, 0.01, `mean at p=${p}`);
    }
  });

  it('is deterministic per seed', () => {
    const a = new Float32Array(1000);
    const b = new Float32Array(1000);
    const c = new Float32Array(1000);
    makeDropoutMask(new Rng(42), a, 0.4);
    makeDropoutMask(new Rng(42), b, 0.4);
    makeDropoutMask(new Rng(43), c, 0.4);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it('p = 0 is an exact identity and draws nothing; p = 1 zeroes; bad p throws', () => {
    const rng = new Rng(9);
    const before = rng.getState();
    const mask = new Float32Array(6).fill(7);
    makeDropoutMask(rng, mask, 0);
    assert.equal(rng.getState(), before);
    const x = Float32Array.from([1.5, -0, Number.NaN, 3e38, -1e-45, 0.1]);
    const y = new Float32Array(6);
    applyMask(x, mask, y);
    for (let i = 0; i < 6; i++) assert.ok(Object.is(y[i], x[i]), `entry ${i}`);
    makeDropoutMask(rng, mask, 1);
    assert.deepEqual(mask, new Float32Array(6));
    assert.throws(() => makeDropoutMask(rng, mask, -0.1), RangeError);
    assert.throws(() => makeDropoutMask(rng, mask, 1.5), RangeError);
    assert.throws(() => makeDropoutMask(rng, mask, Number.NaN), RangeError);
  });

  it('forward and backward use the same mask; gradient passes a finite-difference check', () => {
    const rng = new Rng(12);
    const n = 40;
    const mask = new Float32Array(n);
    makeDropoutMask(rng, mask, 0.5);
    const x = randn(rng, n);
    const r = randn(rng, n);
    const y = new Float32Array(n);
    const dx = new Float32Array(n);
    dropoutBackward(r, mask, dx);
    applyMask(x, mask, y);
    for (let i = 0; i < n; i++) assert.equal(y[i] === 0, dx[i] === 0, `zero pattern at ${i}`);
    const loss = () => {
      applyMask(x, mask, y);
      return dot64(y, r);
    };
    assertGradOk(checkGradient({ params: [x], analytic: [dx], loss, rng }));
  });

  it('variational mask (B,H) is shared by every timestep of (T,B,H)', () => {
    const rng = new Rng(13);
    const T = 3;
    const B = 2;
    const H = 4;
    const mask = new Float32Array(B * H);
    makeDropoutMask(rng, mask, 0.5);
    const x = randn(rng, T * B * H);
    const y = new Float32Array(T * B * H);
    applyBroadcastMask(x, mask, y, T);
    for (let t = 0; t < T; t++) {
      for (let i = 0; i < B * H; i++) assert.equal(y[t * B * H + i], Math.fround(x[t * B * H + i] * mask[i]));
    }
    const r = randn(rng, T * B * H);
    const dx = new Float32Array(T * B * H);
    applyBroadcastMask(r, mask, dx, T);
    const loss = () => {
      applyBroadcastMask(x, mask, y, T);
      return dot64(y, r);
    };
    assertGradOk(checkGradient({ params: [x], analytic: [dx], loss, rng }));
    assert.throws(() => applyBroadcastMask(x, mask, y, T + 1), RangeError);
  });
});

describe('Adam', () => {
  // Problem: θ = (1, −2), loss θ0² + 3·θ1, so g = (2·θ0, 3). lr 0.1, betas (0.9, 0.999), eps 1e-8.
  // Expected values from the textbook/PyTorch formula in float64 (m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ),
  // θ −= lr·m̂/(√v̂ + eps)), written out independently of optim.ts.
  function run(weightDecay: number, steps: number): { theta: Float32Array; grad: Float32Array; opt: Adam } {
    const theta = Float32Array.from([1, -2]);
    const grad = new Float32Array(2);
    const opt = new Adam([{ name: 'theta', data: theta, grad }], { lr: 0.1, weightDecay });
    for (let s = 0; s < steps; s++) {
      opt.zeroGrad();
      grad[0] = 2 * theta[0];
      grad[1] = 3;
      opt.step();
    }
    return { theta, grad, opt };
  }

  it('two steps follow the PyTorch formula', () => {
    const theta = Float32Array.from([1, -2]);
    const grad = new Float32Array(2);
    const opt = new Adam([{ name: 'theta', data: theta, grad }], { lr: 0.1 });
    grad.set([2 * theta[0], 3]);
    opt.step();
    assertClose(theta[0], 0.9000000005, 1e-7, 'step 1 θ0');
    assertClose(theta[1], -2.0999999996666667, 1e-7, 'step 1 θ1');
    grad.set([2 * theta[0], 3]);
    opt.step();
    assertClose(theta[0], 0.8004122286917928, 1e-6, 'step 2 θ0');
    assertClose(theta[1], -2.1999999993333326, 1e-6, 'step 2 θ1');
    assert.equal(opt.stepCount, 2);
    // The moments: m = 0.9·0.1·g1 + 0.1·g2, v = 0.999·0.001·g1² + 0.001·g2².
    const st = opt.getState();
    assertClose(st.buffers.get('theta.exp_avg')![1], 0.9 * 0.3 + 0.3, 1e-7, 'm1');
    assertClose(st.buffers.get('theta.exp_avg_sq')![1], 0.999 * 0.009 + 0.009, 1e-8, 'v1');
  });

  it('weight decay adds wd·θ to the gradient (L2, not AdamW) and leaves grad untouched', () => {
    const { theta, grad } = run(0.1, 2);
    // Same problem with g ← g + 0.1·θ, float64 formula.
    assertClose(theta[0], 0.8004122286431954, 1e-6, 'θ0');
    assertClose(theta[1], -2.1999905134630198, 1e-6, 'θ1');
    assert.equal(grad[1], 3, 'grad is not modified');
  });

  it('matches a float64 reference over many steps with changing gradients', () => {
    const rng = new Rng(21);
    const n = 8;
    const data = randn(rng, n);
    const grad = new Float32Array(n);
    const lr = 0.01;
    const [b1, b2, eps, wd] = [0.8, 0.99, 1e-6, 0.01];
    const opt = new Adam([{ name: 'p', data, grad }], { lr, betas: [b1, b2], eps, weightDecay: wd });
    const ref = Array.from(data);
    const m = new Array<number>(n).fill(0);
    const v = new Array<number>(n).fill(0);
    for (let t = 1; t <= 20; t++) {
      for (let i = 0; i < n; i++) grad[i] = Math.sin(t + i) * (i + 1);
      opt.step();
      for (let i = 0; i < n; i++) {
        const g = grad[i] + wd * ref[i];
        m[i] = b1 * m[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        ref[i] -= (lr * (m[i] / (1 - b1 ** t))) / (Math.sqrt(v[i] / (1 - b2 ** t)) + eps);
      }
    }
    for (let i = 0; i < n; i++) assertClose(data[i], ref[i], 1e-5, `p[${i}]`);
  });

  it('resuming from getState/setState is bit-identical', () => {
    const rng = new Rng(22);
    const init = [randn(rng, 10), randn(rng, 3)];
    const gradAt = (t: number, k: number, i: number) => Math.cos(0.7 * t + 1.3 * i + k) * (k + 1);
    const make = (): Param[] =>
      init.map((a, k) => ({ name: `p${k}`, data: a.slice(), grad: new Float32Array(a.length) }));
    const stepWith = (opt: Adam, params: Param[], t: number) => {
      opt.zeroGrad();
      params.forEach((p, k) => {
        for (let i = 0; i < p.grad.length; i++) p.grad[i] = gradAt(t, k, i) + 0.1 * p.data[i];
      });
      opt.step();
    };
    const opts = { lr: 0.05, weightDecay: 0.01 };
    const a = make();
    const optA = new Adam(a, opts);
    for (let t = 0; t < 7; t++) stepWith(optA, a, t);

    const b = make();
    const optB = new Adam(b, opts);
    for (let t = 0; t < 3; t++) stepWith(optB, b, t);
    const saved = optB.getState();
    const savedData = b.map((p) => p.data.slice());
    stepWith(optB, b, 3); // mutating the live state must not change the snapshot
    const c: Param[] = savedData.map((d, k) => ({ name: `p${k}`, data: d, grad: new Float32Array(d.length) }));
    const optC = new Adam(c, opts);
    optC.setState(saved);
    assert.equal(optC.stepCount, 3);
    for (let t = 3; t < 7; t++) stepWith(optC, c, t);
    for (let k = 0; k < a.length; k++) assert.deepEqual(c[k].data, a[k].data);
    const sa = optA.getState();
    const sc = optC.getState();
    assert.equal(sc.step, sa.step);
    assert.deepEqual([...sc.buffers.keys()], ['p0.exp_avg', 'p0.exp_avg_sq', 'p1.exp_avg', 'p1.exp_avg_sq']);
    for (const [key, buf] of sa.buffers) assert.deepEqual(sc.buffers.get(key), buf);
  });

  it('setState rejects missing or mis-sized buffers; constructor rejects bad input', () => {
    const p = { name: 'w', data: new Float32Array(3), grad: new Float32Array(3) };
    const opt = new Adam([p]);
    const st = opt.getState();
    st.buffers.delete('w.exp_avg_sq');
    assert.throws(() => opt.setState(st));
    const st2 = opt.getState();
    st2.buffers.set('w.exp_avg', new Float32Array(2));
    assert.throws(() => opt.setState(st2), RangeError);
    assert.throws(() => new Adam([p, { ...p }]), /duplicate/);
    assert.throws(() => new Adam([{ name: 'x', data: new Float32Array(2), grad: new Float32Array(3) }]), RangeError);
    assert.throws(() => new Adam([p], { lr: -1 }), RangeError);
    assert.throws(() => new Adam([p], { betas: [1, 0.999] }), RangeError);
  });

  it('zeroGrad clears every gradient', () => {
    const ps = [
      { name: 'a', data: new Float32Array(2), grad: Float32Array.from([1, 2]) },
      { name: 'b', data: new Float32Array(1), grad: Float32Array.from([3]) },
    ];
    new Adam(ps).zeroGrad();
    for (const p of ps) assert.ok(p.grad.every((g) => g === 0));
  });
});

describe('clipGradNorm', () => {
  it('returns the total norm and leaves gradients below maxNorm alone', () => {
    const g1 = Float32Array.from([3, 4]);
    const g2 = Float32Array.from([12]);
    assert.equal(clipGradNorm([g1, g2], 26), 13);
    assert.deepEqual(Array.from(g1), [3, 4]);
    assert.deepEqual(Array.from(g2), [12]);
  });

  it('scales by maxNorm/(norm + 1e-6) above maxNorm', () => {
    const g1 = Float32Array.from([3, 4]);
    const g2 = Float32Array.from([12]);
    assert.equal(clipGradNorm([g1, g2], 6.5), 13);
    const coef = 6.5 / (13 + 1e-6);
    assert.deepEqual(Array.from(g1), [Math.fround(3 * coef), Math.fround(4 * coef)]);
    assert.equal(g2[0], Math.fround(12 * coef));
    let sq = 0;
    for (const v of [...g1, ...g2]) sq += v * v;
    assertClose(Math.sqrt(sq), 6.5, 1e-5, 'norm after clipping');
  });

  it('returns a non-finite norm as it is without scaling; empty list → 0', () => {
    const g = Float32Array.from([Number.POSITIVE_INFINITY, 1]);
    assert.equal(clipGradNorm([g], 1), Number.POSITIVE_INFINITY);
    assert.deepEqual(Array.from(g), [Number.POSITIVE_INFINITY, 1]);
    const h = Float32Array.from([Number.NaN, 1, 2]);
    assert.ok(Number.isNaN(clipGradNorm([h], 1)));
    assert.equal(h[2], 2);
    assert.equal(clipGradNorm([], 1), 0);
  });

  it('accumulates in float64 over many entries', () => {
    const g = new Float32Array(1_000_001).fill(0.001); // odd length exercises the tail
    assertClose(clipGradNorm([g], 10), Math.sqrt(1_000_001 * Math.fround(0.001) ** 2), 1e-9, 'norm'); // float32 sums drift ~1e-4
  });
});

describe('activations', () => {
  it('sigmoid is accurate and stable for large |x|', () => {
    assert.equal(sigmoid(0), 0.5);
    assert.equal(sigmoid(1000), 1);
    assert.equal(sigmoid(-1000), 0);
    assert.equal(sigmoid(Number.NEGATIVE_INFINITY), 0);
    assert.equal(sigmoid(Number.POSITIVE_INFINITY), 1);
    for (const x of [-30, -5, -0.5, 0.25, 3, 20]) {
      const ref = Math.exp(x) / (1 + Math.exp(x));
      assert.ok(Math.abs(sigmoid(x) - ref) <= 1e-15 * ref, `sigmoid(${x})`);
      assertClose(sigmoid(x) + sigmoid(-x), 1, 1e-15, 'symmetry');
    }
    assertClose(sigmoidGradFromOutput(sigmoid(0)), 0.25, 0, 'σ′(0)');
  });

  it('tanh saturates and its derivative helper matches', () => {
    assert.equal(tanh(1000), 1);
    assert.equal(tanh(-1000), -1);
    assert.equal(tanh(0), 0);
    const x = 0.3;
    const numeric = (tanh(x + 1e-6) - tanh(x - 1e-6)) / 2e-6;
    assertClose(tanhGradFromOutput(tanh(x)), numeric, 1e-8, 'tanh′');
  });
});
