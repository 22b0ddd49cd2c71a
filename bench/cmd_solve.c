/* cmd_solve: `embedsyn solve` synthesizes the optimal embedding of one operator with Z3
 * (encoders/enc.h), optionally proves it and exports the proof as SMT-LIB2, and writes
 * the embedding as XML. Invariant: solver outcomes (unknown, timeout) are results
 * (exit 0, status "unknown"); bad input exits 2. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cli.h"
#include "bench/cmd_solve.h"
#include "bench/commands.h"
#include "core/spec.h"
#include "encoders/enc.h"
#include "vta/costform_vta.h"

static const char solve_help[] =
    "usage: embedsyn solve (--op FILE | --conv SHAPE | --gemm SHAPE | --suite FILE) [--hw FILE]\n"
    "         [--objective O] [--prove] [--plain-proof] [--enumerate]\n"
    "         [--smt2 FILE] [--timeout S] [--rlimit N] [--json] [-o EMB.xml]\n\n"
    "Finds the best embedding of the operator into VTA's GEMM instruction over the\n"
    "search space of the README (section Synthesis) with Z3.\n"
    ENC_OBJECTIVE_HELP
    "  --prove         prove the optimum with the solver (UNSAT of 'better than');\n"
    "                  without it an optimum that meets the scalar lower bound is\n"
    "                  taken as proven by the bound; a cycles optimum found by the\n"
    "                  C seed that meets the theorem bound of the estimate is always\n"
    "                  proven by that bound (the solver's query would be 'false')\n"
    "  --plain-proof   no such shortcut: run the solver's checks anyway (comparisons)\n"
    "  --enumerate     without --prove: when the space is small enough, take the\n"
    "                  optimum from an exhaustive enumeration of it in C, with no\n"
    "                  solver check (proof 'enumerated'; what dse does); else as usual\n"
    "  --smt2 FILE     write the proof query (SMT-LIB2, QF_BV; expected unsat)\n"
    "  --timeout S     wall-clock limit in seconds (result 'unknown' with the best so far)\n"
    "  --rlimit N      Z3 resource limit for the whole query (deterministic; default %llu)\n"
    "  -o FILE         write the embedding as XML (embedding.xsd)\n"
    "  --suite FILE    solve every operator of a suite (one line / JSON object each;\n"
    "                  -o and --smt2 not allowed)\n"
    "  --json          one JSON object: instances, utilization, lower_bound_instances,\n"
    "                  dram_bytes, layout, layout_class, proof, global, solver_status,\n"
    "                  solve_ms, solve_cpu_ms, rlimit_used, needs_transform,\n"
    "                  dup_factor, bytes, embedding\n"
    "%s";

static bool parse_secs(const char *s, double *v) {
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (errno || *s == '\0' || *end != '\0' || !(x > 0) || x > 1e6)
        return false;
    *v = x;
    return true;
}

int cmd_solve_parse(const char *cmd, int argc, char **argv, cli_opts *c, enc_options *eo,
                    const char **out_xml, bool *all, const char **suite) {
    status st;
    status_init(&st);
    eo->objective = ENC_OBJ_DEFAULT;
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
        } else if (!strcmp(a, "--plain-proof")) {
            eo->plain_proof = true;
        } else if (suite && !strcmp(a, "--enumerate")) { /* solve only */
            eo->enumerate = true;
        } else if (all && !strcmp(a, "--all")) {
            *all = true;
        } else if (!strcmp(a, "--objective") || !strcmp(a, "--smt2") || !strcmp(a, "--timeout") ||
                   !strcmp(a, "--rlimit") || (out_xml && !strcmp(a, "-o")) ||
                   (suite && !strcmp(a, "--suite"))) {
            if (!val)
                return cli_usage_error(cmd, "option %s needs a value", a);
            i++;
            if (!strcmp(a, "--objective")) {
                if (!enc_objective_parse(val, &eo->objective))
                    return cli_usage_error(cmd, "bad --objective '%s' (see --help)", val);
            } else if (!strcmp(a, "--smt2")) {
                eo->smt2_path = val;
                eo->prove = true;
            } else if (!strcmp(a, "--timeout")) {
                if (!parse_secs(val, &eo->timeout_s))
                    return cli_usage_error(cmd, "bad --timeout '%s' (seconds > 0)", val);
            } else if (!strcmp(a, "--rlimit")) {
                if (!cli_parse_u64(val, &eo->rlimit) || eo->rlimit == 0)
                    return cli_usage_error(cmd, "bad --rlimit '%s' (integer > 0)", val);
            } else if (!strcmp(a, "--suite")) {
                *suite = val;
            } else {
                *out_xml = val;
            }
        } else {
            return cli_usage_error(cmd, "unknown option '%s' (see --help)", a);
        }
        i++;
    }
    if (suite && *suite) {
        if (c->have_op)
            return cli_usage_error(cmd, "--suite and an operator option exclude each other");
        if ((out_xml && *out_xml) || eo->smt2_path)
            return cli_usage_error(cmd, "-o and --smt2 need a single operator, not --suite");
        return -1;
    }
    if (!c->have_op)
        return cli_usage_error(cmd, "no operator (use --op FILE, --conv SHAPE or --gemm SHAPE)");
    return -1;
}

