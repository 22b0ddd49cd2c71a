/* cmd_dse: `embedsyn dse` (hardware design-space exploration with the embedding
 * re-synthesized per design, bench/dse.h) and `embedsyn dse-merge` (shard results ->
 * one result). Both write the same files (bench/dse_out.c).
 * Invariant: dse-merge of the shards of a run writes the files the unsharded run writes
 * (designs in index order, fronts recomputed over all of them). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/cli.h"
#include "bench/commands.h"
#include "bench/dse.h"
#include "core/spec.h"
#include "core/es.h"
#include "encoders/enc.h"

static const char dse_help[] =
    "usage: embedsyn dse [SUITE.xml ...] (--space SPACE.xml | --sweep FIELD=VALUES,...)\n"
    "         [--objective cycles|energy|edp] [--strategy solve|reference] [--jobs N]\n"
    "         [--shard I/N] [--out DIR] [--cache FILE] [--json] [--validate]\n"
    "         [--sample-validate N] [--sched-evals N] [--rlimit N] [--timeout S]\n"
    "         [--largest K] [--bench] [--quiet]\n\n"
    "Explores a hardware design space: for every design, feasibility (config, ISA\n"
    "encodability in 128-bit instructions and 32-bit micro-ops, a tile of every layer in\n"
    "the buffers), then per layer the optimal embedding for the design's intrinsic shape\n"
    "(Z3; channel packing competes) and the best schedule by the cost model, and suite\n"
    "totals: cycles, energy and area proxy of the cost module (vta/cost*; default VTA area\n"
    "= 1), utilization, and the hardware floor (no program of the design is faster;\n"
    "vta/cost_floor.c) with each design's estimate over it. Pareto fronts\n"
    "(cycles vs area, energy vs area) with the default VTA marked.\n"
    "Without suites: the built-in DeepBench suites (bench/suites/deepbench_*.xml).\n"
    "  --space FILE     hardware space (core/schemas/space.xsd): fields with lists/ranges\n"
    "  --sweep TEXT     inline space, e.g. log_block=3..5,bus_bits=64,128,256 (on top of --space)\n"
    "  --objective O    per-layer choice and ranking: cycles (default), energy, edp\n"
    "  --strategy S     solve (default): re-synthesized embedding per intrinsic shape;\n"
    "                   reference: TVM's channel packing for every design\n"
    "  -j, --jobs N     worker processes (default 1)\n"
    "  --shard I/N      only designs with index % N == I (merge with dse-merge)\n"
    "  --out DIR        write results.csv/json, pareto.csv, report.md, pareto_*.svg\n"
    "  --cache FILE     embeddings + schedule libraries per (layer, intrinsic shape), reused\n"
    "                   across runs (default: DIR/dse-cache.txt with --out)\n"
    "  --validate       re-run the Pareto designs (cycles front) on the cycle simulator\n"
    "  --sample-validate N  the same with N evenly spaced layers per design\n"
    "  --sched-evals N  budget of each schedule-library search (default 2000)\n"
    "  --rlimit N       Z3 resource limit per solve, when the space is too large to\n"
    "                   enumerate (deterministic; default 200000000, about 50 s)\n"
    "  --timeout S      also a Z3 wall-clock limit per solve (default 0: none; a result\n"
    "                   cut by it depends on the machine's load)\n"
    "  --largest K      only the K layers with the most MACs (ties: suite order)\n"
    "  --bench          print designs x layers per second of the design loop, the cache\n"
    "                   fill (Z3 and schedule-library CPU) and the whole run (wall + CPU)\n"
    "                   (with progress: the CPU seconds of every computed cache entry)\n"
    "  --json           results as a JSON array on stdout\n"
    "  -q, --quiet      no progress on stderr\n";

static const char merge_help[] =
    "usage: embedsyn dse-merge [--out DIR] [--json] DIR...\n\n"
    "Merges the results.csv of dse shard directories (--shard I/N --out DIR) into one\n"
    "result: designs in index order, Pareto fronts over all designs, report and plots.\n"
    "Validation figures of the shards are kept as they are.\n";

/* The DeepBench suites: $EMBEDSYN_SUITE_DIR, else the source tree's bench/suites. */
static int default_suites(char paths[4][4096]) {
    static const char *const names[] = {"deepbench_device_conv.xml", "deepbench_device_gemm.xml",
                                        "deepbench_server_conv.xml", "deepbench_server_gemm.xml"};
    const char *env = getenv("EMBEDSYN_SUITE_DIR");
    char dir[4096];
    if (env && *env) {
        snprintf(dir, sizeof dir, "%s", env);
    } else {
        snprintf(dir, sizeof dir, "%s", __FILE__);
        char *s = strrchr(dir, '/');
        if (s) snprintf(s, sizeof dir - (size_t)(s - dir), "/suites");
    }
    for (int i = 0; i < 4; i++) {
        snprintf(paths[i], 4096, "%.3000s/%s", dir, names[i]);
        if (access(paths[i], R_OK) != 0) return 0;
    }
    return 4;
}

