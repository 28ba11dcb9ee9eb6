// Fused loss loops (used by @tensorgrad/nn's SoftmaxCrossEntropy).
import type { TypedArray } from '../dtype.js';
import * as libm from './libm.js';

/**
 * Softmax cross-entropy of logits [n, c] against int labels in one pass per row, with the values the tensor ops
 * would give (max, x - max, exp, sum, divide, log, + max, - x[label], clip, each rounded to the logits' dtype):
 * fills probs [n, c] and the per-sample losses [n], bounded to [-log1p(-clip), -log(clip)] when clip > 0.
 */
export function softmaxCrossEntropy(
  x: TypedArray, labels: Int32Array, n: number, c: number, clip: number, p: TypedArray, out: TypedArray,
): void {
  const lo = -libm.log1p(-clip), hi = -libm.log(clip);
  // Every store into p and out rounds to the dtype, as each op's output would.
  for (let i = 0, row = 0; i < n; i++, row += c) {
    let m = x[row];
    for (let j = 1; j < c && m === m; j++) if (x[row + j] > m || x[row + j] !== x[row + j]) m = x[row + j]; // NaN wins, as max
    let sum = 0; // in double, in order, as sum()
    for (let j = row; j < row + c; j++) {
      p[j] = x[j] - m;
      p[j] = libm.exp(p[j]);
      sum += p[j];
    }
    out[i] = sum;
    const s = out[i];
    for (let j = row; j < row + c; j++) p[j] = p[j] / s;
    out[i] = libm.log(s);
    out[i] += m;
    out[i] -= x[row + labels[i]];
    if (clip > 0) out[i] = out[i] < lo ? lo : out[i] > hi ? hi : out[i];
  }
}

/** d = (probs - onehot(labels)) * g[row] per row, rounded as probs.sub(oneHot).mul(g) rounds. */
export function softmaxCrossEntropyBackward(probs: TypedArray, labels: Int32Array, g: TypedArray, n: number, c: number, d: TypedArray): void {
  d.set(probs);
  for (let i = 0, row = 0; i < n; i++, row += c) {
    d[row + labels[i]] -= 1;
    for (let j = row; j < row + c; j++) d[j] *= g[i];
  }
}
