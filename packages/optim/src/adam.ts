import { type Tensor, type TypedArray, backend } from '@tensorgrad/core';
import { checkRange } from '@tensorgrad/core/util';
import { Optimizer, type BaseOptions, type CommonOptions, type Params } from './optimizer.js';

export interface AdamOptions extends BaseOptions {
  epsilon: number;
  beta1: number;
  beta2: number;
}

export interface AdamWOptions extends AdamOptions {
  /** Decoupled weight decay: w -= lr_t * weightDecay * w before the Adam update. */
  weightDecay: number;
}

const BUFFERS: readonly string[] = ['momentum', 'cache'];

function checkAdam(o: AdamOptions, where: string): void {
  checkRange(where, 'epsilon', o.epsilon, 0);
  checkRange(where, 'beta1', o.beta1, 0, 1, true);
  checkRange(where, 'beta2', o.beta2, 0, 1, true);
}

/**
 * Adam, exactly as the notebook's Optimizer_Adam (defaults lr 0.001, decay 0, epsilon 1e-7, beta1 0.9,
 * beta2 0.999). With lr_t = lr / (1 + decay * t) and t the number of earlier steps:
 *   m = beta1 * m + (1 - beta1) * g;      mHat = m / (1 - beta1^(t+1))
 *   v = beta2 * v + (1 - beta2) * g^2;    vHat = v / (1 - beta2^(t+1))
 *   w += -lr_t * mHat / (sqrt(vHat) + epsilon)
 * Same formula as PyTorch's Adam (eps added after the square root of the corrected cache), but PyTorch's
 * eps defaults to 1e-8 and its bias correction counts each parameter's own steps; here t is the optimizer's
 * step count, as in the notebook (it differs only for parameters that were skipped on some steps).
 */
export class Adam extends Optimizer<AdamOptions> {
  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> & CommonOptions = {}) {
    super('Adam', params, { lr: 0.001, decay: 0, epsilon: 1e-7, beta1: 0.9, beta2: 0.999 }, options);
  }

  protected bufferNames(): readonly string[] {
    return BUFFERS;
  }

  protected checkOptions(o: AdamOptions, where: string): void {
    checkAdam(o, where);
  }

  protected update(w: TypedArray, g: TypedArray, buffers: readonly Tensor[], o: AdamOptions, lr: number, t: number): void {
    adam(w, g, buffers, o, lr, t, 1);
  }
}

/**
 * AdamW: Adam with decoupled weight decay (default weightDecay 0.01), as PyTorch's AdamW. Before the Adam
 * update each weight shrinks: w = w * (1 - lr_t * weightDecay), i.e. w -= lr_t * weightDecay * w, where lr_t
 * is this step's rate (scheduled and decayed). The decay does not enter the moments. weightDecay 0 gives Adam
 * exactly. Applies to every parameter of the group, biases included (use param groups to exempt some).
 */
export class AdamW extends Optimizer<AdamWOptions> {
  constructor(params: Params<AdamWOptions>, options: Partial<AdamWOptions> & CommonOptions = {}) {
    super('AdamW', params, { lr: 0.001, decay: 0, epsilon: 1e-7, beta1: 0.9, beta2: 0.999, weightDecay: 0.01 }, options);
  }

  protected bufferNames(): readonly string[] {
    return BUFFERS;
  }

  protected checkOptions(o: AdamWOptions, where: string): void {
    checkAdam(o, where);
    checkRange(where, 'weightDecay', o.weightDecay, 0);
  }

  protected update(w: TypedArray, g: TypedArray, buffers: readonly Tensor[], o: AdamWOptions, lr: number, t: number): void {
    adam(w, g, buffers, o, lr, t, 1 - lr * o.weightDecay);
  }
}

function adam(w: TypedArray, g: TypedArray, buffers: readonly Tensor[], o: AdamOptions, lr: number, t: number, keep: number): void {
  // bias corrections in double, as the notebook's python floats
  const c1 = 1 - o.beta1 ** (t + 1);
  const c2 = 1 - o.beta2 ** (t + 1);
  backend().adamStep(w, g, buffers[0].data, buffers[1].data, lr, o.epsilon, o.beta1, o.beta2, c1, c2, keep);
}
