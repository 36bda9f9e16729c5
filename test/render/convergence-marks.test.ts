import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unconvergedDeltas } from '../../src/analysis/convergence.js';
import type { Signature } from '../../src/analysis/signature-types.js';
import { validateSignature } from '../../src/io/signature-file.js';
import { renderCompareSvg } from '../../src/render/compare.js';
import { convergenceWords, gainPoints, isNotConverged } from '../../src/render/convergence-marks.js';
import { renderDiffSvg } from '../../src/render/diff.js';
import { renderPng } from '../../src/render/png.js';
import { renderReportHtml } from '../../src/render/report-html.js';
import { renderSignatureSvg } from '../../src/render/signature-figure.js';
import {
  elements,
  LSTM_PATH,
  LSTM_V2_PATH,
  LSTM_V2_UNCONVERGED,
  loadFixture,
  lstmV2,
  texts,
  tinySignature,
  withLearningCurves,
} from './helpers.js';

const v1 = loadFixture(LSTM_PATH);
const v2 = loadFixture(LSTM_V2_PATH);
const NOTE = 'not converged: more data or epochs would still raise it';

/** The δ of `layer` the fixture leaves not converged, sorted. */
function expected(layer: 1 | 2): number[] {
  const u = LSTM_V2_UNCONVERGED[layer];
  return [...u.data, ...u.epochs].sort((a, b) => a - b);
}

/** The δ whose row labels carry data-converged="false". */
function markedRows(svg: string): number[] {
  return elements(svg, 'text', 'row-label')
    .filter((t) => t['data-converged'] === 'false')
    .map((t) => Number(t['data-delta']))
    .sort((a, b) => a - b);
}

/** Every footnote's text, tags stripped. */
function footnotes(svg: string): string[] {
  return [...svg.matchAll(/<text [^>]*class="footnote"[^>]*>(.*?)<\/text>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ''));
}

test('the version-2 fixture is lstmV2() as written, valid, and not converged exactly where the tests expect', () => {
  assert.deepEqual(v2, JSON.parse(JSON.stringify(lstmV2())));
  validateSignature(structuredClone(v2), 'lstm-2layer-v2.json');
  assert.equal(v2.version, 2);
  assert.deepEqual(unconvergedDeltas(v2.layers[0]!), expected(1));
  assert.deepEqual(unconvergedDeltas(v2.layers[1]!), expected(2));
  // One of them by epochs: still rising at the cap, its data gain within the noise.
  const capped = v2.layers[0]!.deltas[5]!.convergence!;
  assert.equal(capped.curve.fullEnd, 'cap');
  assert.ok(capped.epochGain! > 0.005);
});

test('the signature heatmap marks † beside exactly the unconverged δ and keeps every cell’s colour', () => {
  for (const layer of [1, 2] as const) {
    const svg = renderSignatureSvg(v2, { layer });
    assert.deepEqual(markedRows(svg), expected(layer));
    const cells = elements(svg, 'rect', 'cell');
    const plain = elements(renderSignatureSvg(v1, { layer }), 'rect', 'cell');
    assert.deepEqual(
      cells.map((c) => c.fill),
      plain.map((c) => c.fill),
      'the same colours: the data is not hidden',
    );
    for (const c of cells) {
      const unconverged = expected(layer).includes(Number(c['data-delta']));
      assert.equal(c['data-converged'], unconverged ? 'false' : undefined, `δ ${c['data-delta']}`);
      if (unconverged) assert.match(c.title!, /decoder not converged/);
    }
    assert.match(svg, /class="row-label marked"[^>]*>4<tspan fill="#b4400c" font-weight="bold">†<\/tspan><\/text>/);
    assert.deepEqual(footnotes(svg), [`† ${NOTE}`]);
  }
  // The bits heatmap carries the same marks.
  assert.deepEqual(markedRows(renderSignatureSvg(v2, { layer: 2, metric: 'bits' })), expected(2));
});

test('beyond 20 rows, an unnumbered row still gets its †', () => {
  const rows = Array.from({ length: 25 }, () => [0.5, 0.5, 0.5, null]);
  const sig = withLearningCurves(tinySignature([rows]), { 1: { data: [7, 10], epochs: [] } });
  const svg = renderSignatureSvg(sig);
  assert.deepEqual(markedRows(svg), [7, 10]);
  assert.match(svg, /data-delta="7" data-layer="1" data-converged="false"><tspan[^>]*>†<\/tspan><\/text>/);
  assert.match(svg, /data-delta="10" data-layer="1" data-converged="false">10<tspan[^>]*>†<\/tspan><\/text>/);
  assert.ok(texts(svg).includes('5'), 'the other labels as before');
});

