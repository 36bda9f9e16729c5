import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DecoderEta, type DecoderWorkPlan, decoderWorkPlan } from '../../src/analysis/decoder-eta.js';
import { stageRoundCap } from '../../src/analysis/decoder-schedule.js';
import { type DecoderConfig, type DecoderProgress, defaultDecoderConfig } from '../../src/analysis/decoders.js';

// Three keep probabilities, one finalist, one δ group, stages of at most two rounds; rounds are whole passes, and a
// pass over the first stage's positions is 4 batches.
const PLAN: DecoderWorkPlan = {
  keepProbs: 3,
  sweepEpochs: 1,
  finalists: 1,
  halfStage: true,
  groups: 1,
  stageRounds: 2,
  roundPositions: 0,
  batch: 10,
  layers: 1,
};

function event(stage: DecoderProgress['stage'], keepProb: number, epoch: number, batch: number, batches = 4) {
  return {
    keepProb,
    stage,
    deltas: [1, 3],
    groups: 1,
    epoch,
    maxEpochs: 2,
    batch,
    batches,
    loss: 1,
    lr: 1e-3,
  } satisfies DecoderProgress;
}

describe('DecoderEta', () => {
  it('knows nothing before the first batch', () => {
    const eta = new DecoderEta(PLAN);
    assert.equal(eta.batchesLeft(), null);
    assert.equal(eta.secondsLeft(1000), null);
  });

  it('counts down the batches the schedule may still train, at every stage at its cap', () => {
    const eta = new DecoderEta(PLAN);
    // The whole layer: 3 rung rounds of 4 batches, a half stage of 2 × 4 and a full stage of 2 × 8 (twice the
    // positions, whole passes).
    eta.record(1, event('rung', 0.5, 1, 1), 0);
    assert.equal(eta.batchesLeft(), 3 * 4 + 2 * 4 + 2 * 8 - 1);
    eta.record(1, event('rung', 0.5, 1, 4), 1000);
    eta.record(1, event('rung', 0.7, 1, 4), 2000);
    eta.record(1, event('rung', 1, 1, 4), 3000);
    assert.equal(eta.batchesLeft(), 2 * 4 + 2 * 8);
    // 12 batches in the 3 s since the first: 4 a second.
    assert.equal(eta.secondsLeft(3000), (2 * 4 + 2 * 8) / 4);
    eta.record(1, event('half', 1, 1, 4), 4000);
    assert.equal(eta.batchesLeft(), 4 + 2 * 8);
    // The half stage plateaus after its first round: the full stage starts, its real round size replaces the guess.
    eta.record(1, event('full', 1, 1, 2, 6), 5000);
    assert.equal(eta.batchesLeft(), 6 - 2 + 6);
    eta.record(1, event('full', 1, 2, 6, 6), 6000);
    assert.equal(eta.batchesLeft(), 0);
    assert.equal(eta.secondsLeft(6000), 0);
  });

  it('goes by the rate of the last two minutes, so that it follows a change of load', () => {
    const eta = new DecoderEta({ ...PLAN, keepProbs: 1, finalists: 1, stageRounds: 100, roundPositions: 0 });
    // 4 batches a second for five minutes, then 1 a second for three.
    let batch = 0;
    for (let t = 0; t <= 300_000; t += 1000)
      eta.record(1, event('half', 1, 1 + Math.floor(batch / 4), (batch++ % 4) + 1), t);
    const left = eta.batchesLeft()!;
    for (let t = 301_000; t <= 480_000; t += 4000)
      eta.record(1, event('half', 1, 1 + Math.floor(batch / 4), (batch++ % 4) + 1), t);
    const seconds = eta.secondsLeft(480_000)!;
    // Batches counted one per event: the recent rate is 1 per 4 s, not the run's average.
    const after = eta.batchesLeft()!;
    assert.ok(after < left);
    assert.ok(Math.abs(seconds - after * 4) / (after * 4) < 0.05, `${seconds} s for ${after} batches`);
  });

  it('adds whole layers for the layers still to come, one fewer at each new layer', () => {
    const eta = new DecoderEta({ ...PLAN, layers: 3 });
    eta.record(1, event('rung', 0.5, 1, 4), 0);
    const layer = 3 * 4 + 2 * 4 + 2 * 8;
    assert.equal(eta.batchesLeft(), layer - 4 + 2 * layer);
    eta.record(2, event('rung', 0.5, 1, 1), 1000); // layer 2 begins: layer 1 is done
    assert.equal(eta.batchesLeft(), layer - 1 + layer);
  });

  it('does not count the minutes between two layers as a slow rate: the last layer’s rate bridges them', () => {
    const plan = { ...PLAN, keepProbs: 1, finalists: 1, stageRounds: 100, roundPositions: 0, layers: 2 };
    const eta = new DecoderEta(plan);
    // Layer 1: 4 batches a second for a minute.
    let batch = 0;
    for (let t = 0; t <= 60_000; t += 250)
      eta.record(1, event('half', 1, 1 + Math.floor(batch / 4), (batch++ % 4) + 1), t);
    // Layer 2 starts after five minutes of reading its states.
    eta.record(2, event('half', 1, 1, 1), 360_000);
    const left = eta.batchesLeft()!;
    const seconds = eta.secondsLeft(361_000)!;
    assert.ok(Math.abs(seconds - left / 4) / (left / 4) < 0.05, `${seconds} s for ${left} batches`);
    // Once layer 2 has its own samples, its own rate (2 a second) takes over.
    batch = 1;
    for (let t = 360_500; t <= 420_000; t += 500)
      eta.record(2, event('half', 1, 1 + Math.floor(batch / 4), (batch++ % 4) + 1), t);
    const later = eta.batchesLeft()!;
    const own = eta.secondsLeft(420_000)!;
    assert.ok(Math.abs(own - later / 2) / (later / 2) < 0.05, `${own} s for ${later} batches`);
  });

  it('takes a full round to be a first-stage round when rounds are capped by positions', () => {
    const eta = new DecoderEta({ ...PLAN, roundPositions: 40 }); // 40 positions = 4 batches of 10
    eta.record(1, event('rung', 0.5, 1, 4), 0);
    assert.equal(eta.batchesLeft(), 2 * 4 + 2 * 4 + 2 * 4);
  });

  it('reads the plan from a decoder config', () => {
    const config: DecoderConfig = { ...defaultDecoderConfig(), epochsPerRate: [6, 2, 1] };
    const plan = decoderWorkPlan(config, 10, 2);
    assert.equal(plan.stageRounds, 9);
    assert.equal(plan.groups, 2);
    assert.equal(plan.keepProbs, 6);
    assert.equal(stageRoundCap({ ...config, epochsPerRate: 3, decays: 2, maxEpochs: 7 }), 7);
  });
});
