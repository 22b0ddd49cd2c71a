/* Hostile inputs (issue: bounded work on hostile input): the corpus tests/bad_json (each
 * file with its expected message and exit status 2 through the CLI, listed in
 * tests/bad_json/EXPECT), unbounded files (/dev/zero, a huge sparse file), and inputs
 * whose size used to take quadratic time (a JSON object with 40k keys, a 100k-layer
 * baseline, a suite with 40k operators). Time limits are CPU seconds of this process,
 * so a loaded machine does not make them flaky; each is far below what the quadratic
 * code took (21 s, > 2 min, about 18 s). */
#include <fcntl.h>
#include <time.h>

#include "core/es.h"
#include "core/spec.h"
#include "encoders/enc.h"
#include "tests/bench_util.h"

static double cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Runs a shell command; exit status, stdout in out, stderr in err (each NUL-terminated). */
static int run2(char *out, size_t olen, char *err, size_t elen, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int run2(char *out, size_t olen, char *err, size_t elen, const char *fmt, ...) {
    char cmd[4096], errpath[64] = "/tmp/test_hostile_err_XXXXXX";
    int fd = mkstemp(errpath);
    cr_assert_geq(fd, 0);
    close(fd);
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    snprintf(cmd + k, sizeof cmd - (size_t)k, " 2>%s", errpath);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p, "%s", cmd);
    size_t n = fread(out, 1, olen - 1, p);
    out[n] = '\0';
    char buf[4096];
    while (fread(buf, 1, sizeof buf, p) > 0) {
    }
    int st = pclose(p);
    FILE *e = fopen(errpath, "r");
    cr_assert_not_null(e);
    n = fread(err, 1, elen - 1, e);
    err[n] = '\0';
    fclose(e);
    unlink(errpath);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(hostile, json_corpus_fails_cleanly_with_status_2) {
    const char *dir = EMBEDSYN_SOURCE_DIR "/tests/bad_json";
    char idx[512];
    snprintf(idx, sizeof idx, "%s/EXPECT", dir);
    FILE *f = fopen(idx, "r");
    cr_assert_not_null(f, "%s", idx);
    char line[1024], out[4096], err[4096];
    int count = 0;
    char *d = tmpdir();
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        line[strcspn(line, "\n")] = '\0';
        char *file = strtok(line, "\t"), *cmd = strtok(NULL, "\t"), *msg = strtok(NULL, "");
        cr_assert(file && cmd && msg, "bad EXPECT line");
        int rc;
        if (!strcmp(cmd, "bench"))
            rc = run2(out, sizeof out, err, sizeof err,
                      "%s bench --evaluator fake --limit 1 --json --quiet --out %s/o --baseline %s/%s",
                      EMBEDSYN_CLI, d, dir, file);
        else
            rc = run2(out, sizeof out, err, sizeof err, "%s bench-merge --out %s/o %s/%s",
                      EMBEDSYN_CLI, d, dir, file);
        cr_assert_eq(rc, 2, "%s: exit %d, stderr %s", file, rc, err);
        char want[1200];
        snprintf(want, sizeof want, "%s%s", file, msg);
        cr_assert(strstr(err, want) != NULL, "%s: stderr '%s' lacks '%s'", file, err, want);
        /* The baseline is checked before any layer runs: no layer line on stdout. */
        if (!strcmp(cmd, "bench"))
            cr_assert_eq(out[0], '\0', "%s: a layer ran before the baseline was checked: %s",
                         file, out);
        count++;
    }
    fclose(f);
    cr_assert_geq(count, 13);
}

Test(hostile, unbounded_files_hit_the_size_cap) {
    status st;
    status_init(&st);
    baseline b;
    /* /dev/zero never ends: the reader stops at the cap instead of growing until the
     * address space runs out. */
    cr_assert_not(baseline_load("/dev/zero", &b, &st));
    cr_assert(strstr(st.msg, "/dev/zero: larger than the 256 MiB limit"), "%s", st.msg);
    /* A sparse regular file bigger than the cap (no disk space used). */
    char *d = tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/huge.json", d);
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    cr_assert_geq(fd, 0);
    cr_assert_eq(ftruncate(fd, (off_t)JSON_MAX_FILE_BYTES + 1), 0);
    close(fd);
    status_init(&st);
    cr_assert_not(baseline_load(path, &b, &st));
    cr_assert(strstr(st.msg, "huge.json: larger than the 256 MiB limit"), "%s", st.msg);
    /* Through the CLI: exit 2, no abort. */
    char out[256], err[1024];
    int rc = run2(out, sizeof out, err, sizeof err,
                  "%s bench --evaluator fake --limit 1 --json --quiet --out %s/o --baseline /dev/zero",
                  EMBEDSYN_CLI, d);
    cr_assert_eq(rc, 2, "exit %d: %s", rc, err);
    cr_assert(strstr(err, "larger than the 256 MiB limit"), "%s", err);
}

