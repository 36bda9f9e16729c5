import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { prepareFolderCorpus } from '../../src/speech/folder-corpus.js';
import { FIXTURES } from '../cli/helpers.js';

const WAV = readFileSync(join(FIXTURES, 'speech', '7_theo_1.wav'));
const FLAC = readFileSync(join(FIXTURES, 'speech', '7_theo_1.flac'));

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'memsig-folder-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function put(dir: string, rel: string, bytes: Uint8Array | string): void {
  const path = join(dir, ...rel.split('/'));
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, bytes);
}

test('prepareFolderCorpus() splits by train/dev/test folders and normalizes transcripts', async (t) => {
  const dir = tempDir(t);
  put(dir, 'train/anna/a1.wav', WAV);
  put(dir, 'train/anna/a1.txt', 'Seven, said Anna — 7!\n');
  put(dir, 'dev/b1.flac', FLAC);
  put(dir, 'dev/b1.txt', 'seven');
  put(dir, 'test/c1.wav', WAV);
  put(dir, 'test/c1.txt', 'Café seven.');
  put(dir, 'README.txt', 'a text file without audio is not a clip');
  const entries = await prepareFolderCorpus(dir, join(dir, 'out'), 1);
  assert.deepEqual(
    entries.map((e) => [e.id, e.split, e.speaker, e.transcript, e.audio]),
    [
      ['dev/b1', 'dev', 'unknown', 'seven', 'wav/dev/b1.wav'],
      ['test/c1', 'eval', 'unknown', 'cafe seven.', 'wav/test/c1.wav'],
      ['train/anna/a1', 'train', 'anna', 'seven said anna #', 'wav/train/anna/a1.wav'],
    ],
  );
  assert.ok(entries.every((e) => Math.abs(e.duration - 0.3615) < 1e-3));
});

test('prepareFolderCorpus() draws a seeded split when the folder has no split folders', async (t) => {
  const dir = tempDir(t);
  for (let i = 0; i < 20; i++) {
    put(dir, `clip${String(i).padStart(2, '0')}.wav`, WAV);
    put(dir, `clip${String(i).padStart(2, '0')}.txt`, 'seven');
  }
  const a = await prepareFolderCorpus(dir, join(dir, 'out'), 3);
  const b = await prepareFolderCorpus(dir, join(dir, 'out'), 3);
  assert.deepEqual(a, b);
  const count = (s: string) => a.filter((e) => e.split === s).length;
  assert.deepEqual([count('train'), count('dev'), count('eval')], [18, 1, 1]);
});

test('prepareFolderCorpus() names the file of each problem in one line', async (t) => {
  const dir = tempDir(t);
  put(dir, 'a.wav', WAV);
  await assert.rejects(
    prepareFolderCorpus(dir, join(dir, 'o'), 1),
    (e: Error) => e.message === `${join(dir, 'a.wav')}: no transcript beside it (expected ${join(dir, 'a.txt')})`,
  );
  put(dir, 'a.txt', '¿¡ ');
  await assert.rejects(prepareFolderCorpus(dir, join(dir, 'o'), 1), (e: Error) =>
    e.message.startsWith(`${dir}: too few recordings`),
  );
  for (let i = 0; i < 20; i++) {
    put(dir, `b${i}.wav`, WAV);
    put(dir, `b${i}.txt`, 'seven');
  }
  await assert.rejects(
    prepareFolderCorpus(dir, join(dir, 'o'), 1),
    (e: Error) => e.message === `${join(dir, 'a.txt')}: empty transcript (nothing left after normalization)`,
  );
  put(dir, 'a.txt', 'fine');
  put(dir, 'train/c.wav', WAV);
  put(dir, 'train/c.txt', 'seven');
  await assert.rejects(prepareFolderCorpus(dir, join(dir, 'o'), 1), (e: Error) =>
    e.message.includes('outside train/, dev/ and eval/'),
  );
  const broken = tempDir(t);
  put(broken, 'train/x.wav', 'RIFF....WAVE');
  put(broken, 'train/x.txt', 'seven');
  await assert.rejects(
    prepareFolderCorpus(broken, join(broken, 'o'), 1),
    (e: Error) => e.name === 'UserError' && e.message.startsWith(join(broken, 'train', 'x.wav')),
  );
});
