import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ctcLoss } from '../../src/core/ctc.js';
import { checkGradient } from '../../src/core/gradcheck.js';
import { Rng } from '../../src/core/random.js';
import { readSafetensors, toFloat32, toInt32 } from '../../src/io/safetensors.js';

function randomLogits(rng: Rng, n: number, scale = 2): Float32Array {
  return new Float32Array(n).map(() => rng.normal() * scale);
}

/** −log Σ over every path of C^n classes that collapses (merge repeats, drop blanks) to the label: by enumeration. */
function bruteForce(logits: Float32Array, b: number, B: number, C: number, n: number, label: number[], blank = 0) {
  const logp = (t: number, k: number) => {
    const row = (t * B + b) * C;
    let sum = 0;
    for (let j = 0; j < C; j++) sum += Math.exp(logits[row + j]!);
    return logits[row + k]! - Math.log(sum);
  };
  let total = 0;
  const path = new Array<number>(n).fill(0);
  for (let code = 0; code < C ** n; code++) {
    let rest = code;
    for (let t = 0; t < n; t++) {
      path[t] = rest % C;
      rest = Math.floor(rest / C);
    }
    const collapsed: number[] = [];
    for (let t = 0; t < n; t++) if (path[t] !== blank && (t === 0 || path[t] !== path[t - 1])) collapsed.push(path[t]!);
    if (collapsed.length !== label.length || collapsed.some((k, i) => k !== label[i])) continue;
    let lp = 0;
    for (let t = 0; t < n; t++) lp += logp(t, path[t]!);
    total += Math.exp(lp);
  }
  return -Math.log(total);
}

test('ctcLoss() equals the enumeration of all alignments, repeated labels and an empty label included', () => {
  const rng = new Rng(1);
  const T = 5;
  const C = 3;
  const labels = [[1, 2], [1, 1], [], [2], [1, 1, 2]];
  const B = labels.length;
  const lengths = Int32Array.of(5, 4, 3, 1, 5);
  const logits = randomLogits(rng, T * B * C);
  const targets = labels.map((l) => Int32Array.from(l));
  const { perUtterance, loss } = ctcLoss(logits, T, B, C, lengths, targets, null, { reduction: 'sum' });
  let sum = 0;
  labels.forEach((label, b) => {
    const expected = bruteForce(logits, b, B, C, lengths[b]!, label);
    assert.ok(Math.abs(perUtterance[b]! - expected) < 1e-9, `utterance ${b}: ${perUtterance[b]} vs ${expected}`);
    sum += expected;
  });
  assert.ok(Math.abs(loss - sum) < 1e-9);
  const mean = ctcLoss(logits, T, B, C, lengths, targets, null).loss; // per target length (≥ 1), over the batch
  const expectedMean = labels.reduce((s, l, b) => s + perUtterance[b]! / Math.max(l.length, 1), 0) / B;
  assert.ok(Math.abs(mean - expectedMean) < 1e-9);
});

for (const reduction of ['mean', 'sum'] as const) {
  test(`ctcLoss() gradient matches finite differences (${reduction}), with another blank index`, () => {
    const rng = new Rng(2);
    const T = 6;
    const B = 3;
    const C = 4;
    const blank = 3;
    const lengths = Int32Array.of(6, 4, 5);
    const targets = [Int32Array.of(0, 1, 1), Int32Array.of(2), Int32Array.of(0, 2)];
    const logits = randomLogits(rng, T * B * C, 1);
    const grad = new Float32Array(logits.length).fill(9);
    const options = { blank, reduction };
    ctcLoss(logits, T, B, C, lengths, targets, grad, options);
    for (let b = 0; b < B; b++) {
      for (let t = lengths[b]!; t < T; t++) for (let k = 0; k < C; k++) assert.equal(grad[(t * B + b) * C + k], 0);
    }
    const res = checkGradient({
      params: [logits],
      analytic: [grad],
      loss: () => ctcLoss(logits, T, B, C, lengths, targets, null, options).loss,
      eps: 1e-2,
      rng,
    });
    assert.ok(res.maxRelError < 1e-3, res.worst);
  });
}

