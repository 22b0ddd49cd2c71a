/* Shared helpers of the bench tests (test_bench.c, test_bench_cli.c): hand-built
 * operators (independent of the op builders), a fake run, temporary directories that
 * are removed when the test process exits, and a field-by-field result comparison. */
#ifndef EMBEDSYN_TESTS_BENCH_UTIL_H
#define EMBEDSYN_TESTS_BENCH_UTIL_H

#include <criterion/criterion.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/baseline.h"
#include "bench/bench.h"
#include "bench/json.h"
#include "bench/report.h"
#include "core/arena.h"
#include "tests/test_util.h"

/* ---- hand-built operators (no dependency on the op builders) ---------------------- */

/* conv dims n,k,y,x,c,r,s; Out[n,k,y,x], In[n,c,h,w], Wt[k,c,r,s]. */
static inline op mk_conv(const char *name, int64_t n, int64_t c, int64_t h, int64_t w, int64_t k,
                  int64_t r, int64_t s, int64_t stride, int64_t pad) {
    op o;
    memset(&o, 0, sizeof o);
    o.kind = OP_CONV2D;
    snprintf(o.name, sizeof o.name, "%s", name);
    int64_t oh = (h + 2 * pad - r) / stride + 1, ow = (w + 2 * pad - s) / stride + 1;
    o.conv = (op_conv){.n = n, .c = c, .h = h, .w = w, .k = k, .r = r, .s = s, .stride_h = stride,
                       .stride_w = stride, .pad_h = pad, .pad_w = pad, .dil_h = 1, .dil_w = 1,
                       .groups = 1, .oh = oh, .ow = ow};
    const char *dn[] = {"n", "k", "y", "x", "c", "r", "s"};
    int64_t ext[] = {n, k, oh, ow, c, r, s};
    o.ndims = 7;
    for (int d = 0; d < 7; d++) {
        snprintf(o.dim_name[d], sizeof o.dim_name[d], "%s", dn[d]);
        o.extent[d] = ext[d];
    }
    op_tensor *t = &o.t[OP_OUT];
    t->rank = 4;
    int64_t osh[] = {n, k, oh, ow};
    for (int j = 0; j < 4; j++) {
        t->shape[j] = osh[j];
        t->map[j][j] = 1;
    }
    t = &o.t[OP_IN];
    t->rank = 4;
    int64_t ish[] = {n, c, h, w};
    memcpy(t->shape, ish, sizeof ish);
    t->map[0][0] = 1;
    t->map[1][4] = 1;
    t->map[2][2] = stride;
    t->map[2][5] = 1;
    t->off[2] = -pad;
    t->map[3][3] = stride;
    t->map[3][6] = 1;
    t->off[3] = -pad;
    t = &o.t[OP_WT];
    t->rank = 4;
    int64_t wsh[] = {k, c, r, s};
    memcpy(t->shape, wsh, sizeof wsh);
    t->map[0][1] = 1;
    t->map[1][4] = 1;
    t->map[2][5] = 1;
    t->map[3][6] = 1;
    return o;
}

/* gemm dims m,n,k; Out[m,n], In (B)[k,n], Wt (A)[m,k]. */
static inline op mk_gemm(const char *name, int64_t m, int64_t n, int64_t k) {
    op o;
    memset(&o, 0, sizeof o);
    o.kind = OP_GEMM;
    snprintf(o.name, sizeof o.name, "%s", name);
    o.gemm = (op_gemm){.batch = 1, .m = m, .n = n, .k = k};
    o.ndims = 3;
    const char *dn[] = {"m", "n", "k"};
    int64_t ext[] = {m, n, k};
    for (int d = 0; d < 3; d++) {
        snprintf(o.dim_name[d], sizeof o.dim_name[d], "%s", dn[d]);
        o.extent[d] = ext[d];
    }
    o.t[OP_OUT].rank = 2;
    o.t[OP_OUT].shape[0] = m;
    o.t[OP_OUT].shape[1] = n;
    o.t[OP_OUT].map[0][0] = 1;
    o.t[OP_OUT].map[1][1] = 1;
    o.t[OP_IN].rank = 2;
    o.t[OP_IN].shape[0] = k;
    o.t[OP_IN].shape[1] = n;
    o.t[OP_IN].map[0][2] = 1;
    o.t[OP_IN].map[1][1] = 1;
    o.t[OP_WT].rank = 2;
    o.t[OP_WT].shape[0] = m;
    o.t[OP_WT].shape[1] = k;
    o.t[OP_WT].map[0][0] = 1;
    o.t[OP_WT].map[1][2] = 1;
    return o;
}

