/* cmd_cost: `embedsyn cost`: the analytical cost model of one mapping (embedding +
 * schedule), its validation against the simulator (--validate) and its speed (--bench).
 * Exit status: 0 ok, 1 a result failed, 2 bad input or usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/cli.h"
#include "bench/cmd_cost.h"
#include "bench/commands.h"
#include "core/dataflow.h"
#include "core/spec.h"
#include "core/spec_emb.h"
#include "vta/cost.h"
#include "vta/refstrat.h"
#include "core/maestro.h"

/* --bench: the fixed set of mappings (layer x embedding, the schedule the search picks
 * for it) whose model evaluations are timed. */
static const char *const bench_layers[][2] = {
    {"conv", "N=1,C=64,H=56,W=56,K=64,R=3,S=3,pad=1"},     /* ResNet 3x3 */
    {"conv", "N=1,C=3,H=224,W=224,K=64,R=7,S=7,stride=2,pad=3"}, /* stem */
    {"conv", "N=1,C=512,H=28,W=28,K=128,R=1,S=1"},        /* 1x1 */
    {"conv", "N=1,C=1,H=161,W=700,K=32,R=5,S=20,stride=2"}, /* DeepSpeech */
    {"gemm", "M=35,N=700,K=2048"},
    {"gemm", "M=3072,N=128,K=1024"},
};

/* CPU time of the process: evaluations per second on one core, whatever else runs. */
static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The embedding of --embedding / --strategy and the schedule the search picks for it
 * (the reference strategy under its template, anything else under the free search). */
static bool pick_mapping(const op *o, const hw_config *hw, const char *embfile, const char *strategy, emb *e,
                         emb_nest *n, sched *s, status *st) {
    bool ref = !embfile && !strcmp(strategy, "reference");
    if (embfile) {
        if (!spec_load_emb(embfile, o, e, st)) return false;
    } else if (!strncmp(strategy, "im2col", 6)) {
        char dims[64] = "";
        if (strategy[6] == ':')
            snprintf(dims, sizeof dims, "%s", strategy + 7);
        else
            for (int d = 0; d < o->ndims; d++)
                if (op_is_reduction(o, d)) {
                    if (dims[0]) strcat(dims, ",");
                    strcat(dims, o->dim_name[d]);
                }
        if (!emb_im2col(o, HW_INTRINSIC(hw), dims, e, st)) return false;
    } else if (!emb_channel_packing(o, HW_INTRINSIC(hw), e, st)) {
        return false;
    }
    if (!emb_check(o, HW_INTRINSIC(hw), e, st) || !emb_nest_build(o, HW_INTRINSIC(hw), e, n, st)) return false;
    sched_opts so;
    if (ref)
        refstrat_sched_opts(o, n, &so);
    else
        sched_opts_init(&so);
    so.e = e;
    return sched_search(o, hw, n, &so, s, st);
}

static void tiling_of(const hw_config *hw, const emb_nest *n, const sched *s, df_tiling *t) {
    memset(t, 0, sizeof *t);
    t->lanes[EMB_B] = hw_batch(hw);
    t->lanes[EMB_O] = hw_block_out(hw);
    t->lanes[EMB_I] = hw_block_in(hw);
    for (int l = 0; l < n->nloops; l++) {
        t->tile[l] = s->tile[l];
        t->order[l] = s->order[l];
    }
    t->reuse = s->reuse;
}

