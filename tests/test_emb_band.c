/* Tests of the banded Toeplitz embeddings (core/emb: a dim that is a lane term and the
 * compensation of another term): o <- x with s moved back by the stride, i <- s over
 * consecutive input columns (the weights a banded matrix, the input in its native
 * layout). For C = 1, C = 3 stride 2, depthwise 3x3 / 5x5 stride 1 and 2, a 2-D band
 * (rows and columns) and random shapes, the nest is built, checked by the scalar
 * checker, executed over packed data by the GEMM interpreter of tests/emb_testlib.h and
 * compared bit by bit with ref_run; instance counts and input bytes are compared with
 * closed forms computed here; broken variants are rejected with their message. */
#include "core/spec_emb.h"
#include "core/es.h"
#include "tests/emb_testlib.h"

static int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/* o <- x (ox columns, s compensated by -stride), i <- s (is lanes), optional extra I
 * term (c) before s. */
static emb band(const op *o, int64_t ox, int64_t is, const char *extra_i) {
    emb e = emb_empty();
    cterm(o, &e, EMB_O, "x", ox, "s", -o->conv.stride_w);
    if (extra_i)
        term(o, &e, EMB_I, extra_i, 0);
    term(o, &e, EMB_I, "s", is);
    return e;
}

/* Instances of the band by counting, independent of emb_nest: every (n, g, k, y, x
 * block, c, r) and every I chunk of the shifted tap range s + stride*j. */
static int64_t band_instances(const op *o, int64_t ox, int64_t is, bool c_on_i) {
    const op_conv *p = &o->conv;
    int64_t G = p->groups, OW = o->extent[D(o, "x")], OH = o->extent[D(o, "y")];
    int64_t Kg = p->k / G, Cg = p->c / G;
    int64_t range = p->s + p->stride_w * (ox - 1);
    int64_t ich = c_on_i ? cdiv(range, is) * cdiv(Cg * is, 16) : Cg * cdiv(range, is) * cdiv(is, 16);
    return p->n * G * Kg * OH * cdiv(OW, ox) * p->r * ich;
}

static emb_nest band_run(const op *o, const emb *e, uint64_t seed) {
    hw_config hw = hw_default();
    return run_case(o, &hw, e, seed);
}

Test(emb_band, c1_3x3_input_native) {
    op o = mkconv(cparams(1, 1, 9, 40, 4, 3, 3, 1, 1)); /* OW = 40 */
    emb e = band(&o, 16, 16, NULL);
    emb_nest n = band_run(&o, &e, 1);
    cr_assert_eq(n.instances, band_instances(&o, 16, 16, false));
    /* x = 16 tx + j, s0 = s + j in [0, 18): 2 I chunks per x block; input columns
     * 16 (tx + ts) + i - 1: one row axis, one axis of 16-column blocks, no copy */
    int64_t rows = 9 + 2, blocks = 3 + 2 - 1;
    cr_assert_eq(n.lay[EMB_INP].elems, rows * blocks, "inp elements %lld", (long long)n.lay[EMB_INP].elems);
    cr_assert(n.dram_bytes[EMB_INP] <= rows * blocks * 16);
    cr_assert(n.dup_factor < (double)(blocks * 16 * rows) / (40.0 * 9.0) + 1e-9);
    char buf[256];
    emb_class(&o, &e, buf, sizeof buf);
    cr_assert_str_eq(buf, "banded(x/s)");
    hw_config hw = hw_default();
    emb_describe(&o, HW_INTRINSIC(&hw), &e, &n, buf, sizeof buf);
    cr_assert(strstr(buf, "banded toeplitz o<-x, i<-s (s-1)"), "%s", buf);
    /* the same with fewer output columns per chunk: one I chunk of 16 = 14 + 3 - 1 */
    e = band(&o, 14, 16, NULL);
    n = band_run(&o, &e, 2);
    cr_assert_eq(n.instances, band_instances(&o, 14, 16, false));
}

