import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ExperimentContext } from '../../src/experiments/context.js';
import { renderReproductionReport } from '../../src/experiments/report.js';
import { EXPERIMENTS, runExperiment } from '../../src/experiments/runner.js';

function context(dir: string, lines: string[]): ExperimentContext {
  return {
    dir,
    quick: true,
    backend: 'auto',
    threads: 2,
    log: (line) => lines.push(line),
    shakespeare: '',
    generator: 'memsig test',
  };
}

for (const name of Object.keys(EXPERIMENTS)) {
  test(`experiment ${name} --quick runs, records its numbers and time, and reuses its steps when run again`, async () => {
    const root = await mkdtemp(join(tmpdir(), `memsig-${name}-`));
    try {
      const dir = join(root, name);
      const lines: string[] = [];
      const first = await runExperiment(name, context(dir, lines));
      assert.equal(first.figure, name);
      assert.ok(first.wallSeconds > 0);
      assert.ok(first.panels.length >= 1);
      const saved = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8'));
      assert.equal(saved.figure, name);
      assert.ok(lines.some((l) => /training/.test(l)));
      const again: string[] = [];
      const second = await runExperiment(name, context(dir, again));
      assert.ok(!again.some((l) => /training|computing/.test(l)), `rerun recomputed: ${again.join(' / ')}`);
      assert.deepEqual(second.numbers, first.numbers);
      assert.ok(second.wallSeconds >= first.wallSeconds);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
}

test('renderReproductionReport() puts each claim beside our numbers, with a verdict and the wall time', async () => {
  const root = await mkdtemp(join(tmpdir(), 'memsig-report-'));
  try {
    for (const name of ['fig1', 'fig4']) await runExperiment(name, context(join(root, name), []));
    const md = renderReproductionReport(root, 'figures');
    assert.match(md, /## Figure 1 \(section 4\)/);
    assert.match(md, /Recall declines continuously/);
    assert.match(md, /marginal accuracy by δ: \d/);
    assert.match(md, /Pearson r across symbols/);
    assert.match(md, /several times smaller/);
    assert.match(md, /--quick run/);
    assert.match(md, /## Figure 2 \(section 5\)\n\nNot run yet\./);
    assert.match(md, /State of the Union/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
