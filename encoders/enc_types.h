/* enc_types: the encoder's public vocabulary and records (objectives, proof and solver
 * outcomes, options, results), apart from enc.h so the encoder's own parts (enc_opt,
 * enc_encode) use them without including the module that calls them (no include
 * circle). enc.h includes this header; users include enc.h. */
#ifndef EMBEDSYN_ENCODERS_ENC_TYPES_H
#define EMBEDSYN_ENCODERS_ENC_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "core/costform.h"
#include "core/emb.h"
#include "core/es.h"

/* The objective vocabulary, one table for every command that takes --objective:
 * X(enum, name, alias or "", help). enc_objective_parse accepts the name or the alias. */
#define ENC_OBJECTIVES(X)                                                                   \
    X(ENC_OBJ_UTILIZATION, "utilization", "util",                                          \
      "fewest GEMM micro-op iterations (instances)")                                       \
    X(ENC_OBJ_LAYOUT, "layout", "", "fewest DRAM bytes of the packed operands")            \
    X(ENC_OBJ_LEX_UTIL_LAYOUT, "lex:utilization,layout", "lex", "instances, then bytes")   \
    X(ENC_OBJ_CYCLES, "cycles", "", "fewest estimated cycles (the target's cost form)")    \
    X(ENC_OBJ_LEX_CYCLES_LAYOUT, "lex:cycles,layout", "", "estimated cycles, then bytes")

typedef enum {
#define ENC_OBJ_ENUM(e, name, alias, help) e,
    ENC_OBJECTIVES(ENC_OBJ_ENUM)
#undef ENC_OBJ_ENUM
    ENC_OBJ_COUNT
} enc_objective;

/* --objective help lines (name, alias, meaning), the same text in every command. */
#define ENC_OBJ_HELP_LINE(e, name, alias, help) "                  " name ": " help "\n"
#define ENC_OBJECTIVE_HELP                                                                  \
    "  --objective O   what the synthesis minimizes (aliases: util, lex):\n"                \
    ENC_OBJECTIVES(ENC_OBJ_HELP_LINE)                                                       \
    "                  default: cycles\n"
/* The objective of the commands when none is given. */
#define ENC_OBJ_DEFAULT ENC_OBJ_CYCLES
/* Proof outcome of a solve, weakest first (a baseline compares them by this order):
 * X(id, name). enumerated: optimal over the encoded space by an exhaustive enumeration
 * in C (enc_options.enumerate), without the solver's UNSAT. */
#define ENC_PROOFS(X)                                                                       \
    X(ENC_PROOF_UNKNOWN, "unknown")                                                        \
    X(ENC_PROOF_NOT_PROVEN, "not_proven")                                                  \
    X(ENC_PROOF_ENUMERATED, "enumerated")                                                  \
    X(ENC_PROOF_OPTIMAL, "optimal")
typedef enum { ENC_PROOFS(ES_ID2) } enc_proof;
/* Solver outcome: sat = complete, unknown = a limit hit (best so far). X(id, name). */
#define ENC_SOLVER_STATUSES(X) X(ENC_SOLVER_UNKNOWN, "unknown") X(ENC_SOLVER_SAT, "sat")
typedef enum { ENC_SOLVER_STATUSES(ES_ID2) } enc_solver_status;
const char *enc_proof_name(enc_proof p);
bool enc_proof_parse(const char *s, enc_proof *p);
const char *enc_solver_status_name(enc_solver_status s);

typedef struct enc_options {
    enc_objective objective;
    costform cf;                /* cycle estimate coefficients (the target fills them);
                                 * needed by the cycles objectives */
    bool prove;                 /* prove the optimum (UNSAT of "better than") */
    const char *smt2_path;      /* write the proof query here, or NULL */
    uint64_t rlimit;            /* Z3 resource limit (deterministic); 0 = default */
    double timeout_s;           /* wall clock, 0 = none */
    bool plain_proof;           /* cycles: prove with the solver even when the seed meets the
                                 * theorem bound (default false: the bound proves it;
                                 * for comparisons and tests) */
    bool enumerate;             /* without prove and smt2_path: when the space is small
                                 * enough (2 10^6 consistent choices), its exhaustive
                                 * enumeration in C gives the optimum (ties: fewest bytes,
                                 * then a fixed order) and no solver check is run (proof
                                 * "enumerated"); otherwise the solver as usual. For bulk
                                 * exploration (dse), where the solver's proofs of near-
                                 * bound optima cost seconds each */
} enc_options;

typedef struct enc_result {
    emb e;                      /* the best embedding found */
    emb_nest nest;              /* its nest, as the decoder built and checked it */
    bool found;
    int64_t instances;
    double utilization;
    int64_t lower_bound_instances; /* scalar bound of DESIGN section 3 */
    int64_t dram_bytes;
    char layout[160];           /* emb_describe */
    char layout_class[64];
    enc_proof proof;
    bool global;                /* optimum meets the scalar lower bound */
    enc_solver_status solver_status; /* unknown: timeout/rlimit, best so far */
    double solve_ms;
    double solve_cpu_ms;        /* CPU time of the calling thread (one core, any load) */
    double est_cycles;          /* the cost form's cycles of e (0 without a cost form) */
    uint64_t rlimit_used;       /* Z3 "rlimit count" of all checks: deterministic effort */
} enc_result;

#endif
