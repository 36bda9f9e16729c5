// The text `memsig eval` measures: the corpus read and normalized exactly as the model's config says. When it is
// the very corpus the model was trained on (same normalized sha256 under the recorded segmentation and cap), the
// recorded split is reused, so `--split eval` is the model's own held-out text.

import { UserError } from '../core/errors.js';
import {
  Alphabet,
  defaultSplitFractions,
  type EncodedPartition,
  encodeSegments,
  keepLastChars,
  readCorpusText,
  type Segmentation,
  segmentText,
  sha256OfSegments,
  splitSegments,
} from '../data/index.js';
import type { CharLmConfig } from '../models/config.js';

export const SPLITS = ['train', 'dev', 'eval', 'all'] as const;
export type SplitName = (typeof SPLITS)[number];

export interface EvalText {
  source: string;
  partition: EncodedPartition;
  split: SplitName;
  segmentation: Segmentation;
  /** True when the text is the corpus recorded in the model's config (and its split was reused). */
  trainingCorpus: boolean;
  splitSeed: number | null;
  segments: number;
}

/**
 * Reads `source` and returns the `split` partition, normalized with the model's normalization. `segmentation` is
 * the --segment choice, or undefined for auto (the recorded one when the corpus matches, else sentence for sotu
 * and line otherwise).
 */
export async function loadEvalText(
  source: string,
  config: CharLmConfig,
  split: SplitName,
  segmentation: Segmentation | undefined,
  autoSegmentation: Segmentation,
): Promise<EvalText> {
  const raw = await readCorpusText(source);
  const norm = config.normalization;
  const alphabet = new Alphabet(norm.alphabet);
  const rec = config.corpus;

  let segments: string[] | null = null;
  let seg: Segmentation = segmentation ?? autoSegmentation;
  let fractions = defaultSplitFractions();
  let seed = 1;
  let trainingCorpus = false;
  if (rec) {
    const candidateSeg = segmentation ?? rec.segmentation;
    const text = rec.maxChars === null ? raw.text : keepLastChars(raw.text, rec.maxChars);
    const candidate = segmentText(text, candidateSeg, norm);
    if (sha256OfSegments(candidate) === rec.sha256) {
      segments = candidate;
      seg = candidateSeg;
      fractions = { train: rec.split.train, dev: rec.split.dev, eval: rec.split.eval };
      seed = rec.split.seed;
      trainingCorpus = true;
    }
  }
  segments ??= segmentText(raw.text, seg, norm);
  if (segments.length === 0) throw new UserError(`no text left after normalization: ${source}`);

  let chosen: string[];
  if (split === 'all') {
    chosen = segments;
  } else {
    try {
      chosen = splitSegments(segments, fractions, seed)[split];
    } catch (err) {
      if (err instanceof UserError) throw new UserError(`${err.message}: ${source} (try --split all)`);
      throw err;
    }
  }
  return {
    source: raw.source,
    partition: encodeSegments(chosen, alphabet),
    split,
    segmentation: seg,
    trainingCorpus,
    splitSeed: split === 'all' ? null : seed,
    segments: chosen.length,
  };
}
