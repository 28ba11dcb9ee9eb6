// Products, scans and orderings along an axis, each computed by a kernel of kernels/scan.ts: prod, cumsum,
// cumprod, logcumsumexp (backwards written with ops), and cummax, cummin, sort, argsort, topk, median, whose
// kernels give positions and whose values are gathered (so their gradient is gather's, of every order).
import { checkInt32, isFloat } from '../dtype.js';
import { ValueError } from '../errors.js';
import { record } from '../autograd.js';
import { around, fmt, normalizeAxes, normalizeAxis, sizeOf } from '../shape.js';
import { alloc, type SortOptions, type Tensor, type TopkOptions } from '../tensor.js';
import { backend } from '../backend.js';
import { along, type Axis } from './op.js';
import { registerOp } from './registry.js';
import { broadcastTo, permute, reshape, slice, swapaxes, unsqueeze } from './shape.js';
import { gather } from './indexing.js';
import { flip, pad, triu } from './manipulation.js';
import { ones } from './creation.js';
import { div, mul, sub, where } from './arith.js';
import { abs, exp } from './unary.js';
import { finish, max, min, reduceRaw, sum } from './reduce.js';

export type { SortOptions, TopkOptions };

/** The tensor and axis a scan runs over: without an axis, the flattened tensor (numpy's rule). */
function scanned(x: Tensor, axis: number | undefined, op: string): [Tensor, number] {
  return axis === undefined ? [reshape(x, [x.size]), 0] : [x, normalizeAxis(axis, x.ndim, op)];
}

/** Runs a scan kernel along axis a into a new tensor of t's shape and dtype. */
function runScan(t: Tensor, a: number, kernel: 'cumsumAxis' | 'cumprodAxis' | 'logcumsumexpAxis'): Tensor {
  const out = alloc(t.shape, t.dtype);
  backend()[kernel](t.data, ...around(t.shape, a), out.data);
  return out;
}

/** Sums from each position to the end of the axis (cumsum's backward). */
const reverseCumsum = (g: Tensor, a: number) => flip(cumsum(flip(g, a), a), a);

/** The product of the elements before each position along the last axis (1 at the first). */
function exclusiveCumprod(t: Tensor): Tensor {
  const n = t.shape[t.ndim - 1];
  return slice(pad(cumprod(t, -1), [1, 0], { value: 1 }), ['...', [0, n]]);
}

/**
 * An int32 result computed in float64 and refused (ValueError) when int32 cannot hold it, as int32 sum does;
 * int32 never requires grad, so nothing is recorded.
 */
function viaFloat64(x: Tensor, op: string, f: (t: Tensor) => Tensor): Tensor {
  const wide = f(x.astype('float64'));
  checkInt32(wide.data, op, `: compute in float64 instead (x.astype('float64').${op}(...))`);
  return wide.astype('int32');
}

const CUMSUM_OP = registerOp('cumsum', true);
/** Running sums along `axis` (of the flattened tensor when undefined, as numpy). */
export function cumsum(x: Tensor, axis?: number): Tensor {
  if (!isFloat(x.dtype)) return viaFloat64(x, 'cumsum', (t) => cumsum(t, axis));
  const [t, a] = scanned(x, axis, 'cumsum');
  return record(CUMSUM_OP, runScan(t, a, 'cumsumAxis'), [t], (g) => [reverseCumsum(g, a)]);
}

const CUMPROD_OP = registerOp('cumprod', true);
/** Running products along `axis` (of the flattened tensor when undefined); the gradient is exact at zeros too. */
export function cumprod(x: Tensor, axis?: number): Tensor {
  if (!isFloat(x.dtype)) return viaFloat64(x, 'cumprod', (t) => cumprod(t, axis));
  const [t, a] = scanned(x, axis, 'cumprod');
  const out = runScan(t, a, 'cumprodAxis');
  return record(CUMPROD_OP, out, [t], (g) => [cumprodGrad(t, g, out, a)]);
}

/**
 * d/dx_k of sum_i g_i out_i = sum_{i>=k} g_i prod_{j<=i, j!=k} x_j. While every product is a normal number (no
 * zero, no underflow) that is reverseCumsum(g out) / x; else prod_{j<k} x_j times sum_{i>=k} g_i prod_{k<j<=i} x_j,
 * the latter from an n x n cumprod per row (no division).
 */
