// Shape and indexing ops composed from slice, concat, take, gather, where and reshape: their gradients (of
// every order) are those ops' gradients. Only nonzero reads values to decide a shape (kernels/select.ts).
import { DTypeError, IndexError, ShapeError, ValueError } from '../errors.js';
import { broadcastShapes, fmt, normalizeAxes, normalizeAxis, sameShape, sizeOf, stridesOf, type Shape } from '../shape.js';
import { Tensor, alloc, type IndexSpec, type NestedArray, type NestedInts, type PadMode, type PadOptions } from '../tensor.js';

export type { IndexSpec, PadMode, PadOptions };
import { backend } from '../backend.js';
import { along, asTensor, dimsOf, show, type Axis, type Dims, type Operand } from './op.js';
import { registerOp } from './registry.js';
import { add, ge, le, mul, ne, sub, where, gt } from './arith.js';
import { any } from './statistics.js';
import { sum } from './reduce.js';
import { broadcastTo, concat, reshape, slice, transpose } from './shape.js';
import { checkedIndices, indexTensor, scatterAddAt, take, takeAddAt } from './indexing.js';
import { arange, eye, full, tensor } from './creation.js';

function intArg(v: unknown, op: string, name: string, min = -Infinity): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new ValueError(`${op}: ${name} must be an integer${min > -Infinity ? ` >= ${min}` : ''}, got ${show(v)}`);
  }
  return v;
}

function intList(v: unknown, op: string, name: string, min = -Infinity): number[] {
  const list = typeof v === 'number' ? [v] : v;
  if (!Array.isArray(list)) throw new ValueError(`${op}: ${name} must be an integer or an array of integers, got ${show(v)}`);
  return list.map((n) => intArg(n, op, name, min));
}

// ---------------------------------------------------------------- split, chunk, unflatten

registerOp('split', true);
/**
 * Pieces of x along axis: `sections` a number cuts it into that many equal pieces (numpy's split; the length
 * must divide evenly, see chunk otherwise), an array gives each piece's length (PyTorch's split; they must
 * add up to the axis length).
 */
export function split(x: Tensor, sections: number | readonly number[], axis = 0): Tensor[] {
  const a = normalizeAxis(axis, x.ndim, 'split');
  const n = x.shape[a];
  let sizes: number[];
  if (typeof sections === 'number') {
    const count = intArg(sections, 'split', 'the number of sections', 1);
    if (n % count !== 0) {
      throw new ShapeError(`split: axis ${a} of length ${n} does not split into ${count} equal sections (pass the sizes, or use chunk)`);
    }
    sizes = new Array<number>(count).fill(n / count);
  } else {
    sizes = intList(sections, 'split', 'section sizes', 0);
    const total = sizes.reduce((s, d) => s + d, 0);
    if (total !== n) throw new ShapeError(`split: section sizes [${sizes.join(', ')}] add up to ${total}, not to the length ${n} of axis ${a}`);
  }
  let at = 0;
  return sizes.map((d) => slice(x, along(x.shape, a, at, (at += d))));
}

registerOp('chunk', true);
/** At most `chunks` pieces along axis, each ceil(n / chunks) long but the last (PyTorch's chunk). */
export function chunk(x: Tensor, chunks: number, axis = 0): Tensor[] {
  const a = normalizeAxis(axis, x.ndim, 'chunk');
  const count = intArg(chunks, 'chunk', 'chunks', 1);
  const n = x.shape[a];
  const size = Math.ceil(n / count);
  if (size === 0) return [slice(x, [])];
  const out: Tensor[] = [];
  for (let at = 0; at < n; at += size) out.push(slice(x, along(x.shape, a, at, Math.min(at + size, n))));
  return out;
}

registerOp('unflatten', true);
/** Splits axis into several of the given sizes (one may be -1), the inverse of flatten. */
export function unflatten(x: Tensor, axis: number, sizes: readonly number[]): Tensor {
  const a = normalizeAxis(axis, x.ndim, 'unflatten');
  const dims = intList(sizes, 'unflatten', 'sizes', -1);
  if (dims.length === 0) throw new ShapeError('unflatten: sizes must not be empty');
  const free = dims.indexOf(-1);
  const known = dims.reduce((p, d) => (d === -1 ? p : p * d), 1);
  if (free >= 0 && known !== 0) dims[free] = x.shape[a] / known;
  if (!dims.every((d) => Number.isInteger(d) && d >= 0) || sizeOf(dims) !== x.shape[a]) {
    throw new ShapeError(`unflatten: sizes [${sizes.join(', ')}] do not make the length ${x.shape[a]} of axis ${a} (shape ${fmt(x.shape)})`);
  }
  return reshape(x, [...x.shape.slice(0, a), ...dims, ...x.shape.slice(a + 1)]);
}

