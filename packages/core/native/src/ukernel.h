/* One register-tiled microkernel, instantiated per ISA and element type by defining these macros first:
 *   UK_NAME, UK_T (float|double), UK_V (vector type), UK_VL (lanes), UK_MR (rows), UK_TARGET (attribute),
 *   UK_LOAD(p), UK_STORE(p, v), UK_BCAST(p), UK_ZERO(), UK_MADD(a, b, c) (c + a*b, fused or not).
 * The tile is UK_MR x (2*UK_VL). Each C element accumulates over k in order, starting from 0 (first) or from C:
 * splitting k into blocks (kc) only stores and reloads the running sum, so the sum order is that of one loop.
 * A: packed panel, A[k*UK_MR + r]; B: packed panel, B[k*2*UK_VL + c]; C: row-major with row stride ldc. */
UK_TARGET static void UK_NAME(long kc, const UK_T *restrict A, const UK_T *restrict B, UK_T *restrict C, long ldc, int first)
{
    UK_V c0[UK_MR], c1[UK_MR];
#pragma GCC unroll 16
    for (int r = 0; r < UK_MR; r++) {
        if (first) { c0[r] = UK_ZERO(); c1[r] = UK_ZERO(); }
        else { c0[r] = UK_LOAD(C + r * ldc); c1[r] = UK_LOAD(C + r * ldc + UK_VL); }
    }
    for (long k = 0; k < kc; k++) {
        const UK_V b0 = UK_LOAD(B), b1 = UK_LOAD(B + UK_VL);
        __builtin_prefetch(B + 8 * 2 * UK_VL);
#pragma GCC unroll 16
        for (int r = 0; r < UK_MR; r++) {
            const UK_V a = UK_BCAST(A + r);
            c0[r] = UK_MADD(a, b0, c0[r]);
            c1[r] = UK_MADD(a, b1, c1[r]);
        }
        A += UK_MR;
        B += 2 * UK_VL;
    }
#pragma GCC unroll 16
    for (int r = 0; r < UK_MR; r++) {
        UK_STORE(C + r * ldc, c0[r]);
        UK_STORE(C + r * ldc + UK_VL, c1[r]);
    }
}
#undef UK_NAME
#undef UK_T
#undef UK_V
#undef UK_VL
#undef UK_MR
#undef UK_TARGET
#undef UK_LOAD
#undef UK_STORE
#undef UK_BCAST
#undef UK_ZERO
#undef UK_MADD
