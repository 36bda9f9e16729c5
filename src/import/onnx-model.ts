// An ONNX model read as embedding → LSTM/GRU → projection, as torch.onnx.export writes one: a Gather on the
// embedding table, one LSTM or GRU operator per layer (gates i,o,f,c and z,r,h; W, R and B stacked per direction),
// and a MatMul (+ Add) or Gemm on the logits. The weights must be stored (initializers or Constant nodes, as the
// exporter's constant folding leaves them). Between these nodes only shape changes are allowed (Transpose, Squeeze,
// …); any other operator on the path is one error naming the node.

import { UserError } from '../core/errors.js';
import type { ParamTensor } from '../io/model-dir.js';
import { f16BitsToNumber } from '../io/tensor-convert.js';
import type { CellKind } from '../models/config.js';
import { alphabetFromJsonText } from './alphabet-file.js';
import { type ImportedNetwork, type RecurrentWeights, reorderGateBlocks, transposeMatrix, zeros } from './network.js';
import { decodeOnnxModel, type OnnxNode, type OnnxTensor } from './onnx-proto.js';

// PyTorch block k is ONNX block ORDER[k].
const LSTM_ORDER = [0, 2, 3, 1]; // i,f,g,o from i,o,f,c
const GRU_ORDER = [1, 0, 2]; // r,z,n from z,r,h
// Operators that only move or relabel values (or do nothing at inference).
const RESHAPING = new Set(['Transpose', 'Squeeze', 'Unsqueeze', 'Reshape', 'Identity', 'Dropout', 'Cast', 'Flatten']);

const FLOAT = 1;
const FLOAT16 = 10;
const DOUBLE = 11;

function fail(label: string, message: string): UserError {
  return new UserError(`${label}: ${message}`);
}

function nodeName(node: OnnxNode): string {
  return `${node.op_type} node '${node.name || node.output[0]}'`;
}

function tensorValues(t: OnnxTensor, label: string, what: string): ParamTensor {
  const shape = t.dims.map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  if (t.data_location === 1) throw fail(label, `${what} is stored in an external file, which memsig does not read`);
  const raw = t.raw_data;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const data = new Float32Array(count);
  if (t.data_type === FLOAT) {
    if (raw.length > 0) for (let i = 0; i < count; i++) data[i] = view.getFloat32(4 * i, true);
    else data.set(t.float_data.slice(0, count));
  } else if (t.data_type === DOUBLE) {
    if (raw.length > 0) for (let i = 0; i < count; i++) data[i] = view.getFloat64(8 * i, true);
    else data.set(t.double_data.slice(0, count));
  } else if (t.data_type === FLOAT16) {
    // Without raw_data, float16 values sit in int32_data, one per element.
    for (let i = 0; i < count; i++)
      data[i] = f16BitsToNumber(raw.length > 0 ? view.getUint16(2 * i, true) : t.int32_data[i]!);
  } else {
    throw fail(label, `${what} has ONNX data type ${t.data_type}, not a float type`);
  }
  if (raw.length > 0 && raw.length < count * (t.data_type === DOUBLE ? 8 : t.data_type === FLOAT16 ? 2 : 4)) {
    throw fail(label, `${what} holds fewer bytes than its shape [${shape}] needs`);
  }
  return { shape, data };
}

function attributeInt(node: OnnxNode, name: string, fallback: number): number {
  const a = node.attribute.find((x) => x.name === name);
  return a ? Number(a.i) : fallback;
}

function attributeFloat(node: OnnxNode, name: string, fallback: number): number {
  const a = node.attribute.find((x) => x.name === name);
  return a ? a.f : fallback;
}

function scaled(t: ParamTensor, factor: number): ParamTensor {
  return factor === 1 ? t : { shape: t.shape, data: t.data.map((v) => v * factor) };
}

function attributeStrings(node: OnnxNode, name: string): string[] | undefined {
  const a = node.attribute.find((x) => x.name === name);
  return a ? a.strings.map((s) => new TextDecoder().decode(s)) : undefined;
}

