// `memsig speech synth` (a read-speech corpus synthesized from a text corpus's sentences) and `memsig speech prepare`
// (recordings: the Free Spoken Digit Dataset, a folder of clips with transcripts, or a manifest checked as it is).
// Both write a folder of 16 kHz WAVs, manifest.jsonl and corpus.json (docs/formats.md).

import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ensureDir } from '../../io/atomic.js';
import {
  CORPUS_INFO_FILE,
  type CorpusInfo,
  makeCorpusInfo,
  summarizeManifest,
  writeCorpusInfo,
} from '../../speech/corpus-summary.js';
import { prepareFolderCorpus } from '../../speech/folder-corpus.js';
import { prepareFsdd } from '../../speech/fsdd.js';
import {
  defaultSpeechAlphabet,
  MANIFEST_FILE,
  type ManifestEntry,
  readManifest,
  SPLITS,
  writeManifest,
} from '../../speech/manifest.js';
import { type SynthProgress, synthesizeCorpus } from '../../speech/synth-corpus.js';
import { defaultSynthConfig, MAX_UTTERANCE_CHARS, type SynthConfig } from '../../speech/synth-plan.js';
import { parseInteger, parsePath, parsePositive, UsageError } from '../args.js';
import { formatDuration, shellQuote } from '../format.js';
import { onInterrupt } from '../interrupt.js';
import { type CliIo, type OutputStream, writeLine } from '../io.js';
import { EXIT_INTERRUPTED } from '../train-run.js';
import type { CommandContext } from './common.js';

interface RawSynthFlags {
  corpus?: string;
  out?: string;
  hours?: string;
  voices?: string;
  heldOutVoices?: string;
  seed?: string;
  maxCharsPerUtterance?: string;
  threads?: string;
}

interface RawPrepareFlags {
  fsdd?: string;
  folder?: string;
  manifest?: string;
  out?: string;
  seed?: string;
}

export function registerSpeech(program: Command, ctx: CommandContext): void {
  const d = defaultSynthConfig();
  const speech = program
    .command('speech')
    .summary('make speech corpora (synthesized read speech, or recordings)')
    .description(
      'Speech corpora for Listen-Attend-Spell: a folder of 16 kHz WAV files, manifest.jsonl and corpus.json.\n' +
        '  memsig speech synth --corpus sotu --out DIR --hours 10\n' +
        '  memsig speech prepare --fsdd free-spoken-digit-dataset-recordings.tar --out DIR',
    );
  speech
    .command('synth')
    .summary('synthesize read speech from the sentences of a text corpus')
    .description(
      "Speaks sentences of the corpus's train/dev/eval split (as `memsig train` splits it) with eSpeak NG and Flite voices " +
        'at rates and pitches drawn per utterance, until --hours of audio. Held-out voices speak only dev and eval, every ' +
        'other utterance there. Sentences with digits are left out (the transcript would say "#"). The same flags give the ' +
        'same corpus; run the same command again after a stop and it makes only the missing WAV files.',
    )
    .option('--corpus <path|sotu>', '(required) text file, .gz file, folder of .txt files, or "sotu"')
    .option('--out <dir>', '(required) the corpus folder (created; WAVs already there are reused)')
    .option('--hours <h>', 'hours of audio to aim for (estimated from the text; corpus.json has the real figure)', '1')
    .option(
      '--voices <list>',
      `comma-separated voices: espeak:LANGUAGE[+VARIANT] or flite:VOICE (default: ${d.voices.join(',')})`,
    )
    .option(
      '--held-out-voices <list>',
      `comma-separated voices among --voices that never speak train, or "none"; needed with --voices (default: ${d.heldOutVoices.join(',')})`,
    )
    .option('--seed <n>', 'seed of the sentence order and the voice, rate and pitch draws', String(d.seed))
    .option('--max-chars-per-utterance <n>', `longest sentence to speak (shortest: ${d.minChars})`, String(d.maxChars))
    .option('--threads <n>', 'worker threads (default: the cores available)')
    .action(async (raw: RawSynthFlags) => {
      ctx.exitCode = await runSynth(raw, ctx);
    });
  speech
    .command('prepare')
    .summary('bring recorded speech into a corpus folder')
    .description(
      'One of:\n' +
        '  --fsdd PATH     the Free Spoken Digit Dataset (its .tar or extracted folder): transcripts "zero".."nine"; ' +
        'takes 0-4 are eval (its test set), 5-9 dev, the rest train\n' +
        '  --folder DIR    NAME.wav or NAME.flac files with NAME.txt transcripts (normalized to the alphabet); split by ' +
        'train/, dev/, eval/ (or test/) subfolders if there are any, else drawn with --seed\n' +
        '  --manifest FILE an existing manifest, checked as it is (no --out)',
    )
    .option('--fsdd <path>', 'the Free Spoken Digit Dataset: .tar, .tar.gz or a folder')
    .option('--folder <dir>', 'a folder of NAME.wav|NAME.flac + NAME.txt')
    .option('--manifest <file>', 'a manifest.jsonl to check')
    .option('--out <dir>', 'the corpus folder to write (for --fsdd and --folder)')
    .option('--seed <n>', "--folder without split subfolders: the split's seed", '1')
    .action(async (raw: RawPrepareFlags) => {
      ctx.exitCode = await runPrepare(raw, ctx);
    });
}

