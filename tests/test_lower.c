/* Tests of vta/sched, vta/dma, vta/codegen, vta/refstrat and bench/driver: programs
 * generated for every embedding family (channel packing = reference strategy, full and
 * partial im2col, operand-swapped GEMM, Toeplitz with compensated taps) on padded odd
 * sizes, strides 1-2, padding 0-3, batch 1-2, bias/ReLU on and off, on the default VTA
 * and on tiny buffers that force many tiles, are simulated and compared bit by bit
 * with ref_run (core/ref, an independent oracle) by the driver. Independently of the
 * simulator: token flags replayed in stream order never wait and end balanced (no
 * deadlock with any queue depth), SRAM addresses of every tile's instances stay inside
 * their slot and map layout elements one-to-one, DMA boxes copied by a small LOAD
 * interpreter written here equal a direct copy, and the search is deterministic. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/driver.h"
#include "core/emb.h"
#include "vta/hw.h"
#include "core/op.h"
#include "core/ref.h"
#include "tests/test_util.h"
#include "vta/sim.h"
#include "vta/dma.h"
#include "vta/lower.h"
#include "vta/refstrat.h"
#include "vta/sched.h"

/* ---- helpers ---- */

static op mkconv(int64_t n, int64_t c, int64_t hw_, int64_t k, int64_t r, int64_t stride, int64_t pad, bool bias,
                 bool relu) {
    op o = tl_conv(n, c, hw_, hw_, k, r, r, stride, pad);
    tl_conv_rq(&o, bias, relu);
    return o;
}

#define mkgemm tl_gemm

static int D(const op *o, const char *name) {
    int d = op_dim_index(o, name);
    cr_assert(d >= 0, "no dim %s", name);
    return d;
}

static emb emb_empty(void) {
    emb e;
    memset(&e, 0, sizeof e);
    return e;
}

static void term(const op *o, emb *e, emb_lane L, const char *dim, int64_t extent, const char *comp, int64_t coef) {
    emb_term *t = &e->term[L][e->nterms[L]++];
    t->dim = D(o, dim);
    t->extent = extent > 0 ? extent : o->extent[t->dim];
    t->comp_dim = comp ? D(o, comp) : -1;
    t->comp_coef = comp ? coef : 0;
}

static hw_config hw_tiny(void) {
    hw_config h = hw_default();
    snprintf(h.name, sizeof h.name, "tiny");
    h.log_uop_buff_size = 9;   /* 128 micro-ops */
    h.log_inp_buff_size = 9;   /* 32 input vectors */
    h.log_wgt_buff_size = 12;  /* 16 weight blocks */
    h.log_acc_buff_size = 10;  /* 16 accumulator vectors */
    return h;
}

/* Token flags replayed in stream order: with every module free to run ahead, a pop in
 * stream order must find a token pushed earlier in the stream, so the program cannot
 * deadlock whatever the queue depths; at the end every queue is empty. */
static void check_tokens(const vta_prog *p) {
    enum { L2C, C2L, C2S, S2C };
    int64_t q[4] = {0, 0, 0, 0};
    for (int64_t i = 0; i < vta_prog_ninsns(p); i++) {
        const vta_insn *in = vta_prog_insn(p, i);
        int mod; /* 0 load, 1 compute, 2 store */
        if (in->opcode == VTA_OP_STORE)
            mod = 2;
        else if (in->opcode == VTA_OP_LOAD && (in->mem_type == HW_MEM_INP || in->mem_type == HW_MEM_WGT))
            mod = 0;
        else
            mod = 1;
        int pp = mod == 0 ? -1 : mod == 1 ? L2C : C2S, pn = mod == 0 ? C2L : mod == 1 ? S2C : -1;
        int up = mod == 0 ? -1 : mod == 1 ? C2L : S2C, un = mod == 0 ? L2C : mod == 1 ? C2S : -1;
        if (in->pop_prev) {
            cr_assert(pp >= 0, "insn %lld: pop_prev meaningless", (long long)i);
            cr_assert(q[pp] > 0, "insn %lld waits for a token pushed later in the stream", (long long)i);
            q[pp]--;
        }
        if (in->pop_next) {
            cr_assert(pn >= 0, "insn %lld: pop_next meaningless", (long long)i);
            cr_assert(q[pn] > 0, "insn %lld waits for a token pushed later in the stream", (long long)i);
            q[pn]--;
        }
        if (in->push_prev) {
            cr_assert(up >= 0, "insn %lld: push_prev meaningless", (long long)i);
            q[up]++;
        }
        if (in->push_next) {
            cr_assert(un >= 0, "insn %lld: push_next meaningless", (long long)i);
            q[un]++;
        }
        cr_assert(q[L2C] <= 2 && q[C2L] <= 2 && q[C2S] <= 2 && q[S2C] <= 2, "more than 2 tokens outstanding");
    }
    cr_assert(q[0] == 0 && q[1] == 0 && q[2] == 0 && q[3] == 0, "tokens left: %lld %lld %lld %lld",
              (long long)q[0], (long long)q[1], (long long)q[2], (long long)q[3]);
}

/* Every tile's instances: SRAM addresses inside their slot, and SRAM address equal iff
 * layout address equal (per operand). Brute force over all instances of small nests. */
static void check_sram_map(const emb_nest *n, const sched *s) {
    int64_t t[EMB_MAX_LOOPS] = {0};
    for (int64_t inst = 0; inst < n->instances; inst++) {
        int64_t rem = inst;
        for (int l = n->nloops - 1; l >= 0; l--) {
            t[l] = rem % n->loop[l].extent;
            rem /= n->loop[l].extent;
        }
        for (int x = 0; x < 3; x++) {
            int64_t sram = s->konst[x];
            for (int l = 0; l < n->nloops; l++) sram += s->stride[x][l] * (t[l] % s->tile[l]);
            cr_assert(sram >= 0 && sram < s->slot_rows[x], "operand %d: SRAM row %lld outside slot of %lld", x,
                      (long long)sram, (long long)s->slot_rows[x]);
        }
    }
    /* one-to-one inside the first tile (start 0) */
    int64_t cnt = 1;
    for (int l = 0; l < n->nloops; l++) cnt *= s->tile[l];
    if (cnt > 4096) return;
    int64_t *la = malloc((size_t)cnt * 3 * sizeof *la), *sa = malloc((size_t)cnt * 3 * sizeof *sa);
    for (int64_t i = 0; i < cnt; i++) {
        int64_t rem = i;
        for (int l = n->nloops - 1; l >= 0; l--) {
            t[l] = rem % s->tile[l];
            rem /= s->tile[l];
        }
        for (int x = 0; x < 3; x++) {
            la[i * 3 + x] = emb_addr(n, (emb_operand)x, t);
            int64_t sram = s->konst[x];
            for (int l = 0; l < n->nloops; l++) sram += s->stride[x][l] * t[l];
            sa[i * 3 + x] = sram;
        }
    }
    for (int64_t i = 0; i < cnt; i++)
        for (int64_t j = i + 1; j < cnt; j++)
            for (int x = 0; x < 3; x++)
                cr_assert_eq(la[i * 3 + x] == la[j * 3 + x], sa[i * 3 + x] == sa[j * 3 + x],
                             "operand %d: SRAM map not one-to-one", x);
    free(la);
    free(sa);
}

