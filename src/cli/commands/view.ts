// `memsig view`: serves an interactive viewer of signature files on a local web server until Ctrl-C.

import type { Command } from 'commander';
import { openBrowser } from '../../web/open-browser.js';
import { DEFAULT_HOST, isLoopback, startViewer } from '../../web/server.js';
import { parseInteger } from '../args.js';
import { writeLine } from '../io.js';
import type { CommandContext } from './common.js';

interface RawViewFlags {
  port?: string;
  host?: string;
  open?: boolean;
}

export function registerView(program: Command, ctx: CommandContext): void {
  program
    .command('view')
    .summary('look at signatures in the browser')
    .description(
      'Serve an interactive viewer of memory signatures (JSON files made by memsig signature) on a local web server, ' +
        'print its address and open it in the browser. Ctrl-C stops it.\n' +
        `It listens on ${DEFAULT_HOST} (this machine only) unless --host says otherwise; it serves the page and the ` +
        'files named here, nothing else.',
    )
    .argument('<signature...>', 'signature JSON files')
    .option('--port <n>', 'port to listen on (0: any free port)', '0')
    .option('--host <address>', 'address to listen on (e.g. 0.0.0.0 to let other machines in)', DEFAULT_HOST)
    .option('--no-open', 'do not open a browser')
    .action(async (files: string[], raw: RawViewFlags) => {
      const port = parseInteger('--port', raw.port ?? '0', 0, 65535);
      const host = raw.host ?? DEFAULT_HOST;
      ctx.exitCode = await runView(files, { port, host, open: raw.open !== false }, ctx);
    });
}

async function runView(
  files: string[],
  options: { port: number; host: string; open: boolean },
  ctx: CommandContext,
): Promise<number> {
  const { io, hooks } = ctx;
  const viewer = await startViewer(files, { port: options.port, host: options.host });
  const note = (text: string) => writeLine(io.stderr, `memsig view: ${text}`);
  writeLine(io.stdout, `memsig view: ${viewer.url}`);
  if (!isLoopback(options.host)) {
    note(`listening on ${options.host}: anyone who can reach this machine can read these signatures`);
  }
  note(`${files.length} signature${files.length === 1 ? '' : 's'}; Ctrl-C stops`);
  if (options.open) {
    const skipped = openBrowser(viewer.url, io.env ?? process.env, note);
    if (skipped) note(`${skipped}; open the address above`);
  }
  await untilStopped(hooks.signal);
  await viewer.close();
  note('stopped');
  return 0;
}

// The hooks' signal (tests, embedding programs), else Ctrl-C or SIGTERM.
function untilStopped(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal) {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
      return;
    }
    const stop = () => {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
