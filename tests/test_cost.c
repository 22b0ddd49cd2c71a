/* Tests of vta/cost (the analytical model of a schedule's VTA program): on random small
 * conv and GEMM layers (odd sizes, strides, padding, bias, batch) with channel packing
 * under the reference template, channel packing and im2col under the free schedule
 * search (the three best schedules each), on the default VTA and on tiny buffers that
 * force many tiles, the model's cycles are compared with the cycle simulator's for the
 * very program codegen emits (timing only; the simulator is the independent oracle):
 * median error <= 1%, max <= 5%. Also: the plug in sched_opts is what the search
 * ranks by (a swapped-in model changes the choice), sched_derive agrees with the plug. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/emb.h"
#include "core/op.h"
#include "tests/test_util.h"
#include "vta/cost.h"
#include "vta/hw.h"
#include "vta/refstrat.h"
#include "vta/sched.h"


static op random_op(uint64_t *s) {
    op o;
    status st;
    status_init(&st);
    if (tl_rnd(s, 0, 3) == 0) {
        op_gemm p = {.batch = 1, .m = tl_rnd(s, 1, 70), .n = tl_rnd(s, 1, 90), .k = tl_rnd(s, 1, 160)};
        cr_assert(op_build_gemm(&o, "gemm", &p, &st), "%s", st.msg);
        return o;
    }
    op_conv p;
    memset(&p, 0, sizeof p);
    p.n = tl_rnd(s, 1, 2);
    p.c = tl_rnd(s, 1, 40);
    p.h = tl_rnd(s, 3, 20);
    p.w = tl_rnd(s, 3, 20);
    p.k = tl_rnd(s, 1, 40);
    p.r = tl_rnd(s, 1, 3);
    p.s = tl_rnd(s, 1, 3);
    if (p.r > p.h) p.r = p.h;
    if (p.s > p.w) p.s = p.w;
    p.stride_h = tl_rnd(s, 1, 2);
    p.stride_w = tl_rnd(s, 1, 2);
    p.pad_h = tl_rnd(s, 0, p.r / 2);
    p.pad_w = tl_rnd(s, 0, p.s / 2);
    p.dil_h = p.dil_w = 1;
    p.groups = 1;
    cr_assert(op_build_conv(&o, "conv", &p, OP_CONV2D, &st), "%s", st.msg);
    o.rq.bias = tl_rnd(s, 0, 2) == 0;
    o.rq.bias_axis = 1;
    o.rq.shift = (int32_t)tl_rnd(s, 0, 20);
    return o;
}

/* Model vs simulator for the best k schedules of embedding kind `kind` (0 reference,
 * 1 channel packing with the free search, 2 im2col over every reduction dim). */
static int errors_of(const op *o, const hw_config *hw, int kind, double *err, int cap) {
    emb e;
    status st;
    status_init(&st);
    if (kind == 2) {
        char dims[64] = "";
        for (int d = 0; d < o->ndims; d++)
            if (op_is_reduction(o, d)) {
                if (dims[0]) strcat(dims, ",");
                strcat(dims, o->dim_name[d]);
            }
        if (!emb_im2col(o, HW_INTRINSIC(hw), dims, &e, &st)) return 0;
    } else {
        cr_assert(emb_channel_packing(o, HW_INTRINSIC(hw), &e, &st), "%s", st.msg);
    }
    emb_nest n;
    cr_assert(emb_nest_build(o, HW_INTRINSIC(hw), &e, &n, &st), "%s", st.msg);
    sched_opts so;
    if (kind == 0)
        refstrat_sched_opts(o, &n, &so);
    else
        sched_opts_init(&so);
    so.e = &e;
    sched cand[3];
    int m = sched_search_top(o, hw, &n, &so, kind == 0 ? 1 : 3, cand, &st);
    if (m == 0) return 0; /* nothing fits (tiny buffers) */
    int k = 0;
    for (int i = 0; i < m && k < cap; i++) {
        sim_report rep;
        cr_assert(cost_sim(o, hw, &e, &n, &cand[i], &rep, &st), "%s", st.msg);
        err[k++] = (cand[i].est_cycles - (double)rep.cycles) / (double)rep.cycles;
    }
    return k;
}

static int cmp_abs(const void *a, const void *b) {
    double x = fabs(*(const double *)a), y = fabs(*(const double *)b);
    return x < y ? -1 : x > y;
}