Test(emb_band, c3_3x3_stride2) {
    op o = mkconv(cparams(1, 3, 15, 33, 5, 3, 3, 2, 1)); /* OW = 17 */
    for (int64_t ox = 1; ox <= 16; ox += 3) {
        int64_t range = 3 + 2 * (ox - 1);
        for (int64_t is = range < 16 ? range : 16; is >= 1; is = is > 4 ? is / 2 : 0) {
            emb e = band(&o, ox, is, NULL);
            emb_nest n = band_run(&o, &e, (uint64_t)(10 + ox * 17 + is));
            cr_assert_eq(n.instances, band_instances(&o, ox, is, false), "ox %lld is %lld", (long long)ox,
                         (long long)is);
            /* c fused on I (outside s): the input vector holds columns of all channels */
            e = band(&o, ox, is, "c");
            n = band_run(&o, &e, (uint64_t)(20 + ox * 17 + is));
            cr_assert_eq(n.instances, band_instances(&o, ox, is, true));
        }
    }
}

static op mkdw(int64_t c, int64_t h, int64_t w, int64_t mult, int64_t r, int64_t stride, int64_t pad) {
    op_conv p = cparams(1, c, h, w, c * mult, r, r, stride, pad);
    p.groups = c;
    return mkconv(p);
}

Test(emb_band, depthwise_3x3_5x5_stride1_2) {
    uint64_t seed = 100;
    for (int64_t r = 3; r <= 5; r += 2)
        for (int64_t stride = 1; stride <= 2; stride++)
            for (int64_t mult = 1; mult <= 2; mult++) {
                op o = mkdw(5, 11, 37, mult, r, stride, r / 2);
                int64_t ox = stride == 1 ? 16 : (16 - r) / 2 + 1; /* 2*(ox-1) + r <= 16 */
                int64_t range = r + stride * (ox - 1);
                emb e = band(&o, ox, range < 16 ? range : 16, NULL);
                if (mult > 1) /* both output channels of a group on the O lanes too */
                    term(&o, &e, EMB_O, "k", 0);
                emb_nest n = band_run(&o, &e, seed++);
                int64_t want = band_instances(&o, ox, range < 16 ? range : 16, false);
                if (mult > 1)
                    want = want / mult * cdiv(mult * ox, 16) / cdiv(ox, 16);
                cr_assert_eq(n.instances, want, "r %lld stride %lld mult %lld: %lld instances, want %lld",
                             (long long)r, (long long)stride, (long long)mult, (long long)n.instances,
                             (long long)want);
                /* the input is not duplicated per tap: far fewer bytes than im2col */
                hw_config hw = hw_default();
                status st;
                status_init(&st);
                emb ei;
                emb_nest ni;
                cr_assert(emb_im2col(&o, HW_INTRINSIC(&hw), "r,s", &ei, &st), "%s", st.msg);
                cr_assert(emb_nest_build(&o, HW_INTRINSIC(&hw), &ei, &ni, &st), "%s", st.msg);
                cr_assert(n.dram_bytes[EMB_INP] * 2 < ni.dram_bytes[EMB_INP], "band %lld B, im2col %lld B",
                          (long long)n.dram_bytes[EMB_INP], (long long)ni.dram_bytes[EMB_INP]);
            }
}

/* The group band (emb_group_band): o <- g with c moved back by Cg, i <- c. Depthwise
 * 3x3 / 5x5, stride 1 and 2, and a grouped conv with 2 channels per group: bit-exact by
 * the GEMM interpreter, one GEMM per (group block, pixel, tap) counted here, and both
 * input in the channel-packed layout (C/16 vectors per pixel, neither duplicated nor
 * re-laid out), each output vector 16 / Cg channels of a pixel (depthwise: channel-
 * packed too). Multiplier 2 and ungrouped convs are refused. */
