// Kernels that move elements without arithmetic: permute, strided slice, concat, gather/scatter.
import type { TypedArray } from '../dtype.js';
import { stridesOf } from '../shape.js';

/** out = x with axes permuted: out axis d is x axis perm[d]. */
export function permute(x: TypedArray, shape: readonly number[], perm: readonly number[], out: TypedArray): void {
  const xStrides = stridesOf(shape);
  stridedCopy(x, 0, perm.map((p) => xStrides[p]), perm.map((p) => shape[p]), out);
}

/** Copies the elements at offset + sum(index[d] * strides[d]) over outShape into out, row-major. */
export function stridedCopy(x: TypedArray, offset: number, strides: readonly number[], outShape: readonly number[], out: TypedArray): void {
  const nd = outShape.length;
  if (out.length === 0) return;
  if (nd === 0) {
    out[0] = x[offset];
    return;
  }
  const inner = outShape[nd - 1];
  const innerStride = strides[nd - 1];
  const index = new Array<number>(nd).fill(0);
  let xi = offset;
  for (let oi = 0; oi < out.length; oi += inner) {
    for (let k = 0; k < inner; k++) out[oi + k] = x[xi + k * innerStride];
    for (let d = nd - 2; d >= 0; d--) {
      index[d]++;
      xi += strides[d];
      if (index[d] < outShape[d]) break;
      xi -= strides[d] * outShape[d];
      index[d] = 0;
    }
  }
}

/** Adds src (outShape, row-major) into the strided positions of x: the backward of a strided copy. */
export function stridedAdd(src: TypedArray, x: TypedArray, offset: number, strides: readonly number[], srcShape: readonly number[]): void {
  const nd = srcShape.length;
  if (src.length === 0) return;
  if (nd === 0) {
    x[offset] += src[0];
    return;
  }
  const inner = srcShape[nd - 1];
  const innerStride = strides[nd - 1];
  const index = new Array<number>(nd).fill(0);
  let xi = offset;
  for (let si = 0; si < src.length; si += inner) {
    for (let k = 0; k < inner; k++) x[xi + k * innerStride] += src[si + k];
    for (let d = nd - 2; d >= 0; d--) {
      index[d]++;
      xi += strides[d];
      if (index[d] < srcShape[d]) break;
      xi -= strides[d] * srcShape[d];
      index[d] = 0;
    }
  }
}

/** Copies `part`, viewed as [outer, len*inner], into out's columns [at*inner, (at+len)*inner) of rows of width total*inner. */
export function copyBlock(part: TypedArray, outer: number, len: number, inner: number, out: TypedArray, at: number, total: number): void {
  const w = len * inner;
  for (let o = 0; o < outer; o++) {
    out.set(part.subarray(o * w, (o + 1) * w), (o * total + at) * inner);
  }
}

/** The inverse of copyBlock: reads that column block of x into part. */
export function readBlock(x: TypedArray, outer: number, len: number, inner: number, part: TypedArray, at: number, total: number): void {
  const w = len * inner;
  for (let o = 0; o < outer; o++) {
    part.set(x.subarray((o * total + at) * inner, (o * total + at) * inner + w), o * w);
  }
}

/**
 * Gather along an axis, x viewed as [outer, len, inner] and index as [outer, m, inner]:
 * out[o, j, i] = x[o, index[o, j, i], i]. Indices are checked by the caller.
 */
export function gather(x: TypedArray, outer: number, len: number, inner: number, index: Int32Array, m: number, out: TypedArray): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const oj = (o * m + j) * inner;
      for (let i = 0; i < inner; i++) out[oj + i] = x[(o * len + index[oj + i]) * inner + i];
    }
  }
}

/** The backward of gather: out[o, index[o, j, i], i] += src[o, j, i]. */
export function scatterAdd(src: TypedArray, outer: number, len: number, inner: number, index: Int32Array, m: number, out: TypedArray): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const oj = (o * m + j) * inner;
      for (let i = 0; i < inner; i++) out[(o * len + index[oj + i]) * inner + i] += src[oj + i];
    }
  }
}

/**
 * Take along an axis (numpy's take / index_select), x as [outer, len, inner], out as [outer, m, inner]:
 * out[o, j, :] = x[o, index[j], :].
 */
export function take(x: TypedArray, outer: number, len: number, inner: number, index: Int32Array, out: TypedArray): void {
  const m = index.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const from = (o * len + index[j]) * inner;
      out.set(x.subarray(from, from + inner), (o * m + j) * inner);
    }
  }
}

/** The backward of take: out[o, index[j], :] += src[o, j, :]. */
export function takeAdd(src: TypedArray, outer: number, len: number, inner: number, index: Int32Array, out: TypedArray): void {
  const m = index.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const to = (o * len + index[j]) * inner;
      const from = (o * m + j) * inner;
      for (let i = 0; i < inner; i++) out[to + i] += src[from + i];
    }
  }
}
