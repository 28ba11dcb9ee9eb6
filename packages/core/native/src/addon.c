/* Node-API glue: the kernels work on the typed arrays' own memory (no copies in or out). */
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "blas.h"
#include "elementwise.h"
#include "gemm.h"
#include "optim.h"
#include "window.h"

#define CHECK(call)                                                                                            \
    do {                                                                                                       \
        if ((call) != napi_ok) return NULL;                                                                    \
    } while (0)

static napi_value fail(napi_env env, const char *msg)
{
    napi_throw_range_error(env, NULL, msg);
    return NULL;
}

/* The element at `off` of a Float32Array/Float64Array (byte offset of a subarray included) and its length. */
static int typed(napi_env env, napi_value v, napi_typedarray_type *type, void **data, size_t *len)
{
    napi_value ab;
    size_t byte_offset;
    return napi_get_typedarray_info(env, v, type, len, data, &ab, &byte_offset) == napi_ok;
}

static int int_arg(napi_env env, napi_value v, int64_t *out)
{
    double d;
    if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= 0 && d <= 9007199254740991.0) || d != (double)(int64_t)d) return 0;
    *out = (int64_t)d;
    return 1;
}

/* matmul(a, aOff, transA, b, bOff, transB, out, outOff, M, K, N, high, threads, blas?): out[M,N] = op(a) @ op(b),
 * all three Float32Array (high: sum in float32, else in double) or all Float64Array; threads 1 or 2; blas 0 (the
 * default): our kernel; 1: the system BLAS (blasOpen), which serves only float32 at high; 2: the BLAS where
 * blas_serves says so, our kernel otherwise.
 * matmulBatch: the same arguments with aOff and bOff Float64Arrays of one offset per product: product i into
 * out at outOff + i*M*N (gemm_batch: each product's bits are matmul's). */