/* Full pipeline through the driver with a bit-exact check, plus the checks above. */
static void run_case(const op *o, const hw_config *hw, const emb *e, const char *what) {
    status st;
    status_init(&st);
    emb_nest n;
    cr_assert(emb_nest_build(o, HW_INTRINSIC(hw), e, &n, &st), "%s: %s", what, st.msg);
    sched_opts so;
    sched s;
    sched_opts_init(&so);
    so.e = e;
    cr_assert(sched_search(o, hw, &n, &so, &s, &st), "%s: %s", what, st.msg);
    sched s2;
    cr_assert(sched_search(o, hw, &n, &so, &s2, &st));
    cr_assert(s.est_cycles == s2.est_cycles && !memcmp(s.tile, s2.tile, sizeof s.tile), "%s: search not deterministic",
              what);
    if (n.instances <= 20000) check_sram_map(&n, &s);
    vta_prog *p;
    lower_stats ls;
    cr_assert(lower_codegen(o, hw, e, &n, &s, &p, &ls, &st), "%s: %s", what, st.msg);
    check_tokens(p);
    vta_prog_destroy(p);

    driver_opts d = tl_checked_opts();
    d.seed = 7;
    driver_result r;
    cr_assert(driver_run(o, hw, e, &d, &r, &st), "%s: %s", what, st.msg);
    cr_assert_eq(r.check, DRV_CHECK_PASS, "%s: %s [%s]", what, r.check_msg, r.schedule);
    cr_assert_eq((int64_t)r.sim.gemm_counter, n.instances, "%s: gemm_counter %llu != %lld", what,
                 (unsigned long long)r.sim.gemm_counter, (long long)n.instances);
    cr_assert_eq(r.sim.nwarnings, 0, "%s: %s", what, r.sim.warning);
}

static void run_reference(const op *o, const hw_config *hw, const char *what) {
    status st;
    status_init(&st);
    emb e;
    cr_assert(refstrat_embedding(o, hw, &e, &st), "%s: %s", what, st.msg);
    emb_nest n;
    cr_assert(emb_nest_build(o, HW_INTRINSIC(hw), &e, &n, &st), "%s: %s", what, st.msg);
    sched_opts so;
    refstrat_sched_opts(o, &n, &so);
    so.e = &e;
    sched s;
    cr_assert(sched_search(o, hw, &n, &so, &s, &st), "%s: %s", what, st.msg);
    /* template: no reuse, r/s whole, divisor tiles, output loops before reduction */
    cr_assert_not(s.reuse);
    for (int l = 0; l < n.nloops; l++) {
        cr_assert_eq(n.loop[l].extent % s.tile[l], 0, "%s: tile does not divide", what);
        if (so.full[l]) cr_assert_eq(s.tile[l], n.loop[l].extent);
    }
    vta_prog *p;
    lower_stats ls;
    cr_assert(lower_codegen(o, hw, &e, &n, &s, &p, &ls, &st), "%s: %s", what, st.msg);
    check_tokens(p);
    vta_prog_destroy(p);
    driver_opts d = tl_checked_opts();
    driver_result r;
    cr_assert(driver_run_reference(o, hw, &d, &r, &st), "%s: %s", what, st.msg);
    cr_assert_eq(r.check, DRV_CHECK_PASS, "%s: %s [%s]", what, r.check_msg, r.schedule);
    cr_assert_eq((int64_t)r.sim.gemm_counter, n.instances);
    cr_assert_eq(r.sim.nwarnings, 0, "%s: %s", what, r.sim.warning);
}

/* ---- end-to-end, bit exact ---- */

Test(lower_run, reference_conv_strides_pads_batches) {
    hw_config hw = hw_default();
    char what[128];
    for (int stride = 1; stride <= 2; stride++)
        for (int pad = 0; pad <= 3; pad++)
            for (int nb = 1; nb <= 2; nb++) {
                bool bias = (pad + nb) % 2, relu = (stride + pad) % 2;
                op o = mkconv(nb, 3, 7, 5, 3, stride, pad, bias, relu);
                snprintf(what, sizeof what, "ref C3K5 7x7 stride %d pad %d n %d bias %d relu %d", stride, pad, nb,
                         bias, relu);
                run_reference(&o, &hw, what);
            }
    op o = mkconv(1, 20, 9, 33, 3, 1, 1, true, true);
    run_reference(&o, &hw, "ref C20 K33");
    /* 1x2 window, stride 2, padding 3 > window: whole tiles of padding (all-zero boxes) */
    op_conv p;
    memset(&p, 0, sizeof p);
    p.n = 1, p.c = 17, p.h = p.w = 4, p.k = 5, p.r = 1, p.s = 2;
    p.stride_h = p.stride_w = 2, p.pad_h = p.pad_w = 3, p.dil_h = p.dil_w = 1, p.groups = 1;
    status st;
    status_init(&st);
    cr_assert(op_build_conv(&o, "conv", &p, OP_CONV2D, &st), "%s", st.msg);
    run_reference(&o, &hw, "ref 1x2 window pad 3 stride 2");
}

