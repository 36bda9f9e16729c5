import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  panelRecalls,
  recallChanges,
  replacesEarlierRun,
  withPanelMarginals,
  withSignatureDecoderSettings,
} from '../../src/experiments/earlier-run.js';
import { renderReproductionReport } from '../../src/experiments/report.js';
import type { ExperimentRecord } from '../../src/experiments/runner.js';
import { tinySignature } from '../render/helpers.js';

const corpus = { source: 'shakespeare.txt', sha256: 'abc', segmentation: 'line', symbols: { train: 10 } };

/** A Figure 1 record: its GRU's marginal accuracy by δ, and the decoders' settings (none: an unrecorded earlier run). */
function fig1(marginal: number[], signature?: unknown, quick = false): ExperimentRecord {
  return {
    figure: 'fig1',
    title: 'GRU',
    panels: [],
    numbers: {
      corpus,
      ...(signature ? { signature } : {}),
      marginalAccuracy: marginal,
      chance: marginal.map(() => 0.18),
      memoryVersusPrediction: { correlation: 0.1 },
    },
    quick,
    wallSeconds: 60,
    generator: 'test',
  };
}

const settings = (batch?: number) => ({
  positions: { train: 4_000_000, dev: 20_000, eval: 40_000 },
  keepProbs: [0.5, 1],
  ...(batch ? { batch } : {}),
});

test('a published run becomes the earlier run only when the new one was measured with other inputs', () => {
  const m = [0.99, 0.8, 0.5];
  // The same decoders: a resumed run that added seeds, not an earlier run.
  assert.equal(replacesEarlierRun(fig1(m, settings(256)), fig1([0.99, 0.81, 0.5], settings(256))), false);
  assert.equal(replacesEarlierRun(fig1(m, settings(1024)), fig1(m, settings(256))), true);
  // Whitened input is another measurement; results that record nothing read the standardized state.
  assert.equal(replacesEarlierRun(fig1(m, settings(256)), fig1(m, { ...settings(256), whiten: true })), true);
  assert.equal(replacesEarlierRun(fig1(m, settings(256)), fig1(m, { ...settings(256), whiten: false })), false);
  // Results that record no minibatch were made with 1024.
  assert.equal(replacesEarlierRun(fig1(m, settings()), fig1(m, settings(1024))), false);
  // Results that record no decoder settings predate the converged defaults.
  assert.equal(replacesEarlierRun(fig1(m), fig1(m, settings(256))), true);
  const otherCorpus = fig1(m, settings(256));
  (otherCorpus.numbers as { corpus: unknown }).corpus = { ...corpus, sha256: 'def' };
  assert.equal(replacesEarlierRun(fig1(m, settings(256)), otherCorpus), true);
  // A --quick run is a smoke test: it neither replaces nor is kept.
  assert.equal(replacesEarlierRun(fig1(m, settings(1024), true), fig1(m, settings(256))), false);
});

test('recall changes pair the panels of both runs by label, over the δ both measured', () => {
  const record = (models: unknown[]): ExperimentRecord => ({
    figure: 'fig3',
    title: 'depth',
    panels: [],
    numbers: { models },
    quick: false,
    wallSeconds: 1,
    generator: 'test',
  });
  const earlier = record([
    {
      cell: 'gru',
      layers: 2,
      units: 320,
      marginalAccuracyByLayer: [
        [0.9, 0.5, 0.3],
        [0.8, 0.4, 0.2],
      ],
    },
    { cell: 'lstm', layers: 2, units: 320, marginalAccuracyByLayer: [[0.9, 0.6]] },
  ]);
  const now = record([
    {
      cell: 'gru',
      layers: 2,
      units: 320,
      marginalAccuracyByLayer: [
        [0.9, 0.6, 0.4, 0.3],
        [0.8, 0.4, 0.25, 0.2],
      ],
    },
  ]);
  assert.deepEqual(
    panelRecalls(now).map((p) => p.label),
    ['GRU 2×320, layer 1', 'GRU 2×320, layer 2'],
  );
  const changes = recallChanges(earlier, now);
  assert.equal(changes.length, 2, 'the LSTM was not rerun: nothing to compare');
  assert.equal(changes[0]!.label, 'GRU 2×320, layer 1');
  assert.ok(Math.abs(changes[0]!.earlierMean - 0.5667) < 1e-3);
  assert.ok(Math.abs(changes[0]!.nowMean - 0.6333) < 1e-3, 'the mean over the three δ both measured');
  assert.deepEqual(
    changes[1]!.byDelta.map((d) => Math.round(d * 100) / 100),
    [0, 0, 0.05],
  );
});

