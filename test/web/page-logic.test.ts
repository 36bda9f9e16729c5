import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeltaSignature } from '../../src/analysis/signature-types.js';
import { DIVERGING_STOPS, GREEN_STOPS, PURPLE_STOPS, sequentialColor } from '../../src/render/colors.js';
import { colorBarTicks, scaleMax, symbolInformationBits } from '../../src/render/metric.js';
import { paletteAccent, paletteEnds } from '../../src/web/page/color.js';
import { describeDiffCell, describeSignatureCell } from '../../src/web/page/describe.js';
import { displaySymbol, formatBits, formatPercent, formatPoints } from '../../src/web/page/format.js';
import { confusionTop, diffGrid, signatureGrid } from '../../src/web/page/grid.js';
import { heatmapLayout, rowCenter } from '../../src/web/page/layout.js';
import { figureFor } from '../../src/web/page/specs.js';
import { initialState } from '../../src/web/page/state.js';
import { alienSignature, GRU_PATH, LSTM_PATH, readFixture } from './helpers.js';

const lstm = readFixture(LSTM_PATH);
const gru = readFixture(GRU_PATH);

// A δ with a hand-made confusion matrix (rows: true symbol, columns: the guess): a is always recalled and never
// guessed otherwise; b and c are always guessed as b; d never occurred.
function handMade(): DeltaSignature {
  const d = structuredClone(lstm.layers[0]!.deltas[0]!);
  d.confusion = [
    [2, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 0, 0],
  ];
  d.count = [2, 1, 1, 0];
  d.recall = [1, 1, 0, null];
  d.prior = [0.25, 0.25, 0.25, 0.25];
  return d;
}

test('bits are the figures’ KL(P(guess | s) ‖ P(guess)) from the confusion matrix, not log2(recall / prior)', () => {
  const sig = structuredClone(lstm);
  sig.alphabet = ['a', 'b', 'c', 'd'];
  sig.layers = [{ ...sig.layers[0]!, deltas: [handMade()] }];
  const grid = signatureGrid(sig, 0, 'bits');
  // P(guess) = (a ½, b ½). a: always guessed a → log2(1 / ½) = 1. b and c: always guessed b → log2(1 / ½) = 1 each
  // (c is never recalled, yet its guesses tell it from a). log2(recall / prior) would give a 2, b 2, c 0.
  assert.deepEqual(grid.values, [[1, 1, 1, null]]);
  assert.deepEqual(grid.values[0], symbolInformationBits(sig.layers[0]!.deltas[0]!));
  // ⌈log2 V⌉, as in the figures.
  assert.equal(grid.scaleMax, 2);
  const tip = describeSignatureCell(sig, 0, 0, 2);
  assert.equal(tip.rows.find((r) => r.field === 'bits')!.value, '1.00 bits');
  assert.equal(tip.rows.find((r) => r.field === 'recall')!.value, '0.0%');
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
  lstm.layers[0]!.deltas.forEach((d, r) => {
    assert.deepEqual(bits.values[r], symbolInformationBits(d));
  });
  assert.equal(lstm.alphabet.length, 30);
  assert.equal(bits.scaleMax, 5, '⌈log2 30⌉');
  assert.equal(bits.scaleMax, scaleMax('bits', [lstm.alphabet.length]));
  for (const row of bits.values) for (const v of row) assert.ok(v === null || v >= 0);
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
    d.confusion = d.confusion.reverse().map((row) => row.reverse());
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
  // The significance of a cell does not depend on the order of B's alphabet either.
  const plain = diffGrid({ sig: lstm, layerIndex: 0 }, { sig: gru, layerIndex: 0 });
  assert.ok(plain.ok);
  assert.deepEqual(grid.pValues, plain.grid.pValues);
  assert.ok(
    grid.significant.flat().some((x) => x),
    'these fixtures differ beyond chance somewhere',
  );
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

test('figure colours are the renderer’s palettes: purple white → #3f007d, green dark #004529 → pale #f7fcb9', () => {
  const values = (palette: 'purple' | 'green', metric: 'accuracy' | 'bits') => {
    const result = figureFor({ ...initialState([{ file: 'a', sig: lstm }]), palette, metric }, [
      { file: 'a', sig: lstm },
    ]);
    assert.ok(result.ok);
    return result.figure;
  };
  for (const palette of ['purple', 'green'] as const) {
    const stops = palette === 'green' ? GREEN_STOPS : PURPLE_STOPS;
    for (const metric of ['accuracy', 'bits'] as const) {
      const { heatmap, help } = values(palette, metric);
      const max = metric === 'bits' ? 5 : 1;
      assert.equal(heatmap.grid.scaleMax, max);
      assert.equal(heatmap.legend.colorAt(0), stops[0]);
      assert.equal(heatmap.legend.colorAt(1), stops[stops.length - 1]);
      for (const v of [0, 0.3, 0.5, 1, 2.7, 5, 7.5])
        assert.equal(heatmap.colorOf(v), sequentialColor(palette, v / max));
      assert.deepEqual(
        heatmap.legend.ticks.map((t) => [t.t, t.text]),
        colorBarTicks(metric, max).map((t) => [t.f, t.label]),
      );
      const ends = paletteEnds(palette);
      assert.ok(help.includes(`${ends.low} 0`) && help.includes(ends.high), help);
    }
  }
  assert.equal(values('green', 'accuracy').heatmap.colorOf(0), '#004529');
  assert.equal(values('green', 'accuracy').heatmap.colorOf(1), '#f7fcb9');
  assert.equal(values('purple', 'accuracy').heatmap.colorOf(1), '#3f007d');
  assert.equal(values('green', 'bits').heatmap.legend.ticks.at(-1)!.text, '≥5');
  // Accents on white are a dark end of each palette.
  assert.equal(paletteAccent('purple'), PURPLE_STOPS[7]);
  assert.equal(paletteAccent('green'), GREEN_STOPS[1]);
});

test('the bits help line and legend state the figures’ definition', () => {
  const result = figureFor({ ...initialState([{ file: 'a', sig: lstm }]), metric: 'bits' }, [{ file: 'a', sig: lstm }]);
  assert.ok(result.ok);
  const { help, heatmap } = result.figure;
  assert.match(help, /KL\(P\(guess \| s\) ‖ P\(guess\)\) from its eval confusion matrix/);
  assert.match(help, /Colour: white 0 → dark purple ≥ 5 bits = ⌈log2 V⌉, V = 30 symbols\./);
  assert.doesNotMatch(help, /recall \/ prior/);
  assert.equal(heatmap.legend.title, 'bits: KL(P(guess | s) ‖ P(guess))');
  assert.equal(heatmap.describeValue(1.234), formatBits(1.234));
});

test('diff colours: the renderer’s diverging scale, red for A better', () => {
  const result = figureFor({ ...initialState([{ file: 'a', sig: lstm }]), mode: 'diff', b: { sig: 1, layer: 0 } }, [
    { file: 'a', sig: lstm },
    { file: 'b', sig: gru },
  ]);
  assert.ok(result.ok);
  const { heatmap } = result.figure;
  const s = heatmap.grid.scaleMax;
  assert.equal(heatmap.colorOf(0), '#ffffff');
  assert.equal(heatmap.colorOf(s), DIVERGING_STOPS[DIVERGING_STOPS.length - 1]);
  assert.equal(heatmap.colorOf(-s), DIVERGING_STOPS[0]);
  const red = heatmap.colorOf(0.8 * s);
  const blue = heatmap.colorOf(-0.8 * s);
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
  assert.equal(displaySymbol('\n'), '↵');
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
