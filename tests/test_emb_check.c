/* Tests of the embedding checkers (core/emb_nest.c emb_check, core/emb_check.c
 * emb_check_scalar): a hand-broken embedding per structural rule with its expected
 * message, and nests tampered in specific ways (wrong input rows, swapped accumulator
 * axes, cut loops, split or unwritten accumulators, addresses past a layout) that the
 * scalar checker must report with instance, lanes and points, in full and sampled mode. */
#include "tests/emb_testlib.h"

/* ---- the structural checker --------------------------------------------------------- */

static void expect_reject(const op *o, const emb *e, const char *want) {
    hw_config hw = hw_default();
    status st;
    status_init(&st);
    cr_assert_not(emb_check(o, HW_INTRINSIC(&hw), e, &st), "accepted, want: %s", want);
    cr_assert(strstr(st.msg, want), "message '%s' lacks '%s'", st.msg, want);
    emb_nest n;
    status_init(&st);
    cr_assert_not(emb_nest_build(o, HW_INTRINSIC(&hw), e, &n, &st));
}

Test(emb_check, rejects_broken_embeddings) {
    op o = mkconv(cparams(1, 3, 7, 7, 5, 3, 3, 2, 1));
    emb e = emb_empty();
    term(&o, &e, EMB_I, "c", 0);
    e.term[EMB_I][0].dim = 9;
    expect_reject(&o, &e, "I lane term 0: dim 9 out of range (op has 7 dims)");
    e = emb_empty();
    term(&o, &e, EMB_I, "c", 0);
    term(&o, &e, EMB_I, "c", 0);
    expect_reject(&o, &e, "dim 'c' used twice (I lane term 0 and I lane term 1)");
    e = emb_empty();
    term(&o, &e, EMB_I, "c", 0);
    e.term[EMB_I][0].extent = 4;
    expect_reject(&o, &e, "I lane term 0 (c): extent 4 out of range 1..3");
    e.term[EMB_I][0].extent = 0;
    expect_reject(&o, &e, "extent 0 out of range");
    e = emb_empty();
    term(&o, &e, EMB_I, "x", 0);
    expect_reject(&o, &e, "I lane term 0 (x) moves Out axis 3 by 1 (I terms must be reduction dims)");
    e = emb_empty();
    term(&o, &e, EMB_O, "k", 0);
    term(&o, &e, EMB_O, "x", 2);
    expect_reject(&o, &e, "O lane term 1 (x) moves In axis 3 by 2 (O terms must keep the inp-side tensor In fixed)");
    e = emb_empty();
    term(&o, &e, EMB_B, "k", 0);
    expect_reject(&o, &e, "B lane term 0 (k) moves Wt axis 0 by 1 (B terms must keep the wgt-side tensor Wt fixed)");
    e = emb_empty();
    cterm(&o, &e, EMB_O, "x", 3, "s", -1); /* stride 2 needs -2 */
    expect_reject(&o, &e, "coefficient for s would be -2");
    e = emb_empty();
    cterm(&o, &e, EMB_O, "x", 3, "s", 0);
    expect_reject(&o, &e, "compensation coefficient for s must be nonzero");
    e = emb_empty();
    cterm(&o, &e, EMB_O, "x", 3, "x", -2);
    expect_reject(&o, &e, "compensates itself");
    e = emb_empty();
    cterm(&o, &e, EMB_O, "x", 3, "c", -2);
    expect_reject(&o, &e, "no coefficient of c cancels the move");
    e = emb_empty();
    term(&o, &e, EMB_O, "k", 0);
    term(&o, &e, EMB_I, "k", 2);
    expect_reject(&o, &e, "dim 'k' used twice (O lane term 0 and I lane term 0)");
    /* a dim may be compensated and a lane term (banded), but the dataflow rules hold */
    e = emb_empty();
    term(&o, &e, EMB_O, "k", 0);
    cterm(&o, &e, EMB_I, "r", 3, "k", 1);
    expect_reject(&o, &e, "I lane term 0 (r with k*1) moves Out axis 1 by 1 (I terms must be reduction dims)");
    /* s stepped by the O lanes with x compensating keeps In fixed and moves Out, but
     * the accumulator lane of an output would then depend on s */
    op o1 = mkconv(cparams(1, 3, 7, 7, 5, 3, 3, 1, 1));
    e = emb_empty();
    cterm(&o1, &e, EMB_O, "s", 3, "x", -1);
    expect_reject(&o1, &e, "O lane term 0 (s with x*-1): primary dim s is a reduction dim");
    /* grouped conv (Kg = 3): O lanes over k in blocks of 2 overshoot to k = 3, which is
     * the next group's channel in Out and Wt (g*3 + k): rejected; blocks of 3 are fine */
    op_conv gp = cparams(1, 4, 5, 5, 6, 3, 3, 1, 1);
    gp.groups = 2;
    op og = mkconv(gp);
    e = emb_empty();
    term(&og, &e, EMB_I, "c", 0);
    term(&og, &e, EMB_O, "k", 2);
    expect_reject(&og, &e, "dim 'k' runs over 0..3 in the nest (extent 3) and the points outside 0..2 stay "
                           "inside every tensor");
    e.term[EMB_O][0].extent = 3;
    hw_config hw0 = hw_default();
    status st0;
    status_init(&st0);
    cr_assert(emb_check(&og, HW_INTRINSIC(&hw0), &e, &st0), "%s", st0.msg);
    /* ... while overshooting c (Wt's own axis) is harmless */
    e = emb_empty();
    term(&og, &e, EMB_I, "c", 1);
    term(&og, &e, EMB_O, "k", 0);
    cr_assert(emb_check(&og, HW_INTRINSIC(&hw0), &e, &st0), "%s", st0.msg);
    e = emb_empty();
    e.nterms[EMB_B] = 7;
    expect_reject(&o, &e, "B lane has 7 terms");
    /* hardware outside what the tables support is rejected, not trusted */
    {
        hw_config big = hw_default();
        big.log_block_in = 9;
        e = emb_empty();
        term(&o, &e, EMB_I, "c", 0);
        status st2;
        status_init(&st2);
        cr_assert_not(emb_check(&o, HW_INTRINSIC(&big), &e, &st2));
        cr_assert(strstr(st2.msg, "log_block_in"), "%s", st2.msg);
    }
    /* swapped GEMM: inp side is Wt = A[m][k] */
    op g = mkgemm(9, 5, 7, false, false);
    e = emb_empty();
    e.swap = true;
    term(&g, &e, EMB_O, "m", 0);
    expect_reject(&g, &e, "O lane term 0 (m) moves A axis 0 by 1 (O terms must keep the inp-side tensor A fixed)");
    /* families that do not apply */
    hw_config hw = hw_default();
    status st;
    status_init(&st);
    cr_assert_not(emb_im2col(&o, HW_INTRINSIC(&hw), "c,x", &e, &st));
    cr_assert(strstr(st.msg, "dim 'x' is not a reduction dim"), "%s", st.msg);
    status_init(&st);
    cr_assert_not(emb_im2col(&o, HW_INTRINSIC(&hw), "c,q", &e, &st));
    cr_assert(strstr(st.msg, "unknown dim 'q'"), "%s", st.msg);
}

