// Ops that rearrange elements: reshape, broadcast, transpose, slice, concat.
import { promote } from '../dtype.js';
import { IndexError, ShapeError, ValueError } from '../errors.js';
import { record } from '../autograd.js';
import { around, broadcastShapes, broadcastStrides, checkShape, fmt, normalizeAxes, normalizeAxis, sameShape, sizeOf, stridesOf, type Shape, type SliceSpec } from '../shape.js';
import { Tensor, alloc, wrap } from '../tensor.js';
import { backend } from '../backend.js';
import { along, checkTensor, dimsOf, show, sumToShape, type Axis, type Dims } from './op.js';
import { registerOp } from './registry.js';

const RESHAPE_OP = registerOp('reshape', true);
/** Same values, new shape (one array, or numbers); one dimension may be -1 (inferred). Shares the values with x. */
export function reshape(x: Tensor, ...dims: Dims): Tensor {
  const shape = dimsOf('reshape', dims);
  const target = inferShape(x, shape);
  if (sameShape(target, x.shape)) return x;
  const out = wrap(x.data, target, x.dtype); // inferShape checked target against x.size
  // an owned g reshaped is still the walk's alone (the same values, and g is dropped after this backward)
  return record(RESHAPE_OP, out, [x], (g, ctx) => [ctx.owned ? ctx.fresh(reshape(g, x.shape)) : reshape(g, x.shape)]);
}

function inferShape(x: Tensor, shape: readonly number[]): number[] {
  const free = shape.indexOf(-1);
  if (free !== shape.lastIndexOf(-1)) throw new ShapeError(`reshape: only one dimension can be -1, got ${fmt(shape)}`);
  const known = shape.filter((d, i) => i !== free);
  checkShape(known, 'reshape');
  const rest = sizeOf(known);
  const out = shape.slice();
  if (free >= 0 ? rest === 0 || x.size % rest !== 0 : rest !== x.size) {
    throw new ShapeError(`reshape: cannot reshape a tensor of shape ${fmt(x.shape)} (${x.size} elements) into ${fmt(shape)}${free >= 0 ? '' : ` (${rest} elements)`}`);
  }
  if (free >= 0) out[free] = x.size / rest;
  return out;
}

/** Merges axes startAxis..endAxis (inclusive) into one; by default all of them. */
export function flatten(x: Tensor, startAxis = 0, endAxis = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeAxis(startAxis, x.ndim, 'flatten');
  const e = normalizeAxis(endAxis, x.ndim, 'flatten');
  if (s > e) throw new IndexError(`flatten: startAxis ${startAxis} comes after endAxis ${endAxis}`);
  return reshape(x, [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)]);
}

/** Removes axes of length 1 (all of them, or the given ones, which must have length 1). */
export function squeeze(x: Tensor, axis?: Axis): Tensor {
  const axes = axis === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes(axis, x.ndim, 'squeeze');
  for (const a of axes) {
    if (x.shape[a] !== 1) throw new ShapeError(`squeeze: axis ${a} of shape ${fmt(x.shape)} has length ${x.shape[a]}, not 1`);
  }
  return reshape(x, x.shape.filter((_, i) => !axes.includes(i)));
}

/** Inserts an axis of length 1 at position axis (which may be -1 for last). */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis(axis, x.ndim + 1, 'unsqueeze');
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

const BROADCAST_TO_OP = registerOp('broadcastTo', true);
/** x repeated along axes of length 1 (and new leading axes) to `shape`, as numpy's broadcast_to (a copy). */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  checkShape(shape, 'broadcastTo');
  if (!sameShape(broadcastShapes(x.shape, shape, 'broadcastTo'), shape)) {
    throw new ShapeError(`broadcastTo: shape ${fmt(x.shape)} cannot be broadcast to ${fmt(shape)}`);
  }
  if (sameShape(x.shape, shape)) return x;
  const out = alloc(shape, x.dtype);
  backend().stridedCopy(x.data, 0, broadcastStrides(x.shape, shape), shape, out.data);
  return record(BROADCAST_TO_OP, out, [x], (g) => [sumToShape(g, x.shape)]);
}

/**
 * numpy's transpose(x, axes) and PyTorch's transpose(x, dim0, dim1): with one array, out axis i is x axis
 * axes[i]; with two numbers, those two axes swap; with neither, all axes are reversed.
 */
export function transpose(x: Tensor, ...args: [] | [readonly number[] | undefined] | [number, number]): Tensor {
  if (args.length === 2 && typeof args[0] === 'number' && typeof args[1] === 'number') return swapaxes(x, args[0], args[1]);
  if (args.length === 0 || (args.length === 1 && (args[0] === undefined || Array.isArray(args[0])))) return permute(x, args[0] as readonly number[] | undefined);
  throw new ValueError(
    `transpose: expected transpose(x) (all axes reversed), transpose(x, [1, 0, 2]) (a permutation) or transpose(x, 0, 2) (two axes swapped), got (${args.map(show).join(', ')})`,
  );
}

