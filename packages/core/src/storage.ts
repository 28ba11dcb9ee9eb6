import { type DType, type TypedArray, checkInt32 } from './dtype.js';

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
  }
}

/** A fresh buffer of `dtype` holding `source`'s values (converted as a typed-array set converts). */
export function copyAs(source: TypedArray, dtype: DType): TypedArray {
  const out = allocate(dtype, source.length);
  out.set(source);
  return out;
}

/** copyAs, but to int32 only values it can hold (checkInt32 names `where` and the first that is not). */
export function convertTo(source: TypedArray, dtype: DType, where: string): TypedArray {
  if (dtype === 'int32' && !(source instanceof Int32Array)) checkInt32(source, where);
  return copyAs(source, dtype);
}
