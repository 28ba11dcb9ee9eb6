/* Elementwise kernels and the fused softmax cross-entropy with the JS backend's bits (kernels/elementwise.ts,
 * kernels/losses.ts): each float32 store rounds as a Float32Array store does, sums run in double in the same
 * order, and exp and log are kernels/libm.ts's algorithms (fdlibm's), line for line. binding.gyp compiles with
 * -ffp-contract=off, so no multiply-add is fused and every operation rounds as it does in JavaScript. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "elementwise.h"

/* ---- libm.ts's exp and log */

static inline int32_t high_word(double x)
{
    uint64_t b;
    memcpy(&b, &x, 8);
    return (int32_t)(b >> 32);
}

static inline double with_high_word(double x, int32_t hi)
{
    uint64_t b;
    memcpy(&b, &x, 8);
    b = ((uint64_t)(uint32_t)hi << 32) | (b & 0xffffffffu);
    memcpy(&x, &b, 8);
    return x;
}

static inline double pow2(int k) { return with_high_word(0.0, (0x3ff + k) << 20); }

static const double LN2_HI = 0.6931471803691238, LN2_LO = 1.9082149292705877e-10, INV_LN2 = 1.4426950408889634;
static const double HALF_LN2 = 0.34657359027997264, OVERFLOW = 709.782712893384, UNDERFLOW = -745.1332191019411;
static const double P1 = 1.66666666666666019037e-1, P2 = -2.77777777770155933842e-3, P3 = 6.61375632143793436117e-5;
static const double P4 = -1.65339022054652515390e-6, P5 = 4.13813679705723846039e-8;

static double scale(double y, int k)
{
    if (k >= -1021 && k <= 1023) return y * pow2(k);
    if (k > 1023) return y * pow2(1023) * pow2(k - 1023);
    return y * pow2(k + 1000) * pow2(-1000);
}

static double tg_exp(double x)
{
    if (x > OVERFLOW) return INFINITY;
    if (x < UNDERFLOW) return 0;
    if (x != x) return x;
    const double xl = 0;
    int k = 0;
    double hi = x, lo = -xl;
    if (fabs(x) > HALF_LN2) {
        k = (int)(INV_LN2 * x + (x < 0 ? -0.5 : 0.5));
        hi = x - k * LN2_HI;
        lo = k * LN2_LO - xl;
    } else if (fabs(x) < 3.725290298461914e-9) {
        return 1 + x;
    }
    const double r = hi - lo;
    const double t = r * r;
    const double c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
    return scale(1 - (lo - (r * c) / (2 - c) - hi), k);
}

static const double LG1 = 6.666666666666735130e-1, LG2 = 3.999999999940941908e-1, LG3 = 2.857142874366239149e-1;
static const double LG4 = 2.222219843214978396e-1, LG5 = 1.818357216161805012e-1, LG6 = 1.531383769920937332e-1;
static const double LG7 = 1.479819860511658591e-1;

static double tg_log(double x)
{
    if (!(x > 0 && x < INFINITY)) return x == 0 ? -INFINITY : x == INFINITY ? x : NAN;
    int k = 0;
    if (x < 2.2250738585072014e-308) {
        x *= 18014398509481984.0;
        k = -54;
    }
    int32_t hx = high_word(x);
    k += (hx >> 20) - 1023;
    hx &= 0x000fffff;
    const int32_t i = (hx + 0x95f64) & 0x100000;
    k += i >> 20;
    const double f = with_high_word(x, hx | (i ^ 0x3ff00000)) - 1;
    if ((0x000fffff & (2 + hx)) < 3) {
        if (f == 0) return k == 0 ? 0 : k * LN2_HI + k * LN2_LO;
        const double r = f * f * (0.5 - 0.3333333333333333 * f);
        return k == 0 ? f - r : k * LN2_HI - (r - k * LN2_LO - f);
    }
    const double s = f / (2 + f);
    const double z = s * s;
    const double w = z * z;
    const double r = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7))) + w * (LG2 + w * (LG4 + w * LG6));
    if (((hx - 0x6147a) | (0x6b851 - hx)) > 0) {
        const double hfsq = 0.5 * f * f;
        return k == 0 ? f - (hfsq - s * (hfsq + r)) : k * LN2_HI - (hfsq - (s * (hfsq + r) + k * LN2_LO) - f);
    }
    return k == 0 ? f - s * (f - r) : k * LN2_HI - (s * (f - r) - k * LN2_LO - f);
}

/* ---- the kernels, for float (F32) and double (F64) */

