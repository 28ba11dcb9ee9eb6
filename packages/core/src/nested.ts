// Nested arrays of numbers as row-major values: what tensor() and backward(gradient) read.
import type { DType, TypedArray } from './dtype.js';
import { ShapeError, ValueError } from './errors.js';
import { checkShape, sizeOf } from './shape.js';
import { allocate, convertTo } from './storage.js';

/** A number, or arrays of them nested to any depth (all arrays at one depth of the same length). */
export type NestedArray = number | NestedArray[];

export function isTypedArray(x: unknown): x is TypedArray {
  return x instanceof Float32Array || x instanceof Float64Array || x instanceof Int32Array;
}

/** The values (a fresh buffer of `dtype`) and shape of nested arrays or of a typed array (copied, 1-D). */
export function readValues(data: NestedArray | TypedArray | readonly number[], dtype: DType): { values: TypedArray; shape: number[] } {
  if (isTypedArray(data)) return { values: convertTo(data, dtype, 'tensor'), shape: [data.length] };
  const shape = nestedShape(data);
  // int32 through float64, so that values int32 cannot hold are seen before a store wraps them
  const values = allocate(dtype === 'int32' ? 'float64' : dtype, sizeOf(shape));
  fillNested(data, values, shape);
  return { values: dtype === 'int32' ? convertTo(values, dtype, 'tensor') : values, shape };
}

function nestedShape(data: unknown): number[] {
  const shape: number[] = [];
  let level: unknown = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  checkShape(shape, 'tensor');
  return shape;
}

function fillNested(data: unknown, out: TypedArray, shape: number[]): void {
  let k = 0;
  const walk = (x: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (Array.isArray(x)) throw new ShapeError(`tensor: ragged nested array: expected a number at depth ${depth}, got an array`);
      if (typeof x !== 'number') throw new ValueError(`tensor: expected a number at depth ${depth}, got ${typeof x}`);
      out[k++] = x;
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[depth]) {
      throw new ShapeError(`tensor: ragged nested array: expected ${shape[depth]} elements at depth ${depth}, got ${Array.isArray(x) ? x.length : typeof x}`);
    }
    for (const v of x) walk(v, depth + 1);
  };
  walk(data, 0);
}
