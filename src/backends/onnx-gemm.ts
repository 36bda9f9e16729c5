// GEMM through onnxruntime-node's CPU provider (MLAS): the fast backend on Node.
// We call the native session synchronously: the public API wraps the same call in a promise per run, which would
// make every matrix product in the engine asynchronous for no gain (the native run is synchronous anyway).

import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { checkGemmArgs, type Gemm, type GruStep, gemmRelu, type LstmStep, tsGemm } from '../core/gemm.js';
import { buildGemmModel, buildGruStepModel, buildLstmStepModel } from './onnx-model.js';

interface NativeSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: object): void;
  run(feeds: Record<string, unknown>, fetches: Record<string, unknown>, options: object): unknown;
}

interface OrtModules {
  createSession(): NativeSession;
  TensorCtor: new (type: 'float32', data: Float32Array, dims: number[]) => unknown;
}

let ortModules: OrtModules | null | undefined;
let ortLoadError = '';

function loadOrt(): OrtModules | null {
  if (ortModules !== undefined) return ortModules;
  try {
    const require = createRequire(import.meta.url);
    const bindingModule = require('onnxruntime-node/dist/binding.js') as {
      binding: { InferenceSession: new () => NativeSession };
      initOrt: () => void;
    };
    const common = require('onnxruntime-common') as { Tensor: OrtModules['TensorCtor'] };
    bindingModule.initOrt();
    ortModules = {
      createSession: () => new bindingModule.binding.InferenceSession(),
      TensorCtor: common.Tensor,
    };
  } catch (err) {
    ortLoadError = err instanceof Error ? (err.message.split('\n')[0] ?? String(err)) : String(err);
    ortModules = null;
  }
  return ortModules;
}

/** Why onnxruntime could not be loaded, or '' when it was. */
export function onnxLoadError(): string {
  loadOrt();
  return ortLoadError;
}

export interface OnnxGemmOptions {
  /** Intra-op threads for MLAS; default: the cores available, at most 8. */
  threads?: number;
  /** Let idle worker threads spin between products (default false: they would steal the gate math's core). */
  spin?: boolean;
  /** Products with fewer multiply-adds than this run in TypeScript: below it the native call overhead dominates. */
  smallWork?: number;
  /**
   * About the most floats of C that one native call writes (default 4M, 16 MB); a larger product (A not transposed)
   * runs as row blocks. The binding copies every output of a run into a fresh JavaScript buffer, even a preallocated one, and
   * a copy beyond glibc's 32 MB mmap threshold page-faults its way in: a 1024×9690×321 product ran at 45 GFLOPS in
   * one call and at 164 in blocks of 256 rows (one thread, measured by bench/gemm-blocks.ts).
   */
  maxCallOutput?: number;
}

export class OnnxGemm implements Gemm {
  readonly name = 'onnxruntime';
  private readonly sessions = new Map<number, NativeSession>();
  private readonly ort: OrtModules;
  private readonly threads: number;
  private readonly smallWork: number;
  private readonly spin: boolean;
  private readonly maxCallOutput: number;

  constructor(options: OnnxGemmOptions = {}) {
    const ort = loadOrt();
    if (!ort) throw new Error(`onnxruntime-node is not available: ${ortLoadError}`);
    this.ort = ort;
    this.threads = options.threads ?? Math.min(availableParallelism(), 8);
    this.spin = options.spin ?? false;
    this.smallWork = options.smallWork ?? 4096;
    this.maxCallOutput = options.maxCallOutput ?? 1 << 22;
  }

  private session(transA: boolean, transB: boolean, accumulate: boolean): NativeSession {
    const key = (transA ? 1 : 0) | (transB ? 2 : 0) | (accumulate ? 4 : 0);
    return this.compiled(key, () => buildGemmModel(transA, transB, accumulate));
  }

