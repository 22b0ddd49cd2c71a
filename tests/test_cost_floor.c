/* Tests of the hardware floor (vta/cost_floor.c) and of op_touched_elems (core/op.c):
 * - the elements an operator reads and the dot-product steps its outputs need, against
 *   a brute-force enumeration of its iteration box (strides, padding, dilation,
 *   depthwise, GEMM; exact where the axes use disjoint dims, a lower bound on an affine
 *   op whose axes share a dim);
 * - the floor by hand on two DeepBench layers (one epilogue-bound, one burst-bound), a
 *   strided conv whose outputs are mostly padding, the range analysis that drops MAX /
 *   MIN and the cheaper ACC initialization (resets or LOAD ACC on a wide bus);
 * - soundness: on random small layers and several hardware shapes, every program the
 *   lowering emits (channel packing under the reference template, channel packing and
 *   im2col under the free search, the banded form where it applies) spends at least the
 *   floor on each module of the cycle simulator, at least the whole-box floor on
 *   compute, and at least both in total. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/emb.h"
#include "core/op.h"
#include "tests/test_util.h"
#include "vta/cost.h"
#include "vta/hw.h"
#include "vta/refstrat.h"
#include "vta/sched.h"

/* Distinct linear indices of tensor r read in bounds, by visiting every point. */
static int64_t touched_brute(const op *o, op_role r) {
    int64_t n = op_tensor_elems(o, r), pts = op_macs(o), cnt = 0, p[OP_MAX_DIMS] = {0};
    uint8_t *seen = calloc((size_t)n, 1);
    cr_assert(seen);
    for (int64_t k = 0; k < pts; k++) {
        int64_t lin;
        if (op_index(o, r, p, &lin) && !seen[lin]) {
            seen[lin] = 1;
            cnt++;
        }
        for (int d = 0; d < o->ndims && ++p[d] == o->extent[d]; d++) p[d] = 0;
    }
    free(seen);
    return cnt;
}

/* sum over outputs of ceil(products with In in bounds (box: all points) / width), by
 * visiting every point */
static int64_t lane_steps_brute(const op *o, int64_t width, bool box) {
    int64_t nout = op_outputs(o), pts = op_macs(o), p[OP_MAX_DIMS] = {0}, sum = 0;
    int64_t *cnt = calloc((size_t)nout, sizeof *cnt);
    cr_assert(cnt);
    for (int64_t k = 0; k < pts; k++) {
        int64_t lo, li;
        cr_assert(op_index(o, OP_OUT, p, &lo));
        if (box || op_index(o, OP_IN, p, &li)) cnt[lo]++;
        for (int d = 0; d < o->ndims && ++p[d] == o->extent[d]; d++) p[d] = 0;
    }
    for (int64_t i = 0; i < nout; i++) sum += (cnt[i] + width - 1) / width;
    free(cnt);
    return sum;
}

/* Elements read and dot-product steps of random convs, depthwise convs and GEMMs. */
Test(cost_floor, touched_elements_equal_brute_force) {
    uint64_t s = 5;
    for (int i = 0; i < 300; i++) {
        op o;
        int kind = (int)tl_rnd(&s, 0, 2);
        if (kind == 2) {
            o = tl_gemm(tl_rnd(&s, 1, 2), tl_rnd(&s, 1, 20), tl_rnd(&s, 1, 20), tl_rnd(&s, 1, 20), tl_rnd(&s, 0, 1),
                        tl_rnd(&s, 0, 1));
        } else {
            op_conv p = tl_conv_params(tl_rnd(&s, 1, 2), tl_rnd(&s, 1, 6), tl_rnd(&s, 1, 14), tl_rnd(&s, 1, 14), 0,
                                       tl_rnd(&s, 1, 4), tl_rnd(&s, 1, 4), 1, 0);
            if (p.r > p.h) p.r = p.h;
            if (p.s > p.w) p.s = p.w;
            p.stride_h = tl_rnd(&s, 1, 4);
            p.stride_w = tl_rnd(&s, 1, 4);
            p.pad_h = tl_rnd(&s, 0, p.r - 1);
            p.pad_w = tl_rnd(&s, 0, p.s - 1);
            p.dil_h = tl_rnd(&s, 1, 2);
            p.dil_w = tl_rnd(&s, 1, 2);
            if ((p.r - 1) * p.dil_h + 1 > p.h + 2 * p.pad_h) p.dil_h = 1;
            if ((p.s - 1) * p.dil_w + 1 > p.w + 2 * p.pad_w) p.dil_w = 1;
            p.k = kind == 1 ? p.c * tl_rnd(&s, 1, 2) : tl_rnd(&s, 1, 6);
            if (kind == 1) p.groups = p.c;
            status st;
            status_init(&st);
            if (!op_build_conv(&o, "conv", &p, kind == 1 ? OP_DEPTHWISE : OP_CONV2D, &st)) continue;
        }
        for (op_role r = OP_OUT; r <= OP_WT; r++)
            cr_assert_eq(op_touched_elems(&o, r), touched_brute(&o, r), "case %d role %d: %lld vs %lld", i, r,
                         (long long)op_touched_elems(&o, r), (long long)touched_brute(&o, r));
        for (int64_t w = 1; w <= 32; w *= 2)
            for (int box = 0; box < 2; box++)
                cr_assert_eq(op_lane_steps(&o, w, box), lane_steps_brute(&o, w, box), "case %d width %lld box %d", i,
                             (long long)w, box);
    }
}