typedef struct dse_args {
    const char *suites[64];
    int nsuites;
    hw_space space;
    bool have_space;
    dse_opts o;
    const char *out, *cache;
    bool json, validate, bench, quiet;
    int sample;
    int largest;              /* keep the K layers with the most MACs (0: all) */
} dse_args;

static int parse_int(const char *cmd, const char *opt, const char *v, long lo, long hi, long *out) {
    char *end;
    errno = 0;
    long x = v ? strtol(v, &end, 10) : 0;
    if (!v || end == v || *end || errno || x < lo || x > hi)
        return cli_usage_error(cmd, "%s: expected an integer in %ld..%ld, got '%s'", opt, lo, hi, v ? v : "");
    *out = x;
    return -1;
}

/* The option table of dse: long-only options are numbered from CLI_OPT_CMD on. */
enum {
    D_SPACE = CLI_OPT_CMD, D_SWEEP, D_OBJECTIVE, D_STRATEGY, D_SHARD, D_OUT, D_CACHE, D_SAMPLE_VALIDATE,
    D_SCHED_EVALS, D_RLIMIT, D_TIMEOUT, D_VALIDATE, D_JSON, D_BENCH, D_LARGEST
};
static const struct option dse_options[] = {
    {"space", required_argument, NULL, D_SPACE}, {"sweep", required_argument, NULL, D_SWEEP},
    {"objective", required_argument, NULL, D_OBJECTIVE}, {"strategy", required_argument, NULL, D_STRATEGY},
    {"jobs", required_argument, NULL, 'j'}, {"shard", required_argument, NULL, D_SHARD},
    {"out", required_argument, NULL, D_OUT}, {"cache", required_argument, NULL, D_CACHE},
    {"sample-validate", required_argument, NULL, D_SAMPLE_VALIDATE},
    {"sched-evals", required_argument, NULL, D_SCHED_EVALS}, {"timeout", required_argument, NULL, D_TIMEOUT},
    {"rlimit", required_argument, NULL, D_RLIMIT},
    {"validate", no_argument, NULL, D_VALIDATE}, {"json", no_argument, NULL, D_JSON},
    {"bench", no_argument, NULL, D_BENCH}, {"quiet", no_argument, NULL, 'q'}, {"help", no_argument, NULL, 'h'},
    {"largest", required_argument, NULL, D_LARGEST},
    {NULL, 0, NULL, 0},
};

/* The integer value of option `code` in lo..hi into *x: -1, or the usage error's exit
 * status (naming the option as --NAME). */
static int dse_int_opt(int code, const char *v, long lo, long hi, long *x) {
    const char *name = "jobs";
    for (int j = 0; dse_options[j].name; j++)
        if (dse_options[j].val == code) name = dse_options[j].name;
    char opt[40];
    snprintf(opt, sizeof opt, "--%s", name);
    return parse_int("dse", opt, v, lo, hi, x);
}

