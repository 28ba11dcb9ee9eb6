// Conv1d, Conv2d and ConvTranspose2d: PyTorch's modules over core's conv1d, conv2d and convTranspose2d, with
// PyTorch's parameter names, layouts ([out, in / groups, ...kernel]) and default initialization.
import { Tensor, type DType, type Generator, defaultGenerator, getDefaultDtype, conv1d, conv2d, convTranspose2d, ValueError } from '@tensorgrad/core';
import { checkOutputPadding, checkSameStride, perAxis, show } from '@tensorgrad/core/util';
import { checkPositiveInts, torchNames, uniformInit } from './common.js';
import { Module } from '../module.js';
import { registerLayer, MODEL_LIMITS, type ConfigReader, type JsonObject, type OnnxGraphBuilder, type TorchParameter } from '../registry.js';

export interface ConvLayerOptions {
  stride?: number | readonly number[];
  /** A size per side (a number or one per axis), or 'same' / 'valid' (Conv1d and Conv2d only). */
  padding?: number | readonly number[] | 'same' | 'valid';
  dilation?: number | readonly number[];
  groups?: number;
  /** Default true. */
  bias?: boolean;
  dtype?: DType;
  generator?: Generator;
}

export interface ConvTransposeLayerOptions extends Omit<ConvLayerOptions, 'padding'> {
  padding?: number | readonly number[];
  outputPadding?: number | readonly number[];
}

/** What Conv1d, Conv2d and ConvTranspose2d share: options, parameters, config, PyTorch names. */
abstract class ConvBase extends Module {
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly dilation: number[];
  readonly groups: number;
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    layer: string,
    dims: number,
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: number | readonly number[],
    options: ConvLayerOptions | ConvTransposeLayerOptions,
    transposed: boolean,
  ) {
    super();
    checkPositiveInts(layer, { inChannels, outChannels });
    this.kernelSize = perAxis(kernelSize, dims, layer, 'kernelSize', 1);
    this.stride = perAxis(options.stride ?? 1, dims, layer, 'stride', 1);
    this.dilation = perAxis(options.dilation ?? 1, dims, layer, 'dilation', 1);
    const groups = options.groups ?? 1;
    if (!Number.isInteger(groups) || groups < 1 || inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new ValueError(`${layer}: groups must be a positive integer dividing inChannels (${inChannels}) and outChannels (${outChannels}), got ${show(groups)}`);
    }
    this.groups = groups;
    const dtype = options.dtype ?? getDefaultDtype();
    const generator = options.generator ?? defaultGenerator;
    const k = this.kernelSize.reduce((a, b) => a * b, 1);
    // PyTorch's layouts: [out, in / groups, ...kernel], transposed [in, out / groups, ...kernel]; fan_in is weight.shape[1] * k
    const shape = transposed ? [inChannels, outChannels / groups, ...this.kernelSize] : [outChannels, inChannels / groups, ...this.kernelSize];
    const fanIn = shape[1] * k;
    this.weight = uniformInit(shape, fanIn, dtype, generator);
    this.bias = options.bias === false ? null : uniformInit([outChannels], fanIn, dtype, generator);
  }

  /** The options every conv writes; the padding is the subclass's. */
  protected common(): JsonObject {
    return {
      inChannels: this.inChannels, outChannels: this.outChannels, kernelSize: this.kernelSize, stride: this.stride,
      dilation: this.dilation, groups: this.groups, bias: this.bias !== null, dtype: this.weight.dtype,
    };
  }

  /** As PyTorch's module: weight and bias, in the same layout as ours. */
  override torchParameters(): TorchParameter[] {
    return torchNames([['weight', this.weight], ['bias', this.bias]]);
  }
}

/** The fields every conv's fromConfig reads, checked, with its parameters reserved. */
function readCommon(r: ConfigReader, dims: number, transposed: boolean) {
  const max = MODEL_LIMITS.parameters;
  const inChannels = r.int('inChannels', 1, max);
  const outChannels = r.int('outChannels', 1, max);
  const kernelSize = r.sizes('kernelSize', dims, 1, max);
  const stride = r.sizes('stride', dims, 1, max);
  const dilation = r.sizes('dilation', dims, 1, max);
  const groups = r.int('groups', 1, max, 1);
  const bias = r.boolean('bias', true);
  const dtype = r.choice('dtype', ['float32', 'float64'] as const, 'float32');
  return { inChannels, outChannels, kernelSize, stride, dilation, groups, bias, dtype, transposed };
}

function reserve(r: ConfigReader, c: ReturnType<typeof readCommon>, layer: string): void {
  if (c.inChannels % c.groups !== 0 || c.outChannels % c.groups !== 0) r.fail('groups', `(${c.groups}) must divide inChannels (${c.inChannels}) and outChannels (${c.outChannels})`);
  const weights = (c.inChannels / c.groups) * c.outChannels * c.kernelSize.reduce((a, b) => a * b, 1);
  r.reserveParameters(weights + (c.bias ? c.outChannels : 0), `${layer} ${c.inChannels} -> ${c.outChannels}`);
}

