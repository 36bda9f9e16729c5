// Training progress on stderr. On a terminal: one line rewritten in place (at most ten times a second). Otherwise
// (a log file, CI): a plain line every 5% of the run or every 10 s, whichever comes first. Either way each epoch
// end gets a permanent line with the train loss and dev perplexity.

import type { EpochRecord, TrainProgress } from '../train/train-char-lm.js';
import { formatCount, formatDuration, formatMetric } from './format.js';
import type { OutputStream } from './io.js';

export interface ProgressOptions {
  stream: OutputStream;
  isTTY: boolean;
  /** Epochs requested, shown as "epoch 2/10". */
  epochs: number;
  now?: () => number;
  /** Non-TTY: the longest gap between lines, in ms (default 10 s). */
  logIntervalMs?: number;
}

const TTY_INTERVAL_MS = 100;
const LOG_BUCKETS = 20; // a line every 5%
const CLEAR_LINE = '\r\x1b[K';

export class ProgressReporter {
  private readonly stream: OutputStream;
  private readonly isTTY: boolean;
  private readonly epochs: number;
  private readonly now: () => number;
  private readonly logIntervalMs: number;
  private lastWrite = Number.NEGATIVE_INFINITY;
  private lastBucket = -1;
  private lineShown = false;
  // Mean loss over the steps since the last line, so a line is not one noisy step.
  private lossSum = 0;
  private lossCount = 0;

  constructor(options: ProgressOptions) {
    this.stream = options.stream;
    this.isTTY = options.isTTY;
    this.epochs = options.epochs;
    this.now = options.now ?? (() => performance.now());
    this.logIntervalMs = options.logIntervalMs ?? 10_000;
  }

  /** Starts counting from here, so the first line comes after a bucket or an interval, not at step 1. */
  start(step: number, totalSteps: number): void {
    this.lastWrite = this.now();
    this.lastBucket = totalSteps > 0 ? Math.floor((step / totalSteps) * LOG_BUCKETS) : 0;
  }

  update(p: TrainProgress): void {
    const t = this.now();
    this.lossSum += p.loss;
    this.lossCount++;
    if (p.epochRecord) {
      this.log(epochLine(p.epochRecord));
      this.lastWrite = t;
      this.resetLoss();
      return;
    }
    if (this.isTTY) {
      if (t - this.lastWrite < TTY_INTERVAL_MS) return;
      this.stream.write(`${CLEAR_LINE}${this.stepLine(p)}`);
      this.lineShown = true;
      this.lastWrite = t;
      this.resetLoss();
      return;
    }
    const bucket = p.totalSteps > 0 ? Math.floor((p.step / p.totalSteps) * LOG_BUCKETS) : 0;
    if (bucket > this.lastBucket || t - this.lastWrite >= this.logIntervalMs) {
      this.stream.write(`${this.stepLine(p)}\n`);
      this.lastBucket = bucket;
      this.lastWrite = t;
      this.resetLoss();
    }
  }

  /** A permanent line (on a terminal, the progress line is cleared first and redrawn on the next update). */
  log(line: string): void {
    this.clear();
    this.stream.write(`${line}\n`);
  }

  /** Removes the progress line from a terminal. */
  clear(): void {
    if (this.lineShown) this.stream.write(CLEAR_LINE);
    this.lineShown = false;
  }

  private resetLoss(): void {
    this.lossSum = 0;
    this.lossCount = 0;
  }

  private stepLine(p: TrainProgress): string {
    const percent = p.totalSteps > 0 ? Math.floor((100 * p.step) / p.totalSteps) : 0;
    return [
      `step ${p.step}/${p.totalSteps} (${percent}%)`,
      `epoch ${p.epoch}/${this.epochs}`,
      `loss ${(this.lossSum / Math.max(1, this.lossCount)).toFixed(3)}`,
      `${formatCount(p.charsPerSecond)} chars/s`,
      `ETA ${formatDuration(p.etaSeconds)}`,
    ].join(', ');
  }
}

export function epochLine(r: EpochRecord): string {
  return `epoch ${r.epoch}: train loss ${r.trainLoss.toFixed(3)}, dev perplexity ${formatMetric(r.devPerplexity)} (step ${r.step})`;
}
