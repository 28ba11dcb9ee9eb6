// Reductions along one axis, with x viewed as [outer, len, inner] and out as [outer, inner].
import type { TypedArray } from '../dtype.js';

/** Rows summed per pass over a block of columns (a chunk of a wide array stays in cache between passes). */
const SUM_ROWS = 256;

export function sumAxis(x: TypedArray, outer: number, len: number, inner: number, out: TypedArray): void {
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      let acc = 0;
      const base = o * len;
      for (let k = 0; k < len; k++) acc += x[base + k];
      out[o] = acc;
    }
    return;
  }
  // Each column sums in order over k, in double. Four columns at a time in registers (V8 pays a check per loop
  // iteration, so light loops gain from doing more per iteration), over chunks of rows that stay in cache.
  const acc = new Float64Array(inner);
  const i4 = inner - (inner % 4);
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    for (let k0 = 0; k0 < len; k0 += SUM_ROWS) {
      const start = (o * len + k0) * inner, end = (o * len + Math.min(len, k0 + SUM_ROWS)) * inner;
      let i = 0;
      for (; i < i4; i += 4) {
        let s0 = acc[i], s1 = acc[i + 1], s2 = acc[i + 2], s3 = acc[i + 3];
        for (let p = start + i; p < end; p += inner) {
          s0 += x[p];
          s1 += x[p + 1];
          s2 += x[p + 2];
          s3 += x[p + 3];
        }
        acc[i] = s0;
        acc[i + 1] = s1;
        acc[i + 2] = s2;
        acc[i + 3] = s3;
      }
      for (; i < inner; i++) {
        let s = acc[i];
        for (let p = start + i; p < end; p += inner) s += x[p];
        acc[i] = s;
      }
    }
    out.set(acc, o * inner);
  }
}

/** max (sign 1) or min (sign -1) along the axis; NaN propagates as in numpy. */
export function extremumAxis(x: TypedArray, outer: number, len: number, inner: number, out: TypedArray, sign: 1 | -1): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = x[o * len * inner + i];
      for (let k = 1; k < len && best === best; k++) {
        const v = x[(o * len + k) * inner + i];
        if ((sign === 1 ? v > best : v < best) || v !== v) best = v;
      }
      out[o * inner + i] = best;
    }
  }
}

/** Index of the first max (sign 1) or min (sign -1) along the axis; the first NaN wins, as in numpy. */
export function argExtremumAxis(x: TypedArray, outer: number, len: number, inner: number, out: TypedArray, sign: 1 | -1): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = x[o * len * inner + i];
      let at = 0;
      for (let k = 1; k < len && best === best; k++) {
        const v = x[(o * len + k) * inner + i];
        if ((sign === 1 ? v > best : v < best) || v !== v) {
          best = v;
          at = k;
        }
      }
      out[o * inner + i] = at;
    }
  }
}
