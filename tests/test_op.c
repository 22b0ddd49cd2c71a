/* Tests of core/op: builders (maps checked against the index formulas written out
 * here), builder and checker errors, the injectivity check (against brute force done
 * in the test), queries, and the text/JSON renderings. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/op.h"
#include "tests/test_util.h"

static op_conv conv_params(int64_t n, int64_t c, int64_t h, int64_t w, int64_t k, int64_t r,
                           int64_t s) {
    return tl_conv_params(n, c, h, w, k, r, s, 1, 0);
}

static int64_t eval_row(const op *o, op_role r, int j, const int64_t *p) {
    int64_t v = o->t[r].off[j];
    for (int d = 0; d < o->ndims; d++)
        v += o->t[r].map[j][d] * p[d];
    return v;
}

static int dim(const op *o, const char *n) {
    int d = op_dim_index(o, n);
    cr_assert(d >= 0, "dim %s missing", n);
    return d;
}

Test(op, conv_maps_match_formulas) {
    /* groups 2, stride 2x3, pad 1x2, dilation 2x1 */
    op_conv p = conv_params(2, 4, 7, 9, 6, 3, 2);
    p.stride_h = 2, p.stride_w = 3, p.pad_h = 1, p.pad_w = 2, p.dil_h = 2, p.groups = 2;
    op o;
    status st;
    status_init(&st);
    cr_assert(op_build_conv(&o, "c1", &p, OP_CONV2D, &st), "%s", st.msg);
    /* OH = floor((7 + 2 - 2*2 - 1)/2) + 1 = 3; OW = floor((9 + 4 - 1 - 1)/3) + 1 = 4 */
    cr_assert_eq(o.conv.oh, 3);
    cr_assert_eq(o.conv.ow, 4);
    cr_assert_eq(o.ndims, 8);
    const char *names[8] = {"n", "g", "k", "y", "x", "c", "r", "s"};
    int64_t ext[8] = {2, 2, 3, 3, 4, 2, 3, 2};
    for (int d = 0; d < 8; d++) {
        cr_assert_str_eq(o.dim_name[d], names[d]);
        cr_assert_eq(o.extent[d], ext[d]);
    }
    int n = dim(&o, "n"), g = dim(&o, "g"), k = dim(&o, "k"), y = dim(&o, "y"), x = dim(&o, "x");
    int c = dim(&o, "c"), r = dim(&o, "r"), s = dim(&o, "s");
    int64_t pt[8];
    for (int i = 0; i < 200; i++) {
        for (int d = 0; d < 8; d++)
            pt[d] = (i * 7 + d * 13 + i / (d + 1)) % ext[d];
        int64_t ou[4] = {pt[n], pt[g] * 3 + pt[k], pt[y], pt[x]};
        int64_t in[4] = {pt[n], pt[g] * 2 + pt[c], pt[y] * 2 + pt[r] * 2 - 1,
                         pt[x] * 3 + pt[s] - 2};
        int64_t wt[4] = {pt[g] * 3 + pt[k], pt[c], pt[r], pt[s]};
        for (int j = 0; j < 4; j++) {
            cr_assert_eq(eval_row(&o, OP_OUT, j, pt), ou[j]);
            cr_assert_eq(eval_row(&o, OP_IN, j, pt), in[j]);
            cr_assert_eq(eval_row(&o, OP_WT, j, pt), wt[j]);
        }
        int64_t lin;
        cr_assert(op_index(&o, OP_OUT, pt, &lin));
        cr_assert_eq(lin, ((ou[0] * 6 + ou[1]) * 3 + ou[2]) * 4 + ou[3]);
        bool inb = in[2] >= 0 && in[2] < 7 && in[3] >= 0 && in[3] < 9;
        cr_assert_eq(op_index(&o, OP_IN, pt, &lin), inb);
        if (inb)
            cr_assert_eq(lin, ((in[0] * 4 + in[1]) * 7 + in[2]) * 9 + in[3]);
    }
    int64_t shp_in[4] = {2, 4, 7, 9}, shp_wt[4] = {6, 2, 3, 2}, shp_out[4] = {2, 6, 3, 4};
    for (int j = 0; j < 4; j++) {
        cr_assert_eq(o.t[OP_IN].shape[j], shp_in[j]);
        cr_assert_eq(o.t[OP_WT].shape[j], shp_wt[j]);
        cr_assert_eq(o.t[OP_OUT].shape[j], shp_out[j]);
    }
    cr_assert_eq(o.rq.bias_axis, 1);
    cr_assert_eq(op_macs(&o), 2 * 6 * 3 * 4 * 2 * 3 * 2);
    cr_assert_eq(op_reduction_size(&o), 2 * 3 * 2);
    cr_assert_eq(op_outputs(&o), 2 * 6 * 3 * 4);
    cr_assert_eq(op_tensor_elems(&o, OP_IN), 2 * 4 * 7 * 9);
    cr_assert(op_is_reduction(&o, c) && op_is_reduction(&o, r) && op_is_reduction(&o, s));
    cr_assert(!op_is_reduction(&o, g) && !op_is_reduction(&o, k) && !op_is_reduction(&o, n));
    cr_assert_eq(op_dim_index(&o, "zz"), -1);
}