test('the report says what a rerun changed: the earlier inputs, recall by δ, and the verdicts that moved', async () => {
  const root = await mkdtemp(join(tmpdir(), 'memsig-earlier-'));
  try {
    await mkdir(join(root, 'fig1'), { recursive: true });
    // Earlier: recall rose from δ = 2 to 3 (the claim "declines continuously" fails); now it falls throughout.
    await writeFile(join(root, 'fig1', 'earlier-results.json'), JSON.stringify(fig1([0.99, 0.5, 0.55])));
    await writeFile(join(root, 'fig1', 'results.json'), JSON.stringify(fig1([0.99, 0.8, 0.6], settings(256))));
    const md = renderReproductionReport(root, 'figures');
    assert.match(md, /### What changed from the earlier run/);
    assert.match(md, /The earlier run: decoders at an earlier memsig's defaults \(60,000 train positions/);
    assert.match(md, /\| GRU \| 68\.0% \| 79\.7% \| \+0\.0, \+30\.0, \+5\.0 \|/);
    assert.match(md, /\| Recall declines continuously as the history length δ grows\. \| no \| yes \|/);
    assert.match(md, /The other claim kept its verdict\./);
    // Verdicts that did not move are counted, not listed.
    await writeFile(join(root, 'fig1', 'earlier-results.json'), JSON.stringify(fig1([0.99, 0.7, 0.5])));
    const same = renderReproductionReport(root, 'figures');
    assert.match(same, /The 2 claims judged in both runs kept their verdicts\./);
    assert.doesNotMatch(same, /agreed earlier/);
    // Without an earlier run there is nothing to say.
    await rm(join(root, 'fig1', 'earlier-results.json'));
    assert.doesNotMatch(renderReproductionReport(root, 'figures'), /What changed/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('an earlier run that recorded no minibatch or input is described by what its own signature files say', () => {
  const unrecorded = fig1([0.9], settings());
  const filled = withSignatureDecoderSettings(unrecorded, { batch: 256 });
  // The signature file's minibatch; no whiten field in a signature file means the standardized input.
  assert.deepEqual((filled.numbers as { signature: unknown }).signature, { ...settings(), batch: 256, whiten: false });
  // What the record says is kept.
  const recorded = fig1([0.9], { ...settings(1024), whiten: true });
  assert.deepEqual(withSignatureDecoderSettings(recorded, { batch: 256, whiten: false }), recorded);
  // A record of whitened decoders at 256 compared with this earlier one: inputs differ by the input alone.
  assert.equal(replacesEarlierRun(filled, fig1([0.9], { ...settings(256), whiten: true })), true);
  assert.equal(replacesEarlierRun(filled, fig1([0.9], { ...settings(256), whiten: false })), false);
});

test("the first defaults' learning rate, which results never recorded, is taken from the signatures and named", async () => {
  const unrecorded = fig1([0.9], settings());
  const first = withSignatureDecoderSettings(unrecorded, { batch: 256, lr: 0.001, maxEpochs: 10 });
  assert.deepEqual((first.numbers as { signature: unknown }).signature, {
    ...settings(),
    batch: 256,
    whiten: false,
    lr: 0.001,
    maxEpochs: 10,
  });
  // Today's rate is not added: a rerun's record, which does not hold it, compares equal with the published one.
  const today = withSignatureDecoderSettings(unrecorded, { batch: 256, lr: 0.003, maxEpochs: 20 });
  assert.deepEqual((today.numbers as { signature: unknown }).signature, { ...settings(), batch: 256, whiten: false });
  assert.equal(replacesEarlierRun(today, fig1([0.9], { ...settings(256), whiten: false })), false);
  assert.equal(replacesEarlierRun(first, fig1([0.9], { ...settings(256), whiten: false })), true);
  const root = await mkdtemp(join(tmpdir(), 'memsig-first-rate-'));
  try {
    await mkdir(join(root, 'fig1'), { recursive: true });
    await writeFile(join(root, 'fig1', 'results.json'), JSON.stringify(first));
    assert.match(
      renderReproductionReport(root, 'figures'),
      /decoders trained at learning rate 0\.001 for at most 10 epochs a keep probability, without today's schedule \(rate 0\.003, decayed on plateaus, in rounds of 500,000 positions/,
    );
    await writeFile(join(root, 'fig1', 'earlier-results.json'), JSON.stringify(first));
    await writeFile(
      join(root, 'fig1', 'results.json'),
      JSON.stringify(fig1([0.95], { ...settings(256), whiten: true })),
    );
    const md = renderReproductionReport(root, 'figures');
    assert.match(
      md,
      /The earlier run: decoders on [^\n]*standardized input, learning rate 0\.001 for at most 10 epochs a keep probability\./,
    );
    assert.doesNotMatch(md, /without today's schedule/, "the rerun is at today's rate");
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('a figure whose numbers keep no recall (Figure 4) is compared by its panels, read from their signatures', () => {
  const sig = (accuracies: number[]) => {
    const s = tinySignature([accuracies.map((a) => [a, a, a, a])]);
    for (const [i, d] of s.layers[0]!.deltas.entries()) d.accuracy = accuracies[i]!;
    return s;
  };
  const record = (files: string[]): ExperimentRecord => ({
    figure: 'fig4',
    title: 'adaptation',
    panels: files.map((f) => ({ label: `model ${f}`, signature: `signatures/${f}.json`, layer: 1 })),
    numbers: { similarity: {} },
    quick: false,
    wallSeconds: 1,
    generator: 'test',
  });
  const files: Record<string, ReturnType<typeof sig>> = {
    'signatures/a.json': sig([0.9, 0.5]),
    'signatures/b.json': sig([0.8, 0.4]),
  };
  const earlier = withPanelMarginals(record(['a', 'b', 'gone']), (f) => files[f] ?? null);
  assert.deepEqual(
    panelRecalls(earlier).map((p) => [p.label, p.marginal]),
    [
      ['model a', [0.9, 0.5]],
      ['model b', [0.8, 0.4]],
    ],
    'the panel whose signature is missing is left out',
  );
  files['signatures/a.json'] = sig([0.95, 0.7]);
  const now = withPanelMarginals(record(['a', 'b']), (f) => files[f] ?? null);
  const [a] = recallChanges(earlier, now);
  assert.equal(a!.label, 'model a');
  assert.deepEqual(
    a!.byDelta.map((d) => Math.round(d * 100) / 100),
    [0.05, 0.2],
  );
  // Without any signature the record is left as it was; a figure's own recall numbers come before its panels'.
  const untouched = record(['gone']);
  assert.equal(
    withPanelMarginals(untouched, () => null),
    untouched,
  );
  const own = withPanelMarginals({ ...fig1([0.5]), panels: record(['a']).panels }, (f) => files[f] ?? null);
  assert.deepEqual(
    panelRecalls(own).map((p) => p.label),
    ['GRU'],
  );
});
