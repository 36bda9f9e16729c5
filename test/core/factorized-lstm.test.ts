import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type BasisWeights,
  FactorizedLstmLayer,
  type FactorizedParams,
  type KernelRestriction,
} from '../../src/core/factorized-lstm.js';
import { tsGemm } from '../../src/core/gemm.js';
import { checkGradient } from '../../src/core/gradcheck.js';
import { LstmLayer } from '../../src/core/lstm.js';
import { Rng } from '../../src/core/random.js';

const I = 3;
const H = 4;
const G = 4 * H;
const K = 6;
const T = 5;
const B = 2;

function randomArray(rng: Rng, n: number, scale = 0.6): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(-scale, scale);
  return a;
}

function makeParams(rng: Rng, basisScale = 0.8): FactorizedParams {
  return {
    wIh: randomArray(rng, G * I),
    wHh: randomArray(rng, G * H),
    bIh: randomArray(rng, G),
    bHh: randomArray(rng, G),
    basisU: randomArray(rng, G * K, basisScale),
    basisV: randomArray(rng, H * K, basisScale),
  };
}

function zeroLike(p: FactorizedParams): FactorizedParams {
  return {
    wIh: new Float32Array(p.wIh.length),
    wHh: new Float32Array(p.wHh.length),
    bIh: new Float32Array(p.bIh.length),
    bHh: new Float32Array(p.bHh.length),
    basisU: new Float32Array(p.basisU.length),
    basisV: new Float32Array(p.basisV.length),
  };
}

/** Rows of non-negative weights summing to 1 (like bigram frequencies), with the columns in `zero` left out. */
function lambdaRows(rng: Rng, rows: number, zero: number[] = []): Float32Array {
  const table = new Float32Array(rows * K);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let i = 0; i < K; i++) {
      if (zero.includes(i)) continue;
      table[r * K + i] = rng.next() + 0.1;
      sum += table[r * K + i]!;
    }
    for (let i = 0; i < K; i++) table[r * K + i]! /= sum;
  }
  return table;
}

const resets = new Uint8Array(T * B);
resets[2 * B + 1] = 1; // the second stream starts a new segment at step 2
resets[4 * B] = 1;
const mask = new Float32Array(B * H).map((_, i) => (i % 3 === 0 ? 0 : 1.5));

interface Setup {
  lambda: BasisWeights;
  restrict: KernelRestriction;
  resets: Uint8Array | null;
  mask: Float32Array | null;
}

/** Loss = Σ w·h_t over every step (backward takes the gradient into every h_t, as RecurrentLayer's does). */
function lossOf(s: Setup, p: FactorizedParams, x: Float32Array, w: Float32Array, h0: Float32Array) {
  const layer = new FactorizedLstmLayer(I, H, K);
  const state = { h: h0.slice(), c: h0.map((v) => v * 0.5) };
  const out = layer.forward(
    tsGemm,
    p,
    x,
    T,
    B,
    state,
    { resets: s.resets, lambda: s.lambda, restrict: s.restrict },
    s.mask,
  );
  let loss = 0;
  for (let i = 0; i < out.length; i++) loss += w[i]! * out[i]!;
  return { loss, layer };
}

function checkLayer(name: string, s: Setup): void {
  test(`FactorizedLstmLayer backward matches finite differences: ${name}`, () => {
    const rng = new Rng(7);
    const p = makeParams(rng);
    const x = randomArray(rng, T * B * I, 1);
    const w = randomArray(rng, T * B * H, 1);
    const h0 = randomArray(rng, B * H, 0.8);
    const { layer } = lossOf(s, p, x, w, h0);
    const grads = zeroLike(p);
    const dX = new Float32Array(x.length);
    layer.backward(tsGemm, p, grads, w.slice(), dX);
    const keys = ['wIh', 'wHh', 'bIh', 'bHh', 'basisU', 'basisV'] as const;
    const result = checkGradient({
      params: [...keys.map((k) => p[k]), x],
      analytic: [...keys.map((k) => grads[k]), dX],
      names: [...keys, 'x'],
      loss: () => lossOf(s, p, x, w, h0).loss,
      eps: 2e-2,
      floor: 1e-2,
      rng: new Rng(1),
    });
    assert.ok(result.maxRelError < 1e-3, `relative error ${result.maxRelError} at ${result.worst}`);
    assert.ok(result.checked > 200);
  });
}

