import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderReportHtml } from '../../src/render/report-html.js';
import { GRU_PATH, LSTM_PATH, loadFixture, tinySignature } from './helpers.js';

/** Anything that would make a browser fetch something: URLs, src/href to files, stylesheets, imports, scripts. */
function assertSelfContained(html: string): void {
  assert.doesNotMatch(html, /https?:/i, 'no URL');
  assert.doesNotMatch(html, /\ssrc\s*=/i, 'no src=');
  assert.doesNotMatch(html, /<link\b/i, 'no <link>');
  assert.doesNotMatch(html, /@import|url\(/i, 'no CSS import or url()');
  assert.doesNotMatch(html, /<script\b/i, 'no script');
  for (const m of html.matchAll(/href="([^"]*)"/g)) assert.match(m[1]!, /^#/, `in-page links only: ${m[1]}`);
}

test('renderReportHtml() of one signature: metadata, summary table and every figure, self-contained', () => {
  const sig = loadFixture(LSTM_PATH);
  const html = renderReportHtml([{ sig, label: 'LSTM' }], { generator: 'memsig test' });
  assertSelfContained(html);
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /<style>/);
  // Per layer: the signature and the bits heatmap; and the two marginal figures.
  assert.equal((html.match(/<svg/g) ?? []).length, 2 * 2 + 2);
  assert.ok(html.includes('tinyshakespeare.txt'));
  assert.ok(html.includes('2-layer LSTM, 48 units'));
  assert.ok(html.includes('keep probabilities 0.8, 1 swept'));
  assert.match(html, /<table class="summary">/);
  // The summary has every δ × layer accuracy, with chance and p-values.
  for (const layer of sig.layers) {
    for (const d of layer.deltas) {
      assert.ok(html.includes(`data-layer="${layer.layer}" data-delta="${d.delta}">${(100 * d.accuracy).toFixed(1)}%`));
    }
  }
  assert.ok(html.includes('17.2% (␣)'));
  assert.ok(html.includes('&lt; 1e-300'));
  assert.ok(html.includes('Made by memsig test'));
  assert.ok(!html.includes('id="comparison"'), 'no comparison for one signature');
});

test('renderReportHtml() of two signatures adds their comparison and difference', () => {
  const html = renderReportHtml([
    { sig: loadFixture(LSTM_PATH), label: 'LSTM' },
    { sig: loadFixture(GRU_PATH), label: 'GRU' },
  ]);
  assertSelfContained(html);
  // LSTM 2 + 2 + 2, GRU 1 + 2 + 1, comparison 2, difference (layer 1) 1.
  assert.equal((html.match(/<svg/g) ?? []).length, 6 + 4 + 2 + 1);
  assert.ok(html.includes('id="comparison"'));
  assert.ok(html.includes('Signature difference: A: LSTM, layer 1 − B: GRU, layer 1'));
  assert.equal((html.match(/<table class="summary">/g) ?? []).length, 2);
});

test('renderReportHtml() notes signatures that cannot be aligned instead of failing', () => {
  const a = tinySignature([[[1, 0.5, 0, null]]], ['a', 'b', 'c', 'd']);
  const b = tinySignature([[[1, 0.5, 0, null]]], ['w', 'x', 'y', 'z']);
  const html = renderReportHtml([
    { sig: a, label: 'one' },
    { sig: b, label: 'two' },
  ]);
  assert.match(html, /cannot be compared: the two signatures share no symbol/);
});

test('renderReportHtml() escapes labels', () => {
  const html = renderReportHtml([{ sig: tinySignature([[[1, 0.5, 0, null]]]), label: '<b>&"x"' }]);
  assert.ok(html.includes('&lt;b&gt;&amp;&quot;x&quot;'));
  assert.ok(!html.includes('<b>&'));
});

test('renderReportHtml() says a stream corpus (segmentation none) was split into contiguous blocks', () => {
  const sig = loadFixture(LSTM_PATH);
  const stream = { ...sig, corpus: { ...sig.corpus, segmentation: 'none' } };
  const html = renderReportHtml([{ sig: stream, label: 'stream' }], { generator: 'memsig test' });
  assert.ok(html.includes('in contiguous blocks (one stream per file)'));
  assert.ok(!html.includes('by none'));
  assert.ok(renderReportHtml([{ sig, label: 'LSTM' }], { generator: 'memsig test' }).includes('by line (seed 1)'));
});
