/* cmd_run: `embedsyn run` lowers an embedding (or the reference strategy) to a VTA
 * program, simulates it and checks the output against the plain C reference; the
 * shared option handling of run and compile lives here too (cmd_lower.h).
 * Exit status: 0 ok, 1 the check failed, 2 bad input or a lowering/simulation error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cmd_lower.h"
#include "bench/commands.h"
#include "core/spec.h"
#include "core/spec_emb.h"
#include "encoders/enc.h"
#include "vta/costform_vta.h"
#include "vta/refstrat.h"

static const char run_help[] =
    "usage: embedsyn run (--op F | --conv SHAPE | --gemm SHAPE | --suite F) [--hw F]\n"
    "                    [--embedding F.xml | --strategy reference|solve|im2col[:DIMS]] [--seed N]\n"
    "                    [--check | --check-sample N | --timing-only] [-o BUNDLE_DIR] [--strict]\n"
    "                    [--sched-candidates K] [--objective O] [--json]\n\n"
    "Lowers the embedding (default: the reference strategy, TVM's channel packing and\n"
    "tiling template) to a VTA program, runs it on the cycle simulator and reports cycles,\n"
    "GEMM counter, utilization, DRAM bytes and the layout.\n\n"
    "  --suite F        every operator of a suite, one result each (errors are results:\n"
    "                   {\"name\",\"error\"}; exit 1 if any failed)\n"
    "  --embedding F    embedding XML (format: core/schemas/embedding.xsd)\n"
    "  --strategy S     reference | solve (synthesize the optimal embedding with Z3, as\n"
    "                   `embedsyn solve` with its defaults) | im2col (all reduction\n"
    "                   dims) | im2col:c,s (those dims)\n"
    "  --seed N         seed of the random operands and of sampling (default 1)\n"
    "  --check          compare the whole output with the C reference (bit-exact)\n"
    "  --check-sample N compare N random output elements\n"
    "  --timing-only    simulate without data (large layers); check is skipped\n"
    "  -o DIR           also write the program bundle (dram.bin, program.xml, listing.txt)\n"
    "  --strict         leaving VTA's portable subset is an error\n"
    "  --sched-candidates K  schedules simulated to choose from (the K best by the cost\n"
    "                   model, plus the reference template's for channel packing);\n"
    "                   default 6, 1 = the cost model's pick alone (not for --strategy\n"
    "                   reference, which runs TVM's template pick)\n"
    ENC_OBJECTIVE_HELP "\n";

int bench_lower_parse(const char *cmd, const char *help, int argc, char **argv, bool is_run,
                      bench_lower_args *a) {
    memset(a, 0, sizeof *a);
    cli_opts_init(&a->c);
    driver_opts_init(&a->d);
    a->strategy = "reference";
    a->objective = ENC_OBJ_DEFAULT;
    if (cli_want_help(argc, argv)) {
        fputs(help, stdout);
        fputs(cli_common_help, stdout);
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        status st;
        status_init(&st);
        int t = cli_take_common(&a->c, argc, argv, &i, &st);
        if (t < 0) return cli_fail(cmd, &st);
        if (t > 0) {
            i--; /* cli_take_common left i on the next argument */
            continue;
        }
        const char *arg = argv[i];
        bool has_val = i + 1 < argc;
        if (!strcmp(arg, "--embedding") && has_val) {
            a->embedding = argv[++i];
        } else if (!strcmp(arg, "--strategy") && has_val) {
            a->strategy = argv[++i];
            if (strcmp(a->strategy, "reference") && strcmp(a->strategy, "solve") &&
                strncmp(a->strategy, "im2col", 6))
                return cli_usage_error(cmd, "--strategy must be reference, solve or im2col[:DIMS], got '%s'",
                                       a->strategy);
        } else if (!strcmp(arg, "--objective") && has_val) {
            enc_objective ob;
            if (!enc_objective_parse(argv[++i], &ob))
                return cli_usage_error(cmd, "bad --objective '%s' (see --help)", argv[i]);
            a->objective = (int)ob;
        } else if (!strcmp(arg, "--seed") && has_val) {
            char *end;
            a->d.seed = strtoull(argv[++i], &end, 10);
            if (*end) return cli_usage_error(cmd, "--seed needs a number, got '%s'", argv[i]);
        } else if (!strcmp(arg, "-o") && has_val) {
            a->out_dir = argv[++i];
        } else if (is_run && !strcmp(arg, "--check")) {
            a->d.check = true;
        } else if (is_run && !strcmp(arg, "--check-sample") && has_val) {
            char *end;
            a->d.check_sample = strtoll(argv[++i], &end, 10);
            if (*end || a->d.check_sample < 1)
                return cli_usage_error(cmd, "--check-sample needs a positive number, got '%s'", argv[i]);
        } else if (is_run && !strcmp(arg, "--timing-only")) {
            a->d.timing_only = true;
        } else if (is_run && !strcmp(arg, "--suite") && has_val) {
            a->suite = argv[++i];
        } else if (!strcmp(arg, "--strict")) {
            a->d.strict = true;
        } else if (!strcmp(arg, "--sched-candidates") && has_val) {
            char *end;
            long k = strtol(argv[++i], &end, 10);
            if (*end || k < 1 || k > SCHED_MAX_TOP)
                return cli_usage_error(cmd, "--sched-candidates needs a number in 1..%d, got '%s'", SCHED_MAX_TOP,
                                       argv[i]);
            a->d.sched_k = (int32_t)k;
        } else {
            return cli_usage_error(cmd, "unknown option '%s'", arg);
        }
    }
    if (a->suite && (a->c.have_op || a->embedding || a->out_dir))
        return cli_usage_error(cmd, "--suite excludes an operator, --embedding and -o");
    if (!a->c.have_op && !a->suite) return cli_usage_error(cmd, "an operator is required (--op, --conv or --gemm)");
    if (a->embedding && strcmp(a->strategy, "reference"))
        return cli_usage_error(cmd, "--embedding and --strategy exclude each other");
    if (a->d.timing_only && (a->d.check || a->d.check_sample))
        return cli_usage_error(cmd, "--timing-only has no data to check");
    if (!is_run && !a->out_dir) return cli_usage_error(cmd, "-o BUNDLE_DIR is required");
    a->d.bundle_dir = a->out_dir;
    return -1;
}

