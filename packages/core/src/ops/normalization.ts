// Normalization and embedding in PyTorch's functional forms (torch.nn.functional's layer_norm, group_norm,
// batch_norm, embedding), composed from existing ops so gradients of every order come from those ops.
import { isFloat } from '../dtype.js';
import { DTypeError, IndexError, ShapeError, ValueError } from '../errors.js';
import { noGrad } from '../autograd.js';
import { fmt, sameShape } from '../shape.js';
import { type Tensor } from '../tensor.js';
import { registerOp } from './registry.js';
import { add, eq, mul, sub, where } from './arith.js';
import { rsqrt } from './math.js';
import { varMean } from './statistics.js';
import { reshape, unsqueeze } from './shape.js';
import { indexTensor, take } from './indexing.js';

export interface NormOptions {
  /** Multiplies the normalized values (PyTorch's weight, gamma); none by default. */
  weight?: Tensor | null;
  /** Added after the weight (beta); none by default. */
  bias?: Tensor | null;
  /** Added to the variance before its square root; default 1e-5. */
  eps?: number;
}

export interface BatchNormOptions extends NormOptions {
  /** Normalize by the batch's statistics and update the running ones (true), or by the running ones (false, the default). */
  training?: boolean;
  /** running = (1 - momentum) * running + momentum * batch statistic; default 0.1. */
  momentum?: number;
}

export interface EmbeddingOptions {
  /** The row that pads: it gets no gradient (negative counts from the end). */
  paddingIdx?: number | null;
}

function checkFloat(x: Tensor, op: string): void {
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: the input must be float32 or float64, got ${x.dtype}`);
}

function checkNumber(v: unknown, op: string, name: string, max = Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > max) {
    throw new ValueError(`${op}: ${name} must be a finite number in [0, ${max}], got ${String(v)}`);
  }
  return v;
}

/** weight and bias, each null or of `shape` exactly (PyTorch's layout for the op). */
function affineParams(options: NormOptions, shape: readonly number[], op: string): [Tensor | null, Tensor | null] {
  const check = (t: Tensor | null | undefined, name: string): Tensor | null => {
    if (t === undefined || t === null) return null;
    if (!sameShape(t.shape, shape)) {
      throw new ShapeError(`${op}: ${name} has shape ${fmt(t.shape)}, expected ${fmt(shape)}`);
    }
    return t;
  };
  return [check(options.weight, 'weight'), check(options.bias, 'bias')];
}

/** (x - mean) / sqrt(var + eps) over `axes`, the biased variance as PyTorch's norms use. */
function standardize(x: Tensor, axes: number[], eps: number): Tensor {
  const [v, m] = varMean(x, axes, { correction: 0, keepdims: true });
  return mul(sub(x, m), rsqrt(add(v, eps)));
}

/** y * weight + bias, each reshaped by `view` to broadcast against y. */
function affine(y: Tensor, weight: Tensor | null, bias: Tensor | null, view: (t: Tensor) => Tensor): Tensor {
  const scaled = weight === null ? y : mul(y, view(weight));
  return bias === null ? scaled : add(scaled, view(bias));
}

/** [C] as [C, 1, ...] so it broadcasts over axis 1 of an [N, C, *] input. */
const channelView = (ndim: number) => (t: Tensor) => reshape(t, [t.size, ...Array<number>(ndim - 2).fill(1)]);

registerOp('layerNorm', true);
/**
 * Normalizes over the last dimensions, which must equal `normalizedShape`: (x - mean) / sqrt(var + eps) with the
 * biased variance, then * weight + bias (each of shape normalizedShape) when given (torch.nn.functional.layer_norm).
 */
export function layerNorm(x: Tensor, normalizedShape: number | readonly number[], options: NormOptions = {}): Tensor {
  checkFloat(x, 'layerNorm');
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
  const k = shape.length;
  if (k === 0 || k > x.ndim || shape.some((d, i) => d !== x.shape[x.ndim - k + i])) {
    throw new ShapeError(`layerNorm: normalizedShape ${fmt(shape)} must be a non-empty tail of the input's shape ${fmt(x.shape)} ([*, ${shape.join(', ')}])`);
  }
  const eps = checkNumber(options.eps ?? 1e-5, 'layerNorm', 'eps');
  const [weight, bias] = affineParams(options, shape, 'layerNorm');
  const axes = shape.map((_, i) => x.ndim - k + i);
  return affine(standardize(x, axes, eps), weight, bias, (t) => t);
}

registerOp('groupNorm', true);
/**
 * Splits the channels (axis 1 of [N, C, *]) into numGroups groups and normalizes each sample's group over its
 * channels and positions, then * weight + bias (each [C]) when given (torch.nn.functional.group_norm).
 */
