// The memory signature: what decoders recover from a frozen model's recurrent state about the input δ steps back,
// per layer, per δ and per symbol, with chance baselines, information in bits and confidence intervals.
// Serialized as versioned JSON (docs/signature.schema.json); every reader validates it.

import type { LearningCurve } from './convergence.js';

export const SIGNATURE_FORMAT = 'memsig-signature';
/** The version memsig writes; it reads every version in SIGNATURE_VERSIONS_READ. */
export const SIGNATURE_VERSION = 2;
export const SIGNATURE_VERSIONS_READ: readonly number[] = [1, 2];

export type StateKind = 'c' | 'h';

/** What was analysed. */
export interface SignatureModel {
  /** 'char-lm' (LSTM/GRU language model), 'ngram', 'factorized-lstm', 'las' (Listen-Attend-Spell), or 'synthetic'. */
  kind: string;
  /** A short human label, e.g. "1-layer GRU, 320 units". */
  label: string;
  cell: string | null;
  layers: number;
  units: number;
  embed: number | null;
  /** sha256 of the weights file (hex), or of an equivalent canonical encoding; null for synthetic models. */
  weightsSha256: string | null;
  /** Extra model facts (e.g. n-gram order), string → number|string. */
  details: Record<string, number | string>;
}

export interface SignatureCorpus {
  source: string;
  sha256: string;
  segmentation: string;
  split: { train: number; dev: number; eval: number; seed: number };
  /** Symbols per partition. */
  symbols: { train: number; dev: number; eval: number };
  maxChars: number | null;
}

export interface DecoderSettings {
  seed: number;
  /** Sampled positions per partition (the same positions serve every δ whose history fits in the segment). */
  trainPositions: number;
  devPositions: number;
  evalPositions: number;
  /** Keep probabilities swept (the paper: 0.5 to 1.0 by 0.1), applied to the state and the hidden layers. */
  keepProbs: number[];
  /** Hidden layer sizes given by the user, or null for the paper's rule (see LayerSignature.decoder). */
  hidden: number[] | null;
  maxEpochs: number;
  patience: number;
  batch: number;
  lr: number;
  /** Version 2: the sweep's successive halving and the learning-rate schedule (see decoders.ts). */
  sweepEpochs?: number;
  finalists?: number;
  halfStage?: boolean;
  /** A number, or (since the cap differed per rate) each rate's cap in turn. */
  epochsPerRate?: number | number[];
  lrDecay?: number;
  decays?: number;
  minImprovement?: number;
  /** Train positions per schedule "epoch" (0: whole passes); absent in files written before it existed. */
  roundPositions?: number;
  /** The decoders read the whitened standardized state (whitening.ts); absent in files written before: not whitened. */
  whiten?: boolean;
  convergenceTolerance?: number;
  /** --decoder-seeds: how many seeds each decoder trained with (absent: one); see DeltaSignature.seeds. */
  decoderSeeds?: number;
  /** --capacity-sweep: the decoder sizes trained, as multiples of each layer's decoder (0: linear); see LayerSignature.capacity. */
  capacityFactors?: number[];
  /** --mdl: the ends of the online code's blocks, as fractions of the train positions; see DeltaSignature.onlineCode. */
  onlineCodeBlocks?: number[];
}

/** The language model's own next-symbol prediction per symbol (the paper's Figure 1b). */
export interface ForwardAccuracy {
  accuracy: number;
  perplexity: number;
  /** Per symbol, in alphabet order: positions whose next symbol is it, and how often the LM predicted it. */
  count: number[];
  correct: number[];
  /** correct / count, null where count is 0. */
  recall: (number | null)[];
}

export interface Interval {
  low: number;
  high: number;
}

