/* bench: the regression-benchmark runner. A run is a list of layers (operators from one
 * or more suites, numbered in order), a hardware config and a layer evaluator; the
 * runner evaluates the selected layers (all, or one shard), in parallel worker
 * processes, and derives for each layer what does not depend on the evaluator: the
 * lower bound (compute and compulsory-traffic bounds), speedup and gap. Summary
 * statistics (geomeans, percentiles) are computed here too.
 *
 * The evaluator is a function pointer so that the runner, reports, baselines and shard
 * merging are tested against a fake, and the real pipeline (bench/eval.c: enc_solve ->
 * driver_run timing-only with a sampled check, and driver_run_reference) plugs in.
 * Invariant: results come back in layer-index order, one per selected layer; a layer
 * whose evaluation failed, crashed or timed out is a result with ok = false and an
 * error message, never a missing entry. */
#ifndef EMBEDSYN_BENCH_BENCH_H
#define EMBEDSYN_BENCH_BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bench/driver.h"
#include "core/op.h"
#include "core/status.h"
#include "vta/hw.h"

#define BENCH_NAME_MAX 64

/* One layer of a run. */
typedef struct bench_layer {
    char suite[BENCH_NAME_MAX];
    int32_t index;             /* position in the whole run (all suites, in order) */
    op op;
} bench_layer;

/* Everything measured or derived for one layer. Plain data (no pointers): it travels
 * through a pipe from a worker process and is written to / read from results.json. */
typedef struct bench_result {
    /* identity (runner) */
    char suite[BENCH_NAME_MAX];
    char name[OP_NAME_MAX];
    int32_t index;
    char kind[16];
    char shape[160];
    int64_t macs;
    /* outcome */
    bool ok;                   /* false: error holds why (bad layer, crash, timeout) */
    char error[256];
    /* reference strategy (evaluator) */
    int64_t ref_cycles;
    double ref_util;
    int64_t ref_dram_bytes;
    driver_check ref_check;    /* pass, fail, skipped */
    int64_t ref_traffic;       /* bytes the simulated program moved (loads + stores) */
    int64_t ref_gemm;          /* simulated GEMM micro-op iterations */
    char ref_schedule[320];    /* tiling / loop order of the reference's program */
    int64_t ref_est_cycles;    /* the schedule's cost-model estimate, 0 unknown */
    /* embedsyn (evaluator) */
    int64_t cycles;
    double util;
    int64_t dram_bytes;
    int64_t instances;         /* GEMM micro-op iterations */
    int64_t lb_instances;      /* scalar lower bound on instances (DESIGN 3), 0 unknown */
    char layout_class[64];
    char layout[160];
    int64_t traffic;           /* bytes the simulated program moved (loads + stores) */
    int64_t gemm;              /* simulated GEMM micro-op iterations */
    char schedule[320];        /* tiling / loop order of the program */
    int64_t est_cycles;        /* the schedule's cost-model estimate, 0 unknown */
    int32_t emb_choice;        /* the embedding run (a driver_choice): solver (the optimum the
                                * proof fields describe), or channel packing / im2col (the
                                * fixed strategies of the portfolio, when faster on the
                                * simulator); BENCH_CHOICE_NONE ("") when not known */
    int32_t sched_tried;       /* schedule candidates simulated (driver stage 3b) */
    bool sched_template;       /* the chosen schedule is the reference template's */
    enc_proof proof;
    bool global;               /* optimum meets the scalar bound */
    char solver_status[16];
    double solve_ms;
    int64_t solve_rlimit;      /* Z3 "rlimit count" of the solve: deterministic effort;
                                * -1 = unknown (merged from a results.json without it) */
    driver_check check;
    char check_msg[256];
    /* Pareto front of (utilization, layout DRAM bytes) from the encoder, for layers the
     * reference under-uses: "util:bytes;util:bytes;..." in increasing bytes, or "". */
    char pareto[400];
    double sim_ms;             /* both simulations */
    /* bounds and ratios (runner) */
    int64_t compute_bound;     /* ceil(MACs / (BATCH*BLOCK_IN*BLOCK_OUT)) GEMM cycles */
    int64_t compulsory_bytes;  /* natural input + weights + output bytes */
    int64_t bytes_bound;       /* ceil(compulsory_bytes / bus bytes per cycle) */
    int64_t lower_bound;       /* max of the two */
    int64_t floor_cycles;      /* the hardware floor (cost_vta_floor): <= the cycles of any
                                * program; 0 unknown (older results) */
    int64_t box_floor_cycles;  /* the same for programs that compute the whole iteration box
                                * (padding products too), as every embedding does */
    bool ref_no_schedule;      /* the reference strategy has no schedule that fits the
                                * hardware's buffers (TVM's template cannot run the layer):
                                * no reference figures, no speedup (0); embedsyn's are kept */
    double speedup;            /* ref_cycles / cycles; 0 without the reference's */
    double gap;                /* cycles / lower_bound */
    double ref_gap;            /* ref_cycles / lower_bound */
    double floor_gap;          /* cycles / floor_cycles */
    double ref_floor_gap;      /* ref_cycles / floor_cycles */
    double wall_ms;            /* whole layer, as seen by the runner */
} bench_result;

