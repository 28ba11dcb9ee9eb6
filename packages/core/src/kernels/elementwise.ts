// Elementwise kernels: plain loops over typed arrays. No autograd, no Tensor.
// The light kernels on a training step's hot path (relu, its backward, the bias add) do four elements per loop
// iteration: V8 spends about as long on an iteration's own checks as on one such element (measured ~2x faster).
import type { TypedArray } from '../dtype.js';
import { broadcastStrides } from '../shape.js';
import type { BinaryKernel } from './backend.js';
import * as libm from './libm.js';

/**
 * A binary kernel over one run of elements: out[oi + k] = f(a[ai + k*sa], b[bi + k*sb]) for k < n.
 * A stride of 0 repeats a broadcast operand.
 */
export type BinaryRow = (
  a: TypedArray, ai: number, sa: number,
  b: TypedArray, bi: number, sb: number,
  out: TypedArray, oi: number, n: number,
) => void;

export const addRow: BinaryRow = (a, ai, sa, b, bi, sb, out, oi, n) => {
  for (let k = 0; k < n; k++) out[oi + k] = a[ai + k * sa] + b[bi + k * sb];
};
export const subRow: BinaryRow = (a, ai, sa, b, bi, sb, out, oi, n) => {
  for (let k = 0; k < n; k++) out[oi + k] = a[ai + k * sa] - b[bi + k * sb];
};
export const mulRow: BinaryRow = (a, ai, sa, b, bi, sb, out, oi, n) => {
  for (let k = 0; k < n; k++) out[oi + k] = a[ai + k * sa] * b[bi + k * sb];
};
export const divRow: BinaryRow = (a, ai, sa, b, bi, sb, out, oi, n) => {
  for (let k = 0; k < n; k++) out[oi + k] = a[ai + k * sa] / b[bi + k * sb];
};
export const powRow: BinaryRow = (a, ai, sa, b, bi, sb, out, oi, n) => {
  for (let k = 0; k < n; k++) out[oi + k] = libm.pow(a[ai + k * sa], b[bi + k * sb]);
};
// NaN propagates, as in numpy's maximum/minimum.
export const maximumRow: BinaryRow = (a, ai, sa, b, bi, sb, out, oi, n) => {
  for (let k = 0; k < n; k++) {
    const x = a[ai + k * sa], y = b[bi + k * sb];
    out[oi + k] = x > y || x !== x ? x : y;
  }
};
export const minimumRow: BinaryRow = (a, ai, sa, b, bi, sb, out, oi, n) => {
  for (let k = 0; k < n; k++) {
    const x = a[ai + k * sa], y = b[bi + k * sb];
    out[oi + k] = x < y || x !== x ? x : y;
  }
};
export const eqRow: BinaryRow = (a, ai, sa, b, bi, sb, out, oi, n) => {
  for (let k = 0; k < n; k++) out[oi + k] = a[ai + k * sa] === b[bi + k * sb] ? 1 : 0;
};
export const neRow: BinaryRow = (a, ai, sa, b, bi, sb, out, oi, n) => {
  for (let k = 0; k < n; k++) out[oi + k] = a[ai + k * sa] !== b[bi + k * sb] ? 1 : 0;
};
export const gtRow: BinaryRow = (a, ai, sa, b, bi, sb, out, oi, n) => {
  for (let k = 0; k < n; k++) out[oi + k] = a[ai + k * sa] > b[bi + k * sb] ? 1 : 0;
};
export const geRow: BinaryRow = (a, ai, sa, b, bi, sb, out, oi, n) => {
  for (let k = 0; k < n; k++) out[oi + k] = a[ai + k * sa] >= b[bi + k * sb] ? 1 : 0;
};
export const ltRow: BinaryRow = (a, ai, sa, b, bi, sb, out, oi, n) => {
  for (let k = 0; k < n; k++) out[oi + k] = a[ai + k * sa] < b[bi + k * sb] ? 1 : 0;
};
export const leRow: BinaryRow = (a, ai, sa, b, bi, sb, out, oi, n) => {
  for (let k = 0; k < n; k++) out[oi + k] = a[ai + k * sa] <= b[bi + k * sb] ? 1 : 0;
};

/**
 * Merges adjacent dimensions that every operand walks contiguously, so the innermost run is as long as
 * possible (a same-shape op becomes one run; a [300,64] + [1,64] bias add becomes 300 runs of 64).
 */
function collapse(shape: readonly number[], stridesList: number[][]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = stridesList.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue; // size-1 dimensions move nothing
    const last = outShape.length - 1;
    const mergeable = last >= 0 && stridesList.every((st, k) => outStrides[k][last] === st[d] * shape[d]);
    if (mergeable) {
      outShape[last] *= shape[d];
      stridesList.forEach((st, k) => (outStrides[k][last] = st[d]));
    } else {
      outShape.push(shape[d]);
      stridesList.forEach((st, k) => outStrides[k].push(st[d]));
    }
  }
  if (outShape.length === 0) {
    outShape.push(1);
    outStrides.forEach((st) => st.push(1));
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * The runs binary() walks for a (aShape) op b (bShape) into out (outShape): the merged shape, whose last dimension
 * is the run, and a's and b's strides in it (0 where broadcast).
 */
export function broadcastRuns(aShape: readonly number[], bShape: readonly number[], outShape: readonly number[]): { shape: number[]; strides: number[][] } {
  return collapse(outShape, [broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape)]);
}