/** The network in an ONNX file's bytes; `label` (the file) starts every error. */
export function readOnnxModel(bytes: Uint8Array, label: string): ImportedNetwork {
  const model = decodeOnnxModel(bytes, label);
  const graph = model.graph;
  if (!graph || graph.node.length === 0) throw fail(label, 'an ONNX model without a graph');
  const stored = new Map<string, OnnxTensor>();
  for (const t of graph.initializer) stored.set(t.name, t);
  const producer = new Map<string, OnnxNode>();
  for (const node of graph.node) {
    for (const out of node.output) producer.set(out, node);
    if (node.op_type === 'Constant') {
      const value = node.attribute.find((a) => a.name === 'value')?.t;
      if (value && node.output[0]) stored.set(node.output[0], value);
    }
  }
  const weight = (name: string, node: OnnxNode, role: string): ParamTensor => {
    const t = stored.get(name);
    if (!t) {
      const from = producer.get(name);
      throw fail(
        label,
        `${nodeName(node)}: its ${role} '${name}' is computed${from ? ` by ${nodeName(from)}` : ''}, not stored; export with do_constant_folding=True`,
      );
    }
    return tensorValues(t, label, `${role} '${name}' of ${nodeName(node)}`);
  };
  // Follows a value back through reshaping operators to the node that computed it.
  const origin = (name: string): { node?: OnnxNode; value: string } => {
    let value = name;
    for (let node = producer.get(value); node && RESHAPING.has(node.op_type); node = producer.get(value)) {
      value = node.input[0]!;
    }
    return { node: producer.get(value), value };
  };

  const mapping: [string, string][] = [];
  let embed: ParamTensor | undefined;
  let embedOut = '';
  let cell: CellKind | undefined;
  let resetAfter: boolean | undefined;
  const layers: RecurrentWeights[] = [];
  let lastOut = '';
  let projWeight: ParamTensor | undefined;
  let projBias: ParamTensor | undefined;
  for (const node of graph.node) {
    const op = node.op_type;
    if (!embed && op === 'Gather' && stored.get(node.input[0]!)?.dims.length === 2) {
      embed = weight(node.input[0]!, node, 'table');
      embedOut = node.output[0]!;
      mapping.push(['embed.weight', `${node.input[0]} (${nodeName(node)})`]);
    } else if (op === 'LSTM' || op === 'GRU') {
      if (projWeight) throw fail(label, `${nodeName(node)} comes after the output projection`);
      const kind: CellKind = op === 'LSTM' ? 'lstm' : 'gru';
      if (cell && kind !== cell)
        throw fail(label, `${nodeName(node)} follows ${cell} layers; memsig's layers are all of one cell`);
      cell = kind;
      // linear_before_reset 0 (the operator's default): the reset gate scales h before R_h, not after.
      const after = kind === 'lstm' || attributeInt(node, 'linear_before_reset', 0) === 1;
      if (resetAfter !== undefined && after !== resetAfter) {
        throw fail(label, `${nodeName(node)} has linear_before_reset ${Number(after)} unlike the layers before it`);
      }
      resetAfter = after;
      const k = layers.length;
      const from = origin(node.input[0]!);
      const expected = k === 0 ? embedOut : lastOut;
      if (from.value !== expected) {
        const what = k === 0 ? 'the embedding (a Gather on a stored table)' : 'the layer before it';
        throw fail(
          label,
          `${nodeName(node)} reads ${from.node ? nodeName(from.node) : `'${from.value}'`}, not ${what}`,
        );
      }
      layers.push(recurrentLayer(node, kind, weight, label));
      lastOut = node.output[0]!;
      for (const [part, input] of [
        ['weight_ih', 1],
        ['weight_hh', 2],
        ['bias_ih', 3],
        ['bias_hh', 3],
      ] as const) {
        const name = node.input[input];
        mapping.push([
          `rnn.${part}_l${k}`,
          name
            ? `${name}${input === 3 ? (part === 'bias_ih' ? '[:G·H]' : '[G·H:]') : ''} (${nodeName(node)}, gates reordered)`
            : 'zeros (no bias)',
        ]);
      }
    } else if ((op === 'MatMul' || op === 'Gemm') && layers.length > 0 && !projWeight) {
      const units = layers[0]!.wHh.shape[1]!;
      // Logits = state · W: the state is the first operand, W (H, V) the second, unless Gemm transposes it (transB).
      if (stored.has(node.input[0]!) || origin(node.input[0]!).value !== lastOut) {
        throw fail(
          label,
          `${nodeName(node)} does not take the last recurrent layer as its first operand; memsig's projection must`,
        );
      }
      if (op === 'Gemm' && attributeInt(node, 'transA', 0) === 1) {
        throw fail(label, `${nodeName(node)} transposes the state (transA); memsig cannot follow it`);
      }
      const weightInput = 1;
      let w = weight(node.input[weightInput]!, node, 'weight');
      const transposed = op === 'Gemm' && attributeInt(node, 'transB', 0) === 1;
      if (!transposed) w = transposeMatrix(w);
      if (w.shape[1] !== units) {
        throw fail(
          label,
          `${nodeName(node)}: weight '${node.input[weightInput]}' has shape [${w.shape}] after orientation, which does not take ${units} units`,
        );
      }
      // Gemm computes alpha · A·B + beta · C.
      const alpha = op === 'Gemm' ? attributeFloat(node, 'alpha', 1) : 1;
      const beta = op === 'Gemm' ? attributeFloat(node, 'beta', 1) : 1;
      projWeight = scaled(w, alpha);
      mapping.push([
        'proj.weight',
        `${node.input[weightInput]} (${nodeName(node)}${transposed ? '' : ', transposed'})`,
      ]);
      const biasName = op === 'Gemm' ? node.input[2] : biasOf(graph.node, node.output[0]!, stored);
      if (biasName) {
        // A bias stored as (1, V) broadcasts like (V).
        const b = weight(biasName, node, 'bias');
        projBias = scaled({ shape: [b.data.length], data: b.data }, beta);
        mapping.push(['proj.bias', biasName]);
      } else {
        projBias = zeros([w.shape[0]!]);
        mapping.push(['proj.bias', 'zeros (no bias)']);
      }
    }
  }
  if (!embed) throw fail(label, 'no embedding: a Gather node on a stored 2-D table');
  if (!cell) {
    throw fail(
      label,
      'no LSTM or GRU node (a recurrent layer unrolled into other operators cannot be read; torch.onnx.export with dynamo=False writes LSTM/GRU nodes)',
    );
  }
  if (!projWeight || !projBias) throw fail(label, 'no MatMul or Gemm node reading the last recurrent layer');
  const meta = model.metadata_props.find((p) => p.key === 'alphabet');
  const alphabet = meta ? alphabetFromJsonText(meta.value, `${label} metadata_props alphabet`) : null;
  return {
    framework: 'onnx',
    cell,
    resetAfter: resetAfter ?? true,
    gate: 'sigmoid',
    embed,
    layers,
    projWeight,
    projBias,
    alphabet,
    mapping,
  };
}

