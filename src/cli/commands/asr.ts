// `memsig asr train | eval | transcribe | demo`: Listen-Attend-Spell speech recognition on a corpus folder of
// `memsig speech synth` / `memsig speech prepare`. Every key of the training config is a flag of `asr train`.

import { join } from 'node:path';
import type { Command } from 'commander';
import { type DecodeConfig, defaultDecodeConfig } from '../../asr/recognize.js';
import { type AsrTrainConfig, defaultAsrTrainConfig, flagOf, tinyAsrTrainConfig } from '../../asr/train-config.js';
import { UserError } from '../../core/errors.js';
import { CONFIG_FILE } from '../../io/model-dir.js';
import { readJsonFile } from '../../io/read-file.js';
import { SPLITS, type Split } from '../../speech/manifest.js';
import { synthesizeCorpus } from '../../speech/synth-corpus.js';
import { type SynthConfig, tinySynthConfig } from '../../speech/synth-plan.js';
import {
  parseChoice,
  parseInteger,
  parseNumber,
  parsePath,
  parsePositive,
  parseProbability,
  UsageError,
} from '../args.js';
import { runAsrEval, runAsrTranscribe } from '../asr-eval-run.js';
import { runAsrTrain } from '../asr-train-run.js';
import { writeLine } from '../io.js';
import { pathExists } from '../train-dir.js';
import { EXIT_INTERRUPTED } from '../train-run.js';
import { addBackendOptions, type CommandContext, parseBackend } from './common.js';

type Raw = Record<string, string | boolean | undefined>;

/** How each config key is typed on the command line, with its help text. */
const TRAIN_FLAGS: {
  key: keyof AsrTrainConfig;
  kind: 'int' | 'count' | 'number' | 'probability' | 'list' | 'optional-int';
  help: string;
}[] = [
  { key: 'stack', kind: 'int', help: 'input frames concatenated into one before the listener' },
  { key: 'listenerLayers', kind: 'int', help: 'bidirectional LSTM layers of the listener' },
  { key: 'pyramidLayers', kind: 'count', help: 'top listener layers that halve the frame rate' },
  { key: 'listenerUnits', kind: 'int', help: 'units per direction of each listener layer' },
  { key: 'embed', kind: 'int', help: "size of the speller's grapheme embedding" },
  { key: 'spellerLayers', kind: 'int', help: 'LSTM layers of the speller' },
  { key: 'spellerUnits', kind: 'int', help: 'units of each speller layer' },
  { key: 'attention', kind: 'int', help: 'hidden size of the attention MLP' },
  { key: 'locationFilters', kind: 'count', help: 'location-aware attention filters (0: content-only attention)' },
  { key: 'locationKernel', kind: 'int', help: 'their width in listener frames (odd)' },
  { key: 'outputHidden', kind: 'int', help: 'hidden units of the output MLP' },
  { key: 'labelSmoothing', kind: 'probability', help: "label smoothing of the speller's cross-entropy" },
  { key: 'ctcWeight', kind: 'number', help: 'λ of the joint CTC loss (0: no CTC head)' },
  { key: 'ctcWeightStart', kind: 'number', help: 'λ in the first epoch (higher early helps the listener)' },
  { key: 'ctcWeightEpochs', kind: 'count', help: 'epochs over which λ moves from --ctc-weight-start to --ctc-weight' },
  { key: 'batch', kind: 'int', help: 'utterances per batch (of similar length)' },
  { key: 'lr', kind: 'number', help: "Adam's learning rate" },
  {
    key: 'lrDecay',
    kind: 'number',
    help: 'learning rate × this after an epoch without a better dev CER (1: constant)',
  },
  { key: 'clip', kind: 'number', help: 'gradient-norm clipping threshold' },
  { key: 'epochs', kind: 'int', help: 'epochs at most' },
  { key: 'maxSteps', kind: 'optional-int', help: 'stop after this many steps ("none": no cap)' },
  { key: 'patience', kind: 'int', help: 'stop after this many epochs without a better dev CER' },
  { key: 'seed', kind: 'count', help: 'seed of the initialization, batches and augmentation' },
  { key: 'curriculumEpochs', kind: 'count', help: 'first epochs with batches from the shortest utterances up' },
  { key: 'samplingProbability', kind: 'probability', help: 'scheduled sampling: chance of feeding a prediction' },
  { key: 'samplingFromEpoch', kind: 'int', help: 'first epoch with scheduled sampling' },
  { key: 'timeMasks', kind: 'count', help: 'SpecAugment time masks per utterance (0: off)' },
  { key: 'timeMaskWidth', kind: 'count', help: 'their widest, in frames' },
  { key: 'freqMasks', kind: 'count', help: 'SpecAugment frequency masks per utterance (0: off)' },
  { key: 'freqMaskWidth', kind: 'count', help: 'their widest, in mel bins' },
  { key: 'speeds', kind: 'list', help: 'speed-perturbed copies of the training audio, e.g. 0.9,1.1 ("none": off)' },
  { key: 'guidedWeight', kind: 'number', help: 'guided-attention loss toward the word timings (0: off)' },
  { key: 'guidedEpochs', kind: 'count', help: 'first epochs with guided attention' },
  { key: 'guidedSigma', kind: 'number', help: 'its width in listener frames' },
  { key: 'devLimit', kind: 'optional-int', help: 'dev utterances decoded per epoch ("none": all)' },
];

