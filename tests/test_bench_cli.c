/* Tests of `embedsyn bench` and `embedsyn bench-merge` through the CLI: baseline
 * update / compare / regression / malformed baseline, exit statuses, JSON lines, shard
 * merge; and the CI suite (bench/suites/ci.xml) against its committed baseline
 * (bench/baselines/ci.json) on the real pipeline. */
#include "core/spec.h"
#include "tests/bench_util.h"

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
    report_meta m;
    bench_result *r;
    int n = read_results(d, "o", &m, &r);
    cr_assert_eq(n, 12);
    char path[512];
    status st;
    status_init(&st);
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
    rc = run(out, sizeof out, "%s bench %s --evaluator fake --quiet --out %s/o3 --force --baseline %s --tolerance 12%%",
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
    report_meta m1, m2;
    bench_result *r1, *r2;
    int n1 = read_results(d, "full", &m1, &r1), n2 = read_results(d, "merged", &m2, &r2);
    cr_assert_eq(n1, n2);
    for (int i = 0; i < n1; i++)
        assert_same_result(&r1[i], &r2[i], false);
    free(r1);
    free(r2);
    /* A missing shard fails the merge unless allowed. */
    cr_assert_eq(run(NULL, 0, "%s bench-merge %s/s0 --out %s/m2 2>/dev/null", EMBEDSYN_CLI, d, d), 1);
    cr_assert_eq(run(NULL, 0, "%s bench-merge %s/s0 --allow-missing --out %s/m2 2>/dev/null", EMBEDSYN_CLI, d, d), 0);
}

/* A shard written by an older embedsyn (results.json without solve_rlimit) merges with
 * a current one: its layers' solver effort is unknown (-1), the merge says so, the
 * baseline it writes leaves the key out and a comparison against it skips that rule. */
Test(bench_cli, merge_of_results_without_solve_rlimit) {
    char *d = tmpdir();
    static char out[1 << 16];
    for (int i = 0; i < 2; i++)
        cr_assert_eq(run(NULL, 0, "%s bench %s --evaluator fake --quiet --shard %d/2 --out %s/s%d",
                         EMBEDSYN_CLI, CI_SUITE, i, d, i), 0);
    /* The old format: every '"solve_rlimit": N, ' of shard 0's layers removed. */
    cr_assert_eq(run(NULL, 0, "sed -i 's/\"solve_rlimit\": [0-9]*, //g' %s/s0/results.json", d), 0);
    cr_assert_eq(run(NULL, 0, "grep -q solve_rlimit %s/s0/results.json", d), 1);
    int rc = run(out, sizeof out, "%s bench-merge %s/s0 %s/s1 --out %s/m --update-baseline %s/b.json 2>&1",
                 EMBEDSYN_CLI, d, d, d, d);
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(strstr(out, "6 of 12 layers come from results without solve_rlimit"), "%s", out);
    report_meta m;
    bench_result *r;
    int n = read_results(d, "m", &m, &r);
    cr_assert_eq(n, 12);
    int unknown = 0;
    for (int i = 0; i < n; i++) {
        /* shard 0 holds the layers of even index */
        cr_assert_eq(r[i].solve_rlimit < 0, r[i].index % 2 == 0, "%s: %lld", r[i].name,
                     (long long)r[i].solve_rlimit);
        unknown += r[i].solve_rlimit < 0;
    }
    cr_assert_eq(unknown, 6);
    free(r);
    /* The baseline keeps the key of the 6 layers that have it. */
    rc = run(out, sizeof out, "grep -o solve_rlimit %s/b.json | wc -l", d);
    cr_assert_eq(atoi(out), 6, "%s", out);
    /* The current full run against that baseline: no solver-effort change reported. */
    rc = run(out, sizeof out, "%s bench %s --evaluator fake --quiet --out %s/f --baseline %s/b.json --verbose 2>&1",
             EMBEDSYN_CLI, CI_SUITE, d, d);
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert_null(strstr(out, "solver effort"), "%s", out);
}

/* A layer whose reference has no schedule (TVM's template keeps a whole 1x2048 kernel
 * row of weight blocks: no tile fits the buffers) while embedsyn's embedding runs: an ok
 * result with ref_no_schedule and no speedup, left out of the speedup figures (the
 * geomean is the other layer's alone), kept through results.json and a merge; a
 * layer that fails otherwise is still an error. The reference's failure is checked on
 * its own (`run` with the reference strategy exits 2 with the message). */
