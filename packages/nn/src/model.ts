// Model: the book's Model class — layers, a loss, an optimizer and an accuracy, trained with progress output.
import { type Tensor, type Generator, noGrad, concat, ValueError, ShapeError } from '@tensorgrad/core';
import { fmt, hostProcess } from '@tensorgrad/core/util';
import { Module } from './module.js';
import { Softmax } from './activations.js';
import { Loss, CategoricalCrossentropy, SoftmaxCrossEntropy, type Reduction } from './losses.js';
import { regularizationLoss, Sequential } from './layers.js';
import { accuracy as categoricalAccuracy, regressionAccuracy, standardDeviation } from './metrics.js';
import { batches, batchSizeFor, type XYData } from './data.js';
import { checkPositiveInts } from './layers/common.js';

/** What Model needs of an optimizer (every @tensorgrad/optim optimizer is one). */
export interface OptimizerLike {
  step(): void;
  zeroGrad(): void;
  readonly currentLr?: number;
}

/** 'categorical' (argmax against labels or one-hot), 'regression' (within std(y) / 250, as the book), or a function. */
export type AccuracyKind = 'categorical' | 'regression' | ((pred: Tensor, y: Tensor) => number);

export interface EpochMetrics {
  epoch: number;
  /** Data loss + regularization loss, averaged over the epoch's batches. */
  loss: number;
  dataLoss: number;
  regularizationLoss: number;
  accuracy: number;
  lr: number;
  valLoss?: number;
  valAccuracy?: number;
}

export interface BatchMetrics {
  epoch: number;
  batch: number;
  loss: number;
  dataLoss: number;
  regularizationLoss: number;
  accuracy: number;
  lr: number;
}

export interface Callbacks {
  onEpochEnd?(metrics: EpochMetrics): void;
  onBatchEnd?(metrics: BatchMetrics): void;
}

export interface EarlyStopping {
  monitor?: 'valLoss' | 'valAccuracy' | 'loss' | 'accuracy';
  /** Epochs without improvement before stopping. */
  patience: number;
  /** Smallest change that counts as an improvement. */
  minDelta?: number;
  /** Put back the parameters of the best epoch when stopping (default true). */
  restoreBest?: boolean;
}

export type Progress = 'auto' | 'bar' | 'lines' | 'none';

export interface TrainOptions {
  epochs?: number;
  /** Rows per step; 0 (default) trains on the whole set each step. */
  batchSize?: number;
  /** Epochs between printed lines (default: a tenth of the epochs). */
  printEvery?: number;
  validationData?: XYData | readonly [Tensor, Tensor];
  shuffle?: boolean;
  generator?: Generator;
  callbacks?: Callbacks;
  earlyStopping?: EarlyStopping;
  /** 'auto' (default): a live bar on a terminal, plain periodic lines otherwise; 'none' is silent. */
  progress?: Progress;
  /** Where progress goes (default: process.stdout). */
  write?: (text: string) => void;
}

export interface History {
  epochs: EpochMetrics[];
  /** True when early stopping ended training. */
  stoppedEarly: boolean;
}

const fixed = (v: number | undefined, digits = 3) => (v === undefined ? '-' : v.toFixed(digits));

/**
 * A stack of layers trained with a loss and an optimizer:
 * `model.add(...); model.set({ loss, optimizer, accuracy }); model.finalize(); model.train(X, y, { epochs })`.
 * As in the book, a final Softmax with CategoricalCrossentropy trains through the fused, stable softmax
 * cross-entropy on the logits, while predict() still returns probabilities.
 */
export class Model extends Sequential {
  private loss: Loss | null = null;
  private optimizer: OptimizerLike | null = null;
  private accuracyKind: AccuracyKind = 'categorical';
  private trainingLoss: Loss | null = null;
  private fused = false;

  constructor() {
    super([]);
  }