/** The config the flags ask for: each flag parsed and checked, the rest from `base`. */
export function parseAsrTrainFlags(raw: Raw, base: AsrTrainConfig = defaultAsrTrainConfig()): AsrTrainConfig {
  const config = structuredClone(base) as unknown as Record<string, unknown>;
  for (const { key, kind } of TRAIN_FLAGS) {
    const value = raw[key];
    if (typeof value !== 'string') continue;
    const flag = flagOf(key);
    if (kind === 'int') config[key] = parseInteger(flag, value, 1);
    else if (kind === 'count') config[key] = parseInteger(flag, value, 0);
    else if (kind === 'number') config[key] = parseNumber(flag, value);
    else if (kind === 'probability') config[key] = parseProbability(flag, value);
    else if (kind === 'optional-int') config[key] = value === 'none' ? null : parseInteger(flag, value, 1);
    else config[key] = value.trim() === 'none' ? [] : value.split(',').map((s) => parsePositive(flag, s.trim()));
  }
  return config as unknown as AsrTrainConfig;
}

function addDecodeOptions(cmd: Command): Command {
  const d = defaultDecodeConfig();
  return cmd
    .option('--beam <n>', 'beam width (1: greedy decoding)', String(d.beam))
    .option('--ctc-rescore <λ>', "rescore the beam's hypotheses with λ·CTC + (1 − λ)·attention (0: off)", '0')
    .option('--length-norm <a>', 'hypotheses ranked by log p / (length + 1)^a', String(d.lengthNorm))
    .option('--max-len-ratio <r>', 'longest transcript: r graphemes per listener frame', String(d.maxLenRatio))
    .option('--decode-batch <n>', 'utterances per listener batch', String(d.batch));
}

function parseDecode(raw: Raw): DecodeConfig {
  const d = defaultDecodeConfig();
  const ctcRescore = parseNumber('--ctc-rescore', (raw.ctcRescore as string) ?? '0');
  if (!(ctcRescore >= 0 && ctcRescore < 1)) throw new UsageError(`--ctc-rescore must be in [0, 1) (got ${ctcRescore})`);
  return {
    beam: parseInteger('--beam', (raw.beam as string) ?? d.beam, 1, 256),
    ctcRescore,
    lengthNorm: parseNumber('--length-norm', (raw.lengthNorm as string) ?? d.lengthNorm),
    maxLenRatio: parsePositive('--max-len-ratio', (raw.maxLenRatio as string) ?? d.maxLenRatio),
    batch: parseInteger('--decode-batch', (raw.decodeBatch as string) ?? d.batch, 1),
  };
}

