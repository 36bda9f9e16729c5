// `memsig signature --states FILE`: a states file (io/states-file.ts) as what a signature is computed of. Its
// symbols and segments are read whole (a byte and a little more per position) and split as memsig splits a corpus;
// its states stay in the file, of which only the rows of the sampled positions are read later.

import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { StateKind } from '../analysis/signature-types.js';
import { type StoredLayerRows, storedAnalysable } from '../analysis/stored-states.js';
import { SegmentRuns, type StoredText, splitStoredText } from '../analysis/stored-text.js';
import { UserError } from '../core/errors.js';
import { Alphabet } from '../data/alphabet.js';
import type { PreparedCorpus } from '../data/corpus.js';
import { corpusSourceName } from '../data/source-name.js';
import { defaultSplitFractions } from '../data/split.js';
import { alphabetFromValue, readAlphabetFile } from '../import/alphabet-file.js';
import { openStatesFile, type StatesFile, sha256OfStates } from '../io/states-file.js';
import { readFloatRows, type StoredArray, scanIntegers } from '../io/stored-array.js';
import type { SegmentationKind } from '../models/config.js';
import { type CliIo, writeLine } from './io.js';

/** What `--states` needs besides the signature settings. */
export interface StatesChoice {
  /** The states file (.safetensors) or folder of .npy files. */
  path: string;
  /** The alphabet, when the file's metadata has none (or to replace it). */
  alphabetFile?: string;
}

/** The seed of the split by segment: the one memsig splits every corpus with. */
const SPLIT_SEED = 1;

/**
 * The name a split by the file's own segments goes by in the signature's corpus record (the record's type lists the
 * cuts memsig makes of a text itself; the signature file takes any name).
 */
const FILE_SEGMENTS = 'sequence' as SegmentationKind;

export interface StatesSubject {
  name: string;
  description: string;
  analysable: ReturnType<typeof storedAnalysable>;
  layerCount: number;
  layers: number[];
  state: StateKind;
  weightsSha256: string;
  corpus: PreparedCorpus;
  trainingCorpus: false;
  kernel?: undefined;
}

/**
 * Opens the states file, reads its alphabet, symbols and segments, splits them (by segment; by contiguous blocks
 * with --segment none or when there are too few segments) and says so on stderr.
 */
export async function statesSubject(
  choice: StatesChoice,
  asked: { state: StateKind | undefined; layers: number[] | null; segmentation: string | undefined },
  io: CliIo,
): Promise<StatesSubject> {
  const states = await openStatesFile(choice.path);
  const symbols = await statesAlphabet(states, choice.alphabetFile);
  const alphabet = new Alphabet(symbols);
  const state: StateKind = asked.state ?? (states.layers.c.length > 0 ? 'c' : 'h');
  const arrays = states.layers[state];
  if (arrays.length === 0) {
    throw new UserError(`${choice.path}: no ${state} states (${state}.0, …); the file has h states: use --state h`);
  }
  const layerCount = arrays.length;
  const layers = asked.layers ?? Array.from({ length: layerCount }, (_, k) => k + 1);
  for (const l of layers) {
    if (l > layerCount) {
      throw new UserError(`--layers ${l}: the states file has ${layerCount} layer${layerCount === 1 ? '' : 's'}`);
    }
  }
  const parameters = layerParameters(states, layerCount);

  const text = await readStoredSegments(states, alphabet.size);
  const mode = asked.segmentation === 'none' ? 'blocks' : 'auto';
  let split: StoredText;
  try {
    split = splitStoredText(text, mode, defaultSplitFractions(), SPLIT_SEED);
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`${choice.path}: ${err.message}`);
    throw err;
  }
  const sha256 = await sha256OfStates(states);
  const { partitions } = split;
  const sizes = arrays.map((a) => a.shape[1]!);
  const label =
    typeof states.metadata.model === 'string' ? states.metadata.model : `states of ${basename(choice.path)}`;
  const analysable = storedAnalysable(
    {
      label,
      sha256,
      cell: typeof states.metadata.cell === 'string' ? states.metadata.cell : null,
      vocab: alphabet.size,
      parameters,
      details: { positions: states.positions, stateSizes: sizes.join(','), format: states.format },
    },
    state,
    layerRows(arrays),
    split,
  );
  const count = (p: { starts: Uint32Array }) => p.starts.length - 1;
  const fractions = defaultSplitFractions();
  const corpus: PreparedCorpus = {
    alphabet,
    // Not used for stored states (their text is already symbols); what reading the alphabet as it is would be.
    normalization: {
      alphabet: symbols,
      lowercase: false,
      digitSymbol: null,
      unknown: 'drop',
      collapseWhitespace: false,
    },
    partitions,
    record: {
      source: corpusSourceName(choice.path),
      sha256: textSha256(text.ids, text.starts, symbols),
      segmentation: split.split === 'blocks' ? 'none' : FILE_SEGMENTS,
      split: { ...fractions, seed: SPLIT_SEED },
      symbols: { train: partitions.train.ids.length, dev: partitions.dev.ids.length, eval: partitions.eval.ids.length },
      segments: { train: count(partitions.train), dev: count(partitions.dev), eval: count(partitions.eval) },
      maxChars: null,
    },
  };
  const segmentCount = text.starts.length - 1;
  writeLine(
    io.stderr,
    `${choice.path}: ${states.positions} positions in ${segmentCount} segment${segmentCount === 1 ? '' : 's'}, ` +
      `${state} states of ${layerCount} layer${layerCount === 1 ? '' : 's'} (${sizes.join(', ')} units); ` +
      (split.split === 'blocks'
        ? 'split into contiguous blocks (90/5/5 of the positions)'
        : `split by segment (90/5/5, seed ${SPLIT_SEED})`) +
      `: ${corpus.record.segments.train}/${corpus.record.segments.dev}/${corpus.record.segments.eval} segments; ` +
      'only the rows of the sampled positions are read',
  );
  return {
    name: choice.path,
    description: `${label}, ${layerCount} layer${layerCount === 1 ? '' : 's'} of ${sizes.join(', ')}`,
    analysable,
    layerCount,
    layers,
    state,
    weightsSha256: sha256,
    corpus,
    trainingCorpus: false,
  };
}

