// The native backend: the JS backend with matmul (and matmulBatch: a batch of products in one call), the optimizer
// updates and their non-finite check, relu and its backward, add/sub/mul/div with broadcasting, linear's bias add,
// sums and arg max/min along an axis, im2col/col2im, gather/scatterAdd and the fused softmax cross-entropy on the Node-API addon (addon.ts; C in
// packages/core/native), which works in place on the typed arrays' memory. Products below the FLOP threshold
// (settings.ts: a call into the addon costs ~0.4 µs), mixed or int32 ones, updates of fewer than MIN_UPDATE elements
// and elementwise calls on fewer than MIN_ELEMENTWISE run on the JS kernels. Bits: the JS backend's, except float32
// matmuls at 'high', whose SIMD microkernels fuse each multiply-add, and which the system OpenBLAS serves where it
// is faster (addon.ts: matmul's blas 2): within float32 rounding (tests/native.test.ts).
import type { Backend, BinaryKernel, WindowGeometry } from '../kernels/backend.js';
import { broadcastRuns } from '../kernels/elementwise.js';
import type { TypedArray } from '../dtype.js';
import { jsBackend } from '../kernels/js.js';
import * as libm from '../kernels/libm.js';
import { nativeMinFlops, numThreads } from '../settings.js';
import type { NativeAddon } from './addon.js';

/** Below this many elements an update runs on JS (measured: Adam on 64 float32s 0.84 µs native vs 0.98 JS). */
const MIN_UPDATE = 64;

/**
 * Below this many elements relu and its backward run on JS (measured, float32, CPU time: 128 elements 0.2 µs
 * either way, 512 1.0 vs 0.3, 19200 43 vs 5; bench/native-notes.md). The fused softmax cross-entropy goes native
 * from MIN_UPDATE elements ([16,4] 3.1 µs vs 1.5: its exp and log cost more than a call).
 */
const MIN_ELEMENTWISE = 256;

/** w and its state arrays share one float type and length, at least `min` (else the JS kernel, which casts, runs). */
function sameFloats(w: TypedArray, ...xs: (TypedArray | null)[]): boolean {
  return sameFloatsFrom(MIN_UPDATE, w, ...xs);
}

function sameFloatsFrom(min: number, w: TypedArray, ...xs: (TypedArray | null)[]): boolean {
  if (w.length < min || !(w instanceof Float32Array || w instanceof Float64Array)) return false;
  return xs.every((x) => x === null || (x.constructor === w.constructor && x.length === w.length));
}

/** x is a Float32Array or Float64Array, and the others of its type. */
function isFloats(x: TypedArray, ...others: TypedArray[]): boolean {
  const T = x.constructor;
  return (T === Float32Array || T === Float64Array) && others.every((o) => o.constructor === T);
}

/** WindowGeometry's fields in the order the addon takes them. */
function geometry(g: WindowGeometry): number[] {
  return [g.n, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow];
}

/** add, sub, mul or div on the addon, from MIN_ELEMENTWISE elements of one float type (else the JS kernel). */
function binary(addon: NativeAddon, op: 0 | 1 | 2 | 3, js: BinaryKernel): BinaryKernel {
  return (a, aShape, b, bShape, out, outShape) => {
    if (out.length >= MIN_ELEMENTWISE && isFloats(out, a, b)) {
      const { shape, strides } = broadcastRuns(aShape, bShape, outShape);
      if (shape.length <= 32) return addon.binary(op, a, b, out, [...shape, ...strides[0], ...strides[1]]);
    }
    js(a, aShape, b, bShape, out, outShape);
  };
}

