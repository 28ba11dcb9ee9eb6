// Activations as modules, thin wrappers over core's differentiable functions. Each registers itself (registry.ts).
import {
  type Tensor, ValueError, zeros, gelu, softplus, elu, celu, selu, hardsigmoid, hardtanh, logsigmoid, glu,
  SELU_ALPHA, SELU_SCALE,
} from '@tensorgrad/core';
import { show } from '@tensorgrad/core/util';
import { Module } from './module.js';
import { registerLayer, type LayerClass, type ConfigReader, type JsonObject, type OnnxGraphBuilder } from './registry.js';

/** An activation without options: config() is Module's empty one, from which fromConfig builds the class it is called on. */
abstract class OptionlessActivation extends Module {
  static fromConfig<A extends Module>(this: new () => A): A {
    return new this();
  }
}

export class ReLU extends OptionlessActivation {
  static readonly typeName = 'ReLU';
  static readonly activation = 'relu';
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

export class Sigmoid extends OptionlessActivation {
  static readonly typeName = 'Sigmoid';
  static readonly activation = 'sigmoid';
  forward(x: Tensor): Tensor {
    return x.sigmoid();
  }
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    return g.node('Sigmoid', [input]);
  }
}

export class Tanh extends OptionlessActivation {
  static readonly typeName = 'Tanh';
  static readonly activation = 'tanh';
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

/** Heaviside step (1 where x > 0): forward only, no gradient flows through it. */
export class Step extends OptionlessActivation {
  static readonly typeName = 'Step';
  forward(x: Tensor): Tensor {
    return x.step();
  }
  /** 1 where x > 0, else 0, in the input's type: Greater gives booleans, Cast turns them into 1 and 0. */
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    return g.node('Cast', [g.node('Greater', [input, g.scalar('zero', 0)])], { to: g.elemType });
  }
}

// In this order the CLI offers the activations: relu, tanh, sigmoid, leaky-relu.
for (const cls of [ReLU, Tanh, Sigmoid, LeakyReLU, Softmax, Step] as LayerClass[]) registerLayer(cls);

// ---- PyTorch's other activations as modules (torch.nn names and options) ----

/** ONNX has no Gelu before opset 20: 0.5 x (1 + erf(x / sqrt 2)), or the tanh form. */
export class GELU extends Module {
  static readonly typeName = 'GELU';
  static readonly activation = 'gelu';
  constructor(readonly approximate: 'none' | 'tanh' = 'none') {
    super();
    gelu(zeros([0]), { approximate }); // checks approximate now, as the other activations check their options
  }
  override config(): JsonObject {
    return { approximate: this.approximate };
  }
  static fromConfig(r: ConfigReader): GELU {
    return new GELU(r.choice('approximate', ['none', 'tanh'] as const, 'none'));
  }
  forward(x: Tensor): Tensor {
    return x.gelu({ approximate: this.approximate });
  }
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    const half = g.node('Mul', [input, g.scalar('half', 0.5)]);
    let inner: string;
    if (this.approximate === 'none') inner = g.node('Erf', [g.node('Mul', [input, g.scalar('rsqrt2', Math.SQRT1_2)])]);
    else {
      const cube = g.node('Mul', [g.node('Mul', [input, input]), input]);
      const poly = g.node('Add', [input, g.node('Mul', [cube, g.scalar('c', 0.044715)])]);
      inner = g.node('Tanh', [g.node('Mul', [poly, g.scalar('k', Math.sqrt(2 / Math.PI))])]);
    }
    return g.node('Mul', [half, g.node('Add', [inner, g.scalar('one', 1)])]);
  }
}

export class SiLU extends OptionlessActivation {
  static readonly typeName = 'SiLU';
  static readonly activation = 'silu';
  forward(x: Tensor): Tensor {
    return x.silu();
  }
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    return g.node('Mul', [input, g.node('Sigmoid', [input])]);
  }
}