/* One option's value into a; -1 when applied, else the exit status. */
static int dse_take(dse_args *a, int code, const char *v) {
    status st;
    status_init(&st);
    long x = 0;
    int rc = -1;
    switch (code) {
    case D_SPACE: {
        hw_space sp;
        if (!spec_load_space(v, &sp, &st)) return cli_fail("dse", &st);
        a->space = sp;
        a->have_space = true;
        break;
    }
    case D_SWEEP:
        if (!spec_parse_sweep(v, "--sweep", &a->space, &st)) return cli_fail("dse", &st);
        a->have_space = true;
        break;
    case D_OBJECTIVE:
        if (!dse_objective_parse(v, &a->o.objective))
            return cli_usage_error("dse", "--objective: expected cycles, energy or edp, got '%s'", v);
        break;
    case D_STRATEGY:
        if (!dse_strategy_parse(v, &a->o.strategy))
            return cli_usage_error("dse", "--strategy: expected solve or reference, got '%s'", v);
        break;
    case D_SHARD:
        if (!bench_parse_shard(v, &a->o.shard_i, &a->o.shard_n, &st)) return cli_fail("dse", &st);
        break;
    case D_OUT: a->out = v; break;
    case D_CACHE: a->cache = v; break;
    case 'j':
        if ((rc = dse_int_opt(code, v, 1, 64, &x)) < 0) a->o.jobs = (int)x;
        break;
    case D_SAMPLE_VALIDATE:
        if ((rc = dse_int_opt(code, v, 1, 100000, &x)) < 0) a->sample = (int)x;
        a->validate = true;
        break;
    case D_SCHED_EVALS:
        if ((rc = dse_int_opt(code, v, 10, 100000000, &x)) < 0) a->o.sched_evals = x;
        break;
    case D_RLIMIT:
        if ((rc = dse_int_opt(code, v, 1, 4000000000L, &x)) < 0) a->o.solve_rlimit = (uint64_t)x;
        break;
    case D_TIMEOUT:
        if ((rc = dse_int_opt(code, v, 0, 100000, &x)) < 0) a->o.solve_timeout_s = (double)x;
        break;
    case D_LARGEST:
        if ((rc = dse_int_opt(code, v, 1, 1000000, &x)) < 0) a->largest = (int)x;
        break;
    case D_VALIDATE: a->validate = true; break;
    case D_JSON: a->json = true; break;
    case D_BENCH: a->bench = true; break;
    case 'q': a->quiet = true; break;
    default: es_abort(__FILE__, __LINE__, "a dse option without a case");
    }
    return rc;
}

static int parse_args(int argc, char **argv, dse_args *a) {
    hw_space_init(&a->space);
    dse_opts_init(&a->o);
    a->o.progress = stderr;
    opterr = 0;
    optind = 0; /* glibc: a full re-initialization */
    int code;
    while ((code = getopt_long(argc, argv, ":j:qh", dse_options, NULL)) != -1) {
        if (code == '?' || code == ':') return cli_getopt_error("dse", code, argc, argv);
        int rc = dse_take(a, code, optarg);
        if (rc >= 0) return rc;
    }
    for (int i = optind; i < argc; i++) { /* getopt_long moved the operands to the end */
        if (a->nsuites == 64) return cli_usage_error("dse", "at most 64 suites");
        a->suites[a->nsuites++] = argv[i];
    }
    if (!a->have_space) return cli_usage_error("dse", "give a design space: --space FILE or --sweep FIELD=VALUES");
    if (a->quiet) a->o.progress = NULL;
    a->o.entry_times = a->bench;
    return -1;
}

/* Loads every suite into one layer list; names "SUITE,..." in *names. */
static bool load_layers(dse_args *a, op **layers, int *n, char *names, size_t nlen, status *st) {
    char def[4][4096];
    const char *paths[64];
    int np = a->nsuites;
    for (int i = 0; i < np; i++) paths[i] = a->suites[i];
    if (np == 0) {
        np = default_suites(def);
        if (!np) return status_fail(st, "cannot find the built-in DeepBench suites; set EMBEDSYN_SUITE_DIR or give suites");
        for (int i = 0; i < np; i++) paths[i] = def[i];
    }
    *layers = NULL;
    *n = 0;
    names[0] = 0;
    for (int i = 0; i < np; i++) {
        char sname[128];
        op *ops;
        int k;
        if (!spec_load_suite(paths[i], sname, sizeof sname, &ops, &k, st)) return false;
        op *all = realloc(*layers, (size_t)(*n + k) * sizeof *all);
        if (!all) {
            free(ops);
            return status_fail(st, "out of memory");
        }
        memcpy(all + *n, ops, (size_t)k * sizeof *all);
        free(ops);
        *layers = all;
        *n += k;
        size_t L = strlen(names);
        snprintf(names + L, nlen - L, "%s%s", L ? ", " : "", sname);
    }
    return true;
}

