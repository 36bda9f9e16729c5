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
