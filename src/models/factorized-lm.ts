// The character LM with a factorized recurrent kernel (paper §7): embedding → factorized LSTM layers → projection.
// Each layer's kernel is W = W0 + Σ_i λ_i·u_i v_iᵀ with one rank-one basis per bigram of the symbol set (basis a·V + b
// for the bigram "ab", K = V² bases), and λ the normalized bigram frequencies of the text being read.
//
// λ, by default, is the running bigram-frequency vector of the current segment: at step t of a segment whose symbols
// so far are s_0 … s_t, λ_i = (count of bigram i among s_0s_1, …, s_{t−1}s_t) / t, so Σλ = 1 and the first step of a
// segment has λ = 0 (kernel W0). This is causal: the LM never sees bigram statistics of text it has yet to predict
// (a whole-segment λ would leak the future into every prediction and make perplexity meaningless), it needs nothing
// beyond the (inputs, resets) chunks the batchers already give, and at a segment's last symbol it equals the
// whole-segment vector of segmentBigramFrequencies(). The counts are part of the carried state, so chunks of any
// length give the same result. Option: one fixed λ for every position (the corpus vector, corpusBigramFrequencies()).
// Any other λ (e.g. the whole-segment one, as a table of segment rows indexed by each position's segment) can be passed
// to forward() explicitly.

import { embeddingBackward, embeddingForward } from '../core/embedding.js';
import {
  type BasisWeights,
  FactorizedLstmLayer,
  type FactorizedParams,
  type KernelRestriction,
} from '../core/factorized-lstm.js';
import type { Gemm } from '../core/gemm.js';
import { linearBackward, linearForward } from '../core/linear.js';
import type { Param } from '../core/optim.js';
import type { Rng } from '../core/random.js';
import { ensureCapacity, type InputProjection, type LayerState } from '../core/recurrent.js';
import type { EncodedPartition } from '../data/corpus.js';
import type { DropoutSettings, Tensor } from './char-lm.js';
import { DropoutSlots } from './dropout-slots.js';
import { symbolInputProjection } from './symbol-projection.js';

export interface FactorizedLmShape {
  layers: number;
  units: number;
  embed: number;
  vocab: number;
}

/**
 * Every parameter, name → shape, in a fixed order: nn.LSTM's names (weight_hh is the base kernel W0) plus, per layer,
 * basis_u_l{k} (4H, K) and basis_v_l{k} (H, K) with K = vocab², column a·vocab + b holding the bigram "ab".
 */
export function factorizedLmParamShapes(s: FactorizedLmShape): Map<string, number[]> {
  const g = 4 * s.units;
  const K = s.vocab * s.vocab;
  const shapes = new Map<string, number[]>();
  shapes.set('embed.weight', [s.vocab, s.embed]);
  for (let k = 0; k < s.layers; k++) {
    const inputSize = k === 0 ? s.embed : s.units;
    shapes.set(`rnn.weight_ih_l${k}`, [g, inputSize]);
    shapes.set(`rnn.weight_hh_l${k}`, [g, s.units]);
    shapes.set(`rnn.bias_ih_l${k}`, [g]);
    shapes.set(`rnn.bias_hh_l${k}`, [g]);
    shapes.set(`rnn.basis_u_l${k}`, [g, K]);
    shapes.set(`rnn.basis_v_l${k}`, [s.units, K]);
  }
  shapes.set('proj.weight', [s.vocab, s.units]);
  shapes.set('proj.bias', [s.vocab]);
  return shapes;
}

/** The basis of the bigram "ab" (symbol ids a, b) among V symbols. */
export function bigramBasis(a: number, b: number, V: number): number {
  return a * V + b;
}

/** The bigram of basis i as its two symbols, e.g. "th". */
export function bigramOfBasis(i: number, symbols: readonly string[]): string {
  const V = symbols.length;
  return `${symbols[Math.floor(i / V)]}${symbols[i % V]}`;
}

/** A sparse vector of length K: the non-zero entries, indices ascending. */
export interface SparseVector {
  index: Int32Array;
  value: Float32Array;
}

/**
 * Per segment of the partition, its normalized bigram-frequency vector: count of bigram i / (segment length − 1),
 * which sums to 1; a segment of one symbol gives the empty (all-zero) vector.
 */