#define KERNELS(SUFFIX, T, U, ONE)                                                                                     \
    void relu_##SUFFIX(const T *x, T *out, long n)                                                             \
    {                                                                                                          \
        for (long i = 0; i < n; i++) {                                                                         \
            const T v = x[i];                                                                                  \
            out[i] = v > 0 ? v : v == v ? 0 : v;                                                               \
        }                                                                                                      \
    }                                                                                                          \
    void relu_backward_##SUFFIX(const T *x, const T *g, T *out, long n)                                        \
    {                                                                                                          \
        /* g, or g * 0 (keeps -0 and NaN), as g times the 1 or 0 a mask makes: gcc turns a select into a */    \
        /* branch here, which mispredicts (15x slower); this vectorizes */                                     \
        for (long i = 0; i < n; i++) {                                                                         \
            U one = ONE & (U)-(U)(x[i] > 0); /* the bits of 1 or of 0 */                                       \
            T m;                                                                                               \
            memcpy(&m, &one, sizeof m);                                                                        \
            out[i] = g[i] * m;                                                                                 \
        }                                                                                                      \
    }                                                                                                          \
    void softmax_ce_##SUFFIX(const T *x, const int32_t *labels, long n, long c, double clip, double lo, double hi, \
                             T *p, T *out)                                                                     \
    {                                                                                                          \
        for (long i = 0, row = 0; i < n; i++, row += c) {                                                      \
            T m = x[row];                                                                                      \
            for (long j = 1; j < c && m == m; j++)                                                             \
                if (x[row + j] > m || x[row + j] != x[row + j]) m = x[row + j];                                \
            double sum = 0;                                                                                    \
            for (long j = row; j < row + c; j++) {                                                             \
                p[j] = (T)((double)x[j] - (double)m);                                                          \
                p[j] = (T)tg_exp((double)p[j]);                                                                \
                sum += (double)p[j];                                                                           \
            }                                                                                                  \
            out[i] = (T)sum;                                                                                   \
            const double s = (double)out[i];                                                                   \
            for (long j = row; j < row + c; j++) p[j] = (T)((double)p[j] / s);                                 \
            out[i] = (T)tg_log(s);                                                                             \
            out[i] = (T)((double)out[i] + (double)m);                                                          \
            const long at = row + (long)labels[i];                                                             \
            /* as JavaScript reads past the array: undefined, so NaN (the caller checks the labels first) */    \
            out[i] = (T)((double)out[i] - (at >= 0 && at < n * c ? (double)x[at] : NAN));                      \
            if (clip > 0) {                                                                                    \
                const double v = (double)out[i];                                                               \
                out[i] = (T)(v < lo ? lo : v > hi ? hi : v);                                                   \
            }                                                                                                  \
        }                                                                                                      \
    }

KERNELS(f32, float, uint32_t, 0x3f800000u)
KERNELS(f64, double, uint64_t, 0x3ff0000000000000u)

/* ---- the optimizers' check, the bias add and sums along an axis */

/* The index of the first NaN or ±Infinity (every exponent bit set), or -1. Each block is first tested without a
 * branch (which vectorizes); only a block holding one is searched element by element. */
