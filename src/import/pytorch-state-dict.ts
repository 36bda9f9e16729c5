// A PyTorch state_dict (saved as safetensors) under any parameter names, read as embedding → LSTM/GRU → linear.
// The recurrent layers are found by nn.LSTM/nn.GRU's own suffixes (weight_ih_l0 …), stacked in one module or as a
// list of one-layer modules; the embedding and the projection by their shapes, with name patterns to break ties.
// --map renames tensors first (memsig's own names are then taken as they are; "-" leaves a tensor out).

import { UserError } from '../core/errors.js';
import type { ParamTensor } from '../io/model-dir.js';
import { toFloat32 } from '../io/tensor-convert.js';
import type { NamedTensor } from '../io/tensor-dtypes.js';
import type { CellKind } from '../models/config.js';
import { type ImportedNetwork, type RecurrentWeights, zeros } from './network.js';

const RECURRENT = /^(.*?)\.?(weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)_l(\d+)(_reverse)?$/;
const EMBEDDING_NAME = /emb|encoder|wte|lookup|token/i;
const PROJECTION_NAME = /proj|decoder|out|fc|linear|head|classifier|logit|dense|softmax/i;

/** A rename given with --map: source tensor name → memsig name, or "-" to leave the tensor out. */
export type TensorRename = [from: string, to: string];

interface Found {
  name: string;
  shape: number[];
  read: () => ParamTensor;
}

