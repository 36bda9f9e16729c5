// `memsig demo`: the README's first command. Trains a small GRU on part of the bundled State of the Union corpus,
// reports dev/eval perplexity and saves the model, then computes its memory signature on the same partitions and
// prints the marginal-accuracy table and the best-remembered symbols per δ (at most 3 minutes on two cores). It may
// replace its own earlier output, and nothing else.

import { join } from 'node:path';
import type { Command } from 'commander';
import { defaultSignatureOptions, type SignatureOptions } from '../../analysis/signature.js';
import type { Signature } from '../../analysis/signature-types.js';
import { UserError } from '../../core/errors.js';
import { CONFIG_FILE } from '../../io/model-dir.js';
import { readJsonFile } from '../../io/read-file.js';
import { defaultTrainConfig, type TrainConfig } from '../../train/train-char-lm.js';
import { parsePath } from '../args.js';
import { writeLine } from '../io.js';
import {
  bestRemembered,
  bestRememberedLines,
  convergenceWarnings,
  memoryHorizon,
  printSignatureTable,
  signatureSummary,
  textHorizon,
} from '../signature-report.js';
import { computeSignature, type SignatureRunOptions } from '../signature-run.js';
import { pathExists } from '../train-dir.js';
import { runTrain, type TrainOptions, type TrainSummary } from '../train-run.js';
import { addBackendOptions, type CommandContext, parseBackend } from './common.js';

export const DEMO_DIR = 'memsig-demo';
export const DEMO_SIGNATURE_FILE = 'signature.json';

interface DemoPlan {
  maxChars: number;
  config: TrainConfig;
  checkpointEvery: number;
  /** The signature of the trained GRU: its state h, all layers. */
  signature: Omit<SignatureOptions, 'layers' | 'state'>;
}

/** The demo's run; `quick` is a few seconds, for tests and a first check. */
export function demoPlan(quick: boolean): DemoPlan {
  const base = { ...defaultTrainConfig(), cell: 'gru' as const, layers: 1, embed: 16, seed: 1 };
  const sig = defaultSignatureOptions();
  if (quick) {
    return {
      maxChars: 30_000,
      config: { ...base, units: 32, batch: 16, seq: 32, lr: 3e-3, epochs: 1, maxSteps: 40 },
      checkpointEvery: 20,
      signature: {
        ...sig,
        maxDelta: 10,
        trainPositions: 4000,
        devPositions: 1000,
        evalPositions: 1000,
        decoder: { ...sig.decoder, keepProbs: [0.9, 1], maxEpochs: 6 },
      },
    };
  }
  return {
    maxChars: 1_200_000,
    config: { ...base, units: 128, batch: 32, seq: 64, lr: 3e-3, epochs: 3, maxSteps: null },
    checkpointEvery: 200,
    signature: {
      ...sig,
      maxDelta: 10,
      trainPositions: 16_000,
      devPositions: 4000,
      evalPositions: 8000,
      decoder: { ...sig.decoder, keepProbs: [0.9, 1], maxEpochs: 5 },
    },
  };
}

interface RawDemoFlags {
  out?: string;
  quick?: boolean;
  backend?: string;
  threads?: string;
  json?: boolean;
}

export function registerDemo(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('demo')
    .summary('train a small model on the bundled corpus and compute its memory signature (1–2 minutes)')
    .description(
      'Train a small GRU language model on the last part of the bundled State of the Union corpus, print its dev ' +
        `and eval perplexity and save it (default ./${DEMO_DIR}/), then compute its memory signature (Δ = 10) into ` +
        `${DEMO_DIR}/${DEMO_SIGNATURE_FILE} and print how well each earlier symbol can be read from the state. ` +
        "Replaces the demo's own earlier output.",
    )
    .option('--out <dir>', 'where to save the model and its signature', DEMO_DIR)
    .option('--quick', 'a much smaller run (seconds), to check the installation')
    .option('--json', 'print the final summary as one JSON object on stdout');
  addBackendOptions(cmd).action(async (raw: RawDemoFlags) => {
    const out = parsePath('--out', raw.out ?? DEMO_DIR);
    const plan = demoPlan(raw.quick === true);
    const backend = parseBackend(raw);
    const json = raw.json === true;
    await checkDemoDir(out);
    let trainSummary: TrainSummary | undefined;
    const options: TrainOptions = {
      corpus: 'sotu',
      segmentation: 'sentence',
      maxChars: plan.maxChars,
      config: plan.config,
      init: null,
      ...backend,
      out,
      resume: false,
      force: true,
      checkpointEvery: plan.checkpointEvery,
      json,
      commandLine: equivalentTrainCommand(plan, out),
      onSummary: json ? (s) => (trainSummary = s) : undefined,
    };
    ctx.exitCode = await runTrain(options, ctx.io, ctx.hooks);
    if (ctx.exitCode !== 0) return;

    const sigOut = join(out, DEMO_SIGNATURE_FILE);
    const sigOptions: SignatureRunOptions = {
      model: out,
      corpus: 'sotu',
      segmentation: undefined,
      autoSegmentation: 'sentence',
      out: sigOut,
      settings: plan.signature,
      layers: null,
      state: 'h',
      ...backend,
      resume: false,
      force: true,
      json,
      commandLine: equivalentSignatureCommand(plan, out, raw),
    };
    if (!json) writeLine(ctx.io.stdout);
    const result = await computeSignature(sigOptions, ctx.io, ctx.hooks);
    ctx.exitCode = result.code;
    const sig = result.signature;
    if (!sig) return;
    if (json) {
      const summary = signatureSummary(sig, sigOut, result.seconds ?? 0);
      const remembered = bestRemembered(sig, 0).map((symbols, i) => ({ delta: i + 1, symbols }));
      writeLine(
        ctx.io.stdout,
        JSON.stringify({ ...trainSummary, signature: { ...summary, bestRemembered: remembered } }),
      );
      for (const line of convergenceWarnings(sig)) writeLine(ctx.io.stderr, line);
      return;
    }
    printSignatureTable(ctx.io, sig, sigOut);
    writeLine(ctx.io.stdout);
    writeLine(ctx.io.stdout, horizonLine(sig));
    const beyondText = textHorizonLine(sig);
    if (beyondText) writeLine(ctx.io.stdout, beyondText);
    writeLine(ctx.io.stdout);
    for (const line of bestRememberedLines(sig, 0)) writeLine(ctx.io.stdout, line);
    writeLine(ctx.io.stdout);
    writeLine(ctx.io.stdout, `evaluate the model again with: memsig eval --model ${out} --corpus sotu`);
  });
}

