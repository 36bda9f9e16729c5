// A recorded clip brought into a corpus folder: decoded (WAV or FLAC), resampled to 16 kHz mono and written as a 16-bit
// WAV, so that every corpus memsig trains on has one format whatever it was recorded in.

import { dirname } from 'node:path';
import { ensureDir } from '../io/atomic.js';
import { decodeAudio } from '../io/audio-file.js';
import { resample } from './resample.js';
import { SPEECH_SAMPLE_RATE } from './synthesizer.js';
import { writeWav16 } from './wav-write.js';

/** Converts the audio `bytes` (named `name` in errors) into a 16 kHz WAV at `outPath`; returns its seconds. */
export async function convertClip(bytes: Uint8Array, name: string, outPath: string): Promise<number> {
  const audio = await decodeAudio(bytes, name);
  const samples =
    audio.sampleRate === SPEECH_SAMPLE_RATE
      ? audio.samples
      : resample(audio.samples, audio.sampleRate, SPEECH_SAMPLE_RATE);
  await ensureDir(dirname(outPath));
  await writeWav16(outPath, samples, SPEECH_SAMPLE_RATE);
  return samples.length / SPEECH_SAMPLE_RATE;
}