/** ONNX pads: every axis's start, then every axis's end. */
function onnxPads(padding: number[] | 'same' | 'valid', kernel: number[], dilation: number[]): number[] {
  if (padding === 'valid') return new Array<number>(2 * kernel.length).fill(0);
  if (padding === 'same') {
    const total = kernel.map((k, i) => dilation[i] * (k - 1));
    return [...total.map((t) => Math.floor(t / 2)), ...total.map((t) => t - Math.floor(t / 2))];
  }
  return [...padding, ...padding];
}

/** Conv1d and Conv2d. */
abstract class Conv extends ConvBase {
  readonly padding: number[] | 'same' | 'valid';

  constructor(layer: string, dims: 1 | 2, inChannels: number, outChannels: number, kernelSize: number | readonly number[], options: ConvLayerOptions) {
    super(layer, dims, inChannels, outChannels, kernelSize, options, false);
    const p = options.padding ?? 0;
    this.padding = p === 'same' || p === 'valid' ? p : perAxis(p, dims, layer, 'padding', 0);
    if (this.padding === 'same') checkSameStride(layer, this.stride, options.stride);
  }

  override config(): JsonObject {
    return { ...this.common(), padding: this.padding };
  }

  protected static read(r: ConfigReader, dims: 1 | 2, layer: string): [number, number, number[], ConvLayerOptions] {
    const c = readCommon(r, dims, false);
    const padding = r.sizes('padding', dims, 0, MODEL_LIMITS.parameters, undefined, ['same', 'valid'] as const);
    reserve(r, c, layer);
    return [c.inChannels, c.outChannels, c.kernelSize, { ...c, padding, generator: r.generator }];
  }

  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    const attrs = {
      kernel_shape: this.kernelSize, strides: this.stride, dilations: this.dilation, group: this.groups,
      pads: onnxPads(this.padding, this.kernelSize, this.dilation),
    };
    return g.node('Conv', [input, g.parameter(this.weight), ...(this.bias ? [g.parameter(this.bias)] : [])], attrs);
  }

  protected options() {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
  }
}

/** PyTorch's nn.Conv2d: x [N, C, H, W] (or [C, H, W]) -> [N, outChannels, H', W']; weight [out, in / groups, kh, kw], bias [out]. */
export class Conv2d extends Conv {
  static readonly typeName = 'Conv2d';
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly number[], options: ConvLayerOptions = {}) {
    super('Conv2d', 2, inChannels, outChannels, kernelSize, options);
  }
  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, this.options());
  }
  static fromConfig(r: ConfigReader): Conv2d {
    return new Conv2d(...Conv.read(r, 2, 'Conv2d'));
  }
}

/** PyTorch's nn.Conv1d: x [N, C, L] (or [C, L]) -> [N, outChannels, L']; weight [out, in / groups, k], bias [out]. */
export class Conv1d extends Conv {
  static readonly typeName = 'Conv1d';
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly number[], options: ConvLayerOptions = {}) {
    super('Conv1d', 1, inChannels, outChannels, kernelSize, options);
  }
  forward(x: Tensor): Tensor {
    return conv1d(x, this.weight, this.bias, this.options());
  }
  static fromConfig(r: ConfigReader): Conv1d {
    return new Conv1d(...Conv.read(r, 1, 'Conv1d'));
  }
}

/** PyTorch's nn.ConvTranspose2d: x [N, C, H, W] (or [C, H, W]) -> [N, outChannels, H', W']; weight [in, out / groups, kh, kw], bias [out]. */
export class ConvTranspose2d extends ConvBase {
  static readonly typeName = 'ConvTranspose2d';
  readonly padding: number[];
  readonly outputPadding: number[];

  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly number[], options: ConvTransposeLayerOptions = {}) {
    super('ConvTranspose2d', 2, inChannels, outChannels, kernelSize, options, true);
    this.padding = perAxis(options.padding ?? 0, 2, 'ConvTranspose2d', 'padding', 0);
    this.outputPadding = perAxis(options.outputPadding ?? 0, 2, 'ConvTranspose2d', 'outputPadding', 0);
    checkOutputPadding('ConvTranspose2d', this.outputPadding, this.stride, this.dilation, options.outputPadding);
  }

  forward(x: Tensor): Tensor {
    const { stride, padding, outputPadding, groups, dilation } = this;
    return convTranspose2d(x, this.weight, this.bias, { stride, padding, outputPadding, groups, dilation });
  }

  override config(): JsonObject {
    return { ...this.common(), padding: this.padding, outputPadding: this.outputPadding };
  }

  static fromConfig(r: ConfigReader): ConvTranspose2d {
    const c = readCommon(r, 2, true);
    const padding = r.sizes('padding', 2, 0, MODEL_LIMITS.parameters);
    const outputPadding = r.sizes('outputPadding', 2, 0, MODEL_LIMITS.parameters);
    reserve(r, c, 'ConvTranspose2d');
    return new ConvTranspose2d(c.inChannels, c.outChannels, c.kernelSize, { ...c, padding, outputPadding, generator: r.generator });
  }

  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    const attrs = {
      kernel_shape: this.kernelSize, strides: this.stride, dilations: this.dilation, group: this.groups,
      pads: onnxPads(this.padding, this.kernelSize, this.dilation), output_padding: this.outputPadding,
    };
    return g.node('ConvTranspose', [input, g.parameter(this.weight), ...(this.bias ? [g.parameter(this.bias)] : [])], attrs);
  }
}

registerLayer(Conv1d);
registerLayer(Conv2d);
registerLayer(ConvTranspose2d);
