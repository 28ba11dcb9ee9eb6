// Matrix product of row-major blocks. Transposed operands are read in place (never materialized).
import type { TypedArray } from '../dtype.js';

/**
 * out[M,N] = op(a) @ op(b), where op(a) is [M,K] (a stored as [K,M] when transA) and op(b) is [K,N]
 * (b stored as [N,K] when transB). Offsets select one matrix of a batch.
 */
export function matmul(
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