function show(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

// Names with their numbers compared as numbers: rnns.2 before rnns.10.
function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

function renamed(tensors: ReadonlyMap<string, NamedTensor>, renames: readonly TensorRename[], label: string) {
  const found = new Map<string, Found>();
  const to = new Map(renames);
  for (const [from] of renames) {
    if (!tensors.has(from)) throw new UserError(`--map ${from}=…: ${label} has no tensor '${from}'`);
  }
  for (const [name, t] of tensors) {
    const target = to.get(name) ?? name;
    if (target === '-') continue;
    if (found.has(target)) throw new UserError(`--map: two tensors would be named '${target}'`);
    found.set(target, {
      name,
      shape: [...t.shape],
      read: () => ({ shape: [...t.shape], data: toFloat32(t, `${label}: tensor '${name}'`) }),
    });
  }
  return found;
}

/** The network in a state_dict; `label` (the file) starts every error. */
export function readStateDict(
  tensors: ReadonlyMap<string, NamedTensor>,
  renames: readonly TensorRename[],
  label: string,
): Omit<ImportedNetwork, 'alphabet'> {
  const found = renamed(tensors, renames, label);
  const used = new Set<string>();
  const mapping: [string, string][] = [];
  const take = (key: string, part: string): ParamTensor => {
    used.add(key);
    const f = found.get(key)!;
    mapping.push([part, f.name]);
    return f.read();
  };

  // Recurrent tensors, grouped by module and layer: module path → layer index → suffix → key.
  const modules = new Map<string, Map<number, Map<string, string>>>();
  for (const key of found.keys()) {
    const m = RECURRENT.exec(key);
    if (!m) continue;
    const [, module = '', kind = '', layer = '0', reverse] = m;
    const source = found.get(key)!.name;
    if (reverse)
      throw new UserError(`${label}: tensor '${source}' belongs to a bidirectional RNN, which memsig cannot run`);
    if (kind === 'weight_hr') {
      throw new UserError(`${label}: tensor '${source}' is an LSTM projection (proj_size), which memsig cannot run`);
    }
    const layers = modules.get(module) ?? new Map<number, Map<string, string>>();
    modules.set(module, layers);
    const parts = layers.get(Number(layer)) ?? new Map<string, string>();
    layers.set(Number(layer), parts);
    parts.set(kind, key);
  }
  if (modules.size === 0) {
    throw new UserError(
      `${label}: no recurrent layer found (no tensor named like nn.LSTM/nn.GRU's weight_ih_l0); name them with --map`,
    );
  }

  let cell: CellKind | undefined;
  let cellFrom = '';
  const layers: RecurrentWeights[] = [];
  for (const module of [...modules.keys()].sort(naturalCompare)) {
    const byLayer = modules.get(module)!;
    const indices = [...byLayer.keys()].sort((a, b) => a - b);
    indices.forEach((index, i) => {
      const parts = byLayer.get(index)!;
      const where = `${module ? `${module}.` : ''}…_l${index}`;
      if (index !== i) throw new UserError(`${label}: layer ${where} has no layer ${i} before it`);
      for (const kind of ['weight_ih', 'weight_hh']) {
        if (!parts.has(kind)) throw new UserError(`${label}: layer ${where} has no ${kind}_l${index}`);
      }
      const hhKey = parts.get('weight_hh')!;
      const hh = found.get(hhKey)!;
      const units = hh.shape[1] ?? 0;
      const gates = hh.shape.length === 2 && units > 0 ? hh.shape[0]! / units : 0;
      const kind: CellKind | undefined = gates === 4 ? 'lstm' : gates === 3 ? 'gru' : undefined;
      if (!kind) {
        throw new UserError(
          `${label}: tensor '${hh.name}' has shape ${show(hh.shape)}, neither an LSTM's (4·H, H) nor a GRU's (3·H, H)`,
        );
      }
      if (cell && kind !== cell) {
        throw new UserError(
          `${label}: tensor '${hh.name}' is a ${kind} layer after ${cell} layers (${cellFrom}); memsig's layers are all of one cell`,
        );
      }
      cell = kind;
      cellFrom = hh.name;
      const k = layers.length;
      const rows = hh.shape[0]!;
      const bias = (part: 'bias_ih' | 'bias_hh') => {
        const key = parts.get(part);
        if (key) return take(key, `rnn.${part}_l${k}`);
        mapping.push([`rnn.${part}_l${k}`, 'zeros (no bias)']);
        return zeros([rows]);
      };
      layers.push({
        wIh: take(parts.get('weight_ih')!, `rnn.weight_ih_l${k}`),
        wHh: take(hhKey, `rnn.weight_hh_l${k}`),
        bIh: bias('bias_ih'),
        bHh: bias('bias_hh'),
      });
    });
  }
  const embedSize = layers[0]!.wIh.shape[1]!;
  const units = layers[0]!.wHh.shape[1]!;

  const embedKey = pick(
    found,
    used,
    'embed.weight',
    EMBEDDING_NAME,
    (s) => s.length === 2 && s[1] === embedSize,
    label,
    `(symbols, ${embedSize})`,
  );
  const embed = take(embedKey, 'embed.weight');
  const vocab = embed.shape[0]!;

  const projCandidates = (s: readonly number[]) => s.length === 2 && s[0] === vocab && s[1] === units;
  const hasProj = found.has('proj.weight') || [...found].some(([k, f]) => !used.has(k) && projCandidates(f.shape));
  let projWeight: ParamTensor;
  let projKey: string | undefined;
  if (hasProj) {
    projKey = pick(found, used, 'proj.weight', PROJECTION_NAME, projCandidates, label, `(${vocab}, ${units})`);
    projWeight = take(projKey, 'proj.weight');
  } else if (embedSize === units) {
    // A tied output layer is saved once (safetensors keeps one name per storage): it is the embedding.
    projWeight = embed;
    mapping.push(['proj.weight', `${found.get(embedKey)!.name} (tied to the embedding)`]);
  } else {
    throw new UserError(
      `${label}: no output projection found (a tensor of shape (${vocab}, ${units})), and the embedding cannot be tied to it (${embedSize} ≠ ${units} units)`,
    );
  }

  const biasKey = projBiasKey(found, used, projKey, vocab);
  let projBias: ParamTensor;
  if (biasKey) projBias = take(biasKey, 'proj.bias');
  else {
    projBias = zeros([vocab]);
    mapping.push(['proj.bias', 'zeros (no bias)']);
  }

  const left = [...found.keys()].filter((k) => !used.has(k));
  if (left.length > 0) {
    const f = found.get(left[0]!)!;
    throw new UserError(
      `${label}: tensor '${f.name}' (shape ${show(f.shape)}) has no place in embedding → ${cell} → linear; give --map ${f.name}=- to leave it out${left.length > 1 ? ` (${left.length - 1} more left over)` : ''}`,
    );
  }
  return {
    framework: 'pytorch',
    cell: cell!,
    resetAfter: true,
    gate: 'sigmoid',
    embed,
    layers,
    projWeight,
    projBias,
    mapping,
  };
}

// The key for a part: memsig's own name if present, else the one candidate of the right shape, else the one
// candidate whose name says what it is.
function pick(
  found: ReadonlyMap<string, Found>,
  used: ReadonlySet<string>,
  own: string,
  pattern: RegExp,
  fits: (shape: readonly number[]) => boolean,
  label: string,
  shapeText: string,
): string {
  if (found.has(own)) return own;
  const candidates = [...found.keys()].filter((k) => !used.has(k) && fits(found.get(k)!.shape));
  if (candidates.length === 1) return candidates[0]!;
  const named = candidates.filter((k) => pattern.test(k));
  if (named.length === 1) return named[0]!;
  const what = own === 'embed.weight' ? 'embedding' : 'output projection';
  if (candidates.length === 0) throw new UserError(`${label}: no ${what} found (a tensor of shape ${shapeText})`);
  const names = (named.length > 1 ? named : candidates).map((k) => `'${found.get(k)!.name}'`).join(', ');
  throw new UserError(`${label}: which tensor is the ${what}? ${names} all fit; say it with --map NAME=${own}`);
}

function projBiasKey(
  found: ReadonlyMap<string, Found>,
  used: ReadonlySet<string>,
  projKey: string | undefined,
  vocab: number,
): string | undefined {
  const isBias = (k: string) => !used.has(k) && found.get(k)!.shape.length === 1 && found.get(k)!.shape[0] === vocab;
  if (found.has('proj.bias') && isBias('proj.bias')) return 'proj.bias';
  if (projKey?.endsWith('weight')) {
    const sibling = `${projKey.slice(0, -'weight'.length)}bias`;
    if (found.has(sibling) && isBias(sibling)) return sibling;
  }
  // A lone vector of the alphabet's size is the output bias (e.g. a tied projection's own bias).
  const vectors = [...found.keys()].filter(isBias);
  return vectors.length === 1 ? vectors[0] : undefined;
}
