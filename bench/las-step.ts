// `node dist/bench/las-step.js [--steps N] [--threads 1,2] [--no-torch] [--packed] [--shards N [--rounds R]]`: one Listen-Attend-Spell training step (forward + backward)
// of the benchmark workload in memsig (onnxruntime backend, 1 and 2 threads) and in the PyTorch reference
// (scripts/las_reference.py --bench) in the same run, and their ratio. Prints figures; asserts nothing.
// `npm run bench -- --cells las` runs benchLasCell, the same figures in bench.ts's alternating rounds.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ParallelLasStep } from '../src/asr/parallel-las-step.js';
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

/** The workload's batch as per-utterance items (frames, features), for the data-parallel step. */
function lasBenchItems(batch: LasBatch): { features: Float32Array; frames: number; labels: Int32Array }[] {
  const F = defaultLasConfig().features;
  return batch.transcripts.map((labels, b) => {
    const frames = batch.frames[b]!;
    const features = new Float32Array(frames * F);
    for (let t = 0; t < frames; t++) {
      features.set(batch.features.subarray((t * batch.B + b) * F, (t * batch.B + b + 1) * F), t * F);
    }
    return { features, frames, labels };
  });
}

/**
 * `--shards N`: the step as `memsig asr train` runs it serially (one thread, a 2-thread GEMM) against N data-parallel
 * shards (single-threaded GEMMs, workers kept across steps), alternating A B A B… round by round, since the machine
 * may be loaded by other work; each round's figure is the best of `steps` steps, and its ratio serial / sharded.
 */
