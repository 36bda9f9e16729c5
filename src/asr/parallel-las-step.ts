// Data-parallel LAS training steps, as the character LMs' ParallelStepRunner: a batch's utterances are split into
// contiguous shards, shard 0 runs in this thread and the others in persistent worker threads, each with its own
// single-threaded GEMM. Before a step the weights are copied into shared memory, from which each worker refreshes its
// private copy (onnxruntime refuses shared buffers); each worker leaves its gradient in shared memory and this thread
// adds them into the model's. Each shard's losses are normalised by the whole batch's tokens, utterances and guided
// steps, so the sum is the whole batch's gradient. On 2 cores this keeps both busy through the speller's JavaScript.

import { Worker } from 'node:worker_threads';
import type { BackendName } from '../backends/index.js';
import type { Gemm } from '../core/gemm.js';
import type { Las, LasBatch, LasConfig, LasOutput } from '../models/las.js';
import { type BatchItem, makeLasBatch } from './batching.js';
import { guidedAttentionLoss } from './guided-attention.js';
import { listenerLength } from './recognize.js';

/** Guided attention of one step: per utterance its expected listener frames (null: no part in it). */
export interface GuidedTargets {
  centres: readonly (Float64Array | null)[];
  sigma: number;
  weight: number;
}

/** One shard's work of a step, as posted to a worker. */
export interface LasShardWork {
  items: BatchItem[];
  bins: number;
  inputs: Int32Array[] | null;
  ctcWeight: number;
  tokens: number;
  utterances: number;
  guided: { centres: (Float64Array | null)[]; sigma: number; weight: number; steps: number } | null;
}

/** A shard's shares of the whole batch's losses. */
export interface LasShardLosses {
  loss: number;
  attentionLoss: number;
  ctcLoss: number | null;
  guided: number | null;
}

export type LasShardReply = ({ ok: true } & LasShardLosses) | { ok: false; error: string };

export interface LasShardInit {
  config: LasConfig;
  params: [string, Float32Array][];
  grads: [string, Float32Array][];
  backend: BackendName;
}

/** Zeroes las's gradients and runs forward (+ guided attention) and backward of one shard: its losses' shares. */
export function runLasShard(las: Las, gemm: Gemm, work: LasShardWork): LasShardLosses {
  las.config.ctcWeight = work.ctcWeight;
  const batch = makeLasBatch(work.items, work.bins);
  if (work.inputs) batch.inputs = work.inputs;
  const out = las.forward(gemm, batch, { normalizers: { tokens: work.tokens, utterances: work.utterances } });
  const guided = backwardWithGuidance(las, gemm, batch, out, work.guided);
  return { loss: out.loss, attentionLoss: out.attentionLoss, ctcLoss: out.ctcLoss, guided };
}

/**
 * After las.forward of `batch`: the guided-attention loss toward `guided`'s centres (null: none; `steps`, when given,
 * the whole batch's normalizer), then zeroed gradients and the backward pass of both losses. Returns the guided loss.
 */
export function backwardWithGuidance(
  las: Las,
  gemm: Gemm,
  batch: LasBatch,
  out: LasOutput,
  guided: (GuidedTargets & { steps?: number }) | null,
): number | null {
  let loss: number | null = null;
  let weightGrads: Float32Array | undefined;
  if (guided) {
    const lengths = Int32Array.from(batch.frames, (f) => listenerLength(las.config, f));
    weightGrads = new Float32Array(out.steps * batch.B * out.frames);
    loss = guidedAttentionLoss(
      out.weights,
      out.steps,
      batch.B,
      out.frames,
      guided.centres,
      lengths,
      guided.sigma,
      guided.weight,
      weightGrads,
      guided.steps,
    );
  }
  las.zeroGrads();
  las.backward(gemm, weightGrads ? { weightGrads } : {});
  return loss;
}

function sharedFloat32(n: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(n * 4));
}

interface WorkerShard {
  worker: Worker;
  grads: Map<string, Float32Array>;
  pending: ((r: LasShardReply) => void) | null;
  failure: string | null;
}

export interface ParallelLasOptions {
  /** Shards of a batch (at most its utterances are used). */
  shards: number;
  backend: BackendName;
  /** This thread's GEMM for shard 0: single-threaded, so that the shards do not fight over cores. */
  gemm: Gemm;
}