Test(emb_band, group_band) {
    hw_config hw = hw_default();
    uint64_t seed = 500;
    for (int v = 0; v < 5; v++) {
        int64_t r = v < 2 ? 3 : 5, stride = v % 2 + 1, cg = v == 4 ? 2 : 1, C = 48, H = 9, W = 11;
        op_conv p = cparams(1, C, H, W, C / cg, r, r, stride, r / 2);
        p.groups = C / cg;
        op o = mkconv(p);
        emb e;
        status st;
        status_init(&st);
        cr_assert(emb_group_band(&o, HW_INTRINSIC(&hw), &e, &st), "v%d: %s", v, st.msg);
        emb_nest n = run_case(&o, &hw, &e, seed++);
        int64_t G = p.groups, gl = 16 / cg, OH = o.extent[D(&o, "y")], OW = o.extent[D(&o, "x")];
        cr_assert_eq(n.instances, cdiv(G, gl) * OH * OW * r * r, "v%d: %lld instances", v, (long long)n.instances);
        cr_assert_eq(n.dram_bytes[EMB_INP], cdiv(C, 16) * 16 * H * W, "v%d: input %lld bytes", v,
                     (long long)n.dram_bytes[EMB_INP]);
        cr_assert_eq(n.dram_bytes[EMB_ACC], cdiv(G, gl) * 16 * OH * OW, "v%d: output %lld bytes", v,
                     (long long)n.dram_bytes[EMB_ACC]);
        char buf[64];
        emb_class(&o, &e, buf, sizeof buf);
        cr_assert_str_eq(buf, "banded(g/c)");
    }
    status st;
    status_init(&st);
    emb e;
    op o = mkdw(16, 6, 6, 2, 3, 1, 1);
    cr_assert_not(emb_group_band(&o, HW_INTRINSIC(&hw), &e, &st), "multiplier 2 has two filters per group");
    o = mkconv(cparams(1, 16, 6, 6, 16, 3, 3, 1, 1));
    status_init(&st);
    cr_assert_not(emb_group_band(&o, HW_INTRINSIC(&hw), &e, &st), "an ungrouped conv has no group dim");
}

Test(emb_band, two_dimensional_band) {
    /* rows too: o <- (y with r*-1, x with s*-1), i <- (r, s): a 2-D banded block */
    op o = mkconv(cparams(1, 2, 10, 13, 3, 3, 3, 1, 1));
    emb e = emb_empty();
    cterm(&o, &e, EMB_O, "y", 2, "r", -1);
    cterm(&o, &e, EMB_O, "x", 8, "s", -1);
    term(&o, &e, EMB_I, "r", 4);
    term(&o, &e, EMB_I, "s", 4);
    emb_nest n = band_run(&o, &e, 300);
    /* y blocks x row chunks (3+1)/4 x x blocks x col chunks (3+7)/4 x k x c */
    cr_assert_eq(n.instances, cdiv(10, 2) * 1 * cdiv(13, 8) * cdiv(10, 4) * 3 * 2);
    char buf[128];
    emb_class(&o, &e, buf, sizeof buf);
    cr_assert_str_eq(buf, "banded(y/r)+banded(x/s)");
}

