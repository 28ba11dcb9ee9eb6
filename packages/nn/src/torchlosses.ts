// PyTorch's loss modules (torch.nn.CrossEntropyLoss, ...): the options and reductions of PyTorch, over core's
// functional losses. They are Losses, so Model trains with them and model files store them (weights included).
import {
  Tensor, tensor, zeros, crossEntropy, nllLoss, binaryCrossEntropyWithLogits, huberLoss, smoothL1Loss, klDiv,
  noGrad, DTypeError, ValueError, type DType,
} from '@tensorgrad/core';
import { isFloat, show } from '@tensorgrad/core/util';
import { Loss, checkSameShape, readReduction, type Reduction } from './losses.js';
import { checkBoolean } from './layers/common.js';
import { registerLoss, type ConfigReader, type JsonObject } from './registry.js';

type AnyReduction = Reduction | 'batchmean';

/** A loss computed by one functional form: forward reduces as asked, sampleLosses is its unreduced ('none') value. */
abstract class FunctionalLoss extends Loss {
  protected abstract compute(input: Tensor, target: Tensor, reduction: AnyReduction): Tensor;

  /** The unreduced loss (PyTorch's reduction 'none'): one value per element, or per sample for the class losses. */
  sampleLosses(input: Tensor, target: Tensor): Tensor {
    return this.compute(input, target, 'none');
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return this.compute(input, target, this.reduction);
  }
}

/** An optional weight tensor option: a float Tensor (copied, so later changes to the caller's do not leak in). */
function weightOption(v: unknown, where: string, name: string): Tensor | null {
  if (v === undefined || v === null) return null;
  if (!(v instanceof Tensor) || !isFloat(v.dtype)) {
    throw new DTypeError(`${where}: ${name} must be a float32 or float64 Tensor, got ${v instanceof Tensor ? v.dtype : show(v)}`);
  }
  return v.detach().clone();
}

/** A weight in a model file, { [key]: { dtype, shape, data } }, or nothing when there is none. */
function weightConfig(key: string, t: Tensor | null): JsonObject {
  return t === null ? {} : { [key]: { dtype: t.dtype, shape: t.shape.slice(), data: Array.from(t.data) } };
}

function readWeight(reader: ConfigReader, key: string): Tensor | undefined {
  if (!reader.has(key)) return undefined;
  const v = reader.object(key);
  const { dtype, shape, data } = v;
  const keys = Object.keys(v).sort().join(',');
  if (keys !== 'data,dtype,shape') reader.fail(key, `must have exactly the keys dtype, shape and data, got ${show(Object.keys(v))}`);
  if (dtype !== 'float32' && dtype !== 'float64') reader.fail(key, `dtype must be 'float32' or 'float64', got ${show(dtype)}`);
  if (!Array.isArray(shape) || shape.length > 8 || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    reader.fail(key, `shape must be an array of at most 8 integers >= 0, got ${show(shape)}`);
  }
  const size = (shape as number[]).reduce((a, b) => a * b, 1);
  if (!Array.isArray(data) || data.length !== size || !data.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    reader.fail(key, `data must be ${size} finite numbers (shape ${show(shape)}), got ${show(data)}`);
  }
  reader.reserveParameters(size, key);
  return tensor(data as number[], { dtype: dtype as DType, shape: shape as number[] });
}

function checkIgnoreIndex(v: unknown, where: string): number {
  if (!Number.isSafeInteger(v)) throw new ValueError(`${where}: ignoreIndex must be an integer, got ${show(v)}`);
  return v as number;
}

export interface NLLLossOptions {
  /** A weight per class (1-D, length C). */
  weight?: Tensor;
  /** Targets equal to it count for nothing (default -100). */
  ignoreIndex?: number;
  reduction?: Reduction;
}

/** PyTorch's NLLLoss: the negative log-likelihood of log-probabilities (after LogSoftmax), classes on axis 1. */
export class NLLLoss extends FunctionalLoss {
  static readonly typeName: string = 'NLLLoss';
  readonly weight: Tensor | null;
  readonly ignoreIndex: number;

  constructor(options: NLLLossOptions = {}) {
    super(options);
    this.weight = weightOption(options.weight, this.constructor.name, 'weight');
    this.ignoreIndex = checkIgnoreIndex(options.ignoreIndex ?? -100, this.constructor.name);
  }

  protected compute(input: Tensor, target: Tensor, reduction: Reduction): Tensor {
    return nllLoss(input, target, { weight: this.weight ?? undefined, ignoreIndex: this.ignoreIndex, reduction });
  }

  override config(): JsonObject {
    return { ...super.config(), ...weightConfig('weight', this.weight), ignoreIndex: this.ignoreIndex };
  }

  static override fromConfig<L extends Loss>(this: new (options: NLLLossOptions) => L, reader: ConfigReader): L {
    const reduction = readReduction(reader);
    const ignoreIndex = reader.int('ignoreIndex', -(2 ** 31), 2 ** 31 - 1, -100);
    return new this({ reduction, ignoreIndex, weight: readWeight(reader, 'weight') });
  }
}

