import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import wavefile from 'wavefile';
import { decodeAudio, readAudio } from '../../src/io/audio-file.js';
import { rejectsUserError, tempDir } from '../io/helpers.js';

const FIXTURES = fileURLToPath(
  new URL(
    import.meta.url.includes('/dist/') ? '../../../test/fixtures/speech/' : '../fixtures/speech/',
    import.meta.url,
  ),
);

// A WAV file made by wavefile itself, so the test checks our reading against an independent writer.
function makeWav(channels: number[][], rate: number, bitDepth: string): Uint8Array {
  const wav = new wavefile.WaveFile();
  wav.fromScratch(channels.length, rate, bitDepth, channels.length === 1 ? channels[0] : channels);
  return wav.toBuffer();
}

test('decodeAudio() reads every WAV encoding as floats in [-1, 1]', async () => {
  const cases: [string, number[], number[]][] = [
    ['8', [0, 64, 128, 255], [-1, -0.5, 0, 127 / 128]],
    ['16', [-32768, -16384, 0, 32767], [-1, -0.5, 0, 32767 / 32768]],
    ['24', [-8388608, 4194304, 0, 8388607], [-1, 0.5, 0, 8388607 / 8388608]],
    ['32', [-2147483648, 1073741824, -1, 2147483647], [-1, 0.5, -1 / 2147483648, 2147483647 / 2147483648]],
    ['32f', [-1, 0.25, 1.5, -0.125], [-1, 0.25, 1, -0.125]], // 1.5 is clipped
    ['64', [0.1, -0.3, 0.9999, -2], [0.1, -0.3, 0.9999, -1]],
  ];
  for (const [depth, stored, expected] of cases) {
    const audio = await decodeAudio(makeWav([stored], 16000, depth), `x-${depth}.wav`);
    assert.equal(audio.sampleRate, 16000);
    assert.deepEqual([...audio.samples], expected.map(Math.fround), depth);
  }
});

test('decodeAudio() reads a big-endian RIFX file', async () => {
  const wav = new wavefile.WaveFile(makeWav([[-32768, 100, 32767, -5]], 8000, '16'));
  wav.toRIFX();
  const audio = await decodeAudio(wav.toBuffer(), 'rifx.wav');
  assert.deepEqual([...audio.samples], [-1, 100 / 32768, 32767 / 32768, -5 / 32768].map(Math.fround));
});

test('decodeAudio() averages the channels of a stereo file', async () => {
  const audio = await decodeAudio(
    makeWav(
      [
        [1000, -2000, 32767],
        [3000, 2000, -32768],
      ],
      22050,
      '16',
    ),
    'stereo.wav',
  );
  assert.equal(audio.sampleRate, 22050);
  assert.deepEqual([...audio.samples], [2000 / 32768, 0, -0.5 / 32768].map(Math.fround));
});

test('readAudio() decodes a FLAC file equal to the WAV it was encoded from', async () => {
  const wav = await readAudio(`${FIXTURES}7_theo_1.wav`);
  const flac = await readAudio(`${FIXTURES}7_theo_1.flac`);
  assert.equal(flac.sampleRate, 8000);
  assert.equal(flac.samples.length, 2892);
  assert.deepEqual(flac.samples, wav.samples);
});

test('readAudio() averages a 24-bit stereo FLAC exactly as the two mono WAVs it was merged from', async () => {
  // stereo-24bit.flac: left 7_theo_1.wav, right 2_george_5.wav (the shorter one padded with silence).
  const left = (await readAudio(`${FIXTURES}7_theo_1.wav`)).samples;
  const right = (await readAudio(`${FIXTURES}2_george_5.wav`)).samples;
  const { samples, sampleRate } = await readAudio(`${FIXTURES}stereo-24bit.flac`);
  assert.equal(sampleRate, 8000);
  assert.equal(samples.length, Math.max(left.length, right.length));
  const expected = new Float32Array(samples.length);
  for (let i = 0; i < expected.length; i++) expected[i] = ((left[i] ?? 0) + (right[i] ?? 0)) / 2;
  assert.deepEqual(samples, expected);
});

test('readAudio() tells the format by content, not by the file name', async (t) => {
  const dir = tempDir(t);
  copyFileSync(`${FIXTURES}7_theo_1.flac`, join(dir, 'actually-flac.wav'));
  copyFileSync(`${FIXTURES}7_theo_1.wav`, join(dir, 'actually-wav.flac'));
  const a = await readAudio(join(dir, 'actually-flac.wav'));
  const b = await readAudio(join(dir, 'actually-wav.flac'));
  assert.deepEqual(a.samples, b.samples);
});

test('readAudio() refuses bad input with one line naming the file', async (t) => {
  const dir = tempDir(t);
  const wav = readFileSync(`${FIXTURES}7_theo_1.wav`);
  const flac = readFileSync(`${FIXTURES}7_theo_1.flac`);
  const files: [string, Uint8Array, RegExp][] = [
    ['notes.wav', new TextEncoder().encode('these are my notes, not audio\n'), /not audio/],
    ['empty.wav', new Uint8Array(0), /empty/],
    ['cut-data.wav', wav.subarray(0, 3000), /truncated WAV file \(data chunk holds 2956 of 5784 bytes\)/],
    ['cut-header.wav', wav.subarray(0, 30), /truncated WAV file/],
    ['cut-magic.wav', wav.subarray(0, 3), /truncated WAV file/],
    ['cut.flac', flac.subarray(0, flac.length - 400), /truncated or damaged FLAC file \(decoded \d+ of 2892 samples\)/],
    ['cut-header.flac', flac.subarray(0, 20), /truncated FLAC file/],
    ['silent.wav', makeWav([[]], 16000, '16'), /empty: the file holds no audio samples/],
    ['slow.wav', makeWav([[1, 2, 3]], 4000, '16'), /sample rate 4000 Hz is below the 8000 Hz minimum/],
    ['alaw.wav', alawWav(), /unsupported WAV encoding \(format code 6, 8-bit\)/],
  ];
  for (const [name, bytes, pattern] of files) {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    await rejectsUserError(readAudio(path), new RegExp(`^${escapeRegExp(path)}: ${pattern.source}`));
  }
  await rejectsUserError(readAudio(join(dir, 'missing.wav')), /missing\.wav: cannot read: no such file/);
});

function alawWav(): Uint8Array {
  const wav = new wavefile.WaveFile(makeWav([[0, 100, -100]], 8000, '16'));
  wav.toALaw();
  return wav.toBuffer();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