#define MAX_BATCH 4096
static napi_value matmul_any(napi_env env, napi_callback_info info, int batched)
{
    const char *name = batched ? "matmulBatch" : "matmul";
    char msg[160];
#define FAIL(text) return (snprintf(msg, sizeof msg, "%s: %s", name, text), fail(env, msg))
    size_t argc = 14;
    napi_value argv[14];
    CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (argc < 13) FAIL("expected 13 or 14 arguments");
    napi_typedarray_type ta, tb, to;
    void *pa, *pb, *po;
    size_t la, lb, lo;
    int64_t aOff, bOff, oOff, M, K, N, threads;
    bool transA, transB, high;
    int32_t blas = 0;
    long aOffs[MAX_BATCH], bOffs[MAX_BATCH];
    size_t count = 1;
    if (!typed(env, argv[0], &ta, &pa, &la) || !typed(env, argv[3], &tb, &pb, &lb) || !typed(env, argv[6], &to, &po, &lo))
        FAIL("a, b and out must be typed arrays");
    if (ta != to || tb != to || (to != napi_float32_array && to != napi_float64_array))
        FAIL("a, b and out must all be Float32Array or all Float64Array");
    if (batched) {
        napi_typedarray_type t1, t2;
        void *p1, *p2;
        size_t n2;
        if (!typed(env, argv[1], &t1, &p1, &count) || !typed(env, argv[4], &t2, &p2, &n2) || t1 != napi_float64_array ||
            t2 != napi_float64_array || count != n2 || count < 1 || count > MAX_BATCH)
            FAIL("aOff and bOff must be Float64Arrays of one length, 1 to 4096 offsets");
        aOff = bOff = 0;
        for (size_t i = 0; i < count; i++) {
            const double x = ((double *)p1)[i], y = ((double *)p2)[i];
            if (!(x >= 0 && y >= 0 && x <= 9007199254740991.0 && y <= 9007199254740991.0) || x != (double)(long)x || y != (double)(long)y)
                FAIL("offsets and sizes must be integers >= 0");
            aOffs[i] = (long)x, bOffs[i] = (long)y;
            if (aOffs[i] > aOff) aOff = aOffs[i];
            if (bOffs[i] > bOff) bOff = bOffs[i];
        }
    } else if (!int_arg(env, argv[1], &aOff) || !int_arg(env, argv[4], &bOff)) {
        FAIL("offsets and sizes must be integers >= 0");
    }
    if (!int_arg(env, argv[7], &oOff) || !int_arg(env, argv[8], &M) || !int_arg(env, argv[9], &K) ||
        !int_arg(env, argv[10], &N) || !int_arg(env, argv[12], &threads))
        FAIL("offsets and sizes must be integers >= 0");
    if (threads < 1 || threads > 2) FAIL("threads must be 1 or 2");
    if (napi_get_value_bool(env, argv[2], &transA) != napi_ok || napi_get_value_bool(env, argv[5], &transB) != napi_ok ||
        napi_get_value_bool(env, argv[11], &high) != napi_ok)
        FAIL("transA, transB and high must be booleans");
    if (argc > 13 && (napi_get_value_int32(env, argv[13], &blas) != napi_ok || blas < 0 || blas > 2))
        FAIL("blas must be 0, 1 or 2");
    const bool big = M > INT32_MAX || K > INT32_MAX || N > INT32_MAX;
    if (blas == 2) blas = high && to == napi_float32_array && !big && blas_serves(transA, transB, K, N);
    if (blas && !(high && to == napi_float32_array)) FAIL("the BLAS serves only float32 at high precision");
    if (blas && !blas_name()) FAIL("no BLAS is loaded (blasOpen)");
    if (blas && big) FAIL("a size exceeds the BLAS's 32-bit integers");
    /* every element read or written lies inside its array (the largest offsets; products in double: no int64 overflow) */
    if ((M * K > 0 && (double)aOff + (double)M * K > (double)la) || (K * N > 0 && (double)bOff + (double)K * N > (double)lb) ||
        (M * N > 0 && (double)oOff + (double)M * N * count > (double)lo))
        FAIL("an operand is shorter than its offset plus M*K, K*N or M*N elements");
#undef FAIL
    const size_t el = to == napi_float32_array ? 4 : 8;
    const enum gemm_mode mode = to == napi_float64_array ? GEMM_F64 : blas ? GEMM_F32_BLAS : high ? GEMM_F32_HIGH : GEMM_F32_HIGHEST;
    const int err = batched ? gemm_batch(mode, pa, aOffs, transA, pb, bOffs, transB, (char *)po + oOff * el, (long)count, M, K, N, (int)threads)
                            : gemm(mode, (char *)pa + aOff * el, transA, (char *)pb + bOff * el, transB, (char *)po + oOff * el, M, K, N, (int)threads);
    if (err != 0) return fail(env, batched ? "matmulBatch: out of memory for the packed panels" : "matmul: out of memory for the packed panels");
    return NULL;
}

static napi_value matmul(napi_env env, napi_callback_info info) { return matmul_any(env, info, 0); }
static napi_value matmul_batch(napi_env env, napi_callback_info info) { return matmul_any(env, info, 1); }

/* ---- optimizer updates: w and its state arrays, all Float32Array or all Float64Array of one length, distinct */
typedef struct { void *p[4]; size_t n; int f64; } arrays;

static int get_arrays(napi_env env, napi_value *argv, int count, int optional_last, arrays *out, const char *name)
{
    char msg[160];
    napi_typedarray_type t0 = napi_float32_array;
    for (int i = 0; i < count; i++) {
        napi_valuetype vt;
        if (i == count - 1 && optional_last && napi_typeof(env, argv[i], &vt) == napi_ok && vt == napi_null) {
            out->p[i] = NULL;
            continue;
        }
        napi_typedarray_type t;
        size_t len;
        if (!typed(env, argv[i], &t, &out->p[i], &len) || (t != napi_float32_array && t != napi_float64_array) ||
            (i > 0 && (t != t0 || len != out->n))) {
            snprintf(msg, sizeof msg, "%s: the arrays must be all Float32Array or all Float64Array, of one length", name);
            napi_throw_range_error(env, NULL, msg);
            return 0;
        }
        if (i == 0) t0 = t, out->n = len;
    }
    out->f64 = t0 == napi_float64_array;
    const size_t bytes = out->n * (out->f64 ? 8 : 4);
    for (int i = 0; i < count; i++)
        for (int j = i + 1; j < count; j++)
            if (out->p[i] && out->p[j] && (char *)out->p[i] < (char *)out->p[j] + bytes && (char *)out->p[j] < (char *)out->p[i] + bytes) {
                snprintf(msg, sizeof msg, "%s: the arrays must not overlap", name);
                napi_throw_range_error(env, NULL, msg);
                return 0;
            }
    return 1;
}

