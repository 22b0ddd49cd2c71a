/* cmd_bench_args: the command line of `embedsyn bench` (help text and option parsing
 * into a bench_cmd). Invariant: every option listed in the help is parsed here and
 * every numeric value is range-checked; a usage error exits 2 with one message. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench/baseline.h"
#include "bench/cli.h"
#include "bench/cmd_bench.h"
#include "core/es.h"
#include "core/spec.h"

static const char bench_help[] =
    "usage: embedsyn bench [SUITE.xml ...] [options]\n"
    "\n"
    "Regression benchmark: for every layer of the suites, synthesize the embedding (Z3),\n"
    "lower and simulate it (timing-only, with a sampled result check), simulate TVM's\n"
    "reference strategy on the same simulator, and report speedup, utilization, DRAM\n"
    "bytes, layout class, lower bound and gap, solve time and proof status.\n"
    "Without SUITE.xml it runs the built-in DeepBench inference suites\n"
    "(bench/suites/deepbench_*.xml) on the built-in VTA. A suite may also be a MAESTRO\n"
    "network (NET.m: each CONV, DSCONV, GEMM or FC layer an operator).\n"
    "\n"
    "options:\n"
    "  --hw FILE              hardware configuration (default: TVM's default VTA)\n"
    "  --suite-dir DIR        where the built-in suites are (default: next to the\n"
    "                         executable, $EMBEDSYN_SUITE_DIR, or the source tree)\n"
    ENC_OBJECTIVE_HELP
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
    "  --pareto-rlimit N      solver resource limit of one layer's whole front\n"
    "                         (default 50000000; a front it cuts short is marked\n"
    "                         incomplete and not drawn as a front)\n"
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

/* Resource limit of one layer's whole Pareto enumeration: enough for the fronts of the
 * small under-used layers; the largest DeepSpeech layers' fronts need more and are
 * then marked incomplete (each 10M costs ~4 s of one core here). */
#define BENCH_PARETO_RLIMIT 50000000ull

/* The option table of bench: long-only options are numbered from CLI_OPT_CMD on. */
enum {
    B_HW = CLI_OPT_CMD, B_SUITE_DIR, B_OBJECTIVE, B_SHARD, B_OUT, B_FORCE, B_BASELINE,
    B_UPDATE_BASELINE, B_TOLERANCE, B_SOLVE_FACTOR, B_SOLVE_SLACK, B_CHECK_SAMPLE, B_FULL_CHECK,
    B_CHECK_REFERENCE, B_PARETO, B_NO_PARETO, B_PARETO_TIMEOUT, B_PARETO_RLIMIT, B_TIMEOUT,
    B_RLIMIT, B_LAYER_TIMEOUT, B_LAYER_MEMORY, B_IN_ORDER, B_FILTER, B_LIMIT, B_SEED,
    B_EVALUATOR, B_LIST, B_NO_FORK, B_JSON
};
static const struct option bench_options[] = {
    {"hw", required_argument, NULL, B_HW},
    {"suite-dir", required_argument, NULL, B_SUITE_DIR},
    {"objective", required_argument, NULL, B_OBJECTIVE},
    {"jobs", required_argument, NULL, 'j'},
    {"shard", required_argument, NULL, B_SHARD},
    {"out", required_argument, NULL, B_OUT},
    {"force", no_argument, NULL, B_FORCE},
    {"baseline", required_argument, NULL, B_BASELINE},
    {"update-baseline", required_argument, NULL, B_UPDATE_BASELINE},
    {"tolerance", required_argument, NULL, B_TOLERANCE},
    {"solve-factor", required_argument, NULL, B_SOLVE_FACTOR},
    {"solve-slack", required_argument, NULL, B_SOLVE_SLACK},
    {"check-sample", required_argument, NULL, B_CHECK_SAMPLE},
    {"full-check", no_argument, NULL, B_FULL_CHECK},
    {"check-reference", no_argument, NULL, B_CHECK_REFERENCE},
    {"pareto", no_argument, NULL, B_PARETO},
    {"no-pareto", no_argument, NULL, B_NO_PARETO},
    {"pareto-timeout", required_argument, NULL, B_PARETO_TIMEOUT},
    {"pareto-rlimit", required_argument, NULL, B_PARETO_RLIMIT},
    {"timeout", required_argument, NULL, B_TIMEOUT},
    {"rlimit", required_argument, NULL, B_RLIMIT},
    {"layer-timeout", required_argument, NULL, B_LAYER_TIMEOUT},
    {"layer-memory", required_argument, NULL, B_LAYER_MEMORY},
    {"in-order", no_argument, NULL, B_IN_ORDER},
    {"filter", required_argument, NULL, B_FILTER},
    {"limit", required_argument, NULL, B_LIMIT},
    {"seed", required_argument, NULL, B_SEED},
    {"evaluator", required_argument, NULL, B_EVALUATOR},
    {"list", no_argument, NULL, B_LIST},
    {"no-fork", no_argument, NULL, B_NO_FORK},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"json", no_argument, NULL, B_JSON},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* The numeric options: code, accepted range. */
static const struct bench_num_opt {
    int code;
    double lo, hi;
} bench_num_opts[] = {
    {'j', 1, 256},          {B_TOLERANCE, 0, 100},     {B_SOLVE_FACTOR, 1, 1e9},
    {B_SOLVE_SLACK, 0, 1e12}, {B_CHECK_SAMPLE, 0, 1e9}, {B_PARETO_TIMEOUT, 0, 1e6},
    {B_PARETO_RLIMIT, 1, 1e15}, {B_TIMEOUT, 0, 1e6},   {B_RLIMIT, 0, 1e15},
    {B_LAYER_TIMEOUT, 0, 1e7}, {B_LAYER_MEMORY, 0, 1e9}, {B_LIMIT, 0, 1e9},
    {B_SEED, 0, 1e15},
};