  add(layer: Module): this {
    if (!(layer instanceof Module)) throw new ValueError('Model.add: expects a Module (a layer or an activation)');
    this.layers.push(layer);
    this.trainingLoss = null;
    return this;
  }

  set(options: { loss?: Loss; optimizer?: OptimizerLike; accuracy?: AccuracyKind }): this {
    if (options.loss !== undefined) this.loss = options.loss;
    if (options.optimizer !== undefined) this.optimizer = options.optimizer;
    if (options.accuracy !== undefined) this.accuracyKind = options.accuracy;
    this.trainingLoss = null;
    return this;
  }

  /** The loss and accuracy given to set() (the architecture JSON holds them; the optimizer is not saved). */
  settings(): { loss: Loss | null; accuracy: AccuracyKind } {
    return { loss: this.loss, accuracy: this.accuracyKind };
  }

  /** Checks the setup and picks the fused loss where the book does. */
  finalize(): this {
    if (this.layers.length === 0) throw new ValueError('Model.finalize: add at least one layer first');
    if (this.loss === null) throw new ValueError('Model.finalize: set a loss first (model.set({ loss }))');
    const last = this.layers[this.layers.length - 1];
    this.fused = last instanceof Softmax && this.loss instanceof CategoricalCrossentropy && (last.axis === -1 || last.axis === 1);
    // fused only for CategoricalCrossentropy, a book loss: its reduction is never 'batchmean'
    this.trainingLoss = this.fused ? new SoftmaxCrossEntropy({ reduction: this.loss.reduction as Reduction }) : this.loss;
    return this;
  }

  /** The output before a fused final Softmax (the logits), or the full output. */
  private trainingOutput(x: Tensor): Tensor {
    const upto = this.fused ? this.layers.length - 1 : this.layers.length;
    for (let i = 0; i < upto; i++) x = this.layers[i].forward(x);
    return x;
  }

  private accuracyOf(pred: Tensor, y: Tensor): number {
    const kind = this.accuracyKind;
    if (typeof kind === 'function') return kind(pred, y);
    if (kind === 'regression') return regressionAccuracy(pred, y, standardDeviation(y) / 250);
    return categoricalAccuracy(pred, y);
  }

  /** The loss to train with, finalizing first if needed. */
  private ready(): Loss {
    if (this.trainingLoss === null) this.finalize();
    return this.trainingLoss!;
  }

  /** train(X, y, options) trains and returns the per-epoch metrics; train(mode) is Module's training switch. */
  override train(mode?: boolean): this;
  override train(X: Tensor, y: Tensor, options?: TrainOptions): History;
  override train(a?: boolean | Tensor, y?: Tensor, options: TrainOptions = {}): this | History {
    if (a === undefined || typeof a === 'boolean') return super.train(a ?? true);
    if (y === undefined) throw new ValueError('Model.train: needs targets y after X');
    return this.fit(a, y, options);
  }

