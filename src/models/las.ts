// Listen-Attend-Spell (Chan et al. 2015) with an optional joint CTC loss on the listener (Kim et al. 2017):
//   listener: [frame stacking] → bidirectional LSTM layers, the top pyramidLayers of them reading pairs of frames;
//   speller:  LSTM layers over [embedding(previous grapheme); previous context] whose top output is the query q_i;
//   attention: MLP content attention (optionally location-aware) over the listener frames → context c_i;
//   output:   logits = out(tanh(hidden([q_i; c_i]))).
// Teacher-forced training loss (1 − λ)·label-smoothed cross-entropy + λ·CTC, with backward, and a greedy decoder.
// Parameters carry the names of scripts/las_reference.py's module (las-config.ts), so its state_dict loads as it is.

import { tanh32 } from '../core/activations.js';
import { type AttentionParams, MlpAttention } from '../core/attention.js';
import { BidirectionalLstm, type BidirectionalParams } from '../core/bidirectional-lstm.js';
import { ctcLoss } from '../core/ctc.js';
import { embeddingBackward } from '../core/embedding.js';
import type { Gemm } from '../core/gemm.js';
import { smoothedCrossEntropy } from '../core/label-smoothing.js';
import { linearBackward, linearForward } from '../core/linear.js';
import { LstmStepper } from '../core/lstm-stepper.js';
import type { Param } from '../core/optim.js';
import { concatFrames, concatFramesBackward, reduceLengths } from '../core/pyramid.js';
import type { Rng } from '../core/random.js';
import { ensureCapacity, type RecurrentParams } from '../core/recurrent.js';
import {
  CTC_BLANK,
  checkLasConfig,
  EOS,
  graphemeCount,
  isPyramid,
  type LasConfig,
  lasParamShapes,
  listenerInputSize,
  SOS,
  SYMBOL_OFFSET,
} from './las-config.js';
import type { Tensor } from './stacked-lm.js';

export type { LasConfig } from './las-config.js';
export { defaultLasConfig, lasParamShapes } from './las-config.js';

/** A batch of B utterances. */
export interface LasBatch {
  /**
   * (T, B, features) log-mel frames, time-major; what lies beyond an utterance's length is never read. Read again by
   * backward(): keep it unchanged until then.
   */
  features: Float32Array;
  T: number;
  B: number;
  /** (B) frames of each utterance. */
  frames: Int32Array;
  /** Per utterance its transcript as alphabet ids in [0, alphabet). */
  transcripts: readonly Int32Array[];
  /**
   * Optional, per utterance the graphemes fed to the speller after <sos> (alphabet ids, as long as its transcript):
   * scheduled sampling feeds some of the model's own predictions instead of the transcript. Absent: the transcript
   * (teacher forcing). The targets are the transcript either way.
   */
  inputs?: readonly Int32Array[];
}

/**
 * Options of Las.forward. normalizers: the whole batch's target tokens (Σ transcript length + 1) and utterances,
 * when this batch is one shard of it (data-parallel training). The losses and their gradients are then this shard's
 * shares of the whole batch's: the cross-entropy sums over the shard's tokens divided by `tokens`, CTC sums each
 * utterance's loss / target length divided by `utterances`, so that the shards' losses and gradients add up to the
 * whole batch's. Absent: the batch is the whole batch.
 */
export interface LasForwardOptions {
  normalizers?: { tokens: number; utterances: number };
}

/** Options of Las.backward. */
export interface LasBackwardOptions {
  /**
   * (L, B, U) the gradient of a further loss on the attention weights of the last forward (e.g. guided attention),
   * added to the model's own; it must already carry that loss's scale.
   */
  weightGrads?: Float32Array;
}