Test(bench_cli, layer_the_reference_cannot_run) {
    char *d = tmpdir();
    static char out[1 << 16];
    char suite[600];
    snprintf(suite, sizeof suite, "%s/s.xml", d);
    tl_write_text(suite, "<suite name=\"nofit\">\n"
                         "  <operator name=\"fc_as_conv\"><conv2d n=\"4\" c=\"1\" h=\"1\" w=\"2048\" k=\"64\" r=\"1\" "
                         "s=\"2048\"/></operator>\n"
                         "  <operator name=\"small\"><conv2d n=\"1\" c=\"16\" h=\"8\" w=\"8\" k=\"16\" r=\"3\" s=\"3\" "
                         "pad=\"1\"/></operator>\n"
                         "</suite>\n");
    int rc = run(out, sizeof out, "%s run --conv N=4,C=1,H=1,W=2048,K=64,R=1,S=2048 --timing-only 2>&1", EMBEDSYN_CLI);
    cr_assert_eq(rc, 2, "%s", out);
    cr_assert(strstr(out, "no schedule fits"), "%s", out);
    rc = run(out, sizeof out, "%s bench %s --check-sample 8 --quiet --out %s/b 2>&1", EMBEDSYN_CLI, suite, d);
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(strstr(out, "2 ok, 0 errors") && strstr(out, "over 1 layer;") && strstr(out, "reference can't run    1 layer"),
              "%s", out);
    report_meta m;
    bench_result *r;
    int n = read_results(d, "b", &m, &r);
    cr_assert_eq(n, 2);
    cr_assert(r[0].ok && r[0].ref_no_schedule && r[0].ref_cycles == 0 && r[0].speedup == 0 && r[0].cycles > 0);
    cr_assert(r[1].ok && !r[1].ref_no_schedule && r[1].speedup > 0);
    bench_summary s;
    bench_summarize(r, n, &s);
    cr_assert_eq(s.nref_no_schedule, 1);
    cr_assert_float_eq(s.geomean_speedup, r[1].speedup, 1e-12);
    cr_assert_float_eq(s.min_speedup, r[1].speedup, 1e-12);
    cr_assert_eq(s.nnot_faster + (r[1].speedup > 1), 1);
    free(r);
    rc = run(out, sizeof out, "%s bench-merge %s/b --out %s/m 2>&1", EMBEDSYN_CLI, d, d);
    cr_assert_eq(rc, 0, "%s", out);
    n = read_results(d, "m", &m, &r);
    cr_assert(n == 2 && r[0].ref_no_schedule && !r[1].ref_no_schedule);
    free(r);
}

/* --list gives each layer's hardware floor (the same as a run's results); results.json
 * of versions before the floor merge with the floors unknown (0), not an error. */
Test(bench_cli, floors_in_list_and_old_results) {
    char *d = tmpdir();
    static char out[1 << 16];
    cr_assert_eq(run(out, sizeof out, "%s bench %s --list --json", EMBEDSYN_CLI, CI_SUITE), 0, "%s", out);
    int lines = 0;
    for (const char *p = strstr(out, "\"floor_cycles\": "); p; p = strstr(p + 1, "\"floor_cycles\": ")) {
        long long f = atoll(p + strlen("\"floor_cycles\": "));
        const char *b = strstr(p, "\"box_floor_cycles\": ");
        cr_assert(b, "%s", p);
        cr_assert_gt(f, 0, "%s", p);
        cr_assert_geq(atoll(b + strlen("\"box_floor_cycles\": ")), f, "%s", p);
        lines++;
    }
    cr_assert_eq(lines, 12, "%s", out);
    for (int i = 0; i < 2; i++)
        cr_assert_eq(run(NULL, 0, "%s bench %s --evaluator fake --quiet --shard %d/2 --out %s/s%d", EMBEDSYN_CLI,
                         CI_SUITE, i, d, i),
                     0);
    cr_assert_eq(run(NULL, 0,
                     "sed -i -e 's/\"box_floor_cycles\": [0-9]*, //g' -e 's/\"floor_cycles\": [0-9]*, //g' "
                     "-e 's/\"floor_gap\": [0-9.e+-]*, //g' -e 's/\"ref_floor_gap\": [0-9.e+-]*, //g' "
                     "%s/s0/results.json",
                     d),
                 0);
    cr_assert_eq(run(NULL, 0, "grep -q floor_cycles %s/s0/results.json", d), 1); /* the summary keeps its gaps */
    cr_assert_eq(run(out, sizeof out, "%s bench-merge %s/s0 %s/s1 --out %s/m 2>&1", EMBEDSYN_CLI, d, d, d), 0, "%s",
                 out);
    report_meta m;
    bench_result *r;
    int n = read_results(d, "m", &m, &r);
    cr_assert_eq(n, 12);
    for (int i = 0; i < n; i++) {
        bool old = r[i].index % 2 == 0; /* shard 0 */
        cr_assert_eq(r[i].floor_cycles == 0, old, "%s: %lld", r[i].name, (long long)r[i].floor_cycles);
        cr_assert_eq(r[i].box_floor_cycles == 0, old, "%s", r[i].name);
        if (!old) cr_assert_leq(r[i].floor_cycles, r[i].box_floor_cycles, "%s", r[i].name);
    }
    free(r);
}