Test(emb_band, example_files_run) {
    static const struct {
        const char *file;
        op_conv p;
    } cases[] = {
        {"band_s1", {.n = 1, .c = 1, .h = 12, .w = 35, .k = 3, .r = 3, .s = 3, .stride_h = 1, .stride_w = 1, .pad_h = 1, .pad_w = 1, .dil_h = 1, .dil_w = 1, .groups = 1}},
        {"band_s1", {.n = 1, .c = 4, .h = 9, .w = 30, .k = 4, .r = 5, .s = 5, .stride_h = 1, .stride_w = 1, .pad_h = 2, .pad_w = 2, .dil_h = 1, .dil_w = 1, .groups = 4}},
        {"band_s2_3x3", {.n = 1, .c = 3, .h = 13, .w = 29, .k = 6, .r = 3, .s = 3, .stride_h = 2, .stride_w = 2, .pad_h = 1, .pad_w = 1, .dil_h = 1, .dil_w = 1, .groups = 1}},
        {"band_s2_5x5", {.n = 1, .c = 4, .h = 13, .w = 29, .k = 4, .r = 5, .s = 5, .stride_h = 2, .stride_w = 2, .pad_h = 2, .pad_w = 2, .dil_h = 1, .dil_w = 1, .groups = 4}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char path[512];
        snprintf(path, sizeof path, "%s/tests/emb/%s.xml", EMBEDSYN_SOURCE_DIR, cases[k].file);
        op o = mkconv(cases[k].p);
        emb e;
        status st;
        status_init(&st);
        cr_assert(spec_load_emb(path, &o, &e, &st), "%s", st.msg);
        band_run(&o, &e, 400 + k);
    }
}

/* ---- broken variants ----------------------------------------------------------------- */

static void expect_reject(const op *o, const emb *e, const char *want) {
    hw_config hw = hw_default();
    status st;
    status_init(&st);
    cr_assert_not(emb_check(o, HW_INTRINSIC(&hw), e, &st), "accepted, want '%s'", want);
    cr_assert(strstr(st.msg, want), "message '%s' lacks '%s'", st.msg, want);
}

static void expect_scalar_fail(const op *o, const emb *e, const emb_nest *n, const char *want) {
    hw_config hw = hw_default();
    status st;
    status_init(&st);
    cr_assert_not(emb_check_scalar(o, HW_INTRINSIC(&hw), e, n, 1 << 20, 7, &st), "accepted, want %s", want);
    cr_assert(strstr(st.msg, want), "message '%s' lacks '%s'", st.msg, want);
}

Test(emb_band, rejects_broken_bands) {
    op o = mkconv(cparams(1, 1, 6, 20, 2, 3, 3, 1, 1));
    /* the I lanes may run along the band (3 + 15 = 18 taps) but not beyond it */
    emb e = band(&o, 16, 16, NULL);
    e.term[EMB_I][0].extent = 19;
    expect_reject(&o, &e, "I lane term 0 (s): extent 19 out of range 1..18");
    /* without the compensation s stays within its extent */
    e = emb_empty();
    term(&o, &e, EMB_O, "x", 16);
    term(&o, &e, EMB_I, "s", 16);
    expect_reject(&o, &e, "extent 16 out of range 1..3");
    /* the band must keep In fixed along o (stride 2 needs -2) */
    op o2 = mkconv(cparams(1, 1, 6, 20, 2, 3, 3, 2, 1));
    e = band(&o2, 4, 5, NULL);
    e.term[EMB_O][0].comp_coef = -1;
    expect_reject(&o2, &e, "coefficient for s would be -2");
    /* terms compensating each other's primary dims cannot be traced back */
    e = emb_empty();
    cterm(&o, &e, EMB_O, "x", 4, "s", -1);
    cterm(&o, &e, EMB_I, "s", 3, "x", 1);
    expect_reject(&o, &e, "is part of a compensation cycle");
    /* a dim is the primary dim of one term only */
    e = band(&o, 16, 16, NULL);
    term(&o, &e, EMB_I, "x", 2);
    expect_reject(&o, &e, "dim 'x' used twice (O lane term 0 and I lane term 1)");

    /* tampered nests: the scalar checker is the judge */
    e = band(&o, 16, 8, NULL);
    hw_config hw = hw_default();
    status st;
    status_init(&st);
    emb_nest n;
    cr_assert(emb_nest_build(&o, HW_INTRINSIC(&hw), &e, &n, &st), "%s", st.msg);
    cr_assert(emb_check_scalar(&o, HW_INTRINSIC(&hw), &e, &n, 1 << 20, 1, &st), "%s", st.msg);
    int ls = find_loop(&o, &n, "s");
    cr_assert_eq(n.loop[ls].step, 8);
    cr_assert_eq(n.loop[ls].extent, 3);
    /* the tap loop advancing by 7 instead of 8 computes a tap twice */
    emb_nest bad = n;
    bad.loop[ls].step = 7;
    expect_scalar_fail(&o, &e, &bad, "is computed a second time");
    /* starting the tap loop one later misses the first band diagonal */
    bad = n;
    bad.loop[ls].start = 1;
    expect_scalar_fail(&o, &e, &bad, "(n=0,k=0,y=0,x=0,c=0,r=0,s=0) is never computed");
    /* an input layout that ignores the tap loop reads the wrong columns */
    bad = n;
    bad.loop[ls].axis[EMB_INP] = -1;
    expect_scalar_fail(&o, &e, &bad, "but inp element");
}

/* ---- random bands ---------------------------------------------------------------------- */

static uint64_t rnd(uint64_t *s) {
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}
static int64_t rin(uint64_t *s, int64_t lo, int64_t hi) { return lo + (int64_t)(rnd(s) % (uint64_t)(hi - lo + 1)); }

Test(emb_band, random_bands) {
    uint64_t s = 777;
    int done = 0;
    while (done < 120) {
        op_conv p = cparams(rin(&s, 1, 2), rin(&s, 1, 4), rin(&s, 3, 9), rin(&s, 3, 24), rin(&s, 1, 4),
                            rin(&s, 1, 5), rin(&s, 1, 5), rin(&s, 1, 3), rin(&s, 0, 2));
        p.stride_h = rin(&s, 1, 2);
        p.dil_h = rin(&s, 1, 2);
        if (rin(&s, 0, 2) == 0) {
            p.groups = p.c;
            p.k = p.c * rin(&s, 1, 2);
        }
        if (p.h + 2 * p.pad_h < (p.r - 1) * p.dil_h + 1 || p.w + 2 * p.pad_w < p.s)
            continue;
        op o = mkconv(p);
        int64_t OW = o.extent[D(&o, "x")];
        int64_t ox = rin(&s, 1, OW < 16 ? OW : 16);
        int64_t range = p.s + p.stride_w * (ox - 1);
        emb e = band(&o, ox, rin(&s, 1, range), rin(&s, 0, 2) == 0 ? "c" : NULL);
        if (rin(&s, 0, 1))
            term(&o, &e, EMB_O, "k", rin(&s, 1, o.extent[D(&o, "k")]));
        if (rin(&s, 0, 2) == 0)
            term(&o, &e, EMB_I, "r", rin(&s, 1, p.r));
        hw_config hw = hw_shape((int)rin(&s, 0, 1), (int)rin(&s, 3, 4));
        status st;
        status_init(&st);
        emb_nest n;
        if (!emb_nest_build(&o, HW_INTRINSIC(&hw), &e, &n, &st)) {
            /* only a grouped k block that overshoots into the next group is refused */
            cr_assert(strstr(st.msg, "runs over"), "%s", st.msg);
            continue;
        }
        if (n.instances > 30000)
            continue;
        run_case(&o, &hw, &e, (uint64_t)done + 1000);
        done++;
    }
}

/* ---- end to end: lowered to a VTA program, simulated, compared with ref_run ------------- */

/* Runs the CLI and returns the value of "key" in its one-line JSON result (or ""). */
static void cli_field(const char *args, const char *key, char *val, size_t len) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s run %s --json 2>&1", EMBEDSYN_CLI, args);
    FILE *p = popen(cmd, "r");
    cr_assert(p, "popen %s", cmd);
    static char out[1 << 16];
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    int rc = pclose(p);
    cr_assert_eq(rc, 0, "%s: exit %d: %s", cmd, rc, out);
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *at = strstr(out, pat);
    cr_assert(at, "%s: no %s in %s", cmd, key, out);
    at += strlen(pat);
    if (*at == '"')
        at++;
    size_t k = 0;
    while (at[k] && at[k] != '"' && at[k] != ',' && at[k] != '}' && k + 1 < len) {
        val[k] = at[k];
        k++;
    }
    val[k] = '\0';
}