/* The value of numeric option `code` (range-checked) into *x: true, or false after
 * the usage error. Non-numeric options: true, *x untouched. */
static bool bench_num(int code, const char *v, double *x) {
    for (int k = 0; k < ES_COUNT(bench_num_opts); k++) {
        if (bench_num_opts[k].code != code) continue;
        char opt[40] = "-j";
        for (int j = 0; bench_options[j].name; j++)
            if (bench_options[j].val == code) snprintf(opt, sizeof opt, "--%s", bench_options[j].name);
        return parse_num("bench", opt, v, bench_num_opts[k].lo, bench_num_opts[k].hi, x);
    }
    return true;
}

/* One option's value into c; -1 when applied, else the exit status. */
static int bench_take(bench_cmd *c, int code, const char *v) {
    const char *cmd = "bench";
    status st;
    status_init(&st);
    double x = 0;
    if (!bench_num(code, v, &x)) return 2;
    switch (code) {
    case B_HW:
        if (!hw_load(v, &c->hw, &st)) return cli_fail(cmd, &st);
        break;
    case B_SHARD:
        if (!bench_parse_shard(v, &c->ro.shard_i, &c->ro.shard_n, &st)) return cli_fail(cmd, &st);
        break;
    case B_SUITE_DIR: c->suite_dir = v; break;
    case B_OBJECTIVE: c->objective = v; break;
    case B_OUT: c->out_dir = v; break;
    case B_BASELINE: c->fo.baseline = v; break;
    case B_UPDATE_BASELINE: c->fo.update_baseline = v; break;
    case B_FILTER: c->filter = v; break;
    case B_EVALUATOR: c->evaluator = v; break;
    case 'j': c->ro.jobs = (int)x; break;
    case B_TOLERANCE: c->fo.bopts.tolerance = x; break;
    case B_SOLVE_FACTOR: c->fo.bopts.solve_factor = x; break;
    case B_SOLVE_SLACK: c->fo.bopts.solve_abs_ms = x; break;
    case B_CHECK_SAMPLE: c->eo.check_sample = (int64_t)x; break;
    case B_PARETO_TIMEOUT: c->eo.pareto_timeout_s = x; break;
    case B_PARETO_RLIMIT: c->eo.pareto_rlimit = (uint64_t)x; break;
    case B_TIMEOUT: c->eo.timeout_s = x; break;
    case B_RLIMIT: c->eo.rlimit = (uint64_t)x; break;
    case B_LAYER_TIMEOUT: c->ro.layer_timeout_s = x; break;
    case B_LAYER_MEMORY: c->ro.layer_memory_mb = (int64_t)x; break;
    case B_LIMIT: c->limit = (long)x; break;
    case B_SEED: c->eo.seed = (uint64_t)x; break;
    case B_FORCE: c->force = true; break;
    case B_FULL_CHECK: c->eo.full_check = true; break;
    case B_CHECK_REFERENCE: c->eo.check_reference = true; break;
    case B_PARETO: c->eo.pareto = true; break;
    case B_NO_PARETO: c->eo.pareto = false; break;
    case B_IN_ORDER: c->in_order = true; break;
    case B_LIST: c->list_only = true; break;
    case B_NO_FORK: c->ro.isolate = false; break;
    case 'q': c->quiet = true; break;
    case 'v': c->fo.verbose = true; break;
    case B_JSON: c->fo.json = true; break;
    default: es_abort(__FILE__, __LINE__, "a bench option without a case");
    }
    return -1;
}

int bench_cmd_parse(bench_cmd *c, int argc, char **argv) {
    const char *cmd = "bench";
    memset(c, 0, sizeof *c);
    c->hw = hw_default();
    c->evaluator = "real";
    c->objective = "cycles";
    c->limit = -1;
    c->fo.cmd = cmd;
    baseline_opts_init(&c->fo.bopts);
    bench_run_opts_init(&c->ro);
    bench_eval_opts_init(&c->eo);
    /* Deterministic budgets: the solver's resource limit (--rlimit) bounds every query;
     * wall-clock limits only when asked for (they make results depend on load). */
    c->eo.timeout_s = 0;
    c->eo.pareto_timeout_s = 0;
    c->eo.pareto_rlimit = BENCH_PARETO_RLIMIT;
    c->files = calloc((size_t)argc, sizeof *c->files);
    ES_ASSERT(c->files != NULL);
    if (cli_help(argc, argv, bench_help, bench_help2))
        return 0;
    status st;
    status_init(&st);
    opterr = 0;
    optind = 0; /* glibc: a full re-initialization */
    int code;
    while ((code = getopt_long(argc, argv, ":j:qvh", bench_options, NULL)) != -1) {
        if (code == '?' || code == ':') return cli_getopt_error(cmd, code, argc, argv);
        int rc = bench_take(c, code, optarg);
        if (rc >= 0) return rc;
    }
    for (int i = optind; i < argc; i++) /* getopt_long moved the operands to the end */
        c->files[c->nfiles++] = argv[i];
    if (!bench_parse_objective(c->objective, &c->eo.objective, &st))
        return cli_fail(cmd, &st);
    c->objective = enc_objective_name(c->eo.objective); /* the canonical name in reports */
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
