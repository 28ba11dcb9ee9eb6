import type { Tensor, TypedArray } from '@tensorgrad/core';
import { Optimizer, checkRange, type BaseOptions, type CommonOptions, type Params } from './optimizer.js';

export interface RMSPropOptions extends BaseOptions {
  epsilon: number;
  rho: number;
}

const fround = Math.fround;
const CACHE: readonly string[] = ['cache'];

/**
 * RMSProp, as the book defines it (defaults lr 0.001, decay 0, epsilon 1e-7, rho 0.9). With lr_t = lr / (1 + decay * t):
 *   cache = rho * cache + (1 - rho) * g^2;  w += -lr_t * g / (sqrt(cache) + epsilon)
 * PyTorch's RMSprop calls rho 'alpha' and defaults to lr 0.01, alpha 0.99, eps 1e-8.
 */
export class RMSProp extends Optimizer<RMSPropOptions> {
  constructor(params: Params<RMSPropOptions>, options: Partial<RMSPropOptions> & CommonOptions = {}) {
    super('RMSProp', params, { lr: 0.001, decay: 0, epsilon: 1e-7, rho: 0.9 }, options);
  }

  protected bufferNames(): readonly string[] {
    return CACHE;
  }

  protected checkOptions(o: RMSPropOptions, where: string): void {
    checkRange(where, 'epsilon', o.epsilon, 0);
    checkRange(where, 'rho', o.rho, 0, 1);
  }

  protected update(w: TypedArray, g: TypedArray, buffers: readonly Tensor[], o: RMSPropOptions, lr: number): void {
    const c = buffers[0].data;
    if (w instanceof Float32Array) rmsprop32(w, g as Float32Array, c as Float32Array, lr, o.epsilon, o.rho);
    else rmsprop64(w as Float64Array, g as Float64Array, c as Float64Array, lr, o.epsilon, o.rho);
  }
}

// float32: numpy's float32 arithmetic, one rounding per elementwise op (python scalars become float32 first)
function rmsprop32(w: Float32Array, g: Float32Array, cache: Float32Array, lr: number, epsilon: number, rho: number): void {
  const a = fround(-lr);
  const e = fround(epsilon);
  const r = fround(rho);
  const r1 = fround(1 - rho);
  for (let i = 0; i < w.length; i++) {
    const gi = g[i];
    const c = fround(fround(r * cache[i]) + fround(r1 * fround(gi * gi)));
    cache[i] = c;
    w[i] = w[i] + fround(fround(a * gi) / fround(fround(Math.sqrt(c)) + e));
  }
}

function rmsprop64(w: Float64Array, g: Float64Array, cache: Float64Array, lr: number, epsilon: number, rho: number): void {
  const a = -lr;
  const r1 = 1 - rho;
  for (let i = 0; i < w.length; i++) {
    const gi = g[i];
    const c = rho * cache[i] + r1 * (gi * gi);
    cache[i] = c;
    w[i] = w[i] + (a * gi) / (Math.sqrt(c) + epsilon);
  }
}