Test(emb_band, runs_bit_exact_on_vta, .timeout = 300) {
    static const struct {
        const char *conv, *file;
    } cases[] = {
        {"C=1,H=14,W=45,K=5,R=3,S=3,pad=1", "band_s1"},                       /* C = 1, 3x3 */
        {"C=3,H=15,W=41,K=6,R=3,S=3,stride=2,pad=1", "band_s2_3x3"},          /* C = 3, 3x3 / 2 */
        {"C=6,H=12,W=37,K=6,R=3,S=3,pad=1,groups=6", "band_s1"},              /* depthwise 3x3 */
        {"C=6,H=12,W=37,K=6,R=5,S=5,pad=2,groups=6", "band_s1"},              /* depthwise 5x5 */
        {"C=6,H=13,W=39,K=6,R=3,S=3,stride=2,pad=1,groups=6", "band_s2_3x3"}, /* depthwise 3x3 / 2 */
        {"C=6,H=13,W=39,K=6,R=5,S=5,stride=2,pad=2,groups=6", "band_s2_5x5"}, /* depthwise 5x5 / 2 */
        {"C=4,H=9,W=33,K=8,R=3,S=3,pad=1,groups=4,bias=1,relu=1", "band_s1_k"}, /* multiplier 2 */
        /* multiplier 2 as an outer loop: g and k share one accumulator axis (o = 2g + k);
         * g is tiled with k whole, so the ACC tiles stay disjoint */
        {"C=4,H=9,W=33,K=8,R=3,S=3,pad=1,groups=4,bias=1,relu=1", "band_s1"},
        {"C=6,H=8,W=21,K=18,R=3,S=3,pad=1,groups=6,relu=1", "band_s1"}, /* multiplier 3 */
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char args[512], v[128];
        snprintf(args, sizeof args, "--conv %s --embedding %s/tests/emb/%s.xml --check --seed %zu", cases[k].conv,
                 EMBEDSYN_SOURCE_DIR, cases[k].file, k + 3);
        cli_field(args, "check", v, sizeof v);
        cr_assert_str_eq(v, "pass", "%s", args);
        cli_field(args, "layout_class", v, sizeof v);
        cr_assert_str_eq(v, "banded(x/s)", "%s", args);
    }
}