/** log(1 + e^(beta x)) / beta, x itself where beta x > threshold. */
export class Softplus extends Module {
  static readonly typeName = 'Softplus';
  static readonly activation = 'softplus';
  constructor(readonly beta = 1, readonly threshold = 20) {
    super();
    softplus(zeros([0]), beta, threshold); // checks the options now, not at the first forward
  }
  override config(): JsonObject {
    return { beta: this.beta, threshold: this.threshold };
  }
  static fromConfig(r: ConfigReader): Softplus {
    return new Softplus(r.number('beta', { dflt: 1 }), r.number('threshold', { dflt: 20 }));
  }
  forward(x: Tensor): Tensor {
    return x.softplus(this.beta, this.threshold);
  }
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    const bx = g.node('Mul', [input, g.scalar('beta', this.beta)]);
    const soft = g.node('Div', [g.node('Softplus', [bx]), g.scalar('beta', this.beta)]);
    return g.node('Where', [g.node('Greater', [bx, g.scalar('threshold', this.threshold)]), input, soft]);
  }
}

/** x where x > 0, else alpha (e^x - 1). */
export class ELU extends Module {
  static readonly typeName = 'ELU';
  static readonly activation = 'elu';
  constructor(readonly alpha = 1) {
    super();
    elu(zeros([0]), alpha);
  }
  override config(): JsonObject {
    return { alpha: this.alpha };
  }
  static fromConfig(r: ConfigReader): ELU {
    return new ELU(r.number('alpha', { dflt: 1 }));
  }
  forward(x: Tensor): Tensor {
    return x.elu(this.alpha);
  }
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    return g.node('Elu', [input], { alpha: this.alpha }, ['alpha']);
  }
}

/** x where x > 0, else alpha (e^(x / alpha) - 1). */
export class CELU extends Module {
  static readonly typeName = 'CELU';
  static readonly activation = 'celu';
  constructor(readonly alpha = 1) {
    super();
    celu(zeros([0]), alpha);
  }
  override config(): JsonObject {
    return { alpha: this.alpha };
  }
  static fromConfig(r: ConfigReader): CELU {
    return new CELU(r.number('alpha', { dflt: 1 }));
  }
  forward(x: Tensor): Tensor {
    return x.celu(this.alpha);
  }
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    return g.node('Celu', [input], { alpha: this.alpha }, ['alpha']);
  }
}

/** scale * elu(x, alpha) with the self-normalizing constants. */
export class SELU extends OptionlessActivation {
  static readonly typeName = 'SELU';
  static readonly activation = 'selu';
  forward(x: Tensor): Tensor {
    return selu(x);
  }
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    return g.node('Selu', [input], { alpha: SELU_ALPHA, gamma: SELU_SCALE }, ['alpha', 'gamma']);
  }
}

/** x tanh(softplus(x)) (ONNX's Mish needs opset 18). */
export class Mish extends OptionlessActivation {
  static readonly typeName = 'Mish';
  static readonly activation = 'mish';
  forward(x: Tensor): Tensor {
    return x.mish();
  }
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    return g.node('Mul', [input, g.node('Tanh', [g.node('Softplus', [input])])]);
  }
}

/** x relu6(x + 3) / 6. */
export class Hardswish extends OptionlessActivation {
  static readonly typeName = 'Hardswish';
  static readonly activation = 'hardswish';
  forward(x: Tensor): Tensor {
    return x.hardswish();
  }
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    return g.node('HardSwish', [input]);
  }
}

/** relu6(x + 3) / 6. */
export class Hardsigmoid extends OptionlessActivation {
  static readonly typeName = 'Hardsigmoid';
  static readonly activation = 'hardsigmoid';
  forward(x: Tensor): Tensor {
    return hardsigmoid(x);
  }
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    return g.node('HardSigmoid', [input], { alpha: 1 / 6, beta: 0.5 }, ['alpha', 'beta']);
  }
}

/** min(max(x, 0), 6). */
export class ReLU6 extends OptionlessActivation {
  static readonly typeName = 'ReLU6';
  static readonly activation = 'relu6';
  forward(x: Tensor): Tensor {
    return x.relu6();
  }
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    return g.node('Clip', [input, g.scalar('min', 0), g.scalar('max', 6)]);
  }
}

