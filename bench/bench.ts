// `npm run bench [-- --json] [--no-decoders] [--no-signature] [--signature-positions N] [--rounds N]
// [--cells lstm,gru,factorized-lstm,las]`: memsig's training step (LSTM, GRU and factorized-kernel LSTM LMs; las: the
// Listen-Attend-Spell workload of bench/las-step.ts, not run by default) and GEMM
// speed, side by side with PyTorch in the same run; the decoders' fraction of the GEMM peak; and the wall time of
// the default decoder schedule on a fixed one-layer workload.
// Prints figures it measures; it asserts nothing (tests do that).

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { assessConvergence } from '../src/analysis/convergence.js';
import { decoderPoolRunner } from '../src/analysis/decoder-pool.js';
import { type DecoderData, defaultDecoderConfig, fitDecoders, hiddenSizeByRule } from '../src/analysis/decoders.js';
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
import { benchLasCell } from './las-step.js';

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
    // The decoders' first layer runs fused where the backend can (Gemm.gemmRelu): forward it, counted alike.
    gemmRelu: inner.gemmRelu
      ? (...args: Parameters<NonNullable<Gemm['gemmRelu']>>) => {
          counter.flops += 2 * args[0] * args[1] * args[2];
          inner.gemmRelu!(...args);
        }
      : undefined,
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

/** Positions of the decoder-speed workload (the signature defaults before converged decoders; a quick epoch). */
const DECODER_ROWS = { train: 60_000, dev: 10_000, eval: 40_000 } as const;

/** The rule-sized decoder of the paper's standard layer (GRU 320, input 32). */
function standardHidden(V: number): number[] {
  return [hiddenSizeByRule(320, V, 3 * 320 * (32 + 320) + 2 * 3 * 320)];
}

/**
 * Decoder stage: one epoch (plus its dev and eval passes) of the 10 decoders of a 320-unit layer, first in this
 * thread with a 2-thread GEMM, then as the pool runs a lone finalist: its two δ groups on two workers at once.
 */
async function timeDecoders(gemm: Gemm) {
  const rows = DECODER_ROWS;
  const data = decoderWorkload(rows);
  const hidden = standardHidden(data.V);
  const config = { ...defaultDecoderConfig(), hidden, maxEpochs: 1, halfStage: false, keepProbs: [1] };
  // The peak is measured before and after the epochs and the better kept: a busy moment depresses one of them.
  const peakBefore = Math.max(gemmGflops(gemm, 1024, 1024, 1024), gemmGflops(gemm, 2048, 1024, 2048));
  const counter = countingGemm(gemm);
  let t0 = performance.now();
  fitDecoders(counter, data, config);
  const serialSeconds = (performance.now() - t0) / 1000;
  const flops = counter.flops;
  t0 = performance.now();
  await decoderPoolRunner({ threads: 2 })(data, config, {});
  const poolSeconds = (performance.now() - t0) / 1000;
  const peak = Math.max(peakBefore, gemmGflops(gemm, 1024, 1024, 1024), gemmGflops(gemm, 2048, 1024, 2048));
  const poolGflops = flops / (poolSeconds * 1e9);
  return {
    rows,
    hidden: hidden[0]!,
    gflop_per_epoch: round(flops / 1e9, 1),
    serial_seconds_per_epoch: round(serialSeconds),
    serial_gflops: round(flops / (serialSeconds * 1e9)),
    pool_seconds_per_epoch: round(poolSeconds),
    pool_gflops: round(poolGflops),
    peak_gflops: round(peak),
    fraction_of_peak: round(poolGflops / peak, 3),
  };
}

/**
 * A fixed workload for a whole default signature of one layer: symbols drawn from a skewed prior, and a 320-unit
 * state that holds the last 10 of them through a random embedding, fainter with every step back, plus noise, so
 * that decoders recall near-perfectly at δ = 1 and fall towards chance by δ = 10 as a trained layer's do.
 */
