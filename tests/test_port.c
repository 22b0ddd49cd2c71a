/* Tests of vta/port (the portability checker) on generated programs: every program
 * the lowering emits (each strategy and embedding family over the CI suite and random
 * shapes, each candidate schedule the driver may pick) passes the strict check with no
 * finding, and computes the same output under the simulator's three models (portable,
 * fsim, hls). Hand-built non-portable programs are in test_sim_model.c. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/emb.h"
#include "core/spec.h"
#include "encoders/enc.h"
#include "vta/lower.h"
#include "vta/port.h"
#include "vta/refstrat.h"
#include "vta/sim.h"
#include "tests/test_util.h"

#define SRC EMBEDSYN_SOURCE_DIR

/* ---- generated programs ---- */

typedef struct gen_stats {
    int programs, families;
} gen_stats;

/* Every candidate schedule of (o, e): the program passes the strict check with no
 * finding, and (small enough ones) compute the same output under the three models. */
static void check_generated(const op *o, const hw_config *hw, const emb *e, bool reference, const char *what,
                            gen_stats *gs) {
    status st;
    status_init(&st);
    emb_nest n;
    cr_assert(emb_nest_build(o, HW_INTRINSIC(hw), e, &n, &st), "%s: %s", what, st.msg);
    sched_opts so;
    if (reference)
        refstrat_sched_opts(o, &n, &so);
    else
        sched_opts_init(&so);
    so.e = e;
    sched cand[SCHED_MAX_TOP];
    int nc = sched_search_top(o, hw, &n, &so, 6, cand, &st);
    cr_assert_gt(nc, 0, "%s: %s", what, st.msg);
    gs->families++;
    for (int c = 0; c < nc; c++) {
        vta_prog *p;
        lower_stats ls;
        cr_assert(lower_codegen(o, hw, e, &n, &cand[c], &p, &ls, &st), "%s: %s", what, st.msg);
        cr_assert(vta_prog_finalize(p, &st), "%s: %s", what, st.msg);
        uint64_t bytes;
        uint8_t *dram = vta_prog_dram(p, &bytes);
        /* the candidate saved and loaded back (a network's cache) is the same schedule:
         * the same program byte for byte, the same estimate */
        char text[SCHED_TEXT_MAX];
        sched_save(&cand[c], text, sizeof text);
        sched back;
        cr_assert(sched_load(text, o, hw, &n, &back, &st), "%s (schedule %d): %s", what, c, st.msg);
        cr_assert_eq(back.est_cycles, cand[c].est_cycles, "%s (schedule %d, %s): %.3f vs %.3f", what, c, text, back.est_cycles, cand[c].est_cycles);
        vta_prog *q;
        cr_assert(lower_codegen(o, hw, e, &n, &back, &q, &ls, &st), "%s: %s", what, st.msg);
        cr_assert(vta_prog_finalize(q, &st), "%s: %s", what, st.msg);
        uint64_t qbytes;
        const uint8_t *qdram = vta_prog_dram(q, &qbytes);
        cr_assert(qbytes == bytes && !memcmp(qdram, dram, bytes), "%s (schedule %d, %s): another program", what, c,
                  text);
        vta_prog_destroy(q);
        port_report pr;
        cr_assert(port_check(hw, dram, bytes, vta_prog_insn_addr(p), vta_prog_insn_count(p), true, &pr, &st),
                  "%s (schedule %d): %s", what, c, st.msg);
        cr_assert_eq(pr.nfindings, 0);
        cr_assert_eq(pr.finish_insn, vta_prog_insn_count(p) - 1);
        gs->programs++;
        if (n.instances <= 20000) {
            /* random operands in every input region, then the three models */
            unsigned seed = 99u + (unsigned)c;
            const char *names[3] = {"inp", "wgt", "bias"};
            for (int k = 0; k < 3; k++) {
                int r = vta_prog_find_region(p, names[k]);
                if (r < 0)
                    continue;
                const vta_region *rg = vta_prog_region(p, r);
                for (uint64_t b = 0; b < rg->bytes; b++) {
                    seed = seed * 1103515245u + 12345u;
                    dram[rg->addr + b] = (uint8_t)(seed >> 16) & (k == 2 ? 0x0f : 0xff);
                }
            }
            int ro = vta_prog_find_region(p, "out");
            const vta_region *out = vta_prog_region(p, ro);
            uint8_t *res[SIM_NMODELS];
            for (int m = 0; m < SIM_NMODELS; m++) {
                res[m] = malloc(bytes);
                memcpy(res[m], dram, bytes);
                sim_options sopt = {.strict = true, .model = (sim_model)m};
                sim_report rep;
                cr_assert(sim_run(hw, res[m], bytes, vta_prog_insn_addr(p), vta_prog_insn_count(p), &sopt, &rep, &st),
                          "%s %s: %s", what, sim_model_name((sim_model)m), st.msg);
                cr_assert_eq(rep.nwarnings, 0);
            }
            for (int m = 1; m < SIM_NMODELS; m++)
                cr_assert(!memcmp(res[0] + out->addr, res[m] + out->addr, out->bytes), "%s: %s output differs",
                          what, sim_model_name((sim_model)m));
            for (int m = 0; m < SIM_NMODELS; m++)
                free(res[m]);
        }
        vta_prog_destroy(p);
    }
}

