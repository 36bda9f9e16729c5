// The one matrix-product interface of the engine, and its portable pure-TypeScript backend.
// Every matrix product in memsig goes through Gemm.gemm so that a faster backend can replace all of them at once.

/**
 * Row-major single-precision GEMM: C (m×n) = op(A)·op(B)  (+ C when accumulate).
 * op(A) is m×k: A is stored m×k, or k×m when transA. op(B) is k×n: B is stored k×n, or n×k when transB.
 * Buffers are dense (leading dimension = row length); pass subarray views for offsets.
 */
export interface Gemm {
  readonly name: string;
  /**
   * Optional: one fused LSTM step (see LstmStep) in place of a GEMM and a JavaScript gate loop. A backend offers it
   * when it can do the gate math natively; the layer falls back to gemm() and its own loop otherwise.
   */
  lstmStep?(step: LstmStep): void;
  /** Optional: one fused GRU step (see GruStep), as lstmStep. */
  gruStep?(step: GruStep): void;
  /**
   * Optional: C (m×n) = relu(A (m×k)·B (k×n)), no transposes, C overwritten: the product and its ReLU in one pass
   * over C. Callers go through gemmRelu() below, which falls back to gemm() and a ReLU pass.
   */
  gemmRelu?(m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array): void;
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

/**
 * One LSTM step in gate-major layout (rows are units or gate units, columns the B streams), as PyTorch's cell:
 * pre = W_hh·h_{t−1} + x-projection + bias; i, f, o = σ(pre), g = tanh(pre); c = f⊙c_{t−1} + i⊙g; h = o⊙tanh(c).
 */
export interface LstmStep {
  H: number;
  B: number;
  /** weight_hh (4H, H). */
  w: Float32Array;
  /** bias_ih + bias_hh (4H). */
  bias: Float32Array;
  /** h_{t−1} and c_{t−1} as the kernel sees them (reset, masked), (H, B). */
  hPrev: Float32Array;
  cPrev: Float32Array;
  /** (4H, B): on entry the input projection W_ih·x_t (without bias); on return the gates i, f, g, o. */
  gates: Float32Array;
  /** Outputs (H, B): c_t, tanh(c_t), h_t. */
  c: Float32Array;
  tanhC: Float32Array;
  h: Float32Array;
}

/**
 * One GRU step in gate-major layout, as PyTorch's cell: hn = W_hn·h_{t−1} + b_hn; r, z = σ(x-part + h-part);
 * n = tanh(W_in·x + b_in + r⊙hn); h = (1 − z)⊙n + z⊙h_{t−1}.
 */
export interface GruStep {
  H: number;
  B: number;
  /** weight_hh (3H, H), bias_ih and bias_hh (3H). */
  w: Float32Array;
  biasIh: Float32Array;
  biasHh: Float32Array;
  /** h_{t−1} as the recurrent product sees it (reset, masked), and as the interpolation does (reset only), (H, B). */
  hKernel: Float32Array;
  hPrev: Float32Array;
  /** (3H, B): on entry the input projection W_ih·x_t (without bias); on return the gates r, z, n. */
  gates: Float32Array;
  /** Outputs (H, B): W_hn·h_{t−1} + b_hn (kept for backward) and h_t. */
  hn: Float32Array;
  h: Float32Array;
  /** (3H, B) scratch for the recurrent product, used by the portable path. */
  scratch: Float32Array;
}

/** C (m×n) = relu(A (m×k)·B (k×n)) on `gemm`: its fused product where it has one, else the product and a ReLU pass. */
export function gemmRelu(
  gemm: Gemm,
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
): void {
  if (gemm.gemmRelu) {
    gemm.gemmRelu(m, n, k, a, b, c);
    return;
  }
  gemm.gemm(false, false, m, n, k, a, b, c, false);
  for (let i = 0; i < m * n; i++) {
    c[i] = Math.max(c[i], 0); // −0 gives +0, as onnxruntime's Relu
  }
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