// ---------------------------------------------------------------- flip, roll, tile, repeat

registerOp('flip', true);
/** Reverses the order along the given axes (all of them when undefined, as numpy). */
export function flip(x: Tensor, axis?: Axis): Tensor {
  const axes = normalizeAxes(axis, x.ndim, 'flip');
  if (axes.length === 0) return slice(x, []);
  return slice(x, x.shape.map((_, i) => (axes.includes(i) ? ([undefined, undefined, -1] as const) : null)));
}

registerOp('roll', true);
/**
 * Shifts elements along axes, wrapping around: out[(i + shift) mod n] = x[i]. Without an axis, the
 * flattened tensor is rolled and the shape restored (numpy, PyTorch).
 */
export function roll(x: Tensor, shifts: number | readonly number[], axis?: Axis): Tensor {
  const s = intList(shifts, 'roll', 'shifts');
  if (axis === undefined) {
    if (s.length !== 1) throw new ValueError(`roll: without an axis, shifts must be one number, got [${s.join(', ')}]`);
    return reshape(roll(reshape(x, [x.size]), s[0], 0), x.shape);
  }
  const axes = (typeof axis === 'number' ? [axis] : [...axis]).map((a) => normalizeAxis(a, x.ndim, 'roll'));
  if (axes.length !== s.length) throw new ValueError(`roll: ${s.length} shifts for ${axes.length} axes; give one shift per axis`);
  let out = x;
  axes.forEach((a, k) => {
    const n = x.shape[a];
    const r = n === 0 ? 0 : ((s[k] % n) + n) % n;
    if (r !== 0) out = concat([slice(out, along(out.shape, a, n - r, n)), slice(out, along(out.shape, a, 0, n - r))], a);
  });
  return out === x ? slice(x, []) : out;
}

registerOp('tile', true);
/**
 * x repeated reps[i] times along axis i (numpy's tile, PyTorch's tile): shorter reps are padded with leading
 * 1s, and a longer reps gives x leading axes of length 1.
 */
export function tile(x: Tensor, reps: number | readonly number[]): Tensor {
  const r = intList(reps, 'tile', 'reps', 0);
  const nd = Math.max(r.length, x.ndim);
  const rr = [...new Array<number>(nd - r.length).fill(1), ...r];
  const xs = [...new Array<number>(nd - x.ndim).fill(1), ...x.shape];
  // [1, d0, 1, d1, ...] broadcast to [r0, d0, r1, d1, ...]: whole copies of x along each axis
  const spread = reshape(x, xs.flatMap((d) => [1, d]));
  const big = broadcastTo(spread, xs.flatMap((d, i) => [rr[i], d]));
  return reshape(big, xs.map((d, i) => d * rr[i]));
}

registerOp('repeat', true);
/**
 * PyTorch's repeat: x copied sizes[i] times along axis i (one size per axis at least; more add leading
 * axes), as numbers or one array. numpy's repeat (each element repeated) is repeatInterleave.
 */
export function repeat(x: Tensor, ...sizes: Dims): Tensor {
  const r = dimsOf('repeat', sizes);
  if (r.length < x.ndim) {
    throw new ShapeError(`repeat: needs at least one size per axis: ${r.length} sizes for shape ${fmt(x.shape)} (tile pads with 1s)`);
  }
  return tile(x, r);
}

registerOp('repeatInterleave', true);
/**
 * Each element repeated along axis (numpy's repeat, PyTorch's repeat_interleave): `repeats` one number for
 * all, or one per element along the axis. Without an axis the flattened tensor is used.
 */
export function repeatInterleave(x: Tensor, repeats: number | readonly number[] | Tensor, axis?: number): Tensor {
  if (axis === undefined) return repeatInterleave(reshape(x, [x.size]), repeats, 0);
  const a = normalizeAxis(axis, x.ndim, 'repeatInterleave');
  const n = x.shape[a];
  const counts = repeats instanceof Tensor ? Array.from(indexTensor(repeats, 'repeatInterleave').data)
    : typeof repeats === 'number' ? new Array<number>(n).fill(intArg(repeats, 'repeatInterleave', 'repeats', 0))
    : intList(repeats, 'repeatInterleave', 'repeats', 0);
  if (counts.length !== n) throw new ShapeError(`repeatInterleave: ${counts.length} repeats for axis ${a} of length ${n}; give one per element (or one number)`);
  if (counts.some((c) => c < 0)) throw new ValueError(`repeatInterleave: repeats must be >= 0, got [${counts.join(', ')}]`);
  return take(x, counts.flatMap((c, i) => new Array<number>(c).fill(i)), a);
}

