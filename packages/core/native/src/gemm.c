/* Packed, cache-blocked matrix product in the BLIS/GotoBLAS structure:
 *   for jc (NC columns): for pc (KC of k): pack B[pc.., jc..] into NR-wide panels
 *     for ic (MC rows): pack A[ic.., pc..] into MR-high panels
 *       for jr, ir: microkernel on an MR x NR tile (edges through a padded tile)
 * Transposed operands are read in packing; float32 is widened to double in packing for 'highest'.
 * Sum order: every element of out sums its K products in order, starting from 0, whatever the blocking, the
 * kernel family or the thread split (a k block only stores and reloads the running sum). In double with
 * products rounded first (float64), or exact (float32 widened), this is the JS kernel's arithmetic exactly.
 * For float32 'highest' the running sums of a block of rows live in a double scratch and are rounded to
 * float32 once, at the end. */
#include "gemm.h"
#include "blas.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const gemm_kernel *kern;

/* ---- per-thread workspace: packed A block, packed B block, float32 'highest' scratch; grown, never freed */
#define SCRATCH_BYTES (2L << 20)
typedef struct { void *a, *b, *c; size_t na, nb, nc; } workspace;
static _Thread_local workspace ws_tls;

static void *grow(void **p, size_t *have, size_t need)
{
    if (*have >= need) return *p;
    free(*p);
    *p = aligned_alloc(64, (need + 63) & ~(size_t)63);
    *have = *p ? need : 0;
    return *p;
}

static long min_l(long x, long y) { return x < y ? x : y; }
static long round_up(long x, long m) { return (x + m - 1) / m * m; }

typedef struct {
    enum gemm_mode mode;
    const void *a, *b;
    void *out;
    int transA, transB;
    long M, K, N;
    const gemm_kernel *k;
    int tc; /* out holds the transpose: element (i, j) at out[j*M + i] (see gemm: thin products are swapped) */
} job;

/* ---- packing. A panel: P[k*mr + r] = A(i0+r, p0+k), zero past M; B panel: P[k*nr + c] = B(p0+k, j0+c), zero
 * past N. A(i, k) = transA ? a[k*M + i] : a[i*K + k]; B(k, j) = transB ? b[j*K + k] : b[k*N + j]. */
#define PACKERS(SUFFIX, TI, TO)                                                                                \
    static void pack_a_##SUFFIX(const TI *a, int trans, long M, long K, long i0, long mc, long p0, long kc,   \
                                int mr, TO *restrict P)                                                        \
    {                                                                                                          \
        for (long ip = 0; ip < mc; ip += mr, P += (long)mr * kc) {                                             \
            long rows = min_l(mr, M - i0 - ip);                                                                \
            if (trans) {                                                                                       \
                for (long k = 0; k < kc; k++) {                                                                \
                    const TI *src = a + (p0 + k) * M + i0 + ip;                                                \
                    long r = 0;                                                                                \
                    for (; r < rows; r++) P[k * mr + r] = (TO)src[r];                                          \
                    for (; r < mr; r++) P[k * mr + r] = 0;                                                     \
                }                                                                                              \
            } else {                                                                                           \
                long r = 0;                                                                                    \
                for (; r < rows; r++) {                                                                        \
                    const TI *src = a + (i0 + ip + r) * K + p0;                                                \
                    for (long k = 0; k < kc; k++) P[k * mr + r] = (TO)src[k];                                  \
                }                                                                                              \
                for (; r < mr; r++)                                                                            \
                    for (long k = 0; k < kc; k++) P[k * mr + r] = 0;                                           \
            }                                                                                                  \
        }                                                                                                      \
    }                                                                                                          \
    static void pack_b_##SUFFIX(const TI *b, int trans, long K, long N, long p0, long kc, long j0, long nc,   \
                                int nr, TO *restrict P)                                                        \
    {                                                                                                          \
        for (long jp = 0; jp < nc; jp += nr, P += (long)nr * kc) {                                             \
            long cols = min_l(nr, N - j0 - jp);                                                                \
            if (trans) {                                                                                       \
                long c = 0;                                                                                    \
                for (; c < cols; c++) {                                                                        \
                    const TI *src = b + (j0 + jp + c) * K + p0;                                                \
                    for (long k = 0; k < kc; k++) P[k * nr + c] = (TO)src[k];                                  \
                }                                                                                              \
                for (; c < nr; c++)                                                                            \
                    for (long k = 0; k < kc; k++) P[k * nr + c] = 0;                                           \
            } else {                                                                                           \
                for (long k = 0; k < kc; k++) {                                                                \
                    const TI *src = b + (p0 + k) * N + j0 + jp;                                                \
                    long c = 0;                                                                                \
                    for (; c < cols; c++) P[k * nr + c] = (TO)src[c];                                          \
                    for (; c < nr; c++) P[k * nr + c] = 0;                                                     \
                }                                                                                              \
            }                                                                                                  \
        }                                                                                                      \
    }
