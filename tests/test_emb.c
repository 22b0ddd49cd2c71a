/* Tests of core/emb: for every embedding family (channel packing, full and partial
 * im2col, operand-swapped GEMM and conv, Toeplitz with compensated taps, spatial batch
 * lanes, grouped/depthwise conv, dilation, a generic affine op with a +1 compensation,
 * and random embeddings) on padded odd sizes, strides, paddings, batches and several
 * hardware shapes, the nest is built, checked by the scalar checker, random data is
 * packed, the nest is executed by a tiny GEMM interpreter (tests/emb_testlib.h) and the
 * result compared bit by bit with ref_run (core/ref, an independent oracle). Plus the
 * layouts against hand-computed shapes, descriptions, and packing speed. */
#include <time.h>

#include "tests/emb_testlib.h"

/* ---- layouts against hand-computed shapes -------------------------------------------- */

static void expect_lay(const emb_nest *n, emb_operand x, int naxes, const int64_t *ext,
                       const int64_t *zlo, const int64_t *zhi) {
    const emb_layout *l = &n->lay[x];
    cr_assert_eq(l->naxes, naxes, "operand %d: %d axes, want %d", x, l->naxes, naxes);
    for (int k = 0; k < naxes; k++) {
        cr_assert_eq(l->extent[k], ext[k], "operand %d axis %d extent %lld want %lld", x, k,
                     (long long)l->extent[k], (long long)ext[k]);
        if (zlo)
            cr_assert_eq(l->zero_lo[k], zlo[k], "operand %d axis %d zero_lo %lld", x, k, (long long)l->zero_lo[k]);
        if (zhi)
            cr_assert_eq(l->zero_hi[k], zhi[k], "operand %d axis %d zero_hi %lld", x, k, (long long)l->zero_hi[k]);
    }
}

Test(emb_layout, channel_packing_is_nchw16c_oihw16o16i) {
    hw_config hw = hw_default();
    op o = mkconv(cparams(2, 40, 7, 7, 20, 3, 3, 1, 1));
    emb_nest n;
    packed_emb(&o, &hw, &n);
    /* inp N, C/16, H+2, W+2 with one zero row/column each side */
    expect_lay(&n, EMB_INP, 4, (int64_t[]){2, 3, 9, 9}, (int64_t[]){0, 0, 1, 1}, (int64_t[]){0, 0, 1, 1});
    expect_lay(&n, EMB_WGT, 4, (int64_t[]){2, 3, 3, 3}, NULL, NULL);
    expect_lay(&n, EMB_ACC, 4, (int64_t[]){2, 2, 7, 7}, NULL, NULL);
    cr_assert_eq(n.instances, 2 * 7 * 7 * 3 * 3 * 2 * 3);
    cr_assert_eq(n.lane_extent[EMB_I], 40);
    cr_assert_eq(n.lane_extent[EMB_O], 20);
    cr_assert_eq(n.dram_bytes[EMB_INP], 2 * 3 * 7 * 7 * 16);
    cr_assert_eq(n.dram_bytes[EMB_WGT], 2 * 3 * 9 * 256);
    cr_assert_eq(n.dram_bytes[EMB_ACC], 2 * 2 * 49 * 16);
    cr_assert(n.needs_transform);
    cr_assert_float_eq(n.dup_factor, 48.0 / 40.0, 1e-9);
    double macs = 2.0 * 20 * 49 * 40 * 9;
    cr_assert_float_eq(n.utilization, macs / ((double)n.instances * 256), 1e-12);
    /* address of instance 0 is element 0; the chunk_I loop is the last loop, step 1 in
     * the C/16 axis of inp */
    int64_t t[EMB_MAX_LOOPS] = {0};
    cr_assert_eq(emb_addr(&n, EMB_INP, t), 0);
    cr_assert_eq(n.loop[n.nloops - 1].kind, EMB_LOOP_CHUNK);
    cr_assert_eq(n.loop[n.nloops - 1].dim, EMB_I);
    t[n.nloops - 1] = 1;
    cr_assert_eq(emb_addr(&n, EMB_INP, t), 81);
}

