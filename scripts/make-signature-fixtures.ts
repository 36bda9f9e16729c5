// Hand-run: writes small real signatures into test/fixtures/signatures/ for the rendering and viewer tests.
//   npx tsc -p . && node dist/scripts/make-signature-fixtures.js
import { fileURLToPath } from 'node:url';
import { charLmAnalysable } from '../src/analysis/analysable-model.js';
import { decoderPoolRunner } from '../src/analysis/decoder-pool.js';
import { defaultSignatureOptions, memorySignature } from '../src/analysis/signature.js';
import { createGemm } from '../src/backends/index.js';
import { prepareCorpus } from '../src/data/corpus.js';
import { writeSignature } from '../src/io/signature-file.js';
import { defaultTrainConfig, trainCharLm } from '../src/train/train-char-lm.js';

const corpusPath = fileURLToPath(new URL('../../../shared/data/tinyshakespeare.txt', import.meta.url));
const outDir = fileURLToPath(new URL('../../test/fixtures/signatures/', import.meta.url));
const corpus = await prepareCorpus(corpusPath, { maxChars: 300_000 });
const gemm = createGemm('auto');
for (const [name, cell, layers] of [
  ['lstm-2layer', 'lstm', 2],
  ['gru-1layer', 'gru', 1],
] as const) {
  const config = { ...defaultTrainConfig(), cell, layers, units: 48, embed: 16, maxSteps: 400, epochs: 5, lr: 3e-3 };
  const { model } = await trainCharLm(corpus, config, { gemm });
  const d = defaultSignatureOptions();
  const sig = await memorySignature(
    charLmAnalysable(model, gemm, null),
    corpus,
    {
      ...d,
      maxDelta: 6,
      state: cell === 'lstm' ? 'c' : 'h',
      trainPositions: 8000,
      devPositions: 2000,
      evalPositions: 6000,
      decoder: { ...d.decoder, keepProbs: [0.8, 1], maxEpochs: 5 },
    },
    { gemm, decoderRunner: decoderPoolRunner(), generator: 'memsig fixture' },
  );
  await writeSignature(`${outDir}${name}.json`, sig);
  console.log(name, sig.layers.map((l) => l.deltas.map((x) => x.accuracy.toFixed(3)).join(' ')).join(' | '));
}
