// The viewer's excess metric (recall above the text-only baseline) in a real browser (Debian's chromium via
// playwright-core, as in viewer.test.ts): a signature with a baseline beside one written before it.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { Signature } from '../../src/analysis/signature-types.js';
import { sequentialColor } from '../../src/render/colors.js';
import {
  CHROMIUM,
  GRU_PATH,
  LSTM_PATH,
  MISSING_CHROMIUM,
  openViewerPage,
  readFixture,
  type ViewerPage,
} from './helpers.js';

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) {
  test('the viewer’s excess metric in a browser', () => assert.fail(MISSING_CHROMIUM));
}

/** The GRU fixture with a text-only baseline that gets half of each symbol's right answers (rounded down). */
function withBaseline(): Signature {
  const sig = readFixture(GRU_PATH);
  sig.model.label = 'GRU with a text-only baseline';
  for (const layer of sig.layers) {
    for (const d of layer.deltas) {
      const right = d.confusion.map((row, s) => row[s]!);
      const text = right.map((r) => Math.floor(r / 2));
      const n = d.positions.eval;
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      d.textBaseline = {
        order: 10,
        context: Math.min(d.delta, 9),
        accuracy: sum(text) / n,
        accuracyInterval: { low: 0, high: 1 },
        recall: d.count.map((c, s) => (c > 0 ? text[s]! / c : null)),
        crossEntropyBits: 2,
        decoderOnly: sum(right) - sum(text),
        baselineOnly: 0,
        excessPValue: 1e-9,
        excessInterval: { low: 0, high: 1 },
      };
    }
  }
  return sig;
}

const cell = (symbol: string, delta: number) => `#heatmap rect.cell[data-symbol="${symbol}"][data-delta="${delta}"]`;
const excessRadio = 'input[name="metric"][value="excess"]';

describe('memsig view: recall above the text-only baseline in Chromium', {
  skip: haveChromium ? false : MISSING_CHROMIUM,
}, () => {
  let opened: ViewerPage;
  let page: Page;
  let problems: string[] = [];
  const sig = withBaseline();
  const dir = mkdtempSync(join(tmpdir(), 'memsig-view-text-'));

  before(async () => {
    const path = join(dir, 'gru-text.json');
    writeFileSync(path, JSON.stringify(sig));
    opened = await openViewerPage([path, LSTM_PATH]);
    ({ page, problems } = opened);
  });

  after(async () => {
    await opened?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('Excess draws recall minus the text-only recall, the text-only accuracy as the chart’s reference', async () => {
    assert.equal(await page.isDisabled(excessRadio), false);
    await page.check(excessRadio);
    const d = sig.layers[0]!.deltas[0]!;
    const e = sig.alphabet.indexOf('e');
    const want = d.recall[e]! - d.textBaseline!.recall[e]!;
    assert.equal(Number(await page.getAttribute(cell('e', 1), 'data-value')), want);
    assert.equal(await page.getAttribute(cell('e', 1), 'fill'), sequentialColor('purple', want));
    assert.match((await page.textContent('#help')) ?? '', /minus the recall of the text-only baseline/);
    assert.match((await page.textContent('#figure-title')) ?? '', /GRU with a text-only baseline/);
    const legend = await page.$$eval('#marginal text', (ts) => ts.map((t) => t.textContent));
    assert.ok(legend.includes('text alone (symbols after it)'), legend.join(' | '));
    await page.hover(cell('e', 1));
    assert.match((await page.textContent('#tooltip [data-field="text"]')) ?? '', /^[\d.]+% \(excess \+[\d.]+ pp\)$/);
  });

  test('a signature without a baseline disables Excess and falls back to accuracy', async () => {
    await page.selectOption('#sig-select', '1');
    assert.equal(await page.isDisabled(excessRadio), true);
    assert.equal(await page.isChecked('input[name="metric"][value="accuracy"]'), true);
    assert.match((await page.textContent('#help')) ?? '', /eval recall/);
    await page.selectOption('#sig-select', '0');
    assert.equal(await page.isDisabled(excessRadio), false);
    assert.deepEqual(problems, []);
  });
});
