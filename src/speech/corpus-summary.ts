// corpus.json: what a speech corpus folder holds (how it was made, its alphabet, utterances and hours per split and
// per speaker), so a person or a training run can tell at a glance without reading every manifest line.

import { writeJsonAtomic } from '../io/atomic.js';
import { MANIFEST_FILE, type ManifestEntry, SPLITS, type Split } from './manifest.js';
import { SPEECH_SAMPLE_RATE } from './synthesizer.js';

export const CORPUS_INFO_FILE = 'corpus.json';
export const CORPUS_INFO_FORMAT = 'memsig-speech-corpus';

export type PerSplit = Record<Split | 'total', number>;

export interface SpeakerSummary {
  /** Never speaks a train utterance (synthesized corpora: a held-out voice). */
  heldOut: boolean;
  utterances: PerSplit;
  hours: PerSplit;
}

export interface CorpusSummary {
  utterances: PerSplit;
  hours: PerSplit;
  /** Utterances that have word timings. */
  timedUtterances: number;
  speakers: Record<string, SpeakerSummary>;
}

export interface CorpusInfo extends CorpusSummary {
  format: typeof CORPUS_INFO_FORMAT;
  version: 1;
  /** How the corpus was made: synthesized (memsig speech synth), fsdd or folder (memsig speech prepare). */
  kind: 'synthesized' | 'fsdd' | 'folder';
  /** What it was made from: 'sotu', or the path given. */
  source: string;
  /** The options it was made with (for synthesized corpora: everything needed to make it again). */
  settings: Record<string, unknown>;
  alphabet: string[];
  sampleRate: number;
  manifest: string;
}

function zeros(): PerSplit {
  return { train: 0, dev: 0, eval: 0, total: 0 };
}

/** Counts and hours of `entries`, per split and per speaker (speakers in order of first appearance). */
export function summarizeManifest(entries: readonly ManifestEntry[]): CorpusSummary {
  const summary: CorpusSummary = { utterances: zeros(), hours: zeros(), timedUtterances: 0, speakers: {} };
  const seconds = zeros();
  const speakerSeconds = new Map<string, PerSplit>();
  for (const e of entries) {
    let speaker = summary.speakers[e.speaker];
    if (speaker === undefined) {
      speaker = { heldOut: true, utterances: zeros(), hours: zeros() };
      summary.speakers[e.speaker] = speaker;
      speakerSeconds.set(e.speaker, zeros());
    }
    const own = speakerSeconds.get(e.speaker)!;
    for (const key of [e.split, 'total'] as const) {
      summary.utterances[key]++;
      seconds[key] += e.duration;
      speaker.utterances[key]++;
      own[key] += e.duration;
    }
    if (e.split === 'train') speaker.heldOut = false;
    if (e.words !== null) summary.timedUtterances++;
  }
  summary.hours = toHours(seconds);
  for (const [name, own] of speakerSeconds) summary.speakers[name].hours = toHours(own);
  return summary;
}

// Hours to 1/10,000 (0.36 s): enough to read, and stable across runs that differ by float rounding.
function toHours(seconds: PerSplit): PerSplit {
  const out = zeros();
  for (const key of [...SPLITS, 'total'] as const) out[key] = Math.round((seconds[key] / 3600) * 1e4) / 1e4;
  return out;
}

/** corpus.json's contents for `entries`. */
export function makeCorpusInfo(
  entries: readonly ManifestEntry[],
  made: { kind: CorpusInfo['kind']; source: string; settings: Record<string, unknown>; alphabet: readonly string[] },
): CorpusInfo {
  return {
    format: CORPUS_INFO_FORMAT,
    version: 1,
    kind: made.kind,
    source: made.source,
    settings: made.settings,
    alphabet: [...made.alphabet],
    sampleRate: SPEECH_SAMPLE_RATE,
    manifest: MANIFEST_FILE,
    ...summarizeManifest(entries),
  };
}

/** Writes corpus.json atomically. */
export async function writeCorpusInfo(path: string, info: CorpusInfo): Promise<void> {
  await writeJsonAtomic(path, info);
}