Test(op, conv_without_groups_has_no_g_dim) {
    op_conv p = conv_params(1, 3, 5, 5, 4, 3, 3);
    op o;
    status st;
    status_init(&st);
    cr_assert(op_build_conv(&o, "c", &p, OP_CONV2D, &st), "%s", st.msg);
    cr_assert_eq(o.ndims, 7);
    cr_assert_eq(op_dim_index(&o, "g"), -1);
    cr_assert_eq(o.conv.oh, 3);
}

Test(op, depthwise_requires_groups_eq_c) {
    op_conv p = conv_params(1, 8, 6, 6, 16, 3, 3);
    p.pad_h = p.pad_w = 1;
    p.groups = 8;
    op o;
    status st;
    status_init(&st);
    cr_assert(op_build_conv(&o, "dw", &p, OP_DEPTHWISE, &st), "%s", st.msg);
    cr_assert_eq(o.kind, OP_DEPTHWISE);
    cr_assert_eq(o.extent[dim(&o, "k")], 2); /* multiplier */
    cr_assert_eq(o.extent[dim(&o, "c")], 1);
    p.groups = 4;
    status_init(&st);
    cr_assert_not(op_build_conv(&o, "dw", &p, OP_DEPTHWISE, &st));
    cr_assert(strstr(st.msg, "groups") != NULL, "%s", st.msg);
}

static void expect_conv_error(op_conv p, const char *needle) {
    op o;
    status st;
    status_init(&st);
    cr_assert_not(op_build_conv(&o, "bad", &p, OP_CONV2D, &st), "accepted, expected '%s'", needle);
    cr_assert(strstr(st.msg, needle) != NULL, "message '%s' lacks '%s'", st.msg, needle);
}

Test(op, conv_builder_errors) {
    op_conv p = conv_params(1, 3, 5, 5, 4, 3, 3);
    op_conv q = p;
    q.c = 0;
    expect_conv_error(q, "C must be >= 1");
    q = p, q.n = -1;
    expect_conv_error(q, "N must be >= 1");
    q = p, q.stride_w = 0;
    expect_conv_error(q, "stride_w");
    q = p, q.dil_h = 0;
    expect_conv_error(q, "dil_h");
    q = p, q.pad_h = -1;
    expect_conv_error(q, "pad_h");
    q = p, q.groups = 2; /* does not divide C=3 */
    expect_conv_error(q, "does not divide C");
    q = p, q.c = 4, q.k = 3, q.groups = 2;
    expect_conv_error(q, "does not divide K");
    q = p, q.r = 7; /* 5 < 7 with no pad */
    expect_conv_error(q, "output height <= 0");
    q = p, q.s = 3, q.dil_w = 3; /* dilated extent 7 > 5 */
    expect_conv_error(q, "output width <= 0");
    q = p, q.n = (int64_t)1 << 40, q.h = q.w = (int64_t)1 << 20;
    expect_conv_error(q, "overflows");
    q = p, q.pad_h = INT64_MAX / 2;
    expect_conv_error(q, "overflow");
    q = p, q.r = q.s = 1, q.c = (int64_t)1 << 32, q.k = (int64_t)1 << 32, q.h = q.w = 4;
    expect_conv_error(q, "weight tensor size overflows");
    /* wrong kind */
    op o;
    status st;
    status_init(&st);
    cr_assert_not(op_build_conv(&o, "x", &p, OP_GEMM, &st));
}

