/* cmd_lower: what `embedsyn compile` and `embedsyn run` share: option parsing
 * (operator, hardware, embedding or strategy, seed, checks), picking the embedding,
 * and the JSON/text result line. */
#ifndef EMBEDSYN_BENCH_CMD_LOWER_H
#define EMBEDSYN_BENCH_CMD_LOWER_H

#include <stdbool.h>
#include <stdio.h>

#include "bench/cli.h"
#include "bench/driver.h"

/* The --input-layout option of run and compile (driver_opts.act). */
#define INPUT_LAYOUT_HELP                                                                     \
    "  --input-layout L the input's DRAM layout: free (default: the schedule chooses\n"     \
    "                   whether the input's zero bands, e.g. a conv's padding, are in\n"    \
    "                   DRAM), compact (made by the DMA's padding, as a network layer\n"   \
    "                   reads its input) or padded (kept in DRAM)\n"

typedef struct bench_lower_args {
    cli_opts c;
    const char *embedding;   /* --embedding FILE.xml, or NULL */
    const char *strategy;    /* --strategy as given (default "reference"), for the output */
    driver_strategy strat;   /* the parsed strategy (DRV_FILE with --embedding) */
    const char *out_dir;     /* -o DIR */
    const char *suite;       /* --suite FILE (every operator of a suite) */
    int objective;           /* --objective (enc_objective) for solve and portfolio, or -1 */
    driver_opts d;
} bench_lower_args;

/* Parses argv (argv[0] = command). Returns -1 on success, else the exit status to
 * return (0 after --help, 2 after a usage error, already reported). */
int bench_lower_parse(const char *cmd, const char *help, int argc, char **argv, bool is_run,
                      bench_lower_args *a);
/* Runs the driver on the selected embedding. */
bool bench_lower_exec(const bench_lower_args *a, driver_result *r, status *st);
/* --suite: every operator in turn (ran: simulated, run; else compile), with -o DIR each
 * one's bundle in DIR/NAME; one result each, an error is a result. The exit status: 0,
 * 1 when some operator failed, 130 after Ctrl-C. */
int bench_lower_suite(const char *cmd, bench_lower_args *a, bool ran);
/* One JSON object (with newline) or a short text report. */
void bench_lower_print(FILE *f, const bench_lower_args *a, const driver_result *r, bool ran);

#endif