// ---------------------------------------------------------------- pad

/** Where each position of a padded axis reads from: n + lo + hi indices into an axis of length n. */
function padIndices(mode: PadMode, n: number, lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let j = -lo; j < n + hi; j++) {
    if (mode === 'reflect') out.push(j < 0 ? -j : j >= n ? 2 * (n - 1) - j : j);
    else if (mode === 'replicate') out.push(Math.min(Math.max(j, 0), n - 1));
    else out.push(((j % n) + n) % n);
  }
  return out;
}

registerOp('pad', true);
/**
 * Pads x as PyTorch's F.pad: `pad` holds (before, after) pairs starting from the LAST axis:
 * [lastBefore, lastAfter, secondLastBefore, ...]. Mode 'constant' fills with `value` (negative pads crop);
 * 'reflect' mirrors without repeating the edge (pads < the axis length); 'replicate' repeats the edge;
 * 'circular' wraps around (pads <= the axis length).
 */
export function pad(x: Tensor, pad: readonly number[], options: PadOptions = {}): Tensor {
  const mode = options.mode ?? 'constant';
  const value = options.value ?? 0;
  if (!['constant', 'reflect', 'replicate', 'circular'].includes(mode)) {
    throw new ValueError(`pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got ${show(mode)}`);
  }
  const p = intList(pad, 'pad', 'pad sizes');
  if (p.length % 2 !== 0 || p.length > 2 * x.ndim) {
    throw new ValueError(`pad: needs (before, after) pairs for at most the ${x.ndim} axes of shape ${fmt(x.shape)}, last axis first; got [${p.join(', ')}]`);
  }
  if (mode !== 'constant' && typeof options.value === 'number') throw new ValueError(`pad: value is only for mode 'constant', not '${mode}'`);
  let out = x;
  for (let k = 0; k < p.length / 2; k++) {
    const a = x.ndim - 1 - k;
    const lo = p[2 * k], hi = p[2 * k + 1];
    const n = out.shape[a];
    if (mode === 'constant') {
      // negative pads crop first
      if (lo < 0 || hi < 0) out = slice(out, along(out.shape, a, Math.max(0, -lo), Math.max(0, n + Math.min(0, hi))));
      const fill = (len: number) => full(out.shape.map((d, i) => (i === a ? len : d)), value, { dtype: out.dtype });
      const parts = [...(lo > 0 ? [fill(lo)] : []), out, ...(hi > 0 ? [fill(hi)] : [])];
      if (parts.length > 1) out = concat(parts, a);
      continue;
    }
    const limit = mode === 'reflect' ? n - 1 : mode === 'circular' ? n : Infinity;
    if (lo < 0 || hi < 0 || lo > limit || hi > limit || (n === 0 && lo + hi > 0)) {
      const rule = mode === 'reflect' ? 'less than' : mode === 'circular' ? 'at most' : 'non-negative, on a nonempty axis, and';
      throw new ValueError(`pad: mode '${mode}' needs pads ${rule} the length ${n} of axis ${a}, got (${lo}, ${hi})`);
    }
    if (lo > 0 || hi > 0) out = take(out, padIndices(mode, n, lo, hi), a);
  }
  return out === x ? slice(x, []) : out;
}

// ---------------------------------------------------------------- triangles and diagonals

/** True where (column - row) compares with k as `keep` says, over the last two axes of x; bool [n, m]. */
function triangleMask(x: Tensor, k: number, keep: typeof le, op: string): Tensor {
  if (x.ndim < 2) throw new ShapeError(`${op}: needs at least 2 dimensions, got shape ${fmt(x.shape)}`);
  intArg(k, op, 'the diagonal offset');
  const n = x.shape[x.ndim - 2], m = x.shape[x.ndim - 1];
  const rows = reshape(arange(n, undefined, 1, { dtype: 'int32' }), [n, 1]);
  const cols = arange(m, undefined, 1, { dtype: 'int32' });
  return keep(sub(cols, rows), k);
}