export interface LasOutput {
  /** λ·CTC + (1 − λ)·attention cross-entropy. */
  loss: number;
  /** Label-smoothed cross-entropy of the speller, averaged over the real target tokens (<eos> included). */
  attentionLoss: number;
  /** CTC loss ('mean' reduction: per utterance over its target length, then over the batch), or null without CTC. */
  ctcLoss: number | null;
  /** Speller steps L (the longest transcript + <eos>) and listener frames U attended over. */
  steps: number;
  frames: number;
  /** (L, B, V) speller logits; V = alphabet + 2 (<sos> 0, <eos> 1, symbol s at s + 2). */
  logits: Float32Array;
  /** (L, B, U) attention weights, zero beyond each utterance's frames. */
  weights: Float32Array;
  /** (L, B) speller targets, −1 beyond each transcript's <eos>. */
  targets: Int32Array;
}

/** One listener layer's states on its own time axis: T frames, each utterance's own length, zero beyond it. */
export interface ListenerLayerStates {
  T: number;
  lengths: Int32Array;
  /** (T, B, 2H) [h_fwd; h_bwd] and [c_fwd; c_bwd]. */
  h: Float32Array;
  c: Float32Array;
}

/** The speller's LSTM states at every step of the last forward: h and c, (L, B, Hs) each. */
export interface SpellerLayerStates {
  h: Float32Array;
  c: Float32Array;
}

export class Las {
  readonly config: LasConfig;
  readonly params: Map<string, Tensor>;
  readonly grads: Map<string, Float32Array>;
  private readonly listener: BidirectionalLstm[];
  private readonly listenerParams: BidirectionalParams[];
  private readonly listenerGrads: BidirectionalParams[];
  private readonly spellers: LstmStepper[];
  private readonly spellerParams: RecurrentParams[];
  private readonly spellerGrads: RecurrentParams[];
  private readonly attention: MlpAttention;
  private readonly attentionParams: AttentionParams;
  private readonly attentionGrads: AttentionParams;
  // Listener workspaces: per layer its input (stacked or pyramid frames) and time axis.
  private B = 0;
  private readonly layerInputs: Float32Array[];
  private readonly layerX: Float32Array[];
  private readonly layerT: number[];
  private readonly layerLengths: Int32Array[];
  private stacked: Float32Array = new Float32Array(0); // (T/stack, B, stack·F)
  private dEnc: Float32Array = new Float32Array(0); // (U, B, 2H)
  private dPing: Float32Array = new Float32Array(0);
  private dPong: Float32Array = new Float32Array(0);
  // Speller workspaces.
  private L = 0;
  private inputIds: Int32Array = new Int32Array(0); // (L, B) the graphemes fed in
  private targets: Int32Array = new Int32Array(0); // (L, B)
  private qc: Float32Array = new Float32Array(0); // (L, B, Hs + 2H) [q_i; c_i]
  private hiddenAct: Float32Array = new Float32Array(0); // (L, B, M) tanh(hidden([q; c]))
  private logits: Float32Array = new Float32Array(0); // (L, B, V)
  private dLogits: Float32Array = new Float32Array(0); // (L, B, V)
  private dHidden: Float32Array = new Float32Array(0); // (L, B, M)
  private dQc: Float32Array = new Float32Array(0); // (L, B, Hs + 2H)
  private dEmb: Float32Array = new Float32Array(0); // (L, B, E)
  private dx: Float32Array = new Float32Array(0); // (B, max(E + 2H, Hs)) a speller layer's input gradient
  private dh: Float32Array = new Float32Array(0); // (B, Hs) gradient into the top speller layer's h_i
  private dContext: Float32Array = new Float32Array(0); // (B, 2H) gradient into c_i: step i + 1's input share + the MLP's
  private dQuery: Float32Array = new Float32Array(0); // (B, Hs) attention's share of dq_i
  // CTC.
  private ctcLogits: Float32Array = new Float32Array(0); // (U, B, alphabet + 1)
  private dCtc: Float32Array = new Float32Array(0);
  private hasForward = false;

