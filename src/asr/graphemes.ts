// Transcripts as the recognizer's grapheme ids (the alphabet's symbol order) and back.

import { UserError } from '../core/errors.js';

/** Alphabet ids of `text`'s characters; a character outside the alphabet is a UserError naming `where`. */
export function encodeTranscript(text: string, alphabet: readonly string[], where = 'transcript'): Int32Array {
  const index = new Map(alphabet.map((s, i) => [s, i]));
  const chars = [...text];
  const ids = new Int32Array(chars.length);
  for (let k = 0; k < chars.length; k++) {
    const id = index.get(chars[k]!);
    if (id === undefined) throw new UserError(`${where}: ${JSON.stringify(chars[k])} is not in the model's alphabet`);
    ids[k] = id;
  }
  return ids;
}

/** The text of alphabet ids. */
export function decodeGraphemes(ids: ArrayLike<number>, alphabet: readonly string[]): string {
  let text = '';
  for (let k = 0; k < ids.length; k++) text += alphabet[ids[k]!] ?? '';
  return text;
}
