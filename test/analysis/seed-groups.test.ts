import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkGroups,
  groupMean,
  groupSignificance,
  marginalGroupComparison,
  welchPValue,
} from '../../src/analysis/seed-groups.js';
import type { Signature } from '../../src/analysis/signature-types.js';
import { UserError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/random.js';
import { serializeSignature, validateSignature } from '../../src/io/signature-file.js';
import { tinySignature } from '../render/helpers.js';

test("welchPValue() matches Welch's t-test (scipy: t −3.4125, df 3.806, p 0.029145)", () => {
  assert.ok(Math.abs(welchPValue([1, 2, 3], [4, 5, 6.5]) - 0.029145305862049335) < 1e-9);
  assert.equal(welchPValue([0.5, 0.5], [0.5, 0.5]), 1);
  assert.equal(welchPValue([0.5, 0.5], [0.6, 0.6]), 0);
  assert.throws(() => welchPValue([1], [1, 2]), RangeError);
});

/** K signatures of 4 symbols × 2 δ whose recalls are `centre` plus a seed's noise of ±`noise` (tenths: 10 positions). */
function group(centre: number[][], K: number, noise: number, seed: number): Signature[] {
  const rng = new Rng(seed);
  return Array.from({ length: K }, () =>
    tinySignature([
      centre.map((row) =>
        row.map((c) => Math.min(1, Math.max(0, Math.round((c + noise * (2 * rng.next() - 1)) * 10) / 10))),
      ),
    ]),
  );
}

const layers = (g: Signature[]) => g.map((s) => s.layers[0]!);
const marked = (t: ReturnType<typeof groupSignificance>) => t.cells.flat().filter((c) => c?.significant).length;
const CENTRE = [
  [0.9, 0.5, 0.7, 0.4],
  [0.6, 0.3, 0.5, 0.2],
];

test('groupSignificance(): two groups drawn from the same distribution are not marked', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const a = group(CENTRE, 3, 0.15, seed);
    const b = group(CENTRE, 3, 0.15, seed + 100);
    const t = groupSignificance(layers(a), layers(b), 2);
    assert.equal(t.tested, 8);
    assert.equal(marked(t), 0, `seed ${seed}`);
  }
});

test('groupSignificance(): clearly different groups are marked, and only in the cells that differ', () => {
  const other = CENTRE.map((row) => [...row]);
  other[0]![1] = 0.1; // 40 points below, seeds within ±5
  other[1]![3] = 0.9; // 70 points above
  const a = group(CENTRE, 3, 0.05, 7);
  const b = group(other, 3, 0.05, 8);
  const t = groupSignificance(layers(a), layers(b), 2);
  assert.equal(t.cells[0]![1]!.significant, true);
  assert.equal(t.cells[1]![3]!.significant, true);
  assert.equal(marked(t), 2);
});

test('checkGroups() refuses a lone signature, another alphabet or another Δ in one line', () => {
  const g = (sigs: Signature[]) => ({ paths: sigs.map((_, i) => `s${i}.json`), signatures: sigs });
  const a = group(CENTRE, 2, 0, 1);
  const oneLine = (f: () => void, pattern: RegExp) =>
    assert.throws(f, (e: unknown) => e instanceof UserError && pattern.test(e.message) && !e.message.includes('\n'));
  oneLine(
    () => checkGroups(g(a.slice(0, 1)), g(a)),
    /^group A has 1 signature: the spread over seeds needs at least 2/,
  );
  const letters = tinySignature([CENTRE], ['a', 'b', 'c', '#']);
  oneLine(() => checkGroups(g(a), g([a[0]!, letters])), /^s1\.json: its alphabet differs from s0\.json's/);
  const longer = tinySignature([[...CENTRE, CENTRE[0]!]]);
  oneLine(() => checkGroups(g(a), g([longer, a[0]!])), /^s0\.json: Δ = 3, but s0\.json has Δ = 2; groups need one Δ$/);
});

test('groupMean() is the per-cell mean over the group, with the spread', () => {
  const a = group(CENTRE, 3, 0.1, 3);
  const mean = groupMean({ paths: ['x', 'y', 'z'], signatures: a }, 1, [1, 2, 3]);
  const cell = a.map((s) => s.layers[0]!.deltas[0]!.recall[0]!);
  assert.ok(Math.abs(mean.layers[0]!.deltas[0]!.recall[0]! - (cell[0]! + cell[1]! + cell[2]!) / 3) < 1e-12);
  assert.equal(mean.layers[0]!.deltas[0]!.seeds!.recallMin[0], Math.min(...cell));
  // A group is a model's seeds; the mean says so, and a signature file keeps it.
  assert.equal(mean.layers[0]!.deltas[0]!.seeds!.of, 'model');
  const reread = validateSignature(JSON.parse(serializeSignature(mean)), 'mean');
  assert.equal(reread.layers[0]!.deltas[0]!.seeds!.of, 'model');
});

test('marginalGroupComparison(): per δ and over δ, mean and spread of the seeds, Welch over seeds, BH over the δ', () => {
  /** A group whose seed k has marginal accuracy accuracies[δ − 1][k]. */
  const withAccuracies = (accuracies: number[][]) =>
    accuracies[0]!.map((_, k) => {
      const sig = tinySignature([CENTRE]);
      for (const [i, d] of sig.layers[0]!.deltas.entries()) d.accuracy = accuracies[i]![k]!;
      return sig.layers[0]!;
    });
  const a = withAccuracies([
    [0.9, 0.91, 0.92],
    [0.5, 0.52, 0.51],
  ]);
  const b = withAccuracies([
    [0.9, 0.92, 0.91],
    [0.4, 0.41, 0.42],
  ]);
  const m = marginalGroupComparison(a, b, 2);
  const [d1, d2] = m.perDelta;
  assert.ok(Math.abs(d1!.a.mean - 0.91) < 1e-12 && Math.abs(d1!.a.sd - 0.01) < 1e-12);
  assert.ok(Math.abs(d1!.difference) < 1e-12);
  assert.equal(d1!.significant, false);
  assert.ok(Math.abs(d2!.difference - 0.1) < 1e-12);
  assert.equal(d2!.pValue, welchPValue([0.5, 0.52, 0.51], [0.4, 0.41, 0.42]));
  assert.equal(d2!.significant, true);
  // Over δ: each seed's mean over δ is one value.
  assert.equal(m.overDelta.pValue, welchPValue([0.7, 0.715, 0.715], [0.65, 0.665, 0.665]));
  assert.ok(Math.abs(m.overDelta.difference - 0.05) < 1e-12);
  // The same seeds on both sides: no difference, no spread between the groups' means.
  const same = marginalGroupComparison(a, a, 2);
  assert.ok(same.perDelta.every((c) => c.difference === 0 && c.pValue === 1 && !c.significant));
  assert.equal(same.overDelta.significant, false);
});
