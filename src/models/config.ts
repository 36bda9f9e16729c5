// The model config stored as DIR/config.json beside DIR/model.safetensors. Documented in docs/model-config.schema.json.

export type CellKind = 'lstm' | 'gru';

/** 'char-lm': embedding → LSTM/GRU layers → projection; 'factorized-lstm': the same with factorized LSTM kernels. */
export type ModelKind = 'char-lm' | 'factorized-lstm';

/**
 * Where a factorized-lstm model's λ comes from: the running bigram frequencies of the segment being read, or one
 * fixed vector, the bigram frequencies of the training partition (stored with the weights as rnn.corpus_lambda).
 */
export type LambdaKind = 'running' | 'corpus';

/** The tensor of model.safetensors holding a factorized-lstm model's fixed λ (config lambda "corpus"). */
export const CORPUS_LAMBDA = 'rnn.corpus_lambda';

/** How raw text becomes symbols. Recorded with the model so evaluation normalizes exactly as training did. */
export interface NormalizationConfig {
  /** Symbols in id order; each is one character. Default: a–z, '#', apostrophe, period, space. */
  alphabet: string[];
  lowercase: boolean;
  /** Every decimal digit becomes this symbol (null: digits are treated as other characters). */
  digitSymbol: string | null;
  /** What happens to characters outside the alphabet: dropped, or turned into a space. */
  unknown: 'drop' | 'space';
  /** Runs of whitespace become one space; segments are trimmed. */
  collapseWhitespace: boolean;
}

/**
 * How text is cut into segments, the units at whose start a model's state is reset: one per line, one per sentence,
 * or none (each file is one stream, the state carried across lines; the split is then by contiguous blocks).
 */
export type SegmentationKind = 'line' | 'sentence' | 'none';

export interface CorpusRecord {
  /**
   * 'sotu' for the bundled corpus; a path inside the working directory as a relative path; any other path by its file
   * (or folder) name alone, so that no machine's directory layout is recorded (see corpusSourceName).
   */
  source: string;
  /** sha256 of the normalized symbol stream (all segments, in order), hex. */
  sha256: string;
  segmentation: SegmentationKind;
  split: { train: number; dev: number; eval: number; seed: number };
  /** Symbols (characters after normalization) per partition. */
  symbols: { train: number; dev: number; eval: number };
  segments: { train: number; dev: number; eval: number };
  /** Cap applied to the corpus before splitting (most recent N characters), or null. */
  maxChars: number | null;
}

export interface TrainingRecord {
  batch: number;
  seq: number;
  lr: number;
  dropout: number;
  /** Dropout on the state fed back to the recurrent kernel. */
  recurrentDropout: number;
  clip: number;
  epochs: number;
  maxSteps: number | null;
  seed: number;
  patience: number;
  /** Optimizer steps actually taken, and epochs completed. */
  steps: number;
  epochsCompleted: number;
  /** Step at which the kept (best-dev) weights were saved. */
  bestStep: number;
  wallSeconds: number;
  /** Fine-tuning: SHA-256 of the model.safetensors the run started from (absent: a fresh initialization). */
  initWeightsSha256?: string;
  /** The fraction of the training partition's segments the run used (absent: all). */
  trainFraction?: number;
}

/** Where an imported model came from: the framework and file read (with its SHA-256), and which tensor went where. */
export interface ImportRecord {
  framework: 'pytorch' | 'keras' | 'onnx';
  /** The model file as given (a folder's model.json for TensorFlow.js). */
  file: string;
  sha256: string;
  /** TensorFlow.js weight shards, in manifest order. */
  shards?: { file: string; sha256: string }[];
  /** memsig parameter → the source tensor, layer or node it came from (or how it was made: tied, zeros). */
  mapping: Record<string, string>;
}

export interface ModelMetrics {
  devPerplexity: number | null;
  evalPerplexity: number | null;
}

export interface CharLmConfig {
  format: 'memsig-model';
  version: 1;
  kind: ModelKind;
  cell: CellKind;
  /** factorized-lstm only: where λ comes from (absent: 'running'). */
  lambda?: LambdaKind;
  layers: number;
  units: number;
  embed: number;
  normalization: NormalizationConfig;
  /**
   * How the model reads any text when --segment is auto (absent: as its training corpus was cut, see
   * readingSegmentation). Set where there is no corpus record to say it, e.g. an imported stream model.
   */
  segmentation?: SegmentationKind;
  /**
   * GRU only: false when the reset gate scales h before the recurrent product (Keras reset_after=False, ONNX
   * linear_before_reset=0) instead of after it as PyTorch's does. Such a model runs forward only (eval, signature).
   */
  resetAfter?: boolean;
  /**
   * "hard_sigmoid": the gates use Keras 2's and TensorFlow.js's hard sigmoid, clip(0.2·x + 0.5, 0, 1), as an imported
   * model trained with it does (forward only: eval, signature). Absent: the logistic sigmoid.
   */
  gateActivation?: 'sigmoid' | 'hard_sigmoid';
  corpus: CorpusRecord | null;
  training: TrainingRecord | null;
  metrics: ModelMetrics;
  /** Present when `memsig import` made the directory from another framework's files. */
  imported?: ImportRecord;
}
