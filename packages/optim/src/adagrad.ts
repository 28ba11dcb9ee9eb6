import type { Tensor, TypedArray } from '@tensorgrad/core';
import { Optimizer, checkRange, type BaseOptions, type CommonOptions, type Params } from './optimizer.js';

export interface AdaGradOptions extends BaseOptions {
  epsilon: number;
}

const fround = Math.fround;
const CACHE: readonly string[] = ['cache'];

/**
 * AdaGrad, as the book defines it (defaults lr 1, decay 0, epsilon 1e-7). With lr_t = lr / (1 + decay * t):
 *   cache += g^2;  w += -lr_t * g / (sqrt(cache) + epsilon)
 * PyTorch's Adagrad defaults to lr 0.01 and eps 1e-10 (eps also added after the sqrt).
 */
export class AdaGrad extends Optimizer<AdaGradOptions> {
  constructor(params: Params<AdaGradOptions>, options: Partial<AdaGradOptions> & CommonOptions = {}) {
    super('AdaGrad', params, { lr: 1, decay: 0, epsilon: 1e-7 }, options);
  }

  protected bufferNames(): readonly string[] {
    return CACHE;
  }

  protected checkOptions(o: AdaGradOptions, where: string): void {
    checkRange(where, 'epsilon', o.epsilon, 0);
  }

  protected update(w: TypedArray, g: TypedArray, buffers: readonly Tensor[], o: AdaGradOptions, lr: number): void {
    const c = buffers[0].data;
    if (w instanceof Float32Array) adagrad32(w, g as Float32Array, c as Float32Array, lr, o.epsilon);
    else adagrad64(w as Float64Array, g as Float64Array, c as Float64Array, lr, o.epsilon);
  }
}

// float32: numpy's float32 arithmetic, one rounding per elementwise op (python scalars become float32 first)
function adagrad32(w: Float32Array, g: Float32Array, cache: Float32Array, lr: number, epsilon: number): void {
  const a = fround(-lr);
  const e = fround(epsilon);
  for (let i = 0; i < w.length; i++) {
    const gi = g[i];
    const c = fround(cache[i] + fround(gi * gi));
    cache[i] = c;
    w[i] = w[i] + fround(fround(a * gi) / fround(fround(Math.sqrt(c)) + e));
  }
}

function adagrad64(w: Float64Array, g: Float64Array, cache: Float64Array, lr: number, epsilon: number): void {
  const a = -lr;
  for (let i = 0; i < w.length; i++) {
    const gi = g[i];
    const c = cache[i] + gi * gi;
    cache[i] = c;
    w[i] = w[i] + (a * gi) / (Math.sqrt(c) + epsilon);
  }
}