/* Solves and prints one operator; returns the exit status. */
static int solve_one(const op *o, const cli_opts *c, enc_options *eo, const char *out_xml) {
    status st;
    status_init(&st);
    enc_result r;
    costform_vta(&c->hw, o, &eo->cf);
    bool ok = enc_solve(o, HW_INTRINSIC(&c->hw), eo, &r, &st);
    if (enc_interrupted()) /* the search was cut short: no result, no -o file */
        return cli_interrupted_exit("solve", c->json, "search stopped, no result");
    if (!ok && !r.found)
        return cli_fail("solve", &st);
    if (out_xml && r.found) {
        FILE *f = fopen(out_xml, "w");
        if (!f) {
            status_fail(&st, "%s: cannot write embedding", out_xml);
            return cli_fail("solve", &st);
        }
        emb_write_xml(f, o, &r.e);
        fclose(f);
    }
    if (c->json) {
        printf("{\"op\":");
        text_json_str(stdout, o->name);
        printf(",\"tags\":");
        text_json_str(stdout, o->tags);
        char sum[256];
        op_summary(o, sum, sizeof sum);
        printf(",\"shape\":");
        text_json_str(stdout, sum);
        if (o->kind == OP_CONV2D || o->kind == OP_DEPTHWISE)
            printf(",\"C\":%lld,\"K\":%lld", (long long)o->conv.c, (long long)o->conv.k);
        if (o->kind == OP_GEMM)
            printf(",\"M\":%lld,\"N\":%lld,\"K\":%lld", (long long)o->gemm.m,
                   (long long)o->gemm.n, (long long)o->gemm.k);
        printf(",\"objective\":\"%s\",\"found\":%s", enc_objective_name(eo->objective),
               r.found ? "true" : "false");
        printf(",\"instances\":%lld,\"utilization\":%.6f,\"lower_bound_instances\":%lld",
               (long long)r.instances, r.utilization, (long long)r.lower_bound_instances);
        printf(",\"dram_bytes\":%lld,\"est_cycles\":%.1f,\"layout\":", (long long)r.dram_bytes,
               r.est_cycles);
        text_json_str(stdout, r.layout);
        printf(",\"layout_class\":");
        text_json_str(stdout, r.layout_class);
        printf(",\"proof\":\"%s\",\"global\":%s,\"solver_status\":\"%s\",\"solve_ms\":%.1f",
               enc_proof_name(r.proof), r.global ? "true" : "false", enc_solver_status_name(r.solver_status),
               r.solve_ms);
        printf(",\"solve_cpu_ms\":%.1f,\"rlimit_used\":%llu", r.solve_cpu_ms,
               (unsigned long long)r.rlimit_used);
        if (r.found) {
            enc_layout_info li;
            enc_result_layout(o, HW_INTRINSIC(&c->hw), &r.e, &li);
            printf(",\"needs_transform\":%s,\"dup_factor\":%.4f,\"bytes\":{\"inp\":%lld,"
                   "\"wgt\":%lld,\"out\":%lld}",
                   li.needs_transform ? "true" : "false", li.dup_factor, (long long)li.bytes[0],
                   (long long)li.bytes[1], (long long)li.bytes[2]);
            printf(",\"embedding\":");
            emb_json(stdout, o, &r.e);
        }
        printf("}\n");
    } else if (!r.found) {
        printf("%s: no embedding found (solver status %s, %.0f ms)\n", o->name,
               enc_solver_status_name(r.solver_status),
               r.solve_ms);
    } else {
        printf("%s: %s\n", o->name, r.layout);
        printf("  class %s, instances %lld (lower bound %lld%s), utilization %.1f%%\n",
               r.layout_class, (long long)r.instances, (long long)r.lower_bound_instances,
               r.global ? ", met: globally optimal" : "", 100.0 * r.utilization);
        printf("  DRAM bytes %lld, estimated cycles %.0f, objective %s, proof %s, solver %s, %.0f ms\n",
               (long long)r.dram_bytes, r.est_cycles, enc_objective_name(eo->objective), enc_proof_name(r.proof),
               enc_solver_status_name(r.solver_status), r.solve_ms);
    }
    fflush(stdout);
    if (!ok)
        return cli_fail("solve", &st);
    return 0;
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
    const char *out_xml = NULL, *suite = NULL;
    int rc = cmd_solve_parse("solve", argc, argv, &c, &eo, &out_xml, NULL, &suite);
    if (rc >= 0)
        return rc;
    if (!suite)
        return solve_one(&c.op, &c, &eo, out_xml);
    status st;
    status_init(&st);
    char name[128];
    op *ops = NULL;
    int n = 0;
    if (!spec_load_suite(suite, name, sizeof name, &ops, &n, &st))
        return cli_fail("solve", &st);
    int worst = 0;
    for (int i = 0; i < n; i++) {
        int r = solve_one(&ops[i], &c, &eo, NULL);
        if (r > worst)
            worst = r;
        if (enc_interrupted())
            break;
    }
    free(ops);
    return worst;
}
