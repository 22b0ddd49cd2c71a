/* cmd_run: `embedsyn run` lowers an embedding (or the reference strategy) to a VTA
 * program, simulates it and checks the output against the plain C reference; the
 * shared option handling of run and compile lives here too (cmd_lower.h).
 * Exit status: 0 ok, 1 the check failed, 2 bad input or a lowering/simulation error. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cmd_lower.h"
#include "bench/commands.h"
#include "core/spec.h"
#include "core/spec_emb.h"
#include "core/text.h"
#include "encoders/enc.h"
#include "vta/target.h"

static const char run_help[] =
    "usage: embedsyn run (--op F | --conv SHAPE | --gemm SHAPE | --suite F) [--hw F]\n"
    "                    [--embedding F.xml | --strategy reference|solve|portfolio|im2col[:DIMS]]\n"
    "                    [--seed N]\n"
    "                    [--check | --check-sample N | --timing-only] [-o BUNDLE_DIR] [--strict]\n"
    "                    [--sched-candidates K] [--input-layout L] [--json]\n\n"
    "Lowers the embedding (default: the reference strategy, TVM's channel packing and\n"
    "tiling template) to a VTA program, runs it on the cycle simulator and reports cycles,\n"
    "GEMM counter, utilization, DRAM bytes and the layout.\n\n"
    "  --suite F        every operator of a suite (a MAESTRO network F.m too), one result\n"
    "                   each (errors are results: {\"name\",\"error\"}; exit 1 if any failed)\n"
    "  --embedding F    embedding XML (format: core/schemas/embedding.xsd)\n"
    "  --strategy S     reference | solve (synthesize the optimal embedding with Z3, as\n"
    "                   `embedsyn solve` with its defaults) | portfolio (the solver's\n"
    "                   optimum, or channel packing when it is as utilization-optimal and\n"
    "                   simulates fewer cycles: what `embedsyn bench` runs) | im2col (all\n"
    "                   reduction dims) | im2col:c,s (those dims)\n"
    "  --seed N         seed of the random operands and of sampling (default 1)\n"
    "  --check          compare the whole output with the C reference (bit-exact)\n"
    "  --check-sample N compare N random output elements\n"
    "  --timing-only    simulate without data (large layers); check is skipped\n"
    "  -o DIR           also write the program bundle (dram.bin, program.xml, listing.txt);\n"
    "                   with --suite, one per operator: DIR/NAME\n"
    "  --strict         leaving VTA's portable subset is an error\n"
    "  --sched-candidates K  schedules simulated to choose from (the K best by the cost\n"
    "                   model, plus the reference template's for channel packing);\n"
    "                   default 6, 1 = the cost model's pick alone (not for --strategy\n"
    "                   reference, which runs TVM's template pick)\n"
    INPUT_LAYOUT_HELP
    ENC_OBJECTIVE_HELP "\n";

/* Option codes of run and compile (long-only options from CLI_OPT_CMD). */
enum {
    OPT_EMBEDDING = CLI_OPT_CMD,
    OPT_STRATEGY,
    OPT_SEED,
    OPT_CHECK,
    OPT_CHECK_SAMPLE,
    OPT_TIMING_ONLY,
    OPT_SUITE,
    OPT_STRICT,
    OPT_SCHED_K,
    OPT_OBJECTIVE,
    OPT_INPUT_LAYOUT
};

/* The option table of run; compile takes the same minus the run-only rows. */
static const struct option lower_options[] = {
    CLI_COMMON_LONGOPTS,
    {"embedding", required_argument, NULL, OPT_EMBEDDING},
    {"strategy", required_argument, NULL, OPT_STRATEGY},
    {"seed", required_argument, NULL, OPT_SEED},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"sched-candidates", required_argument, NULL, OPT_SCHED_K},
    {"objective", required_argument, NULL, OPT_OBJECTIVE},
    {"input-layout", required_argument, NULL, OPT_INPUT_LAYOUT},
    {"suite", required_argument, NULL, OPT_SUITE},
    {"check", no_argument, NULL, OPT_CHECK},                 /* run only from here on */
    {"check-sample", required_argument, NULL, OPT_CHECK_SAMPLE},
    {"timing-only", no_argument, NULL, OPT_TIMING_ONLY},
    {NULL, 0, NULL, 0},
};
#define LOWER_RUN_ONLY 3 /* rows at the end of lower_options that compile does not take */