/* ---- outputs: no run overwrites another -------------------------------------------- */

Test(bench_cli, default_out_is_a_new_directory_with_latest_link) {
    char *d = tmpdir();
    char out[8192], first[256], second[256];
    /* Two runs in the same second still get two directories. */
    for (int k = 0; k < 2; k++) {
        int rc = run(out, sizeof out, "cd %s && %s bench %s --evaluator fake --quiet --json --limit %d",
                     d, EMBEDSYN_CLI, CI_SUITE, 3 + k);
        cr_assert_eq(rc, 0, "%s", out);
        const char *o = strstr(out, "\"out\": \"bench-out/");
        cr_assert_not_null(o, "%s", out);
        char *dst = k ? second : first;
        snprintf(dst, 256, "%s", o + strlen("\"out\": \""));
        *strchr(dst, '"') = '\0';
    }
    cr_assert_str_neq(first, second);
    report_meta m;
    bench_result *r;
    cr_expect_eq(read_results(d, first, &m, &r), 3, "the first run is kept");
    free(r);
    cr_expect_eq(read_results(d, "bench-out/latest", &m, &r), 4, "latest is the second run");
    free(r);
    char p[600];
    char dest[256] = {0};
    snprintf(p, sizeof p, "%s/bench-out/latest", d);
    cr_assert_gt(readlink(p, dest, sizeof dest - 1), 0);
    cr_expect_str_eq(dest, second + strlen("bench-out/"));
}

Test(bench_cli, non_empty_out_refused_unless_force) {
    char *d = tmpdir();
    char out[8192];
    int rc = run(out, sizeof out, "%s bench %s --evaluator fake --quiet --limit 2 --out %s/o 2>&1",
                 EMBEDSYN_CLI, CI_SUITE, d);
    cr_assert_eq(rc, 0, "%s", out);
    rc = run(out, sizeof out, "%s bench %s --evaluator fake --quiet --limit 3 --out %s/o 2>&1",
             EMBEDSYN_CLI, CI_SUITE, d);
    cr_expect_eq(rc, 2, "%s", out);
    cr_expect(strstr(out, "is not empty") && strstr(out, "--force"), "%s", out);
    report_meta m;
    bench_result *r;
    cr_expect_eq(read_results(d, "o", &m, &r), 2, "the refused run wrote nothing");
    free(r);
    rc = run(out, sizeof out, "%s bench %s --evaluator fake --quiet --limit 3 --out %s/o --force 2>&1",
             EMBEDSYN_CLI, CI_SUITE, d);
    cr_expect_eq(rc, 0, "%s", out);
    cr_expect_eq(read_results(d, "o", &m, &r), 3);
    free(r);
}

Test(bench_cli, filter_selecting_nothing_is_an_error) {
    char *d = tmpdir();
    char out[8192];
    int rc = run(out, sizeof out, "%s bench %s --evaluator fake --quiet --filter no_such_layer --out %s/o 2>&1",
                 EMBEDSYN_CLI, CI_SUITE, d);
    cr_expect_eq(rc, 2, "%s", out);
    cr_expect(strstr(out, "--filter 'no_such_layer' selects no layer"), "%s", out);
    char p[600];
    snprintf(p, sizeof p, "%s/o", d);
    cr_expect_neq(access(p, F_OK), 0, "no output directory");
}

