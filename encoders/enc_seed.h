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

#endif
