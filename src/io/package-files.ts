// Finds files shipped with the memsig package (docs/…) at run time. This module runs as src/io/*.ts in a checkout
// and as dist/src/io/*.js when compiled or installed (globally or locally), so the package root is two or three
// levels up; we look for the file itself in the nearest ancestors rather than hard-code either depth.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// dist/src/io → dist/src → dist → package root; no further, so nothing outside the package is picked up.
const MAX_LEVELS_UP = 3;

/** Absolute path of a file shipped in the package, e.g. packageFile('docs', 'model-config.schema.json'). */
export function packageFile(...parts: string[]): string {
  const here = dirname(fileURLToPath(import.meta.url));
  let dir = here;
  for (let level = 0; level <= MAX_LEVELS_UP; level++) {
    const candidate = join(dir, ...parts);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  // A packaging bug (the file was left out of the package "files"), not something the user did.
  throw new Error(`memsig is missing ${join(...parts)} (looked in the ancestors of ${here})`);
}
