import type { DType, TypedArray } from './dtype.js';

// Every tensor buffer is allocated here, and only here, so that a faster backend can place
// buffers in its own memory (see DESIGN.md). Buffers are zero-filled.
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
