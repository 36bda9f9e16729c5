// `node dist/bench/las-step.js [--steps N] [--threads 1,2] [--no-torch] [--packed]`: one Listen-Attend-Spell training step (forward + backward)
// of the benchmark workload in memsig (onnxruntime backend, 1 and 2 threads) and in the PyTorch reference
// (scripts/las_reference.py --bench) in the same run, and their ratio. Prints figures; asserts nothing.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { OnnxGemm } from '../src/backends/onnx-gemm.js';
import { Rng } from '../src/core/random.js';
import { defaultLasConfig, Las, type LasBatch } from '../src/models/las.js';

/** 8 utterances × 400 frames of 40 mel, about 30 graphemes each; the default LAS (3 × 256 BLSTM, 2 pyramid). */
export const LAS_WORKLOAD = { batch: 8, frames: 400, symbols: 30, warmup: 1, steps: 3 } as const;
const PYTHON = '/usr/bin/python3';
const TORCH_SCRIPT = fileURLToPath(new URL('../../scripts/las_reference.py', import.meta.url));

/** The workload's batch: lengths from T down to 0.8·T, transcripts of symbols − (b mod 3) graphemes. */
export function lasBenchBatch(rng: Rng): LasBatch {
  const { batch: B, frames: T, symbols } = LAS_WORKLOAD;
  const c = defaultLasConfig();
  const features = new Float32Array(T * B * c.features).map(() => rng.normal());
  const frames = Int32Array.from({ length: B }, (_, b) => T - Math.floor((Math.floor(T / 5) * b) / (B - 1)));
  const transcripts = Array.from({ length: B }, (_, b) =>
    Int32Array.from({ length: symbols - (b % 3) }, () => rng.int(c.alphabet)),
  );
  return { features, T, B, frames, transcripts };
}

/** Best wall time (ms) of zeroGrads + forward + backward over `steps` steps after `warmup`. */
export function timeLasStep(threads: number, steps: number, warmup: number): { best: number; all: number[] } {
  const gemm = new OnnxGemm({ threads });
  const rng = new Rng(1);
  const las = new Las(defaultLasConfig());
  las.initialize(rng);
  const batch = lasBenchBatch(rng);
  const all: number[] = [];
  for (let s = 0; s < warmup + steps; s++) {
    const t0 = performance.now();
    las.zeroGrads();
    las.forward(gemm, batch);
    las.backward(gemm);
    if (s >= warmup) all.push(performance.now() - t0);
  }
  return { best: Math.min(...all), all };
}

interface TorchTiming {
  mode: string;
  threads: number;
  blas_threads: number;
  best_ms: number;
}

function timeTorch(mode: string, threads: number, blasThreads: number, steps: number): TorchTiming | null {
  const args = [TORCH_SCRIPT, '--bench', '--mode', mode, '--threads', String(threads)];
  args.push('--blas-threads', String(blasThreads), '--steps', String(steps));
  try {
    return JSON.parse(execFileSync(PYTHON, args, { encoding: 'utf8' }).trim().split('\n').pop()!) as TorchTiming;
  } catch (err) {
    console.error(`PyTorch ${mode} ${threads}×${blasThreads}: ${(err as Error).message.split('\n')[0]}`);
    return null;
  }
}

function main(): void {
  const { values } = parseArgs({
    options: {
      steps: { type: 'string' },
      'no-torch': { type: 'boolean' },
      threads: { type: 'string' },
      packed: { type: 'boolean' }, // PyTorch's packed bidirectional form too: about 40 s a step here
    },
  });
  const steps = Number(values.steps ?? LAS_WORKLOAD.steps);
  const threadList = (values.threads ?? '1,2').split(',').map(Number);
  const { batch, frames, symbols } = LAS_WORKLOAD;
  console.log(`LAS training step: ${batch} utterances × ${frames} frames, ~${symbols} graphemes, default config`);
  const memsig: number[] = [];
  for (const threads of threadList) {
    const { best, all } = timeLasStep(threads, steps, LAS_WORKLOAD.warmup);
    memsig.push(best);
    console.log(
      `memsig onnx ${threads} thread(s): best ${best.toFixed(0)} ms (${all.map((t) => t.toFixed(0)).join(', ')})`,
    );
  }
  if (values['no-torch'] || !existsSync(PYTHON)) return;
  const torch: TorchTiming[] = [];
  // OpenBLAS threads × torch threads ≤ 2; the split form is the faster one on CPU (see las_reference.py).
  for (const [mode, t, b] of [
    ['split', 1, 1],
    ['split', 2, 1],
    ['split', 1, 2],
    ...(values.packed ? [['packed', 1, 1]] : []),
  ] as [string, number, number][]) {
    const r = timeTorch(mode, t, b, steps);
    if (!r) continue;
    torch.push(r);
    console.log(`PyTorch ${mode} torch ${t} × BLAS ${b} thread(s): best ${r.best_ms.toFixed(0)} ms`);
  }
  if (torch.length === 0) return;
  const bestTorch = Math.min(...torch.map((r) => r.best_ms));
  const bestMemsig = Math.min(...memsig);
  console.log(`memsig / PyTorch (best of each): ${(bestMemsig / bestTorch).toFixed(2)}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
