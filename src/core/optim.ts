// Adam (torch.optim.Adam semantics) and global gradient-norm clipping (torch.nn.utils.clip_grad_norm_).

import { UserError } from './errors.js';

/** A trainable tensor: its values and the gradient buffer the backward pass accumulates into (same length). */
export interface Param {
  name: string;
  data: Float32Array;
  grad: Float32Array;
}

export interface AdamOptions {
  /** Learning rate (default 1e-3). May be changed between steps through Adam.lr. */
  lr?: number;
  /** (β1, β2), default (0.9, 0.999). */
  betas?: readonly [number, number];
  /** Added to the bias-corrected √v (default 1e-8). */
  eps?: number;
  /** L2 penalty added to the gradient, PyTorch style: g ← g + weightDecay·θ (default 0; not AdamW). */
  weightDecay?: number;
}

/**
 * Optimizer state for checkpoints: the step count and, per parameter, `${name}.exp_avg` (m) and
 * `${name}.exp_avg_sq` (v), named as in PyTorch's Adam state.
 */
export interface AdamState {
  step: number;
  buffers: Map<string, Float32Array>;
}

/**
 * torch.optim.Adam (amsgrad=False, maximize=False). Per step t, per entry:
 *   g ← grad + wd·θ;  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
 *   θ ← θ − (lr / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + eps)
 * The formula of PyTorch's single-tensor path (bias corrections folded the same way); intermediates are float64 and m, v, θ are
 * stored as float32, so results agree with PyTorch to float32 rounding (not bit for bit), and a run resumed
 * from getState()/setState() is bit-identical to an uninterrupted one.
 */
/**
 * Moments below this are stored as 0. A confident classifier's gradients are tiny, their squares denormal in float32,
 * and every denormal a JavaScript loop writes costs a microcode assist (Adam's step ran 2× slower on the decoders of
 * δ = 1–4 than on the others). What is dropped is far below float32's resolution of the update: √v < 1e-16 against
 * eps = 1e-8, and an m below 1e-32 moves a weight by less than lr·1e-24.
 */
const TINY = 1e-32;

export class Adam {
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  private readonly params: Param[];
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private steps = 0;

  constructor(params: readonly Param[], options: AdamOptions = {}) {
    this.lr = options.lr ?? 1e-3;
    [this.beta1, this.beta2] = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    if (!(this.lr >= 0)) throw new RangeError(`Adam: invalid learning rate ${this.lr}`);
    if (!(this.eps >= 0)) throw new RangeError(`Adam: invalid eps ${this.eps}`);
    if (!(this.beta1 >= 0 && this.beta1 < 1)) throw new RangeError(`Adam: invalid beta1 ${this.beta1}`);
    if (!(this.beta2 >= 0 && this.beta2 < 1)) throw new RangeError(`Adam: invalid beta2 ${this.beta2}`);
    if (!(this.weightDecay >= 0)) throw new RangeError(`Adam: invalid weight decay ${this.weightDecay}`);
    const names = new Set<string>();
    for (const p of params) {
      if (names.has(p.name)) throw new Error(`Adam: duplicate parameter name '${p.name}'`);
      names.add(p.name);
      if (p.grad.length !== p.data.length) {
        throw new RangeError(`Adam: '${p.name}' has ${p.data.length} values but ${p.grad.length} gradients`);
      }
    }
    this.params = params.slice();
    this.m = this.params.map((p) => new Float32Array(p.data.length));
    this.v = this.params.map((p) => new Float32Array(p.data.length));
  }

  /** Number of steps taken so far. */
  get stepCount(): number {
    return this.steps;
  }

