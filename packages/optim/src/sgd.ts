import { type Tensor, type TypedArray, ValueError } from '@tensorgrad/core';
import { Optimizer, checkRange, type BaseOptions, type CommonOptions, type Params } from './optimizer.js';

export interface SGDOptions extends BaseOptions {
  momentum: number;
  nesterov: boolean;
}

const fround = Math.fround;
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
    const v = o.momentum !== 0 ? buffers[0].data : null;
    if (w instanceof Float32Array) sgd32(w, g as Float32Array, v as Float32Array | null, o.momentum, lr, o.nesterov);
    else sgd64(w as Float64Array, g as Float64Array, v as Float64Array | null, o.momentum, lr, o.nesterov);
  }
}

// float32: numpy's float32 arithmetic, one rounding per elementwise op (python scalars become float32 first)
function sgd32(w: Float32Array, g: Float32Array, v: Float32Array | null, momentum: number, lr: number, nesterov: boolean): void {
  const a = fround(lr);
  if (v === null) {
    for (let i = 0; i < w.length; i++) w[i] = w[i] - fround(a * g[i]);
    return;
  }
  const m = fround(momentum);
  for (let i = 0; i < w.length; i++) {
    const step = fround(a * g[i]);
    const u = fround(fround(m * v[i]) - step);
    v[i] = u;
    w[i] = nesterov ? w[i] + fround(fround(m * u) - step) : w[i] + u;
  }
}

function sgd64(w: Float64Array, g: Float64Array, v: Float64Array | null, m: number, lr: number, nesterov: boolean): void {
  if (v === null) {
    for (let i = 0; i < w.length; i++) w[i] = w[i] - lr * g[i];
    return;
  }
  for (let i = 0; i < w.length; i++) {
    const step = lr * g[i];
    const u = m * v[i] - step;
    v[i] = u;
    w[i] = nesterov ? w[i] + (m * u - step) : w[i] + u;
  }
}
