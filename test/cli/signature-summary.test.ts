// signature --json: the capacity sweep and the online code in the summary when the signature has them (null when
// not), after the keys older summaries had.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signatureSummary } from '../../src/cli/signature-report.js';
import { tinySignature } from '../render/helpers.js';
import { withCapacity, withOnlineCode } from '../render/probe-fixtures.js';

const RECALLS = [
  [
    [1, 0.8, 0.5, 0.2],
    [0.6, 0.4, 0.4, 0.4],
  ],
];

test('the --json summary carries the online code per δ and the capacity sweep per layer', () => {
  const sig = withCapacity(withOnlineCode(tinySignature(RECALLS)));
  const summary = signatureSummary(sig, 'sig.json', 3);
  const layer = summary.layers[0]!;
  assert.deepEqual(Object.keys(layer), ['layer', 'deltas', 'capacity']);
  assert.deepEqual(
    layer.deltas.map((d) => [d.onlineCodeBits, d.onlineCodeCompression]),
    sig.layers[0]!.deltas.map((d) => [d.onlineCode!.bitsPerPosition, d.onlineCode!.compression]),
  );
  assert.deepEqual(layer.deltas[0]!.onlineCodeBits, 0.75);
  assert.deepEqual(
    layer.capacity,
    sig.layers[0]!.capacity!.map((p) => ({
      factor: p.factor,
      hidden: p.hidden,
      parameters: p.parameters,
      accuracy: p.deltas.map((x) => x.accuracy),
    })),
  );
  assert.deepEqual(
    layer.capacity!.map((p) => [p.factor, p.hidden, p.parameters]),
    [
      [0, [], 40],
      [1, [16], 300],
      [4, [64], 1200],
    ],
  );
  // The summary is JSON: it survives a round trip unchanged.
  assert.deepEqual(JSON.parse(JSON.stringify(summary)), summary);
});

test('without --mdl and --capacity-sweep those fields are null', () => {
  const summary = signatureSummary(tinySignature(RECALLS), 'sig.json', 3);
  const layer = summary.layers[0]!;
  assert.equal(layer.capacity, null);
  assert.deepEqual(
    layer.deltas.map((d) => [d.onlineCodeBits, d.onlineCodeCompression]),
    [
      [null, null],
      [null, null],
    ],
  );
});
