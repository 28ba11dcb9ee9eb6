// Activations as modules, thin wrappers over core's differentiable functions. Each registers itself (registry.ts).
import { type Tensor } from '@tensorgrad/core';
import { Module } from './module.js';
import { registerLayer, type LayerClass, type ConfigReader, type JsonObject, type OnnxGraphBuilder } from './registry.js';

export class ReLU extends Module {
  static readonly typeName = 'ReLU';
  static readonly activation = 'relu';
  static fromConfig(): ReLU {
    return new ReLU();
  }
  forward(x: Tensor): Tensor {
    return x.relu();
  }
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    return g.node('Relu', [input]);
  }
}

export class LeakyReLU extends Module {
  static readonly typeName = 'LeakyReLU';
  static readonly activation = 'leaky-relu';
  constructor(readonly slope = 0.01) {
    super();
  }
  override config(): JsonObject {
    return { slope: this.slope };
  }
  static fromConfig(r: ConfigReader): LeakyReLU {
    return new LeakyReLU(r.number('slope', { dflt: 0.01 }));
  }
  forward(x: Tensor): Tensor {
    return x.leakyRelu(this.slope);
  }
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    return g.node('LeakyRelu', [input], { alpha: this.slope }, ['alpha']);
  }
}

export class Sigmoid extends Module {
  static readonly typeName = 'Sigmoid';
  static readonly activation = 'sigmoid';
  static fromConfig(): Sigmoid {
    return new Sigmoid();
  }
  forward(x: Tensor): Tensor {
    return x.sigmoid();
  }
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    return g.node('Sigmoid', [input]);
  }
}

export class Tanh extends Module {
  static readonly typeName = 'Tanh';
  static readonly activation = 'tanh';
  static fromConfig(): Tanh {
    return new Tanh();
  }
  forward(x: Tensor): Tensor {
    return x.tanh();
  }
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    return g.node('Tanh', [input]);
  }
}

/** Softmax along `axis` (the last by default): rows of class probabilities. */
export class Softmax extends Module {
  static readonly typeName = 'Softmax';
  constructor(readonly axis = -1) {
    super();
  }
  override config(): JsonObject {
    return { axis: this.axis };
  }
  static fromConfig(r: ConfigReader): Softmax {
    return new Softmax(r.int('axis', -64, 63, -1));
  }
  forward(x: Tensor): Tensor {
    return x.softmax(this.axis);
  }
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    return g.node('Softmax', [input], { axis: this.axis });
  }
}

/** Identity: the output activation of a regression model. */
export class Linear extends Module {
  static readonly typeName = 'Linear';
  static fromConfig(): Linear {
    return new Linear();
  }
  forward(x: Tensor): Tensor {
    return x;
  }
  override toOnnx(_g: OnnxGraphBuilder, input: string): string {
    return input;
  }
}

/** Heaviside step (1 where x > 0): forward only, no gradient flows through it. */
export class Step extends Module {
  static readonly typeName = 'Step';
  static fromConfig(): Step {
    return new Step();
  }
  forward(x: Tensor): Tensor {
    return x.step();
  }
  /** 1 where x > 0, else 0, in the input's type: Greater gives booleans, Cast turns them into 1 and 0. */
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    return g.node('Cast', [g.node('Greater', [input, g.scalar('zero', 0)])], { to: g.elemType });
  }
}

// In this order the CLI offers the activations: relu, tanh, sigmoid, leaky-relu.
for (const cls of [ReLU, Tanh, Sigmoid, LeakyReLU, Softmax, Linear, Step] as LayerClass[]) registerLayer(cls);
