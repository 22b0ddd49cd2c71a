/* driver: the pipeline of one operator, listed in order in one place (DESIGN 8.1):
 *   0. embedding choice (a strategy: reference, file, solve, im2col, portfolio)
 *      -> a checked plan (operator + hardware + embedding + nest)
 *   1-8. scalar check -> schedule + program (vta/lower) -> data -> bundle
 *      -> simulate (vta/sim) -> unpack + compare with the reference (core/ref).
 * `run`, `compile` and `bench` all go through driver_run_strategy, so the same
 * strategy simulates the same embedding in every command. */
#ifndef EMBEDSYN_BENCH_DRIVER_H
#define EMBEDSYN_BENCH_DRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/emb.h"
#include "core/es.h"
#include "core/op.h"
#include "core/status.h"
#include "encoders/enc.h"
#include "vta/hw.h"
#include "vta/sim.h"
#include "vta/target.h"

/* Embedding strategies (stage 0): X(id, name, help). */
#define DRIVER_STRATEGIES(X)                                                                  \
    X(DRV_REFERENCE, "reference", "TVM's fixed strategy: channel packing and its tiling template") \
    X(DRV_FILE, "file", "an embedding XML file")                                               \
    X(DRV_SOLVE, "solve", "the solver's optimum (Z3)")                                         \
    X(DRV_IM2COL, "im2col", "im2col over every reduction dim, im2col:c,s over those dims")     \
    X(DRV_PORTFOLIO, "portfolio",                                                              \
      "the solver's optimum, or channel packing when it is as utilization-optimal and "        \
      "simulates fewer cycles")

typedef enum { DRIVER_STRATEGIES(ES_ID3) DRV_NSTRATEGIES } driver_strategy_kind;

typedef struct driver_strategy {
    driver_strategy_kind kind;
    const char *file;       /* DRV_FILE: the embedding XML */
    char dims[64];          /* DRV_IM2COL: comma-separated dims, "" = every reduction dim */
    enc_options enc;        /* DRV_SOLVE, DRV_PORTFOLIO: solver options */
} driver_strategy;

const char *driver_strategy_name(driver_strategy_kind k);
/* Solver wall clock of the portfolio (bench's default per layer). */
#define DRIVER_PORTFOLIO_TIMEOUT_S 60
/* The strategy's default settings: enc_options_init for solve; the portfolio proves
 * its optimum (the proof decides which optimal embedding the lex objective returns)
 * within DRIVER_PORTFOLIO_TIMEOUT_S, as `embedsyn bench` does. */
void driver_strategy_init(driver_strategy *s, driver_strategy_kind k);
/* "reference", "solve", "portfolio", "im2col", "im2col:DIMS", "file:PATH" (PATH kept
 * as a pointer into text) -> the strategy with its defaults (driver_strategy_init).
 * False + message otherwise (s unchanged). */
bool driver_strategy_parse(const char *text, driver_strategy *s, status *st);

/* Which embedding a strategy ran: X(id, name). */
#define DRIVER_CHOICES(X)                                                                     \
    X(DRV_CHOSE_REFERENCE, "reference") X(DRV_CHOSE_FILE, "file") X(DRV_CHOSE_SOLVER, "solver") \
    X(DRV_CHOSE_IM2COL, "im2col") X(DRV_CHOSE_CHANNEL_PACKING, "channel packing") X(DRV_CHOSE_BAND, "banded")
typedef enum { DRIVER_CHOICES(ES_ID2) } driver_choice;
const char *driver_choice_name(driver_choice c);

/* Outcome of the output check: X(id, name). */
#define DRIVER_CHECKS(X) X(DRV_CHECK_SKIPPED, "skipped") X(DRV_CHECK_PASS, "pass") X(DRV_CHECK_FAIL, "fail")
typedef enum { DRIVER_CHECKS(ES_ID2) } driver_check;
const char *driver_check_name(driver_check c);

/* Stage of the pipeline an error came from (for callers that name it): the choice of
 * the embedding, the schedule search when no schedule fits the hardware's buffers, or
 * the rest of lowering and simulation. */
typedef enum { DRV_STAGE_CHOICE = 0, DRV_STAGE_LOWER = 1, DRV_STAGE_NO_SCHEDULE = 2 } driver_stage;

/* The checked plan: what every stage after the choice works on. Built once; the
 * embedding passed emb_check (in its builder, loader or the solver's decoder) and n is
 * its nest. `reference` schedules with the reference template (TVM's tuner model). */
typedef struct driver_plan {
    const op *o;
    const hw_config *hw;
    emb e;
    emb_nest n;
    bool reference;
} driver_plan;