Test(op, conv_large_pad_is_allowed) {
    /* pad >= kernel extent: border rows read only padding; legal, just zeros */
    op_conv p = conv_params(1, 1, 2, 2, 1, 1, 1);
    p.pad_h = p.pad_w = 3;
    op o;
    status st;
    status_init(&st);
    cr_assert(op_build_conv(&o, "p", &p, OP_CONV2D, &st), "%s", st.msg);
    cr_assert_eq(o.conv.oh, 8);
    cr_assert_eq(o.conv.ow, 8);
}

Test(op, gemm_maps_all_variants) {
    for (int v = 0; v < 8; v++) {
        op_gemm g = {.batch = (v & 4) ? 3 : 1, .m = 2, .n = 3, .k = 4, .a_t = v & 1, .b_t = (v & 2) != 0};
        op o;
        status st;
        status_init(&st);
        cr_assert(op_build_gemm(&o, "g", &g, &st), "%s", st.msg);
        bool bat = g.batch > 1;
        cr_assert_eq(o.ndims, bat ? 4 : 3);
        int dm = dim(&o, "m"), dn = dim(&o, "n"), dk = dim(&o, "k");
        int db = bat ? dim(&o, "b") : -1;
        int a0 = bat ? 1 : 0;
        cr_assert_eq(o.rq.bias_axis, a0);
        cr_assert_eq(o.t[OP_OUT].rank, a0 + 2);
        cr_assert_eq(o.t[OP_OUT].shape[a0], 2);
        cr_assert_eq(o.t[OP_OUT].shape[a0 + 1], 3);
        cr_assert_eq(o.t[OP_IN].shape[a0], g.b_t ? 3 : 4);
        cr_assert_eq(o.t[OP_WT].shape[a0], g.a_t ? 4 : 2);
        int64_t pt[4] = {0};
        for (int i = 0; i < 72; i++) {
            int64_t b = i % 3, m = i % 2, n = (i / 2) % 3, k = (i / 6) % 4;
            if (bat)
                pt[db] = b;
            pt[dm] = m, pt[dn] = n, pt[dk] = k;
            int64_t lo, li, lw;
            cr_assert(op_index(&o, OP_OUT, pt, &lo));
            cr_assert(op_index(&o, OP_IN, pt, &li));
            cr_assert(op_index(&o, OP_WT, pt, &lw));
            int64_t bb = bat ? b : 0;
            cr_assert_eq(lo, bb * 6 + m * 3 + n);
            cr_assert_eq(li, bb * 12 + (g.b_t ? n * 4 + k : k * 3 + n));
            cr_assert_eq(lw, bb * 8 + (g.a_t ? k * 2 + m : m * 4 + k));
        }
        cr_assert(op_is_reduction(&o, dk));
        cr_assert_eq(op_macs(&o), g.batch * 24);
    }
}