Test(lower_run, im2col_full_and_partial) {
    hw_config hw = hw_default();
    static const char *dims[] = {"c,r,s", "c,s", "r,s", "c"};
    char what[128];
    for (int di = 0; di < 4; di++)
        for (int stride = 1; stride <= 2; stride++)
            for (int pad = 0; pad <= 3; pad += 3 - stride) {
                op o = mkconv(stride, 3, 7, 5, 3, stride, pad, pad == 0, stride == 2);
                emb e;
                status st;
                status_init(&st);
                cr_assert(emb_im2col(&o, HW_INTRINSIC(&hw), dims[di], &e, &st), "%s", st.msg);
                snprintf(what, sizeof what, "im2col(%s) stride %d pad %d", dims[di], stride, pad);
                run_case(&o, &hw, &e, what);
            }
}

Test(lower_run, gemm_plain_and_swapped) {
    hw_config hw = hw_default();
    char what[128];
    for (int v = 0; v < 4; v++) {
        op o = mkgemm(v == 3 ? 2 : 1, 20 + v, 7 + 5 * v, 33, v & 1, v >> 1 & 1);
        o.rq.shift = 7;
        o.rq.relu = v == 2;
        emb e;
        status st;
        status_init(&st);
        cr_assert(emb_channel_packing(&o, HW_INTRINSIC(&hw), &e, &st), "%s", st.msg);
        snprintf(what, sizeof what, "gemm packed v%d", v);
        run_case(&o, &hw, &e, what);
        run_reference(&o, &hw, what);
        if (v == 3) continue; /* swap the operands: A's rows become the input vectors */
        e = emb_empty();
        e.swap = true;
        term(&o, &e, EMB_I, "k", 0, NULL, 0);
        term(&o, &e, EMB_O, "n", 0, NULL, 0);
        snprintf(what, sizeof what, "gemm swapped v%d", v);
        run_case(&o, &hw, &e, what);
    }
}

Test(lower_run, toeplitz_compensated_taps) {
    hw_config hw = hw_default();
    char what[128];
    for (int stride = 1; stride <= 2; stride++)
        for (int pad = 0; pad <= 2; pad += 2) {
            op o = mkconv(1, 3, 7, 5, 3, stride, pad, stride == 1, pad == 2);
            int64_t ow = o.extent[D(&o, "x")];
            emb e = emb_empty();
            term(&o, &e, EMB_I, "c", 0, NULL, 0);
            term(&o, &e, EMB_O, "x", ow < 3 ? ow : 3, "s", -stride);
            snprintf(what, sizeof what, "toeplitz x/s stride %d pad %d", stride, pad);
            run_case(&o, &hw, &e, what);
            e = emb_empty();
            term(&o, &e, EMB_I, "c", 0, NULL, 0);
            term(&o, &e, EMB_I, "s", 0, NULL, 0);
            term(&o, &e, EMB_O, "y", 2, "r", -stride);
            snprintf(what, sizeof what, "toeplitz y/r stride %d pad %d", stride, pad);
            run_case(&o, &hw, &e, what);
        }
}

Test(lower_run, tiny_buffers_many_tiles) {
    hw_config hw = hw_tiny();
    status st;
    status_init(&st);
    op o = mkconv(2, 20, 9, 21, 3, 1, 1, true, true);
    emb e;
    cr_assert(emb_im2col(&o, HW_INTRINSIC(&hw), "c,r,s", &e, &st), "%s", st.msg);
    run_case(&o, &hw, &e, "tiny im2col");
    cr_assert(emb_im2col(&o, HW_INTRINSIC(&hw), "c,s", &e, &st), "%s", st.msg);
    run_case(&o, &hw, &e, "tiny im2col(c,s)");
    cr_assert(emb_channel_packing(&o, HW_INTRINSIC(&hw), &e, &st), "%s", st.msg);
    run_case(&o, &hw, &e, "tiny packed");
    run_reference(&o, &hw, "tiny reference");
    emb_nest n;
    cr_assert(emb_nest_build(&o, HW_INTRINSIC(&hw), &e, &n, &st));
    sched_opts so;
    sched_opts_init(&so);
    sched s;
    cr_assert(sched_search(&o, &hw, &n, &so, &s, &st));
    cr_assert_gt(s.ntiles, 20, "tiny buffers should force many tiles, got %lld", (long long)s.ntiles);
    int slots = s.db_load ? 2 : 1;
    cr_assert_leq(s.slot_rows[EMB_INP] * slots, hw_depth(&hw, HW_MEM_INP));
    cr_assert_leq(s.slot_rows[EMB_WGT] * slots, hw_depth(&hw, HW_MEM_WGT));
    cr_assert_leq(s.slot_rows[EMB_ACC] * (s.db_acc ? 2 : 1), hw_depth(&hw, HW_MEM_ACC));
    cr_assert_leq(s.uop_rows, hw_depth(&hw, HW_MEM_UOP));
    op g = mkgemm(1, 40, 9, 50, false, true);
    cr_assert(emb_channel_packing(&g, HW_INTRINSIC(&hw), &e, &st));
    run_case(&g, &hw, &e, "tiny gemm");
}

Test(lower_run, sampled_check_and_timing_only) {
    hw_config hw = hw_default();
    op o = mkconv(1, 16, 14, 32, 3, 1, 1, false, true);
    driver_opts d;
    driver_opts_init(&d);
    d.check_sample = 200;
    driver_result r, t;
    status st;
    status_init(&st);
    cr_assert(driver_run_reference(&o, &hw, &d, &r, &st), "%s", st.msg);
    cr_assert_eq(r.check, DRV_CHECK_PASS, "%s", r.check_msg);
    driver_opts_init(&d);
    d.timing_only = true;
    cr_assert(driver_run_reference(&o, &hw, &d, &t, &st), "%s", st.msg);
    cr_assert_eq(t.check, DRV_CHECK_SKIPPED);
    cr_assert_eq(t.sim.cycles, r.sim.cycles, "timing-only must not change cycles");
    cr_assert_eq(t.sim.gemm_counter, r.sim.gemm_counter);
}

/* Random shapes (dilation, groups, odd sizes), families and hardware shapes (default,
 * tiny buffers, BATCH 2) with a fixed seed. */