/** The axes as one array or as numbers: `permute(x, [2, 0, 1])` or `permute(x, 2, 0, 1)` (PyTorch's). */
export function permute(x: Tensor, ...axes: Dims | [undefined]): Tensor {
  return permuteAxes(x, axes.length === 1 && axes[0] === undefined ? undefined : dimsOf('permute', axes));
}

const TRANSPOSE_OP = registerOp('transpose', true);
function permuteAxes(x: Tensor, axes: readonly number[] | undefined): Tensor {
  const perm = axes === undefined ? x.shape.map((_, i) => x.ndim - 1 - i) : axes.map((a) => normalizeAxis(a, x.ndim, 'transpose'));
  if (perm.length !== x.ndim || new Set(perm).size !== perm.length) {
    throw new ShapeError(`transpose: axes [${axes?.join(', ')}] are not a permutation of the ${x.ndim} axes of shape ${fmt(x.shape)}`);
  }
  if (perm.every((p, i) => p === i) || x.size <= 1) return reshape(x, perm.map((p) => x.shape[p]));
  const out = alloc(perm.map((p) => x.shape[p]), x.dtype);
  backend().permute(x.data, x.shape, perm, out.data);
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => (inverse[p] = i));
  return record(TRANSPOSE_OP, out, [x], (g) => [permuteAxes(g, inverse)]);
}

/** Swaps two axes. */
export function swapaxes(x: Tensor, a: number, b: number): Tensor {
  const perm = x.shape.map((_, i) => i);
  const i = normalizeAxis(a, x.ndim, 'swapaxes'), j = normalizeAxis(b, x.ndim, 'swapaxes');
  [perm[i], perm[j]] = [perm[j], perm[i]];
  return permuteAxes(x, perm);
}

export type { SliceSpec };

/** A strided window into a row-major buffer: what slice reads and its backward writes. */
interface View {
  readonly offset: number;
  readonly strides: readonly number[];
  readonly shape: readonly number[];
}

/** Throws a ValueError unless `spec` is one of SliceSpec's forms (anything else would select the whole axis). */
function checkSliceSpec(spec: unknown, d: number): void {
  if (spec === null || spec === undefined || typeof spec === 'number') return;
  if (Array.isArray(spec) ? spec.length <= 3 : typeof spec === 'object' && Object.keys(spec).every((k) => k === 'start' || k === 'stop' || k === 'step')) {
    return; // the bounds and the step are checked where they are used
  }
  const got = Array.isArray(spec) ? `an array of ${spec.length}` : typeof spec === 'object' ? `an object with keys ${Object.keys(spec).join(', ')}` : `${typeof spec} ${String(spec)}`;
  throw new ValueError(`slice: spec for axis ${d} must be an index, null, [start, stop, step], { start, stop, step }, 'newaxis' or '...', got ${got}`);
}

function sliceView(x: Tensor, specs: readonly AxisSpec[]): View {
  specs.forEach(checkSliceSpec);
  if (specs.length > x.ndim) throw new IndexError(`slice: ${specs.length} slice specs for a tensor of ${x.ndim} dimensions (shape ${fmt(x.shape)})`);
  const xStrides = stridesOf(x.shape);
  let offset = 0;
  const strides: number[] = [];
  const shape: number[] = [];
  for (let d = 0; d < x.ndim; d++) {
    const spec = d < specs.length ? specs[d] : null;
    const n = x.shape[d];
    if (typeof spec === 'number') {
      if (!Number.isInteger(spec) || spec < -n || spec >= n) throw new IndexError(`slice: index ${spec} is out of range for axis ${d} of length ${n}`);
      offset += (spec < 0 ? spec + n : spec) * xStrides[d];
      continue;
    }
    const [start, stop, step] = spec === null || spec === undefined ? [] : Array.isArray(spec) ? spec : [(spec as any).start, (spec as any).stop, (spec as any).step];
    const st = step ?? 1;
    if (!Number.isInteger(st) || st === 0) throw new ValueError(`slice: step must be a nonzero integer, got ${st} for axis ${d}`);
    const clampIndex = (v: number | undefined, dflt: number, lo: number, hi: number) => {
      if (v === undefined || v === null) return dflt;
      if (!Number.isInteger(v)) throw new ValueError(`slice: bounds must be integers, got ${v} for axis ${d}`);
      const w = v < 0 ? v + n : v;
      return Math.min(Math.max(w, lo), hi);
    };
    const b = st > 0 ? clampIndex(start, 0, 0, n) : clampIndex(start, n - 1, -1, n - 1);
    const e = st > 0 ? clampIndex(stop, n, 0, n) : clampIndex(stop, -1, -1, n - 1);
    const len = Math.max(0, Math.ceil((e - b) / st));
    if (len > 0) offset += b * xStrides[d];
    strides.push(st * xStrides[d]);
    shape.push(len);
  }
  return { offset, strides, shape };
}

