import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/random.js';
import { Alphabet } from '../../src/data/alphabet.js';
import { type EncodedPartition, encodeSegments } from '../../src/data/corpus.js';
import { type NgramModel, trainNgram } from '../../src/models/ngram.js';
import { countGrams } from '../../src/models/ngram-counts.js';
import { countOfCounts, estimateDiscounts, FALLBACK_DISCOUNTS } from '../../src/models/ngram-discounts.js';

const ABC = new Alphabet(['a', 'b', 'c']);
const [a, b, c] = [0, 1, 2];

// The hand-worked corpus. Bigram counts: ab 4, ba 3, bc 2, ca 1, aa 1. Trigram counts: aba 3, bab 2, abc 1, bca 1,
// caa 1. Segment starts: "ab", "ab", "bc".
const HAND = encodeSegments(['abababa', 'abc', 'bcaa'], ABC);

function close(actual: number, expected: number, what: string, tol = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected}`);
}

/** Segments of random symbols with a skewed prior, so that counts of every size occur. */
function randomPartition(seed: number, V: number, segments: number, maxLength: number): EncodedPartition {
  const rng = new Rng(seed);
  const symbols = Array.from({ length: V }, (_, i) => String.fromCharCode(97 + i));
  const segs = Array.from({ length: segments }, () =>
    Array.from({ length: 1 + rng.int(maxLength) }, () => symbols[Math.floor(rng.next() ** 2 * V)]).join(''),
  );
  return encodeSegments(segs, new Alphabet(symbols));
}

function assertSumsToOne(model: NgramModel, seed: number, what: string): void {
  const rng = new Rng(seed);
  const V = model.vocab;
  const dist = new Float64Array(V);
  for (let trial = 0; trial < 300; trial++) {
    const history = Array.from({ length: rng.int(model.order + 2) }, () => rng.int(V));
    let sum = 0;
    for (let w = 0; w < V; w++) {
      const p = model.prob(history, w);
      assert.ok(p > 0 && p < 1, `${what}: p(${w}|${history}) = ${p}`);
      sum += p;
    }
    close(sum, 1, `${what}: Σ p(·|${history})`, 1e-12);
    model.distribution(history, dist);
    for (let w = 0; w < V; w++) close(dist[w], model.prob(history, w), `${what}: distribution[${w}]`, 1e-15);
  }
}

test('estimateDiscounts() follows Chen & Goodman for valid count-of-counts and falls back otherwise', () => {
  // n = (10, 4, 2, 1): Y = 10/18; D1 = 1 − 2Y·4/10 = 10/18; D2 = 2 − 3Y·2/4 = 2 − 5/6; D3+ = 3 − 4Y·1/2 = 3 − 10/9.
  const est = estimateDiscounts([10, 4, 2, 1]);
  assert.equal(est.fallback, false);
  close(est.discounts[0], 10 / 18, 'D1');
  close(est.discounts[1], 2 - 5 / 6, 'D2');
  close(est.discounts[2], 3 - 10 / 9, 'D3+');
  // n3 = 0 leaves D3+ undefined.
  assert.deepEqual(estimateDiscounts([3, 2, 0, 0]), { discounts: FALLBACK_DISCOUNTS, fallback: true });
  // Y = 10/12, D2 = 2 − 3Y·10/1 < 0: out of range.
  assert.equal(estimateDiscounts([10, 1, 10, 10]).fallback, true);
  assert.deepEqual(countOfCounts([1, 1, 2, 5, 4, 3, 1, 0]), [3, 1, 1, 1]);
});

test('countGrams() counts raw k-grams within segments and continuation counts with the segment start', () => {
  const g = countGrams(HAND, 3, 3);
  const asMap = (k: number, which: 'raw' | 'adjusted') =>
    Object.fromEntries(Array.from(g[k - 1].keys, (key, i) => [key, g[k - 1][which][i]]));
  const key = (...s: number[]) => s.reduce((x, y) => x * 3 + y, 0);
  assert.deepEqual(asMap(3, 'raw'), {
    [key(a, b, a)]: 3,
    [key(b, a, b)]: 2,
    [key(a, b, c)]: 1,
    [key(b, c, a)]: 1,
    [key(c, a, a)]: 1,
  });
  assert.deepEqual(asMap(3, 'adjusted'), asMap(3, 'raw'));
  assert.deepEqual(asMap(2, 'raw'), { [key(a, a)]: 1, [key(a, b)]: 4, [key(b, a)]: 3, [key(b, c)]: 2, [key(c, a)]: 1 });
  // N1+(•g): ab ← {b, start}, ba ← {a}, bc ← {a, start}, ca ← {b}, aa ← {c}.
  assert.deepEqual(asMap(2, 'adjusted'), {
    [key(a, a)]: 1,
    [key(a, b)]: 2,
    [key(b, a)]: 1,
    [key(b, c)]: 2,
    [key(c, a)]: 1,
  });
  // a ← {b, c, a, start}, b ← {a, start}, c ← {b}.
  assert.deepEqual(asMap(1, 'adjusted'), { [a]: 4, [b]: 2, [c]: 1 });
  assert.deepEqual(asMap(1, 'raw'), { [a]: 7, [b]: 5, [c]: 2 });
});

test('trainNgram() bigram: modified Kneser–Ney probabilities worked by hand', () => {
  const m = trainNgram(HAND, 3, { order: 2 });
  // Order 2 (raw counts ab 4, ba 3, bc 2, ca 1, aa 1): n = (2, 1, 1, 1), Y = 2/4, D = (0.5, 0.5, 1).
  assert.deepEqual(m.fallback, [true, false]);
  close(m.discounts[1][0], 0.5, 'D1');
  close(m.discounts[1][1], 0.5, 'D2');
  close(m.discounts[1][2], 1, 'D3+');
  // Order 1 (continuation counts a 4, b 2, c 1; no count of 3): fallback D = (0.5, 1, 1.5); total 7,
  // γ = (0.5 + 1 + 1.5) / 7 = 3/7, p1 = (count − D)/7 + γ/3.
  const p1 = { a: 2.5 / 7 + 1 / 7, b: 1 / 7 + 1 / 7, c: 0.5 / 7 + 1 / 7 };
  close(m.prob([], a), p1.a, 'p(a)');
  close(m.prob([], b), p1.b, 'p(b)');
  close(m.prob([], c), p1.c, 'p(c)');
  // Context a: ab 4, aa 1; c(a) = 5, γ(a) = (D1·1 + D3+·1)/5 = 0.3.
  close(m.prob([a], b), (4 - 1) / 5 + 0.3 * p1.b, 'p(b|a)');
  close(m.prob([a], a), (1 - 0.5) / 5 + 0.3 * p1.a, 'p(a|a)');
  close(m.prob([a], c), 0.3 * p1.c, 'p(c|a)');
  // Context b: ba 3, bc 2; γ(b) = (D2 + D3+)/5 = 0.3.
  close(m.prob([b], a), (3 - 1) / 5 + 0.3 * p1.a, 'p(a|b)');
  close(m.prob([b], c), (2 - 0.5) / 5 + 0.3 * p1.c, 'p(c|b)');
  close(m.prob([b], b), 0.3 * p1.b, 'p(b|b)');
  // Context c: ca 1; γ(c) = 0.5. Only the last symbol of a longer history matters.
  close(m.prob([a, b, c], a), 0.5 + 0.5 * p1.a, 'p(a|c)');
  close(m.prob([c], c), 0.5 * p1.c, 'p(c|c)');
});

test('trainNgram() trigram: modified Kneser–Ney probabilities worked by hand', () => {
  const m = trainNgram(HAND, 3, { order: 3 });
  // Order 3 (raw aba 3, bab 2, abc 1, bca 1, caa 1): n = (3, 1, 1, 0), Y = 3/5, D1 = 1 − 2·0.6/3 = 0.6,
  // D2 = 2 − 3·0.6 = 0.2, D3+ = 3 − 0 = 3. Order 2 (continuation ab 2, ba 1, bc 2, ca 1, aa 1): n3 = 0, fallback.
  assert.deepEqual(m.fallback, [true, true, false]);
  close(m.discounts[2][0], 0.6, 'D1', 1e-15);
  close(m.discounts[2][1], 0.2, 'D2', 1e-15);
  close(m.discounts[2][2], 3, 'D3+', 1e-15);
  const p1 = { a: 2.5 / 7 + 1 / 7, b: 2 / 7, c: 1.5 / 7 }; // order 1 as in the bigram test
  // Order 2 with D = (0.5, 1, 1.5): context a: ab 2, aa 1, γ = (1 + 0.5)/3; context b: ba 1, bc 2, γ = 1.5/3;
  // context c: ca 1, γ = 0.5.
  const p2 = {
    a: { a: 0.5 / 3 + 0.5 * p1.a, b: 1 / 3 + 0.5 * p1.b, c: 0.5 * p1.c },
    b: { a: 0.5 / 3 + 0.5 * p1.a, b: 0.5 * p1.b, c: 1 / 3 + 0.5 * p1.c },
    c: { a: 0.5 + 0.5 * p1.a, b: 0.5 * p1.b, c: 0.5 * p1.c },
  };
  close(p2.a.b, 10 / 21, 'p2(b|a) by fractions');
  // The first positions of a segment: a shorter history uses the lower order directly.
  close(m.prob([a], b), p2.a.b, 'p(b|a)');
  close(m.prob([b], c), p2.b.c, 'p(c|b)');
  // Context ab: aba 3, abc 1; c = 4, γ = (0.6 + 3)/4 = 0.9. aba loses all of its 3 (D3+ = 3).
  close(m.prob([a, b], a), 0 + 0.9 * p2.b.a, 'p(a|ab)');
  close(m.prob([a, b], c), (1 - 0.6) / 4 + 0.9 * p2.b.c, 'p(c|ab)');
  close(m.prob([a, b], b), 0.9 * p2.b.b, 'p(b|ab)');
  close(m.prob([a, b], c), 0.4964285714285714, 'p(c|ab) as a number');
  // Context ba: bab 2; γ = 0.2/2.
  close(m.prob([c, b, a], b), (2 - 0.2) / 2 + 0.1 * p2.a.b, 'p(b|ba)');
  // Context bc: bca 1; γ = 0.6.
  close(m.prob([b, c], a), 0.4 + 0.6 * p2.c.a, 'p(a|bc)');
  close(m.prob([b, c], a), 0.85, 'p(a|bc) as a number');
  // Unseen context cc (no trigram starts with it): the bigram estimate from c.
  close(m.prob([c, c], a), p2.c.a, 'p(a|cc)');

  // Evaluate on "ab" and "bca": predictions p(b|a), p(c|b), p(a|bc); every one is the argmax.
  const e = m.evaluate(encodeSegments(['ab', 'bca'], ABC), ['a', 'b', 'c']);
  assert.equal(e.predicted, 3);
  close(e.loss, -(Math.log(p2.a.b) + Math.log(p2.b.c) + Math.log(0.85)) / 3, 'loss');
  close(e.perplexity, Math.exp(e.loss), 'perplexity');
  assert.equal(e.accuracy, 1);
  assert.deepEqual(
    e.perSymbol.map((s) => [s.symbol, s.count, s.correct]),
    [
      ['a', 1, 1],
      ['b', 1, 1],
      ['c', 1, 1],
    ],
  );
});

test('usedContextLength() is the longest suffix kept as a context, falling back when unseen', () => {
  const m = trainNgram(HAND, 3, { order: 3 });
  assert.equal(m.usedContextLength([]), 0);
  assert.equal(m.usedContextLength([c]), 1);
  assert.equal(m.usedContextLength([c, a, b]), 2); // "ab" is a trigram context
  assert.equal(m.usedContextLength([c, a]), 2); // caa
  assert.equal(m.usedContextLength([a, a]), 1); // "aa" only ends a segment: never followed by anything
  assert.equal(m.usedContextLength([c, c]), 1);
  // Pruned below 2: ca, aa (count 1) go from order 2, abc, bca, caa from order 3; orders ≥ 2 keep ab, ba, bc, aba, bab.
  const pruned = trainNgram(HAND, 3, { order: 3, prune: 2 });
  assert.equal(pruned.usedContextLength([c, a]), 1); // caa pruned; "a" still has ab
  assert.equal(pruned.usedContextLength([b, c]), 0); // bca pruned, and "c" lost its only bigram ca
  assert.equal(pruned.usedContextLength([b, a]), 2); // bab kept
  assert.equal(pruned.ngramCount, 3 + 3 + 2);
  // Pruning leaves the discounts (estimated from all counts) alone.
  assert.deepEqual(pruned.discounts, m.discounts);
  // Context c is gone at order 2: p(·|c) is the unigram distribution.
  close(pruned.prob([c], a), pruned.prob([], a), 'pruned p(a|c)');
});

test('prob() and distribution() sum to 1 over the symbols for random histories, with and without pruning', () => {
  for (const [seed, V, order, prune] of [
    [1, 5, 3, 0],
    [2, 5, 5, 0],
    [3, 8, 4, 2],
    [4, 6, 5, 3],
    [5, 4, 2, 5],
    [6, 7, 1, 0],
  ] as const) {
    const part = randomPartition(seed, V, 80, 40);
    const m = trainNgram(part, V, { order, prune });
    assertSumsToOne(m, seed + 100, `V ${V}, order ${order}, prune ${prune}`);
  }
});

test('pruning drops n-grams of order ≥ 2 below the threshold and keeps the kept set suffix-closed', () => {
  const part = randomPartition(9, 6, 200, 30);
  const full = trainNgram(part, 6, { order: 4 });
  const pruned = trainNgram(part, 6, { order: 4, prune: 3 });
  assert.equal(pruned.tables[0].keys.length, full.tables[0].keys.length, 'unigrams are never pruned');
  const raw = countGrams(part, 6, 4);
  for (let k = 2; k <= 4; k++) {
    const expected = raw[k - 1].keys.filter((_, i) => raw[k - 1].raw[i] >= 3);
    assert.deepEqual(Array.from(pruned.tables[k - 1].keys), Array.from(expected), `order ${k}`);
    // Each kept k-gram's suffix (its last k − 1 symbols) is kept at order k − 1.
    const lower = new Set(pruned.tables[k - 2].keys);
    for (const key of pruned.tables[k - 1].keys) assert.ok(lower.has(key % 6 ** (k - 1)));
  }
  assert.ok(pruned.ngramCount < full.ngramCount);
});

test('trainNgram() validates its inputs with one-line UserErrors', () => {
  assert.throws(() => trainNgram(HAND, 3, { order: 0 }), UserError);
  assert.throws(() => trainNgram(HAND, 3, { order: 2.5 }), UserError);
  assert.throws(() => trainNgram(HAND, 3, { prune: -1 }), UserError);
  assert.throws(() => trainNgram(HAND, 2, { order: 2 }), /outside the 2-symbol set/);
  assert.throws(() => trainNgram(HAND, 30, { order: 11 }), /too high/);
  assert.throws(() => trainNgram(encodeSegments([], ABC), 3), UserError);
  const m = trainNgram(HAND, 3, { order: 2 });
  assert.throws(() => m.prob([a], 3), RangeError);
  assert.throws(() => m.prob([7], a), RangeError);
});