static int cost_one(const cli_opts *c, const char *embfile, const char *strategy, const char *maestro) {
    const op *o = &c->op;
    emb e;
    emb_nest n;
    sched s;
    status st;
    status_init(&st);
    if (!pick_mapping(o, &c->hw, embfile, strategy, &e, &n, &s, &st)) return cli_fail("cost", &st);
    df_tiling t;
    tiling_of(&c->hw, &n, &s, &t);
    df_mapping m;
    df_build(o, &e, &n, &t, &m);
    cost_report r;
    if (!cost_vta_report(o, &c->hw, &n, &s, &r, &st)) return cli_fail("cost", &st);
    if (maestro && !maestro_write_mapping(maestro, o, &m, &st)) return cli_fail("cost", &st);
    cost_floor fl;
    cost_vta_floor(o, &c->hw, &fl);
    char desc[320], lay[256];
    sched_describe(o, &n, &s, desc, sizeof desc);
    emb_describe(o, HW_INTRINSIC(&c->hw), &e, &n, lay, sizeof lay);
    if (c->json) {
        printf("{\"name\":");
        text_json_str(stdout, o->name);
        printf(",\"embedding\":");
        text_json_str(stdout, lay);
        printf(",\"schedule\":");
        text_json_str(stdout, desc);
        printf(",\"directives\":[");
        for (int i = 0; i < m.n; i++) {
            char buf[96];
            df_directive_text(&m.d[i], buf, sizeof buf);
            printf("%s{\"level\":\"%s\",\"directive\":", i ? "," : "", df_level_name(m.d[i].level));
            text_json_str(stdout, buf);
            printf("}");
        }
        printf("],\"reuse\":{");
        static const char *const on[3] = {"inp", "wgt", "acc"};
        for (int x = 0; x < 3; x++)
            printf("%s\"%s\":{\"footprint\":%lld,\"fetches\":%lld,\"reuse\":%.4g}", x ? "," : "", on[x],
                   (long long)m.footprint[x], (long long)m.fetches[x], m.reuse[x]);
        printf("},\"model\":");
        cost_report_json(stdout, &r);
        printf(",\"floor\":{\"cycles\":%lld,\"box_cycles\":%lld,\"compute\":%lld,\"compute_box\":%lld,"
               "\"load\":%lld,\"store\":%lld,\"gemm\":%lld,\"gemm_box\":%lld,\"acc_rows\":%lld,"
               "\"init\":%lld,\"alu_per_row\":%lld}",
               (long long)fl.cycles, (long long)fl.cycles_box, (long long)fl.compute, (long long)fl.compute_box,
               (long long)fl.load, (long long)fl.store, (long long)fl.gemm, (long long)fl.gemm_box,
               (long long)fl.acc_rows, (long long)fl.init, (long long)fl.alu_per_row);
        printf("}\n");
        return 0;
    }
    printf("%s: %s\n  schedule: %s\nmapping (MAESTRO-style directives, outermost first):\n", o->name, lay, desc);
    df_print(stdout, &m);
    static const char *const on[3] = {"inp", "wgt", "acc"};
    printf("reuse over the loop nest (layout elements): ");
    for (int x = 0; x < 3; x++)
        printf("%s%s footprint %lld, fetched %lld x, reuse %.1f", x ? "; " : "", on[x], (long long)m.footprint[x],
               (long long)m.fetches[x], m.reuse[x]);
    printf("\n");
    cost_report_print(stdout, &r);
    printf("hardware floor (any program): %lld cycles = max(compute %lld: %lld GEMMs + %lld ACC init + %lld rows x "
           "%lld ALU ops, load %lld, store %lld); whole-box programs %lld; this mapping %.3fx the floor\n",
           (long long)fl.cycles, (long long)fl.compute, (long long)fl.gemm, (long long)fl.init,
           (long long)fl.acc_rows, (long long)fl.alu_per_row, (long long)fl.load, (long long)fl.store,
           (long long)fl.cycles_box, fl.cycles > 0 ? r.cycles / (double)fl.cycles : 0);
    return 0;
}

