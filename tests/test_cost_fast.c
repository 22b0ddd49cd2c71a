/* Tests of the cost model's fast walk (vta/cost.c) against its straightforward
 * reference walk (vta/cost_ref.c, cost_vta_reference): on random small conv and GEMM
 * layers (strides, padding, bias, odd sizes), channel packing and im2col, the default
 * VTA and tiny buffers, and random legal schedules (tile sizes, tile order, double
 * buffering, reuse), every figure (cycles, per-module busy cycles, fetch, tile loads,
 * instructions, DRAM bytes per operand, whether DMA was costed at real addresses) must
 * be the same bit for bit, for the search's estimate and for the exact re-costing; and
 * the schedule search ranked by either walk (and by the default plug, which costs the
 * double-buffering variants of a tiling together) picks the same schedules. Also the
 * closed form of the DMA rows at real addresses against a beat-by-beat count. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "core/emb.h"
#include "core/op.h"
#include "tests/test_util.h"
#include "vta/cost.h"
#include "vta/cost_int.h"
#include "vta/hw.h"
#include "vta/sched.h"

/* A small layer: a conv (random stride, padding, bias) or a GEMM. */
static op small_layer(uint64_t *r) {
    if (tl_rnd(r, 0, 3) == 0) return tl_gemm(1, tl_rnd(r, 1, 50), tl_rnd(r, 1, 70), tl_rnd(r, 1, 120), false, false);
    int64_t rs = tl_rnd(r, 1, 3), hw = tl_rnd(r, rs, 18);
    op o = tl_conv(tl_rnd(r, 1, 2), tl_rnd(r, 1, 36), hw, tl_rnd(r, rs, 18), tl_rnd(r, 1, 36), rs, rs,
                   tl_rnd(r, 1, 2), tl_rnd(r, 0, rs / 2));
    tl_conv_rq(&o, tl_rnd(r, 0, 1) == 1, false);
    return o;
}

static bool layer_nest(const op *o, const hw_config *hw, bool im2col, emb *e, emb_nest *n) {
    status st;
    status_init(&st);
    char dims[64] = "";
    for (int d = 0; d < o->ndims; d++)
        if (op_is_reduction(o, d)) {
            if (dims[0]) strcat(dims, ",");
            strcat(dims, o->dim_name[d]);
        }
    bool ok = im2col ? emb_im2col(o, HW_INTRINSIC(hw), dims, e, &st) : emb_channel_packing(o, HW_INTRINSIC(hw), e, &st);
    return ok && emb_nest_build(o, HW_INTRINSIC(hw), e, n, &st);
}

/* A random legal schedule (output loops first, each group shuffled), or false. */
static bool random_sched(const op *o, const hw_config *hw, const emb *e, const emb_nest *n, uint64_t *r, sched *s) {
    memset(s, 0, sizeof *s);
    int k = 0;
    for (int red = 0; red < 2; red++) {
        int first = k;
        for (int l = 0; l < n->nloops; l++)
            if (sched_is_reduction(n, l) == (red == 1)) s->order[k++] = l;
        for (int i = k - 1; i > first; i--) {
            int j = first + (int)tl_rnd(r, 0, i - first);
            int32_t t = s->order[i];
            s->order[i] = s->order[j];
            s->order[j] = t;
        }
    }
    for (int l = 0; l < n->nloops; l++) {
        int64_t E = n->loop[l].extent;
        int pick = (int)tl_rnd(r, 0, 3);
        s->tile[l] = pick == 0 ? E : pick == 1 ? 1 : tl_rnd(r, 1, E);
    }
    s->db_load = tl_rnd(r, 0, 1);
    s->db_acc = tl_rnd(r, 0, 1);
    s->reuse = tl_rnd(r, 0, 3) != 0;
    if (o->rq.bias) {
        sched_bias_axes(o, e, n, s->bias_rel);
        s->bias_rel_known = tl_rnd(r, 0, 1);
    }
    status st;
    status_init(&st);
    return sched_derive_geometry(o, hw, n, s, &st);
}

