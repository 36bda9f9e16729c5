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

import { UserError } from '../core/errors.js';
import {
  type BasisWeights,
  type FactorizedControl,
  FactorizedLstmLayer,
  type FactorizedParams,
  type KernelRestriction,
} from '../core/factorized-lstm.js';
import type { Gemm } from '../core/gemm.js';
import { ensureCapacity, type LayerState } from '../core/recurrent.js';
import type { EncodedPartition } from '../data/corpus.js';
import { charLmParamShapes } from './char-lm-params.js';
import {
  type DropoutSettings,
  layerStateArrays,
  layerStatesFrom,
  recurrentParamsOf,
  StackedLm,
  type StateArrays,
  type Tensor,
} from './stacked-lm.js';

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
  const K = s.vocab * s.vocab;
  const shapes = new Map<string, number[]>();
  for (const [name, shape] of charLmParamShapes({ ...s, cell: 'lstm' })) {
    shapes.set(name, shape);
    // Each layer's bases follow its nn.LSTM tensors.
    const layer = /^rnn\.bias_hh_l(\d+)$/.exec(name)?.[1];
    if (layer !== undefined) {
      shapes.set(`rnn.basis_u_l${layer}`, [4 * s.units, K]);
      shapes.set(`rnn.basis_v_l${layer}`, [s.units, K]);
    }
  }
  return shapes;
}

/** The basis of the bigram "ab" (symbol ids a, b) among V symbols. */
export function bigramBasis(a: number, b: number, V: number): number {
  return a * V + b;
}

/**
 * The bases of bigrams given as text ("th", "e " …), in order; a UserError names the first that is not two symbols of
 * the alphabet.
 */
export function basesOfBigrams(bigrams: readonly string[], symbols: readonly string[]): number[] {
  const V = symbols.length;
  return bigrams.map((bigram) => {
    const chars = [...bigram];
    const ids = chars.map((c) => symbols.indexOf(c));
    if (chars.length !== 2 || ids.includes(-1)) {
      const shown = symbols.map((c) => (c === ' ' ? 'space' : c)).join(' ');
      throw new UserError(`basis ${JSON.stringify(bigram)}: not two symbols of the model's alphabet (${shown})`);
    }
    return bigramBasis(ids[0]!, ids[1]!, V);
  });
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
  counts: Int32Array;
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
    counts: new Int32Array(B * K),
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

/**
 * Initialization (StackedLm.initialize): embedding N(0, 1); everything else U(−1/√H, 1/√H), PyTorch's recurrent
 * default, bases included. Σλ = 1 makes the basis term a convex mixture of rank-one matrices whose entries are
 * O(1/H), against O(1/√H) for W0: the model starts close to a plain LSTM and training grows the bases (Adam scales
 * their small, λ-weighted gradients up).
 */
export class FactorizedLm extends StackedLm<FactorizedLstmLayer, FactorizedParams, FactorizedControl> {
  readonly shape: FactorizedLmShape;
  /** K = vocab²: bases per layer. */
  readonly bases: number;
  readonly lambdaSource: LambdaSource;
  private lambdaRows: Float32Array = new Float32Array(0); // (T, B, K) running λ of the last forward
  private fixedIndex: Int32Array = new Int32Array(0); // (T·B) zeros: every position reads the corpus λ row
  private readonly present: Uint8Array; // (K) bigrams with a non-zero running λ somewhere in the chunk
  private readonly columns: Int32Array; // (K) their indices, the first n entries
  private lastLambda: BasisWeights | null = null;

  /** `params` and `grads`, when given, are the buffers to use (as for CharLm); otherwise zeroed ones are allocated. */
  constructor(
    shape: FactorizedLmShape,
    lambdaSource: LambdaSource = { kind: 'running' },
    params?: Map<string, Tensor>,
    grads?: Map<string, Float32Array>,
  ) {
    const bases = shape.vocab * shape.vocab;
    if (lambdaSource.kind === 'corpus' && lambdaSource.lambda.length !== bases) {
      throw new RangeError(`FactorizedLm: the corpus λ has ${lambdaSource.lambda.length} entries, needs ${bases}`);
    }
    super(
      {
        name: 'FactorizedLm',
        ...shape,
        paramShapes: factorizedLmParamShapes(shape),
        makeLayer: (_k, inputSize) => new FactorizedLstmLayer(inputSize, shape.units, bases),
        pickParams: (k, m) => ({
          ...recurrentParamsOf(k, m),
          basisU: m.get(`rnn.basis_u_l${k}`)!,
          basisV: m.get(`rnn.basis_v_l${k}`)!,
        }),
      },
      params,
      grads,
    );
    this.shape = { ...shape };
    this.bases = bases;
    this.lambdaSource = lambdaSource;
    this.present = new Uint8Array(bases);
    this.columns = new Int32Array(bases);
  }

  /** A zero state for B parallel streams (every stream at a segment start). */
  zeroState(B: number): FactorizedLmState {
    const n = B * this.shape.units;
    return {
      layers: this.layers.map(() => ({ h: new Float32Array(n), c: new Float32Array(n) })),
      bigrams: zeroBigramCounts(B, this.shape.vocab),
    };
  }

  /** The state's arrays by name (l{k}.h, l{k}.c, bigrams.*), views: see StateArrays. */
  stateArrays(state: FactorizedLmState): StateArrays {
    const arrays = layerStateArrays(state.layers);
    const { counts, seen, distinct, last, pairs } = state.bigrams;
    arrays.set('bigrams.counts', counts).set('bigrams.seen', seen).set('bigrams.distinct', distinct);
    return arrays.set('bigrams.last', last).set('bigrams.pairs', pairs);
  }

  /** A state over the arrays stateArrays() names (views, e.g. one thread's streams of a shared state). */
  stateFromArrays(arrays: StateArrays): FactorizedLmState {
    const take = (name: string): Int32Array => {
      const a = arrays.get(name);
      if (!(a instanceof Int32Array)) throw new RangeError(`the carried state lacks the count array ${name}`);
      return a;
    };
    return {
      layers: layerStatesFrom(arrays, this.shape.layers, true),
      bigrams: {
        counts: take('bigrams.counts'),
        seen: take('bigrams.seen'),
        distinct: take('bigrams.distinct'),
        last: take('bigrams.last'),
        pairs: take('bigrams.pairs'),
      },
    };
  }

  /**
   * Runs a chunk: ids (T, B) → logits (T, B, V), a view valid until the next forward. The state (h, c and the running
   * bigram counts) carries over from the previous chunk and is updated in place; resets (T, B) start a new segment.
   * λ is data, not a parameter: backward gives it no gradient.
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
    const lambda = options.lambda ?? this.chunkLambda(ids, T, B, state, resets);
    this.lastLambda = lambda;
    return this.runChunk(gemm, ids, T, B, state.layers, { resets, lambda, restrict: options.restrict }, dropout);
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
}
