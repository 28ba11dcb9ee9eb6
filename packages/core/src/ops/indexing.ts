// Ops that select elements by integer indices: gather, take, pick, oneHot.
import { type DType, checkDtype, getDefaultDtype } from '../dtype.js';
import { DTypeError, IndexError, ShapeError } from '../errors.js';
import { record } from '../autograd.js';
import { around, fmt, normalizeAxis, type Shape } from '../shape.js';
import { Tensor, alloc } from '../tensor.js';
import { backend } from '../backend.js';
import { registerOp } from './registry.js';
import { reshape, slice } from './shape.js';

/** Int32 index values, from an int32 tensor or an array of integers. */
export function indexTensor(indices: Tensor | readonly number[], op: string): Tensor {
  if (indices instanceof Tensor) {
    if (indices.dtype !== 'int32') throw new DTypeError(`${op}: indices must be an int32 tensor, got ${indices.dtype}`);
    return indices;
  }
  if (!Array.isArray(indices) || indices.some((v) => !Number.isInteger(v))) {
    throw new DTypeError(`${op}: indices must be an int32 tensor or an array of integers`);
  }
  // Int32Array.from would wrap 2^32 to 0; no axis is that long, so such an index is out of range
  const i = indices.findIndex((v) => v < -(2 ** 31) || v >= 2 ** 31);
  if (i >= 0) throw new IndexError(`${op}: index ${indices[i]} at position ${i} is out of range (indices must be in [-2^31, 2^31))`);
  return new Tensor(Int32Array.from(indices), [indices.length], 'int32');
}

/** Checks every index is in [-len, len) and returns them with negatives wrapped. */
export function checkedIndices(index: Tensor, len: number, op: string): Int32Array {
  const src = index.data as Int32Array;
  let out = src;
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (v < -len || v >= len) throw new IndexError(`${op}: index ${v} at position ${i} is out of range for an axis of length ${len}`);
    if (v < 0) {
      if (out === src) out = src.slice();
      out[i] = v + len;
    }
  }
  return out;
}

const GATHER_OP = registerOp('gather', true);
/**
 * out[..., j, ...] = x[..., index[..., j, ...], ...] along `axis` (PyTorch's gather, numpy's take_along_axis):
 * index has x's number of dimensions, and along the other axes at most x's length (as PyTorch, the
 * leading part of x is read).
 */
export function gather(x: Tensor, index: Tensor, axis: number): Tensor {
  const a = normalizeAxis(axis, x.ndim, 'gather');
  const idx = indexTensor(index, 'gather');
  if (idx.ndim !== x.ndim || idx.shape.some((d, i) => i !== a && d > x.shape[i])) {
    throw new ShapeError(`gather: index shape ${fmt(idx.shape)} must not exceed the input shape ${fmt(x.shape)} except along axis ${a}`);
  }
  const positions = checkedIndices(idx, x.shape[a], 'gather');
  const smaller = idx.shape.some((d, i) => i !== a && d < x.shape[i]);
  // the part of x the index reaches, cut by a (differentiable) slice
  const part = smaller ? slice(x, idx.shape.map((d, i) => (i === a ? null : [0, d] as const))) : x;
  return gatherAt(part, positions, idx.shape, a);
}

function gatherAt(x: Tensor, positions: Int32Array, shape: Shape, a: number): Tensor {
  const out = alloc(shape, x.dtype);
  backend().gather(x.data, ...around(x.shape, a), positions, shape[a], out.data);
  return record(GATHER_OP, out, [x], (g) => [scatterAddAt(g, positions, x.shape, a)]);
}

const GATHER_BACKWARD_OP = registerOp('gatherBackward', true);
export function scatterAddAt(g: Tensor, positions: Int32Array, shape: Shape, a: number): Tensor {
  const out = alloc(shape, g.dtype);
  backend().scatterAdd(g.data, ...around(shape, a), positions, g.shape[a], out.data);
  return record(GATHER_BACKWARD_OP, out, [g], (gg) => [gatherAt(gg, positions, g.shape, a)]);
}

const TAKE_OP = registerOp('take', true);
/**
 * Selects whole slices along `axis` by 1-D indices (numpy's take, PyTorch's index_select). With no axis,
 * indexes the flattened tensor, as numpy does.
 */
export function take(x: Tensor, indices: Tensor | readonly number[], axis?: number): Tensor {
  const idx = indexTensor(indices, 'take');
  if (idx.ndim !== 1) throw new ShapeError(`take: indices must be 1-D, got shape ${fmt(idx.shape)}`);
  if (axis === undefined) return take(reshape(x, [x.size]), idx, 0);
  const a = normalizeAxis(axis, x.ndim, 'take');
  return takeAt(x, checkedIndices(idx, x.shape[a], 'take'), a);
}

function takeAt(x: Tensor, positions: Int32Array, a: number): Tensor {
  const shape = x.shape.slice();
  shape[a] = positions.length;
  const out = alloc(shape, x.dtype);
  backend().take(x.data, ...around(x.shape, a), positions, out.data);
  return record(TAKE_OP, out, [x], (g) => [takeAddAt(g, positions, x.shape, a)]);
}

const TAKE_BACKWARD_OP = registerOp('takeBackward', true);
export function takeAddAt(g: Tensor, positions: Int32Array, shape: Shape, a: number): Tensor {
  const out = alloc(shape, g.dtype);
  backend().takeAdd(g.data, ...around(shape, a), positions, out.data);
  return record(TAKE_BACKWARD_OP, out, [g], (gg) => [takeAt(gg, positions, a)]);
}

registerOp('pick', true);
/**
 * One value per row: out[i] = x[i, labels[i]] for x of shape [n, c] and n int labels — the notebook's
 * `y_pred[range(n), y_true]`.
 */
export function pick(x: Tensor, labels: Tensor | readonly number[]): Tensor {
  const y = indexTensor(labels, 'pick');
  if (x.ndim !== 2) throw new ShapeError(`pick: expects a 2-D tensor [samples, classes], got shape ${fmt(x.shape)}`);
  if (y.ndim !== 1 || y.size !== x.shape[0]) {
    throw new ShapeError(`pick: needs one label per row: ${x.shape[0]} rows but labels of shape ${fmt(y.shape)}`);
  }
  const c = x.shape[1];
  const src = y.data as Int32Array;
  for (let i = 0; i < src.length; i++) {
    if (src[i] < 0 || src[i] >= c) throw new IndexError(`pick: label ${src[i]} in row ${i} is out of range for ${c} classes`);
  }
  return reshape(gatherAt(x, src, [x.shape[0], 1], 1), [x.shape[0]]);
}

registerOp('oneHot', false);
/** labels (int32, any shape) to one-hot vectors along a new last axis of length numClasses. */
export function oneHot(labels: Tensor | readonly number[], numClasses: number, dtype: DType = getDefaultDtype()): Tensor {
  checkDtype(dtype, 'oneHot');
  const y = indexTensor(labels, 'oneHot');
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new ShapeError(`oneHot: numClasses must be a positive integer, got ${numClasses}`);
  const src = y.data as Int32Array;
  const out = alloc([...y.shape, numClasses], dtype);
  for (let i = 0; i < src.length; i++) {
    if (src[i] < 0 || src[i] >= numClasses) throw new IndexError(`oneHot: label ${src[i]} at position ${i} is out of range for ${numClasses} classes`);
  }
  backend().oneHot(src, numClasses, out.data);
  return out;
}