/* A plan of a checked embedding (derives the nest; no second emb_check). */
bool driver_plan_make(const op *o, const hw_config *hw, const emb *e, bool reference, driver_plan *p,
                      status *st);

/* Operands given by the caller instead of random ones (a network's layer: its real
 * input, weights and bias in natural layouts; bias NULL when !o->rq.bias); `out`, when
 * not NULL, receives the natural Out tensor after a functional simulation. */
typedef struct driver_data {
    const int8_t *in, *wt;
    const int32_t *bias;
    int8_t *out;
} driver_data;

typedef struct driver_opts {
    bool timing_only;       /* simulate without arithmetic */
    bool check;             /* compare the whole output with ref_run */
    int64_t check_sample;   /* > 0: compare this many random output elements */
    uint64_t seed;          /* data and sampling seed */
    const char *bundle_dir; /* write the bundle here, or NULL */
    bool strict;            /* simulator strict mode */
    bool no_sim;            /* stop after writing the bundle (embedsyn compile) */
    target_act act;         /* the activation's DRAM layouts a schedule may use (target.h;
                             * default FREE; a network's layer: COMPACT or PADDED) */
    int32_t sched_k;        /* schedule candidates simulated (stage 2b): 0 default
                             * (DRIVER_SCHED_K), 1 = the estimate's best only */
    const struct target *target; /* the back end (vta/target.h), NULL = target_default() */
    const driver_data *data; /* operands of the run, or NULL: random from seed */
    double sim_above;       /* > 0: when the best schedule's estimate exceeds this, stop
                             * before simulating (sim.cycles = UINT64_MAX; the portfolio's
                             * pruning of alternatives the cost model rules out) */
    const char *sched_text; /* a schedule an earlier run of the same plan chose
                             * (driver_result.sched_saved): taken as it is, without the
                             * search and the choice by simulation; NULL (default): search */
} driver_opts;

#define DRIVER_SCHED_K 6
/* Relative error bound of the cost model the driver trusts (measured max ~3.6%): a
 * schedule or embedding whose estimate is more than this above the best is not
 * simulated. */
#define DRIVER_MODEL_TOL 0.05

/* What the solver said (strategies solve and portfolio; solved false otherwise). */
typedef struct driver_solve_info {
    bool solved;            /* the solver ran */
    enc_proof proof;
    bool global;            /* optimum meets the scalar lower bound */
    enc_solver_status solver_status;
    double solve_ms;
    int64_t lb_instances;
    uint64_t rlimit_used;   /* Z3's deterministic effort (enc_result.rlimit_used) */
} driver_solve_info;

typedef struct driver_result {
    sim_report sim;
    int64_t instances;      /* GEMM micro-op iterations of the embedding */
    double utilization;
    int64_t dram_bytes;     /* inp + wgt + out bytes of the packed layouts */
    char layout[160];       /* emb_describe */
    char layout_class[64];  /* emb_class */
    driver_check check;
    char check_msg[256];    /* first mismatch when check failed */
    double compile_ms, sim_ms;
    double est_cycles;      /* the schedule's cost-model estimate (vta/sched) */
    char schedule[320];     /* sched_describe */
    target_act input_layout;   /* the input's DRAM layout the chosen schedule uses (compact or padded) */
    int32_t sched_tried;    /* schedule candidates simulated in stage 3b (1: none) */
    int32_t sched_chosen;   /* index of the chosen one (0: the estimate's best) */
    char sched_saved[TARGET_SCHED_TEXT]; /* the chosen one saved (target.sched_save): a
                             * later run takes it with driver_opts.sched_text */
    bool sched_template;    /* the chosen one is the reference template's schedule */
    double sched_ms;        /* time of stage 3b */
    driver_choice choice;   /* the embedding stage 0 picked */
    driver_solve_info solve;
    driver_stage failed_stage; /* on error: where */
} driver_result;

void driver_opts_init(driver_opts *d);
/* The whole pipeline: stage 0 picks the embedding by strategy s, then the plan runs.
 * False + status on bad input or an error of a stage (r->failed_stage says which; r->solve
 * is filled whenever the solver ran); a failed check is a result (DRV_CHECK_FAIL). */
bool driver_run_strategy(const op *o, const hw_config *hw, const driver_strategy *s, const driver_opts *d,
                         driver_result *r, status *st);
/* Stages 1-8 of a plan. */
bool driver_run_plan(const driver_plan *p, const driver_opts *d, driver_result *r, status *st);
/* Shorthands: a checked embedding e (strategy-free), and the reference strategy. */
bool driver_run(const op *o, const hw_config *hw, const emb *e, const driver_opts *d, driver_result *r,
                status *st);
bool driver_run_reference(const op *o, const hw_config *hw, const driver_opts *d, driver_result *r,
                          status *st);

#endif
