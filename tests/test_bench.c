/* Tests of the bench module: statistics and bounds against hand-computed values, the
 * baseline comparison (each kind of regression, improvements, tolerance edges), the
 * JSON parser on good and malformed input, CSV/JSON round trips, shard selection,
 * merging shards (equals the unsharded run), worker isolation, all on the fake
 * evaluator; and the CI suite against its committed baseline through the CLI. */
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

/* ---- hand-built operators (no dependency on the op builders) ---------------------- */

/* conv dims n,k,y,x,c,r,s; Out[n,k,y,x], In[n,c,h,w], Wt[k,c,r,s]. */
static op mk_conv(const char *name, int64_t n, int64_t c, int64_t h, int64_t w, int64_t k,
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
static op mk_gemm(const char *name, int64_t m, int64_t n, int64_t k) {
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

static bench_layer *mk_layers(int *n) {
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

static bench_result *run_fake(const bench_layer *l, int n, int jobs, int si, int sn, int *nout) {
    hw_config hw = hw_default();
    bench_run_opts ro;
    bench_run_opts_init(&ro);
    ro.jobs = jobs;
    ro.shard_i = si;
    ro.shard_n = sn;
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

static void tmp_cleanup(void) {
    for (int i = 0; i < tmp_ndirs; i++) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dirs[i]);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", tmp_dirs[i]);
    }
}

static char *tmpdir(void) {
    char *d = strdup("/tmp/test_bench_XXXXXX");
    cr_assert_not_null(mkdtemp(d));
    if (tmp_ndirs == 0)
        atexit(tmp_cleanup);
    cr_assert_lt(tmp_ndirs, 16);
    tmp_dirs[tmp_ndirs++] = d;
    return d;
}

/* ---- statistics and bounds ------------------------------------------------------- */

Test(bench_stats, geomean_median_percentile) {
    double a[] = {1, 2, 4};
    cr_assert_float_eq(bench_geomean(a, 3), 2.0, 1e-12);
    double b[] = {2, 8};
    cr_assert_float_eq(bench_geomean(b, 2), 4.0, 1e-12);
    cr_assert_eq(bench_geomean(b, 0), 0);
    double c[] = {3, 1, 2};
    cr_assert_float_eq(bench_median(c, 3), 2.0, 1e-12);
    cr_assert_eq(c[0], 3); /* input untouched */
    double d[] = {4, 1, 3, 2};
    cr_assert_float_eq(bench_median(d, 4), 2.5, 1e-12);
    double e[20];
    for (int i = 0; i < 20; i++)
        e[i] = 20 - i; /* 20..1 */
    cr_assert_eq(bench_percentile(e, 10, 90), 19); /* values 20..11: 9th smallest */
}

Test(bench_stats, nearest_rank_percentiles) {
    double x[10];
    for (int i = 0; i < 10; i++)
        x[i] = (double)(10 - i); /* {10, 9, ..., 1} */
    cr_assert_eq(bench_percentile(x, 10, 90), 9);   /* ceil(9.0) = 9th smallest */
    cr_assert_eq(bench_percentile(x, 10, 91), 10);  /* ceil(9.1) = 10th */
    cr_assert_eq(bench_percentile(x, 10, 100), 10);
    cr_assert_eq(bench_percentile(x, 10, 10), 1);
    cr_assert_eq(bench_percentile(x, 10, 50), 5);
    double one = 7;
    cr_assert_eq(bench_percentile(&one, 1, 90), 7);
}

Test(bench_stats, lower_bound_by_hand) {
    hw_config hw = hw_default();
    /* N1 C3 H8 W8 K16 R3 S3 stride 1 pad 1: 8x8 outputs.
     * MACs = 16*8*8*3*3*3 = 27648 -> 108 GEMM cycles; bytes = 192 + 432 + 1024 = 1648
     * -> 206 cycles at 8 B/cycle: memory-bound, bound 206. */
    op o = mk_conv("c", 1, 3, 8, 8, 16, 3, 3, 1, 1);
    bench_layer l = {.suite = "s", .index = 0, .op = o};
    bench_result r;
    bench_result_init(&r, &l, &hw);
    cr_assert_eq(r.macs, 27648);
    cr_assert_eq(r.compute_bound, 108);
    cr_assert_eq(r.compulsory_bytes, 1648);
    cr_assert_eq(r.bytes_bound, 206);
    cr_assert_eq(r.lower_bound, 206);
    /* GEMM M35 N700 K2048: MACs 50176000 -> 196000 cycles; bytes 2048*700 + 35*2048 +
     * 35*700 = 1433600 + 71680 + 24500 = 1529780 -> 191223 (rounded up): compute-bound. */
    l.op = mk_gemm("g", 35, 700, 2048);
    bench_result_init(&r, &l, &hw);
    cr_assert_eq(r.compute_bound, 196000);
    cr_assert_eq(r.compulsory_bytes, 1529780);
    cr_assert_eq(r.bytes_bound, 191223);
    cr_assert_eq(r.lower_bound, 196000);
    r.cycles = 392000;
    r.ref_cycles = 980000;
    bench_result_derive(&r);
    cr_assert_float_eq(r.speedup, 2.5, 1e-12);
    cr_assert_float_eq(r.gap, 2.0, 1e-12);
    cr_assert_float_eq(r.ref_gap, 5.0, 1e-12);
}

static bench_result mk_res(const char *name, int64_t ref, int64_t cyc, double ref_util,
                           int64_t bound, double solve_ms) {
    bench_result r;
    memset(&r, 0, sizeof r);
    snprintf(r.suite, sizeof r.suite, "s");
    snprintf(r.name, sizeof r.name, "%s", name);
    snprintf(r.check, sizeof r.check, "pass");
    snprintf(r.ref_check, sizeof r.ref_check, "pass");
    snprintf(r.proof, sizeof r.proof, "optimal");
    snprintf(r.layout_class, sizeof r.layout_class, "im2col(c,r,s)");
    r.ok = true;
    r.ref_cycles = ref;
    r.cycles = cyc;
    r.ref_util = ref_util;
    r.util = 0.9;
    r.lower_bound = bound;
    r.compute_bound = bound;
    r.solve_ms = solve_ms;
    r.wall_ms = 1000;
    bench_result_derive(&r);
    return r;
}

Test(bench_stats, summary_by_hand) {
    bench_result r[5];
    r[0] = mk_res("a", 200, 100, 0.9, 50, 10);   /* speedup 2, gap 2 */
    r[1] = mk_res("b", 100, 200, 0.8, 100, 40);  /* 0.5, gap 2 */
    r[2] = mk_res("c", 400, 100, 0.2, 100, 20);  /* 4 (weak), gap 1 */
    r[3] = mk_res("d", 100, 100, 0.3, 25, 30);   /* 1 (weak), gap 4 */
    r[4] = mk_res("e", 100, 100, 0.3, 25, 999);
    r[4].ok = false;                              /* excluded */
    snprintf(r[4].check, sizeof r[4].check, "fail");
    bench_summary s;
    bench_summarize(r, 5, &s);
    cr_assert_eq(s.n, 5);
    cr_assert_eq(s.nok, 4);
    cr_assert_eq(s.nerror, 1);
    cr_assert_eq(s.ncheck_fail, 1);
    cr_assert_eq(s.nweak, 2);
    cr_assert_eq(s.nslower, 1);
    cr_assert_eq(s.nnot_faster, 2);
    /* geomean(2, 0.5, 4, 1) = (4)^(1/4) = sqrt 2; weak: geomean(4, 1) = 2. */
    cr_assert_float_eq(s.geomean_speedup, sqrt(2.0), 1e-12);
    cr_assert_float_eq(s.geomean_speedup_weak, 2.0, 1e-12);
    cr_assert_float_eq(s.min_speedup, 0.5, 1e-12);
    cr_assert_str_eq(s.min_speedup_layer, "s/b");
    cr_assert_float_eq(s.max_speedup, 4.0, 1e-12);
    /* gaps 2, 2, 1, 4 -> geomean 16^(1/4) = 2, max 4 at d */
    cr_assert_float_eq(s.geomean_gap, 2.0, 1e-12);
    cr_assert_float_eq(s.max_gap, 4.0, 1e-12);
    cr_assert_str_eq(s.max_gap_layer, "s/d");
    /* solve 10, 40, 20, 30: median 25, p90 = ceil(3.6) = 4th = 40, max 40 */
    cr_assert_float_eq(s.solve_median_ms, 25.0, 1e-12);
    cr_assert_float_eq(s.solve_p90_ms, 40.0, 1e-12);
    cr_assert_float_eq(s.solve_max_ms, 40.0, 1e-12);
    cr_assert_float_eq(s.layers_s, 5.0, 1e-12);
}

/* ---- JSON ------------------------------------------------------------------------ */

Test(bench_json, parses_good_input) {
    arena *a = arena_create();
    status st;
    status_init(&st);
    const char *txt = " {\"a\": [1, -2.5e1, true, false, null], \"s\": \"x\\\"y\\\\z\\n\\u00e9\\ud83d\\ude00\","
                      "\n \"o\": {}, \"e\": [], \"big\": 123456789012345, \"z\": 0, \"f\": 0.125}";
    const json_value *v = json_parse(a, txt, strlen(txt), "t.json", &st);
    cr_assert_not_null(v, "%s", st.msg);
    cr_assert_eq(v->type, JSON_OBJ);
    cr_assert_eq(v->len, 7);
    const json_value *arr = json_get(v, "a");
    cr_assert_eq(arr->type, JSON_ARR);
    cr_assert_eq(arr->len, 5);
    cr_assert(arr->items[0]->is_int && arr->items[0]->i64 == 1);
    cr_assert(!arr->items[1]->is_int);
    cr_assert_float_eq(arr->items[1]->num, -25.0, 1e-12);
    cr_assert(arr->items[2]->type == JSON_BOOL && arr->items[2]->b);
    cr_assert(arr->items[3]->type == JSON_BOOL && !arr->items[3]->b);
    cr_assert_eq(arr->items[4]->type, JSON_NULL);
    cr_assert_str_eq(json_get(v, "s")->str, "x\"y\\z\n\xc3\xa9\xf0\x9f\x98\x80");
    cr_assert_eq(json_get(v, "o")->len, 0);
    cr_assert_eq(json_get(v, "big")->i64, 123456789012345LL);
    cr_assert_eq(json_get(v, "o")->line, 2);
    int64_t i = 0;
    cr_assert(json_get_i64(v, "big", true, "t.json", &i, &st));
    cr_assert_eq(i, 123456789012345LL);
    double f = 0;
    cr_assert(json_get_f64(v, "f", true, "t.json", &f, &st));
    cr_assert_eq(f, 0.125);
    cr_assert_not(json_get_i64(v, "f", true, "t.json", &i, &st));
    cr_assert(strstr(st.msg, "t.json:2:") && strstr(st.msg, "'f' must be an integer"), "%s", st.msg);
    arena_destroy(a);
}

Test(bench_json, rejects_malformed_input_with_position) {
    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"", "t.json:1:1: expected a value"},
        {"{", "t.json:1:2: expected a string key"},
        {"{\"a\" 1}", "t.json:1:6: expected ':'"},
        {"{\"a\": 1,}", "t.json:1:9: expected a string key"},
        {"[1, 2", "t.json:1:6: expected ',' or ']'"},
        {"[1 2]", "t.json:1:4: expected ',' or ']'"},
        {"{\"a\": 1}\n x", "t.json:2:2: unexpected data"},
        {"[01]", "leading zero"},
        {"[1.]", "expected a digit after '.'"},
        {"[-]", "expected a digit"},
        {"[1e]", "exponent"},
        {"[tru]", "invalid literal"},
        {"\"abc", "unterminated string"},
        {"\"a\tb\"", "control character"},
        {"\"\\x\"", "invalid escape"},
        {"\"\\u12g4\"", "invalid hex digit"},
        {"\"\\ud800\"", "unpaired UTF-16 high surrogate"},
        {"{\"a\": 1, \"a\": 2}", "t.json:1:10: duplicate key \"a\""},
        {"[1e999]", "out of range"},
        {"{\n\"layers\": {\n  \"x\": [1,\n  }", "t.json:4:3: expected a value"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        arena *a = arena_create();
        status st;
        status_init(&st);
        const json_value *v = json_parse(a, bad[k].text, strlen(bad[k].text), "t.json", &st);
        cr_assert_null(v, "accepted: %s", bad[k].text);
        cr_assert(strstr(st.msg, bad[k].msg) != NULL, "input %s: got '%s', want '%s'", bad[k].text,
                  st.msg, bad[k].msg);
        arena_destroy(a);
    }
    /* Deep nesting is an error, not a stack overflow. */
    char deep[2 * JSON_MAX_DEPTH + 10];
    memset(deep, '[', sizeof deep - 1);
    deep[sizeof deep - 1] = '\0';
    arena *a = arena_create();
    status st;
    status_init(&st);
    cr_assert_null(json_parse(a, deep, strlen(deep), "d", &st));
    cr_assert(strstr(st.msg, "nesting too deep"), "%s", st.msg);
    arena_destroy(a);
}

Test(bench_json, writer_round_trips_doubles_and_strings) {
    double xs[] = {0.1, 1.0 / 3, 2.5, 1e-300, 123456789.123456789, 0.9999999999999999, 0};
    const char *strs[] = {"plain", "q\"uote\\back\nnl\ttab\x01", "\xc3\xa9t\xc3\xa9"};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    fputc('[', f);
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        json_write_f64(f, xs[i]);
        fputc(',', f);
    }
    for (size_t i = 0; i < 3; i++) {
        json_write_str(f, strs[i]);
        fputc(',', f);
    }
    json_write_f64(f, NAN);
    fputc(']', f);
    fclose(f);
    arena *a = arena_create();
    status st;
    status_init(&st);
    const json_value *v = json_parse(a, buf, len, "w", &st);
    cr_assert_not_null(v, "%s: %s", st.msg, buf);
    size_t nx = sizeof xs / sizeof xs[0];
    for (size_t i = 0; i < nx; i++) {
        cr_assert_eq(v->items[i]->num, xs[i]);
        cr_assert(!v->items[i]->is_int);
    }
    for (size_t i = 0; i < 3; i++)
        cr_assert_str_eq(v->items[nx + i]->str, strs[i]);
    cr_assert_eq(v->items[nx + 3]->type, JSON_NULL);
    arena_destroy(a);
    free(buf);
}

