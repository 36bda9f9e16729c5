import assert from 'node:assert/strict';
import { test } from 'node:test';
import { graphemeTarget } from '../../src/analysis/label-targets.js';
import { alignedLabels, sampleProbePositions, stepLabels, unitLabels } from '../../src/analysis/las-positions.js';
import {
  listenerFactor,
  listenerFrames,
  orderProbes,
  probeParameterCount,
  probeStateSize,
} from '../../src/analysis/las-probes.js';
import { UserError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/random.js';
import { defaultLasConfig } from '../../src/models/las-config.js';

const target = graphemeTarget(['a', 'b', 'c']);

test('alignedLabels(), stepLabels() and unitLabels() name what lies δ back', () => {
  const graphemes = Int32Array.of(0, 1, 2);
  const frames = alignedLabels(Int32Array.of(-1, 0, 0, 1, 2, -1), graphemes, target);
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5].map((t) => frames.label(t, 0)),
    [-1, 0, 0, 1, 2, -1],
  );
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5].map((t) => frames.label(t, 1)),
    [-1, -1, -1, 0, 1, -1],
  );
  // Steps 0..3 (3 spells <eos>): δ = 0 is the grapheme being spelled.
  const steps = stepLabels(graphemes, target);
  assert.equal(steps.positions, 4);
  assert.deepEqual(
    [0, 1, 2, 3].map((i) => steps.label(i, 0)),
    [0, 1, 2, -1],
  );
  assert.deepEqual(
    [0, 1, 2, 3].map((i) => steps.label(i, 2)),
    [-1, -1, 0, 1],
  );
  // Units of 6 feature frames seen by frames of factor 2: frame x has the unit of feature frame 2x + 1.
  const units = unitLabels(Int32Array.of(10, 11, 12, 13, 14, 15), 2, 3);
  assert.deepEqual(
    [0, 1, 2].map((t) => units.label(t, 0)),
    [11, 13, 15],
  );
  assert.deepEqual(
    [0, 1, 2].map((t) => units.label(t, 1)),
    [-1, 11, 13],
  );
});

test('sampleProbePositions() draws among positions with a label only, sorted, seeded, all when too few', () => {
  const graphemes = Int32Array.of(0, 1, 2);
  const utterances = [
    alignedLabels(Int32Array.of(-1, 0, 1, 2, -1), graphemes, target),
    alignedLabels(Int32Array.of(-1, -1, 0, 0, 1), graphemes, target),
  ];
  const all = sampleProbePositions(utterances, [0, 1], 100, new Rng(1));
  assert.equal(all.eligible, 6);
  assert.deepEqual([...all.utterance], [0, 0, 0, 1, 1, 1]);
  assert.deepEqual([...all.position], [1, 2, 3, 2, 3, 4]);
  assert.deepEqual([...all.first], [0, 3, 6]);
  assert.deepEqual([...all.labels[0]!], [0, 1, 2, 0, 0, 1]);
  assert.deepEqual([...all.labels[1]!], [-1, 0, 1, -1, -1, 0]);
  const some = sampleProbePositions(utterances, [0, 1], 4, new Rng(2));
  assert.equal(some.position.length, 4);
  const keys = [...some.position].map((t, i) => some.utterance[i]! * 10 + t);
  assert.deepEqual(
    keys,
    [...keys].sort((a, b) => a - b),
  );
  assert.equal(new Set(keys).size, 4);
  assert.ok(keys.every((k) => [1, 2, 3, 12, 13, 14].includes(k)));
  assert.deepEqual(sampleProbePositions(utterances, [0, 1], 4, new Rng(2)), some);
});

test('las-probes: frame axes, state sizes and decoder-rule parameter counts of the default LAS', () => {
  const c = defaultLasConfig(); // 3 × 256 BLSTM, top two pyramid, no stacking
  assert.deepEqual(
    [0, 1, 2].map((k) => listenerFactor(c, k)),
    [1, 2, 4],
  );
  assert.deepEqual(listenerFrames(c, 401), [401, 200, 100]);
  assert.equal(listenerFactor({ ...c, stack: 3 }, 0), 3);
  assert.deepEqual(listenerFrames({ ...c, stack: 3 }, 401), [133, 66, 33]);
  assert.equal(probeStateSize(c, { role: 'encoder', layer: 0 }, 'both'), 512);
  assert.equal(probeStateSize(c, { role: 'encoder', layer: 0 }, 'forward'), 256);
  assert.equal(probeStateSize(c, { role: 'features', window: 2 }, 'both'), 200);
  assert.equal(probeStateSize(c, { role: 'decoder', reads: 'context' }, 'both'), 512);
  // nn.LSTM(40, 256) per direction: 4·256·(40 + 256) + 8·256.
  const layer1 = 4 * 256 * (40 + 256) + 8 * 256;
  assert.equal(probeParameterCount(c, { role: 'encoder', layer: 0 }, 'both'), 2 * layer1);
  assert.equal(probeParameterCount(c, { role: 'features', window: 0 }, 'forward'), layer1);
  assert.equal(
    probeParameterCount(c, { role: 'decoder', reads: 'query' }, 'both'),
    4 * 256 * (64 + 512 + 256) + 8 * 256,
  );
  assert.equal(
    probeParameterCount(c, { role: 'decoder', reads: 'context' }, 'both'),
    128 * 512 + 128 + 128 * 256 + 128,
  );
  // Ordered from the input up; unknown or repeated probes are a user's mistake.
  const ordered = orderProbes(c, [
    { role: 'decoder', reads: 'query' },
    { role: 'encoder', layer: 2 },
    { role: 'features', window: 3 },
    { role: 'encoder', layer: 0 },
  ]);
  assert.deepEqual(
    ordered.map((p) => p.role),
    ['features', 'encoder', 'encoder', 'decoder'],
  );
  assert.throws(() => orderProbes(c, [{ role: 'encoder', layer: 3 }]), UserError);
  assert.throws(
    () =>
      orderProbes(c, [
        { role: 'encoder', layer: 1 },
        { role: 'encoder', layer: 1 },
      ]),
    UserError,
  );
});
