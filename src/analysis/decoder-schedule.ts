// When a decoder stack stops training, and at what learning rate: a stage trains at one learning rate while the
// decoders' mean dev accuracy still rises, for at most `epochsPerRate` epochs, then decays it; after the last rate
// the stage ends. A fixed epoch cap stopped the paper-sized decoders while they were still learning, and a plateau
// rule alone kept them for a dozen epochs at a rate whose noise hides the gains a smaller one makes at once
// (docs/convergence.md); a plateau at the smallest rate is the evidence that more epochs would not move them.

export interface ScheduleConfig {
  /** Most epochs in one stage. */
  maxEpochs: number;
  /**
   * Most epochs at one learning rate: then it decays even while the accuracy still rises (or, at the last, ends).
   * A list gives the cap of each rate in turn, the initial one first; its last entry holds for any further rate.
   */
  epochsPerRate: number | readonly number[];
  /** Epochs in a row without an improvement of minImprovement before the learning rate decays (or the stage ends). */
  patience: number;
  /** Factor applied to the learning rate at each plateau. */
  lrDecay: number;
  /** Decays allowed; the plateau after the last one ends the stage. */
  decays: number;
  /**
   * Rise of the decoders' best dev accuracies, averaged over the δ of the stack, that counts as an improvement (a
   * fraction, 0.001 = 0.1 point): the mean is steady where one decoder near chance jitters.
   */
  minImprovement: number;
}

/** How a stage ended: on a plateau at its smallest learning rate, or at the epoch cap. */
export type StageEnd = 'plateau' | 'cap';

export interface PlateauScheduleState {
  lr: number;
  epochs: number;
  end: StageEnd | null;
  waiting: number;
  decaysUsed: number;
  epochsAtRate: number;
}

export class PlateauSchedule {
  lr: number;
  epochs = 0;
  end: StageEnd | null = null;
  private waiting = 0;
  private decaysUsed = 0;
  private epochsAtRate = 0;

  constructor(
    lr: number,
    private readonly config: ScheduleConfig,
  ) {
    this.lr = lr;
  }

  /** Where the stage stands, for checkpoints. */
  getState(): PlateauScheduleState {
    const { lr, epochs, end, waiting, decaysUsed, epochsAtRate } = this;
    return { lr, epochs, end, waiting, decaysUsed, epochsAtRate };
  }

  setState(state: PlateauScheduleState): void {
    ({
      lr: this.lr,
      epochs: this.epochs,
      end: this.end,
      waiting: this.waiting,
      decaysUsed: this.decaysUsed,
      epochsAtRate: this.epochsAtRate,
    } = state);
  }

  /** Records one finished epoch; returns whether the stage goes on (and updates lr). */
  next(improved: boolean): boolean {
    this.epochs++;
    this.epochsAtRate++;
    if (improved) this.waiting = 0;
    else this.waiting++;
    const plateau = this.waiting >= this.config.patience;
    if (plateau || this.epochsAtRate >= epochsAtRateCap(this.config.epochsPerRate, this.decaysUsed)) {
      if (this.decaysUsed >= this.config.decays) {
        this.end = plateau ? 'plateau' : 'cap';
        return false;
      }
      this.decaysUsed++;
      this.lr *= this.config.lrDecay;
      this.waiting = 0;
      this.epochsAtRate = 0;
    }
    if (this.epochs >= this.config.maxEpochs) {
      this.end = 'cap';
      return false;
    }
    return true;
  }
}

/** The most epochs at the rate reached after `decays` decays. */
export function epochsAtRateCap(epochsPerRate: number | readonly number[], decays: number): number {
  if (typeof epochsPerRate === 'number') return epochsPerRate;
  return epochsPerRate[Math.min(decays, epochsPerRate.length - 1)]!;
}

/** The most epochs a stage can train: the caps of its rates added, within the stage's epoch cap. */
export function stageRoundCap(config: Pick<ScheduleConfig, 'maxEpochs' | 'epochsPerRate' | 'decays'>): number {
  let epochs = 0;
  for (let i = 0; i <= config.decays; i++) epochs += epochsAtRateCap(config.epochsPerRate, i);
  return Math.min(config.maxEpochs, epochs);
}
