// Modified Kneser–Ney discounts (Chen & Goodman 1998): three per order, for n-grams seen once, twice, and three or
// more times, estimated from that order's count-of-counts.

/** D1, D2, D3+. */
export type Discounts = readonly [number, number, number];

/**
 * Used for an order whose count-of-counts give a discount outside (0, k] for count k, or none at all (tiny corpora,
 * small alphabets: e.g. no unigram seen exactly four times). The same values as KenLM's --discount_fallback.
 */
export const FALLBACK_DISCOUNTS: Discounts = [0.5, 1, 1.5];

/** n1..n4: how many of `counts` equal 1, 2, 3 and 4. */
export function countOfCounts(counts: ArrayLike<number>): [number, number, number, number] {
  const n: [number, number, number, number] = [0, 0, 0, 0];
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (c >= 1 && c <= 4) n[c - 1]++;
  }
  return n;
}

/**
 * Y = n1 / (n1 + 2·n2), D1 = 1 − 2Y·n2/n1, D2 = 2 − 3Y·n3/n2, D3+ = 3 − 4Y·n4/n3; or FALLBACK_DISCOUNTS (and
 * fallback: true) when one of them is undefined or outside (0, k]. A discount above 0 keeps every probability above 0
 * (some mass always reaches the uniform distribution); one of at most k never takes more than a count holds.
 */
export function estimateDiscounts(n: readonly [number, number, number, number]): {
  discounts: Discounts;
  fallback: boolean;
} {
  const [n1, n2, n3, n4] = n;
  const Y = n1 / (n1 + 2 * n2);
  const d: Discounts = [1 - (2 * Y * n2) / n1, 2 - (3 * Y * n3) / n2, 3 - (4 * Y * n4) / n3];
  const valid = d.every((D, i) => Number.isFinite(D) && D > 0 && D <= i + 1);
  return valid ? { discounts: d, fallback: false } : { discounts: FALLBACK_DISCOUNTS, fallback: true };
}

/** The discount for an n-gram with count c ≥ 1. */
export function discountFor(d: Discounts, c: number): number {
  return c >= 3 ? d[2] : c === 2 ? d[1] : d[0];
}