Test(lower_run, random_shapes) {
    hw_config hws[3] = {hw_default(), hw_tiny(), hw_default()};
    hws[2].log_batch = 1;
    hws[2].log_acc_buff_size = 18;
    static const char *fam[] = {"pack", "c,r,s", "c,s", "r,s", "c", "c,r"};
    uint64_t x = 2024;
    char what[160];
    int ran = 0;
    for (int it = 0; it < 40; it++) {
#define RND(n) (x = x * 6364136223846793005ull + 1442695040888963407ull, (int64_t)((x >> 33) % (uint64_t)(n)))
        op_conv p;
        memset(&p, 0, sizeof p);
        p.groups = RND(4) == 0 ? 2 : 1;
        p.n = 1 + RND(2), p.c = p.groups * (1 + RND(18)), p.h = 3 + RND(7), p.w = 3 + RND(7);
        p.k = p.groups * (1 + RND(18)), p.r = 1 + RND(3), p.s = 1 + RND(3);
        p.stride_h = 1 + RND(2), p.stride_w = 1 + RND(2), p.pad_h = RND(4), p.pad_w = RND(3);
        p.dil_h = p.dil_w = 1 + (RND(5) == 0);
        int h = (int)RND(3), f = (int)RND(6);
        bool bias = RND(2), relu = RND(2);
        op o;
        status st;
        status_init(&st);
        if (!op_build_conv(&o, "rnd", &p, OP_CONV2D, &st)) continue; /* window larger than the input */
        o.rq.bias = bias;
        o.rq.bias_axis = 1;
        o.rq.relu = relu;
        o.rq.shift = 5 + (int32_t)RND(6);
        snprintf(what, sizeof what, "it %d: n%lld c%lld h%lld w%lld k%lld r%lld s%lld st%lld/%lld pad%lld/%lld dil%lld g%lld %s hw%d",
                 it, (long long)p.n, (long long)p.c, (long long)p.h, (long long)p.w, (long long)p.k, (long long)p.r,
                 (long long)p.s, (long long)p.stride_h, (long long)p.stride_w, (long long)p.pad_h, (long long)p.pad_w,
                 (long long)p.dil_h, (long long)p.groups, fam[f], h);
        emb e;
        bool ok = f == 0 ? emb_channel_packing(&o, HW_INTRINSIC(&hws[h]), &e, &st) : emb_im2col(&o, HW_INTRINSIC(&hws[h]), fam[f], &e, &st);
        if (!ok) continue; /* family does not apply (e.g. dims of extent 1) */
        run_case(&o, &hws[h], &e, what);
        ran++;
#undef RND
    }
    cr_assert_geq(ran, 25, "only %d random cases ran", ran);
}

/* The bias without a small-tile plan (LOAD ACC of the whole bias box as the initial
 * accumulators): a pipeline spelled out here, with the same bit-exact comparison. */
Test(lower_run, bias_by_load_acc) {
    hw_config hw = hw_default();
    for (int v = 0; v < 2; v++) {
        op o = v ? mkconv(2, 3, 7, 20, 3, 2, 1, true, true) : mkgemm(1, 40, 9, 50, false, false);
        if (!v) {
            o.rq.bias = true;
            o.rq.bias_axis = 0;
        }
        emb e;
        status st;
        status_init(&st);
        cr_assert(v ? emb_im2col(&o, HW_INTRINSIC(&hw), "c,r,s", &e, &st) : emb_channel_packing(&o, HW_INTRINSIC(&hw), &e, &st), "%s", st.msg);
        emb_nest n;
        cr_assert(emb_nest_build(&o, HW_INTRINSIC(&hw), &e, &n, &st), "%s", st.msg);
        sched_opts so;
        sched_opts_init(&so); /* no embedding given: no bias plan */
        sched s;
        cr_assert(sched_search(&o, &hw, &n, &so, &s, &st), "%s", st.msg);
        cr_assert_not(s.bias_alu);
        vta_prog *p;
        lower_stats ls;
        cr_assert(lower_codegen(&o, &hw, &e, &n, &s, &p, &ls, &st), "%s", st.msg);
        check_tokens(p);
        cr_assert(vta_prog_finalize(p, &st), "%s", st.msg);
        int64_t nin = op_tensor_elems(&o, OP_IN), nwt = op_tensor_elems(&o, OP_WT), nout = op_tensor_elems(&o, OP_OUT);
        int64_t nb = o.t[OP_OUT].shape[o.rq.bias_axis];
        int8_t *in = malloc(nin), *wt = malloc(nwt), *got = malloc(nout), *want = malloc(nout);
        int32_t *bias = malloc(nb * 4), *bacc = calloc(n.lay[EMB_ACC].elems, hw_elem_bytes(&hw, HW_MEM_ACC));
        int8_t *inp = calloc(n.lay[EMB_INP].elems, n.lay[EMB_INP].elem_bytes);
        int8_t *wgt = calloc(n.lay[EMB_WGT].elems, n.lay[EMB_WGT].elem_bytes);
        ref_fill_i8(in, nin, 11);
        ref_fill_i8(wt, nwt, 12);
        ref_fill_i32(bias, nb, 13, -5000, 5000);
        emb_pack(&o, HW_INTRINSIC(&hw), &e, &n, in, wt, inp, wgt);
        emb_pack_bias(&o, HW_INTRINSIC(&hw), &e, &n, bias, bacc);
        cr_assert(lower_write_inputs(p, &hw, &n, &s, inp, wgt, bacc, &st), "%s", st.msg);
        uint64_t bytes;
        uint8_t *dram = vta_prog_dram(p, &bytes);
        sim_options sopt = {.strict = true};
        sim_report rep;
        cr_assert(sim_run(&hw, dram, bytes, vta_prog_insn_addr(p), vta_prog_insn_count(p), &sopt, &rep, &st), "%s",
                  st.msg);
        int64_t ob;
        emb_unpack_out(&o, HW_INTRINSIC(&hw), &e, &n, lower_out_data(p, &ob), got);
        ref_run(&o, in, wt, bias, NULL, want);
        for (int64_t i = 0; i < nout; i++) cr_assert_eq(got[i], want[i], "v%d: Out[%lld] %d != %d", v, (long long)i, got[i], want[i]);
        cr_assert_eq((int64_t)rep.gemm_counter, n.instances);
        free(in), free(wt), free(got), free(want), free(bias), free(bacc), free(inp), free(wgt);
        vta_prog_destroy(p);
    }
}

/* ---- DMA decomposition against a direct copy ---- */

