/* Tests of SIGINT/SIGTERM (and of the progress lines of long commands) through the CLI: the command is started in its own process
 * group, the signal is sent (to the group, as a terminal's Ctrl-C does, or to the
 * process alone), and the test checks the exit status (128 + signal), that it stops
 * promptly although the search would take a minute, and that every output marks the
 * run interrupted and holds no result of a cut-short search. */
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tests/bench_util.h"

typedef struct child {
    pid_t pid;
    char out[512], err[512];  /* files holding its stdout / stderr */
} child;

/* Starts argv in a new process group with stdout/stderr to files in dir. */
static void start(child *c, const char *dir, char *const argv[]) {
    snprintf(c->out, sizeof c->out, "%s/stdout", dir);
    snprintf(c->err, sizeof c->err, "%s/stderr", dir);
    c->pid = fork();
    cr_assert_geq(c->pid, 0);
    if (c->pid == 0) {
        setpgid(0, 0);
        if (!freopen(c->out, "w", stdout) || !freopen(c->err, "w", stderr))
            _exit(127);
        if (chdir(dir) != 0)
            _exit(127);
        execv(argv[0], argv);
        _exit(127);
    }
    setpgid(c->pid, c->pid);
}

static char *slurp(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f)
        return strdup("");
    char *buf = calloc(1, 1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void sleep_s(double s) {
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Waits until file path contains text (up to limit_s); false on timeout. */
static bool wait_for(const char *path, const char *text, double limit_s) {
    double t0 = now_s();
    while (now_s() - t0 < limit_s) {
        char *s = slurp(path);
        bool hit = strstr(s, text) != NULL;
        free(s);
        if (hit)
            return true;
        sleep_s(0.05);
    }
    return false;
}

/* Waits for the child; returns its exit status (-signal if it died of one) and the
 * seconds it took. */
static int finish(child *c, double *secs) {
    double t0 = now_s();
    int st = 0;
    cr_assert_eq(waitpid(c->pid, &st, 0), c->pid);
    *secs = now_s() - t0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
}

/* Sends sig (to the group or the process) after delay_s, returns the exit status. */
static int interrupt_after(child *c, int sig, bool group, double delay_s, double *secs) {
    sleep_s(delay_s);
    cr_assert_eq(kill(group ? -c->pid : c->pid, sig), 0);
    return finish(c, secs);
}

static const char slow_suite[] =
    "<suite name=\"slow\">\n"
    "  <operator name=\"a_fast\"><conv2d c=\"16\" h=\"8\" w=\"8\" k=\"16\" r=\"1\" s=\"1\"/></operator>\n"
    "  <operator name=\"b_slow\"><conv2d c=\"3\" h=\"108\" w=\"108\" k=\"64\" r=\"3\" s=\"3\" "
    "stride=\"2\" pad=\"1\"/></operator>\n"
    "  <operator name=\"c_never\"><conv2d c=\"16\" h=\"8\" w=\"8\" k=\"32\" r=\"1\" s=\"1\"/></operator>\n"
    "</suite>\n";

/* The reproduction: Ctrl-C (SIGINT to the process group) during a bench run on
 * the real pipeline, 1 s into a layer whose layout search takes about 3 s of Z3 (and
 * its whole run about 13 s here). */
Test(interrupt, bench_sigint_to_group_stops_z3_and_marks_outputs, .timeout = 300) {
    char *d = tmpdir();
    write_tmp(d, "slow.xml", slow_suite);
    char *argv[] = {EMBEDSYN_CLI, "bench", "slow.xml", "--objective", "layout", "--in-order",
                    "--jobs", "1", "--json", "--out", "out", NULL};
    child c;
    start(&c, d, argv);
    /* The first layer is done (its JSON line is out): the second one is solving. */
    cr_assert(wait_for(c.out, "\"a_fast\"", 120), "first layer never finished");
    double secs;
    int rc = interrupt_after(&c, SIGINT, true, 1.0, &secs);
    char *out = slurp(c.out), *err = slurp(c.err);
    cr_expect_eq(rc, 130, "exit %d\nstdout:\n%s\nstderr:\n%s", rc, out, err);
    cr_expect_lt(secs, 20, "took %.1f s to stop", secs);
    cr_expect(strstr(out, "\"interrupted\": true"), "%s", out);
    cr_expect(strstr(out, "\"layers_finished\": 1"), "%s", out);
    char p[600];
    snprintf(p, sizeof p, "%s/out/results.json", d);
    report_meta m;
    bench_result *r = NULL;
    int n = 0;
    status st;
    status_init(&st);
    cr_assert(report_read_json(p, &m, &r, &n, &st), "%s", st.msg);
    cr_expect(m.interrupted);
    cr_expect_eq(m.total_layers, 3);
    cr_assert_eq(n, 1, "only the finished layer is reported");
    cr_expect_str_eq(r[0].name, "a_fast");
    cr_expect(r[0].ok);
    cr_expect_str_eq(r[0].solver_status, "sat");
    snprintf(p, sizeof p, "%s/out/report.md", d);
    char *md = slurp(p);
    cr_expect(strstr(md, "INTERRUPTED run"), "%s", md);
    snprintf(p, sizeof p, "%s/out/results.csv", d);
    char *csv = slurp(p);
    cr_expect(!strncmp(csv, "# INTERRUPTED run: 1 of 3 layers finished\n", 41), "%s", csv);
    cr_expect_null(strstr(csv, "b_slow"));
    free(md);
    free(csv);
    free(r);
    free(out);
    free(err);
}

/* SIGTERM to the runner alone (workers get nothing): it kills the workers in flight,
 * keeps the finished layers, refuses to update a baseline, exits 143. */
Test(interrupt, bench_sigterm_to_runner_kills_workers, .timeout = 120) {
    char *d = tmpdir();
    write_tmp(d, "s.xml",
              "<suite name=\"s\">\n"
              "  <operator name=\"ok1\"><gemm m=\"16\" n=\"16\" k=\"16\"/></operator>\n"
              "  <operator name=\"hang1\"><gemm m=\"32\" n=\"32\" k=\"32\"/></operator>\n"
              "  <operator name=\"ok2\"><gemm m=\"16\" n=\"32\" k=\"16\"/></operator>\n"
              "</suite>\n");
    char *argv[] = {EMBEDSYN_CLI, "bench", "s.xml", "--evaluator", "fake", "--in-order",
                    "--jobs", "1", "--out", "out", "--update-baseline", "base.json", NULL};
    child c;
    start(&c, d, argv);
    cr_assert(wait_for(c.err, "[1/3]", 60), "first layer never finished");
    double secs;
    int rc = interrupt_after(&c, SIGTERM, false, 0.5, &secs);
    char *out = slurp(c.out), *err = slurp(c.err);
    cr_expect_eq(rc, 143, "exit %d\n%s\n%s", rc, out, err);
    cr_expect_lt(secs, 10);
    cr_expect(strstr(out, "INTERRUPTED after 1 of 3 layers"), "%s", out);
    cr_expect(strstr(err, "baseline base.json not updated"), "%s", err);
    char p[600];
    snprintf(p, sizeof p, "%s/base.json", d);
    cr_expect_neq(access(p, F_OK), 0, "no baseline from an interrupted run");
    snprintf(p, sizeof p, "%s/out/results.json", d);
    report_meta m;
    bench_result *r = NULL;
    int n = 0;
    status st;
    status_init(&st);
    cr_assert(report_read_json(p, &m, &r, &n, &st), "%s", st.msg);
    cr_expect(m.interrupted);
    cr_assert_eq(n, 1);
    cr_expect_str_eq(r[0].name, "ok1");
    /* No worker is left behind. */
    cr_expect_neq(kill(-c.pid, 0), 0);
    free(r);
    free(out);
    free(err);
}

/* solve: a proven search of about 12 s here stops within seconds, prints no embedding,
 * writes no -o file, marks the JSON, exits 130. */
Test(interrupt, solve_sigint, .timeout = 120) {
    char *d = tmpdir();
    char *argv[] = {EMBEDSYN_CLI, "solve", "--conv", "N=1,C=3,H=108,W=108,K=64,R=3,S=3,stride=2,pad=1",
                    "--objective", "layout", "--prove", "--json", "-o", "e.xml", NULL};
    child c;
    start(&c, d, argv);
    double secs;
    int rc = interrupt_after(&c, SIGINT, true, 1.5, &secs);
    char *out = slurp(c.out), *err = slurp(c.err);
    cr_expect_eq(rc, 130, "exit %d\n%s\n%s", rc, out, err);
    cr_expect_lt(secs, 10);
    cr_expect_str_eq(out, "{\"interrupted\":true,\"signal\":\"SIGINT\"}\n");
    cr_expect_null(strstr(out, "instances"));
    cr_expect(strstr(err, "interrupted (SIGINT)"), "%s", err);
    char p[600];
    snprintf(p, sizeof p, "%s/e.xml", d);
    cr_expect_neq(access(p, F_OK), 0);
    free(out);
    free(err);
}

/* layouts --all (about 12 s here): SIGTERM stops it, no alternative is listed. */
Test(interrupt, layouts_sigterm, .timeout = 120) {
    char *d = tmpdir();
    char *argv[] = {EMBEDSYN_CLI, "layouts", "--conv", "N=1,C=3,H=108,W=108,K=64,R=3,S=3,stride=2,pad=1",
                    "--all", NULL};
    child c;
    start(&c, d, argv);
    double secs;
    int rc = interrupt_after(&c, SIGTERM, false, 1.5, &secs);
    char *out = slurp(c.out), *err = slurp(c.err);
    cr_expect_eq(rc, 143, "exit %d\n%s\n%s", rc, out, err);
    cr_expect_lt(secs, 10);
    cr_expect_null(strstr(out, "inst"), "%s", out);
    cr_expect(strstr(err, "interrupted (SIGTERM)"), "%s", err);
    free(out);
    free(err);
}

/* dse: SIGTERM to the runner (not its group) while two worker processes fill the cache
 * with a layer whose entry takes about 15 s (a schedule-library search with a large
 * budget, so its length does not depend on how fast the search prunes): the runner passes the signal on, every
 * worker stops, no design results are written, exit 143 within seconds; the cache keeps
 * only entries that finished (here none: a later run computes the slow one again). */
Test(interrupt, dse_sigterm_to_runner_stops_workers, .timeout = 120) {
    char *d = tmpdir();
    /* big: about 15 s of cache fill (schedule library, 100,000 evaluations), small: about 1 s */
    write_tmp(d, "s.xml",
              "<suite name=\"s\">\n"
              "  <operator name=\"big\"><conv2d c=\"512\" h=\"56\" w=\"56\" k=\"512\" r=\"3\" s=\"3\" "
              "pad=\"1\"/></operator>\n"
              "  <operator name=\"small\"><conv2d c=\"16\" h=\"8\" w=\"8\" k=\"16\" r=\"1\" s=\"1\"/></operator>\n"
              "</suite>\n");
    char *argv[] = {EMBEDSYN_CLI, "dse", "s.xml", "--sweep", "log_block=4", "--jobs", "2",
                    "--sched-evals", "100000", "--out", "out", NULL};
    child c;
    start(&c, d, argv);
    cr_assert(wait_for(c.err, "cache entries to compute", 60), "the cache fill never started");
    double secs;
    int rc = interrupt_after(&c, SIGTERM, false, 1.0, &secs);
    char *out = slurp(c.out), *err = slurp(c.err);
    cr_expect_eq(rc, 143, "exit %d\n%s\n%s", rc, out, err);
    cr_expect_lt(secs, 10);
    cr_expect(strstr(err, "interrupted (SIGTERM)"), "%s", err);
    char p[600];
    snprintf(p, sizeof p, "%s/out/results.csv", d);
    cr_expect_neq(access(p, F_OK), 0, "no results from an interrupted dse");
    /* No worker is left behind. */
    sleep_s(0.2);
    cr_expect_neq(kill(-c.pid, 0), 0);
    free(out);
    free(err);
}

/* net --jobs 2 (about 20 s here: five distinct layers of a 448x448 input, five solver
 * alternatives each): Ctrl-C to the group 2 s after the first progress line of the
 * workers' phase (at 5 s) stops every process within seconds, exit 130, no result; the
 * cache file holds only complete entries (every line of a key says how many it has;
 * here usually one or two layers finished). */
Test(interrupt, net_jobs_sigint_stops_workers, .timeout = 120) {
    char *d = tmpdir();
    char *argv[] = {EMBEDSYN_CLI, "net", EMBEDSYN_SOURCE_DIR "/tests/onnx/small.onnx", "--input-shape", "1,3,448,448",
                    "--placement", "all", "--timing-only", "--alts", "5", "--rlimit", "400000000", "--jobs", "2",
                    "--cache", "c.txt", "--json", NULL};
    child c;
    start(&c, d, argv);
    cr_assert(wait_for(c.err, "alternatives of 5 distinct layers", 60), "no progress line from the workers' phase");
    double secs;
    int rc = interrupt_after(&c, SIGINT, true, 2.0, &secs);
    char *out = slurp(c.out), *err = slurp(c.err);
    cr_expect_eq(rc, 130, "exit %d\n%s\n%s", rc, out, err);
    cr_expect_lt(secs, 10);
    cr_expect_str_eq(out, "{\"interrupted\":true,\"signal\":\"SIGINT\"}\n");
    cr_expect(strstr(err, "interrupted (SIGINT)"), "%s", err);
    sleep_s(0.2);
    cr_expect_neq(kill(-c.pid, 0), 0, "a worker process is left behind");
    char p[600];
    snprintf(p, sizeof p, "%s/c.txt", d);
    FILE *f = fopen(p, "r");
    char line[2048];
    unsigned long long key[64];
    int n[64], want[64], nkeys = 0;
    while (f && fgets(line, sizeof line, f)) {
        unsigned long long k;
        int idx, nalts;
        cr_assert_eq(sscanf(line, "%llx %d %d", &k, &idx, &nalts), 3, "%s", line);
        int i = 0;
        while (i < nkeys && key[i] != k) i++;
        if (i == nkeys) {
            cr_assert_lt(nkeys, 64);
            key[nkeys] = k, n[nkeys] = 0, want[nkeys] = nalts, nkeys++;
        }
        n[i]++;
    }
    if (f) fclose(f);
    for (int i = 0; i < nkeys; i++) cr_expect_eq(n[i], want[i], "key %llx: %d of its %d lines", key[i], n[i], want[i]);
    free(out);
    free(err);
}

/* A second Ctrl-C terminates at once (default action). */
Test(interrupt, second_signal_terminates, .timeout = 120) {
    char *d = tmpdir();
    write_tmp(d, "h.xml",
              "<suite name=\"h\"><operator name=\"hang\"><gemm m=\"16\" n=\"16\" k=\"16\"/>"
              "</operator></suite>\n");
    char *argv[] = {EMBEDSYN_CLI, "bench", "h.xml", "--evaluator", "fake", "--no-fork",
                    "--out", "out", NULL};
    child c;
    start(&c, d, argv);
    sleep_s(0.5);
    cr_assert_eq(kill(c.pid, SIGINT), 0);
    double secs;
    int rc = interrupt_after(&c, SIGINT, false, 0.3, &secs);
    cr_expect_eq(rc, -SIGINT, "exit %d", rc);
}

/* A long solve shows the best so far and the elapsed time on stderr; --quiet not. */
Test(interrupt, long_solve_shows_progress_unless_quiet, .timeout = 120) {
    for (int quiet = 0; quiet < 2; quiet++) {
        char *d = tmpdir();
        char *argv[] = {EMBEDSYN_CLI, "solve", "--conv", "N=1,C=3,H=108,W=108,K=64,R=3,S=3,stride=2,pad=1",
                        "--objective", "layout", quiet ? "--quiet" : "--json", NULL};
        child c;
        start(&c, d, argv);
        if (!quiet)
            cr_assert(wait_for(c.err, "best so far", 60), "no progress line");
        else
            sleep_s(7);
        double secs;
        int rc = interrupt_after(&c, SIGTERM, false, 0.1, &secs);
        cr_expect_eq(rc, 143);
        char *err = slurp(c.err);
        if (quiet) {
            cr_expect_null(strstr(err, "best so far"), "%s", err);
        } else {
            const char *l = strstr(err, "embedsyn solve: ");
            cr_assert_not_null(l, "%s", err);
            long s = -1;
            unsigned long long inst = 0;
            cr_expect_eq(sscanf(l, "embedsyn solve: %ld s, best so far %llu GEMM instances", &s, &inst), 2, "%s", err);
            cr_expect_geq(s, 2);
            cr_expect_gt(inst, 0);
        }
        free(err);
    }
}
