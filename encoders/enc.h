/* enc: synthesis of embeddings with Z3 (the only Z3 user, DESIGN sections 3 and 8):
 * encode the embedding space of an operator bit-blasted (Booleans + small
 * bit-vectors), optimize, prove optimality (objective better than the optimum is
 * UNSAT), export the proof query as SMT-LIB2, enumerate layout alternatives, and decode
 * models into core `emb` structs. One arena and one Z3_context per query. */
#ifndef EMBEDSYN_ENCODERS_ENC_H
#define EMBEDSYN_ENCODERS_ENC_H

#include <stdbool.h>
#include <stdint.h>

#include "core/emb.h"
#include "core/hw.h"
#include "core/op.h"
#include "core/status.h"

typedef enum {
    ENC_OBJ_UTILIZATION = 0,   /* minimize GEMM micro-op iterations */
    ENC_OBJ_LAYOUT = 1,        /* minimize DRAM bytes of the transformed tensors */
    ENC_OBJ_LEX_UTIL_LAYOUT = 2 /* utilization first, then layout bytes */
} enc_objective;

typedef struct enc_options {
    enc_objective objective;
    bool prove;                 /* prove the optimum (UNSAT of "better than") */
    const char *smt2_path;      /* write the proof query here, or NULL */
    uint64_t rlimit;            /* Z3 resource limit (deterministic); 0 = default */
    double timeout_s;           /* wall clock, 0 = none */
} enc_options;

typedef struct enc_result {
    emb e;                      /* the best embedding found */
    bool found;
    int64_t instances;
    double utilization;
    int64_t lower_bound_instances; /* scalar bound of DESIGN section 3 */
    int64_t dram_bytes;
    char layout[160];           /* emb_describe */
    char layout_class[64];
    char proof[16];             /* "optimal", "not_proven", "unknown" */
    bool global;                /* optimum meets the scalar lower bound */
    char solver_status[16];     /* "sat", "unknown" (timeout/rlimit: best so far) */
    double solve_ms;
} enc_result;

void enc_options_init(enc_options *o);
bool enc_solve(const op *o, const hw_config *hw, const enc_options *opt, enc_result *r,
               status *st);

#endif
