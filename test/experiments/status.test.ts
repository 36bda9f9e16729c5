import assert from 'node:assert/strict';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { RUN_LOCK_FILE } from '../../src/experiments/runner.js';
import { readExperimentStatus } from '../../src/experiments/status.js';
import { experimentStatusLines } from '../../src/experiments/status-text.js';
import { acquireRunLock } from '../../src/io/run-lock.js';
import { writeSafetensors } from '../../src/io/safetensors.js';
import { runCli, tempDir } from '../cli/helpers.js';

const json = (path: string, value: unknown) => writeFileSync(path, JSON.stringify(value));
/** A layer as a signature file holds it, with the accuracies by δ that matter here. */
const layer = (n: number, accuracies: number[]) => ({ layer: n, deltas: accuracies.map((accuracy) => ({ accuracy })) });

/** An experiment stopped half way: one model trained (and copied), one in training, one carried; signatures alike. */
async function halfDoneExperiment(dir: string): Promise<void> {
  for (const d of ['models/gru/', 'models/lstm/', 'models/old/', 'signatures/lstm.json.partial.decoders/layer2'])
    mkdirSync(join(dir, d), { recursive: true });
  json(join(dir, 'time.json'), { seconds: 3725 });
  json(join(dir, 'models/gru/config.json'), { metrics: { evalPerplexity: 2.97215 } });
  writeFileSync(join(dir, 'models/gru/model.safetensors'), '');
  writeFileSync(join(dir, 'models/gru.reused-from'), 'fig2/models/gru-320\n');
  await writeSafetensors(join(dir, 'models/lstm/checkpoint.safetensors'), new Map(), {
    memsig_checkpoint: JSON.stringify({ version: 1, step: 1500 }),
  });
  json(join(dir, 'models/old/carried.json'), { config: { metrics: { evalPerplexity: 3.5 } } });
  json(join(dir, 'signatures/gru.json'), { layers: [layer(1, [1, 0.5]), layer(2, [0.9, 0.5])] });
  json(join(dir, 'signatures/lstm.json.partial.json'), { layers: [layer(1, [1, 0.6])] });
  writeFileSync(join(dir, 'signatures/lstm.recipe.sha256'), 'x');
}

test('readExperimentStatus() lists what a stopped experiment has finished, and the layer whose decoders train', async (t) => {
  const dir = join(tempDir(t), 'fig3');
  await halfDoneExperiment(dir);
  // Last written two hours ago: no run is going on.
  const then = new Date(Date.now() - 2 * 3600_000);
  utimesSync(join(dir, 'time.json'), then, then);
  const status = await readExperimentStatus(dir, 'fig3');
  assert.equal(status.finishedSeconds, null);
  assert.equal(status.secondsSpent, 3725);
  assert.ok(status.secondsSinceWritten! > 7100 && status.secondsSinceWritten! < 7300);
  assert.deepEqual(status.models, [
    { name: 'gru', state: 'trained', evalPerplexity: 2.97215, reusedFrom: 'fig2/models/gru-320' },
    { name: 'lstm', state: 'training', step: 1500 },
    { name: 'old', state: 'carried', evalPerplexity: 3.5 },
  ]);
  assert.deepEqual(status.signatures, [
    {
      name: 'gru',
      finished: true,
      layers: [
        { label: 'layer 1', meanRecall: 0.75 },
        { label: 'layer 2', meanRecall: 0.7 },
      ],
      layerInTraining: null,
    },
    { name: 'lstm', finished: false, layers: [{ label: 'layer 1', meanRecall: 0.8 }], layerInTraining: 2 },
  ]);
  const lines = experimentStatusLines(status);
  assert.match(lines[0]!, /^fig3 \(.*\): stopped, 1h02m spent so far, last run 2h00m ago; run it again to go on/);
  assert.deepEqual(lines.slice(1), [
    '  model gru: trained, eval perplexity 2.972, copied from fig2/models/gru-320',
    '  model lstm: training, checkpoint at step 1500',
    '  model old: carried record (eval perplexity 3.500): retrained only if a signature still needs it',
    '  signature gru: finished; mean recall over δ: layer 1 75.0%, layer 2 70.0%',
    '  signature lstm: finished so far: layer 1 80.0%; decoders of layer 2 training',
  ]);
});

test('experimentStatusLines() tells a running experiment, a finished one and one not begun', async (t) => {
  const root = tempDir(t);
  const running = join(root, 'fig1');
  await halfDoneExperiment(running);
  assert.match(experimentStatusLines(await readExperimentStatus(running, 'fig1'))[0]!, /: running, 1h02m spent so far/);
  json(join(running, 'results.json'), { wallSeconds: 4000 });
  assert.match(
    experimentStatusLines(await readExperimentStatus(running, 'fig1'))[0]!,
    /: finished in 66\.7 min \(results\.json\)$/,
  );
  json(join(running, 'results.json'), { wallSeconds: 6, quick: true });
  assert.match(
    experimentStatusLines(await readExperimentStatus(running, 'fig1'))[0]!,
    /: finished in 0\.1 min \(results\.json; a --quick run\)$/,
  );
  assert.deepEqual(experimentStatusLines(await readExperimentStatus(join(root, 'fig2'), 'fig2')), [
    `fig2 (${join(root, 'fig2')}): not started`,
  ]);
  // A speech corpus being synthesized counts its WAVs; a finished one its manifest's utterances.
  const speech = join(root, 'fig7');
  mkdirSync(join(speech, 'corpus', 'wav'), { recursive: true });
  for (const f of ['a.wav', 'b.wav', 'c.wav.tmp']) writeFileSync(join(speech, 'corpus', 'wav', f), '');
  json(join(speech, 'time.json'), { seconds: 30 });
  assert.equal(
    experimentStatusLines(await readExperimentStatus(speech, 'fig7'))[1],
    '  corpus: synthesizing, 2 utterances so far',
  );
  writeFileSync(join(speech, 'corpus', 'manifest.jsonl'), '{}\n{}\n{}\n');
  assert.equal(experimentStatusLines(await readExperimentStatus(speech, 'fig7'))[1], '  corpus: 3 utterances');
});

test('a run holds its experiment’s lock: --status names it, and a second run is refused with one line', async (t) => {
  const out = tempDir(t);
  await halfDoneExperiment(join(out, 'fig5'));
  // This process holds it, as a run in another terminal would.
  const lock = acquireRunLock(join(out, 'fig5', RUN_LOCK_FILE), 'fig5');
  t.after(() => lock.release());
  const status = await runCli(['experiment', 'fig5', '--out', out, '--status']);
  assert.match(status.stdout, new RegExp(`^fig5 \\(.*\\): running \\(pid ${process.pid} on `));
  const second = await runCli(['experiment', 'fig5', '--quick', '--out', out]);
  assert.equal(second.code, 1);
  assert.match(second.stderr, /^memsig: fig5 in .*fig5: another run is going on \(pid \d+ on /);
  assert.equal(second.stderr.trim().split('\n').length, 1);
});

test('memsig experiment --status prints the status and runs nothing; with --report it is refused', async (t) => {
  const out = tempDir(t);
  await halfDoneExperiment(join(out, 'fig3'));
  const r = await runCli(['experiment', 'fig3', '--out', out, '--status']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^fig3 \(.*\): running/);
  assert.match(r.stdout, /signature lstm: finished so far: layer 1 80\.0%; decoders of layer 2 training/);
  assert.equal(r.stderr, '');
  const refused = await runCli(['experiment', 'fig3', '--out', out, '--status', '--report']);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /^memsig: --status runs nothing: leave out --report/);
});