/* One option's value into a; -1 when applied, else the exit status. */
static int lower_take(const char *cmd, int code, const char *v, bench_lower_args *a) {
    status st;
    status_init(&st);
    uint64_t u;
    switch (code) {
    case OPT_EMBEDDING:
        a->embedding = v;
        break;
    case OPT_STRATEGY:
        a->strategy = v;
        if (!driver_strategy_parse(v, &a->strat, &st) || a->strat.kind == DRV_FILE)
            return cli_usage_error(cmd, "--strategy must be reference, solve, portfolio or im2col[:DIMS], got '%s'", v);
        break;
    case OPT_OBJECTIVE: {
        enc_objective ob;
        if (!enc_objective_parse(v, &ob)) return cli_usage_error(cmd, "bad --objective '%s' (see --help)", v);
        a->objective = (int)ob;
        break;
    }
    case OPT_INPUT_LAYOUT:
        if (!target_act_parse(v, &a->d.act))
            return cli_usage_error(cmd, "--input-layout must be free, compact or padded, got '%s'", v);
        break;
    case OPT_SEED:
        if (!cli_parse_u64(v, &a->d.seed)) return cli_usage_error(cmd, "--seed needs a number, got '%s'", v);
        break;
    case 'o':
        a->out_dir = v;
        break;
    case OPT_CHECK:
        a->d.check = true;
        break;
    case OPT_CHECK_SAMPLE:
        if (!cli_parse_u64(v, &u) || u < 1 || u > INT64_MAX)
            return cli_usage_error(cmd, "--check-sample needs a positive number, got '%s'", v);
        a->d.check_sample = (int64_t)u;
        break;
    case OPT_TIMING_ONLY:
        a->d.timing_only = true;
        break;
    case OPT_SUITE:
        a->suite = v;
        break;
    case OPT_STRICT:
        a->d.strict = true;
        break;
    case OPT_SCHED_K:
        if (!cli_parse_u64(v, &u) || u < 1 || u > (uint64_t)target_default()->max_sched_k)
            return cli_usage_error(cmd, "--sched-candidates needs a number in 1..%d, got '%s'",
                                   target_default()->max_sched_k, v);
        a->d.sched_k = (int32_t)u;
        break;
    default:
        if (cli_common_opt(&a->c, code, v, &st) < 0) return cli_fail(cmd, &st);
        break;
    }
    return -1;
}

