import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createGemm, OnnxGemm, onnxLoadError } from '../../src/backends/index.js';
import { type Gemm, gemmRelu, tsGemm } from '../../src/core/gemm.js';
import { gruStepPortable } from '../../src/core/gru.js';
import { lstmStepPortable } from '../../src/core/lstm.js';
import { Rng } from '../../src/core/random.js';

const rng = new Rng(42);
const random = (n: number) => new Float32Array(n).map(() => rng.uniform(-1, 1));

/** Reference product in float64 straight from the definition. */
function reference(tA: boolean, tB: boolean, m: number, n: number, k: number, a: Float32Array, b: Float32Array) {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (tA ? a[p * m + i]! : a[i * k + p]!) * (tB ? b[j * k + p]! : b[p * n + j]!);
      c[i * n + j] = s;
    }
  return c;
}

test('onnxruntime loads here', () => {
  assert.equal(onnxLoadError(), '');
  assert.equal(createGemm('auto').name, 'onnxruntime');
});

for (const backend of [tsGemm, new OnnxGemm({ smallWork: 0 })]) {
  for (const [m, n, k] of [
    [5, 7, 3],
    [33, 65, 17],
    [1, 9, 40],
  ] as const) {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        for (const acc of [false, true]) {
          test(`${backend.name} gemm(transA=${tA}, transB=${tB}, accumulate=${acc}) ${m}×${n}×${k} matches the definition`, () => {
            // Views at an offset, as the engine passes them.
            const a = random(m * k + 3).subarray(3);
            const b = random(k * n + 5).subarray(5);
            const c0 = random(m * n + 2);
            const c = c0.subarray(2);
            const before = c.slice();
            backend.gemm(tA, tB, m, n, k, a, b, c, acc);
            const ref = reference(tA, tB, m, n, k, a, b);
            for (let i = 0; i < m * n; i++) {
              const want = ref[i]! + (acc ? before[i]! : 0);
              assert.ok(Math.abs(c[i]! - want) < 1e-4 * (1 + Math.abs(want)), `c[${i}] = ${c[i]}, want ${want}`);
            }
            assert.equal(c0[1], c0[1]); // untouched prefix is still a number
          });
        }
      }
    }
  }
}

test('a product larger than maxCallOutput runs as row blocks with the same result, accumulate included', () => {
  const whole = new OnnxGemm({ smallWork: 0, threads: 1, maxCallOutput: Number.POSITIVE_INFINITY });
  // 37 rows of 23 columns under a 100-float cap: blocks of 8 rows (the cap's 4 rounded up to MLAS's row tile), 5 last.
  const blocked = new OnnxGemm({ smallWork: 0, threads: 1, maxCallOutput: 100 });
  const [m, n, k] = [37, 23, 11];
  for (const tB of [false, true]) {
    for (const acc of [false, true]) {
      const a = random(m * k);
      const b = random(k * n);
      const start = random(m * n);
      const want = start.slice();
      const got = start.slice();
      whole.gemm(false, tB, m, n, k, a, b, want, acc);
      blocked.gemm(false, tB, m, n, k, a, b, got, acc);
      assert.deepEqual(got, want, `transB=${tB} accumulate=${acc}`);
    }
  }
});

test('gemm leaves memory outside C untouched and rejects short buffers', () => {
  const g = new OnnxGemm({ smallWork: 0 });
  const c = new Float32Array(10).fill(7);
  g.gemm(false, false, 2, 2, 2, random(4), random(4), c.subarray(3, 7), false);
  assert.deepEqual([...c.subarray(0, 3), ...c.subarray(7)], [7, 7, 7, 7, 7, 7]);
  assert.throws(() => g.gemm(false, false, 3, 3, 3, random(8), random(9), new Float32Array(9), false), /A has 8/);
});

