// `memsig train --alphabet raw`: the alphabet of a character RNN trained on raw text, every character the text holds
// (capitals, punctuation, digits, newline), most frequent first, with a normalization that keeps the text as it is.

import { UserError } from '../core/errors.js';
import type { NormalizationConfig } from '../models/config.js';
import { straightenApostrophes } from './normalize.js';

const MAX_SYMBOLS = 255;
// Control characters are not text, except the newline and tab that raw text is laid out with.
const NOT_TEXT = /^\p{Cc}$/u;
const TEXT_CONTROLS = new Set(['\n', '\t']);

/**
 * Every character of `text` (a code point, once each), most frequent first, ties in code point order. Control
 * characters other than newline and tab are left out, and the newline too unless `keepNewline` (text cut into lines
 * or sentences never shows one to the model).
 */
export function rawAlphabet(text: string, keepNewline: boolean): string[] {
  const counts = new Map<string, number>();
  // Counted as normalization will see the text: every normalization straightens apostrophes first.
  for (const ch of straightenApostrophes(text)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const symbols = [...counts.keys()].filter(
    (ch) => !(NOT_TEXT.test(ch) && !TEXT_CONTROLS.has(ch)) && (keepNewline || ch !== '\n'),
  );
  symbols.sort((a, b) => counts.get(b)! - counts.get(a)! || a.codePointAt(0)! - b.codePointAt(0)!);
  if (symbols.length > MAX_SYMBOLS) {
    throw new UserError(
      `the text has ${symbols.length} distinct characters; a raw alphabet holds at most ${MAX_SYMBOLS} (use the default alphabet)`,
    );
  }
  if (symbols.length < 2)
    throw new UserError(`the text has ${symbols.length} distinct character(s); an alphabet needs 2`);
  return symbols;
}

/** The normalization of a raw alphabet: case, digits and whitespace kept as they are; anything else a space. */
export function rawNormalization(alphabet: string[]): NormalizationConfig {
  const hasSpace = alphabet.includes(' ');
  return {
    alphabet,
    lowercase: false,
    digitSymbol: null,
    // Text from elsewhere may hold characters this text did not; a space keeps the words apart.
    unknown: hasSpace ? 'space' : 'drop',
    collapseWhitespace: false,
  };
}
