// `memsig signature`: the memory signature of a model directory on a corpus (paper, section 4). Every flag value is
// checked here, so a mistake is one line naming the flag (exit code 2) before any file is read.

import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { defaultLasSignatureOptions } from '../../analysis/las-signature.js';
import { defaultSignatureOptions, type SignatureOptions } from '../../analysis/signature.js';
import type { StateKind } from '../../analysis/signature-types.js';
import { SOTU_SOURCE } from '../../data/index.js';
import {
  parseBigramList,
  parseChoice,
  parseInteger,
  parseNumber,
  parsePath,
  parsePositive,
  UsageError,
} from '../args.js';
import { writeLine } from '../io.js';
import { modelDirKind, parseLasSignatureFlags, type RawLasFlags, refuseLasFlags } from '../las-signature-flags.js';
import { runLasSignature } from '../las-signature-run.js';
import { runSignature, type SignatureRunOptions } from '../signature-run.js';
import { parseStatesSignatureFlags } from '../states-signature-flags.js';
import {
  addBackendOptions,
  addModelOrNgramOptions,
  type CommandContext,
  parseBackend,
  parseModelOrNgram,
  SEGMENTS,
} from './common.js';

export interface RawSignatureFlags {
  model?: string;
  /** --states FILE and --alphabet-file (states-signature-flags.ts). */
  states?: string;
  alphabetFile?: string;
  ngram?: string;
  prune?: string;
  corpus?: string;
  out?: string;
  maxDelta?: string;
  layers?: string;
  state?: string;
  trainPositions?: string;
  devPositions?: string;
  evalPositions?: string;
  keepProbs?: string;
  decoderHidden?: string;
  maxEpochs?: string;
  patience?: string;
  decoderBatch?: string;
  decoderLr?: string;
  sweepEpochs?: string;
  finalists?: string;
  halfStage?: boolean;
  whiten?: boolean;
  lrDecay?: string;
  decays?: string;
  epochsPerRate?: string;
  convergenceTolerance?: string;
  roundPositions?: string;
  stateMemory?: string;
  statesDir?: string;
  seed?: string;
  decoderSeeds?: string;
  capacitySweep?: boolean;
  mdl?: boolean;
  segment?: string;
  kernel?: string;
  basis?: string;
  basisAlone?: boolean;
  randomWeights?: boolean;
  backend?: string;
  threads?: string;
  resume?: boolean;
  force?: boolean;
  json?: boolean;
}

