/* cmd_bench: `embedsyn bench [SUITE.xml ...]`, the regression benchmark. Loads the
 * suites (default: the built-in DeepBench inference suites), numbers their layers in
 * order, runs the selected layers (all or one shard) through the layer evaluator in
 * worker processes, and hands the results to report_finish (outputs, baseline).
 * Invariant: layer numbering depends only on the suites and --filter/--limit, never
 * on --jobs or --shard, so shards of one run can be merged. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/cli.h"
#include "bench/eval.h"
#include "bench/json.h"
#include "bench/report.h"
#include "core/spec.h"

static const char bench_help[] =
    "usage: embedsyn bench [SUITE.xml ...] [options]\n"
    "\n"
    "Regression benchmark: for every layer of the suites, synthesize the embedding (Z3),\n"
    "lower and simulate it (timing-only, with a sampled result check), simulate TVM's\n"
    "reference strategy on the same simulator, and report speedup, utilization, DRAM\n"
    "bytes, layout class, lower bound and gap, solve time and proof status.\n"
    "Without SUITE.xml it runs the built-in DeepBench inference suites\n"
    "(bench/suites/deepbench_*.xml) on the built-in VTA.\n"
    "\n"
    "options:\n"
    "  --hw FILE              hardware configuration (default: TVM's default VTA)\n"
    "  --suite-dir DIR        where the built-in suites are (default: next to the\n"
    "                         executable, $EMBEDSYN_SUITE_DIR, or the source tree)\n"
    ENC_OBJECTIVE_HELP
    "  --jobs N               layers in parallel (worker processes; default 1)\n"
    "  --shard I/N            run every N-th layer starting at I (0 <= I < N)\n"
    "  --out DIR              output directory (default bench-out): results.csv,\n"
    "                         results.json, report.md, speedup.svg, layout.svg, roofline.svg\n"
    "  --baseline FILE        compare with a baseline; regressions -> exit status 1\n"
    "  --update-baseline FILE write this run as a baseline\n"
    "  --tolerance X          relative cycle growth that is not a regression\n"
    "                         (default 0.005; '0.5%' also accepted)\n"
    "  --solve-factor X       a solve time regresses when it grows by more than X times\n"
    "  --solve-slack MS       ... and by more than MS milliseconds (defaults 2 and 100)\n"
    "  --check-sample N       compare N random output elements per layer with the\n"
    "                         reference implementation (default 64; 0 = no check)\n"
    "  --full-check           functional simulation and a check of every output\n"
    "  --check-reference      check the reference strategy's output too\n"
    "  --pareto               also enumerate the encoder's utilization / layout-bytes\n"
    "                         Pareto front of the layers with reference utilization\n"
    "                         < 50% (for layout.svg; costs up to ~30 s per such layer)\n"
    "  --pareto-timeout S     solver wall-clock limit of one front query (default 10)\n"
    "  --timeout S            solver wall-clock limit per layer in seconds (default 60)\n"
    "  --rlimit N             solver resource limit per query (deterministic)\n"
    "  --layer-timeout S      kill a layer's worker after S seconds (default 0: none)\n"
    "  --layer-memory MB      address-space limit of a layer's worker (default: none)\n"
    "  --in-order             start layers in suite order (default: largest first, for\n"
    "                         a shorter tail with --jobs; reports are in suite order)\n"
    "  --filter TEXT          only layers whose suite/name contains TEXT\n"
    "  --limit N              only the first N layers (after --filter)\n"
    "  --seed N               data and sampling seed (default 1)\n"
    "  --evaluator NAME       real (default) or fake (an analytic stand-in for testing)\n"
    "  --list                 list the selected layers (index, name, shape, MACs, lower\n"
    "                         bound) and exit\n"
    "  --no-fork              evaluate in this process, one layer after the other\n"
    "  --quiet                no progress output\n"
    "  --verbose              list baseline notes (new layers, changed reference)\n"
    "  --json                 one JSON object per layer, then a summary object, on stdout\n"
    "\n"
    "exit status: 0 ok; 1 a layer failed, a result check failed or a regression;\n"
    "2 bad input or usage\n";

/* Directory of the running executable, or "" (Linux /proc; other systems fall back). */
static void exe_dir(char *buf, size_t len) {
    ssize_t n = readlink("/proc/self/exe", buf, len - 1);
    if (n <= 0) {
        buf[0] = '\0';
        return;
    }
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (slash)
        *slash = '\0';
}

static bool has_builtin_suites(const char *dir) {
    char p[PATH_MAX];
    if (snprintf(p, sizeof p, "%s/deepbench_server_conv.xml", dir) >= (int)sizeof p)
        return false;
    return access(p, R_OK) == 0;
}

