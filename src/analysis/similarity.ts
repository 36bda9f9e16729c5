// Numbers that compare signatures, and a signature with the model's own predictions: the paper's claims made
// measurable (signatures indicate model similarity; memory correlates poorly with next-symbol accuracy).

import type { LayerSignature, Signature } from './signature-types.js';

/** Pearson correlation of paired values (NaN when fewer than 3 pairs or a constant side). */
export function pearson(xs: readonly number[], ys: readonly number[]): number {
  const n = Math.min(xs.length, ys.length);
  if (n < 3) return Number.NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i]!;
    my += ys[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : Number.NaN;
}

export interface SignatureSimilarity {
  /** Pearson correlation of the per-(δ, symbol) recalls both signatures measured with at least minCount positions. */
  correlation: number;
  /** Mean |recall_a − recall_b| over the same cells. */
  meanAbsoluteDifference: number;
  /** Cells compared. */
  cells: number;
}

/**
 * Compares two layers' signature matrices cell by cell, symbols aligned by name and δ by value; cells with fewer
 * than minCount eval positions on either side are left out (their recall is noise).
 */
export function signatureSimilarity(
  a: Signature,
  la: LayerSignature,
  b: Signature,
  lb: LayerSignature,
  minCount = 30,
): SignatureSimilarity {
  const xs: number[] = [];
  const ys: number[] = [];
  const indexB = new Map(b.alphabet.map((s, i) => [s, i]));
  for (const da of la.deltas) {
    const db = lb.deltas.find((d) => d.delta === da.delta);
    if (!db) continue;
    a.alphabet.forEach((symbol, i) => {
      const j = indexB.get(symbol);
      if (j === undefined) return;
      const ra = da.recall[i];
      const rb = db.recall[j];
      if (ra == null || rb == null || da.count[i]! < minCount || db.count[j]! < minCount) return;
      xs.push(ra);
      ys.push(rb);
    });
  }
  let mad = 0;
  for (let i = 0; i < xs.length; i++) mad += Math.abs(xs[i]! - ys[i]!);
  return {
    correlation: pearson(xs, ys),
    meanAbsoluteDifference: xs.length ? mad / xs.length : Number.NaN,
    cells: xs.length,
  };
}

export interface MemoryVersusPrediction {
  /** Pearson correlation across symbols of memory (mean recall over δ) and next-symbol accuracy. */
  correlation: number;
  symbols: { symbol: string; memory: number; prediction: number }[];
}

/** The paper's Figure 1 observation as a number: does remembering a symbol go with predicting it? */
export function memoryVersusPrediction(sig: Signature, layer: LayerSignature, minCount = 30): MemoryVersusPrediction {
  const symbols: MemoryVersusPrediction['symbols'] = [];
  if (!sig.forward) return { correlation: Number.NaN, symbols };
  sig.alphabet.forEach((symbol, i) => {
    const prediction = sig.forward!.recall[i];
    if (prediction == null || sig.forward!.count[i]! < minCount) return;
    const recalls = layer.deltas.map((d) => (d.count[i]! >= minCount ? d.recall[i] : null)).filter((r) => r != null);
    if (recalls.length === 0) return;
    const memory = recalls.reduce((s, r) => s + r!, 0) / recalls.length;
    symbols.push({ symbol, memory, prediction });
  });
  return {
    correlation: pearson(
      symbols.map((s) => s.memory),
      symbols.map((s) => s.prediction),
    ),
    symbols,
  };
}
