/* dse: hardware design-space exploration with the embedding re-synthesized per design
 * (`embedsyn dse`). For every design of a hw_space (vta/spec_space.h):
 *   1. feasibility: hw_check, ISA encodability (vta_isa_check: 128-bit instructions,
 *      32-bit micro-ops), buffers holding one tile of every layer;
 *   2. per layer: the embedding for the design's intrinsic shape (Z3, enc_solve) and,
 *      with strategy solve, channel packing as a competitor (strategy reference: channel
 *      packing only, TVM's layout), each with a schedule by the cost model;
 *   3. suite totals: cycles, energy, area proxy, utilization.
 * What a layer's result depends on is cached, so designs are cheap after the first:
 *   - per (layer, intrinsic shape [, bus width if the objective uses it]): the embeddings
 *     (one Z3 solve), their nests, and a *schedule library*: the top schedules of the
 *     full schedule search (sched_search_top) at the space's smallest, default and
 *     largest buffers. Kept in memory and, with a cache file, on disk across runs;
 *   - per library entry and timing class (bus width + timing constants): the schedule
 *     derived once at the largest buffers (estimate, footprint per buffer);
 *   - per design: a library schedule is usable iff its footprint fits the design's
 *     buffers (exactly sched_derive's rule); the best usable one by the objective wins.
 *     When none is usable (or its bias plan changes with the smaller buffers) the full
 *     schedule search runs on the design itself.
 * Invariant: results depend only on (layers, space, options) and the design index, never
 * on the shard, the job count or the cache state (a test checks shards + merge == one
 * run, and cache hit == uncached). */
#ifndef EMBEDSYN_BENCH_DSE_H
#define EMBEDSYN_BENCH_DSE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/emb.h"
#include "vta/hw.h"
#include "core/op.h"
#include "vta/spec_space.h"
#include "core/status.h"
#include "vta/sched.h"

/* X(id, name) */
#define DSE_OBJECTIVES(X) X(DSE_OBJ_CYCLES, "cycles") X(DSE_OBJ_ENERGY, "energy") X(DSE_OBJ_EDP, "edp")
#define DSE_STRATEGIES(X) X(DSE_STRAT_SOLVE, "solve") X(DSE_STRAT_REFERENCE, "reference")
/* Why a design is infeasible. X(id, name) */
#define DSE_REASONS(X)                        \
    X(DSE_FEASIBLE, "feasible")               \
    X(DSE_BAD_CONFIG, "config")               \
    X(DSE_ISA, "isa")                         \
    X(DSE_NO_TILE, "no_tile")                 \
    X(DSE_NO_EMBEDDING, "no_embedding")

#define DSE_ENUM(id, name) id,
typedef enum { DSE_OBJECTIVES(DSE_ENUM) } dse_objective;
typedef enum { DSE_STRATEGIES(DSE_ENUM) } dse_strategy;
typedef enum { DSE_REASONS(DSE_ENUM) } dse_reason;
#undef DSE_ENUM
const char *dse_objective_name(dse_objective o);
const char *dse_strategy_name(dse_strategy s);
const char *dse_reason_name(dse_reason r);
bool dse_objective_parse(const char *s, dse_objective *o);
bool dse_strategy_parse(const char *s, dse_strategy *o);
bool dse_reason_parse(const char *s, dse_reason *o);

/* dse's Z3 resource limit per solve (about 50 s of this project's reference machine):
 * the deterministic bound of a solve whose space is too large to enumerate. */
#define DSE_DEFAULT_RLIMIT 200000000ull

typedef struct dse_opts {
    dse_objective objective;
    dse_strategy strategy;
    int jobs;                 /* worker processes for designs and cache fills (>= 1) */
    int shard_i, shard_n;     /* designs with index % shard_n == shard_i (default 0/1) */
    int lib_k;                /* schedules kept per library search (1..16) */
    int64_t sched_evals;      /* budget of each library / fallback schedule search */
    uint64_t solve_rlimit;    /* Z3 resource limit per solve (deterministic; >= 1) */
    double solve_timeout_s;   /* Z3 wall-clock limit per solve (0: none, the default: a
                               * wall-clock limit makes the result depend on the load) */
    const char *cache_path;   /* embedding + schedule-library cache file, or NULL */
    bool no_cache;            /* every library schedule derived on the design itself
                               * instead of the footprint shortcut (tests) */
    bool no_memo;             /* library searches cost every schedule afresh instead of
                               * sharing one cost memo per candidate over the probes (tests) */
    bool no_borrow;           /* never take a library from the other strategy's cache entry
                               * of the same layer, shape and embedding (tests) */
    FILE *progress;           /* progress lines, or NULL */
    bool entry_times;         /* with progress: one line per computed cache entry (its
                               * layer, intrinsic shape, Z3 and library CPU seconds) */
} dse_opts;
void dse_opts_init(dse_opts *o);

