import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderAttentionMap } from '../../src/asr/attention-map.js';
import { renderPng } from '../../src/render/png.js';

test('renderAttentionMap(): a labelled SVG (runs of equal shade merged) that src/render/png.ts rasterizes', () => {
  const steps = 3;
  const frames = 40;
  const weights = new Float32Array(steps * frames).fill(1 / frames); // row 0..1 uniform: one band each
  weights.fill(0, 2 * frames, 3 * frames);
  weights[2 * frames + 30] = 1;
  const svg = renderAttentionMap({
    weights,
    steps,
    frames,
    labels: ['a', ' ', '<eos>'],
    frameSeconds: 0.03,
    title: 'Attention of dev utterance x at step 5',
    subtitle: 'align 0.10',
  });
  assert.match(svg, /^<\?xml/);
  assert.match(svg, />␣</);
  assert.match(svg, />&lt;eos&gt;</);
  // Two uniform rows and one peak: three rectangles in the map.
  const cells = svg.slice(svg.indexOf('<g shape-rendering'), svg.indexOf('</g>'));
  assert.equal(cells.match(/<rect /g)?.length, 3);
  const png = renderPng(svg, { scale: 1, loadSystemFonts: false });
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
});