static int get_doubles(napi_env env, napi_value *argv, int count, double *out, const char *name)
{
    for (int i = 0; i < count; i++) {
        if (napi_get_value_double(env, argv[i], &out[i]) != napi_ok) {
            char msg[96];
            snprintf(msg, sizeof msg, "%s: the hyperparameters must be numbers", name);
            napi_throw_range_error(env, NULL, msg);
            return 0;
        }
    }
    return 1;
}

#define OPTIMIZER(NAME, JSNAME, NARRAYS, OPTIONAL, NNUM, CALL32, CALL64)                                       \
    static napi_value NAME(napi_env env, napi_callback_info info)                                            \
    {                                                                                                          \
        size_t argc = NARRAYS + NNUM;                                                                          \
        napi_value argv[NARRAYS + NNUM];                                                                       \
        arrays x;                                                                                              \
        double h[NNUM];                                                                                        \
        CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));                                           \
        if (argc < NARRAYS + NNUM) return fail(env, JSNAME ": expected " #NARRAYS " arrays and " #NNUM " numbers"); \
        if (!get_arrays(env, argv, NARRAYS, OPTIONAL, &x, JSNAME) || !get_doubles(env, argv + NARRAYS, NNUM, h, JSNAME)) \
            return NULL;                                                                                       \
        const long n = (long)x.n;                                                                              \
        if (x.f64) CALL64;                                                                                     \
        else CALL32;                                                                                           \
        return NULL;                                                                                           \
    }

/* sgdStep(w, g, v | null, momentum, lr, nesterov (0 or 1)) */
OPTIMIZER(sgd_step, "sgdStep", 3, 1, 3, sgd_f32(x.p[0], x.p[1], x.p[2], n, h[0], h[1], h[2] != 0),
          sgd_f64(x.p[0], x.p[1], x.p[2], n, h[0], h[1], h[2] != 0))
/* adagradStep(w, g, cache, lr, epsilon) */
OPTIMIZER(adagrad_step, "adagradStep", 3, 0, 2, adagrad_f32(x.p[0], x.p[1], x.p[2], n, h[0], h[1]),
          adagrad_f64(x.p[0], x.p[1], x.p[2], n, h[0], h[1]))
/* rmspropStep(w, g, cache, lr, epsilon, rho) */
OPTIMIZER(rmsprop_step, "rmspropStep", 3, 0, 3, rmsprop_f32(x.p[0], x.p[1], x.p[2], n, h[0], h[1], h[2]),
          rmsprop_f64(x.p[0], x.p[1], x.p[2], n, h[0], h[1], h[2]))
/* adamStep(w, g, m, v, lr, epsilon, beta1, beta2, c1, c2, keep) */
OPTIMIZER(adam_step, "adamStep", 4, 0, 7, adam_f32(x.p[0], x.p[1], x.p[2], x.p[3], n, h[0], h[1], h[2], h[3], h[4], h[5], h[6]),
          adam_f64(x.p[0], x.p[1], x.p[2], x.p[3], n, h[0], h[1], h[2], h[3], h[4], h[5], h[6]))