static int cost_bench(const hw_config *hw, bool json) {
    enum { NL = sizeof bench_layers / sizeof bench_layers[0] };
    op ops[NL];
    emb es[2 * NL];
    emb_nest ns[2 * NL];
    sched ss[2 * NL];
    int own[2 * NL], nm = 0;
    for (int i = 0; i < NL; i++) {
        status st;
        status_init(&st);
        bool ok = !strcmp(bench_layers[i][0], "conv") ? spec_parse_conv(bench_layers[i][1], "--bench", &ops[i], &st)
                                                       : spec_parse_gemm(bench_layers[i][1], "--bench", &ops[i], &st);
        for (int k = 0; ok && k < 2; k++) {
            char dims[64] = "";
            for (int d = 0; d < ops[i].ndims; d++)
                if (op_is_reduction(&ops[i], d)) {
                    if (dims[0]) strcat(dims, ",");
                    strcat(dims, ops[i].dim_name[d]);
                }
            bool eok = k == 0 ? emb_channel_packing(&ops[i], HW_INTRINSIC(hw), &es[nm], &st) : emb_im2col(&ops[i], HW_INTRINSIC(hw), dims, &es[nm], &st);
            sched_opts so;
            if (!eok || !emb_nest_build(&ops[i], HW_INTRINSIC(hw), &es[nm], &ns[nm], &st)) continue;
            if (k == 0)
                refstrat_sched_opts(&ops[i], &ns[nm], &so);
            else
                sched_opts_init(&so);
            so.e = &es[nm];
            if (!sched_search(&ops[i], hw, &ns[nm], &so, &ss[nm], &st)) continue;
            char desc[320];
            sched_describe(&ops[i], &ns[nm], &ss[nm], desc, sizeof desc);
            if (!json) printf("mapping %d: %s %s %s: %s\n", nm, bench_layers[i][0], bench_layers[i][1],
                              k == 0 ? "reference" : "im2col", desc);
            own[nm++] = i;
        }
        (void)ok;
    }
    /* Each evaluation writes only the schedule's estimates, so it runs on the schedule in
     * place (a copy of the 1.4 KB schedule is no part of the model); every one must give
     * the first one's cycles. */
    double want[2 * NL];
    for (int i = 0; i < nm; i++) want[i] = ss[i].est_cycles = -1;
    int64_t evals = 0, differ = 0;
    double t0 = now_s(), t = t0;
    while (t - t0 < 1.0) {
        for (int r = 0; r < 100; r++)
            for (int i = 0; i < nm; i++) {
                status st;
                status_init(&st);
                cost_vta_plug(NULL, &ops[own[i]], hw, &ns[i], &ss[i], &st);
                if (want[i] < 0) want[i] = ss[i].est_cycles;
                differ += ss[i].est_cycles != want[i];
                evals++;
            }
        t = now_s();
    }
    if (differ) {
        fprintf(stderr, "embedsyn cost --bench: %lld evaluations gave other cycles than the first of their mapping\n",
                (long long)differ);
        return 1;
    }
    double rate = (double)evals / (t - t0);
    if (json)
        printf("{\"mappings\":%d,\"evaluations\":%lld,\"seconds\":%.3f,\"evals_per_s\":%.0f}\n", nm,
               (long long)evals, t - t0, rate);
    else
        printf("%lld evaluations of %d mappings in %.2f s: %.0f evaluations/s (one core)\n", (long long)evals, nm,
               t - t0, rate);
    return 0;
}

