// The speech manifest: a JSONL file, one utterance a line (audio path, transcript, split, speaker, word timings), the
// one format every speech corpus becomes, synthesized or recorded. Reading checks every line and names the first bad
// one; writing is atomic. docs/formats.md describes the fields.

import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { UserError } from '../core/errors.js';
import { defaultNormalization } from '../data/normalize.js';
import { writeFileAtomic } from '../io/atomic.js';
import { readFileBytes } from '../io/read-file.js';
import type { WordTiming } from './synthesizer.js';

export const SPLITS = ['train', 'dev', 'eval'] as const;
export type Split = (typeof SPLITS)[number];

export interface ManifestEntry {
  /** Unique within the manifest. */
  id: string;
  /** The audio file, relative to the manifest's folder, '/'-separated. */
  audio: string;
  /** What is said, in the model alphabet. */
  transcript: string;
  /** Seconds. */
  duration: number;
  split: Split;
  /** Who speaks: a voice label (espeak:en-us+f3, flite:slt) or a recorded speaker's name. */
  speaker: string;
  /** Synthesized speech: the rate and pitch factors it was made with; recordings: null. */
  rate: number | null;
  pitch: number | null;
  /** Words of the transcript with start and end in seconds, or null when unknown. */
  words: WordTiming[] | null;
}

/** The file name memsig gives a manifest in a corpus folder. */
export const MANIFEST_FILE = 'manifest.jsonl';

/** The default model alphabet (a-z, #, apostrophe, period, space), which transcripts are checked against. */
export function defaultSpeechAlphabet(): string[] {
  return [...defaultNormalization().alphabet];
}

/** One line per entry, keys in a fixed order, so the same entries always give the same bytes. */
export function formatManifest(entries: readonly ManifestEntry[]): string {
  return entries
    .map((e) =>
      JSON.stringify({
        id: e.id,
        audio: e.audio,
        transcript: e.transcript,
        duration: e.duration,
        split: e.split,
        speaker: e.speaker,
        rate: e.rate,
        pitch: e.pitch,
        words: e.words,
      }),
    )
    .map((line) => `${line}\n`)
    .join('');
}

/** Writes `entries` to `path` atomically: a reader sees the old manifest or the whole new one. */
export async function writeManifest(path: string, entries: readonly ManifestEntry[]): Promise<void> {
  await writeFileAtomic(path, formatManifest(entries));
}

export interface ReadManifestOptions {
  /** Symbols a transcript may use (default: defaultSpeechAlphabet()). */
  alphabet?: readonly string[];
  /** Check that every audio file exists (default true). */
  checkAudio?: boolean;
}

/**
 * The entries of the manifest at `path`, checked line by line: every problem is a one-line UserError naming the file
 * and the line (bad JSON, a missing or mistyped field, an empty transcript or one outside the alphabet, a repeated id,
 * word timings out of order or outside the audio, a missing audio file).
 */
export async function readManifest(path: string, options: ReadManifestOptions = {}): Promise<ManifestEntry[]> {
  const bytes = await readFileBytes(path);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UserError(`${path}: not UTF-8 text, so not a manifest`);
  }
  const entries = parseManifest(text, path, options.alphabet ?? defaultSpeechAlphabet());
  if (options.checkAudio ?? true) await checkAudioFiles(path, entries);
  return entries;
}

