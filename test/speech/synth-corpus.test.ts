import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readManifest } from '../../src/speech/manifest.js';
import { synthesizeCorpus } from '../../src/speech/synth-corpus.js';
import { defaultSynthConfig } from '../../src/speech/synth-plan.js';
import { FIXTURES } from '../cli/helpers.js';

test('synthesizeCorpus() stopped by its signal keeps whole WAVs only, and the next run finishes from them', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'memsig-synth-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const options = {
    corpus: join(FIXTURES, 'speech-corpus', 'sentences.txt'),
    outDir: out,
    config: {
      ...defaultSynthConfig(),
      hours: 0.003,
      voices: ['espeak:en-gb+m3', 'flite:kal16'],
      heldOutVoices: ['flite:kal16'],
    },
  };
  const stop = new AbortController();
  const first = await synthesizeCorpus({
    ...options,
    threads: 2,
    signal: stop.signal,
    onProgress: (p) => {
      if (p.done >= 1) stop.abort();
    },
  });
  assert.equal(first.interrupted, true);
  assert.ok(first.progress.done >= 1 && first.progress.done < first.progress.total, JSON.stringify(first.progress));
  assert.equal(existsSync(join(out, 'manifest.jsonl')), false);

  const second = await synthesizeCorpus({ ...options, threads: 1 });
  assert.equal(second.interrupted, false);
  assert.equal(second.progress.reused, first.progress.done);
  const entries = await readManifest(join(out, 'manifest.jsonl'));
  assert.deepEqual(
    entries.map((e) => e.id),
    second.plan.utterances.map((u) => u.id),
  );
});
