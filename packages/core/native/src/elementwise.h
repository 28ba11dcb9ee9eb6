/* Elementwise kernels and the fused softmax cross-entropy (elementwise.c): the JS backend's bits. */
#ifndef TENSORGRAD_ELEMENTWISE_H
#define TENSORGRAD_ELEMENTWISE_H
#include <stdint.h>

void relu_f32(const float *x, float *out, long n);
void relu_f64(const double *x, double *out, long n);
void relu_backward_f32(const float *x, const float *g, float *out, long n);
void relu_backward_f64(const double *x, const double *g, double *out, long n);
void softmax_ce_f32(const float *x, const int32_t *labels, long n, long c, double clip, double lo, double hi, float *p, float *out);
void softmax_ce_f64(const double *x, const int32_t *labels, long n, long c, double clip, double lo, double hi, double *p, double *out);
long first_non_finite_f32(const float *x, long n);
long first_non_finite_f64(const double *x, long n);
void add_rows_f32(float *x, const float *row, long rows, long cols);
void add_rows_f64(double *x, const double *row, long rows, long cols);
void sum_axis_f32(const float *x, long outer, long len, long inner, float *out);
void sum_axis_f64(const double *x, long outer, long len, long inner, double *out);

/* out = a op b with broadcasting (see elementwise.c); nd <= BIN_MAX_DIMS */
enum { BIN_ADD, BIN_SUB, BIN_MUL, BIN_DIV, BIN_MAX_DIMS = 32 };
void binary_f32(int op, const float *a, const float *b, float *out, int nd, const long *shape, const long *sa, const long *sb);
void binary_f64(int op, const double *a, const double *b, double *out, int nd, const long *shape, const long *sa, const long *sb);

#endif
