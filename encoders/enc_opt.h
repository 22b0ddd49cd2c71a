/* enc_opt: objectives over an enc_formula by iterative tightening (internal to
 * encoders/): solve, aim once at a lower bound, then repeatedly ask for a strictly
 * better value under an assumption literal; the last UNSAT answer of "objective <
 * best" is the optimality proof.
 * Invariant: `best` always holds a model the solver returned (never a guess), and
 * `proven` is set only after an UNSAT answer for "objective < best" (or when best
 * equals a bound that is a theorem and the caller allowed that shortcut). */
#ifndef EMBEDSYN_ENCODERS_ENC_OPT_H
#define EMBEDSYN_ENCODERS_ENC_OPT_H

#include <stdio.h>

#include "encoders/enc_encode.h"

typedef enum { ENC_INST = 0, ENC_DRAM = 1, ENC_CYC = 2 } enc_cost;

typedef struct enc_point {
    bool found;
    bool swap;
    int32_t sel[OP_MAX_DIMS];
    uint64_t instances;         /* exact, from the choice */
    uint64_t dram;              /* valid when have_dram (the term was active) */
    bool have_dram;
    uint64_t cycles;            /* scaled cycle estimate, valid when have_cycles */
    bool have_cycles;
} enc_point;

typedef enum { ENC_MIN_OPTIMAL = 0, ENC_MIN_UNKNOWN = 1, ENC_MIN_UNSAT = 2 } enc_min_status;

/* Minimize a cost under the assumptions assum[0..nassum). lower: a value the cost can
 * never go below (a theorem), tried first; if bound_proves and the optimum equals
 * `lower`, no solver proof is run. exact_proof: the final UNSAT is re-checked with the
 * exact product circuit (not only the log shadow). *proof_q receives the exact formula
 * "cost < best" of the proof (for SMT-LIB2). */
enc_min_status enc_minimize(enc_formula *f, enc_cost c, int nassum, const Z3_ast *assum,
                            uint64_t lower, bool bound_proves, bool exact_proof, enc_point *best,
                            bool *proven, Z3_ast *proof_q);

/* Lexicographic: cost `first` (ENC_INST or ENC_CYC), then DRAM bytes with the first
 * fixed at its optimum. *proof_q: "first < a* or (first == a* and dram < b*)". */
enc_min_status enc_minimize_lex(enc_formula *f, enc_cost first, int nassum, const Z3_ast *assum,
                                uint64_t lower_a, bool bound_proves, bool exact_proof,
                                enc_point *best, bool *proven, Z3_ast *proof_q);

/* A theorem bound of the scaled cycle estimate: the largest module's linear bound at the
 * least value of each cost (instances: the scalar lower bound). */
uint64_t enc_cycles_lower(const enc_formula *f, uint64_t lb_instances);
/* Between stages: the point's cycles (when the term was active) equal the cost form
 * evaluated in C on the decoded nest; aborts otherwise (an encoder bug). */
void enc_check_cycles(const enc_formula *f, const enc_point *p, const emb_nest *n);

#endif
