#ifndef TG_OPTIM_H
#define TG_OPTIM_H
/* In-place optimizer updates over n elements (see optim.c); v / cache may be NULL only for sgd (no momentum). */
void sgd_f32(float *w, const float *g, float *v, long n, double momentum, double lr, int nesterov);
void sgd_f64(double *w, const double *g, double *v, long n, double momentum, double lr, int nesterov);
void adagrad_f32(float *w, const float *g, float *cache, long n, double lr, double epsilon);
void adagrad_f64(double *w, const double *g, double *cache, long n, double lr, double epsilon);
void rmsprop_f32(float *w, const float *g, float *cache, long n, double lr, double epsilon, double rho);
void rmsprop_f64(double *w, const double *g, double *cache, long n, double lr, double epsilon, double rho);
void adam_f32(float *w, const float *g, float *m, float *v, long n, double lr, double epsilon, double beta1, double beta2,
              double c1, double c2, double keep);
void adam_f64(double *w, const double *g, double *m, double *v, long n, double lr, double epsilon, double beta1,
              double beta2, double c1, double c2, double keep);
#endif
