import { ValueError, libm } from '@tensorgrad/core';
import { checkRange, inRange } from '@tensorgrad/core/util';
import { type Optimizer, type StateValue, encodeValue, isRate, isStateValue } from './optimizer.js';
import { OptimizerStateError } from './errors.js';

/** Gives a group's lr multiplier at `epoch` (0 = before the first scheduler.step()) from the group's base lr and index. */
export type LRScale = (epoch: number, baseLr: number, group: number) => number;

/** Sets a group's other scheduled options at `epoch`, after the rates (OneCycleLR's momentum). */
export type OptionSchedule = (epoch: number, group: number) => void;

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
  /** Sets other options per epoch, if this schedule has any (SequentialLR passes its schedulers' on). */
  readonly afterScale?: OptionSchedule;
  private epoch = 0;
  /** The groups it schedules: those the optimizer had when it was made (a later addParamGroup's are left alone, as PyTorch's schedulers zip over their base_lrs). */
  private readonly groups: number;

  constructor(optimizer: Optimizer, scale: LRScale, afterScale?: OptionSchedule) {
    this.optimizer = optimizer;
    this.groups = optimizer.paramGroups.length;
    this.scale = scale;
    this.afterScale = afterScale;
    this.apply(0);
  }

  /** The multiplier this schedule gives group `group` (base rate `baseLr`) at `epoch`. */
  scaleAt(epoch: number, baseLr: number, group = 0): number {
    return this.scale(epoch, baseLr, group);
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
    return scheduledLrs(this.optimizer, this.groups);
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
    const groups = this.optimizer.paramGroups.slice(0, this.groups);
    const scales = groups.map((g, i) => this.scale(epoch, g.options.lr, i));
    scales.forEach((s, i) => {
      if (!isRate(s)) throw new ValueError(`LRScheduler: the lr multiplier of group ${i} at epoch ${epoch} is ${s} (expected a finite number >= 0)`);
    });
    this.epoch = epoch;
    groups.forEach((g, i) => {
      g.lrScale = scales[i];
      this.afterScale?.(epoch, i);
    });
  }
}

/** Each of the first `groups` param groups' scheduled base rate lr * lrScale (before the optimizer's decay). */
function scheduledLrs(optimizer: Optimizer, groups: number): number[] {
  return optimizer.paramGroups.slice(0, groups).map((g) => g.options.lr * g.lrScale);
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
    checkRange('CosineAnnealingLR', 'etaMin', etaMin, 0);
    super(optimizer, (epoch, lr) => {
      if (epoch === 0 || lr === 0) return 1;
      return (etaMin + ((lr - etaMin) * (1 + libm.cos((Math.PI * epoch) / tMax))) / 2) / lr;
    });
  }
}

/** base lr * lambda(epoch), one lambda for every group or one per group, as PyTorch's LambdaLR. */
export class LambdaLR extends LRScheduler {
  constructor(optimizer: Optimizer, lrLambda: ((epoch: number) => number) | readonly ((epoch: number) => number)[]) {
    const groups = optimizer.paramGroups.length;
    const lambdas = typeof lrLambda === 'function' ? Array.from({ length: groups }, () => lrLambda) : lrLambda;
    if (!Array.isArray(lambdas) || lambdas.length !== groups || !lambdas.every((f) => typeof f === 'function')) {
      throw new ValueError(`LambdaLR: lrLambda must be a function or an array of ${groups} functions (one per param group)`);
    }
    super(optimizer, (epoch, _lr, group) => lambdas[group](epoch));
  }
}

/**
 * Warm-up (or cool-down): the factor of the base lr goes linearly from startFactor to endFactor over totalIters
 * epochs, then stays (defaults 1/3, 1 and 5, as PyTorch's LinearLR).
 */
export class LinearLR extends LRScheduler {
  constructor(optimizer: Optimizer, { startFactor = 1 / 3, endFactor = 1, totalIters = 5 }: { startFactor?: number; endFactor?: number; totalIters?: number } = {}) {
    if (!inRange(startFactor, 0, 1, false, true)) throw new ValueError(`LinearLR: 'startFactor' must be in (0, 1], got ${String(startFactor)}`);
    checkRange('LinearLR', 'endFactor', endFactor, 0, 1);
    positive('LinearLR', 'totalIters', totalIters, true);
    super(optimizer, (epoch) => startFactor + ((endFactor - startFactor) * Math.min(totalIters, epoch)) / totalIters);
  }
}

