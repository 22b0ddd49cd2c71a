/* enc_testlib: helpers shared by the encoder tests (test_enc*.c). Static functions in
 * a header: each test program includes it once. */
#ifndef EMBEDSYN_TESTS_ENC_TESTLIB_H
#define EMBEDSYN_TESTS_ENC_TESTLIB_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "encoders/enc.h"
#include "encoders/enc_encode.h"
#include "encoders/enc_space.h"
#include "tests/test_util.h"

/* Solves o on hw with eo (objective and cost form set by the caller) proving the
 * optimum, writes the proof query to DIR/proofI.smt2 and has cvc5 re-check it within
 * tlimit_ms: the query must be unsat (no better embedding). */
static inline void enc_recheck_with_cvc5(const op *o, const hw_config *hw, enc_options *eo, const char *dir,
                                         size_t i, int tlimit_ms) {
    char path[256], cmd[512], out[64] = "";
    snprintf(path, sizeof path, "%s/proof%zu.smt2", dir, i);
    eo->prove = true;
    eo->smt2_path = path;
    enc_result r;
    status st;
    status_init(&st);
    cr_assert(enc_solve(o, HW_INTRINSIC(hw), eo, &r, &st), "%s", st.msg);
    cr_assert_eq(r.proof, ENC_PROOF_OPTIMAL);
    snprintf(cmd, sizeof cmd, "cvc5 --tlimit=%d %s 2>&1", tlimit_ms, path);
    FILE *p = popen(cmd, "r");
    cr_assert(p);
    if (!fgets(out, sizeof out, p))
        out[0] = '\0';
    pclose(p);
    cr_assert(!strncmp(out, "unsat", 5), "case %zu: cvc5 says '%s'", i, out);
    remove(path);
}

/* A point of an embedding space: the option per dim, swap included in the assumptions
 * A[0..na) that fix it in a formula, its embedding and nest. */
typedef struct enc_point {
    int32_t sel[OP_MAX_DIMS];
    emb e;
    emb_nest n;
    Z3_ast A[OP_MAX_DIMS + 1];
    int na;
} enc_point;

/* A random point of the embedding space sp of o on hw, drawn with tl_xrnd from *seed
 * (swap, then one option per dim), whose nest builds, with its assumptions in formula
 * f checked satisfiable (f's model is then the point's). False (nothing to compare)
 * for an inconsistent point or a nest that does not build. */
static inline bool enc_random_point(const op *o, const hw_config *hw, const enc_space *sp, enc_formula *f,
                                    uint64_t *seed, enc_point *pt) {
    bool swap = tl_xrnd(seed, 0, 1);
    for (int d = 0; d < sp->nd; d++)
        pt->sel[d] = (int32_t)tl_xrnd(seed, 0, sp->nopt[d] - 1);
    if (!enc_space_consistent(sp, swap, pt->sel))
        return false;
    enc_space_emb(sp, swap, pt->sel, &pt->e);
    status st; /* e.g. a fused extent beyond emb_check's cap */
    status_init(&st);
    if (!emb_nest_build(o, HW_INTRINSIC(hw), &pt->e, &pt->n, &st))
        return false;
    pt->na = 0;
    pt->A[pt->na++] = swap ? f->swap : Z3_mk_not(f->ctx, f->swap);
    for (int d = 0; d < sp->nd; d++)
        pt->A[pt->na++] = Z3_mk_eq(f->ctx, f->opt[d], enc_bv_const(f, (uint64_t)pt->sel[d], f->optw[d]));
    cr_assert_eq(enc_check(f, pt->na, pt->A), Z3_L_TRUE);
    return true;
}

/* The value of term t in the model of f's last satisfiable check. */
static inline uint64_t enc_model_value(enc_formula *f, Z3_ast t) {
    Z3_model m = Z3_solver_get_model(f->ctx, f->sol);
    Z3_model_inc_ref(f->ctx, m);
    uint64_t v = enc_model_u64(f, m, t);
    Z3_model_dec_ref(f->ctx, m);
    return v;
}

#endif
