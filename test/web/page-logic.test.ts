import assert from 'node:assert/strict';
import { test } from 'node:test';
import { divergingColor, sequentialColor } from '../../src/web/page/color.js';
import { describeDiffCell, describeSignatureCell } from '../../src/web/page/describe.js';
import { displaySymbol, formatPercent, formatPoints } from '../../src/web/page/format.js';
import { bitsScaleMax, confusionTop, diffGrid, pointwiseBits, signatureGrid } from '../../src/web/page/grid.js';
import { heatmapLayout, rowCenter } from '../../src/web/page/layout.js';
import { figureFor } from '../../src/web/page/specs.js';
import { initialState } from '../../src/web/page/state.js';
import { alienSignature, GRU_PATH, LSTM_PATH, readFixture } from './helpers.js';

const lstm = readFixture(LSTM_PATH);
const gru = readFixture(GRU_PATH);

test('pointwiseBits() is log2(recall / prior) floored at 0, null when undefined', () => {
  assert.equal(pointwiseBits(0.5, 0.125), 2);
  assert.equal(pointwiseBits(0.1, 0.2), 0);
  assert.equal(pointwiseBits(0, 0.2), 0);
  assert.equal(pointwiseBits(null, 0.2), null);
  assert.equal(pointwiseBits(0.5, 0), null);
});

test('signatureGrid() has a row per δ and a column per symbol, in alphabet order', () => {
  const grid = signatureGrid(lstm, 1, 'accuracy');
  assert.deepEqual(grid.symbols, lstm.alphabet);
  assert.deepEqual(
    grid.deltas,
    lstm.layers[1]!.deltas.map((d) => d.delta),
  );
  assert.equal(grid.values[2]![4], lstm.layers[1]!.deltas[2]!.recall[4]);
  assert.equal(grid.scaleMax, 1);
  const bits = signatureGrid(lstm, 0, 'bits');
  const d = lstm.layers[0]!.deltas[0]!;
  assert.equal(bits.values[0]![0], pointwiseBits(d.recall[0]!, d.prior[0]!));
  assert.equal(bits.scaleMax, bitsScaleMax(lstm));
  assert.ok(Number.isInteger(bits.scaleMax) && bits.scaleMax >= 1);
  for (const row of bits.values) for (const v of row) assert.ok(v === null || (v >= 0 && v <= bits.scaleMax));
});

test('confusionTop() lists the most frequent predictions with their shares', () => {
  assert.deepEqual(confusionTop([1, 0, 6, 3], ['a', 'b', 'c', 'd'], 2), [
    { symbol: 'c', count: 6, share: 0.6 },
    { symbol: 'd', count: 3, share: 0.3 },
  ]);
  assert.deepEqual(confusionTop([0, 0], ['a', 'b'], 3), []);
});

test('diffGrid() aligns symbols by name and is positive where A recalls better', () => {
  // B: the GRU with its alphabet reversed (every per-symbol list reversed with it): alignment by name undoes it.
  const reversed = structuredClone(gru);
  reversed.alphabet.reverse();
  for (const d of reversed.layers[0]!.deltas) {
    d.recall.reverse();
    d.count.reverse();
  }
  const result = diffGrid({ sig: lstm, layerIndex: 0 }, { sig: reversed, layerIndex: 0 });
  assert.ok(result.ok);
  const { grid } = result;
  assert.deepEqual(grid.symbols, lstm.alphabet);
  const e = lstm.alphabet.indexOf('e');
  const expected = lstm.layers[0]!.deltas[1]!.recall[e]! - gru.layers[0]!.deltas[1]!.recall[gru.alphabet.indexOf('e')]!;
  assert.ok(Math.abs(grid.values[1]![e]! - expected) < 1e-15);
  assert.ok(grid.scaleMax >= 0.1 && grid.scaleMax <= 1);
  for (const row of grid.values) for (const v of row) assert.ok(v === null || Math.abs(v) <= grid.scaleMax);

  const tip = describeDiffCell({ sig: lstm, layerIndex: 0 }, { sig: reversed, layerIndex: 0 }, grid, 1, e);
  assert.equal(tip.symbol, 'e');
  assert.equal(tip.rows.find((r) => r.field === 'difference')!.value, formatPoints(expected));
});

test('diffGrid() refuses signatures without a common symbol, with a reason', () => {
  const result = diffGrid({ sig: lstm, layerIndex: 0 }, { sig: alienSignature(), layerIndex: 0 });
  assert.equal(result.ok, false);
  assert.match(!result.ok ? result.reason : '', /cannot be aligned.*no symbol in common/);
  const state = { ...initialState([{ file: 'a', sig: lstm }]), mode: 'diff' as const, b: { sig: 1, layer: 0 } };
  const figure = figureFor(state, [
    { file: 'a', sig: lstm },
    { file: 'b', sig: alienSignature() },
  ]);
  assert.equal(figure.ok, false);
});

test('colour scales: white at 0, the darkest stop at 1, red for A better', () => {
  assert.equal(sequentialColor(0, 'purple'), '#ffffff');
  assert.equal(sequentialColor(1, 'purple'), '#3f007d');
  assert.equal(sequentialColor(1, 'green'), '#00441b');
  assert.equal(sequentialColor(2, 'green'), '#00441b');
  assert.equal(divergingColor(0), '#ffffff');
  const red = divergingColor(0.8);
  const blue = divergingColor(-0.8);
  assert.ok(Number.parseInt(red.slice(1, 3), 16) > Number.parseInt(red.slice(5, 7), 16));
  assert.ok(Number.parseInt(blue.slice(5, 7), 16) > Number.parseInt(blue.slice(1, 3), 16));
});

test('describeSignatureCell() gives recall, count, chance, bits and the confusion row', () => {
  const e = lstm.alphabet.indexOf('e');
  const d = lstm.layers[0]!.deltas[1]!;
  const tip = describeSignatureCell(lstm, 0, 1, e);
  const field = (name: string) => tip.rows.find((r) => r.field === name)!.value;
  assert.equal(tip.symbol, 'e');
  assert.equal(tip.where, 'δ = 2 · layer 1');
  assert.equal(field('recall'), formatPercent(d.recall[e]!));
  assert.match(field('count'), new RegExp(`^${d.count[e]} \\(${d.confusion[e]![e]} right\\)$`));
  assert.match(field('chance'), new RegExp(`^${formatPercent(d.chanceAccuracy).replace('.', '\\.')}`));
  assert.equal(tip.bars!.items[0]!.symbol, 'e');
  assert.ok(tip.bars!.items.length <= 5);
  assert.equal(displaySymbol(' '), '␣');
});

test('heatmapLayout() keeps cells readable and rows shared with the marginal chart', () => {
  const layout = heatmapLayout(30, 6, true, 1000);
  assert.ok(layout.cellW >= 14 && layout.cellW <= 34);
  assert.ok(layout.width <= 1000);
  assert.ok(layout.forwardTop > layout.top + 6 * layout.cellH);
  assert.equal(rowCenter(layout, 0), layout.top + layout.cellH / 2);
  const narrow = heatmapLayout(30, 60, false, 100);
  assert.equal(narrow.cellW, 14);
  assert.equal(narrow.cellH, 12);
  assert.equal(narrow.forwardH, 0);
});
