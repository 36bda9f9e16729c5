import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../src/core/errors.js';
import { readAudio } from '../../src/io/audio-file.js';
import { readSafetensors, toFloat32 } from '../../src/io/safetensors.js';
import { computeFbank, countFrames, defaultFbankConfig, type FbankConfig } from '../../src/speech/fbank.js';

const FIXTURES = fileURLToPath(
  new URL(
    import.meta.url.includes('/dist/') ? '../../../test/fixtures/speech/' : '../fixtures/speech/',
    import.meta.url,
  ),
);

interface GoldenCase {
  tensor: string;
  clip: string;
  config: Partial<FbankConfig>;
}

test('computeFbank() matches torchaudio.compliance.kaldi.fbank within 1e-3 on real and 16 kHz clips', async () => {
  const golden = await readSafetensors(`${FIXTURES}fbank-golden.safetensors`);
  const cases = JSON.parse(golden.metadata.cases) as GoldenCase[];
  assert.ok(cases.length >= 20);
  const rates = new Set<number>();
  let worst = 0;
  for (const c of cases) {
    const { samples, sampleRate } = await readAudio(`${FIXTURES}${c.clip}`);
    rates.add(sampleRate);
    const expected = golden.tensors.get(c.tensor)!;
    const got = computeFbank(samples, sampleRate, { ...defaultFbankConfig(), ...c.config });
    assert.deepEqual([got.frames, got.bins], expected.shape, c.tensor);
    const want = toFloat32(expected);
    for (let i = 0; i < want.length; i++) {
      const d = Math.abs(got.data[i] - want[i]);
      if (!(d <= 1e-3))
        assert.fail(`${c.tensor}[${Math.floor(i / got.bins)}, ${i % got.bins}]: ${got.data[i]} vs ${want[i]}`);
      worst = Math.max(worst, d);
    }
  }
  assert.deepEqual([...rates].sort(), [16000, 8000]);
  // Measured 1.2e-4: torchaudio builds its mel weights in float32 (up to 1.5e-4 relative error near a filter's
  // edges) even when it runs in float64. A bug in the algorithm would show as much more than that.
  assert.ok(worst < 3e-4, `max deviation ${worst}`);
});

test('computeFbank() gives Kaldi frame counts and no frames for a clip shorter than one frame', () => {
  const config = defaultFbankConfig();
  assert.equal(computeFbank(new Float32Array(399), 16000, config).frames, 0);
  assert.equal(computeFbank(new Float32Array(400), 16000, config).frames, 1);
  assert.equal(computeFbank(new Float32Array(16000), 16000, config).frames, 98);
  assert.equal(computeFbank(new Float32Array(16000), 16000, { ...config, snipEdges: false }).frames, 100);
  assert.equal(countFrames(0, 160, 400, false), 0);
  const empty = computeFbank(new Float32Array(0), 16000, config);
  assert.deepEqual([empty.frames, empty.bins, empty.data.length], [0, 40, 0]);
});

test('computeFbank() floors silence at log(float32 epsilon)', () => {
  const { data } = computeFbank(new Float32Array(800), 16000, defaultFbankConfig());
  for (const v of data) assert.ok(Math.abs(v - Math.log(1.1920928955078125e-7)) < 1e-5);
});

test('computeFbank() refuses configs Kaldi would refuse, with one-line UserErrors', () => {
  const base = defaultFbankConfig();
  const bad: [Partial<FbankConfig>, RegExp][] = [
    [{ melBins: 2 }, /melBins/],
    [{ lowFreq: 8000 }, /lowFreq/],
    [{ highFreq: 9000 }, /highFreq/],
    [{ frameLengthMs: 0.05 }, /too short/],
    [{ roundToPowerOfTwo: false }, /power-of-two/],
    [{ preemphasis: 2 }, /preemphasis/],
    [{ window: 'blackman' as FbankConfig['window'] }, /unknown window/],
  ];
  for (const [override, pattern] of bad) {
    assert.throws(
      () => computeFbank(new Float32Array(1000), 16000, { ...base, ...override }),
      (err: unknown) => err instanceof UserError && pattern.test(err.message) && !err.message.includes('\n'),
      JSON.stringify(override),
    );
  }
});
