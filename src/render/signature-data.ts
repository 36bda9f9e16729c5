// What the figures draw, computed from a Signature: the layer asked for, the value of each (δ, symbol) cell for a
// metric (recall, or bits of per-symbol information from the confusion matrix) and colour-scale ranges (both from
// metric.ts, re-exported here), and the alignment of two signatures' alphabets for a difference figure.

import type { DeltaSignature, LayerSignature, Signature } from '../analysis/signature-types.js';
import { UserError } from '../core/errors.js';
import { benjaminiHochberg, MIN_TEST_COUNT, twoProportionPValue } from '../core/stats.js';
import { hasTextBaseline } from './metric.js';

// The per-cell values and colour-scale ranges live in metric.ts (import-free, so the web viewer loads it too).
export {
  cellValues,
  confusionInformationBits,
  excessAccuracy,
  excessRecall,
  hasTextBaseline,
  type Metric,
  scaleMax,
  scaleTicks,
  symbolInformationBits,
} from './metric.js';

/** Layer `layer` (1-based) of `sig`; a UserError naming the layers there are otherwise. `label` prefixes it. */
export function findLayer(sig: Signature, layer: number, label?: string): LayerSignature {
  const found = sig.layers.find((l) => l.layer === layer);
  if (found) return found;
  const have = sig.layers.map((l) => l.layer);
  const list = have.length === 0 ? 'no layers' : `${have.length === 1 ? 'layer' : 'layers'} ${listWords(have)}`;
  throw new UserError(`${label ? `${label}: ` : ''}no layer ${layer} (the signature has ${list})`);
}

/** Refuses (UserError) to draw recall above the text-only baseline from a signature written before it was measured. */
export function requireTextBaseline(sig: Signature): void {
  if (!hasTextBaseline(sig.layers)) {
    throw new UserError(
      'the signature has no text-only baseline (it was written before memsig measured one): compute it again with memsig signature to draw --metric excess',
    );
  }
}

/** The layer figures show when none is asked for: the first in the file (layer 1, closest to the input). */
export function defaultLayer(sig: Signature): number {
  if (sig.layers.length === 0) throw new UserError('the signature has no layers');
  return sig.layers[0]!.layer;
}

function listWords(items: readonly (string | number)[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Correct eval guesses of symbol s at this δ (the confusion diagonal). */
export function correctCount(d: DeltaSignature, s: number): number {
  return d.confusion[s]?.[s] ?? 0;
}

/** "17.2%" or "17.2–18.9%" over the δs of a layer: the chance level a figure's subtitle states. */
export function rangeOf(values: readonly number[]): { min: number; max: number } {
  return { min: Math.min(...values), max: Math.max(...values) };
}

/** The symbols two signatures share, in the first one's alphabet order, and the δ range both cover. */
export interface Alignment {
  symbols: string[];
  /** Index of each shared symbol in a's and in b's alphabet. */
  indexA: number[];
  indexB: number[];
  onlyA: string[];
  onlyB: string[];
  maxDelta: number;
}

/**
 * Aligns two signatures by symbol name and δ: the common symbols, δ = 1..min(maxDelta). Refuses (UserError) only
 * when they share no symbol; what was left out is reported in the figure.
 */
export function alignSignatures(a: Signature, b: Signature): Alignment {
  const inB = new Map(b.alphabet.map((s, i) => [s, i]));
  const symbols: string[] = [];
  const indexA: number[] = [];
  const indexB: number[] = [];
  a.alphabet.forEach((s, i) => {
    const j = inB.get(s);
    if (j !== undefined) {
      symbols.push(s);
      indexA.push(i);
      indexB.push(j);
    }
  });
  if (symbols.length === 0) {
    throw new UserError('the two signatures share no symbol: their alphabets cannot be aligned');
  }
  const shared = new Set(symbols);
  return {
    symbols,
    indexA,
    indexB,
    onlyA: a.alphabet.filter((s) => !shared.has(s)),
    onlyB: b.alphabet.filter((s) => !shared.has(s)),
    maxDelta: Math.min(a.maxDelta, b.maxDelta),
  };
}

export interface CellTest {
  /** Two-sided p-value of the recall difference, or null where a side has too few positions to test. */
  p: number | null;
  significant: boolean;
}

/**
 * Per cell (row δ − 1, aligned symbol column) of two layers, whether their recalls differ beyond sampling noise: the
 * two-proportion test on each side's correct and total eval positions, then Benjamini–Hochberg at q over every
 * tested cell, so that among the cells marked, at most a share q are expected to differ by chance.
 */
export function recallSignificance(
  layerA: LayerSignature,
  layerB: LayerSignature,
  align: ReturnType<typeof alignSignatures>,
  q = 0.05,
): { cells: (CellTest | null)[][]; tested: number; q: number } {
  const cells = layerA.deltas.slice(0, align.maxDelta).map((da, row) => {
    const db = layerB.deltas[row]!;
    return align.symbols.map((_, col): CellTest | null => {
      const sa = align.indexA[col]!;
      const sb = align.indexB[col]!;
      const na = da.count[sa] ?? 0;
      const nb = db.count[sb] ?? 0;
      if (na === 0 || nb === 0) return null;
      const testable = na >= MIN_TEST_COUNT && nb >= MIN_TEST_COUNT;
      const p = testable ? twoProportionPValue(correctCount(da, sa), na, correctCount(db, sb), nb) : null;
      return { p, significant: false };
    });
  });
  const tested = cells.flat().filter((c): c is CellTest => c?.p != null);
  benjaminiHochberg(
    tested.map((c) => c.p!),
    q,
  ).forEach((found, i) => {
    tested[i]!.significant = found;
  });
  return { cells, tested: tested.length, q };
}

/** How many cells differ beyond chance (recallSignificance), and in how many of them each side recalls better. */
export function countDifferingCells(
  a: LayerSignature,
  b: LayerSignature,
  align: ReturnType<typeof alignSignatures>,
): { tested: number; significant: number; aBetter: number; bBetter: number; q: number } {
  const test = recallSignificance(a, b, align);
  let aBetter = 0;
  let bBetter = 0;
  test.cells.forEach((row, r) => {
    row.forEach((cell, c) => {
      if (!cell?.significant) return;
      const ra = a.deltas[r]!.recall[align.indexA[c]!] ?? 0;
      const rb = b.deltas[r]!.recall[align.indexB[c]!] ?? 0;
      if (ra > rb) aBetter++;
      else bBetter++;
    });
  });
  return { tested: test.tested, significant: aBetter + bBetter, aBetter, bBetter, q: test.q };
}
