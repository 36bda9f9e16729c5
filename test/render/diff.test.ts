import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserError } from '../../src/core/errors.js';
import { divergingColor } from '../../src/render/colors.js';
import { niceCeil, renderDiffSvg } from '../../src/render/diff.js';
import { alignSignatures } from '../../src/render/signature-data.js';
import { elements, GRU_PATH, hexToRgb, LSTM_PATH, loadFixture, texts, tinySignature } from './helpers.js';

const A = [
  [1, 0.5, 0.3, null],
  [0.5, 0.2, 0.3, null],
];
const B = [
  [0.5, 0.5, 0.8, null],
  [0.5, 0.4, 0.1, null],
];

test('renderDiffSvg(): red where A recalls better, blue where B does, white where equal', () => {
  const svg = renderDiffSvg(tinySignature([A]), tinySignature([B]), { labelA: 'first', labelB: 'second' });
  const cells = elements(svg, 'rect', 'cell');
  assert.equal(cells.length, 2 * 4);
  const at = (symbol: string, delta: number) =>
    cells.find((c) => c['data-symbol'] === symbol && c['data-delta'] === String(delta))!;
  // Largest difference 0.5 → the scale is ±0.5.
  const better = at('a', 1);
  assert.equal(Number(better['data-value']), 0.5);
  assert.equal(better.fill, divergingColor(1));
  const [r, , b] = hexToRgb(at(' ', 2).fill!);
  assert.ok(r > b, `A better at ␣, δ 2 is red (${at(' ', 2).fill})`);
  const worse = hexToRgb(at(' ', 1).fill!);
  assert.ok(worse[2] > worse[0], `B better at ␣, δ 1 is blue (${at(' ', 1).fill})`);
  assert.equal(at('b', 1).fill, '#ffffff');
  assert.equal(at('a', 2).fill, '#ffffff');
  assert.match(at('#', 1).class!, /no-data/);
  assert.match(better.title!, /A 100\.0% \(10 of 10\) · B 50\.0% \(5 of 10\) · A − B \+50 pp/);
  // A symmetric colour bar centred at 0, and the names.
  const t = texts(svg);
  for (const tick of ['+50 pp', '+25 pp', '0 pp', '−25 pp', '−50 pp']) assert.ok(t.includes(tick), tick);
  assert.ok(t.some((x) => x.includes('A: first') && x.includes('B: second')));
  assert.ok(t.includes('B better'));
});

test('renderDiffSvg() aligns the alphabets by name and the δs on the common range', () => {
  const a = tinySignature([A], ['a', 'b', ' ', '#']);
  const b = tinySignature([[...B, [0, 0, 0, null]]], ['x', ' ', 'b', 'a']);
  const align = alignSignatures(a, b);
  assert.deepEqual(align.symbols, ['a', 'b', ' ']);
  assert.deepEqual(align.indexB, [3, 2, 1]);
  assert.deepEqual(align.onlyA, ['#']);
  assert.deepEqual(align.onlyB, ['x']);
  const svg = renderDiffSvg(a, b);
  const cells = elements(svg, 'rect', 'cell');
  assert.equal(cells.length, 3 * 2);
  // b's recall of 'a' at δ 1 is its 4th column: null (no data) there.
  const aCell = cells.find((c) => c['data-symbol'] === 'a' && c['data-delta'] === '1')!;
  assert.equal(aCell['data-b'], '');
  assert.match(aCell.class!, /no-data/);
  const bCell = cells.find((c) => c['data-symbol'] === 'b' && c['data-delta'] === '1')!;
  assert.equal(Number(bCell['data-value']), 0.5 - 0.8);
  assert.ok(texts(svg).some((x) => x.includes('only in A: #') && x.includes('only in B: x')));
});

test('renderDiffSvg() refuses signatures that share no symbol', () => {
  const a = tinySignature([A], ['a', 'b', 'c', 'd']);
  const b = tinySignature([B], ['w', 'x', 'y', 'z']);
  assert.throws(
    () => renderDiffSvg(a, b),
    (e: unknown) => e instanceof UserError && /share no symbol/.test(e.message),
  );
});

test('renderDiffSvg() of the real fixtures: layers chosen, bits metric, explicit limit', () => {
  const lstm = loadFixture(LSTM_PATH);
  const gru = loadFixture(GRU_PATH);
  const svg = renderDiffSvg(lstm, gru, { layerA: 2, metric: 'bits', limit: 2 });
  assert.equal(elements(svg, 'rect', 'cell').length, 6 * 30);
  assert.ok(texts(svg).includes('+2'));
  assert.throws(() => renderDiffSvg(lstm, gru, { layerB: 2 }), /no layer 2/);
  assert.equal(renderDiffSvg(lstm, gru), renderDiffSvg(lstm, gru));
});

test('niceCeil() rounds up to a round number', () => {
  assert.equal(niceCeil(0.6, 0.05), 0.6);
  assert.equal(niceCeil(0.61, 0.05), 0.8);
  assert.equal(niceCeil(0.1 + 0.2, 0.05), 0.3);
  assert.equal(niceCeil(0.01, 0.05), 0.05);
  assert.equal(niceCeil(0, 0.05), 0.05);
  assert.equal(niceCeil(3.2, 0.25), 4);
});

/** The same signature with every eval count (and confusion count) multiplied: the same recalls, more evidence. */
function withCountsTimes(sig: ReturnType<typeof tinySignature>, factor: number) {
  for (const layer of sig.layers) {
    for (const d of layer.deltas) {
      d.count = d.count.map((n) => n * factor);
      d.confusion = d.confusion.map((row) => row.map((n) => n * factor));
    }
  }
  return sig;
}

test('renderDiffSvg() marks the recall differences beyond chance (two-proportion test, FDR 5%), and only those', () => {
  const marked = (svg: string) =>
    elements(svg, 'rect', 'cell')
      .filter((c) => c['data-significant'] === '1')
      .map((c) => `${c['data-symbol']}${c['data-delta']}`)
      .sort();
  // Ten positions per cell: even 100% against 50% is not enough once six cells are tested.
  const few = renderDiffSvg(tinySignature([A]), tinySignature([B]));
  assert.deepEqual(marked(few), []);
  assert.match(few, /FDR 5% over 6 cells/);
  const a1 = elements(few, 'rect', 'cell').find((c) => c['data-symbol'] === 'a' && c['data-delta'] === '1')!;
  assert.ok(Number(a1['data-p']) > 0.005 && Number(a1['data-p']) < 0.015, `p ${a1['data-p']}`);
  // A thousand positions per cell: every cell whose recalls differ is marked, the equal ones are not.
  const many = renderDiffSvg(withCountsTimes(tinySignature([A]), 100), withCountsTimes(tinySignature([B]), 100));
  assert.deepEqual(marked(many), [' 1', ' 2', 'a1', 'b2']);
  assert.equal(texts(many).filter((t) => t === '•').length, 4);
  const cell = elements(many, 'rect', 'cell').find((c) => c['data-symbol'] === 'b' && c['data-delta'] === '2')!;
  assert.match(cell.title!, /A − B −20 pp · p = \d\.\de-\d+, beyond chance at FDR 5%/);
  // No test on the bits metric: its cells are not proportions.
  assert.doesNotMatch(renderDiffSvg(tinySignature([A]), tinySignature([B]), { metric: 'bits' }), /FDR/);
});
