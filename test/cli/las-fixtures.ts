// Tiny speech fixtures for the LAS signature tests: a corpus folder of "tone speech" (each letter a pure tone of its
// own pitch, spaces silent, word timings exact), and a LAS model directory with small random weights.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyLasMetrics, type LasModelConfig } from '../../src/asr/las-model-config.js';
import { Rng } from '../../src/core/random.js';
import { saveLasModelDir } from '../../src/io/model-dir.js';
import { Las } from '../../src/models/las.js';
import type { LasConfig } from '../../src/models/las-config.js';
import { defaultFbankConfig } from '../../src/speech/fbank.js';
import { defaultSpeechAlphabet, formatManifest, type ManifestEntry, type Split } from '../../src/speech/manifest.js';
import { encodeWav16 } from '../../src/speech/wav-write.js';

const RATE = 16000;
const LETTER_SECONDS = 0.08;
const SPACE_SECONDS = 0.06;
const EDGE_SECONDS = 0.1;
const LETTERS = 'abcdefgh';

/** Mel bands of the fixture model's features (few, to keep it tiny). */
export const TONE_MEL_BINS = 16;

/**
 * A corpus folder (manifest.jsonl, corpus.json, WAVs) of utterances of random words over a–h, each letter 80 ms of
 * a tone at 300 + 250·k Hz, each space 60 ms of near-silence, with the word timings that say so.
 */
export function writeToneCorpus(
  dir: string,
  counts: Record<Split, number> = { train: 8, dev: 3, eval: 3 },
  seed = 3,
): string {
  mkdirSync(dir, { recursive: true });
  const rng = new Rng(seed);
  const entries: ManifestEntry[] = [];
  for (const split of ['train', 'dev', 'eval'] as const) {
    for (let n = 0; n < counts[split]; n++) {
      const words = Array.from({ length: 2 + rng.int(3) }, () =>
        Array.from({ length: 1 + rng.int(4) }, () => LETTERS[rng.int(LETTERS.length)]).join(''),
      );
      const pieces: Float32Array[] = [silence(EDGE_SECONDS, rng)];
      let t = EDGE_SECONDS;
      const timings = words.map((word, w) => {
        if (w > 0) {
          pieces.push(silence(SPACE_SECONDS, rng));
          t += SPACE_SECONDS;
        }
        const start = t;
        for (const letter of word) {
          pieces.push(tone(300 + 250 * LETTERS.indexOf(letter), LETTER_SECONDS, rng));
          t += LETTER_SECONDS;
        }
        return { word, start: round(start), end: round(t) };
      });
      pieces.push(silence(EDGE_SECONDS, rng));
      const samples = concat(pieces);
      const audio = `${split}-${n}.wav`;
      writeFileSync(join(dir, audio), encodeWav16(samples, RATE));
      entries.push({
        id: `${split}${n}`,
        audio,
        transcript: words.join(' '),
        duration: samples.length / RATE,
        split,
        speaker: 'tone',
        rate: null,
        pitch: null,
        words: timings,
      });
    }
  }
  writeFileSync(join(dir, 'manifest.jsonl'), formatManifest(entries));
  writeCorpusAlphabet(dir, defaultSpeechAlphabet());
  return dir;
}

/** corpus.json with just the alphabet a signature checks (the rest of the fields as a real one has them). */
export function writeCorpusAlphabet(dir: string, alphabet: readonly string[]): void {
  writeFileSync(
    join(dir, 'corpus.json'),
    JSON.stringify({ format: 'memsig-speech-corpus', version: 1, kind: 'folder', alphabet, sampleRate: RATE }),
  );
}

/** The fixture LAS: 2 listener layers × 4 units over triples of 16-band frames, a 6-unit speller; random weights. */
export function tinyLasConfig(): LasConfig {
  return {
    features: TONE_MEL_BINS,
    stack: 3,
    listenerLayers: 2,
    pyramidLayers: 0,
    listenerUnits: 4,
    alphabet: defaultSpeechAlphabet().length,
    embed: 3,
    spellerLayers: 1,
    spellerUnits: 6,
    attention: 4,
    location: null,
    outputHidden: 6,
    labelSmoothing: 0,
    ctcWeight: 0,
  };
}

export async function writeTinyLas(dir: string, seed = 5): Promise<string> {
  const las = new Las(tinyLasConfig());
  const rng = new Rng(seed);
  for (const t of las.params.values()) for (let i = 0; i < t.data.length; i++) t.data[i] = 0.4 * rng.normal();
  const config: LasModelConfig = {
    format: 'memsig-model',
    version: 1,
    kind: 'las',
    las: las.config,
    graphemes: defaultSpeechAlphabet(),
    features: { sampleRate: RATE, fbank: { ...defaultFbankConfig(), melBins: TONE_MEL_BINS }, cmvn: 'utterance' },
    data: null,
    training: null,
    metrics: emptyLasMetrics(),
  };
  await saveLasModelDir(dir, config, las.params);
  return dir;
}

function tone(hz: number, seconds: number, rng: Rng): Float32Array {
  const n = Math.round(seconds * RATE);
  return Float32Array.from(
    { length: n },
    (_, i) => 0.3 * Math.sin((2 * Math.PI * hz * i) / RATE) + 0.001 * rng.normal(),
  );
}

function silence(seconds: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: Math.round(seconds * RATE) }, () => 0.001 * rng.normal());
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
