// What every speech synthesizer gives memsig: text and a voice in, 16 kHz mono samples and word timings out. Also the
// voice labels ("espeak:en-us+f3", "flite:slt") by which manifests, flags and corpus.json name a voice.

import { UserError } from '../core/errors.js';

/** The sample rate of all speech memsig writes and reads for models. */
export const SPEECH_SAMPLE_RATE = 16000;

export const SYNTH_NAMES = ['espeak', 'flite'] as const;
export type SynthName = (typeof SYNTH_NAMES)[number];

/** A voice without its per-utterance settings: the speaker of a synthesized corpus. */
export interface VoiceId {
  synth: SynthName;
  /** eSpeak: a language name such as en-us or en-gb-scotland; Flite: slt, rms, awb or kal16. */
  voice: string;
  /** eSpeak's voice variant (f3, m2, klatt, ...) or null; always null for Flite. */
  variant: string | null;
}

export interface VoiceSpec extends VoiceId {
  /** Speaking rate as a factor of the voice's own (1 = as the voice speaks; 1.2 = 20% faster). */
  rate: number;
  /** Mean pitch as a factor of the voice's own (1 = unchanged). */
  pitch: number;
}

/** A word of the text and when it is spoken, in seconds from the start of the audio. */
export interface WordTiming {
  word: string;
  start: number;
  end: number;
}

export interface Synthesis {
  /** Mono, SPEECH_SAMPLE_RATE, in [-1, 1]. */
  samples: Float32Array;
  /** One per space-separated word of the text, in order; null when the synthesizer could not tell. */
  words: WordTiming[] | null;
}

export interface Synthesizer {
  readonly name: SynthName;
  /** Throws a UserError when this synthesizer has no such voice or variant. */
  checkVoice(voice: VoiceId): void;
  /** Speaks `text` exactly as written (the caller normalizes it), with `voice`. */
  synthesize(text: string, voice: VoiceSpec): Promise<Synthesis>;
  /** Frees what the synthesizer holds (temporary files, memory). */
  close(): void;
}

/** Voices whose pitch cannot be moved: Flite's f0_shift and int_f0_target_mean leave rms as it is (measured). */
const FIXED_PITCH_VOICES: ReadonlySet<string> = new Set(['flite:rms']);

/** Whether a pitch factor other than 1 changes anything for `voice`. */
export function canChangePitch(voice: VoiceId): boolean {
  return !FIXED_PITCH_VOICES.has(formatVoiceLabel(voice));
}

/** "espeak:en-us+f3", "espeak:en-us", "flite:slt". */
export function formatVoiceLabel(voice: VoiceId): string {
  return `${voice.synth}:${voice.voice}${voice.variant === null ? '' : `+${voice.variant}`}`;
}

const LABEL = /^([a-z]+):([A-Za-z0-9_-]+)(?:\+([A-Za-z0-9_-]+))?$/;

/** The inverse of formatVoiceLabel; a UserError for anything else. Names are checked by the synthesizer itself. */
export function parseVoiceLabel(label: string): VoiceId {
  const m = LABEL.exec(label.trim());
  if (m === null || !(SYNTH_NAMES as readonly string[]).includes(m[1])) {
    throw new UserError(
      `not a voice: ${JSON.stringify(label)} (write espeak:LANGUAGE, espeak:LANGUAGE+VARIANT or flite:VOICE, e.g. espeak:en-us+f3, flite:slt)`,
    );
  }
  const synth = m[1] as SynthName;
  if (synth === 'flite' && m[3] !== undefined) {
    throw new UserError(`not a voice: ${JSON.stringify(label)} (Flite voices have no variants)`);
  }
  return { synth, voice: m[2], variant: m[3] ?? null };
}
