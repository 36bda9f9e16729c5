// `npm run bench [-- --json] [--no-decoders] [--rounds N] [--cells lstm,gru,factorized-lstm]`: memsig's training
// step (LSTM, GRU and factorized-kernel LSTM LMs) and GEMM speed, side by side with PyTorch in the same run.
// Prints figures it measures; it asserts nothing (tests do that).

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { decoderPoolRunner } from '../src/analysis/decoder-pool.js';
import { type DecoderData, defaultDecoderConfig, fitKeepProb, hiddenSizeByRule } from '../src/analysis/decoders.js';
import { defaultSignatureOptions } from '../src/analysis/signature.js';
import { createGemm } from '../src/backends/index.js';
import type { Gemm } from '../src/core/gemm.js';
import { Adam, clipGradNorm } from '../src/core/optim.js';
import { Rng } from '../src/core/random.js';
import { allocChunk } from '../src/data/batches.js';
import { defaultNormalization } from '../src/data/normalize.js';
import { buildLm } from '../src/models/language-model.js';
import { ParallelStepRunner } from '../src/train/parallel-step-runner.js';
import { SerialStepRunner, type StepRunner } from '../src/train/step-runner.js';
import { lmSpecOfCell, TRAIN_CELLS, type TrainCell } from '../src/train/train-char-lm.js';

/** The standard workload of the foundation issue. */
export const WORKLOAD = { layers: 1, embed: 32, units: 320, batch: 32, seq: 64, warmup: 3, steps: 15 } as const;
const PYTHON = '/usr/bin/python3';
const TORCH_SCRIPT = fileURLToPath(new URL('../../scripts/torch_bench.py', import.meta.url));

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Median wall time of one training step (forward + BPTT + clip + Adam, state carried between steps), as `memsig
 * train` runs it: data-parallel over `shards` threads (1 = the whole batch in this thread with a 2-thread GEMM).
 */
export async function timeTrainingStep(cell: TrainCell, shards: number): Promise<number> {
  const { layers, embed, units, batch: B, seq: T, warmup, steps } = WORKLOAD;
  const V = defaultNormalization().alphabet.length;
  const rng = new Rng(1);
  const model = buildLm(lmSpecOfCell(cell, { layers, units, embed, vocab: V }));
  model.initialize(rng);
  const adam = new Adam(model.trainable(), { lr: 2e-3 });
  const grads = [...model.grads.values()];
  const chunk = allocChunk(B, T);
  for (let i = 0; i < T * B; i++) {
    chunk.inputs[i] = rng.int(V);
    chunk.targets[i] = rng.int(V);
  }
  const runner: StepRunner =
    shards > 1
      ? new ParallelStepRunner(model, T, B, null, { shards, backend: 'auto', gemm: createGemm('auto', 1) })
      : new SerialStepRunner<unknown>(model, createGemm('auto'), T, B, null);
  const times: number[] = [];
  try {
    for (let s = 0; s < warmup + steps; s++) {
      const t0 = performance.now();
      await runner.step(chunk, s);
      clipGradNorm(grads, 5);
      adam.step();
      if (s >= warmup) times.push(performance.now() - t0);
    }
  } finally {
    await runner.close();
  }
  return median(times);
}

/** GFLOPS of one product shape, median over repetitions. */
export function gemmGflops(gemm: Gemm, m: number, k: number, n: number): number {
  const rng = new Rng(2);
  const a = new Float32Array(m * k).map(() => rng.uniform(-1, 1));
  const b = new Float32Array(k * n).map(() => rng.uniform(-1, 1));
  const c = new Float32Array(m * n);
  const reps = Math.max(5, Math.min(200, Math.round(2e9 / (2 * m * n * k))));
  for (let i = 0; i < 3; i++) gemm.gemm(false, false, m, n, k, a, b, c, false);
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    gemm.gemm(false, false, m, n, k, a, b, c, false);
    times.push(performance.now() - t0);
  }
  return (2 * m * n * k) / (median(times) * 1e6);
}

/** A Gemm that adds up the multiply-add FLOPs (2·m·n·k) of the products it forwards. */
function countingGemm(inner: Gemm): Gemm & { flops: number } {
  const counter = {
    name: `counting(${inner.name})`,
    flops: 0,
    gemm(...args: Parameters<Gemm['gemm']>) {
      counter.flops += 2 * args[2] * args[3] * args[4];
      inner.gemm(...args);
    },
  };
  return counter;
}

