// Making many utterances at once: worker threads (one utterance each at a time, synthesizers kept open per thread) or,
// with one thread, this thread. Ctrl-C (the signal) stops handing out utterances; those under way are finished, so
// every WAV on disk is whole, and what was made is returned.

import { Worker } from 'node:worker_threads';
import { UserError } from '../core/errors.js';
import { makeUtterance, SynthesizerSet, type SynthJob, type SynthOutcome } from './synth-utterance.js';

export type SynthWorkerMessage =
  | { type: 'done'; outcome: SynthOutcome }
  | { type: 'error'; message: string; user: boolean };

export interface SynthPoolOptions {
  threads: number;
  signal?: AbortSignal;
  /** Sees each utterance as it is made. */
  onOutcome?: (outcome: SynthOutcome) => void;
}

export interface SynthPoolResult {
  outcomes: SynthOutcome[];
  /** True when the signal stopped the run before every job was made. */
  interrupted: boolean;
}

/** Makes every job (in any order); outcomes come in the order they finish. */
export async function runSynthPool(jobs: readonly SynthJob[], options: SynthPoolOptions): Promise<SynthPoolResult> {
  if (jobs.length === 0) return { outcomes: [], interrupted: false };
  return options.threads <= 1 ? runHere(jobs, options) : runInWorkers(jobs, options);
}

async function runHere(jobs: readonly SynthJob[], options: SynthPoolOptions): Promise<SynthPoolResult> {
  const synths = new SynthesizerSet();
  const outcomes: SynthOutcome[] = [];
  try {
    for (const job of jobs) {
      if (options.signal?.aborted) return { outcomes, interrupted: true };
      const outcome = await makeUtterance(job, synths);
      outcomes.push(outcome);
      options.onOutcome?.(outcome);
    }
  } catch (err) {
    throw failure(err, jobs.length === 0 ? '' : (jobs[outcomes.length]?.id ?? ''));
  } finally {
    await synths.close();
  }
  return { outcomes, interrupted: false };
}

function failure(err: unknown, id: string): Error {
  if (err instanceof UserError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new Error(`synthesizing utterance ${id} failed: ${message}`);
}

function runInWorkers(jobs: readonly SynthJob[], options: SynthPoolOptions): Promise<SynthPoolResult> {
  const url = new URL('./synth-worker.js', import.meta.url);
  const count = Math.min(options.threads, jobs.length);
  return new Promise((resolve, reject) => {
    const outcomes: SynthOutcome[] = [];
    const busy = new Map<Worker, SynthJob | null>(); // each worker not yet told to close, and the job it is on
    let running = count;
    let next = 0;
    let failed = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      for (const w of busy.keys()) void w.terminate();
      busy.clear();
      reject(err);
    };
    // A worker with nothing left to do closes (its null job) and the run ends when the last one has exited.
    const give = (worker: Worker) => {
      if (options.signal?.aborted || next >= jobs.length) {
        busy.delete(worker);
        worker.postMessage(null);
        return;
      }
      const job = jobs[next++];
      busy.set(worker, job);
      worker.postMessage(job);
    };
    for (let i = 0; i < count; i++) {
      const worker = new Worker(url);
      busy.set(worker, null);
      worker.on('message', (m: SynthWorkerMessage) => {
        if (m.type === 'error') {
          fail(m.user ? new UserError(m.message) : failure(new Error(m.message), busy.get(worker)?.id ?? ''));
          return;
        }
        outcomes.push(m.outcome);
        options.onOutcome?.(m.outcome);
        give(worker);
      });
      worker.on('error', fail);
      worker.on('exit', (code) => {
        if (failed) return;
        if (busy.has(worker)) {
          fail(new Error(`a synthesis worker exited (code ${code})`));
          return;
        }
        if (--running === 0) resolve({ outcomes, interrupted: outcomes.length < jobs.length });
      });
      give(worker);
    }
  });
}