export function groupNorm(x: Tensor, numGroups: number, options: NormOptions = {}): Tensor {
  checkFloat(x, 'groupNorm');
  if (x.ndim < 2) throw new ShapeError(`groupNorm: the input must be [N, C, *], got shape ${fmt(x.shape)}`);
  const c = x.shape[1];
  if (!Number.isInteger(numGroups) || numGroups < 1 || c % numGroups !== 0) {
    throw new ValueError(`groupNorm: numGroups must be a positive integer dividing the ${c} channels, got ${String(numGroups)}`);
  }
  const eps = checkNumber(options.eps ?? 1e-5, 'groupNorm', 'eps');
  const [weight, bias] = affineParams(options, [c], 'groupNorm');
  const n = x.shape[0];
  const grouped = reshape(x, [n, numGroups, n === 0 ? 0 : x.size / (n * numGroups)]);
  return affine(reshape(standardize(grouped, [2], eps), x.shape), weight, bias, channelView(x.ndim));
}

registerOp('batchNorm', true);
/**
 * Normalizes each channel (axis 1 of [N, C, *]) over the batch and positions (torch.nn.functional.batch_norm).
 * Training: by the batch's mean and biased variance, and runningMean/runningVar ([C], when given) move toward the
 * batch's mean and unbiased variance by `momentum`, in place and unrecorded. Otherwise: by the running statistics.
 */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, options: BatchNormOptions = {}): Tensor {
  checkFloat(x, 'batchNorm');
  if (x.ndim < 2) throw new ShapeError(`batchNorm: the input must be [N, C, *], got shape ${fmt(x.shape)}`);
  const c = x.shape[1];
  const { training = false } = options;
  const eps = checkNumber(options.eps ?? 1e-5, 'batchNorm', 'eps');
  const momentum = checkNumber(options.momentum ?? 0.1, 'batchNorm', 'momentum', 1);
  const [weight, bias] = affineParams(options, [c], 'batchNorm');
  for (const [t, name] of [[runningMean, 'runningMean'], [runningVar, 'runningVar']] as const) {
    if (t !== null && (t.ndim !== 1 || t.shape[0] !== c)) throw new ShapeError(`batchNorm: ${name} has shape ${fmt(t.shape)}, expected [${c}]`);
    if (t !== null && !isFloat(t.dtype)) throw new DTypeError(`batchNorm: ${name} must be float32 or float64, got ${t.dtype}`);
  }
  const view = channelView(x.ndim);
  let v: Tensor, m: Tensor;
  if (training) {
    const count = x.size / Math.max(c, 1);
    if (count <= 1) throw new ValueError(`batchNorm: training needs more than 1 value per channel, got input shape ${fmt(x.shape)}`);
    const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
    [v, m] = varMean(x, axes, { correction: 0, keepdims: true });
    noGrad(() => {
      const update = (running: Tensor | null, batch: Tensor) => {
        if (running !== null) running.data.set(add(mul(running, 1 - momentum), mul(reshape(batch, [c]).astype(running.dtype), momentum)).data);
      };
      update(runningMean, m);
      update(runningVar, mul(v, count / (count - 1)));
    });
  } else {
    if (runningMean === null || runningVar === null) throw new ValueError('batchNorm: runningMean and runningVar are needed when not training');
    [v, m] = [view(runningVar), view(runningMean)];
  }
  return affine(mul(sub(x, m), rsqrt(add(v, eps))), weight, bias, view);
}

registerOp('embedding', true);
/**
 * The rows of `weight` [numEmbeddings, dim] at `indices` (int32, any shape, each in [0, numEmbeddings)):
 * [...indices.shape, dim] (torch.nn.functional.embedding). The paddingIdx row gets no gradient.
 */
export function embedding(indices: Tensor | readonly number[], weight: Tensor, options: EmbeddingOptions = {}): Tensor {
  const idx = indexTensor(indices, 'embedding');
  if (weight.ndim !== 2) throw new ShapeError(`embedding: weight must be [numEmbeddings, embeddingDim], got shape ${fmt(weight.shape)}`);
  const [num, dim] = weight.shape;
  const data = idx.data;
  for (let i = 0; i < data.length; i++) {
    if (data[i] < 0 || data[i] >= num) throw new IndexError(`embedding: index ${data[i]} at position ${i} is out of range [0, ${num})`);
  }
  let pad = options.paddingIdx ?? null;
  if (pad !== null) {
    if (!Number.isInteger(pad) || pad < -num || pad >= num) throw new ValueError(`embedding: paddingIdx must be an integer in [-${num}, ${num}), got ${String(pad)}`);
    if (pad < 0) pad += num;
  }
  const flat = reshape(idx, [idx.size]);
  let rows = take(weight, flat, 0);
  // the padding positions read the same values, detached, so that row's gradient stays 0
  if (pad !== null) rows = where(unsqueeze(eq(flat, pad), 1), take(weight.detach(), flat, 0), rows);
  return reshape(rows, [...idx.shape, dim]);
}

