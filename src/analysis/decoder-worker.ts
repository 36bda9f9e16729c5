// Worker-thread entry of the decoder pool: runs one keep probability's run (the sweep's rung or a finalist's) per job.

import { parentPort } from 'node:worker_threads';
import { createGemm } from '../backends/index.js';
import { UserError } from '../core/errors.js';
import { decoderCheckpointFiles } from '../io/decoder-checkpoint-files.js';
import { readShardFile } from '../io/state-shard-files.js';
import type { DecoderJob, DecoderWorkerMessage } from './decoder-pool.js';
import { fitKeepProb } from './decoders.js';

const PROGRESS_INTERVAL_MS = 250;

parentPort!.on('message', (job: DecoderJob) => {
  let message: DecoderWorkerMessage;
  try {
    const gemm = createGemm(job.backend, job.gemmThreads);
    // The pool's stop flag, looked at after every batch; fitKeepProb honours the signal before the next one.
    const stopped = new AbortController();
    let last = 0;
    const run = fitKeepProb(
      gemm,
      job.data,
      job.config,
      job.keepIndex,
      job.final,
      {
        readShardFile,
        signal: stopped.signal,
        checkpoints: job.checkpoints ? decoderCheckpointFiles(job.checkpoints) : undefined,
        onProgress: (progress) => {
          if (Atomics.load(job.stop, 0) !== 0) stopped.abort(new Error('stopped'));
          const now = performance.now();
          if (now - last < PROGRESS_INTERVAL_MS && progress.batch !== progress.batches) return;
          last = now;
          parentPort!.postMessage({ type: 'progress', progress } satisfies DecoderWorkerMessage);
        },
      },
      job.group,
    );
    message = { type: 'done', run };
  } catch (err) {
    message = {
      type: 'error',
      message: err instanceof Error ? err.message : String(err),
      user: err instanceof UserError,
    };
  }
  parentPort!.postMessage(message);
});
