/* cmd_bench_merge: `embedsyn bench-merge DIR... [--out DIR]` merges the results.json of
 * shard runs (`embedsyn bench --shard I/N`) into one report, optionally comparing the
 * merged run with a baseline or writing one.
 * Invariant: the merged report is what one unsharded run would have written (apart
 * from timings): layers in index order, summary recomputed from the layers. */
#include <stdlib.h>
#include <string.h>

#include "bench/cli.h"
#include "bench/report.h"

static const char merge_help[] =
    "usage: embedsyn bench-merge DIR... [options]\n"
    "\n"
    "Merges the results of shard runs (embedsyn bench --shard I/N --out DIR) into one\n"
    "report. Each DIR holds a results.json (a results.json path works too).\n"
    "\n"
    "options:\n"
    "  --out DIR              output directory (default bench-out)\n"
    "  --baseline FILE        compare the merged run with a baseline\n"
    "  --update-baseline FILE write the merged run as a baseline\n"
    "  --tolerance X          relative cycle growth that is not a regression (default 0.005)\n"
    "  --allow-missing        do not fail when shards are missing\n"
    "  --verbose              list baseline notes\n"
    "  --json                 print the summary as one JSON object\n"
    "\n"
    "exit status: 0 ok; 1 a layer failed, a check failed, a regression, or shards are\n"
    "missing; 2 bad input or usage\n";

int cmd_bench_merge(int argc, char **argv) {
    const char *cmd = "bench-merge";
    if (cli_want_help(argc, argv)) {
        fputs(merge_help, stdout);
        return 0;
    }
    report_finish_opts fo = {.cmd = cmd, .out_dir = "bench-out"};
    baseline_opts_init(&fo.bopts);
    bool allow_missing = false;
    const char **dirs = calloc((size_t)argc, sizeof *dirs);
    int ndirs = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = !strcmp(a, "--out") || !strcmp(a, "--baseline") ||
                     !strcmp(a, "--update-baseline") || !strcmp(a, "--tolerance");
        if (takes && !v) {
            free(dirs);
            return cli_usage_error(cmd, "option %s needs a value", a);
        }
        if (!strcmp(a, "--out")) {
            fo.out_dir = argv[++i];
        } else if (!strcmp(a, "--baseline")) {
            fo.baseline = argv[++i];
        } else if (!strcmp(a, "--update-baseline")) {
            fo.update_baseline = argv[++i];
        } else if (!strcmp(a, "--tolerance")) {
            char *end;
            double x = strtod(argv[++i], &end);
            if (end != argv[i] && *end == '%' && !end[1])
                x /= 100;
            else if (end == argv[i] || *end)
                x = -1;
            if (x < 0 || x > 100) {
                free(dirs);
                return cli_usage_error(cmd, "--tolerance: expected a number >= 0, got '%s'", argv[i]);
            }
            fo.bopts.tolerance = x;
        } else if (!strcmp(a, "--allow-missing")) {
            allow_missing = true;
        } else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
            fo.verbose = true;
        } else if (!strcmp(a, "--json")) {
            fo.json = true;
        } else if (a[0] == '-' && a[1]) {
            free(dirs);
            return cli_usage_error(cmd, "unknown option '%s'", a);
        } else {
            dirs[ndirs++] = a;
        }
    }
    if (ndirs == 0) {
        free(dirs);
        return cli_usage_error(cmd, "no result directories given");
    }
    status st;
    status_init(&st);
    report_meta m;
    bench_result *r;
    int n, missing;
    bool ok = report_merge(dirs, ndirs, &m, &r, &n, &missing, &st);
    free(dirs);
    if (!ok)
        return cli_fail(cmd, &st);
    if (missing > 0)
        fprintf(stderr, "embedsyn %s: %s%d of %d layers missing (a shard was not merged)\n", cmd,
                allow_missing ? "warning: " : "", missing, m.total_layers);
    int unknown = 0;
    for (int i = 0; i < n; i++)
        unknown += r[i].solve_rlimit < 0;
    if (unknown > 0)
        fprintf(stderr, "embedsyn %s: note: %d of %d layers come from results without "
                        "solve_rlimit (an older embedsyn): their solver effort is unknown (-1 in "
                        "results.csv/json, left out of a baseline, not compared)\n",
                cmd, unknown, n);
    int rc = report_finish(&m, r, n, &fo);
    free(r);
    if (rc == 0 && missing > 0 && !allow_missing)
        rc = 1;
    return rc;
}
