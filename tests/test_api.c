/* Tests of the public API (include/embedsyn.h, api/embedsyn.c): each call gives what
 * the internal module it wraps gives for the same input (spec loader, encoder,
 * driver), errors land in the caller's buffer, and the version names git and Z3. */
#include <criterion/criterion.h>
#include <string.h>

#include "embedsyn.h"
#include "bench/driver.h"
#include "core/spec.h"
#include "core/spec_emb.h"
#include "encoders/enc.h"

Test(api, version_names_git_and_z3) {
    const char *v = embedsyn_version();
    cr_expect(strstr(v, "(git ") && strstr(v, ", Z3 4."), "%s", v);
}

Test(api, bad_shapes_and_files_report_errors) {
    char err[256] = "";
    cr_expect_null(embedsyn_op_conv("C=3,H=8", err, sizeof err));
    cr_expect_gt(strlen(err), 0);
    err[0] = '\0';
    cr_expect_null(embedsyn_op_load(EMBEDSYN_SOURCE_DIR "/tests/bad/op_zero_size.xml", err, sizeof err));
    cr_expect(strstr(err, "op_zero_size.xml:5:"), "%s", err);
    cr_expect_null(embedsyn_hw_load("/nonexistent.xml", NULL, 0)); /* no buffer: no crash */
}

Test(api, solve_and_run_match_the_modules_they_wrap, .timeout = 120) {
    const char *shape = "N=1,C=3,H=16,W=16,K=16,R=3,S=3,pad=1";
    char err[256];
    embedsyn_op *xo = embedsyn_op_conv(shape, err, sizeof err);
    cr_assert_not_null(xo, "%s", err);
    embedsyn_hw *hw = embedsyn_hw_default();
    op o;
    status st;
    status_init(&st);
    cr_assert(spec_parse_conv(shape, "t", &o, &st), "%s", st.msg);
    cr_expect_eq(embedsyn_op_macs(xo), op_macs(&o));
    hw_config h = hw_default();

    embedsyn_solve_info si;
    embedsyn_emb *e = embedsyn_solve(xo, hw, EMBEDSYN_OBJ_LEX, 0, &si, err, sizeof err);
    cr_assert_not_null(e, "%s", err);
    enc_options eo;
    enc_options_init(&eo);
    enc_result er;
    cr_assert(enc_solve(&o, HW_INTRINSIC(&h), &eo, &er, &st), "%s", st.msg);
    cr_expect_eq(si.instances, er.instances);
    cr_expect_eq(si.dram_bytes, er.dram_bytes);
    cr_expect_eq(si.proven, er.proof == ENC_PROOF_OPTIMAL);
    cr_expect(si.complete);

    embedsyn_run_opts ro = {.check_sample = 32, .seed = 3};
    embedsyn_run_info ours, ref;
    cr_assert(embedsyn_run(xo, hw, e, &ro, &ours, err, sizeof err), "%s", err);
    cr_assert(embedsyn_run(xo, hw, NULL, &ro, &ref, err, sizeof err), "%s", err);
    cr_expect(ours.checked && ours.check_passed && ref.checked && ref.check_passed);
    driver_opts d;
    driver_opts_init(&d);
    d.check_sample = 32;
    d.seed = 3;
    driver_result dr, rr;
    cr_assert(driver_run(&o, &h, &er.e, &d, &dr, &st), "%s", st.msg);
    cr_assert(driver_run_reference(&o, &h, &d, &rr, &st), "%s", st.msg);
    cr_expect_eq(ours.cycles, (uint64_t)dr.sim.cycles);
    cr_expect_eq(ref.cycles, (uint64_t)rr.sim.cycles);

    /* Write the embedding, load it back: same cycles. */
    char path[] = "/tmp/test_api_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    embedsyn_emb_write(f, xo, e);
    fclose(f);
    embedsyn_emb *e2 = embedsyn_emb_load(path, xo, err, sizeof err);
    cr_assert_not_null(e2, "%s", err);
    embedsyn_run_info again;
    cr_assert(embedsyn_run(xo, hw, e2, NULL, &again, err, sizeof err), "%s", err);
    cr_expect_eq(again.cycles, ours.cycles);
    cr_expect_not(again.checked);
    remove(path);
    embedsyn_emb_free(e2);
    embedsyn_emb_free(e);
    embedsyn_hw_free(hw);
    embedsyn_op_free(xo);
}
