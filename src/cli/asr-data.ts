// The speech corpus a `memsig asr` command reads: --data (a corpus folder or its manifest.jsonl) → the manifest's
// entries, and their features loaded (from the cache beside the audio) with a counter on stderr.

import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { loadUtterances, type Utterance } from '../asr/utterances.js';
import { UserError } from '../core/errors.js';
import { readFileBytes } from '../io/read-file.js';
import { defaultFeatureCacheDir, type FeatureOptions } from '../speech/feature-cache.js';
import { MANIFEST_FILE, type ManifestEntry, parseManifest, readManifest } from '../speech/manifest.js';
import { StatusLine } from './asr-progress.js';
import type { CliIo } from './io.js';

export interface SpeechCorpus {
  manifestPath: string;
  entries: ManifestEntry[];
  /** SHA-256 of the manifest's bytes. */
  sha256: string;
}

/** --data: a corpus folder (its manifest.jsonl) or a manifest file; checked line by line against `alphabet`. */
export async function readSpeechCorpus(data: string, alphabet: readonly string[]): Promise<SpeechCorpus> {
  let isDir = false;
  try {
    isDir = (await stat(data)).isDirectory();
  } catch {
    throw new UserError(
      `--data ${data}: not found (a corpus folder from memsig speech synth/prepare, or its ${MANIFEST_FILE})`,
    );
  }
  const manifestPath = isDir ? join(data, MANIFEST_FILE) : data;
  const bytes = await readFileBytes(manifestPath);
  // Parsed against the model's alphabet first: a transcript it cannot spell is named with its line.
  parseManifest(new TextDecoder().decode(bytes), manifestPath, alphabet);
  const entries = await readManifest(manifestPath, { alphabet });
  return { manifestPath, entries, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** The features of `entries` (each split's speed copies where asked), with a counter on stderr. */
export async function loadCorpusUtterances(
  corpus: SpeechCorpus,
  entries: readonly ManifestEntry[],
  features: FeatureOptions,
  alphabet: readonly string[],
  speeds: readonly number[],
  io: CliIo,
  now?: () => number,
): Promise<Utterance[]> {
  const line = new StatusLine(io.stderr, io.isTTY, now);
  line.start();
  const cacheDir = defaultFeatureCacheDir(dirname(corpus.manifestPath));
  try {
    return await loadUtterances(corpus.manifestPath, entries, {
      features,
      cacheDir,
      alphabet,
      speeds,
      // Time-based only (fraction 0): a small corpus would otherwise log a line per utterance.
      onProgress: (done, total) => line.update(() => `features: ${done}/${total} utterances`, 0),
    });
  } finally {
    line.clear();
  }
}
