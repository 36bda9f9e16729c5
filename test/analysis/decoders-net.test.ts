import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  columnSums,
  drawsPerPass,
  drawUint32,
  dropoutScale,
  featureStats,
  gatherStandardized,
  reluDropout,
  reluDropoutBackward,
} from '../../src/analysis/decoder-kernels.js';
import { DecoderStack, decoderParameterCount } from '../../src/analysis/decoder-net.js';
import { OnnxGemm, onnxLoadError } from '../../src/backends/index.js';
import { type Gemm, tsGemm } from '../../src/core/gemm.js';
import { checkGradient } from '../../src/core/gradcheck.js';
import { Adam } from '../../src/core/optim.js';
import { Rng } from '../../src/core/random.js';
import { SimdAdam, simdAdamAvailable } from '../../src/core/simd-adam.js';
import { wideReference } from './decoder-wide-reference.js';

function randn(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

describe('decoder kernels', () => {
  it('draw the very stream of Rng.nextUint32 and leave the generator where it would be', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const out = new Uint32Array(1000);
    drawUint32(a, out, out.length);
    for (let i = 0; i < out.length; i++) assert.equal(out[i], b.nextUint32());
    assert.equal(a.nextUint32(), b.nextUint32());
  });

  it('reluDropout keeps about `keep` of the units, scaled to keep the expectation, two decisions per draw', () => {
    const rows = 50;
    const cols = 201; // odd: the last entry of a row takes a draw of its own
    const z = new Float32Array(rows * cols).fill(1.5);
    const rng = new Rng(3);
    const scale = dropoutScale(0.7);
    assert.ok(Math.abs(scale * 0.7 - 1) < 1e-4, 'the 16-bit keep rate is within 2⁻¹⁶ of 0.7');
    reluDropout(z, cols, z, cols, rows, cols, 0.7, rng);
    let kept = 0;
    for (const v of z) {
      assert.ok(v === 0 || Math.abs(v - 1.5 * scale) < 1e-6, `value ${v}`);
      if (v !== 0) kept++;
    }
    // Binomial(10050, 0.7): sd ≈ 46, so ±300 is > 6 sd.
    assert.ok(Math.abs(kept - 0.7 * rows * cols) < 300, `kept ${kept}`);
    // The decisions are the 16-bit halves of Rng.nextUint32, low half first.
    const draws = new Uint32Array(drawsPerPass(rows, cols));
    const replay = new Rng(3);
    drawUint32(replay, draws, draws.length);
    assert.equal(rng.getState(), replay.getState());
    const threshold = Math.round(0.7 * 65536);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const u = draws[r * 101 + (c >> 1)];
        const half = c % 2 === 0 ? u & 0xffff : u >>> 16;
        assert.equal(z[r * cols + c] !== 0, half < threshold, `entry (${r}, ${c})`);
      }
    }
  });

  it('reluDropout without dropout is relu, strided, and draws nothing', () => {
    const src = Float32Array.from([-2, -0.5, 0.5, 99, 0.75, 3, -1, 99]); // 2 rows, stride 4, 3 columns used
    const dst = new Float32Array(6);
    const rng = new Rng(1);
    const state = rng.getState();
    reluDropout(src, 4, dst, 3, 2, 3, 1, rng);
    assert.deepEqual([...dst], [0, 0, 0.5, 0.75, 3, 0]);
    assert.equal(rng.getState(), state);
  });

  it('reluDropoutBackward passes the gradient exactly where the output is positive', () => {
    const a = Float32Array.from([0, 2, 0.5, 0, 1.4e-45, 0]); // the smallest positive float32 still passes
    const d = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const out = new Float32Array(8).fill(-7); // written with row stride 4
    reluDropoutBackward(d, 3, a, 3, out, 4, 2, 3, 2);
    assert.deepEqual([...out], [0, 4, 6, -7, 0, 10, 0, -7]);
    const sums = new Float32Array(3).fill(99);
    columnSums(Float32Array.from([1, 2, 3, 4, 5, 6]), 2, 3, sums);
    assert.deepEqual([...sums], [5, 7, 9]);
  });

  it('featureStats and gatherStandardized standardize with the statistics of the listed rows', () => {
    const x = Float32Array.from([1, 5, 3, 5, 100, -7]); // rows (1,5), (3,5), (100,−7); row 2 unlisted
    const stats = featureStats(x, 2, Int32Array.from([0, 1]));
    assert.deepEqual([...stats.mean], [2, 5]);
    assert.deepEqual([...stats.invStd], [1, 1]); // std 1 for feature 0; constant feature 1 → 1
    const dst = new Float32Array(6).fill(9); // row stride 3: the third column is left alone
    gatherStandardized(x, 2, Int32Array.from([1, 0]), 0, 2, stats.mean, stats.invStd, dst, 3, 1, null);
    assert.deepEqual([...dst], [1, 0, 9, -1, 0, 9]);
  });
});

