// How well attention has aligned, from its weights alone: an aligned speller looks at a few frames per step
// (focus) and moves through the utterance as it spells (its attention's centre rises with the step: diagonal, and
// rarely steps back: monotonic). An untrained one spreads its weight (focus ≈ 3/frames) or stares at one place
// (diagonal ≈ 0). score = focus · max(0, diagonal): near 0 before alignment, near 1 after. Pure.

export interface AlignmentScore {
  /** focus · max(0, diagonal), in [0, 1]. */
  score: number;
  /** Mean over steps of the weight on the peak frame and its two neighbours. */
  focus: number;
  /** Mean over utterances of the correlation between step and attention centre, in [−1, 1] (0 when constant). */
  diagonal: number;
  /** Fraction of steps whose attention centre does not move back by more than one frame. */
  monotonic: number;
}

/**
 * The score of weights (L, B, U): utterance b's first steps[b] steps (its graphemes and <eos>) over its first
 * lengths[b] frames. Utterances with fewer than two steps count for focus only.
 */
export function scoreAlignment(
  weights: Float32Array,
  L: number,
  B: number,
  U: number,
  steps: ArrayLike<number>,
  lengths: ArrayLike<number>,
): AlignmentScore {
  let focusSum = 0;
  let stepCount = 0;
  let diagonalSum = 0;
  let utterances = 0;
  let forward = 0;
  let moves = 0;
  for (let b = 0; b < B; b++) {
    const n = lengths[b]!;
    const m = Math.min(steps[b]!, L);
    const centres = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      const row = (i * B + b) * U;
      let peak = 0;
      let centre = 0;
      for (let u = 0; u < n; u++) {
        const a = weights[row + u]!;
        centre += u * a;
        if (a > weights[row + peak]!) peak = u;
      }
      let near = 0;
      for (let u = Math.max(0, peak - 1); u <= Math.min(n - 1, peak + 1); u++) near += weights[row + u]!;
      focusSum += near;
      stepCount++;
      centres[i] = centre;
      if (i > 0) {
        moves++;
        if (centre >= centres[i - 1]! - 1) forward++;
      }
    }
    if (m >= 2) {
      diagonalSum += correlationWithIndex(centres);
      utterances++;
    }
  }
  const focus = stepCount > 0 ? focusSum / stepCount : 0;
  const diagonal = utterances > 0 ? diagonalSum / utterances : 0;
  return {
    score: focus * Math.max(0, diagonal),
    focus,
    diagonal,
    monotonic: moves > 0 ? forward / moves : 1,
  };
}

/** Pearson correlation of x_i with i; 0 when x is constant. */
function correlationWithIndex(x: Float64Array): number {
  const n = x.length;
  const meanI = (n - 1) / 2;
  let meanX = 0;
  for (const v of x) meanX += v;
  meanX /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - meanX;
    const di = i - meanI;
    sxy += dx * di;
    sxx += dx * dx;
    syy += di * di;
  }
  return sxx > 1e-12 ? sxy / Math.sqrt(sxx * syy) : 0;
}
