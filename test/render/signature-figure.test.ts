import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserError } from '../../src/core/errors.js';
import { validateSignature } from '../../src/io/signature-file.js';
import { sequentialColor } from '../../src/render/colors.js';
import { renderPng } from '../../src/render/png.js';
import { symbolInformationBits } from '../../src/render/signature-data.js';
import { renderSignatureSvg } from '../../src/render/signature-figure.js';
import { elements, GRU_PATH, LSTM_PATH, loadFixture, texts, tinySignature } from './helpers.js';

// Layer 1: δ 1..3 × symbols a, b, space, # (# never occurs: no data).
const L1 = [
  [1, 0.5, 0, null],
  [0.5, 0, 1, null],
  [0, 0, 0.2, null],
];
const L2 = [
  [0.9, 0.4, 0.1, null],
  [0.3, 0.1, 0.6, null],
  [0.1, 0, 0.3, null],
];
const tiny = () => tinySignature([L1, L2]);

test('the hand-made signature of these tests is valid', () => {
  validateSignature(JSON.parse(JSON.stringify(tiny())), 'tiny');
});

test('renderSignatureSvg() draws one inspectable cell per δ and symbol, δ = 1 on top', () => {
  const sig = tiny();
  const svg = renderSignatureSvg(sig, { layer: 1 });
  const cells = elements(svg, 'rect', 'cell');
  assert.equal(cells.length, 3 * 4);
  for (const c of cells) {
    const d = Number(c['data-delta']);
    const s = sig.alphabet.indexOf(c['data-symbol']!);
    assert.ok(s >= 0, `symbol ${c['data-symbol']}`);
    const recall = sig.layers[0]!.deltas[d - 1]!.recall[s]!;
    assert.equal(c['data-value'], recall === null ? '' : String(recall));
    assert.equal(c['data-count'], String(sig.layers[0]!.deltas[d - 1]!.count[s]));
    assert.equal(c['data-layer'], '1');
    assert.ok(c.title && c.title.length > 0, 'a tooltip');
  }
  const at = (symbol: string, delta: number) =>
    cells.find((c) => c['data-symbol'] === symbol && c['data-delta'] === String(delta))!;
  // Known colours: 0 → white, 1 → the darkest purple, 0.5 → stop 4 of 8 (#9e9ac8).
  assert.equal(at('a', 1).fill, '#3f007d');
  assert.equal(at('b', 1).fill, '#9e9ac8');
  assert.equal(at(' ', 1).fill, '#ffffff');
  assert.equal(at(' ', 3).fill, sequentialColor('purple', 0.2));
  // No data: hatched, classed, and said so in the tooltip and the legend.
  assert.match(at('#', 1).class!, /no-data/);
  assert.match(at('#', 1).title!, /no data/);
  assert.ok(texts(svg).includes('no data'));
  // δ = 1 is the top row; symbols run left to right in alphabet order.
  assert.ok(Number(at('a', 1).y) < Number(at('a', 2).y));
  assert.ok(Number(at('a', 1).x) < Number(at('b', 1).x));
  // The tooltip has the symbol, δ, count, recall and chance.
  assert.match(at('b', 1).title!, /'b' · δ 1 · layer 1: recall 50\.0% \(5 of 10\) · chance 33\.3% \(its prior\)/);
});

test('renderSignatureSvg() labels the axes, the title, the subtitle and the colour bar', () => {
  const svg = renderSignatureSvg(tiny(), { layer: 2 });
  const t = texts(svg);
  assert.ok(t.some((x) => x.includes('tiny test model') && x.includes('layer 2') && x.includes('state c')));
  assert.ok(
    t.some((x) => /30 eval positions · chance 33\.3%/.test(x)),
    t.join(' | '),
  );
  assert.ok(t.includes('symbol'));
  assert.ok(t.some((x) => x.startsWith('δ')));
  assert.ok(t.includes('␣'), 'space is shown as ␣');
  for (const tick of ['0%', '50%', '100%', 'recall']) assert.ok(t.includes(tick), tick);
  for (const d of ['1', '2', '3']) assert.ok(t.includes(d));
});

