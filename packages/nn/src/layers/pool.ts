// MaxPool1d/2d, AvgPool1d/2d and AdaptiveAvgPool2d: PyTorch's pooling modules over core's functions. No parameters.
import { type Tensor, maxPool1d, maxPool2d, avgPool1d, avgPool2d, adaptiveAvgPool2d, ValueError } from '@tensorgrad/core';
import { adaptiveOutputSize, checkDivisorOverride, checkPoolPadding, perAxis, show } from '@tensorgrad/core/util';
import { Module } from '../module.js';
import { registerLayer, type ConfigReader, type JsonObject, type LayerClass, type OnnxGraphBuilder } from '../registry.js';
import { checkBoolean } from './common.js';

const MAX = 2 ** 20; // a window's side in a model file

export interface MaxPoolLayerOptions {
  /** Default: the kernel size. */
  stride?: number | readonly number[];
  padding?: number | readonly number[];
  dilation?: number | readonly number[];
  ceilMode?: boolean;
}

export interface AvgPoolLayerOptions {
  stride?: number | readonly number[];
  padding?: number | readonly number[];
  ceilMode?: boolean;
  countIncludePad?: boolean;
  /** AvgPool2d only. */
  divisorOverride?: number;
}

/** What every pool keeps: its window per axis, checked as core checks it (padding at most half the kernel). */
abstract class Pool extends Module {
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[];
  readonly ceilMode: boolean;

  constructor(layer: string, readonly dims: 1 | 2, kernelSize: number | readonly number[], o: MaxPoolLayerOptions & AvgPoolLayerOptions) {
    super();
    this.kernelSize = perAxis(kernelSize, dims, layer, 'kernelSize', 1);
    this.stride = perAxis(o.stride ?? this.kernelSize, dims, layer, 'stride', 1);
    this.padding = perAxis(o.padding ?? 0, dims, layer, 'padding', 0);
    checkPoolPadding(layer, this.kernelSize, this.padding, { padding: o.padding, kernelSize });
    this.ceilMode = checkBoolean(layer, 'ceilMode', o.ceilMode, false);
  }

  protected window(): JsonObject {
    return { kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, ceilMode: this.ceilMode };
  }

  protected static readWindow(r: ConfigReader, dims: number) {
    return {
      kernelSize: r.sizes('kernelSize', dims, 1, MAX),
      stride: r.sizes('stride', dims, 1, MAX),
      padding: r.sizes('padding', dims, 0, MAX),
      ceilMode: r.boolean('ceilMode', false),
    };
  }

  protected onnxWindow(): Record<string, number | number[]> {
    return { kernel_shape: this.kernelSize, strides: this.stride, pads: [...this.padding, ...this.padding], ceil_mode: this.ceilMode ? 1 : 0 };
  }
}

abstract class MaxPool extends Pool {
  readonly dilation: number[];
  constructor(layer: string, dims: 1 | 2, kernelSize: number | readonly number[], o: MaxPoolLayerOptions) {
    super(layer, dims, kernelSize, o);
    this.dilation = perAxis(o.dilation ?? 1, dims, layer, 'dilation', 1);
  }
  override config(): JsonObject {
    return { ...this.window(), dilation: this.dilation };
  }
  protected static read(r: ConfigReader, dims: number): [number[], MaxPoolLayerOptions] {
    const w = Pool.readWindow(r, dims);
    return [w.kernelSize, { ...w, dilation: r.sizes('dilation', dims, 1, MAX) }];
  }
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    return g.node('MaxPool', [input], { ...this.onnxWindow(), dilations: this.dilation });
  }
  protected options() {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode };
  }
}

/** PyTorch's nn.MaxPool2d over [N, C, H, W] (or [C, H, W]); stride defaults to the kernel size. */
export class MaxPool2d extends MaxPool {
  static readonly typeName = 'MaxPool2d';
  constructor(kernelSize: number | readonly number[], options: MaxPoolLayerOptions = {}) {
    super('MaxPool2d', 2, kernelSize, options);
  }
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.options());
  }
  static fromConfig(r: ConfigReader): MaxPool2d {
    return new MaxPool2d(...MaxPool.read(r, 2));
  }
}

/** PyTorch's nn.MaxPool1d over [N, C, L] (or [C, L]). */
export class MaxPool1d extends MaxPool {
  static readonly typeName = 'MaxPool1d';
  constructor(kernelSize: number | readonly number[], options: MaxPoolLayerOptions = {}) {
    super('MaxPool1d', 1, kernelSize, options);
  }
  forward(x: Tensor): Tensor {
    return maxPool1d(x, this.kernelSize, this.options());
  }
  static fromConfig(r: ConfigReader): MaxPool1d {
    return new MaxPool1d(...MaxPool.read(r, 1));
  }
}