  /** `params` supplies the weights (e.g. a PyTorch state_dict); by default they are allocated zeroed. */
  constructor(config: LasConfig, params?: Map<string, Tensor>) {
    checkLasConfig(config);
    this.config = structuredClone(config);
    const c = this.config;
    this.params = new Map();
    this.grads = new Map();
    for (const [name, shape] of lasParamShapes(c)) {
      const size = shape.reduce((a, b) => a * b, 1);
      const given = params?.get(name);
      if (params && !given) throw new Error(`Las: missing parameter ${name}`);
      if (given && given.data.length !== size) throw new Error(`Las: parameter ${name} has the wrong size`);
      this.params.set(name, { shape, data: given ? given.data : new Float32Array(size) });
      this.grads.set(name, new Float32Array(size));
    }
    const H = c.listenerUnits;
    const of = (buffers: Map<string, Float32Array>, name: string) => buffers.get(name) ?? null;
    const values = new Map([...this.params].map(([n, t]) => [n, t.data]));
    const lstm = (buffers: Map<string, Float32Array>, prefix: string, suffix: string): RecurrentParams => ({
      wIh: of(buffers, `${prefix}.weight_ih_${suffix}`)!,
      wHh: of(buffers, `${prefix}.weight_hh_${suffix}`)!,
      bIh: of(buffers, `${prefix}.bias_ih_${suffix}`)!,
      bHh: of(buffers, `${prefix}.bias_hh_${suffix}`)!,
    });
    const bidirectional = (buffers: Map<string, Float32Array>, k: number): BidirectionalParams => ({
      forward: lstm(buffers, `listener.layers.${k}`, 'l0'),
      backward: lstm(buffers, `listener.layers.${k}`, 'l0_reverse'),
    });
    const attention = (buffers: Map<string, Float32Array>): AttentionParams => ({
      W: of(buffers, 'attention.W.weight')!,
      b: of(buffers, 'attention.W.bias')!,
      V: of(buffers, 'attention.V.weight')!,
      w: of(buffers, 'attention.w.weight')!,
      conv: of(buffers, 'attention.conv.weight'),
      U: of(buffers, 'attention.U.weight'),
    });
    this.listener = [];
    this.listenerParams = [];
    this.listenerGrads = [];
    for (let k = 0; k < c.listenerLayers; k++) {
      this.listener.push(new BidirectionalLstm(listenerInputSize(c, k), H));
      this.listenerParams.push(bidirectional(values, k));
      this.listenerGrads.push(bidirectional(this.grads, k));
    }
    this.layerInputs = Array.from({ length: c.listenerLayers }, () => new Float32Array(0));
    this.layerX = Array.from({ length: c.listenerLayers }, () => new Float32Array(0));
    this.layerT = new Array(c.listenerLayers).fill(0);
    this.layerLengths = Array.from({ length: c.listenerLayers }, () => new Int32Array(0));
    this.spellers = [];
    this.spellerParams = [];
    this.spellerGrads = [];
    for (let j = 0; j < c.spellerLayers; j++) {
      this.spellers.push(new LstmStepper(j === 0 ? c.embed + 2 * H : c.spellerUnits, c.spellerUnits));
      this.spellerParams.push(lstm(values, 'speller.rnn', `l${j}`));
      this.spellerGrads.push(lstm(this.grads, 'speller.rnn', `l${j}`));
    }
    this.attention = new MlpAttention(2 * H, c.spellerUnits, c.attention, c.location);
    this.attentionParams = attention(values);
    this.attentionGrads = attention(this.grads);
  }

  /**
   * PyTorch's default initialization of each module: LSTM tensors U(±1/√units), nn.Linear weight and bias
   * U(±1/√fan_in), nn.Conv1d U(±1/√kernel), nn.Embedding N(0, 1).
   */
  initialize(rng: Rng): void {
    const c = this.config;
    const D = 2 * c.listenerUnits;
    const bounds: [RegExp, number][] = [
      [/^listener\./, 1 / Math.sqrt(c.listenerUnits)],
      [/^speller\.rnn\./, 1 / Math.sqrt(c.spellerUnits)],
      [/^speller\.hidden\./, 1 / Math.sqrt(c.spellerUnits + D)],
      [/^speller\.out\./, 1 / Math.sqrt(c.outputHidden)],
      [/^attention\.W\./, 1 / Math.sqrt(D)],
      [/^attention\.V\./, 1 / Math.sqrt(c.spellerUnits)],
      [/^attention\.w\./, 1 / Math.sqrt(c.attention)],
      [/^attention\.conv\./, 1 / Math.sqrt(c.location?.kernel ?? 1)],
      [/^attention\.U\./, 1 / Math.sqrt(c.location?.filters ?? 1)],
      [/^ctc\./, 1 / Math.sqrt(D)],
    ];
    for (const [name, t] of this.params) {
      const d = t.data;
      if (name === 'speller.embed.weight') {
        for (let i = 0; i < d.length; i++) d[i] = rng.normal();
        continue;
      }
      const bound = bounds.find(([re]) => re.test(name))![1];
      for (let i = 0; i < d.length; i++) d[i] = rng.uniform(-bound, bound);
    }
  }

