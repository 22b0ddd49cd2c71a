/* cmd_dse: `embedsyn dse` (hardware design-space exploration with the embedding
 * re-synthesized per design, bench/dse.h) and `embedsyn dse-merge` (shard results ->
 * one result). Both write the same files (bench/dse_out.c).
 * Invariant: dse-merge of the shards of a run writes the files the unsharded run writes
 * (designs in index order, fronts recomputed over all of them). */
#include <errno.h>
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
    "         [--sample-validate N] [--sched-evals N] [--timeout S] [--bench] [--quiet]\n\n"
    "Explores a hardware design space: for every design, feasibility (config, ISA\n"
    "encodability in 128-bit instructions and 32-bit micro-ops, a tile of every layer in\n"
    "the buffers), then per layer the optimal embedding for the design's intrinsic shape\n"
    "(Z3; channel packing competes) and the best schedule by the cost model, and suite\n"
    "totals: cycles, energy and area proxy of the cost module (vta/cost*; default VTA area\n"
    "= 1), utilization. Pareto fronts\n"
    "(cycles vs area, energy vs area) with the default VTA marked.\n"
    "Without suites: the built-in DeepBench suites (bench/suites/deepbench_*.xml).\n"
    "  --space FILE     hardware space (core/schemas/space.xsd): fields with lists/ranges\n"
    "  --sweep TEXT     inline space, e.g. log_block=3..5,bus_bits=64,128,256 (on top of --space)\n"
    "  --objective O    per-layer choice and ranking: cycles (default), energy, edp\n"
    "  --strategy S     solve (default): re-synthesized embedding per intrinsic shape;\n"
    "                   reference: TVM's channel packing for every design\n"
    "  --jobs N         worker processes (default 1)\n"
    "  --shard I/N      only designs with index %% N == I (merge with dse-merge)\n"
    "  --out DIR        write results.csv/json, pareto.csv, report.md, pareto_*.svg\n"
    "  --cache FILE     embeddings + schedule libraries per (layer, intrinsic shape), reused\n"
    "                   across runs (default: DIR/dse-cache.txt with --out)\n"
    "  --validate       re-run the Pareto designs (cycles front) on the cycle simulator\n"
    "  --sample-validate N  the same with N evenly spaced layers per design\n"
    "  --sched-evals N  budget of each schedule-library search (default 2000)\n"
    "  --timeout S      Z3 wall-clock limit per solve (default 60)\n"
    "  --bench          print designs x layers per second of the design loop, the cache\n"
    "                   fill (Z3 and schedule-library CPU) and the whole run (wall + CPU)\n"
    "  --json           results as a JSON array on stdout\n"
    "  --quiet          no progress on stderr\n";

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

