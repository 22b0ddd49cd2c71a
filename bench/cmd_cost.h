/* cmd_cost: what the parts of `embedsyn cost` share (bench/cmd_cost*.c). */
#ifndef EMBEDSYN_BENCH_CMD_COST_H
#define EMBEDSYN_BENCH_CMD_COST_H

#include <stdbool.h>

#include "vta/hw.h"

/* Absolute values of err[0..n), sorted, their median and maximum (0 when n = 0). */
void cost_err_stats(double *err, int n, double *median, double *max);
/* --validate: model vs simulator per layer of each suite; exit status. */
int cost_validate_suites(char **paths, int npaths, const hw_config *hw, int top, bool json, const char *filter);

#endif
