import { type Tensor, type TypedArray, backend } from '@tensorgrad/core';
import { checkRange } from '@tensorgrad/core/util';
import { Optimizer, type BaseOptions, type CommonOptions, type Params } from './optimizer.js';

export interface AdaGradOptions extends BaseOptions {
  epsilon: number;
}

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
    backend().adagradStep(w, g, buffers[0].data, lr, o.epsilon);
  }
}