/* Fast and reference figures of s, the search estimate and the exact re-costing. */
static bool same_figures(const op *o, const hw_config *hw, const emb_nest *n, const sched *s, bool exact) {
    sched a = *s, b = *s;
    cost_counts ca, cb;
    memset(&ca, 0, sizeof ca);
    memset(&cb, 0, sizeof cb);
    status st;
    status_init(&st);
    bool oka = exact ? cost_vta_counts(o, hw, n, &a, &ca, &st) : cost_vta_plug(NULL, o, hw, n, &a, &st);
    bool okb = cost_vta_reference(o, hw, n, &b, exact, exact ? &cb : NULL, &st);
    cr_assert_eq(oka, okb);
    return !memcmp(&a, &b, sizeof a) && !memcmp(&ca, &cb, sizeof ca);
}

static void fast_vs_reference(const hw_config *hw, uint64_t seed, int layers, int scheds) {
    uint64_t r = seed;
    int checked = 0, warped = 0;
    for (int i = 0; i < layers; i++) {
        op o = small_layer(&r);
        for (int im2col = 0; im2col < 2; im2col++) {
            emb e;
            emb_nest n;
            if (!layer_nest(&o, hw, im2col, &e, &n)) continue;
            for (int j = 0; j < scheds; j++) {
                sched s;
                if (!random_sched(&o, hw, &e, &n, &r, &s)) continue;
                char desc[320];
                sched_describe(&o, &n, &s, desc, sizeof desc);
                for (int exact = 0; exact < 2; exact++)
                    cr_assert(same_figures(&o, hw, &n, &s, exact), "%s %s: %s: fast and reference walks differ",
                              o.name, exact ? "exact" : "estimate", desc);
                checked++;
                for (int l = 0; l < n.nloops; l++) warped += sched_ntiles(&n, &s, l) > 5;
            }
        }
    }
    cr_log_info("%s: %d schedules, %d warped levels", hw->name, checked, warped);
    cr_assert_gt(checked, layers, "only %d legal schedules", checked);
    cr_assert_gt(warped, checked / 4, "too few warped levels (%d)", warped);
}

Test(cost_fast, random_schedules_default_hw) {
    hw_config hw = hw_default();
    fast_vs_reference(&hw, 21, 60, 12);
}

Test(cost_fast, random_schedules_tiny_buffers) {
    hw_config hw = hw_default();
    snprintf(hw.name, sizeof hw.name, "tiny, 128-bit bus");
    hw.log_inp_buff_size = 10, hw.log_wgt_buff_size = 12, hw.log_acc_buff_size = 11;
    hw.log_uop_buff_size = 11, hw.log_bus_width = 7;
    fast_vs_reference(&hw, 22, 40, 12);
}

/* The search ranked by the reference walk. */
static bool ref_plug(void *ctx, const op *o, const hw_config *hw, const emb_nest *n, sched *s, status *st) {
    (void)ctx;
    return cost_vta_reference(o, hw, n, s, false, NULL, st);
}

static bool fast_plug(void *ctx, const op *o, const hw_config *hw, const emb_nest *n, sched *s, status *st) {
    (void)ctx;
    return cost_vta_plug(NULL, o, hw, n, s, st);
}