static int parse_args(int argc, char **argv, dse_args *a) {
    status st;
    status_init(&st);
    hw_space_init(&a->space);
    dse_opts_init(&a->o);
    a->o.progress = stderr;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        long x;
        int rc;
        if (!strcmp(s, "--space")) {
            if (!v) return cli_usage_error("dse", "--space needs a file");
            hw_space sp;
            if (!spec_load_space(v, &sp, &st)) return cli_fail("dse", &st);
            a->space = sp;
            a->have_space = true;
            i++;
        } else if (!strcmp(s, "--sweep")) {
            if (!v) return cli_usage_error("dse", "--sweep needs FIELD=VALUES");
            if (!spec_parse_sweep(v, "--sweep", &a->space, &st)) return cli_fail("dse", &st);
            a->have_space = true;
            i++;
        } else if (!strcmp(s, "--objective")) {
            if (!v || !dse_objective_parse(v, &a->o.objective))
                return cli_usage_error("dse", "--objective: expected cycles, energy or edp, got '%s'", v ? v : "");
            i++;
        } else if (!strcmp(s, "--strategy")) {
            if (!v || !dse_strategy_parse(v, &a->o.strategy))
                return cli_usage_error("dse", "--strategy: expected solve or reference, got '%s'", v ? v : "");
            i++;
        } else if (!strcmp(s, "--jobs")) {
            if ((rc = parse_int("dse", s, v, 1, 64, &x)) >= 0) return rc;
            a->o.jobs = (int)x;
            i++;
        } else if (!strcmp(s, "--shard")) {
            if (!v || !bench_parse_shard(v, &a->o.shard_i, &a->o.shard_n, &st)) {
                if (!v) return cli_usage_error("dse", "--shard needs I/N");
                return cli_fail("dse", &st);
            }
            i++;
        } else if (!strcmp(s, "--out") || !strcmp(s, "--cache")) {
            if (!v) return cli_usage_error("dse", "%s needs a path", s);
            *(s[2] == 'o' ? &a->out : &a->cache) = v;
            i++;
        } else if (!strcmp(s, "--sample-validate")) {
            if ((rc = parse_int("dse", s, v, 1, 100000, &x)) >= 0) return rc;
            a->sample = (int)x;
            a->validate = true;
            i++;
        } else if (!strcmp(s, "--sched-evals")) {
            if ((rc = parse_int("dse", s, v, 10, 100000000, &x)) >= 0) return rc;
            a->o.sched_evals = x;
            i++;
        } else if (!strcmp(s, "--timeout")) {
            if ((rc = parse_int("dse", s, v, 0, 100000, &x)) >= 0) return rc;
            a->o.solve_timeout_s = (double)x;
            i++;
        } else if (!strcmp(s, "--validate")) {
            a->validate = true;
        } else if (!strcmp(s, "--json")) {
            a->json = true;
        } else if (!strcmp(s, "--bench")) {
            a->bench = true;
        } else if (!strcmp(s, "--quiet")) {
            a->quiet = true;
        } else if (s[0] == '-') {
            return cli_usage_error("dse", "unknown option '%s' (see embedsyn dse --help)", s);
        } else {
            if (a->nsuites == 64) return cli_usage_error("dse", "at most 64 suites");
            a->suites[a->nsuites++] = s;
        }
    }
    if (!a->have_space) return cli_usage_error("dse", "give a design space: --space FILE or --sweep FIELD=VALUES");
    if (a->quiet) a->o.progress = NULL;
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
    double s = (t2 - t1) / 1e3, all = (t2 - t0) / 1e3, cpu = cpu_s();
    double dl = (double)n * nl;
    fprintf(f,
            "dse bench: %lld designs x %d layers = %.0f design-layers, %d jobs\n"
            "  design loop: %.2f s: %.0f design-layers/s, %.1f designs/s; fallback searches %lld\n"
            "  cache fill: %.2f s for %lld layer x shape entries (CPU: Z3 %.1f s, schedule libraries %.1f s)\n"
            "  whole run: %.2f s wall, %.1f s CPU (all processes): %.0f design-layers/s wall, %.0f per CPU second\n",
            (long long)n, nl, dl, jobs, s, dl / (s > 0 ? s : 1e-9), (double)n / (s > 0 ? s : 1e-9), (long long)slow,
            (t1 - t0) / 1e3, (long long)fe, scpu, lcpu, all, cpu, dl / (all > 0 ? all : 1e-9),
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
    double t2 = es_now_ms();
    if (ok) {
        dse_pareto(d, n);
        for (int64_t i = 0; ok && a.validate && i < n; i++)
            if (d[i].pareto_cycles || d[i].is_default) {
                if (a.o.progress) fprintf(stderr, "dse: validating %s on the simulator\n", d[i].hw.name);
                ok = dse_validate(c, &d[i], a.sample, &st);
            }
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
                printf("validated %s: model %.0f vs simulator %.0f cycles over %d layers: error %+.2f%% (worst layer %.2f%%)\n",
                       d[i].hw.name, d[i].val_model, d[i].val_sim, d[i].val_layers, 100 * d[i].val_err,
                       100 * d[i].val_max_layer_err);
        double med, mx, wl;
        int64_t nv;
        if (dse_validation_summary(d, n, &med, &mx, &wl, &nv))
            printf("model error vs simulator over %lld validated designs: median %.2f%%, max %.2f%% (worst layer %.2f%%)\n",
                   (long long)nv, 100 * med, 100 * mx, 100 * wl);
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
    int ndirs = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--out")) {
            if (i + 1 >= argc) return cli_usage_error("dse-merge", "--out needs a directory");
            out = argv[++i];
        } else if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if (argv[i][0] == '-') {
            return cli_usage_error("dse-merge", "unknown option '%s'", argv[i]);
        } else {
            char p[4096];
            snprintf(p, sizeof p, "%.4000s/results.csv", argv[i]);
            if (!dse_read_csv(p, &d, &n, &st)) {
                free(d);
                return cli_fail("dse-merge", &st);
            }
            ndirs++;
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
