import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readAudio } from '../../src/io/audio-file.js';
import { computeFbank } from '../../src/speech/fbank.js';
import {
  computeFeatures,
  decodeFeatures,
  defaultFeatureCacheDir,
  defaultFeatureOptions,
  encodeFeatures,
  featureKey,
  loadOrComputeFeatures,
} from '../../src/speech/feature-cache.js';
import { resample } from '../../src/speech/resample.js';
import { rejectsUserError, tempDir } from '../io/helpers.js';

const FIXTURES = fileURLToPath(
  new URL(
    import.meta.url.includes('/dist/') ? '../../../test/fixtures/speech/' : '../fixtures/speech/',
    import.meta.url,
  ),
);
const CHIRP = `${FIXTURES}chirp-16k.wav`; // 16 kHz: no resampling at the default rate
const DIGIT = `${FIXTURES}7_theo_1.wav`; // 8 kHz

test('loadOrComputeFeatures() computes once, stores <key>.f32, and reads it back the next time', async (t) => {
  const dir = join(tempDir(t), '.features');
  const options = defaultFeatureOptions();
  const first = await loadOrComputeFeatures(CHIRP, options, dir);
  const expected = computeFbank((await readAudio(CHIRP)).samples, 16000, options.fbank);
  assert.deepEqual(first, expected);
  const key = featureKey(readFileSync(CHIRP), options);
  assert.deepEqual(readdirSync(dir), [`${key}.f32`]);
  // Plant different features under the key: a second call must return them, not recompute.
  const planted = { frames: 1, bins: 2, data: Float32Array.from([1.5, -2]) };
  writeFileSync(join(dir, `${key}.f32`), encodeFeatures(planted));
  assert.deepEqual(await loadOrComputeFeatures(CHIRP, options, dir), planted);
});

test('loadOrComputeFeatures() resamples an 8 kHz clip to the target rate before its features', async (t) => {
  const dir = tempDir(t);
  const options = defaultFeatureOptions();
  const audio = await readAudio(DIGIT);
  const got = await loadOrComputeFeatures(DIGIT, options, dir);
  assert.deepEqual(got, computeFbank(resample(audio.samples, 8000, 16000), 16000, options.fbank));
  assert.equal(got.frames, 34); // 2892 samples at 8 kHz = 5784 at 16 kHz
  // At its own rate the clip is not resampled, and gets its own entry.
  const native = await loadOrComputeFeatures(DIGIT, { ...options, sampleRate: 8000 }, dir);
  assert.deepEqual(native, computeFeatures(audio, { ...options, sampleRate: 8000 }));
  assert.equal(readdirSync(dir).length, 2);
});

test('featureKey() follows the content, the fbank config, the target rate; not the name or key order', (t) => {
  const bytes = readFileSync(CHIRP);
  const options = defaultFeatureOptions();
  const key = featureKey(bytes, options);
  assert.match(key, /^[0-9a-f]{64}$/);
  const reversed = Object.fromEntries(Object.entries(options.fbank).reverse()) as typeof options.fbank;
  assert.equal(featureKey(bytes, { ...options, fbank: reversed }), key);
  const dir = tempDir(t);
  copyFileSync(CHIRP, join(dir, 'renamed.flac'));
  assert.equal(featureKey(readFileSync(join(dir, 'renamed.flac')), options), key);
  const others = [
    featureKey(bytes, { ...options, fbank: { ...options.fbank, melBins: 80 } }),
    featureKey(bytes, { ...options, sampleRate: 8000 }),
    featureKey(bytes.subarray(0, bytes.length - 2), options),
  ];
  assert.equal(new Set([key, ...others]).size, 4);
});

test('loadOrComputeFeatures() replaces a damaged cache entry and leaves no temporary files', async (t) => {
  const dir = tempDir(t);
  const options = defaultFeatureOptions();
  const file = join(dir, `${featureKey(readFileSync(CHIRP), options)}.f32`);
  const good = await loadOrComputeFeatures(CHIRP, options, dir);
  const bytes = readFileSync(file);
  for (const damaged of [bytes.subarray(0, bytes.length - 4), bytes.subarray(0, 10), Buffer.from('junk')]) {
    writeFileSync(file, damaged);
    assert.deepEqual(await loadOrComputeFeatures(CHIRP, options, dir), good);
    assert.deepEqual(readFileSync(file), bytes);
  }
  assert.deepEqual(readdirSync(dir), [file.slice(dir.length + 1)]);
});

test('loadOrComputeFeatures() refuses a file that is not audio, naming it, and caches nothing', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'notes.wav');
  writeFileSync(path, 'not audio at all');
  const cacheDir = defaultFeatureCacheDir(dir);
  await rejectsUserError(loadOrComputeFeatures(path, defaultFeatureOptions(), cacheDir), /notes\.wav: not audio/);
  assert.deepEqual(readdirSync(dir), ['notes.wav']);
});

test('decodeFeatures() inverts encodeFeatures() and rejects other bytes', () => {
  const features = { frames: 3, bins: 2, data: Float32Array.from([0, -1.25, 3e-8, 7, -Infinity, 42]) };
  assert.deepEqual(decodeFeatures(encodeFeatures(features)), features);
  const empty = { frames: 0, bins: 40, data: new Float32Array(0) };
  assert.deepEqual(decodeFeatures(encodeFeatures(empty)), empty);
  const wrongMagic = encodeFeatures(features);
  wrongMagic[0] = 0;
  assert.equal(decodeFeatures(wrongMagic), undefined);
  assert.equal(decodeFeatures(new Uint8Array(3)), undefined);
});