/** Decoder (δ, l): predicts the symbol at t−δ from the state of layer l at t. */
export interface DeltaSignature {
  /** δ ≥ 1; 0 only in a speech layer's `current`. */
  delta: number;
  /** Positions actually used (positions whose t−δ lies in the same segment). */
  positions: { train: number; dev: number; eval: number };
  /** The keep probability chosen by dev accuracy, and the epochs trained (best epoch by dev accuracy). */
  keepProb: number;
  epochs: number;
  devAccuracy: number;
  /** Eval accuracy over all symbols (the marginal recall of Figures 2 and 3). */
  accuracy: number;
  /** 95% Wilson interval of accuracy. */
  accuracyInterval: Interval;
  /** Chance: the training prior of the most frequent training symbol at t−δ (always guessing it). */
  chanceAccuracy: number;
  chanceSymbol: string;
  /** One-sided p-value of accuracy > chanceAccuracy: the exact binomial tail P[X ≥ correct | n, chanceAccuracy]. */
  pValue: number;
  /** Per symbol s (alphabet order): eval positions whose symbol at t−δ is s, and the recall on them. */
  count: number[];
  recall: (number | null)[];
  /** The training prior of each symbol at t−δ (its chance level under prior-matched guessing). */
  prior: number[];
  /** Eval confusion counts, rows = true symbol, columns = predicted. */
  confusion: number[][];
  /** Decoder cross-entropy on eval, bits per symbol. */
  crossEntropyBits: number;
  /** Entropy of the training prior, bits (the cross-entropy of a decoder that ignores the state). */
  priorEntropyBits: number;
  /** Information recovered: max(0, priorEntropyBits − crossEntropyBits), bits. */
  informationBits: number;
  /** Version 2 (absent in version 1 files). */
  convergence?: DeltaConvergence;
  /** The text-only baseline on the same eval positions (absent in files written before it; text-baseline.ts). */
  textBaseline?: DeltaTextBaseline;
  /**
   * Several seeds of the same decoder on the same positions (--decoder-seeds), or one signature per model seed
   * combined: the fields above are then their means (seed-spread.ts says which are the first seed's), and this is
   * the spread. Absent for a single seed.
   */
  seeds?: DeltaSeeds;
  /** --mdl: the online code length of the labels given the states (online-code.ts). */
  onlineCode?: DeltaOnlineCode;
}

/**
 * The online (prequential) code length of decoder (δ, l)'s train labels given the states (Voita & Titov 2020): the
 * train positions in a random order, cut into blocks; the first block coded with the uniform code, each next one with
 * a decoder trained on the blocks before it. The fewer bits, the more readily the state gives the label away.
 */
export interface DeltaOnlineCode {
  /** Labelled train positions at each block's end (the last: all of them). */
  ends: number[];
  /** Bits to code each block. */
  blockBits: number[];
  /** Their sum, and per position. */
  totalBits: number;
  bitsPerPosition: number;
  /** The uniform code (log2 of the alphabet size) and the prior code (the prior's entropy), bits per position. */
  uniformBitsPerPosition: number;
  priorBitsPerPosition: number;
  /** Compression: the uniform code's length, and the prior code's, over the online code's. */
  compression: number;
  priorCompression: number;
  /** --decoder-seeds: bits per position with each seed (the fields above are the means); absent for one seed. */
  seedBitsPerPosition?: number[];
}

/** --capacity-sweep: one decoder size of a layer, trained on the layer's positions (capacity-sweep.ts). */
export interface CapacityProbe {
  /** Its hidden widths as a multiple of the layer's decoder's; 0: linear (no hidden layer); 1: the decoder itself. */
  factor: number;
  hidden: number[];
  /** Trainable parameters of one decoder. */
  parameters: number;
  /** Per δ = 1..Δ. */
  deltas: CapacityPoint[];
}

/** One decoder size at one δ: its eval scores, and whether it is on the accuracy/complexity front. */
export interface CapacityPoint {
  delta: number;
  accuracy: number;
  accuracyInterval: Interval;
  crossEntropyBits: number;
  informationBits: number;
  keepProb: number;
  /** No smaller decoder (fewer parameters) of the sweep is as accurate at this δ. */
  front: boolean;
}

/** Mean and spread of one number over seeds: sd is the sample standard deviation (n − 1 in the denominator). */
export interface SeedSpread {
  mean: number;
  sd: number;
  min: number;
  max: number;
}

/** How far the seeds of one decoder (δ, l) disagree (seed-spread.ts). */
export interface DeltaSeeds {
  /**
   * What was seeded: the decoder (absent: --decoder-seeds), or the model, when the signatures of several seeds of a
   * model were combined (memsig compare or diff of a group a1.json,a2.json,…).
   */
  of?: 'model';
  /** The seeds combined, in order; the first is the one a single-seed run uses. */
  seeds: number[];
  /** Eval accuracy per seed (seed order), and its spread. */
  accuracy: number[];
  accuracySpread: SeedSpread;
  /** Information recovered (bits) per seed, and its spread. */
  informationBits: number[];
  informationBitsSpread: SeedSpread;
  /** Per symbol (alphabet order): the sample sd, lowest and highest of its recall over seeds; null where none occur. */
  recallSd: (number | null)[];
  recallMin: (number | null)[];
  recallMax: (number | null)[];
  /** The keep probability each seed's sweep chose. */
  keepProbs: number[];
}

/**
 * What the text alone explains at this δ: the best guess of the symbol at t−δ from the symbols read after it up to
 * t, by a Kneser–Ney count model of the reversed train text, on the decoder's eval positions; and the decoder against
 * it, paired on those positions (its excess recall is accuracy − textBaseline.accuracy).
 */