/* "c,r,s": every reduction dim of the operator, in dim order. */
static void reduction_dims(const op *o, char *buf, size_t len) {
    size_t k = 0;
    buf[0] = 0;
    for (int d = 0; d < o->ndims && k < len; d++)
        if (op_is_reduction(o, d)) {
            int w = snprintf(buf + k, len - k, "%s%s", k ? "," : "", o->dim_name[d]);
            if (w > 0) k += (size_t)w;
        }
}

bool bench_lower_exec(const bench_lower_args *a, driver_result *r, status *st) {
    const op *o = &a->c.op;
    const hw_config *hw = &a->c.hw;
    emb e;
    if (a->embedding) {
        if (!spec_load_emb(a->embedding, o, &e, st)) return false;
        return driver_run(o, hw, &e, &a->d, r, st);
    }
    if (!strcmp(a->strategy, "solve")) {
        enc_options eo;
        enc_options_init(&eo);
        eo.objective = (enc_objective)a->objective;
        costform_vta(hw, o, &eo.cf);
        enc_result er;
        if (!enc_solve(o, hw, &eo, &er, st)) return false;
        if (!er.found)
            return status_fail(st, "the solver found no embedding (solver status %s)", er.solver_status);
        return driver_run(o, hw, &er.e, &a->d, r, st);
    }
    if (!strncmp(a->strategy, "im2col", 6)) {
        char dims[64];
        if (a->strategy[6] == ':')
            snprintf(dims, sizeof dims, "%s", a->strategy + 7);
        else
            reduction_dims(o, dims, sizeof dims);
        if (!emb_im2col(o, hw, dims, &e, st)) return false;
        return driver_run(o, hw, &e, &a->d, r, st);
    }
    return driver_run_reference(o, hw, &a->d, r, st);
}

