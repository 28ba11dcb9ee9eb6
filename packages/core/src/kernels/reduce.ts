// Reductions along one axis, with x viewed as [outer, len, inner] and out as [outer, inner].
import type { TypedArray } from '../dtype.js';

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
  // Accumulate whole rows at a time so the inner loop runs over contiguous memory.
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    for (let k = 0; k < len; k++) {
      const base = (o * len + k) * inner;
      for (let i = 0; i < inner; i++) acc[i] += x[base + i];
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
