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