const rng0 = new Rng(3);
const perStep = lambdaRows(rng0, T * B); // every step its own λ row: all K bases active
const perSegment: BasisWeights = {
  // Three "segments" that never use bases 1 and 4 (K' = 4 < K: the gathered path), one of them all zero.
  table: Float32Array.from([...lambdaRows(rng0, 2, [1, 4]), ...new Float32Array(K)]),
  index: Int32Array.from([0, 1, 0, 1, 2, 1, 0, 2, 0, 0]),
};

checkLayer('per-step λ, all bases active', {
  lambda: { table: perStep, index: null },
  restrict: { kind: 'full' },
  resets: null,
  mask: null,
});
checkLayer('per-step λ with resets and a recurrent dropout mask', {
  lambda: { table: perStep, index: null },
  restrict: { kind: 'full' },
  resets,
  mask,
});
checkLayer('indexed λ table, some bases never active, resets', {
  lambda: perSegment,
  restrict: { kind: 'full' },
  resets,
  mask: null,
});
checkLayer('restricted to basis 2 with resets and a mask', {
  lambda: { table: perStep, index: null },
  restrict: { kind: 'basis', index: 2 },
  resets,
  mask,
});

/** Runs a layer and returns (h, c) of every step. */
function run(
  layer: { forward: FactorizedLstmLayer['forward'] | LstmLayer['forward']; memory(): Float32Array },
  call: () => Float32Array,
): { h: Float32Array; c: Float32Array } {
  const h = call().slice();
  return { h, c: layer.memory().slice() };
}

test("FactorizedLstmLayer restricted to 'base' equals an LstmLayer with W_hh = W0, outputs and gradients (to float32 rounding)", () => {
  const rng = new Rng(5);
  const p = makeParams(rng);
  const x = randomArray(rng, T * B * I, 1);
  const h0 = randomArray(rng, B * H, 0.8);
  const fact = new FactorizedLstmLayer(I, H, K);
  const plain = new LstmLayer(I, H);
  const control = { resets, lambda: { table: perStep, index: null }, restrict: { kind: 'base' } as const };
  const a = run(fact, () => fact.forward(tsGemm, p, x, T, B, { h: h0.slice(), c: h0.slice() }, control, mask));
  const b = run(plain, () => plain.forward(tsGemm, p, x, T, B, { h: h0.slice(), c: h0.slice() }, { resets }, mask));
  // The two layers sum their products in different orders (row-major vs gate-major), hence rounding-level gaps.
  assertAllClose(a.h, b.h, 1e-6, 'h');
  assertAllClose(a.c, b.c, 1e-6, 'c');
  assert.equal(fact.activeBases(), 0);
  const dOut = randomArray(rng, T * B * H, 1);
  const gf = zeroLike(p);
  const gp = zeroLike(p);
  const dxf = new Float32Array(x.length);
  const dxp = new Float32Array(x.length);
  fact.backward(tsGemm, p, gf, dOut.slice(), dxf);
  plain.backward(tsGemm, p, gp, dOut.slice(), dxp);
  for (const k of ['wIh', 'wHh', 'bIh', 'bHh'] as const) assertAllClose(gf[k], gp[k], 1e-5, k);
  assertAllClose(dxf, dxp, 1e-6, 'dx');
  assert.ok(gf.basisU.every((v) => v === 0) && gf.basisV.every((v) => v === 0));
});

test('FactorizedLstmLayer full kernel equals an LstmLayer with the explicit W = W0 + Σ λ_i u_i v_iᵀ per stream', () => {
  const rng = new Rng(9);
  const p = makeParams(rng);
  const x = randomArray(rng, T * B * I, 1);
  const table = lambdaRows(rng, 2);
  // Stream b reads λ row b at every step: its kernel is constant, so a plain LSTM with that W must agree.
  const index = Int32Array.from({ length: T * B }, (_, r) => r % B);
  const fact = new FactorizedLstmLayer(I, H, K);
  const out = fact.forward(
    tsGemm,
    p,
    x,
    T,
    B,
    { h: new Float32Array(B * H), c: new Float32Array(B * H) },
    { resets: null, lambda: { table, index } },
    null,
  );
  assert.equal(fact.activeBases(), K);
  for (let b = 0; b < B; b++) {
    const W = p.wHh.slice();
    for (let g = 0; g < G; g++) {
      for (let j = 0; j < H; j++) {
        let s = 0;
        for (let i = 0; i < K; i++) s += table[b * K + i]! * p.basisU[g * K + i]! * p.basisV[j * K + i]!;
        W[g * H + j]! += s;
      }
    }
    const xb = new Float32Array(T * I);
    for (let t = 0; t < T; t++) xb.set(x.subarray((t * B + b) * I, (t * B + b + 1) * I), t * I);
    const plain = new LstmLayer(I, H);
    const ref = plain.forward(
      tsGemm,
      { ...p, wHh: W },
      xb,
      T,
      1,
      { h: new Float32Array(H), c: new Float32Array(H) },
      { resets: null },
      null,
    );
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < H; j++) {
        const got = out[(t * B + b) * H + j]!;
        const want = ref[t * H + j]!;
        assert.ok(Math.abs(got - want) < 1e-5, `t=${t} b=${b} j=${j}: ${got} vs ${want}`);
      }
    }
  }
});