abstract class AvgPool extends Pool {
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;
  constructor(layer: string, dims: 1 | 2, kernelSize: number | readonly number[], o: AvgPoolLayerOptions) {
    super(layer, dims, kernelSize, o);
    this.countIncludePad = o.countIncludePad ?? true;
    this.divisorOverride = checkDivisorOverride(layer, o.divisorOverride) ?? null;
  }
  override config(): JsonObject {
    return { ...this.window(), countIncludePad: this.countIncludePad, ...(this.divisorOverride === null ? {} : { divisorOverride: this.divisorOverride }) };
  }
  protected static read(r: ConfigReader, dims: number): [number[], AvgPoolLayerOptions] {
    const w = Pool.readWindow(r, dims);
    const divisorOverride = dims === 2 && r.has('divisorOverride') ? r.int('divisorOverride', 1, MAX) : undefined;
    return [w.kernelSize, { ...w, countIncludePad: r.boolean('countIncludePad', true), divisorOverride }];
  }
  /** ONNX's AveragePool divides by the window (count_include_pad) or its part inside the input; it has no divisorOverride. */
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    if (this.divisorOverride !== null) throw new ValueError(`${this.constructor.name}: divisorOverride has no ONNX AveragePool equivalent; it cannot be exported`);
    return g.node('AveragePool', [input], { ...this.onnxWindow(), count_include_pad: this.countIncludePad ? 1 : 0 });
  }
  protected options() {
    return { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad };
  }
}

/** PyTorch's nn.AvgPool2d over [N, C, H, W] (or [C, H, W]). */
export class AvgPool2d extends AvgPool {
  static readonly typeName = 'AvgPool2d';
  constructor(kernelSize: number | readonly number[], options: AvgPoolLayerOptions = {}) {
    super('AvgPool2d', 2, kernelSize, options);
  }
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, { ...this.options(), divisorOverride: this.divisorOverride ?? undefined });
  }
  static fromConfig(r: ConfigReader): AvgPool2d {
    return new AvgPool2d(...AvgPool.read(r, 2));
  }
}

/** PyTorch's nn.AvgPool1d over [N, C, L] (or [C, L]). */
export class AvgPool1d extends AvgPool {
  static readonly typeName = 'AvgPool1d';
  constructor(kernelSize: number | readonly number[], options: Omit<AvgPoolLayerOptions, 'divisorOverride'> = {}) {
    if ((options as AvgPoolLayerOptions).divisorOverride !== undefined) throw new ValueError("AvgPool1d: divisorOverride is AvgPool2d's option (PyTorch's AvgPool1d has none)");
    super('AvgPool1d', 1, kernelSize, options);
  }
  forward(x: Tensor): Tensor {
    return avgPool1d(x, this.kernelSize, this.options());
  }
  static fromConfig(r: ConfigReader): AvgPool1d {
    return new AvgPool1d(...AvgPool.read(r, 1));
  }
}

/** PyTorch's nn.AdaptiveAvgPool2d: averages [N, C, H, W] (or [C, H, W]) down to outputSize (null keeps an axis). */
export class AdaptiveAvgPool2d extends Module {
  static readonly typeName = 'AdaptiveAvgPool2d';
  readonly outputSize: (number | null)[];

  constructor(outputSize: number | readonly (number | null)[]) {
    super();
    this.outputSize = adaptiveOutputSize('AdaptiveAvgPool2d', outputSize);
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  override config(): JsonObject {
    return { outputSize: this.outputSize };
  }

  static fromConfig(r: ConfigReader): AdaptiveAvgPool2d {
    return new AdaptiveAvgPool2d(r.optionalInts('outputSize', 2, 1, MAX));
  }

  /** GlobalAveragePool for an output of 1 x 1; other sizes depend on the input's, which the lowering does not know. */
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    if (this.outputSize[0] !== 1 || this.outputSize[1] !== 1) {
      throw new ValueError(`AdaptiveAvgPool2d: only outputSize 1 exports to ONNX (GlobalAveragePool), got ${show(this.outputSize)}; an AvgPool2d with kernelSize = stride = input size / output size is the same pool and exports`);
    }
    return g.node('GlobalAveragePool', [input]);
  }
}

for (const cls of [MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool2d] as LayerClass[]) registerLayer(cls);