test('onnxruntime lstmStep (fused product and gate math) matches the portable step, writing the gates in place', () => {
  const ort = new OnnxGemm({ threads: 1 });
  for (const [H, B] of [
    [5, 3],
    [32, 16],
  ] as const) {
    const G = 4 * H;
    const make = () => ({
      H,
      B,
      w: random(G * H),
      bias: random(G),
      hPrev: random(H * B),
      cPrev: random(H * B).map((v) => 3 * v),
      gates: random(G * B).map((v) => 4 * v),
      c: new Float32Array(H * B),
      tanhC: new Float32Array(H * B),
      h: new Float32Array(H * B),
    });
    const ref = make();
    const got = {
      ...ref,
      gates: ref.gates.slice(),
      c: new Float32Array(H * B),
      tanhC: new Float32Array(H * B),
      h: new Float32Array(H * B),
    };
    lstmStepPortable(tsGemm, ref);
    ort.lstmStep(got);
    for (const key of ['gates', 'c', 'tanhC', 'h'] as const) {
      const a = got[key];
      const b = ref[key];
      for (let i = 0; i < b.length; i++) {
        assert.ok(Math.abs(a[i]! - b[i]!) < 2e-6, `H=${H} B=${B} ${key}[${i}]: ${a[i]} vs ${b[i]}`);
      }
    }
    // The gates are probabilities / tanh values: in range, so the in-place write did not leave inputs behind.
    assert.ok(got.gates.every((v) => v >= -1 && v <= 1));
  }
});

test('onnxruntime gruStep (fused product and gate math) matches the portable step, writing the gates in place', () => {
  const ort = new OnnxGemm({ threads: 1 });
  for (const [H, B] of [
    [5, 3],
    [32, 16],
  ] as const) {
    const G = 3 * H;
    const ref = {
      H,
      B,
      w: random(G * H),
      biasIh: random(G),
      biasHh: random(G),
      hKernel: random(H * B),
      hPrev: random(H * B),
      gates: random(G * B).map((v) => 4 * v),
      hn: new Float32Array(H * B),
      h: new Float32Array(H * B),
      scratch: new Float32Array(G * B),
    };
    const got = { ...ref, gates: ref.gates.slice(), hn: new Float32Array(H * B), h: new Float32Array(H * B) };
    gruStepPortable(tsGemm, ref);
    ort.gruStep(got);
    for (const key of ['gates', 'hn', 'h'] as const) {
      const a = got[key];
      const b = ref[key];
      for (let i = 0; i < b.length; i++) {
        assert.ok(Math.abs(a[i]! - b[i]!) < 2e-6, `H=${H} B=${B} ${key}[${i}]: ${a[i]} vs ${b[i]}`);
      }
    }
    assert.ok(got.gates.every((v) => v >= -1 && v <= 1));
  }
});

test('gemmRelu is relu of the product on both backends, in row blocks and below smallWork too', () => {
  const [m, n, k] = [37, 29, 13];
  const a = random(m * k);
  const b = random(k * n);
  const ref = reference(false, false, m, n, k, a, b);
  const backends: Gemm[] = [
    tsGemm,
    new OnnxGemm({ smallWork: 0, threads: 1 }),
    new OnnxGemm({ smallWork: 0, threads: 1, maxCallOutput: 200 }), // blocks of 8 rows
    new OnnxGemm({ smallWork: 1e9, threads: 1 }), // the TypeScript fallback
  ];
  for (const backend of backends) {
    const c = new Float32Array(m * n).fill(Number.NaN);
    gemmRelu(backend, m, n, k, a, b, c);
    let zeros = 0;
    for (let i = 0; i < m * n; i++) {
      const want = Math.max(0, ref[i]!);
      if (want === 0) zeros++;
      assert.ok(Math.abs(c[i]! - want) < 1e-4 * (1 + want), `${backend.name} c[${i}] = ${c[i]}, want ${want}`);
      assert.ok(!Object.is(c[i], -0), 'no negative zero');
    }
    assert.ok(zeros > 100 && zeros < m * n - 100, 'the ReLU cuts about half');
  }
});
