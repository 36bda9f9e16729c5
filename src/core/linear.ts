// Fully connected layer y = x·wᵀ + b with PyTorch's nn.Linear weight layout (out, in).

import type { Gemm } from './gemm.js';

function need(name: string, buf: Float32Array, n: number): void {
  if (buf.length < n) throw new RangeError(`linear: ${name} has ${buf.length} elements, needs ${n}`);
}

/**
 * y (N,out) = x (N,in) · wᵀ (in,out) + b (out). Overwrites y.
 * @param w weight (out,in), row-major (PyTorch nn.Linear layout)
 * @param b bias (out), or null for no bias
 */
export function linearForward(
  gemm: Gemm,
  x: Float32Array,
  w: Float32Array,
  b: Float32Array | null,
  y: Float32Array,
  N: number,
  inF: number,
  outF: number,
): void {
  need('x', x, N * inF);
  need('w', w, outF * inF);
  need('y', y, N * outF);
  gemm.gemm(false, true, N, outF, inF, x, w, y, false);
  if (b !== null) {
    need('b', b, outF);
    // y[r, j] += b[j]   (y: (N,out))
    for (let r = 0; r < N; r++) {
      const row = r * outF;
      for (let j = 0; j < outF; j++) y[row + j] += b[j];
    }
  }
}

/**
 * Backward of linearForward given dy (N,out):
 *   dx (N,in)  = dy · w            (overwritten; skipped when dx is null)
 *   dw (out,in) += dyᵀ · x          (accumulated)
 *   db (out)   += Σ_rows dy         (accumulated; skipped when db is null)
 */
export function linearBackward(
  gemm: Gemm,
  x: Float32Array,
  w: Float32Array,
  dy: Float32Array,
  dx: Float32Array | null,
  dw: Float32Array,
  db: Float32Array | null,
  N: number,
  inF: number,
  outF: number,
): void {
  need('x', x, N * inF);
  need('w', w, outF * inF);
  need('dy', dy, N * outF);
  need('dw', dw, outF * inF);
  if (dx !== null) {
    need('dx', dx, N * inF);
    gemm.gemm(false, false, N, inF, outF, dy, w, dx, false);
  }
  gemm.gemm(true, false, outF, inF, N, dy, x, dw, true);
  if (db !== null) {
    need('db', db, outF);
    // db[j] += Σ_r dy[r, j]   (dy: (N,out)); summed row by row so every row of dy is read once, unit stride.
    for (let r = 0; r < N; r++) {
      const row = r * outF;
      for (let j = 0; j < outF; j++) db[j] += dy[row + j];
    }
  }
}
