// A TensorFlow.js / Keras layers model (model.json + weight shards) read as embedding → LSTM/GRU → dense.
// Keras keeps kernels as (inputs, gates·H) with gate columns i,f,c,o (LSTM) or z,r,h (GRU); memsig keeps PyTorch's
// (gates·H, inputs) rows i,f,g,o and r,z,n. An LSTM's one bias becomes bias_ih (bias_hh zero); a GRU with
// reset_after (Keras's default since TensorFlow 2) has PyTorch's equations and both biases. A GRU without it (TensorFlow.js's
// default) applies the reset gate before the recurrent product, r ⊙ h, which no choice of weights turns into
// PyTorch's r ⊙ (W h + b): it becomes a model with resetAfter false, which memsig runs forward only.

import { dirname, join } from 'node:path';
import type { GateActivation } from '../core/activations.js';
import { UserError } from '../core/errors.js';
import type { ParamTensor } from '../io/model-dir.js';
import { readFileBytes } from '../io/read-file.js';
import { f16BitsToNumber } from '../io/tensor-convert.js';
import type { CellKind } from '../models/config.js';
import { alphabetFromValue } from './alphabet-file.js';
import { type ImportedNetwork, type RecurrentWeights, reorderGateBlocks, transposeMatrix, zeros } from './network.js';

// PyTorch block k is Keras block ORDER[k].
const LSTM_ORDER = [0, 1, 2, 3]; // i,f,c,o = i,f,g,o
const GRU_ORDER = [1, 0, 2]; // r,z,n from z,r,h
// Layers that change nothing at inference.
const PASS_THROUGH = new Set(['InputLayer', 'Dropout', 'SpatialDropout1D', 'GaussianNoise', 'GaussianDropout']);

interface KerasLayer {
  className: string;
  name: string;
  config: Record<string, unknown>;
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype?: string;
  quantization?: { dtype: string; scale?: number; min?: number };
}

export interface KerasFiles {
  /** Every file read, in reading order (model.json first). */
  files: string[];
  modelJson: unknown;
  network: Omit<ImportedNetwork, 'alphabet'> & { alphabet: string[] | null };
}

function fail(label: string, message: string): UserError {
  return new UserError(`${label}: ${message}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The layers of a Sequential or functional model's topology, in order. */
function topologyLayers(model: Record<string, unknown>, label: string): KerasLayer[] {
  let topology = model.modelTopology;
  if (isObject(topology) && isObject(topology.model_config)) topology = topology.model_config;
  if (!isObject(topology) || typeof topology.class_name !== 'string') {
    throw fail(
      label,
      'no modelTopology with a class_name: not a TensorFlow.js layers model (a graph model cannot be imported)',
    );
  }
  const config = topology.config;
  const list = Array.isArray(config) ? config : isObject(config) ? config.layers : undefined;
  if (!Array.isArray(list)) throw fail(label, `modelTopology (${topology.class_name}) has no list of layers`);
  return list.map((raw, i) => {
    if (!isObject(raw) || typeof raw.class_name !== 'string' || !isObject(raw.config)) {
      throw fail(label, `layer ${i} of modelTopology has no class_name and config`);
    }
    let layer: KerasLayer = {
      className: raw.class_name,
      name: String(raw.config.name ?? raw.name ?? `#${i}`),
      config: raw.config,
    };
    // TimeDistributed(Dense) applies the dense layer at every step, as memsig does; its weights carry the wrapper's name.
    if (layer.className === 'TimeDistributed' && isObject(raw.config.layer)) {
      const inner = raw.config.layer;
      if (typeof inner.class_name === 'string' && isObject(inner.config)) {
        layer = { className: inner.class_name, name: layer.name, config: inner.config };
      }
    }
    return layer;
  });
}

