// `memsig signature --model LAS --data DIR`: which flags belong to a speech recognizer's signature, which to a
// language model's, and the LAS flags parsed and checked (one line naming the flag) before any file is read.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LasProbe, SpellerReads } from '../analysis/las-probes.js';
import { defaultLasSignatureOptions, type LasSignatureOptions, type LasTarget } from '../analysis/las-signature.js';
import type { AlignmentMethod, StateDirection } from '../analysis/signature-types.js';
import { parseChoice, parseInteger, parsePath, UsageError } from './args.js';
import { parseBackend } from './commands/common.js';
import type { RawSignatureFlags } from './commands/signature.js';
import { parseSignatureSettings } from './commands/signature.js';
import type { LasSignatureRunOptions } from './las-signature-run.js';

/** The flags of a LAS signature beyond those every signature has. */
export interface RawLasFlags {
  data?: string;
  alignment?: string;
  target?: string;
  direction?: string;
  probes?: string;
  /** Commander's --no-current: false when given. */
  current?: boolean;
  bigrams?: string;
  audioUnits?: string;
  utteranceBatch?: string;
}

/** A probe as typed: one layer, or every listener layer (resolved once the model is known). */
export type ProbeSpec = LasProbe | { role: 'encoder-all' };

/** The LAS-only flags given, as typed on the command line (for "… is for speech recognizers"). */
export function lasFlagsGiven(raw: RawLasFlags): string[] {
  const given: string[] = [];
  if (raw.data !== undefined) given.push('--data');
  if (raw.alignment !== undefined) given.push('--alignment');
  if (raw.target !== undefined) given.push('--target');
  if (raw.direction !== undefined) given.push('--direction');
  if (raw.probes !== undefined) given.push('--probes');
  if (raw.current === false) given.push('--no-current');
  if (raw.bigrams !== undefined) given.push('--bigrams');
  if (raw.audioUnits !== undefined) given.push('--audio-units');
  if (raw.utteranceBatch !== undefined) given.push('--utterance-batch');
  return given;
}

/** The language-model flags given (which a LAS signature refuses). */
function lmFlagsGiven(raw: RawSignatureFlags): string[] {
  const given: string[] = [];
  if (raw.ngram !== undefined) given.push('--ngram');
  if (raw.prune !== undefined) given.push('--prune');
  if (raw.layers !== undefined) given.push('--layers');
  if (raw.segment !== undefined && raw.segment !== 'auto') given.push('--segment');
  if (raw.kernel !== undefined && raw.kernel !== 'full') given.push('--kernel');
  if (raw.basis !== undefined) given.push('--basis');
  if (raw.basisAlone) given.push('--basis-alone');
  if (raw.randomWeights) given.push('--random-weights');
  return given;
}

/**
 * What MODEL's config.json says it is: 'las', another kind ('lm'), or null when there is no readable config (left
 * to the loaders, which say what is wrong with the directory).
 */
export async function modelDirKind(dir: string): Promise<'las' | 'lm' | null> {
  try {
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as { kind?: unknown } | null;
    if (typeof config !== 'object' || config === null) return null;
    return config.kind === 'las' ? 'las' : 'lm';
  } catch {
    return null;
  }
}

/** A language model asked for with LAS flags: the one-line refusal. */
export function refuseLasFlags(raw: RawSignatureFlags & RawLasFlags): void {
  const [flag] = lasFlagsGiven(raw);
  if (flag === undefined) return;
  if (raw.model === undefined && raw.ngram === undefined) {
    throw new UsageError('missing --model (a LAS model directory, which --data is for)');
  }
  const subject = raw.model !== undefined ? `${raw.model} is a language model` : 'an n-gram is a language model';
  throw new UsageError(
    `${flag} is for speech recognizers (a model directory of kind "las"); ${subject}: give --corpus to read it`,
  );
}