  /** Trainable parameters with their gradient buffers, in a fixed order. */
  trainable(): Param[] {
    return [...this.params].map(([name, t]) => ({ name, data: t.data, grad: this.grads.get(name)! }));
  }

  zeroGrads(): void {
    for (const g of this.grads.values()) g.fill(0);
  }

  /**
   * Runs the listener over features (T, B, F) with per-utterance frame counts; returns every layer's states (views
   * valid until the next forward or encode). The last layer's h is what the speller attends over.
   */
  encode(gemm: Gemm, features: Float32Array, T: number, B: number, frames: Int32Array): ListenerLayerStates[] {
    this.listen(gemm, features, T, B, frames);
    return this.listenerStates();
  }

  /** The listener states of the last forward, encode or greedyDecode. */
  listenerStates(): ListenerLayerStates[] {
    return this.listener.map((layer, k) => ({
      T: this.layerT[k]!,
      lengths: this.layerLengths[k]!,
      h: layer.outputs(),
      c: layer.memory(),
    }));
  }

  /** The queries q_i of every step of the last forward or greedyDecode, (L, B, Hs). */
  queries(): Float32Array {
    return this.spellers[this.spellers.length - 1]!.outputs();
  }

  /** Every speller layer's h and c at every step of the last forward or greedyDecode, (L, B, Hs) each. */
  spellerStates(): SpellerLayerStates[] {
    return this.spellers.map((s) => ({ h: s.outputs(), c: s.memory() }));
  }

