// Reading input files with errors the user can act on: every failure is a one-line UserError naming the file.

import fsp from 'node:fs/promises';
import { UserError } from '../core/errors.js';
import { fsError } from './fs-errors.js';

/** The bytes of a file. */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  try {
    return await fsp.readFile(path);
  } catch (err) {
    throw fsError(err, 'read', path);
  }
}

/** A UTF-8 JSON file, parsed (a leading byte-order mark, as some editors write, is allowed). */
export async function readJsonFile(path: string): Promise<unknown> {
  const bytes = await readFileBytes(path);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new UserError(`${path}: not valid UTF-8 text`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UserError(`${path}: not valid JSON (${(err as Error).message})`);
  }
}

/** readJsonFile, or undefined when the file does not exist (any other failure is still its one-line error). */
export async function readJsonFileIfPresent(path: string): Promise<unknown> {
  try {
    return await readJsonFile(path);
  } catch (err) {
    const cause = (err as Error).cause as NodeJS.ErrnoException | undefined;
    if (cause?.code === 'ENOENT') return undefined;
    throw err;
  }
}
