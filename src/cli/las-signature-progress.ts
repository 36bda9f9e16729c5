// Progress of a LAS `memsig signature` on stderr: the language models' reporter (signature-progress.ts) for the
// decoders, with each layer named by what it is ("listener layer 2 (3/5)"), and lines of its own for what only a
// speech signature does first: the utterances used, the audio units, the attention alignment and the states read.
//
//   utterances: 120 train, 8 dev, 8 eval (2 left out: too short or without word timings)
//   states: train 40/120 utterances
//   listener layer 2 (3/5): keep 0.9, half data, epoch 3/20, lr 2.5e-4, batch 120/235, loss 1.21

import type { DecoderWorkPlan } from '../analysis/decoder-eta.js';
import type { LasSignatureProgress } from '../analysis/las-signature.js';
import type { SignatureProgress } from '../analysis/signature.js';
import { StatusLine } from './asr-progress.js';
import type { OutputStream } from './io.js';
import { SignatureProgressReporter } from './signature-progress.js';

export interface LasProgressOptions {
  stream: OutputStream;
  isTTY: boolean;
  /** Each analysed layer's label, in signature order. */
  names: readonly string[];
  /** Whether δ = 0 is decoded: the decoders' groups then count from δ = 0, not 1. */
  current: boolean;
  now?: () => number;
  /** Non-TTY: the longest gap between lines, in ms (default 10 s). */
  logIntervalMs?: number;
  /** The decoders' work, for the time left (signature-progress.ts). */
  work?: DecoderWorkPlan;
}

export class LasSignatureProgressReporter extends SignatureProgressReporter {
  private readonly names: readonly string[];
  private readonly status: StatusLine;
  private readonly firstDelta: number;

  constructor(options: LasProgressOptions) {
    const layers = options.names.map((_, i) => i + 1);
    super({ ...options, modelLayers: layers.length, layers });
    this.names = options.names;
    this.firstDelta = options.current ? 0 : 1;
    this.status = new StatusLine(options.stream, options.isTTY, options.now, options.logIntervalMs);
    this.status.start();
  }

  override layerName(layer: number): string {
    return `${this.names[layer - 1] ?? `layer ${layer}`} (${layer}/${this.names.length})`;
  }

  override log(line: string): void {
    this.status.clear();
    super.log(line);
  }

  override clear(): void {
    this.status.clear();
    super.clear();
  }

  override update(p: LasSignatureProgress | SignatureProgress): void {
    switch (p.phase) {
      case 'utterances': {
        const left = p.skipped.train + p.skipped.dev + p.skipped.eval;
        const why = left > 0 ? ` (${left} left out: too short for the listener, or without word timings)` : '';
        this.log(`utterances: ${p.used.train} train, ${p.used.dev} dev, ${p.used.eval} eval${why}`);
        return;
      }
      case 'units':
        this.log(`audio units: k-means on ${p.frames} train frames`);
        return;
      case 'alignment':
      case 'states': {
        const what = p.phase === 'states' ? 'states' : 'attention alignment';
        const line = `${what}: ${p.partition} ${p.done}/${p.total} utterances`;
        if (p.done >= p.total) this.log(line);
        // Time-based only (fraction 0): a line per 5% would be many lines for six passes over a corpus.
        else this.status.update(() => line, 0);
        return;
      }
      case 'decoders': {
        // The decoders number their δ groups from 1, whatever the first δ is.
        const [a, b] = p.decoder.deltas;
        const shift = 1 - this.firstDelta;
        this.status.clear();
        super.update({ ...p, decoder: { ...p.decoder, deltas: [a - shift, b - shift] } });
        return;
      }
      default:
        this.status.clear();
        super.update(p);
    }
  }
}
