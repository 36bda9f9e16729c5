// A user's own recordings as a memsig speech corpus: a folder of NAME.wav or NAME.flac files, each with its transcript
// in NAME.txt beside it. Transcripts are normalized to the model alphabet as corpus text is. The split is the folder's
// own when it has train/, dev/ and eval/ (or test/) subfolders, otherwise a seeded draw like the text corpora's.

import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import { defaultNormalization, normalizeText } from '../data/normalize.js';
import { decodeText } from '../data/read-corpus.js';
import { defaultSplitFractions, type SplitFractions, splitSegments } from '../data/split.js';
import { fsError } from '../io/fs-errors.js';
import { convertClip } from './audio-clip.js';
import type { ManifestEntry, Split } from './manifest.js';

const AUDIO = /\.(wav|flac)$/i;
/** Subfolder names that fix a clip's split. */
const SPLIT_FOLDERS: Readonly<Record<string, Split>> = { train: 'train', dev: 'dev', eval: 'eval', test: 'eval' };

export interface FolderClip {
  /** Path below the folder, '/'-separated, without the extension: the utterance's id. */
  id: string;
  audioPath: string;
  transcriptPath: string;
  /** The split its subfolder names, or null. */
  split: Split | null;
  /** The folder it is in, below any split folder ("" at the top). */
  speaker: string;
}

/**
 * The clips below `dir`, sorted by id, leaving out the folder `skip` (where the prepared corpus goes, so that a second
 * run does not take the first one's WAVs for clips); a UserError names an audio file without a transcript.
 */
export async function listFolderClips(dir: string, skip?: string): Promise<FolderClip[]> {
  const skipped = skip === undefined ? undefined : resolve(skip);
  const clips: FolderClip[] = [];
  const walk = async (rel: string[]): Promise<void> => {
    const here = join(dir, ...rel);
    let entries: Dirent[];
    try {
      entries = await readdir(here, { withFileTypes: true });
    } catch (err) {
      throw fsError(err, 'read', here);
    }
    const names = new Set(entries.map((e) => e.name));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      if (e.isDirectory()) {
        if (resolve(here, e.name) !== skipped) await walk([...rel, e.name]);
        continue;
      }
      if (!AUDIO.test(e.name)) continue;
      const stem = e.name.replace(AUDIO, '');
      const audioPath = join(here, e.name);
      if (!names.has(`${stem}.txt`)) {
        throw new UserError(`${audioPath}: no transcript beside it (expected ${join(here, `${stem}.txt`)})`);
      }
      const split = rel.length > 0 ? (SPLIT_FOLDERS[rel[0].toLowerCase()] ?? null) : null;
      const below = split === null ? rel : rel.slice(1);
      clips.push({
        id: [...rel, stem].join('/'),
        audioPath,
        transcriptPath: join(here, `${stem}.txt`),
        split,
        speaker: below.join('/'),
      });
    }
  };
  await walk([]);
  if (clips.length === 0)
    throw new UserError(`${dir}: no NAME.wav or NAME.flac files (each with a NAME.txt transcript)`);
  const ids = new Set<string>();
  for (const c of clips) {
    if (ids.has(c.id)) throw new UserError(`${c.audioPath}: a second recording named ${c.id} (one .wav or .flac each)`);
    ids.add(c.id);
  }
  return clips.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The split of each clip: its folder's when the clips sit in split folders (then all must), else a seeded draw with
 * `fractions` (memsig's text split: same fractions, same function).
 */
export function splitFolderClips(
  dir: string,
  clips: readonly FolderClip[],
  seed: number,
  fractions: SplitFractions = defaultSplitFractions(),
): Map<string, Split> {
  const out = new Map<string, Split>();
  const placed = clips.filter((c) => c.split !== null);
  if (placed.length > 0) {
    const stray = clips.find((c) => c.split === null);
    if (stray !== undefined) {
      throw new UserError(
        `${stray.audioPath}: outside train/, dev/ and eval/, though ${dir} is split by those folders`,
      );
    }
    for (const c of clips) out.set(c.id, c.split!);
    return out;
  }
  let parts: ReturnType<typeof splitSegments<FolderClip>>;
  try {
    parts = splitSegments([...clips], fractions, seed);
  } catch (err) {
    if (err instanceof UserError)
      throw new UserError(`${dir}: ${err.message.replace('corpus too small', 'too few recordings')}`);
    throw err;
  }
  for (const split of ['train', 'dev', 'eval'] as const) for (const c of parts[split]) out.set(c.id, split);
  return out;
}

/** Converts the folder's clips into `outDir` (wav/ID.wav at 16 kHz) and returns their manifest entries, sorted by id. */
export async function prepareFolderCorpus(
  dir: string,
  outDir: string,
  seed: number,
  onClip?: (done: number, seconds: number) => void,
): Promise<ManifestEntry[]> {
  const clips = await listFolderClips(dir, outDir);
  const splits = splitFolderClips(dir, clips, seed);
  const normalization = defaultNormalization();
  const entries: ManifestEntry[] = [];
  let seconds = 0;
  for (const c of clips) {
    let raw: Uint8Array;
    try {
      raw = await readFile(c.transcriptPath);
    } catch (err) {
      throw fsError(err, 'read', c.transcriptPath);
    }
    const transcript = normalizeText(decodeText(raw, c.transcriptPath), normalization);
    if (transcript === '')
      throw new UserError(`${c.transcriptPath}: empty transcript (nothing left after normalization)`);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(c.audioPath);
    } catch (err) {
      throw fsError(err, 'read', c.audioPath);
    }
    const audio = `wav/${c.id}.wav`;
    const duration = await convertClip(bytes, c.audioPath, join(outDir, ...audio.split('/')));
    seconds += duration;
    entries.push({
      id: c.id,
      audio,
      transcript,
      duration,
      split: splits.get(c.id)!,
      speaker: c.speaker === '' ? 'unknown' : c.speaker,
      rate: null,
      pitch: null,
      words: null,
    });
    onClip?.(entries.length, seconds);
  }
  return entries;
}
