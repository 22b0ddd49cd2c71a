/* costform: the embedding-level cycle estimate the synthesis can optimize (DESIGN
 * section 6, use 1), as a small target-independent formula over the costs an
 * embedding fixes before any schedule is chosen: the GEMM micro-op iterations
 * (instances) and the DRAM bytes of each VTA operand (inp, wgt, out).
 *
 *   module m (m < nmod):  M_m = inst[m] * instances + sum_x byte[m][x] * bytes_x
 *   scaled estimate:      S   = w_max * max_m M_m + w_sum * sum_m M_m + fixed
 *   cycles                    = S / den
 *
 * All coefficients are non-negative integers in units of 1/den cycle, so the encoder
 * can build S as an exact bit-vector term (encoders/enc_terms.c) and prove its
 * optimum, and costform_eval computes the very same integer from an emb_nest. A
 * target fills the coefficients (VTA: costform_vta.c in the target, from the hardware config:
 * compute, load and store modules that overlap, hence max + a share of the sum).
 * Invariant: a costform with set == true has den >= 1, 1 <= nmod <= COSTFORM_MAX_MOD
 * and every coefficient in [0, 2^20], so S fits 2^127 for any emb_nest. */
#ifndef EMBEDSYN_CORE_COSTFORM_H
#define EMBEDSYN_CORE_COSTFORM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/emb.h"

#define COSTFORM_MAX_MOD 4
#define COSTFORM_MAX_COEF ((int64_t)1 << 20)

typedef struct costform {
    bool set;                                /* false: no cost form (objective unavailable) */
    int32_t nmod;
    char mod_name[COSTFORM_MAX_MOD][12];     /* e.g. "compute", "load", "store" */
    int64_t inst[COSTFORM_MAX_MOD];          /* per GEMM micro-op iteration */
    int64_t byte[COSTFORM_MAX_MOD][3];       /* per DRAM byte of emb_operand inp, wgt, out */
    int64_t w_max, w_sum;                    /* weights of the busiest module and of the sum */
    int64_t fixed;                           /* constant part (start-up, pipeline fill) */
    int64_t den;                             /* cycles = S / den */
} costform;

/* Unsigned 128-bit scaled estimates (GCC/Clang extension, as the encoder's maxima). */
__extension__ typedef unsigned __int128 costform_u128;

/* Consistency of a filled form (the invariant above); false + message otherwise. */
bool costform_check(const costform *cf, status *st);
/* Scaled estimate S of costs (instances, bytes[3]); module values into mod[] if not NULL. */
costform_u128 costform_eval_costs(const costform *cf, int64_t instances, const int64_t *bytes,
                                  costform_u128 *mod);
/* S of an embedding's nest (instances and dram_bytes of emb_nest_build). */
costform_u128 costform_eval(const costform *cf, const emb_nest *n);
/* S / den as cycles. */
double costform_cycles(const costform *cf, costform_u128 s);
/* S as an unsigned 64-bit value, saturated at UINT64_MAX. */
uint64_t costform_u64(costform_u128 s);
/* One line: the formula with its coefficients (for --help and reports). */
void costform_print(FILE *f, const costform *cf);

#endif