export function registerAsr(program: Command, ctx: CommandContext): void {
  const asr = program
    .command('asr')
    .summary('Listen-Attend-Spell speech recognition: train, evaluate, transcribe')
    .description(
      'A Listen-Attend-Spell recognizer (BLSTM pyramid listener, attention, LSTM speller, joint CTC) on a speech corpus ' +
        'folder of memsig speech synth / prepare.\n' +
        '  memsig asr train --data DIR --out MODEL\n' +
        '  memsig asr eval --model MODEL --data DIR [--beam 8]\n' +
        '  memsig asr transcribe --model MODEL FILE.wav...\n' +
        '  memsig asr demo [--quick]',
    );
  const d = defaultAsrTrainConfig();
  const train = asr
    .command('train')
    .summary('train a LAS on a speech corpus')
    .description(
      'Trains on the train split, picks the weights by dev CER (greedy decoding, after every epoch), then measures ' +
        'them on the eval split and saves MODEL (config.json + model.safetensors). MODEL/checkpoint.safetensors is ' +
        'written every --checkpoint-every steps and on Ctrl-C; --resume continues exactly. MODEL/attention/ gets the ' +
        'attention map of a fixed dev utterance every --probe-every steps; "align" in the progress line is that ' +
        "probe's alignment score (0: none, 1: a sharp diagonal).",
    )
    .option('--data <dir>', '(required) corpus folder (or its manifest.jsonl)')
    .option('--out <dir>', '(required) the model directory to write');
  for (const { key, kind, help } of TRAIN_FLAGS) {
    const value = d[key];
    const shown = Array.isArray(value)
      ? value.length
        ? value.join(',')
        : 'none'
      : value === null
        ? 'none'
        : String(value);
    train.option(`${flagOf(key)} <${kind === 'list' ? 'list' : 'n'}>`, `${help} (default: ${shown})`);
  }
  train
    .option('--checkpoint-every <n>', 'steps between checkpoints (0: epoch ends only)', '200')
    .option('--probe-every <n>', 'steps between attention maps and alignment scores (0: epoch ends only)', '100')
    .option(
      '--shards <n>',
      'data-parallel steps: each batch split into this many groups of utterances, each on its own thread with a ' +
        'one-thread GEMM (2: 1.13× faster a step on an idle 2-core machine, slower while other jobs share the cores)',
      '1',
    )
    .option('--resume', 'continue the run whose checkpoint is in --out')
    .option('--force', 'replace the model or checkpoint in --out (once the new model is complete)')
    .option('--json', 'print the final summary as one JSON object on stdout');
  addBackendOptions(train).action(async (raw: Raw) => {
    if (raw.data === undefined) throw new UsageError('missing --data (a corpus folder of memsig speech synth/prepare)');
    if (raw.out === undefined) throw new UsageError('missing --out (the model directory to write)');
    if (raw.resume && raw.force) throw new UsageError('give --resume or --force, not both');
    const config = parseAsrTrainFlags(raw);
    ctx.exitCode = await runAsrTrain(
      {
        data: parsePath('--data', raw.data as string),
        out: parsePath('--out', raw.out as string),
        config,
        ...parseBackend(raw as { backend?: string; threads?: string }),
        resume: raw.resume === true,
        force: raw.force === true,
        checkpointEvery: parseInteger('--checkpoint-every', raw.checkpointEvery as string, 0),
        probeEvery: parseInteger('--probe-every', raw.probeEvery as string, 0),
        shards: parseInteger('--shards', raw.shards as string, 1),
        json: raw.json === true,
        commandLine: ['memsig', ...ctx.argv.filter((a) => a !== '--resume' && a !== '--force')],
      },
      ctx.io,
      ctx.hooks,
    );
  });

  const evaluate = asr
    .command('eval')
    .summary('CER and WER of a LAS on a split of a speech corpus')
    .description(
      'Decodes every utterance of the split; prints CER and WER overall and per speaker (those never in train ' +
        'marked), the CTC head alone when the model has one, and the worst utterances; writes every hypothesis to ' +
        '--hyp-out (default MODEL/hypotheses-SPLIT.tsv).',
    )
    .option('--model <dir>', '(required) LAS model directory')
    .option('--data <dir>', '(required) corpus folder (or its manifest.jsonl)')
    .option('--split <name>', 'train, dev or eval', 'eval')
    .option('--hyp-out <file>', 'where to write the hypotheses (TSV)')
    .option('--worst <n>', 'worst utterances to list', '5')
    .option('--json', 'print the summary as one JSON object on stdout');
  addDecodeOptions(evaluate);
  addBackendOptions(evaluate).action(async (raw: Raw) => {
    if (raw.model === undefined) throw new UsageError('missing --model (a LAS model directory)');
    if (raw.data === undefined) throw new UsageError('missing --data (a corpus folder of memsig speech synth/prepare)');
    ctx.exitCode = await runAsrEval(
      {
        model: parsePath('--model', raw.model as string),
        data: parsePath('--data', raw.data as string),
        split: parseChoice('--split', raw.split as string, SPLITS) as Split,
        decode: parseDecode(raw),
        hypOut: raw.hypOut === undefined ? null : parsePath('--hyp-out', raw.hypOut as string),
        worst: parseInteger('--worst', raw.worst as string, 0),
        ...parseBackend(raw as { backend?: string; threads?: string }),
        json: raw.json === true,
      },
      ctx.io,
      ctx.hooks,
    );
  });

  const transcribe = asr
    .command('transcribe')
    .summary('transcribe audio files with a LAS')
    .description(
      'Prints FILE<TAB>transcript for each WAV or FLAC file (any sample rate; resampled as the model was trained).',
    )
    .argument('<files...>', 'audio files')
    .option('--model <dir>', '(required) LAS model directory');
  addDecodeOptions(transcribe);
  addBackendOptions(transcribe).action(async (files: string[], raw: Raw) => {
    if (raw.model === undefined) throw new UsageError('missing --model (a LAS model directory)');
    ctx.exitCode = await runAsrTranscribe(
      {
        model: parsePath('--model', raw.model as string),
        files,
        decode: parseDecode(raw),
        ...parseBackend(raw as { backend?: string; threads?: string }),
      },
      ctx.io,
      ctx.hooks,
    );
  });

  const demo = asr
    .command('demo')
    .summary('the whole speech path at a tiny size: synthesize, train a LAS, evaluate (a minute or two)')
    .description(
      `Synthesizes a small corpus from the bundled State of the Union sentences (three eSpeak voices, one held out) ` +
        `into OUT/corpus, trains a small LAS on it into OUT/model and evaluates it on the eval split. Too little ` +
        'speech and training for a good recognizer: it shows the path and its outputs (attention maps in ' +
        'OUT/model/attention). Replaces its own earlier output.',
    )
    .option('--out <dir>', 'where the corpus and the model go', DEMO_DIR)
    .option('--quick', 'a much smaller run (seconds), to check the installation');
  addBackendOptions(demo).action(async (raw: Raw) => {
    ctx.exitCode = await runDemo(raw, ctx);
  });
}