Test(emb_layout, stride2_keeps_every_input_row) {
    hw_config hw = hw_default();
    op o = mkconv(cparams(1, 16, 7, 7, 16, 3, 3, 2, 1)); /* OH = 4 */
    emb_nest n;
    packed_emb(&o, &hw, &n);
    /* h = 2y + r - 1 spans -1..7: 9 values, one zero row at each end */
    expect_lay(&n, EMB_INP, 2, (int64_t[]){9, 9}, (int64_t[]){1, 1}, (int64_t[]){1, 1});
    expect_lay(&n, EMB_ACC, 2, (int64_t[]){4, 4}, NULL, NULL);
    cr_assert_float_eq(n.dup_factor, 1.0, 1e-12);
}

Test(emb_layout, im2col_duplicates_and_pads) {
    hw_config hw = hw_default();
    op o = mkconv(cparams(1, 4, 9, 9, 5, 5, 5, 1, 2));
    emb e;
    status st;
    status_init(&st);
    cr_assert(emb_im2col(&o, HW_INTRINSIC(&hw), "c,r,s", &e, &st), "%s", st.msg);
    emb_nest n;
    cr_assert(emb_nest_build(&o, HW_INTRINSIC(&hw), &e, &n, &st), "%s", st.msg);
    expect_lay(&n, EMB_INP, 3, (int64_t[]){7, 9, 9}, (int64_t[]){0, 0, 0}, (int64_t[]){0, 0, 0});
    cr_assert_eq(n.dram_bytes[EMB_INP], 7 * 81 * 16);
    cr_assert_float_eq(n.dup_factor, 7.0 * 81 * 16 / (4 * 81), 1e-9);
    cr_assert_eq(n.instances, 81 * 7);
    char buf[256];
    emb_describe(&o, HW_INTRINSIC(&hw), &e, &n, buf, sizeof buf);
    cr_assert(strstr(buf, "im2col over (c,r,s), 112/100 padding"), "%s", buf);
    cr_assert(strstr(buf, "input x25 duplicated"), "%s", buf);
    emb_class(&o, &e, buf, sizeof buf);
    cr_assert_str_eq(buf, "im2col(c,r,s)");
}

Test(emb_layout, gemm_natural_layouts) {
    hw_config hw = hw_default();
    /* swapped GEMM: A [M][K] is the inp side; 16-runs along K are native rows */
    op o = mkgemm(8, 48, 64, false, false);
    emb e = emb_empty();
    e.swap = true;
    term(&o, &e, EMB_I, "k", 0);
    term(&o, &e, EMB_O, "n", 0);
    status st;
    status_init(&st);
    emb_nest n;
    cr_assert(emb_nest_build(&o, HW_INTRINSIC(&hw), &e, &n, &st), "%s", st.msg);
    cr_assert_not(n.needs_transform);
    cr_assert_float_eq(n.dup_factor, 1.0, 1e-12);
    expect_lay(&n, EMB_INP, 2, (int64_t[]){8, 4}, NULL, NULL);
    /* TVM dense: B stored [N][K] is natural too; B stored [K][N] is not */
    op g1 = mkgemm(48, 8, 64, false, true), g2 = mkgemm(48, 8, 64, false, false);
    cr_assert(emb_channel_packing(&g1, HW_INTRINSIC(&hw), &e, &st));
    cr_assert(emb_nest_build(&g1, HW_INTRINSIC(&hw), &e, &n, &st), "%s", st.msg);
    cr_assert_not(n.needs_transform);
    cr_assert(emb_channel_packing(&g2, HW_INTRINSIC(&hw), &e, &st));
    cr_assert(emb_nest_build(&g2, HW_INTRINSIC(&hw), &e, &n, &st), "%s", st.msg);
    cr_assert(n.needs_transform);
    char buf[256];
    emb_class(&o, &(emb){.swap = true, .nterms = {0, 1, 1}, .term = {{{0}}, {{D(&o, "n"), 48, -1, 0}}, {{D(&o, "k"), 64, -1, 0}}}}, buf, sizeof buf);
    cr_assert_str_eq(buf, "swap");
}