/** The SynthConfig the flags ask for (every value checked, one line naming the flag). */
export function parseSynthFlags(raw: RawSynthFlags): {
  corpus: string;
  out: string;
  config: SynthConfig;
  threads: number;
} {
  if (raw.corpus === undefined) throw new UsageError('missing --corpus (a text file, a folder, or "sotu")');
  if (raw.out === undefined) throw new UsageError('missing --out (the corpus folder to write)');
  const d = defaultSynthConfig();
  const list = (flag: string, value: string): string[] => {
    const items = value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (items.length === 0) throw new UsageError(`${flag} needs at least one voice`);
    return items;
  };
  // The default held-out voices are among the default voices only; a list of one's own names its own.
  if (raw.voices !== undefined && raw.heldOutVoices === undefined) {
    throw new UsageError('--voices needs --held-out-voices too: the voices among them that never speak train, or none');
  }
  const heldRaw = raw.heldOutVoices ?? d.heldOutVoices.join(',');
  const config: SynthConfig = {
    ...d,
    hours: parsePositive('--hours', raw.hours ?? d.hours),
    voices: list('--voices', raw.voices ?? d.voices.join(',')),
    heldOutVoices: heldRaw.trim() === 'none' ? [] : list('--held-out-voices', heldRaw),
    seed: parseInteger('--seed', raw.seed ?? d.seed, 0, 0xffffffff),
    maxChars: parseInteger(
      '--max-chars-per-utterance',
      raw.maxCharsPerUtterance ?? d.maxChars,
      d.minChars,
      MAX_UTTERANCE_CHARS,
    ),
  };
  const threads =
    raw.threads === undefined ? Math.max(1, availableParallelism()) : parseInteger('--threads', raw.threads, 1, 256);
  return { corpus: parsePath('--corpus', raw.corpus), out: parsePath('--out', raw.out), config, threads };
}

