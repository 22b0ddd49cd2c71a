/* Tests of core/emb: for every embedding family (channel packing, full and partial
 * im2col, operand-swapped GEMM, Toeplitz with compensated taps, spatial batch lanes,
 * grouped/depthwise conv) on padded odd sizes, strides, paddings, batches and three
 * hardware shapes, the nest is built, checked by the scalar checker, random data is
 * packed, the nest is executed by a tiny GEMM interpreter written here (acc[addr] +=
 * inp[addr] . wgt[addr]^T per instance, then ref_requant), unpacked and compared bit by
 * bit with ref_run (core/ref, an independent oracle). Plus: layouts against hand-computed
 * shapes, the structural checker's messages on hand-broken embeddings, the scalar
 * checker on tampered nests, descriptions, XML/JSON, and packing speed. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/emb.h"
#include "core/hw.h"
#include "core/op.h"
#include "core/ref.h"
#include "core/spec_emb.h"

/* ---- helpers --------------------------------------------------------------------- */

static op_conv cparams(int64_t n, int64_t c, int64_t h, int64_t w, int64_t k, int64_t r,
                       int64_t s, int64_t stride, int64_t pad) {
    op_conv p;
    memset(&p, 0, sizeof p);
    p.n = n, p.c = c, p.h = h, p.w = w, p.k = k, p.r = r, p.s = s;
    p.stride_h = p.stride_w = stride;
    p.pad_h = p.pad_w = pad;
    p.dil_h = p.dil_w = 1;
    p.groups = 1;
    return p;
}

static op mkconv(op_conv p) {
    op o;
    status st;
    status_init(&st);
    cr_assert(op_build_conv(&o, "conv", &p, p.groups > 1 && p.groups == p.c ? OP_DEPTHWISE : OP_CONV2D, &st),
              "%s", st.msg);
    return o;
}

static op mkgemm(int64_t m, int64_t n, int64_t k, bool a_t, bool b_t) {
    op_gemm p = {.batch = 1, .m = m, .n = n, .k = k, .a_t = a_t, .b_t = b_t};
    op o;
    status st;
    status_init(&st);
    cr_assert(op_build_gemm(&o, "gemm", &p, &st), "%s", st.msg);
    return o;
}

static hw_config hw_shape(int log_batch, int log_block) {
    hw_config h = hw_default();
    h.log_batch = log_batch;
    h.log_block_in = h.log_block_out = log_block;
    return h;
}

static int D(const op *o, const char *name) {
    int d = op_dim_index(o, name);
    cr_assert(d >= 0, "no dim %s", name);
    return d;
}

static void term(const op *o, emb *e, emb_lane L, const char *dim, int64_t extent) {
    emb_term *t = &e->term[L][e->nterms[L]++];
    t->dim = D(o, dim);
    t->extent = extent > 0 ? extent : o->extent[t->dim];
    t->comp_dim = -1;
    t->comp_coef = 0;
}

static void cterm(const op *o, emb *e, emb_lane L, const char *dim, int64_t extent,
                  const char *comp, int64_t coef) {
    term(o, e, L, dim, extent);
    e->term[L][e->nterms[L] - 1].comp_dim = D(o, comp);
    e->term[L][e->nterms[L] - 1].comp_coef = coef;
}

static int find_loop_dim(const emb_nest *n, int dim) {
    for (int li = 0; li < n->nloops; li++)
        if (n->loop[li].kind == EMB_LOOP_DIM && n->loop[li].dim == dim)
            return li;
    cr_assert_fail("no loop over dim %d", dim);
    return -1;
}

static emb emb_empty(void) {
    emb e;
    memset(&e, 0, sizeof e);
    return e;
}

