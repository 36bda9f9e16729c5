import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OnnxGemm } from '../../src/backends/onnx-gemm.js';
import { type AttentionParams, type LocationConfig, MlpAttention } from '../../src/core/attention.js';
import { type Gemm, tsGemm } from '../../src/core/gemm.js';
import { checkGradient } from '../../src/core/gradcheck.js';
import { Rng } from '../../src/core/random.js';

const U = 6;
const B = 3;
const D = 4;
const Q = 3;
const A = 5;
const L = 4;
const lengths = Int32Array.of(6, 4, 1);
const location: LocationConfig = { filters: 2, kernel: 3 };

function randomArray(rng: Rng, n: number, scale = 0.8): Float32Array {
  return new Float32Array(n).map(() => rng.uniform(-scale, scale));
}

function makeParams(rng: Rng, loc: LocationConfig | null): AttentionParams {
  return {
    W: randomArray(rng, A * D),
    b: randomArray(rng, A),
    V: randomArray(rng, A * Q),
    w: randomArray(rng, A, 1.5),
    conv: loc ? randomArray(rng, loc.filters * loc.kernel, 1.5) : null,
    U: loc ? randomArray(rng, A * loc.filters) : null,
  };
}

function zeroLike(p: AttentionParams): AttentionParams {
  const z = (a: Float32Array | null) => (a ? new Float32Array(a.length) : null);
  return { W: z(p.W)!, b: z(p.b)!, V: z(p.V)!, w: z(p.w)!, conv: z(p.conv), U: z(p.U) };
}

const list = (p: AttentionParams) => [p.W, p.b, p.V, p.w, ...(p.conv ? [p.conv, p.U!] : [])];

/** Runs L steps over given queries (L, B, Q); returns the loss Σ r·contexts. */
function run(gemm: Gemm, att: MlpAttention, p: AttentionParams, enc: Float32Array, qs: Float32Array, r: Float32Array) {
  att.begin(gemm, p, enc, U, B, lengths, L);
  let loss = 0;
  for (let i = 0; i < L; i++) {
    const { context } = att.step(gemm, p, qs.subarray(i * B * Q, (i + 1) * B * Q));
    for (let k = 0; k < B * D; k++) loss += context[k]! * r[i * B * D + k]!;
  }
  return loss;
}

/** Backward of run(): the gradients of its loss with respect to the parameters, the frames and the queries. */
function gradients(gemm: Gemm, att: MlpAttention, p: AttentionParams, r: Float32Array) {
  const grads = zeroLike(p);
  const dEnc = new Float32Array(U * B * D);
  const dQs = new Float32Array(L * B * Q);
  att.beginBackward(dEnc);
  for (let i = L - 1; i >= 0; i--) {
    att.backwardStep(gemm, p, grads, r.subarray(i * B * D, (i + 1) * B * D), dQs.subarray(i * B * Q, (i + 1) * B * Q));
  }
  att.finishBackward(gemm, p, grads);
  return { grads, dEnc, dQs };
}

for (const loc of [null, location]) {
  const kind = loc ? 'location-aware' : 'content';
  test(`MlpAttention (${kind}) backward matches finite differences with masked frames`, () => {
    const rng = new Rng(loc ? 2 : 1);
    const p = makeParams(rng, loc);
    const enc = randomArray(rng, U * B * D, 1);
    const qs = randomArray(rng, L * B * Q, 1);
    const r = randomArray(rng, L * B * D, 1);
    const att = new MlpAttention(D, Q, A, loc);
    const loss = () => run(tsGemm, att, p, enc, qs, r);
    loss();
    const { grads, dEnc, dQs } = gradients(tsGemm, att, p, r);
    const res = checkGradient({
      params: [...list(p), enc, qs],
      analytic: [...list(grads), dEnc, dQs],
      loss,
      floor: 1e-2,
      rng,
    });
    assert.ok(res.maxRelError < 2e-3, res.worst);
  });

  test(`MlpAttention (${kind}): weights are a distribution over each utterance's own frames, padding is never read`, () => {
    const rng = new Rng(3);
    const p = makeParams(rng, loc);
    const enc = randomArray(rng, U * B * D, 1);
    const qs = randomArray(rng, L * B * Q, 1);
    const att = new MlpAttention(D, Q, A, loc);
    const zeroR = new Float32Array(L * B * D);
    run(tsGemm, att, p, enc, qs, zeroR);
    const weights = att.weights().slice();
    const contexts = att.contextsOf().slice();
    for (let i = 0; i < L; i++) {
      for (let b = 0; b < B; b++) {
        let sum = 0;
        for (let u = 0; u < U; u++) {
          const a = weights[(i * B + b) * U + u]!;
          if (u >= lengths[b]!) assert.equal(a, 0, `step ${i} utterance ${b} frame ${u}`);
          sum += a;
        }
        assert.ok(Math.abs(sum - 1) < 1e-6);
      }
    }
    const noisy = enc.slice();
    for (let b = 0; b < B; b++)
      for (let u = lengths[b]!; u < U; u++) noisy.fill(9, (u * B + b) * D, (u * B + b + 1) * D);
    run(tsGemm, att, p, noisy, qs, zeroR);
    assert.deepEqual(att.weights(), weights);
    assert.deepEqual(att.contextsOf(), contexts);
  });

  test(`MlpAttention (${kind}): onnxruntime and the portable backend agree, forward and backward`, () => {
    const rng = new Rng(4);
    const p = makeParams(rng, loc);
    const enc = randomArray(rng, U * B * D, 1);
    const qs = randomArray(rng, L * B * Q, 1);
    const r = randomArray(rng, L * B * D, 1);
    const outs = [tsGemm, new OnnxGemm({ smallWork: 0, threads: 1 })].map((gemm) => {
      const att = new MlpAttention(D, Q, A, loc);
      run(gemm, att, p, enc, qs, r);
      const weights = att.weights().slice();
      const { grads, dEnc, dQs } = gradients(gemm, att, p, r);
      return [weights, dEnc, dQs, ...list(grads)];
    });
    outs[0]!.forEach((a, k) => {
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - outs[1]![k]![i]!) < 1e-5, `array ${k}[${i}]`);
    });
  });
}
