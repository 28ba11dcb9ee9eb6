// Losses, as the book defines them, with a reduction over samples ('mean' by default, as the book's Loss.calculate).
import {
  Tensor, tensor, zeros, customOp, oneHot, noGrad, backend, DTypeError, ShapeError, IndexError, ValueError, libm,
} from '@tensorgrad/core';
import { fmt } from '@tensorgrad/core/util';
import { registerLoss, type ConfigReader, type JsonObject } from './registry.js';

export type Reduction = 'mean' | 'sum' | 'none';

export interface LossOptions {
  reduction?: Reduction;
}

const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'none'];

export abstract class Loss {
  /** How forward reduces: Reduction, or 'batchmean' for the losses that offer it (KLDivLoss). */
  readonly reduction: Reduction | 'batchmean';

  /** `reductions`: the ones this loss accepts (a subclass with more passes its own). */
  constructor(options: { reduction?: Reduction | 'batchmean' } = {}, reductions: readonly string[] = REDUCTIONS) {
    const reduction = options.reduction ?? 'mean';
    if (!reductions.includes(reduction)) {
      const names = reductions.map((r) => `'${r}'`);
      throw new ValueError(`${this.constructor.name}: reduction must be ${names.slice(0, -1).join(', ')} or ${names.at(-1)}, got '${String(reduction)}'`);
    }
    this.reduction = reduction;
  }

  /** The constructor options as JSON, for model files. */
  config(): JsonObject {
    return { reduction: this.reduction };
  }

  /** A loss of this class from the options config() wrote. */
  static fromConfig<L extends Loss>(this: new (options: LossOptions) => L, reader: ConfigReader): L {
    return new this({ reduction: readReduction(reader) });
  }

  /** One loss per sample, shape [samples]. */
  abstract sampleLosses(pred: Tensor, target: Tensor): Tensor;

  /** The reduced loss: a scalar for 'mean' and 'sum', the per-sample losses for 'none'. */
  forward(pred: Tensor, target: Tensor): Tensor {
    const losses = this.sampleLosses(pred, target);
    return this.reduction === 'mean' ? losses.mean() : this.reduction === 'sum' ? losses.sum() : losses;
  }
}

/** The field 'reduction' of a loss's config: one of Reduction, 'mean' by default. */
export function readReduction(reader: ConfigReader): Reduction {
  return reader.choice('reduction', REDUCTIONS, 'mean');
}

const CLIP = 1e-7;

/** Checks class targets for [samples, classes] predictions: int labels [samples] or one-hot [samples, classes]. */
function checkClassTargets(op: string, pred: Tensor, target: Tensor): 'labels' | 'onehot' {
  if (pred.ndim !== 2) throw new ShapeError(`${op}: predictions must be [samples, classes], got shape ${fmt(pred.shape)}`);
  const [n, c] = pred.shape;
  if (target.ndim === 1) {
    if (target.dtype !== 'int32') throw new DTypeError(`${op}: class labels must be int32, got ${target.dtype} (use oneHot for one-hot targets)`);
    if (target.size !== n) throw new ShapeError(`${op}: ${n} predictions but ${target.size} labels`);
    const labels = target.data;
    for (let i = 0; i < n; i++) {
      if (labels[i] < 0 || labels[i] >= c) throw new IndexError(`${op}: label ${labels[i]} of sample ${i} is out of range for ${c} classes`);
    }
    return 'labels';
  }
  if (target.ndim === 2 && target.shape[0] === n && target.shape[1] === c) return 'onehot';
  throw new ShapeError(`${op}: targets must be int32 labels [${n}] or one-hot [${n}, ${c}], got shape ${fmt(target.shape)}`);
}

function sameDtype(target: Tensor, pred: Tensor): Tensor {
  return target.dtype === pred.dtype ? target : target.astype(pred.dtype);
}

/** Cross-entropy on probabilities (after Softmax): -log(p[correct]), with p clipped to [1e-7, 1 - 1e-7] as the book does. */
export class CategoricalCrossentropy extends Loss {
  static readonly typeName = 'CategoricalCrossentropy';
  sampleLosses(pred: Tensor, target: Tensor): Tensor {
    const kind = checkClassTargets('CategoricalCrossentropy', pred, target);
    const clipped = pred.clip(CLIP, 1 - CLIP);
    const confidences = kind === 'labels' ? clipped.pick(target) : clipped.mul(sameDtype(target, pred)).sum(1);
    return confidences.log().neg();
  }
}

/**
 * Softmax and cross-entropy in one op, on logits: loss = logsumexp(x) - x[correct], stable for any logits,
 * then bounded as the book's clip of p to [clip, 1 - clip] bounds it (clip 0: unbounded).
 * Its gradient is the notebook's fused backward, (softmax - onehot) per sample (divided by n under 'mean'),
 * computed directly rather than through a softmax-log graph; like the notebook's, it ignores the clip.
 */