/* ---- elementwise kernels: x (and g) and out all Float32Array or all Float64Array of one length; out may be g */
static int same_floats(napi_env env, napi_value *argv, int count, void **p, size_t *n, int *f64, const char *name)
{
    napi_typedarray_type t0 = napi_float32_array;
    for (int i = 0; i < count; i++) {
        napi_typedarray_type t;
        size_t len;
        if (!typed(env, argv[i], &t, &p[i], &len) || (t != napi_float32_array && t != napi_float64_array) || (i > 0 && (t != t0 || len != *n))) {
            char msg[160];
            snprintf(msg, sizeof msg, "%s: the arrays must be all Float32Array or all Float64Array, of one length", name);
            napi_throw_range_error(env, NULL, msg);
            return 0;
        }
        if (i == 0) t0 = t, *n = len;
    }
    *f64 = t0 == napi_float64_array;
    return 1;
}

#define ELEMENTWISE(NAME, JSNAME, NARRAYS, WHAT, CALL32, CALL64)                                              \
    static napi_value NAME(napi_env env, napi_callback_info info)                                            \
    {                                                                                                          \
        size_t argc = NARRAYS, n;                                                                              \
        napi_value argv[NARRAYS];                                                                              \
        void *p[NARRAYS];                                                                                      \
        int f64;                                                                                               \
        CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));                                           \
        if (argc < NARRAYS) return fail(env, JSNAME ": expected " WHAT);                                       \
        if (!same_floats(env, argv, NARRAYS, p, &n, &f64, JSNAME)) return NULL;                                \
        if (f64) CALL64;                                                                                       \
        else CALL32;                                                                                           \
        return NULL;                                                                                           \
    }

/* relu(x, out) */
ELEMENTWISE(relu_fn, "relu", 2, "x and out", relu_f32(p[0], p[1], (long)n), relu_f64(p[0], p[1], (long)n))
/* reluBackward(x, g, out) */
ELEMENTWISE(relu_backward_fn, "reluBackward", 3, "x, g and out", relu_backward_f32(p[0], p[1], p[2], (long)n),
            relu_backward_f64(p[0], p[1], p[2], (long)n))

/* softmaxCrossEntropy(x, labels, n, c, clip, lo, hi, p, out): x and p [n, c], out [n], one float type; labels
 * an Int32Array of n; lo and hi the clip bounds -log1p(-clip) and -log(clip) (computed once, in JS) */
static napi_value softmax_ce_fn(napi_env env, napi_callback_info info)
{
    size_t argc = 9, lx, ll, lp, lo_len;
    napi_value argv[9];
    napi_typedarray_type tx, tl, tp, to;
    void *px, *pl, *pp, *po;
    int64_t n, c;
    double clip, lo, hi;
    CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (argc < 9) return fail(env, "softmaxCrossEntropy: expected 9 arguments");
    if (!typed(env, argv[0], &tx, &px, &lx) || !typed(env, argv[1], &tl, &pl, &ll) || !typed(env, argv[7], &tp, &pp, &lp) ||
        !typed(env, argv[8], &to, &po, &lo_len) || tl != napi_int32_array || tp != tx || to != tx ||
        (tx != napi_float32_array && tx != napi_float64_array))
        return fail(env, "softmaxCrossEntropy: x, p and out must be all Float32Array or all Float64Array, labels an Int32Array");
    if (!int_arg(env, argv[2], &n) || !int_arg(env, argv[3], &c) || napi_get_value_double(env, argv[4], &clip) != napi_ok ||
        napi_get_value_double(env, argv[5], &lo) != napi_ok || napi_get_value_double(env, argv[6], &hi) != napi_ok)
        return fail(env, "softmaxCrossEntropy: n and c must be integers >= 0, clip, lo and hi numbers");
    if ((double)n * (double)c > (double)lx || (double)n * (double)c > (double)lp || (double)n > (double)ll || (double)n > (double)lo_len)
        return fail(env, "softmaxCrossEntropy: an array is shorter than n*c (x, p) or n (labels, out)");
    if (tx == napi_float64_array) softmax_ce_f64(px, pl, (long)n, (long)c, clip, lo, hi, pp, po);
    else softmax_ce_f32(px, pl, (long)n, (long)c, clip, lo, hi, pp, po);
    return NULL;
}