test('the forward strip sits under the heatmap, column for column', () => {
  const sig = tiny();
  const svg = renderSignatureSvg(sig, { layer: 1 });
  const cells = elements(svg, 'rect', 'cell');
  const strip = elements(svg, 'rect', 'fwd-cell');
  assert.equal(strip.length, sig.alphabet.length);
  const heatBottom = Math.max(...cells.map((c) => Number(c.y) + Number(c.height)));
  for (const f of strip) {
    const above = cells.find((c) => c['data-symbol'] === f['data-symbol'])!;
    assert.equal(f.x, above.x, `column of ${f['data-symbol']}`);
    assert.equal(f.width, above.width);
    assert.ok(Number(f.y) > heatBottom);
  }
  assert.equal(strip.find((f) => f['data-symbol'] === 'a')!.fill, '#3f007d');
  assert.equal(strip.find((f) => f['data-symbol'] === 'b')!.fill, '#ffffff');
  // Without forward accuracy, there is no strip.
  const bare = renderSignatureSvg(tinySignature([L1], undefined, false));
  assert.equal(elements(bare, 'rect', 'fwd-cell').length, 0);
});

test('renderSignatureSvg() is deterministic', () => {
  const sig = loadFixture(LSTM_PATH);
  for (const kind of ['signature', 'forward', 'marginal'] as const) {
    assert.equal(renderSignatureSvg(sig, { kind }), renderSignatureSvg(structuredClone(sig), { kind }));
  }
});

test('metric bits: each cell is the symbol information KL(P(guess | s) ‖ P(guess)) from the confusion matrix', () => {
  const sig = tiny();
  const svg = renderSignatureSvg(sig, { layer: 1, metric: 'bits' });
  const cells = elements(svg, 'rect', 'cell');
  const d1 = sig.layers[0]!.deltas[0]!;
  const bits = symbolInformationBits(d1);
  for (const c of cells.filter((c) => c['data-delta'] === '1')) {
    const s = sig.alphabet.indexOf(c['data-symbol']!);
    assert.equal(c['data-value'], bits[s] === null ? '' : String(bits[s]));
  }
  // The strip is accuracy: not drawn on a bits figure.
  assert.equal(elements(svg, 'rect', 'fwd-cell').length, 0);
  assert.ok(texts(svg).includes('bits'));
  assert.ok(texts(svg).includes('≥2'), 'the bits scale tops at ⌈log2 V⌉ = 2');
});

test('symbolInformationBits(): a perfect decoder gives log2(1/frequency), a constant one 0', () => {
  const perfect = tinySignature([[[1, 1, 1, null]]]).layers[0]!.deltas[0]!;
  const bits = symbolInformationBits(perfect);
  for (let s = 0; s < 3; s++) assert.ok(Math.abs(bits[s]! - Math.log2(3)) < 1e-12);
  assert.equal(bits[3], null);
  // Always guessing 'b' (every row's mass in column 1) tells nothing.
  const constant = structuredClone(perfect);
  constant.confusion = [
    [0, 10, 0, 0],
    [0, 10, 0, 0],
    [0, 10, 0, 0],
    [0, 0, 0, 0],
  ];
  assert.deepEqual(symbolInformationBits(constant), [0, 0, 0, null]);
});

test('kind forward draws the strip alone; a signature without it is a UserError', () => {
  const sig = tiny();
  const svg = renderSignatureSvg(sig, { kind: 'forward' });
  assert.equal(elements(svg, 'rect', 'fwd-cell').length, 4);
  assert.equal(elements(svg, 'rect', 'cell').length, 0);
  assert.throws(
    () => renderSignatureSvg(tinySignature([L1], undefined, false), { kind: 'forward' }),
    (e: unknown) => e instanceof UserError && /no forward/.test(e.message),
  );
});

