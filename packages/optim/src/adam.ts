import type { Tensor, TypedArray } from '@tensorgrad/core';
import { Optimizer, checkRange, type BaseOptions, type CommonOptions, type Params } from './optimizer.js';

export interface AdamOptions extends BaseOptions {
  epsilon: number;
  beta1: number;
  beta2: number;
}

export interface AdamWOptions extends AdamOptions {
  /** Decoupled weight decay: w -= lr_t * weightDecay * w before the Adam update. */
  weightDecay: number;
}

const fround = Math.fround;
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
  const m = buffers[0].data;
  const v = buffers[1].data;
  if (w instanceof Float32Array) {
    adam32(w, g as Float32Array, m as Float32Array, v as Float32Array, lr, o.epsilon, o.beta1, o.beta2, c1, c2, keep);
  } else {
    adam64(w as Float64Array, g as Float64Array, m as Float64Array, v as Float64Array, lr, o.epsilon, o.beta1, o.beta2, c1, c2, keep);
  }
}

// float32: numpy's float32 arithmetic, one rounding per elementwise op (python scalars become float32 first)
function adam32(
  w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array,
  lr: number, epsilon: number, beta1: number, beta2: number, c1: number, c2: number, keep: number,
): void {
  const a = fround(-lr);
  const e = fround(epsilon);
  const b1 = fround(beta1);
  const b1c = fround(1 - beta1);
  const b2 = fround(beta2);
  const b2c = fround(1 - beta2);
  const f1 = fround(c1);
  const f2 = fround(c2);
  const k = fround(keep);
  for (let i = 0; i < w.length; i++) {
    const gi = g[i];
    const mi = fround(fround(b1 * m[i]) + fround(b1c * gi));
    m[i] = mi;
    const vi = fround(fround(b2 * v[i]) + fround(b2c * fround(gi * gi)));
    v[i] = vi;
    const mHat = fround(mi / f1);
    const vHat = fround(vi / f2);
    w[i] = fround(w[i] * k) + fround(fround(a * mHat) / fround(fround(Math.sqrt(vHat)) + e));
  }
}

function adam64(
  w: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array,
  lr: number, epsilon: number, beta1: number, beta2: number, c1: number, c2: number, keep: number,
): void {
  const a = -lr;
  const b1c = 1 - beta1;
  const b2c = 1 - beta2;
  for (let i = 0; i < w.length; i++) {
    const gi = g[i];
    const mi = beta1 * m[i] + b1c * gi;
    m[i] = mi;
    const vi = beta2 * v[i] + b2c * (gi * gi);
    v[i] = vi;
    w[i] = w[i] * keep + (a * (mi / c1)) / (Math.sqrt(vi / c2) + epsilon);
  }
}
