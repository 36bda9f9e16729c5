// Two groups of signatures, each the same model trained with several seeds (memsig diff a1,a2,a3 b1,b2,b3): a cell
// (δ, symbol) differs only when the groups' mean recalls differ by more than the seeds within each group spread.
// The unit is the seed: per cell, Welch's t-test on the per-seed recalls (unequal variances, as two architectures
// need not vary alike), then Benjamini–Hochberg over the cells as for two single signatures. A permutation test over
// seeds would need no normality, but with three seeds a side it has only 20 splits, so its smallest two-sided p-value
// is 0.1: it could never mark a cell.

import tCdf from '@stdlib/stats-base-dists-t-cdf';
import { UserError } from '../core/errors.js';
import { benjaminiHochberg, MIN_TEST_COUNT } from '../core/stats.js';
import { combineSeedLayers, seedSpread } from './seed-spread.js';
import type { LayerSignature, SeedSpread, Signature } from './signature-types.js';

/**
 * Two-sided p-value of Welch's t-test that two samples have the same mean. With no spread on either side, any
 * difference at all counts as beyond it (p = 0) and none as within it (p = 1).
 */
export function welchPValue(a: readonly number[], b: readonly number[]): number {
  if (a.length < 2 || b.length < 2) throw new RangeError('welchPValue: each sample needs at least 2 values');
  const moments = (x: readonly number[]) => {
    const mean = x.reduce((s, v) => s + v, 0) / x.length;
    const variance = x.reduce((s, v) => s + (v - mean) * (v - mean), 0) / (x.length - 1);
    return { mean, se2: variance / x.length, n: x.length };
  };
  const A = moments(a);
  const B = moments(b);
  const se2 = A.se2 + B.se2;
  const diff = A.mean - B.mean;
  if (!(se2 > 0)) return Math.abs(diff) > 1e-12 ? 0 : 1;
  const t = diff / Math.sqrt(se2);
  // Welch–Satterthwaite degrees of freedom.
  const df = (se2 * se2) / ((A.se2 * A.se2) / (A.n - 1) + (B.se2 * B.se2) / (B.n - 1));
  return Math.min(1, 2 * (1 - tCdf(Math.abs(t), df)));
}

/** A group as files: each one's path and signature. */
export interface SignatureGroup {
  paths: string[];
  signatures: Signature[];
}

/**
 * Refuses (one-line UserError) a group whose mean means nothing: fewer than two signatures, or one whose alphabet
 * (symbols and order) or Δ differs from the first one's. `name` says which group ("A").
 */
export function checkGroup(g: SignatureGroup, name: string): void {
  checkSize(g, name);
  g.signatures.forEach((sig, i) => {
    checkComparable(sig, g.paths[i]!, g.signatures[0]!, g.paths[0]!);
  });
}

/** Refuses groups that cannot be compared cell by cell: as checkGroup, with one alphabet and Δ for both groups. */
export function checkGroups(a: SignatureGroup, b: SignatureGroup): void {
  checkSize(a, 'A');
  checkSize(b, 'B');
  for (const g of [a, b]) {
    g.signatures.forEach((sig, i) => {
      checkComparable(sig, g.paths[i]!, a.signatures[0]!, a.paths[0]!);
    });
  }
}

function checkSize(g: SignatureGroup, name: string): void {
  if (g.signatures.length < 2) {
    throw new UserError(
      `group ${name} has ${g.signatures.length} signature: the spread over seeds needs at least 2 a side (a1.json,a2.json)`,
    );
  }
}

function checkComparable(sig: Signature, path: string, ref: Signature, refPath: string): void {
  if (sig.alphabet.join('\u0000') !== ref.alphabet.join('\u0000')) {
    throw new UserError(`${path}: its alphabet differs from ${refPath}'s; groups compare signatures of one alphabet`);
  }
  if (sig.maxDelta !== ref.maxDelta) {
    throw new UserError(`${path}: Δ = ${sig.maxDelta}, but ${refPath} has Δ = ${ref.maxDelta}; groups need one Δ`);
  }
}