/* LOAD semantics of DESIGN section 5 on a flat element array (one int per element). */
static void interp_load(const vta_insn *in, const int *dram, int *sram, int64_t depth) {
    int64_t row = in->x_pad_0 + in->x_size + in->x_pad_1, pos = in->sram_base;
    for (uint32_t y = 0; y < in->y_pad_0; y++)
        for (int64_t x = 0; x < row; x++) sram[pos++] = 0;
    for (uint32_t y = 0; y < in->y_size; y++) {
        for (uint32_t x = 0; x < in->x_pad_0; x++) sram[pos++] = 0;
        for (uint32_t x = 0; x < in->x_size; x++) sram[pos++] = dram[in->dram_base + y * in->x_stride + x];
        for (uint32_t x = 0; x < in->x_pad_1; x++) sram[pos++] = 0;
    }
    for (uint32_t y = 0; y < in->y_pad_1; y++)
        for (int64_t x = 0; x < row; x++) sram[pos++] = 0;
    cr_assert_leq(pos, depth);
}

typedef struct dma_rec {
    vta_insn v[4096];
    int n;
} dma_rec;

static void rec_push(void *ctx, const vta_insn *in) {
    dma_rec *r = ctx;
    cr_assert_lt(r->n, 4096);
    r->v[r->n++] = *in;
}

Test(lower_dma, boxes_match_direct_copy) {
    /* a 3-axis layout 4 x 9 x 11 with zero bands on the two inner axes (stripped from
     * DRAM), random boxes, SRAM pitch larger than the box (partial tiles) */
    const int64_t ext[3] = {4, 9, 11}, zlo[3] = {0, 2, 3}, zhi[3] = {0, 1, 2};
    int64_t cext[3], cstride[3];
    for (int a = 0; a < 3; a++) cext[a] = ext[a] - zlo[a] - zhi[a];
    cstride[2] = 1, cstride[1] = cext[2], cstride[0] = cext[1] * cext[2];
    int dram[1024];
    for (int i = 0; i < 1024; i++) dram[i] = i < 600 ? 1000 + i : 0; /* zero area at 600.. */
    uint64_t seed = 12345;
    for (int iter = 0; iter < 400; iter++) {
        int64_t lo[3], f[3], pitch[3];
        for (int a = 0; a < 3; a++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            lo[a] = (int64_t)((seed >> 33) % (uint64_t)ext[a]);
            f[a] = 1 + (int64_t)((seed >> 45) % (uint64_t)(ext[a] - lo[a]));
            pitch[a] = f[a] + (int64_t)((seed >> 20) % 3);
        }
        lower_dma_box b;
        memset(&b, 0, sizeof b);
        b.naxes = 3;
        b.mem_type = HW_MEM_INP;
        b.sram_base = b.sram_lo = 5;
        b.sram_hi = 5 + pitch[0] * pitch[1] * pitch[2];
        b.zero_base = 600;
        b.zero_elems = 400;
        int64_t sst = 1;
        for (int a = 2; a >= 0; a--) {
            lower_dma_axis *x = &b.ax[a];
            x->f = f[a];
            int64_t pl = zlo[a] - lo[a], ph = lo[a] + f[a] - (ext[a] - zhi[a]);
            x->pad_lo = pl < 0 ? 0 : pl > f[a] ? f[a] : pl;
            x->pad_hi = ph < 0 ? 0 : ph > f[a] ? f[a] : ph;
            x->dram_c = lo[a] + x->pad_lo - zlo[a];
            x->dram_stride = cstride[a];
            x->sram_off = pitch[a] - f[a] > 0 && a == 1 ? 1 : 0; /* box not at the slot origin */
            if (x->sram_off + f[a] > pitch[a]) x->sram_off = 0;
            x->sram_stride = sst;
            sst *= pitch[a];
        }
        dma_rec rec = {.n = 0};
        lower_dma_stats ds, cs;
        status st;
        status_init(&st);
        cr_assert(lower_dma_plan(&b, rec_push, &rec, &ds, &st), "%s", st.msg);
        cr_assert(lower_dma_plan(&b, NULL, NULL, &cs, &st), "%s", st.msg);
        cr_assert_eq(cs.insns, ds.insns);
        cr_assert_eq(cs.insns, rec.n);
        int sram[512];
        for (int i = 0; i < 512; i++) sram[i] = -1;
        for (int i = 0; i < rec.n; i++) interp_load(&rec.v[i], dram, sram, 512);
        for (int64_t i0 = 0; i0 < f[0]; i0++)
            for (int64_t i1 = 0; i1 < f[1]; i1++)
                for (int64_t i2 = 0; i2 < f[2]; i2++) {
                    int64_t v[3] = {lo[0] + i0, lo[1] + i1, lo[2] + i2}, want = 0;
                    bool zero = false;
                    int64_t di = 600;
                    for (int a = 0; a < 3; a++) zero |= v[a] < zlo[a] || v[a] >= ext[a] - zhi[a];
                    if (!zero) {
                        di = 0;
                        for (int a = 0; a < 3; a++) di += (v[a] - zlo[a]) * cstride[a];
                        want = dram[di];
                    }
                    int64_t pos = 5 + (b.ax[0].sram_off + i0) * b.ax[0].sram_stride +
                                  (b.ax[1].sram_off + i1) * b.ax[1].sram_stride + (b.ax[2].sram_off + i2);
                    cr_assert_eq(sram[pos], want, "iter %d: box elem (%lld,%lld,%lld) got %d want %lld", iter,
                                 (long long)i0, (long long)i1, (long long)i2, sram[pos], (long long)want);
                }
        for (int i = 0; i < 5; i++) cr_assert_eq(sram[i], -1, "write below the slot");
    }
}

/* ---- tiled DRAM copy of the weights ---- */

/* Every tile's load of operand x, replayed by the LOAD interpreter above on the DRAM
 * copy lower_dram_copy made of a layout whose element i holds i + 1, puts layout
 * element lo + p at slot position p of the tile's box (0 where a stripped zero band
 * lies): whatever order the copy has, the program reads the layout. */
