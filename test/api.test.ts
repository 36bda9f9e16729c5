// The library entry ('memsig', package.json "exports"): a corpus, a trained model, its signature and a figure,
// through the public names alone.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir, tinyCorpusText } from './cli/helpers.js';

test("import 'memsig' gives the whole path: prepareCorpus → trainCharLm → memorySignature → renderSignatureSvg", async (t) => {
  const memsig = await import('memsig');
  const path = join(tempDir(t), 'tiny.txt');
  writeFileSync(path, tinyCorpusText());
  const corpus = await memsig.prepareCorpus(path, { segmentation: 'line' });
  const config = { ...memsig.defaultTrainConfig(), cell: 'gru' as const, units: 8, embed: 4, batch: 4, seq: 8 };
  const { model, history } = await memsig.trainCharLm(
    corpus,
    { ...config, epochs: 2, maxSteps: 150 },
    {
      gemm: memsig.tsGemm,
    },
  );
  assert.ok(model instanceof memsig.CharLm);
  assert.ok(history[0]!.devPerplexity < corpus.alphabet.size, `dev perplexity ${history[0]!.devPerplexity}`);
  const defaults = memsig.defaultSignatureOptions();
  const sig = await memsig.memorySignature(
    memsig.charLmAnalysable(model, memsig.tsGemm, null),
    corpus,
    {
      ...defaults,
      state: 'h',
      maxDelta: 2,
      trainPositions: 1500,
      devPositions: 300,
      evalPositions: 600,
      decoder: { ...defaults.decoder, keepProbs: [1], maxEpochs: 10, hidden: [16], lr: 1e-2 },
    },
    { gemm: memsig.tsGemm, generator: 'memsig api test' },
  );
  assert.equal(sig.layers.length, 1);
  assert.deepEqual(
    sig.layers[0]!.deltas.map((d) => d.delta),
    [1, 2],
  );
  assert.ok(sig.layers[0]!.deltas[0]!.accuracy > sig.layers[0]!.deltas[0]!.chanceAccuracy);
  const svg = memsig.renderSignatureSvg(sig);
  assert.match(svg, /<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, /<title>Memory signature: 1-layer GRU, 8 units/);
});

test("import 'memsig' gives the speech path's entry points: log-mel features, the recognizer and its signature", async () => {
  const memsig = await import('memsig');
  // One second of a 1 kHz tone at 16 kHz: 25 ms windows every 10 ms, snipped at the edges, give 98 frames of 40 bins,
  // whose loudest bin is the one around 1 kHz.
  const rate = 16_000;
  const tone = Float32Array.from({ length: rate }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 1000 * i) / rate));
  const fbank = memsig.computeFbank(tone, rate, memsig.defaultFbankConfig());
  assert.equal(fbank.frames, 98);
  assert.equal(fbank.bins, 40);
  const middle = fbank.data.subarray(49 * 40, 50 * 40);
  const loudest = middle.indexOf(Math.max(...middle));
  assert.ok(loudest > 5 && loudest < 20, `loudest mel bin ${loudest}`);
  for (const name of ['trainLas', 'recognizeUtterances', 'lasSignature', 'synthesizeCorpus', 'readManifest'] as const) {
    assert.equal(typeof memsig[name], 'function', name);
  }
  assert.equal(memsig.defaultLasSignatureOptions().maxDelta > 0, true);
});
