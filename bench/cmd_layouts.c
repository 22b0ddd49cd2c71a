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

static const char layouts_help[] =
    "usage: embedsyn layouts (--op FILE | --conv SHAPE | --gemm SHAPE) [--hw FILE] [--all]\n"
    "         [--timeout S] [--rlimit N] [--json]\n\n"
    "Lists the Pareto front of (GEMM micro-op iterations, DRAM bytes) over the search\n"
    "space, fastest first; with --all the best embedding (instances, then bytes) of every\n"
    "layout class (swap + which dims feed which lane axis, Toeplitz compensations).\n"
    "  --json   one JSON object per alternative: rank, instances, utilization, dram_bytes,\n"
    "           layout_class, layout, pareto, proven, embedding; then a summary object\n"
    "%s";

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
    status st;
    status_init(&st);
    enc_alts a;
    bool done = enc_layouts(&c.op, &c.hw, &eo, all, 0, &a, &st);
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
            dom = j != i && a.a[j].instances <= a.a[i].instances &&
                  a.a[j].dram_bytes <= a.a[i].dram_bytes &&
                  (a.a[j].instances < a.a[i].instances || a.a[j].dram_bytes < a.a[i].dram_bytes);
        for (int j = 0; j < i && !dom; j++)
            dom = a.a[j].instances == a.a[i].instances && a.a[j].dram_bytes == a.a[i].dram_bytes;
        const enc_alt *x = &a.a[i];
        if (c.json) {
            printf("{\"op\":");
            cli_json_str(stdout, c.op.name);
            printf(",\"rank\":%d,\"instances\":%lld,\"utilization\":%.6f,\"dram_bytes\":%lld", i + 1,
                   (long long)x->instances, x->utilization, (long long)x->dram_bytes);
            printf(",\"layout_class\":");
            cli_json_str(stdout, x->layout_class);
            printf(",\"layout\":");
            cli_json_str(stdout, x->layout);
            printf(",\"pareto\":%s,\"proven\":%s,\"embedding\":", dom ? "false" : "true",
                   x->proven ? "true" : "false");
            emb_json(stdout, &c.op, &x->e);
            printf("}\n");
        } else {
            printf("%3d%s %12lld inst %6.1f%% %12lld B  %-24s %s\n", i + 1, dom ? " " : "*",
                   (long long)x->instances, 100.0 * x->utilization, (long long)x->dram_bytes,
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
