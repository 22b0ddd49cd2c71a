/* cmd_layouts: `embedsyn layouts` lists the layout alternatives of one operator: the
 * Pareto front of (instances, DRAM bytes), or with --all the best embedding of every
 * distinct layout class (encoders/enc.h, enc_layouts). One line (or JSON object) per
 * alternative. Invariant: every listed alternative passed the decode checks. */
#include <stdio.h>
#include <string.h>

#include "bench/cli.h"
#include "bench/cmd_solve.h"
#include "bench/commands.h"
#include "encoders/enc.h"
#include "vta/costform_vta.h"

static const char layouts_help[] =
    "usage: embedsyn layouts (--op FILE | --conv SHAPE | --gemm SHAPE) [--hw FILE] [--all]\n"
    "         [--objective O] [--timeout S] [--rlimit N] [--plain-proof] [--json]\n\n"
    "Lists the Pareto front over the search space, fastest first: with a cycles objective\n"
    "(the default) of (estimated cycles, GEMM micro-op iterations, DRAM bytes), else of\n"
    "(GEMM micro-op iterations, DRAM bytes). With --all the best embedding (objective,\n"
    "then bytes) of every layout class (swap + which dims feed which lane axis, Toeplitz\n"
    "compensations).\n"
    ENC_OBJECTIVE_HELP
    "  --json   one JSON object per alternative: rank, est_cycles, instances, utilization,\n"
    "           dram_bytes, layout_class, layout, pareto, proven, embedding; then a summary\n"
    "           object\n"
    "%s";

/* Does x dominate y (no cost larger, one smaller)? Cycles count only with a cycles
 * objective (without one est_cycles is 0 everywhere). */
static bool dominates(const enc_alt *x, const enc_alt *y, bool cyc) {
    bool le = x->instances <= y->instances && x->dram_bytes <= y->dram_bytes &&
              (!cyc || x->est_cycles <= y->est_cycles);
    bool lt = x->instances < y->instances || x->dram_bytes < y->dram_bytes ||
              (cyc && x->est_cycles < y->est_cycles);
    return le && lt;
}

int cmd_layouts(int argc, char **argv) {
    if (cli_want_help(argc, argv)) {
        printf(layouts_help, cli_common_help);
        return 0;
    }
    cli_opts c;
    cli_opts_init(&c);
    enc_options eo;
    enc_options_init(&eo);
    bool all = false;
    int rc = cmd_solve_parse("layouts", argc, argv, &c, &eo, NULL, &all, NULL);
    if (rc >= 0)
        return rc;
    costform_vta(&c.hw, &c.op, &eo.cf);
    bool cyc = enc_objective_uses_cycles(eo.objective);
    status st;
    status_init(&st);
    enc_alts a;
    bool done = enc_layouts(&c.op, HW_INTRINSIC(&c.hw), &eo, all, 0, &a, &st);
    if (enc_interrupted()) { /* the enumeration was cut short: no alternatives shown */
        if (done)
            enc_alts_free(&a);
        return cli_interrupted_exit("layouts", c.json, "enumeration stopped, no result");
    }
    if (!done)
        return cli_fail("layouts", &st);
    /* Pareto flags (for --all: points no other alternative dominates). */
    for (int i = 0; i < a.n; i++) {
        bool dom = false;
        for (int j = 0; j < a.n && !dom; j++)
            dom = j != i && dominates(&a.a[j], &a.a[i], cyc);
        for (int j = 0; j < i && !dom; j++)
            dom = a.a[j].instances == a.a[i].instances && a.a[j].dram_bytes == a.a[i].dram_bytes &&
                  (!cyc || a.a[j].est_cycles == a.a[i].est_cycles);
        const enc_alt *x = &a.a[i];
        if (c.json) {
            printf("{\"op\":");
            text_json_str(stdout, c.op.name);
            printf(",\"rank\":%d,\"est_cycles\":%.1f,\"instances\":%lld,\"utilization\":%.6f,\"dram_bytes\":%lld", i + 1,
                   x->est_cycles, (long long)x->instances, x->utilization, (long long)x->dram_bytes);
            printf(",\"layout_class\":");
            text_json_str(stdout, x->layout_class);
            printf(",\"layout\":");
            text_json_str(stdout, x->layout);
            printf(",\"pareto\":%s,\"proven\":%s,\"embedding\":", dom ? "false" : "true",
                   x->proven ? "true" : "false");
            emb_json(stdout, &c.op, &x->e);
            printf("}\n");
        } else {
            printf("%3d%s %12.0f cyc %12lld inst %6.1f%% %12lld B  %-24s %s\n", i + 1, dom ? " " : "*",
                   x->est_cycles, (long long)x->instances, 100.0 * x->utilization, (long long)x->dram_bytes,
                   x->layout_class, x->layout);
        }
    }
    if (c.json)
        printf("{\"op\":\"%s\",\"mode\":\"%s\",\"alternatives\":%d,\"lower_bound_instances\":%lld,"
               "\"solver_status\":\"%s\",\"solve_ms\":%.1f}\n",
               c.op.name, all ? "all" : "pareto", a.n, (long long)a.lower_bound_instances,
               enc_solver_status_name(a.solver_status), a.solve_ms);
    else
        printf("%d %s (lower bound %lld instances; enumeration %s, %.0f ms)%s\n", a.n,
               all ? "layout classes" : "Pareto points", (long long)a.lower_bound_instances,
               a.solver_status != ENC_SOLVER_SAT ? "incomplete: solver limit (raise --rlimit)" : "complete",
               a.solve_ms, all ? "; * = Pareto-optimal" : "");
    enc_alts_free(&a);
    return 0;
}