export interface OneCycleOptions {
  /** The peak rate (absolute, per group or one for all). The optimizer's lr is replaced by maxLr / divFactor. */
  maxLr: number | readonly number[];
  /** Steps in the cycle; or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** The share of the cycle spent raising the rate (default 0.3). */
  pctStart?: number;
  annealStrategy?: 'cos' | 'linear';
  /** Cycle SGD's momentum or Adam's beta1 inversely to the rate (default true). */
  cycleMomentum?: boolean;
  baseMomentum?: number;
  maxMomentum?: number;
  /** initial lr = maxLr / divFactor (default 25); final lr = initial lr / finalDivFactor (default 1e4). */
  divFactor?: number;
  finalDivFactor?: number;
  /** Three phases (up, back down to the initial lr, then to the final lr) as fast.ai, instead of two. */
  threeSequence?: boolean;
}

/**
 * The 1cycle policy of PyTorch's OneCycleLR: call step() after every batch (not every epoch), totalSteps times at
 * most (then the rate stays the final one, where PyTorch extrapolates, below 0 with linear annealing). The rate rises from maxLr / divFactor to maxLr over pctStart of the steps, then anneals to the final
 * rate; momentum (SGD's momentum, Adam's beta1) moves the opposite way between maxMomentum and baseMomentum.
 */
export class OneCycleLR extends LRScheduler {
  constructor(optimizer: Optimizer, options: OneCycleOptions) {
    const where = 'OneCycleLR';
    const {
      maxLr, pctStart = 0.3, annealStrategy = 'cos', cycleMomentum = true, baseMomentum = 0.85, maxMomentum = 0.95,
      divFactor = 25, finalDivFactor = 1e4, threeSequence = false,
    } = options ?? ({} as OneCycleOptions);
    const groups = optimizer.paramGroups;
    const maxLrs = typeof maxLr === 'number' ? groups.map(() => maxLr) : maxLr;
    if (!Array.isArray(maxLrs) || maxLrs.length !== groups.length) {
      throw new ValueError(`${where}: maxLr must be a number or an array of ${groups.length} numbers (one per param group)`);
    }
    maxLrs.forEach((lr, i) => positive(where, `maxLr[${i}]`, lr));
    let total: number;
    if (options.totalSteps !== undefined) total = positive(where, 'totalSteps', options.totalSteps, true);
    else if (options.epochs !== undefined && options.stepsPerEpoch !== undefined) {
      total = positive(where, 'epochs', options.epochs, true) * positive(where, 'stepsPerEpoch', options.stepsPerEpoch, true);
    } else throw new ValueError(`${where}: give totalSteps, or epochs and stepsPerEpoch`);
    checkRange(where, 'pctStart', pctStart, 0, 1);
    if (annealStrategy !== 'cos' && annealStrategy !== 'linear') throw new ValueError(`${where}: 'annealStrategy' must be 'cos' or 'linear', got '${String(annealStrategy)}'`);
    positive(where, 'divFactor', divFactor);
    positive(where, 'finalDivFactor', finalDivFactor);
    const key = cycleMomentum ? momentumKey(optimizer) : null;
    if (cycleMomentum && key === null) {
      throw new ValueError(`${where}: cycleMomentum needs an optimizer with momentum (SGD) or beta1 (Adam); pass cycleMomentum: false`);
    }
    if (cycleMomentum) {
      checkRange(where, 'baseMomentum', baseMomentum, 0, 1, true);
      checkRange(where, 'maxMomentum', maxMomentum, 0, 1, true);
    }

    // the phases as PyTorch: [end step, start and end of the lr ('initial' | 'max' | 'min'), of the momentum]
    const up = pctStart * total - 1;
    const phases: [number, 'initial' | 'max' | 'min', 'initial' | 'max' | 'min', number, number][] = threeSequence
      ? [[up, 'initial', 'max', maxMomentum, baseMomentum], [2 * pctStart * total - 2, 'max', 'initial', baseMomentum, maxMomentum], [total - 1, 'initial', 'min', maxMomentum, maxMomentum]]
      : [[up, 'initial', 'max', maxMomentum, baseMomentum], [total - 1, 'max', 'min', baseMomentum, maxMomentum]];
    const anneal = annealStrategy === 'cos'
      ? (start: number, end: number, pct: number) => end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1)
      : (start: number, end: number, pct: number) => (end - start) * pct + start;
    /** [lr, momentum] of group i at `step`. */
    const at = (step: number, i: number): [number, number] => {
      if (step > total) throw new ValueError(`${where}: tried to step ${step} times; the cycle has ${total} steps (totalSteps)`);
      const initial = maxLrs[i] / divFactor;
      const rates = { initial, max: maxLrs[i], min: initial / finalDivFactor };
      // the phase of this step: the first that ends at or after it (else the last), starting where the one before ends
      let p = 0;
      while (p < phases.length - 1 && step > phases[p][0]) p++;
      const start = p === 0 ? 0 : phases[p - 1][0];
      const [end, lr0, lr1, m0, m1] = phases[p];
      // past the last step (the rate after the final step(), never used) it stays the final rate; PyTorch extrapolates
      const pct = Math.min((step - start) / (end - start), 1);
      return [anneal(rates[lr0], rates[lr1], pct), anneal(m0, m1, pct)];
    };
    // as PyTorch, the optimizer's lr becomes the initial rate (lrScale is relative to it)
    groups.forEach((g, i) => (g.options.lr = maxLrs[i] / divFactor));
    super(optimizer, (step, lr, i) => at(step, i)[0] / lr, key === null ? undefined : (step, i) => {
      (groups[i].options as unknown as Record<string, number>)[key] = at(step, i)[1];
    });
  }
}