async function benchShards(shards: number, rounds: number, steps: number): Promise<void> {
  const rng = new Rng(1);
  const las = new Las(defaultLasConfig());
  las.initialize(rng);
  const batch = lasBenchBatch(rng);
  const items = lasBenchItems(batch);
  const serialGemm = new OnnxGemm({ threads: 2 });
  const runner = new ParallelLasStep(las, { shards, backend: 'onnx', gemm: new OnnxGemm({ threads: 1 }) });
  const oneGemm = new OnnxGemm({ threads: 1 });
  const serialOn = (gemm: OnnxGemm) => async () => {
    las.zeroGrads();
    las.forward(gemm, batch);
    las.backward(gemm);
  };
  const serialStep = serialOn(serialGemm);
  const oneThreadStep = serialOn(oneGemm);
  const shardedStep = async () => {
    await runner.step(items, defaultLasConfig().features);
  };
  const best = async (step: () => Promise<void>) => {
    let ms = Number.POSITIVE_INFINITY;
    for (let s = 0; s < steps; s++) {
      const t0 = performance.now();
      await step();
      ms = Math.min(ms, performance.now() - t0);
    }
    return ms;
  };
  try {
    await serialStep(); // warm-up of each
    await shardedStep();
    await oneThreadStep();
    const a: number[] = [];
    const b: number[] = [];
    const c: number[] = [];
    for (let r = 0; r < rounds; r++) {
      a.push(await best(serialStep));
      b.push(await best(shardedStep));
      c.push(await best(oneThreadStep));
      console.log(
        `round ${r + 1}: serial 2-thread GEMM ${a[r]!.toFixed(0)} ms, ${shards} shards ${b[r]!.toFixed(0)} ms, serial 1-thread GEMM ${c[r]!.toFixed(0)} ms; ratios serial/sharded ${(a[r]! / b[r]!).toFixed(2)}, ${(c[r]! / b[r]!).toFixed(2)}`,
      );
    }
    const ratios = a.map((x, r) => x / b[r]!);
    const oneRatios = c.map((x, r) => x / b[r]!);
    console.log(
      `median: serial 2-thread GEMM ${median(a).toFixed(0)} ms, ${shards} shards ${median(b).toFixed(0)} ms, serial 1-thread GEMM ${median(c).toFixed(0)} ms; ` +
        `median of the rounds' ratios serial/sharded ${median(ratios).toFixed(2)} (2-thread GEMM), ${median(oneRatios).toFixed(2)} (1-thread GEMM)`,
    );
  } finally {
    await runner.close();
  }
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

/** The best PyTorch split-form timing over the thread layouts that fit 2 cores. */
function bestTorch(steps: number): TorchTiming | null {
  let best: TorchTiming | null = null;
  for (const [t, b] of [
    [1, 1],
    [2, 1],
    [1, 2],
  ] as const) {
    const r = timeTorch('split', t, b, steps);
    if (r && (!best || r.best_ms < best.best_ms)) best = r;
  }
  return best;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * The `las` cell of `npm run bench`: a training step of the workload as `memsig asr train` runs it (one thread, a
 * 2-thread GEMM) and PyTorch's split form at its fastest thread layout, measured in alternation round by round; the
 * ratio is the median of the rounds' ratios. Returns the JSON result and the line to print.
 */
export function benchLasCell(rounds: number, withTorch: boolean): { result: Record<string, unknown>; line: string } {
  const { steps, warmup, batch, frames } = LAS_WORKLOAD;
  const serial = timeLasStep(1, steps, warmup).best;
  const memsigMs: number[] = [];
  const torchMs: number[] = [];
  const ratios: number[] = [];
  let layout: TorchTiming | null = null;
  for (let r = 0; r < rounds; r++) {
    const m = timeLasStep(2, steps, warmup).best;
    memsigMs.push(m);
    const t = withTorch && existsSync(PYTHON) ? bestTorch(steps) : null;
    if (t) {
      torchMs.push(t.best_ms);
      ratios.push(m / t.best_ms);
      if (!layout || t.best_ms < layout.best_ms) layout = t;
    }
  }
  const c = defaultLasConfig();
  const memsig = median(memsigMs);
  const torch = torchMs.length ? median(torchMs) : null;
  const ratio = ratios.length ? median(ratios) : null;
  const r2 = (x: number) => Math.round(x * 100) / 100;
  const result = {
    workload: `${batch} utterances × ${frames} frames, ${c.features} mel, listener ${c.listenerLayers}×${c.listenerUnits} per direction, speller ${c.spellerLayers}×${c.spellerUnits}, ${c.alphabet + 2} graphemes`,
    memsig_ms: r2(memsig),
    memsig_one_thread_ms: r2(serial),
    pytorch_ms: torch === null ? null : r2(torch),
    ratio: ratio === null ? null : Math.round(ratio * 1000) / 1000,
    rounds,
    round_ratios: ratios.map((x) => Math.round(x * 1000) / 1000),
    memsig_round_ms: memsigMs.map(r2),
    pytorch_round_ms: torchMs.map(r2),
    pytorch_threads: layout ? { torch: layout.threads, openblas: layout.blas_threads } : null,
  };
  const range = ratios.length > 1 ? ` (rounds: ${ratios.map((x) => x.toFixed(2)).join(', ')})` : '';
  const torchText =
    torch !== null && layout
      ? `${torch.toFixed(0)} ms (split form; fastest layout: torch ${layout.threads} thread(s), OpenBLAS ${layout.blas_threads})`
      : 'n/a';
  const line =
    `${'las'.padEnd(15)} step: memsig ${memsig.toFixed(0)} ms (one thread ${serial.toFixed(0)} ms), PyTorch ${torchText}, ` +
    `ratio ${ratio === null ? 'n/a' : ratio.toFixed(2)}${range}`;
  return { result, line };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      steps: { type: 'string' },
      shards: { type: 'string' },
      rounds: { type: 'string' },
      'no-torch': { type: 'boolean' },
      threads: { type: 'string' },
      packed: { type: 'boolean' }, // PyTorch's packed bidirectional form too: about 40 s a step here
    },
  });
  const steps = Number(values.steps ?? LAS_WORKLOAD.steps);
  if (values.shards !== undefined) {
    await benchShards(Number(values.shards), Number(values.rounds ?? 5), Number(values.steps ?? 1));
    return;
  }
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

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
