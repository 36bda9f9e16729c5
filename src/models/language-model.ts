// The character language models as one family for the code that trains them: what a trainer needs of a model
// (TrainableLm), and which model to build, as plain data a worker thread can receive (LmSpec).

import type { Gemm } from '../core/gemm.js';
import type { Param } from '../core/optim.js';
import type { Rng } from '../core/random.js';
import { CharLm } from './char-lm.js';
import { type CharLmShape, charLmParamShapes } from './char-lm-params.js';
import { CORPUS_LAMBDA } from './config.js';
import { FactorizedLm, type FactorizedLmShape, factorizedLmParamShapes, type LambdaSource } from './factorized-lm.js';
import type { DropoutSettings, StateArrays, Tensor } from './stacked-lm.js';

/** What training needs of a language model whose carried state is S. */
export interface TrainableLm<S> {
  readonly params: Map<string, Tensor>;
  readonly grads: Map<string, Float32Array>;
  readonly shape: { vocab: number };
  initialize(rng: Rng): void;
  trainable(): Param[];
  zeroGrads(): void;
  zeroState(B: number): S;
  forward(
    gemm: Gemm,
    ids: Int32Array,
    T: number,
    B: number,
    state: S,
    resets: Uint8Array | null,
    dropout: DropoutSettings | null,
  ): Float32Array;
  backward(gemm: Gemm, dLogits: Float32Array): void;
  /** The state as named stream-major arrays (views). */
  stateArrays(state: S): StateArrays;
  /** A state over such arrays (views). */
  stateFromArrays(arrays: StateArrays): S;
}

/**
 * A model to build: a plain LSTM/GRU LM, or one with factorized LSTM kernels whose λ is the running bigram
 * frequencies of the segment, or `corpusLambda` (V²) at every position when given.
 */
export type LmSpec =
  | { kind: 'char-lm'; shape: CharLmShape }
  | { kind: 'factorized-lstm'; shape: FactorizedLmShape; corpusLambda?: Float32Array };

export type AnyLm = CharLm | FactorizedLm;

/** The model of a spec, over the given parameter (and gradient) buffers or fresh zeroed ones. */
export function buildLm(spec: LmSpec, params?: Map<string, Tensor>, grads?: Map<string, Float32Array>): AnyLm {
  if (spec.kind === 'char-lm') return new CharLm(spec.shape, params, grads);
  const source: LambdaSource = spec.corpusLambda ? { kind: 'corpus', lambda: spec.corpusLambda } : { kind: 'running' };
  return new FactorizedLm(spec.shape, source, params, grads);
}

/** Every parameter of the spec's model, name → shape, in the model's order. */
export function lmParamShapes(spec: LmSpec): Map<string, number[]> {
  return spec.kind === 'char-lm' ? charLmParamShapes(spec.shape) : factorizedLmParamShapes(spec.shape);
}

/** The spec of a model that exists (e.g. to give a worker thread its own copy). */
export function specOfLm(model: AnyLm): LmSpec {
  if (model instanceof CharLm) return { kind: 'char-lm', shape: { ...model.shape } };
  const source = model.lambdaSource;
  return {
    kind: 'factorized-lstm',
    shape: { ...model.shape },
    ...(source.kind === 'corpus' ? { corpusLambda: source.lambda } : {}),
  };
}

/** What a model directory stores: the parameters, and a factorized model's fixed λ where it has one. */
export function savedTensorsOf(model: AnyLm): Map<string, Tensor> {
  const tensors = new Map(model.params);
  if (model instanceof FactorizedLm && model.lambdaSource.kind === 'corpus') {
    const lambda = model.lambdaSource.lambda;
    tensors.set(CORPUS_LAMBDA, { shape: [lambda.length], data: lambda });
  }
  return tensors;
}
