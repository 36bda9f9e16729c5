import assert from 'node:assert/strict';
import { test } from 'node:test';
import { panelLetter, renderCompareSvg } from '../../src/render/compare.js';
import { elements, GRU_PATH, LSTM_PATH, loadFixture, texts, tinySignature } from './helpers.js';

test('renderCompareSvg(signature): labelled panels on one colour scale', () => {
  const a = tinySignature([
    [
      [1, 0.5, 0, null],
      [0.5, 0, 1, null],
    ],
  ]);
  const b = tinySignature([
    [
      [0.5, 1, 0, null],
      [0, 0, 0.5, null],
    ],
  ]);
  const svg = renderCompareSvg([
    { sig: a, label: 'alpha' },
    { sig: b, label: 'beta' },
  ]);
  assert.equal(elements(svg, 'g', 'panel').length, 2);
  const cells = elements(svg, 'rect', 'cell');
  assert.equal(cells.length, 2 * 2 * 4);
  // The same value has the same colour in both panels.
  const fills = new Map<string, Set<string>>();
  for (const c of cells) {
    if (!fills.has(c['data-value']!)) fills.set(c['data-value']!, new Set());
    fills.get(c['data-value']!)!.add(c.fill!);
  }
  for (const [value, set] of fills) assert.equal(set.size, 1, `value ${value}`);
  const t = texts(svg);
  assert.ok(t.includes('a. alpha · layer 1'));
  assert.ok(t.includes('b. beta · layer 1'));
  assert.equal(t.filter((x) => x === 'recall').length, 1, 'one colour bar');
});

test('renderCompareSvg(signature) wraps panels into rows and picks layers', () => {
  const lstm = loadFixture(LSTM_PATH);
  const gru = loadFixture(GRU_PATH);
  const entries = [
    { sig: lstm, label: 'LSTM', layer: 1 },
    { sig: lstm, label: 'LSTM', layer: 2 },
    { sig: gru, label: 'GRU' },
    { sig: gru, label: 'GRU again' },
  ];
  const svg = renderCompareSvg(entries, { columns: 2, metric: 'bits' });
  const panels = [...svg.matchAll(/<g class="panel" data-layer="(\d)">/g)].map((m) => m[1]);
  assert.deepEqual(panels, ['1', '2', '1', '1']);
  assert.equal(elements(svg, 'rect', 'cell').length, 4 * 6 * 30);
  assert.throws(() => renderCompareSvg([{ sig: gru, label: 'GRU', layer: 2 }]), /GRU: no layer 2/);
});

test('renderCompareSvg(marginal): a column and a line per model, with chance', () => {
  const lstm = loadFixture(LSTM_PATH);
  const gru = loadFixture(GRU_PATH);
  const svg = renderCompareSvg(
    [
      { sig: lstm, label: 'LSTM' },
      { sig: gru, label: 'GRU' },
    ],
    { kind: 'marginal' },
  );
  assert.equal(elements(svg, 'rect', 'cell').length, 2 * 6);
  assert.equal(elements(svg, 'polyline', 'series').length, 2);
  assert.ok(elements(svg, 'polyline', 'chance-line').length >= 1);
  const t = texts(svg);
  assert.ok(t.includes('a. LSTM · layer 1'));
  assert.ok(t.includes('b. GRU · layer 1'));
});

test('renderCompareSvg(marginal): past seven lines the colours repeat, told apart by dashes', () => {
  const gru = loadFixture(GRU_PATH);
  const entries = Array.from({ length: 9 }, (_, i) => ({ sig: gru, label: `model ${i + 1}` }));
  const lines = elements(renderCompareSvg(entries, { kind: 'marginal' }), 'polyline', 'series');
  assert.equal(lines.length, 9);
  const looks = lines.map((l) => `${l.stroke} ${l['stroke-dasharray'] ?? 'solid'}`);
  assert.equal(new Set(looks).size, 9, looks.join(' / '));
  assert.equal(lines[0]!['stroke-dasharray'], undefined);
  assert.equal(lines[7]!.stroke, lines[0]!.stroke);
  assert.ok(lines[7]!['stroke-dasharray']);
});

test('panelLetter() counts a…z, aa, ab…', () => {
  assert.deepEqual([0, 1, 25, 26, 27].map(panelLetter), ['a', 'b', 'z', 'aa', 'ab']);
});