static void check_loads_read_layout(const hw_config *hw, const emb_nest *n, const sched *s, emb_operand x) {
    const emb_layout *L = &n->lay[x];
    int64_t full = L->elems, de = sched_dram_elems(n, s, x), rows = s->slot_rows[x];
    int *src = malloc((size_t)full * sizeof *src), *dram = calloc((size_t)(de + rows), sizeof *dram);
    int *sram = malloc((size_t)rows * sizeof *sram);
    dma_rec *rec = malloc(sizeof *rec);
    cr_assert(src && dram && sram && rec);
    for (int64_t i = 0; i < full; i++) src[i] = (int)(i + 1);
    lower_dram_copy(n, s, x, (int64_t)sizeof *src, src, dram); /* zero area after it */
    int64_t idx[EMB_MAX_LOOPS] = {0}, start[EMB_MAX_LOOPS], cnt[EMB_MAX_LOOPS];
    for (int64_t t = 0; t < s->ntiles; t++) {
        sched_tile_range(n, s, idx, start, cnt);
        lower_dma_box b;
        sched_dma_box(hw, n, s, x, x == EMB_INP ? HW_MEM_INP : HW_MEM_WGT, false, start, cnt, 0, &b);
        b.dram_base = 0;
        b.zero_base = de;
        b.zero_elems = rows;
        lower_dma_stats ds;
        status st;
        status_init(&st);
        rec->n = 0;
        cr_assert(lower_dma_plan(&b, rec_push, rec, &ds, &st), "%s", st.msg);
        for (int64_t i = 0; i < rows; i++) sram[i] = -1;
        for (int i = 0; i < rec->n; i++) interp_load(&rec->v[i], dram, sram, rows);
        int64_t lo[EMB_MAX_LAXES], f[EMB_MAX_LAXES], p[EMB_MAX_LAXES] = {0}, pts = 1;
        sched_box(n, x, start, cnt, lo, f);
        for (int a = 0; a < L->naxes; a++) pts *= f[a];
        for (int64_t k = 0; k < pts; k++) {
            int64_t li = 0, pos = 0;
            bool zero = false;
            for (int a = 0; a < L->naxes; a++) {
                int64_t v = lo[a] + p[a];
                li = li * L->extent[a] + v;
                pos += (b.ax[a].sram_off + p[a]) * b.ax[a].sram_stride;
                zero |= s->strip[x][a] && (v < L->zero_lo[a] || v >= L->extent[a] - L->zero_hi[a]);
            }
            int want = zero ? 0 : src[li];
            cr_assert_eq(sram[pos], want, "operand %d (tiled %d), tile %lld: slot row %lld holds %d, layout %d", x,
                         x < 2 && s->tiled[x], (long long)t, (long long)pos, sram[pos], want);
            for (int a = L->naxes - 1; a >= 0; a--) {
                if (++p[a] < f[a]) break;
                p[a] = 0;
            }
        }
        for (int l = n->nloops - 1; l >= 0; l--) {
            if (++idx[l] < sched_ntiles(n, s, l)) break;
            idx[l] = 0;
        }
    }
    free(src), free(dram), free(sram), free(rec);
}

Test(lower_run, tiled_weights) {
    hw_config tiny = hw_tiny(), def = hw_default();
    int tiled = 0;
    for (int v = 0; v < 6; v++) {
        const hw_config *hw = v < 4 ? &tiny : &def;
        op o = v == 0   ? mkgemm(1, 40, 9, 50, false, true)
               : v == 1 ? mkgemm(1, 37, 21, 70, true, false)
               : v == 2 ? mkconv(1, 40, 5, 36, 1, 1, 0, true, true)
               : v == 3 ? mkconv(2, 20, 7, 21, 3, 1, 1, false, true)
               : v == 4 ? mkgemm(1, 35, 70, 2048, false, false)
                        : mkconv(1, 576, 7, 160, 1, 1, 0, false, true);
        emb e;
        status st;
        status_init(&st);
        char what[64];
        for (int sw = 0; sw < 2; sw++) {
            if (sw && o.kind != OP_GEMM) continue;
            if (sw) { /* operand swap: the weights (A) are VTA's INP */
                e = emb_empty();
                e.swap = true;
                term(&o, &e, EMB_I, "k", 0, NULL, 0);
                term(&o, &e, EMB_O, "n", 0, NULL, 0);
            } else {
                cr_assert(emb_channel_packing(&o, HW_INTRINSIC(hw), &e, &st), "%s", st.msg);
            }
            emb_nest n;
            cr_assert(emb_nest_build(&o, HW_INTRINSIC(hw), &e, &n, &st), "%s", st.msg);
            sched_opts so;
            sched_opts_init(&so);
            so.e = &e;
            sched s;
            cr_assert(sched_search(&o, hw, &n, &so, &s, &st), "%s", st.msg);
            emb_operand w = e.swap ? EMB_INP : EMB_WGT;
            cr_assert_not(s.tiled[w == EMB_INP ? EMB_WGT : EMB_INP], "v%d swap %d: the activation's copy is tiled", v, sw);
            tiled += s.tiled[w];
            if (s.tiled[w]) cr_assert_gt(s.nblocks[w], 1);
            if (s.ntiles <= 4000) {
                check_loads_read_layout(hw, &n, &s, EMB_INP);
                check_loads_read_layout(hw, &n, &s, EMB_WGT);
            }
            sched r;
            refstrat_sched_opts(&o, &n, &so);
            so.e = &e;
            if (!sw && sched_search(&o, hw, &n, &so, &r, &st))
                cr_assert(!r.tiled[EMB_INP] && !r.tiled[EMB_WGT], "v%d: the reference template's copy is tiled", v);
            so.tile_weights = false;
            if (sched_search(&o, hw, &n, &so, &r, &st)) cr_assert(!r.tiled[EMB_INP] && !r.tiled[EMB_WGT]);
            snprintf(what, sizeof what, "tiled weights v%d swap %d", v, sw);
            if (v < 4) run_case(&o, hw, &e, what); /* bit-exact through the driver */
        }
    }
    cr_assert_geq(tiled, 5, "only %d of the cases tile the weights", tiled);
}

/* The input's zero bands kept in DRAM (sched.keep_pad): chosen where fewer, longer rows
 * beat the padding's extra bytes, never worse than the stripped search's pick, every
 * load reads the layout, bit-exact end to end; never for the reference template or a
 * network's layer in the compact layout, always in the padded one (driver_opts.act). */
