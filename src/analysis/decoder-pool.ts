// The keep-probability sweep of the decoders spread over worker threads (Node only). Each keep probability's run is
// independent (fitKeepProb), so workers take them from a queue, the rung's first and then the finalists', and this
// thread picks the finalists and merges the results exactly as fitDecoders would: same outcomes, wall time divided by
// the cores. The states are shared memory (copied there once unless they already are); a lone finalist gets every
// core for its GEMMs.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BackendName } from '../backends/index.js';
import { UserError } from '../core/errors.js';
import { readShardFile } from '../io/state-shard-files.js';
import type { DecoderCheckpointPlace } from './decoder-checkpoint.js';
import type { DecoderConfig, DecoderData, DecoderHooks, KeepProbJob, KeepProbRun } from './decoders.js';
import {
  finalJobs,
  joinGroupRuns,
  mergeKeepProbRuns,
  prepareInputStats,
  prepareTrainShards,
  rungJobs,
} from './decoders.js';
import type { DecoderRunner } from './signature.js';

export interface DecoderJob {
  data: DecoderData;
  config: DecoderConfig;
  keepIndex: number;
  final: boolean;
  group: number;
  gemmThreads: number;
  backend: BackendName;
  /**
   * Shared with the pool: set to 1 when the run stops (interrupted, or another job failed). The worker then ends its
   * job after the current batch, instead of being terminated in the middle of a native product (which aborts the
   * whole process).
   */
  stop: Int32Array;
  /** The checkpoint files of the runs (a store the worker opens again), or null for none. */
  checkpoints: DecoderCheckpointPlace | null;
}

export type DecoderWorkerMessage =
  | { type: 'progress'; progress: Parameters<NonNullable<DecoderHooks['onProgress']>>[0] }
  | { type: 'done'; run: KeepProbRun }
  /** `user`: the worker threw a UserError (a full disk, say), which stays one for the caller. */
  | { type: 'error'; message: string; user: boolean };

function shareFloat32(a: Float32Array): Float32Array {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const s = new Float32Array(new SharedArrayBuffer(a.length * 4));
  s.set(a);
  return s;
}

function shareInt32(a: Int32Array): Int32Array {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const s = new Int32Array(new SharedArrayBuffer(a.length * 4));
  s.set(a);
  return s;
}

/** The data in shared memory, so that every worker reads the same copy. */
function shareData(d: DecoderData): DecoderData {
  const shards = d.shards!;
  return {
    ...d,
    shards: { ...shards, physical: shards.physical && shareInt32(shards.physical) },
    train: shareFloat32(d.train.subarray(0, d.nTrain * d.D)),
    dev: shareFloat32(d.dev.subarray(0, d.nDev * d.D)),
    eval: shareFloat32(d.eval.subarray(0, d.nEval * d.D)),
    trainLabels: d.trainLabels.map(shareInt32),
    devLabels: d.devLabels.map(shareInt32),
    evalLabels: d.evalLabels.map(shareInt32),
  };
}

export interface DecoderPoolOptions {
  /** Worker threads (default: the cores available). */
  threads?: number;
  backend?: BackendName;
}

/** A DecoderRunner that trains the keep probabilities of a sweep in parallel worker threads. */
export function decoderPoolRunner(options: DecoderPoolOptions = {}): DecoderRunner {
  const cores = availableParallelism();
  const threads = Math.max(1, options.threads ?? cores);
  const backend = options.backend ?? 'auto';
  return async (data, config, hooks) => {
    // Dealt, and the input statistics computed, once here, not in every worker.
    const prepared = prepareTrainShards(data, config.seed);
    const shared = shareData(prepareInputStats(prepared, config, { readShardFile, ...hooks }));
    const deltas = data.trainLabels.length;
    const run = async (jobs: KeepProbJob[]) =>
      joinGroupRuns(await runPool(shared, config, jobs, hooks, threads, cores, backend));
    const rung = await run(rungJobs(config, deltas));
    const finals = await run(finalJobs(config, deltas, rung));
    return mergeKeepProbRuns(data, config, [...rung, ...finals]);
  };
}

function runPool(
  shared: DecoderData,
  config: DecoderConfig,
  list: KeepProbJob[],
  hooks: DecoderHooks,
  threads: number,
  cores: number,
  backend: BackendName,
): Promise<KeepProbRun[]> {
  const jobs = list.length;
  if (jobs === 0) return Promise.resolve([]);
  const workers = Math.min(threads, jobs);
  // Spare cores go to each worker's GEMM (e.g. one keep probability on two cores).
  const gemmThreads = Math.max(1, Math.floor(cores / workers));
  const url = new URL('./decoder-worker.js', import.meta.url);
  return new Promise((resolve, reject) => {
    const runs: KeepProbRun[] = [];
    const live = new Set<Worker>();
    const stop = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    let next = 0;
    let failed = false;
    let failure: unknown = null;
    let closing = 0;
    // On a stop or an error, busy workers finish their batch and answer; each is terminated once idle (in the
    // handlers), and the promise rejects when all are gone, so that the caller may end the process at once.
    const rejectWhenClosed = () => {
      if (live.size === 0 && closing === 0) reject(failure);
    };
    const retire = (worker: Worker) => {
      live.delete(worker);
      closing++;
      void worker.terminate().finally(() => {
        closing--;
        rejectWhenClosed();
      });
    };
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      failure = err;
      Atomics.store(stop, 0, 1);
      rejectWhenClosed();
    };
    const onAbort = () => fail(hooks.signal?.reason ?? new Error('aborted'));
    if (hooks.signal?.aborted) {
      onAbort();
      return;
    }
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = () => {
      hooks.signal?.removeEventListener('abort', onAbort);
      resolve(runs);
    };
    const give = (worker: Worker) => {
      if (next >= jobs) {
        live.delete(worker);
        void worker.terminate();
        if (live.size === 0 && !failed) finish();
        return;
      }
      const { keepIndex, final, group } = list[next++]!;
      const job: DecoderJob = {
        data: shared,
        config,
        keepIndex,
        final,
        group,
        gemmThreads,
        backend,
        stop,
        checkpoints: hooks.checkpoints?.place ?? null,
      };
      worker.postMessage(job);
    };
    for (let w = 0; w < workers; w++) {
      const worker = new Worker(url);
      live.add(worker);
      worker.on('message', (m: DecoderWorkerMessage) => {
        if (failed) {
          if (m.type !== 'progress') retire(worker);
          return;
        }
        if (m.type === 'progress') hooks.onProgress?.(m.progress);
        else if (m.type === 'error') {
          fail(m.user ? new UserError(m.message) : new Error(`decoder worker: ${m.message}`));
          retire(worker);
        } else {
          runs.push(m.run);
          give(worker);
        }
      });
      worker.on('error', (err) => fail(err));
      worker.on('exit', (code) => {
        if (!live.has(worker)) return;
        if (!failed) fail(new Error(`a decoder worker exited (code ${code})`));
        live.delete(worker);
        rejectWhenClosed();
      });
      give(worker);
    }
  });
}
