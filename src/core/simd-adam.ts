// Adam's update as a WebAssembly SIMD kernel, four float32 lanes at a time. The decoders' first layer has millions of
// weights and the update is O(parameters) per step whatever the batch: on one δ group's 1.55M parameters, plain
// JavaScript (optim.ts) took 7.7 ms a step (15.8 ms with many tiny gradients), this kernel 2.3 ms, copies included
// (best of 30 steps each, measured side by side). The module is assembled here byte by byte (no toolchain, no file).
// It computes in float32 throughout, as PyTorch's Adam does; optim.ts's Adam computes in float64 and rounds the
// moments, so the two agree to float32 rounding, not to the bit.

import type { AdamState } from './optim.js';
import { get, I32, name, section, set, simd, u32, V128 } from './simd-bytes.js';

/** The parameters Adam updates: values and gradients of the same length. */
export interface AdamParam {
  data: Float32Array;
  grad: Float32Array;
  /** Names the parameter's moments in getState() (its index where absent). */
  name?: string;
}

// ---- The module's bytes ----

const F32 = 0x7d;
/** v128.load / v128.store with 16-byte alignment, offset 0. */
const load = [...simd(0x00), 4, 0];
const store = [...simd(0x0b), 4, 0];
const splat = simd(0x13);
const and = simd(0x4e);
const ge = simd(0x46);
const abs = simd(0xe0);
const sqrt = simd(0xe3);
const add = simd(0xe4);
const sub = simd(0xe5);
const mul = simd(0xe6);
const div = simd(0xe7);
const i32add = [0x6a];

// Parameters of adam(p, g, m, v, n, b1, c1, b2, c2, stepSize, invBc2Sqrt, eps, tiny, tinyGrad): byte offsets of the
// four arrays (16-byte aligned), the count n (a multiple of 4), then the scalars. Locals after them.
const [P, G, M, V, N, B1, C1, B2, C2, S, K, EPS, TINY_ARG, GTINY_ARG] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
const [AT, END, VB1, VC1, VB2, VC2, VS, VK, VEPS, VTINY, VGTINY, GV, MV, VV] = [
  14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,
];

function adamBody(): number[] {
  const address = (base: number) => [...get(base), ...get(AT), ...i32add];
  const code = [
    // end = n · 4 bytes; the scalars splatted to all four lanes.
    ...get(N),
    0x41,
    2,
    0x74,
    ...set(END),
    ...[
      [B1, VB1],
      [C1, VC1],
      [B2, VB2],
      [C2, VC2],
      [S, VS],
      [K, VK],
      [EPS, VEPS],
      [TINY_ARG, VTINY],
      [GTINY_ARG, VGTINY],
    ].flatMap(([from, to]) => [...get(from!), ...splat, ...set(to!)]),
    0x41,
    0,
    ...set(AT),
    0x02,
    0x40, // block
    0x03,
    0x40, // loop
    ...get(AT),
    ...get(END),
    0x4f, // i32.ge_u
    0x0d,
    1, // br_if out of the block
    // g, 0 where |g| < tiny_g: g² of a smaller one is a denormal float, which costs a microcode assist in every lane
    // operation that touches it (the kernel ran 8 times slower on such gradients); a gradient that small moves no
    // float32 weight (lr·1e-16/eps ≪ its resolution).
    ...address(G),
    ...load,
    ...set(GV),
    ...get(GV),
    ...get(GV),
    ...abs,
    ...get(VGTINY),
    ...ge,
    ...and,
    ...set(GV),
    // m = b1·m + c1·g, then 0 where |m| < tiny
    ...address(M),
    ...load,
    ...get(VB1),
    ...mul,
    ...get(GV),
    ...get(VC1),
    ...mul,
    ...add,
    ...set(MV),
    ...get(MV),
    ...get(MV),
    ...abs,
    ...get(VTINY),
    ...ge,
    ...and,
    ...set(MV),
    // v = b2·v + c2·g², then 0 where v < tiny
    ...address(V),
    ...load,
    ...get(VB2),
    ...mul,
    ...get(GV),
    ...get(GV),
    ...mul,
    ...get(VC2),
    ...mul,
    ...add,
    ...set(VV),
    ...get(VV),
    ...get(VV),
    ...get(VTINY),
    ...ge,
    ...and,
    ...set(VV),
    ...address(M),
    ...get(MV),
    ...store,
    ...address(V),
    ...get(VV),
    ...store,
    // p = p − stepSize·m / (√v · invBc2Sqrt + eps)
    ...address(P),
    ...address(P),
    ...load,
    ...get(MV),
    ...get(VS),
    ...mul,
    ...get(VV),
    ...sqrt,
    ...get(VK),
    ...mul,
    ...get(VEPS),
    ...add,
    ...div,
    ...sub,
    ...store,
    // at += 16
    ...get(AT),
    0x41,
    16,
    ...i32add,
    ...set(AT),
    0x0c,
    0, // br to the loop
    0x0b, // end loop
    0x0b, // end block
    0x0b, // end function
  ];
  return code;
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const paramTypes = [I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32, F32, F32];
  const type = section(1, [1, 0x60, ...u32(paramTypes.length), ...paramTypes, 0]);
  const imports = section(2, [1, ...name('env'), ...name('mem'), 0x02, 0x00, 1]);
  const funcs = section(3, [1, 0]);
  const exports = section(7, [1, ...name('adam'), 0x00, 0]);
  // Locals: two i32 (at, end), then twelve v128 (the splatted scalars, g, m, v).
  const locals = [2, ...u32(2), I32, ...u32(12), V128];
  const body = [...locals, ...adamBody()];
  const code = section(10, [1, ...u32(body.length), ...body]);
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...type, ...imports, ...funcs, ...exports, ...code]);
}