  /** Teacher-forced forward of a batch: the loss and what it came from. Keeps what backward() needs. */
  forward(gemm: Gemm, batch: LasBatch, options: LasForwardOptions = {}): LasOutput {
    const c = this.config;
    const { B } = batch;
    if (batch.transcripts.length !== B)
      throw new RangeError(`Las.forward: ${batch.transcripts.length} transcripts, B = ${B}`);
    const V = graphemeCount(c);
    const enc = this.listen(gemm, batch.features, batch.T, B, batch.frames);
    const top = c.listenerLayers - 1;
    const U = this.layerT[top]!;
    const encLengths = this.layerLengths[top]!;
    // Step i reads grapheme i − 1 (<sos> first) and predicts grapheme i, then <eos>; padding steps predict nothing.
    let L = 0;
    for (const t of batch.transcripts) L = Math.max(L, t.length + 1);
    this.L = L;
    this.inputIds = ensureCapacity32(this.inputIds, L * B);
    this.targets = ensureCapacity32(this.targets, L * B);
    if (batch.inputs && batch.inputs.length !== B) {
      throw new RangeError(`Las.forward: ${batch.inputs.length} input sequences, B = ${B}`);
    }
    for (let b = 0; b < B; b++) {
      const t = batch.transcripts[b]!;
      const fed = batch.inputs?.[b] ?? t;
      if (fed.length !== t.length) {
        throw new RangeError(`Las.forward: utterance ${b} feeds ${fed.length} graphemes for ${t.length} targets`);
      }
      for (const seq of fed === t ? [t] : [t, fed]) {
        for (const s of seq) {
          if (!(Number.isInteger(s) && s >= 0 && s < c.alphabet)) {
            throw new RangeError(`Las.forward: grapheme ${s} of utterance ${b} outside [0, ${c.alphabet})`);
          }
        }
      }
      for (let i = 0; i < L; i++) {
        this.inputIds[i * B + b] = i === 0 ? SOS : i <= t.length ? fed[i - 1]! + SYMBOL_OFFSET : EOS;
        this.targets[i * B + b] = i < t.length ? t[i]! + SYMBOL_OFFSET : i === t.length ? EOS : -1;
      }
    }
    this.beginSpelling(gemm, enc, U, B, encLengths, L);
    for (let i = 0; i < L; i++) this.spellStep(gemm, i, this.inputIds.subarray(i * B, (i + 1) * B));
    const rows = L * B;
    const logits = this.outputLayer(gemm, 0, rows);
    this.dLogits = ensureCapacity(this.dLogits, rows * V);
    const targets = this.targets.subarray(0, rows);
    const lambda = c.ctcWeight;
    const whole = options.normalizers;
    let tokens = 0;
    for (const t of batch.transcripts) tokens += t.length + 1;
    // A shard's share: its mean over its own tokens and utterances, reweighted by its part of the whole batch's.
    const tokenShare = whole ? tokens / whole.tokens : 1;
    const utteranceShare = whole ? B / whole.utterances : 1;
    const ce = smoothedCrossEntropy(
      logits,
      targets,
      rows,
      V,
      c.labelSmoothing,
      this.dLogits,
      (1 - lambda) * tokenShare,
    );
    const attentionLoss = ce.loss * tokenShare;
    let ctc: number | null = null;
    if (lambda > 0) {
      const C = c.alphabet + 1;
      const D = 2 * c.listenerUnits;
      this.ctcLogits = ensureCapacity(this.ctcLogits, U * B * C);
      this.dCtc = ensureCapacity(this.dCtc, U * B * C);
      const w = this.params.get('ctc.weight')!.data;
      linearForward(gemm, enc, w, this.params.get('ctc.bias')!.data, this.ctcLogits, U * B, D, C);
      const labels = batch.transcripts.map((t) => t.map((s) => s + 1));
      // zero_infinity: an utterance too short for its transcript after the pyramid must not make the loss Infinity.
      const ctcOptions = { blank: CTC_BLANK, reduction: 'mean', zeroInfinity: true } as const;
      ctc = ctcLoss(this.ctcLogits, U, B, C, encLengths, labels, this.dCtc, ctcOptions).loss * utteranceShare;
      const n = U * B * C;
      const scale = lambda * utteranceShare;
      for (let i = 0; i < n; i++) this.dCtc[i] *= scale;
    }
    this.hasForward = true;
    return {
      loss: (1 - lambda) * attentionLoss + lambda * (ctc ?? 0),
      attentionLoss,
      ctcLoss: ctc,
      steps: L,
      frames: U,
      logits,
      weights: this.attention.weights(),
      targets,
    };
  }

