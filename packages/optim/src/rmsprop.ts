import { type Tensor, type TypedArray, backend } from '@tensorgrad/core';
import { checkRange } from '@tensorgrad/core/util';
import { Optimizer, type BaseOptions, type CommonOptions, type Params } from './optimizer.js';

export interface RMSPropOptions extends BaseOptions {
  epsilon: number;
  rho: number;
}

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
    backend().rmspropStep(w, g, buffers[0].data, lr, o.epsilon, o.rho);
  }
}