  /** The session of a model, compiled once per key. */
  private compiled(key: number, build: () => Uint8Array): NativeSession {
    let session = this.sessions.get(key);
    if (!session) {
      session = this.ort.createSession();
      const bytes = build();
      session.loadModel(bytes.buffer, bytes.byteOffset, bytes.byteLength, {
        intraOpNumThreads: this.threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        // Spinning workers would burn the core that the JavaScript gate math between two products needs: with it
        // on, an LSTM training step took 3× longer here.
        extra: { session: { intra_op: { allow_spinning: this.spin ? '1' : '0' } } },
      });
      this.sessions.set(key, session);
    }
    return session;
  }

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
  ): void {
    checkGemmArgs(m, n, k, a, b, c);
    if (m === 0 || n === 0) return;
    if (k === 0) {
      if (!accumulate) c.fill(0, 0, m * n);
      return;
    }
    if (m * n * k < this.smallWork) {
      tsGemm.gemm(transA, transB, m, n, k, a, b, c, accumulate);
      return;
    }
    const session = this.session(transA, transB, accumulate);
    if (!transA) this.inRowBlocks(session, transB, m, n, k, a, b, c, accumulate);
    else this.nativeGemm(session, transA, transB, m, n, k, a, b, c, accumulate);
  }

  /**
   * C = relu(A·B) as one native run: onnxruntime fuses the Gemm and the Relu of the model into one FusedGemm, which
   * applies the ReLU to C while it is still in cache.
   */
  gemmRelu(m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array): void {
    checkGemmArgs(m, n, k, a, b, c);
    if (m === 0 || n === 0) return;
    if (k === 0 || m * n * k < this.smallWork) {
      gemmRelu(tsGemm, m, n, k, a, b, c);
      return;
    }
    const session = this.compiled(GEMM_RELU_KEY, () => buildGemmModel(false, false, false, true));
    this.inRowBlocks(session, false, m, n, k, a, b, c, false);
  }

  /**
   * A product with A not transposed, in one native run or, when C exceeds maxCallOutput, as row blocks: row blocks
   * of C are contiguous, and so are A's, so each block is a product of views. Blocks are even in size and a multiple
   * of 8 rows (MLAS's row tile), so that no block is a thin remainder.
   */
  private inRowBlocks(
    session: NativeSession,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    accumulate: boolean,
  ): void {
    if (m * n <= this.maxCallOutput || m === 1) {
      this.nativeGemm(session, false, transB, m, n, k, a, b, c, accumulate);
      return;
    }
    const blocks = Math.ceil((m * n) / this.maxCallOutput);
    const rows = Math.max(1, Math.ceil(m / blocks / 8) * 8);
    for (let r = 0; r < m; r += rows) {
      const rr = Math.min(rows, m - r);
      this.nativeGemm(
        session,
        false,
        transB,
        rr,
        n,
        k,
        a.subarray(r * k, (r + rr) * k),
        b,
        c.subarray(r * n, (r + rr) * n),
        accumulate,
      );
    }
  }

  /** One native run of the product on `session` (a model of these transposes), the arguments checked. */
  private nativeGemm(
    session: NativeSession,
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    accumulate: boolean,
  ): void {
    const T = this.ort.TensorCtor;
    const y = c.length === m * n ? c : c.subarray(0, m * n);
    const feeds: Record<string, unknown> = {
      A: new T('float32', a.length === m * k ? a : a.subarray(0, m * k), transA ? [k, m] : [m, k]),
      B: new T('float32', b.length === k * n ? b : b.subarray(0, k * n), transB ? [n, k] : [k, n]),
    };
    const out = new T('float32', y, [m, n]);
    // Accumulate by feeding C as the bias and writing Y over the same memory: ORT's Gemm copies C into Y first
    // (a no-op copy when they alias) and then runs MLAS with beta = 1.
    if (accumulate) feeds.C = out;
    session.run(feeds, { Y: out }, {});
  }

  /** The LSTM step as one native run: the recurrent product, the bias and the gate math in MLAS. */
  lstmStep(s: LstmStep): void {
    const { H, B } = s;
    const G = 4 * H;
    const HB = H * B;
    const view = this.view;
    if (s.w.length < G * H || s.gates.length < G * B || s.bias.length < G) {
      throw new RangeError(`lstmStep: buffers too small for H=${H}, B=${B}`);
    }
    const unitBlock = [H, B];
    const feeds = {
      W: view(s.w, 0, G * H, [G, H]),
      Hp: view(s.hPrev, 0, HB, unitBlock),
      X: view(s.gates, 0, G * B, [G, B]),
      Bias: view(s.bias, 0, G, [G, 1]),
      Cp: view(s.cPrev, 0, HB, unitBlock),
    };
    // The gates are written over the input projection they were computed from (ORT reads X before any gate is out).
    const fetches = {
      I: view(s.gates, 0, HB, unitBlock),
      F: view(s.gates, HB, HB, unitBlock),
      Gt: view(s.gates, 2 * HB, HB, unitBlock),
      O: view(s.gates, 3 * HB, HB, unitBlock),
      C: view(s.c, 0, HB, unitBlock),
      TC: view(s.tanhC, 0, HB, unitBlock),
      Hn: view(s.h, 0, HB, unitBlock),
    };
    this.compiled(LSTM_STEP_KEY, buildLstmStepModel).run(feeds, fetches, {});
  }

  /** The GRU step as one native run, as lstmStep. */
  gruStep(s: GruStep): void {
    const { H, B } = s;
    const G = 3 * H;
    const HB = H * B;
    if (s.w.length < G * H || s.gates.length < G * B || s.biasIh.length < G || s.biasHh.length < G) {
      throw new RangeError(`gruStep: buffers too small for H=${H}, B=${B}`);
    }
    const view = this.view;
    const unitBlock = [H, B];
    const feeds = {
      W: view(s.w, 0, G * H, [G, H]),
      Hk: view(s.hKernel, 0, HB, unitBlock),
      X: view(s.gates, 0, G * B, [G, B]),
      Bi: view(s.biasIh, 0, G, [G, 1]),
      Bh: view(s.biasHh, 0, G, [G, 1]),
      Hp: view(s.hPrev, 0, HB, unitBlock),
    };
    // As in lstmStep, the gates overwrite the input projection, which ORT has read (X + Bi) before any gate is out.
    const fetches = {
      R: view(s.gates, 0, HB, unitBlock),
      Z: view(s.gates, HB, HB, unitBlock),
      N: view(s.gates, 2 * HB, HB, unitBlock),
      HN: view(s.hn, 0, HB, unitBlock),
      Hn: view(s.h, 0, HB, unitBlock),
    };
    this.compiled(GRU_STEP_KEY, buildGruStepModel).run(feeds, fetches, {});
  }

  /** An ORT tensor over n floats of a from offset (the array itself when it is exactly that). */
  private readonly view = (a: Float32Array, offset: number, n: number, dims: number[]): unknown =>
    new this.ort.TensorCtor('float32', offset === 0 && a.length === n ? a : a.subarray(offset, offset + n), dims);
}

/** Session keys of the fused steps (the Gemm models use keys 0–7). */
const LSTM_STEP_KEY = 8;
const GRU_STEP_KEY = 9;
const GEMM_RELU_KEY = 10;