PACKERS(ss, float, float)
PACKERS(sd, float, double)
PACKERS(dd, double, double)

/* The next tile's running sums, to be in cache when its microkernel loads them (they come from L3 otherwise). */
static inline void prefetch_tile(const void *c, int rows, long row_bytes, long stride)
{
    for (int r = 0; r < rows; r++)
        for (long b = 0; b < row_bytes; b += 64) __builtin_prefetch((const char *)c + r * stride + b, 1);
}

/* ---- the macro-kernel over one packed A block (mc x kc) and B block (kc x nc); C is the running sums, row-major
 * with row stride ldc, or column-major (tc: element (r, c) at C[c*ldc + r], through the edge tile). */
#define MACRO(T, UK)                                                                                           \
    static void macro_##T(UK uk, int mr, int nr, long mc, long nc, long kc, const T *Ap, const T *Bp, T *C,   \
                          long ldc, int first, int tc)                                                         \
    {                                                                                                          \
        T tile[12 * 32] __attribute__((aligned(64)));                                                          \
        for (long jr = 0; jr < nc; jr += nr) {                                                                 \
            long cols = min_l(nr, nc - jr);                                                                    \
            for (long ir = 0; ir < mc; ir += mr) {                                                             \
                long rows = min_l(mr, mc - ir);                                                                \
                if (tc) {                                                                                      \
                    T *c = C + jr * ldc + ir;                                                                  \
                    if (!first)                                                                                \
                        for (long r = 0; r < rows; r++)                                                        \
                            for (long q = 0; q < cols; q++) tile[r * nr + q] = c[q * ldc + r];                 \
                    uk(kc, Ap + ir * kc, Bp + jr * kc, tile, nr, first);                                       \
                    for (long r = 0; r < rows; r++)                                                            \
                        for (long q = 0; q < cols; q++) c[q * ldc + r] = tile[r * nr + q];                     \
                    continue;                                                                                  \
                }                                                                                              \
                T *c = C + ir * ldc + jr;                                                                      \
                if (!first) prefetch_tile(ir + mr < mc ? c + mr * ldc : C + jr + nr, mr, nr * sizeof(T), ldc * sizeof(T)); \
                if (rows == mr && cols == nr) {                                                                \
                    uk(kc, Ap + ir * kc, Bp + jr * kc, c, ldc, first);                                         \
                    continue;                                                                                  \
                }                                                                                              \
                if (!first)                                                                                    \
                    for (long r = 0; r < rows; r++) memcpy(tile + r * nr, c + r * ldc, cols * sizeof(T));     \
                uk(kc, Ap + ir * kc, Bp + jr * kc, tile, nr, first);                                           \
                for (long r = 0; r < rows; r++) memcpy(c + r * ldc, tile + r * nr, cols * sizeof(T));         \
            }                                                                                                  \
        }                                                                                                      \
    }
MACRO(float, ukernel_s)
MACRO(double, ukernel_d)

