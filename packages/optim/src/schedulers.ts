import { ValueError, libm } from '@tensorgrad/core';
import { inRange } from '@tensorgrad/core/util';
import { type Optimizer, isRate } from './optimizer.js';
import { OptimizerStateError } from './errors.js';

/** Gives a group's lr multiplier at `epoch` (0 = before the first scheduler.step()) from the group's base lr. */
export type LRScale = (epoch: number, baseLr: number) => number;

/**
 * Per-epoch learning-rate schedules, used as PyTorch's: call scheduler.step() once after each epoch. A
 * scheduler sets each param group's lrScale; the optimizer's rate is then
 *   currentLr = lr * lrScale / (1 + decay * iterations)
 * so it combines with the notebook's per-step decay (use decay 0 for the schedule alone). Schedules are closed
 * forms of the epoch count (PyTorch's step() updates recursively; the values agree to rounding). One scheduler
 * per optimizer: each sets lrScale outright. Usable directly with any `scale(epoch, baseLr)` (PyTorch's LambdaLR).
 */
export class LRScheduler {
  readonly optimizer: Optimizer;
  private readonly scale: LRScale;
  private epoch = 0;

  constructor(optimizer: Optimizer, scale: LRScale) {
    this.optimizer = optimizer;
    this.scale = scale;
    this.apply(0);
  }

  /** scheduler.step() calls so far. */
  get lastEpoch(): number {
    return this.epoch;
  }

  /** Moves to the next epoch. */
  step(): void {
    this.apply(this.epoch + 1);
  }

  /** Each group's scheduled base rate lr * lrScale (before the optimizer's decay). */
  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.options.lr * g.lrScale);
  }

  stateDict(): { lastEpoch: number } {
    return { lastEpoch: this.epoch };
  }

  loadStateDict(sd: { lastEpoch: number }): void {
    const e = (sd as { lastEpoch?: unknown } | null)?.lastEpoch;
    if (typeof e !== 'number' || !Number.isInteger(e) || e < 0) {
      throw new OptimizerStateError(`LRScheduler.loadStateDict: lastEpoch must be a non-negative integer, got ${String(e)}; nothing was changed`);
    }
    this.apply(e);
  }

  /** Moves to `epoch` and sets every group's lrScale for it; if the scale function throws or gives a bad value, nothing changes. */
  private apply(epoch: number): void {
    const scales = this.optimizer.paramGroups.map((g) => this.scale(epoch, g.options.lr));
    scales.forEach((s, i) => {
      if (!isRate(s)) throw new ValueError(`LRScheduler: the lr multiplier of group ${i} at epoch ${epoch} is ${s} (expected a finite number >= 0)`);
    });
    this.epoch = epoch;
    this.optimizer.paramGroups.forEach((g, i) => (g.lrScale = scales[i]));
  }
}

function positive(where: string, name: string, value: unknown, integer = false): number {
  if (!inRange(value, 0, Infinity, false, true) || (integer && !Number.isInteger(value))) {
    throw new ValueError(`${where}: '${name}' must be a positive ${integer ? 'integer' : 'number'}, got ${String(value)}`);
  }
  return value;
}

/** lr * gamma^floor(epoch / stepSize) (gamma default 0.1, as PyTorch). */
export class StepLR extends LRScheduler {
  constructor(optimizer: Optimizer, { stepSize, gamma = 0.1 }: { stepSize: number; gamma?: number }) {
    positive('StepLR', 'stepSize', stepSize, true);
    positive('StepLR', 'gamma', gamma);
    super(optimizer, (epoch) => gamma ** Math.floor(epoch / stepSize));
  }
}

/** lr * gamma^epoch. */
export class ExponentialLR extends LRScheduler {
  constructor(optimizer: Optimizer, { gamma }: { gamma: number }) {
    positive('ExponentialLR', 'gamma', gamma);
    super(optimizer, (epoch) => gamma ** epoch);
  }
}

/**
 * etaMin + (lr - etaMin) * (1 + cos(pi * epoch / tMax)) / 2: from lr at epoch 0 down to etaMin (an absolute rate,
 * default 0) at epoch tMax; past tMax it follows the cosine back up, as PyTorch's. lrScale is that rate / lr
 * (1 for a group whose lr is 0).
 */
export class CosineAnnealingLR extends LRScheduler {
  constructor(optimizer: Optimizer, { tMax, etaMin = 0 }: { tMax: number; etaMin?: number }) {
    positive('CosineAnnealingLR', 'tMax', tMax);
    if (typeof etaMin !== 'number' || !Number.isFinite(etaMin) || etaMin < 0) {
      throw new ValueError(`CosineAnnealingLR: 'etaMin' must be a finite number >= 0, got ${String(etaMin)}`);
    }
    super(optimizer, (epoch, lr) => {
      if (epoch === 0 || lr === 0) return 1;
      return (etaMin + ((lr - etaMin) * (1 + libm.cos((Math.PI * epoch) / tMax))) / 2) / lr;
    });
  }
}
