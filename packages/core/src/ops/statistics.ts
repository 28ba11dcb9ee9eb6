// Reductions composed from sum, mean, max and the elementwise ops, so their gradients (of every order) come
// from those ops: var, std, norm; and the truth reductions any, all, countNonzero.
import { getDefaultDtype, isFloat } from '../dtype.js';
import { ValueError } from '../errors.js';
import { normalizeAxes, sizeOf } from '../shape.js';
import { type NormOrder, type Tensor, type VarOptions } from '../tensor.js';

export type { NormOrder, VarOptions };
import { type Axis } from './op.js';
import { registerOp } from './registry.js';
import { div, eq, gt, mul, ne, pow, sub, where } from './arith.js';
import { abs, sqrt } from './unary.js';
import { max, mean, min, sum } from './reduce.js';

const asFloat = (x: Tensor) => (isFloat(x.dtype) ? x : x.astype(getDefaultDtype()));

/** [variance, mean] over `axis` (see VarOptions; keepdims as a boolean, as sum takes it, or inside the options). */
function moments(x: Tensor, axis: Axis | undefined, options: VarOptions | boolean | undefined, op: string): [Tensor, Tensor] {
  const o = typeof options === 'boolean' ? { keepdims: options } : (options ?? {});
  const { correction = 1, keepdims = false } = o;
  if (typeof correction !== 'number' || !Number.isFinite(correction) || correction < 0) {
    throw new ValueError(`${op}: correction must be a finite number >= 0 (1: sample variance, 0: population variance), got ${String(correction)}`);
  }
  const xf = asFloat(x);
  const axes = normalizeAxes(axis, x.ndim, op);
  const m = mean(xf, axes, true);
  const d = sub(xf, m);
  // as PyTorch: the divisor is max(0, N - correction), so N <= correction gives inf or NaN
  const divisor = Math.max(0, sizeOf(axes.map((a) => x.shape[a])) - correction);
  return [div(sum(mul(d, d), axes, keepdims), divisor), keepdims ? m : m.reshape(x.shape.filter((_, i) => !axes.includes(i)))];
}

registerOp('var', true);
/** The variance over `axis` (all axes when undefined), divided by N - correction (see VarOptions). */
function variance(x: Tensor, axis?: Axis, options?: VarOptions | boolean): Tensor {
  return moments(x, axis, options, 'var')[0];
}
// `var` is a reserved word for a declaration, not for an export name: import { var as variance } or tg.var
export { variance as var, variance };

registerOp('std', true);
/** The standard deviation, sqrt(var) (see var); where it is 0 its gradient is 0, as PyTorch's. */
export function std(x: Tensor, axis?: Axis, options?: VarOptions | boolean): Tensor {
  return root(moments(x, axis, options, 'std')[0], 2);
}

registerOp('varMean', true);
/** [var, mean] in one pass over the mean (PyTorch's var_mean). */
export function varMean(x: Tensor, axis?: Axis, options?: VarOptions | boolean): [Tensor, Tensor] {
  return moments(x, axis, options, 'varMean');
}

registerOp('stdMean', true);
/** [std, mean] (PyTorch's std_mean). */
export function stdMean(x: Tensor, axis?: Axis, options?: VarOptions | boolean): [Tensor, Tensor] {
  const [v, m] = moments(x, axis, options, 'stdMean');
  return [root(v, 2), m];
}

registerOp('norm', true);
/**
 * The vector norm over `axis` (all axes when undefined; torch.linalg.vector_norm): (sum |x|^p)^(1/p),
 * max |x| for Infinity, min |x| for -Infinity, the count of nonzeros for 0; 'fro' is 2. A zero vector's
 * gradient is 0 (as PyTorch), not NaN.
 */
export function norm(x: Tensor, p: NormOrder = 2, axis?: Axis, keepdims = false): Tensor {
  const ord = p === 'fro' ? 2 : p;
  if (typeof ord !== 'number' || Number.isNaN(ord)) throw new ValueError(`norm: p must be a number, Infinity, -Infinity or 'fro', got ${String(p)}`);
  const a = abs(asFloat(x));
  const axes = normalizeAxes(axis, x.ndim, 'norm');
  if (ord === Infinity) return max(a, axes, keepdims);
  if (ord === -Infinity) return min(a, axes, keepdims);
  if (ord === 0) return sum(ne(a, 0).astype(a.dtype), axes, keepdims);
  if (ord === 1) return sum(a, axes, keepdims);
  return root(sum(ord === 2 ? mul(a, a) : pow(a, ord), axes, keepdims), ord);
}

/**
 * s^(1/p) with its derivative taken as 0 where s == 0 (it is infinite there; PyTorch masks it so): the root
 * of a safe value, selected away.
 */
function root(s: Tensor, p: number): Tensor {
  const zero = eq(s, 0);
  const safe = where(zero, 1, s);
  return where(zero, mul(s, 0), p === 2 ? sqrt(safe) : pow(safe, 1 / p));
}

const truth = (x: Tensor) => ne(x, 0); // nonzero (NaN too) is true, as numpy

registerOp('any', false);
/** Whether some element over `axis` is nonzero (NaN counts), as bool. False for an empty axis. */
export function any(x: Tensor, axis?: Axis, keepdims = false): Tensor {
  return gt(sum(truth(x), normalizeAxes(axis, x.ndim, 'any'), keepdims), 0);
}

registerOp('all', false);
/** Whether every element over `axis` is nonzero, as bool. True for an empty axis. */
export function all(x: Tensor, axis?: Axis, keepdims = false): Tensor {
  return eq(sum(eq(x, 0), normalizeAxes(axis, x.ndim, 'all'), keepdims), 0);
}

registerOp('countNonzero', false);
/** The number of nonzero elements over `axis` (all when undefined), int32. */
export function countNonzero(x: Tensor, axis?: Axis, keepdims = false): Tensor {
  return sum(truth(x), normalizeAxes(axis, x.ndim, 'countNonzero'), keepdims);
}