/* a and b both Float32Array or both Float64Array: their type, data and lengths */
static int float_pair(napi_env env, napi_value a, napi_value b, napi_typedarray_type *t, void **pa, size_t *la, void **pb, size_t *lb)
{
    napi_typedarray_type tb;
    return typed(env, a, t, pa, la) && typed(env, b, &tb, pb, lb) && tb == *t && (*t == napi_float32_array || *t == napi_float64_array);
}

/* firstNonFinite(x): the index of x's first NaN or ±Infinity, or -1; x a Float32Array or Float64Array */
static napi_value first_non_finite_fn(napi_env env, napi_callback_info info)
{
    size_t argc = 1, n;
    napi_value argv[1], result;
    napi_typedarray_type t;
    void *p;
    CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (argc < 1 || !typed(env, argv[0], &t, &p, &n) || (t != napi_float32_array && t != napi_float64_array))
        return fail(env, "firstNonFinite: x must be a Float32Array or Float64Array");
    const long i = t == napi_float64_array ? first_non_finite_f64(p, (long)n) : first_non_finite_f32(p, (long)n);
    CHECK(napi_create_double(env, (double)i, &result));
    return result;
}

/* addRowsInPlace(x, row, rows, cols): x[r, j] += row[j] for x [rows, cols]; both Float32Array or both Float64Array */
static napi_value add_rows_fn(napi_env env, napi_callback_info info)
{
    size_t argc = 4, lx, lr;
    napi_value argv[4];
    napi_typedarray_type tx;
    void *px, *pr;
    int64_t rows, cols;
    CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (argc < 4 || !float_pair(env, argv[0], argv[1], &tx, &px, &lx, &pr, &lr))
        return fail(env, "addRowsInPlace: x and row must be both Float32Array or both Float64Array");
    if (!int_arg(env, argv[2], &rows) || !int_arg(env, argv[3], &cols) || (double)rows * (double)cols > (double)lx || cols > (int64_t)lr)
        return fail(env, "addRowsInPlace: rows and cols must be integers >= 0 with rows*cols <= x.length and cols <= row.length");
    if (tx == napi_float64_array) add_rows_f64(px, pr, (long)rows, (long)cols);
    else add_rows_f32(px, pr, (long)rows, (long)cols);
    return NULL;
}

/* sumAxis(x, outer, len, inner, out): x [outer, len, inner] summed over len into out [outer, inner]; both
 * Float32Array or both Float64Array */
static napi_value sum_axis_fn(napi_env env, napi_callback_info info)
{
    size_t argc = 5, lx, lo;
    napi_value argv[5];
    napi_typedarray_type tx;
    void *px, *po;
    int64_t outer, len, inner;
    CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (argc < 5 || !float_pair(env, argv[0], argv[4], &tx, &px, &lx, &po, &lo))
        return fail(env, "sumAxis: x and out must be both Float32Array or both Float64Array");
    if (!int_arg(env, argv[1], &outer) || !int_arg(env, argv[2], &len) || !int_arg(env, argv[3], &inner) ||
        (double)outer * (double)len * (double)inner > (double)lx || (double)outer * (double)inner > (double)lo)
        return fail(env, "sumAxis: outer, len and inner must be integers >= 0 with outer*len*inner <= x.length and outer*inner <= out.length");
    if (tx == napi_float64_array) sum_axis_f64(px, (long)outer, (long)len, (long)inner, po);
    else sum_axis_f32(px, (long)outer, (long)len, (long)inner, po);
    return NULL;
}

/* im2col(x, cols, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow) and col2im(cols, x, ...the same 14):
 * x [n, c, h, w] and cols [n, c*kh*kw, oh*ow], both Float32Array or both Float64Array */
