/* Tests of core/ref: hand-computed conv/GEMM results, both ref paths against naive
 * loops written here from the index formulas (random small shapes), ref_output_acc
 * against ref_run, requantization edge cases, 32-bit wrap-around, and the fills. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/op.h"
#include "core/ref.h"
#include "tests/test_util.h"

static op_conv conv_params(int64_t n, int64_t c, int64_t h, int64_t w, int64_t k, int64_t r,
                           int64_t s) {
    return tl_conv_params(n, c, h, w, k, r, s, 1, 0);
}

static op build_conv(op_conv p, op_kind kind) { return tl_build_conv(&p, "t", kind); }

static op build_gemm(op_gemm g) { return tl_build_gemm(&g, "t"); }

/* Runs both ref paths and checks they agree; returns the accumulators (caller frees). */
static int32_t *run_both(const op *o, const int8_t *in, const int8_t *wt, const int32_t *bias) {
    int64_t n = op_outputs(o);
    int32_t *a = malloc((size_t)n * sizeof *a), *b = malloc((size_t)n * sizeof *b);
    int8_t *oa = malloc((size_t)n), *ob = malloc((size_t)n);
    ref_run(o, in, wt, bias, a, oa);
    ref_run_generic(o, in, wt, bias, b, ob);
    for (int64_t i = 0; i < n; i++) {
        cr_assert_eq(a[i], b[i], "acc %ld: fast %d generic %d", (long)i, a[i], b[i]);
        cr_assert_eq(oa[i], ob[i]);
        cr_assert_eq(oa[i], ref_requant(&o->rq, a[i]));
    }
    free(b);
    free(oa);
    free(ob);
    return a;
}