/** The mean signature of a group (its layer `layer`): per cell the mean over its signatures, with their spread. */
export function groupMean(g: SignatureGroup, layer: number, seeds: number[]): Signature {
  const layers = g.signatures.map((s, i) => {
    const found = s.layers.find((l) => l.layer === layer);
    if (!found) throw new UserError(`${g.paths[i]}: no layer ${layer}`);
    return found;
  });
  const first = g.signatures[0]!;
  return { ...first, layers: [{ ...combineSeedLayers(layers, seeds, 'model'), layer }] };
}

export interface GroupCellTest {
  /** Two-sided p-value of Welch's t on the per-seed recalls, or null where some seed has too few positions. */
  p: number | null;
  significant: boolean;
}

/**
 * Per cell (row δ − 1, symbol column) of the two groups' layers: Welch's t over the seeds of each side, then
 * Benjamini–Hochberg at q over every tested cell.
 */
export function groupSignificance(
  a: readonly LayerSignature[],
  b: readonly LayerSignature[],
  maxDelta: number,
  q = 0.05,
): { cells: (GroupCellTest | null)[][]; tested: number; q: number } {
  const V = a[0]!.deltas[0]!.count.length;
  const cells = Array.from({ length: maxDelta }, (_, row) =>
    Array.from({ length: V }, (_, s): GroupCellTest | null => {
      const side = (g: readonly LayerSignature[]) => g.map((l) => l.deltas[row]!);
      const da = side(a);
      const db = side(b);
      const all = [...da, ...db];
      if (all.some((d) => d.count[s] === 0 || d.recall[s] === null)) return null;
      const testable = all.every((d) => d.count[s]! >= MIN_TEST_COUNT);
      const recalls = (ds: typeof da) => ds.map((d) => d.recall[s]!);
      return { p: testable ? welchPValue(recalls(da), recalls(db)) : null, significant: false };
    }),
  );
  const tested = cells.flat().filter((c): c is GroupCellTest => c?.p != null);
  benjaminiHochberg(
    tested.map((c) => c.p!),
    q,
  ).forEach((found, i) => {
    tested[i]!.significant = found;
  });
  return { cells, tested: tested.length, q };
}

/** One δ (or the mean over δ) of two groups' marginal accuracies, with the seed as the unit. */
export interface MarginalGroupComparison {
  a: SeedSpread;
  b: SeedSpread;
  /** Mean of a − mean of b. */
  difference: number;
  /** Welch's t over the seeds, two-sided. */
  pValue: number;
  /** Whether it differs beyond the seeds' spread, Benjamini–Hochberg at q over the δ (the mean: p < q alone). */
  significant: boolean;
}

/**
 * The groups' marginal accuracy per δ (mean and spread over seeds, Welch's t, Benjamini–Hochberg over the δ) and
 * their mean over δ (each seed's mean over δ as one value): the marginal view of what groupSignificance tests cell
 * by cell.
 */
export function marginalGroupComparison(
  a: readonly LayerSignature[],
  b: readonly LayerSignature[],
  maxDelta: number,
  q = 0.05,
): { perDelta: MarginalGroupComparison[]; overDelta: MarginalGroupComparison; q: number } {
  const compare = (xa: number[], xb: number[]): MarginalGroupComparison => {
    const sa = seedSpread(xa);
    const sb = seedSpread(xb);
    const pValue = welchPValue(xa, xb);
    return { a: sa, b: sb, difference: sa.mean - sb.mean, pValue, significant: false };
  };
  const accuracies = (g: readonly LayerSignature[], row: number) => g.map((l) => l.deltas[row]!.accuracy);
  const perDelta = Array.from({ length: maxDelta }, (_, row) => compare(accuracies(a, row), accuracies(b, row)));
  benjaminiHochberg(
    perDelta.map((c) => c.pValue),
    q,
  ).forEach((found, i) => {
    perDelta[i]!.significant = found;
  });
  const means = (g: readonly LayerSignature[]) =>
    g.map((l) => l.deltas.slice(0, maxDelta).reduce((s, d) => s + d.accuracy, 0) / maxDelta);
  const overDelta = compare(means(a), means(b));
  overDelta.significant = overDelta.pValue < q;
  return { perDelta, overDelta, q };
}
