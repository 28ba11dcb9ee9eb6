#ifndef TG_GEMM_H
#define TG_GEMM_H
#include <stddef.h>

enum gemm_isa { GEMM_PORTABLE, GEMM_AVX2, GEMM_AVX512 };

typedef void (*ukernel_s)(long kc, const float *A, const float *B, float *C, long ldc, int first);
typedef void (*ukernel_d)(long kc, const double *A, const double *B, double *C, long ldc, int first);

/* One microkernel family and its blocking. s: float32 sums ('high'); dx: float32 inputs widened to double
 * (exact products, may fuse); d: float64 (product rounded, then added: no fusing). */
typedef struct {
    const char *name;
    enum gemm_isa isa;
    int mr_s, nr_s, mr_d, nr_d;
    long kc_s, mc_s, nc_s, kc_d, mc_d, nc_d;
    ukernel_s s;
    ukernel_d dx, d;
} gemm_kernel;

extern const gemm_kernel gemm_kernels[];
extern const int gemm_kernel_count;
int gemm_kernel_supported(const gemm_kernel *k); /* by this CPU */
int gemm_kernel_usable(int i);                    /* supported, and gives the portable kernel's bits */

/* How a float32 product sums: in float32 ('high'), in double, rounded once ('highest'), or in float32 on the
 * system BLAS (blas.h; 'high' only). */
enum gemm_mode { GEMM_F32_HIGH, GEMM_F32_HIGHEST, GEMM_F64, GEMM_F32_BLAS };

/* out[M,N] = op(a) @ op(b); a is [M,K] ([K,M] when transA), b is [K,N] ([N,K] when transB); row-major,
 * pointers at the first element. threads 2: products of at least GEMM_THREAD_MIN_FLOPS are split with the
 * worker thread (same bits). Returns 0, or -1 when memory for the packed panels could not be allocated. */
int gemm(enum gemm_mode mode, const void *a, int transA, const void *b, int transB, void *out,
         long M, long K, long N, int threads);

/* count products out[i] = op(a + aOff[i]) @ op(b + bOff[i]) (offsets in elements), out[i] at out + i*M*N: each
 * one as gemm on one thread computes it (the same bits as gemm's); with threads 2 this thread and the worker
 * take products one at a time (many small products: one hand-off instead of one each). */
int gemm_batch(enum gemm_mode mode, const void *a, const long *aOff, int transA, const void *b, const long *bOff, int transB,
               void *out, long count, long M, long K, long N, int threads);

/* The kernel family in use; set by name (NULL: the fastest usable). */
const gemm_kernel *gemm_get_kernel(void);
int gemm_set_kernel(const char *name);
/* FLOPs (2*M*N*K) from which a product is split over two threads */
#define GEMM_THREAD_MIN_FLOPS (1L << 18)
#endif
