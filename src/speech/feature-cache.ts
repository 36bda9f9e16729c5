// Log-mel features computed once per clip and kept on disk, addressed by content: the key hashes the audio bytes,
// the fbank config, the target sample rate and the feature code's version, so a changed file or option never reads
// stale features, and a renamed or copied file still finds its own.

import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { ensureDir, writeFileAtomic } from '../io/atomic.js';
import { type Audio, decodeAudio } from '../io/audio-file.js';
import { readFileBytes } from '../io/read-file.js';
import { computeFbank, defaultFbankConfig, type FbankConfig, type Features } from './fbank.js';
import { resample } from './resample.js';

/** Bump whenever decoding, resampling or fbank would give different numbers for the same input: old entries miss. */
export const FEATURE_CODE_VERSION = 1;

export interface FeatureOptions {
  fbank: FbankConfig;
  /** Clips at another rate are resampled to this (Hz) before their features are computed. */
  sampleRate: number;
}

export function defaultFeatureOptions(): FeatureOptions {
  return { fbank: defaultFbankConfig(), sampleRate: 16000 };
}

/** Where a corpus keeps its features: a hidden folder beside the audio. */
export function defaultFeatureCacheDir(corpusDir: string): string {
  return join(corpusDir, '.features');
}

/** Features of decoded audio: resampled to options.sampleRate when the clip's rate differs, then fbank. */
export function computeFeatures(audio: Audio, options: FeatureOptions): Features {
  const samples =
    audio.sampleRate === options.sampleRate
      ? audio.samples
      : resample(audio.samples, audio.sampleRate, options.sampleRate);
  return computeFbank(samples, options.sampleRate, options.fbank);
}

/** The cache key (hex sha256) of a clip's bytes under `options`. */
export function featureKey(audioBytes: Uint8Array, options: FeatureOptions): string {
  // Keys sorted, so that two equal configs built in a different order share entries.
  const fbank = Object.fromEntries(Object.entries(options.fbank).sort(([a], [b]) => (a < b ? -1 : 1)));
  const recipe = JSON.stringify({ version: FEATURE_CODE_VERSION, sampleRate: options.sampleRate, fbank });
  return createHash('sha256').update(`memsig-features\n${recipe}\n`).update(audioBytes).digest('hex');
}

/**
 * The features of the audio file at `path`, read from `cacheDir` when computed before, else computed and stored
 * there (atomically, as `<key>.f32`). A damaged cache entry is recomputed and replaced.
 */
export async function loadOrComputeFeatures(
  path: string,
  options: FeatureOptions,
  cacheDir: string,
): Promise<Features> {
  const bytes = await readFileBytes(path);
  const file = join(cacheDir, `${featureKey(bytes, options)}.f32`);
  const cached = await readCachedFeatures(file);
  if (cached !== undefined) return cached;
  const features = computeFeatures(await decodeAudio(bytes, path), options);
  await ensureDir(cacheDir);
  await writeFileAtomic(file, encodeFeatures(features));
  return features;
}

// The .f32 layout: "MSFB", u32 format version, u32 frames, u32 bins (little-endian), then the (frames, bins)
// row-major float32 values, little-endian.
const MAGIC = 'MSFB';
const FORMAT_VERSION = 1;
const HEADER_BYTES = 16;

/** The bytes of a cache entry holding `features`. */
export function encodeFeatures(features: Features): Uint8Array {
  const { frames, bins, data } = features;
  const bytes = new Uint8Array(HEADER_BYTES + 4 * data.length);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < 4; i++) bytes[i] = MAGIC.charCodeAt(i);
  view.setUint32(4, FORMAT_VERSION, true);
  view.setUint32(8, frames, true);
  view.setUint32(12, bins, true);
  for (let i = 0; i < data.length; i++) view.setFloat32(HEADER_BYTES + 4 * i, data[i], true);
  return bytes;
}

/** The features in a cache entry's bytes; undefined when they are not a complete entry of this format. */
export function decodeFeatures(bytes: Uint8Array): Features | undefined {
  if (bytes.length < HEADER_BYTES) return undefined;
  for (let i = 0; i < 4; i++) if (bytes[i] !== MAGIC.charCodeAt(i)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(4, true) !== FORMAT_VERSION) return undefined;
  const frames = view.getUint32(8, true);
  const bins = view.getUint32(12, true);
  if (bytes.length !== HEADER_BYTES + 4 * frames * bins) return undefined;
  const data = new Float32Array(frames * bins);
  for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(HEADER_BYTES + 4 * i, true);
  return { frames, bins, data };
}

// A missing or unreadable entry is a miss, not an error: the features can always be computed again.
async function readCachedFeatures(file: string): Promise<Features | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await readFileBytes(file);
  } catch {
    return undefined;
  }
  return decodeFeatures(bytes);
}