Test(emb_layout, toeplitz_keeps_input_native) {
    hw_config hw = hw_default();
    op o = mkconv(cparams(1, 16, 8, 20, 16, 3, 3, 1, 1)); /* OW = 20 */
    emb e = emb_empty();
    term(&o, &e, EMB_I, "c", 0);
    cterm(&o, &e, EMB_O, "x", 16, "s", -1);
    status st;
    status_init(&st);
    emb_nest n;
    cr_assert(emb_nest_build(&o, HW_INTRINSIC(&hw), &e, &n, &st), "%s", st.msg);
    /* x = 16 tx + j, s0 = s + j in [0, 18): w = 16 tx + s0 - 1 spans -1..32 */
    expect_lay(&n, EMB_INP, 2, (int64_t[]){10, 34}, (int64_t[]){1, 1}, (int64_t[]){1, 13});
    cr_assert_float_eq(n.dup_factor, 1.0, 1e-12);
    expect_lay(&n, EMB_ACC, 3, (int64_t[]){16, 8, 2}, NULL, NULL);
    expect_lay(&n, EMB_WGT, 3, (int64_t[]){16, 3, 18}, NULL, NULL);
    char buf[256];
    emb_describe(&o, HW_INTRINSIC(&hw), &e, &n, buf, sizeof buf);
    cr_assert(strstr(buf, "toeplitz o<-x (s-1)"), "%s", buf);
    emb_class(&o, &e, buf, sizeof buf);
    cr_assert_str_eq(buf, "toeplitz(x/s)");
}

Test(emb_layout, describe_channel_packing) {
    hw_config hw = hw_default();
    op o = mkconv(cparams(1, 3, 7, 7, 5, 3, 3, 1, 1));
    emb e = packed_emb(&o, &hw, NULL);
    char buf[256];
    emb_describe(&o, HW_INTRINSIC(&hw), &e, NULL, buf, sizeof buf);
    cr_assert(strncmp(buf, "channel packing, C 3->16, K 5->16", 33) == 0, "%s", buf);
    emb_class(&o, &e, buf, sizeof buf);
    cr_assert_str_eq(buf, "packed");
}

/* ---- families end to end --------------------------------------------------------------- */

Test(emb_run, channel_packing_conv_sweep) {
    hw_config hw = hw_default();
    uint64_t seed = 1;
    for (int stride = 1; stride <= 2; stride++)
        for (int pad = 0; pad <= 3; pad++)
            for (int nb = 1; nb <= 2; nb++) {
                op o = mkconv(cparams(nb, 3, 7, 7, 5, 3, 3, stride, pad));
                emb e = packed_emb(&o, &hw, NULL);
                run_case(&o, &hw, &e, seed++);
            }
}

Test(emb_run, channel_packing_chunks_bias_relu) {
    hw_config hw = hw_default();
    op o = mkconv(cparams(2, 40, 6, 5, 20, 3, 2, 1, 1));
    o.rq.bias = true;
    o.rq.relu = true;
    o.rq.shift = 6;
    emb e = packed_emb(&o, &hw, NULL);
    run_case(&o, &hw, &e, 11);
    /* a partial I term: c in blocks of 16 (block loop over c, no chunk loop) */
    e = emb_empty();
    term(&o, &e, EMB_I, "c", 16);
    term(&o, &e, EMB_O, "k", 0);
    emb_nest n = run_case(&o, &hw, &e, 12);
    expect_lay(&n, EMB_INP, 4, (int64_t[]){2, 3, 8, 7}, NULL, NULL);
}

Test(emb_run, im2col_full_and_partial) {
    hw_config hw = hw_default();
    const char *sets[] = {"c,r,s", "c,s", "r,s", "s,c", "c"};
    uint64_t seed = 100;
    for (int stride = 1; stride <= 2; stride++)
        for (int pad = 0; pad <= 3; pad++)
            for (size_t k = 0; k < sizeof sets / sizeof *sets; k++) {
                op o = mkconv(cparams(1 + (pad & 1), 3, 7, 7, 5, 3, 3, stride, pad));
                emb e;
                status st;
                status_init(&st);
                cr_assert(emb_im2col(&o, HW_INTRINSIC(&hw), sets[k], &e, &st), "%s", st.msg);
                run_case(&o, &hw, &e, seed++);
            }
}

