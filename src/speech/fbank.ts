// Log-mel filterbank features as Kaldi's compute-fbank-feats computes them (and torchaudio.compliance.kaldi.fbank,
// without dither), so that a recognizer sees the numbers a Kaldi recipe would. Pure computation: no I/O.

import FFT from 'fft.js';
import { UserError } from '../core/errors.js';

export type FbankWindow = 'povey' | 'hamming' | 'hanning';

/** Kaldi's fbank options under memsig's names; dither is always 0 (features must be reproducible). */
export interface FbankConfig {
  melBins: number;
  frameLengthMs: number;
  frameShiftMs: number;
  /** Pre-emphasis coefficient: x[i] -= p · x[i−1] within each frame (0 turns it off). */
  preemphasis: number;
  window: FbankWindow;
  /** Subtract each frame's mean before pre-emphasis. */
  removeDcOffset: boolean;
  /** Lower edge of the first mel filter, Hz. */
  lowFreq: number;
  /** Upper edge of the last mel filter, Hz: 0 means the Nyquist frequency, a negative value is an offset below it. */
  highFreq: number;
  /** Only whole frames (Kaldi's default); false centres frames on multiples of the shift, reflecting at the edges. */
  snipEdges: boolean;
  /** Power spectrum (true) or magnitude spectrum (false) into the filters. */
  usePower: boolean;
  /** Prepend Kaldi's log-energy column (then bins = melBins + 1). */
  useEnergy: boolean;
  /** Floor of the energy column (0: none); only used with useEnergy. */
  energyFloor: number;
  /** Zero-pad each frame to the next power of two before the FFT. */
  roundToPowerOfTwo: boolean;
}

/** Features of one utterance. */
export interface Features {
  frames: number;
  bins: number;
  data: Float32Array; // (frames, bins) row-major
}

export function defaultFbankConfig(): FbankConfig {
  return {
    melBins: 40,
    frameLengthMs: 25,
    frameShiftMs: 10,
    preemphasis: 0.97,
    window: 'povey',
    removeDcOffset: true,
    lowFreq: 20,
    highFreq: 0,
    snipEdges: true,
    usePower: true,
    useEnergy: false,
    energyFloor: 0,
    roundToPowerOfTwo: true,
  };
}

/**
 * Samples in [−1, 1] are multiplied by this before anything else: Kaldi reads 16-bit WAVs as their raw integer
 * values, so a clip's features here equal Kaldi's (and torchaudio's on the int16 values) for the same file.
 */
export const KALDI_SAMPLE_SCALE = 32768;

// Kaldi's floor under the filter energies and the frame energy before the log: float32's machine epsilon.
const LOG_FLOOR = 1.1920928955078125e-7;

/** Mel filter m weights FFT bins first[m] .. with weights[start[m] .. start[m + 1]): a triangle's non-zero run. */
interface MelFilters {
  first: Int32Array; // (melBins)
  start: Int32Array; // (melBins + 1)
  weights: Float64Array;
}

/** Everything about the computation that depends only on the sample rate and the config, computed once per call. */
interface FbankPlan {
  windowSize: number; // samples per frame
  windowShift: number;
  fftSize: number;
  window: Float64Array; // (windowSize)
  filters: MelFilters;
  fft: FFT;
}

