// How figures and the viewer mark a decoder that is not converged (signature version 2, docs/figures.md), and the
// words for its learning curve's verdict. Import-free at run time: the web viewer loads it as it is.

import type { DeltaConvergence } from '../analysis/signature-types.js';

/** Beside the δ label of a decoder that is not converged. */
export const NOT_CONVERGED_MARK = '†';
/** The second side's mark in a difference (A is marked †, B ‡). */
export const NOT_CONVERGED_MARK_B = '‡';
/** A dark orange that reads on white and in greyscale print, apart from every palette's colours. */
export const NOT_CONVERGED_COLOR = '#b4400c';
export const NOT_CONVERGED_NOTE = 'not converged: more data or epochs would still raise it';

/** Whether a decoder carries the mark: a version-1 decoder (no verdict) never does. */
export function isNotConverged(d: { convergence?: { converged: boolean } }): boolean {
  return d.convergence !== undefined && !d.convergence.converged;
}

/** Whether any decoder of these has a learning curve (a version-2 signature). */
export function hasLearningCurves(deltas: readonly { convergence?: unknown }[]): boolean {
  return deltas.some((d) => d.convergence !== undefined);
}

/** A gain in accuracy as signed percentage points, without the unit: 0.0123 → "+1.2"; null → "n/a". */
function signedPoints(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return 'n/a';
  const text = (100 * Math.abs(x)).toFixed(1);
  return text === '0.0' ? '0.0' : `${x > 0 ? '+' : '−'}${text}`;
}

/** A gain in accuracy as signed percentage points: 0.0123 → "+1.2 pp"; null → "n/a". */
export function gainPoints(x: number | null): string {
  return x === null || !Number.isFinite(x) ? 'n/a' : `${signedPoints(x)} pp`;
}

// 12345 → "12,345" (no locale; svg.ts has the same, but this module imports nothing).
function group(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export interface ConvergenceWords {
  /** "+1.2 ± 0.8 pp (4,000 → 8,000 train positions)": the data gain ± 2 standard errors, or why there is none. */
  data: string;
  /** "+0.3 pp (stopped at the epoch cap)", "0.0 pp (ended on a plateau)", or why there is no number. */
  epochs: string;
  /** "converged" or the not-converged note. */
  verdict: string;
}

/** What a decoder's curve says, in words: the data gain ± two standard errors, the epoch gain and the verdict. */
export function convergenceWords(c: DeltaConvergence): ConvergenceWords {
  const { curve } = c;
  const se = curve.dataGainStdError;
  const data =
    c.dataGain === null
      ? 'n/a (no half-data stage)'
      : `${se === null ? gainPoints(c.dataGain) : `${signedPoints(c.dataGain)} ± ${(200 * se).toFixed(1)} pp`} ` +
        `(${group(curve.halfPositions)} → ${group(curve.fullPositions)} train positions)`;
  const epochs =
    c.epochGain === null
      ? curve.full.length === 0
        ? 'n/a (never trained on all positions)'
        : 'n/a (one capped epoch)'
      : `${gainPoints(c.epochGain)} (${curve.fullEnd === 'cap' ? 'stopped at the epoch cap' : 'ended on a plateau'})`;
  return { data, epochs, verdict: c.converged ? 'converged' : NOT_CONVERGED_NOTE };
}