registerOp('tril', true);
/** The lower triangle of the last two axes (column - row <= k), the rest 0. */
export function tril(x: Tensor, k = 0): Tensor {
  return where(triangleMask(x, k, le, 'tril'), x, alloc([], x.dtype)); // a 0 of x's dtype: a bool x stays bool
}

registerOp('triu', true);
/** The upper triangle of the last two axes (column - row >= k), the rest 0. */
export function triu(x: Tensor, k = 0): Tensor {
  return where(triangleMask(x, k, ge, 'triu'), x, alloc([], x.dtype));
}

registerOp('diagonal', true);
/**
 * The diagonal out[..., i] = x[..., i, i + offset, ...] of the axes axis1 and axis2, which are removed; the
 * diagonal becomes the last axis (numpy, PyTorch).
 */
export function diagonal(x: Tensor, offset = 0, axis1 = 0, axis2 = 1): Tensor {
  if (x.ndim < 2) throw new ShapeError(`diagonal: needs at least 2 dimensions, got shape ${fmt(x.shape)}`);
  intArg(offset, 'diagonal', 'offset');
  const a1 = normalizeAxis(axis1, x.ndim, 'diagonal'), a2 = normalizeAxis(axis2, x.ndim, 'diagonal');
  if (a1 === a2) throw new ValueError(`diagonal: axis1 and axis2 must differ, both are ${a1}`);
  const rest = x.shape.map((_, i) => i).filter((i) => i !== a1 && i !== a2);
  const n = x.shape[a1], m = x.shape[a2];
  // [..., n * m]: element (i, i + offset) sits at i * (m + 1) + offset
  const flat = reshape(transpose(x, [...rest, a1, a2]), [...rest.map((i) => x.shape[i]), n * m]);
  const count = Math.max(0, offset >= 0 ? Math.min(n, m - offset) : Math.min(n + offset, m));
  const start = offset >= 0 ? offset : -offset * m;
  const last = flat.ndim - 1;
  return count === 0 ? slice(flat, along(flat.shape, last, 0, 0)) : slice(flat, along(flat.shape, last, start, start + (count - 1) * (m + 1) + 1, m + 1));
}

registerOp('diag', true);
/** For a 1-D x, the square matrix with x on diagonal k (0 elsewhere); for a 2-D x, its diagonal k. */
export function diag(x: Tensor, k = 0): Tensor {
  intArg(k, 'diag', 'the diagonal offset');
  if (x.ndim === 2) return diagonal(x, k);
  if (x.ndim !== 1) throw new ShapeError(`diag: needs a 1-D or 2-D tensor, got shape ${fmt(x.shape)}`);
  const n = x.shape[0], s = Math.abs(k);
  const square = where(eye(n, n, { dtype: 'int32' }), broadcastTo(reshape(x, [n, 1]), [n, n]), 0);
  // rows then columns: x's row i lands in row i (k >= 0) or i + |k| (k < 0), column i + k or i
  return pad(square, k >= 0 ? [s, 0, 0, s] : [0, s, s, 0]);
}

registerOp('trace', true);
/** The sum of the main diagonal of a 2-D tensor. */
export function trace(x: Tensor): Tensor {
  if (x.ndim !== 2) throw new ShapeError(`trace: needs a 2-D tensor, got shape ${fmt(x.shape)}`);
  return sum(diagonal(x));
}

// ---------------------------------------------------------------- selecting and scattering by index

registerOp('indexSelect', true);
/** PyTorch's index_select(x, axis, index): the slices of x at the 1-D indices along axis (take with PyTorch's argument order). */
export function indexSelect(x: Tensor, axis: number, index: Tensor | readonly number[]): Tensor {
  return take(x, index, normalizeAxis(axis, x.ndim, 'indexSelect'));
}

/** The checked pieces of scatter / scatterAdd: positions, the part of src the index covers, the covered shape. */
function scatterArgs(x: Tensor, axis: number, index: Tensor, src: Operand, op: string) {
  const a = normalizeAxis(axis, x.ndim, op);
  const idx = indexTensor(index, op);
  const s = src instanceof Tensor ? src : full(idx.shape, asTensor(src, x.dtype).item(), { dtype: x.dtype });
  if (idx.ndim !== x.ndim || s.ndim !== x.ndim || idx.shape.some((d, i) => d > s.shape[i] || (i !== a && d > x.shape[i]))) {
    throw new ShapeError(
      `${op}: index shape ${fmt(idx.shape)} must have the dimensions of the input ${fmt(x.shape)} and of src ${fmt(s.shape)}, ` +
        `and be no longer than src in every axis and than the input except along axis ${a}`,
    );
  }
  const positions = checkedIndices(idx, x.shape[a], op);
  const part = sameShape(s.shape, idx.shape) ? s : slice(s, idx.shape.map((d) => [0, d] as const));
  const covered = idx.shape.map((d, i) => (i === a ? x.shape[a] : d));
  // zeros of x's shape with what index and v scatter-add into the covered corner
  const pads: number[] = [];
  for (let i = x.ndim - 1; i >= 0; i--) pads.push(0, x.shape[i] - covered[i]);
  const spread = (v: Tensor) => pad(scatterAddAt(v, positions, covered, a), pads);
  return { part, spread, idx };
}