/* A stride-2 1x1 conv reads a quarter of its input (every other row and column). */
Test(cost_floor, strided_pointwise_reads_a_quarter) {
    op o = tl_conv(1, 8, 10, 10, 4, 1, 1, 2, 0);
    cr_assert_eq(op_touched_elems(&o, OP_IN), 8 * 5 * 5);
    cr_assert_eq(op_touched_elems(&o, OP_WT), 4 * 8);
}

/* In[i + j][j] over a 4 x 4 box reads 16 elements; its axes share j, so the count is
 * the most values one axis takes (7, of i + j): a lower bound. A generic affine op
 * gets no dot-product steps (its products may repeat across outputs). */
Test(cost_floor, coupled_axes_give_a_lower_bound) {
    op o;
    memset(&o, 0, sizeof o);
    snprintf(o.name, sizeof o.name, "coupled");
    o.ndims = 2;
    snprintf(o.dim_name[0], sizeof o.dim_name[0], "i");
    snprintf(o.dim_name[1], sizeof o.dim_name[1], "j");
    o.extent[0] = o.extent[1] = 4;
    o.t[OP_OUT].rank = 1;
    o.t[OP_OUT].shape[0] = 4;
    o.t[OP_OUT].map[0][0] = 1;
    o.t[OP_IN].rank = 2;
    o.t[OP_IN].shape[0] = 7;
    o.t[OP_IN].shape[1] = 4;
    o.t[OP_IN].map[0][0] = o.t[OP_IN].map[0][1] = 1;
    o.t[OP_IN].map[1][1] = 1;
    o.t[OP_WT].rank = 1;
    o.t[OP_WT].shape[0] = 4;
    o.t[OP_WT].map[0][1] = 1;
    status st;
    status_init(&st);
    cr_assert(op_build_affine(&o, &st), "%s", st.msg);
    cr_assert_eq(touched_brute(&o, OP_IN), 16);
    cr_assert_eq(op_touched_elems(&o, OP_IN), 7);
    cr_assert_eq(op_lane_steps(&o, 16, false), -1);
}

/* server_conv_006 (C = 1, 48 x 480, K = 16, 3 x 3, pad 1) on the default VTA: at most 9
 * products per output, so one GEMM iteration per 16 outputs (23,040; the report's
 * full-lane bound says 12,960), and 23,040 ACC rows of 16 outputs, each a reset GEMM
 * and SHR, MAX, MIN: 115,200 compute cycles. */
Test(cost_floor, epilogue_bound_layer_by_hand) {
    hw_config hw = hw_default();
    op o = tl_conv(1, 1, 48, 480, 16, 3, 3, 1, 1);
    cost_floor f;
    cost_vta_floor(&o, &hw, &f);
    cr_assert_eq(f.gemm, 23040);
    cr_assert_eq(f.acc_rows, 23040);
    cr_assert_eq(f.init, 23040);
    cr_assert_eq(f.alu_per_row, 3);
    cr_assert_eq(f.compute, 23040 * 5);
    cr_assert_eq(f.load_bytes, 48 * 480 + 16 * 9);
    cr_assert_eq(f.cycles, 115200);
    cr_assert_eq(f.gemm_box, 23040);
    cr_assert_eq(f.cycles_box, 115200);
}

/* A 1x1 conv of stride 2 with padding 3 on 7 x 7 (as server_conv_058): of the 7 x 7
 * outputs only the 3 x 3 whose input pixel is in bounds have products; the others are
 * padding. 16 channels in and out: 9 x 16 outputs of 16 products, 9 GEMM iterations;
 * the whole box is 49. */
