/* The microkernels: AVX-512, AVX2+FMA and portable C, all in one binary. The SIMD ones are compiled for their
 * ISA with function-level target attributes and chosen at run time by CPU features (gemm.c).
 * This file is compiled with -ffp-contract=off: a*b+c is never fused unless a kernel asks for it (UK_MADD). */
#include "gemm.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

/* AVX2 + FMA: 6 x 16 float32 (12 ymm accumulators), 6 x 8 float64 */
#define UK_NAME uk_avx2_s
#define UK_T float
#define UK_V __m256
#define UK_VL 8
#define UK_MR 6
#define UK_TARGET __attribute__((target("avx2,fma")))
#define UK_LOAD(p) _mm256_loadu_ps(p)
#define UK_STORE(p, v) _mm256_storeu_ps(p, v)
#define UK_BCAST(p) _mm256_broadcast_ss(p)
#define UK_ZERO() _mm256_setzero_ps()
#define UK_MADD(a, b, c) _mm256_fmadd_ps(a, b, c)
#include "ukernel.h"

/* float64 with FMA: only for float32 inputs widened to double, whose products are exact, so that
 * fma(a, b, c) rounds exactly as c + a*b does */
#define UK_NAME uk_avx2_dx
#define UK_T double
#define UK_V __m256d
#define UK_VL 4
#define UK_MR 6
#define UK_TARGET __attribute__((target("avx2,fma")))
#define UK_LOAD(p) _mm256_loadu_pd(p)
#define UK_STORE(p, v) _mm256_storeu_pd(p, v)
#define UK_BCAST(p) _mm256_broadcast_sd(p)
#define UK_ZERO() _mm256_setzero_pd()
#define UK_MADD(a, b, c) _mm256_fmadd_pd(a, b, c)
#include "ukernel.h"

/* float64 products rounded before the sum, as JS computes acc += a * b */
#define UK_NAME uk_avx2_d
#define UK_T double
#define UK_V __m256d
#define UK_VL 4
#define UK_MR 6
#define UK_TARGET __attribute__((target("avx2,fma")))
#define UK_LOAD(p) _mm256_loadu_pd(p)
#define UK_STORE(p, v) _mm256_storeu_pd(p, v)
#define UK_BCAST(p) _mm256_broadcast_sd(p)
#define UK_ZERO() _mm256_setzero_pd()
#define UK_MADD(a, b, c) _mm256_add_pd(c, _mm256_mul_pd(a, b))
#include "ukernel.h"

/* AVX-512: 12 x 32 float32 (24 zmm accumulators), 12 x 16 float64 */
#define UK_NAME uk_avx512_s
#define UK_T float
#define UK_V __m512
#define UK_VL 16
#define UK_MR 12
#define UK_TARGET __attribute__((target("avx512f")))
#define UK_LOAD(p) _mm512_loadu_ps(p)
#define UK_STORE(p, v) _mm512_storeu_ps(p, v)
#define UK_BCAST(p) _mm512_set1_ps(*(p))
#define UK_ZERO() _mm512_setzero_ps()
#define UK_MADD(a, b, c) _mm512_fmadd_ps(a, b, c)
#include "ukernel.h"

#define UK_NAME uk_avx512_dx
#define UK_T double
#define UK_V __m512d
#define UK_VL 8
#define UK_MR 12
#define UK_TARGET __attribute__((target("avx512f")))
#define UK_LOAD(p) _mm512_loadu_pd(p)
#define UK_STORE(p, v) _mm512_storeu_pd(p, v)
#define UK_BCAST(p) _mm512_set1_pd(*(p))
#define UK_ZERO() _mm512_setzero_pd()
#define UK_MADD(a, b, c) _mm512_fmadd_pd(a, b, c)
#include "ukernel.h"

#define UK_NAME uk_avx512_d
#define UK_T double
#define UK_V __m512d
#define UK_VL 8
#define UK_MR 12
#define UK_TARGET __attribute__((target("avx512f")))
#define UK_LOAD(p) _mm512_loadu_pd(p)
#define UK_STORE(p, v) _mm512_storeu_pd(p, v)
#define UK_BCAST(p) _mm512_set1_pd(*(p))
#define UK_ZERO() _mm512_setzero_pd()
#define UK_MADD(a, b, c) _mm512_add_pd(c, _mm512_mul_pd(a, b))
#include "ukernel.h"
#define HAVE_X86 1
#endif

/* Portable C: 4 x 8 tiles; the compiler vectorizes across the 8 columns (each element keeps its own sum). */
#define P_MR 4
#define P_NR 8
#define PORTABLE(NAME, T)                                                                                     \
    static void NAME(long kc, const T *restrict A, const T *restrict B, T *restrict C, long ldc, int first)  \
    {                                                                                                         \
        T c[P_MR][P_NR];                                                                                      \
        for (int r = 0; r < P_MR; r++)                                                                        \
            for (int j = 0; j < P_NR; j++) c[r][j] = first ? (T)0 : C[r * ldc + j];                           \
        for (long k = 0; k < kc; k++) {                                                                       \
            for (int r = 0; r < P_MR; r++)                                                                    \
                for (int j = 0; j < P_NR; j++) c[r][j] = c[r][j] + A[r] * B[j];                               \
            A += P_MR;                                                                                        \
            B += P_NR;                                                                                        \
        }                                                                                                     \
        for (int r = 0; r < P_MR; r++)                                                                        \
            for (int j = 0; j < P_NR; j++) C[r * ldc + j] = c[r][j];                                          \
    }
PORTABLE(uk_portable_s, float)
PORTABLE(uk_portable_d, double)

/* Blocking (elements): KC x NR slivers of B stay in L1, MC x KC blocks of A in L2, KC x NC blocks of B in L3. */
const gemm_kernel gemm_kernels[] = {
#ifdef HAVE_X86
    { "avx512", GEMM_AVX512, 12, 32, 12, 16, 256, 144, 4096, 192, 72, 2048, uk_avx512_s, uk_avx512_dx, uk_avx512_d },
    { "avx2", GEMM_AVX2, 6, 16, 6, 8, 256, 120, 4080, 256, 96, 2040, uk_avx2_s, uk_avx2_dx, uk_avx2_d },
#endif
    { "portable", GEMM_PORTABLE, P_MR, P_NR, P_MR, P_NR, 256, 64, 2048, 256, 64, 2048, uk_portable_s, uk_portable_d, uk_portable_d },
};
const int gemm_kernel_count = sizeof gemm_kernels / sizeof gemm_kernels[0];

int gemm_kernel_supported(const gemm_kernel *k)
{
#ifdef HAVE_X86
    __builtin_cpu_init();
    if (k->isa == GEMM_AVX512) return __builtin_cpu_supports("avx512f");
    if (k->isa == GEMM_AVX2) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    return k->isa == GEMM_PORTABLE;
}
