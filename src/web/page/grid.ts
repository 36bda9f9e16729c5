// The numbers behind the viewer's heatmaps, pure (no DOM): one signature layer as a δ × symbol grid of recall or
// bits, and the recall difference of two layers aligned by symbol name. A cell's value and the top of its colour
// scale are the figures' own (src/render/metric.ts, served to the page as /app/render/metric.js).

import type { Signature } from '../../analysis/signature-types.js';
import { benjaminiHochberg, MIN_TEST_COUNT, twoProportionPValue } from '../../core/stats.js';
import { cellValues, type Metric, scaleMax } from '../../render/metric.js';
import { displaySymbol } from './format.js';

export type { Metric } from '../../render/metric.js';

/** A δ × symbol grid. values[row][col]: row r is δ = deltas[r], column c is symbols[c]; null where undefined. */
export interface Grid {
  symbols: string[];
  deltas: number[];
  values: (number | null)[][];
  /**
   * Where the colour scale ends: 1 for recall; for bits ⌈log2 V⌉ (V the alphabet size), as in the figures: rarer
   * symbols can exceed it and get the top colour.
   */
  scaleMax: number;
}

/**
 * Layer `layerIndex` (an index into sig.layers) of `sig` as a grid of `metric`: recall, or the information about
 * the symbol in bits, KL(P(guess | s) ‖ P(guess)) from the decoder's eval confusion matrix.
 */
export function signatureGrid(sig: Signature, layerIndex: number, metric: Metric): Grid {
  const layer = sig.layers[layerIndex];
  if (!layer) throw new Error(`no layer at index ${layerIndex}`);
  return {
    symbols: [...sig.alphabet],
    deltas: layer.deltas.map((d) => d.delta),
    values: layer.deltas.map((d) => {
      const values = cellValues(d, metric);
      return sig.alphabet.map((_, s) => values[s] ?? null);
    }),
    scaleMax: scaleMax(metric, [sig.alphabet.length]),
  };
}

export interface Share {
  symbol: string;
  count: number;
  /** count / the row's total. */
  share: number;
}

/** The `k` most frequent predictions in a confusion row (ties in alphabet order), leaving out zero counts. */
export function confusionTop(row: readonly number[], alphabet: readonly string[], k: number): Share[] {
  const total = row.reduce((a, b) => a + b, 0);
  if (total === 0) return [];
  return row
    .map((count, i) => ({ symbol: alphabet[i]!, count, share: count / total, i }))
    .filter((e) => e.count > 0)
    .sort((a, b) => b.count - a.count || a.i - b.i)
    .slice(0, k)
    .map(({ symbol, count, share }) => ({ symbol, count, share }));
}

/** One side of a comparison: a signature and an index into its layers. */
export interface Side {
  sig: Signature;
  layerIndex: number;
}

export interface DiffGrid extends Grid {
  /** For each column, the symbol's index in A's and in B's alphabet. */
  columnsA: number[];
  columnsB: number[];
  /** Symbols in one alphabet only (left out of the grid). */
  onlyA: string[];
  onlyB: string[];
  /**
   * Per cell, the two-sided p-value of the recall difference (two-proportion test), null where a side has too few
   * positions to test or no data; `significant` marks the cells that hold at a false-discovery rate of `q`
   * (Benjamini–Hochberg over the `tested` cells), as the SVG difference figure does.
   */
  pValues: (number | null)[][];
  significant: boolean[][];
  tested: number;
  q: number;
}

export type DiffResult = { ok: true; grid: DiffGrid } | { ok: false; reason: string };

/**
 * recall(A) − recall(B) per δ and symbol: columns are the symbols both alphabets have, in A's order; rows are the
 * δ both layers have. Positive (red) where A recalls better. The colour scale is symmetric: ±(the largest |difference|
 * rounded up to 10 points, at least 10).
 */
export function diffGrid(a: Side, b: Side): DiffResult {
  const layerA = a.sig.layers[a.layerIndex];
  const layerB = b.sig.layers[b.layerIndex];
  if (!layerA || !layerB) return { ok: false, reason: 'one of the two layers does not exist' };
  const inB = new Map(b.sig.alphabet.map((s, i) => [s, i]));
  const inA = new Set(a.sig.alphabet);
  const symbols = a.sig.alphabet.filter((s) => inB.has(s));
  if (symbols.length === 0) {
    return {
      ok: false,
      reason: `These two signatures cannot be aligned: their alphabets have no symbol in common (A: ${a.sig.alphabet.map(displaySymbol).join('')}; B: ${b.sig.alphabet.map(displaySymbol).join('')}).`,
    };
  }
  const columnsA = symbols.map((s) => a.sig.alphabet.indexOf(s));
  const columnsB = symbols.map((s) => inB.get(s)!);
  const rows = Math.min(layerA.deltas.length, layerB.deltas.length);
  const deltas: number[] = [];
  const values: (number | null)[][] = [];
  const pValues: (number | null)[][] = [];
  let largest = 0;
  for (let r = 0; r < rows; r++) {
    const da = layerA.deltas[r]!;
    const db = layerB.deltas[r]!;
    deltas.push(da.delta);
    pValues.push(
      symbols.map((_, c) => {
        const [ia, ib] = [columnsA[c]!, columnsB[c]!];
        const [na, nb] = [da.count[ia] ?? 0, db.count[ib] ?? 0];
        if (na < MIN_TEST_COUNT || nb < MIN_TEST_COUNT) return null;
        return twoProportionPValue(da.confusion[ia]?.[ia] ?? 0, na, db.confusion[ib]?.[ib] ?? 0, nb);
      }),
    );
    values.push(
      symbols.map((_, c) => {
        const ra = da.recall[columnsA[c]!] ?? null;
        const rb = db.recall[columnsB[c]!] ?? null;
        if (ra === null || rb === null) return null;
        largest = Math.max(largest, Math.abs(ra - rb));
        return ra - rb;
      }),
    );
  }
  const q = 0.05;
  const tested = pValues.flat().filter((p): p is number => p !== null);
  const found = benjaminiHochberg(tested, q);
  let k = 0;
  const significant = pValues.map((row) => row.map((p) => (p === null ? false : found[k++]!)));
  return {
    ok: true,
    grid: {
      symbols,
      deltas,
      values,
      pValues,
      significant,
      tested: tested.length,
      q,
      scaleMax: Math.max(0.1, Math.ceil(largest * 10 - 1e-9) / 10),
      columnsA,
      columnsB,
      onlyA: a.sig.alphabet.filter((s) => !inB.has(s)),
      onlyB: b.sig.alphabet.filter((s) => !inA.has(s)),
    },
  };
}
