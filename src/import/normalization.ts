// How an imported model's text is normalized, read off its alphabet: capitals in it → case kept; digits → digits
// kept as themselves (else '#' stands for them when the alphabet has it); a newline → whitespace kept and the text
// read as one stream; characters outside it become a space when it has one. Flags override each choice.

import type { NormalizationConfig, SegmentationKind } from '../models/config.js';

export interface NormalizationChoices {
  lowercase?: boolean;
  digitSymbol?: string | null;
  unknown?: 'drop' | 'space';
  collapseWhitespace?: boolean;
}

export function inferNormalization(
  alphabet: readonly string[],
  choices: NormalizationChoices = {},
): NormalizationConfig {
  const has = (pattern: RegExp) => alphabet.some((s) => pattern.test(s));
  const hasDigits = has(/^[0-9]$/);
  return {
    alphabet: [...alphabet],
    lowercase: choices.lowercase ?? !alphabet.some((s) => s !== s.toLowerCase()),
    digitSymbol:
      choices.digitSymbol !== undefined ? choices.digitSymbol : hasDigits || !alphabet.includes('#') ? null : '#',
    unknown: choices.unknown ?? (alphabet.includes(' ') ? 'space' : 'drop'),
    collapseWhitespace: choices.collapseWhitespace ?? !has(/^[\n\t\r]$/),
  };
}

/** The reading a newline in the alphabet implies: one stream (a model that reads "\n" was trained across lines). */
export function impliedSegmentation(alphabet: readonly string[]): SegmentationKind | undefined {
  return alphabet.includes('\n') ? 'none' : undefined;
}

/** One line saying how text will be read, for the import summary. */
export function describeNormalization(n: NormalizationConfig, segmentation: SegmentationKind | undefined): string {
  const parts = [
    n.lowercase ? 'lowercased' : 'case kept',
    n.digitSymbol === null ? 'digits as themselves' : `digits as ${JSON.stringify(n.digitSymbol)}`,
    n.unknown === 'space' ? 'other characters as a space' : 'other characters dropped',
    n.collapseWhitespace ? 'spaces collapsed' : 'whitespace kept',
    segmentation === 'none'
      ? 'one stream (state carried across lines)'
      : segmentation
        ? `cut by ${segmentation}`
        : 'cut by line (sentence for sotu)',
  ];
  return parts.join(', ');
}