Test(emb_band, depthwise_band_beats_channel_packing_and_im2col, .timeout = 300) {
    /* the input is read once instead of R x S times: fewer simulated cycles and DRAM
     * bytes than channel packing (the reference) and im2col over (r, s) */
    const char *dw = "--conv C=32,H=28,W=28,K=32,R=3,S=3,pad=1,groups=32 --timing-only";
    char args[512], v[64];
    int64_t cyc[3], bytes[3];
    const char *how[3] = {"--strategy reference", "--strategy im2col:r,s", "--embedding " EMBEDSYN_SOURCE_DIR "/tests/emb/band_s1.xml"};
    for (int k = 0; k < 3; k++) {
        snprintf(args, sizeof args, "%s %s", dw, how[k]);
        cli_field(args, "cycles", v, sizeof v);
        cyc[k] = atoll(v);
        cli_field(args, "inp_load_nbytes", v, sizeof v);
        bytes[k] = atoll(v);
    }
    cr_log_info("depthwise 32x28x28 3x3 cycles: reference %lld, im2col(r,s) %lld, banded %lld", (long long)cyc[0],
                (long long)cyc[1], (long long)cyc[2]);
    cr_assert(cyc[2] > 0 && cyc[2] < cyc[0] && cyc[2] < cyc[1]);
    cr_assert(bytes[2] < bytes[0] && bytes[2] < bytes[1]);
}