/* Executes the nest: the GEMM intrinsic per instance over the packed operands. */
static void interpret(const op *o, const hw_config *hw, const emb_nest *n, const int8_t *inp,
                      const int8_t *wgt, uint32_t *acc) {
    int64_t B = hw_batch(hw), BI = hw_block_in(hw), BO = hw_block_out(hw);
    int64_t t[EMB_MAX_LOOPS] = {0};
    (void)o;
    for (int64_t q = 0; q < n->instances; q++) {
        int64_t ai = emb_addr(n, EMB_INP, t), aw = emb_addr(n, EMB_WGT, t), aa = emb_addr(n, EMB_ACC, t);
        cr_assert(ai >= 0 && ai < n->lay[EMB_INP].elems);
        cr_assert(aw >= 0 && aw < n->lay[EMB_WGT].elems);
        cr_assert(aa >= 0 && aa < n->lay[EMB_ACC].elems);
        for (int64_t b = 0; b < B; b++)
            for (int64_t ol = 0; ol < BO; ol++) {
                uint32_t s = 0;
                for (int64_t i = 0; i < BI; i++)
                    s += (uint32_t)((int32_t)inp[ai * B * BI + b * BI + i] *
                                    (int32_t)wgt[aw * BO * BI + ol * BI + i]);
                acc[aa * B * BO + b * BO + ol] += s;
            }
        for (int li = n->nloops - 1; li >= 0; li--) {
            if (++t[li] < n->loop[li].extent)
                break;
            t[li] = 0;
        }
    }
}

static int32_t u2i(uint32_t u) { return u <= (uint32_t)INT32_MAX ? (int32_t)u : (int32_t)(u - 2147483648u) - INT32_MAX - 1; }