Test(ref, conv_hand_stride2_pad1) {
    /* in 3x3 = 1..9, kernel [[1,2],[3,4]], stride 2, pad 1 -> 2x2:
     * (0,0): 4*1 = 4; (0,1): 3*2 + 4*3 = 18; (1,0): 2*4 + 4*7 = 36;
     * (1,1): 1*5 + 2*6 + 3*8 + 4*9 = 77 */
    op_conv p = conv_params(1, 1, 3, 3, 1, 2, 2);
    p.stride_h = p.stride_w = 2;
    p.pad_h = p.pad_w = 1;
    op o = build_conv(p, OP_CONV2D);
    int8_t in[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, wt[4] = {1, 2, 3, 4};
    int32_t *acc = run_both(&o, in, wt, NULL);
    int32_t want[4] = {4, 18, 36, 77};
    for (int i = 0; i < 4; i++)
        cr_assert_eq(acc[i], want[i], "out %d: %d", i, acc[i]);
    free(acc);
}

Test(ref, conv_hand_groups_dilation) {
    /* C=2, K=2, groups 2, 2x2 kernel dilated by 2 on 3x3 inputs -> 1x1 outputs using the
     * corners. ch0 = 1..9, ch1 = 10..18; w0 = [[1,2],[3,4]], w1 = [[-1,0],[2,-2]].
     * out0 = 1*1 + 2*3 + 3*7 + 4*9 = 64; out1 = -10 + 2*16 - 2*18 = -14 */
    op_conv p = conv_params(1, 2, 3, 3, 2, 2, 2);
    p.dil_h = p.dil_w = 2;
    p.groups = 2;
    op o = build_conv(p, OP_CONV2D);
    int8_t in[18], wt[8] = {1, 2, 3, 4, -1, 0, 2, -2};
    for (int i = 0; i < 18; i++)
        in[i] = (int8_t)(i + 1);
    int32_t *acc = run_both(&o, in, wt, NULL);
    cr_assert_eq(acc[0], 64);
    cr_assert_eq(acc[1], -14);
    free(acc);

    /* 1x1 grouped: C=4, K=2, groups 2: out0 = 5*1 + 6*2 = 17, out1 = 7*3 + 8*4 = 53;
     * with bias [100, -3]: 117, 50; requant shift 1 -> 58, 25 */
    p = conv_params(1, 4, 1, 1, 2, 1, 1);
    p.groups = 2;
    o = build_conv(p, OP_CONV2D);
    o.rq.bias = true;
    o.rq.shift = 1;
    int8_t in2[4] = {1, 2, 3, 4}, wt2[4] = {5, 6, 7, 8};
    int32_t bias[2] = {100, -3};
    acc = run_both(&o, in2, wt2, bias);
    cr_assert_eq(acc[0], 117);
    cr_assert_eq(acc[1], 50);
    int8_t out[2];
    ref_run(&o, in2, wt2, bias, NULL, out);
    cr_assert_eq(out[0], 58);
    cr_assert_eq(out[1], 25);
    free(acc);
}

Test(ref, gemm_hand_2x3x4_with_transposes_and_batch) {
    /* A = [[1,0,-1,2],[3,1,0,-2]], B = [[1,2,3],[0,1,0],[2,0,1],[1,1,-1]]
     * C = A B = [[1,4,0],[1,5,11]] (worked out by hand) */
    int8_t A[8] = {1, 0, -1, 2, 3, 1, 0, -2};
    int8_t At[8] = {1, 3, 0, 1, -1, 0, 2, -2};
    int8_t B[12] = {1, 2, 3, 0, 1, 0, 2, 0, 1, 1, 1, -1};
    int8_t Bt[12] = {1, 0, 2, 1, 2, 1, 0, 1, 3, 0, 1, -1};
    int32_t want[6] = {1, 4, 0, 1, 5, 11};
    for (int v = 0; v < 4; v++) {
        op_gemm g = {.batch = 1, .m = 2, .n = 3, .k = 4, .a_t = v & 1, .b_t = (v & 2) != 0};
        op o = build_gemm(g);
        int32_t *acc = run_both(&o, g.b_t ? Bt : B, g.a_t ? At : A, NULL);
        for (int i = 0; i < 6; i++)
            cr_assert_eq(acc[i], want[i], "variant %d elem %d: %d", v, i, acc[i]);
        free(acc);
    }
    /* batch 2: second product uses -A, so C1 = -C */
    op_gemm g = {.batch = 2, .m = 2, .n = 3, .k = 4};
    op o = build_gemm(g);
    int8_t A2[16], B2[24];
    for (int i = 0; i < 8; i++)
        A2[i] = A[i], A2[8 + i] = (int8_t)-A[i];
    memcpy(B2, B, 12);
    memcpy(B2 + 12, B, 12);
    int32_t *acc = run_both(&o, B2, A2, NULL);
    for (int i = 0; i < 6; i++) {
        cr_assert_eq(acc[i], want[i]);
        cr_assert_eq(acc[6 + i], -want[i]);
    }
    free(acc);
}

/* Naive conv straight from the index formulas (independent of op maps). */
static void naive_conv(const op_conv *p, int64_t oh, int64_t ow, const int8_t *in,
                       const int8_t *wt, int64_t *out) {
    int64_t G = p->groups, Kg = p->k / G, Cg = p->c / G;
    for (int64_t n = 0; n < p->n; n++)
        for (int64_t ko = 0; ko < p->k; ko++)
            for (int64_t y = 0; y < oh; y++)
                for (int64_t x = 0; x < ow; x++) {
                    int64_t s = 0, g = ko / Kg;
                    for (int64_t c = 0; c < Cg; c++)
                        for (int64_t r = 0; r < p->r; r++)
                            for (int64_t q = 0; q < p->s; q++) {
                                int64_t iy = y * p->stride_h + r * p->dil_h - p->pad_h;
                                int64_t ix = x * p->stride_w + q * p->dil_w - p->pad_w;
                                if (iy < 0 || iy >= p->h || ix < 0 || ix >= p->w)
                                    continue;
                                s += (int64_t)in[((n * p->c + g * Cg + c) * p->h + iy) * p->w + ix] *
                                     wt[((ko * Cg + c) * p->r + r) * p->s + q];
                            }
                    out[((n * p->k + ko) * oh + y) * ow + x] = s;
                }
}


Test(ref, random_conv_both_paths_match_naive) {
    uint64_t s = 12345;
    int built = 0;
    for (int it = 0; it < 300; it++) {
        op_conv p;
        memset(&p, 0, sizeof p);
        bool dw = it % 4 == 3;
        p.groups = dw ? 0 : tl_xrnd(&s, 1, 3);
        p.n = tl_xrnd(&s, 1, 2);
        p.c = dw ? tl_xrnd(&s, 1, 5) : p.groups * tl_xrnd(&s, 1, 3);
        if (dw)
            p.groups = p.c;
        p.k = p.groups * tl_xrnd(&s, 1, 3);
        p.h = tl_xrnd(&s, 1, 8), p.w = tl_xrnd(&s, 1, 8);
        p.r = tl_xrnd(&s, 1, 4), p.s = tl_xrnd(&s, 1, 4);
        p.stride_h = tl_xrnd(&s, 1, 3), p.stride_w = tl_xrnd(&s, 1, 3);
        p.pad_h = tl_xrnd(&s, 0, 3), p.pad_w = tl_xrnd(&s, 0, 3);
        p.dil_h = tl_xrnd(&s, 1, 2), p.dil_w = tl_xrnd(&s, 1, 2);
        int64_t eh = p.dil_h * (p.r - 1) + 1, ew = p.dil_w * (p.s - 1) + 1;
        if (p.h + 2 * p.pad_h < eh || p.w + 2 * p.pad_w < ew) {
            op o;
            status st;
            status_init(&st);
            cr_assert_not(op_build_conv(&o, "t", &p, dw ? OP_DEPTHWISE : OP_CONV2D, &st));
            continue;
        }
        op o = build_conv(p, dw ? OP_DEPTHWISE : OP_CONV2D);
        int64_t oh = (p.h + 2 * p.pad_h - eh) / p.stride_h + 1;
        int64_t ow = (p.w + 2 * p.pad_w - ew) / p.stride_w + 1;
        cr_assert_eq(o.conv.oh, oh);
        cr_assert_eq(o.conv.ow, ow);
        int64_t ni = op_tensor_elems(&o, OP_IN), nw = op_tensor_elems(&o, OP_WT);
        int64_t no = op_outputs(&o);
        cr_assert_eq(no, p.n * p.k * oh * ow);
        int8_t *in = malloc((size_t)ni), *wt = malloc((size_t)nw);
        ref_fill_i8(in, ni, (uint64_t)it);
        ref_fill_i8(wt, nw, (uint64_t)it + 1000);
        int32_t bias[64];
        o.rq.bias = it % 2 == 0;
        ref_fill_i32(bias, p.k, (uint64_t)it, -5000, 5000);
        int64_t *want = malloc((size_t)no * sizeof *want);
        naive_conv(&p, oh, ow, in, wt, want);
        int32_t *acc = run_both(&o, in, wt, o.rq.bias ? bias : NULL);
        for (int64_t i = 0; i < no; i++) {
            int64_t ko = (i / (oh * ow)) % p.k;
            int64_t w = want[i] + (o.rq.bias ? bias[ko] : 0);
            cr_assert_eq(acc[i], w, "it %d elem %ld", it, (long)i);
        }
        /* sampled ref_output_acc */
        for (int q = 0; q < 5; q++) {
            int64_t idx[4] = {tl_xrnd(&s, 0, p.n - 1), tl_xrnd(&s, 0, p.k - 1), tl_xrnd(&s, 0, oh - 1),
                              tl_xrnd(&s, 0, ow - 1)};
            int64_t lin = ((idx[0] * p.k + idx[1]) * oh + idx[2]) * ow + idx[3];
            cr_assert_eq(ref_output_acc(&o, in, wt, o.rq.bias ? bias : NULL, idx), acc[lin]);
        }
        free(in), free(wt), free(want), free(acc);
        built++;
    }
    cr_assert_gt(built, 150);
}

Test(ref, random_gemm_both_paths_match_naive) {
    uint64_t s = 999;
    for (int it = 0; it < 200; it++) {
        op_gemm g = {.batch = tl_xrnd(&s, 1, 3), .m = tl_xrnd(&s, 1, 9), .n = tl_xrnd(&s, 1, 9),
                     .k = tl_xrnd(&s, 1, 9), .a_t = tl_xrnd(&s, 0, 1), .b_t = tl_xrnd(&s, 0, 1)};
        op o = build_gemm(g);
        int64_t M = g.m, N = g.n, K = g.k;
        int8_t *A = malloc((size_t)(g.batch * M * K)), *B = malloc((size_t)(g.batch * K * N));
        ref_fill_i8(A, g.batch * M * K, (uint64_t)it * 3);
        ref_fill_i8(B, g.batch * K * N, (uint64_t)it * 3 + 1);
        int32_t bias[16];
        ref_fill_i32(bias, M, (uint64_t)it, INT32_MIN, INT32_MAX);
        o.rq.bias = it % 3 == 0;
        o.rq.relu = it % 5 == 0;
        o.rq.shift = (int32_t)(it % 16);
        int32_t *acc = run_both(&o, B, A, o.rq.bias ? bias : NULL);
        for (int64_t b = 0; b < g.batch; b++)
            for (int64_t m = 0; m < M; m++)
                for (int64_t n = 0; n < N; n++) {
                    int64_t sum = 0;
                    for (int64_t k = 0; k < K; k++) {
                        int8_t a = g.a_t ? A[b * M * K + k * M + m] : A[b * M * K + m * K + k];
                        int8_t bb = g.b_t ? B[b * K * N + n * K + k] : B[b * K * N + k * N + n];
                        sum += (int64_t)a * bb;
                    }
                    if (o.rq.bias)
                        sum += bias[m];
                    /* 32-bit wrap-around of the bias add */
                    int64_t w = ((sum % 4294967296LL) + 4294967296LL) % 4294967296LL;
                    if (w >= 2147483648LL)
                        w -= 4294967296LL;
                    int64_t lin = (b * M + m) * N + n;
                    cr_assert_eq(acc[lin], w, "it %d", it);
                    int64_t idx[3] = {b, m, n};
                    int64_t *ip = g.batch > 1 ? idx : idx + 1;
                    cr_assert_eq(ref_output_acc(&o, B, A, o.rq.bias ? bias : NULL, ip), acc[lin]);
                }
        free(A), free(B), free(acc);
    }
}

/* Naive evaluation of an arbitrary affine op from its maps, with 64-bit sums. */
static void naive_affine(const op *o, const int8_t *in, const int8_t *wt, int64_t *out) {
    memset(out, 0, (size_t)op_outputs(o) * sizeof *out);
    int64_t tot = op_macs(o);
    for (int64_t i = 0; i < tot; i++) {
        int64_t p[OP_MAX_DIMS], r = i;
        for (int d = o->ndims - 1; d >= 0; d--)
            p[d] = r % o->extent[d], r /= o->extent[d];
        int64_t lin[3];
        bool ok = true;
        for (int t = 0; t < 3; t++) {
            lin[t] = 0;
            for (int j = 0; j < o->t[t].rank; j++) {
                int64_t v = o->t[t].off[j];
                for (int d = 0; d < o->ndims; d++)
                    v += o->t[t].map[j][d] * p[d];
                if (v < 0 || v >= o->t[t].shape[j])
                    ok = false;
                lin[t] = lin[t] * o->t[t].shape[j] + v;
            }
        }
        if (ok)
            out[lin[OP_OUT]] += (int64_t)in[lin[OP_IN]] * wt[lin[OP_WT]];
    }
}

/* Random affine op: free dims go to Out (one axis each or two fused mixed-radix),
 * random In map (may leave bounds), Wt map with its shape fitted to its range. */
static op random_affine(uint64_t *s) {
    op o;
    memset(&o, 0, sizeof o);
    o.ndims = (int32_t)tl_xrnd(s, 1, 5);
    for (int d = 0; d < o.ndims; d++) {
        snprintf(o.dim_name[d], sizeof o.dim_name[d], "d%d", d);
        o.extent[d] = tl_xrnd(s, 1, 4);
    }
    op_tensor *t = &o.t[OP_OUT];
    t->rank = 0;
    for (int d = 0; d < o.ndims; d++) {
        if (tl_xrnd(s, 0, 2) == 0 && d > 0)
            continue; /* reduction dim (d0 always free) */
        if (t->rank > 0 && tl_xrnd(s, 0, 3) == 0) { /* fuse into the last axis */
            int j = t->rank - 1;
            for (int e = 0; e < o.ndims; e++)
                t->map[j][e] *= o.extent[d];
            t->off[j] *= o.extent[d];
            t->map[j][d] = 1;
            t->shape[j] *= o.extent[d];
            continue;
        }
        int j = t->rank++;
        t->map[j][d] = 1;
        t->shape[j] = o.extent[d];
        if (tl_xrnd(s, 0, 3) == 0) { /* reversed axis */
            t->map[j][d] = -1;
            t->off[j] = o.extent[d] - 1;
        }
    }
    for (int r = 1; r < 3; r++) {
        t = &o.t[r];
        t->rank = (int32_t)tl_xrnd(s, 1, 3);
        for (int j = 0; j < t->rank; j++) {
            int64_t lo = 0, hi = 0;
            for (int d = 0; d < o.ndims; d++) {
                int64_t c = tl_xrnd(s, -2, 2);
                t->map[j][d] = c;
                if (c < 0)
                    lo += c * (o.extent[d] - 1);
                else
                    hi += c * (o.extent[d] - 1);
            }
            if (r == OP_WT) {
                t->off[j] = -lo;
                t->shape[j] = hi - lo + 1;
            } else {
                t->off[j] = tl_xrnd(s, -2, 2) - lo;
                t->shape[j] = hi - lo + 1 - tl_xrnd(s, 0, hi - lo);
            }
        }
    }
    o.rq = op_requant_default();
    return o;
}

Test(ref, random_affine_generic_and_output_acc) {
    uint64_t s = 4242;
    for (int it = 0; it < 400; it++) {
        op o = random_affine(&s);
        status st;
        status_init(&st);
        cr_assert(op_build_affine(&o, &st), "it %d: %s", it, st.msg);
        int64_t ni = op_tensor_elems(&o, OP_IN), nw = op_tensor_elems(&o, OP_WT);
        int64_t no = op_outputs(&o);
        int8_t *in = malloc((size_t)ni), *wt = malloc((size_t)nw);
        ref_fill_i8(in, ni, (uint64_t)it);
        ref_fill_i8(wt, nw, (uint64_t)it + 7);
        int64_t *want = malloc((size_t)no * sizeof *want);
        naive_affine(&o, in, wt, want);
        int32_t *acc = malloc((size_t)no * sizeof *acc);
        int8_t *out = malloc((size_t)no);
        ref_run(&o, in, wt, NULL, acc, out);
        const op_tensor *t = &o.t[OP_OUT];
        for (int64_t i = 0; i < no; i++) {
            cr_assert_eq(acc[i], want[i], "it %d elem %ld", it, (long)i);
            cr_assert_eq(out[i], ref_requant(&o.rq, acc[i]));
            int64_t idx[OP_MAX_RANK], r = i;
            for (int j = t->rank - 1; j >= 0; j--)
                idx[j] = r % t->shape[j], r /= t->shape[j];
            cr_assert_eq(ref_output_acc(&o, in, wt, NULL, idx), acc[i], "it %d elem %ld", it,
                         (long)i);
        }
        free(in), free(wt), free(want), free(acc), free(out);
    }
}

Test(ref, modified_conv_falls_back_to_generic) {
    /* A conv whose In map was edited after building must not take the direct path. */
    op_conv p = conv_params(1, 2, 4, 4, 2, 2, 2);
    op o = build_conv(p, OP_CONV2D);
    int dy = op_dim_index(&o, "y");
    o.t[OP_IN].map[2][dy] = 0; /* In row index r only: still valid */
    status st;
    status_init(&st);
    cr_assert(op_check(&o, &st), "%s", st.msg);
    int8_t in[32], wt[16];
    ref_fill_i8(in, 32, 1);
    ref_fill_i8(wt, 16, 2);
    int64_t want[18];
    naive_affine(&o, in, wt, want);
    int32_t acc[18];
    ref_run(&o, in, wt, NULL, acc, NULL);
    for (int i = 0; i < 18; i++)
        cr_assert_eq(acc[i], want[i]);
}

Test(ref, strided_output_leaves_gaps) {
    /* Out[2*i] (shape 7) += In[i + j] * Wt[j], i < 4, j < 2; odd outputs are written
     * by no point and hold just the bias. In = 1..5, Wt = [2, -1], bias 10:
     * out[0] = 2*1 - 2 + 10 = 10, out[2] = 2*2 - 3 + 10 = 11, out[4] = 12, out[6] = 13 */
    op o;
    memset(&o, 0, sizeof o);
    o.ndims = 2;
    strcpy(o.dim_name[0], "i");
    strcpy(o.dim_name[1], "j");
    o.extent[0] = 4, o.extent[1] = 2;
    o.t[OP_OUT].rank = 1, o.t[OP_OUT].shape[0] = 7, o.t[OP_OUT].map[0][0] = 2;
    o.t[OP_IN].rank = 1, o.t[OP_IN].shape[0] = 5;
    o.t[OP_IN].map[0][0] = 1, o.t[OP_IN].map[0][1] = 1;
    o.t[OP_WT].rank = 1, o.t[OP_WT].shape[0] = 2, o.t[OP_WT].map[0][1] = 1;
    o.rq = op_requant_default();
    o.rq.bias = true;
    o.rq.bias_axis = 0;
    o.rq.shift = 0;
    status st;
    status_init(&st);
    cr_assert(op_build_affine(&o, &st), "%s", st.msg);
    int8_t in[5] = {1, 2, 3, 4, 5}, wt[2] = {2, -1};
    int32_t bias[7] = {10, 10, 10, 10, 10, 10, 10}, acc[7];
    int8_t out[7];
    ref_run(&o, in, wt, bias, acc, out);
    int32_t want[7] = {10, 10, 11, 10, 12, 10, 13};
    for (int64_t i = 0; i < 7; i++) {
        cr_assert_eq(acc[i], want[i], "elem %ld: %d", (long)i, acc[i]);
        cr_assert_eq(out[i], want[i]);
        cr_assert_eq(ref_output_acc(&o, in, wt, bias, &i), want[i]);
    }
}

Test(ref, requant_edge_cases) {
    op_requant rq = op_requant_default(); /* shift 8, [-128,127] */
    cr_assert_eq(ref_requant(&rq, 0), 0);
    cr_assert_eq(ref_requant(&rq, 255), 0);
    cr_assert_eq(ref_requant(&rq, 256), 1);
    cr_assert_eq(ref_requant(&rq, -1), -1);     /* floor(-1/256) */
    cr_assert_eq(ref_requant(&rq, -256), -1);
    cr_assert_eq(ref_requant(&rq, -257), -2);
    cr_assert_eq(ref_requant(&rq, 127 * 256 + 255), 127);
    cr_assert_eq(ref_requant(&rq, 128 * 256), 127);   /* clipped */
    cr_assert_eq(ref_requant(&rq, -128 * 256), -128);
    cr_assert_eq(ref_requant(&rq, -129 * 256), -128); /* clipped */
    cr_assert_eq(ref_requant(&rq, INT32_MAX), 127);
    cr_assert_eq(ref_requant(&rq, INT32_MIN), -128);
    rq.shift = 0;
    cr_assert_eq(ref_requant(&rq, -7), -7);
    cr_assert_eq(ref_requant(&rq, 300), 127);
    rq.relu = true;
    cr_assert_eq(ref_requant(&rq, -7), 0);
    cr_assert_eq(ref_requant(&rq, 7), 7);
    rq.clip_lo = -10, rq.clip_hi = 10;
    cr_assert_eq(ref_requant(&rq, -50), 0); /* relu raises clip_lo to 0 */
    cr_assert_eq(ref_requant(&rq, 50), 10);
    rq.relu = false;
    cr_assert_eq(ref_requant(&rq, -50), -10);
    rq.clip_lo = -1;
    rq.relu = true;
    cr_assert_eq(ref_requant(&rq, -50), 0);
    rq.clip_lo = 5;
    cr_assert_eq(ref_requant(&rq, 0), 5); /* relu keeps a positive clip_lo */
    rq = op_requant_default();
    rq.shift = 15;
    cr_assert_eq(ref_requant(&rq, -32768), -1);
    cr_assert_eq(ref_requant(&rq, -32769), -2);
    cr_assert_eq(ref_requant(&rq, 32767), 0);
    cr_assert_eq(ref_requant(&rq, 127 * 32768), 127);
}

Test(ref, accumulator_wraps_modulo_2_32) {
    /* (-128)*(-128) = 2^14, K = 2^17 -> sum 2^31 wraps to INT32_MIN;
     * shift 15 -> -65536 -> clip -128 */
    op_gemm g = {.batch = 1, .m = 1, .n = 1, .k = (int64_t)1 << 17};
    op o = build_gemm(g);
    o.rq.shift = 15;
    int8_t *a = malloc((size_t)g.k), *b = malloc((size_t)g.k);
    memset(a, 0x80, (size_t)g.k);
    memset(b, 0x80, (size_t)g.k);
    cr_assert_eq(a[0], -128);
    int32_t acc;
    int8_t out;
    ref_run(&o, b, a, NULL, &acc, &out);
    cr_assert_eq(acc, INT32_MIN);
    cr_assert_eq(out, -128);
    ref_run_generic(&o, b, a, NULL, &acc, &out);
    cr_assert_eq(acc, INT32_MIN);
    int64_t idx[2] = {0, 0};
    cr_assert_eq(ref_output_acc(&o, b, a, NULL, idx), INT32_MIN);
    /* bias add wraps too: 2^31 + (2^31 - 1) = 2^32 - 1 -> -1 */
    o.rq.bias = true;
    int32_t bias = INT32_MAX;
    ref_run(&o, b, a, &bias, &acc, NULL);
    cr_assert_eq(acc, -1);
    cr_assert_eq(ref_output_acc(&o, b, a, &bias, idx), -1);
    free(a), free(b);
}

Test(ref, null_outputs_are_allowed) {
    op_gemm g = {.batch = 1, .m = 2, .n = 2, .k = 2};
    op o = build_gemm(g);
    int8_t a[4] = {1, 2, 3, 4}, b[4] = {1, 0, 0, 1};
    ref_run(&o, b, a, NULL, NULL, NULL);
    int8_t out[4];
    o.rq.shift = 0;
    ref_run(&o, b, a, NULL, NULL, out); /* identity B: out = A */
    for (int i = 0; i < 4; i++)
        cr_assert_eq(out[i], a[i]);
}

Test(ref, fills_are_deterministic_and_in_range) {
    int8_t x[4096], y[4096];
    ref_fill_i8(x, 4096, 7);
    ref_fill_i8(y, 4096, 7);
    cr_assert_eq(memcmp(x, y, sizeof x), 0);
    ref_fill_i8(y, 4096, 8);
    cr_assert_neq(memcmp(x, y, sizeof x), 0);
    int hist[256] = {0};
    long sum = 0;
    for (int i = 0; i < 4096; i++)
        hist[x[i] + 128]++, sum += x[i];
    int empty = 0;
    for (int i = 0; i < 256; i++)
        empty += hist[i] == 0;
    cr_assert_lt(empty, 10); /* ~16 expected per value */
    cr_assert(sum > -4096 * 8 && sum < 4096 * 8, "mean far from -0.5: %ld", sum);
    int32_t z[1000];
    ref_fill_i32(z, 1000, 3, -3, 3);
    bool seen[7] = {false};
    for (int i = 0; i < 1000; i++) {
        cr_assert(z[i] >= -3 && z[i] <= 3);
        seen[z[i] + 3] = true;
    }
    for (int i = 0; i < 7; i++)
        cr_assert(seen[i]);
    ref_fill_i32(z, 1000, 3, INT32_MIN, INT32_MAX);
    bool neg = false, pos = false;
    for (int i = 0; i < 1000; i++)
        neg |= z[i] < 0, pos |= z[i] > 0;
    cr_assert(neg && pos);
    ref_fill_i32(z, 10, 3, 42, 42);
    for (int i = 0; i < 10; i++)
        cr_assert_eq(z[i], 42);
}