Test(hostile, object_with_40k_keys_parses_in_linear_time) {
    size_t cap = 64 << 20, len = 0;
    char *t = malloc(cap);
    cr_assert_not_null(t);
    int nkeys = 40000;
    long *col = calloc((size_t)nkeys, sizeof *col); /* where each value is written */
    cr_assert_not_null(col);
    len += (size_t)sprintf(t + len, "{");
    for (int i = 0; i < nkeys; i++) {
        len += (size_t)sprintf(t + len, "%s\"key_%07d\": ", i ? ", " : "", i);
        col[i] = (long)len + 1;
        len += (size_t)sprintf(t + len, "%d", i);
    }
    len += (size_t)sprintf(t + len, "}");
    cr_assert_gt(len, 500000);
    arena *a = arena_create();
    status st;
    status_init(&st);
    double t0 = cpu_s();
    const json_value *v = json_parse(a, t, len, "k.json", &st);
    double dt = cpu_s() - t0;
    cr_assert_not_null(v, "%s", st.msg);
    cr_assert_eq(v->len, (size_t)nkeys);
    /* Members in document order, each value where it was written. */
    for (int i = 0; i < nkeys; i += 997) {
        char key[32];
        snprintf(key, sizeof key, "key_%07d", i);
        cr_assert_str_eq(v->keys[i], key);
        cr_assert_eq(v->items[i]->i64, i);
        cr_assert_eq(v->items[i]->line, 1);
        cr_assert_eq(v->items[i]->col, col[i]);
    }
    cr_assert_lt(dt, 2.0, "40k keys took %.2f s CPU", dt);
    /* The same document with one duplicate key at the end: found by hashing. */
    len -= 1;
    len += (size_t)sprintf(t + len, ", \"key_0000000\": 1}");
    status_init(&st);
    t0 = cpu_s();
    cr_assert_null(json_parse(a, t, len, "k.json", &st));
    dt = cpu_s() - t0;
    cr_assert(strstr(st.msg, "duplicate object key"), "%s", st.msg);
    cr_assert_lt(dt, 2.0, "duplicate check took %.2f s CPU", dt);
    arena_destroy(a);
    free(t);
    free(col);
}

Test(hostile, baseline_with_100k_layers_loads_and_compares_in_linear_time) {
    int n = 100000;
    bench_result *r = calloc((size_t)n, sizeof *r);
    cr_assert_not_null(r);
    for (int i = 0; i < n; i++) {
        r[i].index = i;
        snprintf(r[i].suite, sizeof r[i].suite, "s%d", i % 7);
        snprintf(r[i].name, sizeof r[i].name, "layer_%d", i / 7);
        r[i].cycles = 1000 + i;
        r[i].util = 0.5;
        r[i].ok = true;
        r[i].proof = ENC_PROOF_OPTIMAL;
        r[i].check = DRV_CHECK_PASS;
        r[i].solve_ms = 1;
    }
    /* Two layers with the same name in one suite get "@index". */
    snprintf(r[n - 1].name, sizeof r[n - 1].name, "%s", r[n - 8].name);
    char *d = tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/big.json", d);
    const char suites[1][BENCH_NAME_MAX] = {"s"};
    status st;
    status_init(&st);
    double t0 = cpu_s();
    cr_assert(baseline_write(path, "vta", suites, 1, r, n, &st), "%s", st.msg);
    baseline b;
    cr_assert(baseline_load(path, &b, &st), "%s", st.msg);
    cr_assert_eq(b.n, n);
    baseline_opts o;
    baseline_opts_init(&o);
    baseline_cmp c;
    baseline_compare(&b, r, n, &o, &c);
    double dt = cpu_s() - t0;
    /* Unchanged results: the only differences are the duplicate's two keys. */
    cr_assert_eq(c.nregress, 0);
    cr_assert_eq(c.nimprove, 0);
    cr_assert_eq(c.nnote, 1, "notes: %d", c.nnote); /* "@index" key not run under its name */
    /* the sanitizer build takes about 6 s CPU alone and up to 10 s beside another test;
     * the quadratic code took more than 2 min in the normal build */
    double limit = TL_SANITIZED ? 30.0 : 10.0;
    cr_assert_lt(dt, limit, "100k layers took %.2f s CPU (limit %.0f s)", dt, limit);
    baseline_cmp_free(&c);
    baseline_free(&b);
    free(r);
}