const softmaxCrossEntropyOp = customOp({
  name: 'softmaxCrossEntropy',
  forward(ctx, logits, target, clipValue) {
    ctx.clip = clipValue.item();
    ctx.save(logits, target);
    const clip = ctx.clip as number;
    if (target.dtype === 'int32') {
      const [probs, losses] = labelsForward(logits, target, clip);
      ctx.probs = probs;
      return losses;
    }
    const m = logits.max(1, true);
    const e = logits.sub(m).exp();
    const s = e.sum(1, true);
    ctx.probs = e.div(s);
    // with one-hot (or soft) targets t: sum(t) * (logsumexp) - t . x
    const losses = s.log().add(m).reshape([logits.shape[0]]).mul(target.sum(1)).sub(logits.mul(target).sum(1));
    // The book clips probabilities to [1e-7, 1 - 1e-7] before the log, which bounds each loss the same way.
    return clip > 0 ? losses.clip(-libm.log1p(-clip), -libm.log(clip)) : losses;
  },
  backward(ctx, g) {
    const [logits, target] = ctx.saved;
    const probs = ctx.probs as Tensor;
    if (target.dtype === 'int32' && !ctx.createGraph && g.dtype === logits.dtype) return [labelsBackward(probs, target, g), null, null];
    // Under createGraph the softmax is recomputed with recorded ops, so second derivatives are right.
    const p = ctx.createGraph ? logits.softmax(1) : probs;
    const t = target.dtype === 'int32' ? oneHot(target, logits.shape[1], logits.dtype) : target;
    const dlogits = target.dtype === 'int32' ? p.sub(t) : p.mul(t.sum(1, true)).sub(t);
    return [dlogits.mul(g.reshape([g.size, 1])), null, null];
  },
});

/** The forward for int labels as one fused kernel: [probs, per-sample losses]. */
function labelsForward(logits: Tensor, target: Tensor, clip: number): [Tensor, Tensor] {
  const [n, c] = logits.shape;
  const probs = zeros([n, c], { dtype: logits.dtype });
  const losses = zeros([n], { dtype: logits.dtype });
  backend().softmaxCrossEntropy(logits.data, target.data as Int32Array, n, c, clip, probs.data, losses.data);
  return [probs, losses];
}

/** (probs - onehot(labels)) * g per row, as one fused kernel. */
function labelsBackward(probs: Tensor, target: Tensor, g: Tensor): Tensor {
  const [n, c] = probs.shape;
  const dlogits = zeros([n, c], { dtype: probs.dtype });
  backend().softmaxCrossEntropyBackward(probs.data, target.data as Int32Array, g.data, n, c, dlogits.data);
  return dlogits;
}

export class SoftmaxCrossEntropy extends Loss {
  static readonly typeName = 'SoftmaxCrossEntropy';
  /** Probabilities are taken as clipped to [clip, 1 - clip] for the loss value, as the book does (0: no clip). */
  readonly clip: number;
  private readonly clipTensor: Tensor;

  constructor(options: LossOptions & { clip?: number } = {}) {
    super(options);
    this.clip = options.clip ?? CLIP;
    if (!(this.clip >= 0 && this.clip < 0.5)) throw new ValueError(`SoftmaxCrossEntropy: clip must be in [0, 0.5), got ${this.clip}`);
    this.clipTensor = tensor(this.clip, { dtype: 'float64' });
  }

  override config(): JsonObject {
    return { ...super.config(), clip: this.clip };
  }

  static override fromConfig<L extends Loss>(this: new (options: LossOptions & { clip?: number }) => L, reader: ConfigReader): L {
    return new this({ reduction: readReduction(reader), clip: reader.number('clip', { min: 0, max: 0.5, maxOpen: true, dflt: CLIP }) });
  }

  sampleLosses(logits: Tensor, target: Tensor): Tensor {
    const kind = checkClassTargets('SoftmaxCrossEntropy', logits, target);
    return softmaxCrossEntropyOp(logits, kind === 'labels' ? target : sameDtype(target, logits), this.clipTensor);
  }

  /** The class probabilities for logits (the softmax this loss applies), e.g. for accuracy. */
  static probabilities(logits: Tensor): Tensor {
    return noGrad(() => logits.softmax(1));
  }
}

export function checkSameShape(op: string, pred: Tensor, target: Tensor): Tensor {
  if (pred.ndim < 1 || target.ndim !== pred.ndim || target.shape.some((d, i) => d !== pred.shape[i])) {
    throw new ShapeError(
      `${op}: targets of shape ${fmt(target.shape)} must have the predictions' shape ${fmt(pred.shape)} (reshape them, e.g. y.reshape([-1, 1]))`,
    );
  }
  return sameDtype(target, pred);
}

/** Mean over outputs per sample of -(y log p + (1 - y) log(1 - p)), p clipped to [1e-7, 1 - 1e-7] (the book's). */
export class BinaryCrossentropy extends Loss {
  static readonly typeName = 'BinaryCrossentropy';
  sampleLosses(pred: Tensor, target: Tensor): Tensor {
    const y = checkSameShape('BinaryCrossentropy', pred, target);
    const p = pred.clip(CLIP, 1 - CLIP);
    const ll = y.mul(p.log()).add(y.neg().add(1).mul(p.neg().add(1).log()));
    return perSample(ll.neg());
  }
}

/** Mean over outputs per sample of (y - p)^2. */
export class MeanSquaredError extends Loss {
  static readonly typeName = 'MeanSquaredError';
  sampleLosses(pred: Tensor, target: Tensor): Tensor {
    const d = checkSameShape('MeanSquaredError', pred, target).sub(pred);
    return perSample(d.mul(d));
  }
}

/** Mean over outputs per sample of |y - p|. */
export class MeanAbsoluteError extends Loss {
  static readonly typeName = 'MeanAbsoluteError';
  sampleLosses(pred: Tensor, target: Tensor): Tensor {
    return perSample(checkSameShape('MeanAbsoluteError', pred, target).sub(pred).abs());
  }
}

/** Averages over every axis but the first (a 1-D input is already per sample). */
function perSample(x: Tensor): Tensor {
  return x.ndim === 1 ? x : x.reshape([x.shape[0], -1]).mean(1);
}

for (const cls of [CategoricalCrossentropy, SoftmaxCrossEntropy, BinaryCrossentropy, MeanSquaredError, MeanAbsoluteError]) registerLoss(cls);
