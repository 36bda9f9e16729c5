// eSpeak NG (compiled to WebAssembly by @echogarden/espeak-ng-emscripten) as a Synthesizer: 22,050 Hz speech resampled
// to 16 kHz, word timings from its word events.
//
// Determinism: eSpeak keeps state between utterances (its wave generator's phase and noise), so the same text came
// out a few samples longer or shorter depending on what was spoken before, and a resumed or multi-threaded run would
// not reproduce its manifest. Every utterance therefore starts from a snapshot of the module's memory taken once at
// start-up; restoring it costs about a millisecond.

import { UserError } from '../core/errors.js';
import { resample } from './resample.js';
import {
  formatVoiceLabel,
  SPEECH_SAMPLE_RATE,
  type Synthesis,
  type Synthesizer,
  type VoiceId,
  type VoiceSpec,
} from './synthesizer.js';
import { timeWordsFromStarts, type WordStart } from './word-timings.js';

// Typed as a string so TypeScript does not look for declarations the package does not ship.
const PACKAGE: string = '@echogarden/espeak-ng-emscripten';
const VARIANT_DIR = '/usr/share/espeak-ng-data/voices/!v';
/** eSpeak's default speaking rate (words a minute) and the range it accepts. */
const DEFAULT_WPM = 175;
const MIN_WPM = 80;
const MAX_WPM = 450;
/**
 * The longest text synthesize() takes. The module's JS glue keeps a string buffer in its memory, grown on demand;
 * growing it after the snapshot would leave the glue pointing at memory the restored allocator thinks is free, so the
 * buffer is grown to this size before the snapshot is taken.
 */
export const ESPEAK_MAX_TEXT = 4000;

interface EspeakEvent {
  type: string;
  text_position: number;
  audio_position: number;
}

interface EspeakWorker {
  set_voice(name: string): number;
  set_rate(wpm: number): void;
  set_pitch(pitch: number): void;
  get_samplerate(): number;
  list_voices(): { name: string; identifier: string; languages: { priority: number; name: string }[] }[];
  synthesize(text: string, onChunk: (audio: Int16Array, events: EspeakEvent[]) => boolean): void;
}

interface EspeakModule {
  eSpeakNGWorker: new () => EspeakWorker;
  HEAPU8: Uint8Array;
  FS: { readdir(path: string): string[] };
}

/** eSpeak's variants (f1, m3, klatt, ...), by name. */
export type EspeakVariants = ReadonlySet<string>;

export class EspeakSynthesizer implements Synthesizer {
  readonly name = 'espeak' as const;
  /** Language name (en-us, en-gb-scotland, ...) → the identifier set_voice takes (gmw/en-US, ...). */
  private readonly voices: Map<string, string>;
  readonly variants: EspeakVariants;
  private readonly sampleRate: number;
  private readonly snapshot: Uint8Array;

  constructor(
    private readonly module: EspeakModule,
    private readonly worker: EspeakWorker,
  ) {
    this.voices = new Map();
    for (const v of worker.list_voices()) {
      for (const lang of v.languages) if (!this.voices.has(lang.name)) this.voices.set(lang.name, v.identifier);
    }
    this.variants = new Set(module.FS.readdir(VARIANT_DIR).filter((n) => !n.startsWith('.')));
    this.sampleRate = worker.get_samplerate();
    // One long text (of spaces: nothing to speak, so quick) makes the glue ask for more string buffer, and the next
    // call gets it.
    worker.set_voice('en-us');
    worker.synthesize(' '.repeat(ESPEAK_MAX_TEXT), () => false);
    worker.set_voice('en-us');
    this.snapshot = module.HEAPU8.slice();
  }

  /** The language names eSpeak has voices for, sorted. */
  languages(): string[] {
    return [...this.voices.keys()].sort();
  }

  checkVoice(voice: VoiceId): void {
    if (!this.voices.has(voice.voice.toLowerCase())) {
      const english = this.languages().filter((l) => l.startsWith('en'));
      throw new UserError(
        `eSpeak has no voice ${JSON.stringify(voice.voice)} in ${formatVoiceLabel(voice)} (English ones: ${english.join(', ')})`,
      );
    }
    if (voice.variant !== null && !this.variants.has(voice.variant)) {
      throw new UserError(
        `eSpeak has no variant ${JSON.stringify(voice.variant)} in ${formatVoiceLabel(voice)} (e.g. f1..f5, m1..m7, klatt)`,
      );
    }
  }

  async synthesize(text: string, voice: VoiceSpec): Promise<Synthesis> {
    if (text.length > ESPEAK_MAX_TEXT) {
      throw new RangeError(`eSpeak: text of ${text.length} characters; at most ${ESPEAK_MAX_TEXT}`);
    }
    this.checkVoice(voice);
    this.module.HEAPU8.set(this.snapshot);
    const id = this.voices.get(voice.voice.toLowerCase())!;
    if (this.worker.set_voice(voice.variant === null ? id : `${id}+${voice.variant}`) !== 0) {
      throw new Error(`eSpeak could not load the voice ${formatVoiceLabel(voice)}`);
    }
    this.worker.set_rate(espeakRate(voice.rate));
    this.worker.set_pitch(espeakPitch(voice.pitch));
    const chunks: Int16Array[] = [];
    const starts: WordStart[] = [];
    let length = 0;
    this.worker.synthesize(text, (audio, events) => {
      chunks.push(audio);
      length += audio.length;
      for (const e of events) {
        if (e.type === 'word') starts.push({ position: e.text_position, time: e.audio_position / 1000 });
      }
      return false; // false: go on
    });
    const raw = new Float32Array(length);
    let at = 0;
    for (const c of chunks) {
      for (let i = 0; i < c.length; i++) raw[at + i] = c[i] / 32768;
      at += c.length;
    }
    const samples = resample(raw, this.sampleRate, SPEECH_SAMPLE_RATE);
    return { samples, words: timeWordsFromStarts(text, starts, samples.length / SPEECH_SAMPLE_RATE) };
  }

  close(): void {
    // The module's memory goes with the last reference to it.
  }
}

/** eSpeak's rate setting (words a minute) for a rate factor. */
export function espeakRate(rate: number): number {
  return Math.min(MAX_WPM, Math.max(MIN_WPM, Math.round(DEFAULT_WPM * rate)));
}

/**
 * eSpeak's pitch setting (0-99, 50 the voice's own) for a pitch factor. The setting is not proportional to f0; this
 * mapping was measured on en-us and en-us+f3 (mean f0 ×0.74 at 0, ×1.37 at 80, ×1.68 at 99) and is good to a few
 * percent between factors 0.8 and 1.25.
 */
export function espeakPitch(pitch: number): number {
  const octaves = Math.log2(pitch);
  const setting = 50 + octaves / (octaves < 0 ? 0.0099 : 0.0152);
  return Math.min(99, Math.max(0, Math.round(setting)));
}

/** Loads eSpeak NG (about 0.3 s and 40 MB). */
export async function createEspeakSynthesizer(): Promise<EspeakSynthesizer> {
  let loaded: { default: () => Promise<EspeakModule> };
  try {
    loaded = await import(PACKAGE);
  } catch {
    throw new UserError(`eSpeak needs the npm package ${PACKAGE}, which is not installed (npm install ${PACKAGE})`);
  }
  const module = await loaded.default();
  return new EspeakSynthesizer(module, new module.eSpeakNGWorker());
}