async function runSynth(raw: RawSynthFlags, ctx: CommandContext): Promise<number> {
  const { io, hooks } = ctx;
  const { corpus, out, config, threads } = parseSynthFlags(raw);
  const progress = new SynthProgressLine(io.stderr, io.isTTY);
  const stop = onInterrupt((line) => progress.log(line), 'stopping after the utterances under way', hooks.signal);
  let result: Awaited<ReturnType<typeof synthesizeCorpus>>;
  try {
    result = await synthesizeCorpus({
      corpus,
      outDir: out,
      config,
      threads,
      signal: stop.signal,
      now: hooks.now,
      onProgress: (p) => progress.update(p),
    });
  } finally {
    progress.clear();
    stop.dispose();
  }
  const p = result.progress;
  if (result.interrupted) {
    writeLine(
      io.stderr,
      `stopped with ${p.done} of ${p.total} utterances made; continue with: ${shellQuote(['memsig', ...ctx.argv])}`,
    );
    return EXIT_INTERRUPTED;
  }
  for (const split of result.plan.exhausted) {
    writeLine(
      io.stderr,
      `note: the corpus has too few ${split} sentences for its share of ${config.hours} h; all ${result.info!.utterances[split]} are used`,
    );
  }
  const made = p.done - p.reused;
  const speed = p.elapsedMs > 0 ? p.madeSeconds / (p.elapsedMs / 1000) : 0;
  writeLine(
    io.stderr,
    `made ${made} utterances (${hoursText(p.madeSeconds / 3600)}) in ${formatDuration(p.elapsedMs / 1000)}, ${speed.toFixed(1)}x real time${p.reused > 0 ? `; ${p.reused} were already there` : ''}`,
  );
  printCorpusSummary(io, join(out, MANIFEST_FILE), result.info!);
  return 0;
}

async function runPrepare(raw: RawPrepareFlags, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const sources = (['fsdd', 'folder', 'manifest'] as const).filter((k) => raw[k] !== undefined);
  if (sources.length !== 1) {
    throw new UsageError(
      sources.length === 0 ? 'missing --fsdd, --folder or --manifest' : 'give one of --fsdd, --folder and --manifest',
    );
  }
  if (raw.manifest !== undefined) {
    if (raw.out !== undefined) throw new UsageError('--manifest is checked where it is; it takes no --out');
    const path = parsePath('--manifest', raw.manifest);
    const entries = await readManifest(path);
    const summary = summarizeManifest(entries);
    writeLine(io.stdout, `${path}: a valid manifest`);
    printCounts(io, summary);
    return 0;
  }
  if (raw.out === undefined) throw new UsageError('missing --out (the corpus folder to write)');
  const out = parsePath('--out', raw.out);
  await ensureDir(out);
  const progress = new ClipProgressLine(io.stderr, io.isTTY);
  let entries: ManifestEntry[];
  let info: CorpusInfo;
  try {
    if (raw.fsdd !== undefined) {
      const source = parsePath('--fsdd', raw.fsdd);
      entries = await prepareFsdd(source, out, (n, s) => progress.update(n, s));
      info = makeCorpusInfo(entries, { kind: 'fsdd', source, settings: {}, alphabet: defaultSpeechAlphabet() });
    } else {
      const source = parsePath('--folder', raw.folder!);
      const seed = parseInteger('--seed', raw.seed ?? 1, 0, 0xffffffff);
      entries = await prepareFolderCorpus(source, out, seed, (n, s) => progress.update(n, s));
      info = makeCorpusInfo(entries, { kind: 'folder', source, settings: { seed }, alphabet: defaultSpeechAlphabet() });
    }
  } finally {
    progress.clear();
  }
  await writeManifest(join(out, MANIFEST_FILE), entries);
  await writeCorpusInfo(join(out, CORPUS_INFO_FILE), info);
  printCorpusSummary(io, join(out, MANIFEST_FILE), info);
  return 0;
}

function hoursText(hours: number): string {
  return `${hours < 0.1 ? hours.toFixed(4) : hours.toFixed(2)} h`;
}

function printCorpusSummary(io: CliIo, manifestPath: string, info: CorpusInfo): void {
  writeLine(io.stdout, `wrote ${manifestPath} and ${CORPUS_INFO_FILE}`);
  printCounts(io, info);
}

