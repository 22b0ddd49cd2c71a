/* enc_testlib: helpers shared by the encoder tests (test_enc*.c). Static functions in
 * a header: each test program includes it once. */
#ifndef EMBEDSYN_TESTS_ENC_TESTLIB_H
#define EMBEDSYN_TESTS_ENC_TESTLIB_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "encoders/enc.h"

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
    cr_assert(enc_solve(o, hw, eo, &r, &st), "%s", st.msg);
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

#endif