static void check_bound(const hw_config *hw, uint64_t seed, int layers) {
    enum { CAP = 4096 };
    double *err = calloc(CAP, sizeof *err);
    int n = 0;
    uint64_t s = seed;
    for (int l = 0; l < layers; l++) {
        op o = random_op(&s);
        for (int kind = 0; kind < 3; kind++) n += errors_of(&o, hw, kind, err + n, CAP - n);
    }
    cr_assert(n >= layers, "only %d programs", n);
    qsort(err, (size_t)n, sizeof *err, cmp_abs);
    double med = fabs(err[n / 2]), mx = fabs(err[n - 1]);
    cr_log_info("%s: %d programs, model error median %.3f%%, max %.3f%%", hw->name, n, 100 * med, 100 * mx);
    cr_expect(med <= 0.01, "%s: median model error %.3f%% over %d programs", hw->name, 100 * med, n);
    cr_expect(mx <= 0.05, "%s: max model error %.3f%% over %d programs", hw->name, 100 * mx, n);
    free(err);
}

Test(cost, model_vs_simulator_random_small_layers, .timeout = 600) {
    hw_config hw = hw_default();
    check_bound(&hw, 11, 40);
}

Test(cost, model_vs_simulator_tiny_buffers, .timeout = 600) {
    hw_config hw = hw_default();
    snprintf(hw.name, sizeof hw.name, "tiny");
    hw.log_inp_buff_size = 10;
    hw.log_wgt_buff_size = 12;
    hw.log_acc_buff_size = 11;
    hw.log_uop_buff_size = 11;
    check_bound(&hw, 12, 25);
}

/* BATCH 4, BLOCK 32, a 512-bit bus (the DSE's widest designs): a WGT element is 1 KiB,
 * an INP element 128 B, a beat 64 B, so a DMA row is a few beats and whether it crosses
 * a 2 KiB burst boundary (one more DRAM latency) depends on where codegen's regions
 * and tiles sit, not on a random alignment; small buffers force many tiles (the class
 * tables, not the exact-address pass). */
Test(cost, model_vs_simulator_wide_block_bus512, .timeout = 600) {
    hw_config hw = tl_hw_b4_block32_bus512("b4-block32-bus512", 13, 15, 14);
    check_bound(&hw, 21, 12);
}

/* A swapped-in model: the search ranks by it (here: prefer the most tiles). */
static bool most_tiles(void *ctx, const op *o, const hw_config *hw, const emb_nest *n, sched *s, status *st) {
    int *calls = ctx;
    (*calls)++;
    if (!cost_vta_plug(NULL, o, hw, n, s, st)) return false;
    s->est_cycles = 1e9 / (double)s->ntiles;
    return true;
}

Test(cost, plug_decides_the_schedule) {
    hw_config hw = hw_default();
    op o = tl_gemm(1, 64, 64, 256, false, false);
    status st;
    status_init(&st);
    emb e;
    cr_assert(emb_channel_packing(&o, HW_INTRINSIC(&hw), &e, &st));
    emb_nest n;
    cr_assert(emb_nest_build(&o, HW_INTRINSIC(&hw), &e, &n, &st));
    sched_opts so;
    sched_opts_init(&so);
    sched a, b;
    cr_assert(sched_search(&o, &hw, &n, &so, &a, &st), "%s", st.msg);
    int calls = 0;
    so.cost = most_tiles;
    so.cost_ctx = &calls;
    cr_assert(sched_search(&o, &hw, &n, &so, &b, &st), "%s", st.msg);
    cr_assert_gt(calls, 0);
    cr_assert_gt(b.ntiles, a.ntiles, "the plug's ranking was not used (%lld vs %lld tiles)", (long long)b.ntiles,
                 (long long)a.ntiles);
    /* sched_derive costs with the default model's plug (the search's final word on a
     * small program is the estimate at real addresses, cost_vta_exact) */
    sched c = a, p = a;
    cr_assert(sched_derive(&o, &hw, &n, &c, &st));
    cr_assert(cost_vta_plug(NULL, &o, &hw, &n, &p, &st));
    cr_assert_eq(c.est_cycles, p.est_cycles);
    sched x = a;
    cr_assert(cost_vta_exact(&o, &hw, &n, &x, &st));
    cr_assert_eq(x.est_cycles, a.est_cycles);
}

/* Channel packing of o and its nest. */
static void packed_nest(const op *o, const hw_config *hw, emb *e, emb_nest *n) {
    status st;
    status_init(&st);
    cr_assert(emb_channel_packing(o, HW_INTRINSIC(hw), e, &st), "%s", st.msg);
    cr_assert(emb_nest_build(o, HW_INTRINSIC(hw), e, n, &st), "%s", st.msg);
}

