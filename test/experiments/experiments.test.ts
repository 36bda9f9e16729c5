import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { defaultSignatureOptions } from '../../src/analysis/signature.js';
import { CARRIED_MODEL_FILE, type ExperimentContext } from '../../src/experiments/context.js';
import { renderReproductionReport } from '../../src/experiments/report.js';
import { EXPERIMENTS, runExperiment } from '../../src/experiments/runner.js';

// The script that carries an unfinished experiment to the next session, from the repository (dist/test/… → ../../..).
const CARRY_SCRIPT = fileURLToPath(new URL('../../../scripts/carry-experiments.sh', import.meta.url));

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

test('a finished signature made with other settings is kept but named as such', async () => {
  const root = await mkdtemp(join(tmpdir(), 'memsig-stale-'));
  try {
    const dir = join(root, 'fig1');
    await runExperiment('fig1', context(dir, []));
    const same: string[] = [];
    await runExperiment('fig1', context(dir, same));
    assert.ok(same.some((l) => /gru: signature found$/.test(l)));
    assert.ok(!same.some((l) => /other settings/.test(l)));
    // The generator is one of a signature's inputs: another memsig version would have made it differently.
    const other: string[] = [];
    await runExperiment('fig1', { ...context(dir, other), generator: 'memsig another version' });
    assert.ok(other.some((l) => /gru: signature found, but made with other settings or inputs/.test(l)));
    assert.ok(!other.some((l) => /computing/.test(l)), 'a stale signature is kept, not recomputed');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('renderReproductionReport() puts each claim beside our numbers, with a verdict and the wall time', async () => {
  const root = await mkdtemp(join(tmpdir(), 'memsig-report-'));
  try {
    for (const name of ['fig1', 'fig4']) await runExperiment(name, context(join(root, name), []));
    const md = renderReproductionReport(root, 'figures');
    assert.match(md, /## Figure 1 \(section 4\)/);
    assert.match(md, /Recall declines continuously/);
    assert.match(md, /marginal accuracy by δ: \d/);
    assert.match(md, /Pearson r across symbols/);
    assert.match(md, /Training: Adam \(learning rate 0\.005\), 8 streams × 16 steps of truncated BPTT/);
    assert.match(md, /several times smaller/);
    assert.match(md, /--quick run/);
    assert.match(md, /## Figure 2 \(section 5\)\n\nNot run yet\./);
    // The summary table: fig1 has two claims, fig2 none yet.
    assert.match(md, /\| Figure 1 \(section 4\) \| 2 \| \d \| \d \| \d+\.\d min \(--quick\) \|/);
    assert.match(md, /\| Figure 2 \(section 5\) \| not run yet \| \| \| \|/);
    assert.match(md, /State of the Union/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test("the report says how a figure's signatures were made lighter, and only what was", async () => {
  const root = await mkdtemp(join(tmpdir(), 'memsig-grid-'));
  try {
    const record = (signature: unknown) => ({
      figure: 'fig3',
      title: 'depth',
      panels: [],
      numbers: {
        signature,
        models: [{ cell: 'gru', layers: 2, units: 12, evalPerplexity: 9.5, meanAccuracyByLayer: [0.4, 0.3] }],
      },
      quick: false,
      wallSeconds: 60,
      generator: 'test',
    });
    const write = (signature: unknown) =>
      writeFile(join(root, 'fig3', 'results.json'), JSON.stringify(record(signature)));
    await mkdir(join(root, 'fig3'), { recursive: true });
    const d = defaultSignatureOptions();
    const batch = d.decoder.batch;
    const whiten = true;
    await write({ positions: { train: 30_000, dev: 5_000, eval: 20_000 }, keepProbs: [0.9, 1], batch, whiten });
    const both = renderReproductionReport(root, 'figures');
    assert.match(both, /mean marginal accuracy by layer: 40\.0%, 30\.0%; eval perplexity 9\.500/);
    assert.match(both, /lighter than the defaults, to fit the time budget: 30,000 \/ 5,000 \/ 20,000 train/);
    assert.match(both, /keep probabilities 0\.9 and 1 only/);
    assert.doesNotMatch(both, /minibatch/);
    await write({
      positions: { train: 30_000, dev: 5_000, eval: 20_000 },
      keepProbs: [0.5, 0.6, 0.7, 0.8, 0.9, 1],
      batch,
      whiten,
    });
    const positionsOnly = renderReproductionReport(root, 'figures');
    assert.match(positionsOnly, /30,000 \/ 5,000 \/ 20,000/);
    assert.doesNotMatch(positionsOnly, /keep probabilities/);
    const defaults = {
      positions: { train: d.trainPositions, dev: d.devPositions, eval: d.evalPositions },
      keepProbs: d.decoder.keepProbs,
    };
    await write({ ...defaults, batch, whiten });
    const atDefaults = renderReproductionReport(root, 'figures');
    assert.doesNotMatch(atDefaults, /lighter than the defaults|minibatch|whitened/);
    const [train, dev, evalCount] = [d.trainPositions, d.devPositions, d.evalPositions].map((x) =>
      x.toLocaleString('en'),
    );
    const counts = `${train} train, ${dev} dev and ${evalCount} eval positions per decoder`;
    assert.ok(atDefaults.includes(`Signatures at memsig's defaults: ${counts}.`), atDefaults);
    // A train partition smaller than the cap: its every position, said as such.
    const small = record({ ...defaults, batch, whiten });
    const corpus = { source: 'sotu', maxChars: null, symbols: { train: 2_643_160 }, segmentation: 'sentence' };
    await writeFile(
      join(root, 'fig3', 'results.json'),
      JSON.stringify({ ...small, numbers: { ...small.numbers, corpus: { ...corpus, sha256: 'ab' } } }),
    );
    assert.ok(
      renderReproductionReport(root, 'figures').includes(
        `Signatures at memsig's defaults: the whole train partition (2,643,160 symbols, under the cap of ${train} positions), ${dev} dev`,
      ),
    );
    // A dev sample smaller than today's: the report names it, with the verdicts it gave.
    await write({ ...defaults, positions: { ...defaults.positions, dev: 20_000 }, batch, whiten });
    assert.match(
      renderReproductionReport(root, 'figures'),
      new RegExp(
        `; 20,000 dev positions \\(${d.devPositions.toLocaleString('en')} today, with the convergence verdicts`,
      ),
    );
    // Results that record no minibatch were made with 1024, the default before 256: the report says so.
    await write({ ...defaults, whiten });
    const earlierBatch = renderReproductionReport(root, 'figures');
    const except = `Signatures at memsig's defaults except their decoders' training: ${counts}`;
    assert.ok(earlierBatch.includes(except));
    assert.match(earlierBatch, new RegExp(`decoder minibatch 1024 \\(${batch} today`));
    assert.doesNotMatch(earlierBatch, /not whitened/);
    // Results that record no whitening read the standardized state: the report says so, with the minibatch.
    await write(defaults);
    const neither = renderReproductionReport(root, 'figures');
    assert.ok(neither.includes(except));
    assert.match(neither, /decoder minibatch 1024 .*; decoders reading the standardized state, not whitened as today/);
    await write({ ...defaults, batch });
    assert.match(renderReproductionReport(root, 'figures'), /positions per decoder; decoders reading the standardized/);
    // Results that record no decoder settings predate their recording: the report says they are an earlier memsig's.
    await write(undefined);
    const unrecorded = renderReproductionReport(root, 'figures');
    assert.match(unrecorded, /Signatures made with an earlier memsig's decoder defaults \(60,000 train positions/);
    assert.doesNotMatch(unrecorded, /Signatures at memsig's defaults/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('an experiment stopped after a signature layer keeps that layer and resumes to the result of an unbroken run', async () => {
  const root = await mkdtemp(join(tmpdir(), 'memsig-resume-'));
  try {
    // Separate parents: an experiment would otherwise find its sibling's finished models and reuse them.
    const unbroken = await runExperiment('fig3', context(join(root, 'a', 'fig3'), []));
    const dir = join(root, 'b', 'fig3');
    const stop = new AbortController();
    const lines: string[] = [];
    const stopping = {
      ...context(dir, lines),
      signal: stop.signal,
      log: (line: string) => {
        lines.push(line);
        if (/layer 1 done in \d+\.\d min; accuracy by δ: \d/.test(line)) stop.abort(new Error('stopped by the test'));
      },
    };
    await assert.rejects(runExperiment('fig3', stopping), /stopped by the test/);
    const again: string[] = [];
    const resumed = await runExperiment('fig3', context(dir, again));
    assert.ok(
      again.some((l) => /layers 1 kept from before/.test(l)),
      `the finished layer was not reused: ${again.join(' / ')}`,
    );
    assert.ok(!again.some((l) => /gru-2x12: training/.test(l)), 'the finished model was retrained');
    assert.deepEqual(resumed.numbers, unbroken.numbers);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test("an experiment reuses a sibling experiment's model and signature made the same way", async () => {
  const root = await mkdtemp(join(tmpdir(), 'memsig-reuse-'));
  try {
    await runExperiment('fig5', context(join(root, 'fig5'), []));
    const lines: string[] = [];
    const fig2 = await runExperiment('fig2', context(join(root, 'fig2'), lines));
    // Figure 2's 16-unit GRU is made exactly as Figure 5's GRU (quick settings): found, not retrained.
    assert.ok(
      lines.some((l) => /^gru-16: the same model was trained in .*fig5/.test(l)),
      lines.join(' / '),
    );
    assert.ok(
      lines.some((l) => /^gru-16: the same signature was computed in .*fig5/.test(l)),
      lines.join(' / '),
    );
    assert.ok(!lines.some((l) => /^gru-16: training/.test(l)));
    // Models made otherwise are trained as usual.
    assert.ok(lines.some((l) => /^gru-8: training/.test(l)));
    const fig5 = JSON.parse(await readFile(join(root, 'fig5', 'results.json'), 'utf8'));
    const row = (fig2.numbers.models as { cell: string; units: number; marginalAccuracy: number[] }[]).find(
      (m) => m.cell === 'gru' && m.units === 16,
    )!;
    assert.deepEqual(row.marginalAccuracy, fig5.numbers.gruMarginal);
    // The record and the report say what its wall time leaves out; Figure 5, which made its own, says nothing.
    assert.deepEqual(fig2.reused, [
      { kind: 'model', name: 'gru-16', from: join('fig5', 'models', 'gru') },
      { kind: 'signature', name: 'gru-16', from: join('fig5', 'signatures', 'gru.json') },
    ]);
    assert.equal(fig5.reused, undefined);
    const report = renderReproductionReport(root, 'figures');
    assert.match(
      report,
      /Wall time [\d.]+ min on this machine[^\n]*, not counting what it took from other experiments, where it was made first: the model gru-16 \(fig5\/models\/gru\), the signature gru-16 \(fig5\/signatures\/gru\.json\)\./,
    );
    assert.equal((report.match(/not counting what it took/g) ?? []).length, 1);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('a carried experiment (signatures and model records, no weights) is found again without training', async () => {
  const root = await mkdtemp(join(tmpdir(), 'memsig-carried-'));
  const carry = (action: 'save' | 'restore') =>
    execFileSync('bash', [CARRY_SCRIPT, action, 'fig2'], {
      env: { ...process.env, EXPERIMENTS: root, KEPT: join(root, 'kept') },
      encoding: 'utf8',
    });
  const run = (lines: string[]) => runExperiment('fig2', { ...context(join(root, 'fig2'), lines), modelSeeds: 2 });
  try {
    const first = await run([]);
    assert.match(
      carry('save'),
      /kept fig2: \d+ finished signatures, 0 unfinished with finished layers, 6 model records/,
    );
    await rm(join(root, 'fig2'), { recursive: true });
    carry('restore');
    assert.ok(!existsSync(join(root, 'fig2', 'models', 'gru-16', 'model.safetensors')), 'weights were carried');
    const again: string[] = [];
    const second = await run(again);
    assert.ok(
      again.some((l) => /^gru-16-seed2: carried record found \(eval perplexity/.test(l)),
      again.join(' / '),
    );
    assert.ok(!again.some((l) => /training|computing/.test(l)), `rerun recomputed: ${again.join(' / ')}`);
    assert.deepEqual(second.numbers, first.numbers);
    // A signature still to compute retrains its model, which must come out as recorded, and only that model.
    await rm(join(root, 'fig2', 'signatures', 'lstm-8.json'));
    const third: string[] = [];
    const recomputed = await run(third);
    assert.deepEqual(
      third.filter((l) => /training|computing/.test(l)).map((l) => l.split(':')[0]),
      ['lstm-8', 'lstm-8'],
      third.join(' / '),
    );
    assert.deepEqual(recomputed.numbers, first.numbers);
    // A record whose weights the retraining does not reproduce is refused, not used.
    const record = join(root, 'fig2', 'models', 'gru-8', CARRIED_MODEL_FILE);
    const carried = JSON.parse(await readFile(record, 'utf8'));
    await writeFile(record, JSON.stringify({ ...carried, weightsSha256: '0'.repeat(64) }));
    await rm(join(root, 'fig2', 'signatures', 'gru-8.json'));
    await assert.rejects(
      run([]),
      /gru-8: retrained, its weights \(sha256 [0-9a-f]{12}…\) differ from the carried record's/,
    );
    // A damaged record is named in one line.
    await writeFile(join(root, 'fig2', 'models', 'lstm-16', CARRIED_MODEL_FILE), '{"format":');
    await assert.rejects(run([]), /lstm-16[/\\]carried\.json: not readable as JSON/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('the depth claim weighs each step against sampling noise: a rise within two standard errors does not count', async () => {
  const root = await mkdtemp(join(tmpdir(), 'memsig-report-'));
  try {
    const se = [0.0009, 0.0009, 0.0009, 0.0009];
    const row = (cell: string, byLayer: number[], stdErrors?: number[]) => ({
      cell,
      layers: 4,
      units: 320,
      evalPerplexity: 2.9,
      meanAccuracyByLayer: byLayer,
      ...(stdErrors ? { meanAccuracyStdErrorByLayer: stdErrors } : {}),
    });
    const models = [
      row('lstm', [0.542, 0.543, 0.503, 0.494], se), // up 0.1 points from layer 1 to 2: noise
      row('gru', [0.5, 0.52, 0.48, 0.47], se), // up 2 points: a real rise
      row('rnn', [0.5, 0.501, 0.5005, 0.502], se), // every rise within noise, but no fall at all
      row('mgu', [0.5, 0.4995, 0.499, 0.4986], se), // a fall, but within noise
    ];
    const record = { figure: 'fig3', title: 'depth', panels: [], numbers: { models }, quick: false, wallSeconds: 60 };
    await mkdir(join(root, 'fig3'));
    await writeFile(join(root, 'fig3', 'results.json'), JSON.stringify(record));
    let md = renderReproductionReport(root, 'figures');
    assert.match(md, /LSTM 4×320: .*up from layer 1 to layer 2 by 0\.1 points: within sampling error.*\| yes \|/);
    assert.match(md, /GRU 4×320: decodable history decreases .*\| \*\*no\*\* \|/);
    assert.doesNotMatch(md, /GRU 4×320: .*within sampling error/);
    // A "no" says what stood against the fall, and never that a strict reading would make it "no".
    assert.match(
      md,
      /GRU 4×320: .*up from layer 1 to layer 2 by 2\.0 points, beyond two standard errors.*\| \*\*no\*\* \|/,
    );
    assert.match(md, /RNN 4×320: .*no fall from layer 1 to layer 4 \(a rise of 0\.2 points\).*\| \*\*no\*\* \|/);
    assert.match(
      md,
      /MGU 4×320: .*the fall from layer 1 to layer 4, 0\.1 points, is within two standard errors.*\| \*\*no\*\* \|/,
    );
    for (const cell of ['GRU', 'RNN', 'MGU']) assert.doesNotMatch(md, new RegExp(`${cell} 4×320: .*read strictly`));
    // Results written before standard errors were recorded are read strictly: any rise counts.
    record.numbers.models = [row('lstm', [0.542, 0.543, 0.503, 0.494])];
    await writeFile(join(root, 'fig3', 'results.json'), JSON.stringify(record));
    md = renderReproductionReport(root, 'figures');
    assert.match(md, /LSTM 4×320: decodable history decreases .*\| \*\*no\*\* \|/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test("Figure 4's longer fine-tuning: the report says whether it moved the signature from the source model's", async () => {
  const root = await mkdtemp(join(tmpdir(), 'memsig-fig4-'));
  const pair = (meanAbsoluteDifference: number) => ({ correlation: 0.99, meanAbsoluteDifference });
  const record = (shortFromSource: number, longFromSource: number) => ({
    figure: 'fig4',
    title: 'adaptation',
    panels: [],
    numbers: {
      fineTuneSymbols: 131703,
      fineTuneEpochs: { adapted: 2, converged: 10 },
      targetEvalPerplexity: { outOfDomain: 5.47, adapted: 3.61, adaptedConverged: 3.38, inDomain: 2.93 },
      gapAdaptedToInDomain: 0.68,
      gapOutOfDomainToAdapted: 1.86,
      gapConvergedToInDomain: 0.45,
      gapOutOfDomainToConverged: 2.09,
      similarity: {
        adaptedVsInDomain: pair(0.033),
        adaptedVsOutOfDomain: pair(shortFromSource),
        convergedVsInDomain: pair(0.032),
        convergedVsOutOfDomain: pair(longFromSource),
        outOfDomainVsInDomain: pair(0.035),
      },
    },
    quick: false,
    wallSeconds: 60,
  });
  try {
    await mkdir(join(root, 'fig4'));
    const verdictOf = async (short: number, long: number) => {
      await writeFile(join(root, 'fig4', 'results.json'), JSON.stringify(record(short, long)));
      const row = renderReproductionReport(root, 'figures')
        .split('\n')
        .find((l) => l.startsWith('| The same, for a fine-tuning run'));
      assert.ok(row, 'the converged fine-tuning row');
      return row;
    };
    // Equal to the third place (0.0112 and 0.0108 print as 0.011): no move.
    assert.match(
      await verdictOf(0.0112, 0.0108),
      /longer fine-tuning does not move the signature away from the source model's \(\\\|difference\\\| 0\.011 → 0\.011\): we think 131703 target symbols/,
    );
    assert.match(
      await verdictOf(0.013, 0.023),
      /longer fine-tuning moves the signature away from the source model's \(\\\|difference\\\| 0\.013 → 0\.023\) but not past the midpoint/,
    );
    // Past the midpoint, the claim holds and there is nothing to explain.
    assert.doesNotMatch(await verdictOf(0.013, 0.04), /longer fine-tuning/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