  /** One Adam update of every parameter from its current grad (grads are read, not modified). */
  step(): void {
    const t = ++this.steps;
    const b1 = this.beta1;
    const b2 = this.beta2;
    const c1 = 1 - b1;
    const c2 = 1 - b2;
    const stepSize = this.lr / (1 - b1 ** t);
    // PyTorch divides √v by √(1−β2ᵗ); multiplying by the reciprocal differs by at most an ulp of float64 (far below
    // the float32 rounding of θ) and saves a division per entry: this loop dominates the decoders' training time.
    const invBc2Sqrt = 1 / Math.sqrt(1 - b2 ** t);
    const eps = this.eps;
    const wd = this.weightDecay;
    for (let k = 0; k < this.params.length; k++) {
      const { data, grad } = this.params[k];
      const m = this.m[k];
      const v = this.v[k];
      const n = data.length;
      if (wd === 0) {
        for (let i = 0; i < n; i++) {
          const g = grad[i];
          // The moments as stored (float32), as PyTorch uses them, but flushed to 0 below TINY (see there).
          const m0 = b1 * m[i] + c1 * g;
          const v0 = b2 * v[i] + c2 * g * g;
          const mi = m0 < TINY && m0 > -TINY ? 0 : Math.fround(m0);
          const vi = v0 < TINY ? 0 : Math.fround(v0);
          m[i] = mi;
          v[i] = vi;
          data[i] -= (stepSize * mi) / (Math.sqrt(vi) * invBc2Sqrt + eps);
        }
      } else {
        for (let i = 0; i < n; i++) {
          const g = grad[i] + wd * data[i];
          const m0 = b1 * m[i] + c1 * g;
          const v0 = b2 * v[i] + c2 * g * g;
          const mi = m0 < TINY && m0 > -TINY ? 0 : Math.fround(m0);
          const vi = v0 < TINY ? 0 : Math.fround(v0);
          m[i] = mi;
          v[i] = vi;
          data[i] -= (stepSize * mi) / (Math.sqrt(vi) * invBc2Sqrt + eps);
        }
      }
    }
  }

  /** Sets every gradient buffer to 0. */
  zeroGrad(): void {
    for (const p of this.params) p.grad.fill(0);
  }

  /**
   * The optimizer state (step count, m and v per parameter): copies, or with `copy` false the live moments (to be
   * read before the next step).
   */
  getState(copy = true): AdamState {
    const buffers = new Map<string, Float32Array>();
    for (let k = 0; k < this.params.length; k++) {
      const name = this.params[k].name;
      buffers.set(`${name}.exp_avg`, copy ? this.m[k].slice() : this.m[k]);
      buffers.set(`${name}.exp_avg_sq`, copy ? this.v[k].slice() : this.v[k]);
    }
    return { step: this.steps, buffers };
  }

  /** Restores a state from getState() (copied in). Throws if a buffer is missing or has the wrong length. */
  setState(state: AdamState): void {
    if (!(Number.isInteger(state.step) && state.step >= 0)) throw new RangeError(`Adam: invalid step ${state.step}`);
    const pending: [Float32Array, Float32Array][] = [];
    for (let k = 0; k < this.params.length; k++) {
      const name = this.params[k].name;
      for (const [suffix, dst] of [
        ['exp_avg', this.m[k]],
        ['exp_avg_sq', this.v[k]],
      ] as const) {
        const key = `${name}.${suffix}`;
        const src = state.buffers.get(key);
        if (src === undefined) throw new Error(`Adam: state has no '${key}'`);
        if (src.length !== dst.length) {
          throw new RangeError(`Adam: state '${key}' has ${src.length} elements, expected ${dst.length}`);
        }
        pending.push([dst, src]);
      }
    }
    // Validate everything before writing anything.
    for (const [dst, src] of pending) dst.set(src);
    this.steps = state.step;
  }
}

/**
 * torch.nn.utils.clip_grad_norm_(norm_type=2): total = √(Σ over all grads of g²) computed in float64; when
 * coef = maxNorm / (total + 1e-6) < 1 every gradient is multiplied by coef (PyTorch multiplies by
 * min(coef, 1), which is the same). Returns the norm before clipping. A non-finite norm is returned as it is and
 * nothing is scaled (PyTorch would spread NaN into the gradients).
 */
export function clipGradNorm(grads: readonly Float32Array[], maxNorm: number): number {
  let sumSq = 0;
  for (const g of grads) {
    const n = g.length;
    let s0 = 0;
    let s1 = 0;
    let i = 0;
    for (; i + 1 < n; i += 2) {
      const a = g[i];
      const b = g[i + 1];
      s0 += a * a;
      s1 += b * b;
    }
    if (i < n) s0 += g[i] * g[i];
    sumSq += s0 + s1;
  }
  const norm = Math.sqrt(sumSq);
  if (!Number.isFinite(norm)) return norm;
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) {
    for (const g of grads) {
      const n = g.length;
      for (let i = 0; i < n; i++) g[i] *= coef;
    }
  }
  return norm;
}

/**
 * One optimizer step of a training loop: refuses a non-finite loss with the user's remedy (a diverged run must stop
 * before Adam spreads NaN into the weights), then clips the gradients' norm and steps. `step` counts from 0.
 */
export function clippedStep(
  adam: { step(): void },
  grads: readonly Float32Array[],
  clip: number,
  loss: number,
  step: number,
): void {
  if (!Number.isFinite(loss)) {
    throw new UserError(`training diverged: the loss became ${loss} at step ${step + 1}; try a lower --lr or --clip`);
  }
  clipGradNorm(grads, clip);
  adam.step();
}