/** log(sigmoid(x)) = -softplus(-x). */
export class LogSigmoid extends OptionlessActivation {
  static readonly typeName = 'LogSigmoid';
  static readonly activation = 'logsigmoid';
  forward(x: Tensor): Tensor {
    return logsigmoid(x);
  }
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    return g.node('Neg', [g.node('Softplus', [g.node('Neg', [input])])]);
  }
}

/** x / (1 + |x|). */
export class Softsign extends OptionlessActivation {
  static readonly typeName = 'Softsign';
  static readonly activation = 'softsign';
  forward(x: Tensor): Tensor {
    return x.softsign();
  }
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    return g.node('Softsign', [input]);
  }
}

/** x limited to [minVal, maxVal]. */
export class Hardtanh extends Module {
  static readonly typeName = 'Hardtanh';
  static readonly activation = 'hardtanh';
  constructor(readonly minVal = -1, readonly maxVal = 1) {
    super();
    hardtanh(zeros([0]), minVal, maxVal);
  }
  override config(): JsonObject {
    return { minVal: this.minVal, maxVal: this.maxVal };
  }
  static fromConfig(r: ConfigReader): Hardtanh {
    return new Hardtanh(r.number('minVal', { dflt: -1 }), r.number('maxVal', { dflt: 1 }));
  }
  forward(x: Tensor): Tensor {
    return x.hardtanh(this.minVal, this.maxVal);
  }
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    return g.node('Clip', [input, g.scalar('min', this.minVal), g.scalar('max', this.maxVal)]);
  }
}

/** An activation along one axis (`dim`, PyTorch's name; the last by default). */
abstract class AlongAxis extends Module {
  constructor(readonly dim = -1) {
    super();
    if (!Number.isInteger(dim) || dim < -64 || dim > 63) throw new ValueError(`${new.target.name}: dim must be an integer in [-64, 63], got ${show(dim)}`);
  }
  override config(): JsonObject {
    return { dim: this.dim };
  }
  protected static readDim(r: ConfigReader): number {
    return r.int('dim', -64, 63, -1);
  }
}

/** softmax(-x) along dim. */
export class Softmin extends AlongAxis {
  static readonly typeName = 'Softmin';
  static fromConfig(r: ConfigReader): Softmin {
    return new Softmin(AlongAxis.readDim(r));
  }
  forward(x: Tensor): Tensor {
    return x.softmin(this.dim);
  }
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    return g.node('Softmax', [g.node('Neg', [input])], { axis: this.dim });
  }
}

/** x - logsumexp(x) along dim. */
export class LogSoftmax extends AlongAxis {
  static readonly typeName = 'LogSoftmax';
  static fromConfig(r: ConfigReader): LogSoftmax {
    return new LogSoftmax(AlongAxis.readDim(r));
  }
  forward(x: Tensor): Tensor {
    return x.logSoftmax(this.dim);
  }
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    return g.node('LogSoftmax', [input], { axis: this.dim });
  }
}

/** a * sigmoid(b), a and b the two halves of x along dim. */
export class GLU extends AlongAxis {
  static readonly typeName = 'GLU';
  static fromConfig(r: ConfigReader): GLU {
    return new GLU(AlongAxis.readDim(r));
  }
  forward(x: Tensor): Tensor {
    return glu(x, this.dim);
  }
  /** The halves as Slice with an end past any length (INT64_MAX is what ONNX reads as "to the end"). */
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    const axis = g.int64s('axis', [this.dim]);
    const half = g.node('Div', [g.node('Gather', [g.node('Shape', [input]), axis]), g.int64s('two', [2])]);
    const a = g.node('Slice', [input, g.int64s('zero', [0]), half, axis]);
    const b = g.node('Slice', [input, half, g.int64s('end', [Number.MAX_SAFE_INTEGER]), axis]);
    return g.node('Mul', [a, g.node('Sigmoid', [b])]);
  }
}

for (const cls of [GELU, SiLU, Softplus, ELU, CELU, SELU, Mish, Hardswish, Hardsigmoid, Hardtanh, ReLU6, LogSigmoid, Softsign, Softmin, LogSoftmax, GLU] as LayerClass[]) {
  registerLayer(cls);
}
