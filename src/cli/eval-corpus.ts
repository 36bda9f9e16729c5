// The text `memsig eval` measures: the corpus read and normalized exactly as the model's config says. When it is
// the very corpus the model was trained on (same normalized sha256 under the recorded segmentation and cap), the
// recorded split is reused, so `--split eval` is the model's own held-out text.

import { UserError } from '../core/errors.js';
import {
  Alphabet,
  corpusSegments,
  corpusSourceName,
  defaultSplitFractions,
  type EncodedPartition,
  encodeSegments,
  type PreparedCorpus,
  readCorpusText,
  readingSegmentation,
  type Segmentation,
  type SplitFractions,
  type SplitResult,
  sha256OfSegments,
  splitCorpusSegments,
} from '../data/index.js';
import type { CharLmConfig, CorpusRecord } from '../models/config.js';

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

/** The corpus as a model reads it: normalized segments, and the split to cut them with. */
export interface ModelCorpusText {
  /** 'sotu' or the path as given. */
  source: string;
  /** The raw text the segments come from (capped as the model's record says when it is the training corpus). */
  text: string;
  segments: string[];
  segmentation: Segmentation;
  fractions: SplitFractions;
  seed: number;
  /** True when the text is the corpus recorded in the model's config (and its split is reused). */
  trainingCorpus: boolean;
  /** The cap applied (the recorded one on the training corpus), or null. */
  maxChars: number | null;
  /** sha256 of the normalized segments. */
  sha256: string;
}

/**
 * Reads `source` and normalizes it with the model's normalization. `segmentation` is the --segment choice, or
 * undefined for auto (a stream model's 'none'; else the recorded one when the corpus matches, else
 * `autoSegmentation`). When the normalized text
 * is the model's training corpus (same sha256 under the recorded segmentation and cap), the recorded split comes
 * with it; otherwise the default fractions and seed 1.
 */
export async function readModelCorpus(
  source: string,
  config: CharLmConfig,
  segmentation: Segmentation | undefined,
  autoSegmentation: Segmentation,
): Promise<ModelCorpusText> {
  const raw = await readCorpusText(source);
  const norm = config.normalization;
  const rec = config.corpus;
  // A stream model reads every text as a stream, its training corpus included.
  const reading = readingSegmentation(config);
  if (rec) {
    const candidateSeg = segmentation ?? reading ?? rec.segmentation;
    const { text, segments: candidate } = corpusSegments(raw, candidateSeg, norm, rec.maxChars);
    const sha256 = sha256OfSegments(candidate);
    if (sha256 === rec.sha256) {
      return {
        source: raw.source,
        text,
        segments: candidate,
        segmentation: candidateSeg,
        fractions: { train: rec.split.train, dev: rec.split.dev, eval: rec.split.eval },
        seed: rec.split.seed,
        trainingCorpus: true,
        maxChars: rec.maxChars,
        sha256,
      };
    }
  }
  const seg = segmentation ?? reading ?? autoSegmentation;
  const { segments } = corpusSegments(raw, seg, norm, null);
  if (segments.length === 0) throw new UserError(`no text left after normalization: ${source}`);
  return {
    source: raw.source,
    text: raw.text,
    segments,
    segmentation: seg,
    fractions: defaultSplitFractions(),
    seed: 1,
    trainingCorpus: false,
    maxChars: null,
    sha256: sha256OfSegments(segments),
  };
}

/**
 * Reads `source` and returns the `split` partition, normalized with the model's normalization (see
 * readModelCorpus for the segmentation and the split).
 */
export async function loadEvalText(
  source: string,
  config: CharLmConfig,
  split: SplitName,
  segmentation: Segmentation | undefined,
  autoSegmentation: Segmentation,
): Promise<EvalText> {
  const corpus = await readModelCorpus(source, config, segmentation, autoSegmentation);
  const alphabet = new Alphabet(config.normalization.alphabet);
  const { segments, seed } = corpus;

  let chosen: string[];
  if (split === 'all') {
    chosen = segments;
  } else {
    try {
      chosen = splitCorpusSegments(segments, corpus.segmentation, corpus.fractions, seed)[split];
    } catch (err) {
      if (err instanceof UserError) throw new UserError(`${err.message}: ${source} (try --split all)`);
      throw err;
    }
  }
  return {
    source: corpus.source,
    partition: encodeSegments(chosen, alphabet),
    split,
    segmentation: corpus.segmentation,
    trainingCorpus: corpus.trainingCorpus,
    splitSeed: split === 'all' ? null : seed,
    segments: chosen.length,
  };
}

/** The whole corpus as a model reads it, split into train/dev/eval partitions (for the memory signature). */
export async function loadModelCorpus(
  source: string,
  config: CharLmConfig,
  segmentation: Segmentation | undefined,
  autoSegmentation: Segmentation,
): Promise<{ corpus: PreparedCorpus; text: ModelCorpusText }> {
  const text = await readModelCorpus(source, config, segmentation, autoSegmentation);
  const normalization = config.normalization;
  const alphabet = new Alphabet(normalization.alphabet);
  let parts: SplitResult<string>;
  try {
    parts = splitCorpusSegments(text.segments, text.segmentation, text.fractions, text.seed);
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`${err.message}: ${source}`);
    throw err;
  }
  const partitions = {
    train: encodeSegments(parts.train, alphabet),
    dev: encodeSegments(parts.dev, alphabet),
    eval: encodeSegments(parts.eval, alphabet),
  };
  const record: CorpusRecord = {
    source: corpusSourceName(text.source),
    sha256: text.sha256,
    segmentation: text.segmentation,
    split: { ...text.fractions, seed: text.seed },
    symbols: { train: partitions.train.ids.length, dev: partitions.dev.ids.length, eval: partitions.eval.ids.length },
    segments: { train: parts.train.length, dev: parts.dev.length, eval: parts.eval.length },
    maxChars: text.maxChars,
  };
  return { corpus: { alphabet, normalization, partitions, record }, text };
}
