import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assignUnits, fitUnitCodebook } from '../../src/analysis/audio-units.js';
import { tsGemm } from '../../src/core/gemm.js';
import { Rng } from '../../src/core/random.js';

/** n points around each of the given centres, spread ±0.1. */
function clusters(centres: number[][], n: number, rng: Rng): Float32Array {
  const D = centres[0]!.length;
  const out = new Float32Array(centres.length * n * D);
  centres.forEach((c, k) => {
    for (let i = 0; i < n; i++) for (let d = 0; d < D; d++) out[(k * n + i) * D + d] = c[d]! + rng.uniform(-0.1, 0.1);
  });
  return out;
}

test('fitUnitCodebook() finds well-separated clusters, and assignUnits() names each point by its cluster', () => {
  const centres = [
    [0, 0, 0],
    [5, 0, 0],
    [0, 5, 0],
    [0, 0, 5],
  ];
  const frames = clusters(centres, 50, new Rng(1));
  const N = 200;
  const book = fitUnitCodebook(tsGemm, frames, N, 3, 4, 5, new Rng(2));
  const units = assignUnits(tsGemm, book, frames, N);
  // Every cluster is one unit of its own.
  const unitOf = centres.map((_, k) => units[k * 50]!);
  assert.equal(new Set(unitOf).size, 4);
  for (let i = 0; i < N; i++) assert.equal(units[i], unitOf[Math.floor(i / 50)]);
  // Each centroid sits at its cluster's mean.
  centres.forEach((c, k) => {
    for (let d = 0; d < 3; d++) assert.ok(Math.abs(book.centroids[unitOf[k]! * 3 + d]! - c[d]!) < 0.05);
  });
  // Seeded: the same codebook again.
  assert.deepEqual(fitUnitCodebook(tsGemm, frames, N, 3, 4, 5, new Rng(2)), book);
});

test('fitUnitCodebook() copes with fewer distinct frames than units, and more frames than one GEMM chunk', () => {
  const same = new Float32Array(10 * 2).fill(1);
  const book = fitUnitCodebook(tsGemm, same, 10, 2, 3, 2, new Rng(3));
  assert.deepEqual([...assignUnits(tsGemm, book, same, 10)], new Array(10).fill(0));
  const N = 5000; // beyond the 4096-frame chunk
  const frames = new Float32Array(N).map((_, i) => (i % 2 === 0 ? -1 : 1));
  const two = fitUnitCodebook(tsGemm, frames, N, 1, 2, 3, new Rng(4));
  const units = assignUnits(tsGemm, two, frames, N);
  assert.notEqual(units[0], units[1]);
  for (let i = 2; i < N; i++) assert.equal(units[i], units[i % 2]);
});
