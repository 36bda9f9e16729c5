// Raw text → the model's small symbol set. Training and evaluation both go through normalizeText with the
// NormalizationConfig recorded in the model, so the same text always yields the same symbols.

import { UserError } from '../core/errors.js';
import type { NormalizationConfig } from '../models/config.js';

/** The paper's 30 symbols: a–z, '#', apostrophe, period, space (in id order). */
export function defaultNormalization(): NormalizationConfig {
  return {
    alphabet: [...'abcdefghijklmnopqrstuvwxyz', '#', "'", '.', ' '],
    lowercase: true,
    digitSymbol: '#',
    unknown: 'space',
    collapseWhitespace: true,
  };
}

const MAX_SYMBOLS = 255;
/** The control characters that may be symbols of an alphabet. */
const TEXT_CONTROLS = new Set(['\n', '\t']);

// Typographic apostrophes and single quotes: real text (SOTU, modern ebooks) writes "don’t" with these.
const CURLY_APOSTROPHES = /[\u2018\u2019\u02bc]/g;
const DIGIT = /^\p{Nd}$/u;
const WHITESPACE = /^\s$/u;
const COMBINING_MARKS = /\p{M}/gu;

/**
 * Checks a normalization config (typically read from a model's config.json) and throws a UserError naming
 * `where` and the first problem found.
 */
export function validateNormalization(
  cfg: unknown,
  where = 'normalization config',
): asserts cfg is NormalizationConfig {
  const fail = (problem: string): never => {
    throw new UserError(`${where}: ${problem}`);
  };
  if (typeof cfg !== 'object' || cfg === null) fail('must be an object');
  const c = cfg as Record<string, unknown>;
  if (!Array.isArray(c.alphabet)) fail('alphabet must be an array of one-character strings');
  const alphabet = c.alphabet as unknown[];
  if (alphabet.length < 2) fail(`alphabet needs at least 2 symbols (has ${alphabet.length})`);
  if (alphabet.length > MAX_SYMBOLS) {
    fail(`alphabet has ${alphabet.length} symbols; at most ${MAX_SYMBOLS} fit in a byte`);
  }
  const seen = new Set<string>();
  for (const [i, s] of alphabet.entries()) {
    if (typeof s !== 'string' || [...s].length !== 1) {
      fail(`alphabet symbol ${i} (${JSON.stringify(s)}) must be exactly one character`);
    }
    const sym = s as string;
    // A newline (text read as one stream) and a tab may be symbols; other control characters are never text.
    if (/^\p{Cc}$/u.test(sym) && !TEXT_CONTROLS.has(sym)) {
      fail(
        `alphabet symbol ${i} (${JSON.stringify(sym)}) is a control character (only "\\n" and "\\t" may be symbols)`,
      );
    }
    if (seen.has(sym)) fail(`alphabet symbol ${JSON.stringify(sym)} appears twice`);
    seen.add(sym);
  }
  if (typeof c.lowercase !== 'boolean') fail('lowercase must be true or false');
  if (c.digitSymbol !== null) {
    if (typeof c.digitSymbol !== 'string' || !seen.has(c.digitSymbol)) {
      fail(`digitSymbol ${JSON.stringify(c.digitSymbol)} must be null or one of the alphabet's symbols`);
    }
  }
  if (c.unknown !== 'drop' && c.unknown !== 'space') fail(`unknown must be "drop" or "space"`);
  if (typeof c.collapseWhitespace !== 'boolean') fail('collapseWhitespace must be true or false');
  if (c.unknown === 'space' && !seen.has(' ')) fail('unknown is "space" but the alphabet has no space symbol');
  if (c.collapseWhitespace === true && !seen.has(' ')) {
    fail('collapseWhitespace is true but the alphabet has no space symbol');
  }
}

/** Curly apostrophes and single quotes as the one apostrophe "'", the first step of every normalization. */
export function straightenApostrophes(text: string): string {
  return text.replace(CURLY_APOSTROPHES, "'");
}

/**
 * Applies `cfg` to `text`: curly apostrophes → "'", optional lowercasing, digits → digitSymbol, accented
 * letters → their base letter when that is in the alphabet, whitespace → space, anything else dropped or
 * turned into a space; then (collapseWhitespace) space runs become one space and the ends are trimmed.
 */
export function normalizeText(text: string, cfg: NormalizationConfig): string {
  return makeNormalizer(cfg)(text);
}

/** normalizeText with the per-config work done once, for normalizing many segments. */
export function makeNormalizer(cfg: NormalizationConfig): (text: string) => string {
  const symbols = new Set(cfg.alphabet);
  const hasSpace = symbols.has(' ');
  const unknownOut = cfg.unknown === 'space' && hasSpace ? ' ' : '';
  const mapChar = (ch: string): string => {
    if (cfg.digitSymbol !== null && DIGIT.test(ch)) return cfg.digitSymbol;
    if (symbols.has(ch)) return ch;
    if (WHITESPACE.test(ch)) return hasSpace ? ' ' : '';
    // "café" should read as "cafe", not "caf ": fall back to the letter without its accents.
    const base = ch.normalize('NFD').replace(COMBINING_MARKS, '');
    if (base !== ch && base.length > 0 && [...base].every((b) => symbols.has(b))) return base;
    return unknownOut;
  };
  // Each distinct character is classified once; corpora use a few hundred at most.
  const memo = new Map<string, string>();

  return (text: string): string => {
    let src = straightenApostrophes(text);
    if (cfg.lowercase) src = src.toLowerCase();
    let result = '';
    for (const ch of src) {
      let out = memo.get(ch);
      if (out === undefined) {
        out = mapChar(ch);
        memo.set(ch, out);
      }
      result += out;
    }
    if (cfg.collapseWhitespace) result = result.replace(/ {2,}/g, ' ').replace(/^ | $/g, '');
    return result;
  };
}
