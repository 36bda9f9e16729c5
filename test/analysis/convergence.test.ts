import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assessConvergence,
  formatDeltaList,
  type LearningCurve,
  unconvergedDeltas,
} from '../../src/analysis/convergence.js';
import { PlateauSchedule } from '../../src/analysis/decoder-schedule.js';
import { pairedDifferenceStdError } from '../../src/analysis/decoders.js';

function curve(overrides: Partial<LearningCurve>): LearningCurve {
  return {
    half: [0.5, 0.6, 0.6],
    full: [0.6, 0.603, 0.603],
    halfEnd: 'plateau',
    fullEnd: 'plateau',
    halfLr: [3e-3, 3e-3, 3e-3],
    fullLr: [3e-3, 6e-4, 6e-4],
    halfPositions: 100,
    fullPositions: 200,
    dataGainStdError: 0.001,
    ...overrides,
  };
}

describe('assessConvergence', () => {
  it('passes a decoder whose stages plateaued and whose data gain, counted twice, is within the tolerance', () => {
    const v = assessConvergence(curve({ full: [0.6, 0.602, 0.602] }));
    assert.ok(Math.abs(v.dataGain! - 0.002) < 1e-12);
    assert.equal(v.epochGain, 0);
    assert.equal(v.converged, true);
    // 0.3 point, well beyond its sampling error: the next doubling would most likely add more than half a point.
    const w = assessConvergence(curve({}));
    assert.ok(Math.abs(w.dataGain! - 0.003) < 1e-12);
    assert.equal(w.converged, false);
  });

  it('fails a decoder that the second half of the data raised beyond the tolerance and its sampling error', () => {
    const v = assessConvergence(curve({ full: [0.6, 0.62, 0.61] }));
    assert.ok(Math.abs(v.dataGain! - 0.02) < 1e-12);
    assert.equal(v.converged, false);
    // The same gain inside two standard errors (a small dev sample) is noise, not a trend.
    assert.equal(assessConvergence(curve({ full: [0.6, 0.62, 0.61], dataGainStdError: 0.011 })).converged, true);
  });

  it('fails a decoder still rising when the full stage hit the cap at its smallest learning rate', () => {
    const fullLr = [3e-3, 3e-3, 6e-4, 6e-4, 6e-4, 6e-4];
    const v = assessConvergence(curve({ full: [0.5, 0.55, 0.58, 0.59, 0.6, 0.61], fullLr, fullEnd: 'cap' }));
    // Four epochs at the smallest rate: their second half (0.61) over the best before it (0.59).
    assert.ok(Math.abs(v.epochGain! - 0.02) < 1e-12);
    assert.equal(v.converged, false);
    const flat = curve({ full: [0.5, 0.55, 0.6, 0.6, 0.601, 0.601], fullLr, fullEnd: 'cap' });
    assert.equal(assessConvergence(flat).converged, true);
  });

  it('cannot judge a single capped epoch at the last rate, or a run that never reached the full stage', () => {
    assert.deepEqual(assessConvergence(curve({ full: [0.5, 0.6], fullLr: [3e-3, 6e-4], fullEnd: 'cap' })), {
      dataGain: 0,
      epochGain: null,
      converged: false,
    });
    assert.deepEqual(assessConvergence(curve({ full: [0.6], fullLr: [3e-3], fullEnd: 'cap' })), {
      dataGain: 0,
      epochGain: null,
      converged: false,
    });
    assert.deepEqual(assessConvergence(curve({ full: [], fullEnd: null })), {
      dataGain: null,
      epochGain: null,
      converged: false,
    });
  });

  it('without a half stage judges the epochs alone', () => {
    const v = assessConvergence(curve({ half: [], halfEnd: null, dataGainStdError: null }));
    assert.equal(v.dataGain, null);
    assert.equal(v.converged, true);
  });
});

describe('PlateauSchedule', () => {
  const config = { maxEpochs: 10, epochsPerRate: 3, patience: 1, lrDecay: 0.25, decays: 2, minImprovement: 0.001 };

  it('decays the learning rate at each plateau and ends after the last decay plateaus', () => {
    const s = new PlateauSchedule(1e-3, { ...config, epochsPerRate: 10 });
    const lrs: number[] = [];
    for (const improved of [true, true, false, true, false, false]) {
      lrs.push(s.lr);
      const more = s.next(improved);
      if (!more) break;
    }
    assert.deepEqual(lrs, [1e-3, 1e-3, 1e-3, 2.5e-4, 2.5e-4, 6.25e-5]);
    assert.equal(s.end, 'plateau');
    assert.equal(s.epochs, 6);
  });

  it('decays after epochsPerRate epochs at one rate even while improving, and ends after the last rate', () => {
    const s = new PlateauSchedule(1e-3, config);
    const lrs: number[] = [];
    for (let more = true; more; ) {
      lrs.push(s.lr);
      more = s.next(true);
    }
    assert.deepEqual(lrs, [1e-3, 1e-3, 1e-3, 2.5e-4, 2.5e-4, 2.5e-4, 6.25e-5, 6.25e-5, 6.25e-5]);
    assert.equal(s.end, 'cap');
  });

  it('caps each rate by its own entry of a list, the last entry holding for any further rate', () => {
    const s = new PlateauSchedule(1e-3, { ...config, epochsPerRate: [4, 1], decays: 3 });
    const lrs: number[] = [];
    for (let more = true; more; ) {
      lrs.push(s.lr);
      more = s.next(true);
    }
    assert.deepEqual(lrs, [1e-3, 1e-3, 1e-3, 1e-3, 2.5e-4, 6.25e-5, 1.5625e-5]);
    assert.equal(s.end, 'cap');
  });

  it('stops at the epoch cap while still improving', () => {
    const s = new PlateauSchedule(1e-3, { ...config, maxEpochs: 3, epochsPerRate: 10 });
    assert.equal(s.next(true), true);
    assert.equal(s.next(true), true);
    assert.equal(s.next(true), false);
    assert.equal(s.end, 'cap');
  });
});

describe('pairedDifferenceStdError', () => {
  it('counts only the positions where exactly one classifier is right, and skips unused rows', () => {
    const labels = Int32Array.from([0, 1, 2, 0, -1, 1]);
    const first = Int32Array.from([0, 1, 0, 1, 3, 1]); // right at 0, 1, 5
    const second = Int32Array.from([0, 0, 2, 0, 3, 1]); // right at 0, 2, 3, 5
    // n = 5, b (second only) = 2, c (first only) = 1: √(3 − 1/5) / 5.
    assert.ok(Math.abs(pairedDifferenceStdError(first, second, labels) - Math.sqrt(2.8) / 5) < 1e-12);
    assert.equal(pairedDifferenceStdError(first, first, labels), 0);
  });
});

describe('unconvergedDeltas and formatDeltaList', () => {
  it('lists the marked δ as runs, and none for a signature without marks', () => {
    const mark = (delta: number, converged?: boolean) =>
      converged === undefined
        ? { delta }
        : { delta, convergence: { converged, dataGain: 0, epochGain: 0, curve: curve({}) } };
    const layer = {
      deltas: [mark(1, true), mark(2, false), mark(3, false), mark(4, false), mark(5, true), mark(6, false)],
    };
    assert.deepEqual(unconvergedDeltas(layer), [2, 3, 4, 6]);
    assert.equal(formatDeltaList(unconvergedDeltas(layer)), '2–4, 6');
    assert.equal(formatDeltaList([1, 2]), '1, 2');
    assert.deepEqual(unconvergedDeltas({ deltas: [mark(1), mark(2)] }), []);
  });
});
