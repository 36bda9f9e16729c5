// The viewer page in a real browser: Debian's chromium (/usr/bin/chromium) driven by playwright-core. On CI a
// missing chromium fails these tests (with what to install); elsewhere they are skipped with the same note.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { Signature } from '../../src/analysis/signature-types.js';
import { sequentialColor } from '../../src/render/colors.js';
import { renderDiffSvg } from '../../src/render/diff.js';
import { scaleMax, symbolInformationBits } from '../../src/render/metric.js';
import { formatBits, formatPercent, formatPoints } from '../../src/web/page/format.js';
import { startViewer, type Viewer } from '../../src/web/server.js';
import { tempDir } from '../cli/helpers.js';
import { elements } from '../render/helpers.js';
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  GRU_PATH,
  LSTM_PATH,
  MISSING_CHROMIUM,
  readFixture,
  writeAlienSignature,
} from './helpers.js';

// MEMSIG_SCREENSHOT_DIR: keep the screenshot the tests take (viewer-green-bits.png) there, to look at.
const SCREENSHOT_DIR = process.env.MEMSIG_SCREENSHOT_DIR;
const MISSING = MISSING_CHROMIUM;
const ARGS = CHROMIUM_ARGS;

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) {
  test('the viewer in a browser', () => assert.fail(MISSING));
}

const lstm = readFixture(LSTM_PATH);
const gru = readFixture(GRU_PATH);

const cell = (symbol: string, delta: number) => `#heatmap rect.cell[data-symbol="${symbol}"][data-delta="${delta}"]`;

function recallOf(sig: Signature, layer: number, symbol: string, delta: number): number {
  return sig.layers[layer]!.deltas[delta - 1]!.recall[sig.alphabet.indexOf(symbol)]!;
}

/** The figures' bits of a cell: KL(P(guess | s) ‖ P(guess)) from the decoder's confusion matrix. */
function bitsOf(sig: Signature, layer: number, symbol: string, delta: number): number {
  return symbolInformationBits(sig.layers[layer]!.deltas[delta - 1]!)[sig.alphabet.indexOf(symbol)]!;
}

async function field(page: Page, name: string): Promise<string> {
  return (await page.textContent(`#tooltip [data-field="${name}"]`))?.trim() ?? '';
}

