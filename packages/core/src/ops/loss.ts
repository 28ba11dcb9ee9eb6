// Losses in functional form, composed from existing ops with PyTorch's formulas, options and reductions (the nn
// modules wrap these later). Classes sit on axis 1 for N-d inputs, as PyTorch's.
import { isFloat } from '../dtype.js';
import { DTypeError, IndexError, ShapeError, ValueError } from '../errors.js';
import { fmt, sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { show } from './op.js';
import { registerOp } from './registry.js';
import { add, div, eq, ge, lt, maximum, mul, ne, neg, sub, where } from './arith.js';
import { abs, exp, log } from './unary.js';
import { argmax, mean, sum } from './reduce.js';
import { logSoftmax } from './nnfunc.js';
import { gather, take } from './indexing.js';
import { reshape, squeeze, unsqueeze } from './shape.js';
import { any } from './statistics.js';

export type Reduction = 'none' | 'mean' | 'sum';

function reduce(loss: Tensor, reduction: Reduction, op: string): Tensor {
  if (reduction === 'none') return loss;
  if (reduction === 'mean') return mean(loss);
  if (reduction === 'sum') return sum(loss);
  throw new ValueError(`${op}: reduction must be 'none', 'mean' or 'sum', got ${show(reduction)}`);
}

function floatInput(x: Tensor, op: string): Tensor {
  if (!(x instanceof Tensor)) throw new ValueError(`${op}: input must be a Tensor, got ${show(x)}`);
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: input must be a float tensor, got ${x.dtype}`);
  return x;
}

function sameShapes(input: Tensor, target: Tensor, op: string): void {
  if (!(target instanceof Tensor)) throw new ValueError(`${op}: target must be a Tensor, got ${show(target)}`);
  if (!sameShape(input.shape, target.shape)) throw new ShapeError(`${op}: input ${fmt(input.shape)} and target ${fmt(target.shape)} must have the same shape`);
}

/** The checks of the elementwise losses: a float input, and a target of its shape. */
function pointwise(input: Tensor, target: Tensor, op: string): void {
  floatInput(input, op);
  sameShapes(input, target, op);
}

export interface NllLossOptions {
  /** A weight per class (1-D, length C): each sample's loss is scaled by its class's weight. */
  weight?: Tensor;
  /** Targets equal to it add nothing (nor to the mean's divisor); default -100 (PyTorch's). */
  ignoreIndex?: number;
  reduction?: Reduction;
}

/** weight, undefined or checked to be C class weights. */
function classWeights(weight: Tensor | undefined, C: number, op: string): Tensor | undefined {
  if (weight !== undefined && (!(weight instanceof Tensor) || weight.ndim !== 1 || weight.size !== C)) {
    throw new ShapeError(`${op}: weight must be a 1-D tensor of ${C} class weights, got ${weight instanceof Tensor ? `shape ${fmt(weight.shape)}` : show(weight)}`);
  }
  return weight;
}

/** The checked class-index pieces: input as [N, C, ...], target as [N, ...], the not-ignored mask, each sample's weight. */
function classIndexTerms(input: Tensor, target: Tensor, options: NllLossOptions, op: string) {
  if (input.ndim < 1) throw new ShapeError(`${op}: input needs a class axis, got shape ${fmt(input.shape)}`);
  if (!(target instanceof Tensor) || target.dtype !== 'int32') {
    throw new DTypeError(`${op}: class-index targets must be an int32 tensor${op === 'crossEntropy' ? ' (or a float tensor of class probabilities shaped like the input)' : ''}, got ${target instanceof Tensor ? target.dtype : show(target)}`);
  }
  const unbatched = input.ndim === 1;
  const x = unbatched ? unsqueeze(input, 0) : input;
  const t = unbatched ? unsqueeze(target, 0) : target;
  const C = x.shape[1];
  const want = x.shape.filter((_, i) => i !== 1);
  if (!sameShape(t.shape, want)) throw new ShapeError(`${op}: input ${fmt(input.shape)} (classes on axis ${unbatched ? 0 : 1}) needs targets of shape ${fmt(unbatched ? [] : want)}, got ${fmt(target.shape)}`);
  const ignoreIndex = options.ignoreIndex ?? -100;
  const valid = ne(t, ignoreIndex);
  const bad = mul(valid, add(lt(t, 0), ge(t, C)));
  if (any(bad).item()) {
    const at = argmax(reshape(bad, [bad.size])).item();
    throw new IndexError(`${op}: target ${t.data[at]} at position ${at} is out of range for ${C} classes (and is not ignoreIndex ${ignoreIndex})`);
  }
  const safe = where(valid, t, 0);
  const weight = classWeights(options.weight, C, op);
  const perSample = weight === undefined ? valid.astype(x.dtype) : mul(reshape(take(weight, reshape(safe, [safe.size])), safe.shape), valid);
  return { x, safe, valid, perSample, unbatched, C };
}

/** loss [N, ...] reduced with PyTorch's weighted mean (divided by the weights of the samples that count). */
function weightedReduce(loss: Tensor, perSample: Tensor, reduction: Reduction, unbatched: boolean, op: string): Tensor {
  if (reduction === 'mean') {
    // NaN when no sample counts (as PyTorch), with a zero gradient rather than 0 * inf
    const total = sum(perSample);
    const none = eq(total, 0);
    return where(none, NaN, div(sum(loss), where(none, 1, total)));
  }
  const out = reduce(loss, reduction, op);
  return unbatched && reduction === 'none' ? squeeze(out, 0) : out;
}

registerOp('nllLoss', true);
/**
 * The negative log-likelihood of log-probabilities: -input[n, target[n], ...] * weight[target[n]]. input
 * [N, C, d1, ...] (or [C]) and int32 target [N, d1, ...] (or []); 'mean' divides by the summed weights of
 * the targets that are not ignoreIndex (NaN when there are none, as PyTorch).
 */
export function nllLoss(input: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  const terms = classIndexTerms(floatInput(input, 'nllLoss'), target, options, 'nllLoss');
  return nll(terms, options.reduction ?? 'mean', 'nllLoss');
}

/** The loss -x[n, target[n], ...] * weight[target[n]] from classIndexTerms' pieces, reduced. */
function nll({ x, safe, perSample, unbatched }: ReturnType<typeof classIndexTerms>, reduction: Reduction, op: string): Tensor {
  const picked = squeeze(gather(x, unsqueeze(safe, 1), 1), 1);
  return weightedReduce(neg(mul(picked, perSample)), perSample, reduction, unbatched, op);
}

export interface CrossEntropyOptions extends NllLossOptions {
  /** Mixes the target with the uniform distribution: (1 - s) * target + s / C (default 0). */
  labelSmoothing?: number;
}

registerOp('crossEntropy', true);
/**
 * Cross-entropy of logits (PyTorch's cross_entropy): logSoftmax over the class axis (1, or 0 for a 1-D
 * input), then nllLoss for int32 class indices, or -sum(target * logp) for float class probabilities shaped
 * like the input (ignoreIndex applies to class indices only; 'mean' over probabilities divides by N * d1 * ...).
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  floatInput(input, 'crossEntropy');
  const s = options.labelSmoothing ?? 0;
  if (typeof s !== 'number' || !(s >= 0 && s <= 1)) throw new ValueError(`crossEntropy: labelSmoothing must be in [0, 1], got ${show(s)}`);
  const reduction = options.reduction ?? 'mean';
  if (input.ndim < 1) throw new ShapeError(`crossEntropy: input needs a class axis, got shape ${fmt(input.shape)}`);
  const axis = input.ndim === 1 ? 0 : 1;
  const C = input.shape[axis];
  const logp = logSoftmax(input, axis);
  const w = classWeights(options.weight, C, 'crossEntropy');
  // the weights along the class axis, broadcastable against logp
  const wAlong = w === undefined ? undefined : reshape(w, [C, ...new Array<number>(input.ndim - axis - 1).fill(1)]);
  if (target instanceof Tensor && isFloat(target.dtype)) {
    sameShapes(input, target, 'crossEntropy');
    const t = s > 0 ? add(mul(target, 1 - s), s / C) : target;
    const terms = mul(logp, wAlong === undefined ? t : mul(t, wAlong));
    return reduce(neg(sum(terms, axis)), reduction, 'crossEntropy');
  }
  const terms = classIndexTerms(logp, target, options, 'crossEntropy');
  const loss = nll(terms, reduction, 'crossEntropy');
  if (s === 0) return loss;
  // PyTorch's label smoothing on class indices: (1 - s) * nll + s / C * (the loss against the uniform target)
  const { x, valid, perSample, unbatched } = terms; // x: logp with a batch axis
  const wFull = wAlong === undefined ? undefined : unbatched ? unsqueeze(wAlong, 0) : wAlong;
  const smooth = where(valid, neg(sum(wFull === undefined ? x : mul(x, wFull), 1)), 0);
  const smoothReduced = weightedReduce(smooth, perSample, reduction, unbatched, 'crossEntropy');
  return add(mul(loss, 1 - s), mul(smoothReduced, s / C));
}

export interface BceWithLogitsOptions {
  /** Multiplies each element's loss (broadcast against the input). */
  weight?: Tensor;
  /** Weight of the positive term, one per class (broadcast along the last axis): > 1 raises recall. */
  posWeight?: Tensor;
  reduction?: Reduction;
}

registerOp('binaryCrossEntropyWithLogits', true);
/**
 * -[posWeight * t * log(sigmoid(x)) + (1 - t) * log(1 - sigmoid(x))] from logits x, in PyTorch's stable form:
 * (1 - t) x + l (m + log(exp(-m) + exp(-x - m))) with m = max(-x, 0) and l = 1 + (posWeight - 1) t.
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options: BceWithLogitsOptions = {}): Tensor {
  pointwise(input, target, 'binaryCrossEntropyWithLogits');
  const m = maximum(neg(input), 0);
  const softplusNeg = add(m, log(add(exp(neg(m)), exp(sub(neg(input), m))))); // log(1 + exp(-x))
  const { posWeight, weight } = options;
  const l = posWeight === undefined ? softplusNeg : mul(add(mul(sub(posWeight, 1), target), 1), softplusNeg);
  let loss = add(mul(sub(1, target), input), l);
  if (weight !== undefined) loss = mul(loss, weight);
  return reduce(loss, options.reduction ?? 'mean', 'binaryCrossEntropyWithLogits');
}

function positive(v: number, op: string, name: string, allowZero = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
    throw new ValueError(`${op}: ${name} must be a finite number ${allowZero ? '>= 0' : '> 0'}, got ${show(v)}`);
  }
  return v;
}

registerOp('huberLoss', true);
/** 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta), with d = input - target (default delta 1). */
export function huberLoss(input: Tensor, target: Tensor, options: { reduction?: Reduction; delta?: number } = {}): Tensor {
  pointwise(input, target, 'huberLoss');
  const delta = positive(options.delta ?? 1, 'huberLoss', 'delta');
  const d = sub(input, target);
  const z = abs(d);
  const loss = where(lt(z, delta), mul(mul(d, d), 0.5), mul(sub(z, 0.5 * delta), delta));
  return reduce(loss, options.reduction ?? 'mean', 'huberLoss');
}

registerOp('smoothL1Loss', true);
/** 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (beta 0: |d|), with d = input - target (default beta 1). */
export function smoothL1Loss(input: Tensor, target: Tensor, options: { reduction?: Reduction; beta?: number } = {}): Tensor {
  pointwise(input, target, 'smoothL1Loss');
  const beta = positive(options.beta ?? 1, 'smoothL1Loss', 'beta', true);
  const d = sub(input, target);
  const z = abs(d);
  const loss = beta === 0 ? z : where(lt(z, beta), div(mul(mul(d, d), 0.5), beta), sub(z, 0.5 * beta));
  return reduce(loss, options.reduction ?? 'mean', 'smoothL1Loss');
}

registerOp('klDiv', true);
/**
 * PyTorch's kl_div: input holds log-probabilities, target probabilities (or log-probabilities with
 * logTarget); the pointwise loss is target * (log(target) - input), 0 where target is 0. Reductions:
 * 'mean' (over every element, PyTorch's default), 'batchmean' (the sum over the first axis's length: the
 * true KL divergence), 'sum', 'none'.
 */
export function klDiv(input: Tensor, target: Tensor, options: { reduction?: Reduction | 'batchmean'; logTarget?: boolean } = {}): Tensor {
  pointwise(input, target, 'klDiv');
  let loss: Tensor;
  if (options.logTarget) loss = mul(exp(target), sub(target, input));
  else {
    // xlogy(t, t): 0 at t == 0 (the log reads 1 there, so its gradient stays finite)
    const zero = eq(target, 0);
    loss = sub(where(zero, 0, mul(target, log(where(zero, 1, target)))), mul(target, input));
  }
  const reduction = options.reduction ?? 'mean';
  if (reduction === 'batchmean') return div(sum(loss), input.ndim === 0 ? 1 : input.shape[0]);
  return reduce(loss, reduction, 'klDiv');
}