Test(hostile, comparison_without_changes_is_empty) {
    /* No change at all: the change list stays empty (it used to be sorted as
     * qsort(NULL, 0, ...), undefined behaviour the sanitizer build reports). */
    baseline b = {0};
    baseline_opts o;
    baseline_opts_init(&o);
    baseline_cmp c;
    baseline_compare(&b, NULL, 0, &o, &c);
    cr_assert_eq(c.n, 0);
    cr_assert_null(c.c);
    baseline_cmp_free(&c);
}

Test(hostile, suite_with_40k_operators_checks_in_linear_time) {
    char *d = tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/big.xml", d);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    int n = 40000;
    fputs("<suite name=\"big\">\n", f);
    for (int i = 0; i < n; i++)
        fprintf(f, "<operator name=\"g%d\"><gemm m=\"16\" n=\"16\" k=\"%d\"/></operator>\n", i,
                1 + i % 64);
    fputs("<operator name=\"g39999x\"><gemm m=\"16\" n=\"16\" k=\"16\"/></operator>\n", f);
    fputs("<operator name=\"g123\"><gemm m=\"16\" n=\"16\" k=\"16\"/></operator>\n</suite>\n", f);
    fclose(f);
    char name[64];
    op *ops = NULL;
    int nops = 0;
    status st;
    status_init(&st);
    double t0 = cpu_s();
    cr_assert_not(spec_load_suite(path, name, sizeof name, &ops, &nops, &st));
    double dt = cpu_s() - t0;
    /* The duplicate is the last operator (line n + 3); its first use is on line 125. */
    char want[128];
    snprintf(want, sizeof want, "big.xml:%d: duplicate operator name 'g123' (first at line 125)",
             n + 3);
    cr_assert(strstr(st.msg, want), "%s", st.msg);
    cr_assert_lt(dt, 8.0, "40k operators took %.2f s CPU", dt);
}

/* The solve timeout bounds the whole query: a proof is several solver checks, and each
 * used to get the full timeout (1 s -> 2.4 s). */
Test(hostile, solve_timeout_bounds_the_whole_query) {
    op o;
    status st;
    status_init(&st);
    cr_assert(spec_parse_conv("N=1,C=3,H=224,W=224,K=64,R=7,S=7,stride=2,pad=3", "conv1", &o, &st),
              "%s", st.msg);
    hw_config hw = hw_default();
    enc_options eo;
    enc_options_init(&eo);
    eo.prove = true;
    eo.timeout_s = 1.0;
    enc_result r;
    double t0 = es_now_ms();
    cr_assert(enc_solve(&o, HW_INTRINSIC(&hw), &eo, &r, &st), "%s", st.msg);
    double ms = es_now_ms() - t0;
    /* Proven or not within the second: either way bounded (each check used to get 1 s). */
    cr_assert_lt(ms, 1600.0, "solve with a 1 s timeout took %.0f ms (proof %s)", ms, enc_proof_name(r.proof));
    /* A tiny timeout returns at once with 'unknown'. */
    eo.timeout_s = 0.01;
    t0 = es_now_ms();
    cr_assert(enc_solve(&o, HW_INTRINSIC(&hw), &eo, &r, &st), "%s", st.msg);
    ms = es_now_ms() - t0;
    cr_assert_eq(r.solver_status, ENC_SOLVER_UNKNOWN);
    cr_assert_lt(ms, 1000.0, "solve with a 0.01 s timeout took %.0f ms", ms);
    /* The effort is reported: a run without a timeout has a positive rlimit count that
     * is the same on every run (deterministic). */
    eo.timeout_s = 0;
    eo.prove = false;
    op g;
    cr_assert(spec_parse_gemm("M=35,N=70,K=200", "g", &g, &st), "%s", st.msg);
    enc_result r1, r2;
    cr_assert(enc_solve(&g, HW_INTRINSIC(&hw), &eo, &r1, &st), "%s", st.msg);
    cr_assert(enc_solve(&g, HW_INTRINSIC(&hw), &eo, &r2, &st), "%s", st.msg);
    cr_assert_gt(r1.rlimit_used, 0);
    cr_assert_eq(r1.rlimit_used, r2.rlimit_used);
}
