import { DTypeError, ValueError } from './errors.js';

export type DType = 'float32' | 'float64' | 'int32' | 'uint8' | 'bool';
/** Storage: bool and uint8 both live in a Uint8Array (bool as 0 and 1), so a tensor's dtype, not its array, says which. */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'uint8', 'bool'];

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
  if (DTYPES.includes(dtype as DType)) return dtype as DType;
  throw new DTypeError(`${where}: unknown dtype '${String(dtype)}' (expected ${DTYPE_LIST})`);
}

/** The dtypes as an error message lists them. */
export const DTYPE_LIST = "'float32', 'float64', 'int32', 'uint8' or 'bool'";

/**
 * Numbers becoming int32 must be ones it can hold: a typed-array store would wrap 3e9 to -1294967296 and make
 * NaN 0. A ValueError names the first that is not (`hint` says what to do instead); fractions are fine, they
 * truncate toward zero as in numpy and PyTorch. The same for uint8 (0 to 255): an explicit conversion refuses
 * what arithmetic would wrap.
 */
export function checkInt32(values: ArrayLike<number>, where: string, hint = '', dtype: 'int32' | 'uint8' = 'int32'): void {
  const [lo, hi] = dtype === 'int32' ? [-2147483648, 2147483647] : [0, 255];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v > lo - 1 && v < hi + 1)) {
      const at = values.length > 1 ? ` (at position ${i})` : '';
      throw new ValueError(`${where}: ${v}${at} does not fit in ${dtype}, which holds integers from ${lo} to ${hi} (NaN and Infinity have no ${dtype} value)${hint}`);
    }
  }
}

/** float32 and float64: the dtypes that can require grad, and that int inputs become for exp, log, mean, ... */
export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

// bool < uint8 < int32 < float32 < float64: the result of two tensors is the higher one (numpy's rules, except that
// int32 with float32 stays float32 as in PyTorch; numpy would give float64). The README's promotion table.
const RANK: Record<DType, number> = { bool: 0, uint8: 1, int32: 2, float32: 3, float64: 4 };

/** The dtype of an elementwise op on two tensors of dtypes a and b. */
export function promote(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/** The dtype of a tensor made from a typed array: its own (a Uint8Array is uint8). */
export function dtypeOf(array: TypedArray): DType {
  return arrayDtype(array) ?? 'int32';
}

/** The dtype a typed array holds (a Uint8Array: uint8); undefined for anything else (a plain array, ...). */
export function arrayDtype(array: unknown): DType | undefined {
  if (array instanceof Float32Array) return 'float32';
  if (array instanceof Float64Array) return 'float64';
  if (array instanceof Int32Array) return 'int32';
  if (array instanceof Uint8Array) return 'uint8';
  return undefined;
}

/** Whether `array` is the storage of `dtype` (bool and uint8 share Uint8Array). */
export function holds(array: unknown, dtype: DType): boolean {
  const held = arrayDtype(array);
  return held === dtype || (dtype === 'bool' && held === 'uint8');
}