export interface DeltaTextBaseline {
  /** n of the count model: it reads at most n − 1 symbols after the target. */
  order: number;
  /** Symbols of context read at this δ: min(δ, order − 1), those nearest the target. */
  context: number;
  accuracy: number;
  /** 95% Wilson interval of accuracy. */
  accuracyInterval: Interval;
  /** Per symbol (alphabet order): the baseline's recall on the positions whose symbol at t−δ is s (null: none). */
  recall: (number | null)[];
  /** The count model's cross-entropy on those positions, bits per symbol. */
  crossEntropyBits: number;
  /** Eval positions the decoder names right and the baseline does not, and the reverse. */
  decoderOnly: number;
  baselineOnly: number;
  /** One-sided exact sign test (McNemar) of decoder > baseline: P[X ≥ decoderOnly], X ~ Bin(discordant, 1/2). */
  excessPValue: number;
  /** 95% interval of the paired excess accuracy (decoderOnly − baselineOnly) / positions, in [−1, 1]. */
  excessInterval: Interval;
}

/** Version 2: a decoder's learning curves and the verdict drawn from them (convergence.ts). */
export interface DeltaConvergence {
  converged: boolean;
  dataGain: number | null;
  epochGain: number | null;
  curve: LearningCurve;
}

/** Where a speech model's analysed layer sits: its input features, the listener (encoder) or the speller (decoder). */
export type LayerRole = 'features' | 'encoder' | 'decoder';

/** Which half of a bidirectional layer's state the decoders read. */
export type StateDirection = 'forward' | 'backward' | 'both';

/** How frames were given the grapheme being spoken (alignment.ts, alignment-attention.ts). */
export type AlignmentMethod = 'synth' | 'attention';

/**
 * Version 2, speech models: what a layer's positions are and how they were labelled. Positions are frames of the
 * layer's own time axis (features, listener) or speller steps (decoder).
 */
export interface LayerSpeech {
  role: LayerRole;
  /** A short human label, e.g. "listener layer 1" or "speller query". */
  label: string;
  /** What the decoders read: 'c' or 'h' (LSTM state), 'query' or 'context' (speller), or 'features'. */
  reads: string;
  /** The half of a bidirectional listener layer read, or null where there is one direction only. */
  direction: StateDirection | null;
  /** Seconds between consecutive frames (10 ms × stacking × 2 per pyramid layer), or null for speller steps. */
  frameSeconds: number | null;
  /** How frames got their graphemes, or null where positions need none (speller steps, audio units). */
  alignment: AlignmentMethod | null;
  /** Feature frames stacked on either side of the centre frame (the features control), or null. */
  window: number | null;
}

/**
 * Version 2: what the decoders name when it is not the input symbol itself (speech models; language models with
 * --target bigram). Graphemes keep the model
 * alphabet; bigrams and audio units get one stand-in character per class in `alphabet`, named here.
 */
export interface SignatureTarget {
  kind: 'grapheme' | 'bigram' | 'audio-unit';
  /** The name of each class, in alphabet order (e.g. "th", "e ", "other"; "u17"). */
  classes: string[];
}

export interface LayerSignature {
  /** 1-based, as in the paper (layer 1 is closest to the input). */
  layer: number;
  stateSize: number;
  /** Version 2, speech models only (see LayerSpeech). */
  speech?: LayerSpeech;
  decoder: {
    /** Hidden layer sizes used. */
    hidden: number[];
    /** Trainable parameters of one decoder. */
    parameters: number;
    /** How the size was chosen: 'paper-rule' (≥ the layer's kernel + input-projection parameters) or 'given'. */
    rule: 'paper-rule' | 'given';
  };
  /**
   * Version 2, speech models only: δ = 0, the symbol being spoken (listener frames) or spelled (speller steps) at the
   * position, measured as every δ is. Kept apart from deltas, which stay δ = 1..maxDelta.
   */
  current?: DeltaSignature;
  deltas: DeltaSignature[];
  /** --capacity-sweep: the decoder sizes trained, by parameter count (the layer's own decoder among them). */
  capacity?: CapacityProbe[];
}

export interface Signature {
  format: typeof SIGNATURE_FORMAT;
  /** 1 or 2 (see SIGNATURE_VERSIONS_READ). */
  version: number;
  /** memsig version that wrote it. */
  generator: string;
  model: SignatureModel;
  corpus: SignatureCorpus;
  alphabet: string[];
  /** Version 2 (see SignatureTarget): speech models, and language models read for bigrams. */
  target?: SignatureTarget;
  state: StateKind;
  maxDelta: number;
  settings: DecoderSettings;
  forward: ForwardAccuracy | null;
  layers: LayerSignature[];
}
