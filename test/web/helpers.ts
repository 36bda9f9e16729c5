// Shared helpers of the viewer tests: the real signature fixtures, and a signature whose alphabet shares nothing
// with them (for the "cannot be aligned" case).

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Signature } from '../../src/analysis/signature-types.js';
import { FIXTURES } from '../cli/helpers.js';

export const LSTM_PATH = join(FIXTURES, 'signatures', 'lstm-2layer.json');
export const GRU_PATH = join(FIXTURES, 'signatures', 'gru-1layer.json');

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
