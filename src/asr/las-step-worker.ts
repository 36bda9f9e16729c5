// Worker-thread entry of the data-parallel LAS trainer: builds a Las over private copies of the shared weights and,
// for each shard posted by the main thread, refreshes them, runs its forward and backward, and leaves the gradient
// in shared memory.

import { parentPort, workerData } from 'node:worker_threads';
import { createGemm } from '../backends/index.js';
import { Las } from '../models/las.js';
import { lasParamShapes } from '../models/las-config.js';
import type { Tensor } from '../models/stacked-lm.js';
import { type LasShardInit, type LasShardReply, type LasShardWork, runLasShard } from './parallel-las-step.js';

const init = workerData as LasShardInit;
const shapes = lasParamShapes(init.config);
// Private copies: onnxruntime does not accept shared memory.
const params = new Map<string, Tensor>(
  init.params.map(([name, data]) => [name, { shape: shapes.get(name)!, data: new Float32Array(data.length) }]),
);
const las = new Las(init.config, params);
const sharedParams = new Map(init.params);
const sharedGrads = new Map(init.grads);
const gemm = createGemm(init.backend, 1);

parentPort!.on('message', (work: LasShardWork) => {
  let reply: LasShardReply;
  try {
    for (const [name, t] of las.params) t.data.set(sharedParams.get(name)!);
    const losses = runLasShard(las, gemm, work);
    for (const [name, g] of las.grads) sharedGrads.get(name)!.set(g);
    reply = { ok: true, ...losses };
  } catch (err) {
    reply = { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort!.postMessage(reply);
});
