// A synthesized speech corpus, start to end: sentences of a text corpus → a seeded plan → WAV files (in parallel,
// skipping those an earlier run made) → manifest.jsonl and corpus.json, written atomically once everything is made.

import { join } from 'node:path';
import { ensureDir } from '../io/atomic.js';
import { CORPUS_INFO_FILE, type CorpusInfo, makeCorpusInfo, writeCorpusInfo } from './corpus-summary.js';
import { MANIFEST_FILE, type ManifestEntry, writeManifest } from './manifest.js';
import { loadSentencePools } from './sentence-pools.js';
import { planSynthesis, type SynthConfig, type SynthPlan, validateSynthConfig } from './synth-plan.js';
import { runSynthPool } from './synth-pool.js';
import { findMadeUtterance, SynthesizerSet, type SynthJob, type SynthOutcome } from './synth-utterance.js';
import { formatVoiceLabel, parseVoiceLabel } from './synthesizer.js';

export interface SynthCorpusOptions {
  /** The text corpus: 'sotu', a file or a folder, read as `memsig train --corpus` reads it. */
  corpus: string;
  outDir: string;
  config: SynthConfig;
  threads: number;
  signal?: AbortSignal;
  onProgress?: (p: SynthProgress) => void;
  /** Clock in ms (default performance.now). */
  now?: () => number;
}

export interface SynthProgress {
  /** Utterances on disk, of `total`. */
  done: number;
  total: number;
  /** Utterances an earlier run had made. */
  reused: number;
  /** Seconds of audio on disk, and of it the seconds synthesized by this run. */
  audioSeconds: number;
  madeSeconds: number;
  /** Wall time since synthesis started, ms. */
  elapsedMs: number;
}

export interface SynthCorpusResult {
  plan: SynthPlan;
  /** True when the signal stopped the run: nothing but WAV files was written. */
  interrupted: boolean;
  progress: SynthProgress;
  entries: ManifestEntry[] | null;
  info: CorpusInfo | null;
}

/** Makes (or completes) the corpus in `outDir`. */
export async function synthesizeCorpus(options: SynthCorpusOptions): Promise<SynthCorpusResult> {
  const { config, outDir } = options;
  const now = options.now ?? (() => performance.now());
  validateSynthConfig(config);
  const { pools, alphabet } = await loadSentencePools(options.corpus, config);
  const plan = planSynthesis(pools, config);
  await checkVoices(config.voices);
  await ensureDir(outDir);

  const jobs: SynthJob[] = plan.utterances.map((u) => ({
    id: u.id,
    text: u.text,
    voice: u.voice,
    path: join(outDir, ...u.audio.split('/')),
  }));
  const outcomes = new Map<string, SynthOutcome>();
  const start = now();
  const progress: SynthProgress = {
    done: 0,
    total: jobs.length,
    reused: 0,
    audioSeconds: 0,
    madeSeconds: 0,
    elapsedMs: 0,
  };
  const record = (o: SynthOutcome) => {
    outcomes.set(o.id, o);
    progress.done++;
    progress.audioSeconds += o.duration;
    if (o.reused) progress.reused++;
    else progress.madeSeconds += o.duration;
    progress.elapsedMs = now() - start;
  };
  for (const job of jobs) {
    const made = await findMadeUtterance(job);
    if (made !== null) record(made);
  }
  options.onProgress?.({ ...progress });
  const todo = jobs.filter((j) => !outcomes.has(j.id));
  const run = await runSynthPool(todo, {
    threads: options.threads,
    signal: options.signal,
    onOutcome: (o) => {
      record(o);
      options.onProgress?.({ ...progress });
    },
  });
  progress.elapsedMs = now() - start;
  if (run.interrupted) return { plan, interrupted: true, progress, entries: null, info: null };

  const entries: ManifestEntry[] = plan.utterances.map((u) => {
    const o = outcomes.get(u.id)!;
    return {
      id: u.id,
      audio: u.audio,
      transcript: u.text,
      duration: o.duration,
      split: u.split,
      speaker: formatVoiceLabel(u.voice),
      rate: u.voice.rate,
      pitch: u.voice.pitch,
      words: o.words,
    };
  });
  await writeManifest(join(outDir, MANIFEST_FILE), entries);
  const info = makeCorpusInfo(entries, {
    kind: 'synthesized',
    source: options.corpus,
    settings: { ...config },
    alphabet,
  });
  await writeCorpusInfo(join(outDir, CORPUS_INFO_FILE), info);
  return { plan, interrupted: false, progress, entries, info };
}

/** Every voice exists in its synthesizer (a UserError naming the first that does not), before any work starts. */
async function checkVoices(labels: readonly string[]): Promise<void> {
  const synths = new SynthesizerSet();
  try {
    for (const voice of labels.map(parseVoiceLabel)) (await synths.get(voice.synth)).checkVoice(voice);
  } finally {
    await synths.close();
  }
}
