// `memsig experiment`: the paper's experiments, one command each, resumable; and the reproduction report.

import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import { FIG6_BIGRAMS } from '../../experiments/figures.js';
import { renderReproductionReport } from '../../experiments/report.js';
import { EXPERIMENTS, type FigureDrawer, runExperiment } from '../../experiments/runner.js';
import { readExperimentStatus } from '../../experiments/status.js';
import { experimentStatusLines } from '../../experiments/status-text.js';
import { writeFileAtomic } from '../../io/atomic.js';
import { parseBigramList, parseInteger, parsePath, UsageError } from '../args.js';
import { defaultThreads } from '../backend.js';
import { onInterrupt } from '../interrupt.js';
import { writeLine } from '../io.js';
import { EXIT_INTERRUPTED } from '../train-run.js';
import { packageVersion } from '../version.js';
import { addBackendOptions, type CommandContext, parseBackend } from './common.js';

interface RawExperimentFlags {
  out?: string;
  quick?: boolean;
  shakespeare?: string;
  report?: string | boolean;
  basis?: string;
  data?: string;
  model?: string;
  modelSeeds?: string;
  status?: boolean;
  backend?: string;
  threads?: string;
}

/** Where Shakespeare is on the developers' machines and in CI: ../shared/data beside the repository. */
function defaultShakespeare(): string {
  return fileURLToPath(new URL('../../../../../shared/data/shakespeare-complete-pg100.txt.gz', import.meta.url));
}

export function registerExperiment(program: Command, ctx: CommandContext, draw?: FigureDrawer): void {
  const names = Object.keys(EXPERIMENTS);
  const cmd = program
    .command('experiment')
    .argument('<name>', `${names.join(', ')} or all`)
    .summary("reproduce one of the paper's experiments")
    .description(
      "Run one of the paper's experiments (or all): train or find its models, compute or find their signatures, " +
        'draw its figures and write its numbers to OUT/NAME/results.json. Every finished step is kept, so a stopped ' +
        'run continues where it was when started again. --quick is a small version for tests.',
    )
    .option('--out <dir>', 'where the experiments go', 'experiments')
    .option('--quick', 'tiny sizes: a smoke test of the whole path, not a reproduction')
    .option('--shakespeare <path>', 'the complete works (Project Gutenberg #100, .txt or .txt.gz)')
    .option('--report [file]', 'then write the reproduction report (default docs/reproduction.md)')
    .option(
      '--basis <bigrams>',
      `fig6: the bigram bases to analyse, comma-separated, e.g. th,ha,in (default: ${FIG6_BIGRAMS.join(',')})`,
    )
    .option(
      '--data <dir>',
      'fig7: a speech corpus folder (memsig speech synth/prepare) to use instead of synthesizing one',
    )
    .option('--model <dir>', 'fig7, with --data: a trained LAS (memsig asr train) to use instead of training one')
    .option(
      '--model-seeds <k>',
      'fig1, fig2: also train the GRU of Figure 1 (fig2: the GRU and LSTM of 320 units) with seeds 2..K, take each ' +
        "one's signature, and judge the claims against the spread over seeds (K times those models' time)",
    )
    .option(
      '--status',
      "say what the experiment's folder holds (models, signatures and their layers finished, time spent, whether a " +
        'run is going on) and run nothing',
    );
  addBackendOptions(cmd).action(async (name: string, raw: RawExperimentFlags) => {
    if (name !== 'all' && !EXPERIMENTS[name]) {
      throw new UsageError(`unknown experiment '${name}': choose ${names.join(', ')} or all`);
    }
    const out = resolve(parsePath('--out', raw.out ?? 'experiments'));
    const selected = name === 'all' ? names : [name];
    if (raw.status) {
      if (raw.report !== undefined) throw new UsageError('--status runs nothing: leave out --report');
      for (const n of selected)
        for (const line of experimentStatusLines(await readExperimentStatus(join(out, n), n)))
          writeLine(ctx.io.stdout, line);
      return;
    }
    const shakespeare = raw.shakespeare ? parsePath('--shakespeare', raw.shakespeare) : defaultShakespeare();
    const { backend, threads } = parseBackend(raw);
    const bases = raw.basis === undefined ? undefined : parseBigramList('--basis', raw.basis);
    if (bases && !selected.includes('fig6')) throw new UsageError('--basis is for fig6 (or all)');
    for (const [flag, value] of [
      ['--data', raw.data],
      ['--model', raw.model],
    ] as const) {
      if (value !== undefined && !selected.includes('fig7')) throw new UsageError(`${flag} is for fig7 (or all)`);
    }
    const modelSeeds = raw.modelSeeds === undefined ? 1 : parseInteger('--model-seeds', raw.modelSeeds, 1, 100);
    if (raw.modelSeeds !== undefined && !selected.some((n) => n === 'fig1' || n === 'fig2')) {
      throw new UsageError('--model-seeds is for fig1 and fig2 (or all)');
    }
    if (raw.model !== undefined && raw.data === undefined) {
      throw new UsageError('--model needs --data: the speech corpus to read the model on');
    }
    const needsShakespeare = !raw.quick && selected.some((n) => ['fig1', 'fig4', 'fig6'].includes(n));
    if (needsShakespeare && !existsSync(shakespeare)) {
      throw new UserError(`${shakespeare}: not found; pass --shakespeare PATH (the complete works, .txt or .txt.gz)`);
    }
    const interrupt = onInterrupt(
      (line) => writeLine(ctx.io.stderr, line),
      'stopping; finished steps are kept',
      ctx.hooks.signal,
    );
    const started = Date.now();
    try {
      for (const n of selected) {
        const record = await runExperiment(
          n,
          {
            dir: join(out, n),
            quick: raw.quick === true,
            backend,
            threads: threads ?? defaultThreads(),
            log: (line) => writeLine(ctx.io.stderr, `[${n} ${((Date.now() - started) / 1000).toFixed(0)}s] ${line}`),
            signal: interrupt.signal,
            shakespeare,
            generator: `memsig ${packageVersion()}`,
            bases,
            speechData: raw.data === undefined ? undefined : resolve(parsePath('--data', raw.data)),
            lasModel: raw.model === undefined ? undefined : resolve(parsePath('--model', raw.model)),
            modelSeeds,
          },
          draw,
        );
        writeLine(
          ctx.io.stdout,
          `${n}: done in ${(record.wallSeconds / 60).toFixed(1)} min → ${join(out, n, 'results.json')}`,
        );
      }
    } catch (err) {
      if (interrupt.signal.aborted) {
        writeLine(ctx.io.stderr, `stopped; run the same command again to continue`);
        ctx.exitCode = EXIT_INTERRUPTED;
        return;
      }
      throw err;
    } finally {
      interrupt.dispose();
    }
    if (raw.report !== undefined) {
      const target = resolve(typeof raw.report === 'string' ? raw.report : 'docs/reproduction.md');
      await mkdir(dirname(target), { recursive: true });
      await writeFileAtomic(target, renderReproductionReport(out, relative(dirname(target), out)));
      writeLine(ctx.io.stdout, `report: ${target}`);
    }
  });
}