/** A stack with random weights and a batch of inputs and targets (some −1). */
function setup(hidden: number[], deltas: number, nb: number) {
  const D = 5;
  const V = 4;
  const rng = new Rng(11);
  const stack = new DecoderStack(D, V, deltas, hidden, 8);
  stack.initialize(rng);
  const x = randn(rng, nb * D);
  stack.setInput(x, nb);
  const targets = Array.from({ length: deltas }, (_, d) =>
    Int32Array.from({ length: nb }, (_, i) => ((i + d) % 3 === 0 ? -1 : rng.int(V))),
  );
  return { stack, x, targets, D, V };
}

/**
 * Finite differences across a ReLU kink are wrong by O(1), so the check sets biases of ±3 (first layer) and ±5
 * (deeper, with weights scaled by 0.1): every pre-activation then stays far from 0 for any ε-perturbation, and half
 * the units are dead, so the ReLU gate is still exercised. Asserts the first layer's margin.
 */
function keepOffKinks(stack: DecoderStack, x: Float32Array, nb: number, D: number): void {
  for (const { b } of stack.first) {
    for (let j = 0; j < b.data.length; j++) b.data[j] = j % 2 === 0 ? 3 : -3;
  }
  for (const layer of stack.deep) {
    for (const { w, b } of layer) {
      for (let i = 0; i < w.data.length; i++) w.data[i] *= 0.1;
      for (let j = 0; j < b.data.length; j++) b.data[j] = j % 2 === 0 ? 5 : -5;
    }
  }
  for (const { w, b } of stack.first) {
    const h = b.data.length;
    for (let r = 0; r < nb; r++) {
      for (let j = 0; j < h; j++) {
        let z = b.data[j];
        for (let i = 0; i < D; i++) z += x[r * D + i] * w.data[i * h + j];
        assert.ok(Math.abs(z) > 0.5, `pre-activation ${z} is too close to the kink`);
      }
    }
  }
}

