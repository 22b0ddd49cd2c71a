/* enc_encode: the bit-blasted Z3 formula of one query (internal to encoders/).
 * Choices are a Boolean `swap` and one small bit-vector per dim (the option index of
 * enc_space); every cost is a bit-vector term over them whose width is the bit length
 * of its own maximum, so no term can overflow and multipliers stay narrow:
 *   lane extents F_a (product of term extents), chunks_a = ceil(F_a / LANES_a) (a
 *   shift), instances = product of option loop factors x chunks, and the DRAM bytes of
 *   each VTA operand = element bytes x product of layout-axis extents (tabulated per
 *   group of parallel loops) x chunk axes.
 * Invariant: every assertion made is recorded in f->as[] so the exact query can be
 * exported as SMT-LIB2; one Z3_context per formula, freed by enc_formula_free. */
#ifndef EMBEDSYN_ENCODERS_ENC_ENCODE_H
#define EMBEDSYN_ENCODERS_ENC_ENCODE_H

#include <stdbool.h>
#include <stdint.h>
#include <z3.h>

#include "encoders/enc_terms.h"

/* Creates context + solver and asserts the space constraints and cost definitions. */
bool enc_formula_build(enc_formula *f, const enc_space *sp, uint64_t rlimit, double timeout_s,
                       status *st);
void enc_formula_free(enc_formula *f);
/* Stages 1-2 of a query (enc_solve, enc_layouts): builds the space of (o, hw) and its
 * formula into f (with the cycles term when cf is not NULL). Returns the malloc'd space (the caller frees it and f), or NULL with
 * st filled and nothing left to free. */
enc_space *enc_query_open(const op *o, const hw_intrinsic *hw, const costform *cf, uint64_t rlimit,
                          double timeout_s, enc_formula *f, status *st);
/* f->cycles: the named scaled estimate S of cost form cf (checked) over the formula's
 * instances and operand bytes; its definition is asserted by enc_activate_cycles. */
bool enc_cycles_term(enc_formula *f, const costform *cf, status *st);
void enc_activate_cycles(enc_formula *f);
/* "cycles <= v" for the search (exact, plus sound per-cost hints). */
Z3_ast enc_cyc_le(enc_formula *f, uint64_t v);
/* Asserts the definitions of the instance count / DRAM bytes (each once). A cost
 * enters the formula only when an objective uses it: unused product circuits only
 * slow the SAT search down. */
void enc_activate(enc_formula *f, bool inst, bool dram);
/* "instances <= v" for the search, on the log shadow loglb (a sum of per-option
 * constants: no multiplier). The shadow is a lower bound of S log2(instances), so
 * instances <= v implies it; its scale S is so fine that for the values asked it also
 * implies instances <= v (else the exact product is activated and conjoined). */
Z3_ast enc_inst_le(enc_formula *f, uint64_t v);
/* "dram <= v" (exact) with per-operand log-shadow hints (implied, sound). */
Z3_ast enc_dram_le(enc_formula *f, uint64_t v);
/* A fresh Boolean p with p -> a asserted; checking with assumption p enforces a. */
Z3_ast enc_guard(enc_formula *f, Z3_ast a);
/* Check under assumptions with the remaining resource budget: Z3_L_TRUE/FALSE/UNDEF. */
Z3_lbool enc_check(enc_formula *f, int nassum, const Z3_ast *assum);
/* The recorded assertions (enc_assert) and `extra`, checked in two new solvers of the
 * same context, one per value of the swap (substituted and simplified), without the
 * guards and learned clauses of earlier checks: UNSAT iff both are; same limits and
 * resource accounting as enc_check. */
Z3_lbool enc_check_split(enc_formula *f, Z3_ast extra);
/* Z3_solver_check_assumptions that a pending or arriving enc_request_interrupt stops
 * (then Z3_L_UNDEF; enc_interrupt.c). */
Z3_lbool enc_check_interruptible(Z3_context c, Z3_solver s, unsigned n, const Z3_ast *assum);
/* Values of the last model. */
uint64_t enc_model_u64(enc_formula *f, Z3_model m, Z3_ast t);
/* The same, saturated at UINT64_MAX (for terms whose maximum exceeds 64 bits: the
 * cycles estimate of an absurd choice can). */
uint64_t enc_model_u64_sat(enc_formula *f, Z3_model m, Z3_ast t);
void enc_model_choice(enc_formula *f, Z3_model m, bool *swap, int32_t *sel);
/* Blocking formula: not (swap == s and every dim's option in the same class as sel),
 * where two options are in the same class when `same` says so. */
Z3_ast enc_block_class(enc_formula *f, bool swap, const int32_t *sel,
                       bool (*same)(const enc_opt *, const enc_opt *));

/* SMT-LIB2 text of (all assertions) and `extra`, status unsat; caller frees nothing
 * (string owned by the context). */
const char *enc_smt2(enc_formula *f, Z3_ast extra);


#endif
