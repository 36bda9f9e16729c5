// memsig as a library (`import { … } from 'memsig'`): the same functions the CLI calls, from a corpus to a trained
// model, its memory signature and its figures. Re-exports only.

// Memory signatures: the decoders of every (layer, δ), and what they give.
export { type AnalysableModel, charLmAnalysable } from './analysis/analysable-model.js';
export { decoderPoolRunner } from './analysis/decoder-pool.js';
export { factorizedAnalysable } from './analysis/factorized-analysable.js';
// Speech: the Listen-Attend-Spell recognizer's signature (paper section 8): listener layers and speller queries.
export {
  defaultLasSignatureOptions,
  type LasSignatureHooks,
  type LasSignatureOptions,
  lasSignature,
} from './analysis/las-signature.js';
export { ngramAnalysable } from './analysis/ngram-analysable.js';
export {
  defaultSignatureOptions,
  memorySignature,
  type SignatureHooks,
  type SignatureOptions,
} from './analysis/signature.js';
export type { DeltaSignature, LayerSignature, Signature } from './analysis/signature-types.js';
export { memoryVersusPrediction, signatureSimilarity } from './analysis/similarity.js';
export { type DecodeConfig, defaultDecodeConfig, recognizeUtterances } from './asr/recognize.js';
// Speech: corpora made offline (synthesized or prepared from recordings), log-mel features, the recognizer.
export { type AsrData, type AsrTrainHooks, type AsrTrainResult, trainLas } from './asr/train-las.js';
// Matrix products: onnxruntime (MLAS) where it loads, portable TypeScript otherwise.
export { type BackendName, createGemm } from './backends/index.js';
export { type Gemm, tsGemm } from './core/gemm.js';
// Corpora: reading, normalization, segments, the train/dev/eval split.
export {
  Alphabet,
  type CorpusOptionsInput,
  defaultNormalization,
  type EncodedPartition,
  type PreparedCorpus,
  prepareCorpus,
  type Segmentation,
} from './data/index.js';
export { subsampleTrain } from './data/subsample.js';
export { type ImportOptions, type ImportResult, importModel } from './import/import-model.js';
export { type LoadedAnyModel, loadModel } from './io/load-model.js';
export { type LoadedModel, loadModelDir, saveModelDir } from './io/model-dir.js';
export { readSignature, validateSignature, writeSignature } from './io/signature-file.js';
// Models: the LSTM/GRU language model, the factorized-kernel LSTM, the n-gram model; model directories.
export { CharLm } from './models/char-lm.js';
export type { CharLmShape } from './models/char-lm-params.js';
export type { CharLmConfig, LambdaKind, NormalizationConfig } from './models/config.js';
export { basesOfBigrams, FactorizedLm, type FactorizedLmShape } from './models/factorized-lm.js';
export { type AnyLm, buildLm, type LmSpec, savedTensorsOf } from './models/language-model.js';
export { Las } from './models/las.js';
export type { LmEvaluation, SymbolAccuracy } from './models/lm-evaluation.js';
export { defaultNgramConfig, type NgramConfig, NgramModel, trainNgram } from './models/ngram.js';
// Figures: SVG, PNG and HTML from signatures.
export {
  renderCompareSvg,
  renderDiffSvg,
  renderPng,
  renderReportHtml,
  renderSignatureSvg,
} from './render/index.js';
export { computeFbank, defaultFbankConfig, type FbankConfig } from './speech/fbank.js';
export { type ManifestEntry, readManifest } from './speech/manifest.js';
export { type SynthCorpusOptions, synthesizeCorpus } from './speech/synth-corpus.js';
// Training and evaluation.
export { evaluateCharLm, evaluateLm, forwardAccuracyOf, lmPredictor } from './train/evaluate.js';
export {
  defaultTrainConfig,
  type TrainCell,
  type TrainConfig,
  type TrainHooks,
  type TrainProgress,
  type TrainResult,
  trainCharLm,
} from './train/train-char-lm.js';