/** What a step's optional parts need: scheduled-sampling inputs and guided attention for the whole batch. */
export interface LasStepExtras {
  inputs?: readonly Int32Array[] | null;
  guided?: GuidedTargets | null;
}

export class ParallelLasStep {
  private readonly workers: WorkerShard[] = [];
  /** Shared copies of the weights, refreshed from the model before each step. */
  private readonly mirror = new Map<string, Float32Array>();
  private closed = false;

  constructor(
    private readonly las: Las,
    private readonly options: ParallelLasOptions,
  ) {
    for (const [name, t] of las.params) this.mirror.set(name, sharedFloat32(t.data.length));
    const url = new URL('./las-step-worker.js', import.meta.url);
    for (let s = 1; s < Math.max(1, options.shards); s++) {
      const grads = new Map([...las.grads].map(([name, g]) => [name, sharedFloat32(g.length)]));
      const init: LasShardInit = {
        config: las.config,
        params: [...this.mirror],
        grads: [...grads],
        backend: options.backend,
      };
      const worker = new Worker(url, { workerData: init });
      const shard: WorkerShard = { worker, grads, pending: null, failure: null };
      worker.on('message', (reply: LasShardReply) => settle(shard, reply));
      worker.on('error', (err: Error) => settle(shard, { ok: false, error: err.message }));
      worker.on('exit', (code) => {
        if (!this.closed) settle(shard, { ok: false, error: `a LAS training worker exited (code ${code})` });
      });
      this.workers.push(shard);
    }
  }

  /**
   * One step's gradient of the batch `items` into the model's grads (overwritten): the utterances split into
   * min(shards, B) contiguous groups. Returns the whole batch's losses.
   */
  async step(items: readonly BatchItem[], bins: number, extras: LasStepExtras = {}): Promise<LasShardLosses> {
    if (this.closed) throw new Error('ParallelLasStep: closed');
    const B = items.length;
    const n = Math.max(1, Math.min(this.options.shards, B));
    let tokens = 0;
    let L = 0;
    for (const it of items) {
      tokens += it.labels.length + 1;
      L = Math.max(L, it.labels.length + 1);
    }
    let guidedSteps = 0;
    const g = extras.guided ?? null;
    if (g) for (const c of g.centres) guidedSteps += Math.min(c?.length ?? 0, L);
    const work = (s: number): LasShardWork => {
      const b0 = Math.floor((s * B) / n);
      const b1 = Math.floor(((s + 1) * B) / n);
      return {
        items: items.slice(b0, b1),
        bins,
        inputs: extras.inputs ? extras.inputs.slice(b0, b1) : null,
        ctcWeight: this.las.config.ctcWeight,
        tokens,
        utterances: B,
        guided: g ? { centres: g.centres.slice(b0, b1), sigma: g.sigma, weight: g.weight, steps: guidedSteps } : null,
      };
    };
    if (n > 1) for (const [name, t] of this.las.params) this.mirror.get(name)!.set(t.data);
    const replies = this.workers.slice(0, n - 1).map(
      (shard, k) =>
        new Promise<LasShardReply>((resolve) => {
          if (shard.failure) {
            resolve({ ok: false, error: shard.failure });
            return;
          }
          shard.pending = resolve;
          shard.worker.postMessage(work(k + 1));
        }),
    );
    let own: LasShardLosses;
    try {
      own = runLasShard(this.las, this.options.gemm, work(0));
    } finally {
      // Never leave a worker's reply unawaited: an error here still waits for them.
      if (replies.length) await Promise.all(replies);
    }
    const total = { ...own };
    const results = await Promise.all(replies);
    for (const reply of results) {
      if (!reply.ok) throw new Error(`LAS training worker failed: ${reply.error}`);
      total.loss += reply.loss;
      total.attentionLoss += reply.attentionLoss;
      if (total.ctcLoss !== null) total.ctcLoss += reply.ctcLoss ?? 0;
      if (total.guided !== null) total.guided += reply.guided ?? 0;
    }
    for (const [name, grad] of this.las.grads) {
      for (let k = 0; k < n - 1; k++) {
        const gs = this.workers[k]!.grads.get(name)!;
        for (let i = 0; i < grad.length; i++) grad[i] += gs[i]!;
      }
    }
    return total;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}

function settle(shard: WorkerShard, reply: LasShardReply): void {
  const resolve = shard.pending;
  shard.pending = null;
  if (!reply.ok) shard.failure ??= reply.error;
  resolve?.(reply);
}