Test(lower_run, input_padding_in_dram) {
    hw_config hw = hw_default();
    int kept = 0;
    for (int v = 0; v < 3; v++) {
        op o = v == 0 ? mkconv(1, 16, 14, 32, 3, 1, 1, false, true)
               : v == 1 ? mkconv(1, 16, 12, 16, 5, 1, 2, true, true)
                        : mkconv(2, 8, 9, 20, 3, 2, 1, false, true);
        emb e;
        status st;
        status_init(&st);
        cr_assert(emb_channel_packing(&o, HW_INTRINSIC(&hw), &e, &st), "%s", st.msg);
        emb_nest n;
        cr_assert(emb_nest_build(&o, HW_INTRINSIC(&hw), &e, &n, &st), "%s", st.msg);
        sched_opts so;
        sched_opts_init(&so);
        so.e = &e;
        sched s, strip, keep;
        cr_assert(sched_search(&o, &hw, &n, &so, &s, &st), "%s", st.msg);
        so.pad = SCHED_PAD_STRIP;
        cr_assert(sched_search(&o, &hw, &n, &so, &strip, &st), "%s", st.msg);
        so.pad = SCHED_PAD_KEEP;
        cr_assert(sched_search(&o, &hw, &n, &so, &keep, &st), "%s", st.msg);
        cr_assert_not(strip.keep_pad);
        cr_assert(keep.keep_pad);
        cr_assert_leq(s.est_cycles, strip.est_cycles, "v%d: keeping the padding made the pick worse", v);
        /* (the free pick is not always <= keep's: its kept-padding climb starts from the
         * stripped search's best of each tile order, keep's search is a whole one) */
        for (int a = 0; a < n.lay[EMB_INP].naxes; a++)
            cr_assert_not(keep.strip[EMB_INP][a], "v%d: axis %d stripped with the padding kept", v, a);
        for (int a = 0; a < n.lay[EMB_INP].naxes; a++)
            if (s.keep_pad) cr_assert_not(s.strip[EMB_INP][a], "v%d: axis %d stripped under keep_pad", v, a);
        kept += s.keep_pad;
        if (s.ntiles <= 4000) check_loads_read_layout(&hw, &n, &s, EMB_INP);
        sched r;
        refstrat_sched_opts(&o, &n, &so);
        so.e = &e;
        cr_assert(sched_search(&o, &hw, &n, &so, &r, &st), "%s", st.msg);
        cr_assert_not(r.keep_pad, "v%d: the reference template keeps the padding in DRAM", v);
        char what[64];
        snprintf(what, sizeof what, "input padding in DRAM v%d", v);
        run_case(&o, &hw, &e, what);
        driver_opts d = tl_checked_opts();
        driver_result res;
        for (int act = 0; act < TARGET_NACTS; act++) {
            d.act = (target_act)act;
            cr_assert(driver_run(&o, &hw, &e, &d, &res, &st), "%s", st.msg);
            cr_assert_eq(res.check, DRV_CHECK_PASS, "%s %s: %s", what, target_act_name(d.act), res.check_msg);
            bool has = strstr(res.schedule, "input padding in DRAM") != NULL;
            if (d.act == TARGET_ACT_COMPACT) cr_assert_not(has, "%s: the compact layout keeps the padding", what);
            if (d.act == TARGET_ACT_PADDED) cr_assert(has, "%s: the padded layout strips the padding", what);
        }
    }
    cr_assert_geq(kept, 2, "only %d of 3 convs keep the padding", kept);
}

/* ---- CLI ---- */

Test(lower_cli, run_compile_json) {
    char cmd[1024], line[4096];
    snprintf(cmd, sizeof cmd,
             "%s run --conv N=1,C=3,H=7,W=7,K=5,R=3,S=3,pad=1,bias=1,relu=1 --strategy im2col --check --json",
             EMBEDSYN_CLI);
    FILE *f = popen(cmd, "r");
    cr_assert(f);
    cr_assert(fgets(line, sizeof line, f));
    cr_assert_eq(pclose(f), 0);
    static const char *keys[] = {"\"cycles\":", "\"gemm_counter\":", "\"utilization\":", "\"dram_bytes\":",
                                 "\"layout\":", "\"check\":\"pass\""};
    for (int i = 0; i < 6; i++) cr_assert(strstr(line, keys[i]), "missing %s in %s", keys[i], line);
    char dir[] = "/tmp/embedsyn_lower_XXXXXX";
    cr_assert(mkdtemp(dir));
    snprintf(cmd, sizeof cmd, "%s compile --gemm M=20,N=9,K=33 -o %s/b >/dev/null && test -s %s/b/dram.bin && "
             "test -s %s/b/program.xml && test -s %s/b/listing.txt", EMBEDSYN_CLI, dir, dir, dir, dir);
    cr_assert_eq(system(cmd), 0);
    /* an embedding XML (written by emb_write_xml) through --embedding; its bundle re-run
     * by `embedsyn sim` gives the cycles `run` reported */
    op o = mkconv(1, 3, 7, 5, 3, 1, 1, false, false);
    emb e = emb_empty();
    term(&o, &e, EMB_I, "c", 0, NULL, 0);
    term(&o, &e, EMB_I, "s", 0, NULL, 0);
    term(&o, &e, EMB_O, "k", 0, NULL, 0);
    char path[256];
    snprintf(path, sizeof path, "%s/e.xml", dir);
    FILE *ef = fopen(path, "w");
    cr_assert(ef);
    emb_write_xml(ef, &o, &e);
    fclose(ef);
    snprintf(cmd, sizeof cmd, "%s run --conv N=1,C=3,H=7,W=7,K=5,R=3,S=3,pad=1,shift=6 --embedding %s --check "
             "-o %s/c --json", EMBEDSYN_CLI, path, dir);
    f = popen(cmd, "r");
    cr_assert(f);
    cr_assert(fgets(line, sizeof line, f));
    cr_assert_eq(pclose(f), 0, "%s", line);
    cr_assert(strstr(line, "\"check\":\"pass\""), "%s", line);
    char *cy = strstr(line, "\"cycles\":");
    cr_assert(cy);
    long long cycles = atoll(cy + 9);
    snprintf(cmd, sizeof cmd, "%s sim %s/c", EMBEDSYN_CLI, dir);
    f = popen(cmd, "r");
    cr_assert(f);
    long long sim_cycles = -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "cycles: ", 8)) sim_cycles = atoll(line + 8);
    pclose(f);
    cr_assert_eq(sim_cycles, cycles, "bundle re-simulated: %lld cycles, run said %lld", sim_cycles, cycles);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s run --conv N=1,C=3,H=7,W=7,K=5,R=3,S=3 --timing-only --check 2>/dev/null",
             EMBEDSYN_CLI);
    cr_assert_eq(WEXITSTATUS(system(cmd)), 2);
    snprintf(cmd, sizeof cmd, "%s run --conv N=1,C=3,H=7,W=7,K=5,R=3,S=3 --strategy bogus 2>/dev/null",
             EMBEDSYN_CLI);
    cr_assert_eq(WEXITSTATUS(system(cmd)), 2);
    snprintf(cmd, sizeof cmd, "%s run --help >/dev/null && %s compile --help >/dev/null", EMBEDSYN_CLI,
             EMBEDSYN_CLI);
    cr_assert_eq(system(cmd), 0);
}

