// PyTorch's nn.Linear: y = x @ weight^T + bias with weight [out, in], PyTorch's layout and default initialization.
// (Dense is the book's layer: weights [in, out], 0.01 * randn.)
import { type Tensor, type DType, type Generator, defaultGenerator, getDefaultDtype, add, matmul, transpose, ShapeError } from '@tensorgrad/core';
import { fmt } from '@tensorgrad/core/util';
import { Module } from '../module.js';
import { registerLayer, MODEL_LIMITS, type ConfigReader, type JsonObject, type OnnxGraphBuilder, type TorchParameter } from '../registry.js';
import { checkPositiveInts, torchNames, uniformInit } from './common.js';

export interface LinearOptions {
  /** Default true. */
  bias?: boolean;
  dtype?: DType;
  generator?: Generator;
}

/** x [..., inFeatures] -> [..., outFeatures]; weight and bias drawn from U(-1/sqrt(inFeatures), 1/sqrt(inFeatures)) as PyTorch's. */
export class Linear extends Module {
  static readonly typeName = 'Linear';
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, options: LinearOptions = {}) {
    super();
    checkPositiveInts('Linear', { inFeatures, outFeatures });
    const dtype = options.dtype ?? getDefaultDtype();
    const generator = options.generator ?? defaultGenerator;
    this.weight = uniformInit([outFeatures, inFeatures], inFeatures, dtype, generator);
    this.bias = options.bias === false ? null : uniformInit([outFeatures], inFeatures, dtype, generator);
  }

  forward(x: Tensor): Tensor {
    if (x.ndim < 1 || x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new ShapeError(`Linear(${this.inFeatures}, ${this.outFeatures}): input of shape ${fmt(x.shape)} needs a last dimension of ${this.inFeatures}`);
    }
    const y = matmul(x, transpose(this.weight));
    return this.bias ? add(y, this.bias) : y;
  }

  override config(): JsonObject {
    return { inFeatures: this.inFeatures, outFeatures: this.outFeatures, bias: this.bias !== null, dtype: this.weight.dtype };
  }

  static fromConfig(r: ConfigReader): Linear {
    const max = MODEL_LIMITS.parameters;
    const inFeatures = r.int('inFeatures', 1, max);
    const outFeatures = r.int('outFeatures', 1, max);
    const bias = r.boolean('bias', true);
    const dtype = r.dtype();
    r.reserveParameters(inFeatures * outFeatures + (bias ? outFeatures : 0), `Linear ${inFeatures} x ${outFeatures}`);
    return new Linear(inFeatures, outFeatures, { bias, dtype, generator: r.generator });
  }

  /** MatMul by the transposed weight (any leading axes), then Add the bias. */
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    const y = g.node('MatMul', [input, g.node('Transpose', [g.parameter(this.weight)], { perm: [1, 0] })]);
    return this.bias ? g.node('Add', [y, g.parameter(this.bias)]) : y;
  }

  /** The same names and layout as ours. */
  override torchParameters(): TorchParameter[] {
    return torchNames([['weight', this.weight], ['bias', this.bias]]);
  }
}

registerLayer(Linear);
