// Worker-thread entry of the synthesis pool: makes one utterance per message, with synthesizers it keeps open.

import { parentPort } from 'node:worker_threads';
import { UserError } from '../core/errors.js';
import type { SynthWorkerMessage } from './synth-pool.js';
import { makeUtterance, SynthesizerSet, type SynthJob } from './synth-utterance.js';

const synths = new SynthesizerSet();

// A job, or null: close the synthesizers (Flite's temporary folder goes) and let the thread end.
parentPort!.on('message', async (job: SynthJob | null) => {
  if (job === null) {
    await synths.close();
    parentPort!.close();
    return;
  }
  let message: SynthWorkerMessage;
  try {
    message = { type: 'done', outcome: await makeUtterance(job, synths) };
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    message = { type: 'error', message: text, user: err instanceof UserError };
  }
  parentPort!.postMessage(message);
});
