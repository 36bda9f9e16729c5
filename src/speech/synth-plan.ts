// What a synthesized corpus will hold, decided before any audio is made: per split, sentences drawn in a seeded order
// until the split's share of the hours is reached (by an estimate of speaking time), each with a voice, rate and pitch
// drawn for it. Pure and seeded, so the same settings give the same plan, a resumed run knows what is missing, and a
// run with more hours extends the plan of one with fewer (utterance k of a split never depends on the total).

import { UserError } from '../core/errors.js';
import { Rng } from '../core/random.js';
import { SPLITS, type Split } from './manifest.js';
import type { SentencePools } from './sentence-pools.js';
import { canChangePitch, formatVoiceLabel, parseVoiceLabel, type VoiceId, type VoiceSpec } from './synthesizer.js';

export interface SynthConfig {
  /** Hours of audio to aim for, over all splits. */
  hours: number;
  /** Every voice that speaks (labels such as espeak:en-us+f3, flite:slt). */
  voices: string[];
  /** Voices (among `voices`) that never speak train; in dev and eval they speak every other utterance. */
  heldOutVoices: string[];
  seed: number;
  minChars: number;
  maxChars: number;
  /** Per-utterance rate and pitch factors are drawn uniformly from these ranges (2 decimals). */
  rateRange: [number, number];
  pitchRange: [number, number];
  /** Shares of the hours per split. */
  splitHours: Record<Split, number>;
  /** Characters a second at rate 1, to estimate an utterance's length before it exists (measured: eSpeak ~19). */
  charsPerSecond: number;
}

export function defaultSynthConfig(): SynthConfig {
  return {
    hours: 1,
    voices: [
      'espeak:en-us+m1',
      'espeak:en-us+f2',
      'espeak:en-us+klatt',
      'espeak:en-gb+m3',
      'espeak:en-gb+f4',
      'espeak:en-gb-scotland+m2',
      'espeak:en-gb-x-rp+f1',
      'espeak:en-gb-x-gbclan+m4',
      'espeak:en-gb-x-gbcwmd+f5',
      'espeak:en-029+m5',
      'espeak:en-us-nyc+m7',
      'espeak:en-us-nyc+f3',
      'flite:slt',
      'flite:rms',
      'flite:awb',
      'flite:kal16',
    ],
    heldOutVoices: ['espeak:en-us-nyc+f3', 'flite:awb'],
    seed: 1,
    minChars: 20,
    maxChars: 200,
    rateRange: [0.85, 1.2],
    pitchRange: [0.85, 1.2],
    splitHours: { train: 0.9, dev: 0.05, eval: 0.05 },
    charsPerSecond: 17,
  };
}

/** Half a minute of speech in three voices, one held out: the corpus of smoke runs, synthesized in seconds. */
export function tinySynthConfig(): SynthConfig {
  return {
    ...defaultSynthConfig(),
    voices: ['espeak:en-us+m1', 'espeak:en-gb+f4', 'espeak:en-us+f2'],
    heldOutVoices: ['espeak:en-us+f2'],
    maxChars: 40,
    hours: 0.008,
    splitHours: { train: 0.8, dev: 0.1, eval: 0.1 },
  };
}

export interface PlannedUtterance {
  id: string;
  split: Split;
  text: string;
  voice: VoiceSpec;
  /** The WAV file, relative to the corpus folder. */
  audio: string;
  heldOutVoice: boolean;
}

export interface SynthPlan {
  utterances: PlannedUtterance[];
  /** Estimated seconds per split. */
  estimatedSeconds: Record<Split, number>;
  /** Splits whose sentence pool ran out before their hours were reached. */
  exhausted: Split[];
}

/** The longest sentence memsig asks a synthesizer to speak. */
export const MAX_UTTERANCE_CHARS = 1000;