  private fit(X: Tensor, y: Tensor, options: TrainOptions): History {
    const trainingLoss = this.ready();
    const optimizer = this.optimizer;
    if (optimizer === null) throw new ValueError('Model.train: set an optimizer first (model.set({ optimizer }))');
    if (X.shape[0] !== y.shape[0]) throw new ShapeError(`Model.train: X has ${X.shape[0]} rows but y has ${y.shape[0]}`);
    const epochs = options.epochs ?? 1;
    checkPositiveInts('Model.train', { epochs });
    if (X.ndim === 0 || X.shape[0] === 0) throw new ValueError(`Model.train: X has no rows (shape ${fmt(X.shape)}); there is nothing to train on`);
    batchSizeFor(options.batchSize, X.shape[0], 'Model.train'); // before anything changes
    const validation = options.validationData === undefined ? null : toXYData(options.validationData);
    const reporter = new Reporter(epochs, options);
    const history: History = { epochs: [], stoppedEarly: false };
    const stopper = options.earlyStopping ? new Stopper(options.earlyStopping, validation !== null) : null;
    this.train(true);
    try {
      for (let epoch = 1; epoch <= epochs; epoch++) {
        let sumData = 0, sumReg = 0, sumAcc = 0, rows = 0, batch = 0;
        for (const b of batches(X, y, { batchSize: options.batchSize, shuffle: options.shuffle, generator: options.generator })) {
          const out = this.trainingOutput(b.X);
          const dataLoss = trainingLoss.forward(out, b.y);
          const reg = regularizationLoss(this);
          const lr = optimizer.currentLr ?? NaN;
          optimizer.zeroGrad();
          dataLoss.add(reg).backward();
          optimizer.step();
          const n = b.X.shape[0];
          const m: BatchMetrics = {
            epoch, batch: batch++, dataLoss: dataLoss.item(), regularizationLoss: reg.item(), loss: 0,
            accuracy: this.accuracyOf(out, b.y), lr,
          };
          m.loss = m.dataLoss + m.regularizationLoss;
          sumData += m.dataLoss * n; sumReg += m.regularizationLoss * n; sumAcc += m.accuracy * n; rows += n;
          options.callbacks?.onBatchEnd?.(m);
        }
        const metrics: EpochMetrics = {
          epoch, dataLoss: sumData / rows, regularizationLoss: sumReg / rows, loss: (sumData + sumReg) / rows,
          accuracy: sumAcc / rows, lr: optimizer.currentLr ?? NaN,
        };
        if (validation) {
          const v = this.evaluate(validation.X, validation.y);
          this.train(true);
          metrics.valLoss = v.loss;
          metrics.valAccuracy = v.accuracy;
        }
        history.epochs.push(metrics);
        reporter.epoch(metrics);
        options.callbacks?.onEpochEnd?.(metrics);
        if (stopper?.update(metrics, this)) {
          history.stoppedEarly = true;
          reporter.note(`early stopping at epoch ${epoch}: no improvement in ${stopper.monitor} for ${stopper.patience} epochs`);
          break;
        }
      }
      // Only at a normal end: after an error the parameters stay those of the last step, matching the optimizer's state.
      stopper?.restore(this);
    } finally {
      reporter.end();
      this.train(false);
    }
    return history;
  }

  /** Loss (data + regularization) and accuracy on a data set, in eval mode, without recording. */
  evaluate(X: Tensor, y: Tensor, options: { batchSize?: number } = {}): { loss: number; dataLoss: number; accuracy: number } {
    const trainingLoss = this.ready();
    if (X.ndim === 0 || X.shape[0] === 0) throw new ValueError(`Model.evaluate: X has no rows (shape ${fmt(X.shape)}); a loss over nothing is undefined`);
    batchSizeFor(options.batchSize, X.shape[0], 'Model.evaluate');
    this.eval();
    return noGrad(() => {
      let sumLoss = 0, sumAcc = 0, rows = 0;
      for (const b of batches(X, y, { batchSize: options.batchSize })) {
        const out = this.trainingOutput(b.X);
        const n = b.X.shape[0];
        sumLoss += trainingLoss.forward(out, b.y).item() * n;
        sumAcc += this.accuracyOf(out, b.y) * n;
        rows += n;
      }
      const reg = regularizationLoss(this).item();
      return { loss: sumLoss / rows + reg, dataLoss: sumLoss / rows, accuracy: sumAcc / rows };
    });
  }

  /** The model's output (probabilities after a final Softmax) in eval mode, without recording. */
  predict(X: Tensor, options: { batchSize?: number } = {}): Tensor {
    const size = batchSizeFor(options.batchSize, X.shape[0], 'Model.predict');
    this.eval();
    return noGrad(() => {
      if (size >= X.shape[0]) return this.forward(X);
      const parts: Tensor[] = [];
      for (let start = 0; start < X.shape[0]; start += size) parts.push(this.forward(X.slice([[start, start + size]])));
      return concat(parts, 0);
    });
  }
}

