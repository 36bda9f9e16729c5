import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Signature } from '../../src/analysis/signature-types.js';
import { UserError } from '../../src/core/errors.js';
import { validateSignature } from '../../src/io/signature-file.js';
import { sequentialColor } from '../../src/render/colors.js';
import { signedPoints } from '../../src/render/marginal.js';
import { cellValues, colorBarTicks, excessAccuracy, hasTextBaseline } from '../../src/render/metric.js';
import { renderReportHtml } from '../../src/render/report-html.js';
import { renderSignatureSvg } from '../../src/render/signature-figure.js';
import { elements, texts, tinySignature } from './helpers.js';

/**
 * tinySignature(recalls) with a text-only baseline whose recall per δ and symbol is `text[δ−1][symbol]`: the
 * pairing counts are the smallest that agree with both accuracies (every symbol has 10 eval positions).
 */
function withTextBaseline(sig: Signature, text: (number | null)[][]): Signature {
  for (const layer of sig.layers) {
    layer.deltas.forEach((d, i) => {
      const recall = text[i]!;
      const correct = recall.reduce<number>((n, r, s) => n + (d.count[s]! > 0 ? Math.round((r ?? 0) * 10) : 0), 0);
      const decoderCorrect = d.confusion.reduce((n, row, s) => n + row[s]!, 0);
      const n = d.positions.eval;
      const diff = decoderCorrect - correct;
      d.textBaseline = {
        order: 10,
        context: Math.min(d.delta, 9),
        accuracy: correct / n,
        accuracyInterval: { low: 0, high: 1 },
        recall: recall.map((r, s) => (d.count[s]! > 0 ? r : null)),
        crossEntropyBits: 1,
        decoderOnly: Math.max(0, diff),
        baselineOnly: Math.max(0, -diff),
        excessPValue: diff > 0 ? 1e-6 : 1,
        excessInterval: { low: diff / n - 0.05, high: diff / n + 0.05 },
      };
    });
  }
  return sig;
}

// Layer 1 of two δ over a b ␣ #: the decoder recalls 1, 0.8, 0.5, 0.2 at δ = 1 and 0.4 … at δ = 2; the text alone
// 0.3, 0.8, 0.6, 0.2 and 0.5 … (so one cell of δ = 1 lies below the baseline, and all of δ = 2 at or under it).
function sample(): Signature {
  return withTextBaseline(
    tinySignature([
      [
        [1, 0.8, 0.5, 0.2],
        [0.4, 0.4, 0.4, 0.4],
      ],
    ]),
    [
      [0.3, 0.8, 0.6, 0.2],
      [0.5, 0.4, 0.4, 0.4],
    ],
  );
}

test('the sample is a valid signature with a text-only baseline', () => {
  const sig = sample();
  assert.equal(hasTextBaseline(sig.layers), true);
  validateSignature(JSON.parse(JSON.stringify(sig)), 'sample');
});

test("cellValues('excess') is the decoder's recall minus the baseline's, symbol by symbol", () => {
  const d = sample().layers[0]!.deltas[0]!;
  const values = cellValues(d, 'excess');
  [0.7, 0, -0.1, 0].forEach((want, s) => {
    assert.ok(Math.abs(values[s]! - want) < 1e-12, `symbol ${s}: ${values[s]}`);
  });
  assert.ok(Math.abs(excessAccuracy(d)! - (2.5 - 1.9) / 4) < 1e-12);
  // Without a baseline there is nothing to subtract from.
  const old = tinySignature([[[1, 1, 1, 1]]]).layers[0]!.deltas[0]!;
  assert.deepEqual(cellValues(old, 'excess'), [null, null, null, null]);
  assert.equal(excessAccuracy(old), null);
});