function cumprodGrad(x: Tensor, g: Tensor, out: Tensor, a: number): Tensor {
  const smallestNormal = x.dtype === 'float32' ? 2 ** -126 : 2 ** -1022;
  if (x.size === 0 || min(abs(out.detach())).item() >= smallestNormal) return div(reverseCumsum(mul(g, out), a), x);
  const last = x.ndim - 1;
  const xl = swapaxes(x, a, last), gl = swapaxes(g, a, last);
  const n = x.shape[a];
  const square = ones([n, n], { dtype: x.dtype });
  // X[.., k, j] = x_j for j > k, else 1; its cumprod over j is prod_{k<j<=i} x_j at [k, i]
  const later = unsqueeze(xl, -2);
  const partial = cumprod(where(triu(square, 1), broadcastTo(later, [...xl.shape.slice(0, -1), n, n]), 1), -1);
  const s = sum(mul(mul(partial, unsqueeze(gl, -2)), triu(square)), -1);
  return swapaxes(mul(exclusiveCumprod(xl), s), a, last);
}

const PROD_OP = registerOp('prod', true);
/** The product over `axis` (all axes when undefined). Its gradient is the product of the other elements, so it is exact at zeros. */
export function prod(x: Tensor, axis?: Axis, keepdims = false): Tensor {
  if (!isFloat(x.dtype)) return viaFloat64(x, 'prod', (t) => prod(t, axis, keepdims));
  const axes = normalizeAxes(axis, x.ndim, 'prod');
  const kept = reduceRaw(x, axes, 'prodAxis');
  const out = finish(kept, x, axes, keepdims);
  return record(PROD_OP, out, [x], (g) => [mul(broadcastTo(reshape(g, kept.shape), x.shape), productOfOthers(x, axes))]);
}

/** For each element, the product of the others in its reduction: exclusive cumprods from both ends, multiplied. */
function productOfOthers(x: Tensor, axes: readonly number[]): Tensor {
  const rest = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...rest, ...axes];
  const moved = permute(x, perm);
  const flat = reshape(moved, [...rest.map((i) => x.shape[i]), sizeOf(axes.map((i) => x.shape[i]))]);
  if (x.size === 0) return alloc(x.shape, x.dtype);
  const others = mul(exclusiveCumprod(flat), flip(exclusiveCumprod(flip(flat, -1)), -1));
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return permute(reshape(others, moved.shape), inverse);
}

const LOGCUMSUMEXP_OP = registerOp('logcumsumexp', true);
/** Running log(sum(exp(x))) along `axis`, each step a stable logaddexp (float results). */
export function logcumsumexp(x: Tensor, axis?: number): Tensor {
  const [t0, a] = scanned(x, axis, 'logcumsumexp');
  const t = isFloat(t0.dtype) ? t0 : t0.astype('float32');
  const out = runScan(t, a, 'logcumsumexpAxis');
  // d/dx_k = sum_{i>=k} g_i e^(x_k - out_i) = e^(x_k - m) * reverseCumsum(g e^(m - out)) with m the row's max (a constant)
  return record(LOGCUMSUMEXP_OP, out, [t], (g) => {
    const m = t.size === 0 ? alloc(t.shape, t.dtype) : max(t.detach(), a, true);
    backend().zeroNonFinite(m.data);
    return [mul(exp(sub(t, m)), reverseCumsum(mul(g, exp(sub(m, out))), a))];
  });
}

function cumExtremum(op: string, sign: 1 | -1, x: Tensor, axis: number): [Tensor, Tensor] {
  const a = normalizeAxis(axis, x.ndim, op);
  const at = alloc(x.shape, 'int32');
  backend().cumExtremumAxis(x.data, ...around(x.shape, a), at.data as Int32Array, sign);
  return [gather(x, at, a), at];
}

registerOp('cummax', true);
/** [running max along axis, its positions] (the latest of equal values; a NaN, once met, stays), as PyTorch. */
export function cummax(x: Tensor, axis: number): [Tensor, Tensor] {
  return cumExtremum('cummax', 1, x, axis);
}

registerOp('cummin', true);
/** [running min along axis, its positions], as cummax. */
export function cummin(x: Tensor, axis: number): [Tensor, Tensor] {
  return cumExtremum('cummin', -1, x, axis);
}