/* --update-baseline after --filter / --shard / --limit replaces only the layers run. */
Test(bench_cli, partial_update_baseline_keeps_other_layers) {
    char *d = tmpdir();
    char out[8192], path[600];
    snprintf(path, sizeof path, "%s/b.json", d);
    int rc = run(out, sizeof out, "%s bench %s --evaluator fake --quiet --out %s/full --update-baseline %s 2>&1",
                 EMBEDSYN_CLI, CI_SUITE, d, path);
    cr_assert_eq(rc, 0, "%s", out);
    baseline full, after;
    status st;
    status_init(&st);
    cr_assert(baseline_load(path, &full, &st), "%s", st.msg);
    cr_assert_eq(full.n, 12);
    /* Change one entry by hand so that the partial run's replacement is visible. */
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "sed -i 's/\"cycles\": [0-9]*/\"cycles\": 7/' %s", path);
    cr_assert_eq(system(cmd), 0);
    rc = run(out, sizeof out, "%s bench %s --evaluator fake --quiet --filter gemm --out %s/g --update-baseline %s 2>&1",
             EMBEDSYN_CLI, CI_SUITE, d, path);
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(baseline_load(path, &after, &st), "%s", st.msg);
    cr_assert_eq(after.n, 12, "the filtered run keeps the other layers");
    int ngemm = 0;
    for (int i = 0; i < 12; i++) {
        cr_expect_str_eq(after.e[i].key, full.e[i].key, "order kept");
        if (strstr(after.e[i].key, "gemm")) {
            ngemm++;
            cr_expect_eq(after.e[i].cycles, full.e[i].cycles, "%s re-run", after.e[i].key);
        } else {
            cr_expect_eq(after.e[i].cycles, 7, "%s kept as it was", after.e[i].key);
            cr_expect_eq(after.e[i].utilization, full.e[i].utilization);
            cr_expect_eq(after.e[i].proof, full.e[i].proof);
            cr_expect_eq(after.e[i].reference_cycles, full.e[i].reference_cycles);
        }
    }
    cr_expect_gt(ngemm, 0);
    cr_expect_lt(ngemm, 12);
    baseline_free(&after);
    /* A shard does the same. */
    rc = run(out, sizeof out, "%s bench %s --evaluator fake --quiet --shard 1/3 --out %s/s --update-baseline %s 2>&1",
             EMBEDSYN_CLI, CI_SUITE, d, path);
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(baseline_load(path, &after, &st), "%s", st.msg);
    cr_assert_eq(after.n, 12);
    /* baseline_load sorts entries by key: find the shard's layers by suite position */
    char sname[64];
    op *ops = NULL;
    int nops = 0;
    cr_assert(spec_load_suite(CI_SUITE, sname, sizeof sname, &ops, &nops, &st), "%s", st.msg);
    cr_assert_eq(nops, 12);
    int nshard = 0;
    for (int k = 1; k < nops; k += 3) {
        char key[160];
        snprintf(key, sizeof key, "%s/%s", sname, ops[k].name);
        for (int i = 0; i < 12; i++)
            if (!strcmp(after.e[i].key, key)) {
                cr_expect_eq(after.e[i].cycles, full.e[i].cycles, "%s", key);
                nshard++;
            }
    }
    cr_expect_eq(nshard, 4);
    free(ops);
    baseline_free(&after);
    baseline_free(&full);
}

/* ---- determinism: the same tree gives the same results under any load ------------- */

/* results.csv without the timing columns (solve_ms, sim_ms, wall_ms). */
static char *csv_without_timing(const char *path) {
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    char *out = calloc(1, 1 << 20), line[8192];
    int drop[64], ndrop = 0;
    bool header = true;
    while (fgets(line, sizeof line, f)) {
        /* split on commas outside quotes */
        int col = 0;
        bool q = false;
        size_t start = 0, len = strlen(line);
        for (size_t i = 0; i <= len; i++) {
            if (i < len && line[i] == '"')
                q = !q;
            if (i < len && (q || (line[i] != ',' && line[i] != '\n')))
                continue;
            char cell[4096];
            snprintf(cell, sizeof cell, "%.*s", (int)(i - start), line + start);
            if (header && (!strcmp(cell, "solve_ms") || !strcmp(cell, "sim_ms") || !strcmp(cell, "wall_ms")))
                drop[ndrop++] = col;
            bool dropped = false;
            for (int k = 0; k < ndrop; k++)
                dropped |= drop[k] == col;
            if (!dropped) {
                strcat(out, cell);
                strcat(out, ",");
            }
            col++;
            start = i + 1;
            if (i < len && line[i] == '\n')
                break;
        }
        strcat(out, "\n");
        header = false;
    }
    fclose(f);
    cr_assert_eq(ndrop, 3);
    return out;
}

