/* cmd_net: `embedsyn net` compiles, simulates and checks a whole network (see
 * bench/cmd_net.h for the flow). Exit status: 0 ok, 1 the check failed, 2 bad input
 * (the message names the file and node) or usage. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench/cli.h"
#include "bench/cmd_net.h"
#include "bench/commands.h"
#include "core/onnx.h"
#include "core/spec.h"
#include "core/text.h"

static const char net_help[] =
    "usage: embedsyn net MODEL.onnx [--input-shape N,C,H,W] [--strategy embedsyn|reference]\n"
    "         [--check] [--timing-only] [--out DIR] [--json] [--seed S] [--suite FILE.xml]\n"
    "         [--hw FILE] [--alts N] [--rlimit N] [--timeout S] [--placement graph-pack|all]\n"
    "         [--cache FILE] [--jobs N] [--one-program [--bundle DIR]]\n"
    "       embedsyn net --builtin NAME [options]\n\n"
    "Compiles a quantized network for VTA and simulates it: every conv and dense layer\n"
    "through the one-layer pipeline (embedding, schedule, program, simulator), the other\n"
    "nodes on the host (their work counted in bytes and integer operations), and each\n"
    "activation between two layers through a priced layout transition (same layout: 0;\n"
    "the producer STOREs straight into the consumer's layout: the extra stores; else a\n"
    "re-layout copy at bus speed). Host nodes read and write the channel-packed layout.\n"
    "The layers' layouts are chosen jointly, minimizing total cycles exactly over each\n"
    "layer's alternatives (variable elimination; status optimal or heuristic).\n"
    "The layer programs run one after the other on the simulator (one DRAM image each);\n"
    "the transitions are priced, not simulated; with --one-program the chosen layers\n"
    "become one program on one DRAM image instead (below).\n\n"
    "  MODEL.onnx          the network (see core/onnx.h for the supported operators)\n"
    "  --builtin NAME      a small network built in C instead: " NETRUN_BUILTINS "\n"
    "  --input-shape SHAPE static input shape (N,C,H,W or N,F) for dynamic models\n"
    "  --strategy S        embedsyn (default): per layer the reference flow's embedding,\n"
    "                      the solver's (cycles objective), channel packing, im2col and,\n"
    "                      for depthwise convs, the group band (channel-packed in and out),\n"
    "                      each also with its input's zero bands kept in DRAM when that\n"
    "                      runs faster (input_layout padded; else compact: DMA padding),\n"
    "                      chosen jointly (never above the reference flow's total on the\n"
    "                      same placement); reference: TVM's graph_pack flow (channel\n"
    "                      packing everywhere, the first conv and the final dense on the host)\n"
    "  --placement P       graph-pack (default): the reference flow's VTA layers (the first\n"
    "                      conv and the final dense on the host), so both flows compare;\n"
    "                      all: every conv and dense layer on VTA (embedsyn flow only)\n"
    "  --check             run with data and compare every tensor bit for bit with the C\n"
    "                      reference of the quantized network\n"
    "  --timing-only       cycles only (no data; for large inputs)\n"
    "  --out DIR           write DIR/report.md, DIR/cycles.svg (per layer, this flow\n"
    "                      next to the other one, timing-only) and DIR/net.json\n"
    "  --suite FILE.xml    write the network's distinct VTA layers as a suite for bench\n"
    "  --alts N            solver alternatives per distinct layer (default 2, 0..5): the\n"
    "                      optimum under the cycles objective, then N-1 Pareto points;\n"
    "                      0: no solver (reference, channel packing, im2col, group band)\n"
    "  --rlimit N          solver budget per query (optimum; front) as Z3's deterministic\n"
    "                      resource count (default 10000000; the best found when spent):\n"
    "                      the alternatives do not depend on the machine's load\n"
    "  --timeout S         solver wall-clock hang guard per query (default 600)\n"
    "  --cache FILE        reuse the alternatives of layers solved before (same shape,\n"
    "                      hardware, flow and solver options) and append new ones\n"
    "  -j, --jobs N        worker processes computing the distinct layers' alternatives\n"
    "                      and pricing the transitions (1..64, default 1; the result\n"
    "                      does not depend on it)\n"
    "  --seed S            input values (and random weights of models without any)\n"
    "  --hw FILE           hardware config (default: TVM's default VTA)\n"
    ;
static const char net_help_prog[] =
    "  --one-program       after the layout choice, one program for the whole network:\n"
    "                      every VTA layer's weights, biases, micro-ops and every\n"
    "                      activation in one DRAM image, the layers' code in one stream\n"
    "                      (dependence-queue drain between layers); a layer reads its input\n"
    "                      in place when the bytes are already in its layout, else the\n"
    "                      producer's STOREs also write the vectors it needs (`store`),\n"
    "                      else the host re-lays it out at a hand-off (`copy`; priced).\n"
    "                      Segments end at the host hand-offs (host nodes, re-layouts) and\n"
    "                      run in order on that image; with --check every tensor is read\n"
    "                      back from the image and compared with the C reference (the\n"
    "                      per-layer runs are skipped); reports the simulated cycles next\n"
    "                      to the sum of the same layers alone\n"
    "  --bundle DIR        with --one-program (and data): DIR/segment-K is segment K as a\n"
    "                      program bundle (dram.bin as the image is just before it runs,\n"
    "                      program.xml, listing.txt), so each runs on any VTA runtime or\n"
    "                      simulator (`embedsyn sim DIR/segment-K -o OUT.bin`); DIR/steps.txt\n"
    "                      lists the steps in order (segments, host nodes, re-layouts)\n"
    "  --json              one JSON object: layers, totals, check\n";

enum { O_SHAPE = CLI_OPT_CMD, O_STRATEGY, O_CHECK, O_TIMING, O_OUT, O_SEED, O_SUITE, O_ALTS, O_TIMEOUT, O_RLIMIT, O_BUILTIN, O_PLACEMENT, O_CACHE, O_ONEPROG, O_BUNDLE };

static const struct option net_options[] = {
    {"input-shape", required_argument, NULL, O_SHAPE}, {"strategy", required_argument, NULL, O_STRATEGY},
    {"check", no_argument, NULL, O_CHECK},             {"timing-only", no_argument, NULL, O_TIMING},
    {"out", required_argument, NULL, O_OUT},           {"seed", required_argument, NULL, O_SEED},
    {"suite", required_argument, NULL, O_SUITE},       {"alts", required_argument, NULL, O_ALTS},
    {"timeout", required_argument, NULL, O_TIMEOUT},   {"builtin", required_argument, NULL, O_BUILTIN},
    {"placement", required_argument, NULL, O_PLACEMENT}, {"rlimit", required_argument, NULL, O_RLIMIT},
    {"cache", required_argument, NULL, O_CACHE},       {"one-program", no_argument, NULL, O_ONEPROG},
    {"jobs", required_argument, NULL, 'j'},            {"bundle", required_argument, NULL, O_BUNDLE},
    {"hw", required_argument, NULL, CLI_OPT_HW},       {"json", no_argument, NULL, CLI_OPT_JSON},
    {"help", no_argument, NULL, 'h'},                  {NULL, 0, NULL, 0}};

typedef struct net_args {
    const char *model, *builtin, *out, *suite;
    int64_t shape[4];
    int rank;
    bool json, one_program;
    netrun_opts o;
} net_args;

static bool parse_shape(const char *s, net_args *a) {
    a->rank = 0;
    const char *p = s;
    while (*p && a->rank < 5) {
        char *end;
        errno = 0;
        long long v = strtoll(p, &end, 10);
        if (end == p || errno || v < 1 || v > (1LL << 30) || a->rank == 4) return false;
        a->shape[a->rank++] = v;
        if (!*end) break;
        if (*end != ',') return false;
        p = end + 1;
    }
    return a->rank == 2 || a->rank == 4;
}

static int take(net_args *a, int code, const char *arg) {
    status st;
    status_init(&st);
    uint64_t u;
    switch (code) {
    case O_SHAPE:
        if (!parse_shape(arg, a)) return cli_usage_error("net", "--input-shape must be N,C,H,W or N,F, got '%s'", arg);
        break;
    case O_STRATEGY:
        if (!netrun_flow_parse(arg, &a->o.flow))
            return cli_usage_error("net", "--strategy must be embedsyn or reference, got '%s'", arg);
        break;
    case O_CHECK: a->o.check = true; break;
    case O_TIMING: a->o.timing_only = true; break;
    case O_OUT: a->out = arg; break;
    case O_SUITE: a->suite = arg; break;
    case O_BUILTIN: a->builtin = arg; break;
    case O_CACHE: a->o.cache = arg; break;
    case O_ONEPROG: a->one_program = true; break;
    case O_BUNDLE: a->o.bundle = arg; break;
    case O_PLACEMENT:
        if (!netrun_placement_parse(arg, &a->o.placement))
            return cli_usage_error("net", "--placement must be graph-pack or all, got '%s'", arg);
        break;
    case O_SEED:
        if (!cli_parse_u64(arg, &a->o.seed)) return cli_usage_error("net", "--seed must be a number, got '%s'", arg);
        break;
    case O_ALTS:
        if (!cli_parse_u64(arg, &u) || u > NETRUN_MAX_SOLVER_ALTS)
            return cli_usage_error("net", "--alts must be 0..%d, got '%s'", NETRUN_MAX_SOLVER_ALTS, arg);
        a->o.max_alts = (int32_t)u;
        break;
    case O_TIMEOUT:
        if (!cli_parse_u64(arg, &u) || u < 1 || u > 3600)
            return cli_usage_error("net", "--timeout must be 1..3600 seconds, got '%s'", arg);
        a->o.timeout_s = (double)u;
        break;
    case 'j':
        if (!cli_parse_u64(arg, &u) || u < 1 || u > 64)
            return cli_usage_error("net", "--jobs must be 1..64, got '%s'", arg);
        a->o.jobs = (int)u;
        break;
    case O_RLIMIT:
        if (!cli_parse_u64(arg, &u) || u < 1)
            return cli_usage_error("net", "--rlimit must be a positive number, got '%s'", arg);
        a->o.rlimit = u;
        break;
    case CLI_OPT_HW:
        if (!hw_load(arg, &a->o.hw, &st)) return cli_fail("net", &st);
        break;
    case CLI_OPT_JSON: a->json = true; break;
    default: return cli_usage_error("net", "unknown option");
    }
    return -1;
}

static int parse(int argc, char **argv, net_args *a) {
    memset(a, 0, sizeof *a);
    netrun_opts_init(&a->o);
    a->o.progress = cli_progress_on(); /* one line per layer on stderr, unless --quiet */
    a->o.stage = cli_progress_stage;
    opterr = 0;
    optind = 0;
    int code;
    while ((code = getopt_long(argc, argv, "-:hj:", net_options, NULL)) != -1) {
        if (code == '?' || code == ':') return cli_getopt_error("net", code, argc, argv);
        if (code == 1) {
            if (a->model) return cli_usage_error("net", "one model only ('%s' and '%s')", a->model, optarg);
            a->model = optarg;
            continue;
        }
        int rc = take(a, code, optarg);
        if (rc >= 0) return rc;
    }
    if (!a->model == !a->builtin) return cli_usage_error("net", "give one MODEL.onnx or --builtin NAME");
    if (a->o.timing_only && a->o.check) return cli_usage_error("net", "--timing-only has no data to check");
    if (a->o.bundle && !a->one_program) return cli_usage_error("net", "--bundle writes the segments of --one-program");
    if (a->o.bundle && a->o.timing_only)
        return cli_usage_error("net", "--bundle writes the images with their data: drop --timing-only");
    return -1;
}