const SLICE_OP = registerOp('slice', true);
/** Python-style slicing, one spec per leading axis (see SliceSpec). Returns a copy. */
export function slice(x: Tensor, specs: readonly SliceSpec[]): Tensor {
  if (!Array.isArray(specs)) throw new ValueError(`slice: expects an array of slice specs, one per leading axis (e.g. [0, [1, 3]]), got ${typeof specs} ${String(specs)}`);
  if (!specs.some((s) => s === 'newaxis' || s === '...')) return readView(x, sliceView(x, specs as readonly AxisSpec[]));
  const ellipses = specs.filter((s) => s === '...').length;
  const real = specs.filter((s) => s !== 'newaxis' && s !== '...').length;
  if (ellipses > 1) throw new IndexError(`slice: at most one '...' in the specs, got ${ellipses}`);
  // more specs than axes: sliceView says so (the '...' standing for no axis)
  const expanded = specs.flatMap((s) => (s === '...' ? new Array<null>(Math.max(0, x.ndim - real)).fill(null) : [s]));
  const out = readView(x, sliceView(x, expanded.filter((s): s is AxisSpec => s !== 'newaxis')));
  // the sliced shape with a 1 at each 'newaxis' (numbers drop their axis; axes after the specs stay)
  const shape: number[] = [];
  let k = 0;
  for (const s of expanded) {
    if (s === 'newaxis') shape.push(1);
    else if (typeof s !== 'number') shape.push(out.shape[k++]);
  }
  return reshape(out, [...shape, ...out.shape.slice(k)]);
}

/** A spec that selects along one axis of x (not 'newaxis' or '...'). */
type AxisSpec = Exclude<SliceSpec, 'newaxis' | '...'>;

function readView(x: Tensor, view: View): Tensor {
  const out = alloc(view.shape, x.dtype);
  if (out.size > 0) backend().stridedCopy(x.data, view.offset, view.strides, view.shape, out.data);
  return record(SLICE_OP, out, [x], (g) => [writeView(g, x.shape, view)]);
}

const SLICE_BACKWARD_OP = registerOp('sliceBackward', true);
/** Zeros of `shape` with g added at the view's positions: the backward of slice (and differentiable itself). */
function writeView(g: Tensor, shape: Shape, view: View): Tensor {
  const out = alloc(shape, g.dtype);
  if (g.size > 0) backend().stridedAdd(g.data, out.data, view.offset, view.strides, view.shape);
  return record(SLICE_BACKWARD_OP, out, [g], (gg) => [readView(gg, view)]);
}

const CONCAT_OP = registerOp('concat', true);
/** Joins tensors along an existing axis; the other dimensions must match. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(tensors as unknown)) throw new ValueError(`concat: expects an array of tensors, got ${typeof tensors}`);
  tensors.forEach((t, i) => checkTensor(t, 'concat', `element ${i}`));
  if (tensors.length === 0) throw new ValueError('concat: needs at least one tensor');
  const first = tensors[0];
  const a = normalizeAxis(axis, first.ndim, 'concat');
  let total = 0;
  let dtype = first.dtype;
  for (const t of tensors) {
    if (t.ndim !== first.ndim || t.shape.some((d, i) => i !== a && d !== first.shape[i])) {
      throw new ShapeError(`concat: along axis ${a}, shapes ${tensors.map((u) => fmt(u.shape)).join(', ')} differ in another dimension`);
    }
    total += t.shape[a];
    dtype = promote(dtype, t.dtype);
  }
  const shape = first.shape.slice();
  shape[a] = total;
  const out = alloc(shape, dtype);
  const starts: number[] = [];
  let at = 0;
  for (const t of tensors) {
    const data = t.dtype === dtype ? t.data : t.astype(dtype).data;
    backend().copyBlock(data, ...around(t.shape, a), out.data, at, total);
    starts.push(at);
    at += t.shape[a];
  }
  return record(CONCAT_OP, out, tensors, (g) =>
    tensors.map((t, i) => (t.requiresGrad ? slice(g, along(shape, a, starts[i], starts[i] + t.shape[a])) : null)),
  );
}

/** Joins tensors of the same shape along a new axis. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new ValueError('stack: needs at least one tensor');
  const shape = tensors[0].shape;
  for (const t of tensors) {
    if (!sameShape(t.shape, shape)) throw new ShapeError(`stack: all tensors need the same shape, got ${tensors.map((u) => fmt(u.shape)).join(', ')}`);
  }
  const a = normalizeAxis(axis, shape.length + 1, 'stack');
  return concat(tensors.map((t) => unsqueeze(t, a)), a);
}
