/* The optimizers' updates in place, with the JS backend's arithmetic exactly (kernels/optim.ts): float32 rounds
 * after every operation as numpy's float32 arithmetic does (float ops in C round the same way: one IEEE
 * operation each, never fused: this file is compiled with -ffp-contract=off; sqrtf and / are correctly rounded),
 * float64 computes in double. The loops vectorize (each element is independent), which changes no bits. */
#include "optim.h"
#include <math.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CLONES __attribute__((target_clones("avx2", "default")))
#else
#define CLONES
#endif

CLONES void sgd_f32(float *restrict w, const float *restrict g, float *restrict v, long n, double momentum, double lr, int nesterov)
{
    const float a = (float)lr, m = (float)momentum;
    if (!v) {
        for (long i = 0; i < n; i++) w[i] = w[i] - a * g[i];
        return;
    }
    for (long i = 0; i < n; i++) {
        const float step = a * g[i];
        const float u = m * v[i] - step;
        v[i] = u;
        w[i] = nesterov ? w[i] + (m * u - step) : w[i] + u;
    }
}

CLONES void sgd_f64(double *restrict w, const double *restrict g, double *restrict v, long n, double m, double lr, int nesterov)
{
    if (!v) {
        for (long i = 0; i < n; i++) w[i] = w[i] - lr * g[i];
        return;
    }
    for (long i = 0; i < n; i++) {
        const double step = lr * g[i];
        const double u = m * v[i] - step;
        v[i] = u;
        w[i] = nesterov ? w[i] + (m * u - step) : w[i] + u;
    }
}

CLONES void adagrad_f32(float *restrict w, const float *restrict g, float *restrict cache, long n, double lr, double epsilon)
{
    const float a = (float)-lr, e = (float)epsilon;
    for (long i = 0; i < n; i++) {
        const float gi = g[i];
        const float c = cache[i] + gi * gi;
        cache[i] = c;
        w[i] = w[i] + (a * gi) / (sqrtf(c) + e);
    }
}

CLONES void adagrad_f64(double *restrict w, const double *restrict g, double *restrict cache, long n, double lr, double epsilon)
{
    const double a = -lr;
    for (long i = 0; i < n; i++) {
        const double gi = g[i];
        const double c = cache[i] + gi * gi;
        cache[i] = c;
        w[i] = w[i] + (a * gi) / (sqrt(c) + epsilon);
    }
}

CLONES void rmsprop_f32(float *restrict w, const float *restrict g, float *restrict cache, long n, double lr, double epsilon, double rho)
{
    const float a = (float)-lr, e = (float)epsilon, r = (float)rho, r1 = (float)(1 - rho);
    for (long i = 0; i < n; i++) {
        const float gi = g[i];
        const float c = r * cache[i] + r1 * (gi * gi);
        cache[i] = c;
        w[i] = w[i] + (a * gi) / (sqrtf(c) + e);
    }
}

CLONES void rmsprop_f64(double *restrict w, const double *restrict g, double *restrict cache, long n, double lr, double epsilon, double rho)
{
    const double a = -lr, r1 = 1 - rho;
    for (long i = 0; i < n; i++) {
        const double gi = g[i];
        const double c = rho * cache[i] + r1 * (gi * gi);
        cache[i] = c;
        w[i] = w[i] + (a * gi) / (sqrt(c) + epsilon);
    }
}

CLONES void adam_f32(float *restrict w, const float *restrict g, float *restrict m, float *restrict v, long n, double lr,
                     double epsilon, double beta1, double beta2, double c1, double c2, double keep)
{
    const float a = (float)-lr, e = (float)epsilon, b1 = (float)beta1, b1c = (float)(1 - beta1), b2 = (float)beta2,
                b2c = (float)(1 - beta2), f1 = (float)c1, f2 = (float)c2, k = (float)keep;
    for (long i = 0; i < n; i++) {
        const float gi = g[i];
        const float mi = b1 * m[i] + b1c * gi;
        m[i] = mi;
        const float vi = b2 * v[i] + b2c * (gi * gi);
        v[i] = vi;
        w[i] = w[i] * k + (a * (mi / f1)) / (sqrtf(vi / f2) + e);
    }
}

CLONES void adam_f64(double *restrict w, const double *restrict g, double *restrict m, double *restrict v, long n,
                     double lr, double epsilon, double beta1, double beta2, double c1, double c2, double keep)
{
    const double a = -lr, b1c = 1 - beta1, b2c = 1 - beta2;
    for (long i = 0; i < n; i++) {
        const double gi = g[i];
        const double mi = beta1 * m[i] + b1c * gi;
        m[i] = mi;
        const double vi = beta2 * v[i] + b2c * (gi * gi);
        v[i] = vi;
        w[i] = w[i] * keep + (a * (mi / c1)) / (sqrt(vi / c2) + epsilon);
    }
}