registerOp('scatterAdd', true);
/**
 * PyTorch's scatter_add: a copy of x with src[..., j, ...] added at x[..., index[..., j, ...], ...] along
 * axis (index no longer than src in any axis, nor than x except along axis; repeated indices add up).
 */
export function scatterAdd(x: Tensor, axis: number, index: Tensor, src: Tensor): Tensor {
  const { part, spread } = scatterArgs(x, axis, index, src, 'scatterAdd');
  return add(x, spread(part));
}

registerOp('scatter', true);
/**
 * PyTorch's scatter: a copy of x with x[..., index[..., j, ...], ...] = src[..., j, ...] along axis (src a
 * tensor or a number). Where an index repeats, which value lands is unspecified (as PyTorch).
 */
export function scatter(x: Tensor, axis: number, index: Tensor, src: Operand): Tensor {
  const { part, spread, idx } = scatterArgs(x, axis, index, src, 'scatter');
  const hit = gt(spread(full(idx.shape, 1, { dtype: 'int32' })), 0);
  return where(hit, spread(part.dtype === x.dtype ? part : part.astype(x.dtype)), x);
}

registerOp('indexAdd', true);
/** PyTorch's index_add: a copy of x with alpha * source's slices added at the 1-D indices along axis. */
export function indexAdd(x: Tensor, axis: number, index: Tensor | readonly number[], source: Tensor, options: { alpha?: number } = {}): Tensor {
  const a = normalizeAxis(axis, x.ndim, 'indexAdd');
  const idx = indexTensor(index, 'indexAdd');
  if (idx.ndim !== 1) throw new ShapeError(`indexAdd: index must be 1-D, got shape ${fmt(idx.shape)}`);
  const want = x.shape.map((d, i) => (i === a ? idx.size : d));
  if (!sameShape(source.shape, want)) throw new ShapeError(`indexAdd: source must have shape ${fmt(want)} (x's with axis ${a} as long as the index), got ${fmt(source.shape)}`);
  const alpha = options.alpha ?? 1;
  return add(x, takeAddAt(alpha === 1 ? source : mul(source, alpha), checkedIndices(idx, x.shape[a], 'indexAdd'), x.shape, a));
}

// ---------------------------------------------------------------- masks

/** Throws a ValueError unless mask is a Tensor. */
function checkMask(mask: unknown, op: string): asserts mask is Tensor {
  if (!(mask instanceof Tensor)) throw new ValueError(`${op}: the mask must be a Tensor (nonzero for true), got ${show(mask)}`);
}

/** A mask's shape broadcast to x's (not beyond it). */
function maskFor(x: Tensor, mask: Tensor, op: string): Tensor {
  checkMask(mask, op);
  if (!sameShape(broadcastShapes(mask.shape, x.shape, op), x.shape)) {
    throw new ShapeError(`${op}: a mask of shape ${fmt(mask.shape)} cannot be broadcast to the input's shape ${fmt(x.shape)}`);
  }
  return mask;
}

registerOp('maskedFill', true);
/** A copy of x with `value` where mask is nonzero (mask broadcast to x's shape); the result keeps x's dtype. */
export function maskedFill(x: Tensor, mask: Tensor, value: Operand): Tensor {
  const m = maskFor(x, mask, 'maskedFill');
  if (value instanceof Tensor && value.ndim !== 0) throw new ShapeError(`maskedFill: value must be a number or a 0-d tensor, got shape ${fmt(value.shape)}`);
  const v = value instanceof Tensor && value.dtype !== x.dtype ? value.astype(x.dtype) : value;
  return where(m, v, x);
}

registerOp('maskedSelect', true);
/** The elements of x where mask is nonzero (the two broadcast together), as a 1-D tensor in row-major order. */
export function maskedSelect(x: Tensor, mask: Tensor): Tensor {
  checkMask(mask, 'maskedSelect');
  const shape = broadcastShapes(x.shape, mask.shape, 'maskedSelect');
  const positions = nonzeroPositions(broadcastTo(mask.detach(), shape).data);
  return take(reshape(broadcastTo(x, shape), [sizeOf(shape)]), new Tensor(positions, [positions.length], 'int32'), 0);
}

