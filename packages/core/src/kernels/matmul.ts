// Matrix product of row-major blocks, as plain loops (the JS backend's matmul; see Backend.matmul). Transposed
// operands are read in place (never materialized). The wasm kernel (wasm/) gives the same bits in either
// precision, so the backend, the FLOP threshold, the thread split and the batch size never change a result.
import type { TypedArray } from '../dtype.js';
import type { MatmulPrecision } from './backend.js';

export type { MatmulPrecision };

/**
 * The plain JS kernel. Every element sums over k in order. A float32 output sums as `precision` says (in double
 * for 'highest', in float32 for 'high', as the wasm kernel does in the same mode); float64 and int32 outputs
 * always sum in double.
 */
export function matmulJs(
  a: TypedArray, aOff: number, transA: boolean,
  b: TypedArray, bOff: number, transB: boolean,
  out: TypedArray, outOff: number,
  M: number, K: number, N: number,
  precision: MatmulPrecision,
): void {
  if (out instanceof Float32Array && precision === 'high') matmulF32(a, aOff, transA, b, bOff, transB, out, outOff, M, K, N);
  else matmulF64(a, aOff, transA, b, bOff, transB, out, outOff, M, K, N);
}

/**
 * Float32 accumulation: c = fround(c + fround(a * b)). Computing a float32 sum or product in double and
 * rounding once gives the correctly rounded float32 result (53 >= 2*24 + 2), so this is float32 arithmetic.
 * Stores into a Float32Array round the same way.
 */
function matmulF32(
  a: TypedArray, aOff: number, transA: boolean,
  b: TypedArray, bOff: number, transB: boolean,
  out: Float32Array, outOff: number,
  M: number, K: number, N: number,
): void {
  const fr = Math.fround;
  if (transB) {
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let acc = 0;
        const bj = bOff + j * K;
        if (!transA) {
          const ai = aOff + i * K;
          for (let k = 0; k < K; k++) acc = fr(acc + fr(a[ai + k] * b[bj + k]));
        } else {
          for (let k = 0; k < K; k++) acc = fr(acc + fr(a[aOff + k * M + i] * b[bj + k]));
        }
        out[outOff + i * N + j] = acc;
      }
    }
    return;
  }
  // i-k-j order, two rows of out at a time sharing each load of b, accumulated in place in out
  out.fill(0, outOff, outOff + M * N);
  let i = 0;
  for (; i + 2 <= M; i += 2) {
    const o0 = outOff + i * N, o1 = o0 + N;
    for (let k = 0; k < K; k++) {
      const a0 = transA ? a[aOff + k * M + i] : a[aOff + i * K + k];
      const a1 = transA ? a[aOff + k * M + i + 1] : a[aOff + (i + 1) * K + k];
      const bk = bOff + k * N;
      for (let j = 0; j < N; j++) {
        const bkj = b[bk + j];
        out[o0 + j] += fr(a0 * bkj);
        out[o1 + j] += fr(a1 * bkj);
      }
    }
  }
  for (; i < M; i++) {
    const o = outOff + i * N;
    for (let k = 0; k < K; k++) {
      const aik = transA ? a[aOff + k * M + i] : a[aOff + i * K + k];
      const bk = bOff + k * N;
      for (let j = 0; j < N; j++) out[o + j] += fr(aik * b[bk + j]);
    }
  }
}

/**
 * Double accumulation, rounded once on store: acc += a * b in double (the product of two float32s is exact in
 * double). Float64 and int32 outputs, and float32 outputs at 'highest' precision.
 */
function matmulF64(
  a: TypedArray, aOff: number, transA: boolean,
  b: TypedArray, bOff: number, transB: boolean,
  out: TypedArray, outOff: number,
  M: number, K: number, N: number,
): void {
  if (transB) {
    // Rows of a against rows of b: contiguous dot products.
    const rowA = transA ? null : a;
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let acc = 0;
        const bj = bOff + j * K;
        if (rowA) {
          const ai = aOff + i * K;
          for (let k = 0; k < K; k++) acc += a[ai + k] * b[bj + k];
        } else {
          for (let k = 0; k < K; k++) acc += a[aOff + k * M + i] * b[bj + k];
        }
        out[outOff + i * N + j] = acc;
      }
    }
    return;
  }
  // i-k-j order: the innermost loop walks a row of b and rows of out contiguously. Four rows of out at a
  // time share each load of b; each element still sums over k in order, in double, rounded once on store.
  const rows = new Float64Array(4 * N);
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    rows.fill(0);
    for (let k = 0; k < K; k++) {
      const a0 = transA ? a[aOff + k * M + i] : a[aOff + i * K + k];
      const a1 = transA ? a[aOff + k * M + i + 1] : a[aOff + (i + 1) * K + k];
      const a2 = transA ? a[aOff + k * M + i + 2] : a[aOff + (i + 2) * K + k];
      const a3 = transA ? a[aOff + k * M + i + 3] : a[aOff + (i + 3) * K + k];
      const bk = bOff + k * N;
      for (let j = 0; j < N; j++) {
        const bkj = b[bk + j];
        rows[j] += a0 * bkj;
        rows[N + j] += a1 * bkj;
        rows[2 * N + j] += a2 * bkj;
        rows[3 * N + j] += a3 * bkj;
      }
    }
    out.set(rows, outOff + i * N);
  }
  for (; i < M; i++) {
    const row = rows.subarray(0, N);
    row.fill(0);
    for (let k = 0; k < K; k++) {
      const aik = transA ? a[aOff + k * M + i] : a[aOff + i * K + k];
      const bk = bOff + k * N;
      for (let j = 0; j < N; j++) row[j] += aik * b[bk + j];
    }
    out.set(row, outOff + i * N);
  }
}