test('kind signature, metric excess: cells are recall above the text alone, those under it coloured as 0', () => {
  const svg = renderSignatureSvg(sample(), { metric: 'excess' });
  const cells = elements(svg, 'rect', 'cell');
  const at = (delta: number, symbol: string) =>
    cells.find((c) => c['data-delta'] === `${delta}` && c['data-symbol'] === symbol)!;
  assert.ok(Math.abs(Number(at(1, 'a')['data-value']) - 0.7) < 1e-12);
  assert.ok(Math.abs(Number(at(1, ' ')['data-value']) + 0.1) < 1e-12);
  assert.equal(at(1, ' ').fill, sequentialColor('purple', 0));
  assert.equal(at(1, 'a').fill, sequentialColor('purple', 0.7));
  assert.match(at(1, 'a').title!, /\+70\.0 pp above the text alone · recall 100\.0% .* · text alone 30\.0%/);
  const words = texts(svg);
  assert.ok(words.some((t) => t.includes('above the text alone')));
  assert.ok(
    words.some((t) => /text alone 42\.5–47\.5%/.test(t)),
    words.join(' | '),
  );
  assert.ok(words.includes('≤0 pp') && words.includes('+100 pp'));
  // The forward strip is accuracy: drawn with the recall heatmap only.
  assert.equal(elements(svg, 'rect', 'fwd-cell').length, 0);
});

test('kind marginal, metric excess: a table of points above the text alone, and accuracy against it dashed', () => {
  const sig = sample();
  const svg = renderSignatureSvg(sig, { kind: 'marginal', metric: 'excess' });
  const cells = elements(svg, 'rect', 'cell');
  const [d1, d2] = sig.layers[0]!.deltas;
  assert.deepEqual(
    cells.map((c) => Number(c['data-value'])),
    [d1!.accuracy - d1!.textBaseline!.accuracy, d2!.accuracy - d2!.textBaseline!.accuracy],
  );
  const words = texts(svg);
  assert.ok(words.includes('+15') && words.includes('−2'), words.join(' | '));
  assert.ok(words.includes('text'));
  // The text-only accuracy beside each row, where the chance column stands for the other metrics.
  assert.equal(elements(svg, 'text', 'chance-value').length, 2);
  assert.ok(svg.includes('>48%<') && svg.includes('>43%<'), 'the text-only accuracy beside each row');
  assert.ok(words.some((t) => t.startsWith('text alone: the best guess')));
  // The dashed line runs through the text-only accuracy (y grows downwards: the δ = 1 point is higher).
  const line = /<polyline class="chance-line" points="([^"]+)"/.exec(svg)![1]!.split(' ');
  const ys = line.map((p) => Number(p.split(',')[1]));
  assert.ok(ys[0]! < ys[1]!);
  // The points' tooltips say the excess with its interval and test.
  const point = elements(svg, 'circle', 'point')[0]!;
  assert.match(point.title!, /text alone 47\.5%, excess \+15\.0 pp \(\+10\.0 pp to \+20\.0 pp, p /);
});

test('metric excess refuses a signature written before the baseline, with a one-line reason', () => {
  const old = tinySignature([[[1, 1, 1, 1]]]);
  for (const kind of ['signature', 'marginal'] as const) {
    assert.throws(
      () => renderSignatureSvg(old, { kind, metric: 'excess' }),
      (e: unknown) => e instanceof UserError && /no text-only baseline .* compute it again/.test(e.message),
    );
  }
  // The other metrics draw it as before.
  assert.ok(renderSignatureSvg(old, { metric: 'accuracy' }).includes('<svg'));
});

test('signedPoints() and the excess colour bar', () => {
  assert.equal(signedPoints(0.5234), '+52.3 pp');
  assert.equal(signedPoints(-0.04), '−4.0 pp');
  assert.equal(signedPoints(0.0001), '0 pp');
  assert.equal(signedPoints(-0.151, 0, ''), '−15');
  assert.deepEqual(
    colorBarTicks('excess', 1).map((t) => t.label),
    ['≤0 pp', '+25 pp', '+50 pp', '+75 pp', '+100 pp'],
  );
});

test('renderReportHtml() adds the text-only column and the excess figures where the signature has a baseline', () => {
  const html = renderReportHtml([{ sig: sample(), label: 'with' }], { generator: 'memsig test' });
  assert.match(html, /<th rowspan="2" class="num">text alone<\/th>/);
  assert.deepEqual(
    [...html.matchAll(/<td class="num text-baseline">([^<]*)<\/td>/g)].map((m) => m[1]),
    ['47.5%', '42.5%'],
  );
  assert.match(html, /Recall above what the text alone explains/);
  assert.match(html, /Recall above the text alone, layer 1/);
  const old = renderReportHtml([{ sig: tinySignature([[[1, 1, 1, 1]]]), label: 'old' }], { generator: 'memsig test' });
  assert.doesNotMatch(old, /text alone/);
});
