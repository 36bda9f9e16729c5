// Connectionist temporal classification loss (Graves et al. 2006) with its gradient, as PyTorch's
// F.ctc_loss(F.log_softmax(logits, -1), targets, input_lengths, target_lengths, blank, reduction, zero_infinity):
// the forward-backward recursions in log space and float64, so long utterances neither underflow nor overflow.

export type CtcReduction = 'mean' | 'sum';

export interface CtcOptions {
  /** Class index of the blank (default 0). */
  blank?: number;
  /**
   * 'mean' (PyTorch's default): each utterance's loss divided by its target length (at least 1), then averaged over
   * the batch. 'sum': the utterances' losses added.
   */
  reduction?: CtcReduction;
  /** An utterance that no alignment fits (too few frames) counts 0 with zero gradient, instead of Infinity. */
  zeroInfinity?: boolean;
}

export interface CtcResult {
  /** The reduced loss in nats. */
  loss: number;
  /** −log p(target | utterance) of each utterance (Infinity when no alignment fits), before any reduction. */
  perUtterance: Float64Array;
}

// Workspaces, grown on demand and reused across calls.
let logProbs = new Float64Array(0); // (n, C) log-softmax of one utterance's frames
let alpha = new Float64Array(0); // (n, 2S+1) log forward variables, emission at t included
let beta = new Float64Array(0); // (n, 2S+1) log backward variables, emission at t excluded
let occupancy = new Float64Array(0); // (C) log Σ over the extended labels of a class of α·β, one frame

const NEG_INF = Number.NEGATIVE_INFINITY;

