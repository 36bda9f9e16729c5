// The one matrix-product interface of the engine, and its portable pure-TypeScript backend.
// Every matrix product in memsig goes through Gemm.gemm so that a faster backend can replace all of them at once.

/**
 * Row-major single-precision GEMM: C (m×n) = op(A)·op(B)  (+ C when accumulate).
 * op(A) is m×k: A is stored m×k, or k×m when transA. op(B) is k×n: B is stored k×n, or n×k when transB.
 * Buffers are dense (leading dimension = row length); pass subarray views for offsets.
 */
export interface Gemm {
  readonly name: string;
  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    accumulate: boolean,
  ): void;
}

/** Throws if a buffer is too small for the shapes: a bad shape must fail loudly, never read garbage. */
export function checkGemmArgs(
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
): void {
  if (!(m >= 0 && n >= 0 && k >= 0) || !Number.isInteger(m + n + k)) {
    throw new RangeError(`gemm: invalid shape m=${m} n=${n} k=${k}`);
  }
  if (a.length < m * k) throw new RangeError(`gemm: A has ${a.length} elements, needs ${m * k}`);
  if (b.length < k * n) throw new RangeError(`gemm: B has ${b.length} elements, needs ${k * n}`);
  if (c.length < m * n) throw new RangeError(`gemm: C has ${c.length} elements, needs ${m * n}`);
}

/** Portable backend: plain loops ordered for unit-stride inner access. Used in tests, the browser and as fallback. */
export const tsGemm: Gemm = {
  name: 'ts',
  gemm(transA, transB, m, n, k, a, b, c, accumulate) {
    checkGemmArgs(m, n, k, a, b, c);
    if (!accumulate) c.fill(0, 0, m * n);
    if (!transB) {
      // C[i,:] += A(i,p) * B[p,:]  — inner loop streams a row of B and a row of C.
      for (let i = 0; i < m; i++) {
        const cRow = i * n;
        for (let p = 0; p < k; p++) {
          const aip = transA ? a[p * m + i] : a[i * k + p];
          if (aip === 0) continue;
          const bRow = p * n;
          for (let j = 0; j < n; j++) c[cRow + j] += aip * b[bRow + j];
        }
      }
      return;
    }
    // transB: C[i,j] = sum_p A(i,p) * B[j,p] — a dot product of two unit-stride rows when A is not transposed.
    if (!transA) {
      for (let i = 0; i < m; i++) {
        const aRow = i * k;
        for (let j = 0; j < n; j++) {
          const bRow = j * k;
          let s = 0;
          for (let p = 0; p < k; p++) s += a[aRow + p] * b[bRow + p];
          c[i * n + j] += s;
        }
      }
      return;
    }
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const bRow = j * k;
        let s = 0;
        for (let p = 0; p < k; p++) s += a[p * m + i] * b[bRow + p];
        c[i * n + j] += s;
      }
    }
  },
};
