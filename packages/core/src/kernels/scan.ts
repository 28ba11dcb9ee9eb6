// Products, scans and orderings along one axis, x viewed as [outer, len, inner] (the reductions' layout).
// Scans write out [outer, len, inner]; the ordering kernels write int32 positions along the axis, from which
// the ops gather the values (so their gradients are gather's).
import type { TypedArray } from '../dtype.js';
import * as libm from './libm.js';

/** out [outer, inner] = the product over the axis, in order, in double. */
export function prodAxis(x: TypedArray, outer: number, len: number, inner: number, out: TypedArray): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let acc = 1;
      for (let k = 0, p = o * len * inner + i; k < len; k++, p += inner) acc *= x[p];
      out[o * inner + i] = acc;
    }
  }
}

/** One running scan along the axis: acc = step(acc, x) from `start`, each acc stored (rounded to out's dtype). */
function scan(x: TypedArray, outer: number, len: number, inner: number, out: TypedArray, start: number, step: (acc: number, v: number) => number): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let acc = start;
      for (let k = 0, p = o * len * inner + i; k < len; k++, p += inner) {
        acc = step(acc, x[p]);
        out[p] = acc;
      }
    }
  }
}

/** Running sums along the axis, accumulated in double. */
export function cumsumAxis(x: TypedArray, outer: number, len: number, inner: number, out: TypedArray): void {
  scan(x, outer, len, inner, out, 0, (acc, v) => acc + v);
}

/** Running products along the axis, accumulated in double. */
export function cumprodAxis(x: TypedArray, outer: number, len: number, inner: number, out: TypedArray): void {
  scan(x, outer, len, inner, out, 1, (acc, v) => acc * v);
}

/** log(e^a + e^b) without overflow; -inf for two -infs. */
function logaddexp(a: number, b: number): number {
  const m = a > b ? a : b; // NaN when b is, and then the result is too
  if (m === Infinity || m === -Infinity) return m;
  return m + libm.log1p(libm.exp(-Math.abs(a - b)));
}

/** Running log(sum(exp)) along the axis. */
export function logcumsumexpAxis(x: TypedArray, outer: number, len: number, inner: number, out: TypedArray): void {
  scan(x, outer, len, inner, out, -Infinity, logaddexp);
}

/**
 * The position of the running max (sign 1) or min (sign -1) along the axis: the latest of equal values, and
 * once a NaN is met, that NaN's (PyTorch's cummax/cummin).
 */
export function cumExtremumAxis(x: TypedArray, outer: number, len: number, inner: number, out: Int32Array, sign: 1 | -1): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = NaN, at = 0;
      for (let k = 0, p = o * len * inner + i; k < len; k++, p += inner) {
        const v = x[p];
        if (k === 0 || (best === best && (v !== v || (sign === 1 ? v >= best : v <= best)))) {
          best = v;
          at = k;
        }
        out[p] = at;
      }
    }
  }
}

/** Ascending order with NaN above everything (as PyTorch sorts). */
const ascending = (a: number, b: number) => (a !== a ? (b !== b ? 0 : 1) : b !== b ? -1 : a < b ? -1 : a > b ? 1 : 0);

/** Sorts order[0..len) by values (stable: equal values keep their order). */
function sortRow(values: Float64Array, order: number[], descending: boolean): void {
  for (let k = 0; k < order.length; k++) order[k] = k;
  order.sort(descending ? (p, q) => ascending(values[q], values[p]) : (p, q) => ascending(values[p], values[q]));
}

/** The positions that sort each row along the axis, stably (equal values keep their order), into out [outer, len, inner]. */
export function sortAxis(x: TypedArray, outer: number, len: number, inner: number, out: Int32Array, descending: boolean): void {
  const values = new Float64Array(len);
  const order = new Array<number>(len);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      for (let k = 0; k < len; k++) values[k] = x[base + k * inner];
      sortRow(values, order, descending);
      for (let k = 0; k < len; k++) out[base + k * inner] = order[k];
    }
  }
}

/** The position of each row's lower median along the axis (len >= 1), or of its first NaN; out [outer, inner]. */
export function medianAxis(x: TypedArray, outer: number, len: number, inner: number, out: Int32Array): void {
  const values = new Float64Array(len);
  const order = new Array<number>(len);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let nan = -1;
      for (let k = 0; k < len; k++) {
        values[k] = x[base + k * inner];
        if (nan < 0 && values[k] !== values[k]) nan = k;
      }
      if (nan < 0) {
        sortRow(values, order, false);
        nan = order[(len - 1) >> 1];
      }
      out[o * inner + i] = nan;
    }
  }
}
