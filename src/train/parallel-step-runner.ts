// Data-parallel training steps on Node: the B streams of a chunk are split into shards, shard 0 runs in this
// thread and the others in worker threads, each with its own single-threaded GEMM. Before a step the weights are
// copied into shared memory, from which each worker refreshes its private copy (onnxruntime refuses shared
// buffers); each worker leaves its gradient in shared memory and this thread combines them, weighted by the
// positions each shard counted. On 2 cores this keeps both busy through the JavaScript gate math, which a
// multi-threaded GEMM alone cannot.

import { Worker } from 'node:worker_threads';
import type { Gemm } from '../core/gemm.js';
import { allocChunk, type BatchChunk } from '../data/batches.js';
import { type AnyLm, type LmSpec, specOfLm, type TrainableLm } from '../models/language-model.js';
import type { StateArray, StateArrays } from '../models/stacked-lm.js';
import {
  cloneStateArrays,
  copyStateArrays,
  type DropoutConfig,
  forwardBackward,
  type StepResult,
  type StepRunner,
  stepDropout,
} from './step-runner.js';

export function sharedFloat32(n: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(n * 4));
}

/** A copy of `a` in shared memory, of the same type. */
function sharedCopy(a: StateArray): StateArray {
  const copy =
    a instanceof Float32Array ? sharedFloat32(a.length) : new Int32Array(new SharedArrayBuffer(a.length * 4));
  copy.set(a);
  return copy;
}

/** Streams [b0, b1) of every array of a B-stream state (views). */
function streamsOf(arrays: StateArrays, B: number, b0: number, b1: number): StateArrays {
  return new Map(
    [...arrays].map(([name, a]) => {
      const perStream = a.length / B;
      return [name, a.subarray(b0 * perStream, b1 * perStream)];
    }),
  );
}

/** What a worker needs to build its shard: all buffers are shared with this thread. */
export interface ShardInit {
  spec: LmSpec;
  T: number;
  B: number;
  /** Shared weights to copy from before each step, and shared gradient buffers to leave the result in. */
  params: [string, Float32Array][];
  grads: [string, Float32Array][];
  inputs: Int32Array;
  targets: Int32Array;
  resets: Uint8Array;
  /** The shard's streams of the carried state (views of shared memory). */
  states: [string, StateArray][];
  dropout: DropoutConfig | null;
  shard: number;
  backend: 'auto' | 'onnx' | 'ts';
}

export type ShardReply = { ok: true; lossSum: number; count: number } | { ok: false; error: string };

interface Shard<S> {
  b0: number;
  b1: number;
  chunk: BatchChunk;
  state: S;
  worker: Worker | null;
  grads: Map<string, Float32Array> | null;
  pending: ((r: ShardReply) => void) | null;
  failure: string | null;
}

export interface ParallelOptions {
  shards: number;
  backend: 'auto' | 'onnx' | 'ts';
  /** This thread's GEMM for shard 0 (single-threaded, so that the shards do not fight over cores). */
  gemm: Gemm;
}

export class ParallelStepRunner implements StepRunner {
  private readonly model: TrainableLm<unknown>;
  private readonly shards: Shard<unknown>[] = [];
  private readonly fullState: StateArrays;
  private readonly zero: StateArrays;
  /** Shared copies of the weights, refreshed from the model before each step. */
  private readonly mirror = new Map<string, Float32Array>();
  private readonly dLogits: Float32Array;