static napi_value window_fn(napi_env env, napi_callback_info info, int fold)
{
    const char *name = fold ? "col2im" : "im2col";
    size_t argc = 16, l0, l1;
    napi_value argv[16];
    napi_typedarray_type t0;
    void *p0, *p1;
    int64_t v[14];
    long g[14];
    char msg[160];
    CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (argc < 16 || !float_pair(env, argv[0], argv[1], &t0, &p0, &l0, &p1, &l1)) {
        snprintf(msg, sizeof msg, "%s: the arrays must be both Float32Array or both Float64Array", name);
        return fail(env, msg);
    }
    for (int i = 0; i < 14; i++) {
        if (!int_arg(env, argv[2 + i], &v[i])) {
            snprintf(msg, sizeof msg, "%s: the geometry must be 14 integers >= 0", name);
            return fail(env, msg);
        }
        g[i] = (long)v[i];
    }
    const double image = (double)v[0] * v[1] * v[2] * v[3], columns = (double)v[0] * v[1] * v[4] * v[5] * v[12] * v[13];
    if ((double)(fold ? l1 : l0) < image || (double)(fold ? l0 : l1) < columns) {
        snprintf(msg, sizeof msg, "%s: an array is shorter than n*c*h*w (the image) or n*c*kh*kw*oh*ow (the columns)", name);
        return fail(env, msg);
    }
    if (fold) {
        if (t0 == napi_float64_array) col2im_f64(p0, g, p1);
        else col2im_f32(p0, g, p1);
    } else {
        if (t0 == napi_float64_array) im2col_f64(p0, g, p1);
        else im2col_f32(p0, g, p1);
    }
    return NULL;
}

static napi_value im2col_fn(napi_env env, napi_callback_info info) { return window_fn(env, info, 0); }
static napi_value col2im_fn(napi_env env, napi_callback_info info) { return window_fn(env, info, 1); }

/* argExtremumAxis(x, outer, len, inner, out, sign): x [outer, len, inner] Float32Array or Float64Array, out an
 * Int32Array [outer, inner], sign 1 (max) or -1 (min) */
static napi_value arg_extremum_fn(napi_env env, napi_callback_info info)
{
    size_t argc = 6, lx, lo;
    napi_value argv[6];
    napi_typedarray_type tx, to;
    void *px, *po;
    int64_t outer, len, inner;
    double sign;
    CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (argc < 6 || !typed(env, argv[0], &tx, &px, &lx) || !typed(env, argv[4], &to, &po, &lo) || to != napi_int32_array ||
        (tx != napi_float32_array && tx != napi_float64_array))
        return fail(env, "argExtremumAxis: x must be a Float32Array or Float64Array and out an Int32Array");
    if (!int_arg(env, argv[1], &outer) || !int_arg(env, argv[2], &len) || !int_arg(env, argv[3], &inner) ||
        napi_get_value_double(env, argv[5], &sign) != napi_ok || len < 1 ||
        (double)outer * (double)len * (double)inner > (double)lx || (double)outer * (double)inner > (double)lo)
        return fail(env, "argExtremumAxis: outer, len >= 1 and inner must be integers with outer*len*inner <= x.length and outer*inner <= out.length");
    if (tx == napi_float64_array) arg_extremum_f64(px, (long)outer, (long)len, (long)inner, po, sign > 0 ? 1 : -1);
    else arg_extremum_f32(px, (long)outer, (long)len, (long)inner, po, sign > 0 ? 1 : -1);
    return NULL;
}

/* binary(op, a, b, out, runs): out = a op b (op 0 add, 1 sub, 2 mul, 3 div), all three Float32Array or all
 * Float64Array; runs = [shape..., strides of a..., strides of b...] (3 * nd integers, strides >= 0) */