/* Every field of bench_result with its type (S string, I int64, I32 int32, F double,
 * B bool; typed vocabularies, written as their names: CHK driver_check, PRF enc_proof,
 * CHO emb_choice), in output order: results.csv and results.json are written and read from
 * this one table, so they cannot drift apart. */
#define BENCH_RESULT_FIELDS(X)                                                        \
    X(I32, index) X(S, suite) X(S, name) X(S, kind) X(S, shape) X(I, macs)           \
    X(B, ok) X(S, error)                                                              \
    X(I, ref_cycles) X(B, ref_no_schedule) X(I, cycles) X(F, speedup)                 \
    X(F, ref_util) X(F, util) X(I, ref_dram_bytes) X(I, dram_bytes)                   \
    X(S, layout_class) X(S, layout) X(I, instances) X(I, lb_instances)                \
    X(I, ref_traffic) X(I, traffic) X(I, ref_gemm) X(I, gemm)                         \
    X(I, ref_est_cycles) X(I, est_cycles)                                             \
    X(CHO, emb_choice) X(I32, sched_tried) X(B, sched_template)                         \
    X(I, compute_bound) X(I, compulsory_bytes) X(I, bytes_bound) X(I, lower_bound)    \
    X(F, gap) X(F, ref_gap) X(I, floor_cycles) X(I, box_floor_cycles)                  \
    X(F, floor_gap) X(F, ref_floor_gap)                                               \
    X(F, solve_ms) X(I, solve_rlimit) X(PRF, proof) X(B, global) X(S, solver_status)                       \
    X(CHK, check) X(CHK, ref_check) X(S, check_msg) X(S, pareto)                  \
    X(S, ref_schedule) X(S, schedule) X(F, sim_ms) X(F, wall_ms)

/* emb_choice of a result whose evaluator did not say (an error, the fake evaluator). */
#define BENCH_CHOICE_NONE (-1)
/* The name of an emb_choice ("" for BENCH_CHOICE_NONE); the inverse: false if s is
 * none of the names. */
const char *bench_choice_name(int32_t c);
bool bench_choice_parse(const char *s, int32_t *c);
/* An ok layer whose reference ran: it has a speedup (the speedup figures, plots and
 * tables take these only). */
static inline bool bench_has_speedup(const bench_result *r) { return r->ok && !r->ref_no_schedule; }
/* The layer's output check or its reference's failed. */
static inline bool bench_check_failed(const bench_result *r) {
    return r->check == DRV_CHECK_FAIL || r->ref_check == DRV_CHECK_FAIL;
}

/* A layer evaluator fills the evaluator fields of r (identity is already set).
 * False + status: the layer could not be evaluated (recorded as an error result). */
typedef bool (*bench_eval_fn)(void *ctx, const op *o, const hw_config *hw, bench_result *r,
                              status *st);
typedef struct bench_evaluator {
    const char *name;          /* "real", "fake", ... (written into results) */
    bench_eval_fn fn;
    void *ctx;
} bench_evaluator;

/* Called after each finished layer (done of total), in the parent process. */
typedef void (*bench_done_fn)(void *ctx, const bench_result *r, int done, int total);

typedef struct bench_run_opts {
    int jobs;                  /* worker processes (>= 1) */
    int shard_i, shard_n;      /* run layers with index % shard_n == shard_i */
    bool isolate;              /* fork a worker per layer (crash/timeout isolation) */
    double layer_timeout_s;    /* 0 = none; needs isolate */
    int64_t layer_memory_mb;   /* address-space limit of a worker, 0 = none */
    bool largest_first;        /* start layers in decreasing MAC order (shorter tail
                                  with several jobs); results stay in index order */
    FILE *progress;            /* progress output (stderr), or NULL */
    bool progress_tty;         /* redraw one bar instead of printing lines */
    bench_done_fn on_done;
    void *on_done_ctx;
    /* Interrupt (SIGINT/SIGTERM): polled by the runner and, after a layer, by its
     * worker; once true no layer starts, workers in flight are killed and a layer
     * evaluated while it became true is dropped (its search was cut short). NULL =
     * never. */
    bool (*stop)(void);
    bool *interrupted;         /* out (optional): set when stop() ended the run early */
} bench_run_opts;

void bench_run_opts_init(bench_run_opts *ro);

/* True if layer index i belongs to shard shard_i of shard_n. */
bool bench_in_shard(int32_t index, int shard_i, int shard_n);
/* Parses "I/N" (0 <= I < N). */
bool bench_parse_shard(const char *text, int *shard_i, int *shard_n, status *st);