#define SCANS(SUFFIX, T, U, EXP)                                                                               \
    long first_non_finite_##SUFFIX(const T *x, long n)                                                         \
    {                                                                                                          \
        for (long at = 0; at < n; at += 1024) {                                                                \
            const long end = n - at < 1024 ? n : at + 1024;                                                    \
            U any = 0;                                                                                         \
            for (long i = at; i < end; i++) {                                                                  \
                U b;                                                                                           \
                memcpy(&b, x + i, sizeof b);                                                                   \
                any |= (U)((b & EXP) == EXP);                                                                  \
            }                                                                                                  \
            if (any)                                                                                           \
                for (long i = at; i < end; i++)                                                                \
                    if (x[i] - x[i] != 0) return i;                                                            \
        }                                                                                                      \
        return -1;                                                                                             \
    }                                                                                                          \
    /* x[r, j] += row[j] for x [rows, cols]: one rounding per add, as a typed-array store rounds */            \
    void add_rows_##SUFFIX(T *x, const T *row, long rows, long cols)                                           \
    {                                                                                                          \
        for (long r = 0; r < rows; r++, x += cols)                                                             \
            for (long j = 0; j < cols; j++) x[j] = x[j] + row[j];                                              \
    }                                                                                                          \
    /* x [outer, len, inner] summed over len into out [outer, inner]: each column in order over k, in double,  \
     * rounded once (reduce.ts's sumAxis); a block of 256 columns at a time, its sums in L1 */                 \
    void sum_axis_##SUFFIX(const T *x, long outer, long len, long inner, T *out)                               \
    {                                                                                                          \
        double acc[256];                                                                                       \
        if (inner == 1) {                                                                                      \
            /* rows: each sum is one chain of dependent adds, so 8 rows run side by side (the same order each) */ \
            long o = 0;                                                                                        \
            for (; o + 8 <= outer; o += 8, x += 8 * len, out += 8) {                                           \
                for (int r = 0; r < 8; r++) acc[r] = 0;                                                        \
                for (long k = 0; k < len; k++)                                                                 \
                    for (int r = 0; r < 8; r++) acc[r] += (double)x[r * len + k];                              \
                for (int r = 0; r < 8; r++) out[r] = (T)acc[r];                                                \
            }                                                                                                  \
            outer -= o;                                                                                        \
        }                                                                                                      \
        for (long o = 0; o < outer; o++, x += len * inner, out += inner)                                       \
            for (long c0 = 0; c0 < inner; c0 += 256) {                                                         \
                const long w = inner - c0 < 256 ? inner - c0 : 256;                                            \
                for (long i = 0; i < w; i++) acc[i] = 0;                                                       \
                for (long k = 0; k < len; k++)                                                                 \
                    for (long i = 0; i < w; i++) acc[i] += (double)x[k * inner + c0 + i];                      \
                for (long i = 0; i < w; i++) out[c0 + i] = (T)acc[i];                                          \
            }                                                                                                  \
    }

SCANS(f32, float, uint32_t, 0x7f800000u)
SCANS(f64, double, uint64_t, 0x7ff0000000000000u)

/* ---- broadcasting add, sub, mul, div over the runs kernels/elementwise.ts's binary() walks: shape and the strides
 * of a and b (0 where broadcast) after merging contiguous dimensions; the last dimension is the run. One float
 * rounding per operation, as a typed-array store rounds the double result (exact for these four). */
#define RUN(T, EXPR)                                                                                           \
    do {                                                                                                       \
        if (sa == 1 && sb == 1)                                                                                \
            for (long k = 0; k < n; k++) { const T x = a[k], y = b[k]; o[k] = EXPR; }                          \
        else if (sa == 1 && sb == 0)                                                                           \
            for (long k = 0; k < n; k++) { const T x = a[k], y = b[0]; o[k] = EXPR; }                          \
        else if (sa == 0 && sb == 1)                                                                           \
            for (long k = 0; k < n; k++) { const T x = a[0], y = b[k]; o[k] = EXPR; }                          \
        else                                                                                                   \
            for (long k = 0; k < n; k++) { const T x = a[k * sa], y = b[k * sb]; o[k] = EXPR; }                \
    } while (0)

#define BINARY(SUFFIX, T)                                                                                      \
    static void binary_row_##SUFFIX(int op, const T *a, long sa, const T *b, long sb, T *o, long n)            \
    {                                                                                                          \
        switch (op) {                                                                                          \
        case BIN_ADD: RUN(T, x + y); break;                                                                    \
        case BIN_SUB: RUN(T, x - y); break;                                                                    \
        case BIN_MUL: RUN(T, x * y); break;                                                                    \
        default: RUN(T, x / y); break;                                                                         \
        }                                                                                                      \
    }                                                                                                          \
    void binary_##SUFFIX(int op, const T *a, const T *b, T *out, int nd, const long *shape, const long *sa,      \
                         const long *sb)                                                                       \
    {                                                                                                          \
        long index[BIN_MAX_DIMS] = { 0 }, rows = 1, ai = 0, bi = 0;                                            \
        const long n = shape[nd - 1];                                                                          \
        for (int d = 0; d < nd - 1; d++) rows *= shape[d];                                                     \
        for (long r = 0; r < rows; r++, out += n) {                                                            \
            binary_row_##SUFFIX(op, a + ai, sa[nd - 1], b + bi, sb[nd - 1], out, n);                           \
            for (int d = nd - 2; d >= 0; d--) { /* odometer over the outer dimensions */                       \
                index[d]++, ai += sa[d], bi += sb[d];                                                          \
                if (index[d] < shape[d]) break;                                                                \
                ai -= sa[d] * shape[d], bi -= sb[d] * shape[d], index[d] = 0;                                  \
            }                                                                                                  \
        }                                                                                                      \
    }

BINARY(f32, float)
BINARY(f64, double)