/** The paper's standard layer: GRU, 320 units, input 32; V = 30, Δ = 10; decoders sized by the rule. */
function decoderWorkload(rows: { train: number; dev: number; eval: number }): DecoderData {
  const D = 320;
  const V = defaultNormalization().alphabet.length;
  const rng = new Rng(4);
  const states = (n: number) => new Float32Array(n * D).map(() => rng.normal());
  const labels = (n: number) => Array.from({ length: 10 }, () => new Int32Array(n).map(() => rng.int(V)));
  return {
    train: states(rows.train),
    dev: states(rows.dev),
    eval: states(rows.eval),
    nTrain: rows.train,
    nDev: rows.dev,
    nEval: rows.eval,
    D,
    trainLabels: labels(rows.train),
    devLabels: labels(rows.dev),
    evalLabels: labels(rows.eval),
    V,
  };
}

/**
 * Decoder stage: one epoch (plus its dev and eval passes) of the 10 decoders of a 320-unit layer on the default
 * positions, first in one thread with a 2-thread GEMM, then two keep probabilities at once in the worker pool.
 */
async function timeDecoders(gemm: Gemm) {
  const defaults = defaultSignatureOptions();
  const rows = { train: defaults.trainPositions, dev: defaults.devPositions, eval: defaults.evalPositions };
  const data = decoderWorkload(rows);
  const hidden = [hiddenSizeByRule(320, data.V, 3 * 320 * (32 + 320) + 2 * 3 * 320)];
  const config = {
    ...defaultDecoderConfig(),
    hidden,
    maxEpochs: 1,
    halfStage: false,
    finalists: 2,
    keepProbs: [0.5, 0.6],
  };
  // The peak is measured before and after the epochs and the better kept: a busy moment depresses one of them.
  const peakBefore = Math.max(gemmGflops(gemm, 1024, 1024, 1024), gemmGflops(gemm, 2048, 1024, 2048));
  const counter = countingGemm(gemm);
  let t0 = performance.now();
  fitKeepProb(counter, data, config, 0, true);
  const serialSeconds = (performance.now() - t0) / 1000;
  const flopsPerKeep = counter.flops;
  t0 = performance.now();
  await decoderPoolRunner({ threads: 2 })(data, config, {});
  const poolSeconds = (performance.now() - t0) / 1000;
  const peak = Math.max(peakBefore, gemmGflops(gemm, 1024, 1024, 1024), gemmGflops(gemm, 2048, 1024, 2048));
  const poolGflops = (2 * flopsPerKeep) / (poolSeconds * 1e9);
  return {
    rows,
    hidden: hidden[0]!,
    gflop_per_epoch: round(flopsPerKeep / 1e9, 1),
    serial_seconds_per_epoch: round(serialSeconds),
    serial_gflops: round(flopsPerKeep / (serialSeconds * 1e9)),
    pool_seconds_for_two_epochs: round(poolSeconds),
    pool_gflops: round(poolGflops),
    peak_gflops: round(peak),
    fraction_of_peak: round(poolGflops / peak, 3),
  };
}

interface TorchTiming {
  median_ms: number;
  threads: number;
  blas_threads: number;
  torch: string;
}

