// `node dist/bench/gemm-blocks.js [--threads 1]`: the decoders' first-layer product, in one native call against row
// blocks of at most 8 MB of output (OnnxGemm's maxCallOutput), with the page faults and system time per product.
// onnxruntime-node copies every output into a fresh buffer, and a copy above glibc's 32 MB mmap threshold faults in
// every page. Prints figures; asserts nothing.

import { parseArgs } from 'node:util';
import { OnnxGemm } from '../src/backends/onnx-gemm.js';
import { Rng } from '../src/core/random.js';

interface Timing {
  bestMs: number;
  faultsPerCall: number;
  systemMsPerCall: number;
}

function timeProduct(gemm: OnnxGemm, m: number, n: number, k: number, reps: number): Timing {
  const rng = new Rng(3);
  const a = new Float32Array(m * k).map(() => rng.uniform(-1, 1));
  const b = new Float32Array(k * n).map(() => rng.uniform(-1, 1));
  const c = new Float32Array(m * n);
  for (let i = 0; i < 2; i++) gemm.gemm(false, false, m, n, k, a, b, c, false);
  const before = process.resourceUsage();
  let bestMs = Number.POSITIVE_INFINITY;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    gemm.gemm(false, false, m, n, k, a, b, c, false);
    bestMs = Math.min(bestMs, performance.now() - t0);
  }
  const after = process.resourceUsage();
  return {
    bestMs,
    faultsPerCall: (after.minorPageFault - before.minorPageFault) / reps,
    systemMsPerCall: (after.systemCPUTime - before.systemCPUTime) / 1000 / reps,
  };
}

function main(): void {
  const { values } = parseArgs({
    options: { threads: { type: 'string', default: '1' }, reps: { type: 'string', default: '10' } },
  });
  const threads = Number(values.threads);
  const reps = Number(values.reps);
  const whole = new OnnxGemm({ threads, maxCallOutput: Number.POSITIVE_INFINITY });
  const blocked = new OnnxGemm({ threads });
  console.log(`threads ${threads}; best of ${reps} products`);
  // The first layer of one δ group (5 decoders of 969 units) and of all 10 at once, batch 1024, a 320-unit state.
  for (const [m, n, k] of [
    [1024, 4845, 321],
    [1024, 9690, 321],
  ]) {
    for (const [label, gemm] of [
      ['one call', whole],
      ['row blocks', blocked],
    ] as const) {
      const t = timeProduct(gemm, m, n, k, reps);
      const gflops = (2 * m * n * k) / (t.bestMs * 1e6);
      console.log(
        `${m}×${n}×${k} ${label.padEnd(10)} ${t.bestMs.toFixed(1)} ms  ${gflops.toFixed(0)} GFLOPS  ` +
          `${t.faultsPerCall.toFixed(0)} page faults, ${t.systemMsPerCall.toFixed(1)} ms system time per product`,
      );
    }
  }
}

main();
