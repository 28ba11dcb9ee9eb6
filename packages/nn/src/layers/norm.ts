// Normalization layers as PyTorch's: LayerNorm, GroupNorm, BatchNorm1d/2d (core's layerNorm, groupNorm, batchNorm).
import { type DType, type Tensor, getDefaultDtype, batchNorm, layerNorm, groupNorm, ones, zeros, ShapeError, ValueError } from '@tensorgrad/core';
import { fmt } from '@tensorgrad/core/util';
import { Module } from '../module.js';
import {
  registerLayer, MODEL_LIMITS, type ConfigReader, type JsonObject, type OnnxGraphBuilder, type TorchParameter,
} from '../registry.js';
import { checkFinite, checkPositiveInts, torchNames } from './common.js';

export interface NormLayerOptions {
  /** Added to the variance before its square root; default 1e-5. */
  eps?: number;
  dtype?: DType;
}

/**
 * (x - mean) / sqrt(var + eps) over `axes` (biased variance) as ONNX nodes. ReduceMean takes its axes as an
 * attribute up to opset 17 and as an input from 18.
 */
export function onnxStandardize(g: OnnxGraphBuilder, x: string, axes: number[], eps: number): string {
  const mean = (v: string) =>
    g.opset >= 18 ? g.node('ReduceMean', [v, g.int64s('axes', axes)], { keepdims: 1 }) : g.node('ReduceMean', [v], { axes, keepdims: 1 });
  const d = g.node('Sub', [x, mean(x)]);
  const variance = mean(g.node('Mul', [d, d]));
  return g.node('Div', [d, g.node('Sqrt', [g.node('Add', [variance, g.scalar('eps', eps)])])]);
}

/** y * weight + bias as ONNX nodes, each reshaped to `shape` first when given (channels on axis 1). */
export function onnxAffine(g: OnnxGraphBuilder, y: string, weight: Tensor | null, bias: Tensor | null, shape?: number[]): string {
  const param = (t: Tensor) => (shape === undefined ? g.parameter(t) : g.node('Reshape', [g.parameter(t), g.int64s('channels', shape)]));
  const scaled = weight === null ? y : g.node('Mul', [y, param(weight)]);
  return bias === null ? scaled : g.node('Add', [scaled, param(bias)]);
}

/**
 * What the normalization layers share: eps, the dtype they were built with, and a learned weight (ones) and bias
 * (zeros) of `shape` when affine, named as PyTorch names them.
 */
abstract class Normalization extends Module {
  readonly eps: number;
  /** The dtype it was built with; config() reads its tensors' (Module.to may have changed them). */
  readonly dtype: DType;
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;

  constructor(layer: string, shape: number[], options: NormLayerOptions, affine: boolean, bias = affine) {
    super();
    this.eps = checkFinite(layer, 'eps', options.eps ?? 1e-5, 0);
    const dtype = (this.dtype = options.dtype ?? getDefaultDtype());
    this.weight = affine ? ones(shape, { dtype, requiresGrad: true }) : null;
    this.bias = affine && bias ? zeros(shape, { dtype, requiresGrad: true }) : null;
  }

  override torchParameters(): TorchParameter[] {
    return torchNames([['weight', this.weight], ['bias', this.bias]]);
  }
}

export interface LayerNormOptions extends NormLayerOptions {
  /** Learn a weight (ones) and a bias (zeros) of normalizedShape; default true. */
  elementwiseAffine?: boolean;
  /** With elementwiseAffine, learn the bias too; default true. */
  bias?: boolean;
}

/** Normalizes over the last dimensions, normalizedShape (torch.nn.LayerNorm). */
export class LayerNorm extends Normalization {
  static readonly typeName = 'LayerNorm';
  readonly normalizedShape: number[];

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (shape.length === 0) throw new ValueError('LayerNorm: normalizedShape must have at least one dimension');
    for (const d of shape) checkPositiveInts('LayerNorm', { 'each dimension of normalizedShape': d });
    super('LayerNorm', shape, options, options.elementwiseAffine ?? true, options.bias ?? true);
    this.normalizedShape = shape;
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override config(): JsonObject {
    return {
      normalizedShape: this.normalizedShape, eps: this.eps, elementwiseAffine: this.weight !== null, bias: this.bias !== null,
      dtype: this.weight?.dtype ?? this.dtype,
    };
  }