Test(emb_band, block_diagonal_groups, .timeout = 120) {
    /* depthwise as a band over groups: o <- g with c*-1, i <- c (16 > C/G = 1): the
     * weight block is diagonal, the input NCHW16c */
    uint64_t seed = 900;
    for (int64_t r = 3; r <= 5; r += 2)
        for (int64_t stride = 1; stride <= 2; stride++) {
            op o = mkdw(20, 9, 11, 1, r, stride, r / 2);
            emb e = emb_empty();
            cterm(&o, &e, EMB_O, "g", 16, "c", -1);
            term(&o, &e, EMB_I, "c", 16);
            emb_nest n = band_run(&o, &e, seed++);
            /* g blocks x (y, x, r, s) x one c chunk */
            int64_t OH = o.extent[D(&o, "y")], OW = o.extent[D(&o, "x")];
            cr_assert_eq(n.instances, cdiv(20, 16) * OH * OW * r * r);
            char buf[64];
            emb_class(&o, &e, buf, sizeof buf);
            cr_assert_str_eq(buf, "banded(g/c)");
        }
    char args[512], v[64];
    snprintf(args, sizeof args, "--conv C=20,H=9,W=11,K=20,R=3,S=3,pad=1,groups=20 --embedding %s/tests/emb/blockdiag_dw.xml --check",
             EMBEDSYN_SOURCE_DIR);
    cli_field(args, "check", v, sizeof v);
    cr_assert_str_eq(v, "pass", "%s", args);
}

/* emb_band (the portfolio's banded form): on random conv / depthwise shapes the
 * builder's embedding passes the scalar checker, runs bit-exact through the GEMM
 * interpreter, and has the instance count of a band of X columns over the I lanes,
 * X = the largest band with (X - 1) stride + S <= 16, then balanced over OW. */
Test(emb_band, builder_random_shapes) {
    uint64_t rs = 4242;
    hw_config hw = hw_default();
    for (int it = 0; it < 24; it++) {
        int64_t stride = 1 + (int64_t)(es_splitmix64(&rs) % 2), s = 2 + (int64_t)(es_splitmix64(&rs) % 6);
        int64_t c = 1 + (int64_t)(es_splitmix64(&rs) % 9), h = s + (int64_t)(es_splitmix64(&rs) % 7);
        int64_t w = s + (int64_t)(es_splitmix64(&rs) % 40), pad = (int64_t)(es_splitmix64(&rs) % 2) * (s / 2);
        bool dw = it % 2 == 0;
        op_conv p = cparams(1, c, h, w, dw ? c : 1 + (int64_t)(es_splitmix64(&rs) % 20), s, s, stride, pad);
        if (dw && c > 1) p.groups = c;
        op o = mkconv(p);
        emb e;
        status st;
        status_init(&st);
        cr_assert(emb_band(&o, HW_INTRINSIC(&hw), &e, &st), "it %d: %s", it, st.msg);
        int64_t ow = o.extent[D(&o, "x")], xmax = 1;
        while ((xmax * stride) + s <= 16) xmax++; /* (xmax - 1) stride + s <= 16 */
        int64_t chunks = cdiv(ow, xmax), x = cdiv(ow, chunks);
        int64_t is = (x - 1) * stride + s;
        cr_assert_eq(e.term[EMB_O][0].extent, x, "it %d", it);
        cr_assert_eq(e.term[EMB_I][0].extent, is, "it %d", it);
        emb_nest n = band_run(&o, &e, 5000 + (uint64_t)it);
        cr_assert_eq(n.instances, band_instances(&o, x, is, false), "it %d", it);
    }
    /* not applicable: GEMM, S = 1, S > 16 */
    op g = mkgemm(16, 16, 16, false, false);
    op one = mkconv(cparams(1, 3, 8, 8, 4, 1, 1, 1, 0));
    op wide = mkconv(cparams(1, 1, 8, 40, 4, 3, 20, 1, 0));
    emb e;
    status st;
    status_init(&st);
    cr_assert_not(emb_band(&g, HW_INTRINSIC(&hw), &e, &st));
    cr_assert_not(emb_band(&one, HW_INTRINSIC(&hw), &e, &st));
    cr_assert_not(emb_band(&wide, HW_INTRINSIC(&hw), &e, &st));
}
