/* Tests of the layout maps (core/netlayout_map.c, emb_index_map in core/emb_pack.c)
 * against two computations written here: the output map element by element from
 * emb_out_position (the inverse of the nest: a domain point per Out element, solved
 * axis by axis), and the input map from the bytes emb_pack writes when every input
 * element carries its own index (base 127, one packing per digit). Embeddings: channel
 * packing (with wasted lanes), im2col (duplicated input), the banded forms, the group
 * band, operand swap (the activation in VTA's WGT), on the default VTA and with two
 * batch lanes; a remapped (cropped) output. */
#include "tests/emb_testlib.h"

#include "core/netlayout_map.h"

/* The output map from emb_out_position (remap may be NULL). */
static int32_t *out_oracle(const op *o, const hw_config *hw, const emb *e, const emb_nest *n, const int32_t *remap) {
    int64_t lanes = (int64_t)hw_batch(hw) * hw_block_out(hw), total = n->lay[EMB_ACC].elems * lanes;
    int32_t *m = malloc((size_t)total * sizeof *m);
    cr_assert_not_null(m);
    int32_t empty = o->rq.clip_lo <= 0 && o->rq.clip_hi >= 0 ? NL_LANE_ZERO : NL_LANE_JUNK;
    for (int64_t k = 0; k < total; k++) m[k] = empty;
    const op_tensor *T = &o->t[OP_OUT];
    int64_t nout = op_tensor_elems(o, OP_OUT), idx[OP_MAX_RANK] = {0};
    for (int64_t i = 0; i < nout; i++) {
        int64_t elem, lane;
        emb_out_position(o, HW_INTRINSIC(hw), e, n, idx, &elem, &lane);
        cr_assert(elem >= 0 && elem < n->lay[EMB_ACC].elems && lane >= 0 && lane < lanes, "Out element %lld",
                  (long long)i);
        int32_t t = remap ? remap[i] : (int32_t)i;
        m[elem * lanes + lane] = t >= 0 ? t : NL_LANE_JUNK;
        for (int j = T->rank - 1; j >= 0; j--) {
            if (++idx[j] < T->shape[j]) break;
            idx[j] = 0;
        }
    }
    return m;
}

/* The activation operand's full map from emb_pack's bytes. */
static int32_t *in_oracle(const op *o, const hw_config *hw, const emb *e, const emb_nest *n) {
    emb_operand x = e->swap ? EMB_WGT : EMB_INP;
    int64_t nin = op_tensor_elems(o, OP_IN), nwt = op_tensor_elems(o, OP_WT);
    int64_t ninp = n->lay[EMB_INP].elems * n->lay[EMB_INP].elem_bytes;
    int64_t nwgt = n->lay[EMB_WGT].elems * n->lay[EMB_WGT].elem_bytes;
    int64_t nact = n->lay[x].elems * n->lay[x].elem_bytes;
    int8_t *enc = malloc((size_t)nin), *wt = calloc((size_t)nwt, 1), *inp = malloc((size_t)ninp + 1);
    int8_t *wgt = malloc((size_t)nwgt + 1);
    int32_t *m = calloc((size_t)nact, sizeof *m);
    cr_assert(enc && wt && inp && wgt && m);
    const int8_t *act = x == EMB_WGT ? wgt : inp;
    for (int64_t scale = 1; scale <= nin; scale *= 127) {
        for (int64_t i = 0; i < nin; i++) enc[i] = (int8_t)((i / scale) % 127 + 1);
        emb_pack(o, HW_INTRINSIC(hw), e, n, enc, wt, inp, wgt);
        for (int64_t k = 0; k < nact; k++) m[k] = act[k] ? m[k] + (int32_t)((act[k] - 1) * scale) : NL_LANE_ZERO;
    }
    free(enc), free(wt), free(inp), free(wgt);
    return m;
}

