// Shared test helpers for the io tests: temporary directories, fixture paths, a valid config, error matchers.

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../src/core/errors.js';
import type { CharLmConfig } from '../../src/models/config.js';

/** test/fixtures/io, from both test/io (sources) and dist/test/io (compiled). */
export const FIXTURES = fileURLToPath(
  new URL(import.meta.url.includes('/dist/') ? '../../../test/fixtures/io/' : '../fixtures/io/', import.meta.url),
);

/** A fresh temporary directory, removed when the calling test ends. */
export function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'memsig-io-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Names in `dir` that look like leftover temporary files of writeFileAtomic. */
export function tempFilesIn(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.endsWith('.tmp'));
}

/** Asserts that `fn` throws a one-line UserError whose message matches `pattern`. */
export function assertUserError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof UserError, `expected a UserError, got ${String(err)}`);
    assert.match(err.message, pattern);
    assert.ok(!err.message.includes('\n'), 'a UserError message is one line');
    return true;
  });
}

/** Async form of assertUserError. */
export async function rejectsUserError(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof UserError, `expected a UserError, got ${String(err)}`);
    assert.match(err.message, pattern);
    assert.ok(!err.message.includes('\n'), 'a UserError message is one line');
    return true;
  });
}

/** A complete, valid config (every optional record filled in); tests change one thing at a time. */
export function validConfig(): CharLmConfig {
  return {
    format: 'memsig-model',
    version: 1,
    kind: 'char-lm',
    cell: 'lstm',
    layers: 2,
    units: 4,
    embed: 3,
    normalization: {
      alphabet: [...'abcdefghijklmnopqrstuvwxyz', '#', "'", '.', ' '],
      lowercase: true,
      digitSymbol: '#',
      unknown: 'space',
      collapseWhitespace: true,
    },
    corpus: {
      source: 'sotu',
      sha256: 'a'.repeat(64),
      segmentation: 'sentence',
      split: { train: 0.8, dev: 0.1, eval: 0.1, seed: 7 },
      symbols: { train: 8000, dev: 1000, eval: 1000 },
      segments: { train: 80, dev: 10, eval: 10 },
      maxChars: null,
    },
    training: {
      batch: 32,
      seq: 64,
      lr: 0.002,
      dropout: 0.1,
      recurrentDropout: 0,
      clip: 1,
      epochs: 5,
      maxSteps: null,
      seed: 1,
      patience: 2,
      steps: 120,
      epochsCompleted: 5,
      bestStep: 100,
      wallSeconds: 12.5,
    },
    metrics: { devPerplexity: 4.2, evalPerplexity: 4.3 },
  };
}