/** Log-mel features of `samples` (mono, in [−1, 1], see KALDI_SAMPLE_SCALE) at `sampleRate` Hz. */
export function computeFbank(samples: Float32Array, sampleRate: number, config: FbankConfig): Features {
  const plan = planFbank(sampleRate, config);
  const { windowSize, fftSize, window, filters, fft } = plan;
  const frames = countFrames(samples.length, plan.windowShift, windowSize, config.snipEdges);
  const offset = config.useEnergy ? 1 : 0;
  const bins = config.melBins + offset;
  const data = new Float32Array(frames * bins);
  if (frames === 0) return { frames, bins, data };

  const frame = new Float64Array(fftSize); // the tail past windowSize stays zero: the padding
  const spectrum = new Float64Array(2 * fftSize); // interleaved (re, im); realTransform fills bins 0..fftSize/2
  const power = new Float64Array(fftSize / 2); // Kaldi drops the Nyquist bin
  const { preemphasis: p, removeDcOffset, useEnergy, usePower, snipEdges, energyFloor } = config;
  const logEnergyFloor = energyFloor > 0 ? Math.log(energyFloor) : -Infinity;
  const { first, start, weights } = filters;
  const melBins = first.length;
  for (let t = 0; t < frames; t++) {
    extractFrame(samples, t, plan, snipEdges, frame);
    if (removeDcOffset) {
      let sum = 0;
      for (let i = 0; i < windowSize; i++) sum += frame[i];
      const mean = sum / windowSize;
      for (let i = 0; i < windowSize; i++) frame[i] -= mean;
    }
    const row = t * bins;
    if (useEnergy) {
      // Kaldi's "raw" energy: after DC removal, before pre-emphasis and the window.
      let energy = 0;
      for (let i = 0; i < windowSize; i++) energy += frame[i] * frame[i];
      data[row] = Math.max(Math.log(Math.max(energy, LOG_FLOOR)), logEnergyFloor);
    }
    // Pre-emphasis and the window in one pass, backwards so that frame[i − 1] is still the original.
    for (let i = windowSize - 1; i > 0; i--) frame[i] = (frame[i] - p * frame[i - 1]) * window[i];
    frame[0] = (frame[0] - p * frame[0]) * window[0];
    fft.realTransform(spectrum, frame);
    for (let k = 0; k < power.length; k++) {
      const re = spectrum[2 * k];
      const im = spectrum[2 * k + 1];
      power[k] = re * re + im * im;
    }
    if (!usePower) for (let k = 0; k < power.length; k++) power[k] = Math.sqrt(power[k]);
    for (let m = 0; m < melBins; m++) {
      let energy = 0;
      const k0 = first[m] - start[m];
      for (let j = start[m]; j < start[m + 1]; j++) energy += weights[j] * power[k0 + j];
      data[row + offset + m] = Math.log(Math.max(energy, LOG_FLOOR));
    }
  }
  return { frames, bins, data };
}

/** The number of frames Kaldi makes of `n` samples. */
export function countFrames(n: number, shift: number, size: number, snipEdges: boolean): number {
  if (snipEdges) return n < size ? 0 : 1 + Math.floor((n - size) / shift);
  return Math.floor((n + Math.floor(shift / 2)) / shift);
}

/** Frame size and shift in samples, as Kaldi truncates them. */
export function frameSamples(sampleRate: number, config: FbankConfig): { size: number; shift: number } {
  // Same operation order as Kaldi/torchaudio, so that the truncation agrees to the sample.
  return {
    size: Math.trunc(sampleRate * config.frameLengthMs * 0.001),
    shift: Math.trunc(sampleRate * config.frameShiftMs * 0.001),
  };
}

// Copies frame t, scaled to int16 range, into out[0 .. windowSize); without snipEdges, samples before the start or
// past the end are mirrored (x[−1] = x[0], x[n] = x[n−1]) as Kaldi does.
function extractFrame(samples: Float32Array, t: number, plan: FbankPlan, snipEdges: boolean, out: Float64Array): void {
  const { windowSize, windowShift } = plan;
  const n = samples.length;
  const start = snipEdges
    ? t * windowShift
    : t * windowShift + Math.floor(windowShift / 2) - Math.floor(windowSize / 2);
  if (start >= 0 && start + windowSize <= n) {
    for (let i = 0; i < windowSize; i++) out[i] = samples[start + i] * KALDI_SAMPLE_SCALE;
    return;
  }
  for (let i = 0; i < windowSize; i++) {
    let s = start + i;
    while (s < 0 || s >= n) s = s < 0 ? -s - 1 : 2 * n - 1 - s;
    out[i] = samples[s] * KALDI_SAMPLE_SCALE;
  }
}

