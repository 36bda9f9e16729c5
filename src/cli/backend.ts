// --backend and --threads → how the CLI computes: a Gemm for evaluation, and for training either one thread
// (serial steps) or data-parallel steps over worker threads, each with a single-threaded GEMM.

import { availableParallelism } from 'node:os';
import { type BackendName, createGemm, onnxLoadError } from '../backends/index.js';
import { UserError } from '../core/errors.js';
import type { Gemm } from '../core/gemm.js';
import { ParallelStepRunner } from '../train/parallel-step-runner.js';
import type { TrainHooks } from '../train/train-char-lm.js';

export const BACKENDS: readonly BackendName[] = ['auto', 'onnx', 'ts'];

/** Threads used when --threads is not given: two (the machines this project targets have two cores), or one. */
export function defaultThreads(): number {
  return Math.min(2, availableParallelism());
}

export function makeGemm(backend: BackendName, threads: number | undefined): Gemm {
  if (backend === 'onnx') {
    const why = onnxLoadError();
    if (why !== '') throw new UserError(`--backend onnx: onnxruntime-node cannot be loaded (${why}); use --backend ts`);
  }
  return createGemm(backend, threads);
}

export interface TrainCompute {
  /** This thread's GEMM for serial steps and the evaluations. */
  gemm: Gemm;
  createRunner?: TrainHooks['createRunner'];
  threads: number;
}

export function trainCompute(backend: BackendName, threads: number | undefined): TrainCompute {
  const n = threads ?? defaultThreads();
  if (n <= 1) return { gemm: makeGemm(backend, 1), threads: 1 };
  // Evaluations run in this thread alone, so their products use every thread; a training step's shard uses one.
  const shardGemm = makeGemm(backend, 1);
  return {
    gemm: makeGemm(backend, n),
    threads: n,
    createRunner: (model, T, B, dropout) =>
      new ParallelStepRunner(model, T, B, dropout, { shards: n, backend, gemm: shardGemm }),
  };
}
