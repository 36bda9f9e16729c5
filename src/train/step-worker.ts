// Worker-thread entry of the data-parallel trainer: builds one shard's model (any LmSpec) over shared weights and
// runs its forward and backward whenever the main thread posts a step number.

import { parentPort, workerData } from 'node:worker_threads';
import { createGemm } from '../backends/index.js';
import { buildLm, lmParamShapes, type TrainableLm } from '../models/language-model.js';
import type { Tensor } from '../models/stacked-lm.js';
import type { ShardInit, ShardReply } from './parallel-step-runner.js';
import { forwardBackward, stepDropout } from './step-runner.js';

const init = workerData as ShardInit;
const shapes = lmParamShapes(init.spec);
// Private copies: onnxruntime does not accept shared memory.
const params = new Map<string, Tensor>(
  init.params.map(([name, data]) => [name, { shape: shapes.get(name)!, data: new Float32Array(data.length) }]),
);
const model: TrainableLm<unknown> = buildLm(init.spec, params);
const state = model.stateFromArrays(new Map(init.states));
const sharedParams = new Map(init.params);
const sharedGrads = new Map(init.grads);
const gemm = createGemm(init.backend, 1);
const chunk = { inputs: init.inputs, targets: init.targets, resets: init.resets, predicted: 0 };
const dLogits = new Float32Array(init.T * init.B * init.spec.shape.vocab);

parentPort!.on('message', (step: number) => {
  let reply: ShardReply;
  try {
    for (const [name, t] of model.params) t.data.set(sharedParams.get(name)!);
    const drop = stepDropout(init.dropout, step, init.shard);
    const r = forwardBackward(model, gemm, chunk, init.T, init.B, state, drop, dLogits);
    for (const [name, g] of model.grads) sharedGrads.get(name)!.set(g);
    reply = { ok: true, lossSum: r.lossSum, count: r.count };
  } catch (err) {
    reply = { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort!.postMessage(reply);
});
