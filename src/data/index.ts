// The corpus pipeline's public surface: normalization, reading, segmenting, splitting, encoding, batching.

export { Alphabet } from './alphabet.js';
export { allocChunk, type BatchChunk, EvalBatches, evalChunks, StreamBatcher } from './batches.js';
export {
  type CorpusOptions,
  type CorpusOptionsInput,
  type CorpusPartitions,
  defaultCorpusOptions,
  type EncodedPartition,
  encodeSegments,
  encodeText,
  encodeTextSegments,
  keepLastChars,
  type PreparedCorpus,
  prepareCorpus,
  resolveCorpusOptions,
  segmentCount,
  segmentIds,
  sha256OfSegments,
} from './corpus.js';
export { defaultNormalization, makeNormalizer, normalizeText, validateNormalization } from './normalize.js';
export {
  type CorpusText,
  decodeText,
  readCorpusText,
  SOTU_SOURCE,
  sotuChronological,
  stripGutenberg,
} from './read-corpus.js';
export { type Segmentation, segmentText } from './segments.js';
export {
  defaultSplitFractions,
  type SplitFractions,
  type SplitResult,
  splitCounts,
  splitSegments,
  validateSplitFractions,
} from './split.js';