/** Raw flags → the options of a LAS signature run; the first bad value is a UsageError naming its flag. */
export function parseLasSignatureFlags(
  raw: RawSignatureFlags & RawLasFlags,
  commandLine: string[],
): LasSignatureRunOptions {
  if (raw.corpus !== undefined) {
    throw new UsageError(
      `--corpus is for language models; ${raw.model ?? 'a LAS model'} is a speech recognizer: give --data DIR (a corpus folder of memsig speech synth/prepare)`,
    );
  }
  const [lm] = lmFlagsGiven(raw);
  if (lm !== undefined) {
    const hint = lm === '--layers' ? ' (choose its layers with --probes, e.g. encoder:1,encoder:3,decoder)' : '';
    throw new UsageError(`${lm} is for language models; ${raw.model} is a speech recognizer${hint}`);
  }
  if (raw.model === undefined) throw new UsageError('missing --model (a LAS model directory)');
  if (raw.data === undefined) {
    throw new UsageError(
      `missing --data: ${raw.model} is a speech recognizer and reads a speech corpus (a folder of memsig speech synth/prepare)`,
    );
  }
  if (raw.out === undefined) throw new UsageError('missing --out (the signature file to write, e.g. sig.json)');
  const d = defaultLasSignatureOptions();
  const common = parseSignatureSettings(raw);
  const target = parseChoice<LasTarget>('--target', raw.target ?? d.target, ['grapheme', 'bigram', 'audio-unit']);
  if (raw.bigrams !== undefined && target !== 'bigram') throw new UsageError('--bigrams is for --target bigram');
  if (raw.audioUnits !== undefined && target !== 'audio-unit') {
    throw new UsageError('--audio-units is for --target audio-unit');
  }
  if (raw.alignment !== undefined && target === 'audio-unit') {
    throw new UsageError('--alignment does not apply to --target audio-unit: a frame has its own unit');
  }
  const settings: LasSignatureSettings = {
    ...d,
    maxDelta: common.maxDelta,
    // The LAS defaults of train and dev positions differ from the language models' (a few hours of speech); the
    // others are the same.
    trainPositions: raw.trainPositions === undefined ? d.trainPositions : common.trainPositions,
    devPositions: raw.devPositions === undefined ? d.devPositions : common.devPositions,
    evalPositions: common.evalPositions,
    seed: common.seed,
    decoder: { ...common.decoder, whiten: raw.whiten ?? d.decoder.whiten },
    convergenceTolerance: common.convergenceTolerance,
    state: raw.state === undefined ? d.state : parseChoice('--state', raw.state, ['c', 'h'] as const),
    direction: parseChoice<StateDirection>('--direction', raw.direction ?? d.direction, [
      'forward',
      'backward',
      'both',
    ]),
    alignment: parseChoice<AlignmentMethod>('--alignment', raw.alignment ?? d.alignment, ['synth', 'attention']),
    target,
    bigrams: raw.bigrams === undefined ? d.bigrams : parseInteger('--bigrams', raw.bigrams, 1, 10_000),
    units:
      raw.audioUnits === undefined
        ? d.units
        : { ...d.units, units: parseInteger('--audio-units', raw.audioUnits, 2, 10_000) },
    current: raw.current !== false,
    batch: raw.utteranceBatch === undefined ? d.batch : parseInteger('--utterance-batch', raw.utteranceBatch, 1, 4096),
  };
  return {
    model: parsePath('--model', raw.model),
    data: parsePath('--data', raw.data),
    out: parsePath('--out', raw.out),
    settings,
    probes: raw.probes === undefined ? null : parseProbes(raw.probes),
    ...parseBackend(raw),
    resume: raw.resume === true,
    force: raw.force === true,
    json: raw.json === true,
    commandLine,
  };
}

/** What the flags decide of lasSignature's options; the probes, frame timing and source come from model and data. */
export type LasSignatureSettings = Omit<LasSignatureOptions, 'probes' | 'shiftSeconds' | 'lengthSeconds' | 'source'>;

const PROBE_FORMS = 'features[:W], encoder[:N], decoder[:query|c|context]';

/**
 * --probes: a comma-separated list of features (one frame) or features:W (±W frames stacked), encoder (every
 * listener layer) or encoder:N (layer N, from 1), decoder (the speller's query) or decoder:query|c|context.
 */
export function parseProbes(value: string): ProbeSpec[] {
  const items = value.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) {
    throw new UsageError(`--probes must be a comma-separated list of ${PROBE_FORMS} (got ${JSON.stringify(value)})`);
  }
  return items.map((item): ProbeSpec => {
    const [role, arg, extra] = item.split(':');
    const bad = () =>
      new UsageError(`--probes: ${JSON.stringify(item)} is not a layer; use ${PROBE_FORMS}, e.g. encoder:1,decoder`);
    if (extra !== undefined) throw bad();
    if (role === 'features') {
      return { role: 'features', window: arg === undefined ? 0 : parseInteger('--probes features:W', arg, 0, 1000) };
    }
    if (role === 'encoder') {
      if (arg === undefined) return { role: 'encoder-all' };
      return { role: 'encoder', layer: parseInteger('--probes encoder:N', arg, 1, 1000) - 1 };
    }
    if (role === 'decoder') {
      const reads = parseChoice<SpellerReads>('--probes decoder:', arg ?? 'query', ['query', 'c', 'context']);
      return { role: 'decoder', reads };
    }
    throw bad();
  });
}

/** The probes asked for on a model of `listenerLayers` layers ("encoder" expanded), or null for the default set. */
export function resolveProbes(specs: readonly ProbeSpec[] | null, listenerLayers: number): LasProbe[] | null {
  if (specs === null) return null;
  return specs.flatMap((p): LasProbe[] =>
    p.role === 'encoder-all' ? Array.from({ length: listenerLayers }, (_, layer) => ({ role: 'encoder', layer })) : [p],
  );
}