Test(cost_floor, padding_products_are_not_needed) {
    hw_config hw = hw_default();
    op o = tl_conv(1, 16, 7, 7, 16, 1, 1, 2, 3);
    cost_floor f;
    cost_vta_floor(&o, &hw, &f);
    cr_assert_eq(f.gemm, 9);
    cr_assert_eq(f.gemm_box, 49);
    cr_assert_eq(f.acc_rows, 49);
    cr_assert_eq(f.load_bytes, 16 * 9 + 16 * 16);
}

/* A GEMV streaming 1024 x 500,000 weights (server_gemm_015) on the default VTA: every
 * 2 KiB burst of 256 beats pays 32 cycles of latency, 12.5% over the bytes alone. */
Test(cost_floor, burst_bound_layer_by_hand) {
    hw_config hw = hw_default();
    op o = tl_gemm(1, 1024, 1, 500000, false, false);
    cost_floor f;
    cost_vta_floor(&o, &hw, &f);
    int64_t bytes = 1024LL * 500000 + 500000;
    cr_assert_eq(f.load_bytes, bytes);
    cr_assert_eq(f.load, (bytes + 7) / 8 + (bytes + 2047) / 2048 * 32);
    cr_assert_eq(f.store, 1024 / 8 + 32);
    cr_assert_eq(f.cycles, f.load);
}

/* One product per output: |acc| <= 2^14, so after a shift of 8 it lies in [-64, 64]
 * and neither clip changes it; two products reach 128 > 127 (MIN needed, MAX not); a
 * ReLU always needs MAX; a bias (any int32) both. */
Test(cost_floor, clip_ops_the_range_makes_no_ops) {
    hw_config hw = hw_default();
    cost_floor f;
    op o = tl_conv(1, 1, 8, 8, 16, 1, 1, 1, 0);
    cost_vta_floor(&o, &hw, &f);
    cr_assert_eq(f.alu_per_row, 1);
    o.rq.shift = 0;
    cost_vta_floor(&o, &hw, &f);
    cr_assert_eq(f.alu_per_row, 2);
    o = tl_conv(1, 2, 8, 8, 16, 1, 1, 1, 0);
    cost_vta_floor(&o, &hw, &f);
    cr_assert_eq(f.alu_per_row, 2);
    o.rq.relu = true;
    o.rq.clip_lo = 0;
    cost_vta_floor(&o, &hw, &f);
    cr_assert_eq(f.alu_per_row, 3);
    o = tl_conv(1, 1, 8, 8, 16, 1, 1, 1, 0);
    o.rq.bias = true;
    o.rq.bias_axis = 1;
    cost_vta_floor(&o, &hw, &f);
    cr_assert_eq(f.alu_per_row, 3);
    /* 64 rows: reset GEMM + ADD (3 each) < LOAD ACC of 64-byte rows (8 beats each) */
    cr_assert_eq(f.acc_rows, 64);
    cr_assert_eq(f.init, 64 * 3);
    /* a 1024-bit bus loads two 64-byte ACC rows per beat: LOAD ACC (32) beats the
     * resets (64) */
    hw.log_bus_width = 10;
    o.rq.bias = false;
    cost_vta_floor(&o, &hw, &f);
    cr_assert_eq(f.init, 32);
}

static op random_layer(uint64_t *s) {
    if (tl_rnd(s, 0, 3) == 0) return tl_gemm(1, tl_rnd(s, 1, 70), tl_rnd(s, 1, 90), tl_rnd(s, 1, 160), false, false);
    op_conv p = tl_conv_params(tl_rnd(s, 1, 2), tl_rnd(s, 1, 40), tl_rnd(s, 3, 20), tl_rnd(s, 3, 20), tl_rnd(s, 1, 40),
                               tl_rnd(s, 1, 3), tl_rnd(s, 1, 3), tl_rnd(s, 1, 2), 0);
    p.pad_h = tl_rnd(s, 0, p.r / 2);
    p.pad_w = tl_rnd(s, 0, p.s / 2);
    bool dw = tl_rnd(s, 0, 3) == 0;
    if (dw) {
        p.k = p.c;
        p.groups = p.c;
    }
    op o = tl_build_conv(&p, dw ? "dw" : "conv", dw ? OP_DEPTHWISE : OP_CONV2D);
    o.rq.bias = tl_rnd(s, 0, 2) == 0;
    o.rq.bias_axis = 1;
    o.rq.relu = tl_rnd(s, 0, 1) == 1;
    if (o.rq.relu) o.rq.clip_lo = 0;
    o.rq.shift = (int32_t)tl_rnd(s, 0, 15);
    return o;
}

