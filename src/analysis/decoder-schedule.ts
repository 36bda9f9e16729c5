// When a decoder stack stops training, and at what learning rate: a stage trains while some decoder's dev accuracy
// still rises; on a plateau the learning rate decays, and after the last decay's plateau the stage ends. A fixed
// epoch cap stopped the paper-sized decoders while they were still learning (docs/convergence.md); a plateau at
// ever smaller steps is the evidence that more epochs would not move them.

export interface ScheduleConfig {
  /** Most epochs in one stage. */
  maxEpochs: number;
  /** Epochs in a row without an improvement of minImprovement before the learning rate decays (or the stage ends). */
  patience: number;
  /** Factor applied to the learning rate at each plateau. */
  lrDecay: number;
  /** Decays allowed; the plateau after the last one ends the stage. */
  decays: number;
  /** Rise of a decoder's best dev accuracy that counts as an improvement (a fraction, 0.001 = 0.1 point). */
  minImprovement: number;
}

/** How a stage ended: on a plateau at its smallest learning rate, or at the epoch cap. */
export type StageEnd = 'plateau' | 'cap';

export class PlateauSchedule {
  lr: number;
  epochs = 0;
  end: StageEnd | null = null;
  private waiting = 0;
  private decaysUsed = 0;

  constructor(
    lr: number,
    private readonly config: ScheduleConfig,
  ) {
    this.lr = lr;
  }

  /** Records one finished epoch; returns whether the stage goes on (and updates lr). */
  next(improved: boolean): boolean {
    this.epochs++;
    if (improved) this.waiting = 0;
    else this.waiting++;
    if (this.waiting >= this.config.patience) {
      if (this.decaysUsed >= this.config.decays) {
        this.end = 'plateau';
        return false;
      }
      this.decaysUsed++;
      this.lr *= this.config.lrDecay;
      this.waiting = 0;
    }
    if (this.epochs >= this.config.maxEpochs) {
      this.end = 'cap';
      return false;
    }
    return true;
  }
}