function logAdd(a: number, b: number): number {
  if (a === NEG_INF) return b;
  if (b === NEG_INF) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/**
 * CTC loss of logits (T, B, C) (time-major, unnormalized: log-softmax is applied here over C) for utterance b's first
 * inputLengths[b] frames against targets[b] (class ids, none of them the blank). When dLogits (T, B, C) is given it
 * is overwritten with d(loss)/d(logits): per frame softmax − the posterior occupancy of each class, scaled by the
 * reduction; zero beyond each input length and for utterances zeroed by zeroInfinity.
 */
export function ctcLoss(
  logits: Float32Array,
  T: number,
  B: number,
  C: number,
  inputLengths: Int32Array,
  targets: readonly Int32Array[],
  dLogits: Float32Array | null,
  options: CtcOptions = {},
): CtcResult {
  const blank = options.blank ?? 0;
  const reduction = options.reduction ?? 'mean';
  if (!(Number.isInteger(blank) && blank >= 0 && blank < C)) throw new RangeError(`ctcLoss: invalid blank ${blank}`);
  if (logits.length < T * B * C) throw new RangeError(`ctcLoss: logits has ${logits.length}, needs ${T * B * C}`);
  if (inputLengths.length < B || targets.length < B) throw new RangeError('ctcLoss: fewer lengths or targets than B');
  if (dLogits) {
    if (dLogits.length < T * B * C) throw new RangeError(`ctcLoss: dLogits has ${dLogits.length}, needs ${T * B * C}`);
    dLogits.fill(0, 0, T * B * C);
  }
  const perUtterance = new Float64Array(B);
  let total = 0;
  for (let b = 0; b < B; b++) {
    const n = inputLengths[b]!;
    const label = targets[b]!;
    if (!(Number.isInteger(n) && n >= 0 && n <= T))
      throw new RangeError(`ctcLoss: input length ${n} outside [0, ${T}]`);
    for (const k of label) {
      if (!(k >= 0 && k < C) || k === blank) throw new RangeError(`ctcLoss: target class ${k} of utterance ${b}`);
    }
    const weight = reduction === 'mean' ? 1 / (Math.max(label.length, 1) * B) : 1;
    // An infeasible utterance returns before writing any gradient.
    let nll = utteranceLoss(logits, b, B, C, n, label, blank, dLogits, weight);
    if (nll === Number.POSITIVE_INFINITY && options.zeroInfinity) nll = 0;
    perUtterance[b] = nll;
    total += nll * weight;
  }
  return { loss: total, perUtterance };
}

/** −log p(label | frames) of utterance b; adds weight·gradient into dLogits when given and the loss is finite. */
function utteranceLoss(
  logits: Float32Array,
  b: number,
  B: number,
  C: number,
  n: number,
  label: Int32Array,
  blank: number,
  dLogits: Float32Array | null,
  weight: number,
): number {
  const S = 2 * label.length + 1; // extended label: blank, l_1, blank, l_2, …, blank
  if (n === 0) return label.length === 0 ? 0 : Number.POSITIVE_INFINITY;
  if (logProbs.length < n * C) logProbs = new Float64Array(n * C);
  if (alpha.length < n * S) {
    alpha = new Float64Array(n * S);
    beta = new Float64Array(n * S);
  }
  if (occupancy.length < C) occupancy = new Float64Array(C);
  const ext = (s: number) => (s & 1 ? label[s >> 1]! : blank);
  // A skip from s − 2 to s is allowed onto a label that differs from the label two back (never onto a blank).
  const canSkip = (s: number) => s >= 2 && (s & 1) === 1 && ext(s) !== ext(s - 2);

  for (let t = 0; t < n; t++) {
    const row = (t * B + b) * C;
    let max = NEG_INF;
    for (let k = 0; k < C; k++) max = Math.max(max, logits[row + k]!);
    let sum = 0;
    for (let k = 0; k < C; k++) sum += Math.exp(logits[row + k]! - max);
    const lse = max + Math.log(sum);
    for (let k = 0; k < C; k++) logProbs[t * C + k] = logits[row + k]! - lse;
  }

  alpha.fill(NEG_INF, 0, n * S);
  alpha[0] = logProbs[blank]!;
  if (S > 1) alpha[1] = logProbs[ext(1)]!;
  for (let t = 1; t < n; t++) {
    const a = t * S;
    const p = a - S;
    // States that cannot reach the end in the frames left stay −∞; the recursion gives that on its own.
    for (let s = 0; s < S; s++) {
      let v = alpha[p + s]!;
      if (s >= 1) v = logAdd(v, alpha[p + s - 1]!);
      if (canSkip(s)) v = logAdd(v, alpha[p + s - 2]!);
      alpha[a + s] = v === NEG_INF ? NEG_INF : v + logProbs[t * C + ext(s)]!;
    }
  }
  const last = (n - 1) * S;
  const logP = S > 1 ? logAdd(alpha[last + S - 1]!, alpha[last + S - 2]!) : alpha[last + S - 1]!;
  if (logP === NEG_INF) return Number.POSITIVE_INFINITY;
  if (!dLogits) return -logP;

  beta.fill(NEG_INF, 0, n * S);
  beta[last + S - 1] = 0;
  if (S > 1) beta[last + S - 2] = 0;
  for (let t = n - 2; t >= 0; t--) {
    const a = t * S;
    const nx = a + S;
    const lp = (t + 1) * C;
    for (let s = 0; s < S; s++) {
      let v = beta[nx + s]! + logProbs[lp + ext(s)]!;
      if (s + 1 < S) v = logAdd(v, beta[nx + s + 1]! + logProbs[lp + ext(s + 1)]!);
      if (s + 2 < S && canSkip(s + 2)) v = logAdd(v, beta[nx + s + 2]! + logProbs[lp + ext(s + 2)]!);
      beta[a + s] = v;
    }
  }
  // d(−log P)/d logit_{t,k} = softmax_{t,k} − Σ_{s: ext(s) = k} α_t(s)·β_t(s) / P.
  for (let t = 0; t < n; t++) {
    occupancy.fill(NEG_INF, 0, C);
    const a = t * S;
    for (let s = 0; s < S; s++) {
      const k = ext(s);
      occupancy[k] = logAdd(occupancy[k]!, alpha[a + s]! + beta[a + s]!);
    }
    const row = (t * B + b) * C;
    for (let k = 0; k < C; k++) {
      const g = Math.exp(logProbs[t * C + k]!) - Math.exp(occupancy[k]! - logP);
      dLogits[row + k] = weight * g;
    }
  }
  return -logP;
}