/* ---- the scalar checker on tampered nests -------------------------------------------- */

static emb_nest good_nest(const op *o, const emb *e) {
    hw_config hw = hw_default();
    status st;
    status_init(&st);
    emb_nest n;
    cr_assert(emb_nest_build(o, HW_INTRINSIC(&hw), e, &n, &st), "%s", st.msg);
    cr_assert(emb_check_scalar(o, HW_INTRINSIC(&hw), e, &n, 1 << 20, 1, &st), "%s", st.msg);
    return n;
}

static void expect_scalar_fail(const op *o, const emb *e, const emb_nest *n, int64_t maxi,
                               const char *want) {
    hw_config hw = hw_default();
    status st;
    status_init(&st);
    cr_assert_not(emb_check_scalar(o, HW_INTRINSIC(&hw), e, n, maxi, 7, &st), "accepted, want %s", want);
    cr_assert(strstr(st.msg, want), "message '%s' lacks '%s'", st.msg, want);
}

Test(emb_scalar, catches_tampered_nests) {
    op o = mkconv(cparams(1, 3, 7, 7, 5, 3, 3, 1, 1));
    emb e;
    hw_config hw = hw_default();
    status st;
    status_init(&st);
    cr_assert(emb_channel_packing(&o, HW_INTRINSIC(&hw), &e, &st));
    emb_nest n = good_nest(&o, &e);
    /* inp address ignores r: the input lane holds the wrong row */
    emb_nest bad = n;
    int lr = find_loop(&o, &bad, "r");
    int ly = find_loop(&o, &bad, "y");
    bad.loop[lr].axis[EMB_INP] = -1;
    (void)ly;
    expect_scalar_fail(&o, &e, &bad, 1 << 20,
                       "instance 4 (n=0,y=0,x=0,r=1,s=1) lanes b=0 o=0 i=0: point "
                       "(n=0,k=0,y=0,x=0,c=0,r=1,s=1) reads In[0,0,0,0] but inp element 1 lane "
                       "(b=0,i=0) holds zero");
    expect_scalar_fail(&o, &e, &bad, 50, "but inp element");
    /* accumulators: y and x swapped in the acc layout of a non-square output */
    op o2 = mkconv(cparams(1, 3, 7, 6, 5, 3, 3, 1, 0));
    cr_assert(emb_channel_packing(&o2, HW_INTRINSIC(&hw), &e, &st));
    n = good_nest(&o2, &e);
    bad = n;
    bad.loop[find_loop(&o2, &bad, "y")].coef[EMB_ACC] = 2;
    expect_scalar_fail(&o2, &e, &bad, 1 << 20, "writes Out[0,0,1,0] but acc element 8 lane (b=0,o=0) holds");
    /* a loop cut short: points never computed */
    bad = n;
    bad.loop[find_loop(&o2, &bad, "s")].extent = 2;
    bad.instances = bad.instances / 3 * 2;
    expect_scalar_fail(&o2, &e, &bad, 1 << 20, "is never computed");
    /* two loops feed the same accumulators: r shifts the output row */
    bad = n;
    lr = find_loop(&o2, &bad, "r");
    bad.loop[lr].axis[EMB_ACC] = bad.loop[find_loop(&o2, &bad, "y")].axis[EMB_ACC];
    bad.loop[lr].coef[EMB_ACC] = 1;
    expect_scalar_fail(&o2, &e, &bad, 1 << 20, "but acc element 4 lane (b=0,o=0) holds Out[0,0,1,0]");
    /* the reduction over r split across three accumulator copies (an extra acc axis
     * moved by r that does not move Out): every slot holds the right element, but each
     * output is accumulated in three places */
    bad = n;
    {
        emb_layout *L = &bad.lay[EMB_ACC];
        for (int k = L->naxes; k > 0; k--) {
            L->extent[k] = L->extent[k - 1];
            L->base[k] = L->base[k - 1];
        }
        L->naxes++;
        L->extent[0] = 3;
        L->base[0] = 0;
        L->elems *= 3;
        for (int li = 0; li < bad.nloops; li++)
            if (bad.loop[li].axis[EMB_ACC] >= 0)
                bad.loop[li].axis[EMB_ACC]++;
        lr = find_loop(&o2, &bad, "r");
        bad.loop[lr].axis[EMB_ACC] = 0;
        bad.loop[lr].coef[EMB_ACC] = 1;
        expect_scalar_fail(&o2, &e, &bad, 1 << 20,
                           "Out[0,0,0,0] is accumulated in two slots: acc element 0 lane 0 and element 20 lane 0");
        /* the same layout with r not moving it: the copies are never written */
        bad.loop[lr].axis[EMB_ACC] = -1;
        bad.loop[lr].coef[EMB_ACC] = 0;
        expect_scalar_fail(&o2, &e, &bad, 1 << 20,
                           "acc element 20 lane 0 is unpacked as Out[0,0,0,0] but no domain point accumulates into it");
    }
    /* addresses past the end of a layout are reported, not followed */
    bad = n;
    bad.lay[EMB_ACC].elems = 10;
    expect_scalar_fail(&o2, &e, &bad, 1 << 20,
                       "instance 90 (n=0,y=2,x=2,r=0,s=0): acc address 10 outside the layout (10 elements)");
}

Test(emb_scalar, sampled_mode_checks_large_layers) {
    hw_config hw = hw_default();
    op o = mkconv(cparams(1, 64, 56, 56, 64, 3, 3, 1, 1));
    emb e;
    status st;
    status_init(&st);
    cr_assert(emb_im2col(&o, HW_INTRINSIC(&hw), "c,r,s", &e, &st));
    emb_nest n;
    cr_assert(emb_nest_build(&o, HW_INTRINSIC(&hw), &e, &n, &st), "%s", st.msg);
    cr_assert(emb_check_scalar(&o, HW_INTRINSIC(&hw), &e, &n, 2000, 42, &st), "%s", st.msg);
    emb_nest bad = n;
    bad.loop[find_loop(&o, &bad, "x")].coef[EMB_ACC] = 0;
    bad.loop[find_loop(&o, &bad, "x")].axis[EMB_ACC] = -1;
    expect_scalar_fail(&o, &e, &bad, 2000, "holds");
}