/* cost_vta_compute_bound, the search's pruning test, is below the model's estimate
 * (and its compute busy cycles) of every legal tiling of random layers, and covers
 * most of the compute module's work. */
Test(cost, compute_bound_is_below_the_estimate) {
    hw_config hw = hw_default();
    uint64_t r = 31;
    int checked = 0;
    for (int l = 0; l < 30; l++) {
        op o = random_op(&r);
        status st;
        status_init(&st);
        emb e;
        emb_nest n;
        packed_nest(&o, &hw, &e, &n);
        for (int t = 0; t < 20; t++) {
            sched s;
            memset(&s, 0, sizeof s);
            for (int i = 0; i < n.nloops; i++) {
                s.order[i] = i;
                s.tile[i] = tl_rnd(&r, 1, n.loop[i].extent);
            }
            s.reuse = t % 2;
            s.db_load = t % 3 != 0;
            s.db_acc = t % 5 != 0;
            if (o.rq.bias) {
                sched_bias_axes(&o, &e, &n, s.bias_rel);
                s.bias_rel_known = t % 4 != 0;
            }
            status_init(&st);
            if (!sched_derive(&o, &hw, &n, &s, &st)) continue; /* not legal (tiles, buffers) */
            double b = cost_vta_compute_bound(&o, &hw, &n, &s);
            cr_assert(b <= s.est_compute * (1 + 1e-12), "%s: bound %.1f above the compute busy %.1f", o.name, b,
                      s.est_compute);
            cr_assert(s.est_compute <= s.est_cycles * (1 + 1e-12));
            if (!o.rq.bias) /* only the micro-op load is left out */
                cr_assert(b >= 0.5 * s.est_compute, "%s: bound %.1f, compute busy %.1f", o.name, b, s.est_compute);
            checked++;
        }
    }
    cr_assert_gt(checked, 100, "only %d legal tilings", checked);
}

/* A plug that returns cost_vta_plug's figures, counting its calls. */
static bool counting_plug(void *ctx, const op *o, const hw_config *hw, const emb_nest *n, sched *s, status *st) {
    (*(int64_t *)ctx)++;
    return cost_vta_plug(NULL, o, hw, n, s, st);
}

/* The pruning by the compute bound (sched_opts.vta_bound) leaves the search's result
 * and its top list exactly as they are, and costs fewer schedules. */
Test(cost, pruned_search_equals_the_full_search, .timeout = 300) {
    hw_config hw = hw_default();
    uint64_t r = 47;
    int64_t calls[2] = {0, 0};
    int searched = 0;
    for (int l = 0; l < 10; l++) {
        op o = random_op(&r);
        status st;
        status_init(&st);
        emb e;
        emb_nest n;
        packed_nest(&o, &hw, &e, &n);
        sched top[2][SCHED_MAX_TOP];
        int m[2];
        for (int pr = 0; pr < 2; pr++) {
            sched_opts so;
            sched_opts_init(&so);
            so.e = &e;
            so.cost = counting_plug;
            so.cost_ctx = &calls[pr];
            so.vta_bound = pr == 1;
            m[pr] = sched_search_top(&o, &hw, &n, &so, l % 2 ? 4 : 1, top[pr], &st);
        }
        cr_assert_eq(m[0], m[1], "%s", o.name);
        for (int j = 0; j < m[0]; j++)
            cr_assert(!memcmp(&top[0][j], &top[1][j], sizeof top[0][j]), "%s: schedule %d differs", o.name, j);
        searched += m[0] > 0;
    }
    cr_assert_gt(searched, 6);
    cr_log_info("plug calls: %lld without the bound, %lld with it", (long long)calls[0], (long long)calls[1]);
    cr_assert_lt(calls[1], calls[0], "the bound pruned nothing");
}

/* A balanced program whose DMA cost varies from tile to tile (DeepBench device_gemm_005
 * on a BATCH 4 / BLOCK 16 / 512-bit bus design of the DSE study): the class tables'
 * mean costs miss the stalls of the slow tiles (the plug's estimate is over 2% low);
 * the estimate at real addresses adds them (cost_var.c) and meets the simulator. */
