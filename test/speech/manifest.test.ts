import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  defaultSpeechAlphabet,
  formatManifest,
  type ManifestEntry,
  parseManifest,
  readManifest,
  writeManifest,
} from '../../src/speech/manifest.js';

const ENTRY: ManifestEntry = {
  id: 'train-000001',
  audio: 'wav/train/train-000001.wav',
  transcript: "we can't stop.",
  duration: 1.5,
  split: 'train',
  speaker: 'espeak:en-us+f3',
  rate: 1.05,
  pitch: 0.9,
  words: [
    { word: 'we', start: 0, end: 0.3 },
    { word: "can't", start: 0.3, end: 0.9 },
    { word: 'stop.', start: 0.9, end: 1.5 },
  ],
};

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'memsig-manifest-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('writeManifest() then readManifest() gives the entries back; the file is one JSON object a line', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'wav', 'train'), { recursive: true });
  writeFileSync(join(dir, ENTRY.audio), 'RIFF');
  const second: ManifestEntry = { ...ENTRY, id: 'dev-1', split: 'dev', rate: null, pitch: null, words: null };
  const path = join(dir, 'manifest.jsonl');
  await writeManifest(path, [ENTRY, second]);
  assert.deepEqual(await readManifest(path), [ENTRY, second]);
  assert.equal(formatManifest([ENTRY]).split('\n').length, 2);
});

test('parseManifest() names the file and line of each problem in one line', () => {
  const alphabet = defaultSpeechAlphabet();
  const line = (patch: Record<string, unknown>) => JSON.stringify({ ...ENTRY, ...patch });
  const bad = (text: string, pattern: RegExp) =>
    assert.throws(
      () => parseManifest(text, 'm.jsonl', alphabet),
      (err: Error) => err.name === 'UserError' && pattern.test(err.message) && !err.message.includes('\n'),
    );
  bad(`${line({})}\n{oops\n`, /^m\.jsonl:2: not a JSON object/);
  bad(line({ transcript: '  ' }), /^m\.jsonl:1: utterance "train-000001" has an empty transcript$/);
  bad(
    line({ transcript: 'Hello' }),
    /^m\.jsonl:1: transcript of "train-000001" has "H" \(U\+0048\), which is not in the alphabet$/,
  );
  bad(`${line({})}\n\n${line({})}`, /^m\.jsonl:3: id "train-000001" repeats line 1$/);
  bad(line({ split: 'test' }), /^m\.jsonl:1: split must be train, dev or eval \(got "test"\)$/);
  bad(line({ duration: 0 }), /^m\.jsonl:1: duration must be a number of seconds > 0/);
  bad(line({ audio: '../x.wav' }), /^m\.jsonl:1: audio must be a path relative to the manifest's folder/);
  bad(
    line({
      words: [
        { word: 'a', start: 0.5, end: 0.6 },
        { word: 'b', start: 0.2, end: 0.3 },
      ],
    }),
    /^m\.jsonl:1: word 2 /,
  );
  bad(line({ words: [{ word: 'a', start: 0, end: 9 }] }), /within the 1\.5 s of audio/);
  bad('\n', /^m\.jsonl: no utterances in the manifest$/);
});

test('readManifest() names a missing audio file', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'manifest.jsonl');
  writeFileSync(path, formatManifest([ENTRY]));
  await assert.rejects(
    readManifest(path),
    (err: Error) =>
      err.name === 'UserError' &&
      err.message === `${path}: utterance "train-000001": audio file not found: ${join(dir, ENTRY.audio)}`,
  );
  assert.equal((await readManifest(path, { checkAudio: false })).length, 1);
});