async function statesAlphabet(states: StatesFile, alphabetFile: string | undefined): Promise<string[]> {
  if (alphabetFile !== undefined) return readAlphabetFile(alphabetFile);
  const value = states.metadata.alphabet;
  if (value === undefined) {
    const where = states.format === 'safetensors' ? 'its metadata' : 'metadata.json';
    throw new UserError(`${states.path}: no alphabet in ${where} (key "alphabet"); give one with --alphabet-file`);
  }
  return alphabetFromValue(value, `${states.path}: metadata "alphabet"`);
}

/** Metadata "parameters": one parameter count per layer, or null when absent. */
function layerParameters(states: StatesFile, layers: number): number[] | null {
  const value = states.metadata.parameters;
  if (value === undefined) return null;
  if (
    !Array.isArray(value) ||
    value.length !== layers ||
    !value.every((v) => Number.isSafeInteger(v) && (v as number) > 0)
  ) {
    throw new UserError(
      `${states.path}: metadata "parameters" must list one positive parameter count per layer (${layers})`,
    );
  }
  return value as number[];
}

/** The symbols (checked against the alphabet) and segments of every position. */
async function readStoredSegments(states: StatesFile, V: number): Promise<{ ids: Uint8Array; starts: Float64Array }> {
  const ids = new Uint8Array(states.positions);
  await scanIntegers(states.symbols, (values, first) => {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!(v >= 0 && v < V)) {
        throw new UserError(
          `${states.symbols.label}: symbol ${v} at position ${first + i} is outside the alphabet (0 … ${V - 1})`,
        );
      }
      ids[first + i] = v;
    }
  });
  const runs = new SegmentRuns(states.segments.label);
  await scanIntegers(states.segments, (values) => runs.add(values));
  return { ids, starts: runs.finish() };
}

/** Each layer's rows, read from the file with positioned reads. */
function layerRows(arrays: StoredArray[]): StoredLayerRows {
  return {
    stateSizes: arrays.map((a) => a.shape[1]!),
    read: (layer, rows, sink, options) => readFloatRows(arrays[layer]!, rows, sink, options),
  };
}

/**
 * sha256 of the symbols as text, segments joined with '\n': the digest memsig records for a corpus, so that states
 * of a text memsig also reads name the same text.
 */
function textSha256(ids: Uint8Array, starts: Float64Array, symbols: readonly string[]): string {
  const hash = createHash('sha256');
  const CHUNK = 65_536;
  for (let s = 0; s + 1 < starts.length; s++) {
    if (s > 0) hash.update('\n');
    for (let from = starts[s]!; from < starts[s + 1]!; from += CHUNK) {
      const to = Math.min(from + CHUNK, starts[s + 1]!);
      let piece = '';
      for (let i = from; i < to; i++) piece += symbols[ids[i]!];
      hash.update(piece, 'utf8');
    }
  }
  return hash.digest('hex');
}
