import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkGradient } from '../../src/core/gradcheck.js';
import { Rng } from '../../src/core/random.js';

// f(x, y) = Σ sin(x_i)·c_i + x_0·y_0 + Σ y_j² / 2, computed in float64.
const c = [0.5, -1.5, 2, 1, -0.25, 0.75];

function setup() {
  const x = Float32Array.from([0.3, -0.7, 1.1, 0.05, -1.3, 0.9]);
  const y = Float32Array.from([0.4, -0.2, 1.5]);
  const loss = () => {
    let s = x[0] * y[0];
    for (let i = 0; i < x.length; i++) s += Math.sin(x[i]) * c[i];
    for (let j = 0; j < y.length; j++) s += (y[j] * y[j]) / 2;
    return s;
  };
  const gx = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) gx[i] = Math.cos(x[i]) * c[i];
  gx[0] += y[0];
  const gy = Float32Array.from(y);
  gy[0] += x[0];
  return { x, y, loss, gx, gy };
}

describe('checkGradient', () => {
  it('passes a correct gradient and restores the inputs exactly', () => {
    const { x, y, loss, gx, gy } = setup();
    const x0 = x.slice();
    const y0 = y.slice();
    const res = checkGradient({ params: [x, y], analytic: [gx, gy], loss, rng: new Rng(1) });
    assert.ok(res.maxRelError < 1e-3, res.worst);
    assert.equal(res.checked, x.length + y.length);
    assert.deepEqual(x, x0);
    assert.deepEqual(y, y0);
  });

  it('catches a gradient scaled by 1.1', () => {
    const { x, y, loss, gx, gy } = setup();
    for (let i = 0; i < gx.length; i++) gx[i] *= 1.1;
    const res = checkGradient({ params: [x, y], analytic: [gx, gy], loss, rng: new Rng(1), names: ['x', 'y'] });
    assert.ok(res.maxRelError > 0.05, res.worst);
    assert.match(res.worst, /^x\[\d\]: analytic=/);
  });

  it('catches and names a single wrong entry', () => {
    const { x, y, loss, gx, gy } = setup();
    gy[2] = -gy[2];
    const res = checkGradient({ params: [x, y], analytic: [gx, gy], loss, rng: new Rng(1), names: ['x', 'y'] });
    assert.ok(res.maxRelError > 0.5);
    assert.match(res.worst, /^y\[2\]/);
  });

  it('treats NaN as a failure', () => {
    const { x, y, loss, gx, gy } = setup();
    gx[3] = Number.NaN;
    const res = checkGradient({ params: [x, y], analytic: [gx, gy], loss, rng: new Rng(1) });
    assert.equal(res.maxRelError, Number.POSITIVE_INFINITY);
  });

  it('samples a subset of entries deterministically per seed', () => {
    const { x, y, loss, gx, gy } = setup();
    const seen: string[][] = [];
    for (let k = 0; k < 2; k++) {
      const hits: string[] = [];
      const wrapped = () => {
        hits.push(`${Array.from(x)}|${Array.from(y)}`);
        return loss();
      };
      const res = checkGradient({ params: [x, y], analytic: [gx, gy], loss: wrapped, samples: 2, rng: new Rng(5) });
      assert.equal(res.checked, 4);
      assert.equal(hits.length, 16); // four loss evaluations per entry with Richardson extrapolation
      assert.ok(res.maxRelError < 1e-3, res.worst);
      seen.push(hits);
    }
    assert.deepEqual(seen[0], seen[1]);
  });

  it('rejects mismatched inputs', () => {
    const { x, y, loss, gx } = setup();
    assert.throws(() => checkGradient({ params: [x, y], analytic: [gx], loss, rng: new Rng(1) }), RangeError);
    assert.throws(() => checkGradient({ params: [y], analytic: [gx], loss, rng: new Rng(1) }), RangeError);
  });
});