export function segmentBigramFrequencies(partition: EncodedPartition, V: number): SparseVector[] {
  const { ids, starts } = partition;
  const counts = new Map<number, number>();
  const out: SparseVector[] = [];
  for (let s = 0; s + 1 < starts.length; s++) {
    counts.clear();
    const from = starts[s]!;
    const to = starts[s + 1]!;
    for (let g = from + 1; g < to; g++) {
      const i = bigramBasis(ids[g - 1]!, ids[g]!, V);
      counts.set(i, (counts.get(i) ?? 0) + 1);
    }
    const index = Int32Array.from([...counts.keys()].sort((a, b) => a - b));
    const inv = to - from > 1 ? 1 / (to - from - 1) : 0;
    out.push({ index, value: Float32Array.from(index, (i) => counts.get(i)! * inv) });
  }
  return out;
}

/** The corpus λ: counts of every bigram inside a segment, over all segments, divided by their total (sums to 1). */
export function corpusBigramFrequencies(partition: EncodedPartition, V: number): Float32Array {
  const { ids, starts } = partition;
  const counts = new Float64Array(V * V);
  let total = 0;
  for (let s = 0; s + 1 < starts.length; s++) {
    for (let g = starts[s]! + 1; g < starts[s + 1]!; g++) {
      counts[bigramBasis(ids[g - 1]!, ids[g]!, V)]++;
      total++;
    }
  }
  return Float32Array.from(counts, (c) => (total > 0 ? c / total : 0));
}

/** Sparse vectors as the rows of a dense λ table (rows, K), for BasisWeights with a per-position row index. */
export function lambdaTable(vectors: readonly SparseVector[], K: number): Float32Array {
  const table = new Float32Array(vectors.length * K);
  vectors.forEach((v, r) => {
    for (let j = 0; j < v.index.length; j++) table[r * K + v.index[j]!] = v.value[j]!;
  });
  return table;
}

/** The running bigram counts of B streams' current segments: part of the carried state. */
export interface BigramCounts {
  /** (B, K) count of each bigram in the stream's current segment so far. */
  counts: Uint32Array;
  /** (B, K) the distinct bigrams seen, in order of first appearance (the first `distinct[b]` entries of row b). */
  seen: Int32Array;
  distinct: Int32Array;
  /** (B) the previous symbol in the segment, −1 at a segment start. */
  last: Int32Array;
  /** (B) bigrams read in the segment so far (its length − 1). */
  pairs: Int32Array;
}

export function zeroBigramCounts(B: number, V: number): BigramCounts {
  const K = V * V;
  return {
    counts: new Uint32Array(B * K),
    seen: new Int32Array(B * K),
    distinct: new Int32Array(B),
    last: new Int32Array(B).fill(-1),
    pairs: new Int32Array(B),
  };
}

/**
 * Reads a chunk (ids, resets (T, B), as the batchers give them) into the running counts and writes the λ of every
 * step, out (T·B, K): row t·B + b is the stream's bigram counts so far in its segment / bigrams so far (see the module
 * comment). A reset starts a new segment (counts cleared) before its position is read. `present` (K), when given, gets
 * a 1 for every bigram whose λ is non-zero in some row (it is not cleared first).
 */
export function writeRunningLambda(
  ids: Int32Array,
  resets: Uint8Array | null,
  T: number,
  B: number,
  V: number,
  state: BigramCounts,
  out: Float32Array,
  present?: Uint8Array,
): void {
  const K = V * V;
  if (out.length < T * B * K) throw new RangeError(`writeRunningLambda: out has ${out.length}, needs ${T * B * K}`);
  const { counts, seen, distinct, last, pairs } = state;
  out.fill(0, 0, T * B * K);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const r = t * B + b;
      const id = ids[r]!;
      if (!(id >= 0 && id < V)) throw new RangeError(`writeRunningLambda: id ${id} at ${r} is outside 0..${V - 1}`);
      const c0 = b * K;
      if (resets !== null && resets[r] === 1) {
        for (let j = 0; j < distinct[b]!; j++) counts[c0 + seen[c0 + j]!] = 0;
        distinct[b] = 0;
        last[b] = -1;
        pairs[b] = 0;
      }
      if (last[b]! >= 0) {
        const i = last[b]! * V + id;
        if (counts[c0 + i]++ === 0) {
          seen[c0 + distinct[b]!++] = i;
          if (present) present[i] = 1;
        }
        pairs[b]++;
      }
      last[b] = id;
      if (pairs[b] === 0) continue;
      const inv = 1 / pairs[b]!;
      const o = r * K;
      for (let j = 0; j < distinct[b]!; j++) {
        const i = seen[c0 + j]!;
        out[o + i] = counts[c0 + i]! * inv;
      }
      // Within the chunk a stream's bigrams are marked as they first appear; those carried in are marked at step 0.
      if (present && t === 0) for (let j = 0; j < distinct[b]!; j++) present[seen[c0 + j]!] = 1;
    }
  }
}