/** The option a 1cycle momentum goes into: SGD's momentum, Adam's beta1, or null. */
function momentumKey(optimizer: Optimizer): 'momentum' | 'beta1' | null {
  const o = optimizer.paramGroups[0].options as unknown as Record<string, unknown>;
  return 'momentum' in o ? 'momentum' : 'beta1' in o ? 'beta1' : null;
}

/**
 * Runs schedulers one after another, as PyTorch's SequentialLR: schedulers[i] from epoch milestones[i - 1] (0 for
 * the first), counting its own epochs from 0 there. Each must be built on this optimizer; step only this one.
 */
export class SequentialLR extends LRScheduler {
  constructor(optimizer: Optimizer, { schedulers, milestones }: { schedulers: readonly LRScheduler[]; milestones: readonly number[] }) {
    if (!Array.isArray(schedulers) || schedulers.length === 0 || !schedulers.every((s) => s instanceof LRScheduler)) {
      throw new ValueError('SequentialLR: schedulers must be a non-empty array of LRSchedulers (ReduceLROnPlateau cannot be one)');
    }
    schedulers.forEach((s, i) => {
      if (s.optimizer !== optimizer) throw new ValueError(`SequentialLR: scheduler ${i} belongs to another optimizer`);
    });
    if (!Array.isArray(milestones) || milestones.length !== schedulers.length - 1) {
      throw new ValueError(`SequentialLR: give ${schedulers.length - 1} milestones for ${schedulers.length} schedulers, got ${String(milestones)}`);
    }
    milestones.forEach((m, i) => {
      if (!Number.isInteger(m) || m < 1 || (i > 0 && m <= milestones[i - 1])) {
        throw new ValueError(`SequentialLR: milestones must be increasing positive integers, got [${milestones.join(', ')}]`);
      }
    });
    /** The scheduler running at `epoch`, and that epoch in its own count. */
    const active = (epoch: number): [LRScheduler, number] => {
      let i = 0;
      while (i < milestones.length && epoch >= milestones[i]) i++;
      return [schedulers[i], i === 0 ? epoch : epoch - milestones[i - 1]];
    };
    super(optimizer, (epoch, lr, group) => {
      const [s, own] = active(epoch);
      return s.scaleAt(own, lr, group);
    }, (epoch, group) => {
      const [s, own] = active(epoch);
      s.afterScale?.(own, group);
    });
  }
}

export interface ReduceLROnPlateauOptions {
  /** 'min' (default): the metric should fall (a loss); 'max': rise (an accuracy). */
  mode?: 'min' | 'max';
  /** The rate is multiplied by factor (default 0.1, < 1) on a plateau. */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** What counts as an improvement (default 1e-4), relative to the best ('rel', default) or absolute ('abs'). */
  threshold?: number;
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting bad epochs again (default 0). */
  cooldown?: number;
  /** The lowest rate, for every group or one per group (default 0). */
  minLr?: number | readonly number[];
  /** A reduction smaller than eps is skipped (default 1e-8). */
  eps?: number;
}

/** ReduceLROnPlateau's state: its counters, and the best metric (non-finite values as strings, as JSON cannot hold them). */
export interface PlateauStateDict {
  lastEpoch: number;
  best: StateValue;
  numBadEpochs: number;
  cooldownCounter: number;
}

/**
 * Lowers the rate when a metric stops improving, as PyTorch's ReduceLROnPlateau: call step(metric) after each
 * epoch (e.g. with the validation loss). After more than `patience` epochs without improvement every group's rate
 * becomes max(rate * factor, minLr), then `cooldown` epochs pass before bad epochs count again.
 */