Test(cost, dma_variation_stalls_are_estimated, .timeout = 300) {
    hw_config hw = hw_default();
    snprintf(hw.name, sizeof hw.name, "b4-block16-bus512");
    hw.log_batch = 2;
    hw.log_bus_width = 9;
    hw.log_uop_buff_size = 14;
    hw.log_inp_buff_size = 14;
    hw.log_wgt_buff_size = 17;
    hw.log_acc_buff_size = 16;
    op o = tl_gemm(1, 128, 1500, 1280, false, false);
    status st;
    status_init(&st);
    emb e;
    emb_nest n;
    packed_nest(&o, &hw, &e, &n);
    sched_opts so;
    sched_opts_init(&so);
    so.e = &e;
    so.tile_weights = false; /* row-major weights: their rows' alignment varies (a tiled copy
                              * makes the search pick 240 tiles, walked at real addresses) */
    sched s;
    cr_assert(sched_search(&o, &hw, &n, &so, &s, &st), "%s", st.msg);
    cr_assert_gt(s.ntiles, 256, "a program small enough to walk at real addresses (%lld tiles)", (long long)s.ntiles);
    sim_report rep;
    cr_assert(cost_sim(&o, &hw, &e, &n, &s, &rep, &st), "%s", st.msg);
    sched mean = s, real = s;
    cr_assert(cost_vta_plug(NULL, &o, &hw, &n, &mean, &st));
    cr_assert(cost_vta_exact(&o, &hw, &n, &real, &st));
    double sim = (double)rep.cycles, em = (mean.est_cycles - sim) / sim, er = (real.est_cycles - sim) / sim;
    cr_log_info("simulator %.0f, mean DMA costs %.0f (%+.2f%%), with the variation %.0f (%+.2f%%)", sim,
                mean.est_cycles, 100 * em, real.est_cycles, 100 * er);
    cr_expect(em < -0.02, "the mean costs are not low here (%+.2f%%): the case does not test the variation", 100 * em);
    cr_expect(fabs(er) < 0.01, "model error with the variation %+.2f%%", 100 * er);
    cr_expect(real.est_load == mean.est_load, "the variation changes the timing, not the busy cycles");
}

/* The variation's pipeline frees a load slot when the batch's GEMMs end, as codegen
 * pushes the compute -> load token before the epilogue: server_conv_068 (N 2, C 64,
 * 80 x 350, K 64, 3x3) on BATCH 4, BLOCK 32, bus 512 (the realistic space's d6791),
 * batch lanes (n, x), 704 tiles whose INP loads alternate 772 and 1092 cycles around
 * GEMMs of 724 plus an epilogue of 176. Freeing the slot after the epilogue, the model
 * said +4.11% over the simulator. */
Test(cost, variation_frees_load_slots_after_the_gemm, .timeout = 300) {
    hw_config hw = tl_hw_b4_block32_bus512("d6791", 17, 18, 17);
    hw.log_uop_buff_size = 14;
    op o = tl_conv(2, 64, 80, 350, 64, 3, 3, 1, 1);
    emb e;
    memset(&e, 0, sizeof e);
    const char *bl[2] = {"n", "x"};
    for (int t = 0; t < 2; t++) e.term[EMB_B][t] = (emb_term){op_dim_index(&o, bl[t]), 2, -1, 0};
    e.nterms[EMB_B] = 2;
    e.term[EMB_O][0] = (emb_term){op_dim_index(&o, "k"), 32, -1, 0};
    e.term[EMB_I][0] = (emb_term){op_dim_index(&o, "c"), 32, -1, 0};
    e.nterms[EMB_O] = e.nterms[EMB_I] = 1;
    status st;
    status_init(&st);
    emb_nest n;
    cr_assert(emb_check(&o, HW_INTRINSIC(&hw), &e, &st) && emb_nest_build(&o, HW_INTRINSIC(&hw), &e, &n, &st), "%s",
              st.msg);
    /* the nest's loops k (2 steps of 32), y, x, c (2 steps of 32), r, s: tiles x 4, y 5,
     * the others whole, in the order k x y c r s */
    sched s;
    memset(&s, 0, sizeof s);
    s.reuse = s.db_load = s.db_acc = true;
    const char *order[] = {"k", "x", "y", "c", "r", "s"};
    int no = 0;
    for (int k = 0; k < 6; k++)
        for (int i = 0; i < n.nloops; i++)
            if (n.loop[i].kind == EMB_LOOP_DIM && !strcmp(order[k], o.dim_name[n.loop[i].dim])) {
                s.order[no++] = i;
                s.tile[i] = k == 1 ? 4 : k == 2 ? 5 : n.loop[i].extent;
            }
    cr_assert_eq(no, n.nloops);
    cr_assert(sched_derive(&o, &hw, &n, &s, &st), "%s", st.msg);
    cr_assert_eq(s.ntiles, 704);
    sched x = s;
    cr_assert(cost_vta_exact(&o, &hw, &n, &x, &st), "%s", st.msg);
    sim_report rep;
    cr_assert(cost_sim(&o, &hw, &e, &n, &s, &rep, &st), "%s", st.msg);
    double sim = (double)rep.cycles, err = (x.est_cycles - sim) / sim;
    cr_log_info("model %.0f, simulator %.0f (%+.2f%%)", x.est_cycles, sim, 100 * err);
    cr_expect(fabs(err) < 0.005, "model error %+.2f%%", 100 * err);
}