Test(op, gemm_builder_errors) {
    op o;
    status st;
    op_gemm g = {.batch = 1, .m = 0, .n = 3, .k = 4};
    status_init(&st);
    cr_assert_not(op_build_gemm(&o, "g", &g, &st));
    cr_assert(strstr(st.msg, "M must be >= 1") != NULL, "%s", st.msg);
    g = (op_gemm){.batch = 0, .m = 1, .n = 1, .k = 1};
    status_init(&st);
    cr_assert_not(op_build_gemm(&o, "g", &g, &st));
    cr_assert(strstr(st.msg, "batch") != NULL, "%s", st.msg);
    g = (op_gemm){.batch = 1, .m = (int64_t)1 << 32, .n = (int64_t)1 << 32, .k = 1};
    status_init(&st);
    cr_assert_not(op_build_gemm(&o, "g", &g, &st));
    cr_assert(strstr(st.msg, "overflows") != NULL, "%s", st.msg);
    g = (op_gemm){.batch = 1, .m = (int64_t)1 << 30, .n = (int64_t)1 << 2, .k = (int64_t)1 << 32};
    status_init(&st);
    cr_assert_not(op_build_gemm(&o, "g", &g, &st));
    cr_assert(strstr(st.msg, "MAC count overflows") != NULL, "%s", st.msg);
}

/* A generic op: Out[i] over dims i (free) and j (reduction) with In[i + j], Wt[j]. */
static op small_affine(void) {
    op o;
    memset(&o, 0, sizeof o);
    strcpy(o.name, "conv1d");
    o.ndims = 2;
    strcpy(o.dim_name[0], "i");
    strcpy(o.dim_name[1], "j");
    o.extent[0] = 4;
    o.extent[1] = 3;
    o.t[OP_OUT].rank = 1;
    o.t[OP_OUT].shape[0] = 4;
    o.t[OP_OUT].map[0][0] = 1;
    o.t[OP_IN].rank = 1;
    o.t[OP_IN].shape[0] = 6;
    o.t[OP_IN].map[0][0] = 1;
    o.t[OP_IN].map[0][1] = 1;
    o.t[OP_IN].off[0] = -1;
    o.t[OP_WT].rank = 1;
    o.t[OP_WT].shape[0] = 3;
    o.t[OP_WT].map[0][1] = 1;
    o.rq = op_requant_default();
    return o;
}

Test(op, affine_ok_and_names_defaulted) {
    op o = small_affine();
    status st;
    status_init(&st);
    cr_assert(op_build_affine(&o, &st), "%s", st.msg);
    cr_assert_eq(o.kind, OP_AFFINE);
    cr_assert_str_eq(o.t[OP_OUT].name, "Out");
    cr_assert_str_eq(o.t[OP_WT].name, "Wt");
    /* an rq never set gets the default; a set one is kept */
    memset(&o.rq, 0, sizeof o.rq);
    cr_assert(op_build_affine(&o, &st), "%s", st.msg);
    cr_assert_eq(o.rq.shift, 8);
    cr_assert_eq(o.rq.clip_lo, -128);
    o.rq.shift = 3;
    cr_assert(op_build_affine(&o, &st), "%s", st.msg);
    cr_assert_eq(o.rq.shift, 3);
    cr_assert(op_is_reduction(&o, 1));
    cr_assert_eq(op_reduction_size(&o), 3);
}