  /**
   * Backpropagates the loss of the last forward(), accumulating every parameter's gradient into grads; with
   * options.weightGrads, a further loss on the attention weights too.
   */
  backward(gemm: Gemm, options: LasBackwardOptions = {}): void {
    if (!this.hasForward) throw new Error('Las.backward: no forward to backpropagate');
    this.hasForward = false;
    const c = this.config;
    const { B, L } = this;
    const H = c.listenerUnits;
    const D = 2 * H;
    const Hs = c.spellerUnits;
    const E = c.embed;
    const M = c.outputHidden;
    const V = graphemeCount(c);
    const rows = L * B;
    const QC = Hs + D;
    const top = c.listenerLayers - 1;
    const U = this.layerT[top]!;
    const enc = this.listener[top]!.outputs();

    // Output MLP over all steps at once.
    this.dHidden = ensureCapacity(this.dHidden, rows * M);
    this.dQc = ensureCapacity(this.dQc, rows * QC);
    const dHidden = this.dHidden.subarray(0, rows * M);
    const g = this.grads;
    const p = (name: string) => this.params.get(name)!.data;
    linearBackward(
      gemm,
      this.hiddenAct,
      p('speller.out.weight'),
      this.dLogits,
      dHidden,
      g.get('speller.out.weight')!,
      g.get('speller.out.bias')!,
      rows,
      M,
      V,
    );
    for (let i = 0; i < rows * M; i++) {
      const a = this.hiddenAct[i]!;
      dHidden[i] *= 1 - a * a;
    }
    linearBackward(
      gemm,
      this.qc,
      p('speller.hidden.weight'),
      dHidden,
      this.dQc,
      g.get('speller.hidden.weight')!,
      g.get('speller.hidden.bias')!,
      rows,
      QC,
      M,
    );

    // The frames' gradient: CTC's share first (overwriting), then attention adds its own.
    this.dEnc = ensureCapacity(this.dEnc, U * B * D);
    const dEnc = this.dEnc.subarray(0, U * B * D);
    if (c.ctcWeight > 0) {
      linearBackward(
        gemm,
        enc,
        p('ctc.weight'),
        this.dCtc,
        dEnc,
        g.get('ctc.weight')!,
        g.get('ctc.bias')!,
        U * B,
        D,
        c.alphabet + 1,
      );
    } else dEnc.fill(0);

    // The speller and attention, step by step from the last: c_i feeds step i + 1's input.
    const S = this.spellers.length;
    this.dEmb = ensureCapacity(this.dEmb, rows * E);
    this.dx = ensureCapacity(this.dx, B * Math.max(E + D, Hs));
    this.dh = ensureCapacity(this.dh, B * Hs);
    this.dContext = ensureCapacity(this.dContext, B * D);
    this.dQuery = ensureCapacity(this.dQuery, B * Hs);
    const { dQc, dx, dh, dContext, dQuery, dEmb } = this;
    dContext.fill(0, 0, B * D);
    const weightGrads = options.weightGrads ?? null;
    if (weightGrads && weightGrads.length < L * B * U) {
      throw new RangeError(`Las.backward: weightGrads holds ${weightGrads.length}, needs (L, B, U) = ${L * B * U}`);
    }
    this.attention.beginBackward(dEnc, weightGrads);
    for (let j = 0; j < S; j++) this.spellers[j]!.beginBackward(this.spellerParams[j]!);
    for (let i = L - 1; i >= 0; i--) {
      for (let b = 0; b < B; b++) {
        const r = (i * B + b) * QC;
        for (let d = 0; d < D; d++) dContext[b * D + d] += dQc[r + Hs + d]!;
      }
      this.attention.backwardStep(gemm, this.attentionParams, this.attentionGrads, dContext, dQuery);
      for (let b = 0; b < B; b++) {
        const r = (i * B + b) * QC;
        for (let k = 0; k < Hs; k++) dh[b * Hs + k] = dQc[r + k]! + dQuery[b * Hs + k]!;
      }
      for (let j = S - 1; j >= 0; j--) {
        const I = this.spellers[j]!.inputSize;
        this.spellers[j]!.backwardStep(gemm, this.spellerParams[j]!, dh, dx.subarray(0, B * I));
        if (j > 0) dh.set(dx.subarray(0, B * Hs));
      }
      // Layer 0's input was [embedding; c_{i−1}].
      for (let b = 0; b < B; b++) {
        const r = b * (E + D);
        dEmb.set(dx.subarray(r, r + E), (i * B + b) * E);
        dContext.set(dx.subarray(r + E, r + E + D), b * D);
      }
    }
    for (let j = 0; j < S; j++) this.spellers[j]!.finishBackward(gemm, this.spellerParams[j]!, this.spellerGrads[j]!);
    this.attention.finishBackward(gemm, this.attentionParams, this.attentionGrads);
    embeddingBackward(dEmb.subarray(0, rows * E), this.inputIds.subarray(0, rows), g.get('speller.embed.weight')!, E);
    this.backwardListener(gemm, dEnc);
  }