/* Where element (i, j) of the product is in out, and out's leading dimension. */
static inline long at(const job *j, long i, long jj) { return j->tc ? jj * j->M + i : i * j->N + jj; }

/* Rows [m0, m1) and columns [n0, n1) of out. */
static int run(const job *j, long m0, long m1, long n0, long n1)
{
    if (j->mode == GEMM_F32_BLAS) {
        const float *a = (const float *)j->a + (j->transA ? m0 : m0 * j->K), *b = (const float *)j->b + (j->transB ? n0 * j->K : n0);
        return blas_sgemm(a, j->transA, j->transA ? j->M : j->K, b, j->transB, j->transB ? j->K : j->N,
                          (float *)j->out + m0 * j->N + n0, j->N, m1 - m0, j->K, n1 - n0);
    }
    const gemm_kernel *k = j->k;
    const int dbl = j->mode != GEMM_F32_HIGH;
    const int mr = dbl ? k->mr_d : k->mr_s, nr = dbl ? k->nr_d : k->nr_s;
    const long KC = dbl ? k->kc_d : k->kc_s, MC = dbl ? k->mc_d : k->mc_s, NC = dbl ? k->nc_d : k->nc_s;
    const long K = j->K, N = j->N, M = j->M;
    const size_t el = dbl ? sizeof(double) : sizeof(float);
    const long ld = j->tc ? M : N;
    workspace *ws = &ws_tls;
    if (!grow(&ws->a, &ws->na, (size_t)MC * KC * el) || !grow(&ws->b, &ws->nb, (size_t)KC * NC * el)) return -1;
    /* float32 'highest': a chunk of MB rows x NC columns of double running sums */
    long MB = m1 - m0;
    if (j->mode == GEMM_F32_HIGHEST) {
        MB = (SCRATCH_BYTES / (long)sizeof(double) / NC) / MC * MC;
        if (MB < MC) MB = MC;
        if (!grow(&ws->c, &ws->nc, (size_t)MB * NC * sizeof(double))) return -1;
    }
    for (long jc = n0; jc < n1; jc += NC) {
        const long nc = min_l(NC, n1 - jc);
        for (long ib = m0; ib < m1; ib += MB) {
            const long mb = min_l(MB, m1 - ib);
            for (long pc = 0; pc < K; pc += KC) {
                const long kc = min_l(KC, K - pc);
                const int first = pc == 0;
                if (j->mode == GEMM_F32_HIGH) pack_b_ss(j->b, j->transB, K, N, pc, kc, jc, nc, nr, ws->b);
                else if (j->mode == GEMM_F32_HIGHEST) pack_b_sd(j->b, j->transB, K, N, pc, kc, jc, nc, nr, ws->b);
                else pack_b_dd(j->b, j->transB, K, N, pc, kc, jc, nc, nr, ws->b);
                for (long ic = ib; ic < ib + mb; ic += MC) {
                    const long mc = min_l(MC, ib + mb - ic);
                    if (j->mode == GEMM_F32_HIGH) {
                        pack_a_ss(j->a, j->transA, M, K, ic, mc, pc, kc, mr, ws->a);
                        macro_float(k->s, mr, nr, mc, nc, kc, ws->a, ws->b, (float *)j->out + at(j, ic, jc), ld, first, j->tc);
                    } else if (j->mode == GEMM_F32_HIGHEST) {
                        pack_a_sd(j->a, j->transA, M, K, ic, mc, pc, kc, mr, ws->a);
                        macro_double(k->dx, mr, nr, mc, nc, kc, ws->a, ws->b, (double *)ws->c + (ic - ib) * nc, nc, first, 0);
                    } else {
                        pack_a_dd(j->a, j->transA, M, K, ic, mc, pc, kc, mr, ws->a);
                        macro_double(k->d, mr, nr, mc, nc, kc, ws->a, ws->b, (double *)j->out + at(j, ic, jc), ld, first, j->tc);
                    }
                }
            }
            if (j->mode == GEMM_F32_HIGHEST) {
                const double *s = ws->c;
                float *o = (float *)j->out;
                for (long r = 0; r < mb; r++)
                    for (long c = 0; c < nc; c++) o[at(j, ib + r, jc + c)] = (float)s[r * nc + c];
            }
        }
    }
    return 0;
}

