import { type DType, type TypedArray, checkInt32, holds } from './dtype.js';

// Every tensor buffer is allocated here, and only here (see DESIGN.md). Buffers are zero-filled.
// They stay ordinary typed arrays: a pool inside WebAssembly memory would be freed by a FinalizationRegistry,
// whose callbacks never run during a synchronous training loop (measured: 0 of 100,000 before the loop
// returned), so it would grow without bound. The wasm matmul copies operands in instead (wasm/runtime.ts).
export function allocate(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'uint8':
    case 'bool':
      return new Uint8Array(size);
  }
}

/**
 * A fresh buffer of `dtype` holding `source`'s values (converted as a typed-array set converts; to bool, every
 * nonzero value, NaN included, becomes 1 as in numpy and PyTorch).
 */
export function copyAs(source: TypedArray, dtype: DType): TypedArray {
  const out = allocate(dtype, source.length);
  if (dtype === 'bool') {
    for (let i = 0; i < source.length; i++) out[i] = source[i] !== 0 ? 1 : 0;
  } else {
    out.set(source);
  }
  return out;
}

/** copyAs, but to int32 or uint8 only values they can hold (checkInt32 names `where` and the first that is not). */
export function convertTo(source: TypedArray, dtype: DType, where: string): TypedArray {
  if ((dtype === 'int32' || dtype === 'uint8') && !holds(source, dtype)) checkInt32(source, where, '', dtype);
  return copyAs(source, dtype);
}
