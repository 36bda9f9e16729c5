import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CAPACITY_FACTORS,
  capacitySweepCost,
  markFront,
  scaledHidden,
  sweepCapacity,
} from '../../src/analysis/capacity-sweep.js';
import { decoderParameterCount } from '../../src/analysis/decoder-net.js';
import { type DecoderData, defaultDecoderConfig, fitDecoders } from '../../src/analysis/decoders.js';
import type { CapacityProbe } from '../../src/analysis/signature-types.js';
import { tsGemm } from '../../src/core/gemm.js';
import { Rng } from '../../src/core/random.js';
import { xorStates } from './xor-states.js';

describe('capacity sweep', () => {
  it('scales every hidden width, rounds to at least 1, and makes factor 0 linear', () => {
    assert.deepEqual(scaledHidden([969], 0.25), [242]);
    assert.deepEqual(scaledHidden([969, 3], 4), [3876, 12]);
    assert.deepEqual(scaledHidden([2], 0.25), [1]);
    assert.deepEqual(scaledHidden([969], 0), []);
    // Linear 9630 + 0.25× 85,370 + 4× 1,359,390 parameters against 339,840: about 4.3 times.
    const cost = capacitySweepCost(320, 30, [969]);
    const expected =
      (decoderParameterCount(320, 30, []) +
        decoderParameterCount(320, 30, [242]) +
        decoderParameterCount(320, 30, [3876])) /
      decoderParameterCount(320, 30, [969]);
    assert.ok(Math.abs(cost - expected) < 1e-12 && cost > 4 && cost < 4.5, `${cost}`);
  });

  it('marks per δ the sizes more accurate than every smaller one', () => {
    const probe = (factor: number, parameters: number, accuracies: number[]): CapacityProbe => ({
      factor,
      hidden: [],
      parameters,
      deltas: accuracies.map((accuracy, i) => ({
        delta: i + 1,
        accuracy,
        accuracyInterval: { low: 0, high: 1 },
        crossEntropyBits: 1,
        informationBits: 0,
        keepProb: 1,
        front: false,
      })),
    });
    const probes = markFront([probe(4, 400, [0.9, 0.5]), probe(0, 10, [0.5, 0.6]), probe(1, 100, [0.8, 0.6])]);
    assert.deepEqual(
      probes.map((p) => p.factor),
      [0, 1, 4],
    );
    assert.deepEqual(
      probes.map((p) => p.deltas.map((d) => d.front)),
      [
        [true, true],
        [true, false],
        [true, false],
      ],
    );
  });

  it('on an XOR-like state: the linear decoder is at chance and off the front, the MLPs recall', async () => {
    const data: DecoderData = xorStates(new Rng(5), { train: 4000, dev: 600, eval: 1500 }, 2);
    const config = {
      ...defaultDecoderConfig(),
      hidden: [16],
      keepProbs: [1],
      maxEpochs: 12,
      patience: 2,
      batch: 64,
      lr: 1e-2,
      groups: 1,
      roundPositions: 0,
    };
    const train = async (d: DecoderData, c: typeof config) => fitDecoders(tsGemm, d, c);
    const own = await train(data, config);
    const started: number[] = [];
    const probes = await sweepCapacity(train, data, config, own, {}, CAPACITY_FACTORS, (f) => started.push(f));
    assert.deepEqual(started, [0, 0.25, 4], 'the decoder itself (1×) is not trained again');
    assert.deepEqual(
      probes.map((p) => [p.factor, p.hidden, p.parameters]),
      [
        [0, [], 4 * 2 + 2],
        [0.25, [4], 4 * 4 + 4 + 4 * 2 + 2],
        [1, [16], 4 * 16 + 16 + 16 * 2 + 2],
        [4, [64], 4 * 64 + 64 + 64 * 2 + 2],
      ],
    );
    for (const d of [0, 1]) {
      const [linear, quarter, one] = probes.map((p) => p.deltas[d]!);
      assert.ok(linear!.accuracy < 0.58, `linear ${linear!.accuracy}`);
      assert.ok(linear!.informationBits < 0.05, `linear bits ${linear!.informationBits}`);
      assert.ok(one!.accuracy > 0.95 && one!.informationBits > 0.7, `1× ${one!.accuracy} ${one!.informationBits}`);
      assert.ok(quarter!.accuracy > 0.9, `0.25× ${quarter!.accuracy}`);
      assert.ok(linear!.front && quarter!.front, 'the smallest is on the front, and so is the first that recalls');
    }
    // The 1× probe is the decoder's own outcome.
    const correct = own[0]!.evalPredictions.filter((p, r) => p === data.evalLabels[0]![r]).length;
    assert.equal(probes[2]!.deltas[0]!.accuracy, correct / own[0]!.evalCount);
  });
});