test("FactorizedLstmLayer restricted to one basis differs from 'base' only through that basis", () => {
  const rng = new Rng(13);
  const p = makeParams(rng);
  const x = randomArray(rng, T * B * I, 1);
  const lambda = { table: perStep, index: null };
  const i = 3;
  const forward = (params: FactorizedParams, restrict: KernelRestriction, l: BasisWeights = lambda) => {
    const layer = new FactorizedLstmLayer(I, H, K);
    const state = { h: new Float32Array(B * H).fill(0.3), c: new Float32Array(B * H).fill(-0.2) };
    return layer.forward(tsGemm, params, x, T, B, state, { resets, lambda: l, restrict }, null).slice();
  };
  const base = forward(p, { kind: 'base' });
  const basis = forward(p, { kind: 'basis', index: i });
  assert.ok(
    basis.some((v, j) => Math.abs(v - base[j]!) > 1e-4),
    'the basis changes the outputs',
  );
  // Any change to the other bases leaves the restricted outputs exactly as they were.
  const q = { ...p, basisU: p.basisU.slice(), basisV: p.basisV.slice() };
  for (let g = 0; g < G; g++) for (let j = 0; j < K; j++) if (j !== i) q.basisU[g * K + j] = 5;
  for (let h = 0; h < H; h++) for (let j = 0; j < K; j++) if (j !== i) q.basisV[h * K + j] = -5;
  assert.deepEqual(forward(q, { kind: 'basis', index: i }), basis);
  // Removing that basis (u_i = 0) gives the base.
  const r = { ...p, basisU: p.basisU.slice() };
  for (let g = 0; g < G; g++) r.basisU[g * K + i] = 0;
  const noBasis = forward(r, { kind: 'basis', index: i });
  for (let j = 0; j < base.length; j++) assert.ok(Math.abs(noBasis[j]! - base[j]!) < 1e-6);
  // The restriction is the full kernel with every other λ zeroed.
  const only = new Float32Array(perStep.length);
  for (let row = 0; row < T * B; row++) only[row * K + i] = perStep[row * K + i]!;
  assert.deepEqual(forward(p, { kind: 'full' }, { table: only, index: null }), basis);
});

test('FactorizedLstmLayer: a λ columns hint naming the non-zero bases changes nothing but the search', () => {
  const rng = new Rng(17);
  const p = makeParams(rng);
  const x = randomArray(rng, T * B * I, 1);
  const table = lambdaRows(rng, T * B, [0, 4]);
  const run = (lambda: BasisWeights) => {
    const layer = new FactorizedLstmLayer(I, H, K);
    const state = { h: new Float32Array(B * H), c: new Float32Array(B * H) };
    const out = layer.forward(tsGemm, p, x, T, B, state, { resets, lambda }, null).slice();
    return { out, active: layer.activeBases() };
  };
  const plain = run({ table, index: null });
  const hinted = run({ table, index: null, columns: Int32Array.from([5, 1, 2, 3]) });
  assert.equal(plain.active, 4);
  assert.deepEqual(hinted, plain);
});

test('FactorizedLstmLayer forward with a reset at step t equals a fresh run from step t', () => {
  const rng = new Rng(3);
  const p = makeParams(rng);
  const x = randomArray(rng, T * I, 1);
  const table = lambdaRows(rng, T);
  const zero = () => ({ h: new Float32Array(H), c: new Float32Array(H) });
  const r = new Uint8Array(T);
  r[2] = 1;
  const full = new FactorizedLstmLayer(I, H, K)
    .forward(tsGemm, p, x, T, 1, zero(), { resets: r, lambda: { table, index: null } }, null)
    .slice();
  const tail = new FactorizedLstmLayer(I, H, K).forward(
    tsGemm,
    p,
    x.subarray(2 * I),
    T - 2,
    1,
    zero(),
    { resets: null, lambda: { table: table.subarray(2 * K), index: null } },
    null,
  );
  for (let i = 0; i < tail.length; i++) assert.ok(Math.abs(full[2 * H + i]! - tail[i]!) < 1e-6);
});

