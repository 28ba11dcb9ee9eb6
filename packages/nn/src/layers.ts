// Layers: Dense (the notebook's Layer_Dense), Dropout, Sequential.
import {
  Tensor, type DType, type Generator, defaultGenerator, getDefaultDtype, randn, tensor, zeros, add, linear, backend, ShapeError, ValueError,
} from '@tensorgrad/core';
import { fmt } from '@tensorgrad/core/util';
import { Module } from './module.js';
import {
  registerLayer, MODEL_LIMITS, type ConfigReader, type ConfigWriter, type JsonObject, type OnnxGraphBuilder, type TorchParameter,
} from './registry.js';
import { checkFinite, checkPositiveInts } from './layers/common.js';

const REGULARIZERS = ['weightRegularizerL1', 'weightRegularizerL2', 'biasRegularizerL1', 'biasRegularizerL2'] as const;

export type Initializer = 'nnfs' | 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal';

export interface DenseOptions {
  /** 'nnfs' (default): 0.01 * randn, as the notebook; Glorot/He scale by fan-in (and fan-out). */
  init?: Initializer;
  dtype?: DType;
  generator?: Generator;
  weightRegularizerL1?: number;
  weightRegularizerL2?: number;
  biasRegularizerL1?: number;
  biasRegularizerL2?: number;
}

/** A fully connected layer: x @ weights + biases, with weights [nIn, nOut] and biases [1, nOut] as in the notebook. */
export class Dense extends Module {
  static readonly typeName = 'Dense';
  readonly weights: Tensor;
  readonly biases: Tensor;
  readonly weightRegularizerL1: number;
  readonly weightRegularizerL2: number;
  readonly biasRegularizerL1: number;
  readonly biasRegularizerL2: number;

  constructor(readonly nIn: number, readonly nOut: number, options: DenseOptions = {}) {
    super();
    checkPositiveInts('Dense', { nIn, nOut });
    // here, not when saving: the model-file reader refuses what is not a finite number >= 0, so save would fail later
    for (const key of REGULARIZERS) if (options[key] !== undefined) checkFinite('Dense', key, options[key], 0);
    const dtype = options.dtype ?? getDefaultDtype();
    this.weights = initWeights(nIn, nOut, options.init ?? 'nnfs', dtype, options.generator ?? defaultGenerator).requiresGrad_();
    this.biases = zeros([1, nOut], { dtype, requiresGrad: true });
    this.weightRegularizerL1 = options.weightRegularizerL1 ?? 0;
    this.weightRegularizerL2 = options.weightRegularizerL2 ?? 0;
    this.biasRegularizerL1 = options.biasRegularizerL1 ?? 0;
    this.biasRegularizerL2 = options.biasRegularizerL2 ?? 0;
  }

  forward(x: Tensor): Tensor {
    if (x.ndim < 1 || x.shape[x.ndim - 1] !== this.nIn) {
      throw new ShapeError(`Dense(${this.nIn}, ${this.nOut}): input of shape ${fmt(x.shape)} needs a last dimension of ${this.nIn}`);
    }
    return linear(x, this.weights, this.biases);
  }

  /** Not saved: the initializer and generator (a loaded layer's parameters are overwritten anyway). */
  override config(): JsonObject {
    const out: JsonObject = { nIn: this.nIn, nOut: this.nOut, dtype: this.weights.dtype };
    for (const key of REGULARIZERS) out[key] = this[key];
    return out;
  }

  static fromConfig(r: ConfigReader): Dense {
    const max = MODEL_LIMITS.parameters;
    const nIn = r.int('nIn', 1, max);
    const nOut = r.int('nOut', 1, max);
    const dtype = r.dtype();
    const regs: Record<string, number> = {};
    for (const key of REGULARIZERS) regs[key] = r.number(key, { min: 0, dflt: 0 });
    r.reserveParameters(nIn * nOut + nOut, `Dense ${nIn} x ${nOut}`);
    return new Dense(nIn, nOut, { dtype, generator: r.generator, ...regs });
  }

