// How long a signature's decoders can still take: an upper bound, from the batches the schedule may still train and
// the rate at which batches have gone so far. The bound counts every stage at its round cap; a stage that plateaus
// earlier only brings the end closer, so the estimate falls as the run goes. Pure: the caller feeds it progress
// events and the clock.

import { stageRoundCap } from './decoder-schedule.js';
import type { DecoderConfig, DecoderProgress } from './decoders.js';
import { deltaGroups } from './decoders.js';

/** What fixes a layer's decoder work: the sweep, the stages and their caps, and how many layers are still to go. */
export interface DecoderWorkPlan {
  keepProbs: number;
  sweepEpochs: number;
  finalists: number;
  halfStage: boolean;
  /** δ groups: each keep probability trains this many independent stacks. */
  groups: number;
  /** Most rounds in one finalist stage (stageRoundCap). */
  stageRounds: number;
  /** Train positions per round (0: whole passes) and the minibatch. */
  roundPositions: number;
  batch: number;
  /** Layer computations still to run, the current one included (layers × decoder seeds). */
  layers: number;
}

export function decoderWorkPlan(config: DecoderConfig, deltas: number, layers: number): DecoderWorkPlan {
  return {
    keepProbs: config.keepProbs.length,
    sweepEpochs: config.sweepEpochs,
    finalists: Math.min(config.finalists, config.keepProbs.length),
    halfStage: config.halfStage,
    groups: deltaGroups(deltas, config.groups).length,
    stageRounds: stageRoundCap(config),
    roundPositions: config.roundPositions,
    batch: config.batch,
    layers,
  };
}

/** The rate goes by the batches of about the last two minutes, so that the estimate follows a change of load. */
const RATE_WINDOW_MS = 120_000;
/**
 * A new layer's rate starts afresh: the minutes between two layers (their states read, not decoders trained) would
 * otherwise count as a very slow rate ("ETA ≤ 14418h" at the first batch of Figure 3's layer 2). Until the new
 * layer's samples span this long, the previous layer's rate stands in for it.
 */
const MIN_RATE_SPAN_MS = 20_000;

interface TaskState {
  stage: DecoderProgress['stage'];
  epoch: number;
  batch: number;
  batches: number;
}

export class DecoderEta {
  private tasks = new Map<string, TaskState>();
  private layersLeft: number;
  private layer: number | null = null;
  private doneBatches = 0;
  /** (time in ms, batches done) samples of the last RATE_WINDOW_MS or so, oldest first: the rate is the recent one. */
  private samples: { at: number; done: number }[] = [];
  /** Batches of one round of the first stage's positions (the rung's and the half stage's), once seen. */
  private firstStageBatches: number | null = null;
  private fullStageBatches: number | null = null;
  /** The previous layer's batches per second, for the first seconds of the next one. */
  private carriedRate: number | null = null;

  constructor(private readonly plan: DecoderWorkPlan) {
    this.layersLeft = plan.layers;
  }

  /** One progress event of the decoders of `layer`; a new layer means the previous one's decoders are done. */
  record(layer: number, p: DecoderProgress, now: number): void {
    if (layer !== this.layer) {
      if (this.layer !== null) {
        this.layersLeft = Math.max(1, this.layersLeft - 1);
        this.carriedRate = this.windowRate() ?? this.carriedRate;
        this.samples = [];
      }
      this.layer = layer;
      this.tasks = new Map();
    }
    const key = `${p.stage === 'rung' ? 'rung' : 'final'} ${p.keepProb} ${p.deltas[0]}`;
    const was = this.tasks.get(key);
    if (!was) this.doneBatches += p.batch;
    else if (was.stage === p.stage && was.epoch === p.epoch) this.doneBatches += Math.max(0, p.batch - was.batch);
    else this.doneBatches += Math.max(0, was.batches - was.batch) + p.batch;
    this.tasks.set(key, { stage: p.stage, epoch: p.epoch, batch: p.batch, batches: p.batches });
    if (p.stage === 'full' || (p.stage === 'rung' && !this.plan.halfStage)) this.fullStageBatches = p.batches;
    else this.firstStageBatches ??= p.batches;
    if (!this.plan.halfStage) this.firstStageBatches = this.fullStageBatches;
    // The first sample is the start (nothing done yet); then at most one a second, the window's oldest kept in reach.
    if (this.samples.length === 0) this.samples.push({ at: now, done: this.doneBatches - p.batch });
    const last = this.samples[this.samples.length - 1]!;
    if (this.samples.length > 1 && now - last.at < 1000) last.done = this.doneBatches;
    else this.samples.push({ at: now, done: this.doneBatches });
    while (this.samples.length > 2 && now - this.samples[1]!.at >= RATE_WINDOW_MS) this.samples.shift();
  }

  /** Seconds the decoders may still take, at the rate of the last minutes; null until there is a rate to go by. */
  secondsLeft(now: number): number | null {
    const first = this.samples[0];
    const span = first ? now - first.at : 0;
    let rate =
      first && span > 0 && this.doneBatches > first.done ? (this.doneBatches - first.done) / (span / 1000) : null;
    if (this.carriedRate !== null && span < MIN_RATE_SPAN_MS) rate = this.carriedRate;
    const left = this.batchesLeft();
    return left === null || rate === null ? null : left / rate;
  }

  // Batches per second between the window's first and last samples (the last event, not now).
  private windowRate(): number | null {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at <= first.at || last.done <= first.done) return null;
    return (last.done - first.done) / ((last.at - first.at) / 1000);
  }

  /** Batches the schedule may still train, this layer and the ones after it; null while a round's size is unknown. */
  batchesLeft(): number | null {
    const first = this.firstStageBatches;
    if (first === null) return null;
    const full = this.fullStageBatches ?? this.estimatedFullBatches(first);
    const { keepProbs, sweepEpochs, finalists, halfStage, groups, stageRounds } = this.plan;
    const rungTasks = keepProbs > finalists ? keepProbs * groups : 0;
    const finalTasks = finalists * groups;
    const finalWork = (halfStage ? stageRounds * first : 0) + stageRounds * full;
    const wholeLayer = rungTasks * sweepEpochs * first + finalTasks * finalWork;
    let left = 0;
    let rungSeen = 0;
    let finalSeen = 0;
    for (const t of this.tasks.values()) {
      const inRound = Math.max(0, t.batches - t.batch);
      if (t.stage === 'rung') {
        rungSeen++;
        left += Math.max(0, sweepEpochs - t.epoch) * first + inRound;
      } else {
        finalSeen++;
        const roundsAfter = Math.max(0, stageRounds - t.epoch);
        left += t.stage === 'half' ? roundsAfter * first + inRound + stageRounds * full : roundsAfter * full + inRound;
      }
    }
    left += Math.max(0, rungTasks - rungSeen) * sweepEpochs * first;
    left += Math.max(0, finalTasks - finalSeen) * finalWork;
    return left + (this.layersLeft - 1) * wholeLayer;
  }

  // Before the full stage starts: a round of all the positions is a round of half of them when rounds are capped by
  // positions, else a pass over twice as many.
  private estimatedFullBatches(first: number): number {
    if (!this.plan.halfStage) return first;
    const capped = this.plan.roundPositions > 0 ? Math.ceil(this.plan.roundPositions / this.plan.batch) : Infinity;
    return first >= capped ? first : Math.min(2 * first, capped);
  }
}
