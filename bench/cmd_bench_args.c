/* cmd_bench_args: the command line of `embedsyn bench` (help text and option parsing
 * into a bench_cmd). Invariant: every option listed in the help is parsed here and
 * every numeric value is range-checked; a usage error exits 2 with one message. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench/baseline.h"
#include "bench/cli.h"
#include "bench/cmd_bench.h"
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
    "  --objective OBJ        util | layout | lex (utilization, then layout bytes; default)\n"
    "  --jobs N               layers in parallel (worker processes; default 1)\n"
    "  --shard I/N            run every N-th layer starting at I (0 <= I < N)\n"
    "  --out DIR              output directory: results.csv, results.json, report.md,\n"
    "                         speedup.svg, layout.svg, roofline.svg (default: a new\n"
    "                         directory bench-out/YYYYMMDD-HHMMSS, UTC, and the link\n"
    "                         bench-out/latest to it); a non-empty DIR is refused\n"
    "  --force                write into a non-empty --out DIR\n"
    "  --baseline FILE        compare with a baseline; regressions -> exit status 1\n"
    "  --update-baseline FILE write this run as a baseline; with --filter, --shard or\n"
    "                         --limit only the layers run are replaced or added, the\n"
    "                         other entries of FILE are kept\n"
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
    "  --rlimit N             solver resource limit per query (deterministic; default\n"
    "                         400000000, enough for every DeepBench layer); the only\n"
    "                         solver budget by default, so results do not depend on load\n"
    "  --timeout S            also a solver wall-clock limit per layer (default none; a\n"
    "                         search it cuts short has proof and solver_status 'unknown')\n"
    "  --pareto-timeout S     also a wall-clock limit of the front query (default none;\n"
    "                         a front cut short is marked incomplete, never drawn)\n"
    "  --layer-timeout S      kill a layer's worker after S seconds (default 0: none)\n";
/* (two literals: C99 compilers need only support 4095 characters in one) */
static const char bench_help2[] =
    "  --layer-memory MB      address-space limit of a layer's worker (default: none)\n"
    "  --in-order             start layers in suite order (default: largest first, for\n"
    "                         a shorter tail with --jobs; reports are in suite order)\n"
    "  --filter TEXT          only layers whose suite/name contains TEXT (none: exit 2)\n"
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
    "Ctrl-C (SIGINT) or SIGTERM stops the run: layers in flight are dropped, the finished\n"
    "ones are written and every output is marked interrupted; no baseline is written.\n"
    "\n"
    "exit status: 0 ok; 1 a layer failed, a result check failed or a regression;\n"
    "2 bad input or usage; 130 (SIGINT) / 143 (SIGTERM) interrupted\n";

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

