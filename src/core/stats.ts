// Tests for comparing two signatures cell by cell: whether two recalls differ beyond sampling noise, and which of
// many such differences to believe at a chosen false-discovery rate. Pure arithmetic, no dependencies.

/**
 * erfc(x), from the Chebyshev-fitted formula of Press et al. (Numerical Recipes, erfcc): fractional error below
 * 1.2e-7 for every x, so small tail probabilities keep their digits.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const r = t * Math.exp(-z * z + poly);
  return x >= 0 ? r : 2 - r;
}

/** Smallest count on each side for which twoProportionPValue tests at all (the normal approximation needs it). */
export const MIN_TEST_COUNT = 10;

/**
 * Two-sided p-value that the proportions c1/n1 and c2/n2 differ: the pooled two-proportion z-test. 1 when either
 * count is below MIN_TEST_COUNT (too few to test) or when both proportions are 0 or both 1 (no variance). The samples
 * are taken as independent; where they share positions and their errors go together (two decoders on the same eval
 * text), the true variance of the difference is smaller, so the test errs towards finding no difference.
 */
export function twoProportionPValue(c1: number, n1: number, c2: number, n2: number): number {
  if (!(n1 >= MIN_TEST_COUNT && n2 >= MIN_TEST_COUNT)) return 1;
  if (!(c1 >= 0 && c1 <= n1 && c2 >= 0 && c2 <= n2)) throw new RangeError(`counts ${c1}/${n1}, ${c2}/${n2}`);
  const pooled = (c1 + c2) / (n1 + n2);
  const variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2);
  if (variance === 0) return 1;
  const z = (c1 / n1 - c2 / n2) / Math.sqrt(variance);
  return Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
}

/**
 * Benjamini–Hochberg: which of m p-values are discoveries at false-discovery rate q (the largest k with
 * p_(k) ≤ k·q/m, and every p-value at or below p_(k)).
 */
export function benjaminiHochberg(pValues: readonly number[], q = 0.05): boolean[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  let cutoff = -1;
  order.forEach(({ p }, k) => {
    if (p <= ((k + 1) * q) / m) cutoff = k;
  });
  const found = new Array<boolean>(m).fill(false);
  for (let k = 0; k <= cutoff; k++) found[order[k]!.i] = true;
  return found;
}