Test(emb_run, gemm_plain_and_swapped) {
    hw_config hw = hw_default();
    uint64_t seed = 200;
    for (int at = 0; at <= 1; at++)
        for (int bt = 0; bt <= 1; bt++) {
            op o = mkgemm(35, 7, 20, at, bt);
            emb e = packed_emb(&o, &hw, NULL);
            status st;
            status_init(&st);
            emb_nest n = run_case(&o, &hw, &e, seed++);
            cr_assert_eq(n.instances, 7 * 3 * 2);
            e = emb_empty();
            e.swap = true;
            term(&o, &e, EMB_I, "k", 0);
            term(&o, &e, EMB_O, "n", 0);
            n = run_case(&o, &hw, &e, seed++);
            cr_assert_eq(n.instances, 35 * 1 * 2);
        }
    /* batched GEMM */
    op_gemm p = {.batch = 3, .m = 9, .n = 5, .k = 18};
    op o;
    status st;
    status_init(&st);
    cr_assert(op_build_gemm(&o, "bg", &p, &st), "%s", st.msg);
    emb e;
    cr_assert(emb_channel_packing(&o, HW_INTRINSIC(&hw), &e, &st));
    run_case(&o, &hw, &e, seed++);
}

Test(emb_run, toeplitz_compensated_taps) {
    hw_config hw = hw_default();
    uint64_t seed = 300;
    for (int stride = 1; stride <= 2; stride++)
        for (int pad = 0; pad <= 3; pad++)
            for (int64_t ext = 3; ext <= 16; ext += 13) {
                op o = mkconv(cparams(1 + (pad & 1), 3, 7, 11, 5, 3, 3, stride, pad));
                emb e = emb_empty();
                term(&o, &e, EMB_I, "c", 0);
                int64_t ow = o.extent[D(&o, "x")];
                cterm(&o, &e, EMB_O, "x", ext < ow ? ext : ow, "s", -stride);
                run_case(&o, &hw, &e, seed++);
                /* the mirror: compensation on r with rows as O lanes, k as a plain loop */
                e = emb_empty();
                term(&o, &e, EMB_I, "c", 0);
                term(&o, &e, EMB_I, "s", 0);
                cterm(&o, &e, EMB_O, "y", 2, "r", -stride);
                run_case(&o, &hw, &e, seed++);
            }
}

Test(emb_run, dilation) {
    hw_config hw = hw_default();
    uint64_t seed = 380;
    for (int stride = 1; stride <= 2; stride++) {
        op_conv p = cparams(1, 3, 9, 10, 5, 3, 3, stride, 2);
        p.dil_h = 2;
        p.dil_w = stride == 1 ? 1 : 2;
        op o = mkconv(p);
        emb e = packed_emb(&o, &hw, NULL);
        status st;
        status_init(&st);
        emb_nest n = run_case(&o, &hw, &e, seed++);
        /* rows h = stride*y + 2r - 2: one axis, every row of the padded input */
        int64_t oh = o.extent[D(&o, "y")];
        cr_assert_eq(n.lay[EMB_INP].extent[0], stride * (oh - 1) + 2 * 2 + 1);
        cr_assert(emb_im2col(&o, HW_INTRINSIC(&hw), "c,r,s", &e, &st));
        run_case(&o, &hw, &e, seed++);
        cr_assert(emb_im2col(&o, HW_INTRINSIC(&hw), "r,c", &e, &st));
        run_case(&o, &hw, &e, seed++);
        /* Toeplitz needs s to cancel x's move: stride 2 / dilation 2 -> coefficient -1 */
        e = emb_empty();
        term(&o, &e, EMB_I, "c", 0);
        cterm(&o, &e, EMB_O, "x", 4, "s", -1);
        run_case(&o, &hw, &e, seed++);
    }
}

