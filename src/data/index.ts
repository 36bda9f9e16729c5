// The corpus pipeline's public surface: normalization, reading, segmenting, splitting, encoding, batching.

export { Alphabet } from './alphabet.js';
export { allocChunk, type BatchChunk, EvalBatches, evalChunks, StreamBatcher } from './batches.js';
export {
  type CorpusOptions,
  type CorpusOptionsInput,
  type CorpusPartitions,
  capCorpusText,
  corpusSegments,
  defaultCorpusOptions,
  type EncodedPartition,
  encodeSegments,
  encodeText,
  encodeTextSegments,
  keepLastChars,
  keepLastDocumentChars,
  type PreparedCorpus,
  prepareCorpus,
  resolveCorpusOptions,
  segmentCount,
  segmentIds,
  sha256OfSegments,
} from './corpus.js';
export {
  defaultNormalization,
  makeNormalizer,
  normalizeText,
  straightenApostrophes,
  validateNormalization,
} from './normalize.js';
export { rawAlphabet, rawNormalization } from './raw-alphabet.js';
export {
  type CorpusText,
  decodeText,
  readCorpusText,
  SOTU_SOURCE,
  sotuChronological,
  stripGutenberg,
} from './read-corpus.js';
export {
  readingSegmentation,
  SEGMENTATIONS,
  type Segmentation,
  segmentDocuments,
  segmentNoun,
  segmentText,
} from './segments.js';
export { corpusSourceName } from './source-name.js';
export {
  defaultSplitFractions,
  type SplitFractions,
  type SplitResult,
  splitCorpusSegments,
  splitCounts,
  splitSegments,
  splitStreams,
  validateSplitFractions,
} from './split.js';
