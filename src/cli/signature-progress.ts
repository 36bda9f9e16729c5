// Progress of `memsig signature` on stderr, in the style of training progress (progress.ts). On a terminal: one line
// rewritten in place (at most ten times a second). Otherwise: a plain line every 10 s, plus a permanent line per
// partition whose states are read, per finished keep probability of the dropout sweep, and per finished layer.
//
//   states: train 120/340 chunks
//   layer 1/2: keep 0.7 (sweep), epoch 1/1, batch 120/235, loss 1.23
//   layer 1/2: keep 0.9, half data, epoch 3/9, lr 2.5e-4, batch 120/235, loss 1.21, ETA ≤ 12m30s
//   layer 1/2: keep 0.9 done after 5 epochs, loss 1.19
//   layer 1/2 done in 1m12s: δ=1 93.2%, δ=10 21.0% (chance 17.9%)

import { DecoderEta, type DecoderWorkPlan } from '../analysis/decoder-eta.js';
import type { DecoderProgress } from '../analysis/decoders.js';
import type { SignatureProgress } from '../analysis/signature.js';
import type { LayerSignature } from '../analysis/signature-types.js';
import { formatDuration, formatPercent } from './format.js';
import type { OutputStream } from './io.js';

export interface SignatureProgressOptions {
  stream: OutputStream;
  isTTY: boolean;
  /** The model's layer count, and the layers analysed (1-based), for "layer 1/2" or "layer 3 (2/2)". */
  modelLayers: number;
  layers: readonly number[];
  now?: () => number;
  /** Non-TTY: the longest gap between lines, in ms (default 10 s). */
  logIntervalMs?: number;
  /** The decoders' work, for an upper bound on the time left ("ETA ≤ …"); without it none is shown. */
  work?: DecoderWorkPlan;
}

const TTY_INTERVAL_MS = 100;
const CLEAR_LINE = '\r\x1b[K';

interface KeepState {
  stage: DecoderProgress['stage'];
  epoch: number;
  maxEpochs: number;
  lossSum: number;
  lossCount: number;
  /** Mean loss of the last complete epoch. */
  lastEpochLoss: number;
  reported: boolean;
  last: DecoderProgress;
}

export class SignatureProgressReporter {
  private readonly stream: OutputStream;
  private readonly isTTY: boolean;
  private readonly now: () => number;
  private readonly logIntervalMs: number;
  private readonly modelLayers: number;
  private readonly layers: readonly number[];
  private lastWrite: number;
  private lineShown = false;
  private layerStart: number;
  // The keep probabilities of the layer in training (the sweep may run them one after another or side by side).
  private keeps = new Map<string, KeepState>();
  private keepOrder: string[] = [];
  private currentLayer = -1;
  private readonly eta: DecoderEta | null;

  constructor(options: SignatureProgressOptions) {
    this.stream = options.stream;
    this.isTTY = options.isTTY;
    this.now = options.now ?? (() => performance.now());
    this.logIntervalMs = options.logIntervalMs ?? 10_000;
    this.modelLayers = options.modelLayers;
    this.layers = options.layers;
    this.eta = options.work ? new DecoderEta(options.work) : null;
    this.lastWrite = this.now();
    this.layerStart = this.lastWrite;
  }

  update(p: SignatureProgress): void {
    switch (p.phase) {
      case 'states': {
        const line = `states: ${p.partition} ${p.done}/${p.total} chunks`;
        if (p.done >= p.total && !this.isTTY) {
          this.log(line);
          return;
        }
        this.show(line);
        return;
      }
      case 'forward':
        this.show("the model's own next-symbol accuracy on eval");
        return;
      case 'decoders':
        this.decoders(p.layer, p.decoder);
        return;
      case 'layer-done':
        this.layerDone(p.layer);
        return;
    }
  }

  /** A permanent line (on a terminal, the progress line is cleared first and redrawn on the next update). */
  log(line: string): void {
    this.clear();
    this.stream.write(`${line}\n`);
    this.lastWrite = this.now();
  }

  /** Removes the progress line from a terminal. */
  clear(): void {
    if (this.lineShown) this.stream.write(CLEAR_LINE);
    this.lineShown = false;
  }

  /** "layer 1/2", or "layer 3 (2/2)" when only some layers are analysed. */
  layerName(layer: number): string {
    if (this.layers.length === this.modelLayers) return `layer ${layer}/${this.modelLayers}`;
    const i = this.layers.indexOf(layer);
    return `layer ${layer} (${i + 1}/${this.layers.length})`;
  }

