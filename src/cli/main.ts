// The memsig command line. main() parses, runs one command and returns its exit code; it never exits the process
// (bin.ts does), so tests and other programs can call it in-process with their own output streams.

import { Command, CommanderError } from 'commander';
import { drawFigures } from '../experiments/draw.js';
import { registerAsr } from './commands/asr.js';
import type { CommandContext } from './commands/common.js';
import { registerCompare } from './commands/compare.js';
import { registerDemo } from './commands/demo.js';
import { registerDiff } from './commands/diff.js';
import { registerEval } from './commands/eval.js';
import { registerExperiment } from './commands/experiment.js';
import { registerImport } from './commands/import.js';
import { registerRender } from './commands/render.js';
import { registerReport } from './commands/report.js';
import { registerSignature } from './commands/signature.js';
import { registerSpeech } from './commands/speech.js';
import { registerTrain } from './commands/train.js';
import { registerView } from './commands/view.js';
import { type CliHooks, type CliIo, processIo } from './io.js';
import { EXIT_USAGE, reportError } from './report-error.js';
import { packageVersion } from './version.js';

export type { CliHooks, CliIo } from './io.js';

export async function main(argv: string[], io: CliIo = processIo(), hooks: CliHooks = {}): Promise<number> {
  const ctx: CommandContext = { io, hooks, argv, exitCode: 0 };
  try {
    const program = buildProgram(ctx);
    if (argv.length === 0) {
      io.stderr.write(program.helpInformation());
      return EXIT_USAGE;
    }
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    // --help and --version end parsing with a CommanderError whose exit code is 0.
    if (err instanceof CommanderError && err.exitCode === 0) return 0;
    return reportError(err, io);
  }
}

function buildProgram(ctx: CommandContext): Command {
  const program = new Command('memsig')
    .description('Memory signatures: train character-level RNN language models and see what they remember.')
    .version(packageVersion(), '--version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.stdout.write(s),
      writeErr: (s) => ctx.io.stderr.write(s),
      // Errors are printed once, as one line, by reportError.
      outputError: () => {},
    })
    .showSuggestionAfterError(true);
  registerTrain(program, ctx);
  registerEval(program, ctx);
  registerImport(program, ctx);
  registerSignature(program, ctx);
  registerDemo(program, ctx);
  registerView(program, ctx);
  registerRender(program, ctx);
  registerDiff(program, ctx);
  registerCompare(program, ctx);
  registerReport(program, ctx);
  registerExperiment(program, ctx, drawFigures);
  registerSpeech(program, ctx);
  registerAsr(program, ctx);
  program.addHelpText(
    'after',
    [
      '',
      'Examples:',
      '  memsig demo',
      '  memsig train --corpus sotu --cell gru --units 128 --max-chars 1000000 --out my-model',
      '  memsig eval --model my-model --corpus sotu',
      '  memsig import char-rnn.safetensors --out imported --alphabet-file alphabet.json',
      '  memsig signature --model my-model --corpus sotu --out my-model/signature.json',
      '',
      'Exit codes: 0 done, 1 error, 2 bad command line, 130 stopped by Ctrl-C.',
    ].join('\n'),
  );
  return program;
}
