// One utterance of a synthesized corpus: speak it, write its WAV (atomically, with the note a resumed run reads back),
// or find that an earlier run already did. Used alike by the worker threads and by a one-thread run.

import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ensureDir } from '../io/atomic.js';
import { createEspeakSynthesizer } from './espeak-synthesizer.js';
import { createFliteSynthesizer } from './flite-synthesizer.js';
import {
  formatVoiceLabel,
  SPEECH_SAMPLE_RATE,
  type Synthesizer,
  type SynthName,
  type VoiceSpec,
  type WordTiming,
} from './synthesizer.js';
import { readWavComment, writeWav16 } from './wav-write.js';

export interface SynthJob {
  id: string;
  text: string;
  voice: VoiceSpec;
  /** Where the WAV goes (absolute, or relative to the working directory). */
  path: string;
}

export interface SynthOutcome {
  id: string;
  duration: number;
  words: WordTiming[] | null;
  /** Found already made (by an earlier run) rather than synthesized now. */
  reused: boolean;
}

/** What each WAV's ICMT comment holds: the request it answers and the timings the manifest needs. */
interface WavNote {
  text: string;
  speaker: string;
  rate: number;
  pitch: number;
  words: WordTiming[] | null;
}

function noteOf(job: SynthJob, words: WordTiming[] | null): WavNote {
  return {
    text: job.text,
    speaker: formatVoiceLabel(job.voice),
    rate: job.voice.rate,
    pitch: job.voice.pitch,
    words,
  };
}

/**
 * The outcome of `job` from its WAV when an earlier run made it for the same text, voice, rate and pitch; null when
 * the file is missing, unreadable or made for something else (it is then made again).
 */
export async function findMadeUtterance(job: SynthJob): Promise<SynthOutcome | null> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(job.path);
  } catch {
    return null;
  }
  const wav = readWavComment(bytes);
  if (wav === null || wav.comment === null) return null;
  let note: WavNote;
  try {
    note = JSON.parse(wav.comment) as WavNote;
  } catch {
    return null;
  }
  const want = noteOf(job, null);
  const same =
    note.text === want.text && note.speaker === want.speaker && note.rate === want.rate && note.pitch === want.pitch;
  if (!same || !(note.words === null || Array.isArray(note.words))) return null;
  return { id: job.id, duration: wav.seconds, words: note.words, reused: true };
}

/** The synthesizers a thread has opened, each on first use. */
export class SynthesizerSet {
  private readonly open = new Map<SynthName, Promise<Synthesizer>>();

  get(name: SynthName): Promise<Synthesizer> {
    let s = this.open.get(name);
    if (s === undefined) {
      s = name === 'espeak' ? createEspeakSynthesizer() : createFliteSynthesizer();
      this.open.set(name, s);
    }
    return s;
  }

  async close(): Promise<void> {
    for (const s of this.open.values()) (await s).close();
    this.open.clear();
  }
}

/** Speaks `job` and writes its WAV. */
export async function makeUtterance(job: SynthJob, synths: SynthesizerSet): Promise<SynthOutcome> {
  const synth = await synths.get(job.voice.synth);
  const { samples, words } = await synth.synthesize(job.text, job.voice);
  await ensureDir(dirname(job.path));
  await writeWav16(job.path, samples, SPEECH_SAMPLE_RATE, JSON.stringify(noteOf(job, words)));
  return { id: job.id, duration: samples.length / SPEECH_SAMPLE_RATE, words, reused: false };
}
