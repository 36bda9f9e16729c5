// The states of a LAS at the drawn positions: the model runs over the utterances that hold any (in batches), and
// only the rows of drawn positions are kept, per probe an (N, D) matrix in shared memory (the decoder pool's workers
// read it without a copy). The speller runs teacher-forced on the transcript when a speller probe needs it, and its
// own next-grapheme prediction is tallied on the way (the signature's forward accuracy).

import type { Gemm } from '../core/gemm.js';
import type { ListenerLayerStates } from '../models/las.js';
import { EOS, graphemeCount, SYMBOL_OFFSET } from '../models/las-config.js';
import { windowFeatures } from './feature-control.js';
import type { PassHooks } from './las-alignments.js';
import { batchOrder, type LasUtterance, makeBatch } from './las-batches.js';
import type { ProbeSample } from './las-positions.js';
import type { LasLike, LasProbe } from './las-probes.js';
import type { StateDirection, StateKind } from './signature-types.js';

/** A probe, the positions drawn for it in this partition, and its state size. */
export interface ProbeRows {
  probe: LasProbe;
  sample: ProbeSample;
  D: number;
}

/** The speller's teacher-forced next-grapheme prediction, per grapheme (not <eos>) of the transcripts. */
export interface ForwardTally {
  count: number[];
  correct: number[];
  /** Σ −ln P(target) over those targets (the model's full softmax). */
  loss: number;
}

export function emptyTally(alphabet: number): ForwardTally {
  return { count: new Array(alphabet).fill(0), correct: new Array(alphabet).fill(0), loss: 0 };
}

export interface StateSettings {
  state: StateKind;
  direction: StateDirection;
  batch: number;
}

/**
 * Per probe of `rows`, its states at the drawn positions of `utterances` (N, D). With `tally`, every utterance is run
 * through the speller and counted in it.
 */
export async function extractProbeStates(
  model: LasLike,
  gemm: Gemm,
  utterances: readonly LasUtterance[],
  rows: readonly ProbeRows[],
  settings: StateSettings,
  tally: ForwardTally | null,
  hooks: PassHooks = {},
): Promise<Float32Array[]> {
  const out = rows.map((r) => new Float32Array(new SharedArrayBuffer(r.sample.position.length * r.D * 4)));
  const config = model.config;
  rows.forEach((r, p) => {
    if (r.probe.role !== 'features') return;
    const { window } = r.probe;
    const { utterance, position } = r.sample;
    for (let i = 0; i < position.length; i++) {
      const u = utterances[utterance[i]!]!;
      windowFeatures(u.features, u.frames, config.features, position[i]!, window, out[p]!, i * r.D);
    }
  });
  const modelRows = rows.map((r, p) => ({ ...r, p })).filter((r) => r.probe.role !== 'features');
  const spelled = modelRows.filter((r) => r.probe.role === 'decoder');
  const holds = (m: number, list: typeof modelRows) => list.some((r) => r.sample.first[m + 1]! > r.sample.first[m]!);
  const which = utterances.flatMap((_, m) => (tally || holds(m, modelRows) ? [m] : []));
  let done = 0;
  for (const members of batchOrder(utterances, which, settings.batch)) {
    if (hooks.yieldToHost) await hooks.yieldToHost();
    hooks.signal?.throwIfAborted();
    const { batch } = makeBatch(utterances, members, config.features);
    const spell = tally !== null || members.some((m) => holds(m, spelled));
    const result = spell ? model.forward(gemm, batch) : null;
    const listener = result
      ? model.listenerStates()
      : model.encode(gemm, batch.features, batch.T, batch.B, batch.frames);
    for (const r of modelRows) {
      const rowsOf = (b: number) => [r.sample.first[members[b]!]!, r.sample.first[members[b]! + 1]!] as const;
      if (r.probe.role === 'encoder') {
        const layer = listener[r.probe.layer]!;
        copyListenerRows(layer, 2 * config.listenerUnits, batch.B, rowsOf, r, settings, out[r.p]!);
        continue;
      }
      if (!result || r.probe.role !== 'decoder') continue;
      const B = batch.B;
      if (r.probe.reads === 'context') {
        const top = listener[config.listenerLayers - 1]!;
        for (let b = 0; b < B; b++) {
          const [from, to] = rowsOf(b);
          for (let i = from; i < to; i++) {
            const step = r.sample.position[i]!;
            contextOf(result.weights, top, r.D, result.frames, B, b, step, out[r.p]!, i * r.D);
          }
        }
        continue;
      }
      const src = r.probe.reads === 'query' ? model.queries() : model.spellerStates()[config.spellerLayers - 1]!.c;
      for (let b = 0; b < B; b++) {
        const [from, to] = rowsOf(b);
        for (let i = from; i < to; i++) {
          const at = (r.sample.position[i]! * B + b) * r.D;
          out[r.p]!.set(src.subarray(at, at + r.D), i * r.D);
        }
      }
    }
    if (tally && result)
      tallyForward(result.logits, result.targets, result.steps * batch.B, graphemeCount(config), tally);
    done += members.length;
    hooks.onProgress?.(done, which.length);
  }
  return out;
}

// Rows of a listener layer (T, B, 2H): the forward half, the backward half, or both.
function copyListenerRows(
  layer: ListenerLayerStates,
  width: number,
  B: number,
  rowsOf: (b: number) => readonly [number, number],
  r: ProbeRows,
  settings: StateSettings,
  out: Float32Array,
): void {
  const src = settings.state === 'c' ? layer.c : layer.h;
  const offset = settings.direction === 'backward' ? width / 2 : 0;
  for (let b = 0; b < B; b++) {
    const [from, to] = rowsOf(b);
    for (let i = from; i < to; i++) {
      const t = r.sample.position[i]!;
      if (t >= layer.lengths[b]!) throw new Error(`frame ${t} is beyond the layer's ${layer.lengths[b]} frames`);
      const at = (t * B + b) * width + offset;
      out.set(src.subarray(at, at + r.D), i * r.D);
    }
  }
}

// The context vector of step i of utterance b: Σ_u α_{i,u} h_u over the top listener layer's frames.
function contextOf(
  weights: Float32Array,
  top: ListenerLayerStates,
  D: number,
  U: number,
  B: number,
  b: number,
  i: number,
  out: Float32Array,
  at: number,
): void {
  out.fill(0, at, at + D);
  const row = (i * B + b) * U;
  for (let u = 0; u < top.lengths[b]!; u++) {
    const a = weights[row + u]!;
    if (a === 0) continue;
    const h = (u * B + b) * D;
    for (let d = 0; d < D; d++) out[at + d] += a * top.h[h + d]!;
  }
}

function tallyForward(logits: Float32Array, targets: Int32Array, rows: number, V: number, tally: ForwardTally): void {
  for (let r = 0; r < rows; r++) {
    const target = targets[r]!;
    if (target < SYMBOL_OFFSET) continue; // <eos> and padding
    const z = logits.subarray(r * V, (r + 1) * V);
    let best = EOS; // as greedy decoding: <sos> is never predicted
    let max = z[0]!;
    for (let v = 1; v < V; v++) max = Math.max(max, z[v]!);
    let sum = 0;
    for (let v = 0; v < V; v++) sum += Math.exp(z[v]! - max);
    for (let v = EOS + 1; v < V; v++) if (z[v]! > z[best]!) best = v;
    const s = target - SYMBOL_OFFSET;
    tally.count[s]!++;
    if (best === target) tally.correct[s]!++;
    tally.loss += max + Math.log(sum) - z[target]!;
  }
}
