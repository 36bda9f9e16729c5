// What the figures draw, computed from a Signature: the layer asked for, the value of each (δ, symbol) cell for a
// metric (recall, or bits of per-symbol information from the confusion matrix) and colour-scale ranges (both from
// metric.ts, re-exported here), and the alignment of two signatures' alphabets for a difference figure.

import type { DeltaSignature, LayerSignature, Signature } from '../analysis/signature-types.js';
import { UserError } from '../core/errors.js';

// The per-cell values and colour-scale ranges live in metric.ts (import-free, so the web viewer loads it too).
export {
  cellValues,
  confusionInformationBits,
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