function torchAvailable(): boolean {
  if (!existsSync(PYTHON)) return false;
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** PyTorch's best median over the thread layouts that fit 2 cores (never more compute threads than cores). */
function timeTorch(cell: TrainCell): TorchTiming | null {
  const { layers, embed, units, batch, seq, warmup, steps } = WORKLOAD;
  const V = defaultNormalization().alphabet.length;
  let best: TorchTiming | null = null;
  for (const [threads, blas] of [
    [1, 1],
    [2, 1],
    [1, 2],
  ] as const) {
    const args = [TORCH_SCRIPT, '--cell', cell, '--layers', String(layers), '--vocab', String(V)];
    args.push('--embed', String(embed), '--units', String(units), '--batch', String(batch), '--seq', String(seq));
    args.push('--warmup', String(warmup), '--steps', String(steps), '--threads', String(threads));
    args.push('--blas-threads', String(blas));
    const out = execFileSync(PYTHON, args, { encoding: 'utf8' });
    const result = JSON.parse(out.trim().split('\n').pop()!) as TorchTiming;
    if (!best || result.median_ms < best.median_ms) best = result;
  }
  return best;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      'no-decoders': { type: 'boolean', default: false },
      rounds: { type: 'string', default: '3' },
      cells: { type: 'string', default: TRAIN_CELLS.join(',') },
    },
  });
  const cells = values.cells.split(',') as TrainCell[];
  const unknown = cells.find((c) => !TRAIN_CELLS.includes(c));
  if (unknown !== undefined) throw new Error(`--cells: ${unknown} is not one of ${TRAIN_CELLS.join(', ')}`);
  const json = values.json === true;
  const gemm = createGemm('auto');
  const log = (line: string) => {
    if (!json) console.log(line);
  };
  const hasTorch = torchAvailable();
  log(
    `backend: ${gemm.name}; PyTorch reference: ${hasTorch ? PYTHON : 'not installed (apt-get install python3-torch)'}`,
  );
  const result: Record<string, unknown> = {};
  // The host's speed drifts over seconds (other tenants share the cores), so memsig and PyTorch are measured in
  // alternation, round by round, and the ratio is taken within each round: both sides see the same conditions.
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds needs a whole number ≥ 1');
  for (const cell of cells) {
    const serial = await timeTrainingStep(cell, 1);
    const memsigTimes: number[] = [];
    const torchTimes: TorchTiming[] = [];
    const ratios: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const memsig = await timeTrainingStep(cell, 2);
      memsigTimes.push(memsig);
      const torch = hasTorch ? timeTorch(cell) : null;
      if (torch) {
        torchTimes.push(torch);
        ratios.push(memsig / torch.median_ms);
      }
    }
    const memsig = median(memsigTimes);
    const torchMs = torchTimes.length ? median(torchTimes.map((t) => t.median_ms)) : null;
    const ratio = ratios.length ? median(ratios) : null;
    const best = torchTimes.length ? torchTimes.reduce((a, b) => (b.median_ms < a.median_ms ? b : a)) : null;
    result[cell] = {
      memsig_ms: round(memsig),
      memsig_one_thread_ms: round(serial),
      pytorch_ms: torchMs === null ? null : round(torchMs),
      ratio: ratio === null ? null : round(ratio, 3),
      rounds,
      round_ratios: ratios.map((x) => round(x, 3)),
      memsig_round_ms: memsigTimes.map((x) => round(x)),
      pytorch_round_ms: torchTimes.map((t) => round(t.median_ms)),
      pytorch_threads: best ? { torch: best.threads, openblas: best.blas_threads } : null,
    };
    const range = ratios.length > 1 ? ` (rounds: ${ratios.map((x) => x.toFixed(2)).join(', ')})` : '';
    log(
      `${cell.padEnd(15)} step: memsig ${memsig.toFixed(1)} ms (one thread ${serial.toFixed(1)} ms), PyTorch ${torchMs !== null && best ? `${torchMs.toFixed(1)} ms (fastest layout: torch ${best.threads} thread(s), OpenBLAS ${best.blas_threads})` : 'n/a'}, ratio ${ratio === null ? 'n/a' : ratio.toFixed(2)}${range}`,
    );
  }
  const small = gemmGflops(gemm, 32, 352, 1280);
  const large = gemmGflops(gemm, 1024, 352, 1280);
  result.gemm = { backend: gemm.name, small_gflops: round(small), large_gflops: round(large) };
  log(
    `gemm (${gemm.name}): [32×352]·[352×1280] ${small.toFixed(1)} GFLOPS, [1024×352]·[352×1280] ${large.toFixed(1)} GFLOPS`,
  );
  result.workload = { ...WORKLOAD, vocab: defaultNormalization().alphabet.length };
  if (values['no-decoders'] !== true) {
    const decoders = await timeDecoders(gemm);
    result.decoders = decoders;
    log(
      `decoders (Δ = 10, 320-unit layer, hidden ${decoders.hidden}, ${decoders.rows.train} train positions): ` +
        `${decoders.gflop_per_epoch} GFLOP per epoch; one thread ${decoders.serial_seconds_per_epoch} s ` +
        `(${decoders.serial_gflops} GFLOPS); two keep probabilities in parallel ${decoders.pool_seconds_for_two_epochs} s ` +
        `(${decoders.pool_gflops} GFLOPS) = ${(100 * decoders.fraction_of_peak).toFixed(0)}% of the measured ` +
        `${decoders.peak_gflops} GFLOPS peak`,
    );
  }
  if (json) console.log(JSON.stringify(result));
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

await main();