  /**
   * Greedy decoding: per utterance the alphabet ids of the most likely grapheme at each step, fed back as the next
   * input, until <eos> or maxLen graphemes. <sos> is never predicted.
   */
  greedyDecode(
    gemm: Gemm,
    features: Float32Array,
    T: number,
    B: number,
    frames: Int32Array,
    maxLen: number,
  ): Int32Array[] {
    const c = this.config;
    const V = graphemeCount(c);
    const enc = this.listen(gemm, features, T, B, frames);
    const top = c.listenerLayers - 1;
    const steps = maxLen + 1; // maxLen graphemes, then room for <eos>
    this.beginSpelling(gemm, enc, this.layerT[top]!, B, this.layerLengths[top]!, steps);
    const ids = new Int32Array(B).fill(SOS);
    const out: number[][] = Array.from({ length: B }, () => []);
    const done = new Array<boolean>(B).fill(false);
    for (let i = 0; i < steps && done.includes(false); i++) {
      this.spellStep(gemm, i, ids);
      const logits = this.outputLayer(gemm, i * B, B);
      for (let b = 0; b < B; b++) {
        let best = EOS;
        for (let v = EOS + 1; v < V; v++) if (logits[b * V + v]! > logits[b * V + best]!) best = v;
        ids[b] = best;
        if (done[b]) continue;
        if (best === EOS || out[b]!.length === maxLen) done[b] = true;
        else out[b]!.push(best - SYMBOL_OFFSET);
      }
    }
    return out.map((s) => Int32Array.from(s));
  }

  /** Runs the listener; returns the top layer's frames (U, B, 2H). */
  private listen(gemm: Gemm, features: Float32Array, T: number, B: number, frames: Int32Array): Float32Array {
    const c = this.config;
    const F = c.features;
    if (features.length < T * B * F) throw new RangeError(`Las: features hold ${features.length}, need ${T * B * F}`);
    if (frames.length !== B) throw new RangeError(`Las: ${frames.length} frame counts for B = ${B}`);
    for (let b = 0; b < B; b++) {
      if (!(frames[b]! >= 0 && frames[b]! <= T))
        throw new RangeError(`Las: utterance ${b} has ${frames[b]} frames, T = ${T}`);
    }
    this.B = B;
    this.hasForward = false; // what a forward kept for backward is overwritten from here
    let x = features.subarray(0, T * B * F);
    let width = F;
    let Tk = T;
    let lengths: Int32Array = Int32Array.from(frames);
    if (c.stack > 1) {
      this.stacked = ensureCapacity(this.stacked, T * B * F);
      Tk = concatFrames(x, T, B, F, c.stack, this.stacked);
      width = c.stack * F;
      x = this.stacked.subarray(0, Tk * B * width);
      lengths = reduceLengths(lengths, c.stack);
    }
    for (let k = 0; k < c.listenerLayers; k++) {
      if (isPyramid(c, k)) {
        this.layerInputs[k] = ensureCapacity(this.layerInputs[k]!, Tk * B * width);
        Tk = concatFrames(x, Tk, B, width, 2, this.layerInputs[k]!);
        width *= 2;
        x = this.layerInputs[k]!.subarray(0, Tk * B * width);
        lengths = reduceLengths(lengths, 2);
      }
      this.layerX[k] = x;
      this.layerT[k] = Tk;
      this.layerLengths[k] = lengths;
      x = this.listener[k]!.forward(gemm, this.listenerParams[k]!, x, Tk, B, lengths);
      width = 2 * c.listenerUnits;
    }
    for (let b = 0; b < B; b++) {
      if (lengths[b]! < 1) {
        throw new RangeError(
          `Las: utterance ${b} (${frames[b]} frames) is too short for the listener's time reduction`,
        );
      }
    }
    return x;
  }

  /** Backpropagates dEnc (U, B, 2H) through the listener layers (the features get no gradient). */
  private backwardListener(gemm: Gemm, dEnc: Float32Array): void {
    const c = this.config;
    const B = this.B;
    const D = 2 * c.listenerUnits;
    let most = 0;
    for (let k = 0; k < c.listenerLayers; k++) most = Math.max(most, this.layerX[k]!.length, this.layerT[k]! * B * D);
    this.dPing = ensureCapacity(this.dPing, most);
    this.dPong = ensureCapacity(this.dPong, most);
    let dOut = dEnc;
    const other = (a: Float32Array) => (a.buffer === this.dPing.buffer ? this.dPong : this.dPing);
    for (let k = c.listenerLayers - 1; k >= 0; k--) {
      const dX = k > 0 ? other(dOut).subarray(0, this.layerX[k]!.length) : null;
      this.listener[k]!.backward(gemm, this.listenerParams[k]!, this.listenerGrads[k]!, dOut, dX);
      if (!dX) break;
      if (isPyramid(c, k)) {
        const below = this.layerT[k - 1]!;
        const dBelow = other(dX).subarray(0, below * B * D);
        concatFramesBackward(dX, below, B, D, 2, dBelow);
        dOut = dBelow;
      } else dOut = dX;
    }
  }