export interface CrossEntropyLossOptions extends NLLLossOptions {
  /** Mixes the target with the uniform distribution: (1 - s) * target + s / C (default 0). */
  labelSmoothing?: number;
}

/**
 * PyTorch's CrossEntropyLoss on logits: int32 class indices [N, ...] or float class probabilities shaped like
 * the input [N, C, ...]; classes on axis 1 (axis 0 for a single unbatched sample [C]).
 */
export class CrossEntropyLoss extends NLLLoss {
  static override readonly typeName = 'CrossEntropyLoss';
  readonly labelSmoothing: number;

  constructor(options: CrossEntropyLossOptions = {}) {
    super(options);
    this.labelSmoothing = options.labelSmoothing ?? 0;
    // checks labelSmoothing now, on an empty batch
    crossEntropy(zeros([0, 1]), zeros([0], { dtype: 'int32' }), { labelSmoothing: this.labelSmoothing });
  }

  protected override compute(input: Tensor, target: Tensor, reduction: Reduction): Tensor {
    return crossEntropy(input, target, { weight: this.weight ?? undefined, ignoreIndex: this.ignoreIndex, labelSmoothing: this.labelSmoothing, reduction });
  }

  override config(): JsonObject {
    return { ...super.config(), labelSmoothing: this.labelSmoothing };
  }

  static override fromConfig<L extends Loss>(this: new (options: CrossEntropyLossOptions) => L, reader: ConfigReader): L {
    const reduction = readReduction(reader);
    const ignoreIndex = reader.int('ignoreIndex', -(2 ** 31), 2 ** 31 - 1, -100);
    const labelSmoothing = reader.number('labelSmoothing', { min: 0, max: 1, dflt: 0 });
    return new this({ reduction, ignoreIndex, labelSmoothing, weight: readWeight(reader, 'weight') });
  }
}

export interface BCEWithLogitsLossOptions {
  /** Multiplies each element's loss (broadcast against the input). */
  weight?: Tensor;
  /** The positive term's weight, per class along the last axis: > 1 raises recall. */
  posWeight?: Tensor;
  reduction?: Reduction;
}

/** PyTorch's BCEWithLogitsLoss: sigmoid and binary cross-entropy in one stable formula, on logits. */
export class BCEWithLogitsLoss extends FunctionalLoss {
  static readonly typeName = 'BCEWithLogitsLoss';
  readonly weight: Tensor | null;
  readonly posWeight: Tensor | null;

  constructor(options: BCEWithLogitsLossOptions = {}) {
    super(options);
    this.weight = weightOption(options.weight, 'BCEWithLogitsLoss', 'weight');
    this.posWeight = weightOption(options.posWeight, 'BCEWithLogitsLoss', 'posWeight');
  }

  protected compute(input: Tensor, target: Tensor, reduction: Reduction): Tensor {
    return binaryCrossEntropyWithLogits(input, target, { weight: this.weight ?? undefined, posWeight: this.posWeight ?? undefined, reduction });
  }

  override config(): JsonObject {
    return { ...super.config(), ...weightConfig('weight', this.weight), ...weightConfig('posWeight', this.posWeight) };
  }

  static override fromConfig<L extends Loss>(this: new (options: BCEWithLogitsLossOptions) => L, reader: ConfigReader): L {
    const reduction = readReduction(reader);
    return new this({ reduction, weight: readWeight(reader, 'weight'), posWeight: readWeight(reader, 'posWeight') });
  }
}

/** PyTorch's HuberLoss: 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta) (default delta 1). */
export class HuberLoss extends FunctionalLoss {
  static readonly typeName = 'HuberLoss';
  readonly delta: number;

  constructor(options: { reduction?: Reduction; delta?: number } = {}) {
    super(options);
    this.delta = options.delta ?? 1;
    huberLoss(zeros([0]), zeros([0]), { delta: this.delta }); // checks delta now, not at the first forward
  }

  protected compute(input: Tensor, target: Tensor, reduction: Reduction): Tensor {
    return huberLoss(input, target, { delta: this.delta, reduction });
  }

  override config(): JsonObject {
    return { ...super.config(), delta: this.delta };
  }

  static override fromConfig<L extends Loss>(this: new (options: { reduction?: Reduction; delta?: number }) => L, reader: ConfigReader): L {
    return new this({ reduction: readReduction(reader), delta: reader.number('delta', { min: 0, dflt: 1 }) });
  }
}

/** PyTorch's SmoothL1Loss: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (beta 0: L1; default 1). */
export class SmoothL1Loss extends FunctionalLoss {
  static readonly typeName = 'SmoothL1Loss';
  readonly beta: number;

