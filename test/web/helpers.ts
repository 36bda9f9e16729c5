// Shared helpers of the viewer tests: the real signature fixtures, a signature whose alphabet shares nothing with
// them (for the "cannot be aligned" case), and how the browser tests find and start Debian's Chromium.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { Signature } from '../../src/analysis/signature-types.js';
import { startViewer, type Viewer } from '../../src/web/server.js';
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

/** A viewer serving `files`, and a Chromium page on it that has finished drawing. */
export interface ViewerPage {
  viewer: Viewer;
  browser: Browser;
  page: Page;
  /** Page errors and console errors or warnings, as they happen: a test asserts there are none. */
  problems: string[];
  close(): Promise<void>;
}

/** Starts the viewer on `files` and opens it in Chromium; `watch` adds listeners before the page loads. */
export async function openViewerPage(
  files: string[],
  watch?: (page: Page, viewer: Viewer, problems: string[]) => void,
): Promise<ViewerPage> {
  const viewer = await startViewer(files, { port: 0 });
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 20_000 });
    return await readyPage(viewer, browser, watch);
  } catch (err) {
    // A page that never became ready must not leave Chromium and the server running: the test file would then
    // never exit, and the whole suite would hang instead of failing.
    await browser?.close().catch(() => {});
    await viewer.close().catch(() => {});
    throw err;
  }
}

async function readyPage(
  viewer: Viewer,
  browser: Browser,
  watch?: (page: Page, viewer: Viewer, problems: string[]) => void,
): Promise<ViewerPage> {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  page.setDefaultTimeout(10_000);
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console ${msg.type()}: ${msg.text()}`);
  });
  watch?.(page, viewer, problems);
  await page.goto(viewer.url);
  await page.waitForSelector('body[data-ready="true"]');
  return {
    viewer,
    browser,
    page,
    problems,
    close: async () => {
      await browser.close();
      await viewer.close();
    },
  };
}
