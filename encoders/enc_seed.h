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

/* The minimum of the cost form over every consistent choice, by enumeration (false when
 * the space is too large for it: more than a few million option combinations or tens of
 * thousands of consistent choices). Among choices of equal value: fewest DRAM bytes
 * (enc_space_dram), then the lexicographically last (swap, sel[0..nd)). The solver
 * still proves the value (UNSAT of "fewer cycles"); the enumeration only tells the
 * search where the optimum is and which of the ties to return. */
bool enc_cycles_exact(const enc_space *s, const costform *cf, uint64_t *value, bool *swap,
                      int32_t *sel);

#endif