void bench_lower_print(FILE *f, const bench_lower_args *a, const driver_result *r, bool ran) {
    const sim_report *s = &r->sim;
    if (a->c.json) {
        fprintf(f, "{\"name\":");
        cli_json_str(f, a->c.op.name);
        fprintf(f, ",\"strategy\":");
        cli_json_str(f, a->embedding ? a->embedding : a->strategy);
        fprintf(f, ",\"cycles\":%llu", (unsigned long long)s->cycles);
#define RUN_JSON(c) fprintf(f, ",\"" #c "\":%llu", (unsigned long long)s->c);
        SIM_COUNTERS(RUN_JSON)
#undef RUN_JSON
        fprintf(f, ",\"busy\":{\"fetch\":%llu,\"load\":%llu,\"compute\":%llu,\"store\":%llu}",
                (unsigned long long)s->busy[SIM_FETCH], (unsigned long long)s->busy[SIM_LOAD],
                (unsigned long long)s->busy[SIM_COMPUTE], (unsigned long long)s->busy[SIM_STORE]);
        fprintf(f, ",\"insns\":%llu,\"instances\":%lld,\"utilization\":%.6f,\"dram_bytes\":%lld,\"layout\":",
                (unsigned long long)s->insns, (long long)r->instances, r->utilization, (long long)r->dram_bytes);
        cli_json_str(f, r->layout);
        fprintf(f, ",\"layout_class\":");
        cli_json_str(f, r->layout_class);
        fprintf(f, ",\"schedule\":");
        cli_json_str(f, r->schedule);
        fprintf(f, ",\"est_cycles\":%.0f,\"sched_candidates\":%d,\"sched_chosen\":%d,\"sched_template\":%s",
                r->est_cycles, (int)r->sched_tried, (int)r->sched_chosen, r->sched_template ? "true" : "false");
        fprintf(f, ",\"check\":");
        cli_json_str(f, r->check);
        if (r->check_msg[0]) {
            fprintf(f, ",\"check_msg\":");
            cli_json_str(f, r->check_msg);
        }
        fprintf(f, ",\"simulated\":%s,\"warnings\":%d,\"compile_ms\":%.3f,\"sim_ms\":%.3f}\n", ran ? "true" : "false",
                s->nwarnings, r->compile_ms, r->sim_ms);
        return;
    }
    fprintf(f, "%s: %s\n  layout: %s\n  schedule: %s\n", a->c.op.name, r->layout_class, r->layout, r->schedule);
    if (r->sched_tried > 1)
        fprintf(f, "  schedule chosen by simulation: candidate %d of %d%s\n", (int)r->sched_chosen + 1,
                (int)r->sched_tried, r->sched_template ? " (the reference template's)" : "");
    if (ran)
        fprintf(f, "  cycles %llu (estimate %.0f), gemm_counter %llu, utilization %.4f, dram_bytes %lld, check %s%s%s\n",
                (unsigned long long)s->cycles, r->est_cycles, (unsigned long long)s->gemm_counter, r->utilization,
                (long long)r->dram_bytes, r->check, r->check_msg[0] ? ": " : "", r->check_msg);
    if (s->nwarnings) fprintf(f, "  simulator warnings: %d (first: %s)\n", s->nwarnings, s->warning);
}

/* --suite: every operator in turn; an operator that cannot be lowered is reported and
 * counted as failed, the others still run. */
static int run_suite(bench_lower_args *a) {
    char name[128];
    op *ops = NULL;
    int nops = 0;
    status st;
    status_init(&st);
    if (!spec_load_suite(a->suite, name, sizeof name, &ops, &nops, &st)) return cli_fail("run", &st);
    int failed = 0;
    for (int i = 0; i < nops; i++) {
        a->c.op = ops[i];
        a->c.have_op = true;
        driver_result r;
        status_init(&st);
        if (!bench_lower_exec(a, &r, &st)) {
            failed++;
            if (a->c.json) {
                printf("{\"name\":");
                cli_json_str(stdout, ops[i].name);
                printf(",\"strategy\":");
                cli_json_str(stdout, a->strategy);
                printf(",\"error\":");
                cli_json_str(stdout, st.msg);
                printf("}\n");
            } else {
                printf("%s: error: %s\n", ops[i].name, st.msg);
            }
        } else {
            bench_lower_print(stdout, a, &r, true);
            failed += !strcmp(r.check, "fail");
        }
        fflush(stdout);
    }
    free(ops);
    return failed ? 1 : 0;
}

int cmd_run(int argc, char **argv) {
    bench_lower_args a;
    int rc = bench_lower_parse("run", run_help, argc, argv, true, &a);
    if (rc >= 0) return rc;
    if (a.suite) return run_suite(&a);
    driver_result r;
    status st;
    status_init(&st);
    if (!bench_lower_exec(&a, &r, &st)) return cli_fail("run", &st);
    bench_lower_print(stdout, &a, &r, true);
    return strcmp(r.check, "fail") ? 0 : 1;
}