Test(emb_layout, out_position_of_missing_element) {
    hw_config hw = hw_default();
    op o = mkconv(cparams(1, 3, 7, 7, 5, 3, 3, 1, 1));
    emb_nest n;
    emb e = packed_emb(&o, &hw, &n);
    int64_t el, ln;
    emb_out_position(&o, HW_INTRINSIC(&hw), &e, &n, (int64_t[]){0, 5, 0, 0}, &el, &ln);
    cr_assert_eq(el, -1);
    cr_assert_eq(ln, -1);
    emb_out_position(&o, HW_INTRINSIC(&hw), &e, &n, (int64_t[]){0, 4, 6, 2}, &el, &ln);
    cr_assert_eq(el, 6 * 7 + 2);
    cr_assert_eq(ln, 4);
}

Test(emb_run, mixed_multi_term_lanes) {
    hw_config hw = hw_default();
    uint64_t seed = 350;
    for (int stride = 1; stride <= 2; stride++) {
        op o = mkconv(cparams(2, 3, 7, 9, 5, 3, 3, stride, 1));
        /* O lanes: k (2 of 5, block loop) fused with a Toeplitz x term */
        emb e = emb_empty();
        term(&o, &e, EMB_I, "c", 0);
        term(&o, &e, EMB_I, "r", 2); /* block loop over r, 2 of 3 */
        term(&o, &e, EMB_O, "k", 2);
        cterm(&o, &e, EMB_O, "x", 3, "s", -stride);
        run_case(&o, &hw, &e, seed++);
        /* I lanes with the innermost term partial and the outer one full */
        e = emb_empty();
        term(&o, &e, EMB_I, "s", 0);
        term(&o, &e, EMB_I, "c", 2);
        term(&o, &e, EMB_O, "k", 3);
        run_case(&o, &hw, &e, seed++);
        /* swap on a conv: Wt is the inp side, so O lanes take output pixels (y, x) */
        e = emb_empty();
        e.swap = true;
        term(&o, &e, EMB_I, "c", 0);
        term(&o, &e, EMB_I, "r", 0);
        term(&o, &e, EMB_O, "y", 0);
        term(&o, &e, EMB_O, "x", 2);
        emb_nest n = run_case(&o, &hw, &e, seed++);
        char buf[128];
        emb_class(&o, &e, buf, sizeof buf);
        cr_assert_str_eq(buf, "swap+im2col(c,r)");
        (void)n;
    }
}

Test(emb_run, batch4_hardware) {
    hw_config hw = hw_shape(2, 4);
    uint64_t seed = 400;
    for (int nb = 1; nb <= 5; nb += 1) {
        op o = mkconv(cparams(nb, 3, 5, 5, 5, 3, 3, 1, 1));
        emb e = packed_emb(&o, &hw, NULL);
        status st;
        status_init(&st);
        cr_assert_eq(e.nterms[EMB_B], 1);
        run_case(&o, &hw, &e, seed++);
        cr_assert(emb_im2col(&o, HW_INTRINSIC(&hw), "c,r,s", &e, &st));
        run_case(&o, &hw, &e, seed++);
    }
    /* spatial batch lanes: b <- y (keeps Wt fixed) */
    op o = mkconv(cparams(1, 3, 9, 7, 5, 3, 3, 2, 1));
    emb e = emb_empty();
    term(&o, &e, EMB_I, "c", 0);
    term(&o, &e, EMB_O, "k", 0);
    term(&o, &e, EMB_B, "y", 4);
    run_case(&o, &hw, &e, seed++);
    char buf[128];
    emb_class(&o, &e, buf, sizeof buf);
    cr_assert_str_eq(buf, "packed+b(y)");
    op g = mkgemm(20, 6, 24, false, false);
    cr_assert(emb_channel_packing(&g, HW_INTRINSIC(&hw), &e, &(status){0}));
    run_case(&g, &hw, &e, seed++);
}

