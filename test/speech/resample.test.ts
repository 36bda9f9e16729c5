import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resample } from '../../src/speech/resample.js';

const AMPLITUDE = 0.5;

function tone(frequency: number, rate: number, seconds: number): Float32Array {
  const x = new Float32Array(Math.round(rate * seconds));
  for (let i = 0; i < x.length; i++) x[i] = AMPLITUDE * Math.sin((2 * Math.PI * frequency * i) / rate);
  return x;
}

// Level of `frequency` in x relative to AMPLITUDE, in dB: a Hann-windowed DFT at that exact frequency over the
// middle 60% of the signal (away from the edges, where the input starts and stops).
function levelDb(x: Float32Array, frequency: number, rate: number): number {
  const a = Math.floor(x.length * 0.2);
  const b = Math.floor(x.length * 0.8);
  let re = 0;
  let im = 0;
  let weight = 0;
  for (let i = a; i < b; i++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i - a)) / (b - a));
    const angle = (2 * Math.PI * frequency * i) / rate;
    re += w * x[i] * Math.cos(angle);
    im += w * x[i] * Math.sin(angle);
    weight += w;
  }
  return 20 * Math.log10((2 * Math.hypot(re, im)) / weight / AMPLITUDE);
}

test('resample() 22,050 -> 16,000 Hz keeps the passband flat and removes what would alias', () => {
  for (const f of [300, 1000, 4000, 7000]) {
    const y = resample(tone(f, 22050, 0.5), 22050, 16000);
    assert.ok(Math.abs(levelDb(y, f, 16000)) < 0.1, `${f} Hz: ${levelDb(y, f, 16000).toFixed(3)} dB`);
  }
  for (const f of [8050, 8500, 9000, 10500]) {
    const y = resample(tone(f, 22050, 0.5), 22050, 16000);
    const alias = 16000 - f;
    assert.ok(
      levelDb(y, alias, 16000) < -70,
      `${f} Hz aliases to ${alias} Hz at ${levelDb(y, alias, 16000).toFixed(1)} dB`,
    );
  }
});

test('resample() 8,000 -> 16,000 Hz keeps the passband flat and leaves no images', () => {
  for (const f of [200, 1000, 3000, 3550]) {
    const y = resample(tone(f, 8000, 0.5), 8000, 16000);
    assert.ok(Math.abs(levelDb(y, f, 16000)) < 0.1, `${f} Hz: ${levelDb(y, f, 16000).toFixed(3)} dB`);
    const image = 8000 - f;
    assert.ok(
      levelDb(y, image, 16000) < -70,
      `image of ${f} Hz at ${image} Hz: ${levelDb(y, image, 16000).toFixed(1)} dB`,
    );
  }
});

test('resample() 48,000 -> 16,000 Hz (an integer ratio) removes what would alias', () => {
  const y = resample(tone(12000, 48000, 0.25), 48000, 16000);
  assert.ok(levelDb(y, 4000, 16000) < -70);
  const z = resample(tone(5000, 48000, 0.25), 48000, 16000);
  assert.ok(Math.abs(levelDb(z, 5000, 16000)) < 0.1);
});

test('resample() keeps time: lengths are ceil(n * to / from) and an impulse lands at n * to / from', () => {
  assert.equal(resample(new Float32Array(22050), 22050, 16000).length, 16000);
  assert.equal(resample(new Float32Array(1001), 22050, 16000).length, 727);
  assert.equal(resample(new Float32Array(0), 8000, 16000).length, 0);
  const impulse = new Float32Array(4410);
  impulse[2205] = 1;
  const y = resample(impulse, 22050, 16000);
  let peak = 0;
  for (let i = 1; i < y.length; i++) if (y[i] > y[peak]) peak = i;
  assert.equal(peak, 1600);
  // A constant stays constant away from the edges.
  const flat = resample(new Float32Array(800).fill(0.25), 8000, 16000);
  for (let i = 200; i < 1400; i++) assert.ok(Math.abs(flat[i] - 0.25) < 1e-4);
});

test('resample() with rates of a small common divisor (taps computed per sample) is still band-limited', () => {
  // gcd(16001, 16000) = 1: 16,000 phases, beyond the table limit.
  const y = resample(tone(1000, 16001, 0.1), 16001, 16000);
  assert.equal(y.length, 1600);
  assert.ok(Math.abs(levelDb(y, 1000, 16000)) < 0.1);
});

test('resample() with equal rates copies; bad rates are RangeErrors', () => {
  const x = Float32Array.from([0.1, -0.2, 0.3]);
  const y = resample(x, 16000, 16000);
  assert.deepEqual(y, x);
  assert.notEqual(y, x);
  assert.throws(() => resample(x, 0, 16000), RangeError);
  assert.throws(() => resample(x, 16000, 22.5), RangeError);
});