int bench_cmd_parse(bench_cmd *c, int argc, char **argv) {
    const char *cmd = "bench";
    memset(c, 0, sizeof *c);
    c->hw = hw_default();
    c->evaluator = "real";
    c->objective = "lex";
    c->limit = -1;
    c->fo.cmd = cmd;
    baseline_opts_init(&c->fo.bopts);
    bench_run_opts_init(&c->ro);
    bench_eval_opts_init(&c->eo);
    /* Deterministic budgets: the solver's resource limit (--rlimit) bounds every query;
     * wall-clock limits only when asked for (they make results depend on load). */
    c->eo.timeout_s = 0;
    c->eo.pareto_timeout_s = 0;
    c->files = calloc((size_t)argc, sizeof *c->files);
    ES_ASSERT(c->files != NULL);
    if (cli_want_help(argc, argv)) {
        fputs(bench_help, stdout);
        fputs(bench_help2, stdout);
        return 0;
    }
    status st;
    status_init(&st);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        double x;
#define NEED_VALUE()                                                     \
    do {                                                                 \
        if (!v) {                                                        \
            return cli_usage_error(cmd, "option %s needs a value", a);   \
        }                                                                \
        i++;                                                             \
    } while (0)
#define NUM(lo, hi)                                                      \
    do {                                                                 \
        NEED_VALUE();                                                    \
        if (!parse_num(cmd, a, v, lo, hi, &x))                           \
            return 2;                                                    \
    } while (0)
        if (!strcmp(a, "--hw")) {
            NEED_VALUE();
            if (!spec_load_hw(v, &c->hw, &st))
                return cli_fail(cmd, &st);
        } else if (!strcmp(a, "--suite-dir")) {
            NEED_VALUE();
            c->suite_dir = v;
        } else if (!strcmp(a, "--objective")) {
            NEED_VALUE();
            c->objective = v;
        } else if (!strcmp(a, "--jobs") || !strcmp(a, "-j")) {
            NUM(1, 256);
            c->ro.jobs = (int)x;
        } else if (!strcmp(a, "--shard")) {
            NEED_VALUE();
            if (!bench_parse_shard(v, &c->ro.shard_i, &c->ro.shard_n, &st))
                return cli_fail(cmd, &st);
        } else if (!strcmp(a, "--out")) {
            NEED_VALUE();
            c->out_dir = v;
        } else if (!strcmp(a, "--force")) {
            c->force = true;
        } else if (!strcmp(a, "--baseline")) {
            NEED_VALUE();
            c->fo.baseline = v;
        } else if (!strcmp(a, "--update-baseline")) {
            NEED_VALUE();
            c->fo.update_baseline = v;
        } else if (!strcmp(a, "--tolerance")) {
            NUM(0, 100);
            c->fo.bopts.tolerance = x;
        } else if (!strcmp(a, "--solve-factor")) {
            NUM(1, 1e9);
            c->fo.bopts.solve_factor = x;
        } else if (!strcmp(a, "--solve-slack")) {
            NUM(0, 1e12);
            c->fo.bopts.solve_abs_ms = x;
        } else if (!strcmp(a, "--check-sample")) {
            NUM(0, 1e9);
            c->eo.check_sample = (int64_t)x;
        } else if (!strcmp(a, "--full-check")) {
            c->eo.full_check = true;
        } else if (!strcmp(a, "--check-reference")) {
            c->eo.check_reference = true;
        } else if (!strcmp(a, "--pareto")) {
            c->eo.pareto = true;
        } else if (!strcmp(a, "--no-pareto")) {
            c->eo.pareto = false;
        } else if (!strcmp(a, "--pareto-timeout")) {
            NUM(0, 1e6);
            c->eo.pareto_timeout_s = x;
        } else if (!strcmp(a, "--timeout")) {
            NUM(0, 1e6);
            c->eo.timeout_s = x;
        } else if (!strcmp(a, "--rlimit")) {
            NUM(0, 1e15);
            c->eo.rlimit = (uint64_t)x;
        } else if (!strcmp(a, "--layer-timeout")) {
            NUM(0, 1e7);
            c->ro.layer_timeout_s = x;
        } else if (!strcmp(a, "--layer-memory")) {
            NUM(0, 1e9);
            c->ro.layer_memory_mb = (int64_t)x;
        } else if (!strcmp(a, "--in-order")) {
            c->in_order = true;
        } else if (!strcmp(a, "--filter")) {
            NEED_VALUE();
            c->filter = v;
        } else if (!strcmp(a, "--limit")) {
            NUM(0, 1e9);
            c->limit = (long)x;
        } else if (!strcmp(a, "--seed")) {
            NUM(0, 1e15);
            c->eo.seed = (uint64_t)x;
        } else if (!strcmp(a, "--evaluator")) {
            NEED_VALUE();
            c->evaluator = v;
        } else if (!strcmp(a, "--list")) {
            c->list_only = true;
        } else if (!strcmp(a, "--no-fork")) {
            c->ro.isolate = false;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            c->quiet = true;
        } else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
            c->fo.verbose = true;
        } else if (!strcmp(a, "--json")) {
            c->fo.json = true;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error(cmd, "unknown option '%s'", a);
        } else {
            c->files[c->nfiles++] = argv[i];
        }
#undef NUM
#undef NEED_VALUE
    }
    if (!bench_parse_objective(c->objective, &c->eo.objective, &st))
        return cli_fail(cmd, &st);
    if (strcmp(c->evaluator, "real") && strcmp(c->evaluator, "fake"))
        return cli_usage_error(cmd, "--evaluator: expected real or fake, got '%s'", c->evaluator);
    /* --baseline is read and checked now: a bad file fails before any layer runs. */
    baseline bl;
    if (c->fo.baseline && !baseline_load(c->fo.baseline, &bl, &st))
        return cli_fail(cmd, &st);
    if (c->fo.baseline)
        baseline_free(&bl);
    return -1;
}
