import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import { renderPng } from '../../src/render/png.js';
import { renderSignatureSvg } from '../../src/render/signature-figure.js';
import { elements, LSTM_PATH, loadFixture, svgSize } from './helpers.js';

function decode(bytes: Uint8Array): PNG {
  return PNG.sync.read(Buffer.from(bytes));
}

function pixel(png: PNG, x: number, y: number): [number, number, number] {
  const i = (png.width * Math.floor(y) + Math.floor(x)) * 4;
  return [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
}

function near(actual: [number, number, number], expected: [number, number, number], tolerance = 3): boolean {
  return actual.every((c, i) => Math.abs(c - expected[i]!) <= tolerance);
}

test('renderPng() rasterizes a signature at scale: size, background, and the colours of known cells', () => {
  const sig = loadFixture(LSTM_PATH);
  const svg = renderSignatureSvg(sig, { layer: 1 });
  const scale = 2;
  const png = decode(renderPng(svg, { scale }));
  const size = svgSize(svg);
  assert.equal(png.width, size.width * scale);
  assert.equal(png.height, size.height * scale);
  assert.deepEqual(pixel(png, 1, 1), [255, 255, 255], 'white background');
  const cells = elements(svg, 'rect', 'cell');
  const centre = (symbol: string, delta: number) => {
    const c = cells.find((c) => c['data-symbol'] === symbol && c['data-delta'] === String(delta))!;
    return [(Number(c.x) + Number(c.width) / 2) * scale, (Number(c.y) + Number(c.height) / 2) * scale] as const;
  };
  // Space one step back is recalled every time in this fixture: the darkest purple.
  assert.equal(sig.layers[0]!.deltas[0]!.recall[sig.alphabet.indexOf(' ')], 1);
  const [sx, sy] = centre(' ', 1);
  assert.ok(near(pixel(png, sx, sy), [0x3f, 0x00, 0x7d]), `space, δ 1: ${pixel(png, sx, sy)}`);
  // 'j' one step back is never recalled: white.
  assert.equal(sig.layers[0]!.deltas[0]!.recall[sig.alphabet.indexOf('j')], 0);
  const [jx, jy] = centre('j', 1);
  assert.ok(near(pixel(png, jx, jy), [255, 255, 255]), `j, δ 1: ${pixel(png, jx, jy)}`);
});

test('renderPng() defaults to 3× and is deterministic', () => {
  const svg = renderSignatureSvg(loadFixture(LSTM_PATH), { kind: 'forward' });
  const a = renderPng(svg);
  const b = renderPng(svg);
  assert.deepEqual(a, b);
  assert.equal(decode(a).width, svgSize(svg).width * 3);
  assert.throws(() => renderPng(svg, { scale: 0 }), RangeError);
});
