/* cmd_solve: option parsing shared by `embedsyn solve` and `embedsyn layouts`. */
#ifndef EMBEDSYN_BENCH_CMD_SOLVE_H
#define EMBEDSYN_BENCH_CMD_SOLVE_H

#include <stdbool.h>

#include "bench/cli.h"
#include "encoders/enc.h"

/* Parses argv (common operator options plus --objective, --prove, --smt2, --timeout,
 * --rlimit; -o if out_xml, --all if all, --suite if suite are non-NULL). Returns -1 on
 * success, else the exit status to return (usage error printed). */
int cmd_solve_parse(const char *cmd, int argc, char **argv, cli_opts *c, enc_options *eo,
                    const char **out_xml, bool *all, const char **suite);

#endif