/** Applies `row` over broadcast operands a (aShape) and b (bShape) into out (outShape, contiguous). */
export function binary(
  row: BinaryRow,
  a: TypedArray, aShape: readonly number[],
  b: TypedArray, bShape: readonly number[],
  out: TypedArray, outShape: readonly number[],
): void {
  if (out.length === 0) return;
  // operands as long as out or of one element: one run, stride 1 or 0
  if ((a.length === out.length || a.length === 1) && (b.length === out.length || b.length === 1)) {
    return row(a, 0, a.length === out.length ? 1 : 0, b, 0, b.length === out.length ? 1 : 0, out, 0, out.length);
  }
  const c = broadcastRuns(aShape, bShape, outShape);
  const [sa, sb] = c.strides;
  const nd = c.shape.length;
  const inner = c.shape[nd - 1];
  const ia = sa[nd - 1], ib = sb[nd - 1];
  const rows = out.length / inner;
  const index = new Array<number>(nd).fill(0);
  let ai = 0, bi = 0;
  for (let r = 0, oi = 0; r < rows; r++, oi += inner) {
    row(a, ai, ia, b, bi, ib, out, oi, inner);
    // odometer over the outer dimensions
    for (let d = nd - 2; d >= 0; d--) {
      index[d]++;
      ai += sa[d];
      bi += sb[d];
      if (index[d] < c.shape[d]) break;
      ai -= sa[d] * c.shape[d];
      bi -= sb[d] * c.shape[d];
      index[d] = 0;
    }
  }
}

/** A broadcasting binary kernel from a row kernel. */
export const broadcasting = (row: BinaryRow): BinaryKernel => (a, aShape, b, bShape, out, outShape) =>
  binary(row, a, aShape, b, bShape, out, outShape);

/** x[r, j] += row[j] for x [rows, cols], in place (a bias added to a fresh product). */
export function addRowsInPlace(x: TypedArray, row: TypedArray, rows: number, cols: number): void {
  const c4 = cols - (cols % 4);
  for (let o = 0; o < rows * cols; o += cols) {
    let j = 0;
    for (; j < c4; j += 4) {
      x[o + j] += row[j];
      x[o + j + 1] += row[j + 1];
      x[o + j + 2] += row[j + 2];
      x[o + j + 3] += row[j + 3];
    }
    for (; j < cols; j++) x[o + j] += row[j];
  }
}

/** acc += x elementwise (same length): how gradients accumulate. */
export function addInPlace(acc: TypedArray, x: TypedArray): void {
  for (let i = 0; i < acc.length; i++) acc[i] += x[i];
}

/** where(cond, a, b) with all three already broadcast to out's length. */
export function select(cond: TypedArray, a: TypedArray, b: TypedArray, out: TypedArray): void {
  for (let i = 0; i < out.length; i++) out[i] = cond[i] !== 0 ? a[i] : b[i];
}

// ---- unary kernels: out[i] = f(x[i]) ----

