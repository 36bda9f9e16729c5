// The configurations of the experiments, full and --quick (a small version for tests: same steps, tiny sizes).

import { defaultSignatureOptions, type SignatureOptions } from '../analysis/signature.js';
import { defaultTrainConfig, type TrainConfig } from '../train/train-char-lm.js';
import type { CorpusSpec } from './corpora.js';

export interface ExperimentSettings {
  shakespeare: CorpusSpec;
  sotu: CorpusSpec;
  train: (overrides: Partial<TrainConfig>) => TrainConfig;
  signature: (overrides: Partial<SignatureOptions>) => SignatureOptions;
  /** State sizes of the size sweep (Figure 2) and the depth of the depth experiment (Figure 3). */
  sizes: number[];
  depth: number;
  depthUnits: number;
  /** Signature options of the deep models (Figure 3), over those of the other figures. */
  depthSignature: Partial<SignatureOptions>;
  /** Units of the single-layer models of Figures 1, 4 and 5. */
  units: number;
  /** Share of the target's train partition used to fine-tune (Figure 4). */
  adaptFraction: number;
  adaptEpochs: number;
  /** Epoch cap of the second fine-tuning, which runs until the target's dev perplexity stops improving. */
  adaptMaxEpochs: number;
  /** The factorized-kernel experiment (Figure 6): corpus, size, steps and lighter signatures (8 of them). */
  factorizedCorpus: CorpusSpec;
  factorizedUnits: number;
  factorizedSteps: number;
  factorizedSignature: Partial<SignatureOptions>;
}

export function experimentSettings(quick: boolean): ExperimentSettings {
  const sig = defaultSignatureOptions();
  if (quick) {
    return {
      shakespeare: { name: 'sotu', maxChars: 120_000 },
      sotu: { name: 'sotu', maxChars: 100_000 },
      train: (o) => ({
        ...defaultTrainConfig(),
        units: 16,
        embed: 8,
        batch: 8,
        seq: 16,
        epochs: 1,
        maxSteps: 40,
        lr: 5e-3,
        ...o,
      }),
      signature: (o) => ({
        ...sig,
        maxDelta: 4,
        trainPositions: 1500,
        devPositions: 300,
        evalPositions: 800,
        decoder: { ...sig.decoder, keepProbs: [1], maxEpochs: 3, hidden: [16], lr: 1e-2 },
        ...o,
      }),
      sizes: [8, 16],
      depth: 2,
      depthUnits: 12,
      depthSignature: {},
      units: 16,
      adaptFraction: 0.05,
      adaptEpochs: 1,
      adaptMaxEpochs: 2,
      factorizedCorpus: { name: 'sotu', maxChars: 100_000 },
      factorizedUnits: 12,
      factorizedSteps: 30,
      factorizedSignature: {},
    };
  }
  return {
    shakespeare: { name: 'shakespeare', maxChars: null },
    sotu: { name: 'sotu', maxChars: 3_000_000 },
    train: (o) => ({ ...defaultTrainConfig(), epochs: 3, patience: 1, ...o }),
    signature: (o) => ({ ...sig, ...o }),
    sizes: [80, 160, 320, 640],
    depth: 4,
    depthUnits: 320,
    // Eight layers of decoders as wide as the paper's size rule makes them (up to about 2,300 hidden units) would take
    // over two hours here. So, as Figure 6: half the positions, and the dropout grid narrowed to keep probabilities
    // 0.9 and 1, which 120 of the 130 decoders of Figures 1, 2, 4 and 5 chose from the full grid.
    depthSignature: {
      trainPositions: 30_000,
      devPositions: 5_000,
      evalPositions: 20_000,
      decoder: { ...sig.decoder, keepProbs: [0.9, 1] },
    },
    units: 320,
    adaptFraction: 0.05,
    adaptEpochs: 2,
    adaptMaxEpochs: 30,
    factorizedCorpus: { name: 'shakespeare', maxChars: 2_000_000 },
    factorizedUnits: 160,
    factorizedSteps: 3000,
    factorizedSignature: {
      trainPositions: 30_000,
      devPositions: 5_000,
      evalPositions: 20_000,
      decoder: { ...sig.decoder, keepProbs: [0.8, 1] },
    },
  };
}
