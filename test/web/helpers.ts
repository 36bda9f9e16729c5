// Shared helpers of the viewer tests: the real signature fixtures, a signature whose alphabet shares nothing with
// them (for the "cannot be aligned" case), and how the browser tests find and start Debian's Chromium.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Signature } from '../../src/analysis/signature-types.js';
import { FIXTURES } from '../cli/helpers.js';

export const LSTM_PATH = join(FIXTURES, 'signatures', 'lstm-2layer.json');
export const GRU_PATH = join(FIXTURES, 'signatures', 'gru-1layer.json');
/** The LSTM fixture as version 2 with learning curves (test/render/helpers.ts: lstmV2, LSTM_V2_UNCONVERGED). */
export const LSTM_V2_PATH = join(FIXTURES, 'signatures', 'lstm-2layer-v2.json');

export function readFixture(path: string): Signature {
  return JSON.parse(readFileSync(path, 'utf8')) as Signature;
}

/** The GRU fixture with every symbol renamed (A–Z, 0–9): a valid signature no other fixture can be aligned with. */
export function alienSignature(): Signature {
  const sig = readFixture(GRU_PATH);
  const names = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const rename = new Map(sig.alphabet.map((s, i) => [s, names[i]!]));
  sig.alphabet = sig.alphabet.map((s) => rename.get(s)!);
  sig.model.label = 'renamed alphabet';
  for (const layer of sig.layers) {
    for (const d of layer.deltas) d.chanceSymbol = rename.get(d.chanceSymbol)!;
  }
  return sig;
}

export function writeAlienSignature(dir: string): string {
  const path = join(dir, 'alien.json');
  writeFileSync(path, JSON.stringify(alienSignature()));
  return path;
}

// MEMSIG_CHROMIUM: another Chromium binary (e.g. on a developer's machine that is not Debian).
export const CHROMIUM = process.env.MEMSIG_CHROMIUM || '/usr/bin/chromium';
export const MISSING_CHROMIUM =
  `Debian's chromium is not installed at ${CHROMIUM}: the viewer's browser tests need it ` +
  '(apt-get install chromium; playwright-core drives it, no browser is downloaded; MEMSIG_CHROMIUM names another)';
// These flags matter: without the background-networking ones Chromium tries to reach the network, which is closed.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
