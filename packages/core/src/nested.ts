// Nested arrays of numbers as row-major values: what tensor() and backward(gradient) read.
import { type DType, type TypedArray, arrayDtype, dtypeOf, getDefaultDtype } from './dtype.js';
import { ShapeError, ValueError } from './errors.js';
import { checkShape, sizeOf } from './shape.js';
import { allocate, convertTo } from './storage.js';

/** A number or boolean, or arrays of them nested to any depth (all arrays at one depth of the same length). */
export type NestedArray = number | boolean | NestedArray[];

export function isTypedArray(x: unknown): x is TypedArray {
  return arrayDtype(x) !== undefined;
}

/**
 * The values (a fresh buffer of `dtype`) and shape of nested arrays or of a typed array (copied, 1-D). Booleans
 * are 1 and 0. `dtype` undefined: bool when every value is a boolean (and there is one), else the default dtype.
 */
export function readValues(data: NestedArray | TypedArray | readonly number[], dtype: DType | undefined): { values: TypedArray; shape: number[]; dtype: DType } {
  if (isTypedArray(data)) {
    const to = dtype ?? dtypeOf(data);
    return { values: convertTo(data, to, 'tensor'), shape: [data.length], dtype: to };
  }
  const shape = nestedShape(data);
  // through float64, so that values an int dtype cannot hold are seen before a store wraps them
  const wide = allocate('float64', sizeOf(shape));
  const allBool = fillNested(data, wide, shape);
  const to = dtype ?? (allBool && wide.length > 0 ? 'bool' : getDefaultDtype());
  return { values: to === 'float64' ? wide : convertTo(wide, to, 'tensor'), shape, dtype: to };
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

/** Writes the values into out; returns whether they were all booleans. */
function fillNested(data: unknown, out: TypedArray, shape: number[]): boolean {
  let k = 0;
  let allBool = true;
  const walk = (x: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (Array.isArray(x)) throw new ShapeError(`tensor: ragged nested array: expected a number at depth ${depth}, got an array`);
      if (typeof x === 'boolean') out[k++] = x ? 1 : 0;
      else if (typeof x === 'number') (out[k++] = x), (allBool = false);
      else throw new ValueError(`tensor: expected a number or a boolean at depth ${depth}, got ${typeof x}`);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[depth]) {
      throw new ShapeError(`tensor: ragged nested array: expected ${shape[depth]} elements at depth ${depth}, got ${Array.isArray(x) ? x.length : typeof x}`);
    }
    for (const v of x) walk(v, depth + 1);
  };
  walk(data, 0);
  return allBool;
}
