// What every importer produces: a character RNN (embedding → LSTM/GRU layers → projection) in PyTorch's layouts and
// gate orders, with a note of where each part came from. toModelParams() turns it into memsig's named parameters.

import type { GateActivation } from '../core/activations.js';
import { UserError } from '../core/errors.js';
import type { ParamTensor } from '../io/model-dir.js';
import type { CellKind } from '../models/config.js';

/** One recurrent layer as nn.LSTM / nn.GRU stores it: gates stacked in blocks of H rows (i,f,g,o or r,z,n). */
export interface RecurrentWeights {
  wIh: ParamTensor; // (G·H, I)
  wHh: ParamTensor; // (G·H, H)
  bIh: ParamTensor; // (G·H)
  bHh: ParamTensor; // (G·H)
}

export interface ImportedNetwork {
  framework: 'pytorch' | 'keras' | 'onnx';
  cell: CellKind;
  /** GRU: false when the reset gate scales h before the recurrent product (Keras reset_after=False). */
  resetAfter: boolean;
  /** The gate function of every layer (Keras's hard sigmoid where the model was trained with it). */
  gate: GateActivation;
  embed: ParamTensor; // (V, E)
  layers: RecurrentWeights[];
  projWeight: ParamTensor; // (V, H)
  projBias: ParamTensor; // (V)
  /** The alphabet stored with the model, when it has one. */
  alphabet: string[] | null;
  /** memsig part → where it came from in the source (tensor, layer or node names; "tied", "zeros"). */
  mapping: [string, string][];
}

export function tensor(shape: number[], data: Float32Array): ParamTensor {
  return { shape, data };
}

export function zeros(shape: number[]): ParamTensor {
  return { shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) };
}

/** Rows (or, for a vector, elements) of `t` as G blocks reordered: block k of the result is block order[k] of t. */
export function reorderGateBlocks(t: ParamTensor, order: readonly number[]): ParamTensor {
  const rows = t.shape[0]!;
  const g = order.length;
  const block = (rows / g) * (t.data.length / rows);
  const out = new Float32Array(t.data.length);
  order.forEach((from, k) => {
    out.set(t.data.subarray(from * block, (from + 1) * block), k * block);
  });
  return { shape: [...t.shape], data: out };
}

/** The transpose of a matrix (R, C) → (C, R). */
export function transposeMatrix(t: ParamTensor): ParamTensor {
  const [r, c] = t.shape as [number, number];
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = t.data[i * c + j]!;
  return { shape: [c, r], data: out };
}

function showShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Sizes of the network; every tensor is checked against them, each mismatch a UserError naming its source. */
export function networkSizes(net: ImportedNetwork): { vocab: number; embed: number; units: number; layers: number } {
  const source = (part: string) => net.mapping.find(([p]) => p === part)?.[1] ?? part;
  const expect = (part: string, t: ParamTensor, shape: number[]) => {
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new UserError(
        `${source(part)} has shape ${showShape(t.shape)} where ${part} needs ${showShape(shape)}; use --map if it is another tensor`,
      );
    }
  };
  if (net.embed.shape.length !== 2) expect('embed.weight', net.embed, [0, 0]);
  const [vocab, embed] = net.embed.shape as [number, number];
  if (net.layers.length === 0) throw new UserError('no recurrent layer found (memsig imports LSTM and GRU layers)');
  const g = net.cell === 'lstm' ? 4 : 3;
  const units = net.layers[0]!.wHh.shape[1]!;
  net.layers.forEach((layer, k) => {
    const inputSize = k === 0 ? embed : units;
    expect(`rnn.weight_ih_l${k}`, layer.wIh, [g * units, inputSize]);
    expect(`rnn.weight_hh_l${k}`, layer.wHh, [g * units, units]);
    expect(`rnn.bias_ih_l${k}`, layer.bIh, [g * units]);
    expect(`rnn.bias_hh_l${k}`, layer.bHh, [g * units]);
  });
  expect('proj.weight', net.projWeight, [vocab, units]);
  expect('proj.bias', net.projBias, [vocab]);
  return { vocab, embed, units, layers: net.layers.length };
}

/** memsig's parameters (embed.*, rnn.*, proj.*) of a checked network. */
export function toModelParams(net: ImportedNetwork): Map<string, ParamTensor> {
  networkSizes(net);
  const params = new Map<string, ParamTensor>();
  params.set('embed.weight', net.embed);
  net.layers.forEach((layer, k) => {
    params.set(`rnn.weight_ih_l${k}`, layer.wIh);
    params.set(`rnn.weight_hh_l${k}`, layer.wHh);
    params.set(`rnn.bias_ih_l${k}`, layer.bIh);
    params.set(`rnn.bias_hh_l${k}`, layer.bHh);
  });
  params.set('proj.weight', net.projWeight);
  params.set('proj.bias', net.projBias);
  return params;
}