static napi_value binary_fn(napi_env env, napi_callback_info info)
{
    size_t argc = 5, la, lb, lo;
    napi_value argv[5];
    napi_typedarray_type ta, tb, to;
    void *pa, *pb, *po;
    int64_t op;
    uint32_t len;
    long v[3 * BIN_MAX_DIMS];
    CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (argc < 5 || !typed(env, argv[1], &ta, &pa, &la) || !typed(env, argv[2], &tb, &pb, &lb) || !typed(env, argv[3], &to, &po, &lo) ||
        ta != to || tb != to || (to != napi_float32_array && to != napi_float64_array))
        return fail(env, "binary: a, b and out must be all Float32Array or all Float64Array");
    if (!int_arg(env, argv[0], &op) || op > BIN_DIV || napi_get_array_length(env, argv[4], &len) != napi_ok || len == 0 ||
        len % 3 != 0 || len > 3 * BIN_MAX_DIMS)
        return fail(env, "binary: op must be 0-3 and runs an array of 3 * nd integers (nd <= 32)");
    const int nd = (int)(len / 3);
    /* every element read or written lies inside its array */
    double total = 1, lastA = 0, lastB = 0;
    for (uint32_t i = 0; i < len; i++) {
        napi_value e;
        int64_t x;
        if (napi_get_element(env, argv[4], i, &e) != napi_ok || !int_arg(env, e, &x)) return fail(env, "binary: runs must hold integers >= 0");
        v[i] = (long)x;
    }
    for (int d = 0; d < nd; d++) {
        total *= (double)v[d];
        lastA += (double)(v[d] - 1) * v[nd + d], lastB += (double)(v[d] - 1) * v[2 * nd + d];
    }
    if (total == 0) return NULL;
    if (total > (double)lo || lastA >= (double)la || lastB >= (double)lb) return fail(env, "binary: an operand is shorter than its runs");
    if (to == napi_float64_array) binary_f64((int)op, pa, pb, po, nd, v, v + nd, v + 2 * nd);
    else binary_f32((int)op, pa, pb, po, nd, v, v + nd, v + 2 * nd);
    return NULL;
}

/* gather(x, outer, len, inner, index, m, out) and scatterAdd(src, outer, len, inner, index, m, out): x / out
 * [outer, len, inner] and index, out / src [outer, m, inner]; the values both Float32Array or both Float64Array,
 * index an Int32Array of indices in [0, len) */
static napi_value gather_fn(napi_env env, napi_callback_info info, int scatter)
{
    const char *name = scatter ? "scatterAdd" : "gather";
    size_t argc = 7, lv, li, lo;
    napi_value argv[7];
    napi_typedarray_type tv, ti;
    void *pv, *pi, *po;
    int64_t outer, len, inner, m;
    char msg[200];
    CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (argc < 7 || !float_pair(env, argv[0], argv[6], &tv, &pv, &lv, &po, &lo) || !typed(env, argv[4], &ti, &pi, &li) ||
        ti != napi_int32_array) {
        snprintf(msg, sizeof msg, "%s: the values must be both Float32Array or both Float64Array, the index an Int32Array", name);
        return fail(env, msg);
    }
    if (!int_arg(env, argv[1], &outer) || !int_arg(env, argv[2], &len) || !int_arg(env, argv[3], &inner) || !int_arg(env, argv[5], &m) ||
        (double)outer * len * inner > (double)(scatter ? lo : lv) || (double)outer * m * inner > (double)li ||
        (double)outer * m * inner > (double)(scatter ? lv : lo)) {
        snprintf(msg, sizeof msg, "%s: outer, len, inner and m must be integers >= 0 that fit the arrays", name);
        return fail(env, msg);
    }
    int bad;
    if (scatter) bad = tv == napi_float64_array ? scatter_add_f64(pv, outer, len, inner, pi, m, po) : scatter_add_f32(pv, outer, len, inner, pi, m, po);
    else bad = tv == napi_float64_array ? gather_f64(pv, outer, len, inner, pi, m, po) : gather_f32(pv, outer, len, inner, pi, m, po);
    if (bad) {
        snprintf(msg, sizeof msg, "%s: an index is outside [0, %lld)", name, (long long)len);
        return fail(env, msg);
    }
    return NULL;
}

static napi_value gather_values_fn(napi_env env, napi_callback_info info) { return gather_fn(env, info, 0); }
static napi_value scatter_add_fn(napi_env env, napi_callback_info info) { return gather_fn(env, info, 1); }

