import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { renderReproductionReport } from '../../src/experiments/report.js';
import { assertOneLineError, runCli, tempDir } from '../cli/helpers.js';

test('experiment fig1 --quick --model-seeds 2: each seed trained and read, the spread per δ, claims judged per seed', async (t) => {
  const dir = tempDir(t);
  const r = await runCli(['experiment', 'fig1', '--quick', '--model-seeds', '2', '--out', dir, '--threads', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /gru-seed2: training 1×16 gru/);
  const results = JSON.parse(readFileSync(join(dir, 'fig1', 'results.json'), 'utf8'));
  const seeds = results.numbers.modelSeeds;
  assert.deepEqual(seeds.seeds, [1, 2]);
  assert.deepEqual(seeds.perSeed[0].marginalAccuracy, results.numbers.marginalAccuracy);
  assert.notDeepEqual(seeds.perSeed[1].marginalAccuracy, seeds.perSeed[0].marginalAccuracy);
  seeds.marginalSpread.forEach((x: { mean: number; sd: number }, i: number) => {
    const values = seeds.perSeed.map((p: { marginalAccuracy: number[] }) => p.marginalAccuracy[i]);
    assert.ok(Math.abs(x.mean - (values[0] + values[1]) / 2) < 1e-12);
    assert.ok(Math.abs(x.sd - Math.abs(values[0] - values[1]) / Math.SQRT2) < 1e-12);
  });
  const report = renderReproductionReport(dir, dir);
  assert.match(
    report,
    /Recall declines continuously as the history length δ grows\. \(every one of 2 model seeds\) \| holds for \d of 2 seeds/,
  );
  assertOneLineError(
    await runCli(['experiment', 'fig3', '--quick', '--model-seeds', '2', '--out', dir]),
    /--model-seeds is for fig1 and fig2/,
    2,
  );
});

test('experiment fig2 --quick --model-seeds 2: the GRU and LSTM pair of the single-layer size, compared seed by seed', async (t) => {
  const dir = tempDir(t);
  const r = await runCli(['experiment', 'fig2', '--quick', '--model-seeds', '2', '--out', dir, '--threads', '1']);
  assert.equal(r.code, 0, r.stderr);
  const results = JSON.parse(readFileSync(join(dir, 'fig2', 'results.json'), 'utf8'));
  const pair = results.numbers.modelSeeds;
  assert.deepEqual(pair.gru.seeds, [1, 2]);
  assert.deepEqual(pair.lstm.seeds, [1, 2]);
  // Seed 1 of each is the size sweep's own model of that size.
  const sweep = results.numbers.models.find(
    (m: { cell: string; units: number }) => m.cell === 'lstm' && m.units === pair.units,
  );
  assert.deepEqual(pair.lstm.perSeed[0].marginalAccuracy, sweep.marginalAccuracy);
  assert.match(r.stderr, new RegExp(`lstm-${pair.units}-seed2: training`));
  assert.ok(Number.isFinite(pair.gruMinusLstm.difference), JSON.stringify(pair.gruMinusLstm));
});
