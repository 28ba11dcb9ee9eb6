/* Sliding windows and the arg max/min along an axis (window.c): the JS backend's results. */
#ifndef TENSORGRAD_WINDOW_H
#define TENSORGRAD_WINDOW_H
#include <stdint.h>

void im2col_f32(const float *x, const long *g, float *cols);
void im2col_f64(const double *x, const long *g, double *cols);
void col2im_f32(const float *cols, const long *g, float *x);
void col2im_f64(const double *cols, const long *g, double *x);
void arg_extremum_f32(const float *x, long outer, long len, long inner, int32_t *out, int sign);
void arg_extremum_f64(const double *x, long outer, long len, long inner, int32_t *out, int sign);
int gather_f32(const float *x, long outer, long len, long inner, const int32_t *index, long m, float *out);
int gather_f64(const double *x, long outer, long len, long inner, const int32_t *index, long m, double *out);
int scatter_add_f32(const float *src, long outer, long len, long inner, const int32_t *index, long m, float *out);
int scatter_add_f64(const double *src, long outer, long len, long inner, const int32_t *index, long m, double *out);

#endif