export function registerSignature(program: Command, ctx: CommandContext): void {
  const d = defaultSignatureOptions();
  const cmd = addModelOrNgramOptions(
    program
      .command('signature')
      .summary("compute a model's memory signature")
      .description(
        'Train decoders that read the symbol δ = 1..Δ steps back from the frozen recurrent state of each layer ' +
          "(the paper's memory signature) and write the result to --out (docs/signature.schema.json). The corpus is " +
          "read as the model's config says; on the model's training corpus its own split is used. Ctrl-C stops and " +
          "keeps the finished layers in OUT.partial.json and the unfinished layer's decoders as of their last round " +
          'in OUT.partial.decoders/; --resume continues.\n' +
          'Each δ also records the text-only baseline, the best guess of the symbol from the text read after it ' +
          'alone (the table’s text column; memsig render --metric excess draws recall above it).\n' +
          'With --ngram ORDER instead of --model, the signature is that of an n-gram model (modified Kneser-Ney) ' +
          "estimated on the corpus's training partition: the paper's baseline of Figure 5.\n" +
          'With --states FILE instead of --model and --corpus, the states of a model computed elsewhere (any ' +
          'framework): a safetensors file or a folder of .npy files with the state of each layer, the symbol and the ' +
          'segment of every position (docs/formats.md, "States files"); only the rows of the sampled positions are ' +
          'read.\n' +
          'A speech recognizer (a model directory of kind "las", memsig asr train) reads --data DIR, a speech corpus ' +
          'folder, in place of --corpus: each listener layer at its own frames, labelled with the grapheme spoken ' +
          "there, and the speller's query at each step (paper section 8, Figure 7); δ = 0 is measured too. Its " +
          'flags: --probes, --alignment, --target, --direction, --no-current, --bigrams, --audio-units, ' +
          '--utterance-batch (default train and dev positions 200000 and 20000; decoders on the standardized state).',
      ),
  )
    .option(
      '--corpus <path|sotu>',
      '(required for a language model) text file, .gz file, folder of .txt files, or "sotu"',
    )
    .option(
      '--data <dir>',
      '(required for a LAS model) speech corpus folder of memsig speech synth/prepare (or its manifest.jsonl)',
    )
    .option('--out <file>', '(required) signature file to write, e.g. sig.json')
    .option(
      '--states <file>',
      'instead of --model and --corpus: states computed elsewhere, a .safetensors file (or a folder of .npy files) ' +
        'with c.L or h.L [N, D] per layer, symbols [N] and segments [N] (docs/formats.md)',
    )
    .option(
      '--alphabet-file <file>',
      'with --states: the alphabet, when the file has none (JSON list or map, or one symbol per line)',
    )
    .option('--max-delta <n>', `Δ: decode the symbols 1..Δ steps back (default: ${d.maxDelta})`)
    .option('--layers <list>', 'layers to analyse, numbered from 1: all, or a list such as 1,2 (default: all)')
    .option(
      '--state <c|h>',
      'state read: c (LSTM memory cell) or h (hidden output) (default: c for an LSTM, h for a GRU)',
    )
    .option(
      '--train-positions <n|all>',
      `sampled positions to train the decoders on, or all of the train partition's (default: ${d.trainPositions})`,
    )
    .option(
      '--dev-positions <n>',
      `sampled positions to choose keep probability and epoch (default: ${d.devPositions})`,
    )
    .option('--eval-positions <n>', `sampled positions to score on (default: ${d.evalPositions})`)
    .option('--keep-probs <list>', `dropout keep probabilities to sweep (default: ${d.decoder.keepProbs.join(',')})`)
    .option(
      '--decoder-hidden <list>',
      "decoder hidden layer sizes, e.g. 512 or 256,256 (default: the paper's size rule)",
    )
    .option(
      '--sweep-epochs <n>',
      `epochs every keep probability trains before the sweep keeps only the best (default: ${d.decoder.sweepEpochs})`,
    )
    .option(
      '--finalists <n>',
      `keep probabilities trained on to convergence after that (default: ${d.decoder.finalists})`,
    )
    .option('--max-epochs <n>', `most epochs per training stage (default: ${d.decoder.maxEpochs})`)
    .option(
      '--patience <n>',
      `epochs without a better dev accuracy before the learning rate decays (default: ${d.decoder.patience})`,
    )
    .option('--lr-decay <x>', `factor on the decoder learning rate at each plateau (default: ${d.decoder.lrDecay})`)
    .option('--decays <n>', `learning-rate decays before a stage ends (default: ${d.decoder.decays})`)
    .option(
      '--epochs-per-rate <n[,n…]>',
      `most epochs at one learning rate before it decays anyway; a list gives each rate's cap in turn (default: ${d.decoder.epochsPerRate})`,
    )
    .option(
      '--whiten',
      "feed the decoders the standardized state whitened (decorrelated): faster learning, same decoders' reach; the default for language models and states",
    )
    .option(
      '--no-whiten',
      'feed the decoders the standardized state as it is, not whitened: the default for speech recognizers (docs/convergence.md)',
    )
    .option(
      '--no-half-stage',
      'train on all train positions at once (no half-data stage: no measure of what more data would add)',
    )
    .option(
      '--convergence-tolerance <x>',
      `mark a decoder not converged when more data or epochs would still add more than this accuracy (default: ${d.convergenceTolerance})`,
    )
    .option(
      '--round-positions <n>',
      'train positions per epoch of the schedule: the dev accuracy is checked and the learning rate may decay after ' +
        `every n positions, or every pass when a stage has fewer; 0: whole passes (default: ${d.decoder.roundPositions})`,
    )
    .option(
      '--state-memory <MB>',
      `train states larger than this go to shard files, read one shard at a time (default: ${d.stateMemoryBytes / 2 ** 20})`,
    )
    .option(
      '--states-dir <dir>',
      "where shard files go while the decoders train (default: the system's temporary folder); a folder there that " +
        'a killed run left is removed',
    )
    .option('--decoder-batch <n>', `decoder minibatch size (default: ${d.decoder.batch})`)
    .option('--decoder-lr <x>', `decoder Adam learning rate (default: ${d.decoder.lr})`)
    .option('--seed <n>', `random seed of position sampling and decoders (default: ${d.seed})`)
    .option(
      '--decoder-seeds <k>',
      'train every decoder with K seeds (initial weights, dropout, shard order; same positions) and record the mean ' +
        'and the spread over them: K times the decoders’ time (default: 1)',
    )
    .option(
      '--capacity-sweep',
      'probe capacity: per layer and δ, also train linear decoders and decoders 0.25× and 4× as wide, and record ' +
        'accuracy and bits against parameters (the accuracy/complexity front); about 4–5 times the decoders’ time more',
    )
    .option(
      '--mdl',
      'description length: per δ, the online code length of the labels given the states (blocks of 0.1% to 100% of ' +
        'the train positions), in bits per position and as compression; about 1–2 times the decoders’ time more',
    )
    .option(
      '--segment <mode>',
      "line, sentence, none (each file one stream, the state carried across lines), or auto (as memsig eval: none for a stream model, else the model's recorded one, sentence for sotu, line otherwise)",
      'auto',
    )
    .option(
      '--kernel <part>',
      'factorized-lstm models: the kernel analysed, full, base (W0 alone) or none (no recurrent kernel: a control)',
      'full',
    )
    .option(
      '--basis <bigrams>',
      'factorized-lstm models: analyse W0 plus the basis of each bigram, e.g. th,ha,in; with several, --out must ' +
        'hold {basis}, replaced by each bigram (a space as _)',
    )
    .option('--basis-alone', 'with --basis: each basis without W0 (λ_i·u_i v_iᵀ alone)')
    .option(
      '--random-weights',
      "control: the model's architecture with freshly initialized weights (drawn with --seed), to tell what training " +
        'added from what the architecture keeps anyway (compare the two with memsig diff)',
    )
    .option(
      '--probes <list>',
      'LAS: the layers read, e.g. features:4,encoder:1,encoder:3,decoder: features[:W] (±W frames stacked), ' +
        'encoder[:N] (all, or layer N), decoder[:query|c|context] (default: every encoder layer and decoder:query)',
    )
    .option(
      '--alignment <synth|attention>',
      "LAS: how frames get their graphemes: the synthesizer's word timings or the model's attention (default: synth)",
    )
    .option(
      '--target <kind>',
      'what the decoders name: grapheme (the symbol δ back) or bigram (the pair ending there), for any model; ' +
        'audio-unit for a LAS (default: grapheme)',
    )
    .option(
      '--direction <dir>',
      "LAS: the half of a listener layer's state read: forward, backward or both (default: both)",
    )
    .option('--no-current', 'LAS: leave out δ = 0 (the grapheme being spoken or spelled at the position)')
    .option(
      '--bigrams <n>',
      '--target bigram: this many most frequent pairs of the train partition, and "other" (default: 63)',
    )
    .option('--audio-units <n>', 'LAS, --target audio-unit: k-means classes of feature frames (default: 64)')
    .option('--utterance-batch <n>', 'LAS: utterances per model batch while states are read (default: 16)')
    .option('--resume', 'continue an interrupted run from OUT.partial.json (same model, corpus and flags)')
    .option('--force', 'replace an existing --out file (once the new signature is done)')
    .option('--json', 'print the summary as one JSON object on stdout');
  addBackendOptions(cmd).action(async (raw: RawSignatureFlags & RawLasFlags) => {
    const commandLine = ['memsig', ...ctx.argv.filter((a) => a !== '--resume')];
    if (raw.states !== undefined) {
      ctx.exitCode = await runSignature(parseStatesSignatureFlags(raw, commandLine), ctx.io, ctx.hooks);
      return;
    }
    // A speech recognizer (config.json kind "las") or --data: the LAS path; LAS flags on a language model are refused.
    // A directory that cannot be read is left to the loader named by --data (or the LM loader) to explain.
    const kind = raw.model === undefined ? null : await modelDirKind(raw.model);
    if (kind === 'las' || (kind === null && raw.model !== undefined && raw.data !== undefined)) {
      if (raw.decoderSeeds !== undefined) throw new UsageError('--decoder-seeds is for language models and n-grams');
      if (raw.capacitySweep || raw.mdl)
        throw new UsageError('--capacity-sweep and --mdl are for language models and n-grams');
      ctx.exitCode = await runLasSignature(parseLasSignatureFlags(raw, commandLine), ctx.io, ctx.hooks);
      return;
    }
    if (raw.alphabetFile !== undefined) throw new UsageError('--alphabet-file is for --states');
    const target = parseLmTarget(raw);
    refuseLasFlags({ ...raw, target: undefined, bigrams: undefined });
    const parsed = parseSignatureFlags(raw, commandLine);
    if (target) parsed.settings = { ...parsed.settings, target };
    const runs = signatureRuns(parsed, raw);
    for (const opts of runs) {
      // With several bases, --resume skips those already written: the set continues where it stopped.
      if (runs.length > 1 && opts.resume && existsSync(opts.out)) {
        writeLine(ctx.io.stderr, `${opts.out}: already written; skipped`);
        continue;
      }
      ctx.exitCode = await runSignature(opts, ctx.io, ctx.hooks);
      if (ctx.exitCode !== 0) return;
    }
  });
}

