// Does a text fit a model's alphabet? Normalization always yields the model's symbols (anything else becomes a space
// or is dropped), so the question is how much of the text is lost on the way: punctuation outside the alphabet is
// meant to go, but letters and digits that the alphabet cannot hold (a text in another script, a model made for
// another symbol set) leave a text the model never learned to read, and its memory signature would mean little.

import { UserError } from '../core/errors.js';
import { makeNormalizer } from '../data/index.js';
import type { NormalizationConfig } from '../models/config.js';
import { showSymbol } from './format.js';

/** The largest share of a text's letters and digits that may fall outside the model's alphabet. */
export const MAX_LOST_SHARE = 0.01;

export interface AlphabetFit {
  /** Letters and digits (Unicode L and N) in the text. */
  lettersAndDigits: number;
  /** Those the normalization has no symbol for (dropped or turned into spaces). */
  lost: number;
  /** The lost characters, most frequent first, with their counts. */
  lostChars: { char: string; count: number }[];
}

const LETTER_OR_DIGIT = /^[\p{L}\p{N}]$/u;

/** Counts the letters and digits of `text` that `normalization` cannot turn into a symbol of its alphabet. */
export function alphabetFit(text: string, normalization: NormalizationConfig): AlphabetFit {
  // Counts per UTF-16 code unit (fast); surrogate pairs (astral characters) separately.
  const units = new Float64Array(0x10000);
  const astral = new Map<string, number>();
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const pair = text.slice(i, i + 2);
      astral.set(pair, (astral.get(pair) ?? 0) + 1);
      i++;
    } else {
      units[c]++;
    }
  }
  const counts: [string, number][] = [...astral];
  for (let c = 0; c < units.length; c++) if (units[c]! > 0) counts.push([String.fromCharCode(c), units[c]!]);

  const normalize = makeNormalizer(normalization);
  let lettersAndDigits = 0;
  let lost = 0;
  const lostChars: { char: string; count: number }[] = [];
  for (const [char, count] of counts) {
    if (!LETTER_OR_DIGIT.test(char)) continue;
    lettersAndDigits += count;
    if (normalize(char).trim() === '') {
      lost += count;
      lostChars.push({ char, count });
    }
  }
  lostChars.sort((a, b) => b.count - a.count || (a.char < b.char ? -1 : 1));
  return { lettersAndDigits, lost, lostChars };
}

/** Throws a one-line UserError when more than MAX_LOST_SHARE of the letters and digits of `text` would be lost. */
export function checkAlphabetFit(text: string, normalization: NormalizationConfig, source: string): void {
  const fit = alphabetFit(text, normalization);
  if (fit.lettersAndDigits === 0 || fit.lost <= MAX_LOST_SHARE * fit.lettersAndDigits) return;
  const share = ((100 * fit.lost) / fit.lettersAndDigits).toFixed(1);
  const examples = fit.lostChars
    .slice(0, 5)
    .map((c) => JSON.stringify(showSymbol(c.char)))
    .join(', ');
  throw new UserError(
    `${source} is written in another alphabet than the model's: ${share}% of its letters and digits ` +
      `(${examples}${fit.lostChars.length > 5 ? ', …' : ''}) are not among the model's ` +
      `${normalization.alphabet.length} symbols; analyse the model on text in its own alphabet`,
  );
}