test('a version-2 signature whose decoders all converged draws every figure exactly as its version-1 self', () => {
  const converged = withLearningCurves(v1, {});
  assert.ok(converged.layers.every((l) => l.deltas.every((d) => d.convergence && !isNotConverged(d))));
  for (const options of [
    { kind: 'signature', layer: 1 },
    { kind: 'signature', layer: 2, metric: 'bits' },
    { kind: 'marginal' },
    { kind: 'marginal', metric: 'bits' },
    { kind: 'confusion', delta: 4 },
  ] as const) {
    assert.equal(renderSignatureSvg(converged, options), renderSignatureSvg(v1, options), JSON.stringify(options));
  }
  const pair = (s: Signature) => [
    { sig: s, label: 'a' },
    { sig: v1, label: 'b', layer: 2 },
  ];
  assert.equal(renderCompareSvg(pair(converged)), renderCompareSvg(pair(v1)));
  assert.equal(
    renderCompareSvg(pair(converged), { kind: 'marginal' }),
    renderCompareSvg(pair(v1), { kind: 'marginal' }),
  );
  assert.equal(renderDiffSvg(converged, v1), renderDiffSvg(v1, v1));
  for (const svg of [renderSignatureSvg(v1), renderSignatureSvg(v1, { kind: 'marginal' }), renderDiffSvg(v1, v1)]) {
    assert.doesNotMatch(svg, /converged|†|‡|footnote/);
  }
});

test('the marginal figure draws unconverged decoders as hollow rings and † in the table, with a legend entry', () => {
  const svg = renderSignatureSvg(v2, { kind: 'marginal' });
  const points = elements(svg, 'circle', 'point');
  assert.equal(points.length, 12, 'every decoder is still drawn');
  const hollow = points.filter((p) => p['data-converged'] === 'false');
  const want = [1, 2].flatMap((l) => expected(l as 1 | 2).map((d) => `${l}/${d}`)).sort();
  assert.deepEqual(hollow.map((p) => `${p['data-layer']}/${p['data-delta']}`).sort(), want);
  for (const p of hollow) {
    assert.equal(p.fill, '#ffffff');
    assert.match(p.class!, /not-converged/);
    assert.match(p.title!, /decoder not converged/);
  }
  for (const p of points.filter((p) => p['data-converged'] === undefined)) assert.notEqual(p.fill, '#ffffff');
  const cells = elements(svg, 'rect', 'cell').filter((c) => c['data-converged'] === 'false');
  assert.deepEqual(cells.map((c) => `${c['data-layer']}/${c['data-delta']}`).sort(), want);
  assert.ok(texts(svg).includes('25%†'), 'the number keeps its place, marked');
  assert.ok(texts(svg).includes(`${NOTE} († in the table)`));
  assert.equal(elements(svg, 'circle', 'legend-not-converged').length, 1);
});

test('comparison panels carry each panel’s marks and one footnote', () => {
  const svg = renderCompareSvg([
    { sig: v2, label: 'v2', layer: 1 },
    { sig: v1, label: 'v1', layer: 1 },
    { sig: v2, label: 'v2', layer: 2 },
  ]);
  const labels = elements(svg, 'text', 'row-label').filter((t) => t['data-converged'] === 'false');
  assert.deepEqual(
    labels.map((t) => `${t['data-layer']}/${t['data-delta']}`),
    [...expected(1).map((d) => `1/${d}`), ...expected(2).map((d) => `2/${d}`)],
  );
  assert.deepEqual(footnotes(svg), [`† ${NOTE}`]);
  const marginal = renderCompareSvg(
    [
      { sig: v2, label: 'v2', layer: 2 },
      { sig: v1, label: 'v1', layer: 2 },
    ],
    { kind: 'marginal' },
  );
  const hollow = elements(marginal, 'circle', 'point').filter((p) => p['data-converged'] === 'false');
  assert.deepEqual(
    hollow.map((p) => `${p['data-series']}/${p['data-delta']}`),
    expected(2).map((d) => `0/${d}`),
  );
});

test('a difference marks † where A’s decoder is not converged and ‡ where B’s is', () => {
  const svg = renderDiffSvg(v2, v2, { layerA: 1, layerB: 2 });
  const labels = elements(svg, 'text', 'row-label').filter((t) => t.class!.includes('marked'));
  const a = expected(1);
  const b = expected(2);
  for (const t of labels) {
    const d = Number(t['data-delta']);
    assert.equal(t['data-converged-a'], a.includes(d) ? 'false' : undefined);
    assert.equal(t['data-converged-b'], b.includes(d) ? 'false' : undefined);
  }
  assert.deepEqual(labels.map((t) => Number(t['data-delta'])).sort(), [...new Set([...a, ...b])].sort());
  assert.match(svg, />4<tspan[^>]*>†‡<\/tspan>/);
  assert.match(svg, />3<tspan[^>]*>‡<\/tspan>/);
  assert.match(svg, />6<tspan[^>]*>†<\/tspan>/);
  assert.deepEqual(footnotes(svg), [`† A’s decoder, ‡ B’s decoder ${NOTE}`]);
  const cell = elements(svg, 'rect', 'cell').find((c) => c['data-delta'] === '6' && c['data-symbol'] === 'e')!;
  assert.equal(cell['data-converged-a'], 'false');
  assert.match(cell.title!, /A: decoder not converged/);
  // Only B marked: its footnote names B alone.
  assert.deepEqual(footnotes(renderDiffSvg(v1, v2, { layerB: 2 })), [`‡ B’s decoder ${NOTE}`]);
});

