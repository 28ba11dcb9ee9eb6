// Flatten, Unflatten and Identity: PyTorch's shape modules. No parameters.
import { type Tensor, flatten, unflatten, ValueError } from '@tensorgrad/core';
import { show } from '@tensorgrad/core/util';
import { Module } from '../module.js';
import { registerLayer, type ConfigReader, type JsonObject, type OnnxGraphBuilder } from '../registry.js';

const AXES = 64;
const LAST = 2 ** 53 - 1; // ONNX Slice clamps an end past the axis

/** ONNX: the input's shape along [start, end) (end omitted: to the last axis), a 1-D int64 tensor. */
function shapePart(g: OnnxGraphBuilder, shape: string, name: string, start: number, end = LAST): string {
  return g.node('Slice', [shape, g.int64s(`${name}.starts`, [start]), g.int64s(`${name}.ends`, [end])]);
}

function checkAxis(layer: string, name: string, v: unknown): number {
  if (!Number.isInteger(v) || Math.abs(v as number) > AXES) throw new ValueError(`${layer}: ${name} must be an integer axis, got ${show(v)}`);
  return v as number;
}

/** PyTorch's nn.Flatten: axes startDim..endDim (both included, negative from the end) into one. */
export class Flatten extends Module {
  static readonly typeName = 'Flatten';
  readonly startDim: number;
  readonly endDim: number;

  constructor(startDim = 1, endDim = -1) {
    super();
    this.startDim = checkAxis('Flatten', 'startDim', startDim);
    this.endDim = checkAxis('Flatten', 'endDim', endDim);
  }
  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }
  override config(): JsonObject {
    return { startDim: this.startDim, endDim: this.endDim };
  }
  static fromConfig(r: ConfigReader): Flatten {
    return new Flatten(r.int('startDim', -AXES, AXES, 1), r.int('endDim', -AXES, AXES, -1));
  }
  /** ONNX's Flatten for the default (batch kept, the rest merged); otherwise a Reshape to the input's shape with the axes merged. */
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    const { startDim: s, endDim: e } = this;
    if (s === 1 && e === -1) return g.node('Flatten', [input], { axis: 1 });
    const shape = g.node('Shape', [input]);
    const parts = [...(s === 0 ? [] : [shapePart(g, shape, 'head', 0, s)]), g.int64s('merged', [-1]), ...(e === -1 ? [] : [shapePart(g, shape, 'tail', e + 1)])];
    return g.node('Reshape', [input, g.node('Concat', parts, { axis: 0 })]);
  }
}

/** PyTorch's nn.Unflatten: axis `dim` into `unflattenedSize` (one size may be -1). */
export class Unflatten extends Module {
  static readonly typeName = 'Unflatten';
  readonly unflattenedSize: number[];

  constructor(readonly dim: number, unflattenedSize: readonly number[]) {
    super();
    checkAxis('Unflatten', 'dim', dim);
    if (!Array.isArray(unflattenedSize) || unflattenedSize.length === 0 || !unflattenedSize.every((d) => Number.isInteger(d) && d >= -1)) {
      throw new ValueError(`Unflatten: unflattenedSize must be a non-empty array of sizes (one may be -1), got ${show(unflattenedSize)}`);
    }
    this.unflattenedSize = [...unflattenedSize];
  }
  forward(x: Tensor): Tensor {
    return unflatten(x, this.dim, this.unflattenedSize);
  }
  override config(): JsonObject {
    return { dim: this.dim, unflattenedSize: this.unflattenedSize };
  }
  static fromConfig(r: ConfigReader): Unflatten {
    const dim = r.int('dim', -AXES, AXES);
    return new Unflatten(dim, r.ints('unflattenedSize', -1, 2 ** 31 - 1, AXES));
  }
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    const d = this.dim;
    const shape = g.node('Shape', [input]);
    const parts = [...(d === 0 ? [] : [shapePart(g, shape, 'head', 0, d)]), g.int64s('sizes', this.unflattenedSize), ...(d === -1 ? [] : [shapePart(g, shape, 'tail', d + 1)])];
    return g.node('Reshape', [input, g.node('Concat', parts, { axis: 0 })]);
  }
}

/**
 * PyTorch's nn.Identity: returns its input. It is also the book's linear output activation of a regression model
 * (Activation_Linear), which model files from before this name saved as type 'Linear' with no options.
 */
export class Identity extends Module {
  static readonly typeName = 'Identity';
  static fromConfig(): Identity {
    return new Identity();
  }
  forward(x: Tensor): Tensor {
    return x;
  }
  override toOnnx(_g: OnnxGraphBuilder, input: string): string {
    return input;
  }
}

registerLayer(Flatten);
registerLayer(Unflatten);
registerLayer(Identity);
