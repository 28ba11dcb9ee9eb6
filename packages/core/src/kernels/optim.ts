// The optimizers' updates, in place on the weights and their state buffers (used by @tensorgrad/optim).
// float32: numpy's float32 arithmetic, one rounding per elementwise op (python scalars become float32 first);
// float64: double arithmetic, as the notebook's optimizers compute.
import type { TypedArray } from '../dtype.js';

const fround = Math.fround;

/** v = momentum * v - lr * g; w += v (nesterov: w += momentum * v - lr * g, v already updated); v null: w -= lr * g. */
export function sgdStep(w: TypedArray, g: TypedArray, v: TypedArray | null, momentum: number, lr: number, nesterov: boolean): void {
  if (w instanceof Float32Array) sgd32(w, g as Float32Array, v as Float32Array | null, momentum, lr, nesterov);
  else sgd64(w as Float64Array, g as Float64Array, v as Float64Array | null, momentum, lr, nesterov);
}

/** cache += g^2; w += -lr * g / (sqrt(cache) + epsilon). */
export function adagradStep(w: TypedArray, g: TypedArray, cache: TypedArray, lr: number, epsilon: number): void {
  if (w instanceof Float32Array) adagrad32(w, g as Float32Array, cache as Float32Array, lr, epsilon);
  else adagrad64(w as Float64Array, g as Float64Array, cache as Float64Array, lr, epsilon);
}

/** cache = rho * cache + (1 - rho) * g^2; w += -lr * g / (sqrt(cache) + epsilon). */
export function rmspropStep(w: TypedArray, g: TypedArray, cache: TypedArray, lr: number, epsilon: number, rho: number): void {
  if (w instanceof Float32Array) rmsprop32(w, g as Float32Array, cache as Float32Array, lr, epsilon, rho);
  else rmsprop64(w as Float64Array, g as Float64Array, cache as Float64Array, lr, epsilon, rho);
}

/** Adam's (and AdamW's, keep = 1 - lr * weightDecay) update; c1, c2 are the bias corrections 1 - beta^(t+1). */
export function adamStep(
  w: TypedArray, g: TypedArray, m: TypedArray, v: TypedArray,
  lr: number, epsilon: number, beta1: number, beta2: number, c1: number, c2: number, keep: number,
): void {
  if (w instanceof Float32Array) {
    adam32(w, g as Float32Array, m as Float32Array, v as Float32Array, lr, epsilon, beta1, beta2, c1, c2, keep);
  } else {
    adam64(w as Float64Array, g as Float64Array, m as Float64Array, v as Float64Array, lr, epsilon, beta1, beta2, c1, c2, keep);
  }
}

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