  /** x @ W + b as ONNX's MatMul and Add, the parameters as initializers. */
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    return g.node('Add', [g.node('MatMul', [input, g.parameter(this.weights)]), g.parameter(this.biases)]);
  }

  /** As PyTorch's nn.Linear: weight [out, in] (the transpose of ours, which is [in, out]) and bias [out]. */
  override torchParameters(): TorchParameter[] {
    const { nIn, nOut, weights, biases } = this;
    return [
      { name: 'weight', shape: [nOut, nIn], get: () => weights.detach().T.clone(), set: (v) => weights.data.set(v.T.clone().data) },
      { name: 'bias', shape: [nOut], get: () => biases.detach().reshape([nOut]).clone(), set: (v) => biases.data.set(v.data) },
    ];
  }

  /** The book's penalty: l1 * sum|w| + l2 * sum(w^2) for weights and biases, as a differentiable scalar. */
  regularizationLoss(): Tensor {
    let loss = tensor(0, { dtype: this.weights.dtype });
    const terms: [number, number, Tensor][] = [
      [this.weightRegularizerL1, this.weightRegularizerL2, this.weights],
      [this.biasRegularizerL1, this.biasRegularizerL2, this.biases],
    ];
    for (const [l1, l2, t] of terms) {
      if (l1 > 0) loss = loss.add(t.abs().sum().mul(l1));
      if (l2 > 0) loss = loss.add(t.mul(t).sum().mul(l2));
    }
    return loss;
  }
}

function initWeights(nIn: number, nOut: number, init: Initializer, dtype: DType, generator: Generator): Tensor {
  const shape = [nIn, nOut];
  switch (init) {
    case 'nnfs':
      // 0.01 * randn in the parameter dtype, as numpy computes it for float32 arrays
      return randn(shape, { dtype, generator }).mul(0.01);
    case 'glorotNormal':
      return randn(shape, { dtype, generator }).mul(Math.sqrt(2 / (nIn + nOut)));
    case 'heNormal':
      return randn(shape, { dtype, generator }).mul(Math.sqrt(2 / nIn));
    case 'glorotUniform':
    case 'heUniform': {
      const limit = init === 'glorotUniform' ? Math.sqrt(6 / (nIn + nOut)) : Math.sqrt(6 / nIn);
      return tensor(generator.uniform(-limit, limit, nIn * nOut), { dtype, shape });
    }
    default:
      throw new ValueError(`Dense: unknown init '${String(init)}' (expected nnfs, glorotUniform, glorotNormal, heUniform or heNormal)`);
  }
}

/** Sum of the regularization losses of every layer in model that has one (Dense), as the book's Loss.regularization_loss. */
export function regularizationLoss(model: Module): Tensor {
  let total: Tensor | null = null;
  for (const m of model.modules()) {
    if (m instanceof Dense) total = total === null ? m.regularizationLoss() : add(total, m.regularizationLoss());
  }
  return total ?? tensor(0);
}

/** x with a fraction `rate` of its values zeroed and the rest scaled by 1 / (1 - rate) (the book's binomial mask). */
export function dropout(x: Tensor, rate: number, generator: Generator): Tensor {
  const mask = zeros(x.shape, { dtype: x.dtype });
  backend().dropoutMask(generator.random(x.size), 1 - rate, mask.data);
  return x.mul(mask);
}

/**
 * Inverted dropout: in training, zeroes a fraction `rate` of the inputs and scales the rest by 1 / (1 - rate)
 * (the book's binomial mask); identity in eval mode.
 */
export class Dropout extends Module {
  static readonly typeName = 'Dropout';

  constructor(readonly rate: number, readonly generator: Generator = defaultGenerator) {
    super();
    if (!(rate >= 0 && rate < 1)) throw new ValueError(`Dropout: rate must be in [0, 1), got ${rate}`);
  }

  forward(x: Tensor): Tensor {
    return this.training && this.rate > 0 ? dropout(x, this.rate, this.generator) : x;
  }

  /** Not saved: the generator (loading uses the default one). */
  override config(): JsonObject {
    return { rate: this.rate };
  }

  static fromConfig(r: ConfigReader): Dropout {
    return new Dropout(r.number('rate', { min: 0, max: 1, maxOpen: true }));
  }

  /** Identity: an exported graph is for inference. */
  override toOnnx(_g: OnnxGraphBuilder, input: string): string {
    return input;
  }
}

/** Runs modules in order; their parameters are named `layers.<i>.<name>`. */
export class Sequential extends Module {
  static readonly typeName = 'Sequential';
  readonly layers: Module[];

  constructor(layers: readonly Module[]) {
    super();
    this.layers = [...layers];
  }

  forward(x: Tensor): Tensor {
    for (const layer of this.layers) x = layer.forward(x);
    return x;
  }

  override config(w: ConfigWriter): JsonObject {
    return { layers: this.layers.map((l, i) => w.layer(l, `layers[${i}]`)) };
  }

  static fromConfig(r: ConfigReader): Sequential {
    return new Sequential(r.layers('layers'));
  }

  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    return this.layers.reduce((x, layer, i) => g.layer(layer, `layers.${i}`, x), input);
  }

  /** As torch.nn.Sequential: every layer takes an index, activations and Dropout too. */
  override torchChildren(): [string, Module][] {
    return this.layers.map((layer, i) => [String(i), layer]);
  }
}

registerLayer(Dense);
registerLayer(Dropout);
registerLayer(Sequential);
