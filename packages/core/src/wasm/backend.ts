// The wasm backend: the JS backend with matmul on the WebAssembly SIMD kernel (runtime.ts). Products below the
// FLOP threshold (settings.ts), mixed or int32 ones, and any the kernel cannot take (too big for its memory)
// run on the JS kernel, which gives the same bits.
import type { Backend } from '../kernels/backend.js';
import { jsBackend } from '../kernels/js.js';
import { wasmMinFlops } from '../settings.js';
import { wasmMatmul } from './runtime.js';

export const wasmBackend: Backend = {
  ...jsBackend,
  name: 'wasm',
  matmul(a, aOff, transA, b, bOff, transB, out, outOff, M, K, N, precision) {
    if (
      K > 0 && M > 0 && N > 0 && 2 * M * N * K >= wasmMinFlops() &&
      // one float type throughout (mixed products, int32 and uint8 stay on JS)
      (out instanceof Float32Array || out instanceof Float64Array) && a.constructor === out.constructor && b.constructor === out.constructor &&
      wasmMatmul(a, aOff, transA, b, bOff, transB, out, outOff, M, K, N, precision)
    ) return;
    jsBackend.matmul(a, aOff, transA, b, bOff, transB, out, outOff, M, K, N, precision);
  },
};
