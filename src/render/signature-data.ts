// What the figures draw, computed from a Signature: the layer asked for, the value of each (δ, symbol) cell for a
// metric (recall, or bits of per-symbol information from the confusion matrix), colour-scale ranges, and the
// alignment of two signatures' alphabets for a difference figure.

import type { DeltaSignature, LayerSignature, Signature } from '../analysis/signature-types.js';
import { UserError } from '../core/errors.js';

export type Metric = 'accuracy' | 'bits';

/** Layer `layer` (1-based) of `sig`; a UserError naming the layers there are otherwise. `label` prefixes it. */
export function findLayer(sig: Signature, layer: number, label?: string): LayerSignature {
  const found = sig.layers.find((l) => l.layer === layer);
  if (found) return found;
  const have = sig.layers.map((l) => l.layer);
  const list = have.length === 0 ? 'no layers' : `${have.length === 1 ? 'layer' : 'layers'} ${listWords(have)}`;
  throw new UserError(`${label ? `${label}: ` : ''}no layer ${layer} (the signature has ${list})`);
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

/**
 * Information about each true symbol s in bits: the Kullback–Leibler divergence of the decoder's guesses when the
 * symbol δ back is s from its guesses overall, KL(P(guess | s) ‖ P(guess)), from the eval confusion matrix.
 * 0 when the decoder's guesses do not depend on whether the symbol was s; log2(1 / P(guess = s)) when s is always
 * recalled and never guessed otherwise. Averaged over symbols with their eval frequencies it is the mutual information
 * between the true symbol and the guess. null where the symbol never occurred in eval.
 */
export function symbolInformationBits(d: DeltaSignature): (number | null)[] {
  const V = d.confusion.length;
  const column = new Array<number>(V).fill(0);
  let total = 0;
  for (const row of d.confusion) {
    row.forEach((c, p) => {
      column[p]! += c;
    });
    total += row.reduce((a, b) => a + b, 0);
  }
  return d.confusion.map((row) => {
    const n = row.reduce((a, b) => a + b, 0);
    if (n === 0 || total === 0) return null;
    let kl = 0;
    row.forEach((c, p) => {
      if (c > 0) kl += (c / n) * Math.log2(c / n / (column[p]! / total));
    });
    return Math.max(0, kl);
  });
}

/** Mutual information between the true symbol and the decoder's guess (bits), from the eval confusion matrix. */
export function confusionInformationBits(d: DeltaSignature): number {
  const perSymbol = symbolInformationBits(d);
  const total = d.count.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  return perSymbol.reduce<number>((sum, bits, s) => sum + (bits === null ? 0 : (bits * d.count[s]!) / total), 0);
}

/** The value of each symbol's cell at this δ: recall (0–1), or information in bits; null = no data. */
export function cellValues(d: DeltaSignature, metric: Metric): (number | null)[] {
  return metric === 'bits' ? symbolInformationBits(d) : d.recall;
}

/** Correct eval guesses of symbol s at this δ (the confusion diagonal). */
export function correctCount(d: DeltaSignature, s: number): number {
  return d.confusion[s]?.[s] ?? 0;
}

/**
 * The top of the colour scale: 100% recall, or for bits the whole number ≥ log2(alphabet size) (the information in
 * recalling a symbol of average frequency perfectly; rarer symbols can exceed it and get the top colour).
 */
export function scaleMax(metric: Metric, alphabetSizes: readonly number[]): number {
  if (metric === 'accuracy') return 1;
  return Math.max(1, ...alphabetSizes.map((v) => Math.ceil(Math.log2(Math.max(2, v)))));
}

/** Tick values of a 0..max colour scale. */
export function scaleTicks(max: number, metric: Metric): number[] {
  if (metric === 'accuracy') return [0, 0.25, 0.5, 0.75, 1];
  const step = max <= 6 ? 1 : Math.ceil(max / 6);
  const ticks: number[] = [];
  for (let v = 0; v <= max + 1e-9; v += step) ticks.push(v);
  return ticks;
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