test('FactorizedLstmLayer rejects a λ index outside its table and a basis outside 0..K−1', () => {
  const layer = new FactorizedLstmLayer(I, H, K);
  const p = makeParams(new Rng(1));
  const x = new Float32Array(T * B * I);
  const state = () => ({ h: new Float32Array(B * H), c: new Float32Array(B * H) });
  const bad = { table: new Float32Array(K), index: new Int32Array(T * B).fill(1) };
  assert.throws(() => layer.forward(tsGemm, p, x, T, B, state(), { resets: null, lambda: bad }, null), RangeError);
  const lambda = { table: perStep, index: null };
  assert.throws(
    () =>
      layer.forward(tsGemm, p, x, T, B, state(), { resets: null, lambda, restrict: { kind: 'basis', index: K } }, null),
    RangeError,
  );
});

test("FactorizedLstmLayer 'basis-alone' equals an LstmLayer whose kernel is λ_i·u_i v_iᵀ alone; backward refuses it", () => {
  const rng = new Rng(21);
  const p = makeParams(rng);
  const x = randomArray(rng, T * B * I, 1);
  const table = lambdaRows(rng, 2);
  const index = Int32Array.from({ length: T * B }, (_, r) => r % B); // stream b reads λ row b at every step
  const basis = 3;
  const fact = new FactorizedLstmLayer(I, H, K);
  const zeroState = (n: number) => ({ h: new Float32Array(n * H), c: new Float32Array(n * H) });
  const out = fact
    .forward(
      tsGemm,
      p,
      x,
      T,
      B,
      zeroState(B),
      { resets: null, lambda: { table, index }, restrict: { kind: 'basis-alone', index: basis } },
      null,
    )
    .slice();
  for (let b = 0; b < B; b++) {
    const W = new Float32Array(G * H);
    for (let g = 0; g < G; g++) {
      for (let j = 0; j < H; j++)
        W[g * H + j] = table[b * K + basis]! * p.basisU[g * K + basis]! * p.basisV[j * K + basis]!;
    }
    const xb = new Float32Array(T * I);
    for (let t = 0; t < T; t++) xb.set(x.subarray((t * B + b) * I, (t * B + b + 1) * I), t * I);
    const ref = new LstmLayer(I, H).forward(tsGemm, { ...p, wHh: W }, xb, T, 1, zeroState(1), { resets: null }, null);
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < H; j++) {
        const got = out[(t * B + b) * H + j]!;
        const want = ref[t * H + j]!;
        assert.ok(Math.abs(got - want) < 1e-5, `t=${t} b=${b} j=${j}: ${got} vs ${want}`);
      }
    }
  }
  assert.throws(() => fact.backward(tsGemm, p, zeroLike(p), new Float32Array(T * B * H), null), /for analysis only/);
});

test("FactorizedLstmLayer 'none' equals an LstmLayer with no recurrent kernel, whatever λ; backward refuses it", () => {
  const rng = new Rng(22);
  const p = makeParams(rng);
  const x = randomArray(rng, T * B * I, 1);
  const state = () => ({ h: new Float32Array(B * H), c: new Float32Array(B * H) });
  const fact = new FactorizedLstmLayer(I, H, K);
  const out = fact
    .forward(
      tsGemm,
      p,
      x,
      T,
      B,
      state(),
      { resets: null, lambda: { table: perStep, index: null }, restrict: { kind: 'none' } },
      null,
    )
    .slice();
  const ref = new LstmLayer(I, H).forward(
    tsGemm,
    { ...p, wHh: new Float32Array(G * H) },
    x,
    T,
    B,
    state(),
    { resets: null },
    null,
  );
  assertAllClose(out, ref, 1e-6, "'none' forward");
  // The kernel mattered: the full forward of the same input differs.
  const full = new FactorizedLstmLayer(I, H, K).forward(
    tsGemm,
    p,
    x,
    T,
    B,
    state(),
    { resets: null, lambda: { table: perStep, index: null } },
    null,
  );
  assert.ok(full.some((v, i) => Math.abs(v - out[i]!) > 1e-3));
  assert.throws(
    () => fact.backward(tsGemm, p, zeroLike(p), new Float32Array(T * B * H), null),
    /'none' forward is for analysis only/,
  );
});

function assertAllClose(a: Float32Array, b: Float32Array, tol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i]! - b[i]!) <= tol * (1 + Math.abs(b[i]!)), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
  }
}