export class ReduceLROnPlateau {
  readonly optimizer: Optimizer;
  private readonly mode: 'min' | 'max';
  private readonly factor: number;
  private readonly patience: number;
  private readonly threshold: number;
  private readonly thresholdMode: 'rel' | 'abs';
  private readonly cooldown: number;
  private readonly minLrs: readonly number[];
  private readonly eps: number;
  private epoch = 0;
  private best: number;
  private numBadEpochs = 0;
  private cooldownCounter = 0;

  constructor(optimizer: Optimizer, options: ReduceLROnPlateauOptions = {}) {
    const where = 'ReduceLROnPlateau';
    const { mode = 'min', factor = 0.1, patience = 10, threshold = 1e-4, thresholdMode = 'rel', cooldown = 0, minLr = 0, eps = 1e-8 } = options;
    if (mode !== 'min' && mode !== 'max') throw new ValueError(`${where}: mode must be 'min' or 'max', got '${String(mode)}'`);
    if (thresholdMode !== 'rel' && thresholdMode !== 'abs') throw new ValueError(`${where}: thresholdMode must be 'rel' or 'abs', got '${String(thresholdMode)}'`);
    if (!inRange(factor, 0, 1, true)) throw new ValueError(`${where}: factor must be in [0, 1), got ${String(factor)}`);
    for (const [name, v] of [['patience', patience], ['cooldown', cooldown]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new ValueError(`${where}: ${name} must be an integer >= 0, got ${String(v)}`);
    }
    checkRange(where, 'threshold', threshold, 0);
    checkRange(where, 'eps', eps, 0);
    const groups = optimizer.paramGroups.length;
    const minLrs = typeof minLr === 'number' ? Array.from({ length: groups }, () => minLr) : minLr;
    if (!Array.isArray(minLrs) || minLrs.length !== groups || !minLrs.every((v) => isRate(v))) {
      throw new ValueError(`${where}: minLr must be a finite number >= 0 or an array of ${groups} of them (one per param group)`);
    }
    this.optimizer = optimizer;
    this.mode = mode;
    this.factor = factor;
    this.patience = patience;
    this.threshold = threshold;
    this.thresholdMode = thresholdMode;
    this.cooldown = cooldown;
    this.minLrs = minLrs;
    this.eps = eps;
    this.best = mode === 'min' ? Infinity : -Infinity; // the worst
  }

  get lastEpoch(): number {
    return this.epoch;
  }

  /** Records this epoch's metric; reduces the rates after a plateau. */
  step(metric: number): void {
    if (typeof metric !== 'number') throw new ValueError(`ReduceLROnPlateau.step: metric must be a number, got ${String(metric)}`);
    this.epoch++;
    if (this.isBetter(metric)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else this.numBadEpochs++;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0; // bad epochs in cooldown do not count
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.slice(0, this.minLrs.length).forEach((g, i) => {
        const old = g.options.lr * g.lrScale;
        const lr = Math.max(old * this.factor, this.minLrs[i]);
        if (old - lr > this.eps && g.options.lr > 0) g.lrScale = lr / g.options.lr;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
  }

  /** Each scheduled group's base rate lr * lrScale: one per minLr, the groups the optimizer had when it was made (as LRScheduler). */
  getLastLr(): number[] {
    return scheduledLrs(this.optimizer, this.minLrs.length);
  }

  stateDict(): PlateauStateDict {
    return { lastEpoch: this.epoch, best: encodeValue(this.best), numBadEpochs: this.numBadEpochs, cooldownCounter: this.cooldownCounter };
  }

  /** Restores the counters and best metric (the rates are in the optimizer's state dict); all checked first. */
  loadStateDict(sd: PlateauStateDict): void {
    const fail = (msg: string): never => {
      throw new OptimizerStateError(`ReduceLROnPlateau.loadStateDict: ${msg}; nothing was changed`);
    };
    const s = (sd ?? {}) as unknown as Record<string, unknown>;
    for (const key of ['lastEpoch', 'numBadEpochs', 'cooldownCounter']) {
      if (!Number.isInteger(s[key]) || (s[key] as number) < 0) fail(`${key} must be a non-negative integer, got ${String(s[key])}`);
    }
    if (!isStateValue(s.best)) fail(`best must be a number, got ${String(s.best)}`);
    this.epoch = s.lastEpoch as number;
    this.numBadEpochs = s.numBadEpochs as number;
    this.cooldownCounter = s.cooldownCounter as number;
    this.best = Number(s.best);
  }

  private isBetter(a: number): boolean {
    const { best, threshold } = this;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - threshold) : a < best - threshold;
    return this.thresholdMode === 'rel' ? a > best * (threshold + 1) : a > best + threshold;
  }
}
