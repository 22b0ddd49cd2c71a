/* driver: the pipeline of one operator, listed in order in one place (DESIGN 8.1):
 *   embedding -> nest (core/emb) -> checks -> schedule + program (vta/lower)
 *   -> bundle -> simulate (vta/sim) -> unpack + compare with the reference (core/ref).
 * Synthesis (encoders/) runs before it and hands over the embedding. */
#ifndef EMBEDSYN_BENCH_DRIVER_H
#define EMBEDSYN_BENCH_DRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/emb.h"
#include "core/hw.h"
#include "core/op.h"
#include "core/status.h"
#include "vta/sched.h"
#include "vta/sim.h"

typedef struct driver_opts {
    bool timing_only;       /* simulate without arithmetic */
    bool check;             /* compare the whole output with ref_run */
    int64_t check_sample;   /* > 0: compare this many random output elements */
    uint64_t seed;          /* data and sampling seed */
    const char *bundle_dir; /* write the bundle here, or NULL */
    bool strict;            /* simulator strict mode */
    bool no_sim;            /* stop after writing the bundle (embedsyn compile) */
    int32_t sched_k;        /* schedule candidates simulated (stage 3b): 0 default
                             * (DRIVER_SCHED_K), 1 = the estimate's best only */
    const sched *sched;     /* run this schedule (its inputs, re-derived) instead of
                             * searching (dse validation), or NULL */
} driver_opts;

#define DRIVER_SCHED_K 6

typedef struct driver_result {
    sim_report sim;
    int64_t instances;      /* GEMM micro-op iterations of the embedding */
    double utilization;
    int64_t dram_bytes;     /* inp + wgt + out bytes of the packed layouts */
    char layout[160];       /* emb_describe */
    char layout_class[64];  /* emb_class */
    const char *check;      /* "pass", "fail" or "skipped" */
    char check_msg[256];    /* first mismatch when check failed */
    double compile_ms, sim_ms;
    double est_cycles;      /* the schedule's cost-model estimate (vta/sched) */
    char schedule[320];     /* sched_describe */
    int32_t sched_tried;    /* schedule candidates simulated in stage 3b (1: none) */
    int32_t sched_chosen;   /* index of the chosen one (0: the estimate's best) */
    bool sched_template;    /* the chosen one is the reference template's schedule */
    double sched_ms;        /* time of stage 3b */
} driver_result;

void driver_opts_init(driver_opts *d);
/* Runs the embedding e of operator o. False + status on bad input or an error of
 * lowering/simulation; a failed check is a result (r->check = "fail"), not an error. */
bool driver_run(const op *o, const hw_config *hw, const emb *e, const driver_opts *d,
                driver_result *r, status *st);
/* The reference strategy (TVM's fixed VTA approach) on the same simulator. */
bool driver_run_reference(const op *o, const hw_config *hw, const driver_opts *d,
                          driver_result *r, status *st);

#endif