Test(emb_run, block8_hardware) {
    hw_config hw = hw_shape(0, 3);
    uint64_t seed = 500;
    op o = mkconv(cparams(2, 3, 7, 7, 5, 3, 3, 2, 1));
    emb e = packed_emb(&o, &hw, NULL);
    status st;
    status_init(&st);
    run_case(&o, &hw, &e, seed++);
    cr_assert(emb_im2col(&o, HW_INTRINSIC(&hw), "c,r,s", &e, &st));
    run_case(&o, &hw, &e, seed++);
    op g = mkgemm(13, 9, 21, true, false);
    cr_assert(emb_channel_packing(&g, HW_INTRINSIC(&hw), &e, &st));
    run_case(&g, &hw, &e, seed++);
    hw = hw_shape(1, 3); /* BATCH 2, BLOCK 8 */
    cr_assert(emb_channel_packing(&o, HW_INTRINSIC(&hw), &e, &st));
    run_case(&o, &hw, &e, seed++);
}

Test(emb_run, grouped_and_depthwise) {
    hw_config hw = hw_default();
    op_conv p = cparams(1, 6, 6, 6, 4, 3, 3, 1, 1);
    p.groups = 2;
    op o = mkconv(p);
    emb e = packed_emb(&o, &hw, NULL);
    status st;
    status_init(&st);
    run_case(&o, &hw, &e, 600);
    /* depthwise (C = groups): K per group 2, C per group 1 */
    p = cparams(1, 5, 6, 6, 10, 3, 3, 2, 1);
    p.groups = 5;
    op dw = mkconv(p);
    cr_assert(emb_channel_packing(&dw, HW_INTRINSIC(&hw), &e, &st));
    run_case(&dw, &hw, &e, 601);
    cr_assert(emb_im2col(&dw, HW_INTRINSIC(&hw), "r,s", &e, &st));
    run_case(&dw, &hw, &e, 602);
}

/* A 1-D correlation written as a generic affine op with a reversed tap:
 * Out[k][x] += In[c][x - s + S - 1] * Wt[k][c][s]. The input is kept fixed by moving x
 * and s together (+1 compensation), which exercises the shifted loop with start < 0. */
static op mkflip(int64_t K, int64_t X, int64_t C, int64_t S) {
    op o;
    memset(&o, 0, sizeof o);
    snprintf(o.name, sizeof o.name, "flip");
    const char *names[4] = {"k", "x", "c", "s"};
    int64_t ext[4] = {K, X, C, S};
    o.ndims = 4;
    for (int d = 0; d < 4; d++) {
        snprintf(o.dim_name[d], sizeof o.dim_name[d], "%s", names[d]);
        o.extent[d] = ext[d];
    }
    op_tensor *t = &o.t[OP_OUT];
    snprintf(t->name, sizeof t->name, "Out");
    t->rank = 2, t->shape[0] = K, t->shape[1] = X;
    t->map[0][0] = 1, t->map[1][1] = 1;
    t = &o.t[OP_IN];
    snprintf(t->name, sizeof t->name, "In");
    t->rank = 2, t->shape[0] = C, t->shape[1] = X + S - 1;
    t->map[0][2] = 1, t->map[1][1] = 1, t->map[1][3] = -1, t->off[1] = S - 1;
    t = &o.t[OP_WT];
    snprintf(t->name, sizeof t->name, "Wt");
    t->rank = 3, t->shape[0] = K, t->shape[1] = C, t->shape[2] = S;
    t->map[0][0] = 1, t->map[1][2] = 1, t->map[2][3] = 1;
    o.rq = op_requant_default();
    status st;
    status_init(&st);
    cr_assert(op_build_affine(&o, &st), "%s", st.msg);
    return o;
}