/* Lower bound of DESIGN 7 for op on hw (fills compute_bound, compulsory_bytes,
 * bytes_bound, lower_bound of r) and the hardware floor (floor_cycles). */
void bench_bounds(const op *o, const hw_config *hw, bench_result *r);
/* Identity fields and bounds of a fresh result for layer l. */
void bench_result_init(bench_result *r, const bench_layer *l, const hw_config *hw);
/* Speedup and gaps from cycles and bounds (0 when undefined). */
void bench_result_derive(bench_result *r);

/* Runs the selected layers. *out (malloc'ed, index order) gets *nout results: one per
 * selected layer, or after an interrupt (ro->stop) only the layers that finished
 * before it. False + status only for a failure of the runner itself (fork/pipe). */
bool bench_run(const bench_layer *layers, int nlayers, const hw_config *hw,
               const bench_evaluator *ev, const bench_run_opts *ro, bench_result **out,
               int *nout, status *st);

/* Statistics. geomean of x[0..n) (all > 0; 0 if n == 0); median (mean of the two
 * middle values for even n); nearest-rank percentile p in (0,100]: the ceil(p/100*n)-th
 * smallest value. x is not modified. */
double bench_geomean(const double *x, int n);
double bench_median(const double *x, int n);
double bench_percentile(const double *x, int n, double p);

typedef struct bench_summary {
    int n;                     /* results */
    int nok, nerror, ncheck_fail;
    int nweak;                 /* ok layers with reference utilization < 50% */
    int nslower;               /* ok layers with speedup < 1 */
    int nnot_faster;           /* ok layers with speedup <= 1 */
    int nref_no_schedule;      /* ok layers the reference cannot run (no speedup: left out
                                * of the speedup and reference figures above and below) */
    int nglobal, noptimal;     /* proof: globally optimal / optimal in space */
    double geomean_speedup, geomean_speedup_weak;
    double min_speedup, max_speedup;
    char min_speedup_layer[BENCH_NAME_MAX + OP_NAME_MAX + 2];
    char max_speedup_layer[BENCH_NAME_MAX + OP_NAME_MAX + 2];
    double geomean_gap, max_gap, geomean_ref_gap;
    char max_gap_layer[BENCH_NAME_MAX + OP_NAME_MAX + 2];
    /* the same against the hardware floor, over the layers that have one */
    double geomean_floor_gap, max_floor_gap, geomean_ref_floor_gap;
    char max_floor_gap_layer[BENCH_NAME_MAX + OP_NAME_MAX + 2];
    double geomean_box_floor_gap, geomean_ref_box_floor_gap; /* cycles / box_floor_cycles */
    double geomean_util, geomean_ref_util;
    double solve_median_ms, solve_p90_ms, solve_max_ms, solve_total_ms;
    double layers_s;           /* sum of layer wall times */
    double wall_s;             /* wall time of the run (set by the caller) */
    /* cost model (vta/cost) vs simulator: |est - cycles| / cycles over both programs of
     * every ok layer with an estimate */
    int nmodel;
    double model_err_median, model_err_max;
} bench_summary;

void bench_summarize(const bench_result *r, int n, bench_summary *s);
/* "suite/name", the key of a layer in baselines and messages. */
void bench_key(const bench_result *r, char *buf, size_t len);
/* Appends the point (util, bytes) to r->pareto (false when it is full). */
bool bench_pareto_add(bench_result *r, double util, int64_t bytes);
/* Sets r->pareto from the encoder's points: points dominated by another point or by
 * the chosen embedding (r->util, r->dram_bytes) are dropped, the rest sorted by
 * increasing bytes; an incomplete enumeration (a solver limit cut it short) is
 * stored with a leading '~' and is never drawn as a front. */
void bench_pareto_set(bench_result *r, const double *util, const int64_t *bytes, int n,
                      bool complete);
/* True if r->pareto holds points of an incomplete enumeration. */
bool bench_pareto_incomplete(const bench_result *r);
/* Parses r->pareto into util[]/bytes[] (at most max points); returns the count. */
int bench_pareto_parse(const bench_result *r, double *util, int64_t *bytes, int max);
/* Why a layer is not faster than the reference (heuristic, for reports). */
void bench_explain(const bench_result *r, char *buf, size_t len);

/* A deterministic fake evaluator (bench/eval_fake.c) for tests and for exercising the tooling without the
 * solver: cycles from a simple analytic model of channel packing (reference) and of
 * full im2col over the reduction dims (embedsyn). ctx may be NULL. Layers named
 * fail* / crash* / hang* / hog* fail, abort, never return, or allocate 1 GiB, so that
 * tests can exercise the runner's isolation. */
bool bench_eval_fake(void *ctx, const op *o, const hw_config *hw, bench_result *r, status *st);

/* Monotonic clock in seconds. */
double bench_now(void);

#endif