static const char cost_help[] =
    "usage: embedsyn cost (--op F | --conv SHAPE | --gemm SHAPE) [--hw F]\n"
    "                     [--embedding F.xml | --strategy reference|packing|im2col[:DIMS]]\n"
    "                     [--maestro OUT.m] [--json]\n"
    "       embedsyn cost --validate [--top K] [--filter TEXT] [--hw F] [--json] SUITE.xml...\n"
    "       embedsyn cost --bench [--hw F] [--json]\n\n"
    "The analytical cost model (DESIGN section 6) of one mapping: the embedding (default:\n"
    "the reference strategy; packing = channel packing under the free schedule search)\n"
    "and the schedule the search picks. Prints the mapping as MAESTRO-style directives\n"
    "(DRAM tile loops, SRAM loops inside a tile, lanes), reuse and footprints over the\n"
    "loop nest, and VTA's figures: cycles under the four-module overlap, per-module busy\n"
    "cycles, DRAM bytes / SRAM footprint / SRAM reads and writes / reuse per operand\n"
    "(inp, wgt, acc, out, uop), energy from action counts (table: <energy> of the\n"
    "hardware XML, defaults in vta/hw.h) and an area proxy. Last, the layer's hardware\n"
    "floor: the cycles no VTA program of it can beat (GEMM iterations of at most\n"
    "BLOCK_IN products per output, ACC initialization and requantization per row,\n"
    "DRAM bursts of the bytes read and written at least once), also for programs that\n"
    "compute the whole padded box as every embedding does, and the mapping over it.\n\n"
    "  --maestro OUT.m  also write the layer and its mapping as a MAESTRO mapping file\n"
    "  --validate       for every layer of the suites: the model's cycles next to the\n"
    "                   simulator's (timing only) for the reference strategy and for\n"
    "                   im2col / channel packing with the free schedule search (the K\n"
    "                   best schedules, default 1); per suite and program the median\n"
    "                   and maximum relative error\n"
    "  --bench          evaluates the model on a fixed, printed set of mappings for about\n"
    "                   one second of CPU time and prints evaluations per CPU second\n\n";

int cmd_cost(int argc, char **argv) {
    if (cli_help(argc, argv, cost_help, cli_common_help))
        return 0;
    cli_opts c;
    cli_opts_init(&c);
    bool validate = false, bench = false;
    const char *embfile = NULL, *strategy = "reference", *maestro = NULL;
    int top = 1;
    const char *filter = NULL;
    char **paths = calloc((size_t)argc, sizeof *paths);
    int npaths = 0;
    for (int i = 1; i < argc;) {
        status st;
        status_init(&st);
        int t = cli_take_common(&c, argc, argv, &i, &st);
        if (t < 0) {
            free(paths);
            return cli_fail("cost", &st);
        }
        if (t > 0) continue;
        const char *a = argv[i];
        if (!strcmp(a, "--validate")) {
            validate = true;
        } else if (!strcmp(a, "--bench")) {
            bench = true;
        } else if (!strcmp(a, "--embedding") && i + 1 < argc) {
            embfile = argv[++i];
        } else if (!strcmp(a, "--strategy") && i + 1 < argc) {
            strategy = argv[++i];
            if (strcmp(strategy, "reference") && strcmp(strategy, "packing") && strncmp(strategy, "im2col", 6)) {
                free(paths);
                return cli_usage_error("cost", "--strategy must be reference, packing or im2col[:DIMS], got '%s'",
                                       strategy);
            }
        } else if (!strcmp(a, "--maestro") && i + 1 < argc) {
            maestro = argv[++i];
        } else if (!strcmp(a, "--top") && i + 1 < argc) {
            uint64_t v;
            if (!cli_parse_u64(argv[++i], &v) || v < 1 || v > 16) {
                free(paths);
                return cli_usage_error("cost", "--top needs a number in 1..16, got '%s'", argv[i]);
            }
            top = (int)v;
        } else if (!strcmp(a, "--filter") && i + 1 < argc) {
            filter = argv[++i];
        } else if (a[0] != '-') {
            paths[npaths++] = argv[i];
        } else {
            free(paths);
            return cli_usage_error("cost", "unknown option '%s'", a);
        }
        i++;
    }
    int rc;
    if (validate) {
        rc = npaths ? cost_validate_suites(paths, npaths, &c.hw, top, c.json, filter)
                    : cli_usage_error("cost", "--validate needs suite files");
    } else if (bench) {
        rc = cost_bench(&c.hw, c.json);
    } else if (c.have_op) {
        rc = cost_one(&c, embfile, strategy, maestro);
    } else {
        rc = cli_usage_error("cost", "an operator is required (--op, --conv or --gemm), or --validate / --bench");
    }
    free(paths);
    return rc;
}
