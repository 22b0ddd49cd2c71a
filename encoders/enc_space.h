/* enc_space: the search space of the synthesis, as a finite list of options per
 * operator dim (internal to encoders/). The Z3 encoding (enc_encode.c) picks one option
 * per dim; decoding (enc_decode.c) turns the picked options into a core `emb`.
 *
 * The space (README "Synthesis"; "optimal" means optimal over exactly this space):
 *  - swap in {0,1}: without swap VTA inp <- op In, wgt <- op Wt; with swap the reverse.
 *    P = inp-side tensor, Q = wgt-side tensor.
 *  - every dim d with E_d >= 2 gets one option:
 *      NONE          d is a plain outer loop;
 *      I(e)          d is a reduction dim (Out column 0), term on lane axis I;
 *      O(e)          d is an Out dim with P column 0, term on axis O;
 *      B(e)          (BATCH > 1 only) d is an Out dim with Q column 0, term on axis B;
 *      O(e; d2, c)   Toeplitz: d an Out dim with P column != 0, d2 a reduction dim with
 *                    P[:,d] + c P[:,d2] = 0 for a nonzero integer c (the step moves d by
 *                    1 and d2 by c, P stays fixed);
 *      B(e; d2, c)   the same on axis B with Q (BATCH > 1 only);
 *    a dim d2 used as compensation takes the option CONS (it is then in no other term;
 *    dims with E = 1 can only be NONE or CONS);
 *      O(e; d2, c; band b) / B(...): banded Toeplitz: the same direction, and d2 is in
 *                    addition an I term of extent b = min(BLOCK_IN, E_d2 + |c|(e-1))
 *                    (the I lanes run along the band of d2 values one x block needs);
 *                    d2 then takes the option BAND(b) (role I, extent b, no loop of
 *                    its own: the band option's loop factor holds the d2 loop,
 *                    ceil((E_d2 + |c|(e-1)) / b)); banded variants exist only for the
 *                    largest extent e >= 2 of each Toeplitz direction whose band fits
 *                    one I chunk (E_d2 + |c|(e-1) <= BLOCK_IN), and only in ops whose
 *                    reduction dims that nothing compensates (channels) have a product
 *                    below BLOCK_IN and whose Out dims that keep In fixed (output
 *                    channels per group) have a product below BLOCK_OUT (depthwise, or
 *                    C and K both small: elsewhere channels fill the lanes, im2col or
 *                    packing win and the band would only cost solver time).
 *  - extents e: the full extent E_d, or a split factor e with 2 <= e < E_d, e <= LANES
 *    of the axis, and e dividing LANES or E_d (the block loop then has ceil(E_d/e)
 *    iterations; padding is implied by the ceil).
 *  - at most EMB_MAX_TERMS terms per axis, fused extent of an axis <= 2^40 (emb_check).
 *  - fused order: the terms of an axis are fused in dim order. Instances and DRAM bytes
 *    do not depend on the order of the terms inside an axis (the lane order only
 *    permutes lanes inside a vector), so the optimum over this canonical order is the
 *    optimum over all orders.
 * Invariant: every option combination that satisfies enc_space_consistent is a valid
 * embedding (passes emb_check), and the per-option constants below are exactly the
 * loop extents emb_nest_build derives for it. */
#ifndef EMBEDSYN_ENCODERS_ENC_SPACE_H
#define EMBEDSYN_ENCODERS_ENC_SPACE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/emb.h"
#include "core/hw.h"
#include "core/op.h"
#include "core/status.h"

#define ENC_MAX_OPTS 512

typedef enum { ENC_R_NONE = 0, ENC_R_CONS = 1, ENC_R_B = 2, ENC_R_O = 3, ENC_R_I = 4 } enc_role;

typedef struct enc_opt {
    int8_t role;      /* enc_role */
    int8_t swap;      /* -1: any swap (NONE, CONS); else the swap this option needs */
    int32_t comp;     /* Toeplitz: compensated dim, else -1 */
    int64_t ext;      /* term extent (B/O/I) */
    int64_t coef;     /* Toeplitz coefficient */
    /* Outer-loop iterations this option contributes: block loop ceil(E/e) (1 if full)
     * times, for Toeplitz, the compensated loop E_d2 + |c|(e-1); NONE: E_d; CONS: 1. */
    int64_t loopf;
    /* Banded Toeplitz: on the O/B option the I extent b of its compensated dim (0: the
     * dim is CONS); on the compensated dim's BAND option (role I) the same b (= ext). */
    int64_t band;
} enc_opt;

typedef struct enc_space {
    const op *o;
    hw_intrinsic hw;
    int64_t lanes[3];           /* B, O, I */
    int32_t nd;
    int32_t nopt[OP_MAX_DIMS];
    enc_opt opt[OP_MAX_DIMS][ENC_MAX_OPTS];
} enc_space;

/* Builds the option lists. False + status if the op has too many options. */
bool enc_space_build(const op *o, const hw_intrinsic *hw, enc_space *s, status *st);
/* Lane axis of a role (ENC_R_B/O/I -> EMB_B/O/I), -1 otherwise. */
int enc_role_lane(int role);
/* Does the choice (swap, sel[d] option index per dim) satisfy all cross-dim rules? */
bool enc_space_consistent(const enc_space *s, bool swap, const int32_t *sel);
/* The embedding of a choice (terms of an axis in dim order). */
void enc_space_emb(const enc_space *s, bool swap, const int32_t *sel, emb *e);

/* Instance count of a consistent choice (product of loop factors and chunks). */
int64_t enc_space_instances(const enc_space *s, const int32_t *sel);

/* A good consistent choice found by greedy descent on the instance count (an upper
 * bound of the optimum; it scales the log shadow). Returns its instance count. */
int64_t enc_space_greedy(const enc_space *s, bool *swap, int32_t *sel);

/* Scalar lower bound of DESIGN section 3 (generalized to BATCH lanes):
 * ceil(outputs * ceil(RED / BLOCK_IN) / (BATCH * BLOCK_OUT)). */
int64_t enc_lower_bound(const op *o, const hw_intrinsic *hw);

/* ---- layout model (DRAM bytes of each VTA operand) ------------------------------- */
/* The operator tensor behind a VTA operand under a swap. */
int enc_operand_tensor(int x, bool swap);
/* Elements bytes of operand x (INP vector, WGT block, OUT vector). */
int64_t enc_elem_bytes(const hw_intrinsic *hw, int x);
/* Tensor-axis bitmask moved by a term (d, comp, coef) / by dim d in tensor t. */
unsigned enc_term_touch(const op *o, int t, int d, int comp, int64_t coef);
unsigned enc_dim_support(const op *o, int t, int d);
/* Connected components of tensor t's axes (axes linked when one dim moves both). */
void enc_components(const op *o, int t, unsigned *comp, int *ncomp);
/* Stored elements of operand x's dim-loop layout axes inside component `mask`, exactly
 * as emb_nest_build derives them (grouping, gcd rule, zero bands). sel[d] >= 0 is
 * needed for every dim moving the component, their compensators, and dims whose lane
 * terms may touch it; other entries may be -1. */
int64_t enc_component_stored(const enc_space *s, int x, bool swap, unsigned mask,
                             const int32_t *sel);
/* Does some term on `lane` move operand x's tensor (then its chunk loop is an axis)? */
bool enc_lane_moves(const enc_space *s, int x, bool swap, int lane, const int32_t *sel);
/* DRAM bytes (inp + wgt + out) of a consistent choice, by the same model. */
int64_t enc_space_dram(const enc_space *s, bool swap, const int32_t *sel);

#endif