  /** Starts the speller and attention for `steps` steps over the frames enc (U, B, 2H). */
  private beginSpelling(gemm: Gemm, enc: Float32Array, U: number, B: number, lengths: Int32Array, steps: number) {
    const c = this.config;
    const QC = c.spellerUnits + 2 * c.listenerUnits;
    this.attention.begin(gemm, this.attentionParams, enc, U, B, lengths, steps);
    for (let j = 0; j < this.spellers.length; j++) this.spellers[j]!.begin(this.spellerParams[j]!, B, steps);
    this.qc = ensureCapacity(this.qc, steps * B * QC);
  }

  /** Speller step i with the graphemes ids (B) as input: writes [q_i; c_i] into row block i of qc. */
  private spellStep(gemm: Gemm, i: number, ids: Int32Array): void {
    const c = this.config;
    const B = this.B;
    const E = c.embed;
    const D = 2 * c.listenerUnits;
    const Hs = c.spellerUnits;
    const QC = Hs + D;
    const embed = this.params.get('speller.embed.weight')!.data;
    const x0 = this.spellers[0]!.input(i);
    const previous = i === 0 ? null : this.attention.contextsOf().subarray((i - 1) * B * D, i * B * D);
    for (let b = 0; b < B; b++) {
      const id = ids[b]!;
      x0.set(embed.subarray(id * E, (id + 1) * E), b * (E + D));
      if (previous) x0.set(previous.subarray(b * D, (b + 1) * D), b * (E + D) + E);
      else x0.fill(0, b * (E + D) + E, (b + 1) * (E + D));
    }
    let h = this.spellers[0]!.step(gemm, this.spellerParams[0]!);
    for (let j = 1; j < this.spellers.length; j++) {
      this.spellers[j]!.input(i).set(h);
      h = this.spellers[j]!.step(gemm, this.spellerParams[j]!);
    }
    const { context } = this.attention.step(gemm, this.attentionParams, h);
    for (let b = 0; b < B; b++) {
      const r = (i * B + b) * QC;
      this.qc.set(h.subarray(b * Hs, (b + 1) * Hs), r);
      this.qc.set(context.subarray(b * D, (b + 1) * D), r + Hs);
    }
  }

  /** The output MLP over rows [row0, row0 + rows) of qc: returns their logits (rows, V), a view. */
  private outputLayer(gemm: Gemm, row0: number, rows: number): Float32Array {
    const c = this.config;
    const QC = c.spellerUnits + 2 * c.listenerUnits;
    const M = c.outputHidden;
    const V = graphemeCount(c);
    const end = row0 + rows;
    this.hiddenAct = ensureCapacity(this.hiddenAct, end * M);
    this.logits = ensureCapacity(this.logits, end * V);
    const p = (name: string) => this.params.get(name)!.data;
    const hidden = this.hiddenAct.subarray(row0 * M, end * M);
    const logits = this.logits.subarray(row0 * V, end * V);
    linearForward(
      gemm,
      this.qc.subarray(row0 * QC, end * QC),
      p('speller.hidden.weight'),
      p('speller.hidden.bias'),
      hidden,
      rows,
      QC,
      M,
    );
    for (let i = 0; i < hidden.length; i++) hidden[i] = tanh32(hidden[i]!);
    linearForward(gemm, hidden, p('speller.out.weight'), p('speller.out.bias'), logits, rows, M, V);
    return logits;
  }
}

function ensureCapacity32(buf: Int32Array, n: number): Int32Array {
  return buf.length >= n ? buf : new Int32Array(n);
}