/* ---- baselines ------------------------------------------------------------------- */

static const char *write_tmp(const char *dir, const char *name, const char *text) {
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static bool has_change(const baseline_cmp *c, baseline_kind kind, const char *key, const char *what) {
    for (int i = 0; i < c->n; i++)
        if (c->c[i].kind == kind && !strcmp(c->c[i].key, key) && !strcmp(c->c[i].what, what))
            return true;
    return false;
}

Test(bench_baseline, detects_each_kind_of_regression_and_improvement) {
    char *d = tmpdir();
    const char *path = write_tmp(d, "base.json",
        "{\"hardware\": \"vta\", \"suites\": [\"s\"], \"layers\": {\n"
        " \"s/cyc\": {\"cycles\": 1000, \"utilization\": 0.5, \"proof\": \"optimal\", \"solve_ms\": 10},\n"
        " \"s/cyc_edge\": {\"cycles\": 1000, \"utilization\": 0.5, \"proof\": \"optimal\", \"solve_ms\": 10},\n"
        " \"s/util\": {\"cycles\": 1000, \"utilization\": 0.5, \"proof\": \"optimal\", \"solve_ms\": 10},\n"
        " \"s/proof\": {\"cycles\": 1000, \"utilization\": 0.5, \"proof\": \"optimal\", \"solve_ms\": 10},\n"
        " \"s/proof2\": {\"cycles\": 1000, \"utilization\": 0.5, \"proof\": \"not_proven\", \"solve_ms\": 10},\n"
        " \"s/slow\": {\"cycles\": 1000, \"utilization\": 0.5, \"proof\": \"optimal\", \"solve_ms\": 50},\n"
        " \"s/slow_edge\": {\"cycles\": 1000, \"utilization\": 0.5, \"proof\": \"optimal\", \"solve_ms\": 50},\n"
        " \"s/slow_small\": {\"cycles\": 1000, \"utilization\": 0.5, \"proof\": \"optimal\", \"solve_ms\": 10},\n"
        " \"s/err\": {\"cycles\": 1000, \"utilization\": 0.5, \"proof\": \"optimal\", \"solve_ms\": 10},\n"
        " \"s/better\": {\"cycles\": 1000, \"utilization\": 0.5, \"proof\": \"unknown\", \"solve_ms\": 900, \"reference_cycles\": 5},\n"
        " \"s/same\": {\"cycles\": 1000, \"utilization\": 0.5, \"proof\": \"optimal\", \"solve_ms\": 10},\n"
        " \"s/gone\": {\"cycles\": 1000, \"utilization\": 0.5, \"proof\": \"optimal\", \"solve_ms\": 10}\n"
        "}}\n");
    baseline b;
    status st;
    status_init(&st);
    cr_assert(baseline_load(path, &b, &st), "%s", st.msg);
    cr_assert_eq(b.n, 12);
    cr_assert_str_eq(b.hardware, "vta");
    bench_result r[12];
    int k = 0;
    r[k++] = mk_res("cyc", 2000, 1006, 0.5, 100, 10);       /* +0.6% > 0.5%: regression */
    r[k++] = mk_res("cyc_edge", 2000, 1005, 0.5, 100, 10);  /* +0.5% exactly: not */
    r[k++] = mk_res("util", 2000, 1000, 0.5, 100, 10);
    r[k - 1].util = 0.49;                                   /* drop */
    r[k++] = mk_res("proof", 2000, 1000, 0.5, 100, 10);
    snprintf(r[k - 1].proof, 16, "not_proven");             /* weakened */
    r[k++] = mk_res("proof2", 2000, 1000, 0.5, 100, 10);
    snprintf(r[k - 1].proof, 16, "unknown");                /* weakened */
    r[k++] = mk_res("slow", 2000, 1000, 0.5, 100, 150.5);   /* > 2x and +100.5 ms */
    r[k++] = mk_res("slow_edge", 2000, 1000, 0.5, 100, 150); /* +100 ms exactly: not */
    r[k++] = mk_res("slow_small", 2000, 1000, 0.5, 100, 105); /* 10x but +95 ms: not */
    r[k++] = mk_res("err", 2000, 1000, 0.5, 100, 10);
    r[k - 1].ok = false;
    snprintf(r[k - 1].error, 64, "boom");
    r[k++] = mk_res("better", 2000, 900, 0.5, 100, 10);     /* cycles, util, proof, solve improve */
    r[k - 1].util = 0.6;
    r[k++] = mk_res("same", 2000, 1000, 0.5, 100, 10);
    r[k - 1].util = 0.5;
    r[k++] = mk_res("new", 2000, 1000, 0.5, 100, 10);
    for (int i = 0; i < k; i++)
        if (strcmp(r[i].name, "util") && strcmp(r[i].name, "better") && strcmp(r[i].name, "same"))
            r[i].util = 0.5;
    baseline_opts o;
    baseline_opts_init(&o);
    baseline_cmp c;
    baseline_compare(&b, r, k, &o, &c);
    cr_assert(has_change(&c, BASELINE_REGRESSION, "s/cyc", "cycles"));
    cr_assert(has_change(&c, BASELINE_REGRESSION, "s/util", "utilization"));
    cr_assert(has_change(&c, BASELINE_REGRESSION, "s/proof", "proof"));
    cr_assert(has_change(&c, BASELINE_REGRESSION, "s/proof2", "proof"));
    cr_assert(has_change(&c, BASELINE_REGRESSION, "s/slow", "solve_time"));
    cr_assert(has_change(&c, BASELINE_REGRESSION, "s/err", "error"));
    cr_assert_eq(c.nregress, 6, "regressions: %d", c.nregress);
    cr_assert(has_change(&c, BASELINE_IMPROVEMENT, "s/better", "cycles"));
    cr_assert(has_change(&c, BASELINE_IMPROVEMENT, "s/better", "utilization"));
    cr_assert(has_change(&c, BASELINE_IMPROVEMENT, "s/better", "proof"));
    cr_assert(has_change(&c, BASELINE_IMPROVEMENT, "s/better", "solve_time"));
    cr_assert_eq(c.nimprove, 4);
    cr_assert(has_change(&c, BASELINE_NOTE, "s/better", "reference"));
    cr_assert(has_change(&c, BASELINE_NOTE, "s/new", "new"));
    cr_assert(has_change(&c, BASELINE_NOTE, "s/gone", "not_run"));
    /* Regressions come first. */
    cr_assert_eq(c.c[0].kind, BASELINE_REGRESSION);
    baseline_cmp_free(&c);

    /* A wider tolerance absorbs the cycle growth; the cycle edge moves with it. */
    o.tolerance = 0.01;
    baseline_compare(&b, r, k, &o, &c);
    cr_assert_not(has_change(&c, BASELINE_REGRESSION, "s/cyc", "cycles"));
    cr_assert_eq(c.nregress, 5);
    baseline_cmp_free(&c);
    o.tolerance = 0.0;
    baseline_compare(&b, r, k, &o, &c);
    cr_assert(has_change(&c, BASELINE_REGRESSION, "s/cyc_edge", "cycles"));
    baseline_cmp_free(&c);
    baseline_free(&b);
}

Test(bench_baseline, write_then_load_round_trip_and_no_change) {
    char *d = tmpdir();
    int nl;
    bench_layer *l = mk_layers(&nl);
    int n;
    bench_result *r = run_fake(l, nl, 2, 0, 1, &n);
    char path[512];
    snprintf(path, sizeof path, "%s/b.json", d);
    const char suites[2][BENCH_NAME_MAX] = {"convs", "gemms"};
    status st;
    status_init(&st);
    cr_assert(baseline_write(path, "vta-default", suites, 2, r, n, &st), "%s", st.msg);
    baseline b;
    cr_assert(baseline_load(path, &b, &st), "%s", st.msg);
    cr_assert_eq(b.n, n);
    cr_assert_eq(b.nsuites, 2);
    for (int i = 0; i < n; i++) {
        cr_assert_eq(b.e[i].cycles, r[i].cycles);
        cr_assert_eq(b.e[i].utilization, r[i].util);
        cr_assert_eq(b.e[i].solve_ms, r[i].solve_ms);
        cr_assert_eq(b.e[i].reference_cycles, r[i].ref_cycles);
    }
    baseline_opts o;
    baseline_opts_init(&o);
    baseline_cmp c;
    baseline_compare(&b, r, n, &o, &c);
    cr_assert_eq(c.n, 0, "unexpected change: %s %s", c.n ? c.c[0].key : "", c.n ? c.c[0].msg : "");
    baseline_cmp_free(&c);
    baseline_free(&b);
    free(r);
    free(l);
}

Test(bench_baseline, malformed_baselines_have_clear_errors) {
    char *d = tmpdir();
    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"[]", ":1:1: a baseline must be a JSON object"},
        {"{\"hardware\": \"x\"}", "missing member 'layers'"},
        {"{\"layers\": []}", ":1:12: 'layers' must be an object"},
        {"{\"layers\": {\"s/a\": 3}}", "layer \"s/a\" must be an object"},
        {"{\"layers\": {\"s/a\": {\"utilization\": 1, \"proof\": \"optimal\", \"solve_ms\": 1}}}",
         "missing member 'cycles'"},
        {"{\"layers\": {\n\"s/a\": {\"cycles\": 1.5, \"utilization\": 1, \"proof\": \"optimal\", \"solve_ms\": 1}}}",
         ":2:19: 'cycles' must be an integer"},
        {"{\"layers\": {\"s/a\": {\"cycles\": 5, \"utilization\": \"high\", \"proof\": \"optimal\", \"solve_ms\": 1}}}",
         "'utilization' must be a number, not a string"},
        {"{\"layers\": {\"s/a\": {\"cycles\": -5, \"utilization\": 1, \"proof\": \"optimal\", \"solve_ms\": 1}}}",
         "'cycles' of \"s/a\" must be >= 0"},
        {"{\"suites\": [1], \"layers\": {}}", "'suites' must be an array of strings"},
        {"{\"layers\": {}", "expected ',' or '}' in object"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        const char *p = write_tmp(d, "bad.json", bad[k].text);
        baseline b;
        status st;
        status_init(&st);
        cr_assert_not(baseline_load(p, &b, &st), "accepted %s", bad[k].text);
        cr_assert(strstr(st.msg, bad[k].msg) && strstr(st.msg, "bad.json"), "input %s: got '%s'",
                  bad[k].text, st.msg);
    }
    baseline b;
    status st;
    status_init(&st);
    cr_assert_not(baseline_load("/nonexistent/x.json", &b, &st));
    cr_assert(strstr(st.msg, "/nonexistent/x.json: cannot read"), "%s", st.msg);
}