export function neg(x: TypedArray, out: TypedArray): void {
  for (let i = 0; i < x.length; i++) out[i] = -x[i];
}
export function exp(x: TypedArray, out: TypedArray): void {
  for (let i = 0; i < x.length; i++) out[i] = libm.exp(x[i]);
}
export function log(x: TypedArray, out: TypedArray): void {
  for (let i = 0; i < x.length; i++) out[i] = libm.log(x[i]);
}
export function sqrt(x: TypedArray, out: TypedArray): void {
  for (let i = 0; i < x.length; i++) out[i] = Math.sqrt(x[i]);
}
export function abs(x: TypedArray, out: TypedArray): void {
  for (let i = 0; i < x.length; i++) out[i] = Math.abs(x[i]);
}
/** numpy's sign: -1, 0 or 1, and NaN for NaN. */
export function sign(x: TypedArray, out: TypedArray): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    out[i] = v > 0 ? 1 : v < 0 ? -1 : v === 0 ? 0 : NaN;
  }
}
export function relu(x: TypedArray, out: TypedArray): void {
  const n = x.length, n4 = n - (n % 4);
  let i = 0;
  for (; i < n4; i += 4) {
    const a = x[i], b = x[i + 1], c = x[i + 2], d = x[i + 3];
    out[i] = a > 0 ? a : a === a ? 0 : a;
    out[i + 1] = b > 0 ? b : b === b ? 0 : b;
    out[i + 2] = c > 0 ? c : c === c ? 0 : c;
    out[i + 3] = d > 0 ? d : d === d ? 0 : d;
  }
  for (; i < n; i++) {
    const v = x[i];
    out[i] = v > 0 ? v : v === v ? 0 : v;
  }
}
export function leakyRelu(x: TypedArray, out: TypedArray, slope: number): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    out[i] = v > 0 ? v : v * slope;
  }
}
/** 1 / (1 + e^-x), written so that neither branch overflows. */
export function sigmoid(x: TypedArray, out: TypedArray): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v >= 0) out[i] = 1 / (1 + libm.exp(-v));
    else {
      const e = libm.exp(v);
      out[i] = e / (1 + e);
    }
  }
}
export function tanh(x: TypedArray, out: TypedArray): void {
  for (let i = 0; i < x.length; i++) out[i] = libm.tanh(x[i]);
}
/** relu's backward: g where x > 0, else g * 0 (which keeps -0 and NaN exactly as g * step(x) would). */
export function reluBackward(x: TypedArray, g: TypedArray, out: TypedArray): void {
  const n = out.length, n4 = n - (n % 4);
  let i = 0;
  for (; i < n4; i += 4) {
    const a = g[i], b = g[i + 1], c = g[i + 2], d = g[i + 3];
    out[i] = x[i] > 0 ? a : a * 0;
    out[i + 1] = x[i + 1] > 0 ? b : b * 0;
    out[i + 2] = x[i + 2] > 0 ? c : c * 0;
    out[i + 3] = x[i + 3] > 0 ? d : d * 0;
  }
  for (; i < n; i++) out[i] = x[i] > 0 ? g[i] : g[i] * 0;
}
/** Heaviside as the notebook's step activation: 1 where x > 0, else 0. */
export function step(x: TypedArray, out: TypedArray): void {
  for (let i = 0; i < x.length; i++) out[i] = x[i] > 0 ? 1 : 0;
}
export function powScalar(x: TypedArray, out: TypedArray, p: number): void {
  if (p === 2) {
    for (let i = 0; i < x.length; i++) out[i] = x[i] * x[i];
    return;
  }
  for (let i = 0; i < x.length; i++) out[i] = libm.pow(x[i], p);
}
/** numpy's clip, minimum(maximum(x, lo), hi): hi everywhere when lo > hi; NaN passes through. */
export function clip(x: TypedArray, out: TypedArray, lo: number, hi: number): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i] < lo ? lo : x[i];
    out[i] = v > hi ? hi : v;
  }
}
/** 1 where lo <= x <= hi (the pass-through region of clip), else 0. */
export function inRange(x: TypedArray, out: TypedArray, lo: number, hi: number): void {
  for (let i = 0; i < x.length; i++) out[i] = x[i] >= lo && x[i] <= hi ? 1 : 0;
}

// ---- scans

/** Sets every NaN and ±Infinity of x to 0, in place. */
export function zeroNonFinite(x: TypedArray): void {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) x[i] = 0;
}

/** 1 if x has a NaN, | 2 if it has a ±Infinity. */
export function nonFiniteKinds(x: TypedArray): number {
  if (x instanceof Int32Array) return 0;
  let found = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v - v !== 0) {
      found |= v !== v ? 1 : 2;
      if (found === 3) break;
    }
  }
  return found;
}

/** The index of the first NaN or ±Infinity of x, or -1. */
export function firstNonFinite(x: TypedArray): number {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v - v !== 0) return i; // NaN and ±Infinity only
  }
  return -1;
}

// ---- creation

/** out[i] = start + i * step. */
export function arange(out: TypedArray, start: number, step: number): void {
  for (let i = 0; i < out.length; i++) out[i] = start + i * step;
}

/** numpy's linspace: start + i * (stop - start) / (num - 1), the last value stop itself. */
export function linspace(out: TypedArray, start: number, stop: number): void {
  const num = out.length;
  const div = num - 1;
  const delta = stop - start;
  const stepSize = div > 0 ? delta / div : NaN;
  for (let i = 0; i < num; i++) out[i] = div > 0 ? start + i * stepSize : start;
  if (num > 1) out[num - 1] = stop;
}

/** Ones on the diagonal of a zero-filled out [n, m]. */
export function eye(out: TypedArray, n: number, m: number): void {
  for (let i = 0; i < Math.min(n, m); i++) out[i * m + i] = 1;
}

/** out[i, labels[i]] = 1 for a zero-filled out [labels.length, classes]. */
export function oneHot(labels: Int32Array, classes: number, out: TypedArray): void {
  for (let i = 0; i < labels.length; i++) out[i * classes + labels[i]] = 1;
}

/** Inverted dropout's mask: 1 / keep where u < keep, else 0 (stored in out's dtype). */
export function dropoutMask(u: Float64Array, keep: number, out: TypedArray): void {
  for (let i = 0; i < u.length; i++) out[i] = u[i] < keep ? 1 / keep : 0;
}
