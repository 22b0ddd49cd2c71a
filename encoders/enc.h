/* enc: synthesis of embeddings with Z3 (the only Z3 user, DESIGN sections 3 and 8):
 * encode the embedding space of an operator bit-blasted (Booleans + small
 * bit-vectors), optimize, prove optimality (objective better than the optimum is
 * UNSAT), export the proof query as SMT-LIB2, enumerate layout alternatives, and decode
 * models into core `emb` structs. One arena and one Z3_context per query. */
#ifndef EMBEDSYN_ENCODERS_ENC_H
#define EMBEDSYN_ENCODERS_ENC_H

#include <stdbool.h>
#include <stdint.h>

#include "core/costform.h"
#include "core/emb.h"
#include "core/es.h"
#include "core/hw.h"
#include "core/op.h"
#include "core/status.h"
#include "encoders/enc_progress.h"
#include "encoders/enc_types.h"

void enc_options_init(enc_options *o);
bool enc_solve(const op *o, const hw_intrinsic *hw, const enc_options *opt, enc_result *r,
               status *st);

/* ---- additions (helper enc) ----------------------------------------------------- */
/* Layout facts of a result's embedding (from its emb_nest; enc_result_layout). */
typedef struct enc_layout_info {
    bool needs_transform;   /* a run-time input transform (packing/duplication) is needed */
    double dup_factor;      /* stored inp bytes / natural inp-side tensor bytes */
    int64_t bytes[3];       /* inp, wgt, out DRAM bytes */
} enc_layout_info;
void enc_result_layout(const op *o, const hw_intrinsic *hw, const emb *e, enc_layout_info *li);
/* Default Z3 resource limit of a whole query (all checks together); enough for every
 * DeepBench inference layer. */
#define ENC_DEFAULT_RLIMIT 400000000ull
uint64_t enc_rlimit_effective(const enc_options *opt);
const char *enc_objective_name(enc_objective ob);
/* A name or alias of ENC_OBJECTIVES; false otherwise. */
bool enc_objective_parse(const char *s, enc_objective *ob);
/* Does the objective need opt->cf? */
bool enc_objective_uses_cycles(enc_objective ob);
/* Costs and descriptions of a built embedding (from its emb_nest). */
void enc_fill_costs(const op *o, const hw_intrinsic *hw, const emb *e, const emb_nest *n,
                    int64_t *instances, double *util, int64_t *dram, char *layout, size_t llen,
                    char *cls, size_t clen);

/* Layout alternatives: the Pareto front of (instances, DRAM bytes), or with `all`
 * the best (lexicographic) embedding of every distinct layout class, where a class is
 * the swap flag plus, per dim, its lane axis and compensation (extents ignored). */
typedef struct enc_alt {
    emb e;
    double est_cycles;       /* the cost form's cycles (0 without a cost form) */
    int64_t instances;
    double utilization;
    int64_t dram_bytes;
    char layout[160];
    char layout_class[64];
    bool proven;             /* optimal (Pareto point / best of its class) */
} enc_alt;

typedef struct enc_alts {
    int32_t n, cap;
    enc_alt *a;              /* malloc'd, enc_alts_free */
    enc_solver_status solver_status; /* sat: enumeration complete */
    int64_t lower_bound_instances;
    double solve_ms;
} enc_alts;

/* Front in increasing instances (decreasing bytes); `all`: classes in the order found,
 * at most max_alts (0 = 1000). */
bool enc_layouts(const op *o, const hw_intrinsic *hw, const enc_options *opt, bool all,
                 int32_t max_alts, enc_alts *out, status *st);
void enc_alts_free(enc_alts *a);

/* Interrupt (SIGINT/SIGTERM, encoders/enc_interrupt.c): enc_request_interrupt is
 * async-signal-safe (call it from a signal handler); the check in progress is stopped
 * with Z3_interrupt and every later check returns unknown at once. enc_interrupted()
 * is then true: results obtained after the request are cut short, not normal ones. */
void enc_request_interrupt(void);
bool enc_interrupted(void);
/* CPU time of the calling thread in ms (benchmarks on a loaded machine). */
double enc_cpu_ms(void);
/* Z3's full version text (encoders/enc_version.c). */
const char *enc_z3_version(void);

#endif
