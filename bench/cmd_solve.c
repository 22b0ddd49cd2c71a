/* cmd_solve: `embedsyn solve` synthesizes the optimal embedding of one operator with Z3
 * (encoders/enc.h), optionally proves it and exports the proof as SMT-LIB2, and writes
 * the embedding as XML. Invariant: solver outcomes (unknown, timeout) are results
 * (exit 0, status "unknown"); bad input exits 2. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cli.h"
#include "bench/commands.h"
#include "encoders/enc.h"

static const char solve_help[] =
    "usage: embedsyn solve (--op FILE | --conv SHAPE | --gemm SHAPE) [--hw FILE]\n"
    "         [--objective utilization|layout|lex:utilization,layout] [--prove]\n"
    "         [--smt2 FILE] [--timeout S] [--rlimit N] [--json] [-o EMB.xml]\n\n"
    "Finds the best embedding of the operator into VTA's GEMM instruction over the\n"
    "search space of the README (section Synthesis) with Z3.\n"
    "  --objective O   utilization: fewest GEMM micro-op iterations (instances);\n"
    "                  layout: fewest DRAM bytes of the packed operands;\n"
    "                  lex:utilization,layout (default): instances, then bytes\n"
    "  --prove         prove the optimum with the solver (UNSAT of 'better than');\n"
    "                  without it an optimum that meets the scalar lower bound is\n"
    "                  taken as proven by the bound\n"
    "  --smt2 FILE     write the proof query (SMT-LIB2, QF_BV; expected unsat)\n"
    "  --timeout S     wall-clock limit in seconds (result 'unknown' with the best so far)\n"
    "  --rlimit N      Z3 resource limit for the whole query (deterministic; default %llu)\n"
    "  -o FILE         write the embedding as XML (embedding.xsd)\n"
    "  --json          one JSON object: instances, utilization, lower_bound_instances,\n"
    "                  dram_bytes, layout, layout_class, proof, global, solver_status,\n"
    "                  solve_ms, embedding\n"
    "%s";

static bool parse_u64(const char *s, uint64_t *v) {
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno || *s == '\0' || *end != '\0' || *s == '-')
        return false;
    *v = (uint64_t)x;
    return true;
}

static bool parse_secs(const char *s, double *v) {
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (errno || *s == '\0' || *end != '\0' || !(x > 0) || x > 1e6)
        return false;
    *v = x;
    return true;
}

/* Parses the options shared by solve and layouts; returns -1 on success, else the
 * exit status. */
int cmd_solve_parse(const char *cmd, int argc, char **argv, cli_opts *c, enc_options *eo,
                    const char **out_xml, bool *all) {
    status st;
    status_init(&st);
    for (int i = 1; i < argc;) {
        int r = cli_take_common(c, argc, argv, &i, &st);
        if (r < 0)
            return cli_fail(cmd, &st);
        if (r > 0)
            continue; /* i is past the option already */
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--prove")) {
            eo->prove = true;
        } else if (all && !strcmp(a, "--all")) {
            *all = true;
        } else if (!strcmp(a, "--objective") || !strcmp(a, "--smt2") || !strcmp(a, "--timeout") ||
                   !strcmp(a, "--rlimit") || (out_xml && !strcmp(a, "-o"))) {
            if (!val)
                return cli_usage_error(cmd, "option %s needs a value", a);
            i++;
            if (!strcmp(a, "--objective")) {
                if (!enc_objective_parse(val, &eo->objective))
                    return cli_usage_error(cmd, "bad --objective '%s' (utilization, layout or lex:utilization,layout)", val);
            } else if (!strcmp(a, "--smt2")) {
                eo->smt2_path = val;
                eo->prove = true;
            } else if (!strcmp(a, "--timeout")) {
                if (!parse_secs(val, &eo->timeout_s))
                    return cli_usage_error(cmd, "bad --timeout '%s' (seconds > 0)", val);
            } else if (!strcmp(a, "--rlimit")) {
                if (!parse_u64(val, &eo->rlimit) || eo->rlimit == 0)
                    return cli_usage_error(cmd, "bad --rlimit '%s' (integer > 0)", val);
            } else {
                *out_xml = val;
            }
        } else {
            return cli_usage_error(cmd, "unknown option '%s' (see --help)", a);
        }
        i++;
    }
    if (!c->have_op)
        return cli_usage_error(cmd, "no operator (use --op FILE, --conv SHAPE or --gemm SHAPE)");
    return -1;
}

int cmd_solve(int argc, char **argv) {
    if (cli_want_help(argc, argv)) {
        printf(solve_help, (unsigned long long)ENC_DEFAULT_RLIMIT, cli_common_help);
        return 0;
    }
    cli_opts c;
    cli_opts_init(&c);
    enc_options eo;
    enc_options_init(&eo);
    const char *out_xml = NULL;
    int rc = cmd_solve_parse("solve", argc, argv, &c, &eo, &out_xml, NULL);
    if (rc >= 0)
        return rc;
    status st;
    status_init(&st);
    enc_result r;
    bool ok = enc_solve(&c.op, &c.hw, &eo, &r, &st);
    if (!ok && !r.found)
        return cli_fail("solve", &st);
    if (out_xml && r.found) {
        FILE *f = fopen(out_xml, "w");
        if (!f) {
            status_fail(&st, "%s: cannot write embedding", out_xml);
            return cli_fail("solve", &st);
        }
        emb_write_xml(f, &c.op, &r.e);
        fclose(f);
    }
    if (c.json) {
        printf("{\"op\":");
        cli_json_str(stdout, c.op.name);
        printf(",\"objective\":\"%s\",\"found\":%s", enc_objective_name(eo.objective),
               r.found ? "true" : "false");
        printf(",\"instances\":%lld,\"utilization\":%.6f,\"lower_bound_instances\":%lld",
               (long long)r.instances, r.utilization, (long long)r.lower_bound_instances);
        printf(",\"dram_bytes\":%lld,\"layout\":", (long long)r.dram_bytes);
        cli_json_str(stdout, r.layout);
        printf(",\"layout_class\":");
        cli_json_str(stdout, r.layout_class);
        printf(",\"proof\":\"%s\",\"global\":%s,\"solver_status\":\"%s\",\"solve_ms\":%.1f",
               r.proof, r.global ? "true" : "false", r.solver_status, r.solve_ms);
        if (r.found) {
            printf(",\"embedding\":");
            emb_json(stdout, &c.op, &r.e);
        }
        printf("}\n");
    } else if (!r.found) {
        printf("%s: no embedding found (solver status %s, %.0f ms)\n", c.op.name, r.solver_status,
               r.solve_ms);
    } else {
        printf("%s: %s\n", c.op.name, r.layout);
        printf("  class %s, instances %lld (lower bound %lld%s), utilization %.1f%%\n",
               r.layout_class, (long long)r.instances, (long long)r.lower_bound_instances,
               r.global ? ", met: globally optimal" : "", 100.0 * r.utilization);
        printf("  DRAM bytes %lld, objective %s, proof %s, solver %s, %.0f ms\n",
               (long long)r.dram_bytes, enc_objective_name(eo.objective), r.proof,
               r.solver_status, r.solve_ms);
    }
    if (!ok)
        return cli_fail("solve", &st);
    return 0;
}