  static fromConfig(r: ConfigReader): LayerNorm {
    const normalizedShape = r.ints('normalizedShape', 1, MODEL_LIMITS.parameters, 8);
    const eps = r.number('eps', { min: 0, dflt: 1e-5 });
    const elementwiseAffine = r.boolean('elementwiseAffine', true);
    const bias = r.boolean('bias', true);
    const dtype = r.dtype();
    const size = normalizedShape.reduce((p, d) => p * d, 1);
    r.reserveParameters(elementwiseAffine ? (bias ? 2 : 1) * size : 0, `LayerNorm ${fmt(normalizedShape)}`);
    return new LayerNorm(normalizedShape, { eps, elementwiseAffine, bias, dtype });
  }

  /** LayerNormalization from opset 17 (its Scale is required: ones without affine); composed before. */
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    const axes = this.normalizedShape.map((_, i) => i - this.normalizedShape.length);
    if (g.opset < 17) return onnxAffine(g, onnxStandardize(g, input, axes, this.eps), this.weight, this.bias);
    const scale = g.parameter(this.weight ?? ones(this.normalizedShape, { dtype: g.dtype }));
    const inputs = this.bias === null ? [input, scale] : [input, scale, g.parameter(this.bias)];
    return g.node('LayerNormalization', inputs, { axis: axes[0], epsilon: this.eps }, ['epsilon']);
  }
}

export interface GroupNormOptions extends NormLayerOptions {
  /** Learn a per-channel weight (ones) and bias (zeros); default true. */
  affine?: boolean;
}

/** Normalizes groups of channels of [N, C, *] (torch.nn.GroupNorm(numGroups, numChannels)). */
export class GroupNorm extends Normalization {
  static readonly typeName = 'GroupNorm';

  constructor(readonly numGroups: number, readonly numChannels: number, options: GroupNormOptions = {}) {
    checkPositiveInts('GroupNorm', { numGroups, numChannels });
    if (numChannels % numGroups !== 0) throw new ValueError(`GroupNorm: numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`);
    super('GroupNorm', [numChannels], options, options.affine ?? true);
  }

  forward(x: Tensor): Tensor {
    return groupNorm(x, this.numGroups, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override config(): JsonObject {
    return { numGroups: this.numGroups, numChannels: this.numChannels, eps: this.eps, affine: this.weight !== null, dtype: this.weight?.dtype ?? this.dtype };
  }

  static fromConfig(r: ConfigReader): GroupNorm {
    const numGroups = r.int('numGroups', 1, MODEL_LIMITS.parameters);
    const numChannels = r.int('numChannels', 1, MODEL_LIMITS.parameters);
    const eps = r.number('eps', { min: 0, dflt: 1e-5 });
    const affine = r.boolean('affine', true);
    const dtype = r.dtype();
    if (numChannels % numGroups !== 0) r.fail('numChannels', `(${numChannels}) must be divisible by numGroups (${numGroups})`);
    r.reserveParameters(affine ? 2 * numChannels : 0, `GroupNorm ${numGroups} x ${numChannels}`);
    return new GroupNorm(numGroups, numChannels, { eps, affine, dtype });
  }

  /** Reshape to [N, G, rest], standardize over rest, then as [N, C, rest] the affine per channel, then the input's shape. */
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    const grouped = g.node('Reshape', [input, g.int64s('groups', [0, this.numGroups, -1])]);
    const y = g.node('Reshape', [onnxStandardize(g, grouped, [2], this.eps), g.int64s('flat', [0, this.numChannels, -1])]);
    return g.node('Reshape', [onnxAffine(g, y, this.weight, this.bias, [this.numChannels, 1]), g.node('Shape', [input])]);
  }
}

export interface BatchNormLayerOptions extends NormLayerOptions {
  /** running = (1 - momentum) * running + momentum * batch statistic; null: the cumulative average. Default 0.1. */
  momentum?: number | null;
  /** Learn a per-channel weight (ones) and bias (zeros); default true. */
  affine?: boolean;
  /** Keep running statistics (buffers) for eval mode; without them eval normalizes by the batch too. Default true. */
  trackRunningStats?: boolean;
}

/**
 * Normalizes each channel (axis 1) by the batch's mean and variance in training, moving the running ones (the
 * persistent buffers runningMean, runningVar, numBatchesTracked), and by the running ones in eval mode
 * (torch.nn.BatchNorm1d / BatchNorm2d).
 */
abstract class BatchNorm extends Normalization {
  declare runningMean: Tensor | null;
  declare runningVar: Tensor | null;
  declare numBatchesTracked: Tensor | null;
  readonly momentum: number | null;
  /** The input ranks the layer takes, for its error message. */
  protected abstract readonly ranks: readonly number[];

