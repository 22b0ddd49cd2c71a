/* cli: option handling shared by the commands (operator and hardware selection,
 * --json, --help) and small output helpers. Exit statuses: 0 ok, 1 a result failed,
 * 2 bad input or usage. */
#ifndef EMBEDSYN_BENCH_CLI_H
#define EMBEDSYN_BENCH_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/op.h"
#include "core/status.h"
#include "core/text.h"
#include "vta/hw.h"

typedef struct cli_opts {
    op op;              /* valid when have_op */
    bool have_op;
    hw_config hw;       /* built-in default unless --hw */
    bool json;
} cli_opts;

void cli_opts_init(cli_opts *c);
/* If argv[*i] is one of --op FILE, --conv SHAPE, --gemm SHAPE, --hw FILE, --json
 * (also --op=FILE forms), consume it (advancing *i past its value) and return 1;
 * return 0 if it is not one of them; return -1 after storing the error in st
 * (a bad file or shape: "FILE:LINE: message"). */
int cli_take_common(cli_opts *c, int argc, char **argv, int *i, status *st);
/* True if argv has -h or --help. */
bool cli_want_help(int argc, char **argv);
/* If argv has -h or --help: prints help, then more (unless NULL), and returns true. */
bool cli_help(int argc, char **argv, const char *help, const char *more);
/* Prints "embedsyn CMD: MSG" to stderr and returns 2 (bad input / usage). */
int cli_fail(const char *cmd, const status *st);
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Unsigned integer option value: decimal or 0x-hex, no sign, blank or trailing text. */
bool cli_parse_u64(const char *s, uint64_t *out);
/* JSON strings: text_json_str (core/text.h), the one writer. */
/* JSON object of a hardware config: every field of hw.h plus derived shapes and
 * buffer depths (no trailing newline). */
void cli_hw_json(FILE *f, const hw_config *hw);
/* SIGINT/SIGTERM (installed by main for every command): the first signal sets a flag
 * and interrupts the solver (enc_request_interrupt); the command then stops, writes
 * what finished, marks its outputs interrupted and exits 128 + signal (130 for
 * Ctrl-C). A second signal of the same kind terminates at once (default action). */
void cli_signals_install(void);
/* The signal received (SIGINT / SIGTERM), or 0. */
int cli_interrupted(void);
/* 128 + the signal received (130 for SIGINT), or 0. */
int cli_interrupt_status(void);
/* For a command whose search was cut short: "embedsyn CMD: interrupted (SIGINT): WHAT"
 * on stderr, with json also {"interrupted":true,"signal":"SIGINT"} on stdout; returns
 * cli_interrupt_status(). */
int cli_interrupted_exit(const char *cmd, bool json, const char *what);
/* Monotonic clock in seconds. */
double cli_now(void);
/* Progress of long commands (solve, layouts, run/compile --strategy solve, net):
 * between begin and end, a line on stderr with the elapsed time, the stage the command
 * reports (cli_progress_stage, e.g. net's layer and step) and the best embedding the
 * current solver query found so far, on each improvement after 2 s and every 5 s while
 * the command runs; nothing for commands that finish within 2 s, nothing when quiet. */
void cli_progress_begin(const char *cmd, bool quiet);
void cli_progress_end(void);
/* Whether progress lines are shown (cli_progress_begin ran without --quiet). */
bool cli_progress_on(void);
/* What the command is doing now (copied; NULL: nothing said), shown on the progress
 * lines; forgets the solver's best so far (it was another query's). */
void cli_progress_stage(const char *what);
/* Help text for the common operator options, to embed in commands' --help. */
extern const char cli_common_help[];

/* Option tables (getopt_long): the common options as table rows a command puts in its
 * own `struct option` array, with codes from CLI_OPT_OP on; a command numbers its own
 * long-only options from CLI_OPT_CMD on. */
enum { CLI_OPT_OP = 0x100, CLI_OPT_CONV, CLI_OPT_GEMM, CLI_OPT_HW, CLI_OPT_JSON, CLI_OPT_HELP, CLI_OPT_CMD = 0x120 };
#define CLI_COMMON_LONGOPTS                                                                      {"op", required_argument, NULL, CLI_OPT_OP}, {"conv", required_argument, NULL, CLI_OPT_CONV},     {"gemm", required_argument, NULL, CLI_OPT_GEMM}, {"hw", required_argument, NULL, CLI_OPT_HW},      {"json", no_argument, NULL, CLI_OPT_JSON}, {"help", no_argument, NULL, 'h'}
/* Applies common option `code` with value arg: 1 applied, 0 not a common option, -1
 * error in st (bad file or shape, a second operator). */
int cli_common_opt(cli_opts *c, int code, const char *arg, status *st);
/* The usage error for what getopt_long returned as code '?' or ':' (unknown option, a
 * value missing), with the option as the user wrote it; returns 2. */
int cli_getopt_error(const char *cmd, int code, int argc, char **argv);

#endif