/** Throws a UserError naming the first setting of `config` that cannot work. */
export function validateSynthConfig(config: SynthConfig): void {
  const fail = (problem: string): never => {
    throw new UserError(problem);
  };
  if (!(config.hours > 0 && Number.isFinite(config.hours))) fail(`hours must be a number > 0 (got ${config.hours})`);
  if (!(Number.isInteger(config.seed) && config.seed >= 0 && config.seed <= 0xffffffff)) {
    fail(`seed must be a whole number from 0 to 4294967295 (got ${config.seed})`);
  }
  if (!(Number.isInteger(config.minChars) && config.minChars >= 1)) {
    fail(`minChars must be a whole number >= 1 (got ${config.minChars})`);
  }
  if (
    !(Number.isInteger(config.maxChars) && config.maxChars >= config.minChars && config.maxChars <= MAX_UTTERANCE_CHARS)
  ) {
    fail(
      `the longest utterance must be ${config.minChars} to ${MAX_UTTERANCE_CHARS} characters (got ${config.maxChars})`,
    );
  }
  for (const [name, [lo, hi]] of [
    ['rate', config.rateRange],
    ['pitch', config.pitchRange],
  ] as const) {
    if (!(lo > 0 && hi >= lo && hi <= 4)) fail(`${name} range must satisfy 0 < low <= high <= 4 (got ${lo}..${hi})`);
  }
  resolveVoices(config);
}

/** Checks the voice lists of `config` (labels, duplicates, held-out among voices, a train voice left). */
export function resolveVoices(config: Pick<SynthConfig, 'voices' | 'heldOutVoices'>): {
  trainVoices: VoiceId[];
  heldOutVoices: VoiceId[];
} {
  const all = config.voices.map(parseVoiceLabel);
  const labels = all.map(formatVoiceLabel);
  const twice = labels.find((l, i) => labels.indexOf(l) !== i);
  if (twice !== undefined) throw new UserError(`voice ${twice} is listed twice`);
  const held = config.heldOutVoices.map(parseVoiceLabel).map(formatVoiceLabel);
  for (const h of held) {
    if (!labels.includes(h)) throw new UserError(`held-out voice ${h} is not among the voices (${labels.join(',')})`);
  }
  const trainVoices = all.filter((v) => !held.includes(formatVoiceLabel(v)));
  if (trainVoices.length === 0) throw new UserError('every voice is held out: at least one must speak train');
  return { trainVoices, heldOutVoices: all.filter((v) => held.includes(formatVoiceLabel(v))) };
}

/** The utterances of a corpus of `config.hours` from `pools`, in split order (train, dev, eval). */
export function planSynthesis(pools: Readonly<SentencePools>, config: SynthConfig): SynthPlan {
  validateSynthConfig(config);
  const { trainVoices, heldOutVoices } = resolveVoices(config);
  const utterances: PlannedUtterance[] = [];
  const estimatedSeconds: Record<Split, number> = { train: 0, dev: 0, eval: 0 };
  const exhausted: Split[] = [];
  const root = new Rng(config.seed);
  SPLITS.forEach((split, s) => {
    const pool = pools[split];
    const budget = config.hours * 3600 * config.splitHours[split];
    // Held-out voices need a seen-voice and an unseen-voice utterance in each held-out split.
    const mixes = split !== 'train' && heldOutVoices.length > 0;
    const minCount = budget > 0 ? (mixes ? 2 : 1) : 0;
    const order = root.fork(2 * s).shuffle(Array.from(pool, (_, i) => i));
    const draw = root.fork(2 * s + 1);
    let seconds = 0;
    let k = 0;
    for (; k < order.length && (seconds < budget || k < minCount); k++) {
      const text = pool[order[k]];
      const heldOut = mixes && k % 2 === 1;
      const group = heldOut ? heldOutVoices : trainVoices;
      const voice = group[draw.int(group.length)];
      const rate = round2(draw.uniform(config.rateRange[0], config.rateRange[1]));
      const pitch = round2(draw.uniform(config.pitchRange[0], config.pitchRange[1]));
      const id = `${split}-${String(k + 1).padStart(6, '0')}`;
      utterances.push({
        id,
        split,
        text,
        voice: { ...voice, rate, pitch: canChangePitch(voice) ? pitch : 1 },
        audio: `wav/${split}/${id}.wav`,
        heldOutVoice: heldOut,
      });
      seconds += text.length / (config.charsPerSecond * rate);
    }
    estimatedSeconds[split] = seconds;
    if (seconds < budget || k < minCount) exhausted.push(split);
  });
  return { utterances, estimatedSeconds, exhausted };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
