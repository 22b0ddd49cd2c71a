/* eval: the real layer evaluator of the bench runner, i.e. the pipeline of one layer:
 *   enc_solve (synthesis + proof) -> driver_run (lower, simulate timing-only, sampled
 *   check against the reference implementation) and driver_run_reference (TVM's fixed
 *   strategy on the same simulator).
 * Invariant: every field the evaluator fills comes from the pipeline's own reports;
 * nothing is estimated here. */
#ifndef EMBEDSYN_BENCH_EVAL_H
#define EMBEDSYN_BENCH_EVAL_H

#include <stdbool.h>
#include <stdint.h>

#include "bench/bench.h"
#include "encoders/enc.h"

typedef struct bench_eval_opts {
    enc_objective objective;
    int64_t check_sample;   /* sampled output check (0 = none) */
    bool full_check;        /* functional simulation + whole-output check */
    double timeout_s;       /* solver wall clock per layer */
    uint64_t rlimit;        /* solver resource limit, 0 = encoder default */
    uint64_t seed;
    bool check_reference;   /* check the reference strategy's output too */
    bool pareto;            /* Pareto front for layers with reference utilization < 50% */
    double pareto_timeout_s; /* solver wall clock for the front, 0 = as timeout_s */
    uint64_t pareto_rlimit;  /* solver resource limit of the whole front, 0 = as rlimit */
} bench_eval_opts;

void bench_eval_opts_init(bench_eval_opts *o);
/* enc_objective_parse with a status message. */
bool bench_parse_objective(const char *text, enc_objective *obj, status *st);
/* bench_eval_fn over the real pipeline; ctx is a const bench_eval_opts *. */
bool bench_eval_real(void *ctx, const op *o, const hw_config *hw, bench_result *r, status *st);

#endif