describe('DecoderStack backward', () => {
  for (const hidden of [[6], [6, 3]]) {
    it(`matches finite differences with fixed dropout masks (hidden ${JSON.stringify(hidden)})`, () => {
      const nb = 7;
      const keep = 0.7;
      const { stack, x, targets, D } = setup(hidden, 2, nb);
      keepOffKinks(stack, x, nb, D);
      const maskRng = new Rng(5);
      const maskState = maskRng.getState();
      // Every evaluation redraws the same masks: the loss is then a fixed function of the parameters.
      const lossAt = (grad: boolean): number => {
        maskRng.setState(maskState);
        stack.forward(tsGemm, nb, keep, maskRng);
        return stack.loss(tsGemm, targets, keep, grad);
      };
      lossAt(true);
      const params = stack.params();
      const analytic = params.map((p) => p.grad.slice());
      assert.ok(
        analytic.every((g) => g.some((v) => v !== 0)),
        'every tensor gets some gradient',
      );
      const res = checkGradient({
        params: params.map((p) => p.data),
        analytic,
        names: params.map((p) => p.name),
        loss: () => lossAt(false),
        // Off the kinks a large ε is safe and keeps float32 rounding of the loss (~3e-7) small against 2ε.
        eps: 2e-2,
        floor: 1e-2,
        rng: new Rng(2),
      });
      assert.ok(res.checked > 100);
      assert.ok(res.maxRelError < 1e-2, res.worst);
    });
  }

  it('gives a decoder with no target zero loss and zero gradient', () => {
    const nb = 6;
    const { stack, targets } = setup([4], 2, nb);
    targets[1].fill(-1);
    stack.forward(tsGemm, nb, 1, null);
    stack.loss(tsGemm, targets, 1, true);
    assert.equal(stack.counted, 1);
    assert.ok(stack.out[1].w.grad.every((v) => v === 0));
    assert.ok(stack.first[1].w.grad.every((v) => v === 0));
    assert.ok(stack.first[1].b.grad.every((v) => v === 0));
    assert.ok(
      stack.first[0].w.grad.some((v) => v !== 0),
      "decoder 1's first layer",
    );
  });

  it('counts its parameters as D·h + h + h·V + V per decoder', () => {
    assert.equal(decoderParameterCount(320, 30, [969]), 320 * 969 + 969 + 969 * 30 + 30);
    const { stack } = setup([6, 3], 3, 4);
    const total = stack.params().reduce((s, p) => s + p.data.length, 0);
    assert.equal(total, 3 * stack.parametersPerDecoder);
  });

  it('agrees with the TypeScript GEMM on the onnxruntime backend', { skip: onnxLoadError() !== '' }, () => {
    const nb = 8;
    const ort = new OnnxGemm({ smallWork: 0 }); // tiny products must not fall back to TypeScript here
    const results = [tsGemm, ort].map((gemm) => {
      const { stack, targets } = setup([6, 5], 3, nb);
      const rng = new Rng(8);
      stack.forward(gemm, nb, 0.8, rng);
      const loss = stack.loss(gemm, targets, 0.8, true);
      return { loss, grads: stack.params().map((p) => p.grad.slice()) };
    });
    assert.ok(Math.abs(results[0].loss - results[1].loss) < 1e-5);
    results[0].grads.forEach((g, i) => {
      for (let j = 0; j < g.length; j++) assert.ok(Math.abs(g[j] - results[1].grads[i][j]) < 1e-5);
    });
  });
});