Test(emb_run, affine_positive_compensation) {
    hw_config hw = hw_default();
    op o = mkflip(3, 13, 5, 4);
    for (int64_t ext = 2; ext <= 13; ext += 11) {
        emb e = emb_empty();
        term(&o, &e, EMB_I, "c", 0);
        cterm(&o, &e, EMB_O, "x", ext, "s", 1);
        emb_nest n = run_case(&o, &hw, &e, 700 + (uint64_t)ext);
        int ls = find_loop_dim(&n, D(&o, "s"));
        cr_assert_eq(n.loop[ls].start, -(ext - 1));
        cr_assert_eq(n.loop[ls].extent, 4 + ext - 1);
    }
    hw_config h8 = hw_shape(1, 3);
    emb e = emb_empty();
    term(&o, &e, EMB_I, "s", 0);
    term(&o, &e, EMB_I, "c", 0);
    term(&o, &e, EMB_O, "k", 0);
    term(&o, &e, EMB_B, "x", 0);
    run_case(&o, &h8, &e, 720);
}

/* Random embeddings: random small convs and GEMMs on random hardware shapes, terms drawn
 * at random and kept when emb_check accepts them, then the whole pipeline. */

Test(emb_run, random_embeddings) {
    /* EMBEDSYN_EMB_RANDOM=N[,SEED] runs a longer soak outside CI */
    uint64_t s = 12345;
    int want = 400;
    const char *env = getenv("EMBEDSYN_EMB_RANDOM");
    if (env) {
        unsigned long long sd = 12345;
        if (sscanf(env, "%d,%llu", &want, &sd) >= 1)
            s = sd;
    }
    int done = 0, tried = 0, comp = 0, swapped = 0;
    while (done < want) {
        tried++;
        cr_assert(tried < 500 * want, "too few valid random embeddings");
        hw_config hw = hw_shape((int)tl_rnd(&s, 0, 2), (int)tl_rnd(&s, 2, 4));
        op o;
        int kind = (int)tl_rnd(&s, 0, 7);
        if (kind == 0) {
            o = mkgemm(tl_rnd(&s, 1, 20), tl_rnd(&s, 1, 9), tl_rnd(&s, 1, 20), tl_rnd(&s, 0, 1), tl_rnd(&s, 0, 1));
        } else if (kind == 1) {
            op_gemm gp = {.batch = tl_rnd(&s, 2, 3), .m = tl_rnd(&s, 1, 9), .n = tl_rnd(&s, 1, 5), .k = tl_rnd(&s, 1, 9),
                          .a_t = tl_rnd(&s, 0, 1), .b_t = tl_rnd(&s, 0, 1)};
            status gst;
            status_init(&gst);
            cr_assert(op_build_gemm(&o, "bg", &gp, &gst), "%s", gst.msg);
        } else if (kind == 2) {
            o = mkflip(tl_rnd(&s, 1, 4), tl_rnd(&s, 1, 9), tl_rnd(&s, 1, 4), tl_rnd(&s, 1, 4));
        } else {
            op_conv p = cparams(tl_rnd(&s, 1, 2), tl_rnd(&s, 1, 5), tl_rnd(&s, 3, 8), tl_rnd(&s, 3, 8), tl_rnd(&s, 1, 6),
                                tl_rnd(&s, 1, 3), tl_rnd(&s, 1, 3), tl_rnd(&s, 1, 2), tl_rnd(&s, 0, 2));
            if (kind == 3) {
                p.dil_h = tl_rnd(&s, 1, 2);
                p.dil_w = tl_rnd(&s, 1, 2);
            }
            if (kind == 4) { /* grouped or depthwise */
                int64_t g = tl_rnd(&s, 2, 3);
                p.groups = g;
                p.c = g * tl_rnd(&s, 1, 2);
                p.k = g * tl_rnd(&s, 1, 3);
                if (tl_rnd(&s, 0, 1)) {
                    p.c = g;
                    p.k = g * tl_rnd(&s, 1, 2);
                }
            }
            if (p.h + 2 * p.pad_h < (p.r - 1) * p.dil_h + 1 || p.w + 2 * p.pad_w < (p.s - 1) * p.dil_w + 1)
                continue;
            o = mkconv(p);
        }
        emb e = emb_empty();
        e.swap = tl_rnd(&s, 0, 4) == 0;
        for (int d = 0; d < o.ndims; d++) {
            int L = (int)tl_rnd(&s, 0, 3);
            if (L == 3 || e.nterms[L] >= 3)
                continue;
            emb_term *t = &e.term[L][e.nterms[L]++];
            t->dim = d;
            t->extent = tl_rnd(&s, 1, o.extent[d]);
            t->comp_dim = -1;
            t->comp_coef = 0;
            const char *nm = o.dim_name[d];
            bool spatial = o.kind == OP_CONV2D && (strcmp(nm, "x") == 0 || strcmp(nm, "y") == 0);
            if (spatial && tl_rnd(&s, 0, 1) == 0) {
                /* the Toeplitz direction that keeps In fixed */
                t->comp_dim = D(&o, nm[0] == 'x' ? "s" : "r");
                t->comp_coef = -(nm[0] == 'x' ? o.conv.stride_w : o.conv.stride_h);
            } else if (tl_rnd(&s, 0, 3) == 0) {
                t->comp_dim = (int32_t)tl_rnd(&s, 0, o.ndims - 1);
                t->comp_coef = tl_rnd(&s, -2, 2);
            }
        }
        status st;
        status_init(&st);
        if (!emb_check(&o, HW_INTRINSIC(&hw), &e, &st))
            continue;
        emb_nest n;
        if (!emb_nest_build(&o, HW_INTRINSIC(&hw), &e, &n, &st) || n.instances > 20000)
            continue;
        for (int L = 0; L < 3; L++)
            for (int ti = 0; ti < e.nterms[L]; ti++)
                comp += e.term[L][ti].comp_dim >= 0;
        swapped += e.swap;
        run_case(&o, &hw, &e, (uint64_t)tried);
        done++;
    }
    cr_log_info("random embeddings: %d run, %d drawn, %d compensated terms, %d swapped", done, tried, comp,
                swapped);
    cr_assert(comp > 10 && swapped > 10, "too little variety: %d compensated, %d swapped", comp, swapped);
}