function toXYData(v: XYData | readonly [Tensor, Tensor]): XYData {
  return Array.isArray(v) ? { X: v[0], y: v[1] } : (v as XYData);
}

/** Tracks the monitored metric; remembers the best parameters to restore. */
class Stopper {
  readonly monitor: NonNullable<EarlyStopping['monitor']>;
  readonly patience: number;
  private best = Infinity;
  private bad = 0;
  private bestState: Record<string, Tensor> | null = null;

  constructor(private readonly options: EarlyStopping, hasValidation: boolean) {
    this.monitor = options.monitor ?? (hasValidation ? 'valLoss' : 'loss');
    this.patience = options.patience;
    if (this.monitor.startsWith('val') && !hasValidation) throw new ValueError(`earlyStopping: monitoring ${this.monitor} needs validationData`);
    checkPositiveInts('earlyStopping', { patience: this.patience });
  }

  /** Returns true when training should stop. */
  update(m: EpochMetrics, model: Module): boolean {
    const value = m[this.monitor]!;
    const score = this.monitor.endsWith('ccuracy') ? -value : value; // lower is better
    if (score < this.best - (this.options.minDelta ?? 0)) {
      this.best = score;
      this.bad = 0;
      if (this.options.restoreBest !== false) this.bestState = model.stateDict();
      return false;
    }
    return ++this.bad >= this.patience;
  }

  restore(model: Module): void {
    if (this.bestState !== null) model.loadStateDict(this.bestState);
  }
}

/** Progress output: a live bar on a terminal, periodic lines otherwise. */
class Reporter {
  private readonly mode: Progress;
  private readonly write: (text: string) => void;
  private readonly every: number;
  private lastDraw = 0;
  private drawn = false;

  constructor(private readonly epochs: number, options: TrainOptions) {
    const stdout = hostProcess()?.stdout;
    this.write = options.write ?? ((s) => void stdout?.write(s));
    const mode = options.progress ?? 'auto';
    this.mode = mode === 'auto' ? (options.write === undefined && stdout?.isTTY ? 'bar' : 'lines') : mode;
    this.every = options.printEvery ?? Math.max(1, Math.round(epochs / 10));
  }

  private line(m: EpochMetrics): string {
    const val = m.valLoss === undefined ? '' : `, val_loss: ${fixed(m.valLoss)}, val_acc: ${fixed(m.valAccuracy)}`;
    return `epoch: ${m.epoch}, acc: ${fixed(m.accuracy)}, loss: ${fixed(m.loss)} (data_loss: ${fixed(m.dataLoss)}, reg_loss: ${fixed(m.regularizationLoss)}), lr: ${m.lr}${val}`;
  }

  epoch(m: EpochMetrics): void {
    if (this.mode === 'none') return;
    if (this.mode === 'lines') {
      if (m.epoch % this.every === 0 || m.epoch === 1 || m.epoch === this.epochs) this.write(this.line(m) + '\n');
      return;
    }
    const now = Date.now();
    if (now - this.lastDraw < 80 && m.epoch !== this.epochs) return;
    this.lastDraw = now;
    const width = 24;
    const done = Math.round((m.epoch / this.epochs) * width);
    const bar = '='.repeat(done) + ' '.repeat(width - done);
    const val = m.valLoss === undefined ? '' : ` val_loss ${fixed(m.valLoss)} val_acc ${fixed(m.valAccuracy)}`;
    this.write(`\r\x1b[2Kepoch ${m.epoch}/${this.epochs} [${bar}] loss ${fixed(m.loss)} acc ${fixed(m.accuracy)} lr ${m.lr.toPrecision(4)}${val}`);
    this.drawn = true;
  }

  note(text: string): void {
    if (this.mode === 'none') return;
    this.end();
    this.write(text + '\n');
  }

  end(): void {
    if (this.drawn) this.write('\n');
    this.drawn = false;
  }
}
