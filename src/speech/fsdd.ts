// The Free Spoken Digit Dataset (recordings named {digit}_{speaker}_{take}.wav, 8 kHz) as a memsig speech corpus,
// read from its tar (plain or gzipped) or from an extracted folder. Split: takes 0-4 of every speaker and digit are the
// dataset's documented test set (memsig's eval), takes 5-9 are dev, and takes 10 and up are train.

import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { UserError } from '../core/errors.js';
import { fsError } from '../io/fs-errors.js';
import { convertClip } from './audio-clip.js';
import type { ManifestEntry, Split } from './manifest.js';

export const DIGIT_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'] as const;

const CLIP_NAME = /^([0-9])_([A-Za-z]+)_([0-9]+)\.wav$/;

export interface FsddClip {
  digit: number;
  speaker: string;
  take: number;
  /** The file name without folders, e.g. 7_theo_12.wav. */
  name: string;
}

/** The clip a file name names, or null when it is not an FSDD recording. */
export function parseFsddName(path: string): FsddClip | null {
  const name = basename(path);
  const m = CLIP_NAME.exec(name);
  return m === null ? null : { digit: Number(m[1]), speaker: m[2], take: Number(m[3]), name };
}

/** Takes 0-4: eval (FSDD's test set); 5-9: dev; the rest: train. */
export function fsddSplit(take: number): Split {
  return take <= 4 ? 'eval' : take <= 9 ? 'dev' : 'train';
}

/** The clips of `path` (a .tar, .tar.gz/.tgz or a folder), each with its bytes, in the order they are stored. */
export async function* readFsddClips(
  path: string,
): AsyncGenerator<{ clip: FsddClip; bytes: Uint8Array; where: string }> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (err) {
    throw fsError(err, 'read', path);
  }
  if (isDir) {
    for (const file of await listWavFiles(path)) {
      const clip = parseFsddName(file);
      if (clip !== null) yield { clip, bytes: await readFile(file), where: file };
    }
    return;
  }
  const extract = tar.extract();
  const input = createReadStream(path);
  const gz = /\.(tgz|gz)$/i.test(path);
  const source = gz ? input.pipe(createGunzip()) : input;
  // Errors of the file or the decompression end the extraction with a message naming the file.
  const broken = (err: Error) => extract.destroy(new UserError(`${path}: not a readable tar file (${err.message})`));
  input.on('error', (err) => extract.destroy(fsError(err, 'read', path) as Error));
  if (gz) source.on('error', broken);
  source.pipe(extract);
  try {
    for await (const entry of extract) {
      const clip = entry.header.type === 'file' ? parseFsddName(entry.header.name) : null;
      if (clip === null) {
        entry.resume();
        continue;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      yield { clip, bytes: Buffer.concat(chunks), where: `${path}:${entry.header.name}` };
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${path}: not a readable tar file (${(err as Error).message})`);
  }
}

async function listWavFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw fsError(err, 'read', dir);
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (e.name.startsWith('.')) continue;
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listWavFiles(full)));
    else if (e.name.toLowerCase().endsWith('.wav')) out.push(full);
  }
  return out;
}

/**
 * Converts the FSDD at `path` into `outDir` (wav/SPLIT/NAME.wav at 16 kHz) and returns its manifest entries, sorted
 * by split, speaker, digit and take. `onClip` sees each clip as it is written.
 */
export async function prepareFsdd(
  path: string,
  outDir: string,
  onClip?: (done: number, seconds: number) => void,
): Promise<ManifestEntry[]> {
  const entries: ManifestEntry[] = [];
  const seen = new Set<string>();
  let seconds = 0;
  for await (const { clip, bytes, where } of readFsddClips(path)) {
    if (seen.has(clip.name)) throw new UserError(`${where}: a second recording named ${clip.name}`);
    seen.add(clip.name);
    const split = fsddSplit(clip.take);
    const id = clip.name.replace(/\.wav$/, '');
    const audio = `wav/${split}/${id}.wav`;
    const duration = await convertClip(bytes, where, join(outDir, ...audio.split('/')));
    seconds += duration;
    entries.push({
      id,
      audio,
      transcript: DIGIT_WORDS[clip.digit],
      duration,
      split,
      speaker: clip.speaker,
      rate: null,
      pitch: null,
      words: null,
    });
    onClip?.(entries.length, seconds);
  }
  if (entries.length === 0) {
    throw new UserError(`${path}: no Free Spoken Digit Dataset recordings ({digit}_{speaker}_{take}.wav) found`);
  }
  const order: Record<Split, number> = { train: 0, dev: 1, eval: 2 };
  const key = (e: ManifestEntry) => parseFsddName(`${e.id}.wav`)!;
  return entries.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return (
      order[a.split] - order[b.split] ||
      (ka.speaker < kb.speaker ? -1 : ka.speaker > kb.speaker ? 1 : 0) ||
      ka.digit - kb.digit ||
      ka.take - kb.take
    );
  });
}