/** --target and --bigrams of a language model: the symbol δ back (default), or the pair of symbols ending there. */
export function parseLmTarget(raw: RawLasFlags): SignatureOptions['target'] {
  if (raw.target === undefined || raw.target === 'grapheme') {
    if (raw.bigrams !== undefined) throw new UsageError('--bigrams is for --target bigram');
    return undefined;
  }
  if (raw.target !== 'bigram') {
    throw new UsageError(
      `--target ${raw.target}: a language model's decoders name a grapheme or a bigram (audio units are for speech recognizers)`,
    );
  }
  const top =
    raw.bigrams === undefined
      ? defaultLasSignatureOptions().bigrams
      : parseInteger('--bigrams', raw.bigrams, 1, 10_000);
  return { kind: 'bigram', top };
}

/** Raw flag values → checked options; the first bad value is a UsageError naming its flag. */
export function parseSignatureFlags(raw: RawSignatureFlags, commandLine: string[]): SignatureRunOptions {
  const subject = parseModelOrNgram(raw);
  if (raw.corpus === undefined) throw new UsageError("missing --corpus (a text file, or 'sotu')");
  if (raw.out === undefined) throw new UsageError('missing --out (the signature file to write, e.g. sig.json)');
  const corpus = parsePath('--corpus', raw.corpus);
  const segment = parseChoice('--segment', raw.segment ?? 'auto', SEGMENTS);
  return {
    ...subject,
    corpus,
    segmentation: segment === 'auto' ? undefined : segment,
    autoSegmentation: corpus === SOTU_SOURCE ? 'sentence' : 'line',
    out: parsePath('--out', raw.out),
    settings: parseSignatureSettings(raw),
    layers: raw.layers === undefined ? null : parseLayers(raw.layers),
    state: raw.state === undefined ? undefined : parseChoice<StateKind>('--state', raw.state, ['c', 'h']),
    ...parseBackend(raw),
    resume: raw.resume === true,
    force: raw.force === true,
    json: raw.json === true,
    commandLine,
    randomWeights: raw.randomWeights === true,
    decoderSeeds: raw.decoderSeeds === undefined ? 1 : parseInteger('--decoder-seeds', raw.decoderSeeds, 1, 1000),
    capacitySweep: raw.capacitySweep === true,
    onlineCode: raw.mdl === true,
    statesDir: raw.statesDir === undefined ? undefined : parsePath('--states-dir', raw.statesDir),
  };
}

