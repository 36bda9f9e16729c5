// The whole corpus pipeline: read → cap → segment + normalize → split → encode, plus the CorpusRecord that is
// stored with a trained model so anyone can tell which text (and which split) it saw.

import { createHash } from 'node:crypto';
import { UserError } from '../core/errors.js';
import type { CorpusRecord, NormalizationConfig } from '../models/config.js';
import { Alphabet } from './alphabet.js';
import { defaultNormalization, normalizeText, validateNormalization } from './normalize.js';
import { rawAlphabet, rawNormalization } from './raw-alphabet.js';
import { type CorpusText, readCorpusText } from './read-corpus.js';
import { SEGMENTATIONS, type Segmentation, segmentDocuments, segmentText } from './segments.js';
import { corpusSourceName } from './source-name.js';
import {
  defaultSplitFractions,
  type SplitFractions,
  type SplitResult,
  splitCorpusSegments,
  validateSplitFractions,
} from './split.js';

/** Segments laid end to end: segment i is ids[starts[i] .. starts[i+1]). */
export interface EncodedPartition {
  ids: Uint8Array;
  /** Segment start offsets into ids; length segments + 1, the last equal to ids.length. */
  starts: Uint32Array;
}

export interface CorpusPartitions {
  train: EncodedPartition;
  dev: EncodedPartition;
  eval: EncodedPartition;
}

export interface PreparedCorpus {
  alphabet: Alphabet;
  normalization: NormalizationConfig;
  partitions: CorpusPartitions;
  record: CorpusRecord;
}

export interface CorpusOptions {
  normalization: NormalizationConfig;
  segmentation: Segmentation;
  split: SplitFractions & { seed: number };
  /** Keep only the last maxChars characters of the raw text (cut at a line start), or null for all of it. */
  maxChars: number | null;
  /** Instead of `normalization`: every character of the text as a symbol, most frequent first (rawAlphabet). */
  rawAlphabet: boolean;
}

export function defaultCorpusOptions(): CorpusOptions {
  return {
    normalization: defaultNormalization(),
    segmentation: 'line',
    split: { ...defaultSplitFractions(), seed: 1 },
    maxChars: null,
    rawAlphabet: false,
  };
}

/** CorpusOptions where anything left out (or undefined) takes its default; split may be given in part. */
export interface CorpusOptionsInput {
  normalization?: NormalizationConfig;
  segmentation?: Segmentation;
  split?: Partial<CorpusOptions['split']>;
  maxChars?: number | null;
  rawAlphabet?: boolean;
}

export function resolveCorpusOptions(options: CorpusOptionsInput = {}): CorpusOptions {
  const d = defaultCorpusOptions();
  const split = { ...d.split };
  for (const key of ['train', 'dev', 'eval', 'seed'] as const) {
    const v = options.split?.[key];
    if (v !== undefined) split[key] = v;
  }
  return {
    normalization: options.normalization ?? d.normalization,
    segmentation: options.segmentation ?? d.segmentation,
    split,
    maxChars: options.maxChars === undefined ? d.maxChars : options.maxChars,
    rawAlphabet: options.rawAlphabet ?? d.rawAlphabet,
  };
}

/** Reads `source` ('sotu', a file, a .gz or a folder) and turns it into encoded train/dev/eval partitions. */
export async function prepareCorpus(source: string, options: CorpusOptionsInput = {}): Promise<PreparedCorpus> {
  const opts = resolveCorpusOptions(options);
  validateNormalization(opts.normalization, 'normalization');
  if (!SEGMENTATIONS.includes(opts.segmentation)) {
    throw new UserError(`segmentation must be "line", "sentence" or "none" (got ${JSON.stringify(opts.segmentation)})`);
  }
  const maxChars = opts.maxChars;
  if (maxChars !== null && !(Number.isSafeInteger(maxChars) && maxChars > 0)) {
    throw new UserError(`maxChars must be a positive whole number (got ${String(maxChars)})`);
  }
  const { train, dev, eval: evalFraction, seed } = opts.split;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new UserError(`split seed must be a whole number from 0 to 4294967295 (got ${String(seed)})`);
  }
  validateSplitFractions({ train, dev, eval: evalFraction });

  const raw = capCorpusText(await readCorpusText(source), opts.segmentation, maxChars);
  // A raw alphabet is every character of the text the model will read (a newline only in streams).
  const normalization = opts.rawAlphabet
    ? rawNormalization(rawAlphabet(raw.text, opts.segmentation === 'none'))
    : opts.normalization;
  const { segments } = corpusSegments(raw, opts.segmentation, normalization, null);
  if (segments.length === 0) throw new UserError(`no text left after normalization: ${source}`);

  let parts: SplitResult<string>;
  try {
    parts = splitCorpusSegments(segments, opts.segmentation, { train, dev, eval: evalFraction }, seed);
  } catch (err) {
    // Only "too small" can remain; the split cannot know the file, so add it to the one-line message.
    if (err instanceof UserError) throw new UserError(`${err.message}: ${source}`);
    throw err;
  }

  const alphabet = new Alphabet(normalization.alphabet);
  const partitions: CorpusPartitions = {
    train: encodeSegments(parts.train, alphabet),
    dev: encodeSegments(parts.dev, alphabet),
    eval: encodeSegments(parts.eval, alphabet),
  };
  const record: CorpusRecord = {
    source: corpusSourceName(raw.source),
    sha256: sha256OfSegments(segments),
    segmentation: opts.segmentation,
    split: { train, dev, eval: evalFraction, seed },
    symbols: {
      train: partitions.train.ids.length,
      dev: partitions.dev.ids.length,
      eval: partitions.eval.ids.length,
    },
    segments: { train: parts.train.length, dev: parts.dev.length, eval: parts.eval.length },
    maxChars,
  };
  return { alphabet, normalization, partitions, record };
}

