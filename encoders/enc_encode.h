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

#include "encoders/enc_space.h"

#define ENC_MAX_ASSERTS 4096

/* Maxima of wide products are tracked exactly in 128 bits (GCC/Clang extension). */
__extension__ typedef unsigned __int128 enc_u128;

typedef struct enc_term {
    Z3_ast t;
    unsigned w;     /* bit width */
    enc_u128 max;   /* largest value the term can take */
    uint64_t min;   /* a lower bound of its values (0 if unknown) */
} enc_term;

typedef struct enc_formula {
    Z3_context ctx;
    Z3_solver sol;
    const enc_space *sp;
    Z3_ast swap;
    Z3_ast opt[OP_MAX_DIMS];
    unsigned optw[OP_MAX_DIMS];
    enc_term chunks[3];
    enc_term logchunks[3];  /* LOG(chunks_a) when tabulated, else t == NULL */
    enc_term instances;
    enc_term bytes[3];      /* per emb_operand */
    enc_term logbytes[3];   /* log shadow of bytes[x] (lower bound of S log2 bytes) */
    enc_term dram;          /* sum of bytes */
    Z3_ast inst_def, dram_def;  /* "name == product" definitions, asserted on demand */
    bool inst_on, dram_on;
    enc_term loglb;
    long double log_scale;
    int shadow_terms;
    uint64_t ub;            /* instances of a known consistent choice (greedy) */         /* log-domain lower bound of instances (see enc_bound) */
    int nas;
    Z3_ast as[ENC_MAX_ASSERTS];
    uint64_t rlimit_left;   /* remaining resource budget (0 = unlimited) */
    double timeout_s;
    int nfresh;
    double deadline_ms;     /* es_now_ms() + timeout: the timeout bounds the whole query */
    uint64_t rlimit_used;   /* Z3 "rlimit count" consumed by all checks so far */
} enc_formula;

/* Creates context + solver and asserts the space constraints and cost definitions. */
bool enc_formula_build(enc_formula *f, const enc_space *sp, uint64_t rlimit, double timeout_s,
                       status *st);
void enc_formula_free(enc_formula *f);
/* Stages 1-2 of a query (enc_solve, enc_layouts): builds the space of (o, hw) and its
 * formula into f. Returns the malloc'd space (the caller frees it and f), or NULL with
 * st filled and nothing left to free. */
enc_space *enc_query_open(const op *o, const hw_config *hw, uint64_t rlimit, double timeout_s,
                          enc_formula *f, status *st);
/* Asserts the definitions of the instance count / DRAM bytes (each once). A cost
 * enters the formula only when an objective uses it: unused product circuits only
 * slow the SAT search down. */
void enc_activate(enc_formula *f, bool inst, bool dram);
/* Permanent assertion (recorded). */
void enc_assert(enc_formula *f, Z3_ast a);
/* Term helpers. */
Z3_ast enc_bv_const(enc_formula *f, uint64_t v, unsigned w);
Z3_ast enc_ult_const(enc_formula *f, enc_term t, uint64_t v);   /* t < v */
Z3_ast enc_eq_const(enc_formula *f, enc_term t, uint64_t v);    /* t == v */
/* "instances <= v" for the search, on the log shadow loglb (a sum of per-option
 * constants: no multiplier). The shadow is a lower bound of S log2(instances), so
 * instances <= v implies it; its scale S is so fine that for the values asked it also
 * implies instances <= v (else the exact product is activated and conjoined). */
Z3_ast enc_inst_le(enc_formula *f, uint64_t v);
/* "dram <= v" (exact) with per-operand log-shadow hints (implied, sound). */
Z3_ast enc_dram_le(enc_formula *f, uint64_t v);
uint64_t enc_log_ceil(const enc_formula *f, uint64_t x);
/* A fresh Boolean p with p -> a asserted; checking with assumption p enforces a. */
Z3_ast enc_guard(enc_formula *f, Z3_ast a);
/* Check under assumptions with the remaining resource budget: Z3_L_TRUE/FALSE/UNDEF. */
Z3_lbool enc_check(enc_formula *f, int nassum, const Z3_ast *assum);
/* Z3_solver_check_assumptions that a pending or arriving enc_request_interrupt stops
 * (then Z3_L_UNDEF; enc_interrupt.c). */
Z3_lbool enc_check_interruptible(Z3_context c, Z3_solver s, unsigned n, const Z3_ast *assum);
/* Values of the last model. */
uint64_t enc_model_u64(enc_formula *f, Z3_model m, Z3_ast t);
void enc_model_choice(enc_formula *f, Z3_model m, bool *swap, int32_t *sel);
/* Blocking formula: not (swap == s and every dim's option in the same class as sel),
 * where two options are in the same class when `same` says so. */
Z3_ast enc_block_class(enc_formula *f, bool swap, const int32_t *sel,
                       bool (*same)(const enc_opt *, const enc_opt *));

/* SMT-LIB2 text of (all assertions) and `extra`, status unsat; caller frees nothing
 * (string owned by the context). */
const char *enc_smt2(enc_formula *f, Z3_ast extra);


/* ---- internal term building (enc_terms.c) ------------------------------------------ */
#define ENC_MAX_WIDTH 120   /* widest cost term */
#define ENC_MAX_TABLE 20000 /* most leaves of one joint table */
unsigned enc_bits_of(enc_u128 v);
Z3_ast enc_zext(enc_formula *f, Z3_ast t, unsigned from, unsigned to);
enc_term enc_term_const(enc_formula *f, uint64_t v);
/* Product / sum at the width of the product / sum of the maxima; false + status when
 * that exceeds ENC_MAX_WIDTH bits. */
bool enc_term_mul(enc_formula *f, enc_term a, enc_term b, enc_term *r, status *st);
bool enc_term_add(enc_formula *f, enc_term a, enc_term b, enc_term *r, status *st);
Z3_ast enc_opt_is(enc_formula *f, int d, int k);
/* OR of opt_d == k over the k with mask[k]. */
Z3_ast enc_opt_in(enc_formula *f, int d, const bool *mask);
/* Term with value val[k] when opt_d == k. */
enc_term enc_opt_table(enc_formula *f, int d, const uint64_t *val);
/* floor(S log2 x) - 1 (>= 0): a lower bound of S log2 x despite rounding. */
uint64_t enc_log_floor(long double scale, uint64_t x);
/* f->chunks[] and f->logchunks[] (plus the terms-per-axis limit). */
bool enc_chunk_terms(enc_formula *f, status *st);
/* f->loglb, the log shadow of the instance count. */
bool enc_log_instances(enc_formula *f, status *st);
/* Bytes of operand x under a fixed swap, and its log shadow. */
bool enc_operand_bytes(enc_formula *f, int x, bool swap, enc_term *out, enc_term *lout, status *st);

#endif