/* ---- runner, outputs, shards ------------------------------------------------------- */

static void assert_same_result(const bench_result *a, const bench_result *b, bool timing) {
#define CMP_S(fld) cr_assert_str_eq(a->fld, b->fld, "field " #fld " of %s", a->name);
#define CMP_I(fld) cr_assert_eq(a->fld, b->fld, "field " #fld " of %s", a->name);
#define CMP_I32(fld) CMP_I(fld)
#define CMP_B(fld) CMP_I(fld)
#define CMP_F(fld) \
    if (timing || strcmp(#fld, "wall_ms")) cr_assert_eq(a->fld, b->fld, "field " #fld " of %s", a->name);
#define FIELD(T, fld) CMP_##T(fld)
    BENCH_RESULT_FIELDS(FIELD)
#undef FIELD
}

Test(bench_run, parallel_equals_sequential_and_is_in_index_order) {
    int nl;
    bench_layer *l = mk_layers(&nl);
    int n1, n2, n3;
    bench_result *a = run_fake(l, nl, 1, 0, 1, &n1);
    bench_result *b = run_fake(l, nl, 3, 0, 1, &n2);
    hw_config hw = hw_default();
    bench_run_opts ro;
    bench_run_opts_init(&ro);
    ro.isolate = false;
    status st;
    status_init(&st);
    bench_result *c;
    cr_assert(bench_run(l, nl, &hw, &fake, &ro, &c, &n3, &st));
    cr_assert_eq(n1, nl);
    cr_assert_eq(n2, nl);
    cr_assert_eq(n3, nl);
    for (int i = 0; i < nl; i++) {
        cr_assert_eq(a[i].index, i);
        cr_assert(a[i].ok, "%s: %s", a[i].name, a[i].error);
        assert_same_result(&a[i], &b[i], false);
        assert_same_result(&a[i], &c[i], false);
        /* The runner's derived fields agree with an independent recomputation. */
        cr_assert_float_eq(a[i].speedup, (double)a[i].ref_cycles / (double)a[i].cycles, 1e-12);
        cr_assert_float_eq(a[i].gap, (double)a[i].cycles / (double)a[i].lower_bound, 1e-12);
    }
    free(a);
    free(b);
    free(c);
    free(l);
}

Test(bench_run, worker_failures_become_error_results) {
    bench_layer l[4];
    memset(l, 0, sizeof l);
    const char *names[] = {"ok1", "fail_me", "crash_me", "hang_me"};
    for (int i = 0; i < 4; i++) {
        l[i].op = mk_gemm(names[i], 16, 16, 16);
        snprintf(l[i].suite, sizeof l[i].suite, "s");
        l[i].index = i;
    }
    hw_config hw = hw_default();
    bench_run_opts ro;
    bench_run_opts_init(&ro);
    ro.jobs = 2;
    ro.layer_timeout_s = 1.0;
    status st;
    status_init(&st);
    bench_result *r;
    int n;
    cr_assert(bench_run(l, 4, &hw, &fake, &ro, &r, &n, &st), "%s", st.msg);
    cr_assert_eq(n, 4);
    cr_assert(r[0].ok);
    cr_assert_not(r[1].ok);
    cr_assert(strstr(r[1].error, "fails on purpose"), "%s", r[1].error);
    cr_assert_not(r[2].ok);
    cr_assert(strstr(r[2].error, "signal"), "%s", r[2].error);
    cr_assert_not(r[3].ok);
    cr_assert(strstr(r[3].error, "timed out"), "%s", r[3].error);
    cr_assert_str_eq(r[3].name, "hang_me");
    bench_summary s;
    bench_summarize(r, n, &s);
    cr_assert_eq(s.nok, 1);
    cr_assert_eq(s.nerror, 3);
    free(r);
}

Test(bench_shard, selection_partitions_the_layers) {
    for (int sn = 1; sn <= 5; sn++) {
        for (int idx = 0; idx < 23; idx++) {
            int hits = 0;
            for (int si = 0; si < sn; si++)
                hits += bench_in_shard(idx, si, sn);
            cr_assert_eq(hits, 1);
        }
    }
    /* every N-th layer starting at I */
    cr_assert(bench_in_shard(1, 1, 3) && bench_in_shard(4, 1, 3) && !bench_in_shard(2, 1, 3));
    int i, n;
    status st;
    status_init(&st);
    cr_assert(bench_parse_shard("2/5", &i, &n, &st));
    cr_assert(i == 2 && n == 5);
    const char *bad[] = {"5/5", "-1/3", "1/0", "x", "1/", "1/2/3", "/2", "1-2"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        status_init(&st);
        cr_assert_not(bench_parse_shard(bad[k], &i, &n, &st), "accepted %s", bad[k]);
        cr_assert(strstr(st.msg, "--shard"), "%s", st.msg);
    }
}

static void fill_meta(report_meta *m, int total, int si, int sn) {
    report_meta_init(m);
    snprintf(m->hardware, sizeof m->hardware, "vta-default");
    snprintf(m->evaluator, sizeof m->evaluator, "fake");
    snprintf(m->objective, sizeof m->objective, "lex");
    m->nsuites = 2;
    snprintf(m->suites[0], BENCH_NAME_MAX, "convs");
    snprintf(m->suites[1], BENCH_NAME_MAX, "gemms");
    m->total_layers = total;
    m->shard_i = si;
    m->shard_n = sn;
    m->check_sample = 64;
    m->wall_s = 1.5 + si;
}

/* Minimal CSV reader for the round trip (quoted fields with doubled quotes). */
static int csv_fields(const char *line, char out[][300], int max) {
    int n = 0;
    const char *p = line;
    while (n < max) {
        size_t k = 0;
        if (*p == '"') {
            p++;
            for (;;) {
                if (*p == '"' && p[1] == '"') {
                    out[n][k++] = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    out[n][k++] = *p++;
                }
            }
        } else {
            while (*p && *p != ',' && *p != '\n')
                out[n][k++] = *p++;
        }
        out[n++][k] = '\0';
        if (*p != ',')
            break;
        p++;
    }
    return n;
}

Test(bench_report, csv_and_json_round_trip) {
    int nl;
    bench_layer *l = mk_layers(&nl);
    int n;
    bench_result *r = run_fake(l, nl, 2, 0, 1, &n);
    /* Awkward strings survive both formats. */
    snprintf(r[0].layout, sizeof r[0].layout, "has, comma and \"quotes\"\nand a newline");
    snprintf(r[1].error, sizeof r[1].error, "tab\there | pipe");
    r[2].solve_ms = 1.0 / 3;
    char *d = tmpdir();
    report_meta m;
    fill_meta(&m, nl, 0, 1);
    bench_summary s;
    bench_summarize(r, n, &s);
    s.wall_s = m.wall_s;
    status st;
    status_init(&st);
    cr_assert(report_write_dir(d, &m, r, n, &s, NULL, &st), "%s", st.msg);
    char path[512];
    snprintf(path, sizeof path, "%s/results.json", d);
    report_meta m2;
    bench_result *r2;
    int n2;
    cr_assert(report_read_json(path, &m2, &r2, &n2, &st), "%s", st.msg);
    cr_assert_eq(n2, n);
    cr_assert_str_eq(m2.hardware, "vta-default");
    cr_assert_eq(m2.total_layers, nl);
    cr_assert_eq(m2.nsuites, 2);
    for (int i = 0; i < n; i++)
        assert_same_result(&r[i], &r2[i], true);

    /* CSV: header = field names; each row's values read back to the same numbers. */
    snprintf(path, sizeof path, "%s/results.csv", d);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    static char line[8192], fields[64][300];
    cr_assert_not_null(fgets(line, sizeof line, f));
    int nf = csv_fields(line, fields, 64);
    int expect = 0;
#define COUNT(T, fld) expect++;
    BENCH_RESULT_FIELDS(COUNT)
#undef COUNT
    cr_assert_eq(nf, expect);
    cr_assert_str_eq(fields[0], "index");
    for (int i = 0; i < n; i++) {
        /* A row may span lines (quoted newline): read until the quotes balance. */
        cr_assert_not_null(fgets(line, sizeof line, f));
        for (;;) {
            int q = 0;
            for (char *p = line; *p; p++)
                q += *p == '"';
            if (q % 2 == 0)
                break;
            size_t ln = strlen(line);
            cr_assert_not_null(fgets(line + ln, (int)(sizeof line - ln), f));
        }
        cr_assert_eq(csv_fields(line, fields, 64), expect);
        const bench_result *x = &r[i];
        int k = 0;
#define CK_S(fld) cr_assert_str_eq(fields[k], x->fld);
#define CK_I(fld) cr_assert_eq(strtoll(fields[k], NULL, 10), x->fld, #fld);
#define CK_I32(fld) CK_I(fld)
#define CK_F(fld) cr_assert_eq(strtod(fields[k], NULL), x->fld, #fld);
#define CK_B(fld) cr_assert_str_eq(fields[k], x->fld ? "true" : "false");
#define FIELD(T, fld) CK_##T(fld) k++;
        BENCH_RESULT_FIELDS(FIELD)
#undef FIELD
    }
    fclose(f);
    /* The report and plots exist and look like what they are. */
    const char *files[] = {"report.md", "speedup.svg", "layout.svg", "roofline.svg"};
    for (int k = 0; k < 4; k++) {
        snprintf(path, sizeof path, "%s/%s", d, files[k]);
        f = fopen(path, "r");
        cr_assert_not_null(f, "%s", path);
        char head[64] = {0};
        cr_assert(fread(head, 1, sizeof head - 1, f) > 0);
        fclose(f);
        cr_assert(strstr(head, k ? "<?xml" : "# embedsyn bench report"), "%s: %s", path, head);
    }
    free(r);
    free(r2);
    free(l);
}

Test(bench_report, merge_of_shards_equals_unsharded_run) {
    int nl;
    bench_layer *l = mk_layers(&nl);
    int n;
    bench_result *full = run_fake(l, nl, 2, 0, 1, &n);
    char *dirs[3];
    int sn = 3;
    status st;
    status_init(&st);
    for (int si = 0; si < sn; si++) {
        int ns;
        bench_result *rs = run_fake(l, nl, 1, si, sn, &ns);
        for (int k = 0; k < ns; k++)
            cr_assert_eq(rs[k].index % sn, si);
        report_meta m;
        fill_meta(&m, nl, si, sn);
        bench_summary s;
        bench_summarize(rs, ns, &s);
        dirs[si] = tmpdir();
        cr_assert(report_write_dir(dirs[si], &m, rs, ns, &s, NULL, &st), "%s", st.msg);
        free(rs);
    }
    /* Merge in a scrambled order; also one path given as the results.json itself. */
    char file2[512];
    snprintf(file2, sizeof file2, "%s/results.json", dirs[2]);
    const char *paths[] = {file2, dirs[0], dirs[1]};
    report_meta mm;
    bench_result *mr;
    int mn, missing;
    cr_assert(report_merge(paths, 3, &mm, &mr, &mn, &missing, &st), "%s", st.msg);
    cr_assert_eq(missing, 0);
    cr_assert_eq(mn, n);
    cr_assert_eq(mm.shard_n, 1);
    cr_assert_float_eq(mm.wall_s, 3.5, 1e-12); /* slowest shard */
    for (int i = 0; i < n; i++)
        assert_same_result(&full[i], &mr[i], false);
    bench_summary s1, s2;
    bench_summarize(full, n, &s1);
    bench_summarize(mr, mn, &s2);
    cr_assert_eq(s1.geomean_speedup, s2.geomean_speedup);
    cr_assert_eq(s1.geomean_gap, s2.geomean_gap);
    cr_assert_eq(s1.solve_p90_ms, s2.solve_p90_ms);
    cr_assert_str_eq(s1.min_speedup_layer, s2.min_speedup_layer);
    free(mr);

    /* Missing shard is reported; the same shard twice is an error. */
    const char *two[] = {dirs[0], dirs[1]};
    cr_assert(report_merge(two, 2, &mm, &mr, &mn, &missing, &st), "%s", st.msg);
    cr_assert_eq(missing, nl - mn);
    cr_assert_gt(missing, 0);
    free(mr);
    const char *dup[] = {dirs[0], dirs[0]};
    cr_assert_not(report_merge(dup, 2, &mm, &mr, &mn, &missing, &st));
    cr_assert(strstr(st.msg, "more than one input"), "%s", st.msg);
    free(full);
    free(l);
}

/* ---- the CLI --------------------------------------------------------------------- */

/* Runs a shell command; returns its exit status, stdout (and stderr) in out. */
static int run(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int run(char *out, size_t len, const char *fmt, ...) {
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p, "%s", cmd);
    size_t n = 0;
    if (out) {
        n = fread(out, 1, len - 1, p);
        out[n] = '\0';
    } else {
        char buf[4096];
        while (fread(buf, 1, sizeof buf, p) > 0) {
        }
    }
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#define CI_SUITE EMBEDSYN_SOURCE_DIR "/bench/suites/ci.xml"

Test(bench_cli, baseline_update_compare_regress_and_malformed) {
    char *d = tmpdir();
    static char out[1 << 16];
    int rc = run(out, sizeof out, "%s bench %s --evaluator fake --quiet --out %s/o --update-baseline %s/b.json",
                 EMBEDSYN_CLI, CI_SUITE, d, d);
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(strstr(out, "12 ok"), "%s", out);
    rc = run(out, sizeof out, "%s bench %s --evaluator fake --quiet --out %s/o2 --baseline %s/b.json",
             EMBEDSYN_CLI, CI_SUITE, d, d);
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(strstr(out, "0 regression(s)"), "%s", out);

    /* A baseline in which one layer was 10% faster: the run regresses -> exit 1. */
    char path[512];
    snprintf(path, sizeof path, "%s/o/results.json", d);
    report_meta m;
    bench_result *r;
    int n;
    status st;
    status_init(&st);
    cr_assert(report_read_json(path, &m, &r, &n, &st), "%s", st.msg);
    cr_assert_eq(n, 12);
    r[3].cycles = r[3].cycles * 9 / 10;
    snprintf(path, sizeof path, "%s/b2.json", d);
    cr_assert(baseline_write(path, m.hardware, (const char(*)[BENCH_NAME_MAX])m.suites, m.nsuites, r, n, &st));
    rc = run(out, sizeof out, "%s bench %s --evaluator fake --quiet --out %s/o3 --baseline %s",
             EMBEDSYN_CLI, CI_SUITE, d, path);
    cr_assert_eq(rc, 1, "%s", out);
    char want[200];
    snprintf(want, sizeof want, "REGRESSION ci/%s: cycles", r[3].name);
    cr_assert(strstr(out, want), "%s", out);
    /* ... unless the tolerance covers it. */
    rc = run(out, sizeof out, "%s bench %s --evaluator fake --quiet --out %s/o3 --baseline %s --tolerance 12%%",
             EMBEDSYN_CLI, CI_SUITE, d, path);
    cr_assert_eq(rc, 0, "%s", out);
    /* The markdown report lists the regression. */
    snprintf(path, sizeof path, "%s/b2.json", d);
    rc = run(NULL, 0, "%s bench %s --evaluator fake --quiet --out %s/o4 --baseline %s", EMBEDSYN_CLI,
             CI_SUITE, d, path);
    cr_assert_eq(rc, 1);
    rc = run(out, sizeof out, "grep -c '| \\*\\*regression\\*\\* |' %s/o4/report.md", d);
    cr_assert_eq(atoi(out), 1, "%s", out);
    free(r);

    /* Malformed baseline: exit 2 with FILE:LINE:COL. */
    write_tmp(d, "bad.json", "{\"layers\": {\n  \"ci/x\": {\"cycles\": \"many\"}}}");
    rc = run(out, sizeof out, "%s bench %s --evaluator fake --quiet --out %s/o5 --baseline %s/bad.json 2>&1",
             EMBEDSYN_CLI, CI_SUITE, d, d);
    cr_assert_eq(rc, 2, "%s", out);
    cr_assert(strstr(out, "bad.json:2:") && strstr(out, "'cycles' must be an integer"), "%s", out);
    /* Usage errors: exit 2. */
    cr_assert_eq(run(NULL, 0, "%s bench --frobnicate 2>/dev/null", EMBEDSYN_CLI), 2);
    cr_assert_eq(run(NULL, 0, "%s bench %s --shard 3/3 2>/dev/null", EMBEDSYN_CLI, CI_SUITE), 2);
    cr_assert_eq(run(NULL, 0, "%s bench %s --objective fastest 2>/dev/null", EMBEDSYN_CLI, CI_SUITE), 2);
    cr_assert_eq(run(NULL, 0, "%s bench /nonexistent.xml 2>/dev/null", EMBEDSYN_CLI), 2);
    cr_assert_eq(run(NULL, 0, "%s bench-merge 2>/dev/null", EMBEDSYN_CLI), 2);
    cr_assert_eq(run(NULL, 0, "%s bench --help >/dev/null", EMBEDSYN_CLI), 0);
    cr_assert_eq(run(NULL, 0, "%s bench-merge --help >/dev/null", EMBEDSYN_CLI), 0);
}

Test(bench_cli, json_lines_and_merge_of_shards) {
    char *d = tmpdir();
    static char out[1 << 17];
    int rc = run(out, sizeof out, "%s bench %s --evaluator fake --quiet --json --jobs 2 --out %s/full",
                 EMBEDSYN_CLI, CI_SUITE, d);
    cr_assert_eq(rc, 0, "%s", out);
    /* One JSON object per layer, then the summary; each line parses. */
    int lines = 0, summaries = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        arena *a = arena_create();
        status st;
        status_init(&st);
        const json_value *v = json_parse(a, line, strlen(line), "stdout", &st);
        cr_assert_not_null(v, "%s: %s", st.msg, line);
        if (json_get(v, "summary"))
            summaries++;
        else
            cr_assert_not_null(json_get(v, "speedup"));
        lines++;
        arena_destroy(a);
    }
    cr_assert_eq(lines, 13);
    cr_assert_eq(summaries, 1);
    for (int i = 0; i < 2; i++) {
        rc = run(NULL, 0, "%s bench %s --evaluator fake --quiet --shard %d/2 --out %s/s%d", EMBEDSYN_CLI,
                 CI_SUITE, i, d, i);
        cr_assert_eq(rc, 0);
    }
    rc = run(out, sizeof out, "%s bench-merge %s/s1 %s/s0 --out %s/merged", EMBEDSYN_CLI, d, d, d);
    cr_assert_eq(rc, 0, "%s", out);
    char p1[512], p2[512];
    snprintf(p1, sizeof p1, "%s/full/results.json", d);
    snprintf(p2, sizeof p2, "%s/merged/results.json", d);
    report_meta m1, m2;
    bench_result *r1, *r2;
    int n1, n2;
    status st;
    status_init(&st);
    cr_assert(report_read_json(p1, &m1, &r1, &n1, &st), "%s", st.msg);
    cr_assert(report_read_json(p2, &m2, &r2, &n2, &st), "%s", st.msg);
    cr_assert_eq(n1, n2);
    for (int i = 0; i < n1; i++)
        assert_same_result(&r1[i], &r2[i], false);
    free(r1);
    free(r2);
    /* A missing shard fails the merge unless allowed. */
    cr_assert_eq(run(NULL, 0, "%s bench-merge %s/s0 --out %s/m2 2>/dev/null", EMBEDSYN_CLI, d, d), 1);
    cr_assert_eq(run(NULL, 0, "%s bench-merge %s/s0 --allow-missing --out %s/m2 2>/dev/null", EMBEDSYN_CLI, d, d), 0);
}