/* setKernel(name): use that microkernel family ('avx512', 'avx2', 'portable'); false if this CPU lacks it. */
static napi_value set_kernel(napi_env env, napi_callback_info info)
{
    size_t argc = 1, len;
    napi_value argv[1], result;
    char name[32];
    CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (argc < 1 || napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len) != napi_ok)
        return fail(env, "setKernel: expected a name");
    CHECK(napi_get_boolean(env, gemm_set_kernel(name), &result));
    return result;
}

/* blasOpen(path): null when the BLAS at path is usable (the first usable one opened stays in use), else why not */
static napi_value blas_open_fn(napi_env env, napi_callback_info info)
{
    size_t argc = 1, len;
    napi_value argv[1], result;
    char path[4096];
    CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (argc < 1 || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok || len + 1 >= sizeof path)
        return fail(env, "blasOpen: expected a path");
    const char *why = blas_open(path);
    if (why) CHECK(napi_create_string_utf8(env, why, NAPI_AUTO_LENGTH, &result));
    else CHECK(napi_get_null(env, &result));
    return result;
}

/* info(): { kernel, kernels (usable here, fastest first), threadMinFlops, blas: { loaded: true, path, name, serves }
 * or { loaded: false, reason } } */
static napi_value info_fn(napi_env env, napi_callback_info info)
{
    (void)info;
    napi_value o, v, list;
    CHECK(napi_create_object(env, &o));
    CHECK(napi_create_string_utf8(env, gemm_get_kernel()->name, NAPI_AUTO_LENGTH, &v));
    CHECK(napi_set_named_property(env, o, "kernel", v));
    CHECK(napi_create_array(env, &list));
    for (int i = 0, n = 0; i < gemm_kernel_count; i++) {
        if (!gemm_kernel_usable(i)) continue;
        CHECK(napi_create_string_utf8(env, gemm_kernels[i].name, NAPI_AUTO_LENGTH, &v));
        CHECK(napi_set_element(env, list, n++, v));
    }
    CHECK(napi_set_named_property(env, o, "kernels", list));
    CHECK(napi_create_double(env, GEMM_THREAD_MIN_FLOPS, &v));
    CHECK(napi_set_named_property(env, o, "threadMinFlops", v));
    napi_value blas;
    CHECK(napi_create_object(env, &blas));
    CHECK(napi_get_boolean(env, blas_name() != NULL, &v));
    CHECK(napi_set_named_property(env, blas, "loaded", v));
    const char *keys[] = { "path", "name", "serves", "reason" };
    const char *values[] = { blas_path(), blas_name(), blas_name() ? BLAS_SERVES : NULL, blas_status() };
    for (int i = 0; i < 4; i++) {
        if (!values[i]) continue;
        CHECK(napi_create_string_utf8(env, values[i], NAPI_AUTO_LENGTH, &v));
        CHECK(napi_set_named_property(env, blas, keys[i], v));
    }
    CHECK(napi_set_named_property(env, o, "blas", blas));
    return o;
}

NAPI_MODULE_INIT()
{
    blas_load_recorded();
    static const struct { const char *name; napi_callback fn; } fns[] = {
        { "matmul", matmul }, { "matmulBatch", matmul_batch }, { "setKernel", set_kernel }, { "info", info_fn }, { "sgdStep", sgd_step },
        { "adagradStep", adagrad_step }, { "rmspropStep", rmsprop_step }, { "adamStep", adam_step },
        { "relu", relu_fn }, { "reluBackward", relu_backward_fn }, { "softmaxCrossEntropy", softmax_ce_fn },
        { "firstNonFinite", first_non_finite_fn }, { "addRowsInPlace", add_rows_fn },
        { "sumAxis", sum_axis_fn }, { "im2col", im2col_fn }, { "col2im", col2im_fn },
        { "argExtremumAxis", arg_extremum_fn }, { "binary", binary_fn },
        { "gather", gather_values_fn }, { "scatterAdd", scatter_add_fn }, { "blasOpen", blas_open_fn },
    };
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        napi_value f;
        if (napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f) != napi_ok ||
            napi_set_named_property(env, exports, fns[i].name, f) != napi_ok)
            return NULL;
    }
    return exports;
}
