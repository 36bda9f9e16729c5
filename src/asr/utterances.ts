// A manifest's utterances as the recognizer trains on and evaluates them: log-mel features from the cache,
// normalized per utterance (CMVN), the transcript as grapheme ids, and optionally speed-perturbed copies (the audio
// resampled by each factor, features computed again and cached beside the others).

import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { ensureDir, writeFileAtomic } from '../io/atomic.js';
import { decodeAudio, readAudio } from '../io/audio-file.js';
import { readFileBytes } from '../io/read-file.js';
import { normalizeUtterance } from '../speech/cmvn.js';
import type { Features } from '../speech/fbank.js';
import {
  computeFeatures,
  decodeFeatures,
  encodeFeatures,
  type FeatureOptions,
  featureKey,
  loadOrComputeFeatures,
} from '../speech/feature-cache.js';
import { audioPathOf, type ManifestEntry, type Split } from '../speech/manifest.js';
import { resample } from '../speech/resample.js';
import type { WordTiming } from '../speech/synthesizer.js';
import { encodeTranscript } from './graphemes.js';

/** One copy of an utterance's features: (frames, bins) row-major, CMVN-normalized. */
export interface FeatureCopy {
  frames: number;
  features: Float32Array;
}

export interface Utterance {
  id: string;
  speaker: string;
  split: Split;
  transcript: string;
  /** The transcript as alphabet ids. */
  labels: Int32Array;
  /** Seconds. */
  duration: number;
  words: WordTiming[] | null;
  /** The features as recorded, then one copy per speed factor asked for. */
  copies: FeatureCopy[];
}

export interface LoadUtterancesOptions {
  features: FeatureOptions;
  cacheDir: string;
  alphabet: readonly string[];
  /** Speed factors (e.g. 0.9, 1.1) of extra copies; none by default. */
  speeds?: readonly number[];
  /** Called after each utterance with how many are done. */
  onProgress?: (done: number, total: number) => void;
}

/** The utterances of `entries` (of the manifest at `manifestPath`), in their order. */
export async function loadUtterances(
  manifestPath: string,
  entries: readonly ManifestEntry[],
  options: LoadUtterancesOptions,
): Promise<Utterance[]> {
  const out: Utterance[] = [];
  for (const e of entries) {
    const path = audioPathOf(manifestPath, e);
    const copies = [asCopy(await loadOrComputeFeatures(path, options.features, options.cacheDir))];
    for (const speed of options.speeds ?? []) {
      copies.push(asCopy(await loadSpeedFeatures(path, options.features, options.cacheDir, speed)));
    }
    out.push({
      id: e.id,
      speaker: e.speaker,
      split: e.split,
      transcript: e.transcript,
      labels: encodeTranscript(e.transcript, options.alphabet, `${manifestPath}: utterance ${JSON.stringify(e.id)}`),
      duration: e.duration,
      words: e.words,
      copies,
    });
    options.onProgress?.(out.length, entries.length);
  }
  return out;
}

/** The normalized features of an audio file, computed without a cache (for transcribing a few files). */
export async function computeFileFeatures(path: string, options: FeatureOptions): Promise<FeatureCopy> {
  return asCopy(computeFeatures(await readAudio(path), options));
}

function asCopy(f: Features): FeatureCopy {
  return { frames: f.frames, features: normalizeUtterance(f).data };
}

/**
 * Features of the audio played `speed` times faster (pitch and tempo together, as resampling does), cached under a
 * key of the plain features' key and the factor.
 */
export async function loadSpeedFeatures(
  path: string,
  options: FeatureOptions,
  cacheDir: string,
  speed: number,
): Promise<Features> {
  const bytes = await readFileBytes(path);
  const key = createHash('sha256')
    .update(`${featureKey(bytes, options)} speed ${speed}`)
    .digest('hex');
  const file = join(cacheDir, `${key}.f32`);
  try {
    const cached = decodeFeatures(await readFileBytes(file));
    if (cached) return cached;
  } catch {
    // not cached yet
  }
  const audio = await decodeAudio(bytes, path);
  const rate = options.sampleRate;
  const samples = audio.sampleRate === rate ? audio.samples : resample(audio.samples, audio.sampleRate, rate);
  // Read at rate·speed Hz and played at rate: `speed` times faster.
  const faster = resample(samples, Math.round(rate * speed), rate);
  const features = computeFeatures({ ...audio, sampleRate: rate, samples: faster }, options);
  await ensureDir(cacheDir);
  await writeFileAtomic(file, encodeFeatures(features));
  return features;
}
