// Issue 15 in the viewer, in a real browser (Debian's chromium via playwright-core, as in viewer.test.ts): the spread
// over decoder seeds (a band in the chart, a column and a tooltip row), the online code (a column and a tooltip row)
// and the capacity sweep (a table and a tooltip row), each only where the signature has it.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { validateSignature } from '../../src/io/signature-file.js';
import { withCapacity, withOnlineCode, withSeeds } from '../render/probe-fixtures.js';
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
  test('the viewer’s seeds, online code and capacity in a browser', () => assert.fail(MISSING_CHROMIUM));
}

function probed() {
  const sig = withCapacity(withOnlineCode(withSeeds(readFixture(GRU_PATH), 0.05)));
  sig.model.label = 'GRU with seeds, online code and capacity sweep';
  return sig;
}

const cell = (symbol: string, delta: number) => `#heatmap rect.cell[data-symbol="${symbol}"][data-delta="${delta}"]`;
const texts = (page: Page, selector: string) => page.$$eval(selector, (els) => els.map((e) => e.textContent ?? ''));

describe('memsig view: decoder seeds, online code and capacity sweep in Chromium', {
  skip: haveChromium ? false : MISSING_CHROMIUM,
}, () => {
  let opened: ViewerPage;
  let page: Page;
  let problems: string[] = [];
  const sig = probed();
  const dir = mkdtempSync(join(tmpdir(), 'memsig-view-probes-'));

  before(async () => {
    validateSignature(JSON.parse(JSON.stringify(sig)), 'probed');
    const path = join(dir, 'gru-probed.json');
    writeFileSync(path, JSON.stringify(sig));
    opened = await openViewerPage([path, LSTM_PATH]);
    ({ page, problems } = opened);
  });

  after(async () => {
    await opened?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the chart shades ± 1 sd over the seeds around the shown layer, wider where the seeds disagree more', async () => {
    const bands = await page.$$eval('#marginal polygon.seed-band', (ps) => ps.map((p) => p.getAttribute('points')!));
    assert.equal(bands.length, 1);
    const xs = bands[0]!.split(' ').map((p) => Number(p.split(',')[0]));
    const D = sig.layers[0]!.deltas.length;
    assert.equal(xs.length, 2 * D);
    // Upper edge (mean + sd) top to bottom, then the lower edge back: the same width at every row, the sd's.
    const widths = xs.slice(0, D).map((x, r) => x - xs[2 * D - 1 - r]!);
    for (const w of widths) assert.ok(w > 5 && Math.abs(w - widths[0]!) < 0.2, widths.join(' '));
    assert.ok((await texts(page, '#marginal .legend text')).includes('± 1 sd over 2 decoder seeds'));
  });

  test('the δ table has the seeds’ sd and the online code, the capacity sweep its own table', async () => {
    const head = await texts(page, '#details table.deltas:not(.capacity) thead th');
    assert.ok(head.includes('sd over 2 seeds'), head.join(' | '));
    assert.ok(head.includes('online code (bits/position)'), head.join(' | '));
    const d1 = sig.layers[0]!.deltas[0]!;
    assert.equal((await texts(page, '#details td.seed-sd'))[0], '± 7.1 pp');
    assert.equal(
      (await texts(page, '#details td.online-code'))[0],
      `${d1.onlineCode!.bitsPerPosition.toFixed(3)} (${d1.onlineCode!.compression.toFixed(2)}×)`,
    );
    const rows = await page.$$eval('#details table.capacity tbody tr', (trs) =>
      trs.map((tr) => [tr.getAttribute('data-factor'), tr.querySelector('th')?.textContent]),
    );
    assert.deepEqual(rows, [
      ['0', 'linear'],
      ['1', '1×'],
      ['4', '4×'],
    ]);
    const linear = await texts(page, '#details table.capacity tbody tr[data-factor="0"] td');
    assert.equal(linear[2], `${(100 * sig.layers[0]!.capacity![0]!.deltas[0]!.accuracy).toFixed(1)}%`);
  });

  test('a cell’s tooltip gives its recall’s spread over seeds, the online code and the decoder sizes at its δ', async () => {
    await page.hover(cell('e', 1));
    assert.match(
      (await page.textContent('#tooltip [data-field="seeds"]')) ?? '',
      /^recall ± 7\.1 pp \(.*\), all symbols ± 7\.1 pp$/,
    );
    assert.match(
      (await page.textContent('#tooltip [data-field="online-code"]')) ?? '',
      /^0\.75 bits a position \([\d.]+× compression\)$/,
    );
    assert.match(
      (await page.textContent('#tooltip [data-field="capacity"]')) ?? '',
      /^linear [\d.]+%, 1× [\d.]+%, 4× [\d.]+%$/,
    );
  });

  test('a signature without them shows none of it', async () => {
    await page.selectOption('#sig-select', '1');
    assert.equal(await page.$$eval('#marginal polygon.seed-band', (ps) => ps.length), 0);
    assert.ok(!(await texts(page, '#marginal .legend text')).some((t) => t.includes('seeds')));
    assert.equal(await page.$$eval('#details table.capacity', (ts) => ts.length), 0);
    assert.equal(await page.$$eval('#details td.seed-sd, #details td.online-code', (ts) => ts.length), 0);
    await page.hover(cell('e', 1));
    assert.equal(
      await page.$$eval('#tooltip [data-field="seeds"], #tooltip [data-field="capacity"]', (x) => x.length),
      0,
    );
    await page.selectOption('#sig-select', '0');
    assert.deepEqual(problems, []);
  });
});
