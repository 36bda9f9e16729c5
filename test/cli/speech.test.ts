import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readAudio } from '../../src/io/audio-file.js';
import { type ManifestEntry, readManifest } from '../../src/speech/manifest.js';
import { writeFsddTar } from '../speech/fsdd-fixture.js';
import { assertOneLineError, FIXTURES, runCli, tempDir } from './helpers.js';

const CORPUS = join(FIXTURES, 'speech-corpus', 'sentences.txt');
const HELD_OUT = 'flite:kal16';
const SYNTH = (out: string, threads: number) => [
  'speech',
  'synth',
  '--corpus',
  CORPUS,
  '--out',
  out,
  '--hours',
  '0.004',
  '--voices',
  `espeak:en-us+f3,flite:slt,${HELD_OUT}`,
  '--held-out-voices',
  HELD_OUT,
  '--seed',
  '5',
  '--threads',
  String(threads),
];

const text = (path: string) => readFileSync(path, 'utf8');

test('memsig speech synth: a valid manifest, eval text unseen in train, the held-out voice only in dev/eval; seeded; resumable', async (t) => {
  const dir = tempDir(t);
  const a = join(dir, 'a');
  const first = await runCli(SYNTH(a, 2));
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^wrote .*manifest\.jsonl and corpus\.json\nutterances: \d+ /);
  const entries = await readManifest(join(a, 'manifest.jsonl'));
  const of = (split: string) => entries.filter((e) => e.split === split);
  const trainText = new Set(of('train').map((e) => e.transcript));
  assert.ok(of('eval').length >= 2 && of('dev').length >= 2);
  for (const e of [...of('dev'), ...of('eval')]) assert.ok(!trainText.has(e.transcript), e.transcript);
  assert.ok(!of('train').some((e) => e.speaker === HELD_OUT));
  assert.ok(of('eval').some((e) => e.speaker === HELD_OUT));
  assert.ok(of('eval').some((e) => e.speaker !== HELD_OUT));
  for (const e of entries) {
    assert.ok(e.rate !== null && e.pitch !== null && e.words !== null);
    assert.deepEqual(
      e.words.map((w) => w.word),
      e.transcript.split(' '),
    );
  }
  const audio = await readAudio(join(a, entries[0].audio));
  assert.equal(audio.sampleRate, 16000);
  assert.equal(audio.samples.length / 16000, entries[0].duration);
  const info = JSON.parse(text(join(a, 'corpus.json')));
  assert.equal(info.kind, 'synthesized');
  assert.equal(info.utterances.total, entries.length);
  assert.equal(info.speakers[HELD_OUT].heldOut, true);
  assert.equal(info.settings.seed, 5);

  // The same seed on one thread (in this thread, not workers) gives the same manifest, byte for byte.
  const b = join(dir, 'b');
  const again = await runCli(SYNTH(b, 1));
  assert.equal(again.code, 0, again.stderr);
  assert.equal(text(join(b, 'manifest.jsonl')), text(join(a, 'manifest.jsonl')));
  assert.equal(text(join(b, 'corpus.json')), text(join(a, 'corpus.json')));

  // After losing two WAVs and the manifest, a rerun makes just those two and writes the same manifest.
  const manifest = text(join(a, 'manifest.jsonl'));
  rmSync(join(a, 'manifest.jsonl'));
  rmSync(join(a, entries[0].audio));
  rmSync(join(a, of('eval')[0].audio));
  const resumed = await runCli(SYNTH(a, 2));
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, new RegExp(`made 2 utterances .*; ${entries.length - 2} were already there`));
  assert.equal(text(join(a, 'manifest.jsonl')), manifest);
});

test('memsig speech synth stopped before it ends writes no manifest and says how to continue', async (t) => {
  const out = join(tempDir(t), 'c');
  const controller = new AbortController();
  controller.abort();
  const r = await runCli(SYNTH(out, 1), { hooks: { signal: controller.signal } });
  assert.equal(r.code, 130);
  assert.match(r.stderr, /stopped with 0 of \d+ utterances made; continue with: memsig speech synth --corpus /);
  assert.equal(existsSync(join(out, 'manifest.jsonl')), false);
});

test('memsig speech synth: bad flags and voices are one line', async (t) => {
  const out = join(tempDir(t), 'x');
  const base = ['speech', 'synth', '--corpus', CORPUS, '--out', out];
  assertOneLineError(await runCli([...base, '--voices', 'flite:slt']), /--voices needs --held-out-voices too/, 2);
  assertOneLineError(await runCli([...base, '--hours', '0']), /--hours must be a number > 0 \(got "0"\)/, 2);
  assertOneLineError(
    await runCli([...base, '--voices', 'espeak:en-us+nope,flite:slt', '--held-out-voices', 'none']),
    /^memsig: eSpeak has no variant "nope" in espeak:en-us\+nope/,
    1,
  );
  assertOneLineError(
    await runCli([...base, '--voices', 'flite:slt,flite:awb', '--held-out-voices', 'flite:rms']),
    /held-out voice flite:rms is not among the voices/,
    1,
  );
  assertOneLineError(
    await runCli(['speech', 'synth', '--corpus', join(out, 'none.txt'), '--out', out]),
    /corpus not found: .*none\.txt/,
    1,
  );
});

test('memsig speech prepare --fsdd writes a manifest by take; --manifest checks one as it is', async (t) => {
  const dir = tempDir(t);
  const tarPath = join(dir, 'fsdd.tar');
  await writeFsddTar(tarPath);
  const out = join(dir, 'fsdd');
  const r = await runCli(['speech', 'prepare', '--fsdd', tarPath, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /utterances: 4 \(.*\): train 1 .*, dev 1 .*, eval 2 /);
  const entries: ManifestEntry[] = await readManifest(join(out, 'manifest.jsonl'));
  assert.deepEqual(
    entries.map((e) => `${e.split}:${e.transcript}`),
    ['train:nine', 'dev:two', 'eval:three', 'eval:seven'],
  );
  assert.equal(JSON.parse(text(join(out, 'corpus.json'))).kind, 'fsdd');

  const check = await runCli(['speech', 'prepare', '--manifest', join(out, 'manifest.jsonl')]);
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stdout, /a valid manifest\nutterances: 4 /);
  rmSync(join(out, entries[1].audio));
  assertOneLineError(
    await runCli(['speech', 'prepare', '--manifest', join(out, 'manifest.jsonl')]),
    /manifest\.jsonl: utterance "2_george_5": audio file not found: .*2_george_5\.wav$/,
    1,
  );
  writeFileSync(join(out, 'bad.jsonl'), '{"id": "x"}\n');
  assertOneLineError(
    await runCli(['speech', 'prepare', '--manifest', join(out, 'bad.jsonl')]),
    /bad\.jsonl:1: audio must be a non-empty string/,
    1,
  );
  assertOneLineError(await runCli(['speech', 'prepare', '--fsdd', tarPath]), /missing --out/, 2);
  assertOneLineError(
    await runCli(['speech', 'prepare', '--fsdd', tarPath, '--folder', dir, '--out', out]),
    /give one of --fsdd, --folder and --manifest/,
    2,
  );
});