/* --input-layout: compact never keeps the input's padding in DRAM, padded always does
 * (the JSON says which, and so does the schedule text), free lets the schedule choose
 * (here it keeps the padding and is no slower than compact); all checked bit-exact; a
 * bad value is exit 2 naming the option. */
Test(lower_cli, input_layout) {
    char cmd[1024], line[8192];
    long long cyc[3] = {0};
    static const char *names[] = {"free", "compact", "padded"};
    for (int k = 0; k < 3; k++) {
        snprintf(cmd, sizeof cmd,
                 "%s run --conv N=1,C=16,H=14,W=14,K=16,R=3,S=3,pad=1 --strategy im2col:c --check "
                 "--input-layout %s --json",
                 EMBEDSYN_CLI, names[k]);
        FILE *f = popen(cmd, "r");
        cr_assert(f);
        cr_assert(fgets(line, sizeof line, f));
        cr_assert_eq(pclose(f), 0, "%s", line);
        cr_assert(strstr(line, "\"check\":\"pass\""), "%s", line);
        const char *il = strstr(line, "\"input_layout\":\"");
        cr_assert(il, "%s", line);
        il += strlen("\"input_layout\":\"");
        bool padded = !strncmp(il, "padded\"", 7);
        cr_assert(padded || !strncmp(il, "compact\"", 8), "%s", line);
        cr_assert_eq(padded, strstr(line, "input padding in DRAM") != NULL, "%s", line);
        if (k == 1) cr_assert_not(padded, "%s", line);
        else cr_assert(padded, "%s", line);
        const char *cy = strstr(line, "\"cycles\":");
        cr_assert(cy);
        cyc[k] = atoll(cy + 9);
    }
    cr_assert_leq(cyc[0], cyc[1], "free %lld cycles, compact %lld", cyc[0], cyc[1]);
    snprintf(cmd, sizeof cmd, "%s run --conv N=1,C=3,H=7,W=7,K=5,R=3,S=3 --input-layout diagonal 2>&1", EMBEDSYN_CLI);
    FILE *f = popen(cmd, "r");
    cr_assert(f);
    cr_assert(fgets(line, sizeof line, f));
    cr_assert_eq(WEXITSTATUS(pclose(f)), 2);
    cr_assert(strstr(line, "--input-layout"), "%s", line);
}

/* --suite with -o: compile writes every operator's bundle to DIR/NAME (one JSON line
 * each), run does too for the programs it simulates; each compiled bundle re-simulated
 * by `embedsyn sim` gives the cycles `run` reported for that operator (same seed). */
static long long json_cycles(const char *line) {
    const char *c = strstr(line, "\"cycles\":");
    return c ? atoll(c + 9) : -1;
}

Test(lower_cli, suite_bundles) {
    char dir[] = "/tmp/embedsyn_lower_XXXXXX", cmd[2048], line[8192], path[600];
    cr_assert(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/s.xml", dir);
    tl_write_text(path, "<suite name=\"t\">\n"
                        "  <operator name=\"c1\"><conv2d n=\"1\" c=\"3\" h=\"8\" w=\"8\" k=\"16\" r=\"3\" s=\"3\" "
                        "stride=\"1\" pad=\"1\"/></operator>\n"
                        "  <operator name=\"g1\"><gemm m=\"7\" n=\"13\" k=\"50\"/></operator>\n"
                        "</suite>\n");
    const char *names[] = {"c1", "g1"};
    long long run_cycles[2] = {-1, -1};
    const char *cmds[2] = {"run", "compile"}, *want[2] = {"\"check\":\"pass\"", "\"cycles\":null"};
    for (int c = 0; c < 2; c++) { /* one line per operator, in suite order */
        snprintf(cmd, sizeof cmd, "%s %s --suite %s --strategy im2col%s -o %s/%c --json", EMBEDSYN_CLI, cmds[c], path,
                 c ? "" : " --check", dir, cmds[c][0]);
        FILE *f = popen(cmd, "r");
        cr_assert(f);
        for (int k = 0; k < 2; k++) {
            cr_assert(fgets(line, sizeof line, f), "%s line %d", cmds[c], k);
            cr_assert(strstr(line, names[k]) && strstr(line, want[c]), "%s", line);
            if (c == 0) run_cycles[k] = json_cycles(line);
        }
        cr_assert_eq(pclose(f), 0);
    }
    for (int k = 0; k < 2; k++) cr_assert_gt(run_cycles[k], 0, "run's cycles of %s", names[k]);
    for (int k = 0; k < 2; k++)
        for (int b = 0; b < 2; b++) {
            snprintf(cmd, sizeof cmd, "%s sim %s/%s/%s --json", EMBEDSYN_CLI, dir, b ? "c" : "r", names[k]);
            FILE *f = popen(cmd, "r");
            cr_assert(f);
            cr_assert(fgets(line, sizeof line, f));
            cr_assert_eq(pclose(f), 0, "%s", line);
            cr_assert_eq(json_cycles(line), run_cycles[k], "%s bundle of %s: %s (run: %lld)", b ? "compile" : "run",
                         names[k], line, run_cycles[k]);
        }
    /* an operator and --suite, or --embedding and --suite: usage errors */
    snprintf(cmd, sizeof cmd, "%s compile --suite %s --gemm M=2,N=2,K=2 -o %s/x 2>/dev/null", EMBEDSYN_CLI, path, dir);
    cr_assert_eq(WEXITSTATUS(system(cmd)), 2);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}
