import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { decoderParameterCount } from '../../src/analysis/decoder-net.js';
import { deeperDecoder, depthClaimHolds, depthGain, upperLayers } from '../../src/experiments/decoder-depth.js';
import { renderReproductionReport } from '../../src/experiments/report.js';
import { runExperiment } from '../../src/experiments/runner.js';
import { tinySignature } from '../render/helpers.js';

test('the depth claim reads the upper half of the layers with decoders twice as deep and no smaller', () => {
  assert.deepEqual(upperLayers(4), [3, 4]);
  assert.deepEqual(upperLayers(2), [2]);
  const sig = tinySignature([[[0.9, 0.5, 0.7, 0.4]], [[0.5, 0.5, 0.5, 0.5]]]);
  const layer = sig.layers[0]!;
  // An upper layer of a 4×320 LSTM: the rule's one hidden layer of 2,342 (822,072 parameters with 30 symbols) becomes
  // two of 748 (822,830): the smallest equal width that is not smaller in all.
  const upper = { ...layer, stateSize: 320, decoder: { ...layer.decoder, hidden: [2342] } };
  const deeper = deeperDecoder(upper, 30);
  assert.deepEqual(deeper, [748, 748]);
  const target = decoderParameterCount(320, 30, [2342]);
  assert.ok(decoderParameterCount(320, 30, deeper) >= target);
  assert.ok(decoderParameterCount(320, 30, [747, 747]) < target);
  // Two hidden layers become four; a tiny decoder still gets at least one unit a layer.
  assert.equal(deeperDecoder({ ...upper, decoder: { ...upper.decoder, hidden: [64, 32] } }, 30).length, 4);
  assert.deepEqual(deeperDecoder({ ...upper, stateSize: 1, decoder: { ...upper.decoder, hidden: [1] } }, 2), [1, 1]);
  assert.throws(() => deeperDecoder({ ...upper, decoder: { ...upper.decoder, hidden: [] } }, 30), /linear decoder/);
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
      // The quick decoders' one hidden layer of 16 on a 12-unit state, 30 symbols (718 parameters) → two of 13 (741).
      assert.deepEqual(g!.hidden, [16]);
      assert.deepEqual(g!.deepHidden, [13, 13]);
      assert.ok(Math.abs(g!.gain - (g!.deepMeanAccuracy - g!.meanAccuracy)) < 1e-12);
    }
    assert.ok(lines.some((l) => /deep-decoder-layer2: computing the signature/.test(l)));
    const md = renderReproductionReport(root, 'figures');
    assert.match(
      md,
      /GRU 2×12: doubling the decoder depth on layer 2 improves recall by less than 5%.*one hidden layer → two with at least as many decoder parameters \(the paper's size rule\): layer 2: .*hidden 16 → 13,13/,
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
              hidden: [2342],
              deepHidden: [748, 748],
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
    // Deeper decoders that recall less, beyond noise (as on Figure 3's GRU: 71.6% → 65.6% on layer 3), hold the
    // claim, and the note says what the drop means.
    for (const g of record.numbers.models[0]!.depthGains) {
      g.deepMeanAccuracy = g.meanAccuracy - 0.06;
      g.gain = -0.06;
    }
    await writeFile(join(root, 'only', 'fig3', 'results.json'), JSON.stringify(record));
    assert.match(
      renderReproductionReport(join(root, 'only'), 'figures'),
      /layers 3 and 4 .*−6\.0 ± 0\.4 points.*the deeper decoders recall less on layers 3 and 4, beyond two standard errors: with as many parameters and the same training, two narrower hidden layers read less of the state than the rule's one \| yes \|/,
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