/* ---- one persistent worker thread. The caller posts one half of a product, computes the other, then waits
 * for the worker if it claimed the half, or takes the half back if it has not woken up yet (on a busy machine
 * it may not run for milliseconds): two threads are then never slower than one. The same bits either way. */
typedef struct { const job *j; long m0, m1, n0, n1; int err; struct batch *b; } task;
enum { IDLE, POSTED, CLAIMED, DONE };
static pthread_mutex_t pool_busy = PTHREAD_MUTEX_INITIALIZER; /* one split product at a time */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv_job = PTHREAD_COND_INITIALIZER, cv_done = PTHREAD_COND_INITIALIZER;
static atomic_long job_seq;
static atomic_int state = IDLE;
static task *current;
static int worker_state; /* 0 not started, 1 running, -1 failed to start */

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Spin up to `us` microseconds while cond() is false (cheaper than sleeping between back-to-back products). */
#define SPIN_WHILE(cond, us, ok)                                                                               \
    do {                                                                                                       \
        double end_ = 0;                                                                                       \
        ok = 1;                                                                                                \
        for (int i_ = 1; (cond); i_++) {                                                                       \
            cpu_relax();                                                                                       \
            if ((i_ & 63) == 0) {                                                                              \
                double t_ = now_us();                                                                          \
                if (end_ == 0) end_ = t_ + (us);                                                               \
                else if (t_ > end_) { ok = 0; break; }                                                         \
            }                                                                                                  \
        }                                                                                                      \
    } while (0)

/* A batch of products (gemm_batch), which both threads take one at a time from `next` (a thread that loses its
 * CPU holds up at most one product). A task runs the batch when b is set, else rows and columns of j. */
struct batch {
    atomic_long next;
    enum gemm_mode mode;
    const char *a, *b;
    char *out;
    const long *aOff, *bOff;
    int transA, transB;
    long M, K, N;
    size_t el;
};

static int run_task(const task *t)
{
    if (!t->b) return run(t->j, t->m0, t->m1, t->n0, t->n1);
    struct batch *b = t->b;
    for (long i; (i = atomic_fetch_add(&b->next, 1)) < t->m1;) {
        int err = gemm(b->mode, b->a + b->aOff[i] * b->el, b->transA, b->b + b->bOff[i] * b->el, b->transB,
                       b->out + i * b->M * b->N * b->el, b->M, b->K, b->N, 1);
        if (err) return err;
    }
    return 0;
}

static void *worker_main(void *arg)
{
    (void)arg;
    long seen = 0;
    for (;;) {
        int woke;
        SPIN_WHILE(atomic_load(&job_seq) == seen, 50, woke);
        if (!woke) {
            pthread_mutex_lock(&mu);
            while (atomic_load(&job_seq) == seen) pthread_cond_wait(&cv_job, &mu);
            pthread_mutex_unlock(&mu);
        }
        seen = atomic_load(&job_seq);
        int posted = POSTED;
        if (!atomic_compare_exchange_strong(&state, &posted, CLAIMED)) continue; /* taken back by the caller */
        task *t = current;
        t->err = run_task(t);
        pthread_mutex_lock(&mu);
        atomic_store(&state, DONE);
        pthread_cond_signal(&cv_done);
        pthread_mutex_unlock(&mu);
    }
    return NULL;
}

static int start_worker(void)
{
    if (worker_state == 0) {
        pthread_t th;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        worker_state = pthread_create(&th, &attr, worker_main, NULL) == 0 ? 1 : -1;
        pthread_attr_destroy(&attr);
    }
    return worker_state == 1;
}