/** One run per part of the kernel asked for: the whole run, or one per --basis bigram (--out's {basis} filled in). */
export function signatureRuns(opts: SignatureRunOptions, raw: RawSignatureFlags): SignatureRunOptions[] {
  const kernel = parseChoice('--kernel', raw.kernel ?? 'full', ['full', 'base', 'none'] as const);
  if (raw.basis === undefined) {
    if (raw.basisAlone) throw new UsageError('--basis-alone needs --basis');
    return [{ ...opts, kernel: { kind: kernel } }];
  }
  if (kernel !== 'full') throw new UsageError(`--basis and --kernel ${kernel} exclude each other`);
  const bigrams = noRepeats('--basis', parseBigramList('--basis', raw.basis));
  const kind = raw.basisAlone ? 'basis-alone' : 'basis';
  const pattern = opts.out.includes('{basis}');
  if (bigrams.length > 1 && !pattern) {
    throw new UsageError(`--basis names ${bigrams.length} bases: --out must hold {basis}, e.g. sig-{basis}.json`);
  }
  return bigrams.map((bigram) => ({
    ...opts,
    out: opts.out.replaceAll('{basis}', bigram.replaceAll(' ', '_')),
    kernel: { kind, bigram },
  }));
}

export function parseSignatureSettings(raw: RawSignatureFlags): Omit<SignatureOptions, 'layers' | 'state'> {
  const d = defaultSignatureOptions();
  const int = (flag: string, v: string | undefined, fallback: number, min = 1) =>
    v === undefined ? fallback : parseInteger(flag, v, min);
  return {
    maxDelta: int('--max-delta', raw.maxDelta, d.maxDelta),
    trainPositions:
      raw.trainPositions === 'all'
        ? Number.MAX_SAFE_INTEGER
        : int('--train-positions', raw.trainPositions, d.trainPositions),
    devPositions: int('--dev-positions', raw.devPositions, d.devPositions),
    evalPositions: int('--eval-positions', raw.evalPositions, d.evalPositions),
    seed: raw.seed === undefined ? d.seed : parseInteger('--seed', raw.seed, 0, 0xffffffff),
    convergenceTolerance:
      raw.convergenceTolerance === undefined
        ? d.convergenceTolerance
        : parseFraction('--convergence-tolerance', raw.convergenceTolerance),
    stateMemoryBytes:
      raw.stateMemory === undefined ? d.stateMemoryBytes : int('--state-memory', raw.stateMemory, 0, 0) * 2 ** 20,
    decoder: {
      ...d.decoder,
      keepProbs: raw.keepProbs === undefined ? d.decoder.keepProbs : parseKeepProbs(raw.keepProbs),
      hidden: raw.decoderHidden === undefined ? d.decoder.hidden : parseHidden(raw.decoderHidden),
      maxEpochs: int('--max-epochs', raw.maxEpochs, d.decoder.maxEpochs),
      patience: int('--patience', raw.patience, d.decoder.patience),
      sweepEpochs: int('--sweep-epochs', raw.sweepEpochs, d.decoder.sweepEpochs),
      finalists: int('--finalists', raw.finalists, d.decoder.finalists),
      lrDecay: raw.lrDecay === undefined ? d.decoder.lrDecay : parseFraction('--lr-decay', raw.lrDecay),
      decays: int('--decays', raw.decays, d.decoder.decays, 0),
      epochsPerRate: raw.epochsPerRate === undefined ? d.decoder.epochsPerRate : parseEpochsPerRate(raw.epochsPerRate),
      halfStage: raw.halfStage !== false,
      whiten: raw.whiten ?? d.decoder.whiten,
      roundPositions: int('--round-positions', raw.roundPositions, d.decoder.roundPositions, 0),
      batch: int('--decoder-batch', raw.decoderBatch, d.decoder.batch),
      lr: raw.decoderLr === undefined ? d.decoder.lr : parsePositive('--decoder-lr', raw.decoderLr, 10),
    },
  };
}

