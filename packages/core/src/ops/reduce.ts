// Reductions over axes (numpy's axis / keepdims conventions).
import { checkInt32, getDefaultDtype, isFloat } from '../dtype.js';
import { ValueError } from '../errors.js';
import { type OpName, record } from '../autograd.js';
import { around, normalizeAxes, normalizeAxis, sizeOf, fmt, type Shape } from '../shape.js';
import { alloc, type Tensor } from '../tensor.js';
import { backend } from '../backend.js';
import { type Axis } from './op.js';
import { registerOp } from './registry.js';
import { reshape, broadcastTo } from './shape.js';
import { mul, div, sub, add, eq } from './arith.js';
import { exp, log } from './unary.js';

/** The shape with the reduced axes kept as 1. */
function keptShape(shape: Shape, axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function droppedShape(shape: Shape, axes: readonly number[]): number[] {
  return shape.filter((_, i) => !axes.includes(i));
}

/**
 * Reduces x over `axes` with the backend's one-axis kernel `kernel` (`sign` is extremumAxis's: 1 max, -1 min; the
 * others take no such argument), one contiguous run of axes at a time (last run first); returns the result with
 * the reduced axes kept as 1.
 * (@internal: also prod's, ops/scan.ts)
 */
export function reduceRaw(x: Tensor, axes: readonly number[], kernel: 'sumAxis' | 'prodAxis' | 'extremumAxis', sign: 1 | -1 = 1): Tensor {
  let cur = x;
  let shape = x.shape.slice();
  let end = axes.length;
  while (end > 0) {
    let start = end - 1;
    while (start > 0 && axes[start - 1] === axes[start] - 1) start--;
    const first = axes[start], last = axes[end - 1];
    const outer = sizeOf(shape.slice(0, first));
    const len = sizeOf(shape.slice(first, last + 1));
    const inner = sizeOf(shape.slice(last + 1));
    for (let a = first; a <= last; a++) shape[a] = 1;
    const out = alloc(shape, x.dtype);
    backend()[kernel](cur.data, outer, len, inner, out.data, sign);
    cur = out;
    end = start;
  }
  if (cur !== x) return cur;
  const copy = alloc(shape, x.dtype); // no axes to reduce
  copy.data.set(x.data);
  return copy;
}

export function finish(kept: Tensor, x: Tensor, axes: readonly number[], keepdims: boolean): Tensor {
  return keepdims ? kept : reshape(kept, droppedShape(x.shape, axes));
}

const SUM_OP = registerOp('sum', true);
/**
 * Sum over `axis` (all axes when undefined). The sum of int32, uint8 or bool (a count) is int32: it sums in
 * float64 (exact to 2^53) and a ValueError refuses a result int32 cannot hold (PyTorch and numpy would return
 * int64, which tensorgrad does not have).
 */
export function sum(x: Tensor, axis?: Axis, keepdims = false): Tensor {
  const axes = normalizeAxes(axis, x.ndim, 'sum');
  if (!isFloat(x.dtype)) {
    const wide = reduceRaw(x.astype('float64'), axes, 'sumAxis');
    checkInt32(wide.data, 'sum', ": sum in float64 instead (x.astype('float64').sum())");
    return finish(wide.astype('int32'), x, axes, keepdims); // ints never require grad: nothing to record
  }
  const kept = reduceRaw(x, axes, 'sumAxis');
  const out = finish(kept, x, axes, keepdims);
  return record(SUM_OP, out, [x], (g) => [broadcastTo(reshape(g, kept.shape), x.shape)]);
}

registerOp('mean', true);
export function mean(x: Tensor, axis?: Axis, keepdims = false): Tensor {
  const axes = normalizeAxes(axis, x.ndim, 'mean');
  const count = sizeOf(axes.map((a) => x.shape[a]));
  const s = sum(isFloat(x.dtype) ? x : x.astype(getDefaultDtype()), axes, keepdims);
  return div(s, count);
}

/** max (op 'max', sign 1) or min (op 'min', sign -1) over axes. */
function extremum(op: OpName, sign: 1 | -1, x: Tensor, axis: Axis | undefined, keepdims: boolean): Tensor {
  const axes = normalizeAxes(axis, x.ndim, op);
  for (const a of axes) {
    if (x.shape[a] === 0) throw new ValueError(`${op}: cannot reduce over axis ${a} of length 0 (shape ${fmt(x.shape)}): there is no identity`);
  }
  const kept = reduceRaw(x, axes, 'extremumAxis', sign);
  const out = finish(kept, x, axes, keepdims);
  // The gradient goes to the elements equal to the result, shared evenly between ties.
  return record(op, out, [x], (g) => {
    const hit = eq(x, broadcastTo(kept, x.shape)).astype(x.dtype); // in x's dtype: int32 / int32 would divide in float32
    const count = sum(hit, axes, true);
    return [mul(broadcastTo(reshape(g, kept.shape), x.shape), div(hit, broadcastTo(count, x.shape)))];
  });
}

const MAX_OP = registerOp('max', true);
export function max(x: Tensor, axis?: Axis, keepdims = false): Tensor {
  return extremum(MAX_OP, 1, x, axis, keepdims);
}

const MIN_OP = registerOp('min', true);
export function min(x: Tensor, axis?: Axis, keepdims = false): Tensor {
  return extremum(MIN_OP, -1, x, axis, keepdims);
}

registerOp('logsumexp', true);
/** log(sum(exp(x))) over axis, computed stably (shifted by the max). */
export function logsumexp(x: Tensor, axis?: Axis, keepdims = false): Tensor {
  const axes = normalizeAxes(axis, x.ndim, 'logsumexp');
  const m = x.size === 0 ? alloc(keptShape(x.shape, axes), x.dtype) : max(x.detach(), axes, true); // empty: no max to shift by
  backend().zeroNonFinite(m.data); // all -inf (or inf) rows
  const kept = add(log(sum(exp(sub(x, m)), axes, true)), m);
  return finish(kept, x, axes, keepdims);
}

function argExtremum(name: string, sign: 1 | -1, x: Tensor, axis: number | undefined, keepdims: boolean): Tensor {
  if (axis === undefined) {
    if (x.size === 0) throw new ValueError(`${name}: an empty tensor (shape ${fmt(x.shape)}) has no ${sign === 1 ? 'max' : 'min'}`);
    const flat = reshape(x.detach(), [x.size]);
    const out = argExtremum(name, sign, flat, 0, false);
    return keepdims ? reshape(out, x.shape.map(() => 1)) : out;
  }
  const a = normalizeAxis(axis, x.ndim, name);
  if (x.shape[a] === 0) throw new ValueError(`${name}: axis ${a} of shape ${fmt(x.shape)} is empty`);
  const shape = keptShape(x.shape, [a]);
  const out = alloc(shape, 'int32');
  backend().argExtremumAxis(x.data, ...around(x.shape, a), out.data, sign);
  return keepdims ? out : reshape(out, droppedShape(x.shape, [a]));
}

registerOp('argmax', false);
/** Index of the first maximum along axis (of the flattened tensor when axis is undefined), int32. */
export function argmax(x: Tensor, axis?: number, keepdims = false): Tensor {
  return argExtremum('argmax', 1, x, axis, keepdims);
}

registerOp('argmin', false);
export function argmin(x: Tensor, axis?: number, keepdims = false): Tensor {
  return argExtremum('argmin', -1, x, axis, keepdims);
}