  // An updating line: rewritten on a terminal, else written when the interval has passed.
  private show(line: string): void {
    const t = this.now();
    if (this.isTTY) {
      if (t - this.lastWrite < TTY_INTERVAL_MS) return;
      this.stream.write(`${CLEAR_LINE}${line}`);
      this.lineShown = true;
      this.lastWrite = t;
      return;
    }
    if (t - this.lastWrite >= this.logIntervalMs) {
      this.stream.write(`${line}\n`);
      this.lastWrite = t;
    }
  }

  private decoders(layer: number, d: DecoderProgress): void {
    if (layer !== this.currentLayer) {
      this.currentLayer = layer;
      this.layerStart = this.now();
      this.keeps = new Map();
      this.keepOrder = [];
    }
    this.eta?.record(layer, d, this.now());
    const key = keepLabel(d);
    let k = this.keeps.get(key);
    if (!k) {
      // A new keep probability: the sweep has finished the ones whose last batch closed an epoch (one after
      // another, that is the previous one; side by side, those that stopped).
      for (const keep of this.keepOrder) {
        const s = this.keeps.get(keep)!;
        if (!s.reported && s.last.batch >= s.last.batches) this.keepDone(layer, keep, s);
      }
      k = {
        stage: d.stage,
        epoch: d.epoch,
        maxEpochs: d.maxEpochs,
        lossSum: 0,
        lossCount: 0,
        lastEpochLoss: Number.NaN,
        reported: false,
        last: d,
      };
      this.keeps.set(key, k);
      this.keepOrder.push(key);
    }
    if (d.epoch !== k.epoch || d.stage !== k.stage) {
      k.lastEpochLoss = k.lossSum / Math.max(1, k.lossCount);
      k.epoch = d.epoch;
      k.stage = d.stage;
      k.lossSum = 0;
      k.lossCount = 0;
    }
    k.lossSum += d.loss;
    k.lossCount++;
    k.last = d;
    if (d.batch >= d.batches) k.lastEpochLoss = k.lossSum / k.lossCount;
    const loss = k.lossSum / k.lossCount;
    const left = this.eta?.secondsLeft(this.now()) ?? null;
    this.show(
      `${this.layerName(layer)}: ${key}${d.stage === 'rung' ? '' : `, ${d.stage} data`}, epoch ${d.epoch}/${d.maxEpochs}${d.stage === 'rung' ? '' : `, lr ${d.lr.toExponential(1)}`}, batch ${d.batch}/${d.batches}, loss ${loss.toFixed(3)}${left === null ? '' : `, ETA ≤ ${formatDuration(left)}`}`,
    );
  }

  private keepDone(layer: number, keep: string, s: KeepState): void {
    s.reported = true;
    if (this.isTTY) return;
    const epochs = `${s.last.epoch} epoch${s.last.epoch === 1 ? '' : 's'}`;
    this.log(`${this.layerName(layer)}: ${keep} done after ${epochs}, loss ${s.lastEpochLoss.toFixed(3)}`);
  }

  private layerDone(layer: LayerSignature): void {
    if (layer.layer === this.currentLayer) {
      for (const keep of this.keepOrder) {
        const s = this.keeps.get(keep)!;
        if (!s.reported) this.keepDone(layer.layer, keep, s);
      }
    }
    const first = layer.deltas[0];
    const last = layer.deltas[layer.deltas.length - 1];
    const seconds = (this.now() - this.layerStart) / 1000;
    let summary = '';
    if (first && last) {
      summary =
        first === last
          ? `: δ=1 ${formatPercent(first.accuracy)} (chance ${formatPercent(first.chanceAccuracy)})`
          : `: δ=1 ${formatPercent(first.accuracy)}, δ=${last.delta} ${formatPercent(last.accuracy)} (chance ${formatPercent(last.chanceAccuracy)})`;
    }
    this.log(`${this.layerName(layer.layer)} done in ${formatDuration(seconds)}${summary}`);
    this.layerStart = this.now();
  }
}

/** "keep 0.7 (sweep)" for the sweep's rung, "keep 0.9" for a finalist; "δ 1–5" when the δ train in groups. */
function keepLabel(d: DecoderProgress): string {
  const keep = d.stage === 'rung' ? `keep ${d.keepProb} (sweep)` : `keep ${d.keepProb}`;
  if (d.groups <= 1) return keep;
  return d.deltas[0] === d.deltas[1] ? `${keep} δ ${d.deltas[0]}` : `${keep} δ ${d.deltas[0]}–${d.deltas[1]}`;
}