/** The entries of manifest `text` (named `name` in errors), checked as readManifest does except for the audio files. */
export function parseManifest(text: string, name: string, alphabet: readonly string[]): ManifestEntry[] {
  const symbols = new Set(alphabet);
  const entries: ManifestEntry[] = [];
  const lineOf = new Map<string, number>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    if (line.trim() === '') continue;
    const where = `${name}:${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new UserError(`${where}: not a JSON object (each line of a manifest is one utterance)`);
    }
    const entry = checkEntry(value, where, symbols);
    const earlier = lineOf.get(entry.id);
    if (earlier !== undefined) throw new UserError(`${where}: id ${JSON.stringify(entry.id)} repeats line ${earlier}`);
    lineOf.set(entry.id, i + 1);
    entries.push(entry);
  }
  if (entries.length === 0) throw new UserError(`${name}: no utterances in the manifest`);
  return entries;
}

/** The path of an entry's audio file: its audio field taken relative to the manifest's folder. */
export function audioPathOf(manifestPath: string, entry: ManifestEntry): string {
  return join(dirname(manifestPath), ...entry.audio.split('/'));
}

async function checkAudioFiles(path: string, entries: readonly ManifestEntry[]): Promise<void> {
  for (const e of entries) {
    const file = audioPathOf(path, e);
    let isFile = false;
    try {
      isFile = (await stat(file)).isFile();
    } catch {
      // reported below
    }
    if (!isFile) throw new UserError(`${path}: utterance ${JSON.stringify(e.id)}: audio file not found: ${file}`);
  }
}

function checkEntry(value: unknown, where: string, symbols: ReadonlySet<string>): ManifestEntry {
  const fail = (problem: string): never => {
    throw new UserError(`${where}: ${problem}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('not a JSON object (each line of a manifest is one utterance)');
  }
  const v = value as Record<string, unknown>;
  const text = (key: string): string => {
    const x = v[key];
    if (typeof x !== 'string' || x === '') fail(`${key} must be a non-empty string (got ${shown(x)})`);
    return x as string;
  };
  const id = text('id');
  const audio = text('audio');
  if (isAbsolute(audio) || audio.includes('\\') || audio.split('/').includes('..')) {
    fail(`audio must be a path relative to the manifest's folder, with / between folders (got ${shown(audio)})`);
  }
  if (typeof v.transcript !== 'string') fail(`transcript must be a string (got ${shown(v.transcript)})`);
  const transcript = v.transcript as string;
  if (transcript.trim() === '') fail(`utterance ${JSON.stringify(id)} has an empty transcript`);
  for (const ch of transcript) {
    if (!symbols.has(ch)) {
      const hex = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      fail(`transcript of ${JSON.stringify(id)} has ${JSON.stringify(ch)} (U+${hex}), which is not in the alphabet`);
    }
  }
  const duration = v.duration;
  if (typeof duration !== 'number' || !(duration > 0) || !Number.isFinite(duration)) {
    fail(`duration must be a number of seconds > 0 (got ${shown(duration)})`);
  }
  if (!(SPLITS as readonly unknown[]).includes(v.split))
    fail(`split must be train, dev or eval (got ${shown(v.split)})`);
  const speaker = text('speaker');
  const factor = (key: string): number | null => {
    const x = v[key] ?? null;
    if (x !== null && !(typeof x === 'number' && x > 0 && Number.isFinite(x))) {
      fail(`${key} must be a number > 0 or null (got ${shown(x)})`);
    }
    return x as number | null;
  };
  return {
    id,
    audio,
    transcript,
    duration: duration as number,
    split: v.split as Split,
    speaker,
    rate: factor('rate'),
    pitch: factor('pitch'),
    words: checkWords(v.words ?? null, duration as number, fail),
  };
}

// Word timings: in order, each inside the audio (rounding to a millisecond may reach a millisecond past its end).
function checkWords(value: unknown, duration: number, fail: (problem: string) => never): WordTiming[] | null {
  if (value === null) return null;
  if (!Array.isArray(value)) return fail(`words must be a list of {word, start, end} or null (got ${shown(value)})`);
  const limit = duration + 0.001;
  let last = 0;
  return value.map((w: unknown, k) => {
    const t = w as Record<string, unknown>;
    const ok =
      typeof t === 'object' &&
      t !== null &&
      typeof t.word === 'string' &&
      typeof t.start === 'number' &&
      typeof t.end === 'number' &&
      t.start >= last &&
      t.end >= t.start &&
      t.end <= limit;
    if (!ok) fail(`word ${k + 1} (${shown(w)}) must be {word, start, end} in order, within the ${duration} s of audio`);
    last = t.start as number;
    return { word: t.word as string, start: t.start as number, end: t.end as number };
  });
}

function shown(x: unknown): string {
  const s = JSON.stringify(x) ?? String(x);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
