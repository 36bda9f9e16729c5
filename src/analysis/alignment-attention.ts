// The alignment a trained speller's attention implies: each grapheme sits at the frame its step attends to most,
// and the frames around that peak are where it is spoken. Works on the listener's top layer (the frames attended
// over); resampleAlignment (alignment.ts) carries it to other layers. Pure.

/**
 * Per grapheme i < graphemes, the frame < frames with the largest weight in row i of `weights` (the first on a tie),
 * forced monotone: a peak before the previous one is moved up to it. Row i holds the step that emits grapheme i
 * (speller step i), its frame u at weights[i·rowStride + u].
 */
export function attentionPeaks(
  weights: Float32Array,
  graphemes: number,
  frames: number,
  rowStride = frames,
): Int32Array {
  if (frames < 1) throw new RangeError('attentionPeaks: no frames');
  if (weights.length < (graphemes - 1) * rowStride + frames && graphemes > 0) {
    throw new RangeError(`attentionPeaks: weights hold ${weights.length}, too few for ${graphemes} rows`);
  }
  const peaks = new Int32Array(graphemes);
  let floor = 0;
  for (let i = 0; i < graphemes; i++) {
    const row = i * rowStride;
    let best = 0;
    for (let u = 1; u < frames; u++) if (weights[row + u]! > weights[row + best]!) best = u;
    floor = Math.max(floor, best);
    peaks[i] = floor;
  }
  return peaks;
}

/**
 * Frames → grapheme index from monotone peaks. The rule: each frame belongs to the grapheme whose peak is nearest
 * (a frame exactly midway goes to the later one), so the boundary between graphemes i − 1 and i is
 * m_i = ⌈(p_{i−1} + p_i)/2⌉; the first grapheme reaches as far before its peak as it reaches after it, and the last
 * as far after its peak as before it, so that each span is centred on its peak (clipped to the frames); frames
 * outside the spans are silence (−1). A lone grapheme holds its peak frame only. Graphemes that share a peak frame
 * leave it to the last of them (the one whose span covers it), the others get no frame.
 * On peaks at the centres of equal spans this gives those spans back exactly.
 */
export function alignPeaks(peaks: Int32Array, frames: number): Int32Array {
  const out = new Int32Array(frames).fill(-1);
  const n = peaks.length;
  if (n === 0) return out;
  const boundary = (i: number) => Math.ceil((peaks[i - 1]! + peaks[i]!) / 2);
  for (let i = 0; i < n; i++) {
    const p = peaks[i]!;
    let from: number;
    let to: number; // [from, to)
    if (n === 1) {
      from = p;
      to = p + 1;
    } else {
      to = i + 1 < n ? boundary(i + 1) : 2 * p - boundary(i) + 1;
      from = i > 0 ? boundary(i) : Math.min(2 * p - to + 1, to);
    }
    for (let u = Math.max(0, from); u < Math.min(frames, to); u++) out[u] = i;
  }
  return out;
}

/** alignPeaks of attentionPeaks: one utterance's weights (rows ≥ graphemes, one per speller step) → frame alignment. */
export function attentionAlignment(
  weights: Float32Array,
  graphemes: number,
  frames: number,
  rowStride = frames,
): Int32Array {
  return alignPeaks(attentionPeaks(weights, graphemes, frames, rowStride), frames);
}

/**
 * Utterance b's attention out of a batch's weights (L, B, U): its first `steps` rows over its first `frames`
 * frames, as a (steps, frames) copy.
 */
export function utteranceAttention(
  weights: Float32Array,
  L: number,
  B: number,
  U: number,
  b: number,
  steps: number,
  frames: number,
): Float32Array {
  if (steps > L || frames > U || b >= B) throw new RangeError('utteranceAttention: outside the batch');
  const out = new Float32Array(steps * frames);
  for (let i = 0; i < steps; i++) {
    const row = (i * B + b) * U;
    out.set(weights.subarray(row, row + frames), i * frames);
  }
  return out;
}