  constructor(readonly numFeatures: number, options: BatchNormLayerOptions = {}) {
    const layer = new.target.name;
    checkPositiveInts(layer, { numFeatures });
    super(layer, [numFeatures], options, options.affine ?? true);
    const momentum = options.momentum === undefined ? 0.1 : options.momentum;
    if (momentum !== null && !(typeof momentum === 'number' && momentum >= 0 && momentum <= 1)) {
      throw new ValueError(`${layer}: momentum must be a number in [0, 1] or null (cumulative average), got ${String(momentum)}`);
    }
    this.momentum = momentum;
    const dtype = this.dtype;
    const track = options.trackRunningStats ?? true;
    this.registerBuffer('runningMean', track ? zeros([numFeatures], { dtype }) : null);
    this.registerBuffer('runningVar', track ? ones([numFeatures], { dtype }) : null);
    this.registerBuffer('numBatchesTracked', track ? zeros([], { dtype: 'int32' }) : null);
  }

  forward(x: Tensor): Tensor {
    const C = this.numFeatures;
    if (!this.ranks.includes(x.ndim) || x.shape[1] !== C) {
      throw new ShapeError(`${this.constructor.name}(${C}): the input must be ${this.ranks.map((r) => (r === 2 ? '[N, C]' : r === 3 ? '[N, C, L]' : '[N, C, H, W]')).join(' or ')} with C = ${C}, got ${fmt(x.shape)}`);
    }
    let factor = this.momentum ?? 0;
    if (this.training && this.numBatchesTracked !== null) {
      this.numBatchesTracked.data[0] += 1;
      if (this.momentum === null) factor = 1 / this.numBatchesTracked.data[0];
    }
    const training = this.training || this.runningMean === null;
    return batchNorm(x, this.runningMean, this.runningVar, { weight: this.weight, bias: this.bias, training, momentum: factor, eps: this.eps });
  }

  override config(): JsonObject {
    return {
      numFeatures: this.numFeatures, eps: this.eps, momentum: this.momentum, affine: this.weight !== null,
      trackRunningStats: this.runningMean !== null, dtype: this.weight?.dtype ?? this.runningMean?.dtype ?? this.dtype,
    };
  }

  protected static read(r: ConfigReader): [number, BatchNormLayerOptions] {
    const numFeatures = r.int('numFeatures', 1, MODEL_LIMITS.parameters);
    const eps = r.number('eps', { min: 0, dflt: 1e-5 });
    const momentum = r.isNull('momentum') ? null : r.number('momentum', { min: 0, max: 1, dflt: 0.1 });
    const affine = r.boolean('affine', true);
    const trackRunningStats = r.boolean('trackRunningStats', true);
    const dtype = r.dtype();
    r.reserveParameters(((affine ? 2 : 0) + (trackRunningStats ? 2 : 0)) * numFeatures, `BatchNorm ${numFeatures}`);
    return [numFeatures, { eps, momentum, affine, trackRunningStats, dtype }];
  }

  /** BatchNormalization (inference: the running statistics); its scale and bias are ones and zeros without affine. */
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    if (this.runningMean === null || this.runningVar === null) {
      throw new ValueError(`${this.constructor.name}: without running statistics (trackRunningStats false) there is no inference form to export`);
    }
    const C = this.numFeatures;
    const scale = g.parameter(this.weight ?? ones([C], { dtype: g.dtype }));
    const bias = g.parameter(this.bias ?? zeros([C], { dtype: g.dtype }));
    return g.node('BatchNormalization', [input, scale, bias, g.parameter(this.runningMean), g.parameter(this.runningVar)], { epsilon: this.eps }, ['epsilon']);
  }

  /** PyTorch's names, the buffers too (num_batches_tracked is int64 there, int32 here). */
  override torchParameters(): TorchParameter[] {
    return torchNames([
      ['weight', this.weight], ['bias', this.bias], ['running_mean', this.runningMean], ['running_var', this.runningVar],
      ['num_batches_tracked', this.numBatchesTracked],
    ]);
  }
}

/** BatchNorm over [N, C] or [N, C, L]. */
export class BatchNorm1d extends BatchNorm {
  static readonly typeName = 'BatchNorm1d';
  protected readonly ranks = [2, 3];
  static fromConfig(r: ConfigReader): BatchNorm1d {
    return new BatchNorm1d(...BatchNorm.read(r));
  }
}

/** BatchNorm over [N, C, H, W]. */
export class BatchNorm2d extends BatchNorm {
  static readonly typeName = 'BatchNorm2d';
  protected readonly ranks = [4];
  static fromConfig(r: ConfigReader): BatchNorm2d {
    return new BatchNorm2d(...BatchNorm.read(r));
  }
}

registerLayer(LayerNorm);
registerLayer(GroupNorm);
registerLayer(BatchNorm1d);
registerLayer(BatchNorm2d);
