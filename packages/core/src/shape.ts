import { IndexError, ShapeError } from './errors.js';

/** One axis, several, or (undefined) all of them. */
export type Axis = number | readonly number[];

/**
 * How to slice one axis: a number picks one index and drops the axis; null takes the whole axis;
 * [start, stop, step] or { start, stop, step } as Python slices (negative values count from the end,
 * out-of-range bounds are clipped, step may be negative). As numpy's, 'newaxis' inserts an axis of length 1
 * and '...' stands for as many whole axes as the other specs leave (at most one '...').
 */
export type SliceSpec =
  | number
  | null
  | readonly [number?, number?, number?]
  | { start?: number; stop?: number; step?: number }
  | 'newaxis'
  | '...';

export type Shape = readonly number[];

/** Largest element count a tensor may have (typed arrays cannot be longer). */
export const MAX_SIZE = 2 ** 31 - 1;

export function fmt(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** Validates a shape given by a user and returns its element count. */
export function checkShape(shape: unknown, where: string): number {
  if (!Array.isArray(shape)) throw new ShapeError(`${where}: a shape must be an array of integers, got ${String(shape)}`);
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new ShapeError(`${where}: dimensions must be non-negative integers, got shape [${shape.join(', ')}]`);
    }
  }
  return checkSize(shape, where);
}

/**
 * The element count of a valid shape; throws a ShapeError, before anything is allocated, when it is more than
 * MAX_SIZE. As numpy, the product of the nonzero dimensions must fit too, so that every sub-shape of an empty
 * tensor (its strides, its reductions) stays exact.
 */
export function checkSize(shape: Shape, where: string | (() => string)): number {
  let size = 1;
  let nonzero = 1;
  for (const d of shape) {
    size *= d;
    if (d !== 0) nonzero *= d;
  }
  if (nonzero > MAX_SIZE) {
    const what = size === nonzero ? `has ${size} elements` : `is too big: its nonzero dimensions make ${nonzero} elements`;
    throw new ShapeError(`${typeof where === 'string' ? where : where()}: shape ${fmt(shape)} ${what}, more than ${MAX_SIZE}`);
  }
  return size;
}

/** The element count; a ShapeError when it is more than MAX_SIZE (the last guard before an allocation). */
export function sizeOf(shape: Shape): number {
  let size = 1;
  for (const d of shape) size *= d;
  if (size > MAX_SIZE) throw new ShapeError(`a tensor of shape ${fmt(shape)} would have ${size} elements, more than ${MAX_SIZE}`);
  return size;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Row-major strides in elements. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/**
 * numpy broadcasting of two shapes; throws a ShapeError naming the op and both shapes. When the result is a or b
 * (the same shapes, or one 0-d: x * 2), it returns that array itself, so a tensor's frozen shape is shared, not copied.
 */
export function broadcastShapes(a: Shape, b: Shape, op: string): Shape {
  if (sameShape(a, b) || b.length === 0) return a;
  if (a.length === 0) return b;
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`${op}: shapes ${fmt(a)} and ${fmt(b)} cannot be broadcast together`);
    }
    out[i] = da === 1 ? db : da;
  }
  checkSize(out, () => `${op}: broadcasting ${fmt(a)} and ${fmt(b)}`); // the message is built only on failure: this runs on every op
  return out;
}

/** A shape seen around axis a as the kernels take it: [outer, len, inner], the sizes before a, a's length, the sizes after. */
export function around(shape: Shape, a: number): [number, number, number] {
  return [sizeOf(shape.slice(0, a)), shape[a], sizeOf(shape.slice(a + 1))];
}

/** A possibly negative axis into [0, ndim). */
export function normalizeAxis(axis: number, ndim: number, op: string): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    throw new IndexError(`${op}: axis ${axis} is out of bounds for a tensor of ${ndim} dimension${ndim === 1 ? '' : 's'}`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/** Axes for a reduction: undefined means all; sorted, unique, non-negative. */
export function normalizeAxes(axis: number | readonly number[] | undefined, ndim: number, op: string): number[] {
  if (axis === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : axis;
  if (!Array.isArray(list)) throw new IndexError(`${op}: axis must be an integer or an array of integers, got ${typeof axis} ${String(axis)}`);
  const out = list.map((a) => normalizeAxis(a, ndim, op));
  const sorted = [...new Set(out)].sort((x, y) => x - y);
  if (sorted.length !== out.length) throw new IndexError(`${op}: repeated axis in [${list.join(', ')}]`);
  return sorted;
}

/**
 * Strides of `shape` aligned to `outShape` under numpy broadcasting: 0 where the operand is repeated.
 */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const n = outShape.length;
  const strides = new Array<number>(n).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const j = i + n - shape.length;
    strides[j] = shape[i] === 1 && outShape[j] !== 1 ? 0 : s;
    s *= shape[i];
  }
  return strides;
}