/** The positions that sort x along axis a (stable), int32. */
function order(x: Tensor, a: number, descending: boolean): Tensor {
  const at = alloc(x.shape, 'int32');
  backend().sortAxis(x.data, ...around(x.shape, a), at.data as Int32Array, descending);
  return at;
}

function sortOptions(options: SortOptions | boolean | undefined): boolean {
  return typeof options === 'boolean' ? options : (options?.descending ?? false);
}

/**
 * A 0-d tensor sorts as one element (PyTorch allows it; the axis must still be 0 or -1): x as [1] then, the axis,
 * and what gives the results back x's rank.
 */
function atLeast1d(x: Tensor, axis: number, op: string): [Tensor, number, (r: Tensor) => Tensor] {
  if (x.ndim > 0) return [x, normalizeAxis(axis, x.ndim, op), (r) => r];
  normalizeAxis(axis, 1, op);
  return [reshape(x, [1]), 0, (r) => reshape(r, [])];
}

registerOp('sort', true);
/**
 * [values, positions] sorted along `axis` (default the last), ascending or `{ descending: true }` (PyTorch's
 * sort; numpy's returns the values only). Always stable: equal values keep their order (`stable` is accepted
 * for PyTorch's call form). NaN sorts above everything.
 */
export function sort(x: Tensor, axis = -1, options?: SortOptions | boolean): [Tensor, Tensor] {
  const [t, a, back] = atLeast1d(x, axis, 'sort');
  const at = order(t, a, sortOptions(options));
  return [back(gather(t, at, a)), back(at)];
}

registerOp('argsort', false);
/** The positions that sort x along `axis` (default the last), int32; stable (see sort). */
export function argsort(x: Tensor, axis = -1, options?: SortOptions | boolean): Tensor {
  const [t, a, back] = atLeast1d(x, axis, 'argsort');
  return back(order(t, a, sortOptions(options)));
}

registerOp('topk', true);
/**
 * [values, positions] of the k largest (or, `largest: false`, smallest) along `axis` (default the last): largest
 * first (smallest first), or with `sorted: false` in the order they stand in x (by position: PyTorch leaves
 * that order unspecified; ours is this one, on every backend). PyTorch's call form topk(x, k, axis, largest,
 * sorted) works too.
 */
export function topk(x: Tensor, k: number, axis = -1, options: TopkOptions | boolean = {}, sorted?: boolean): [Tensor, Tensor] {
  const largest = typeof options === 'boolean' ? options : (options.largest ?? true);
  const inOrder = (typeof options === 'boolean' ? sorted : options.sorted) ?? true;
  const [t, a, back] = atLeast1d(x, axis, 'topk');
  const len = t.shape[a];
  if (!Number.isInteger(k) || k < 0 || k > len) {
    throw new ValueError(`topk: k must be an integer from 0 to ${len} (the length of axis ${a} of shape ${fmt(x.shape)}), got ${String(k)}`);
  }
  let first = slice(order(t, a, largest), along(t.shape, a, 0, k));
  if (!inOrder) first = gather(first, order(first, a, false), a); // the chosen positions, ascending
  return [back(gather(t, first, a)), back(first)];
}

registerOp('median', true);
/**
 * The lower median (PyTorch's: the smaller middle value of an even count; NaN if there is one). Without an axis,
 * of all elements, as a 0-d tensor; with one, [values, positions] along it.
 */
export function median(x: Tensor): Tensor;
export function median(x: Tensor, axis: number, keepdims?: boolean): [Tensor, Tensor];
export function median(x: Tensor, axis?: number, keepdims = false): Tensor | [Tensor, Tensor] {
  if (axis === undefined) {
    if (x.size === 0) throw new ValueError(`median: an empty tensor (shape ${fmt(x.shape)}) has no median`);
    return reshape(median(reshape(x, [x.size]), 0)[0], []);
  }
  const [t, a] = atLeast1d(x, axis, 'median');
  if (t.shape[a] === 0) throw new ValueError(`median: axis ${a} of shape ${fmt(x.shape)} is empty`);
  const at = alloc(t.shape.map((d, i) => (i === a ? 1 : d)), 'int32');
  backend().medianAxis(t.data, ...around(t.shape, a), at.data as Int32Array);
  const values = gather(t, at, a);
  if (keepdims && t === x) return [values, at];
  const shape = x.shape.filter((_, i) => i !== a);
  return [reshape(values, shape), reshape(at, shape)];
}