/** Reads the shards of model.json's weightsManifest: weight name → values and shape. */
async function readWeights(
  model: Record<string, unknown>,
  dir: string,
  label: string,
  files: string[],
): Promise<Map<string, ParamTensor>> {
  const manifest = model.weightsManifest;
  if (!Array.isArray(manifest)) throw fail(label, 'no weightsManifest');
  const weights = new Map<string, ParamTensor>();
  for (const group of manifest) {
    if (!isObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw fail(label, 'a weightsManifest entry lacks paths or weights');
    }
    const chunks: Uint8Array[] = [];
    for (const p of group.paths) {
      const path = join(dir, String(p));
      files.push(path);
      chunks.push(await readFileBytes(path));
    }
    const bytes = Buffer.concat(chunks);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let offset = 0;
    for (const spec of group.weights as WeightSpec[]) {
      const count = spec.shape.reduce((a, b) => a * b, 1);
      const q = spec.quantization;
      const dtype = q ? q.dtype : (spec.dtype ?? 'float32');
      const size =
        dtype === 'float32' || dtype === 'int32'
          ? 4
          : dtype === 'uint16' || dtype === 'float16'
            ? 2
            : dtype === 'uint8'
              ? 1
              : 0;
      if (size === 0) throw fail(label, `weight '${spec.name}' has dtype ${dtype}, which memsig cannot read`);
      if (offset + count * size > bytes.length) {
        throw fail(label, `the weight shards end before weight '${spec.name}' (${bytes.length} bytes)`);
      }
      const data = new Float32Array(count);
      for (let i = 0; i < count; i++) {
        const at = offset + i * size;
        if (dtype === 'float32') data[i] = view.getFloat32(at, true);
        else if (dtype === 'int32') data[i] = view.getInt32(at, true);
        else if (dtype === 'float16') data[i] = f16BitsToNumber(view.getUint16(at, true));
        else {
          // Affine quantization: value = min + scale · q.
          const raw = dtype === 'uint8' ? view.getUint8(at) : view.getUint16(at, true);
          data[i] = (q?.min ?? 0) + (q?.scale ?? 1) * raw;
        }
      }
      offset += count * size;
      weights.set(spec.name, { shape: [...spec.shape], data });
    }
  }
  return weights;
}

// The weight of `layer` whose last name part is `part` (tfjs-converter writes layer/…/part).
function layerWeight(
  weights: ReadonlyMap<string, ParamTensor>,
  layer: KerasLayer,
  part: string,
): { name: string; t: ParamTensor } | undefined {
  for (const [name, t] of weights) {
    const parts = name.split('/');
    if (parts[parts.length - 1] === part && parts.slice(0, -1).includes(layer.name)) return { name, t };
  }
  return undefined;
}

// The layer's gate function: the sigmoid, or the hard sigmoid of Keras 2 and TensorFlow.js (TensorFlow.js's default).
function checkRecurrentConfig(layer: KerasLayer, label: string, kerasVersion: string): GateActivation {
  const c = layer.config;
  const where = `${layer.className} layer '${layer.name}'`;
  const activation = c.activation ?? 'tanh';
  if (activation !== 'tanh')
    throw fail(label, `${where} has activation ${JSON.stringify(activation)}; memsig's cells use tanh`);
  if (c.go_backwards === true) throw fail(label, `${where} reads backwards (go_backwards), which memsig cannot run`);
  const recurrent = c.recurrent_activation ?? 'sigmoid';
  if (recurrent === 'sigmoid') return 'sigmoid';
  if (recurrent === 'hard_sigmoid' || recurrent === 'hardSigmoid') {
    // Keras 3 redefined it as relu6(x + 3) / 6; memsig runs the 0.2·x + 0.5 of Keras 2 and TensorFlow.js.
    if (kerasVersion.startsWith('3')) {
      throw fail(
        label,
        `${where} has Keras ${kerasVersion}'s hard_sigmoid (x/6 + 0.5), not the 0.2·x + 0.5 memsig runs`,
      );
    }
    return 'hard_sigmoid';
  }
  throw fail(
    label,
    `${where} has recurrent_activation ${JSON.stringify(recurrent)}; memsig's gates are sigmoid or hard_sigmoid`,
  );
}

