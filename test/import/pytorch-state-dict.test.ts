// readStateDict(): finding embedding, recurrent layers and projection in a state_dict under any names.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserError } from '../../src/core/errors.js';
import { readStateDict, type TensorRename } from '../../src/import/pytorch-state-dict.js';
import type { NamedTensor } from '../../src/io/tensor-dtypes.js';

// Values that say where they came from: element i of tensor k is k + i/1000.
function dict(shapes: Record<string, number[]>): Map<string, NamedTensor> {
  const out = new Map<string, NamedTensor>();
  Object.entries(shapes).forEach(([name, shape], k) => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1)).map((_, i) => k + i / 1000);
    out.set(name, { dtype: 'F32', shape, data });
  });
  return out;
}

// nn.LSTM(E, H, layers) under `prefix`, or one-layer modules `${prefix}.{k}` when `list`.
function lstm(prefix: string, E: number, H: number, layers: number, list = false): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  for (let k = 0; k < layers; k++) {
    const p = list ? `${prefix}.${k}.` : `${prefix}.`;
    const l = list ? 0 : k;
    shapes[`${p}weight_ih_l${l}`] = [4 * H, k === 0 ? E : H];
    shapes[`${p}weight_hh_l${l}`] = [4 * H, H];
    shapes[`${p}bias_ih_l${l}`] = [4 * H];
    shapes[`${p}bias_hh_l${l}`] = [4 * H];
  }
  return shapes;
}

const read = (shapes: Record<string, number[]>, renames: TensorRename[] = []) =>
  readStateDict(dict(shapes), renames, 'm.safetensors');
const source = (net: ReturnType<typeof read>, part: string) => net.mapping.find(([p]) => p === part)?.[1];

test('readStateDict() finds a stacked LSTM, its embedding and projection by shape under any names', () => {
  const net = read({ 'enc.weight': [7, 3], ...lstm('core', 3, 5, 2), 'head.weight': [7, 5], 'head.bias': [7] });
  assert.equal(net.cell, 'lstm');
  assert.equal(net.layers.length, 2);
  assert.equal(source(net, 'embed.weight'), 'enc.weight');
  assert.equal(source(net, 'rnn.weight_hh_l1'), 'core.weight_hh_l1');
  assert.equal(source(net, 'proj.weight'), 'head.weight');
  assert.equal(source(net, 'proj.bias'), 'head.bias');
});

test('readStateDict() orders a ModuleList of one-layer RNNs by index, 2 before 10', () => {
  const shapes: Record<string, number[]> = { 'emb.weight': [6, 4], 'out.weight': [6, 4], 'out.bias': [6] };
  for (const k of [10, 2, 0, 1, 3, 4, 5, 6, 7, 8, 9]) {
    Object.assign(shapes, {
      [`rnns.${k}.weight_ih_l0`]: [12, 4],
      [`rnns.${k}.weight_hh_l0`]: [12, 4],
      [`rnns.${k}.bias_ih_l0`]: [12],
      [`rnns.${k}.bias_hh_l0`]: [12],
    });
  }
  const net = read(shapes);
  assert.equal(net.cell, 'gru');
  assert.equal(net.layers.length, 11);
  assert.equal(source(net, 'rnn.weight_ih_l2'), 'rnns.2.weight_ih_l0');
  assert.equal(source(net, 'rnn.weight_ih_l10'), 'rnns.10.weight_ih_l0');
});

test('readStateDict() ties a missing projection to the embedding and fills a missing output bias with zeros', () => {
  const net = read({ 'emb.weight': [6, 4], ...lstm('rnn', 4, 4, 1) });
  assert.equal(net.projWeight, net.embed);
  assert.match(source(net, 'proj.weight') ?? '', /emb\.weight \(tied/);
  assert.deepEqual([...net.projBias.data], [0, 0, 0, 0, 0, 0]);
  assert.match(source(net, 'proj.bias') ?? '', /zeros/);
});

test('readStateDict() takes an RNN without biases (bias=False) with zero biases', () => {
  const shapes = lstm('rnn', 3, 2, 1);
  delete shapes['rnn.bias_ih_l0'];
  delete shapes['rnn.bias_hh_l0'];
  const net = read({ 'emb.weight': [5, 3], ...shapes, 'proj.weight': [5, 2], 'proj.bias': [5] });
  assert.deepEqual([...net.layers[0]!.bIh.data], new Array(8).fill(0));
});

test('readStateDict() asks for --map when two tensors fit the embedding and neither name says, and --map settles it', () => {
  const shapes = { 'a.weight': [6, 4], 'b.weight': [6, 4], ...lstm('rnn', 4, 4, 1) };
  assert.throws(
    () => read(shapes),
    (err: Error) => {
      assert.ok(err instanceof UserError);
      assert.match(
        err.message,
        /which tensor is the embedding\? 'a\.weight', 'b\.weight' all fit; say it with --map NAME=embed\.weight/,
      );
      return true;
    },
  );
  const net = read(shapes, [['b.weight', 'embed.weight']]);
  assert.equal(source(net, 'embed.weight'), 'b.weight');
  assert.equal(source(net, 'proj.weight'), 'a.weight');
  assert.equal(net.embed.data[0], 1); // b.weight is the second tensor
});

test('readStateDict() names a tensor it cannot place, and --map NAME=- leaves it out', () => {
  const shapes = { 'emb.weight': [6, 4], ...lstm('rnn', 4, 4, 1), 'norm.weight': [4] };
  assert.throws(
    () => read(shapes),
    /tensor 'norm\.weight' \(shape \[4\]\) has no place in embedding → lstm → linear; give --map norm\.weight=- to leave it out/,
  );
  assert.equal(read(shapes, [['norm.weight', '-']]).layers.length, 1);
});

test('readStateDict() refuses bidirectional layers, projections, mixed cells and unknown --map names, naming the tensor', () => {
  const base = { 'emb.weight': [6, 4], 'out.weight': [6, 4] };
  assert.throws(
    () => read({ ...base, ...lstm('rnn', 4, 4, 1), 'rnn.weight_ih_l0_reverse': [16, 4] }),
    /tensor 'rnn\.weight_ih_l0_reverse' belongs to a bidirectional RNN/,
  );
  assert.throws(
    () => read({ ...base, ...lstm('rnn', 4, 4, 1), 'rnn.weight_hr_l0': [2, 4] }),
    /'rnn\.weight_hr_l0' is an LSTM projection/,
  );
  const gru = { 'x.weight_ih_l0': [12, 4], 'x.weight_hh_l0': [12, 4] };
  assert.throws(
    () => read({ ...base, ...lstm('a', 4, 4, 1), ...gru }),
    /tensor 'x\.weight_hh_l0' is a gru layer after lstm layers/,
  );
  assert.throws(
    () => read({ ...base, ...lstm('rnn', 4, 4, 1) }, [['nope', 'proj.weight']]),
    /--map nope=…: m\.safetensors has no tensor 'nope'/,
  );
  assert.throws(
    () => read({ 'emb.weight': [6, 3], ...lstm('rnn', 3, 4, 1) }),
    /no output projection found \(a tensor of shape \(6, 4\)\)/,
  );
  assert.throws(() => read(base), /no recurrent layer found/);
});
