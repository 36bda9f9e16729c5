// Progress of `memsig asr train` on stderr, as `memsig train` shows its own: one line rewritten in place on a
// terminal, otherwise a plain line every 5% or 10 s; each epoch's end a permanent line with dev CER and alignment.
// Also the counter shown while features are loaded.

import type { AsrEpochRecord, AsrProgress } from '../asr/train-las.js';
import { formatDuration, formatPercent } from './format.js';
import type { OutputStream } from './io.js';

const TTY_INTERVAL_MS = 100;
const LOG_BUCKETS = 20;
const CLEAR_LINE = '\r\x1b[K';

/** An updating line: on a terminal rewritten at most ten times a second, else printed every `logIntervalMs`. */
export class StatusLine {
  private lastWrite = Number.NEGATIVE_INFINITY;
  private lastBucket = -1;
  private shown = false;

  constructor(
    private readonly stream: OutputStream,
    private readonly isTTY: boolean,
    private readonly now: () => number = () => performance.now(),
    private readonly logIntervalMs = 10_000,
  ) {}

  /** Starts counting from here: the first plain line comes after an interval or a bucket, not at once. */
  start(fraction = 0): void {
    this.lastWrite = this.now();
    this.lastBucket = Math.floor(fraction * LOG_BUCKETS);
  }

  /** Shows `line`; `fraction` done (0..1) lets a plain log print a line every 5% too. */
  update(line: () => string, fraction: number): void {
    const t = this.now();
    if (this.isTTY) {
      if (t - this.lastWrite < TTY_INTERVAL_MS) return;
      this.stream.write(`${CLEAR_LINE}${line()}`);
      this.shown = true;
      this.lastWrite = t;
      return;
    }
    const bucket = Math.floor(fraction * LOG_BUCKETS);
    if (bucket > this.lastBucket || t - this.lastWrite >= this.logIntervalMs) {
      this.stream.write(`${line()}\n`);
      this.lastBucket = bucket;
      this.lastWrite = t;
    }
  }

  /** A permanent line (the updating one is cleared first and comes back with the next update). */
  log(line: string): void {
    this.clear();
    this.stream.write(`${line}\n`);
    this.lastWrite = this.now();
  }

  clear(): void {
    if (this.shown) this.stream.write(CLEAR_LINE);
    this.shown = false;
  }
}

/** "step 120/2000 (6%), epoch 2/40, loss 1.234 (ctc 2.31, guided 0.12), 5.2 utt/s, align 0.41, ETA 12m03s". */
export function asrStepLine(p: AsrProgress, epochs: number): string {
  const percent = p.totalSteps > 0 ? Math.floor((100 * p.step) / p.totalSteps) : 0;
  const parts = [`att ${p.attentionLoss.toFixed(3)}`];
  if (p.ctcLoss !== null) parts.push(`ctc ${p.ctcLoss.toFixed(3)}`);
  if (p.guidedLoss !== null) parts.push(`guided ${p.guidedLoss.toFixed(3)}`);
  return [
    `step ${p.step}/${p.totalSteps} (${percent}%)`,
    `epoch ${p.epoch}/${epochs}`,
    `loss ${p.loss.toFixed(3)} (${parts.join(', ')})`,
    `${p.utterancesPerSecond.toFixed(1)} utt/s`,
    `align ${p.align ? p.align.score.toFixed(2) : 'n/a'}`,
    `ETA ${formatDuration(p.etaSeconds)}`,
  ].join(', ');
}

/**
 * "epoch 2: train loss 1.234, dev CER 45.2% (CTC alone 60.1%), align 0.41 (step 240, 3m10s)", with the CER over
 * voices heard in training and over held-out voices when dev has both.
 */
export function asrEpochLine(r: AsrEpochRecord): string {
  const ctc = r.devCtcCer === null ? '' : ` (CTC alone ${formatPercent(r.devCtcCer)})`;
  const heard = r.devCerTrainVoices ?? null;
  const unheard = r.devCerHeldOutVoices ?? null;
  const voices =
    heard !== null && unheard !== null
      ? ` [voices in train ${formatPercent(heard)}, never in train ${formatPercent(unheard)}]`
      : '';
  return (
    `epoch ${r.epoch}: train loss ${r.trainLoss.toFixed(3)}, dev CER ${formatPercent(r.devCer)}${ctc}${voices}, ` +
    `align ${r.devAlign.toFixed(2)} (step ${r.step}, ${formatDuration(r.seconds)})`
  );
}