let compiled: WebAssembly.Module | null | undefined;

/** The compiled kernel, or null where this runtime lacks WebAssembly SIMD. */
function kernelModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  const bytes = moduleBytes();
  compiled = typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  return compiled;
}

/** Whether SimdAdam can run here. */
export function simdAdamAvailable(): boolean {
  return kernelModule() !== null;
}

/** Moments below this are stored as 0 (see optim.ts: denormals cost microcode assists and change nothing). */
const TINY = 1e-32;
/** Gradients below this in magnitude count as 0 (see the kernel). */
const TINY_GRAD = 1e-16;

const PAGE = 65_536;

/**
 * Float32 arrays in one WebAssembly memory, for parameters that a SimdAdam built with it updates where they are: a
 * value and gradient from here (16-byte aligned, a length a multiple of 4) skip the copies in and out of every step,
 * which on a δ group's 1.55M decoder parameters were 1.7 of its 4 ms. Sized for the arrays and for the moments
 * and copies a SimdAdam keeps beside them.
 */
export class AdamMemory {
  readonly memory: WebAssembly.Memory;
  private used = 0;
  private readonly capacity: number;

  /** Room for parameter arrays (values and gradients) of `paramFloats` floats in all. */
  constructor(paramFloats: number) {
    // Values and gradients, their moments, and copy regions for the parameters that cannot be updated in place;
    // each array rounded up to 4 floats. Pages never written cost no memory.
    this.capacity = 3 * (paramFloats + 4 * 1024) + 16;
    this.memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil((this.capacity * 4) / PAGE)) });
  }

  /** A zeroed array of n floats, 16-byte aligned, with its padding to 4 floats its own. */
  alloc(n: number): Float32Array {
    const at = this.reserve(n);
    if (at < 0) throw new RangeError(`AdamMemory: no room for ${n} more floats`);
    return new Float32Array(this.memory.buffer, at * 4, n);
  }

  /** The float offset of n floats (rounded up to 4) set aside, or −1 where they do not fit. */
  reserve(n: number): number {
    const padded = Math.ceil(n / 4) * 4;
    if (this.used + padded > this.capacity) return -1;
    const at = this.used;
    this.used += padded;
    return at;
  }

  /** The floats still free. */
  get free(): number {
    return this.capacity - this.used;
  }
}

/**
 * Adam (β = 0.9, 0.999, eps 1e-8, no weight decay) over `params`, its moments kept in WebAssembly memory. Each step
 * copies values and gradients in, runs the kernel and copies the values back: far cheaper than the update itself.
 * Built on an AdamMemory, it updates the parameters that live there in place, and keeps its moments there.
 */
export class SimdAdam {
  lr: number;
  private readonly params: AdamParam[];
  private readonly heap: Float32Array;
  private readonly run: (...args: number[]) => void;
  /**
   * Per parameter: float offsets of its value, gradient, m and v regions (each padded to a multiple of 4), and
   * whether value and gradient are the parameter's own arrays (no copies).
   */
  private readonly offsets: { p: number; g: number; m: number; v: number; n: number; inPlace: boolean }[];
  private steps = 0;