/**
 * A read corpus → its normalized segments under `segmentation`, from its last `maxChars` characters (all when null).
 * `text` is the (capped) raw text they come from.
 */
export function corpusSegments(
  raw: CorpusText,
  segmentation: Segmentation,
  normalization: NormalizationConfig,
  maxChars: number | null,
): { text: string; segments: string[] } {
  const capped = capCorpusText(raw, segmentation, maxChars);
  return { text: capped.text, segments: segmentDocuments(capped.documents, segmentation, normalization) };
}

/**
 * The last `maxChars` characters of a read corpus (all of it when null), cut at a line start: of its documents for
 * streams ('none'), which stay apart; of the one joined text otherwise.
 */
export function capCorpusText(raw: CorpusText, segmentation: Segmentation, maxChars: number | null): CorpusText {
  if (maxChars === null) return raw;
  if (segmentation !== 'none') {
    const text = keepLastChars(raw.text, maxChars);
    return { source: raw.source, text, documents: [text] };
  }
  const documents = keepLastDocumentChars(raw.documents, maxChars);
  return { source: raw.source, text: documents.join('\n'), documents };
}

/**
 * The documents that hold the last `maxChars` characters of the documents joined by newlines, the first of them
 * cut as keepLastChars cuts (at a line start).
 */
export function keepLastDocumentChars(documents: readonly string[], maxChars: number): string[] {
  const kept: string[] = [];
  let left = maxChars;
  for (let i = documents.length - 1; i >= 0 && left > 0; i--) {
    const doc = documents[i]!;
    if (doc.length > left) {
      kept.push(keepLastChars(doc, left));
      break;
    }
    kept.push(doc);
    left -= doc.length + 1; // the newline that joins it to the one before
  }
  return kept.reverse();
}

/**
 * The last `maxChars` characters of `text`, starting at a line start so no line is cut in half. When that
 * tail holds no line break (one very long line), it starts at a word instead.
 */
export function keepLastChars(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const from = text.length - maxChars;
  if (text[from - 1] === '\n') return text.slice(from);
  const tail = text.slice(from);
  const nl = tail.indexOf('\n');
  if (nl >= 0) return tail.slice(nl + 1);
  const ws = tail.search(/\s/);
  return ws >= 0 ? tail.slice(ws + 1) : tail;
}

/** sha256 (hex) of the segments joined with '\n', i.e. of the normalized symbol stream in corpus order. */
export function sha256OfSegments(segments: readonly string[]): string {
  const hash = createHash('sha256');
  for (let i = 0; i < segments.length; i++) {
    if (i > 0) hash.update('\n');
    hash.update(segments[i], 'utf8');
  }
  return hash.digest('hex');
}

/** Normalized segments → one EncodedPartition. */
export function encodeSegments(segments: readonly string[], alphabet: Alphabet): EncodedPartition {
  const encoded = segments.map((s) => alphabet.encode(s));
  const starts = new Uint32Array(encoded.length + 1);
  for (let i = 0; i < encoded.length; i++) starts[i + 1] = starts[i] + encoded[i].length;
  const ids = new Uint8Array(starts[encoded.length]);
  for (let i = 0; i < encoded.length; i++) ids.set(encoded[i], starts[i]);
  return { ids, starts };
}

/** Raw text → ids as one sequence (line breaks become spaces), normalized exactly as the corpus was. */
export function encodeText(text: string, alphabet: Alphabet, cfg: NormalizationConfig): Uint8Array {
  return alphabet.encode(normalizeText(text, cfg));
}

/** Raw text → segments → one EncodedPartition, e.g. to measure perplexity on a text file. */
export function encodeTextSegments(
  text: string,
  alphabet: Alphabet,
  cfg: NormalizationConfig,
  segmentation: Segmentation = 'line',
): EncodedPartition {
  return encodeSegments(segmentText(text, segmentation, cfg), alphabet);
}

/** The ids of segment `i` (a view, not a copy). */
export function segmentIds(p: EncodedPartition, i: number): Uint8Array {
  return p.ids.subarray(p.starts[i], p.starts[i + 1]);
}

/** Number of segments in a partition. */
export function segmentCount(p: EncodedPartition): number {
  return p.starts.length - 1;
}
