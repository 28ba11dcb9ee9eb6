// Kernels for ops whose output size depends on the values: the positions of nonzero elements.
import type { TypedArray } from '../dtype.js';

/** How many elements of x are nonzero (NaN counts as nonzero). */
export function countNonzero(x: TypedArray): number {
  let n = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== 0) n++;
  return n;
}

/** The flat (row-major) positions of x's nonzero elements, in order, into out (countNonzero(x) long). */
export function nonzeroPositions(x: TypedArray, out: Int32Array): void {
  for (let i = 0, k = 0; i < x.length; i++) if (x[i] !== 0) out[k++] = i;
}

/** Flat positions as coordinates: row k of out [positions.length, shape.length] is position k's index. */
export function unravel(positions: Int32Array, shape: readonly number[], out: Int32Array): void {
  const nd = shape.length;
  for (let k = 0; k < positions.length; k++) {
    let rest = positions[k];
    for (let d = nd - 1; d >= 0; d--) {
      out[k * nd + d] = rest % shape[d];
      rest = Math.floor(rest / shape[d]);
    }
  }
}
