import { DTypeError, ValueError } from './errors.js';

export type DType = 'float32' | 'float64' | 'int32';
export type TypedArray = Float32Array | Float64Array | Int32Array;

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32'];

let defaultDtype: DType = 'float32';

/** The dtype that creation functions use when none is given (float32 unless changed). */
export function getDefaultDtype(): DType {
  return defaultDtype;
}

/** Switch the default float dtype, e.g. to 'float64' for gradient checks. */
export function setDefaultDtype(dtype: DType): void {
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new DTypeError(`setDefaultDtype: the default dtype must be 'float32' or 'float64', got '${dtype}'`);
  }
  defaultDtype = dtype;
}

export function checkDtype(dtype: unknown, where: string): DType {
  if (dtype === 'float32' || dtype === 'float64' || dtype === 'int32') return dtype;
  throw new DTypeError(`${where}: unknown dtype '${String(dtype)}' (expected 'float32', 'float64' or 'int32')`);
}

/**
 * Numbers becoming int32 must be ones it can hold: a typed-array store would wrap 3e9 to -1294967296 and make
 * NaN 0. A ValueError names the first that is not (`hint` says what to do instead); fractions are fine, they
 * truncate toward zero as in numpy and PyTorch.
 */
export function checkInt32(values: ArrayLike<number>, where: string, hint = ''): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v > -2147483649 && v < 2147483648)) {
      const at = values.length > 1 ? ` (at position ${i})` : '';
      throw new ValueError(`${where}: ${v}${at} does not fit in int32, which holds integers from -2147483648 to 2147483647 (NaN and Infinity have no int32 value)${hint}`);
    }
  }
}

export function isFloat(dtype: DType): boolean {
  return dtype !== 'int32';
}

/** numpy/PyTorch promotion between two tensors: float64 > float32 > int32. */
export function promote(a: DType, b: DType): DType {
  if (a === b) return a;
  if (a === 'float64' || b === 'float64') return 'float64';
  return 'float32';
}

export function dtypeOf(array: TypedArray): DType {
  return arrayDtype(array) ?? 'int32';
}

/** The dtype a typed array holds; undefined for anything else (another typed array, a plain array, ...). */
export function arrayDtype(array: unknown): DType | undefined {
  if (array instanceof Float32Array) return 'float32';
  if (array instanceof Float64Array) return 'float64';
  if (array instanceof Int32Array) return 'int32';
  return undefined;
}
