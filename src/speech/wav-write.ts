// Writing speech as 16-bit PCM WAV, optionally with a comment (the INFO list's ICMT): synthesized corpora keep there
// what their manifest line needs, so that an interrupted run can resume from the WAV files alone.

import wavefile from 'wavefile';
import { writeFileAtomic } from '../io/atomic.js';

/** A mono 16-bit WAV of `samples` (floats in [-1, 1], scaled by 32768 as readAudio divides, clipped). */
export function encodeWav16(samples: Float32Array, sampleRate: number, comment?: string): Uint8Array {
  const pcm = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) pcm[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32768)));
  const wav = new wavefile.WaveFile();
  wav.fromScratch(1, sampleRate, '16', pcm);
  if (comment !== undefined) wav.setTag('ICMT', comment);
  return wav.toBuffer();
}

/** Writes encodeWav16's file to `path` atomically. */
export async function writeWav16(
  path: string,
  samples: Float32Array,
  sampleRate: number,
  comment?: string,
): Promise<void> {
  await writeFileAtomic(path, encodeWav16(samples, sampleRate, comment));
}

/** A WAV's comment and length, or null when `bytes` is no readable WAV. */
export function readWavComment(bytes: Uint8Array): { comment: string | null; seconds: number } | null {
  try {
    const wav = new wavefile.WaveFile(bytes);
    const fmt = wav.fmt as { sampleRate: number; numChannels: number; bitsPerSample: number };
    const data = wav.data as { chunkSize: number; samples: Uint8Array };
    const frameBytes = (fmt.numChannels * fmt.bitsPerSample) / 8;
    if (!(fmt.sampleRate > 0 && frameBytes > 0) || data.samples.length < data.chunkSize) return null;
    return { comment: wav.getTag('ICMT'), seconds: data.chunkSize / frameBytes / fmt.sampleRate };
  } catch {
    return null;
  }
}
