import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dropoutScale, reluDropout, reluDropoutBackward } from '../../src/analysis/decoder-kernels.js';
import { softmaxCrossEntropy } from '../../src/core/loss.js';
import { Rng } from '../../src/core/random.js';
import { SimdKernels, simdKernelsAvailable } from '../../src/core/simd-kernels.js';

const skip = simdKernelsAvailable() ? false : 'no WebAssembly SIMD in this runtime';

/** Shapes with every remainder: rows of fewer than 8 entries, odd widths, a tail of 1..7 after the vectors. */
const SHAPES = [
  [1, 1],
  [3, 5],
  [2, 8],
  [5, 17],
  [7, 969],
  [4, 30],
] as const;

function sameBits(got: Float32Array, want: Float32Array, what: string): void {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++)
    assert.ok(Object.is(got[i], want[i]), `${what}[${i}]: ${got[i]} against ${want[i]}`);
}

describe('SimdKernels', { skip }, () => {
  it('gate gives reluDropoutBackward bit for bit, signed zeros included, at any scale', () => {
    const rng = new Rng(7);
    for (const [rows, cols] of SHAPES) {
      const n = rows * cols;
      const simd = new SimdKernels(5 * (n + 3));
      const a = simd.alloc(n);
      const d = simd.alloc(n);
      for (let i = 0; i < n; i++) {
        a[i] = i % 3 === 0 ? 0 : Math.max(0, rng.normal());
        d[i] = rng.normal() * 1e-3;
      }
      if (n > 1) a[1] = 1.4e-45; // the smallest positive float32 still passes
      for (const scale of [1, dropoutScale(0.9), dropoutScale(0.37)]) {
        const want = new Float32Array(n);
        reluDropoutBackward(d, cols, a, cols, want, cols, rows, cols, scale);
        const got = simd.alloc(n);
        got.set(d);
        simd.gate(got, a, n, scale);
        sameBits(got, want, `gate ${rows}×${cols} scale ${scale}`);
      }
    }
  });

  it("mask gives reluDropout's values and draws bit for bit, and leaves the generator where it would", () => {
    const rng = new Rng(8);
    for (const [rows, cols] of SHAPES) {
      const n = rows * cols;
      const simd = new SimdKernels(4 * (n + 3));
      const x = simd.alloc(n);
      for (let i = 0; i < n; i++) x[i] = rng.normal();
      for (const keep of [0.9, 0.5, 0.99999]) {
        const want = x.slice();
        const jsRng = new Rng(11);
        reluDropout(want, cols, want, cols, rows, cols, keep, jsRng);
        const got = simd.alloc(n);
        got.set(x);
        const simdRng = new Rng(11);
        const threshold = Math.min(65536, Math.round(keep * 65536));
        simd.mask(got, rows, cols, threshold, 0.5 * dropoutScale(keep), simdRng);
        sameBits(got, want, `mask ${rows}×${cols} keep ${keep}`);
        assert.equal(simdRng.getState(), jsRng.getState());
        if (n >= 50 && keep === 0.5)
          assert.ok(
            got.some((v, i) => v === 0 && x[i]! > 0),
            'some units dropped',
          );
      }
    }
  });

  it('transposes in 4×4 blocks, sixteen or four rows at a time, with every remainder of rows and columns', () => {
    for (const [rows, cols] of [...SHAPES, [4, 4], [13, 2], [23, 9], [37, 6], [1024, 321]] as const) {
      const n = rows * cols;
      const simd = new SimdKernels(2 * (n + 3));
      const src = simd.alloc(n);
      const dst = simd.alloc(n);
      for (let i = 0; i < n; i++) src[i] = i + 0.5;
      simd.transpose(src, rows, cols, dst);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++)
          assert.equal(dst[c * rows + r], src[r * cols + c], `${rows}×${cols} (${r}, ${c})`);
      }
    }
  });

  it("exp gives Math.exp's float64 to the bit over the softmax's range, fdlibm's case boundaries included", () => {
    const n = 1 << 16;
    const simd = new SimdKernels(2 * n);
    const room = simd.alloc(2 * n);
    const x = new Float64Array(room.buffer, room.byteOffset, n);
    const rng = new Rng(12);
    // fdlibm picks its case by the high word of |x|: each boundary word, with the lowest and highest low words.
    const negative = (high: number, low: number) => {
      const view = new DataView(new ArrayBuffer(8));
      view.setUint32(0, (high | 0x80000000) >>> 0);
      view.setUint32(4, low);
      return view.getFloat64(0);
    };
    const boundaries = [0x3fd62e42, 0x3ff0a2b2, 0x3e300000, 0x40862e42].flatMap((h) =>
      [h - 1, h, h + 1].flatMap((high) => [negative(high, 0), negative(high, 0xffffffff)]),
    );
    const edges = [0, -0, -745.2, -745.1, -708.4, -708.3, -Number.MAX_VALUE, -Infinity, ...boundaries];
    const scales = [1e-7, 1.5, 30, 800];
    for (const scale of scales) {
      for (let i = 0; i < n; i++) x[i] = -rng.uniform(0, scale);
      edges.forEach((v, i) => {
        x[i] = v;
      });
      const want = Array.from(x, Math.exp);
      simd.exp(x, n);
      for (let i = 0; i < n; i++) assert.ok(Object.is(x[i], want[i]), `exp(${want[i]}) scale ${scale} [${i}]: ${x[i]}`);
    }
  });

  it('softmaxCrossEntropy gives the loss, count and dLogits of loss.ts bit for bit, and its errors', () => {
    const rng = new Rng(13);
    const simd = new SimdKernels(80_000);
    for (const [N, V] of [
      [7, 1],
      [9, 5],
      [33, 31],
      [300, 30],
      [5, 4],
    ] as const) {
      const logits = simd.alloc(N * V);
      const got = simd.alloc(N * V);
      for (let i = 0; i < N * V; i++) logits[i] = rng.normal() * (i % 7 === 0 ? 40 : 3);
      const targets = Int32Array.from({ length: N }, (_, i) => (i % 5 === 3 ? -1 : rng.int(V)));
      const want = new Float32Array(N * V);
      const a = softmaxCrossEntropy(logits, targets, N, V, want);
      got.fill(7);
      const b = simd.softmaxCrossEntropy(logits, targets, N, V, got);
      assert.equal(b.loss, a.loss);
      assert.equal(b.count, a.count);
      sameBits(got, want, `dLogits ${N}×${V}`);
    }
    const logits = simd.alloc(8);
    const none = simd.softmaxCrossEntropy(logits, Int32Array.from([-1, -1]), 2, 4, simd.alloc(8));
    assert.deepEqual(none, { loss: 0, count: 0 });
    assert.throws(
      () => simd.softmaxCrossEntropy(logits, Int32Array.from([0, 4]), 2, 4, simd.alloc(8)),
      /target 4 at row 1/,
    );
  });

  it('refuses arrays outside its memory and allocations beyond its size', () => {
    const simd = new SimdKernels(8);
    const inside = simd.alloc(8);
    assert.throws(() => simd.gate(new Float32Array(8), inside, 8, 1), /not in the kernels' memory/);
    assert.throws(() => simd.gate(inside, inside, 9, 1), /needs 9/);
    assert.throws(() => simd.alloc(1), /exceed/);
  });
});