static double cpu_s(void) {
    struct rusage self, kids;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);
    return (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec + kids.ru_utime.tv_sec + kids.ru_stime.tv_sec) +
           (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec + kids.ru_utime.tv_usec + kids.ru_stime.tv_usec) / 1e6;
}

/* The --bench lines: the design loop, the cache fill, the whole run (wall and CPU). */
static void print_bench(const dse_ctx *c, FILE *f, int64_t n, int nl, int jobs, double t0, double t1, double t2) {
    int64_t hits, misses, slow, fe;
    double pms, scpu, lcpu;
    dse_stats(c, &hits, &misses, &slow, &pms);
    dse_fill_stats(c, &fe, &scpu, &lcpu);
    int64_t mcalls, mhits, borrowed, pe, pz, pu;
    dse_fill_memo_stats(c, &mcalls, &mhits, &borrowed);
    dse_fill_proof_stats(c, &pe, &pz, &pu);
    double s = (t2 - t1) / 1e3, all = (t2 - t0) / 1e3, cpu = cpu_s();
    double dl = (double)n * nl;
    fprintf(f,
            "dse bench: %lld designs x %d layers = %.0f design-layers, %d jobs\n"
            "  design loop: %.2f s: %.0f design-layers/s, %.1f designs/s; fallback searches %lld\n"
            "  cache fill: %.2f s for %lld layer x shape entries (CPU: solves %.1f s, schedule libraries %.1f s;\n"
            "    %lld cost evaluations in the library searches, %.1f%% answered by the memo;\n"
            "    %lld libraries taken from the other strategy's cache entries;\n"
            "    embeddings solved: %lld enumerated, %lld proven by Z3, %lld not proven (a limit hit))\n"
            "  whole run: %.2f s wall, %.1f s CPU (all processes): %.0f design-layers/s wall, %.0f per CPU second\n",
            (long long)n, nl, dl, jobs, s, dl / (s > 0 ? s : 1e-9), (double)n / (s > 0 ? s : 1e-9), (long long)slow,
            (t1 - t0) / 1e3, (long long)fe, scpu, lcpu, (long long)mcalls, 100.0 * (double)mhits / (double)(mcalls ? mcalls : 1), (long long)borrowed, (long long)pe, (long long)pz, (long long)pu, all, cpu, dl / (all > 0 ? all : 1e-9),
            dl / (cpu > 0 ? cpu : 1e-9));
}

static int finish(const char *cmd, dse_design *d, int64_t n, const hw_space *sp, const dse_opts *o, const char *out,
                  bool json, const char *suites) {
    status st;
    status_init(&st);
    if (out && !dse_write_dir(out, sp, o, d, n, suites, &st)) return cli_fail(cmd, &st);
    if (json)
        dse_write_json(stdout, d, n);
    else
        dse_print_summary(stdout, d, n, o->objective);
    return 0;
}