describe('DecoderStack in per-decoder blocks with the fused first-layer ReLU', () => {
  const D = 40;
  const V = 7;
  const deltas = 3;
  const h = 37;
  const nb = 50;
  const ort = onnxLoadError() === '' ? new OnnxGemm({ smallWork: 0, threads: 1 }) : null;

  /** The stack's logits and gradients, and the wide reference's, on the same weights, input and dropout seed. */
  function both(gemm: Gemm, keep: number) {
    const rng = new Rng(21);
    const stack = new DecoderStack(D, V, deltas, [h], 63); // odd block sizes
    stack.initialize(rng);
    stack.setInput(randn(rng, nb * D), nb);
    const targets = Array.from({ length: deltas }, (_, d) =>
      Int32Array.from({ length: nb }, (_, i) => (i % 5 === d ? -1 : rng.int(V))),
    );
    const reference = wideReference(stack, gemm, nb, targets, keep, keep < 1 ? new Rng(99) : null);
    stack.forward(gemm, nb, keep, keep < 1 ? new Rng(99) : null);
    const loss = stack.loss(gemm, targets, keep, true);
    const logits = Array.from({ length: deltas }, (_, d) => stack.logits(d + 1).slice(0, nb * V));
    return { reference, loss, logits, grads: stack.params().map((p) => p.grad.slice()) };
  }

  /** Every entry within `rel` of the largest magnitude of the reference array. */
  function close(got: Float32Array, want: Float32Array, rel: number, what: string): void {
    assert.equal(got.length, want.length, what);
    const top = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    for (let i = 0; i < want.length; i++) {
      assert.ok(Math.abs(got[i]! - want[i]!) <= rel * top, `${what}[${i}]: ${got[i]} against ${want[i]}`);
    }
  }

  for (const keep of [1, 0.9]) {
    it(`gives the wide layout's outputs and gradients bit for bit on the portable GEMM (keep ${keep})`, () => {
      const r = both(tsGemm, keep);
      assert.equal(r.loss, r.reference.loss);
      r.logits.forEach((l, d) => {
        assert.deepEqual(l, r.reference.logits[d], `logits of decoder ${d + 1}`);
      });
      r.grads.forEach((g, i) => {
        assert.deepEqual(g, r.reference.grads[i], `gradient ${i}`);
      });
      assert.ok(r.grads.every((g) => g.some((v) => v !== 0)));
    });

    it(`gives the wide layout's outputs and gradients on onnxruntime (keep ${keep})`, { skip: ort === null }, () => {
      const r = both(ort!, keep);
      assert.ok(Math.abs(r.loss - r.reference.loss) <= 1e-6 * r.reference.loss);
      r.logits.forEach((l, d) => {
        close(l, r.reference.logits[d]!, 1e-6, `logits of decoder ${d + 1}`);
      });
      r.grads.forEach((g, i) => {
        close(g, r.reference.grads[i]!, 1e-6, `gradient ${i}`);
      });
      // And the two backends agree with each other.
      const t = both(tsGemm, keep);
      r.logits.forEach((l, d) => {
        close(l, t.logits[d]!, 1e-5, `onnxruntime against ts, logits ${d + 1}`);
      });
      r.grads.forEach((g, i) => {
        close(g, t.grads[i]!, 1e-5, `onnxruntime against ts, gradient ${i}`);
      });
    });
  }

  it('gives the same outputs, gradients and Adam steps with plain arrays and the JavaScript kernels', () => {
    const run = (wasm: boolean) => {
      const rng = new Rng(31);
      const stack = new DecoderStack(D, V, deltas, [h, 9], 63, wasm);
      stack.initialize(rng);
      const x = randn(rng, nb * D);
      const targets = Array.from({ length: deltas }, () => Int32Array.from({ length: nb }, () => rng.int(V)));
      const drop = new Rng(77);
      const losses: number[] = [];
      const optimizer = simdAdamAvailable()
        ? new SimdAdam(stack.params(), 1e-2, stack.paramMemory ?? undefined)
        : new Adam(stack.params(), { lr: 1e-2 });
      for (let step = 0; step < 3; step++) {
        stack.setInput(x, nb);
        stack.forward(tsGemm, nb, 0.8, drop);
        losses.push(stack.loss(tsGemm, targets, 0.8, true));
        optimizer.step();
      }
      return { losses, params: stack.params().map((p) => p.data.slice()), wasm: stack.paramMemory !== null };
    };
    const plain = run(false);
    const fast = run(true);
    assert.equal(plain.wasm, false);
    assert.deepEqual(fast.losses, plain.losses);
    fast.params.forEach((p, i) => {
      assert.deepEqual(p, plain.params[i], `parameter ${i}`);
    });
  });

  it('draws the initial weights of the wide layout: decoder δ has columns (δ−1)·h1 .. δ·h1 of one (D, Δ·h1) draw', () => {
    const stack = new DecoderStack(3, 2, 2, [4], 8);
    stack.initialize(new Rng(5));
    const rng = new Rng(5);
    const bound = 1 / Math.sqrt(3);
    const wide = Float32Array.from({ length: 3 * 8 + 8 }, () => rng.uniform(-bound, bound));
    for (let d = 0; d < 2; d++) {
      for (let i = 0; i < 3; i++) {
        assert.deepEqual(
          stack.first[d]!.w.data.subarray(i * 4, (i + 1) * 4),
          wide.subarray(i * 8 + d * 4, i * 8 + d * 4 + 4),
        );
      }
      assert.deepEqual(stack.first[d]!.b.data, wide.subarray(24 + d * 4, 24 + d * 4 + 4));
    }
  });
});