/* The CI suite on the real pipeline, twice AT ONCE (each run loads the machine for the
 * other; on a 2-core machine with --jobs 2 each sees the other's load), with the Pareto
 * fronts: both runs must match the committed baseline (cycles, utilization, proofs and
 * the solver effort as Z3's rlimit count, so no wall-clock slack is needed), pass every
 * sampled check, and agree with each other on every field but the timings. One test for
 * the three properties: the CI suite is the most expensive part of the test suite
 * (under the sanitizer: a sample of its layers, tests/test_util.h). */
Test(bench_cli, ci_suite_twice_at_once_matches_baseline_and_itself, .timeout = 1800) {
    char *d = tmpdir();
    FILE *p[2];
    static char out[2][1 << 16];
    char suite[600];
    const int layers = tl_ci_suite(d, suite, sizeof suite);
    for (int k = 0; k < 2; k++) {
        char cmd[2048];
        snprintf(cmd, sizeof cmd,
                 "%s bench %s --baseline %s/bench/baselines/ci.json --check-sample 32 --jobs 2 "
                 "--quiet --pareto --out %s/r%d 2>&1",
                 EMBEDSYN_CLI, suite, EMBEDSYN_SOURCE_DIR, d, k);
        p[k] = popen(cmd, "r");
        cr_assert_not_null(p[k]);
    }
    for (int k = 0; k < 2; k++) {
        size_t n = fread(out[k], 1, sizeof out[k] - 1, p[k]);
        out[k][n] = '\0';
        char buf[4096];
        while (fread(buf, 1, sizeof buf, p[k]) > 0) {
        }
        int st = pclose(p[k]);
        /* An intended change of cycles, utilization, proofs or solver effort is accepted
         * by refreshing the baseline (and saying so in the commit). */
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                  "run %d: status %d\n%s\n(if this change is intended: embedsyn bench "
                  "bench/suites/ci.xml --update-baseline bench/baselines/ci.json)", k, st, out[k]);
        char summary[80];
        snprintf(summary, sizeof summary, "%d ok, 0 errors, 0 check failures", layers);
        cr_assert(strstr(out[k], summary), "%s", out[k]);
        cr_assert(strstr(out[k], "baseline: 0 regression(s)"), "%s", out[k]);
    }
    report_meta m[2];
    bench_result *r[2];
    int n[2];
    for (int k = 0; k < 2; k++)
        n[k] = read_results(d, k ? "r1" : "r0", &m[k], &r[k]);
    cr_assert_eq(n[0], layers);
    cr_assert_eq(n[1], layers);
    int fronts = 0;
    for (int i = 0; i < layers; i++) {
        /* The sampled check ran (it is not "skipped"); no program beats the lower bound. */
        cr_assert_eq(r[0][i].check, DRV_CHECK_PASS, "%s: %s", r[0][i].name, r[0][i].check_msg);
        cr_assert_gt(r[0][i].cycles, 0);
        cr_assert_geq(r[0][i].cycles, r[0][i].lower_bound, "%s", r[0][i].name);
        cr_assert_geq(r[0][i].ref_cycles, r[0][i].lower_bound, "%s", r[0][i].name);
        /* every field but the timings */
        r[1][i].solve_ms = r[0][i].solve_ms;
        r[1][i].sim_ms = r[0][i].sim_ms;
        assert_same_result(&r[0][i], &r[1][i], false);
        cr_expect_str_eq(r[0][i].solver_status, "sat", "%s", r[0][i].name);
        fronts += r[0][i].pareto[0] != '\0';
    }
    cr_expect_gt(fronts, 0, "the CI suite has under-used layers with fronts");
    char a[600], b[600];
    snprintf(a, sizeof a, "%s/r0/results.csv", d);
    snprintf(b, sizeof b, "%s/r1/results.csv", d);
    char *ca = csv_without_timing(a), *cb = csv_without_timing(b);
    cr_expect_str_eq(ca, cb);
    free(ca);
    free(cb);
    free(r[0]);
    free(r[1]);
}