Test(cost_fast, search_picks_the_same_schedules) {
    hw_config hw = hw_default();
    uint64_t r = 23;
    int searched = 0;
    for (int i = 0; i < 10; i++) {
        op o = small_layer(&r);
        emb e;
        emb_nest n;
        if (!layer_nest(&o, &hw, i % 2, &e, &n)) continue;
        sched_opts so;
        sched_opts_init(&so);
        so.e = &e;
        sched a[4], b[4];
        status st;
        status_init(&st);
        so.cost = fast_plug;
        int ka = sched_search_top(&o, &hw, &n, &so, 4, a, &st);
        so.cost = ref_plug;
        int kb = sched_search_top(&o, &hw, &n, &so, 4, b, &st);
        cr_assert_eq(ka, kb);
        for (int j = 0; j < ka; j++) cr_assert(!memcmp(&a[j], &b[j], sizeof a[j]), "%s: schedule %d differs", o.name, j);
        searched += ka > 0;
        if (ka == 0) continue;
        /* the default plug (double-buffering variants costed together, then the exact
         * re-costing of the choice) picks the reference walk's best */
        so.cost = NULL;
        sched d;
        cr_assert(sched_search(&o, &hw, &n, &so, &d, &st), "%s", st.msg);
        cr_assert(cost_vta_reference(&o, &hw, &n, &b[0], true, NULL, &st));
        cr_assert(!memcmp(&d, &b[0], sizeof d), "%s: the default search picks another schedule", o.name);
    }
    cr_assert_gt(searched, 5);
}

/* The DMA rows of the walks at real addresses (cost_int_rows_exact, closed form over the
 * rows of a 2-D copy) against a beat-by-beat count of the simulator's rule: a burst
 * starts at a row's first beat, at every beat on a burst boundary and after
 * max_burst_beats beats; every beat costs 1, every burst dram_latency. Random buses,
 * boundaries (powers of two and not, smaller than the bus too), burst limits, bases,
 * strides, row counts and lengths. */
static double rows_by_beats(const hw_config *hw, uint64_t a, uint64_t stride, uint64_t n, uint64_t len) {
    uint64_t bus = (uint64_t)hw_bus_bytes(hw), kb = (uint64_t)hw->burst_boundary / bus;
    if (kb == 0) kb = 1;
    double c = 0;
    for (uint64_t y = 0; y < n; y++) {
        uint64_t x = a + y * stride, b0 = x / bus, b1 = (x + len - 1) / bus, cur = 0;
        for (uint64_t b = b0; b <= b1; b++) {
            if (b == b0 || b % kb == 0 || cur == (uint64_t)hw->max_burst_beats) {
                c += hw->dram_latency;
                cur = 0;
            }
            cur++;
            c += 1;
        }
    }
    return c;
}

Test(cost_fast, dma_rows_closed_form_equals_beat_count) {
    uint64_t r = 0x5eed5eedull;
    static const int64_t boundary[] = {8, 64, 1000, 2048, 4096, 3000};
    static const int64_t burst[] = {1, 3, 16, 256};
    int fast = 0;
    for (int t = 0; t < 4000; t++) {
        hw_config h = hw_default();
        h.log_bus_width = (int)tl_rnd(&r, 6, 9);
        h.burst_boundary = boundary[tl_rnd(&r, 0, 5)];
        h.max_burst_beats = burst[tl_rnd(&r, 0, 3)];
        h.dram_latency = (double)tl_rnd(&r, 1, 40);
        uint64_t eb = (uint64_t)1 << tl_rnd(&r, 0, 8);
        uint64_t a = (uint64_t)tl_rnd(&r, 0, 100000) * eb, stride = (uint64_t)tl_rnd(&r, 0, 700) * eb;
        uint64_t n = (uint64_t)tl_rnd(&r, 1, 40), len = (uint64_t)tl_rnd(&r, 1, 300) * eb;
        uint64_t kb = (uint64_t)h.burst_boundary / hw_bus_bytes(&h);
        fast += (uint64_t)h.max_burst_beats >= (kb ? kb : 1) && n > 1;
        double want = rows_by_beats(&h, a, stride, n, len), got = cost_int_rows_exact(&h, a, stride, n, len);
        cr_assert_eq(got, want, "bus %lld boundary %lld burst %lld lat %g: a %llu stride %llu n %llu len %llu: %g vs %g",
                     (long long)hw_bus_bytes(&h), (long long)h.burst_boundary, (long long)h.max_burst_beats,
                     h.dram_latency, (unsigned long long)a, (unsigned long long)stride, (unsigned long long)n,
                     (unsigned long long)len, got, want);
    }
    cr_expect_gt(fast, 1000, "the closed form ran on %d cases", fast);
}
