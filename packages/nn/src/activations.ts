// Activations as modules, thin wrappers over core's differentiable functions.
import { type Tensor } from '@tensorgrad/core';
import { Module } from './module.js';

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return x.relu();
  }
}

export class LeakyReLU extends Module {
  constructor(readonly slope = 0.01) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.leakyRelu(this.slope);
  }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return x.sigmoid();
  }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return x.tanh();
  }
}

/** Softmax along `axis` (the last by default): rows of class probabilities. */
export class Softmax extends Module {
  constructor(readonly axis = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.softmax(this.axis);
  }
}

/** Identity: the output activation of a regression model. */
export class Linear extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

/** Heaviside step (1 where x > 0): forward only, no gradient flows through it. */
export class Step extends Module {
  forward(x: Tensor): Tensor {
    return x.step();
  }
}
