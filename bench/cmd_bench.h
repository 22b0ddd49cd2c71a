/* cmd_bench (internal to the `bench` command): the parsed command line and the steps
 * of cmd_bench, one file each: options (cmd_bench_args.c), suites and layer selection
 * (cmd_bench_layers.c), output directory and the run itself (cmd_bench.c).
 * Invariant: layer numbering depends only on the suites and --filter/--limit, never
 * on --jobs or --shard, so shards of one run can be merged. */
#ifndef EMBEDSYN_BENCH_CMD_BENCH_H
#define EMBEDSYN_BENCH_CMD_BENCH_H

#include <stdbool.h>

#include "bench/bench.h"
#include "bench/eval.h"
#include "bench/report.h"

typedef struct bench_cmd {
    hw_config hw;
    const char *suite_dir;     /* --suite-dir or NULL */
    const char *out_dir;       /* --out or NULL (a new directory under bench-out/) */
    bool force;                /* --force: write into a non-empty --out */
    const char *filter;
    const char *evaluator;     /* "real" or "fake" */
    const char *objective;
    long limit;                /* -1 = all */
    bool quiet, in_order, list_only;
    report_finish_opts fo;
    bench_run_opts ro;
    bench_eval_opts eo;
    char **files;              /* suite files given (malloc'ed array of argv pointers) */
    int nfiles;
} bench_cmd;

/* Parses argv into c (c->files malloc'ed; free with free(c->files)). Returns -1 to go
 * on, or the exit status (0 for --help, 2 for a usage error, already reported). */
int bench_cmd_parse(bench_cmd *c, int argc, char **argv);

/* Loads the suites (c->files, or the built-in ones) and selects the layers
 * (--filter, --limit); fills meta's suites. *layers is malloc'ed. */
bool bench_cmd_layers(const bench_cmd *c, report_meta *meta, bench_layer **layers, int *nlayers,
                      status *st);
/* --list: prints the selected layers of the shard (text or JSON lines). */
void bench_cmd_list(const bench_cmd *c, const bench_layer *layers, int nlayers);

#endif