/* Every module of every program of (o, embedding kind) at or above its floor. */
static int check_programs(const op *o, const hw_config *hw, int kind, const cost_floor *f) {
    emb e;
    status st;
    status_init(&st);
    bool ok;
    if (kind == 2) {
        char dims[64] = "";
        for (int d = 0; d < o->ndims; d++)
            if (op_is_reduction(o, d)) {
                if (dims[0]) strcat(dims, ",");
                strcat(dims, o->dim_name[d]);
            }
        ok = emb_im2col(o, HW_INTRINSIC(hw), dims, &e, &st);
    } else if (kind == 3) {
        ok = emb_band(o, HW_INTRINSIC(hw), &e, &st);
    } else {
        ok = emb_channel_packing(o, HW_INTRINSIC(hw), &e, &st);
    }
    emb_nest n;
    if (!ok || !emb_nest_build(o, HW_INTRINSIC(hw), &e, &n, &st)) return 0;
    sched_opts so;
    if (kind == 0)
        refstrat_sched_opts(o, &n, &so);
    else
        sched_opts_init(&so);
    so.e = &e;
    sched cand[2];
    int m = sched_search_top(o, hw, &n, &so, kind == 0 ? 1 : 2, cand, &st);
    for (int i = 0; i < m; i++) {
        sim_report rep;
        cr_assert(cost_sim(o, hw, &e, &n, &cand[i], &rep, &st), "%s", st.msg);
        const char *what = o->name;
        cr_assert_geq((int64_t)rep.busy[SIM_COMPUTE], f->compute, "%s kind %d: compute %llu < floor %lld", what, kind,
                      (unsigned long long)rep.busy[SIM_COMPUTE], (long long)f->compute);
        cr_assert_geq((int64_t)rep.busy[SIM_LOAD], f->load, "%s kind %d: load %llu < floor %lld", what, kind,
                      (unsigned long long)rep.busy[SIM_LOAD], (long long)f->load);
        cr_assert_geq((int64_t)rep.busy[SIM_STORE], f->store, "%s kind %d: store %llu < floor %lld", what, kind,
                      (unsigned long long)rep.busy[SIM_STORE], (long long)f->store);
        cr_assert_geq((int64_t)rep.cycles, f->cycles);
        /* every embedding computes the whole box */
        cr_assert_geq((int64_t)rep.busy[SIM_COMPUTE], f->compute_box, "%s kind %d: compute %llu < box floor %lld", what,
                      kind, (unsigned long long)rep.busy[SIM_COMPUTE], (long long)f->compute_box);
        cr_assert_geq((int64_t)rep.cycles, f->cycles_box);
    }
    return m;
}

static void floor_is_sound(const hw_config *hw, uint64_t seed, int layers) {
    uint64_t s = seed;
    int progs = 0;
    for (int l = 0; l < layers; l++) {
        op o = random_layer(&s);
        cost_floor f;
        cost_vta_floor(&o, hw, &f);
        cr_assert_gt(f.cycles, 0);
        for (int kind = 0; kind < 4; kind++) progs += check_programs(&o, hw, kind, &f);
    }
    cr_log_info("%s: %d programs at or above the floor", hw->name, progs);
    cr_assert_geq(progs, 2 * layers, "%s: only %d programs", hw->name, progs);
}

Test(cost_floor, programs_spend_at_least_the_floor_default, .timeout = 600) {
    hw_config hw = hw_default();
    floor_is_sound(&hw, 31, TL_SANITIZED ? 8 : 30);
}

/* BATCH 4, BLOCK 32, a 512-bit bus and small buffers: a LOAD ACC row is 8 beats (512 B),
 * bursts hold 32 beats, many tiles. */
Test(cost_floor, programs_spend_at_least_the_floor_wide, .timeout = 600) {
    hw_config hw = tl_hw_b4_block32_bus512("b4-block32-bus512", 13, 15, 14);
    floor_is_sound(&hw, 32, TL_SANITIZED ? 5 : 15);
}

/* A 256-bit bus with 1 KiB boundaries and bursts of at most 8 beats (a burst holds
 * less than a boundary chunk). */
Test(cost_floor, programs_spend_at_least_the_floor_short_bursts, .timeout = 600) {
    hw_config hw = hw_default();
    snprintf(hw.name, sizeof hw.name, "bus256-burst8");
    hw.log_bus_width = 8;
    hw.burst_boundary = 1024;
    hw.max_burst_beats = 8;
    floor_is_sound(&hw, 33, TL_SANITIZED ? 5 : 15);
}