static inline bench_layer *mk_layers(int *n) {
    static const int64_t shapes[][7] = {
        {1, 3, 32, 32, 16, 3, 3}, {1, 1, 20, 30, 8, 5, 5},   {1, 32, 14, 14, 32, 3, 3},
        {2, 5, 9, 11, 20, 3, 3},  {1, 64, 8, 8, 64, 1, 1},   {1, 7, 17, 17, 24, 3, 3},
        {1, 16, 12, 12, 48, 3, 3}, {1, 3, 28, 28, 10, 7, 7},
    };
    int nc = (int)(sizeof shapes / sizeof shapes[0]), ng = 5;
    bench_layer *l = calloc((size_t)(nc + ng), sizeof *l);
    for (int i = 0; i < nc; i++) {
        char name[32];
        snprintf(name, sizeof name, "conv%d", i);
        const int64_t *s = shapes[i];
        l[i].op = mk_conv(name, s[0], s[1], s[2], s[3], s[4], s[5], s[6], 1 + i % 2, i % 3);
        snprintf(l[i].suite, sizeof l[i].suite, "convs");
        l[i].index = i;
    }
    static const int64_t g[][3] = {{35, 700, 2048}, {16, 16, 16}, {100, 3, 77}, {512, 1, 33}, {7, 9, 300}};
    for (int i = 0; i < ng; i++) {
        char name[32];
        snprintf(name, sizeof name, "gemm%d", i);
        l[nc + i].op = mk_gemm(name, g[i][0], g[i][1], g[i][2]);
        snprintf(l[nc + i].suite, sizeof l[nc + i].suite, "gemms");
        l[nc + i].index = nc + i;
    }
    *n = nc + ng;
    return l;
}

static const bench_evaluator fake = {"fake", bench_eval_fake, NULL};

static inline bench_result *run_fake(const bench_layer *l, int n, int jobs, int si, int sn, int *nout) {
    hw_config hw = hw_default();
    bench_run_opts ro;
    bench_run_opts_init(&ro);
    ro.jobs = jobs;
    ro.shard_i = si;
    ro.shard_n = sn;
    ro.largest_first = jobs > 1;
    status st;
    status_init(&st);
    bench_result *r;
    cr_assert(bench_run(l, n, &hw, &fake, &ro, &r, nout, &st), "%s", st.msg);
    return r;
}

/* Temporary directories live until the test process exits (each Criterion test runs
 * in its own process), then they are removed. */
static char *tmp_dirs[16];
static int tmp_ndirs;

static inline void tmp_cleanup(void) {
    for (int i = 0; i < tmp_ndirs; i++) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dirs[i]);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", tmp_dirs[i]);
    }
}

static inline char *tmpdir(void) {
    char *d = strdup("/tmp/test_bench_XXXXXX");
    cr_assert_not_null(mkdtemp(d));
    if (tmp_ndirs == 0)
        atexit(tmp_cleanup);
    cr_assert_lt(tmp_ndirs, 16);
    tmp_dirs[tmp_ndirs++] = d;
    return d;
}

static inline const char *write_tmp(const char *dir, const char *name, const char *text) {
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* results.json of a bench run: DIR/SUB/results.json read with report_read_json (a
 * failure fails the test); *r is malloc'ed, the result count is returned. */
static inline int read_results(const char *dir, const char *sub, report_meta *m, bench_result **r) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/results.json", dir, sub);
    int n;
    status st;
    status_init(&st);
    cr_assert(report_read_json(path, m, r, &n, &st), "%s", st.msg);
    return n;
}

static inline void assert_same_result(const bench_result *a, const bench_result *b, bool timing) {
#define CMP_S(fld) cr_assert_str_eq(a->fld, b->fld, "field " #fld " of %s", a->name);
#define CMP_I(fld) cr_assert_eq(a->fld, b->fld, "field " #fld " of %s", a->name);
#define CMP_I32(fld) CMP_I(fld)
#define CMP_B(fld) CMP_I(fld)
#define CMP_CHK(fld) CMP_I(fld)
#define CMP_PRF(fld) CMP_I(fld)
#define CMP_CHO(fld) CMP_I(fld)
#define CMP_F(fld) \
    if (timing || strcmp(#fld, "wall_ms")) cr_assert_eq(a->fld, b->fld, "field " #fld " of %s", a->name);
#define FIELD(T, fld) CMP_##T(fld)
    BENCH_RESULT_FIELDS(FIELD)
#undef FIELD
}

#endif