/** Where λ comes from: the running bigram frequencies of the current segment (default), or one fixed vector. */
export type LambdaSource = { kind: 'running' } | { kind: 'corpus'; lambda: Float32Array };

/** The carried state: per layer h and c, and the running bigram counts of each stream. */
export interface FactorizedLmState {
  layers: LayerState[];
  bigrams: BigramCounts;
}

export interface FactorizedForwardOptions {
  /** Part of every layer's kernel to use (default full). */
  restrict?: KernelRestriction;
  /** λ for this chunk in place of the model's own source; the running counts in the state are then not advanced. */
  lambda?: BasisWeights;
}

export class FactorizedLm {
  readonly shape: FactorizedLmShape;
  /** K = vocab²: bases per layer. */
  readonly bases: number;
  readonly lambdaSource: LambdaSource;
  readonly params: Map<string, Tensor>;
  readonly grads: Map<string, Float32Array>;
  private readonly layers: FactorizedLstmLayer[];
  private readonly layerParams: FactorizedParams[];
  private readonly layerGrads: FactorizedParams[];
  private T = 0;
  private B = 0;
  private ids: Int32Array = new Int32Array(0);
  private embedded: Float32Array = new Float32Array(0); // (T, B, E)
  private top: Float32Array = new Float32Array(0); // (T, B, H) last layer output after dropout
  private logits: Float32Array = new Float32Array(0); // (T, B, V)
  private lambdaRows: Float32Array = new Float32Array(0); // (T, B, K) running λ of the last forward
  private fixedIndex: Int32Array = new Int32Array(0); // (T·B) zeros: every position reads the corpus λ row
  private readonly present: Uint8Array; // (K) bigrams with a non-zero running λ somewhere in the chunk
  private readonly columns: Int32Array; // (K) their indices, the first n entries
  private lastLambda: BasisWeights | null = null;
  private readonly dropout = new DropoutSlots();
  private symbolTable: Float32Array = new Float32Array(0); // (V, 4H) embed · W_ih0ᵀ
  private dTop: Float32Array = new Float32Array(0);
  private dLayer: Float32Array = new Float32Array(0);

