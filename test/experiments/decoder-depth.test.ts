import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { depthClaimHolds, depthGain, doubledDepth, upperLayers } from '../../src/experiments/decoder-depth.js';
import { renderReproductionReport } from '../../src/experiments/report.js';
import { runExperiment } from '../../src/experiments/runner.js';
import { tinySignature } from '../render/helpers.js';

test('the depth claim reads the upper half of the layers with their hidden layers doubled', () => {
  assert.deepEqual(upperLayers(4), [3, 4]);
  assert.deepEqual(upperLayers(2), [2]);
  const sig = tinySignature([[[0.9, 0.5, 0.7, 0.4]], [[0.5, 0.5, 0.5, 0.5]]]);
  const layer = sig.layers[0]!;
  assert.deepEqual(doubledDepth({ ...layer, decoder: { ...layer.decoder, hidden: [969] } }), [969, 969]);
  const deep = structuredClone(sig);
  for (const d of deep.layers[0]!.deltas) d.accuracy += 0.03;
  const g = depthGain(sig, deep, sig.layers[0]!.layer);
  assert.ok(Math.abs(g.gain - 0.03) < 1e-12 && g.gainStdError > 0);
  assert.equal(depthClaimHolds([g]), true);
  assert.equal(depthClaimHolds([{ ...g, gain: 0.05 }]), false);
  assert.equal(depthClaimHolds([]), false);
});

test('Figure 3 --quick measures the doubled decoders on the upper layer, and the report judges the claim', async () => {
  const root = await mkdtemp(join(tmpdir(), 'memsig-depth-'));
  try {
    const lines: string[] = [];
    const result = await runExperiment('fig3', {
      dir: join(root, 'fig3'),
      quick: true,
      backend: 'auto',
      threads: 2,
      log: (line) => lines.push(line),
      shakespeare: '',
      generator: 'memsig test',
    });
    const models = (result.numbers as { models: { cell: string; depthGains: ReturnType<typeof depthGain>[] }[] })
      .models;
    for (const m of models) {
      assert.equal(m.depthGains.length, 1);
      const [g] = m.depthGains;
      assert.equal(g!.layer, 2);
      assert.deepEqual(g!.deepHidden, [16, 16]);
      assert.ok(Math.abs(g!.gain - (g!.deepMeanAccuracy - g!.meanAccuracy)) < 1e-12);
    }
    assert.ok(lines.some((l) => /deep-decoder-layer2: computing the signature/.test(l)));
    const md = renderReproductionReport(root, 'figures');
    assert.match(
      md,
      /GRU 2×12: doubling the decoder depth on layer 2 improves recall by less than 5%.*one hidden layer → two: layer 2: /,
    );

    // A recorded gain of 6 points is judged "no".
    const record = {
      figure: 'fig3',
      title: 'depth',
      panels: [],
      numbers: {
        models: [
          {
            cell: 'lstm',
            layers: 4,
            units: 320,
            evalPerplexity: 2.9,
            meanAccuracyByLayer: [0.6, 0.5, 0.4, 0.3],
            depthGains: [3, 4].map((layer) => ({
              layer,
              hidden: [969],
              deepHidden: [969, 969],
              meanAccuracy: 0.4,
              deepMeanAccuracy: layer === 3 ? 0.41 : 0.46,
              gain: layer === 3 ? 0.01 : 0.06,
              gainStdError: 0.004,
            })),
          },
        ],
      },
      quick: false,
      wallSeconds: 60,
    };
    await mkdir(join(root, 'only', 'fig3'), { recursive: true });
    await writeFile(join(root, 'only', 'fig3', 'results.json'), JSON.stringify(record));
    const judged = renderReproductionReport(join(root, 'only'), 'figures');
    assert.match(
      judged,
      /LSTM 4×320: doubling the decoder depth on layers 3 and 4 .*\+6\.0 ± 0\.4 points.*\| \*\*no\*\* \|/,
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
