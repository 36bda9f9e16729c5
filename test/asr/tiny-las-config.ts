// A LAS small enough to train a few steps in milliseconds, shared by the training tests.

import { type AsrTrainConfig, defaultAsrTrainConfig } from '../../src/asr/train-config.js';

export function tinyLasTrainConfig(over: Partial<AsrTrainConfig> = {}): AsrTrainConfig {
  return {
    ...defaultAsrTrainConfig(),
    stack: 1,
    listenerLayers: 1,
    pyramidLayers: 1,
    listenerUnits: 6,
    embed: 3,
    spellerUnits: 8,
    attention: 6,
    locationFilters: 2,
    locationKernel: 3,
    outputHidden: 8,
    batch: 3,
    patience: 100,
    guidedEpochs: 2,
    guidedSigma: 1.5,
    ...over,
  };
}