/* The built-in suite directory: --suite-dir, $EMBEDSYN_SUITE_DIR, next to the
 * executable (installed or in-tree build), then the source tree this file was
 * compiled from (__FILE__ is absolute in CMake builds). */
static bool find_suite_dir(const char *override, char *out, size_t len, status *st) {
    if (override) {
        if (!has_builtin_suites(override))
            return status_fail(st, "--suite-dir %s: no deepbench_server_conv.xml there", override);
        snprintf(out, len, "%s", override);
        return true;
    }
    const char *env = getenv("EMBEDSYN_SUITE_DIR");
    if (env && *env && has_builtin_suites(env)) {
        snprintf(out, len, "%s", env);
        return true;
    }
    char exe[PATH_MAX];
    exe_dir(exe, sizeof exe);
    if (exe[0]) {
        static const char *const rel[] = {"bench/suites", "../bench/suites", "../share/embedsyn/suites"};
        for (int k = 0; k < 3; k++) {
            char p[PATH_MAX];
            if (snprintf(p, sizeof p, "%s/%s", exe, rel[k]) >= (int)sizeof p)
                continue;
            if (has_builtin_suites(p)) {
                snprintf(out, len, "%s", p);
                return true;
            }
        }
    }
    char src[PATH_MAX];
    snprintf(src, sizeof src, "%s", __FILE__);
    char *slash = strrchr(src, '/');
    if (slash) {
        snprintf(slash, sizeof src - (size_t)(slash - src), "/suites");
        if (has_builtin_suites(src)) {
            snprintf(out, len, "%s", src);
            return true;
        }
    }
    return status_fail(st, "cannot find the built-in suites (bench/suites/deepbench_*.xml); "
                           "give suite files or --suite-dir DIR");
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* deepbench_*.xml of dir, sorted; paths malloc'ed. */
static int builtin_suites(const char *dir, char ***paths) {
    DIR *d = opendir(dir);
    int n = 0;
    *paths = NULL;
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (strncmp(e->d_name, "deepbench_", 10) || l < 5 || strcmp(e->d_name + l - 4, ".xml"))
            continue;
        *paths = realloc(*paths, (size_t)(n + 1) * sizeof **paths);
        ES_ASSERT(*paths != NULL);
        size_t pl = strlen(dir) + l + 2;
        (*paths)[n] = malloc(pl);
        ES_ASSERT((*paths)[n] != NULL);
        snprintf((*paths)[n], pl, "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    qsort(*paths, (size_t)n, sizeof **paths, cmp_str);
    return n;
}

typedef struct json_lines {
    bool on;
} json_lines;

static void print_json_line(void *ctx, const bench_result *r, int done, int total) {
    (void)done;
    (void)total;
    const json_lines *j = ctx;
    if (!j->on)
        return;
    report_result_json(stdout, r);
    fputc('\n', stdout);
    fflush(stdout);
}

static bool parse_num(const char *cmd, const char *opt, const char *v, double lo, double hi,
                      double *out) {
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (end == v || errno || x < lo || x > hi) {
        cli_usage_error(cmd, "%s: expected a number in [%g, %g], got '%s'", opt, lo, hi, v);
        return false;
    }
    if (*end == '%' && end[1] == '\0') {
        x /= 100;
    } else if (*end) {
        cli_usage_error(cmd, "%s: expected a number, got '%s'", opt, v);
        return false;
    }
    *out = x;
    return true;
}

int cmd_bench(int argc, char **argv) {
    const char *cmd = "bench";
    if (cli_want_help(argc, argv)) {
        fputs(bench_help, stdout);
        return 0;
    }
    status st;
    status_init(&st);
    hw_config hw = hw_default();
    const char *suite_dir = NULL, *out_dir = "bench-out", *filter = NULL, *evaluator = "real";
    const char *objective = "cycles";
    report_finish_opts fo = {.cmd = cmd};
    baseline_opts_init(&fo.bopts);
    bench_run_opts ro;
    bench_run_opts_init(&ro);
    bench_eval_opts eo;
    bench_eval_opts_init(&eo);
    bool quiet = false, in_order = false, list_only = false;
    long limit = -1;
    char **files = calloc((size_t)argc, sizeof *files);
    ES_ASSERT(files != NULL);
    int nfiles = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        double x;
#define NEED_VALUE()                                                     \
    do {                                                                 \
        if (!v) {                                                        \
            free(files);                                                 \
            return cli_usage_error(cmd, "option %s needs a value", a);   \
        }                                                                \
        i++;                                                             \
    } while (0)
#define NUM(lo, hi)                                                      \
    do {                                                                 \
        NEED_VALUE();                                                    \
        if (!parse_num(cmd, a, v, lo, hi, &x)) {                         \
            free(files);                                                 \
            return 2;                                                    \
        }                                                                \
    } while (0)
        if (!strcmp(a, "--hw")) {
            NEED_VALUE();
            if (!spec_load_hw(v, &hw, &st)) {
                free(files);
                return cli_fail(cmd, &st);
            }
        } else if (!strcmp(a, "--suite-dir")) {
            NEED_VALUE();
            suite_dir = v;
        } else if (!strcmp(a, "--objective")) {
            NEED_VALUE();
            objective = v;
        } else if (!strcmp(a, "--jobs") || !strcmp(a, "-j")) {
            NUM(1, 256);
            ro.jobs = (int)x;
        } else if (!strcmp(a, "--shard")) {
            NEED_VALUE();
            if (!bench_parse_shard(v, &ro.shard_i, &ro.shard_n, &st)) {
                free(files);
                return cli_fail(cmd, &st);
            }
        } else if (!strcmp(a, "--out")) {
            NEED_VALUE();
            out_dir = v;
        } else if (!strcmp(a, "--baseline")) {
            NEED_VALUE();
            fo.baseline = v;
        } else if (!strcmp(a, "--update-baseline")) {
            NEED_VALUE();
            fo.update_baseline = v;
        } else if (!strcmp(a, "--tolerance")) {
            NUM(0, 100);
            fo.bopts.tolerance = x;
        } else if (!strcmp(a, "--solve-factor")) {
            NUM(1, 1e9);
            fo.bopts.solve_factor = x;
        } else if (!strcmp(a, "--solve-slack")) {
            NUM(0, 1e12);
            fo.bopts.solve_abs_ms = x;
        } else if (!strcmp(a, "--check-sample")) {
            NUM(0, 1e9);
            eo.check_sample = (int64_t)x;
        } else if (!strcmp(a, "--full-check")) {
            eo.full_check = true;
        } else if (!strcmp(a, "--check-reference")) {
            eo.check_reference = true;
        } else if (!strcmp(a, "--pareto")) {
            eo.pareto = true;
        } else if (!strcmp(a, "--no-pareto")) {
            eo.pareto = false;
        } else if (!strcmp(a, "--pareto-timeout")) {
            NUM(0, 1e6);
            eo.pareto_timeout_s = x;
        } else if (!strcmp(a, "--timeout")) {
            NUM(0, 1e6);
            eo.timeout_s = x;
        } else if (!strcmp(a, "--rlimit")) {
            NUM(0, 1e15);
            eo.rlimit = (uint64_t)x;
        } else if (!strcmp(a, "--layer-timeout")) {
            NUM(0, 1e7);
            ro.layer_timeout_s = x;
        } else if (!strcmp(a, "--layer-memory")) {
            NUM(0, 1e9);
            ro.layer_memory_mb = (int64_t)x;
        } else if (!strcmp(a, "--in-order")) {
            in_order = true;
        } else if (!strcmp(a, "--filter")) {
            NEED_VALUE();
            filter = v;
        } else if (!strcmp(a, "--limit")) {
            NUM(0, 1e9);
            limit = (long)x;
        } else if (!strcmp(a, "--seed")) {
            NUM(0, 1e15);
            eo.seed = (uint64_t)x;
        } else if (!strcmp(a, "--evaluator")) {
            NEED_VALUE();
            evaluator = v;
        } else if (!strcmp(a, "--list")) {
            list_only = true;
        } else if (!strcmp(a, "--no-fork")) {
            ro.isolate = false;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            quiet = true;
        } else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
            fo.verbose = true;
        } else if (!strcmp(a, "--json")) {
            fo.json = true;
        } else if (a[0] == '-' && a[1]) {
            free(files);
            return cli_usage_error(cmd, "unknown option '%s'", a);
        } else {
            files[nfiles++] = argv[i];
        }
#undef NUM
#undef NEED_VALUE
    }
    if (!bench_parse_objective(objective, &eo.objective, &st)) {
        free(files);
        return cli_fail(cmd, &st);
    }
    bench_evaluator ev;
    if (!strcmp(evaluator, "real")) {
        ev = (bench_evaluator){"real", bench_eval_real, &eo};
    } else if (!strcmp(evaluator, "fake")) {
        ev = (bench_evaluator){"fake", bench_eval_fake, NULL};
    } else {
        free(files);
        return cli_usage_error(cmd, "--evaluator: expected real or fake, got '%s'", evaluator);
    }

    /* Suites. */
    char **paths = files;
    int npaths = nfiles;
    char dir[PATH_MAX];
    char **builtin = NULL;
    if (nfiles == 0) {
        if (!find_suite_dir(suite_dir, dir, sizeof dir, &st)) {
            free(files);
            return cli_fail(cmd, &st);
        }
        npaths = builtin_suites(dir, &builtin);
        paths = builtin;
        if (npaths == 0) {
            free(files);
            status_fail(&st, "%s: no deepbench_*.xml suites", dir);
            return cli_fail(cmd, &st);
        }
    }
    report_meta meta;
    report_meta_init(&meta);
    snprintf(meta.hardware, sizeof meta.hardware, "%s", hw.name);
    snprintf(meta.evaluator, sizeof meta.evaluator, "%s", ev.name);
    snprintf(meta.objective, sizeof meta.objective, "%s", enc_objective_name(eo.objective));
    meta.check_sample = eo.full_check ? -1 : eo.check_sample;
    meta.jobs = ro.jobs;
    meta.shard_i = ro.shard_i;
    meta.shard_n = ro.shard_n;
    bench_layer *layers = NULL;
    int nlayers = 0;
    bool ok = true;
    for (int k = 0; ok && k < npaths; k++) {
        char name[BENCH_NAME_MAX];
        op *ops = NULL;
        int nops = 0;
        if (!(ok = spec_load_suite(paths[k], name, sizeof name, &ops, &nops, &st)))
            break;
        if (!name[0]) {
            const char *base = strrchr(paths[k], '/');
            snprintf(name, sizeof name, "%s", base ? base + 1 : paths[k]);
        }
        for (int j = 0; j < meta.nsuites; j++)
            if (!strcmp(meta.suites[j], name))
                ok = status_fail(&st, "%s: suite '%s' given twice", paths[k], name);
        if (ok && meta.nsuites == REPORT_MAX_SUITES)
            ok = status_fail(&st, "%s: more than %d suites", paths[k], REPORT_MAX_SUITES);
        if (ok)
            snprintf(meta.suites[meta.nsuites++], BENCH_NAME_MAX, "%s", name);
        for (int j = 0; ok && j < nops; j++) {
            if (filter) {
                char key[BENCH_NAME_MAX + OP_NAME_MAX + 2];
                snprintf(key, sizeof key, "%s/%s", name, ops[j].name);
                if (!strstr(key, filter))
                    continue;
            }
            if (limit >= 0 && nlayers >= limit)
                break;
            layers = realloc(layers, (size_t)(nlayers + 1) * sizeof *layers);
            ES_ASSERT(layers != NULL);
            memset(&layers[nlayers], 0, sizeof layers[nlayers]);
            snprintf(layers[nlayers].suite, BENCH_NAME_MAX, "%s", name);
            layers[nlayers].index = nlayers;
            layers[nlayers].op = ops[j];
            nlayers++;
        }
        free(ops);
    }
    for (int k = 0; k < npaths && builtin; k++)
        free(builtin[k]);
    free(builtin);
    free(files);
    if (!ok) {
        free(layers);
        return cli_fail(cmd, &st);
    }
    meta.total_layers = nlayers;
    if (list_only) {
        for (int k = 0; k < nlayers; k++) {
            if (!bench_in_shard(layers[k].index, ro.shard_i, ro.shard_n))
                continue;
            bench_result r;
            bench_result_init(&r, &layers[k], &hw);
            if (fo.json) {
                printf("{\"index\": %d, \"suite\": ", (int)r.index);
                json_write_str(stdout, r.suite);
                fputs(", \"name\": ", stdout);
                json_write_str(stdout, r.name);
                fputs(", \"shape\": ", stdout);
                json_write_str(stdout, r.shape);
                printf(", \"macs\": %lld, \"lower_bound\": %lld}\n", (long long)r.macs,
                       (long long)r.lower_bound);
            } else {
                printf("%4d  %s/%s  %s  MACs %lld  bound %lld\n", (int)r.index, r.suite, r.name,
                       r.shape, (long long)r.macs, (long long)r.lower_bound);
            }
        }
        free(layers);
        return 0;
    }
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(meta.started, sizeof meta.started, "%Y-%m-%dT%H:%M:%SZ", &tm);

    ro.largest_first = !in_order;
    json_lines jl = {fo.json};
    ro.on_done = print_json_line;
    ro.on_done_ctx = &jl;
    if (!quiet) {
        ro.progress = stderr;
        ro.progress_tty = isatty(fileno(stderr)) != 0;
    }
    if (!quiet && !fo.json)
        fprintf(stderr, "embedsyn bench: %d layers from %d suite(s) on %s, %d job(s)%s\n",
                nlayers, meta.nsuites, hw.name, ro.jobs, ro.shard_n > 1 ? ", one shard" : "");
    double t0 = bench_now();
    bench_result *res = NULL;
    int nres = 0;
    if (!bench_run(layers, nlayers, &hw, &ev, &ro, &res, &nres, &st)) {
        free(layers);
        fprintf(stderr, "embedsyn %s: %s\n", cmd, st.msg);
        return 1;
    }
    meta.wall_s = bench_now() - t0;
    fo.out_dir = out_dir;
    int rc = report_finish(&meta, res, nres, &fo);
    free(res);
    free(layers);
    return rc;
}