static int run_split(const task *mine, task *other)
{
    current = other;
    atomic_store(&state, POSTED);
    pthread_mutex_lock(&mu);
    atomic_fetch_add(&job_seq, 1);
    pthread_cond_signal(&cv_job);
    pthread_mutex_unlock(&mu);
    int err = run_task(mine);
    int posted = POSTED;
    if (atomic_compare_exchange_strong(&state, &posted, IDLE)) {
        other->err = run_task(other);
    } else {
        int done;
        SPIN_WHILE(atomic_load(&state) != DONE, 200, done);
        if (!done) {
            pthread_mutex_lock(&mu);
            while (atomic_load(&state) != DONE) pthread_cond_wait(&cv_done, &mu);
            pthread_mutex_unlock(&mu);
        }
        atomic_store(&state, IDLE);
    }
    return err ? err : other->err;
}

int gemm(enum gemm_mode mode, const void *a, int transA, const void *b, int transB, void *out, long M, long K, long N,
         int threads)
{
    if (M <= 0 || N <= 0) return 0;
    if (!kern) gemm_set_kernel(NULL);
    if (K <= 0) {
        memset(out, 0, (size_t)M * N * (mode == GEMM_F64 ? sizeof(double) : sizeof(float)));
        return 0;
    }
    const int dbl = mode == GEMM_F32_HIGHEST || mode == GEMM_F64;
    const long mr = dbl ? kern->mr_d : kern->mr_s, nr = dbl ? kern->nr_d : kern->nr_s;
    job j = { mode, a, b, out, transA, transB, M, K, N, kern, 0 };
    /* A thin product (few columns, e.g. a 3-class output layer) wastes most of each nr-wide tile: compute its
     * transpose op(b)^T op(a)^T instead, into out transposed. Each element sums the same products in the same
     * order, so the bits are the same. */
    if (mode != GEMM_F32_BLAS && (double)M / round_up(M, mr) * N / round_up(N, nr) * 1.2 < (double)N / round_up(N, mr) * M / round_up(M, nr))
        j = (job){ mode, b, a, out, !transB, !transA, N, K, M, kern, 1 };
    if (2.0 * M * N * K >= GEMM_THREAD_MIN_FLOPS && (threads > 1 || mode == GEMM_F32_BLAS)) {
        /* split the longer side, on a tile boundary. The BLAS's sums depend on the sizes it is given (its edge
         * kernels), so its products are split the same way on one thread: the thread count changes no bit. */
        const long nmid = round_up((j.N + 1) / 2, nr), mmid = round_up((j.M + 1) / 2, mr);
        const int by_n = j.N >= j.M && nmid < j.N;
        if (by_n || mmid < j.M) {
            task t = by_n ? (task){ &j, 0, j.M, nmid, j.N, 0, NULL } : (task){ &j, mmid, j.M, 0, j.N, 0, NULL };
            const long m1 = by_n ? j.M : mmid, n1 = by_n ? nmid : j.N;
            if (threads > 1 && pthread_mutex_trylock(&pool_busy) == 0) {
                const task mine = { &j, 0, m1, 0, n1, 0, NULL };
                int err = start_worker() ? run_split(&mine, &t) : 1;
                pthread_mutex_unlock(&pool_busy);
                if (err != 1) return err;
            }
            if (mode == GEMM_F32_BLAS) {
                int err = run(&j, 0, m1, 0, n1);
                return err ? err : run(&j, t.m0, t.m1, t.n0, t.n1);
            }
        }
    }
    return run(&j, 0, j.M, 0, j.N);
}

