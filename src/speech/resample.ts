// Sample-rate conversion for speech audio: a Kaiser-windowed sinc interpolator whose low-pass sits below the lower
// of the two Nyquist frequencies, so downsampling does not alias and upsampling does not leave images.
//
// Why not wavefile's toSampleRate: measured on 22,050 -> 16,000 Hz it runs at ~12x real time (it would cost more than
// the synthesis itself), droops 1.5-2.6 dB at 3 kHz on 8 -> 16 kHz, truncates the output length and stretches time
// by (N-1)/N. This one is exact in time, flat to 0.9 x Nyquist, >= 80 dB down from Nyquist on, and ~12x faster
// (~150x real time).

/** Stopband attenuation the filter is designed for, in dB. */
const STOPBAND_DB = 80;
/** The passband ends at this fraction of the lower Nyquist frequency; the stopband starts at that Nyquist. */
const PASSBAND_FRACTION = 0.9;
/** Above this many filter phases (rates with a small common divisor) taps are computed per output sample. */
const MAX_TABLE_PHASES = 4096;

interface SincFilter {
  /** Input samples per side of an output sample's window. */
  halfTaps: number;
  /** Cutoff in cycles per input sample. */
  cutoff: number;
  /** Kaiser half-width in input samples. */
  halfWidth: number;
  beta: number;
  /** (phases, 2 * halfTaps) row-major; null when the taps are computed per output sample. */
  table: Float32Array | null;
}

const filterCache = new Map<string, SincFilter>();

/**
 * Converts mono `samples` from `fromRate` to `toRate` (Hz, positive integers). The output has
 * ceil(length * toRate / fromRate) samples; output sample j is the band-limited signal at input time j * fromRate /
 * toRate, with samples outside the input taken as silence. Equal rates return a copy.
 */
export function resample(samples: Float32Array, fromRate: number, toRate: number): Float32Array {
  checkRate(fromRate, 'fromRate');
  checkRate(toRate, 'toRate');
  if (fromRate === toRate) return samples.slice();
  const g = gcd(fromRate, toRate);
  const up = toRate / g; // phases of the output grid within one input sample
  const down = fromRate / g;
  const outLength = Math.ceil((samples.length * up) / down);
  const filter = sincFilterFor(fromRate, toRate, up);
  const width = 2 * filter.halfTaps;
  const out = new Float32Array(outLength);
  const taps = new Float32Array(width);
  const n = samples.length;
  for (let j = 0; j < outLength; j++) {
    // Input time j * down / up, split into an integer sample and a phase, in exact integer arithmetic.
    const position = j * down;
    const base = Math.floor(position / up);
    const phase = position - base * up;
    let kernel: Float32Array;
    let offset = 0;
    if (filter.table) {
      kernel = filter.table;
      offset = phase * width;
    } else {
      fillTaps(filter, phase / up, taps);
      kernel = taps;
    }
    // Taps cover input samples base - halfTaps + 1 .. base + halfTaps.
    const first = base - filter.halfTaps + 1;
    const lo = Math.max(0, -first);
    const hi = Math.min(width, n - first);
    let sum = 0;
    for (let k = lo; k < hi; k++) sum += kernel[offset + k] * samples[first + k];
    out[j] = sum;
  }
  return out;
}

function checkRate(rate: number, name: string): void {
  if (!Number.isInteger(rate) || rate <= 0)
    throw new RangeError(`resample: ${name} must be a positive integer, got ${rate}`);
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function sincFilterFor(fromRate: number, toRate: number, phases: number): SincFilter {
  const key = `${fromRate}:${toRate}`;
  const cached = filterCache.get(key);
  if (cached) return cached;
  // Work in input samples: the lower Nyquist is 0.5 * min(1, toRate / fromRate) cycles per input sample.
  const nyquist = 0.5 * Math.min(1, toRate / fromRate);
  const passEdge = PASSBAND_FRACTION * nyquist;
  const cutoff = 0.5 * (passEdge + nyquist);
  const transition = nyquist - passEdge;
  // Kaiser's estimates for the window length and shape that reach the stopband attenuation.
  const length = (STOPBAND_DB - 7.95) / (14.36 * transition);
  const beta = 0.1102 * (STOPBAND_DB - 8.7);
  const halfWidth = length / 2;
  const halfTaps = Math.ceil(halfWidth);
  const filter: SincFilter = { halfTaps, cutoff, halfWidth, beta, table: null };
  if (phases <= MAX_TABLE_PHASES) {
    const width = 2 * halfTaps;
    const table = new Float32Array(phases * width);
    const row = new Float32Array(width);
    for (let p = 0; p < phases; p++) {
      fillTaps(filter, p / phases, row);
      table.set(row, p * width);
    }
    filter.table = table;
  }
  filterCache.set(key, filter);
  return filter;
}

// Taps for an output sample that lies `frac` (0 <= frac < 1) input samples after input sample `base`; tap k weighs
// input sample base - halfTaps + 1 + k. Normalized to sum 1 so that a constant passes unchanged.
function fillTaps(filter: SincFilter, frac: number, taps: Float32Array): void {
  const { halfTaps, cutoff, halfWidth, beta } = filter;
  const norm = besselI0(beta);
  let sum = 0;
  for (let k = 0; k < taps.length; k++) {
    const u = k - halfTaps + 1 - frac; // distance from the output time, in input samples
    const r = u / halfWidth;
    let value = 0;
    if (r * r < 1) {
      const x = 2 * cutoff * u;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      value = 2 * cutoff * sinc * (besselI0(beta * Math.sqrt(1 - r * r)) / norm);
    }
    taps[k] = value;
    sum += value;
  }
  for (let k = 0; k < taps.length; k++) taps[k] /= sum;
}

// Modified Bessel function of the first kind, order 0, by its power series (converges fast for the betas here).
function besselI0(x: number): number {
  let term = 1;
  let sum = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 60 && term > 1e-12 * sum; k++) {
    term *= q / (k * k);
    sum += term;
  }
  return sum;
}
