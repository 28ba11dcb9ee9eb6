#ifndef TG_BLAS_H
#define TG_BLAS_H
/* A system CBLAS (OpenBLAS), opened at load from the file the install step found (build/blas.txt). It may serve only float32
 * products at precision 'high' (its sums are float32, in its own order and blocking): at 'highest' and for float64
 * our kernel's bits are required. */

/* Opens `path` and looks up cblas_sgemm and openblas_set_num_threads (needed to keep OpenBLAS's own threads off).
 * Returns NULL when it is usable, else why not (a static string). The first usable library opened stays the one
 * in use. */
const char *blas_open(const char *path);
/* At load: opens the BLAS named in build/blas.txt beside the addon's folder (written by native/find-blas.mjs: a
 * path, or why there is none), unless TENSORGRAD_NO_BLAS=1. blas_status() then says what happened. */
void blas_load_recorded(void);
/* NULL when a BLAS is loaded (blas_path() is its file), else why not */
const char *blas_status(void);
const char *blas_path(void);
/* OpenBLAS's build configuration and core, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64",
 * or NULL when not loaded. */
const char *blas_name(void);
/* out[M,N] = op(a) @ op(b) in float32 on the calling thread (OpenBLAS's own threads stay off: gemm() splits a product
 * over its two threads as it does for its own kernel), row-major with leading dimensions lda, ldb, ldc. Returns 0,
 * or -1 when the BLAS is not loaded or a size exceeds its 32-bit integers. */
/* Whether the BLAS computes a float32 product at 'high' (matmul's blas argument 2): where it measured faster than
 * our kernel (bench/native-notes.md; OpenBLAS 0.3.21's Zen kernels against our AVX2 one on a 2-core EPYC, both
 * split into the same halves): by 4-30 % at K >= 512 (W2/W5's first layer, K = 784), 10 % with b transposed (the
 * input gradients g w^T), up to 50 % on thin products (N = 10). Ours is 15 % faster with a transposed (the weight
 * gradients x^T g), and ahead or level at small K and on square products with K = 64..256. */
int blas_serves(int transA, int transB, long K, long N);
#define BLAS_SERVES "float32 at 'high', a not transposed, K >= 512 (or >= 64 with b transposed or N <= 16)"
int blas_sgemm(const float *a, int transA, long lda, const float *b, int transB, long ldb, float *out, long ldc, long M,
               long K, long N);
#endif
