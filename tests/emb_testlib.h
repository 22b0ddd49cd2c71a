/* emb_testlib: helpers shared by the tests of core/emb (test_emb*.c, test_spec_emb.c):
 * op builders, term helpers, and run_case, which takes an embedding through the whole
 * host pipeline (nest, scalar check, packing, a plain-C GEMM interpreter written here,
 * requantization, unpacking) and compares bit by bit with ref_run. Static functions in
 * a header: each test executable includes it once. */
#ifndef EMBEDSYN_TESTS_EMB_TESTLIB_H
#define EMBEDSYN_TESTS_EMB_TESTLIB_H

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/emb.h"
#include "core/op.h"
#include "core/ref.h"
#include "tests/test_util.h"
#include "vta/hw.h"

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wunused-function"
#endif


static op_conv cparams(int64_t n, int64_t c, int64_t h, int64_t w, int64_t k, int64_t r,
                       int64_t s, int64_t stride, int64_t pad) {
    return tl_conv_params(n, c, h, w, k, r, s, stride, pad);
}

static op mkconv(op_conv p) {
    return tl_build_conv(&p, "conv", p.groups > 1 && p.groups == p.c ? OP_DEPTHWISE : OP_CONV2D);
}

static op mkgemm(int64_t m, int64_t n, int64_t k, bool a_t, bool b_t) { return tl_gemm(1, m, n, k, a_t, b_t); }

/* Channel packing of o on hw and, when n is not NULL, its nest (a failure fails the test). */
static emb packed_emb(const op *o, const hw_config *hw, emb_nest *n) {
    emb e;
    status st;
    status_init(&st);
    cr_assert(emb_channel_packing(o, HW_INTRINSIC(hw), &e, &st), "%s", st.msg);
    if (n)
        cr_assert(emb_nest_build(o, HW_INTRINSIC(hw), &e, n, &st), "%s", st.msg);
    return e;
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
    cr_assert(emb_nest_build(o, HW_INTRINSIC(hw), e, &n, &st), "%s: %s", cls, st.msg);
    cr_assert(emb_check_scalar(o, HW_INTRINSIC(hw), e, &n, 1 << 20, seed, &st), "%s: %s", cls, st.msg);
    /* the sampled mode must accept a valid embedding too */
    cr_assert(emb_check_scalar(o, HW_INTRINSIC(hw), e, &n, 3, seed, &st), "%s (sampled): %s", cls, st.msg);
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
    emb_pack(o, HW_INTRINSIC(hw), e, &n, in, wt, inp, wgp);
    emb_pack_bias(o, HW_INTRINSIC(hw), e, &n, bias, accb);
    for (int64_t k = 0; k < na; k++)
        acc[k] = (uint32_t)accb[k];
    interpret(o, hw, &n, inp, wgp, acc);
    for (int64_t k = 0; k < na; k++)
        outp[k] = ref_requant(&o->rq, u2i(acc[k]));
    memset(out, 0x5a, (size_t)nout);
    emb_unpack_out(o, HW_INTRINSIC(hw), e, &n, outp, out);
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
        emb_out_position(o, HW_INTRINSIC(hw), e, &n, idx, &el, &ln);
        cr_assert(el >= 0 && el < n.lay[EMB_ACC].elems, "%s: out_position element %lld", cls, (long long)el);
        cr_assert_eq(outp[el * hw_batch(hw) * hw_block_out(hw) + ln], want[k], "%s: out_position %lld", cls,
                     (long long)k);
    }
    free(in), free(wt), free(out), free(want), free(bias), free(inp), free(wgp), free(outp),
        free(accb), free(acc);
    return n;
}


static int find_loop(const op *o, const emb_nest *n, const char *dim) {
    for (int li = 0; li < n->nloops; li++)
        if (n->loop[li].kind == EMB_LOOP_DIM && n->loop[li].dim == D(o, dim))
            return li;
    cr_assert_fail("no loop over %s", dim);
    return -1;
}

#endif