  constructor(params: readonly AdamParam[], lr: number, memory?: AdamMemory) {
    const module = kernelModule();
    if (!module) throw new Error('SimdAdam: this runtime has no WebAssembly SIMD');
    this.lr = lr;
    this.params = params.slice();
    for (const p of this.params) {
      if (p.grad.length !== p.data.length) throw new RangeError('SimdAdam: values and gradients differ in length');
    }
    const padded = (p: AdamParam) => Math.ceil(p.data.length / 4) * 4;
    const shared = memory !== undefined ? memory.memory.buffer : null;
    // In place only where the kernel's four-float steps stay inside the parameter's own arrays.
    const inPlace = (p: AdamParam) =>
      shared !== null &&
      p.data.buffer === shared &&
      p.grad.buffer === shared &&
      p.data.length % 4 === 0 &&
      p.data.byteOffset % 16 === 0 &&
      p.grad.byteOffset % 16 === 0;
    const need = this.params.reduce((sum, p) => sum + (inPlace(p) ? 2 : 4) * padded(p), 0);
    // Without a memory, or one too full, a memory of its own with every parameter copied in and out.
    const own = memory === undefined || memory.free < need;
    const wasm = own ? new WebAssembly.Memory({ initial: Math.max(1, Math.ceil((need * 4) / PAGE)) }) : memory.memory;
    let at = 0;
    const take = (n: number): number => {
      if (!own) return memory.reserve(n);
      at += n;
      return at - n;
    };
    this.offsets = this.params.map((p) => {
      const n = padded(p);
      if (!own && inPlace(p)) {
        return { p: p.data.byteOffset / 4, g: p.grad.byteOffset / 4, m: take(n), v: take(n), n, inPlace: true };
      }
      return { p: take(n), g: take(n), m: take(n), v: take(n), n, inPlace: false };
    });
    this.heap = new Float32Array(wasm.buffer);
    const instance = new WebAssembly.Instance(module, { env: { mem: wasm } });
    this.run = instance.exports.adam as (...args: number[]) => void;
  }

  get stepCount(): number {
    return this.steps;
  }

  /**
   * The step count and moments, named as Adam.getState() names them (for checkpoints): copies, or with `copy` false
   * views of the live moments (to be read before the next step).
   */
  getState(copy = true): AdamState {
    const buffers = new Map<string, Float32Array>();
    const take = (from: number, n: number) =>
      copy ? this.heap.slice(from, from + n) : this.heap.subarray(from, from + n);
    this.params.forEach((p, k) => {
      const o = this.offsets[k]!;
      const n = p.data.length;
      buffers.set(`${p.name ?? k}.exp_avg`, take(o.m, n));
      buffers.set(`${p.name ?? k}.exp_avg_sq`, take(o.v, n));
    });
    return { step: this.steps, buffers };
  }

  /** Restores a state from getState() (copied in); throws, writing nothing, if a buffer is missing or mis-sized. */
  setState(state: AdamState): void {
    if (!(Number.isInteger(state.step) && state.step >= 0))
      throw new RangeError(`SimdAdam: invalid step ${state.step}`);
    const pending: [number, Float32Array][] = [];
    this.params.forEach((p, k) => {
      const o = this.offsets[k]!;
      for (const [suffix, at] of [
        ['exp_avg', o.m],
        ['exp_avg_sq', o.v],
      ] as const) {
        const key = `${p.name ?? k}.${suffix}`;
        const src = state.buffers.get(key);
        if (src === undefined) throw new Error(`SimdAdam: state has no '${key}'`);
        if (src.length !== p.data.length) {
          throw new RangeError(`SimdAdam: state '${key}' has ${src.length} elements, expected ${p.data.length}`);
        }
        pending.push([at, src]);
      }
    });
    for (const [at, src] of pending) this.heap.set(src, at);
    this.steps = state.step;
  }

  /** One update of every parameter from its current gradient. */
  step(): void {
    const t = ++this.steps;
    const b1 = 0.9;
    const b2 = 0.999;
    const stepSize = this.lr / (1 - b1 ** t);
    const invBc2Sqrt = 1 / Math.sqrt(1 - b2 ** t);
    const heap = this.heap;
    for (let k = 0; k < this.params.length; k++) {
      const { data, grad } = this.params[k]!;
      const o = this.offsets[k]!;
      if (!o.inPlace) {
        heap.set(data, o.p);
        heap.set(grad, o.g);
      }
      this.run(
        4 * o.p,
        4 * o.g,
        4 * o.m,
        4 * o.v,
        o.n,
        b1,
        1 - b1,
        b2,
        1 - b2,
        stepSize,
        invBc2Sqrt,
        1e-8,
        TINY,
        TINY_GRAD,
      );
      if (!o.inPlace) data.set(heap.subarray(o.p, o.p + data.length));
    }
  }
}
