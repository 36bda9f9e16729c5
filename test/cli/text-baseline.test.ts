import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Signature } from '../../src/analysis/signature-types.js';
import { textHorizonLine } from '../../src/cli/commands/demo.js';
import { textHorizon } from '../../src/cli/signature-report.js';
import { readFixture } from '../web/helpers.js';
import { assertOneLineError, FIXTURES, runCli, tempDir } from './helpers.js';

const GRU = join(FIXTURES, 'signatures', 'gru-1layer.json');

/** The GRU fixture with a text-only baseline whose excess p-value is `p[δ−1]` (the rest consistent). */
function withBaseline(p: number[]): Signature {
  const sig = readFixture(GRU);
  for (const layer of sig.layers) {
    layer.deltas.forEach((d, i) => {
      const right = d.confusion.reduce((n, row, s) => n + row[s]!, 0);
      d.textBaseline = {
        order: 10,
        context: Math.min(d.delta, 9),
        accuracy: 0,
        accuracyInterval: { low: 0, high: 0.01 },
        recall: d.count.map((c) => (c > 0 ? 0 : null)),
        crossEntropyBits: 4,
        decoderOnly: right,
        baselineOnly: 0,
        excessPValue: p[i] ?? 1,
        excessInterval: { low: 0, high: 1 },
      };
      d.textBaseline.accuracy = d.accuracy - right / d.positions.eval;
    });
  }
  return sig;
}

test('render --metric excess draws a signature with a baseline and refuses one without, in one line', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'with.json');
  writeFileSync(path, JSON.stringify(withBaseline([])));
  const out = join(dir, 'excess.svg');
  const ok = await runCli(['render', path, '--metric', 'excess', '--out', out]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.ok(existsSync(out));
  const refused = join(dir, 'old.svg');
  assertOneLineError(
    await runCli(['render', GRU, '--metric', 'excess', '--out', refused]),
    /gru-1layer\.json: the signature has no text-only baseline .* compute it again with memsig signature/,
    1,
  );
  assert.equal(existsSync(refused), false);
  assertOneLineError(await runCli(['render', GRU, '--metric', 'most', '--out', refused]), /--metric/, 2);
});

test('textHorizon() is the run of δ from 1 where the decoder beats the text alone at p < 0.001', () => {
  const sig = withBaseline([1e-9, 1e-4, 0.01, 1e-9]);
  assert.equal(textHorizon(sig, 0), 2);
  assert.match(textHorizonLine(sig)!, /holds more than the text after a symbol implies up to δ = 2 /);
  assert.equal(textHorizon(withBaseline([0.5]), 0), 0);
  assert.match(textHorizonLine(withBaseline([0.5]))!, /holds no more than the text .* even at δ = 1/);
  // A file written before the baseline says nothing about it.
  assert.equal(textHorizon(readFixture(GRU), 0), null);
  assert.equal(textHorizonLine(readFixture(GRU)), null);
});