  constructor(
    model: AnyLm,
    private readonly T: number,
    private readonly B: number,
    private readonly dropout: DropoutConfig | null,
    private readonly options: ParallelOptions,
  ) {
    // The workers build their copies from the spec; here the model is used through what training needs of it.
    const spec = specOfLm(model);
    this.model = model;
    const shardCount = Math.max(1, Math.min(options.shards, B));
    const zero = this.model.stateArrays(model.zeroState(B));
    this.zero = cloneStateArrays(zero);
    this.fullState = new Map([...zero].map(([name, a]) => [name, sharedCopy(a)]));
    for (const [name, t] of model.params) this.mirror.set(name, sharedFloat32(t.data.length));
    const workerUrl = new URL('./step-worker.js', import.meta.url);
    for (let s = 0; s < shardCount; s++) {
      const b0 = Math.floor((s * B) / shardCount);
      const b1 = Math.floor(((s + 1) * B) / shardCount);
      const Bs = b1 - b0;
      const streams = streamsOf(this.fullState, B, b0, b1);
      const state = this.model.stateFromArrays(streams);
      const shard: Shard<unknown> = {
        b0,
        b1,
        chunk: allocChunk(Bs, T),
        state,
        worker: null,
        grads: null,
        pending: null,
        failure: null,
      };
      if (s > 0) {
        const n = T * Bs;
        shard.chunk = {
          inputs: new Int32Array(new SharedArrayBuffer(n * 4)),
          targets: new Int32Array(new SharedArrayBuffer(n * 4)),
          resets: new Uint8Array(new SharedArrayBuffer(n)),
          predicted: 0,
        };
        shard.grads = new Map([...model.grads].map(([name, g]) => [name, sharedFloat32(g.length)]));
        const init: ShardInit = {
          spec,
          T,
          B: Bs,
          params: [...this.mirror],
          grads: [...shard.grads],
          inputs: shard.chunk.inputs,
          targets: shard.chunk.targets,
          resets: shard.chunk.resets,
          states: [...streams],
          dropout,
          shard: s,
          backend: options.backend,
        };
        const worker = new Worker(workerUrl, { workerData: init });
        worker.on('message', (reply: ShardReply) => this.settle(shard, reply));
        worker.on('error', (err: Error) => this.settle(shard, { ok: false, error: err.message }));
        worker.on('exit', (code) => {
          if (shard.pending) this.settle(shard, { ok: false, error: `a training worker exited (code ${code})` });
        });
        shard.worker = worker;
      }
      this.shards.push(shard);
    }
    this.dLogits = new Float32Array(T * (this.shards[0]!.b1 - this.shards[0]!.b0) * model.shape.vocab);
  }

  private settle(shard: Shard<unknown>, reply: ShardReply): void {
    const resolve = shard.pending;
    shard.pending = null;
    if (!reply.ok) shard.failure = reply.error;
    resolve?.(reply);
  }

  async step(chunk: BatchChunk, stepIndex: number): Promise<StepResult> {
    const { T, B } = this;
    if (this.shards.length > 1) for (const [name, t] of this.model.params) this.mirror.get(name)!.set(t.data);
    for (const shard of this.shards) copyColumns(chunk, shard.chunk, T, B, shard.b0, shard.b1);
    const replies = this.shards.slice(1).map(
      (shard) =>
        new Promise<ShardReply>((resolve) => {
          if (shard.failure) {
            resolve({ ok: false, error: shard.failure });
            return;
          }
          shard.pending = resolve;
          shard.worker!.postMessage(stepIndex);
        }),
    );
    const main = this.shards[0]!;
    const Bs = main.b1 - main.b0;
    const drop = stepDropout(this.dropout, stepIndex, 0);
    const own = forwardBackward(this.model, this.options.gemm, main.chunk, T, Bs, main.state, drop, this.dLogits);
    const results: StepResult[] = [own];
    for (const reply of await Promise.all(replies)) {
      if (!reply.ok) throw new Error(`training worker failed: ${reply.error}`);
      results.push(reply);
    }
    // Each shard's gradient is that of its own mean loss: reweight to the mean over every counted position.
    const total = results.reduce((n, r) => n + r.count, 0);
    const lossSum = results.reduce((n, r) => n + r.lossSum, 0);
    for (const [name, g] of this.model.grads) {
      const w0 = total > 0 ? results[0]!.count / total : 0;
      if (w0 !== 1) for (let i = 0; i < g.length; i++) g[i] *= w0;
      for (let s = 1; s < this.shards.length; s++) {
        const w = total > 0 ? results[s]!.count / total : 0;
        if (w === 0) continue;
        const gs = this.shards[s]!.grads!.get(name)!;
        for (let i = 0; i < g.length; i++) g[i] += w * gs[i]!;
      }
    }
    return { lossSum, count: total };
  }

  states(): StateArrays {
    return this.fullState;
  }

  resetStates(): void {
    copyStateArrays(this.fullState, this.zero);
  }

  async close(): Promise<void> {
    await Promise.all(this.shards.map((s) => s.worker?.terminate()));
  }
}

/** Copies streams [b0, b1) of a (T, B) chunk into a (T, b1−b0) chunk. */
function copyColumns(src: BatchChunk, dst: BatchChunk, T: number, B: number, b0: number, b1: number): void {
  const Bs = b1 - b0;
  let predicted = 0;
  for (let t = 0; t < T; t++) {
    for (let b = b0; b < b1; b++) {
      const from = t * B + b;
      const to = t * Bs + (b - b0);
      dst.inputs[to] = src.inputs[from]!;
      dst.targets[to] = src.targets[from]!;
      dst.resets[to] = src.resets[from]!;
      if (src.targets[from]! >= 0) predicted++;
    }
  }
  dst.predicted = predicted;
}