/* The whole pipeline against ref_run; returns the nest for further checks. */
static emb_nest run_case(const op *o, const hw_config *hw, const emb *e, uint64_t seed) {
    status st;
    status_init(&st);
    emb_nest n;
    char cls[128];
    emb_class(o, e, cls, sizeof cls);
    cr_assert(emb_nest_build(o, hw, e, &n, &st), "%s: %s", cls, st.msg);
    cr_assert(emb_check_scalar(o, hw, e, &n, 1 << 20, seed, &st), "%s: %s", cls, st.msg);
    int64_t nin = op_tensor_elems(o, OP_IN), nwt = op_tensor_elems(o, OP_WT), nout = op_outputs(o);
    int8_t *in = malloc((size_t)nin), *wt = malloc((size_t)nwt);
    int8_t *out = malloc((size_t)nout), *want = malloc((size_t)nout);
    int64_t nbias = o->t[OP_OUT].shape[o->rq.bias_axis];
    int32_t *bias = malloc((size_t)nbias * sizeof *bias);
    ref_fill_i8(in, nin, seed);
    ref_fill_i8(wt, nwt, seed + 1);
    ref_fill_i32(bias, nbias, seed + 2, -3000, 3000);
    ref_run(o, in, wt, o->rq.bias ? bias : NULL, NULL, want);
    int64_t ib = n.lay[EMB_INP].elems * hw_elem_bytes(hw, HW_MEM_INP);
    int64_t wb = n.lay[EMB_WGT].elems * hw_elem_bytes(hw, HW_MEM_WGT);
    int64_t na = n.lay[EMB_ACC].elems * hw_batch(hw) * hw_block_out(hw);
    cr_assert_eq(n.lay[EMB_INP].elem_bytes, hw_elem_bytes(hw, HW_MEM_INP));
    cr_assert_eq(n.lay[EMB_WGT].elem_bytes, hw_elem_bytes(hw, HW_MEM_WGT));
    int8_t *inp = malloc((size_t)ib), *wgp = malloc((size_t)wb), *outp = malloc((size_t)na);
    int32_t *accb = malloc((size_t)na * sizeof *accb);
    uint32_t *acc = malloc((size_t)na * sizeof *acc);
    memset(inp, 0x77, (size_t)ib);
    memset(wgp, 0x77, (size_t)wb);
    emb_pack(o, hw, e, &n, in, wt, inp, wgp);
    emb_pack_bias(o, hw, e, &n, bias, accb);
    for (int64_t k = 0; k < na; k++)
        acc[k] = (uint32_t)accb[k];
    interpret(o, hw, &n, inp, wgp, acc);
    for (int64_t k = 0; k < na; k++)
        outp[k] = ref_requant(&o->rq, u2i(acc[k]));
    memset(out, 0x5a, (size_t)nout);
    emb_unpack_out(o, hw, e, &n, outp, out);
    for (int64_t k = 0; k < nout; k++)
        cr_assert_eq(out[k], want[k], "%s: output %lld: got %d want %d", cls, (long long)k, out[k],
                     want[k]);
    /* emb_out_position agrees with the unpacked layout */
    const op_tensor *T = &o->t[OP_OUT];
    for (int64_t k = 0; k < nout; k += 7) {
        int64_t idx[OP_MAX_RANK], r = k;
        for (int j = T->rank - 1; j >= 0; j--) {
            idx[j] = r % T->shape[j];
            r /= T->shape[j];
        }
        int64_t el, ln;
        emb_out_position(o, hw, e, &n, idx, &el, &ln);
        cr_assert(el >= 0 && el < n.lay[EMB_ACC].elems, "%s: out_position element %lld", cls, (long long)el);
        cr_assert_eq(outp[el * hw_batch(hw) * hw_block_out(hw) + ln], want[k], "%s: out_position %lld", cls,
                     (long long)k);
    }
    free(in), free(wt), free(out), free(want), free(bias), free(inp), free(wgp), free(outp),
        free(accb), free(acc);
    return n;
}

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
    emb e;
    status st;
    status_init(&st);
    cr_assert(emb_channel_packing(&o, &hw, &e, &st), "%s", st.msg);
    emb_nest n;
    cr_assert(emb_nest_build(&o, &hw, &e, &n, &st), "%s", st.msg);
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
    emb e;
    status st;
    status_init(&st);
    cr_assert(emb_channel_packing(&o, &hw, &e, &st));
    emb_nest n;
    cr_assert(emb_nest_build(&o, &hw, &e, &n, &st), "%s", st.msg);
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
    cr_assert(emb_im2col(&o, &hw, "c,r,s", &e, &st), "%s", st.msg);
    emb_nest n;
    cr_assert(emb_nest_build(&o, &hw, &e, &n, &st), "%s", st.msg);
    expect_lay(&n, EMB_INP, 3, (int64_t[]){7, 9, 9}, (int64_t[]){0, 0, 0}, (int64_t[]){0, 0, 0});
    cr_assert_eq(n.dram_bytes[EMB_INP], 7 * 81 * 16);
    cr_assert_float_eq(n.dup_factor, 7.0 * 81 * 16 / (4 * 81), 1e-9);
    cr_assert_eq(n.instances, 81 * 7);
    char buf[256];
    emb_describe(&o, &hw, &e, &n, buf, sizeof buf);
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
    cr_assert(emb_nest_build(&o, &hw, &e, &n, &st), "%s", st.msg);
    cr_assert_not(n.needs_transform);
    cr_assert_float_eq(n.dup_factor, 1.0, 1e-12);
    expect_lay(&n, EMB_INP, 2, (int64_t[]){8, 4}, NULL, NULL);
    /* TVM dense: B stored [N][K] is natural too; B stored [K][N] is not */
    op g1 = mkgemm(48, 8, 64, false, true), g2 = mkgemm(48, 8, 64, false, false);
    cr_assert(emb_channel_packing(&g1, &hw, &e, &st));
    cr_assert(emb_nest_build(&g1, &hw, &e, &n, &st), "%s", st.msg);
    cr_assert_not(n.needs_transform);
    cr_assert(emb_channel_packing(&g2, &hw, &e, &st));
    cr_assert(emb_nest_build(&g2, &hw, &e, &n, &st), "%s", st.msg);
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
    cr_assert(emb_nest_build(&o, &hw, &e, &n, &st), "%s", st.msg);
    /* x = 16 tx + j, s0 = s + j in [0, 18): w = 16 tx + s0 - 1 spans -1..32 */
    expect_lay(&n, EMB_INP, 2, (int64_t[]){10, 34}, (int64_t[]){1, 1}, (int64_t[]){1, 13});
    cr_assert_float_eq(n.dup_factor, 1.0, 1e-12);
    expect_lay(&n, EMB_ACC, 3, (int64_t[]){16, 8, 2}, NULL, NULL);
    expect_lay(&n, EMB_WGT, 3, (int64_t[]){16, 3, 18}, NULL, NULL);
    char buf[256];
    emb_describe(&o, &hw, &e, &n, buf, sizeof buf);
    cr_assert(strstr(buf, "toeplitz o<-x (s-1)"), "%s", buf);
    emb_class(&o, &e, buf, sizeof buf);
    cr_assert_str_eq(buf, "toeplitz(x/s)");
}

Test(emb_layout, describe_channel_packing) {
    hw_config hw = hw_default();
    op o = mkconv(cparams(1, 3, 7, 7, 5, 3, 3, 1, 1));
    emb e;
    status st;
    status_init(&st);
    cr_assert(emb_channel_packing(&o, &hw, &e, &st));
    char buf[256];
    emb_describe(&o, &hw, &e, NULL, buf, sizeof buf);
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
                emb e;
                status st;
                status_init(&st);
                cr_assert(emb_channel_packing(&o, &hw, &e, &st));
                run_case(&o, &hw, &e, seed++);
            }
}

