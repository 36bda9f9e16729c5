// Shared helpers of the CLI tests: run main() in-process with captured output, temporary directories, a tiny
// corpus, fixture and binary paths.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliHooks } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

const fromDist = import.meta.url.includes('/dist/');

/** The repository root, from test/cli (sources) and dist/test/cli (compiled). */
export const REPO_ROOT = fileURLToPath(new URL(fromDist ? '../../../' : '../../', import.meta.url));
export const FIXTURES = join(REPO_ROOT, 'test', 'fixtures');
/** The compiled executable (tests run after `tsc`). */
export const BIN = join(REPO_ROOT, 'dist', 'src', 'cli', 'bin.js');

export interface BinChild {
  child: ChildProcess;
  /** Everything the child has written to stderr so far. */
  stderr: () => string;
  stdout: () => string;
  /** Its exit code (null when a signal ended it). */
  exited: Promise<number | null>;
}

/**
 * Runs the compiled binary as a child process. `interruptWhen` sees the stderr text so far at each write; the first
 * time it holds, the child gets one SIGINT (a second would quit at once). A watchdog kills the child after `limitMs`,
 * so that a test whose moment never comes fails instead of hanging the suite.
 */
export function spawnBin(args: string[], interruptWhen?: (stderr: string) => boolean, limitMs = 120_000): BinChild {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => (stdout += chunk));
  let interrupted = false;
  child.stderr!.on('data', (chunk: string) => {
    stderr += chunk;
    if (!interrupted && interruptWhen?.(stderr)) {
      interrupted = true;
      child.kill('SIGINT');
    }
  });
  const watchdog = setTimeout(() => child.kill('SIGKILL'), limitMs);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(watchdog);
      resolve(code);
    }),
  );
  return { child, stderr: () => stderr, stdout: () => stdout, exited };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  hooks?: CliHooks;
  isTTY?: boolean;
  env?: Record<string, string | undefined>;
}

/** Runs `memsig ...argv` in-process. */
export async function runCli(argv: string[], options: RunOptions = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    isTTY: options.isTTY ?? false,
    env: options.env ?? {},
  };
  const code = await main(argv, io, options.hooks ?? {});
  return { code, stdout, stderr };
}

/** A fresh temporary directory, removed when the calling test ends. */
export function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'memsig-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const SUBJECTS = ['the cat', 'a dog', 'my neighbour', 'the old sailor', 'our teacher', 'the little girl', 'the king'];
const VERBS = ['walked to', 'looked at', 'talked about', 'painted', 'remembered', 'carried', 'found', 'visited'];
const OBJECTS = ['the river', 'a red house', 'the market', 'an old book', 'the green hills', 'a quiet village'];
const ENDINGS = ['in the morning.', 'after the rain.', 'with great care.', 'before dinner.', 'late at night.'];

/** About 5 KB of varied English sentences, one or two per line, 80 lines; the same text every time. */
export function tinyCorpusText(): string {
  const lines: string[] = [];
  let k = 7;
  const pick = (list: string[]) => {
    k = (k * 1103515245 + 12345) % 2147483648;
    return list[Math.floor(k / 65536) % list.length];
  };
  for (let i = 0; i < 80; i++) {
    const count = 1 + (i % 2);
    const sentences: string[] = [];
    for (let s = 0; s < count; s++) {
      const subject = pick(SUBJECTS);
      sentences.push(`${subject[0].toUpperCase()}${subject.slice(1)} ${pick(VERBS)} ${pick(OBJECTS)} ${pick(ENDINGS)}`);
    }
    lines.push(sentences.join(' '));
  }
  return `${lines.join('\n')}\n`;
}

export function writeTinyCorpus(dir: string): string {
  const path = join(dir, 'tiny.txt');
  writeFileSync(path, tinyCorpusText());
  return path;
}

/** The tiniest model that trains: a run of 20 steps takes well under a second. */
export const TINY = ['--units', '8', '--embed', '4', '--batch', '4', '--seq', '8', '--max-steps', '20'];

/** Signature flags small enough for a test: Δ = 2, a few hundred positions, one keep probability, three epochs. */
export const SMALL_SIGNATURE = [
  '--max-delta',
  '2',
  '--train-positions',
  '1500',
  '--dev-positions',
  '200',
  '--eval-positions',
  '300',
  '--keep-probs',
  '1',
  '--max-epochs',
  '3',
  '--decoder-batch',
  '64',
  '--decoder-lr',
  '0.01',
];

/** Asserts a failure reported as exactly one "memsig: ..." line on stderr, with no stack trace. */
export function assertOneLineError(r: CliResult, pattern: RegExp, code?: number): void {
  assert.notEqual(r.code, 0, `expected a failure, got exit 0; stderr: ${r.stderr}`);
  if (code !== undefined) assert.equal(r.code, code, `exit code; stderr: ${r.stderr}`);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  const last = lines[lines.length - 1] ?? '';
  assert.match(last, /^memsig: /, `stderr: ${r.stderr}`);
  assert.match(last, pattern);
  assert.equal(lines.filter((l) => l.startsWith('memsig: ')).length, 1, `one error line; stderr: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}