test('the confusion matrix of an unconverged decoder says so in its title and a footnote', () => {
  const svg = renderSignatureSvg(v2, { kind: 'confusion', delta: 4 });
  assert.ok(texts(svg).some((t) => t.includes('δ = 4† · confusion matrix')));
  assert.deepEqual(footnotes(svg), [`† ${NOTE}`]);
  assert.deepEqual(footnotes(renderSignatureSvg(v2, { kind: 'confusion', delta: 2 })), []);
});

test('the report lists the unconverged δ per layer, marks them in the summary and describes the schedule', () => {
  const html = renderReportHtml([{ sig: v2, label: 'LSTM v2' }]);
  assert.match(html, /<h3>Convergence<\/h3>/);
  assert.match(html, /<li data-layer="1" data-not-converged="4 6">Layer 1: the decoders of δ = 4, 6 are not converged/);
  assert.match(
    html,
    /<li data-layer="2" data-not-converged="3 4 5">Layer 2: the decoders of δ = 3–5 are not converged/,
  );
  const marked = [
    ...html.matchAll(/data-layer="(\d)" data-delta="(\d)" data-converged="false">[\d.]+%<span class="mark">†/g),
  ];
  assert.deepEqual(
    marked.map((m) => `${m[1]}/${m[2]}`),
    ['2/3', '1/4', '2/4', '2/5', '1/6'],
    'summary cells, in δ order',
  );
  // What each curve says: the data gain ± two standard errors, the epoch gain, how each stage ended.
  assert.match(html, /<tr data-layer="1" data-delta="4">.*\+3\.0 ± 0\.8 pp \(3,593 → 7,187 train positions\)/);
  assert.match(html, /<tr data-layer="1" data-delta="6">.*\+0\.7 pp \(stopped at the epoch cap\).*all: 12 epochs, cap/);
  assert.match(html, /swept by successive halving: each trains 1 epoch, then the best by mean dev accuracy trains on/);
  assert.match(html, /first on a random half of the train positions, then on all of them/);
  assert.match(
    html,
    /the learning rate × 0\.25 at a plateau, up to 2 times, the next plateau ending it; at most 12 epochs a stage/,
  );
  assert.match(html, /by more than 0\.5 points/);
  // A version-1 report has none of it.
  const old = renderReportHtml([{ sig: v1, label: 'LSTM' }]);
  assert.doesNotMatch(old, /Convergence|data-converged|successive halving|class="mark"/);
  assert.match(old, /keep probabilities 0\.8, 1 swept; up to 5 epochs, patience 2, batch 256/);
  // Every decoder converged: said per layer, no table of gains.
  const calm = renderReportHtml([{ sig: withLearningCurves(v1, {}), label: 'calm' }]);
  assert.match(calm, /Layer 1: every decoder converged\./);
  assert.doesNotMatch(calm, /<table class="convergence">/);
});

test('convergenceWords(): the data gain ± 2 s.e., the epoch gain and the verdict in words', () => {
  const w = convergenceWords(v2.layers[0]!.deltas[3]!.convergence!);
  assert.equal(w.data, '+3.0 ± 0.8 pp (3,593 → 7,187 train positions)');
  assert.equal(w.epochs, '0.0 pp (ended on a plateau)');
  assert.equal(w.verdict, NOTE);
  const none = convergenceWords({
    converged: false,
    dataGain: null,
    epochGain: null,
    curve: { ...v2.layers[0]!.deltas[3]!.convergence!.curve, half: [], full: [], dataGainStdError: null },
  });
  assert.match(none.data, /^n\/a/);
  assert.match(none.epochs, /never trained on all positions/);
  assert.equal(gainPoints(-0.0123), '−1.2 pp');
  assert.equal(gainPoints(null), 'n/a');
});

test('figures with marks are well-formed SVG (resvg parses them strictly)', () => {
  for (const svg of [
    renderSignatureSvg(v2, { layer: 2 }),
    renderSignatureSvg(v2, { kind: 'marginal' }),
    renderDiffSvg(v2, v2, { layerA: 1, layerB: 2 }),
  ]) {
    assert.ok(renderPng(svg, { scale: 0.5, loadSystemFonts: false }).length > 100);
  }
});
