// What evaluating any language model on a partition gives (the recurrent LMs and the n-gram model alike, so that
// their figures compare directly): cross-entropy, perplexity, and next-symbol accuracy per symbol.

export interface SymbolAccuracy {
  symbol: string;
  /** Positions whose next symbol is this one. */
  count: number;
  correct: number;
  /** correct / count, or null when the symbol never occurs as a target. */
  accuracy: number | null;
}

export interface LmEvaluation {
  /** Mean cross-entropy per predicted character, in nats. */
  loss: number;
  /** exp(loss): per-character perplexity. */
  perplexity: number;
  /** Mean cross-entropy in bits per character. */
  bitsPerChar: number;
  /** Predicted positions (every position but the first of each segment). */
  predicted: number;
  accuracy: number;
  perSymbol: SymbolAccuracy[];
}

/**
 * The evaluation from its running sums: the summed cross-entropy (nats) over `predicted` positions, and per target
 * symbol the positions counted and those predicted right (argmax). `symbols` names the ids (by id when missing).
 */
export function summarizeLmEvaluation(
  lossSum: number,
  predicted: number,
  count: Float64Array,
  correct: Float64Array,
  symbols: readonly string[],
): LmEvaluation {
  const loss = predicted > 0 ? lossSum / predicted : Number.NaN;
  let totalCorrect = 0;
  const perSymbol: SymbolAccuracy[] = [];
  for (let s = 0; s < count.length; s++) {
    totalCorrect += correct[s]!;
    perSymbol.push({
      symbol: symbols[s] ?? String(s),
      count: count[s]!,
      correct: correct[s]!,
      accuracy: count[s]! > 0 ? correct[s]! / count[s]! : null,
    });
  }
  return {
    loss,
    perplexity: Math.exp(loss),
    bitsPerChar: loss / Math.LN2,
    predicted,
    accuracy: predicted > 0 ? totalCorrect / predicted : Number.NaN,
    perSymbol,
  };
}
