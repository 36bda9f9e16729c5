import assert from 'node:assert/strict';
import { test } from 'node:test';
import { benjaminiHochberg, erfc, MIN_TEST_COUNT, twoProportionPValue } from '../../src/core/stats.js';

test('erfc() matches tabulated values to 1.2e-7 relative error, in both tails', () => {
  const table: [number, number][] = [
    [0, 1],
    [0.5, 0.4795001221869535],
    [1, 0.15729920705028513],
    [2, 0.004677734981047266],
    [3, 2.209049699858544e-5],
    [5, 1.5374597944280349e-12],
    [-1, 1.8427007929497148],
  ];
  for (const [x, want] of table) {
    assert.ok(Math.abs(erfc(x) - want) <= 1.2e-7 * want, `erfc(${x}) = ${erfc(x)}, want ${want}`);
  }
});

test('twoProportionPValue(): the pooled z-test, 1 where there is nothing to test', () => {
  // 50/100 vs 70/100: z = −0.2 / √(0.6·0.4·0.02) = −2.887, two-sided p = 0.00389.
  assert.ok(Math.abs(twoProportionPValue(50, 100, 70, 100) - 0.003892) < 2e-6);
  assert.equal(twoProportionPValue(50, 100, 70, 100), twoProportionPValue(70, 100, 50, 100));
  assert.equal(twoProportionPValue(30, 60, 30, 60), 1);
  assert.equal(twoProportionPValue(100, 100, 40, 40), 1, 'both at 100%: no variance');
  assert.equal(twoProportionPValue(9, 9, 0, 100), 1, `fewer than ${MIN_TEST_COUNT} positions: not tested`);
  assert.throws(() => twoProportionPValue(11, 10, 0, 10), RangeError);
});

test('benjaminiHochberg() keeps the largest k with p(k) ≤ k·q/m, and every smaller p-value', () => {
  const p = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216];
  assert.deepEqual(
    benjaminiHochberg(p, 0.05)
      .map((x, i) => (x ? i : -1))
      .filter((i) => i >= 0),
    [0, 1],
  );
  // Step-up: p(3) = 0.03 ≤ 3·0.05/4 carries p(2) = 0.029 > 2·0.05/4 with it.
  assert.deepEqual(benjaminiHochberg([0.029, 0.03, 0.01, 0.5]), [true, true, true, false]);
  assert.deepEqual(benjaminiHochberg([0.2, 0.5]), [false, false]);
  assert.deepEqual(benjaminiHochberg([]), []);
});
