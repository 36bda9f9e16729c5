import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DecoderStack, decoderParameterCount } from '../../src/analysis/decoder-net.js';
import { type DecoderData, defaultDecoderConfig, fitDecoders } from '../../src/analysis/decoders.js';
import { tsGemm } from '../../src/core/gemm.js';
import { checkGradient } from '../../src/core/gradcheck.js';
import { Rng } from '../../src/core/random.js';
import { xorStates } from './xor-states.js';

describe('DecoderStack with no hidden layer (a linear decoder)', () => {
  it('matches finite differences, and its logits are the affine map of the input', () => {
    const D = 5;
    const V = 4;
    const nb = 6;
    const deltas = 3;
    const rng = new Rng(11);
    const stack = new DecoderStack(D, V, deltas, [], 8);
    stack.initialize(rng);
    const x = Float32Array.from({ length: nb * D }, () => rng.normal());
    stack.setInput(x, nb);
    const targets = Array.from({ length: deltas }, (_, d) =>
      Int32Array.from({ length: nb }, (_, i) => ((i + d) % 4 === 0 ? -1 : rng.int(V))),
    );
    stack.forward(tsGemm, nb, 1, null);
    // Decoder 2's logit of symbol 3 at row 4, by hand: its weight is (D, V), input-major.
    let z = stack.first[1]!.b.data[3]!;
    for (let i = 0; i < D; i++) z += x[4 * D + i]! * stack.first[1]!.w.data[i * V + 3]!;
    assert.ok(Math.abs(stack.logits(2)[4 * V + 3]! - z) < 1e-5);
    const lossAt = (grad: boolean) => {
      stack.forward(tsGemm, nb, 1, null);
      return stack.loss(tsGemm, targets, 1, grad);
    };
    lossAt(true);
    const params = stack.params();
    assert.equal(params.length, 2 * deltas, 'one weight and one bias per decoder: no output layer');
    const res = checkGradient({
      params: params.map((p) => p.data),
      analytic: params.map((p) => p.grad.slice()),
      loss: () => lossAt(false),
      eps: 2e-2,
      floor: 1e-2,
      rng: new Rng(2),
    });
    assert.ok(res.checked > 50);
    assert.ok(res.maxRelError < 1e-2, res.worst);
    assert.equal(decoderParameterCount(D, V, []), D * V + V);
    assert.equal(
      params.reduce((s, p) => s + p.data.length, 0),
      deltas * stack.parametersPerDecoder,
    );
  });
});

describe('fitDecoders on an XOR-like state', () => {
  // The label is the XOR of the signs of two state features: no linear decoder does better than chance (½), a
  // one-hidden-layer MLP names it almost always.
  const data: DecoderData = xorStates(new Rng(3), { train: 4000, dev: 600, eval: 1500 });
  const base = {
    ...defaultDecoderConfig(),
    keepProbs: [1],
    maxEpochs: 12,
    patience: 2,
    batch: 64,
    lr: 1e-2,
    groups: 1,
    roundPositions: 0,
  };
  const accuracy = (config: typeof base) => {
    const [o] = fitDecoders(tsGemm, data, config);
    let correct = 0;
    for (let i = 0; i < data.nEval; i++) if (o!.evalPredictions[i] === data.evalLabels[0]![i]) correct++;
    return correct / o!.evalCount;
  };

  it('a linear decoder stays at chance, an MLP recalls', () => {
    const linear = accuracy({ ...base, hidden: [], linear: true });
    const mlp = accuracy({ ...base, hidden: [16] });
    assert.ok(linear < 0.58, `linear accuracy ${linear}`);
    assert.ok(mlp > 0.95, `MLP accuracy ${mlp}`);
  });

  it('refuses an empty hidden list unless it is marked linear, and hidden layers when it is', () => {
    assert.throws(() => fitDecoders(tsGemm, data, { ...base, hidden: [] }), /hiddenSizeByRule/);
    assert.throws(() => fitDecoders(tsGemm, data, { ...base, hidden: [4], linear: true }), /linear/);
  });
});
