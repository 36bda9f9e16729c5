// What a heatmap cell's number means under each metric, and how its colour scale runs: recall, the bits of
// information about the true symbol from a decoder's confusion matrix (docs/figures.md, "--metric bits"), or recall
// above the text-only baseline (docs/figures.md, "--metric excess"). Pure and
// without runtime imports (types only), so that `memsig view` serves this module to the browser as it is and the
// viewer draws exactly the numbers the figures draw.

import type { DeltaSignature, LayerSignature } from '../analysis/signature-types.js';

export type Metric = 'accuracy' | 'bits' | 'excess';

/**
 * Recall above the text-only baseline per symbol: the decoder's recall minus the baseline's on the same positions
 * (negative where the text after the symbol names it more often than the state does); null where either has no data
 * or the signature predates the baseline.
 */
export function excessRecall(d: DeltaSignature): (number | null)[] {
  const text = d.textBaseline?.recall;
  return d.recall.map((r, s) => (r === null || text == null || text[s] == null ? null : r - text[s]!));
}

/** Accuracy above the text-only baseline over all symbols, or null without a baseline. */
export function excessAccuracy(d: DeltaSignature): number | null {
  return d.textBaseline ? d.accuracy - d.textBaseline.accuracy : null;
}

/** Whether every decoder of these layers has a text-only baseline (files written before it have none). */
export function hasTextBaseline(layers: readonly LayerSignature[]): boolean {
  return layers.length > 0 && layers.every((l) => l.deltas.every((d) => d.textBaseline !== undefined));
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

/** The value of each symbol's cell at this δ: recall (0–1), information in bits, or excess recall; null = no data. */
export function cellValues(d: DeltaSignature, metric: Metric): (number | null)[] {
  if (metric === 'excess') return excessRecall(d);
  return metric === 'bits' ? symbolInformationBits(d) : d.recall;
}

/**
 * The top of the colour scale: 100% recall, or for bits the whole number ≥ log2(alphabet size) (the information in
 * recalling a symbol of average frequency perfectly; rarer symbols can exceed it and get the top colour).
 */
export function scaleMax(metric: Metric, alphabetSizes: readonly number[]): number {
  if (metric !== 'bits') return 1;
  return Math.max(1, ...alphabetSizes.map((v) => Math.ceil(Math.log2(Math.max(2, v)))));
}

/** Tick values of a 0..max colour scale. */
export function scaleTicks(max: number, metric: Metric): number[] {
  if (metric !== 'bits') return [0, 0.25, 0.5, 0.75, 1];
  const step = max <= 6 ? 1 : Math.ceil(max / 6);
  const ticks: number[] = [];
  for (let v = 0; v <= max + 1e-9; v += step) ticks.push(v);
  return ticks;
}

/**
 * The ticks of a 0..max colour bar: f is the position along it (0–1); the top bits tick reads "≥max", and the excess
 * scale's bottom "≤0 pp" (a symbol the text names more often than the state gets the colour of 0).
 */
export function colorBarTicks(metric: Metric, max: number): { f: number; label: string }[] {
  return scaleTicks(max, metric).map((v) => ({
    f: v / max,
    label:
      metric === 'accuracy'
        ? `${Math.round(v * 100)}%`
        : metric === 'excess'
          ? `${v === 0 ? '≤' : '+'}${Math.round(v * 100)} pp`
          : v === max
            ? `≥${v}`
            : String(v),
  }));
}