Test(op, affine_errors) {
    status st;
    op o = small_affine();
    o.t[OP_WT].off[0] = 1; /* j + 1 reaches 3 in a tensor of 3 */
    status_init(&st);
    cr_assert_not(op_build_affine(&o, &st));
    cr_assert(strstr(st.msg, "tensor Wt") != NULL && strstr(st.msg, "j + 1") != NULL, "%s", st.msg);

    o = small_affine();
    o.t[OP_OUT].map[0][1] = 1; /* Out[i + j] out of bounds of 4 */
    status_init(&st);
    cr_assert_not(op_build_affine(&o, &st));
    cr_assert(strstr(st.msg, "tensor Out") != NULL, "%s", st.msg);

    o = small_affine();
    o.t[OP_OUT].shape[0] = 6;
    o.t[OP_OUT].map[0][1] = 1; /* in bounds now, but (i, j) and (i+1, j-1) collide */
    o.t[OP_WT].map[0][1] = 1;
    status_init(&st);
    cr_assert_not(op_build_affine(&o, &st));
    cr_assert(strstr(st.msg, "not injective") != NULL, "%s", st.msg);
    cr_assert(strstr(st.msg, "dims i, j collide") != NULL, "%s", st.msg);

    o = small_affine();
    o.extent[1] = 0;
    status_init(&st);
    cr_assert_not(op_build_affine(&o, &st));
    cr_assert(strstr(st.msg, "dim j") != NULL, "%s", st.msg);

    o = small_affine();
    o.t[OP_IN].shape[0] = 0;
    status_init(&st);
    cr_assert_not(op_build_affine(&o, &st));
    cr_assert(strstr(st.msg, "tensor In") != NULL, "%s", st.msg);

    o = small_affine();
    o.t[OP_IN].rank = 0;
    status_init(&st);
    cr_assert_not(op_build_affine(&o, &st));
    cr_assert(strstr(st.msg, "rank") != NULL, "%s", st.msg);

    o = small_affine();
    o.ndims = 0;
    status_init(&st);
    cr_assert_not(op_build_affine(&o, &st));

    o = small_affine();
    strcpy(o.dim_name[1], "i");
    status_init(&st);
    cr_assert_not(op_build_affine(&o, &st));
    cr_assert(strstr(st.msg, "twice") != NULL, "%s", st.msg);

    o = small_affine();
    o.t[OP_IN].map[0][1] = INT64_MAX / 2; /* In row range overflows */
    status_init(&st);
    cr_assert_not(op_build_affine(&o, &st));
    cr_assert(strstr(st.msg, "overflows") != NULL, "%s", st.msg);

    o = small_affine();
    o.extent[0] = (int64_t)1 << 62;
    o.t[OP_OUT].shape[0] = (int64_t)1 << 62;
    status_init(&st);
    cr_assert_not(op_build_affine(&o, &st));
    cr_assert(strstr(st.msg, "MAC count") != NULL, "%s", st.msg);
}

Test(op, requant_validation) {
    status st;
    op_requant rq = op_requant_default();
    cr_assert_eq(rq.shift, 8);
    cr_assert_eq(rq.clip_lo, -128);
    cr_assert_eq(rq.clip_hi, 127);
    cr_assert(!rq.bias && !rq.relu);
    status_init(&st);
    cr_assert(op_requant_check(&rq, 4, &st));
    op_requant b = rq;
    b.shift = 16;
    status_init(&st);
    cr_assert_not(op_requant_check(&b, 4, &st));
    cr_assert(strstr(st.msg, "shift") != NULL);
    b = rq, b.shift = -1;
    status_init(&st);
    cr_assert_not(op_requant_check(&b, 4, &st));
    b = rq, b.clip_lo = 5, b.clip_hi = 4;
    status_init(&st);
    cr_assert_not(op_requant_check(&b, 4, &st));
    b = rq, b.clip_hi = 128;
    status_init(&st);
    cr_assert_not(op_requant_check(&b, 4, &st));
    b = rq, b.bias = true, b.bias_axis = 4;
    status_init(&st);
    cr_assert_not(op_requant_check(&b, 4, &st));
    b.bias_axis = 3;
    status_init(&st);
    cr_assert(op_requant_check(&b, 4, &st));
    /* op_check sees requant too */
    op o = small_affine();
    o.rq.shift = 20;
    status_init(&st);
    cr_assert_not(op_build_affine(&o, &st));
    cr_assert(strstr(st.msg, "shift") != NULL);
}

/* Brute-force injectivity of Out over the free dims, computed in the test. */
static bool brute_injective(const op *o) {
    int64_t tot = 1;
    for (int d = 0; d < o->ndims; d++)
        tot *= o->extent[d];
    int64_t *seen = malloc((size_t)tot * sizeof *seen);
    int64_t ns = 0;
    bool ok = true;
    for (int64_t i = 0; i < tot && ok; i++) {
        int64_t p[OP_MAX_DIMS], r = i;
        bool base = true; /* only points with reduction dims at 0 */
        for (int d = o->ndims - 1; d >= 0; d--) {
            p[d] = r % o->extent[d];
            r /= o->extent[d];
            if (p[d] && op_is_reduction(o, d))
                base = false;
        }
        if (!base)
            continue;
        int64_t lin = 0;
        for (int j = 0; j < o->t[OP_OUT].rank; j++)
            lin = lin * o->t[OP_OUT].shape[j] + eval_row(o, OP_OUT, j, p);
        for (int64_t q = 0; q < ns; q++)
            if (seen[q] == lin)
                ok = false;
        seen[ns++] = lin;
    }
    free(seen);
    return ok;
}

