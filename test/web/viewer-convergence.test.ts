// The viewer's convergence marks and learning curves in a real browser (Debian's chromium via playwright-core, as
// in viewer.test.ts): a version-2 signature beside a version-1 one.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { unconvergedDeltas } from '../../src/analysis/convergence.js';
import { tempDir } from '../cli/helpers.js';
import {
  CHROMIUM,
  LSTM_PATH,
  LSTM_V2_PATH,
  MISSING_CHROMIUM,
  openViewerPage,
  readFixture,
  type ViewerPage,
} from './helpers.js';

// MEMSIG_SCREENSHOT_DIR: keep the screenshot of the open curve (viewer-learning-curve.png) there, to look at.
const SCREENSHOT_DIR = process.env.MEMSIG_SCREENSHOT_DIR;
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) {
  test('the viewer’s convergence marks in a browser', () => assert.fail(MISSING_CHROMIUM));
}

const v2 = readFixture(LSTM_V2_PATH);
const cell = (symbol: string, delta: number) => `#heatmap rect.cell[data-symbol="${symbol}"][data-delta="${delta}"]`;

/** The δ whose labels the heatmap marks as not converged. */
async function markedRows(page: Page): Promise<number[]> {
  return page.$$eval('#heatmap text.delta-label[data-converged="false"]', (ts) =>
    ts.map((t) => Number(t.getAttribute('data-delta'))),
  );
}

describe('memsig view: convergence marks and learning curves in Chromium', {
  skip: haveChromium ? false : MISSING_CHROMIUM,
}, () => {
  let opened: ViewerPage;
  let page: Page;
  let problems: string[] = [];

  before(async () => {
    opened = await openViewerPage([LSTM_V2_PATH, LSTM_PATH], (p, viewer, seen) => {
      p.on('request', (req) => {
        if (!req.url().startsWith(viewer.url) && !req.url().startsWith('data:')) seen.push(`fetched ${req.url()}`);
      });
    });
    ({ page, problems } = opened);
  });

  after(async () => {
    await opened?.close();
  });

  test('† marks exactly the unconverged rows of each layer, and the legend says what it means', async () => {
    assert.deepEqual(await markedRows(page), unconvergedDeltas(v2.layers[0]!));
    assert.equal(await page.textContent('#heatmap text.delta-label[data-delta="4"]'), '4†');
    assert.equal(
      (await page.textContent('#heatmap text.row-note'))?.trim(),
      '† not converged: more data or epochs would still raise it',
    );
    // Rings in the chart: every decoder of both layers that is not converged.
    const rings = await page.locator('#marginal circle.dot[data-converged="false"]').count();
    assert.equal(rings, unconvergedDeltas(v2.layers[0]!).length + unconvergedDeltas(v2.layers[1]!).length);
    await page.selectOption('#layer-select', '1');
    assert.deepEqual(await markedRows(page), unconvergedDeltas(v2.layers[1]!));
    await page.selectOption('#layer-select', '0');
  });

  test('the learning curve appears on demand, with a point per epoch of each stage, and the verdict', async (t) => {
    const toggle = page.locator('#curve-toggle');
    assert.ok(await toggle.isVisible());
    assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
    await page.hover(cell('e', 6));
    assert.equal(await page.locator('#tooltip [data-field="curve"]').count(), 0, 'not before it is asked for');
    assert.match((await page.textContent('#tooltip [data-field="converged"]')) ?? '', /† not converged/);

    // Click the cell, then the toggle: the clicked cell's panel shows its decoder's curve.
    await page.click(cell('e', 6));
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
    const curve = v2.layers[0]!.deltas[5]!.convergence!.curve;
    await page.waitForSelector('#tooltip [data-field="curve"]');
    assert.equal(await page.locator('#tooltip circle.curve-point[data-stage="half"]').count(), curve.half.length);
    assert.equal(await page.locator('#tooltip circle.curve-point[data-stage="full"]').count(), curve.full.length);
    const values = await page.$$eval('#tooltip circle.curve-point', (cs) =>
      cs.map((c) => Number(c.getAttribute('data-value'))),
    );
    assert.deepEqual(values, [...curve.half, ...curve.full]);
    assert.equal(await page.locator('#tooltip line.curve-chance').count(), 1);
    assert.equal(await page.locator('#tooltip line.curve-boundary').count(), 1);
    assert.equal(await page.getAttribute('#tooltip [data-field="curve"]', 'data-converged'), 'false');
    assert.equal(
      await page.textContent('#tooltip [data-field="data-gain"]'),
      '+1.5 ± 1.6 pp (3,330 → 6,660 train positions)',
    );
    assert.equal(await page.textContent('#tooltip [data-field="epoch-gain"]'), '+0.7 pp (stopped at the epoch cap)');
    assert.match((await page.textContent('#tooltip [data-field="verdict"]')) ?? '', /^not converged/);
    // The panel stays in the window.
    const box = (await page.locator('#tooltip').boundingBox())!;
    assert.ok(box.y >= 0 && box.y + box.height <= 900, JSON.stringify(box));
    const path = join(SCREENSHOT_DIR ?? tempDir(t), 'viewer-learning-curve.png');
    await page.screenshot({ path });

    // Moving to a converged decoder's cell shows its curve and verdict; L hides and shows it from the keyboard.
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    assert.equal(await page.textContent('#tooltip [data-field="where"]'), 'δ = 4 · layer 1');
    await page.keyboard.press('ArrowUp');
    assert.match((await page.textContent('#tooltip [data-field="verdict"]')) ?? '', /^converged/);
    await page.keyboard.press('l');
    assert.equal(await page.locator('#tooltip [data-field="curve"]').count(), 0);
    assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
    await page.keyboard.press('L');
    assert.equal(await page.locator('#tooltip [data-field="curve"]').count(), 1);
  });

  test('a version-1 signature has no curve button, no marks and no curve', async () => {
    await page.selectOption('#sig-select', '1');
    assert.equal(await page.locator('#curve-toggle').isVisible(), false);
    assert.deepEqual(await markedRows(page), []);
    assert.equal(await page.locator('#heatmap text.row-note').count(), 0);
    assert.equal(await page.locator('#marginal circle.not-converged').count(), 0);
    await page.hover(cell('e', 4));
    assert.ok(await page.locator('#tooltip').isVisible());
    assert.equal(await page.locator('#tooltip [data-field="curve"]').count(), 0);
    assert.equal(await page.locator('#tooltip [data-field="converged"]').count(), 0);
    await page.selectOption('#sig-select', '0');
  });

  test('the difference view marks † where A’s decoder is not converged', async () => {
    await page.check('input[name="mode"][value="diff"]');
    await page.selectOption('#diff-a-sig', '0');
    await page.selectOption('#diff-b-sig', '1');
    const marked = await page.$$eval('#heatmap text.delta-label[data-converged-a="false"]', (ts) =>
      ts.map((t) => Number(t.getAttribute('data-delta'))),
    );
    assert.deepEqual(marked, unconvergedDeltas(v2.layers[0]!));
    assert.equal(await page.locator('#heatmap text.delta-label[data-converged-b]').count(), 0);
    assert.match((await page.textContent('#heatmap text.row-note')) ?? '', /† A’s decoder not converged/);
    await page.check('input[name="mode"][value="signature"]');
  });

  test('nothing went wrong and nothing was fetched from elsewhere', () => {
    assert.deepEqual(problems, []);
  });
});
