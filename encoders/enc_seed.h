/* enc_seed: a good consistent choice for the cycles objective found without the solver
 * (internal to encoders/): hill climbing on the cost form evaluated in C on emb_nest.
 * Depends only on the space and core (no Z3 term of the formula). */
#ifndef EMBEDSYN_ENCODERS_ENC_SEED_H
#define EMBEDSYN_ENCODERS_ENC_SEED_H

#include <stdbool.h>
#include <stdint.h>

#include "core/costform.h"
#include "encoders/enc_space.h"

/* The best choice found (consistent, builds a nest); returns its scaled cycles
 * (UINT64_MAX if none was found). */
uint64_t enc_cycles_seed(const enc_space *s, const costform *cf, bool *swap, int32_t *sel);

/* One consistent choice of an enumeration, with its nest and costs. */
typedef struct enc_choice {
    bool swap;
    int32_t sel[OP_MAX_DIMS];
    emb_nest nest;
    uint64_t cycles;            /* scaled cost form (costform_eval) */
    int64_t dram;               /* DRAM bytes of the three operands */
} enc_choice;
typedef void (*enc_visit_fn)(void *arg, const enc_choice *c);
/* Calls visit on every consistent choice of the space (cf NULL: cycles 0), in the
 * order swap, then sel[0], sel[1], ... (last index fastest); false when the space is
 * too large (more than a few million option combinations or tens of thousands of
 * consistent choices) or a choice's nest does not build: the visits made are then not
 * all of them. */
bool enc_space_walk(const enc_space *s, const costform *cf, enc_visit_fn visit, void *arg);
/* The same with another cap on the consistent choices (enc_space_walk: 60000; the
 * leaves' cap scales with it). */
bool enc_space_walk_capped(const enc_space *s, const costform *cf, long max_evals, enc_visit_fn visit, void *arg);
/* Is a after b in the lexicographic order of (swap, sel[0..nd))? (the tie-breaker) */
bool enc_choice_after(const enc_space *s, const enc_choice *a, const enc_choice *b);

/* What an exhaustive enumeration minimizes first; ties: fewest DRAM bytes (of the
 * nest), then the lexicographically last (swap, sel[0..nd)). */
typedef enum { ENC_EXACT_CYCLES = 0, ENC_EXACT_INSTANCES = 1, ENC_EXACT_DRAM = 2 } enc_exact_key;
/* The minimum over every consistent choice by enumeration (false when the space has
 * more than max_evals consistent choices, see enc_space_walk_capped). cf may be NULL
 * unless key is ENC_EXACT_CYCLES (the choices' cycles are then 0). */
bool enc_exact_min(const enc_space *s, const costform *cf, enc_exact_key key, long max_evals, enc_choice *best);
/* The minimum of the cost form (enc_exact_min by cycles): the solver still proves the
 * value (UNSAT of "fewer cycles"); the enumeration only tells the search where the
 * optimum is and which of the ties to return. */
bool enc_cycles_exact(const enc_space *s, const costform *cf, uint64_t *value, bool *swap,
                      int32_t *sel);

#endif
