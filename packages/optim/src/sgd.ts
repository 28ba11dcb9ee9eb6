import { type Tensor, type TypedArray, ValueError, backend } from '@tensorgrad/core';
import { checkRange } from '@tensorgrad/core/util';
import { Optimizer, type BaseOptions, type CommonOptions, type Params } from './optimizer.js';

export interface SGDOptions extends BaseOptions {
  momentum: number;
  nesterov: boolean;
}

const NONE: readonly string[] = [];
const MOMENTUM: readonly string[] = ['momentum'];

/**
 * Stochastic gradient descent, as the notebook's Optimizer_SGD (defaults lr 1, decay 0, momentum 0).
 * With lr_t = lr / (1 + decay * t):
 *   plain:     w += -lr_t * g
 *   momentum:  v = momentum * v - lr_t * g;  w += v
 *   nesterov:  v = momentum * v - lr_t * g;  w += momentum * v - lr_t * g   (v already updated)
 * PyTorch keeps b = momentum * b + g and steps w -= lr * b; with a constant rate the two agree (v = -lr * b),
 * but here the rate is folded into v, so when the rate changes the old velocity keeps its old rate.
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: Params<SGDOptions>, options: Partial<SGDOptions> & CommonOptions = {}) {
    super('SGD', params, { lr: 1, decay: 0, momentum: 0, nesterov: false }, options);
  }

  protected bufferNames(o: SGDOptions): readonly string[] {
    return o.momentum !== 0 ? MOMENTUM : NONE;
  }

  protected checkOptions(o: SGDOptions, where: string): void {
    checkRange(where, 'momentum', o.momentum, 0);
    if (typeof o.nesterov !== 'boolean') throw new ValueError(`${where}: option 'nesterov' must be a boolean, got ${String(o.nesterov)}`);
    if (o.nesterov && o.momentum === 0) throw new ValueError(`${where}: nesterov needs a momentum > 0`);
  }

  protected update(w: TypedArray, g: TypedArray, buffers: readonly Tensor[], o: SGDOptions, lr: number): void {
    backend().sgdStep(w, g, o.momentum !== 0 ? buffers[0].data : null, o.momentum, lr, o.nesterov);
  }
}