  /** `params` and `grads`, when given, are the buffers to use (as for CharLm); otherwise zeroed ones are allocated. */
  constructor(
    shape: FactorizedLmShape,
    lambdaSource: LambdaSource = { kind: 'running' },
    params?: Map<string, Tensor>,
    grads?: Map<string, Float32Array>,
  ) {
    this.shape = { ...shape };
    this.bases = shape.vocab * shape.vocab;
    if (lambdaSource.kind === 'corpus' && lambdaSource.lambda.length !== this.bases) {
      throw new RangeError(`FactorizedLm: the corpus λ has ${lambdaSource.lambda.length} entries, needs ${this.bases}`);
    }
    this.lambdaSource = lambdaSource;
    this.present = new Uint8Array(this.bases);
    this.columns = new Int32Array(this.bases);
    this.params = new Map();
    this.grads = new Map();
    for (const [name, dims] of factorizedLmParamShapes(shape)) {
      const size = dims.reduce((a, b) => a * b, 1);
      const given = params?.get(name);
      if (params && !given) throw new Error(`FactorizedLm: missing parameter ${name}`);
      if (given && given.data.length !== size) throw new Error(`FactorizedLm: parameter ${name} has the wrong size`);
      this.params.set(name, { shape: dims, data: given ? given.data : new Float32Array(size) });
      const givenGrad = grads?.get(name);
      if (givenGrad && givenGrad.length !== size) throw new Error(`FactorizedLm: gradient ${name} has the wrong size`);
      this.grads.set(name, givenGrad ?? new Float32Array(size));
    }
    this.layers = [];
    this.layerParams = [];
    this.layerGrads = [];
    const values = new Map([...this.params].map(([n, t]) => [n, t.data]));
    for (let k = 0; k < shape.layers; k++) {
      this.layers.push(new FactorizedLstmLayer(k === 0 ? shape.embed : shape.units, shape.units, this.bases));
      const pick = (m: Map<string, Float32Array>): FactorizedParams => ({
        wIh: m.get(`rnn.weight_ih_l${k}`)!,
        wHh: m.get(`rnn.weight_hh_l${k}`)!,
        bIh: m.get(`rnn.bias_ih_l${k}`)!,
        bHh: m.get(`rnn.bias_hh_l${k}`)!,
        basisU: m.get(`rnn.basis_u_l${k}`)!,
        basisV: m.get(`rnn.basis_v_l${k}`)!,
      });
      this.layerParams.push(pick(values));
      this.layerGrads.push(pick(this.grads));
    }
  }

  /**
   * Embedding N(0, 1); everything else U(−1/√H, 1/√H), PyTorch's recurrent default, bases included. Σλ = 1 makes the
   * basis term a convex mixture of rank-one matrices whose entries are O(1/H), against O(1/√H) for W0: the model
   * starts close to a plain LSTM and training grows the bases (Adam scales their small, λ-weighted gradients up).
   */
  initialize(rng: Rng): void {
    const bound = 1 / Math.sqrt(this.shape.units);
    for (const [name, t] of this.params) {
      const d = t.data;
      if (name === 'embed.weight') {
        for (let i = 0; i < d.length; i++) d[i] = rng.normal();
      } else {
        for (let i = 0; i < d.length; i++) d[i] = rng.uniform(-bound, bound);
      }
    }
  }

  /** Trainable parameters with their gradient buffers, in a fixed order. */
  trainable(): Param[] {
    return [...this.params].map(([name, t]) => ({ name, data: t.data, grad: this.grads.get(name)! }));
  }

  zeroGrads(): void {
    for (const g of this.grads.values()) g.fill(0);
  }

  /** A zero state for B parallel streams (every stream at a segment start). */
  zeroState(B: number): FactorizedLmState {
    const n = B * this.shape.units;
    return {
      layers: this.layers.map(() => ({ h: new Float32Array(n), c: new Float32Array(n) })),
      bigrams: zeroBigramCounts(B, this.shape.vocab),
    };
  }

  /**
   * Runs a chunk: ids (T, B) → logits (T, B, V), a view valid until the next forward. The state (h, c and the running
   * bigram counts) carries over from the previous chunk and is updated in place; resets (T, B) start a new segment.
   */
  forward(
    gemm: Gemm,
    ids: Int32Array,
    T: number,
    B: number,
    state: FactorizedLmState,
    resets: Uint8Array | null,
    dropout: DropoutSettings | null,
    options: FactorizedForwardOptions = {},
  ): Float32Array {
    const { embed: E, units: H, vocab: V, layers: L } = this.shape;
    const rows = T * B;
    this.T = T;
    this.B = B;
    this.ids = ids;
    this.embedded = ensureCapacity(this.embedded, rows * E);
    embeddingForward(this.params.get('embed.weight')!.data, ids, this.embedded, E);
    const lambda = options.lambda ?? this.chunkLambda(ids, T, B, state, resets);
    this.lastLambda = lambda;
    const control = { resets, lambda, restrict: options.restrict };
    let x = this.embedded.subarray(0, rows * E);
    for (let k = 0; k < L; k++) {
      x = this.dropout.drop(k, x, rows * (k === 0 ? E : H), dropout);
      const recurrentMask = this.dropout.recurrent(k, B * H, dropout);
      const project = k === 0 && !this.dropout.active(0) ? this.gatherInputProjection(gemm, ids) : undefined;
      x = this.layers[k]!.forward(
        gemm,
        this.layerParams[k]!,
        x,
        T,
        B,
        state.layers[k]!,
        control,
        recurrentMask,
        project,
      );
    }
    x = this.dropout.drop(L, x, rows * H, dropout);
    this.top = x;
    this.logits = ensureCapacity(this.logits, rows * V);
    const logits = this.logits.subarray(0, rows * V);
    const proj = this.params.get('proj.weight')!.data;
    linearForward(gemm, x, proj, this.params.get('proj.bias')!.data, logits, rows, H, V);
    return logits;
  }