int cmd_dse(int argc, char **argv) {
    if (cli_want_help(argc, argv)) {
        fputs(dse_help, stdout);
        return 0;
    }
    dse_args a;
    memset(&a, 0, sizeof a);
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0) return rc;
    status st;
    status_init(&st);
    op *layers = NULL;
    int nl = 0;
    char names[1024];
    if (!load_layers(&a, &layers, &nl, names, sizeof names, &st)) return cli_fail("dse", &st);
    if (a.largest && a.largest < nl) {
        dse_keep_largest(layers, nl, a.largest);
        nl = a.largest;
        size_t L = strlen(names);
        snprintf(names + L, sizeof names - L, " (the %d largest layers)", nl);
    }
    char cache[4096];
    if (!a.cache && a.out) {
        snprintf(cache, sizeof cache, "%.4000s/dse-cache.txt", a.out);
        if (mkdir(a.out, 0777) == 0 || errno == EEXIST) a.cache = cache;
    }
    a.o.cache_path = a.cache;
    dse_ctx *c = dse_create(layers, nl, &a.space, &a.o, &st);
    if (!c) {
        free(layers);
        return cli_fail("dse", &st);
    }
    double t0 = es_now_ms();
    if (!dse_prepare(c, &st)) {
        dse_destroy(c);
        free(layers);
        return cli_interrupted() ? cli_interrupted_exit("dse", a.json, "no designs written; finished cache entries kept")
                                 : cli_fail("dse", &st);
    }
    double t1 = es_now_ms();
    dse_design *d = NULL;
    int64_t n = 0;
    bool ok = dse_run(c, &d, &n, &st);
    double t2 = es_now_ms(), tv = 0, cv = 0;
    if (ok) {
        dse_pareto(d, n);
        double v0 = es_now_ms(), c0 = cpu_s();
        if (a.validate) ok = dse_validate_front(c, d, n, a.sample, &st);
        tv = (es_now_ms() - v0) / 1e3;
        cv = cpu_s() - c0;
        ok = ok && !cli_interrupted();
    }
    if (!ok) {
        dse_destroy(c);
        free(layers);
        free(d);
        return cli_interrupted() ? cli_interrupted_exit("dse", a.json, "no designs written; finished cache entries kept")
                                 : cli_fail("dse", &st);
    }
    if (a.bench) print_bench(c, a.json ? stderr : stdout, n, nl, a.o.jobs, t0, t1, t2);
    if (a.validate && !a.json) {
        for (int64_t i = 0; i < n; i++)
            if (d[i].val_layers)
                printf("validated %s: model %.0f vs simulator %.0f cycles over %d layers: error %+.2f%% (worst layer %.2f%%: %s)\n",
                       d[i].hw.name, d[i].val_model, d[i].val_sim, d[i].val_layers, 100 * d[i].val_err,
                       100 * d[i].val_max_layer_err,
                       d[i].val_worst_layer >= 0 && d[i].val_worst_layer < nl ? layers[d[i].val_worst_layer].name : "?");
        double med, mx, wl;
        int64_t nv;
        if (dse_validation_summary(d, n, &med, &mx, &wl, &nv))
            printf("model error vs simulator over %lld validated designs: median %.2f%%, max %.2f%% (worst layer %.2f%%);"
                   " simulation %.1f s wall, %.1f s CPU\n",
                   (long long)nv, 100 * med, 100 * mx, 100 * wl, tv, cv);
    }
    rc = finish("dse", d, n, &a.space, &a.o, a.out, a.json, names);
    dse_destroy(c);
    free(layers);
    free(d);
    return rc;
}

static int cmp_design(const void *x, const void *y) {
    const dse_design *a = x, *b = y;
    return (a->index > b->index) - (a->index < b->index);
}

int cmd_dse_merge(int argc, char **argv) {
    if (cli_want_help(argc, argv)) {
        fputs(merge_help, stdout);
        return 0;
    }
    const char *out = NULL;
    bool json = false;
    dse_design *d = NULL;
    int64_t n = 0;
    status st;
    status_init(&st);
    static const struct option merge_options[] = {
        {"out", required_argument, NULL, 'o'}, {"json", no_argument, NULL, D_JSON}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    optind = 0; /* glibc: a full re-initialization */
    int code;
    while ((code = getopt_long(argc, argv, ":h", merge_options, NULL)) != -1) {
        if (code == '?' || code == ':') return cli_getopt_error("dse-merge", code, argc, argv);
        if (code == 'o') out = optarg;
        if (code == D_JSON) json = true;
    }
    int ndirs = 0;
    for (int i = optind; i < argc; i++, ndirs++) {
        char p[4096];
        snprintf(p, sizeof p, "%.4000s/results.csv", argv[i]);
        if (!dse_read_csv(p, &d, &n, &st)) {
            free(d);
            return cli_fail("dse-merge", &st);
        }
    }
    if (!ndirs) return cli_usage_error("dse-merge", "give shard directories");
    qsort(d, (size_t)n, sizeof *d, cmp_design);
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++) {
        if (k && d[k - 1].index == d[i].index) continue; /* the default VTA is in every shard */
        d[k++] = d[i];
    }
    dse_pareto(d, k);
    hw_space sp;
    hw_space_init(&sp);
    snprintf(sp.name, sizeof sp.name, "merged");
    dse_opts o;
    dse_opts_init(&o);
    int rc = finish("dse-merge", d, k, &sp, &o, out, json, "(merged shards)");
    free(d);
    return rc;
}