/* ---- speed: DeepBench-sized layers pack in well under a second -------------------------- */

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

Test(emb_speed, pack_large_layer) {
    hw_config hw = hw_default();
    /* 1 x 64 x 56 x 56, K 64, 3x3: 115.6M MACs */
    op o = mkconv(cparams(1, 64, 56, 56, 64, 3, 3, 1, 1));
    const char *fams[] = {"", "c,r,s"};
    for (int f = 0; f < 2; f++) {
        emb e;
        status st;
        status_init(&st);
        if (f == 0)
            cr_assert(emb_channel_packing(&o, HW_INTRINSIC(&hw), &e, &st));
        else
            cr_assert(emb_im2col(&o, HW_INTRINSIC(&hw), fams[f], &e, &st));
        emb_nest n;
        cr_assert(emb_nest_build(&o, HW_INTRINSIC(&hw), &e, &n, &st), "%s", st.msg);
        int64_t nin = op_tensor_elems(&o, OP_IN), nwt = op_tensor_elems(&o, OP_WT);
        int8_t *in = malloc((size_t)nin), *wt = malloc((size_t)nwt);
        ref_fill_i8(in, nin, 5);
        ref_fill_i8(wt, nwt, 6);
        int8_t *inp = malloc((size_t)(n.lay[EMB_INP].elems * 16));
        int8_t *wgp = malloc((size_t)(n.lay[EMB_WGT].elems * 256));
        int8_t *outp = calloc((size_t)(n.lay[EMB_ACC].elems * 16), 1);
        int8_t *out = malloc((size_t)op_outputs(&o));
        double t0 = now();
        emb_pack(&o, HW_INTRINSIC(&hw), &e, &n, in, wt, inp, wgp);
        emb_unpack_out(&o, HW_INTRINSIC(&hw), &e, &n, outp, out);
        double dt = now() - t0;
        cr_log_info("pack+unpack %s: %.3f s (%lld inp bytes)", f ? "im2col" : "channel packing", dt,
                    (long long)(n.lay[EMB_INP].elems * 16));
        cr_assert(dt < 2.0, "packing took %.2f s", dt);
        free(in), free(wt), free(inp), free(wgp), free(outp), free(out);
    }
}