  /** Backpropagates dLogits (T, B, V) of the last forward, accumulating into grads (λ is data: no gradient). */
  backward(gemm: Gemm, dLogits: Float32Array): void {
    const { embed: E, units: H, vocab: V, layers: L } = this.shape;
    const rows = this.T * this.B;
    this.dTop = ensureCapacity(this.dTop, rows * Math.max(H, E));
    this.dLayer = ensureCapacity(this.dLayer, rows * Math.max(H, E));
    let dOut = this.dTop.subarray(0, rows * H);
    const proj = this.params.get('proj.weight')!.data;
    linearBackward(
      gemm,
      this.top,
      proj,
      dLogits,
      dOut,
      this.grads.get('proj.weight')!,
      this.grads.get('proj.bias')!,
      rows,
      H,
      V,
    );
    this.dropout.maskGradient(L, dOut);
    for (let k = L - 1; k >= 0; k--) {
      const inSize = k === 0 ? E : H;
      const dIn = (dOut.buffer === this.dTop.buffer ? this.dLayer : this.dTop).subarray(0, rows * inSize);
      this.layers[k]!.backward(gemm, this.layerParams[k]!, this.layerGrads[k]!, dOut, dIn);
      this.dropout.maskGradient(k, dIn);
      dOut = dIn;
    }
    embeddingBackward(dOut, this.ids, this.grads.get('embed.weight')!, E);
  }

  /** c_t of layer k at every step of the last forward, (T, B, H). */
  memory(k: number): Float32Array {
    return this.layers[k]!.memory();
  }

  /** h_t of layer k at every step of the last forward, (T, B, H) (before any output dropout). */
  hidden(k: number): Float32Array {
    return this.layers[k]!.outputs();
  }

  /** The λ of the last forward (a view valid until the next forward). */
  lambda(): BasisWeights | null {
    return this.lastLambda;
  }

  /** Bases layer k used in the last forward (those with a non-zero λ somewhere in the chunk, within the restriction). */
  activeBases(k: number): number {
    return this.layers[k]!.activeBases();
  }

  private chunkLambda(
    ids: Int32Array,
    T: number,
    B: number,
    state: FactorizedLmState,
    resets: Uint8Array | null,
  ): BasisWeights {
    const rows = T * B;
    if (this.lambdaSource.kind === 'corpus') {
      if (this.fixedIndex.length < rows) this.fixedIndex = new Int32Array(rows);
      return { table: this.lambdaSource.lambda, index: this.fixedIndex };
    }
    if (state.bigrams.last.length !== B) {
      throw new RangeError(`FactorizedLm.forward: the state holds ${state.bigrams.last.length} streams, not ${B}`);
    }
    const K = this.bases;
    this.lambdaRows = ensureCapacity(this.lambdaRows, rows * K);
    this.present.fill(0);
    writeRunningLambda(ids, resets, T, B, this.shape.vocab, state.bigrams, this.lambdaRows, this.present);
    let n = 0;
    for (let i = 0; i < K; i++) if (this.present[i] === 1) this.columns[n++] = i;
    return { table: this.lambdaRows.subarray(0, rows * K), index: null, columns: this.columns.subarray(0, n) };
  }

  private gatherInputProjection(gemm: Gemm, ids: Int32Array): InputProjection {
    const { embed: E, vocab: V } = this.shape;
    const G = 4 * this.shape.units;
    this.symbolTable = ensureCapacity(this.symbolTable, V * G);
    const embed = this.params.get('embed.weight')!.data;
    return symbolInputProjection(gemm, embed, this.layerParams[0]!.wIh, this.symbolTable, ids, V, G, E, this.B);
  }
}