function printCounts(io: CliIo, s: ReturnType<typeof summarizeManifest>): void {
  const parts = SPLITS.map((split) => `${split} ${s.utterances[split]} (${hoursText(s.hours[split])})`);
  writeLine(io.stdout, `utterances: ${s.utterances.total} (${hoursText(s.hours.total)}): ${parts.join(', ')}`);
  const speakers = Object.entries(s.speakers);
  const held = speakers.filter(([, v]) => v.heldOut).map(([k]) => k);
  writeLine(
    io.stdout,
    `speakers: ${speakers.length}${held.length > 0 ? `; never in train: ${held.join(', ')}` : ''}; with word timings: ${s.timedUtterances}`,
  );
}

const TTY_INTERVAL_MS = 100;
const LOG_INTERVAL_MS = 10_000;
const LOG_BUCKETS = 20; // a line every 5%
const CLEAR_LINE = '\r\x1b[K';

/** Progress of synthesis on stderr: one line rewritten on a terminal, otherwise a line every 5% or 10 s. */
class SynthProgressLine {
  private lastWrite = Number.NEGATIVE_INFINITY;
  private lastBucket = -1;
  private shown = false;

  constructor(
    private readonly stream: OutputStream,
    private readonly isTTY: boolean,
    private readonly now: () => number = () => performance.now(),
  ) {}

  update(p: SynthProgress): void {
    const t = this.now();
    if (this.isTTY) {
      if (t - this.lastWrite < TTY_INTERVAL_MS && p.done < p.total) return;
      this.stream.write(`${CLEAR_LINE}${synthLine(p)}`);
      this.shown = true;
      this.lastWrite = t;
      return;
    }
    const bucket = p.total > 0 ? Math.floor((p.done / p.total) * LOG_BUCKETS) : 0;
    if (bucket > this.lastBucket || t - this.lastWrite >= LOG_INTERVAL_MS) {
      this.stream.write(`${synthLine(p)}\n`);
      this.lastBucket = bucket;
      this.lastWrite = t;
    }
  }

  log(line: string): void {
    this.clear();
    this.stream.write(`${line}\n`);
  }

  clear(): void {
    if (this.shown) this.stream.write(CLEAR_LINE);
    this.shown = false;
  }
}

/** "utterances 120/600 (20%), audio 0.25 h, 35.2x real time, ETA 3m10s". */
export function synthLine(p: SynthProgress): string {
  const percent = p.total > 0 ? Math.floor((100 * p.done) / p.total) : 100;
  const made = p.done - p.reused;
  const seconds = p.elapsedMs / 1000;
  const speed = seconds > 0 ? p.madeSeconds / seconds : 0;
  const eta = made > 0 ? ((p.total - p.done) * seconds) / made : Number.NaN;
  return [
    `utterances ${p.done}/${p.total} (${percent}%)`,
    `audio ${hoursText(p.audioSeconds / 3600)}`,
    `${speed.toFixed(1)}x real time`,
    `ETA ${formatDuration(eta)}`,
  ].join(', ');
}

/** Progress of preparing recordings: clips and hours so far (their total is not known while a tar is read). */
class ClipProgressLine {
  private lastWrite = Number.NEGATIVE_INFINITY;
  private shown = false;

  constructor(
    private readonly stream: OutputStream,
    private readonly isTTY: boolean,
    private readonly now: () => number = () => performance.now(),
  ) {}

  update(clips: number, seconds: number): void {
    const t = this.now();
    if (t - this.lastWrite < (this.isTTY ? TTY_INTERVAL_MS : LOG_INTERVAL_MS)) return;
    const line = `clips ${clips}, audio ${hoursText(seconds / 3600)}`;
    this.stream.write(this.isTTY ? `${CLEAR_LINE}${line}` : `${line}\n`);
    this.shown = this.isTTY;
    this.lastWrite = t;
  }

  clear(): void {
    if (this.shown) this.stream.write(CLEAR_LINE);
    this.shown = false;
  }
}
