/* The system CBLAS through dlopen: no header or link-time dependency (the -dev package need not be installed),
 * and an addon built beside a BLAS still loads when the BLAS is gone later (blas_open then says why). */
#define _GNU_SOURCE /* dladdr */
#include "blas.h"
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cblas.h's prototype and enums (CBLAS_ORDER, CBLAS_TRANSPOSE), declared here since no header is installed */
typedef void (*cblas_sgemm_fn)(int order, int transA, int transB, int M, int N, int K, float alpha, const float *A,
                               int lda, const float *B, int ldb, float beta, float *C, int ldc);
enum { CBLAS_ROW_MAJOR = 101, CBLAS_NO_TRANS = 111, CBLAS_TRANS = 112 };

static cblas_sgemm_fn sgemm;
static void (*set_num_threads)(int);
static char name[160], path_loaded[4096], status[600] = "not looked for";

const char *blas_open(const char *path)
{
    static char why[320];
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(why, sizeof why, "cannot open %s: %s", path, dlerror());
        return why;
    }
    cblas_sgemm_fn f = (cblas_sgemm_fn)dlsym(h, "cblas_sgemm");
    void (*threads)(int) = (void (*)(int))dlsym(h, "openblas_set_num_threads");
    if (!f || !threads) {
        snprintf(why, sizeof why, "%s has no %s (an OpenBLAS is needed: its thread count must follow setNumThreads)", path,
                 f ? "openblas_set_num_threads" : "cblas_sgemm");
        dlclose(h);
        return why;
    }
    if (sgemm) { /* usable, but the first one loaded stays */
        dlclose(h);
        return NULL;
    }
    char *(*config)(void) = (char *(*)(void))dlsym(h, "openblas_get_config");
    snprintf(name, sizeof name, "%s", config ? config() : "OpenBLAS");
    set_num_threads = threads;
    snprintf(path_loaded, sizeof path_loaded, "%s", path);
    sgemm = f;
    return NULL;
}

void blas_load_recorded(void)
{
    const char *off = getenv("TENSORGRAD_NO_BLAS");
    Dl_info self;
    char record[4096], line[4096];
    if (sgemm) return;
    if (off && strcmp(off, "1") == 0) {
        snprintf(status, sizeof status, "off (TENSORGRAD_NO_BLAS=1)");
        return;
    }
    /* this file is build/Release/tensorgrad.node: the record is build/blas.txt */
    if (!dladdr((void *)blas_load_recorded, &self) || !self.dli_fname) return;
    snprintf(record, sizeof record, "%s", self.dli_fname);
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(record, '/');
        if (!slash) return;
        *slash = 0;
    }
    strncat(record, "/blas.txt", sizeof record - strlen(record) - 1);
    FILE *f = fopen(record, "r");
    if (!f) {
        snprintf(status, sizeof status, "none recorded: no %s (the install step writes it)", record);
        return;
    }
    if (!fgets(line, sizeof line, f)) line[0] = 0;
    fclose(f);
    line[strcspn(line, "\r\n")] = 0;
    const char *why = line[0] == '/' ? blas_open(line) : NULL;
    if (line[0] != '/') snprintf(status, sizeof status, "none at build: %s", line);
    else if (why) snprintf(status, sizeof status, "%s", why);
}

const char *blas_status(void) { return sgemm ? NULL : status; }
const char *blas_path(void) { return sgemm ? path_loaded : NULL; }

int blas_serves(int transA, int transB, long K, long N)
{
    return sgemm && !transA && (K >= 512 || (K >= 64 && (transB || N <= 16)));
}

/* a leading dimension, at least 1 as cblas requires even of an empty operand (K = 0) */
static int lead(long n) { return n > 1 ? (int)n : 1; }

const char *blas_name(void) { return sgemm ? name : NULL; }

int blas_sgemm(const float *a, int transA, long lda, const float *b, int transB, long ldb, float *out, long ldc, long M,
               long K, long N)
{
    /* OpenBLAS keeps its thread count per calling thread (OpenMP's) and reallocates buffers when it changes: set it
     * to 1 once per thread */
    static _Thread_local int one_thread;
    if (!sgemm || M > INT_MAX || K > INT_MAX || N > INT_MAX || lda > INT_MAX || ldb > INT_MAX || ldc > INT_MAX) return -1;
    if (M <= 0 || N <= 0) return 0;
    if (!one_thread) {
        set_num_threads(1);
        one_thread = 1;
    }
    sgemm(CBLAS_ROW_MAJOR, transA ? CBLAS_TRANS : CBLAS_NO_TRANS, transB ? CBLAS_TRANS : CBLAS_NO_TRANS, (int)M, (int)N,
          (int)K, 1.0f, a, lead(lda), b, lead(ldb), 0.0f, out, lead(ldc));
    return 0;
}