/* An affine op over dims i < ni, j < nj (free; Out's map is the test's) and r < 2
 * (In[r], Wt[r]), default requantization. */
static op ijr_op(int64_t ni, int64_t nj) {
    op o;
    memset(&o, 0, sizeof o);
    o.ndims = 3;
    strcpy(o.dim_name[0], "i");
    strcpy(o.dim_name[1], "j");
    strcpy(o.dim_name[2], "r");
    o.extent[0] = ni, o.extent[1] = nj, o.extent[2] = 2;
    for (int r = 1; r < 3; r++) {
        o.t[r].rank = 1;
        o.t[r].shape[0] = 2;
        o.t[r].map[0][2] = 1;
    }
    o.rq = op_requant_default();
    return o;
}

Test(op, injectivity_matches_brute_force) {
    /* Out[a*i + b*j] over i < 3, j < 3 for many coefficient pairs (some need the
     * exact enumeration because the mixed-radix condition fails, e.g. 2 and 3). */
    int agree = 0;
    for (int a = -4; a <= 4; a++)
        for (int b = -4; b <= 4; b++) {
            op o = ijr_op(3, 3);
            int64_t mn = 0, mx = 0;
            mn += a < 0 ? 2 * a : 0, mx += a > 0 ? 2 * a : 0;
            mn += b < 0 ? 2 * b : 0, mx += b > 0 ? 2 * b : 0;
            o.t[OP_OUT].rank = 1;
            o.t[OP_OUT].shape[0] = mx - mn + 1;
            o.t[OP_OUT].map[0][0] = a;
            o.t[OP_OUT].map[0][1] = b;
            o.t[OP_OUT].off[0] = -mn;
            status st;
            status_init(&st);
            bool got = op_build_affine(&o, &st);
            /* dims with coefficient 0 are reduction dims by definition, so only
             * compare when both are free */
            cr_assert_eq(got, brute_injective(&o), "a=%d b=%d: %s", a, b, st.msg);
            agree++;
        }
    cr_assert_eq(agree, 81);
}

Test(op, injectivity_large_domain_uses_mixed_radix) {
    /* Out[i*2048 + j] with i < 2048, j < 2048: 2^22 points, injective by mixed radix */
    op o = ijr_op(2048, 2048);
    o.t[OP_OUT].rank = 1;
    o.t[OP_OUT].shape[0] = 2048 * 2048;
    o.t[OP_OUT].map[0][0] = 2048;
    o.t[OP_OUT].map[0][1] = 1;
    status st;
    status_init(&st);
    cr_assert(op_build_affine(&o, &st), "%s", st.msg);
    /* overlapping: Out[i*2047 + j] collides and the domain is too big to enumerate */
    o.t[OP_OUT].map[0][0] = 2047;
    status_init(&st);
    cr_assert_not(op_build_affine(&o, &st));
    cr_assert(strstr(st.msg, "injective") != NULL && strstr(st.msg, "dim i") != NULL, "%s",
              st.msg);
}

