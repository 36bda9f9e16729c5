// Finite-difference gradient checker for tests: compares analytic gradients with central differences.

import type { Rng } from './random.js';

export interface GradientCheckOptions {
  /** Arrays perturbed in place (inputs or parameters); every entry is restored exactly afterwards. */
  params: Float32Array[];
  /** The analytic gradient of loss() with respect to each params array (same lengths). */
  analytic: Float32Array[];
  /** Recomputes the scalar loss from the current contents of params. Accumulate it in float64 where possible. */
  loss: () => number;
  /** Perturbation half-width (default 1e-2: float32 storage makes smaller steps noisy). */
  eps?: number;
  /** Check at most this many entries per array, chosen at random without repetition (default: all entries). */
  samples?: number;
  /** Floor of the error's denominator, so that near-zero gradients are judged by absolute error (default 1e-3). */
  floor?: number;
  /**
   * Richardson extrapolation (default true): numeric = (4·D(ε/2) − D(ε)) / 3 cancels the ε² truncation term of the
   * central difference, so ε can stay large enough to swamp float32 rounding on strongly curved losses.
   */
  extrapolate?: boolean;
  /** Labels of the arrays in the `worst` report (default "param[i]"). */
  names?: string[];
  /** Picks the sampled entries. */
  rng: Rng;
}

export interface GradientCheckResult {
  /** The largest error over checked entries (see checkGradient). */
  maxRelError: number;
  /** Which entry gave it, with both values, e.g. "w[3]: analytic=0.1 numeric=0.11 err=0.09". */
  worst: string;
  /** Number of entries checked. */
  checked: number;
}

/**
 * For each checked entry θ of params[i]: D(ε) = (L(θ+ε) − L(θ−ε)) / (θ₊ − θ₋), where θ₊ and θ₋ are the
 * float32 values actually stored (so rounding of θ±ε does not bias the quotient); numeric = D(ε), or its
 * Richardson extrapolation (see `extrapolate`), and
 *   err = |analytic − numeric| / max(|analytic|, |numeric|, floor).
 * err is the relative error for gradients above `floor` and the absolute error divided by `floor` below it.
 * A NaN anywhere makes err Infinity. Returns the largest err and where it occurred.
 */
export function checkGradient(options: GradientCheckOptions): GradientCheckResult {
  const { params, analytic, loss, rng } = options;
  const eps = options.eps ?? 1e-2;
  const floor = options.floor ?? 1e-3;
  const extrapolate = options.extrapolate ?? true;
  if (params.length !== analytic.length) {
    throw new RangeError(`checkGradient: ${params.length} params but ${analytic.length} analytic gradients`);
  }
  if (!(eps > 0)) throw new RangeError(`checkGradient: invalid eps ${eps}`);
  let maxRelError = 0;
  let worst = 'nothing checked';
  let checked = 0;
  const probe = new Float32Array(1);
  for (let a = 0; a < params.length; a++) {
    const p = params[a];
    const g = analytic[a];
    const label = options.names?.[a] ?? `param[${a}]`;
    if (g.length !== p.length) {
      throw new RangeError(`checkGradient: ${label} has ${p.length} entries but its gradient ${g.length}`);
    }
    for (const j of pickIndices(p.length, options.samples, rng)) {
      const orig = p[j];
      const centralDifference = (h: number): number => {
        probe[0] = orig + h;
        const hi = probe[0];
        probe[0] = orig - h;
        const lo = probe[0];
        p[j] = hi;
        const lossHi = loss();
        p[j] = lo;
        const lossLo = loss();
        p[j] = orig;
        return (lossHi - lossLo) / (hi - lo);
      };
      const coarse = centralDifference(eps);
      const numeric = extrapolate ? (4 * centralDifference(eps / 2) - coarse) / 3 : coarse;
      const an = g[j];
      const diff = Math.abs(an - numeric);
      let err = diff / Math.max(Math.abs(an), Math.abs(numeric), floor);
      if (Number.isNaN(err)) err = Number.POSITIVE_INFINITY;
      checked++;
      if (err > maxRelError || checked === 1) {
        maxRelError = err;
        worst = `${label}[${j}]: analytic=${an} numeric=${numeric} err=${err}`;
      }
    }
  }
  return { maxRelError, worst, checked };
}

/** All of 0..n−1, or `samples` distinct indices of them drawn with a partial Fisher–Yates shuffle. */
function pickIndices(n: number, samples: number | undefined, rng: Rng): Int32Array {
  const all = new Int32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  if (samples === undefined || samples >= n) return all;
  const k = Math.max(0, Math.floor(samples));
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    const tmp = all[i];
    all[i] = all[j];
    all[j] = tmp;
  }
  return all.subarray(0, k);
}