function planFbank(sampleRate: number, config: FbankConfig): FbankPlan {
  if (!(sampleRate > 0)) throw new UserError(`fbank: sample rate must be positive (got ${sampleRate})`);
  const { size: windowSize, shift: windowShift } = frameSamples(sampleRate, config);
  if (windowSize < 2 || windowShift < 1) {
    throw new UserError(
      `fbank: a ${config.frameLengthMs} ms frame with a ${config.frameShiftMs} ms shift is too short at ${sampleRate} Hz`,
    );
  }
  const fftSize = config.roundToPowerOfTwo ? nextPowerOfTwo(windowSize) : windowSize;
  if (fftSize !== nextPowerOfTwo(fftSize)) {
    // fft.js only does powers of two.
    throw new UserError(
      `fbank: roundToPowerOfTwo false needs a frame of a power-of-two length (${windowSize} samples is not)`,
    );
  }
  if (!(config.preemphasis >= 0 && config.preemphasis <= 1)) {
    throw new UserError(`fbank: preemphasis must be in [0, 1] (got ${config.preemphasis})`);
  }
  return {
    windowSize,
    windowShift,
    fftSize,
    window: makeWindow(config.window, windowSize),
    filters: makeMelFilters(config, sampleRate, fftSize),
    fft: new FFT(fftSize),
  };
}

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

// Kaldi's windows are symmetric (denominator N − 1); "povey" is the Hann window to the power 0.85.
function makeWindow(kind: FbankWindow, size: number): Float64Array {
  const w = new Float64Array(size);
  const a = (2 * Math.PI) / (size - 1);
  for (let i = 0; i < size; i++) {
    const c = Math.cos(a * i);
    if (kind === 'hamming') w[i] = 0.54 - 0.46 * c;
    else if (kind === 'hanning') w[i] = 0.5 - 0.5 * c;
    else if (kind === 'povey') w[i] = (0.5 - 0.5 * c) ** 0.85;
    else throw new UserError(`fbank: unknown window '${kind}' (use povey, hamming or hanning)`);
  }
  return w;
}

function melOf(hz: number): number {
  return 1127 * Math.log(1 + hz / 700);
}

// Triangles equally spaced on the mel scale between lowFreq and highFreq, each spanning its neighbours' centres,
// over the FFT bins below Nyquist; only the non-zero run of each is kept.
function makeMelFilters(config: FbankConfig, sampleRate: number, fftSize: number): MelFilters {
  const nyquist = sampleRate / 2;
  const { melBins, lowFreq } = config;
  const highFreq = config.highFreq <= 0 ? config.highFreq + nyquist : config.highFreq;
  if (!Number.isInteger(melBins) || melBins < 3) {
    throw new UserError(`fbank: melBins must be an integer of at least 3 (got ${melBins})`);
  }
  if (!(lowFreq >= 0 && lowFreq < nyquist && highFreq > 0 && highFreq <= nyquist && lowFreq < highFreq)) {
    throw new UserError(
      `fbank: need 0 <= lowFreq < highFreq <= ${nyquist} Hz at ${sampleRate} Hz (got lowFreq ${lowFreq}, highFreq ${highFreq})`,
    );
  }
  const binWidth = sampleRate / fftSize;
  const melLow = melOf(lowFreq);
  const melDelta = (melOf(highFreq) - melLow) / (melBins + 1);
  const binMels = new Float64Array(fftSize / 2);
  for (let k = 0; k < binMels.length; k++) binMels[k] = melOf(binWidth * k);
  const first = new Int32Array(melBins);
  const start = new Int32Array(melBins + 1);
  const weights: number[] = [];
  for (let m = 0; m < melBins; m++) {
    const left = melLow + m * melDelta;
    const centre = melLow + (m + 1) * melDelta;
    const right = melLow + (m + 2) * melDelta;
    start[m] = weights.length;
    for (let k = 0; k < binMels.length; k++) {
      const mel = binMels[k];
      const w = Math.min((mel - left) / (centre - left), (right - mel) / (right - centre));
      if (w > 0) {
        if (weights.length === start[m]) first[m] = k;
        weights.push(w);
      } else if (weights.length > start[m]) {
        break;
      }
    }
  }
  start[melBins] = weights.length;
  return { first, start, weights: Float64Array.from(weights) };
}