function listItems(flag: string, value: string): string[] {
  const items = value.split(',').map((s) => s.trim());
  if (items.some((s) => s === ''))
    throw new UsageError(`${flag} must be a comma-separated list (got ${JSON.stringify(value)})`);
  return items;
}

function noRepeats<T>(flag: string, values: T[]): T[] {
  const seen = new Set<T>();
  for (const v of values) {
    if (seen.has(v)) throw new UsageError(`${flag} lists ${String(v)} twice`);
    seen.add(v);
  }
  return values;
}

/** "all" → null; "2,1" → [1, 2] (1-based, ascending). */
export function parseLayers(value: string): number[] | null {
  if (value.trim() === 'all') return null;
  const layers = listItems('--layers', value).map((s) => parseInteger('--layers', s, 1, 1000));
  return noRepeats('--layers', layers).sort((a, b) => a - b);
}

/** Keep probabilities, each in (0, 1]. */
export function parseKeepProbs(value: string): number[] {
  const keeps = listItems('--keep-probs', value).map((s) => {
    const p = parseNumber('--keep-probs', s, 'a list of numbers > 0 and ≤ 1');
    if (!(p > 0 && p <= 1)) throw new UsageError(`--keep-probs must be a list of numbers > 0 and ≤ 1 (got "${s}")`);
    return p;
  });
  return noRepeats('--keep-probs', keeps);
}

/** Hidden layer sizes, each a whole number ≥ 1. */
export function parseHidden(value: string): number[] {
  return listItems('--decoder-hidden', value).map((s) => parseInteger('--decoder-hidden', s, 1, 1_000_000));
}

/** "3" → 3 (every rate); "6,2,1" → each rate's cap in turn, the initial rate's first. */
export function parseEpochsPerRate(value: string): number | number[] {
  const caps = listItems('--epochs-per-rate', value).map((s) => parseInteger('--epochs-per-rate', s, 1));
  return caps.length === 1 ? caps[0]! : caps;
}

/** A number in (0, 1]. */
function parseFraction(flag: string, value: string): number {
  const x = Number(value);
  if (!(value.trim() !== '' && x > 0 && x <= 1))
    throw new UsageError(`${flag} must be a number in (0, 1] (got ${value})`);
  return x;
}