Test(emb_run, channel_packing_chunks_bias_relu) {
    hw_config hw = hw_default();
    op o = mkconv(cparams(2, 40, 6, 5, 20, 3, 2, 1, 1));
    o.rq.bias = true;
    o.rq.relu = true;
    o.rq.shift = 6;
    emb e;
    status st;
    status_init(&st);
    cr_assert(emb_channel_packing(&o, &hw, &e, &st));
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
        for (int pad = 0; pad <= 3; pad += 3)
            for (size_t k = 0; k < sizeof sets / sizeof *sets; k++) {
                op o = mkconv(cparams(stride, 3, 7, 7, 5, 3, 3, stride, pad));
                emb e;
                status st;
                status_init(&st);
                cr_assert(emb_im2col(&o, &hw, sets[k], &e, &st), "%s", st.msg);
                run_case(&o, &hw, &e, seed++);
            }
}

Test(emb_run, gemm_plain_and_swapped) {
    hw_config hw = hw_default();
    uint64_t seed = 200;
    for (int at = 0; at <= 1; at++)
        for (int bt = 0; bt <= 1; bt++) {
            op o = mkgemm(35, 7, 20, at, bt);
            emb e;
            status st;
            status_init(&st);
            cr_assert(emb_channel_packing(&o, &hw, &e, &st));
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
    cr_assert(emb_channel_packing(&o, &hw, &e, &st));
    run_case(&o, &hw, &e, seed++);
}

Test(emb_run, toeplitz_compensated_taps) {
    hw_config hw = hw_default();
    uint64_t seed = 300;
    for (int stride = 1; stride <= 2; stride++)
        for (int pad = 0; pad <= 2; pad++)
            for (int64_t ext = 3; ext <= 16; ext += 13) {
                op o = mkconv(cparams(1, 3, 7, 11, 5, 3, 3, stride, pad));
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
        emb e;
        status st;
        status_init(&st);
        cr_assert(emb_channel_packing(&o, &hw, &e, &st));
        cr_assert_eq(e.nterms[EMB_B], 1);
        run_case(&o, &hw, &e, seed++);
        cr_assert(emb_im2col(&o, &hw, "c,r,s", &e, &st));
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
    cr_assert(emb_channel_packing(&g, &hw, &e, &(status){0}));
    run_case(&g, &hw, &e, seed++);
}

Test(emb_run, block8_hardware) {
    hw_config hw = hw_shape(0, 3);
    uint64_t seed = 500;
    op o = mkconv(cparams(2, 3, 7, 7, 5, 3, 3, 2, 1));
    emb e;
    status st;
    status_init(&st);
    cr_assert(emb_channel_packing(&o, &hw, &e, &st));
    run_case(&o, &hw, &e, seed++);
    cr_assert(emb_im2col(&o, &hw, "c,r,s", &e, &st));
    run_case(&o, &hw, &e, seed++);
    op g = mkgemm(13, 9, 21, true, false);
    cr_assert(emb_channel_packing(&g, &hw, &e, &st));
    run_case(&g, &hw, &e, seed++);
    hw = hw_shape(1, 3); /* BATCH 2, BLOCK 8 */
    cr_assert(emb_channel_packing(&o, &hw, &e, &st));
    run_case(&o, &hw, &e, seed++);
}

Test(emb_run, grouped_and_depthwise) {
    hw_config hw = hw_default();
    op_conv p = cparams(1, 6, 6, 6, 4, 3, 3, 1, 1);
    p.groups = 2;
    op o = mkconv(p);
    emb e;
    status st;
    status_init(&st);
    cr_assert(emb_channel_packing(&o, &hw, &e, &st));
    run_case(&o, &hw, &e, 600);
    /* depthwise (C = groups): K per group 2, C per group 1 */
    p = cparams(1, 5, 6, 6, 10, 3, 3, 2, 1);
    p.groups = 5;
    op dw = mkconv(p);
    cr_assert(emb_channel_packing(&dw, &hw, &e, &st));
    run_case(&dw, &hw, &e, 601);
    cr_assert(emb_im2col(&dw, &hw, "r,s", &e, &st));
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
static uint64_t rnd(uint64_t *s) {
    *s += 0x9e3779b97f4a7c15ULL;
    uint64_t z = *s;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int64_t rin(uint64_t *s, int64_t lo, int64_t hi) { return lo + (int64_t)(rnd(s) % (uint64_t)(hi - lo + 1)); }

Test(emb_run, random_embeddings) {
    uint64_t s = 12345;
    int done = 0, tried = 0, comp = 0, swapped = 0;
    while (done < 400) {
        tried++;
        cr_assert(tried < 200000, "too few valid random embeddings");
        hw_config hw = hw_shape((int)rin(&s, 0, 2), (int)rin(&s, 2, 4));
        op o;
        if (rin(&s, 0, 3) == 0) {
            o = mkgemm(rin(&s, 1, 20), rin(&s, 1, 9), rin(&s, 1, 20), rin(&s, 0, 1), rin(&s, 0, 1));
        } else {
            op_conv p = cparams(rin(&s, 1, 2), rin(&s, 1, 5), rin(&s, 3, 8), rin(&s, 3, 8), rin(&s, 1, 6),
                                rin(&s, 1, 3), rin(&s, 1, 3), rin(&s, 1, 2), rin(&s, 0, 2));
            if (p.h + 2 * p.pad_h < p.r || p.w + 2 * p.pad_w < p.s)
                continue;
            o = mkconv(p);
        }
        emb e = emb_empty();
        e.swap = rin(&s, 0, 4) == 0;
        for (int d = 0; d < o.ndims; d++) {
            int L = (int)rin(&s, 0, 3);
            if (L == 3 || e.nterms[L] >= 3)
                continue;
            emb_term *t = &e.term[L][e.nterms[L]++];
            t->dim = d;
            t->extent = rin(&s, 1, o.extent[d]);
            t->comp_dim = -1;
            t->comp_coef = 0;
            const char *nm = o.dim_name[d];
            bool spatial = o.kind == OP_CONV2D && (strcmp(nm, "x") == 0 || strcmp(nm, "y") == 0);
            if (spatial && rin(&s, 0, 1) == 0) {
                /* the Toeplitz direction that keeps In fixed */
                t->comp_dim = D(&o, nm[0] == 'x' ? "s" : "r");
                t->comp_coef = -(nm[0] == 'x' ? o.conv.stride_w : o.conv.stride_h);
            } else if (rin(&s, 0, 3) == 0) {
                t->comp_dim = (int32_t)rin(&s, 0, o.ndims - 1);
                t->comp_coef = rin(&s, -2, 2);
            }
        }
        status st;
        status_init(&st);
        if (!emb_check(&o, &hw, &e, &st))
            continue;
        emb_nest n;
        if (!emb_nest_build(&o, &hw, &e, &n, &st) || n.instances > 20000)
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

/* ---- the structural checker --------------------------------------------------------- */

static void expect_reject(const op *o, const emb *e, const char *want) {
    hw_config hw = hw_default();
    status st;
    status_init(&st);
    cr_assert_not(emb_check(o, &hw, e, &st), "accepted, want: %s", want);
    cr_assert(strstr(st.msg, want), "message '%s' lacks '%s'", st.msg, want);
    emb_nest n;
    status_init(&st);
    cr_assert_not(emb_nest_build(o, &hw, e, &n, &st));
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
    cterm(&o, &e, EMB_I, "r", 3, "k", 1);
    expect_reject(&o, &e, "dim 'k' used twice");
    e = emb_empty();
    e.nterms[EMB_B] = 7;
    expect_reject(&o, &e, "B lane has 7 terms");
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
    cr_assert_not(emb_im2col(&o, &hw, "c,x", &e, &st));
    cr_assert(strstr(st.msg, "dim 'x' is not a reduction dim"), "%s", st.msg);
    status_init(&st);
    cr_assert_not(emb_im2col(&o, &hw, "c,q", &e, &st));
    cr_assert(strstr(st.msg, "unknown dim 'q'"), "%s", st.msg);
}

/* ---- the scalar checker on tampered nests -------------------------------------------- */

static emb_nest good_nest(const op *o, const emb *e) {
    hw_config hw = hw_default();
    status st;
    status_init(&st);
    emb_nest n;
    cr_assert(emb_nest_build(o, &hw, e, &n, &st), "%s", st.msg);
    cr_assert(emb_check_scalar(o, &hw, e, &n, 1 << 20, 1, &st), "%s", st.msg);
    return n;
}

static int find_loop(const op *o, const emb_nest *n, const char *dim) {
    for (int li = 0; li < n->nloops; li++)
        if (n->loop[li].kind == EMB_LOOP_DIM && n->loop[li].dim == D(o, dim))
            return li;
    cr_assert_fail("no loop over %s", dim);
    return -1;
}

static void expect_scalar_fail(const op *o, const emb *e, const emb_nest *n, int64_t maxi,
                               const char *want) {
    hw_config hw = hw_default();
    status st;
    status_init(&st);
    cr_assert_not(emb_check_scalar(o, &hw, e, n, maxi, 7, &st), "accepted, want %s", want);
    cr_assert(strstr(st.msg, want), "message '%s' lacks '%s'", st.msg, want);
}

Test(emb_scalar, catches_tampered_nests) {
    op o = mkconv(cparams(1, 3, 7, 7, 5, 3, 3, 1, 1));
    emb e;
    hw_config hw = hw_default();
    status st;
    status_init(&st);
    cr_assert(emb_channel_packing(&o, &hw, &e, &st));
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
    cr_assert(emb_channel_packing(&o2, &hw, &e, &st));
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
    cr_assert(emb_im2col(&o, &hw, "c,r,s", &e, &st));
    emb_nest n;
    cr_assert(emb_nest_build(&o, &hw, &e, &n, &st), "%s", st.msg);
    cr_assert(emb_check_scalar(&o, &hw, &e, &n, 2000, 42, &st), "%s", st.msg);
    emb_nest bad = n;
    bad.loop[find_loop(&o, &bad, "x")].coef[EMB_ACC] = 0;
    bad.loop[find_loop(&o, &bad, "x")].axis[EMB_ACC] = -1;
    expect_scalar_fail(&o, &e, &bad, 2000, "holds");
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
            cr_assert(emb_channel_packing(&o, &hw, &e, &st));
        else
            cr_assert(emb_im2col(&o, &hw, fams[f], &e, &st));
        emb_nest n;
        cr_assert(emb_nest_build(&o, &hw, &e, &n, &st), "%s", st.msg);
        int64_t nin = op_tensor_elems(&o, OP_IN), nwt = op_tensor_elems(&o, OP_WT);
        int8_t *in = malloc((size_t)nin), *wt = malloc((size_t)nwt);
        ref_fill_i8(in, nin, 5);
        ref_fill_i8(wt, nwt, 6);
        int8_t *inp = malloc((size_t)(n.lay[EMB_INP].elems * 16));
        int8_t *wgp = malloc((size_t)(n.lay[EMB_WGT].elems * 256));
        int8_t *outp = calloc((size_t)(n.lay[EMB_ACC].elems * 16), 1);
        int8_t *out = malloc((size_t)op_outputs(&o));
        double t0 = now();
        emb_pack(&o, &hw, &e, &n, in, wt, inp, wgp);
        emb_unpack_out(&o, &hw, &e, &n, outp, out);
        double dt = now() - t0;
        cr_log_info("pack+unpack %s: %.3f s (%lld inp bytes)", f ? "im2col" : "channel packing", dt,
                    (long long)(n.lay[EMB_INP].elems * 16));
        cr_assert(dt < 2.0, "packing took %.2f s", dt);
        free(in), free(wt), free(inp), free(wgp), free(outp), free(out);
    }
}

/* ---- XML and JSON -------------------------------------------------------------------- */

static op xml_op(void) { return mkconv(cparams(1, 3, 7, 7, 5, 3, 3, 2, 1)); }

static void round_trip(const op *o, const emb *e) {
    char path[] = "/tmp/test_emb_XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    emb_write_xml(f, o, e);
    fclose(f);
    emb back;
    status st;
    status_init(&st);
    bool ok = spec_load_emb(path, o, &back, &st);
    remove(path);
    cr_assert(ok, "%s", st.msg);
    cr_assert(memcmp(&back, e, sizeof back) == 0, "round trip changed the embedding");
}

Test(emb_xml, round_trip_all_families) {
    hw_config hw = hw_default();
    op o = xml_op();
    emb e;
    status st;
    status_init(&st);
    cr_assert(emb_channel_packing(&o, &hw, &e, &st));
    round_trip(&o, &e);
    cr_assert(emb_im2col(&o, &hw, "s,c,r", &e, &st));
    round_trip(&o, &e);
    e = emb_empty();
    term(&o, &e, EMB_I, "c", 0);
    cterm(&o, &e, EMB_O, "x", 3, "s", -2);
    term(&o, &e, EMB_I, "r", 2);
    round_trip(&o, &e);
    op g = mkgemm(9, 5, 7, true, false);
    e = emb_empty();
    e.swap = true;
    term(&g, &e, EMB_I, "k", 0);
    term(&g, &e, EMB_O, "n", 0);
    round_trip(&g, &e);
    hw_config h4 = hw_shape(2, 4);
    cr_assert(emb_channel_packing(&o, &h4, &e, &st));
    cr_assert_eq(e.nterms[EMB_B], 1);
    round_trip(&o, &e);
}

Test(emb_xml, loads_hand_written_file) {
    op o = xml_op();
    emb e, want = emb_empty();
    status st;
    status_init(&st);
    cr_assert(spec_load_emb(EMBEDSYN_SOURCE_DIR "/tests/emb/good_toeplitz.xml", &o, &e, &st), "%s", st.msg);
    term(&o, &want, EMB_I, "c", 0);
    cterm(&o, &want, EMB_O, "x", 4, "s", -2);
    cr_assert(memcmp(&e, &want, sizeof e) == 0);
    hw_config hw = hw_default();
    run_case(&o, &hw, &e, 1);
}

Test(emb_xml, bad_files_name_file_and_line) {
    static const struct {
        const char *file;
        int line;
        const char *msg;
    } cases[] = {
        {"bad_unknown_dim", 3, "unknown dim 'q' in attribute 'dim' (dims of operator 'conv': n,k,y,x,c,r,s)"},
        {"bad_unknown_comp", 3, "unknown dim 'z' in attribute 'comp'"},
        {"bad_lane_twice", 5, "lane axis I given twice"},
        {"bad_extent", 3, "extent"},
        {"bad_coef_without_comp", 3, "coef without comp"},
        {"bad_comp_without_coef", 3, "term with comp=\"s\" needs a nonzero coef"},
        {"bad_zero_coef", 3, "coef must be nonzero"},
        {"bad_dataflow", 3, "O lane term 0 (x with s*-1) moves In axis 3 by 1"},
        {"bad_dim_twice", 1, "dim 'c' used twice (O lane term 1 and I lane term 0)"},
        {"bad_axis", 2, ""},
        {"bad_swap", 1, ""},
        {"bad_root", 1, ""},
    };
    op o = xml_op();
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char path[512], want[64];
        snprintf(path, sizeof path, "%s/tests/emb/%s.xml", EMBEDSYN_SOURCE_DIR, cases[k].file);
        snprintf(want, sizeof want, "%s.xml:%d: ", cases[k].file, cases[k].line);
        emb e;
        status st;
        status_init(&st);
        cr_assert_not(spec_load_emb(path, &o, &e, &st), "%s loaded", cases[k].file);
        cr_assert(strstr(st.msg, want), "%s: message '%s' lacks '%s'", cases[k].file, st.msg, want);
        cr_assert(strstr(st.msg, cases[k].msg), "%s: message '%s' lacks '%s'", cases[k].file, st.msg,
                  cases[k].msg);
    }
    emb e;
    status st;
    status_init(&st);
    cr_assert_not(spec_load_emb(EMBEDSYN_SOURCE_DIR "/tests/emb/no_such_file.xml", &o, &e, &st));
    cr_assert(strstr(st.msg, "no_such_file.xml"), "%s", st.msg);
}

Test(emb_xml, json_names_dims) {
    op o = xml_op();
    emb e = emb_empty();
    term(&o, &e, EMB_I, "c", 0);
    cterm(&o, &e, EMB_O, "x", 4, "s", -2);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    emb_json(f, &o, &e);
    fclose(f);
    cr_assert(strstr(buf, "\"class\":\"toeplitz(x/s)\""), "%s", buf);
    cr_assert(strstr(buf, "\"O\":[{\"dim\":\"x\",\"extent\":4,\"comp\":\"s\",\"coef\":-2}]"), "%s", buf);
    cr_assert(strstr(buf, "\"B\":[]"), "%s", buf);
    cr_assert_eq(buf[len - 1], '}');
    free(buf);
}