static void check(const char *what, const op *o, const hw_config *hw, const emb *e) {
    status st;
    status_init(&st);
    emb_nest n;
    cr_assert(emb_nest_build(o, HW_INTRINSIC(hw), e, &n, &st), "%s: %s", what, st.msg);
    nl_map m;
    cr_assert(nl_map_out(o, HW_INTRINSIC(hw), e, &n, NULL, &m, &st), "%s: %s", what, st.msg);
    int32_t *want = out_oracle(o, hw, e, &n, NULL);
    cr_assert_eq(m.nvec, n.lay[EMB_ACC].elems);
    for (int64_t k = 0; k < m.nvec * m.lanes; k++)
        cr_assert_eq(m.idx[k], want[k], "%s: output lane %lld: %d, want %d", what, (long long)k, m.idx[k], want[k]);
    free(want);
    nl_map_free(&m);
    /* a crop: every third element dropped, the others renumbered */
    int64_t nout = op_tensor_elems(o, OP_OUT);
    int32_t *remap = malloc((size_t)nout * sizeof *remap), kept = 0;
    cr_assert_not_null(remap);
    for (int64_t i = 0; i < nout; i++) remap[i] = i % 3 == 2 ? -1 : kept++;
    cr_assert(nl_map_out(o, HW_INTRINSIC(hw), e, &n, remap, &m, &st), "%s: %s", what, st.msg);
    want = out_oracle(o, hw, e, &n, remap);
    for (int64_t k = 0; k < m.nvec * m.lanes; k++)
        cr_assert_eq(m.idx[k], want[k], "%s: remapped output lane %lld", what, (long long)k);
    free(want);
    free(remap);
    nl_map_free(&m);
    cr_assert(nl_map_in_full(o, HW_INTRINSIC(hw), e, &n, &m, &st), "%s: %s", what, st.msg);
    want = in_oracle(o, hw, e, &n);
    int64_t zeros = 0;
    for (int64_t k = 0; k < m.nvec * m.lanes; k++) {
        cr_assert_eq(m.idx[k], want[k], "%s: input lane %lld: %d, want %d", what, (long long)k, m.idx[k], want[k]);
        zeros += m.idx[k] == NL_LANE_ZERO;
    }
    cr_assert_lt(zeros, m.nvec * m.lanes, "%s: an input map of zeros only", what);
    free(want);
    nl_map_free(&m);
}

static emb family(const op *o, const hw_config *hw, int which) {
    emb e;
    status st;
    status_init(&st);
    bool ok = which == 0   ? emb_channel_packing(o, HW_INTRINSIC(hw), &e, &st)
              : which == 1 ? emb_im2col(o, HW_INTRINSIC(hw), "c,r,s", &e, &st)
              : which == 2 ? emb_band(o, HW_INTRINSIC(hw), &e, &st)
                           : emb_group_band(o, HW_INTRINSIC(hw), &e, &st);
    cr_assert(ok, "family %d: %s", which, st.msg);
    return e;
}

Test(netlayout_map, conv_families_equal_the_oracles) {
    hw_config hw = hw_default();
    op a = mkconv(cparams(1, 16, 10, 10, 16, 3, 3, 1, 1));
    op b = mkconv(cparams(1, 24, 9, 11, 40, 3, 3, 2, 1)); /* wasted lanes, stride 2 */
    for (int w = 0; w < 3; w++) {
        char what[32];
        snprintf(what, sizeof what, "conv a, family %d", w);
        emb e = family(&a, &hw, w);
        check(what, &a, &hw, &e);
        snprintf(what, sizeof what, "conv b, family %d", w);
        e = family(&b, &hw, w);
        check(what, &b, &hw, &e);
    }
    /* operand swap: the activation is VTA's WGT operand */
    emb e = emb_empty();
    e.swap = true;
    term(&a, &e, EMB_I, "c", 0);
    term(&a, &e, EMB_O, "x", 10);
    check("conv a, swap", &a, &hw, &e);
}

Test(netlayout_map, depthwise_and_gemm_equal_the_oracles) {
    hw_config hw = hw_default();
    op_conv p = cparams(1, 32, 9, 9, 32, 3, 3, 2, 1);
    p.groups = 32;
    op dw = mkconv(p);
    int fams[] = {0, 2, 3};
    for (int k = 0; k < 3; k++) {
        char what[32];
        snprintf(what, sizeof what, "depthwise, family %d", fams[k]);
        emb e = family(&dw, &hw, fams[k]);
        check(what, &dw, &hw, &e);
    }
    op g = mkgemm(5, 40, 24, false, false);
    emb e = family(&g, &hw, 0);
    check("gemm, channel packing", &g, &hw, &e);
}

Test(netlayout_map, two_batch_lanes) {
    hw_config hw = hw_shape(1, 4);
    op_conv p = cparams(2, 16, 6, 6, 16, 3, 3, 1, 1);
    op o = mkconv(p);
    for (int w = 0; w < 2; w++) {
        emb e = family(&o, &hw, w);
        check(w ? "batch 2, im2col" : "batch 2, channel packing", &o, &hw, &e);
    }
}