/* One design's outcome. Plain data: written to and read back from results files. */
typedef struct dse_design {
    int64_t index;            /* design index in the space; -1 = the default VTA, not in it */
    hw_config hw;
    bool is_default;          /* equals TVM's default VTA */
    dse_reason reason;
    char why[256];            /* the reason in words (layer named when per layer) */
    double cycles;            /* suite total, cost-model estimate */
    double energy_uj;         /* suite total, the cost module's energy (cost_vta_report) */
    double area;              /* the cost module's area proxy relative to the default VTA (= 1) */
    double util;              /* nominal MACs / executed MAC slots, whole suite */
    double floor_cycles;      /* suite total of the hardware floor (cost_vta_floor): no VTA
                               * program of the design is faster, whatever its mapping */
    double box_floor_cycles;  /* the same for programs that compute the whole iteration box,
                               * as every embedding does: the floor of the mapping space */
    int32_t layers;
    int32_t slow_layers;      /* layers that needed a schedule search on the design */
    int32_t packed_layers;    /* layers where channel packing won (strategy solve) */
    bool pareto_cycles;       /* on the (cycles, area) front */
    bool pareto_energy;       /* on the (energy, area) front */
    /* validation on the simulator (Pareto designs) */
    int32_t val_layers;       /* layers simulated, 0 = not validated */
    double val_model, val_sim;/* estimate vs simulated cycles over those layers */
    double val_err;           /* (model - sim) / sim */
    double val_max_layer_err; /* worst |error| of one layer */
    int32_t val_worst_layer;  /* that layer (index into the suites' layers), -1: none */
} dse_design;

/* Moves the k (1..n) layers with the most MACs (ties: the earlier layer) to the front of
 * layers[0..n), in their suite order (--largest K). */
void dse_keep_largest(op *layers, int n, int k);

typedef struct dse_ctx dse_ctx;

dse_ctx *dse_create(const op *layers, int nlayers, const hw_space *space, const dse_opts *o, status *st);
void dse_destroy(dse_ctx *c);
/* Fills every cache entry the selected designs need (in parallel with o->jobs), and
 * saves the cache file. Called by dse_run; separate for the benchmark. */
bool dse_prepare(dse_ctx *c, status *st);
/* Evaluates one design (feasibility, layers, totals); infeasible is a result. */
bool dse_eval(dse_ctx *c, const hw_config *hw, int64_t index, dse_design *d, status *st);
/* The shard's designs (index order) plus, first, the default VTA when it is not a
 * design of the space (index -1, every shard). *out malloc'ed. */
bool dse_run(dse_ctx *c, dse_design **out, int64_t *n, status *st);
/* Per-layer detail of a design: the estimate and the chosen embedding + schedule, for
 * validation. Returns false + status on errors. */
bool dse_validate(dse_ctx *c, dse_design *d, int sample, status *st);
/* dse_validate for every design on the cycles front and the default VTA, the
 * design-layers shared by o->jobs worker processes. */
bool dse_validate_front(dse_ctx *c, dse_design *d, int64_t n, int sample, status *st);
/* Counters: cache hits / misses of layer entries, fallback searches. */
void dse_stats(const dse_ctx *c, int64_t *hits, int64_t *misses, int64_t *slow, double *prepare_ms);
/* The last cache fill: entries computed, CPU seconds of all workers in Z3 solves and in
 * schedule-library searches. */
void dse_fill_stats(const dse_ctx *c, int64_t *entries, double *solve_cpu_s, double *lib_cpu_s);
/* The last fill's cost evaluations of the library searches, how many the memo answered,
 * and the libraries taken from the other strategy's cache entries instead of a search. */
void dse_fill_memo_stats(const dse_ctx *c, int64_t *calls, int64_t *hits, int64_t *borrowed);
/* The fills' embedding solves by outcome: enumerated (exhaustive enumeration), proven
 * by the solver, and not proven (a limit hit: the best found so far). */
void dse_fill_proof_stats(const dse_ctx *c, int64_t *enumerated, int64_t *proven, int64_t *unproven);

/* Pareto flags: minimize (cycles, area) and (energy, area) over the feasible designs;
 * ties (equal in both) keep every copy on the front. */
void dse_pareto(dse_design *d, int64_t n);

/* One layer of a design as dse_eval chose it: the embedding, its nest and the schedule
 * (derived on the design), with the cost module's cycles and energy (pJ). For
 * validation and tests (recompute the figures independently). */
typedef struct dse_pick {
    emb e;
    emb_nest n;
    sched s;
    bool packed;              /* channel packing won */
    double cycles, energy_pj;
} dse_pick;
bool dse_layer_pick(dse_ctx *c, const hw_config *hw, int layer, dse_pick *p, status *st);

/* Per-design model error of the validated designs: median and max of |val_err| and
 * the worst layer; false when no design was validated. */
bool dse_validation_summary(const dse_design *d, int64_t n, double *median, double *max, double *worst_layer,
                            int64_t *count);

/* Output (bench/dse_out.c). results.csv / results.json hold every design; pareto.csv,
 * report.md, pareto_cycles.svg, pareto_energy.svg the fronts. */
bool dse_write_dir(const char *dir, const hw_space *sp, const dse_opts *o, const dse_design *d, int64_t n,
                   const char *suites, status *st);
void dse_write_json(FILE *f, const dse_design *d, int64_t n);
void dse_write_csv(FILE *f, const dse_design *d, int64_t n);
/* Reads results.csv written by dse_write_dir (for dse-merge). Appends to *d. */
bool dse_read_csv(const char *path, dse_design **d, int64_t *n, status *st);
void dse_print_summary(FILE *f, const dse_design *d, int64_t n, dse_objective obj);

#endif