int gemm_batch(enum gemm_mode mode, const void *a, const long *aOff, int transA, const void *b, const long *bOff, int transB,
               void *out, long count, long M, long K, long N, int threads)
{
    if (!kern) gemm_set_kernel(NULL); /* before the worker's products read it */
    struct batch bb = { 0, mode, a, b, out, aOff, bOff, transA, transB, M, K, N, mode == GEMM_F64 ? sizeof(double) : sizeof(float) };
    task t = { NULL, 0, count, 0, 0, 0, &bb };
    if (threads > 1 && count > 1 && 2.0 * M * N * K * count >= GEMM_THREAD_MIN_FLOPS && pthread_mutex_trylock(&pool_busy) == 0) {
        const task mine = t;
        int err = start_worker() ? run_split(&mine, &t) : 1;
        pthread_mutex_unlock(&pool_busy);
        if (err != 1) return err;
    }
    return run_task(&t);
}

const gemm_kernel *gemm_get_kernel(void)
{
    if (!kern) gemm_set_kernel(NULL);
    return kern;
}

/* A family is used only if it gives the portable kernel's bits on small products (with integer operands for
 * the float32 'high' kernel, whose sums are then exact whether fused or not): a wrong kernel, e.g. one compiled
 * for an ISA the build machine could not run, is refused instead of computing wrong values. Takes ~1 ms, once. */
static int agrees_with_portable(const gemm_kernel *family)
{
    const gemm_kernel *p = &gemm_kernels[gemm_kernel_count - 1];
    if (family == p) return 1;
    /* small blocks, so that a small product runs every loop of run() more than once, with edges */
    gemm_kernel k = *family;
    k.kc_s = k.kc_d = 32;
    k.mc_s = 2 * k.mr_s, k.mc_d = 2 * k.mr_d, k.nc_s = 2 * k.nr_s, k.nc_d = 2 * k.nr_d;
    enum { M = 53, K = 75, N = 133 };
    double *a = malloc(sizeof(double) * (M * K + K * N + 2 * M * N));
    if (!a) return 0;
    double *b = a + M * K, *c1 = b + K * N, *c2 = c1 + M * N;
    unsigned s = 12345;
    int ok = 1;
    for (int mode = GEMM_F32_HIGH; mode <= GEMM_F64 && ok; mode++) {
        for (long i = 0; i < M * K + K * N; i++) {
            s = s * 1103515245u + 12345u;
            double v = (double)(s >> 8) / (1 << 24) - 0.5;
            if (mode == GEMM_F32_HIGH) ((float *)a)[i] = (float)((s >> 16) % 7) - 3;
            else if (mode == GEMM_F32_HIGHEST) ((float *)a)[i] = (float)v;
            else a[i] = v + (double)(s * 2654435761u) * 0x1p-60; /* 53 significant bits: fusing would show */
        }
        const void *bb = mode == GEMM_F64 ? (void *)b : (void *)((float *)a + M * K);
        for (int t = 0; t < 4 && ok; t += 3) {
            job j = { (enum gemm_mode)mode, a, bb, c1, t & 1, t >> 1, M, K, N, &k };
            if (run(&j, 0, M, 0, N) != 0) ok = 0;
            j.k = p;
            j.out = c2;
            if (run(&j, 0, M, 0, N) != 0) ok = 0;
            if (memcmp(c1, c2, (size_t)M * N * (mode == GEMM_F64 ? sizeof(double) : sizeof(float))) != 0) ok = 0;
        }
    }
    free(a);
    return ok;
}

/* Supported by this CPU and agreeing with the portable kernel (checked once per family). */
int gemm_kernel_usable(int i)
{
    static signed char verdict[8]; /* 0 unknown, 1 usable, -1 not */
    if (!verdict[i]) verdict[i] = gemm_kernel_supported(&gemm_kernels[i]) && agrees_with_portable(&gemm_kernels[i]) ? 1 : -1;
    return verdict[i] == 1;
}

/* NULL: the fastest usable family. Returns 0 when `name` is unknown or not usable here. */
int gemm_set_kernel(const char *name)
{
    for (int i = 0; i < gemm_kernel_count; i++) {
        if ((name == NULL || strcmp(name, gemm_kernels[i].name) == 0) && gemm_kernel_usable(i)) {
            kern = &gemm_kernels[i];
            return 1;
        }
    }
    return 0;
}
