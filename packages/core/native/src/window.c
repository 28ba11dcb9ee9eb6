/* Sliding windows (kernels/conv.ts's im2col and col2im) and the index of the first max or min along an axis
 * (kernels/reduce.ts's argExtremumAxis: max pooling's), with the JS backend's results: the same loops in the same
 * order (col2im's sums add in JS's order, one float rounding per add as a typed-array store rounds). */
#include "window.h"

/* One step k of the arg max/min over a block of columns: take v[i] where it beats best[i] or is NaN, unless best[i]
 * is NaN already (bitwise & and |: no branch, so the loop vectorizes) */
#define ARG_STEP(T, BEATS)                                                                                     \
    for (long i = 0; i < wd; i++) {                                                                            \
        const int take = (best[i] == best[i]) & ((BEATS) | (v[i] != v[i]));                                    \
        best[i] = take ? v[i] : best[i];                                                                       \
        at[i] = take ? (int32_t)k : at[i];                                                                     \
    }

/* g: n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow (WindowGeometry's fields in that order) */
#define WINDOWS(SUFFIX, T)                                                                                     \
    void im2col_##SUFFIX(const T *x, const long *g, T *cols)                                                   \
    {                                                                                                          \
        const long n = g[0], c = g[1], h = g[2], w = g[3], kh = g[4], kw = g[5], sh = g[6], sw = g[7];         \
        const long ph = g[8], pw = g[9], dh = g[10], dw = g[11], oh = g[12], ow = g[13];                       \
        T *o = cols;                                                                                           \
        for (long plane = 0; plane < n * c; plane++)                                                           \
            for (long i = 0; i < kh; i++)                                                                      \
                for (long j = 0; j < kw; j++)                                                                  \
                    for (long p = 0; p < oh; p++) {                                                            \
                        const long y = p * sh - ph + i * dh, x0 = j * dw - pw;                                 \
                        long q = 0;                                                                            \
                        if (y >= 0 && y < h) {                                                                 \
                            const T *row = x + (plane * h + y) * w;                                            \
                            /* x0 + q * sw grows with q: padding, then the row, then padding */                \
                            for (; q < ow && x0 + q * sw < 0; q++) *o++ = 0;                                   \
                            for (; q < ow && x0 + q * sw < w; q++) *o++ = row[x0 + q * sw];                    \
                        }                                                                                      \
                        for (; q < ow; q++) *o++ = 0;                                                          \
                    }                                                                                          \
    }                                                                                                          \
    void col2im_##SUFFIX(const T *cols, const long *g, T *x)                                                   \
    {                                                                                                          \
        const long n = g[0], c = g[1], h = g[2], w = g[3], kh = g[4], kw = g[5], sh = g[6], sw = g[7];         \
        const long ph = g[8], pw = g[9], dh = g[10], dw = g[11], oh = g[12], ow = g[13];                       \
        for (long e = 0; e < n * c * h * w; e++) x[e] = 0;                                                     \
        const T *k = cols;                                                                                     \
        for (long plane = 0; plane < n * c; plane++)                                                           \
            for (long i = 0; i < kh; i++)                                                                      \
                for (long j = 0; j < kw; j++)                                                                  \
                    for (long p = 0; p < oh; p++, k += ow) {                                                   \
                        const long y = p * sh - ph + i * dh, x0 = j * dw - pw;                                 \
                        if (y < 0 || y >= h) continue;                                                         \
                        T *row = x + (plane * h + y) * w;                                                      \
                        for (long q = 0; q < ow; q++)                                                          \
                            if (x0 + q * sw >= 0 && x0 + q * sw < w) row[x0 + q * sw] = row[x0 + q * sw] + k[q]; \
                    }                                                                                          \
    }                                                                                                          \
    /* x [outer, len, inner] -> out [outer, inner]: the index of the first max (sign 1) or min (-1); a NaN, once \
     * met, is the answer. 256 columns at a time, each running over k in order, without branches. */          \
    void arg_extremum_##SUFFIX(const T *x, long outer, long len, long inner, int32_t *out, int sign)           \
    {                                                                                                          \
        T best[256];                                                                                           \
        int32_t at[256];                                                                                       \
        for (long o = 0; o < outer; o++, x += len * inner, out += inner)                                       \
            for (long c0 = 0; c0 < inner; c0 += 256) {                                                         \
                const long wd = inner - c0 < 256 ? inner - c0 : 256;                                           \
                for (long i = 0; i < wd; i++) best[i] = x[c0 + i], at[i] = 0;                                  \
                for (long k = 1; k < len; k++) {                                                               \
                    const T *v = x + k * inner + c0;                                                           \
                    if (sign > 0) { ARG_STEP(T, v[i] > best[i]) }                                              \
                    else { ARG_STEP(T, v[i] < best[i]) }                                                       \
                }                                                                                              \
                for (long i = 0; i < wd; i++) out[c0 + i] = at[i];                                             \
            }                                                                                                  \
    }

WINDOWS(f32, float)
WINDOWS(f64, double)

/* layout.ts's gather (out[o, j, i] = x[o, index[o, j, i], i]: max pooling's forward) and scatterAdd (its backward,
 * out[o, index[o, j, i], i] += src[o, j, i], in the same order). The caller checked the indices; one out of
 * [0, len) is skipped here and reported (returns 1), so that nothing outside the arrays is touched. */
#define GATHERS(SUFFIX, T)                                                                                     \
    int gather_##SUFFIX(const T *x, long outer, long len, long inner, const int32_t *index, long m, T *out)    \
    {                                                                                                          \
        int bad = 0;                                                                                           \
        for (long o = 0; o < outer; o++, x += len * inner)                                                     \
            for (long j = 0; j < m; j++, index += inner, out += inner)                                         \
                for (long i = 0; i < inner; i++) {                                                             \
                    const int32_t k = index[i];                                                                \
                    if (k < 0 || k >= len) { bad = 1; continue; }                                              \
                    out[i] = x[k * inner + i];                                                                 \
                }                                                                                              \
        return bad;                                                                                            \
    }                                                                                                          \
    int scatter_add_##SUFFIX(const T *src, long outer, long len, long inner, const int32_t *index, long m, T *out) \
    {                                                                                                          \
        int bad = 0;                                                                                           \
        for (long o = 0; o < outer; o++, out += len * inner)                                                   \
            for (long j = 0; j < m; j++, index += inner, src += inner)                                         \
                for (long i = 0; i < inner; i++) {                                                             \
                    const int32_t k = index[i];                                                                \
                    if (k < 0 || k >= len) { bad = 1; continue; }                                              \
                    out[k * inner + i] = out[k * inner + i] + src[i];                                          \
                }                                                                                              \
        return bad;                                                                                            \
    }

GATHERS(f32, float)
GATHERS(f64, double)