function signatureWorkload(train: number): DecoderData {
  const D = 320;
  const V = defaultNormalization().alphabet.length;
  const deltas = 10;
  const rng = new Rng(5);
  const prior = Array.from({ length: V }, (_, s) => 1 / (s + 2));
  const total = prior.reduce((a, b) => a + b, 0);
  const draw = () => {
    let u = rng.uniform(0, total);
    for (let s = 0; s < V; s++) {
      u -= prior[s]!;
      if (u <= 0) return s;
    }
    return V - 1;
  };
  const embed = new Float32Array(V * D).map(() => rng.normal());
  const part = (n: number) => {
    const text = Int32Array.from({ length: n + deltas }, draw);
    const x = new Float32Array(n * D);
    const labels = Array.from({ length: deltas }, () => new Int32Array(n));
    for (let i = 0; i < n; i++) {
      const row = x.subarray(i * D, (i + 1) * D);
      for (let j = 0; j < D; j++) row[j] = 0.5 * rng.normal();
      for (let d = 1; d <= deltas; d++) {
        const s = text[i + deltas - d]!;
        labels[d - 1]![i] = s;
        const scale = 0.75 ** d;
        for (let j = 0; j < D; j++) row[j] += scale * embed[s * D + j]!;
      }
    }
    return { x, labels };
  };
  const [tr, dv, ev] = [part(train), part(DECODER_ROWS.dev * 2), part(DECODER_ROWS.eval)];
  return {
    train: tr.x,
    dev: dv.x,
    eval: ev.x,
    nTrain: train,
    nDev: DECODER_ROWS.dev * 2,
    nEval: DECODER_ROWS.eval,
    D,
    trainLabels: tr.labels,
    devLabels: dv.labels,
    evalLabels: ev.labels,
    V,
  };
}

/** Wall time of the default decoder schedule (sweep, half and full stages) on the fixed workload, in the pool. */
async function timeDefaultSignature(train: number) {
  const data = signatureWorkload(train);
  const config = { ...defaultDecoderConfig(), hidden: standardHidden(data.V) };
  let epochs = 0;
  const t0 = performance.now();
  const outcomes = await decoderPoolRunner({ threads: 2 })(data, config, {
    onProgress: (p) => {
      if (p.batch === p.batches && p.deltas[0] === 1) epochs += p.stage === 'half' || p.stage === 'rung' ? 0.5 : 1;
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  return {
    train_positions: train,
    seconds: round(seconds),
    full_epoch_equivalents: epochs,
    accuracy: outcomes.map((o) => round(o.devAccuracy, 4)),
    converged: outcomes.map((o) => assessConvergence(o.curve).converged),
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
      'no-signature': { type: 'boolean', default: false },
      'signature-positions': { type: 'string', default: '120000' },
      rounds: { type: 'string', default: '3' },
      cells: { type: 'string', default: TRAIN_CELLS.join(',') },
    },
  });
  const asked = values.cells.split(',').filter((c) => c !== '');
  const unknown = asked.find((c) => c !== 'las' && !TRAIN_CELLS.includes(c as TrainCell));
  if (unknown !== undefined) throw new Error(`--cells: ${unknown} is not one of ${TRAIN_CELLS.join(', ')}, las`);
  const cells = asked.filter((c) => c !== 'las') as TrainCell[];
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
  if (asked.includes('las')) {
    const las = benchLasCell(rounds, hasTorch);
    result.las = las.result;
    log(las.line);
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
        `(${decoders.serial_gflops} GFLOPS); in the pool (one keep probability, two δ groups on two workers) ` +
        `${decoders.pool_seconds_per_epoch} s (${decoders.pool_gflops} GFLOPS) = ` +
        `${(100 * decoders.fraction_of_peak).toFixed(0)}% of the measured ${decoders.peak_gflops} GFLOPS peak`,
    );
  }
  if (values['no-signature'] !== true) {
    const train = Number(values['signature-positions']);
    if (!Number.isInteger(train) || train < 100) throw new Error('--signature-positions needs a whole number ≥ 100');
    const sig = await timeDefaultSignature(train);
    result.default_signature = sig;
    log(
      `default decoder schedule on a fixed one-layer workload (320 units, Δ = 10, ${train} train positions): ` +
        `${sig.seconds} s, ${sig.full_epoch_equivalents} full-epoch equivalents; dev accuracy δ = 1..10 ` +
        `${sig.accuracy.map((a) => (100 * a).toFixed(1)).join(', ')}%; converged: ` +
        `${sig.converged.filter(Boolean).length} of 10`,
    );
  }
  if (json) console.log(JSON.stringify(result));
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

await main();