export function nativeBackend(addon: NativeAddon): Backend {
  const { threadMinFlops } = addon.info();
  /** Whether a product goes to the addon: above the FLOP threshold, one float type throughout (mixed, int32, uint8 stay on JS). */
  const onAddon = (a: TypedArray, b: TypedArray, out: TypedArray, M: number, K: number, N: number) =>
    K > 0 && M > 0 && N > 0 && 2 * M * N * K >= nativeMinFlops() &&
    (out instanceof Float32Array || out instanceof Float64Array) && a.constructor === out.constructor && b.constructor === out.constructor;
  const matmul: Backend['matmul'] = (a, aOff, transA, b, bOff, transB, out, outOff, M, K, N, precision) => {
    if (onAddon(a, b, out, M, K, N)) {
      // the thread setting is read only for products big enough to split (as on wasm)
      // blas 2: the system BLAS computes the float32 'high' products it measured faster on, where one is loaded
      addon.matmul(a, aOff, transA, b, bOff, transB, out, outOff, M, K, N, precision === 'high', 2 * M * N * K >= threadMinFlops ? numThreads() : 1, 2);
    } else {
      jsBackend.matmul(a, aOff, transA, b, bOff, transB, out, outOff, M, K, N, precision);
    }
  };
  return {
    ...jsBackend,
    name: 'native',
    matmul,
    matmulBatch(a, aOffs, transA, b, bOffs, transB, out, M, K, N, precision) {
      const count = aOffs.length;
      if (count >= 1 && count <= 4096 && onAddon(a, b, out, M, K, N)) {
        // the batch is split across the threads (one hand-off), each product on one thread: matmul's bits
        addon.matmulBatch(a, aOffs, transA, b, bOffs, transB, out, 0, M, K, N, precision === 'high', 2 * M * N * K * count >= threadMinFlops ? numThreads() : 1, 2);
      } else {
        for (let i = 0; i < count; i++) matmul(a, aOffs[i], transA, b, bOffs[i], transB, out, i * M * N, M, K, N, precision);
      }
    },
    sgdStep(w, g, v, momentum, lr, nesterov) {
      if (sameFloats(w, g, v)) addon.sgdStep(w, g, v, momentum, lr, nesterov ? 1 : 0);
      else jsBackend.sgdStep(w, g, v, momentum, lr, nesterov);
    },
    adagradStep(w, g, cache, lr, epsilon) {
      if (sameFloats(w, g, cache)) addon.adagradStep(w, g, cache, lr, epsilon);
      else jsBackend.adagradStep(w, g, cache, lr, epsilon);
    },
    rmspropStep(w, g, cache, lr, epsilon, rho) {
      if (sameFloats(w, g, cache)) addon.rmspropStep(w, g, cache, lr, epsilon, rho);
      else jsBackend.rmspropStep(w, g, cache, lr, epsilon, rho);
    },
    adamStep(w, g, m, v, lr, epsilon, beta1, beta2, c1, c2, keep) {
      if (sameFloats(w, g, m, v)) addon.adamStep(w, g, m, v, lr, epsilon, beta1, beta2, c1, c2, keep);
      else jsBackend.adamStep(w, g, m, v, lr, epsilon, beta1, beta2, c1, c2, keep);
    },
    relu(x, out) {
      if (sameFloatsFrom(MIN_ELEMENTWISE, out, x)) addon.relu(x, out);
      else jsBackend.relu(x, out);
    },
    reluBackward(x, g, out) {
      if (sameFloatsFrom(MIN_ELEMENTWISE, out, x, g)) addon.reluBackward(x, g, out);
      else jsBackend.reluBackward(x, g, out);
    },
    firstNonFinite(x) {
      return sameFloatsFrom(MIN_ELEMENTWISE, x) ? addon.firstNonFinite(x) : jsBackend.firstNonFinite(x);
    },
    addRowsInPlace(x, row, rows, cols) {
      if (rows * cols >= MIN_ELEMENTWISE && sameFloatsFrom(0, x) && row.constructor === x.constructor) addon.addRowsInPlace(x, row, rows, cols);
      else jsBackend.addRowsInPlace(x, row, rows, cols);
    },
    sumAxis(x, outer, len, inner, out) {
      if (outer * len * inner >= MIN_ELEMENTWISE && isFloats(x, out)) addon.sumAxis(x, outer, len, inner, out);
      else jsBackend.sumAxis(x, outer, len, inner, out);
    },
    im2col(x, g, cols) {
      if (isFloats(x, cols) && cols.length >= MIN_ELEMENTWISE) addon.im2col(x, cols, ...geometry(g));
      else jsBackend.im2col(x, g, cols);
    },
    col2im(cols, g, x) {
      if (isFloats(cols, x) && cols.length >= MIN_ELEMENTWISE) addon.col2im(cols, x, ...geometry(g));
      else jsBackend.col2im(cols, g, x);
    },
    argExtremumAxis(x, outer, len, inner, out, sign) {
      if (isFloats(x) && out instanceof Int32Array && outer * len * inner >= MIN_ELEMENTWISE) addon.argExtremumAxis(x, outer, len, inner, out, sign);
      else jsBackend.argExtremumAxis(x, outer, len, inner, out, sign);
    },
    add: binary(addon, 0, jsBackend.add),
    sub: binary(addon, 1, jsBackend.sub),
    mul: binary(addon, 2, jsBackend.mul),
    div: binary(addon, 3, jsBackend.div),
    gather(x, outer, len, inner, index, m, out) {
      if (isFloats(x, out) && out.length >= MIN_ELEMENTWISE) addon.gather(x, outer, len, inner, index, m, out);
      else jsBackend.gather(x, outer, len, inner, index, m, out);
    },
    scatterAdd(src, outer, len, inner, index, m, out) {
      if (isFloats(src, out) && src.length >= MIN_ELEMENTWISE) addon.scatterAdd(src, outer, len, inner, index, m, out);
      else jsBackend.scatterAdd(src, outer, len, inner, index, m, out);
    },
    softmaxCrossEntropy(x, labels, n, c, clip, p, out) {
      const T = x.constructor;
      if (n * c >= MIN_UPDATE && (T === Float32Array || T === Float64Array) && p.constructor === T && out.constructor === T) {
        addon.softmaxCrossEntropy(x, labels, n, c, clip, -libm.log1p(-clip), -libm.log(clip), p, out);
      } else {
        jsBackend.softmaxCrossEntropy(x, labels, n, c, clip, p, out);
      }
    },
  };
}
