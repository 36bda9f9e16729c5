// Cuts raw text into segments, the units the split assigns to train/dev/eval and across which the model
// never predicts. Cutting happens on the raw text, because normalization may remove the line breaks and the
// ! ? that mark the boundaries.

import type { NormalizationConfig } from '../models/config.js';
import { makeNormalizer } from './normalize.js';

export type Segmentation = 'line' | 'sentence';

// A sentence ends after . ! or ? (optionally followed by closing quotes or brackets) and whitespace; a blank
// line (paragraph break, end of a speech, end of a document) ends one too.
const SENTENCE_BREAK = /(?<=[.!?]['"’”)\]]*)\s+|\n[^\S\n]*\n\s*/u;

/** Raw text → normalized segments (one per non-empty line, or per sentence), empty (or all-space) ones dropped. */
export function segmentText(text: string, mode: Segmentation, cfg: NormalizationConfig): string[] {
  const normalize = makeNormalizer(cfg);
  const pieces = mode === 'sentence' ? text.split(SENTENCE_BREAK) : text.split('\n');
  const out: string[] = [];
  for (const piece of pieces) {
    const seg = normalize(piece);
    // A segment of spaces alone (possible when collapseWhitespace is off) has nothing to learn from.
    if (/[^ ]/.test(seg)) out.push(seg);
  }
  return out;
}