export const DEMO_DIR = 'memsig-asr-demo';
/** The demo's corpus and training; `quick` takes seconds. */
export function asrDemoPlan(quick: boolean): { synth: SynthConfig; train: AsrTrainConfig; probeEvery: number } {
  // The full demo: the quick run's three voices, with longer utterances and 7 minutes of them.
  const synth: SynthConfig = quick ? tinySynthConfig() : { ...tinySynthConfig(), maxChars: 80, hours: 0.12 };
  const train: AsrTrainConfig = quick
    ? tinyAsrTrainConfig()
    : {
        ...defaultAsrTrainConfig(),
        listenerLayers: 2,
        listenerUnits: 64,
        embed: 16,
        spellerUnits: 96,
        attention: 48,
        outputHidden: 96,
        batch: 8,
        lr: 2e-3,
        epochs: 12,
        maxSteps: 180,
        patience: 12,
      };
  return { synth, train, probeEvery: quick ? 2 : 30 };
}

async function runDemo(raw: Raw, ctx: CommandContext): Promise<number> {
  const out = parsePath('--out', (raw.out as string) ?? DEMO_DIR);
  const quick = raw.quick === true;
  const plan = asrDemoPlan(quick);
  const corpus = join(out, 'corpus');
  const model = join(out, 'model');
  await checkDemoDir(model);
  const { io } = ctx;
  writeLine(io.stderr, `synthesizing ${plan.synth.hours} h of speech into ${corpus} ...`);
  const synth = await synthesizeCorpus({
    corpus: 'sotu',
    outDir: corpus,
    config: plan.synth,
    threads: 2,
    signal: ctx.hooks.signal,
  });
  if (synth.interrupted) return EXIT_INTERRUPTED;
  const backend = parseBackend(raw as { backend?: string; threads?: string });
  const code = await runAsrTrain(
    {
      data: corpus,
      out: model,
      config: plan.train,
      ...backend,
      resume: false,
      force: true,
      checkpointEvery: 0,
      shards: 1,
      probeEvery: plan.probeEvery,
      json: false,
      commandLine: ['memsig', 'asr', 'train', '--data', corpus, '--out', model],
    },
    io,
    ctx.hooks,
  );
  if (code !== 0) return code;
  writeLine(io.stdout);
  const evalCode = await runAsrEval(
    {
      model,
      data: corpus,
      split: 'eval',
      decode: defaultDecodeConfig(),
      hypOut: null,
      worst: 3,
      ...backend,
      json: false,
    },
    io,
    ctx.hooks,
  );
  writeLine(io.stdout);
  writeLine(
    io.stdout,
    `a real run: memsig speech synth --corpus sotu --hours 1 --out speech1; memsig asr train --data speech1 --out las1`,
  );
  return evalCode;
}

/** The demo replaces a model of its own (kind "las", trained on its corpus folder) but never another config.json. */
async function checkDemoDir(model: string): Promise<void> {
  const configPath = join(model, CONFIG_FILE);
  if (!(await pathExists(configPath))) return;
  let kind: unknown;
  try {
    kind = ((await readJsonFile(configPath)) as { kind?: unknown }).kind;
  } catch {
    kind = undefined;
  }
  if (kind !== 'las')
    throw new UserError(`${model} holds a ${CONFIG_FILE} that the demo did not write; choose another --out`);
}