test('kind marginal: a δ × layer table with numbers, accuracy lines, Wilson bars and the chance line', () => {
  const sig = loadFixture(LSTM_PATH);
  const svg = renderSignatureSvg(sig, { kind: 'marginal' });
  const cells = elements(svg, 'rect', 'cell');
  assert.equal(cells.length, sig.maxDelta * sig.layers.length);
  for (const c of cells) {
    const d = sig.layers[Number(c['data-layer']) - 1]!.deltas[Number(c['data-delta']) - 1]!;
    assert.equal(c['data-value'], String(d.accuracy));
    assert.match(c.title!, /95% interval/);
  }
  assert.equal(elements(svg, 'polyline', 'chance-line').length, 1, 'one shared chance line');
  assert.equal(elements(svg, 'polyline', 'series').length, 2);
  assert.equal(elements(svg, 'path', 'error-bars').length, 2);
  assert.equal(elements(svg, 'circle', 'point').length, 12);
  assert.ok(texts(svg).some((t) => t.startsWith('chance')));
  assert.ok(texts(svg).includes('78%'), 'numbers in the cells');
  // One layer only, and bits.
  const one = renderSignatureSvg(sig, { kind: 'marginal', layer: 2, metric: 'bits' });
  assert.equal(elements(one, 'rect', 'cell').length, sig.maxDelta);
  assert.equal(elements(one, 'rect', 'cell')[0]!['data-value'], String(sig.layers[1]!.deltas[0]!.informationBits));
  assert.ok(texts(one).some((t) => t.startsWith('prior entropy')));
});

test('kind confusion: rows true, columns guessed, row-normalized colours and counts in the tooltips', () => {
  const sig = loadFixture(GRU_PATH);
  const svg = renderSignatureSvg(sig, { kind: 'confusion', delta: 2 });
  const cells = elements(svg, 'rect', 'cell');
  const V = sig.alphabet.length;
  assert.equal(cells.length, V * V);
  const d = sig.layers[0]!.deltas[1]!;
  const e = cells.find((c) => c['data-symbol'] === 'e' && c['data-predicted'] === 'e')!;
  const i = sig.alphabet.indexOf('e');
  assert.equal(e['data-count'], String(d.confusion[i]![i]));
  assert.equal(Number(e['data-value']), d.confusion[i]![i]! / d.count[i]!);
  assert.equal(e.fill, sequentialColor('purple', d.confusion[i]![i]! / d.count[i]!));
  assert.match(e.title!, new RegExp(`${d.confusion[i]![i]} of ${d.count[i]}`));
  assert.throws(() => renderSignatureSvg(sig, { kind: 'confusion' }), UserError);
  assert.throws(() => renderSignatureSvg(sig, { kind: 'confusion', delta: 7 }), /δ = 1 to 6/);
});

test('a layer that does not exist is a UserError naming the layers there are', () => {
  assert.throws(
    () => renderSignatureSvg(loadFixture(LSTM_PATH), { layer: 3 }),
    (e: unknown) => e instanceof UserError && /no layer 3 \(the signature has layers 1 and 2\)/.test(e.message),
  );
});

test('the green palette runs from dark green (0%) to pale (100%), as in the paper’s Figure 4', () => {
  const svg = renderSignatureSvg(tiny(), { palette: 'green' });
  const cells = elements(svg, 'rect', 'cell');
  const at = (symbol: string) => cells.find((c) => c['data-symbol'] === symbol && c['data-delta'] === '1')!;
  assert.equal(at(' ').fill, '#004529');
  assert.equal(at('a').fill, '#f7fcb9');
});

test('every figure is well-formed SVG (resvg parses it strictly)', () => {
  const sig = loadFixture(LSTM_PATH);
  for (const options of [
    { kind: 'signature' },
    { kind: 'signature', metric: 'bits', palette: 'green' },
    { kind: 'forward' },
    { kind: 'marginal' },
    { kind: 'confusion', delta: 1 },
  ] as const) {
    const png = renderPng(renderSignatureSvg(sig, options), { scale: 0.5, loadSystemFonts: false });
    assert.ok(png.length > 100, JSON.stringify(options));
  }
});
