// `npm run bench`: memsig's training step and GEMM speed, side by side with PyTorch in the same run.
// Prints figures it measures; it asserts nothing (tests do that).

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createGemm } from '../src/backends/index.js';
import type { Gemm } from '../src/core/gemm.js';
import { softmaxCrossEntropy } from '../src/core/loss.js';
import { Adam, clipGradNorm } from '../src/core/optim.js';
import { Rng } from '../src/core/random.js';
import { defaultNormalization } from '../src/data/normalize.js';
import { CharLm } from '../src/models/char-lm.js';
import type { CellKind } from '../src/models/config.js';

/** The standard workload of the foundation issue. */
export const WORKLOAD = { layers: 1, embed: 32, units: 320, batch: 32, seq: 64, warmup: 3, steps: 15 } as const;
const PYTHON = '/usr/bin/python3';
const TORCH_SCRIPT = fileURLToPath(new URL('../../scripts/torch_bench.py', import.meta.url));

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Median wall time of one training step: forward + BPTT + clip + Adam, state carried between steps. */
export function timeTrainingStep(gemm: Gemm, cell: CellKind): number {
  const { layers, embed, units, batch: B, seq: T, warmup, steps } = WORKLOAD;
  const V = defaultNormalization().alphabet.length;
  const rng = new Rng(1);
  const model = new CharLm({ cell, layers, units, embed, vocab: V });
  model.initialize(rng);
  const adam = new Adam(model.trainable(), { lr: 2e-3 });
  const grads = [...model.grads.values()];
  const ids = new Int32Array(T * B).map(() => rng.int(V));
  const targets = new Int32Array(T * B).map(() => rng.int(V));
  const dLogits = new Float32Array(T * B * V);
  const state = model.zeroState(B);
  const times: number[] = [];
  for (let s = 0; s < warmup + steps; s++) {
    const t0 = performance.now();
    const logits = model.forward(gemm, ids, T, B, state, null, null);
    softmaxCrossEntropy(logits, targets, T * B, V, dLogits);
    model.zeroGrads();
    model.backward(gemm, dLogits);
    clipGradNorm(grads, 5);
    adam.step();
    if (s >= warmup) times.push(performance.now() - t0);
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
function timeTorch(cell: CellKind): TorchTiming | null {
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
  const json = process.argv.includes('--json');
  const gemm = createGemm('auto');
  const log = (line: string) => {
    if (!json) console.log(line);
  };
  const hasTorch = torchAvailable();
  log(
    `backend: ${gemm.name}; PyTorch reference: ${hasTorch ? PYTHON : 'not installed (apt-get install python3-torch)'}`,
  );
  const result: Record<string, unknown> = {};
  for (const cell of ['lstm', 'gru'] as const) {
    const memsig = timeTrainingStep(gemm, cell);
    const torch = hasTorch ? timeTorch(cell) : null;
    const ratio = torch ? memsig / torch.median_ms : null;
    result[cell] = {
      memsig_ms: round(memsig),
      pytorch_ms: torch ? round(torch.median_ms) : null,
      ratio: ratio === null ? null : round(ratio, 3),
      pytorch_threads: torch ? { torch: torch.threads, openblas: torch.blas_threads } : null,
    };
    log(
      `${cell.padEnd(5)} step: memsig ${memsig.toFixed(1)} ms, PyTorch ${torch ? `${torch.median_ms.toFixed(1)} ms (torch ${torch.threads} thread(s), OpenBLAS ${torch.blas_threads})` : 'n/a'}, ratio ${ratio === null ? 'n/a' : ratio.toFixed(2)}`,
    );
  }
  const small = gemmGflops(gemm, 32, 352, 1280);
  const large = gemmGflops(gemm, 1024, 352, 1280);
  result.gemm = { backend: gemm.name, small_gflops: round(small), large_gflops: round(large) };
  log(
    `gemm (${gemm.name}): [32×352]·[352×1280] ${small.toFixed(1)} GFLOPS, [1024×352]·[352×1280] ${large.toFixed(1)} GFLOPS`,
  );
  result.workload = { ...WORKLOAD, vocab: defaultNormalization().alphabet.length };
  if (json) console.log(JSON.stringify(result));
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

await main();
