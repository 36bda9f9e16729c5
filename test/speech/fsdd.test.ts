import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readAudio } from '../../src/io/audio-file.js';
import { fsddSplit, parseFsddName, prepareFsdd } from '../../src/speech/fsdd.js';
import { fsddClips, writeFsddTar } from './fsdd-fixture.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'memsig-fsdd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('fsddSplit() follows the documented test set (takes 0-4) and keeps takes 5-9 for dev', () => {
  assert.deepEqual([0, 4, 5, 9, 10, 49].map(fsddSplit), ['eval', 'eval', 'dev', 'dev', 'train', 'train']);
  assert.deepEqual(parseFsddName('recordings/7_theo_12.wav'), {
    digit: 7,
    speaker: 'theo',
    take: 12,
    name: '7_theo_12.wav',
  });
  assert.equal(parseFsddName('recordings/README.txt'), null);
});

test('prepareFsdd() reads the tar: word transcripts, the split by take, 16 kHz audio of the same length', async (t) => {
  const dir = tempDir(t);
  const tarPath = join(dir, 'fsdd.tar');
  await writeFsddTar(tarPath);
  const out = join(dir, 'out');
  const entries = await prepareFsdd(tarPath, out);
  assert.deepEqual(
    entries.map((e) => [e.id, e.split, e.transcript, e.speaker]),
    [
      ['9_george_23', 'train', 'nine', 'george'],
      ['2_george_5', 'dev', 'two', 'george'],
      ['3_jackson_0', 'eval', 'three', 'jackson'],
      ['7_theo_1', 'eval', 'seven', 'theo'],
    ],
  );
  const first = await readAudio(join(out, entries[1].audio));
  assert.equal(first.sampleRate, 16000);
  assert.ok(Math.abs(entries[1].duration - 0.398375) < 1e-3);
  assert.equal(first.samples.length, Math.round(entries[1].duration * 16000));

  // An extracted folder gives the same entries.
  const folder = join(dir, 'extracted', 'recordings');
  mkdirSync(folder, { recursive: true });
  for (const [name, bytes] of Object.entries(fsddClips())) writeFileSync(join(folder, name), bytes);
  assert.deepEqual(await prepareFsdd(join(dir, 'extracted'), join(dir, 'out2')), entries);
});

test('prepareFsdd() names the file when it is no tar or holds no clips', async (t) => {
  const dir = tempDir(t);
  const notTar = join(dir, 'x.tar');
  writeFileSync(notTar, 'this is not a tar archive at all, just some text that goes on for a while'.repeat(10));
  await assert.rejects(
    prepareFsdd(notTar, join(dir, 'o')),
    (e: Error) => e.name === 'UserError' && e.message.startsWith(`${notTar}: not a readable tar file`),
  );
  mkdirSync(join(dir, 'empty'));
  await assert.rejects(prepareFsdd(join(dir, 'empty'), join(dir, 'o')), /no Free Spoken Digit Dataset recordings/);
  await assert.rejects(
    prepareFsdd(join(dir, 'missing.tar'), join(dir, 'o')),
    (e: Error) => e.name === 'UserError' && e.message.includes('missing.tar'),
  );
});
