// Time reduction by concatenating consecutive frames: LAS's pyramid layers (two frames of the layer below become one
// input frame) and input frame stacking (k feature frames become one). Time-major (T, B, D) in, (⌊T/k⌋, B, k·D) out.

/**
 * dst (⌊T/k⌋, B, k·D) [t, b] = [src[k·t, b]; src[k·t+1, b]; …; src[k·t+k−1, b]] for src (T, B, D).
 * A trailing T mod k frames are dropped, as PyTorch's reshape of the even part does. Returns the new length.
 */
export function concatFrames(src: Float32Array, T: number, B: number, D: number, k: number, dst: Float32Array): number {
  checkFactor(k);
  const Tk = Math.floor(T / k);
  const row = k * D;
  if (dst.length < Tk * B * row) throw new RangeError(`concatFrames: dst has ${dst.length}, needs ${Tk * B * row}`);
  for (let t = 0; t < Tk; t++) {
    for (let b = 0; b < B; b++) {
      const out = (t * B + b) * row;
      for (let j = 0; j < k; j++) {
        const from = ((k * t + j) * B + b) * D;
        dst.set(src.subarray(from, from + D), out + j * D);
      }
    }
  }
  return Tk;
}

/** Backward of concatFrames: dSrc (T, B, D) from dDst (⌊T/k⌋, B, k·D); the dropped trailing frames get zero. */
export function concatFramesBackward(
  dDst: Float32Array,
  T: number,
  B: number,
  D: number,
  k: number,
  dSrc: Float32Array,
): void {
  checkFactor(k);
  const Tk = Math.floor(T / k);
  const row = k * D;
  for (let t = 0; t < Tk; t++) {
    for (let b = 0; b < B; b++) {
      const from = (t * B + b) * row;
      for (let j = 0; j < k; j++) {
        dSrc.set(dDst.subarray(from + j * D, from + (j + 1) * D), ((k * t + j) * B + b) * D);
      }
    }
  }
  dSrc.fill(0, Tk * k * B * D, T * B * D);
}

/** Per-utterance lengths after concatFrames: ⌊length/k⌋ (an utterance's odd last frame is dropped, never paired with padding). */
export function reduceLengths(
  lengths: Int32Array,
  k: number,
  out: Int32Array = new Int32Array(lengths.length),
): Int32Array {
  checkFactor(k);
  for (let b = 0; b < lengths.length; b++) out[b] = Math.floor(lengths[b]! / k);
  return out;
}

function checkFactor(k: number): void {
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`concatFrames: invalid factor ${k}`);
}