static FILE *open_out(const char *dir, const char *name, char *path, size_t len, status *st) {
    snprintf(path, len, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) status_fail(st, "%s: cannot write: %s", path, strerror(errno));
    return f;
}

/* --out: the report, the SVG (this flow and the other one, timing-only) and the JSON. */
static bool write_out(const net_args *a, const net *g, const netrun_result *r, status *st) {
    if (mkdir(a->out, 0777) != 0 && errno != EEXIST) return status_fail(st, "%s: cannot create: %s", a->out, strerror(errno));
    netrun_opts other = a->o;
    other.flow = a->o.flow == NETRUN_EMBEDSYN ? NETRUN_REFERENCE : NETRUN_EMBEDSYN;
    other.timing_only = true;
    other.check = false;
    netrun_result b;
    if (!netrun_run(g, &other, &b, st)) return false;
    const netrun_result *es = r->flow == NETRUN_EMBEDSYN ? r : &b, *ref = r->flow == NETRUN_EMBEDSYN ? &b : r;
    char path[4096];
    bool ok = true;
    FILE *f = open_out(a->out, "report.md", path, sizeof path, st);
    if (f) {
        net_report_md(f, g, es, ref);
        ok = fclose(f) == 0;
    }
    f = ok && f ? open_out(a->out, "cycles.svg", path, sizeof path, st) : NULL;
    if (f) {
        net_report_svg(f, g, es, ref);
        ok = fclose(f) == 0;
    }
    f = ok && f ? open_out(a->out, "net.json", path, sizeof path, st) : NULL;
    if (f) {
        net_report_json(f, g, r);
        fputc('\n', f);
        ok = fclose(f) == 0;
    }
    netrun_result_free(&b);
    if (!ok && status_ok(st)) status_fail(st, "%s: write error", a->out);
    return ok && f;
}

