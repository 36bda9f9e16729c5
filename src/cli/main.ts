// The memsig command line. main() parses, runs one command and returns its exit code; it never exits the process
// (bin.ts does), so tests and other programs can call it in-process with their own output streams.

import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { packageFile } from '../io/package-files.js';
import type { CommandContext } from './commands/common.js';
import { registerDemo } from './commands/demo.js';
import { registerEval } from './commands/eval.js';
import { registerTrain } from './commands/train.js';
import { type CliHooks, type CliIo, processIo } from './io.js';
import { EXIT_USAGE, reportError } from './report-error.js';

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
  registerDemo(program, ctx);
  program.addHelpText(
    'after',
    [
      '',
      'Examples:',
      '  memsig demo',
      '  memsig train --corpus sotu --cell gru --units 128 --max-chars 1000000 --out my-model',
      '  memsig eval --model my-model --corpus sotu',
      '',
      'Exit codes: 0 done, 1 error, 2 bad command line, 130 stopped by Ctrl-C.',
    ].join('\n'),
  );
  return program;
}

let version: string | undefined;

function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }).version;
  return version;
}
