// memsig's version, from its package.json.

import { readFileSync } from 'node:fs';
import { packageFile } from '../io/package-files.js';

let version: string | undefined;

export function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }).version;
  return version;
}

/** What a signature records as the program that made it, e.g. "memsig 0.1.0". */
export function generatorName(): string {
  return `memsig ${packageVersion()}`;
}