static void families_of(const op *o, const hw_config *hw, bool solve, gen_stats *gs) {
    status st;
    status_init(&st);
    emb e;
    char what[256];
    snprintf(what, sizeof what, "%s reference", o->name);
    cr_assert(emb_channel_packing(o, HW_INTRINSIC(hw), &e, &st), "%s: %s", what, st.msg);
    check_generated(o, hw, &e, true, what, gs);
    static const char *conv_dims[] = {"c,r,s", "c,s", "r,s", "s"};
    static const char *gemm_dims[] = {"k"};
    bool conv = o->kind == OP_CONV2D;
    int nd = conv ? 4 : 1;
    for (int d = 0; d < nd; d++) {
        const char *dims = conv ? conv_dims[d] : gemm_dims[d];
        status_init(&st);
        if (!emb_im2col(o, HW_INTRINSIC(hw), dims, &e, &st))
            continue; /* not every partial im2col exists for every shape */
        snprintf(what, sizeof what, "%s im2col:%s", o->name, dims);
        check_generated(o, hw, &e, false, what, gs);
    }
    if (solve) {
        enc_options eo;
        enc_options_init(&eo);
        enc_result er;
        status_init(&st);
        cr_assert(enc_solve(o, HW_INTRINSIC(hw), &eo, &er, &st), "%s: %s", o->name, st.msg);
        cr_assert(er.found, "%s: no embedding", o->name);
        snprintf(what, sizeof what, "%s solve (%s)", o->name, er.layout);
        check_generated(o, hw, &er.e, false, what, gs);
    }
}

Test(port_gen, ci_suite_every_strategy, .timeout = 600) {
    hw_config hw = hw_default();
    char name[64];
    op *ops;
    int nops;
    status st;
    status_init(&st);
    cr_assert(spec_load_suite(SRC "/bench/suites/ci.xml", name, sizeof name, &ops, &nops, &st), "%s", st.msg);
    gen_stats gs = {0, 0};
    int ran = TL_SANITIZED ? ES_COUNT(tl_ci_sample) : nops;
    for (int i = 0; i < ran; i++)
        families_of(&ops[TL_SANITIZED ? tl_ci_sample[i] : i], &hw, true, &gs);
    free(ops);
    cr_assert_geq(gs.families, 3 * ran);
    cr_assert_geq(gs.programs, gs.families);
}

static int rnd(unsigned *seed, int lo, int hi) {
    *seed = *seed * 1103515245u + 12345u;
    return lo + (int)((*seed >> 16) % (unsigned)(hi - lo + 1));
}
#define RND(lo, hi) rnd(&seed, lo, hi)

Test(port_gen, random_shapes, .timeout = 600) {
    hw_config hw = hw_default();
    unsigned seed = 2026;
    gen_stats gs = {0, 0};
    const int shapes = TL_SANITIZED ? 8 : 24; /* test_util.h: a sample under the sanitizer */
    for (int t = 0; t < shapes; t++) {
        char shape[200];
        op o;
        status st;
        status_init(&st);
        bool ok;
        if (t % 3 == 2) {
            snprintf(shape, sizeof shape, "M=%d,N=%d,K=%d,shift=%d,bias=%d", RND(1, 40), RND(1, 40), RND(1, 70),
                     RND(0, 10), RND(0, 1));
            ok = spec_parse_gemm(shape, "--gemm", &o, &st);
        } else {
            int h = RND(3, 12), w = RND(3, 12), pad = RND(0, 3);
            int r = RND(1, h + 2 * pad < 6 ? h + 2 * pad : 6), s = RND(1, w + 2 * pad < 6 ? w + 2 * pad : 6);
            snprintf(shape, sizeof shape, "N=%d,C=%d,H=%d,W=%d,K=%d,R=%d,S=%d,stride=%d,pad=%d,shift=%d,relu=%d",
                     RND(1, 2), RND(1, 20), h, w, RND(1, 24), r, s, RND(1, 2), pad, RND(0, 9), RND(0, 1));
            ok = spec_parse_conv(shape, "--conv", &o, &st);
        }
        cr_assert(ok, "%s: %s", shape, st.msg);
        snprintf(o.name, sizeof o.name, "random%d", t);
        families_of(&o, &hw, t % 4 == 0, &gs);
    }
    cr_assert_geq(gs.families, 2 * shapes);
}