// The stored vector added to `value` by an Add node right after it (the bias of a MatMul), if any.
function biasOf(
  nodes: readonly OnnxNode[],
  value: string,
  stored: ReadonlyMap<string, OnnxTensor>,
): string | undefined {
  const add = nodes.find((n) => n.op_type === 'Add' && n.input.includes(value));
  const other = add?.input.find((x) => x !== value);
  return other && stored.get(other)?.dims.length === 1 ? other : undefined;
}

function recurrentLayer(
  node: OnnxNode,
  kind: CellKind,
  weight: (name: string, node: OnnxNode, role: string) => ParamTensor,
  label: string,
): RecurrentWeights {
  const where = nodeName(node);
  const direction = node.attribute.find((a) => a.name === 'direction');
  const dir = direction ? new TextDecoder().decode(direction.s) : 'forward';
  if (dir !== 'forward') throw fail(label, `${where} runs ${dir}; memsig runs forward layers only`);
  if (node.attribute.some((a) => a.name === 'clip'))
    throw fail(label, `${where} clips its cell, which memsig does not`);
  if (attributeInt(node, 'input_forget', 0) !== 0)
    throw fail(label, `${where} couples its input and forget gates (input_forget)`);
  const activations = attributeStrings(node, 'activations');
  const standard = kind === 'lstm' ? ['Sigmoid', 'Tanh', 'Tanh'] : ['Sigmoid', 'Tanh'];
  if (activations && activations.join() !== standard.join()) {
    throw fail(label, `${where} has activations ${activations.join(', ')}; memsig's cells use ${standard.join(', ')}`);
  }
  if (kind === 'lstm' && node.input[7])
    throw fail(label, `${where} has peephole weights (input P), which memsig's LSTM lacks`);
  const order = kind === 'lstm' ? LSTM_ORDER : GRU_ORDER;
  // W (1, G·H, I), R (1, G·H, H), B (1, 2·G·H): the leading axis is the one direction.
  const drop = (t: ParamTensor, role: string): ParamTensor => {
    if (t.shape.length < 2 || t.shape[0] !== 1)
      throw fail(label, `${where}: ${role} has shape [${t.shape}], not one direction's`);
    return { shape: t.shape.slice(1), data: t.data };
  };
  const w = drop(weight(node.input[1]!, node, 'W'), 'W');
  const r = drop(weight(node.input[2]!, node, 'R'), 'R');
  const rows = w.shape[0]!;
  let bIh = zeros([rows]);
  let bHh = zeros([rows]);
  if (node.input[3]) {
    const b = drop(weight(node.input[3], node, 'B'), 'B');
    if (b.shape[0] !== 2 * rows) throw fail(label, `${where}: B has ${b.shape[0]} values, not 2 × ${rows}`);
    bIh = { shape: [rows], data: b.data.slice(0, rows) };
    bHh = { shape: [rows], data: b.data.slice(rows) };
  }
  return {
    wIh: reorderGateBlocks(w, order),
    wHh: reorderGateBlocks(r, order),
    bIh: reorderGateBlocks(bIh, order),
    bHh: reorderGateBlocks(bHh, order),
  };
}