registerOp('nonzero', false);
/**
 * The indices of the nonzero elements (NaN counts) in row-major order: an int32 [count, ndim] tensor
 * (PyTorch's), or with asTuple one 1-D tensor per axis (numpy's nonzero, usable with index()).
 */
export function nonzero(x: Tensor, options?: { asTuple?: false }): Tensor;
export function nonzero(x: Tensor, options: { asTuple: true }): Tensor[];
export function nonzero(x: Tensor, options: { asTuple?: boolean } = {}): Tensor | Tensor[] {
  const positions = nonzeroPositions(x.data);
  const coords = new Int32Array(positions.length * x.ndim);
  backend().unravel(positions, x.shape, coords);
  const table = new Tensor(coords, [positions.length, x.ndim], 'int32');
  if (!options.asTuple) return table;
  return x.shape.map((_, d) => slice(table, [null, d]));
}

/** The flat positions of the nonzero values of data. */
function nonzeroPositions(data: Tensor['data']): Int32Array {
  const out = new Int32Array(backend().countNonzero(data));
  backend().nonzeroPositions(data, out);
  return out;
}

// ---------------------------------------------------------------- numpy advanced indexing


function indexEntry(v: Tensor | NestedInts, op: string): Tensor {
  if (v instanceof Tensor) {
    if (v.dtype !== 'int32') throw new DTypeError(`${op}: index tensors must be int32, got ${v.dtype} (a mask: use maskedSelect, or nonzero(mask, { asTuple: true }))`);
    return v;
  }
  const t = tensor(v as NestedArray, { dtype: 'float64' });
  if (any(ne(t, t.astype('int32'))).item()) throw new DTypeError(`${op}: an index must be an int32 tensor or (nested arrays of) integers, got ${show(v)}`);
  return t.astype('int32');
}

registerOp('index', true);
/**
 * numpy's advanced indexing x[i0, i1, ...]: one entry per leading axis, an int index (tensor, array or
 * number) or null (the whole axis). The index entries broadcast together to a shape B; the result has B in
 * place of the indexed axes when they are adjacent, else first (numpy's rule). `index(x, [rows, cols])` picks
 * x[rows[k], cols[k]].
 */
export function index(x: Tensor, indices: readonly IndexSpec[]): Tensor {
  if (!Array.isArray(indices)) throw new ValueError(`index: expected an array with one entry per leading axis, got ${show(indices)}`);
  if (indices.length > x.ndim) throw new IndexError(`index: ${indices.length} entries for a tensor of ${x.ndim} dimensions (shape ${fmt(x.shape)})`);
  const adv: number[] = [];
  const tensors: Tensor[] = [];
  indices.forEach((v, d) => {
    if (v === null || v === undefined) return;
    adv.push(d);
    tensors.push(indexEntry(v, 'index'));
  });
  if (adv.length === 0) return slice(x, []);
  const b = tensors.reduce<Shape>((s, t) => broadcastShapes(s, t.shape, 'index'), []);
  // flat position into the indexed axes (moved to the front), from each index wrapped and checked
  const advShape = adv.map((d) => x.shape[d]);
  const strides = stridesOf(advShape);
  let flat: Tensor = full(b, 0, { dtype: 'int32' });
  tensors.forEach((t, k) => {
    const wrapped = new Tensor(checkedIndices(t, advShape[k], 'index'), t.shape, 'int32');
    flat = add(flat, mul(wrapped, strides[k]));
  });
  const rest = x.shape.map((_, i) => i).filter((i) => !adv.includes(i));
  const front = reshape(transpose(x, [...adv, ...rest]), [sizeOf(advShape), ...rest.map((i) => x.shape[i])]);
  const picked = take(front, reshape(flat, [flat.size]), 0);
  const out = reshape(picked, [...b, ...rest.map((i) => x.shape[i])]);
  const adjacent = adv.every((d, k) => k === 0 || d === adv[k - 1] + 1);
  if (!adjacent || adv[0] === 0) return out;
  // adjacent indexed axes after some whole axes: B's axes (the first b.length) go where they were
  const perm = out.shape.map((_, i) => i);
  perm.splice(adv[0], 0, ...perm.splice(0, b.length));
  return transpose(out, perm);
}
