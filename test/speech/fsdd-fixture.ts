// A small Free Spoken Digit Dataset made from the audio fixtures, for the tests of prepareFsdd and the prepare command.

import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { FIXTURES } from '../cli/helpers.js';

/** FSDD clips (from the audio fixtures) under the names a small FSDD would have. */
export function fsddClips(): Record<string, Uint8Array> {
  const clip = (name: string) => readFileSync(join(FIXTURES, 'speech', name));
  return {
    '2_george_5.wav': clip('2_george_5.wav'),
    '3_jackson_0.wav': clip('3_jackson_0.wav'),
    '7_theo_1.wav': clip('7_theo_1.wav'),
    '9_george_23.wav': clip('2_george_5.wav'),
  };
}

/** A tar like FSDD's: a recordings/ folder of clips, plus a file that is no clip. */
export async function writeFsddTar(path: string): Promise<void> {
  const pack = tar.pack();
  pack.entry({ name: 'recordings/', type: 'directory' });
  for (const [name, bytes] of Object.entries(fsddClips()))
    pack.entry({ name: `recordings/${name}` }, Buffer.from(bytes));
  pack.entry({ name: 'recordings/README.txt' }, 'not a clip');
  pack.finalize();
  await pipeline(pack, createWriteStream(path));
}