Test(op, summary_dump_json) {
    op_conv p = conv_params(1, 3, 224, 224, 64, 7, 7);
    p.stride_h = p.stride_w = 2;
    p.pad_h = p.pad_w = 3;
    op o;
    status st;
    status_init(&st);
    cr_assert(op_build_conv(&o, "conv1", &p, OP_CONV2D, &st), "%s", st.msg);
    char buf[256];
    op_summary(&o, buf, sizeof buf);
    /* 64*112*112 outputs x 3*7*7 taps = 118013952 */
    cr_assert_str_eq(buf, "conv2d N=1 C=3 H=224 W=224 K=64 R=7 S=7 stride=2x2 pad=3x3 -> "
                          "112x112, 118013952 MACs");
    char small[8];
    op_summary(&o, small, sizeof small);
    cr_assert_eq(strlen(small), 7);

    char *txt = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&txt, &len);
    op_dump(f, &o);
    fclose(f);
    cr_assert(strstr(txt, "2*y + r - 3") != NULL, "%s", txt);
    cr_assert(strstr(txt, "In  In[1, 3, 224, 224]") != NULL, "%s", txt);
    cr_assert(strstr(txt, "reduction dims: c r s") != NULL, "%s", txt);
    free(txt);

    f = open_memstream(&txt, &len);
    op_json(f, &o);
    fclose(f);
    cr_assert(strstr(txt, "\"kind\":\"conv2d\"") != NULL, "%s", txt);
    cr_assert(strstr(txt, "\"macs\":118013952}") != NULL, "%s", txt);
    cr_assert(strstr(txt, "{\"name\":\"c\",\"extent\":3,\"reduction\":true}") != NULL, "%s", txt);
    cr_assert_eq(txt[0], '{');
    int depth = 0;
    for (char *c = txt; *c; c++) {
        depth += *c == '{' || *c == '[';
        depth -= *c == '}' || *c == ']';
        cr_assert(depth >= 0);
    }
    cr_assert_eq(depth, 0);
    cr_assert(strchr(txt, '\n') == NULL);
    free(txt);

    op_gemm g = {.batch = 2, .m = 5, .n = 6, .k = 7, .b_t = true};
    status_init(&st);
    cr_assert(op_build_gemm(&o, "fc\"1", &g, &st), "%s", st.msg);
    op_summary(&o, buf, sizeof buf);
    cr_assert_str_eq(buf, "gemm M=5 N=6 K=7 batch=2 b_t, 420 MACs");
    f = open_memstream(&txt, &len);
    op_json(f, &o);
    fclose(f);
    cr_assert(strstr(txt, "\"name\":\"fc\\\"1\"") != NULL, "%s", txt);
    cr_assert(strstr(txt, "\"b_t\":true") != NULL, "%s", txt);
    free(txt);

    o = small_affine();
    cr_assert(op_build_affine(&o, &st), "%s", st.msg);
    op_summary(&o, buf, sizeof buf);
    cr_assert_str_eq(buf, "affine i=4 j=3, 12 MACs");
    char ex[64];
    op_index_expr(&o, OP_IN, 0, ex, sizeof ex);
    cr_assert_str_eq(ex, "i + j - 1");
    o.t[OP_IN].map[0][0] = -2;
    o.t[OP_IN].off[0] = 5;
    op_index_expr(&o, OP_IN, 0, ex, sizeof ex);
    cr_assert_str_eq(ex, "-2*i + j + 5");
    o.t[OP_IN].map[0][0] = 0;
    o.t[OP_IN].map[0][1] = 0;
    op_index_expr(&o, OP_IN, 0, ex, sizeof ex);
    cr_assert_str_eq(ex, "5");
}

/* The operator-kind vocabulary: one name table, one parser; every kind's name is an
 * element of the operator schema and parses back to the kind, anything else fails. */
Test(op, kind_names_parse_back) {
    static const op_kind kinds[] = {OP_CONV2D, OP_DEPTHWISE, OP_GEMM, OP_AFFINE};
    static const char *const xml[] = {"conv2d", "depthwise", "gemm", "affine"};
    for (size_t i = 0; i < 4; i++) {
        cr_assert_str_eq(op_kind_name(kinds[i]), xml[i]);
        op_kind k = OP_AFFINE;
        cr_assert(op_kind_parse(xml[i], &k), "%s", xml[i]);
        cr_assert_eq(k, kinds[i]);
    }
    static const char *const bad[] = {"conv", "Conv2d", "", "gemm ", "operator"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        op_kind k = OP_GEMM;
        cr_assert(!op_kind_parse(bad[i], &k), "'%s'", bad[i]);
        cr_assert_eq(k, OP_GEMM, "a failed parse leaves the kind");
    }
    cr_assert(!op_kind_parse(NULL, &(op_kind){OP_GEMM}));
}