// "#rrggbb" → [r, g, b]
function rgb(hex: string | null): number[] {
  assert.match(hex ?? '', /^#[0-9a-f]{6}$/);
  return [1, 3, 5].map((i) => Number.parseInt(hex!.slice(i, i + 2), 16));
}

describe('memsig view in Chromium', { skip: haveChromium ? false : MISSING }, () => {
  let viewer: Viewer;
  let browser: Browser;
  let page: Page;
  let dir: string;
  const problems: string[] = [];
  const foreign: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'memsig-view-'));
    viewer = await startViewer([LSTM_PATH, GRU_PATH, writeAlienSignature(dir)], { port: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 20_000 });
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console ${msg.type()}: ${msg.text()}`);
    });
    page.on('request', (req) => {
      if (!req.url().startsWith(viewer.url) && !req.url().startsWith('data:')) foreign.push(req.url());
    });
    await page.goto(viewer.url);
    try {
      await page.waitForSelector('body[data-ready="true"]');
    } catch (err) {
      throw new Error(
        `the page did not get ready: ${(err as Error).message}; ${problems.join('; ') || 'no page errors'}`,
      );
    }
  });

  after(async () => {
    await browser?.close();
    await viewer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the picker lists every signature by model label and file name', async () => {
    const labels = await page.$$eval('#sig-select option', (os) => os.map((o) => o.textContent));
    assert.deepEqual(labels, [
      '2-layer LSTM, 48 units — lstm-2layer.json',
      '1-layer GRU, 48 units — gru-1layer.json',
      'renamed alphabet — alien.json',
    ]);
    assert.deepEqual(await page.$$eval('#layer-select option', (os) => os.map((o) => o.textContent)), [
      'layer 1',
      'layer 2',
    ]);
  });

  test('the heatmap has a cell per δ and symbol, with its value, and the forward strip under it', async () => {
    const cells = await page.$$eval('#heatmap rect.cell', (rs) =>
      rs.map((r) => [r.getAttribute('data-symbol'), r.getAttribute('data-delta'), r.getAttribute('data-value')]),
    );
    assert.equal(cells.length, lstm.maxDelta * lstm.alphabet.length);
    const e2 = cells.find(([s, d]) => s === 'e' && d === '2');
    assert.equal(Number(e2![2]), recallOf(lstm, 0, 'e', 2));
    // δ = 1 is the top row; symbols in alphabet order, left to right.
    const first = await page.$eval(cell('a', 1), (r) => [Number(r.getAttribute('x')), Number(r.getAttribute('y'))]);
    const below = await page.$eval(cell('a', 2), (r) => Number(r.getAttribute('y')));
    const right = await page.$eval(cell('b', 1), (r) => Number(r.getAttribute('x')));
    assert.ok(below > first[1]! && right > first[0]!);
    const forward = await page.$$eval('#heatmap rect.forward-cell', (rs) =>
      rs.map((r) => [r.getAttribute('data-symbol'), r.getAttribute('x')]),
    );
    assert.equal(forward.length, lstm.alphabet.length);
    assert.equal(forward[4]![1], await page.$eval(cell('e', 1), (r) => r.getAttribute('x')), 'column for column');
    assert.equal(await page.$$eval('#marginal polyline.line', (ls) => ls.length), lstm.layers.length);
    assert.equal(await page.$$eval('#marginal polyline.reference', (ls) => ls.length), 1);
  });

  test('hovering a cell shows its symbol, δ, recall, count, chance, bits and confusion row', async () => {
    await page.hover(cell('e', 2));
    const tip = page.locator('#tooltip[role="tooltip"]');
    assert.ok(await tip.isVisible());
    const d = lstm.layers[0]!.deltas[1]!;
    const e = lstm.alphabet.indexOf('e');
    assert.equal(await field(page, 'symbol'), 'e');
    assert.equal(await field(page, 'where'), 'δ = 2 · layer 1');
    assert.equal(await field(page, 'recall'), formatPercent(d.recall[e]!));
    assert.match(await field(page, 'count'), new RegExp(`^${d.count[e]} \\(${d.confusion[e]![e]} right\\)$`));
    assert.match(await field(page, 'chance'), new RegExp(`^${(d.chanceAccuracy * 100).toFixed(1)}%`));
    assert.equal(await field(page, 'bits'), formatBits(bitsOf(lstm, 0, 'e', 2)));
    const bars = await page.$$eval('#tooltip [data-field="confusion"] .bar-row', (rows) =>
      rows.map((r) => r.getAttribute('data-symbol')),
    );
    assert.ok(bars.length >= 2 && bars.length <= 5);
    assert.equal(bars[0], 'e');

    await page.hover('#heatmap rect.forward-cell[data-symbol="e"]');
    assert.match(await field(page, 'where'), /next symbol/);
    assert.equal(await field(page, 'recall'), formatPercent(lstm.forward!.recall[e]!));
    await page.mouse.move(5, 5);
    assert.equal(await tip.isVisible(), false);
  });

  test('switching the layer changes the values', async () => {
    await page.selectOption('#layer-select', '1');
    const value = Number(await page.getAttribute(cell('e', 2), 'data-value'));
    assert.equal(value, recallOf(lstm, 1, 'e', 2));
    assert.notEqual(value, recallOf(lstm, 0, 'e', 2));
    assert.match((await page.textContent('#figure-title')) ?? '', /layer 2 of 2/);
  });

  test('the metric switch shows the figures’ bits; the palette switch recolours the cells as the figures do', async () => {
    const recall = recallOf(lstm, 1, 'a', 1);
    const purple = await page.getAttribute(cell('a', 1), 'fill');
    assert.equal(purple, sequentialColor('purple', recall));
    await page.check('input[name="metric"][value="bits"]');
    const bits = bitsOf(lstm, 1, 'a', 1);
    const max = scaleMax('bits', [lstm.alphabet.length]);
    assert.equal(Number(await page.getAttribute(cell('a', 1), 'data-value')), bits);
    assert.equal(await page.getAttribute(cell('a', 1), 'fill'), sequentialColor('purple', bits / max));
    const help = (await page.textContent('#help')) ?? '';
    assert.match(help, /KL\(P\(guess \| s\) ‖ P\(guess\)\)/);
    assert.match(help, /white 0 → dark purple ≥ 5 bits = ⌈log2 V⌉/);
    assert.doesNotMatch(help, /recall \/ prior/);
    const ticks = await page.$$eval('#heatmap .legend text', (ts) => ts.map((t) => t.textContent));
    assert.deepEqual(ticks.slice(0, 6), ['0', '1', '2', '3', '4', '≥5']);
    await page.hover(cell('a', 1));
    assert.equal(await field(page, 'bits'), formatBits(bits));
    await page.check('input[name="palette"][value="green"]');
    assert.equal(await page.getAttribute(cell('a', 1), 'fill'), sequentialColor('green', bits / max));
    assert.match((await page.textContent('#help')) ?? '', /dark green 0 → pale yellow-green ≥ 5 bits/);
    await page.check('input[name="metric"][value="accuracy"]');
    const green = await page.getAttribute(cell('a', 1), 'fill');
    assert.equal(green, sequentialColor('green', recall));
    const [r, g, b] = rgb(green);
    assert.ok(g! > b! && g! > r!, 'green');
    assert.match((await page.textContent('#help')) ?? '', /dark green 0% → pale yellow-green 100%/);
    await page.check('input[name="palette"][value="purple"]');
  });

  test('diff mode: red where A recalls better, blue where B does, symbols aligned', async () => {
    await page.check('input[name="mode"][value="diff"]');
    await page.selectOption('#diff-a-sig', '0');
    await page.selectOption('#diff-a-layer', '0');
    await page.selectOption('#diff-b-sig', '1');
    await page.selectOption('#diff-b-layer', '0');
    const cells = await page.$$eval('#heatmap rect.cell', (rs) =>
      rs.map((r) => ({
        symbol: r.getAttribute('data-symbol')!,
        delta: Number(r.getAttribute('data-delta')),
        value: r.getAttribute('data-value')!,
        fill: r.getAttribute('fill')!,
      })),
    );
    assert.equal(cells.length, lstm.maxDelta * lstm.alphabet.length);
    const withValue = cells.filter((c) => c.value !== '');
    for (const c of withValue) {
      const expected = recallOf(lstm, 0, c.symbol, c.delta) - recallOf(gru, 0, c.symbol, c.delta);
      assert.ok(Math.abs(Number(c.value) - expected) < 1e-12, `${c.symbol} δ ${c.delta}`);
    }
    const reds = withValue.filter((c) => Number(c.value) > 0.1).map((c) => rgb(c.fill));
    const blues = withValue.filter((c) => Number(c.value) < -0.1).map((c) => rgb(c.fill));
    assert.ok(reds.length > 0 && blues.length > 0, 'both signs present in these fixtures');
    for (const [r, , b] of reds) assert.ok(r! > b!, 'red');
    for (const [r, , b] of blues) assert.ok(b! > r!, 'blue');
    const big = withValue.reduce((m, c) => (Math.abs(Number(c.value)) > Math.abs(Number(m.value)) ? c : m));
    await page.hover(cell(big.symbol, big.delta));
    assert.equal(await field(page, 'difference'), formatPoints(Number(big.value)));
    assert.match(await field(page, 'significance'), /^p = [\d.e-]+, beyond chance$/);
    // The dots mark the same cells as the SVG difference figure's (the same tests, the same false-discovery rate).
    const pageMarks = await page.$$eval('#heatmap rect.cell[data-significant="1"]', (rs) =>
      rs.map((r) => `${r.getAttribute('data-symbol')}/${r.getAttribute('data-delta')}`).sort(),
    );
    const figureMarks = elements(renderDiffSvg(lstm, gru), 'rect', 'cell')
      .filter((c) => c['data-significant'] === '1')
      .map((c) => `${c['data-symbol']}/${c['data-delta']}`)
      .sort();
    assert.ok(figureMarks.length > 0, 'these fixtures differ beyond chance somewhere');
    assert.deepEqual(pageMarks, figureMarks);
    assert.equal(await page.locator('#heatmap circle.mark').count(), figureMarks.length);
    assert.match(
      (await page.textContent('#figure-title')) ?? '',
      /A − B: 2-layer LSTM.*layer 1 vs 1-layer GRU.*layer 1/,
    );
  });

  test('diff mode says so when the two signatures share no symbol', async () => {
    await page.selectOption('#diff-b-sig', '2');
    const message = page.locator('#message[role="alert"]');
    assert.ok(await message.isVisible());
    assert.match((await message.textContent()) ?? '', /cannot be aligned: their alphabets have no symbol in common/);
    assert.equal(await page.locator('#figure').isVisible(), false);
    await page.selectOption('#diff-b-sig', '1');
    assert.equal(await message.isVisible(), false);
    await page.check('input[name="mode"][value="signature"]');
    await page.selectOption('#sig-select', '0');
    await page.selectOption('#layer-select', '0');
  });

  test('keyboard: focus the heatmap, move with the arrow keys, the tooltip follows', async () => {
    await page.mouse.move(5, 5);
    await page.focus('#heatmap');
    const tip = page.locator('#tooltip');
    assert.ok(await tip.isVisible());
    assert.equal(await field(page, 'symbol'), 'a');
    assert.equal(await field(page, 'where'), 'δ = 1 · layer 1');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    assert.equal(await field(page, 'symbol'), 'b');
    assert.equal(await field(page, 'where'), 'δ = 3 · layer 1');
    assert.equal(await field(page, 'recall'), formatPercent(recallOf(lstm, 0, 'b', 3)));
    assert.equal(await page.getAttribute('#heatmap', 'aria-activedescendant'), 'cell-2-1');
    // The tooltip sits beside the focused cell.
    const box = (await page.locator(cell('b', 3)).boundingBox())!;
    const tipBox = (await tip.boundingBox())!;
    assert.ok(Math.abs(tipBox.y + tipBox.height / 2 - (box.y + box.height / 2)) < tipBox.height);
    await page.keyboard.press('End');
    assert.equal(await field(page, 'symbol'), '␣');
    await page.keyboard.press('Escape');
    assert.equal(await tip.isVisible(), false);
    await page.keyboard.press('ArrowLeft');
    assert.equal(await field(page, 'symbol'), '.');
  });

  test('a screenshot of the page (green palette, bits) is a PNG of the window', async (t) => {
    await page.check('input[name="metric"][value="bits"]');
    await page.check('input[name="palette"][value="green"]');
    await page.hover(cell('e', 2));
    const path = join(SCREENSHOT_DIR ?? tempDir(t), 'viewer-green-bits.png');
    await page.screenshot({ path });
    await page.check('input[name="metric"][value="accuracy"]');
    await page.check('input[name="palette"][value="purple"]');
    const png = readFileSync(path);
    assert.ok(png.length > 10_000, `${png.length} bytes`);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(png.readUInt32BE(16), 1366);
    assert.equal(png.readUInt32BE(20), 768);
  });

  test('nothing went wrong and nothing was fetched from elsewhere', () => {
    assert.deepEqual(problems, []);
    assert.deepEqual(foreign, []);
  });
});