/** The network of a TensorFlow.js layers model; `path` is model.json or its folder. */
export async function readKerasModel(path: string, modelJson: unknown): Promise<KerasFiles> {
  const label = path;
  if (!isObject(modelJson)) throw fail(label, 'not a TensorFlow.js model.json (a JSON object)');
  const files = [path];
  const layers = topologyLayers(modelJson, label).filter((l) => !PASS_THROUGH.has(l.className));
  const weights = await readWeights(modelJson, dirname(path), label, files);
  const mapping: [string, string][] = [];
  const need = (layer: KerasLayer, part: string) => {
    const w = layerWeight(weights, layer, part);
    if (!w) throw fail(label, `${layer.className} layer '${layer.name}' has no weight '${part}' in weightsManifest`);
    return w;
  };

  let embed: ParamTensor | undefined;
  let cell: CellKind | undefined;
  let resetAfter: boolean | undefined;
  let gate: GateActivation | undefined;
  // The Keras that wrote the file (modelTopology.keras_version, or model_config's sibling), '' when not said.
  const topology = modelJson.modelTopology;
  const kerasVersion = isObject(topology) && typeof topology.keras_version === 'string' ? topology.keras_version : '';
  const recurrent: RecurrentWeights[] = [];
  let projWeight: ParamTensor | undefined;
  let projBias: ParamTensor | undefined;
  for (const layer of layers) {
    const where = `${layer.className} layer '${layer.name}'`;
    if (projWeight) {
      const act = layer.config.activation;
      if (layer.className === 'Activation' && (act === 'softmax' || act === 'linear')) continue;
      throw fail(label, `${where} follows the output layer; memsig's model ends at the projection`);
    }
    if (layer.className === 'Embedding') {
      if (embed || recurrent.length > 0) throw fail(label, `${where} is a second embedding`);
      if (layer.config.mask_zero === true) {
        throw fail(label, `${where} has mask_zero: its RNNs skip symbol 0, which memsig's cannot`);
      }
      const w = need(layer, 'embeddings');
      embed = w.t;
      mapping.push(['embed.weight', w.name]);
    } else if (layer.className === 'LSTM' || layer.className === 'GRU') {
      const layerGate = checkRecurrentConfig(layer, label, kerasVersion);
      if (gate !== undefined && layerGate !== gate) {
        throw fail(
          label,
          `${where} has ${layerGate} gates after layers with ${gate}; memsig's layers are all of one kind`,
        );
      }
      gate = layerGate;
      const kind: CellKind = layer.className === 'LSTM' ? 'lstm' : 'gru';
      if (cell && kind !== cell)
        throw fail(label, `${where} follows ${cell} layers; memsig's layers are all of one cell`);
      cell = kind;
      // Keras 2.3+ writes reset_after; a model.json without it is older (or TensorFlow.js's), where it was false.
      const after = kind === 'lstm' || layer.config.reset_after === true;
      if (resetAfter !== undefined && after !== resetAfter) {
        throw fail(
          label,
          `${where} has reset_after ${after} after layers with ${resetAfter}; memsig's layers are all of one kind`,
        );
      }
      resetAfter = after;
      const order = kind === 'lstm' ? LSTM_ORDER : GRU_ORDER;
      const k = recurrent.length;
      const kernel = need(layer, 'kernel');
      const rec = need(layer, 'recurrent_kernel');
      const rows = kernel.t.shape[1] ?? 0;
      let bIh = zeros([rows]);
      let bHh = zeros([rows]);
      const bias = layer.config.use_bias === false ? undefined : need(layer, 'bias');
      if (bias && kind === 'gru' && after) {
        if (bias.t.shape.length !== 2 || bias.t.shape[0] !== 2) {
          throw fail(label, `weight '${bias.name}' has shape [${bias.t.shape}], not the (2, 3·H) of a reset_after GRU`);
        }
        bIh = { shape: [rows], data: bias.t.data.slice(0, rows) };
        bHh = { shape: [rows], data: bias.t.data.slice(rows) };
      } else if (bias) bIh = bias.t;
      recurrent.push({
        wIh: reorderGateBlocks(transposeMatrix(kernel.t), order),
        wHh: reorderGateBlocks(transposeMatrix(rec.t), order),
        bIh: reorderGateBlocks(bIh, order),
        bHh: reorderGateBlocks(bHh, order),
      });
      mapping.push([`rnn.weight_ih_l${k}`, `${kernel.name} (transposed, gates reordered)`]);
      mapping.push([`rnn.weight_hh_l${k}`, `${rec.name} (transposed, gates reordered)`]);
      const twoBiases = bias && kind === 'gru' && after;
      mapping.push([`rnn.bias_ih_l${k}`, bias ? `${bias.name}${twoBiases ? '[0]' : ''}` : 'zeros (no bias)']);
      mapping.push([`rnn.bias_hh_l${k}`, twoBiases ? `${bias.name}[1]` : 'zeros (Keras has one bias)']);
    } else if (layer.className === 'Dense') {
      if (recurrent.length === 0) throw fail(label, `${where} comes before any recurrent layer`);
      const act = layer.config.activation ?? 'linear';
      if (act !== 'linear' && act !== 'softmax') {
        throw fail(
          label,
          `${where} has activation ${JSON.stringify(act)}; memsig's projection gives logits (linear, or softmax after it)`,
        );
      }
      const w = need(layer, 'kernel');
      projWeight = transposeMatrix(w.t);
      mapping.push(['proj.weight', `${w.name} (transposed)`]);
      const b = layer.config.use_bias === false ? undefined : need(layer, 'bias');
      projBias = b ? b.t : zeros([projWeight.shape[0]!]);
      mapping.push(['proj.bias', b ? b.name : 'zeros (no bias)']);
    } else {
      throw fail(label, `${where} has no counterpart in memsig's model (embedding → LSTM/GRU layers → dense)`);
    }
  }
  if (!cell) throw fail(label, 'no LSTM or GRU layer');
  if (!projWeight || !projBias) throw fail(label, 'no Dense output layer after the recurrent layers');
  if (!embed) {
    // One-hot input (Keras's classic text-generation example): the first kernel's rows are the embedding.
    const inputs = recurrent[0]!.wIh.shape[1]!;
    if (inputs !== projWeight.shape[0]) {
      throw fail(
        label,
        `no Embedding layer, and the first recurrent layer reads ${inputs} inputs, not one per symbol (${projWeight.shape[0]})`,
      );
    }
    embed = { shape: [inputs, inputs], data: new Float32Array(inputs * inputs) };
    for (let i = 0; i < inputs; i++) embed.data[i * inputs + i] = 1;
    mapping.unshift(['embed.weight', 'identity (the model reads one-hot symbols)']);
  }
  return {
    files,
    modelJson,
    network: {
      framework: 'keras',
      resetAfter: resetAfter ?? true,
      gate: gate ?? 'sigmoid',
      cell,
      embed,
      layers: recurrent,
      projWeight,
      projBias,
      mapping,
      alphabet: modelAlphabet(modelJson),
    },
  };
}

// An alphabet stored with the model: userDefinedMetadata.alphabet (a list or a {char: id} map), if any.
function modelAlphabet(model: Record<string, unknown>): string[] | null {
  const meta = model.userDefinedMetadata;
  if (isObject(meta) && meta.alphabet !== undefined)
    return alphabetFromValue(meta.alphabet, 'model.json userDefinedMetadata.alphabet');
  return null;
}
