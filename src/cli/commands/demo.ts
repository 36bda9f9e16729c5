// `memsig demo`: the README's first command. Trains a small GRU on part of the bundled State of the Union corpus
// (about a minute and a half on two cores), reports dev/eval perplexity and saves the model. It may replace its
// own earlier output, and nothing else.

import { join } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import { CONFIG_FILE } from '../../io/model-dir.js';
import { readJsonFile } from '../../io/read-file.js';
import { defaultTrainConfig, type TrainConfig } from '../../train/train-char-lm.js';
import { parsePath } from '../args.js';
import { writeLine } from '../io.js';
import { pathExists } from '../train-dir.js';
import { runTrain, type TrainOptions } from '../train-run.js';
import { addBackendOptions, type CommandContext, parseBackend } from './common.js';

export const DEMO_DIR = 'memsig-demo';

interface DemoPlan {
  maxChars: number;
  config: TrainConfig;
  checkpointEvery: number;
}

/** The demo's run; `quick` is a few seconds, for tests and a first check. */
export function demoPlan(quick: boolean): DemoPlan {
  const base = { ...defaultTrainConfig(), cell: 'gru' as const, layers: 1, embed: 16, seed: 1 };
  if (quick) {
    return {
      maxChars: 30_000,
      config: { ...base, units: 32, batch: 16, seq: 32, lr: 3e-3, epochs: 1, maxSteps: 40 },
      checkpointEvery: 20,
    };
  }
  return {
    maxChars: 3_000_000,
    config: { ...base, units: 128, batch: 32, seq: 64, lr: 3e-3, epochs: 3, maxSteps: null },
    checkpointEvery: 200,
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
    .summary('train a small model on the bundled corpus (1–2 minutes)')
    .description(
      'Train a small GRU language model on the last part of the bundled State of the Union corpus, print its dev and\n' +
        `eval perplexity and save it (default ./${DEMO_DIR}/). Replaces the demo's own earlier output.`,
    )
    .option('--out <dir>', 'where to save the model', DEMO_DIR)
    .option('--quick', 'a much smaller run (seconds), to check the installation')
    .option('--json', 'print the final summary as one JSON object on stdout');
  addBackendOptions(cmd).action(async (raw: RawDemoFlags) => {
    const out = parsePath('--out', raw.out ?? DEMO_DIR);
    const plan = demoPlan(raw.quick === true);
    await checkDemoDir(out);
    const options: TrainOptions = {
      corpus: 'sotu',
      segmentation: 'sentence',
      maxChars: plan.maxChars,
      config: plan.config,
      ...parseBackend(raw),
      out,
      resume: false,
      force: true,
      checkpointEvery: plan.checkpointEvery,
      json: raw.json === true,
      commandLine: equivalentTrainCommand(plan, out),
    };
    ctx.exitCode = await runTrain(options, ctx.io, ctx.hooks);
    if (ctx.exitCode === 0 && !options.json) {
      writeLine(ctx.io.stdout, `evaluate it again with: memsig eval --model ${out} --corpus sotu`);
    }
  });
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