int bench_lower_parse(const char *cmd, const char *help, int argc, char **argv, bool is_run,
                      bench_lower_args *a) {
    memset(a, 0, sizeof *a);
    cli_opts_init(&a->c);
    driver_opts_init(&a->d);
    a->strategy = "reference";
    driver_strategy_init(&a->strat, DRV_REFERENCE);
    a->objective = -1;
    if (cli_help(argc, argv, help, cli_common_help))
        return 0;
    struct option opts[sizeof lower_options / sizeof *lower_options];
    memcpy(opts, lower_options, sizeof opts);
    if (!is_run) opts[sizeof opts / sizeof *opts - 1 - LOWER_RUN_ONLY] = opts[sizeof opts / sizeof *opts - 1];
    opterr = 0;
    optind = 0; /* glibc: a full re-initialization */
    int code;
    while ((code = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
        if (code == '?' || code == ':') return cli_getopt_error(cmd, code, argc, argv);
        int rc = lower_take(cmd, code, optarg, a);
        if (rc >= 0) return rc;
    }
    if (optind < argc) return cli_usage_error(cmd, "unknown option '%s'", argv[optind]);
    if (a->suite && (a->c.have_op || a->embedding))
        return cli_usage_error(cmd, "--suite excludes an operator and --embedding");
    if (!a->c.have_op && !a->suite) return cli_usage_error(cmd, "an operator is required (--op, --conv or --gemm)");
    if (a->embedding && a->strat.kind != DRV_REFERENCE)
        return cli_usage_error(cmd, "--embedding and --strategy exclude each other");
    if (a->embedding) {
        a->strat.kind = DRV_FILE;
        a->strat.file = a->embedding;
    }
    if (a->d.timing_only && (a->d.check || a->d.check_sample))
        return cli_usage_error(cmd, "--timing-only has no data to check");
    if (!is_run && !a->out_dir) return cli_usage_error(cmd, "-o BUNDLE_DIR is required");
    a->d.bundle_dir = a->out_dir;
    if (a->objective >= 0) a->strat.enc.objective = (enc_objective)a->objective;
    return -1;
}

bool bench_lower_exec(const bench_lower_args *a, driver_result *r, status *st) {
    return driver_run_strategy(&a->c.op, &a->c.hw, &a->strat, &a->d, r, st);
}

void bench_lower_print(FILE *f, const bench_lower_args *a, const driver_result *r, bool ran) {
    const sim_report *s = &r->sim;
    if (a->c.json) {
        fprintf(f, "{\"name\":");
        text_json_str(f, a->c.op.name);
        fprintf(f, ",\"strategy\":");
        text_json_str(f, a->embedding ? a->embedding : a->strategy);
        if (ran) {
            fprintf(f, ",\"cycles\":%llu", (unsigned long long)s->cycles);
#define RUN_JSON(c) fprintf(f, ",\"" #c "\":%llu", (unsigned long long)s->c);
            SIM_COUNTERS(RUN_JSON)
#undef RUN_JSON
            fprintf(f, ",\"busy\":{\"fetch\":%llu,\"load\":%llu,\"compute\":%llu,\"store\":%llu}",
                    (unsigned long long)s->busy[SIM_FETCH], (unsigned long long)s->busy[SIM_LOAD],
                    (unsigned long long)s->busy[SIM_COMPUTE], (unsigned long long)s->busy[SIM_STORE]);
        } else { /* compile: not simulated, so no cycles (not 0) */
            fprintf(f, ",\"cycles\":null");
        }
        if (ran)
            fprintf(f, ",\"insns\":%llu", (unsigned long long)s->insns);
        fprintf(f, ",\"instances\":%lld,\"utilization\":%.6f,\"dram_bytes\":%lld,\"layout\":",
                (long long)r->instances, r->utilization, (long long)r->dram_bytes);
        text_json_str(f, r->layout);
        fprintf(f, ",\"layout_class\":");
        text_json_str(f, r->layout_class);
        fprintf(f, ",\"emb_choice\":");
        text_json_str(f, driver_choice_name(r->choice));
        fprintf(f, ",\"schedule\":");
        text_json_str(f, r->schedule);
        fprintf(f, ",\"input_layout\":");
        text_json_str(f, target_act_name(r->input_layout));
        fprintf(f, ",\"est_cycles\":%.0f,\"sched_candidates\":%d,\"sched_chosen\":%d,\"sched_template\":%s",
                r->est_cycles, (int)r->sched_tried, (int)r->sched_chosen, r->sched_template ? "true" : "false");
        fprintf(f, ",\"check\":");
        text_json_str(f, driver_check_name(r->check));
        if (r->check_msg[0]) {
            fprintf(f, ",\"check_msg\":");
            text_json_str(f, r->check_msg);
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
                (long long)r->dram_bytes, driver_check_name(r->check), r->check_msg[0] ? ": " : "", r->check_msg);
    if (s->nwarnings) fprintf(f, "  simulator warnings: %d (first: %s)\n", s->nwarnings, s->warning);
}

/* With -o DIR, operator o's bundle directory DIR/NAME (false when the name cannot be
 * one path component). */
static bool suite_bundle_dir(const bench_lower_args *a, const op *o, char *path, size_t len, status *st) {
    if (!a->out_dir) return true;
    if (!o->name[0] || strchr(o->name, '/') || !strcmp(o->name, ".") || !strcmp(o->name, ".."))
        return status_fail(st, "operator name '%s' cannot name a bundle directory", o->name);
    if (snprintf(path, len, "%s/%s", a->out_dir, o->name) >= (int)len)
        return status_fail(st, "%s/%s: path too long", a->out_dir, o->name);
    return true;
}

/* --suite: every operator in turn (run: simulated; compile: its bundle only); an
 * operator that cannot be lowered is reported and counted as failed, the others still
 * run. */
int bench_lower_suite(const char *cmd, bench_lower_args *a, bool ran) {
    char name[128], dir[4096];
    op *ops = NULL;
    int nops = 0;
    status st;
    status_init(&st);
    if (!spec_load_suite(a->suite, name, sizeof name, &ops, &nops, &st)) return cli_fail(cmd, &st);
    int failed = 0;
    for (int i = 0; i < nops; i++) {
        a->c.op = ops[i];
        a->c.have_op = true;
        driver_result r;
        status_init(&st);
        bool ok = suite_bundle_dir(a, &ops[i], dir, sizeof dir, &st);
        a->d.bundle_dir = a->out_dir ? dir : NULL;
        if (!ok || !bench_lower_exec(a, &r, &st)) {
            failed++;
            if (a->c.json) {
                printf("{\"name\":");
                text_json_str(stdout, ops[i].name);
                printf(",\"strategy\":");
                text_json_str(stdout, a->strategy);
                printf(",\"error\":");
                text_json_str(stdout, st.msg);
                printf("}\n");
            } else {
                printf("%s: error: %s\n", ops[i].name, st.msg);
            }
        } else {
            bench_lower_print(stdout, a, &r, ran);
            failed += r.check == DRV_CHECK_FAIL;
        }
        fflush(stdout);
        if (cli_interrupted()) break;
    }
    free(ops);
    return cli_interrupted() ? cli_interrupted_exit(cmd, a->c.json, "stopped by a signal") : failed ? 1 : 0;
}

int cmd_run(int argc, char **argv) {
    bench_lower_args a;
    int rc = bench_lower_parse("run", run_help, argc, argv, true, &a);
    if (rc >= 0) return rc;
    if (a.suite) return bench_lower_suite("run", &a, true);
    driver_result r;
    status st;
    status_init(&st);
    if (!bench_lower_exec(&a, &r, &st)) return cli_fail("run", &st);
    bench_lower_print(stdout, &a, &r, true);
    return r.check == DRV_CHECK_FAIL ? 1 : 0;
}
