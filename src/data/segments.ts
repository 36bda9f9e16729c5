// Cuts raw text into segments, the units the split assigns to train/dev/eval and across which the model
// never predicts. Cutting happens on the raw text, because normalization may remove the line breaks and the
// ! ? that mark the boundaries. With 'none' nothing is cut: each document (file) is one stream.

import type { CharLmConfig, NormalizationConfig, SegmentationKind } from '../models/config.js';
import { makeNormalizer } from './normalize.js';

export type Segmentation = SegmentationKind;

export const SEGMENTATIONS: readonly Segmentation[] = ['line', 'sentence', 'none'];

// A sentence ends after . ! or ? (optionally followed by closing quotes or brackets) and whitespace; a blank
// line (paragraph break, end of a speech, end of a document) ends one too.
const SENTENCE_BREAK = /(?<=[.!?]['"’”)\]]*)\s+|\n[^\S\n]*\n\s*/u;

/**
 * Raw text → normalized segments (one per non-empty line, per sentence, or the whole text as one stream for
 * 'none'), empty (or all-space) ones dropped.
 */
export function segmentText(text: string, mode: Segmentation, cfg: NormalizationConfig): string[] {
  if (mode === 'none') return segmentDocuments([text], mode, cfg);
  const pieces = mode === 'sentence' ? text.split(SENTENCE_BREAK) : text.split('\n');
  return normalizePieces(pieces, cfg);
}

/**
 * Documents (the files of a corpus, in order) → normalized segments. With 'none' each document is one stream;
 * otherwise the documents are read as one text joined by newlines, as readCorpusText joins them.
 */
export function segmentDocuments(documents: readonly string[], mode: Segmentation, cfg: NormalizationConfig): string[] {
  if (mode !== 'none') return segmentText(documents.join('\n'), mode, cfg);
  return normalizePieces(documents, cfg);
}

function normalizePieces(pieces: readonly string[], cfg: NormalizationConfig): string[] {
  const normalize = makeNormalizer(cfg);
  const out: string[] = [];
  for (const piece of pieces) {
    const seg = normalize(piece);
    // A segment of whitespace alone (possible when collapseWhitespace is off) has nothing to learn from.
    if (/[^ \n\t]/.test(seg)) out.push(seg);
  }
  return out;
}

/**
 * How a model reads any text when --segment is auto, or undefined when that depends on the text (the training
 * corpus as it was cut, other text by line or sentence). A model that learned from a stream, or whose alphabet has a
 * newline (line or sentence segments never contain one), reads every text as a stream.
 */
export function readingSegmentation(
  config: Pick<CharLmConfig, 'segmentation' | 'corpus' | 'normalization'>,
): Segmentation | undefined {
  if (config.segmentation !== undefined) return config.segmentation;
  if (config.corpus?.segmentation === 'none' || config.normalization.alphabet.includes('\n')) return 'none';
  return undefined;
}

/** What `count` segments of a segmentation are called: "lines", "sentences" or "streams" (singular for one). */
export function segmentNoun(segmentation: Segmentation, count = 2): string {
  const noun = segmentation === 'none' ? 'stream' : segmentation;
  return count === 1 ? noun : `${noun}s`;
}