test('ctcLoss(): too few frames gives Infinity, or 0 with zero gradient under zeroInfinity', () => {
  const rng = new Rng(3);
  const C = 3;
  const logits = randomLogits(rng, 2 * C);
  const targets = [Int32Array.of(1, 1)]; // needs 3 frames (a blank between the repeats)
  assert.equal(ctcLoss(logits, 2, 1, C, Int32Array.of(2), targets, null).loss, Number.POSITIVE_INFINITY);
  const grad = new Float32Array(logits.length).fill(5);
  const r = ctcLoss(logits, 2, 1, C, Int32Array.of(2), targets, grad, { zeroInfinity: true });
  assert.equal(r.loss, 0);
  assert.ok(grad.every((g) => g === 0));
});

test('ctcLoss() stays finite and exact on a long utterance with confident logits (log space)', () => {
  const rng = new Rng(4);
  const T = 2000;
  const C = 6;
  const logits = randomLogits(rng, T * C, 30);
  const label = Int32Array.from({ length: 300 }, (_, i) => 1 + (i % 5));
  const grad = new Float32Array(logits.length);
  const { loss } = ctcLoss(logits, T, 1, C, Int32Array.of(T), [label], grad, { reduction: 'sum' });
  assert.ok(Number.isFinite(loss) && loss > 0, `loss ${loss}`);
  // Every frame's gradient is softmax − a distribution: its row sums to 0.
  for (let t = 0; t < T; t += 97) {
    let s = 0;
    for (let k = 0; k < C; k++) s += grad[t * C + k]!;
    assert.ok(Math.abs(s) < 1e-5, `row ${t} sums to ${s}`);
  }
});

test('ctcLoss() matches PyTorch F.ctc_loss: per utterance, mean and sum, gradients, zero_infinity', async () => {
  const file = new URL('../../../test/fixtures/golden/las/ctc.safetensors', import.meta.url).pathname;
  const { tensors } = await readSafetensors(file);
  const get = (n: string) => tensors.get(n)!;
  const logits = toFloat32(get('logits'));
  const [T, B, C] = get('logits').shape as [number, number, number];
  const lengths = toInt32(get('input_lengths'));
  const flat = toInt32(get('targets'));
  const targets: Int32Array[] = [];
  let at = 0;
  for (const n of toInt32(get('target_lengths'))) {
    targets.push(flat.slice(at, at + n));
    at += n;
  }
  const none = toFloat32(get('loss_none'));
  const { perUtterance } = ctcLoss(logits, T, B, C, lengths, targets, null);
  for (let b = 0; b < B; b++) {
    if (none[b] === Number.POSITIVE_INFINITY) assert.equal(perUtterance[b], Number.POSITIVE_INFINITY);
    else assert.ok(Math.abs(perUtterance[b]! - none[b]!) < 1e-5 * Math.max(1, none[b]!), `utterance ${b}`);
  }
  for (const reduction of ['mean', 'sum'] as const) {
    const grad = new Float32Array(logits.length);
    const { loss } = ctcLoss(logits, T, B, C, lengths, targets, grad, { reduction, zeroInfinity: true });
    const expected = toFloat32(get(`loss_${reduction}`))[0]!;
    assert.ok(Math.abs(loss - expected) < 1e-5 * Math.max(1, expected), `${reduction}: ${loss} vs ${expected}`);
    const g = toFloat32(get(`grad_${reduction}`));
    for (let i = 0; i < g.length; i++)
      assert.ok(Math.abs(grad[i]! - g[i]!) < 1e-6, `${reduction} grad[${i}]: ${grad[i]} vs ${g[i]}`);
  }
});