/* Tiles of a stride-2 3x3 conv, output rows one per tile with the kernel row innermost
 * (y: 1, r: 1, everything else whole): when r wraps from 2 to 0 and y steps, the input
 * row is the one just loaded (2y + 1), so codegen loads no new INP box there (it
 * compares the boxes). The model must skip those loads too: on a program walked at real
 * addresses (at most 256 tiles) it equals the simulator to the cycle (the load
 * module's busy cycles too), on a larger one (mean DMA costs, the warp) both are within
 * 0.5%. Before, it costed every INP load (load busy +37% on MobileNetV2's
 * 112x112 depthwise layer at BATCH 4 / 512-bit bus). */
static void returning_boxes(int64_t hw_in, int64_t k, int64_t ktile, bool exact) {
    hw_config hw = hw_default();
    op o = tl_conv(1, 16, hw_in, hw_in, k, 3, 3, 2, 1);
    status st;
    status_init(&st);
    emb e;
    emb_nest n;
    packed_nest(&o, &hw, &e, &n);
    sched s;
    memset(&s, 0, sizeof s);
    s.reuse = true;
    s.db_load = s.db_acc = true;
    int r_loop = -1, y_loop = -1, k_loop = -1, no = 0;
    /* order: output channel blocks (lane chunks), the other output loops, the
     * reduction loops, each in nest order */
    for (int pass = 0; pass < 3; pass++)
        for (int i = 0; i < n.nloops; i++) {
            bool red = sched_is_reduction(&n, i), chunk = n.loop[i].kind == EMB_LOOP_CHUNK;
            if ((pass == 0 && chunk && !red) || (pass == 1 && !chunk && !red) || (pass == 2 && red))
                s.order[no++] = i;
        }
    for (int i = 0; i < n.nloops; i++) {
        s.tile[i] = n.loop[i].extent;
        if (n.loop[i].kind == EMB_LOOP_CHUNK && !sched_is_reduction(&n, i)) k_loop = i;
        if (n.loop[i].kind != EMB_LOOP_DIM) continue;
        const char *d = o.dim_name[n.loop[i].dim];
        if (!strcmp(d, "r")) r_loop = i;
        if (!strcmp(d, "y")) y_loop = i;
    }
    cr_assert(no == n.nloops && r_loop >= 0 && y_loop >= 0);
    s.tile[r_loop] = s.tile[y_loop] = 1;
    if (k_loop >= 0) s.tile[k_loop] = ktile;
    cr_assert(sched_derive(&o, &hw, &n, &s, &st), "%s", st.msg);
    cr_assert_eq(s.ntiles <= 256, exact, "%lld tiles", (long long)s.ntiles);
    sched x = s;
    cr_assert(cost_vta_exact(&o, &hw, &n, &x, &st), "%s", st.msg);
    sim_report rep;
    cr_assert(cost_sim(&o, &hw, &e, &n, &s, &rep, &st), "%s", st.msg);
    double sim = (double)rep.cycles, err = (x.est_cycles - sim) / sim;
    cr_log_info("%lldx%lld, %lld tiles: model %.0f, simulator %.0f (%+.3f%%); load busy %.0f vs %llu", (long long)hw_in,
                (long long)hw_in, (long long)s.ntiles, x.est_cycles, sim, 100 * err, x.est_load,
                (unsigned long long)rep.busy[SIM_LOAD]);
    double load = (double)rep.busy[SIM_LOAD], lerr = (x.est_load - load) / load;
    if (exact) {
        cr_expect_eq(x.est_cycles, sim, "model %.0f, simulator %.0f", x.est_cycles, sim);
        cr_expect_eq(x.est_load, load, "load busy: model %.0f, simulator %.0f", x.est_load, load);
    } else {
        cr_expect(fabs(err) < 0.005, "model error %+.3f%%", 100 * err);
        cr_expect(fabs(lerr) < 0.005, "load busy: model %.0f, simulator %.0f", x.est_load, load);
    }
}

Test(cost, boxes_that_return_are_not_reloaded_exact) { returning_boxes(40, 16, 16, true); }
Test(cost, boxes_that_return_are_not_reloaded_warped) { returning_boxes(112, 64, 1, false); }
