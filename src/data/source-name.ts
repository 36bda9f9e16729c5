// The name a corpus goes by in the files memsig writes (config.json, signatures, reports): never the directory
// layout of the machine that made them, which means nothing elsewhere and should not travel with committed results.

import { basename, isAbsolute, relative, resolve, sep } from 'node:path';
import { SOTU_SOURCE } from './read-corpus.js';

/**
 * 'sotu' as it is; a path inside the working directory `cwd` as a relative path ('/'-separated); any other path (one
 * outside it, e.g. ../data/x.txt or /home/me/x.txt) by its file or folder name alone. The record's sha256 says which
 * text it was.
 */
export function corpusSourceName(source: string, cwd: string = process.cwd()): string {
  if (source === SOTU_SOURCE) return source;
  const rel = relative(cwd, resolve(cwd, source));
  const outside = rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
  const name = outside ? basename(resolve(cwd, source)) : rel;
  return name.split(sep).join('/');
}