/** How far back the demo model's state holds its input, in words. */
function horizonLine(sig: Signature): string {
  const k = memoryHorizon(sig, 0);
  if (k === 0)
    return 'the decoders do not beat chance even at δ = 1 (p < 0.001): the model is too small or too briefly trained';
  const upTo = k === sig.maxDelta ? `at every δ up to ${k}` : `up to δ = ${k}`;
  return `the state holds the input ${upTo} symbols back: decoding beats chance there (p < 0.001)`;
}

/** Up to which δ the state holds more than the text after the symbol implies, in words (null without a baseline). */
export function textHorizonLine(sig: Signature): string | null {
  const k = textHorizon(sig, 0);
  if (k === null) return null;
  const test = 'the decoder beats the text-only baseline on the same positions, p < 0.001';
  if (k === 0) return `the state holds no more than the text after a symbol implies, even at δ = 1 (${test})`;
  const upTo = k === sig.maxDelta ? `at every δ up to ${k}` : `up to δ = ${k}`;
  return `the state holds more than the text after a symbol implies ${upTo} (${test})`;
}

/** The `memsig train` command that makes the same model (also what --resume continues after a Ctrl-C). */
export function equivalentTrainCommand(plan: DemoPlan, out: string): string[] {
  const c = plan.config;
  const args = ['memsig', 'train', '--corpus', 'sotu', '--segment', 'sentence', '--max-chars', String(plan.maxChars)];
  args.push('--cell', c.cell, '--layers', String(c.layers), '--units', String(c.units), '--embed', String(c.embed));
  args.push('--batch', String(c.batch), '--seq', String(c.seq), '--lr', String(c.lr), '--epochs', String(c.epochs));
  if (c.maxSteps !== null) args.push('--max-steps', String(c.maxSteps));
  args.push('--checkpoint-every', String(plan.checkpointEvery), '--out', out);
  return args;
}

/** The `memsig signature` command that computes the same signature (what --resume continues after a Ctrl-C). */
export function equivalentSignatureCommand(
  plan: DemoPlan,
  out: string,
  raw: { backend?: string; threads?: string } = {},
): string[] {
  const s = plan.signature;
  const args = ['memsig', 'signature', '--model', out, '--corpus', 'sotu', '--out', join(out, DEMO_SIGNATURE_FILE)];
  args.push('--max-delta', String(s.maxDelta), '--state', 'h');
  args.push('--train-positions', String(s.trainPositions), '--dev-positions', String(s.devPositions));
  args.push('--eval-positions', String(s.evalPositions), '--keep-probs', s.decoder.keepProbs.join(','));
  args.push('--max-epochs', String(s.decoder.maxEpochs), '--patience', String(s.decoder.patience));
  if (raw.backend !== undefined && raw.backend !== 'auto') args.push('--backend', raw.backend);
  if (raw.threads !== undefined) args.push('--threads', raw.threads);
  args.push('--force');
  return args;
}

/** The demo replaces a model of its own (trained on sotu) but never another config.json. */
async function checkDemoDir(out: string): Promise<void> {
  const configPath = join(out, CONFIG_FILE);
  if (!(await pathExists(configPath))) return;
  let source: unknown;
  try {
    const config = (await readJsonFile(configPath)) as { format?: unknown; corpus?: { source?: unknown } | null };
    source = config.format === 'memsig-model' ? config.corpus?.source : undefined;
  } catch {
    source = undefined;
  }
  if (source !== 'sotu') {
    throw new UserError(`${out} holds a ${CONFIG_FILE} that the demo did not write; choose another --out`);
  }
}
