// Issue 15: the spread over decoder seeds in the marginal figure (a band of ± 1 sd around each layer's line) and in
// the report's summary table (mean ± sd); signatures of one seed draw neither.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateSignature } from '../../src/io/signature-file.js';
import { renderMarginalSvg } from '../../src/render/marginal.js';
import { summaryTable } from '../../src/render/report-html.js';
import { elements, texts, tinySignature } from './helpers.js';
import { withSeeds } from './probe-fixtures.js';

const RECALLS = [
  [
    [1, 0.8, 0.5, 0.2],
    [0.6, 0.4, 0.4, 0.4],
  ],
  [
    [1, 1, 0.5, 0.5],
    [0.8, 0.6, 0.6, 0.4],
  ],
];
const marginal = (sig = tinySignature(RECALLS), metric: 'accuracy' | 'bits' = 'accuracy') =>
  renderMarginalSvg(sig, { metric, palette: 'purple', label: 'tiny', standalone: true });

/** The polygon's points: the upper edge left to right, then the lower edge right to left. */
function bandEdges(points: string): { upper: number[]; lower: number[] } {
  const ys = points.split(' ').map((p) => Number(p.split(',')[1]));
  const half = ys.length / 2;
  return { upper: ys.slice(0, half), lower: ys.slice(half).reverse() };
}

test('the seeded fixture is a valid signature', () => {
  validateSignature(JSON.parse(JSON.stringify(withSeeds(tinySignature(RECALLS)))), 'seeded');
});

test('marginal figure: a band of ± 1 sd over the seeds per layer, as wide as the spread, and its legend', () => {
  const narrow = elements(marginal(withSeeds(tinySignature(RECALLS), 0.02)), 'polygon', 'seed-band');
  const wide = elements(marginal(withSeeds(tinySignature(RECALLS), 0.05)), 'polygon', 'seed-band');
  assert.deepEqual(
    narrow.map((b) => [b['data-layer'], b['data-seeds']]),
    [
      ['1', '2'],
      ['2', '2'],
    ],
  );
  // The accuracy axis is 150 px for 100%: the band spans 2 sd = 2·√2·half of it, at every δ.
  for (const [bands, half] of [
    [narrow, 0.02],
    [wide, 0.05],
  ] as const) {
    const { upper, lower } = bandEdges(bands[0]!.points!);
    assert.equal(upper.length, 2);
    upper.forEach((y, i) => {
      assert.ok(Math.abs(lower[i]! - y - 150 * 2 * Math.SQRT2 * half) < 0.05, `${y} ${lower[i]}`);
    });
  }
  const svg = marginal(withSeeds(tinySignature(RECALLS)));
  assert.ok(texts(svg).includes('± 1 sd over 2 decoder seeds'));
  // The points' tooltips give the mean, sd and range.
  assert.match(svg, /over 2 decoder seeds: accuracy 62\.5% ± 2\.8 pp \(60\.5%–64\.5%\)/);
});

test('marginal figure, bits: the band is the spread of the information bits', () => {
  const sig = withSeeds(tinySignature(RECALLS), 0.02);
  for (const d of sig.layers[0]!.deltas) d.seeds!.informationBitsSpread.sd = 0.5;
  const band = elements(marginal(sig, 'bits'), 'polygon', 'seed-band')[0]!;
  const { upper, lower } = bandEdges(band.points!);
  // Bits over a 4-symbol alphabet: 2 bits on 150 px, so 2 × 0.5 bits is 75 px.
  upper.forEach((y, i) => {
    assert.ok(Math.abs(lower[i]! - y - 75) < 0.05, `${y} ${lower[i]}`);
  });
});

test('marginal figure of one seed: no band, no band legend', () => {
  const svg = marginal();
  assert.equal(elements(svg, 'polygon', 'seed-band').length, 0);
  assert.ok(!svg.includes('decoder seeds'));
});

test('report summary: accuracy as mean ± sd over the seeds where the signature has them', () => {
  const html = summaryTable(withSeeds(tinySignature(RECALLS), 0.05));
  assert.ok(html.includes('accuracy, mean ± sd over 2 decoder seeds (95% interval)'));
  // Layer 1, δ 1: mean 62.5%, sd 0.05·√2 = 7.1 pp.
  assert.ok(html.includes('data-layer="1" data-delta="1">62.5% <span class="seed-sd">± 7.1 pp</span>'), html);
  assert.equal((html.match(/class="seed-sd"/g) ?? []).length, 4);
  const plain = summaryTable(tinySignature(RECALLS));
  assert.ok(!plain.includes('seed'));
  assert.ok(plain.includes('<th class="num">accuracy (95% interval)</th>'));
});
