import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pValueClause, pValueText } from '../../src/render/svg.js';

test('a p-value reads as people write it: two significant digits, exponent form below 0.001, underflow said', () => {
  assert.equal(pValueText(0.031), '0.031');
  assert.equal(pValueText(0.5), '0.5');
  assert.equal(pValueText(1), '1');
  assert.equal(pValueText(1.6e-5), '1.6e-5');
  assert.equal(pValueText(0), '< 1e-300');
  assert.equal(pValueText(Number.NaN), 'n/a');
});

test('in a sentence, a p-value too small to print is "p <", never "p = 0.000" or "p = < …"', () => {
  assert.equal(pValueClause(0.031), 'p = 0.031');
  assert.equal(pValueClause(1.6e-5), 'p = 1.6e-5');
  assert.equal(pValueClause(0), 'p < 1e-300');
});
