/* enc_terms: the data of one query's bit-blasted formula and the term builders over it
 * (internal to encoders/): bit-vector terms with exact maxima, option tables, joint ITE
 * tables over several dims' options, the chunk, layout-component and log-shadow tables,
 * the DRAM bytes of each VTA operand and the cycles term of a cost form. enc_encode
 * assembles the formula from these; this layer calls nothing of enc_encode (one-way).
 * Invariant: a term's width holds its maximum; every assertion goes through enc_assert
 * and is recorded in f->as[] for the SMT-LIB2 export. */
#ifndef EMBEDSYN_ENCODERS_ENC_TERMS_H
#define EMBEDSYN_ENCODERS_ENC_TERMS_H

#include <stdbool.h>
#include <stdint.h>
#include <z3.h>

#include "core/costform.h"
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
    uint64_t ub;            /* instances of a known consistent choice (greedy) */
    /* cycles objective (enc_cycles_term): the scaled estimate S of a cost form */
    costform cf;            /* cf.set == false: no cycles term */
    enc_term cycles;
    Z3_ast cyc_def;
    bool cyc_on;
    uint64_t cyc_inst_coef;  /* S >= fixed + cyc_inst_coef * instances */
    uint64_t cyc_byte_coef[3]; /* S >= fixed + cyc_byte_coef[x] * bytes_x */
    /* S >= fixed + sum_j cyc_k[m][j] * cost_j for every module m (cost 0 = instances,
     * 1 + x = bytes_x), and cost_j >= cyc_min[j]: the linear bounds of enc_cyc_le */
    uint64_t cyc_k[COSTFORM_MAX_MOD][4];
    uint64_t cyc_min[4];
    enc_term cyc_mod[COSTFORM_MAX_MOD]; /* module terms (t == NULL if empty) */
    uint64_t cyc_ub;        /* cycles of a known consistent choice (enc_cycles_seed) */
    bool cyc_seed_swap;     /* that choice (valid when cyc_ub < UINT64_MAX) */
    int32_t cyc_seed_sel[OP_MAX_DIMS];
    bool cyc_exact_tried;   /* enc_cycles_exact ran (once per formula) */
    bool cyc_exact;         /* cyc_ub is the minimum over the whole space (enumerated) */
    bool plain_proof;       /* no proof shortcut: always the solver's UNSAT (enc_options) */
    int nas;
    Z3_ast as[ENC_MAX_ASSERTS];
    uint64_t rlimit_left;   /* remaining resource budget (0 = unlimited) */
    double timeout_s;
    double deadline_ms;     /* es_now_ms() + timeout: the timeout bounds the whole query */
    uint64_t rlimit_used;   /* Z3 "rlimit count" consumed by all checks so far */
    int nfresh;
} enc_formula;

/* Permanent assertion (recorded). */
void enc_assert(enc_formula *f, Z3_ast a);
/* Term helpers. */
Z3_ast enc_bv_const(enc_formula *f, uint64_t v, unsigned w);
Z3_ast enc_ult_const(enc_formula *f, enc_term t, uint64_t v);   /* t < v */
Z3_ast enc_eq_const(enc_formula *f, enc_term t, uint64_t v);    /* t == v */
uint64_t enc_log_ceil(const enc_formula *f, uint64_t x);

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
/* max(a, b) at the wider width. */
enc_term enc_term_max(enc_formula *f, enc_term a, enc_term b);
/* The unnamed term S of cost form cf over `instances` and `bytes` (costform.h), and the
 * coefficients of its per-cost lower bounds (f->cyc_inst_coef, f->cyc_byte_coef). */
bool enc_cycles_expr(enc_formula *f, const costform *cf, enc_term instances,
                     const enc_term *bytes, enc_term *out, status *st);

#endif