/* --one-program: the flow's choices (no per-layer runs), then the one program. */
static bool run_one_program(const net *g, const netrun_opts *o, netrun_result *r, status *st) {
    netrun_opts c = *o;
    c.timing_only = true;
    c.check = false;
    if (!netrun_run(g, &c, r, st)) return false;
    double t0 = es_now_ms();
    if (!netrun_one_program(g, o, r, &r->prog, st)) {
        netrun_result_free(r);
        return false;
    }
    r->run_ms = es_now_ms() - t0;
    r->one_program = true;
    r->check = r->prog.check;
    snprintf(r->check_msg, sizeof r->check_msg, "%s", r->prog.check_msg);
    return true;
}

int cmd_net(int argc, char **argv) {
    if (cli_want_help(argc, argv)) {
        fputs(net_help, stdout);
        fputs(net_help_prog, stdout);
        return 0;
    }
    net_args a;
    int rc = parse(argc, argv, &a);
    if (rc >= 0) return rc;
    status st;
    status_init(&st);
    net *g = a.builtin ? netrun_builtin(a.builtin, a.o.seed, &st)
                       : onnx_import(a.model, a.rank ? a.shape : NULL, a.rank, a.o.seed, &st);
    if (!g) return cli_fail("net", &st);
    if (a.o.bundle && !text_mkdir_p(a.o.bundle, &st)) { /* before the long part */
        net_destroy(g);
        char why[sizeof st.msg];
        snprintf(why, sizeof why, "%s", st.msg);
        status_init(&st);
        status_fail(&st, "--bundle %s: %s", a.o.bundle, why);
        return cli_fail("net", &st);
    }
    netrun_result r;
    bool ok = a.one_program ? run_one_program(g, &a.o, &r, &st) : netrun_run(g, &a.o, &r, &st);
    if (ok && a.suite) ok = net_report_suite(a.suite, g, &r, &st);
    if (ok && a.out) ok = write_out(&a, g, &r, &st);
    if (ok) {
        if (a.json) {
            net_report_json(stdout, g, &r);
            fputc('\n', stdout);
        } else {
            net_report_table(stdout, g, &r);
        }
    }
    rc = !ok && cli_interrupted() ? cli_interrupted_exit("net", a.json, st.msg)
         : !ok                    ? cli_fail("net", &st)
         : r.check == DRV_CHECK_FAIL ? 1
                                     : 0;
    netrun_result_free(&r);
    net_destroy(g);
    return rc;
}