  constructor(options: { reduction?: Reduction; beta?: number } = {}) {
    super(options);
    this.beta = options.beta ?? 1;
    smoothL1Loss(zeros([0]), zeros([0]), { beta: this.beta }); // checks beta now
  }

  protected compute(input: Tensor, target: Tensor, reduction: Reduction): Tensor {
    return smoothL1Loss(input, target, { beta: this.beta, reduction });
  }

  override config(): JsonObject {
    return { ...super.config(), beta: this.beta };
  }

  static override fromConfig<L extends Loss>(this: new (options: { reduction?: Reduction; beta?: number }) => L, reader: ConfigReader): L {
    return new this({ reduction: readReduction(reader), beta: reader.number('beta', { min: 0, dflt: 1 }) });
  }
}

export interface KLDivLossOptions {
  /** 'mean' (PyTorch's default: over every element), 'batchmean' (the sum over the batch size: the true KL divergence), 'sum', 'none'. */
  reduction?: AnyReduction;
  /** The target holds log-probabilities (default false: probabilities). */
  logTarget?: boolean;
}

/** PyTorch's KLDivLoss: input holds log-probabilities; the pointwise loss is target * (log(target) - input). */
export class KLDivLoss extends FunctionalLoss {
  static readonly typeName = 'KLDivLoss';
  readonly logTarget: boolean;

  constructor(options: KLDivLossOptions = {}) {
    super(options, ['mean', 'batchmean', 'sum', 'none']);
    this.logTarget = checkBoolean('KLDivLoss', 'logTarget', options.logTarget, false);
  }

  protected compute(input: Tensor, target: Tensor, reduction: AnyReduction): Tensor {
    return klDiv(input, target, { reduction, logTarget: this.logTarget });
  }

  override config(): JsonObject {
    return { ...super.config(), logTarget: this.logTarget };
  }

  static override fromConfig<L extends Loss>(this: new (options: KLDivLossOptions) => L, reader: ConfigReader): L {
    const reduction = reader.choice('reduction', ['mean', 'batchmean', 'sum', 'none'] as const, 'mean');
    return new this({ reduction, logTarget: reader.boolean('logTarget', false) });
  }
}

/** Elementwise losses whose input and target share a shape; forward reduces with Loss's mean/sum/none over every element. */
abstract class ElementwiseLoss extends Loss {
  protected abstract elementwise(input: Tensor, target: Tensor): Tensor;
  sampleLosses(input: Tensor, target: Tensor): Tensor {
    if (!(input instanceof Tensor) || !isFloat(input.dtype)) {
      throw new DTypeError(`${this.constructor.name}: input must be a float tensor, got ${input instanceof Tensor ? input.dtype : show(input)}`);
    }
    return this.elementwise(input, checkSameShape(this.constructor.name, input, target));
  }
}

/** PyTorch's MSELoss: (input - target)^2. */
export class MSELoss extends ElementwiseLoss {
  static readonly typeName = 'MSELoss';
  protected elementwise(input: Tensor, target: Tensor): Tensor {
    return input.sub(target).square();
  }
}

/** PyTorch's L1Loss: |input - target|. */
export class L1Loss extends ElementwiseLoss {
  static readonly typeName = 'L1Loss';
  protected elementwise(input: Tensor, target: Tensor): Tensor {
    return input.sub(target).abs();
  }
}

/** PyTorch's BCELoss on probabilities in [0, 1]: -weight (t log(p) + (1 - t) log(1 - p)), each log clamped at -100 as PyTorch's. */
export class BCELoss extends ElementwiseLoss {
  static readonly typeName = 'BCELoss';
  readonly weight: Tensor | null;

  constructor(options: { weight?: Tensor; reduction?: Reduction } = {}) {
    super(options);
    this.weight = weightOption(options.weight, 'BCELoss', 'weight');
  }

  protected elementwise(p: Tensor, t: Tensor): Tensor {
    const [lo, hi] = noGrad(() => [p.min().item(), p.max().item()]);
    if (!(lo >= 0 && hi <= 1)) throw new ValueError(`BCELoss: every input must be a probability in [0, 1], got values in [${lo}, ${hi}] (for logits use BCEWithLogitsLoss)`);
    const loss = t.mul(p.log().maximum(-100)).add(t.neg().add(1).mul(p.neg().add(1).log().maximum(-100))).neg();
    return this.weight === null ? loss : loss.mul(this.weight);
  }

  override config(): JsonObject {
    return { ...super.config(), ...weightConfig('weight', this.weight) };
  }

  static override fromConfig<L extends Loss>(this: new (options: { weight?: Tensor; reduction?: Reduction }) => L, reader: ConfigReader): L {
    return new this({ reduction: readReduction(reader), weight: readWeight(reader, 'weight') });
  }
}

for (const cls of [NLLLoss, CrossEntropyLoss, BCEWithLogitsLoss, HuberLoss, SmoothL1Loss, KLDivLoss, MSELoss, L1Loss, BCELoss]) registerLoss(cls);
