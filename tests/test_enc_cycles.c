/* Tests of the cycles objective: core/costform (the C formula), its bit-vector term in
 * the encoder (encoders/enc_terms.c, enc_cyc_le), the cycles optimum and its proof, and
 * the one objective vocabulary of the CLI. Oracles: costform_eval on emb_nest_build's
 * nest (the term must equal it on random, non-optimal choices), an exhaustive walk over
 * every consistent choice of the space (the minimum of costform_eval must equal the
 * solver's proven optimum, for random cost forms and VTA's), cvc5 on the exported proof
 * query, and the objective table itself for the CLI words (each name and alias accepted
 * by every command that takes --objective, other words refused with exit 2). */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/costform.h"
#include "core/emb.h"
#include "core/op.h"
#include "encoders/enc.h"
#include "encoders/enc_encode.h"
#include "encoders/enc_seed.h"
#include "tests/enc_testlib.h"
#include "tests/test_util.h"
#include "vta/costform_vta.h"
#include "vta/hw.h"


#define mk_conv tl_conv
static op mk_gemm(int64_t batch, int64_t m, int64_t n, int64_t k, bool at) { return tl_gemm(batch, m, n, k, at, false); }

static hw_config random_hw(uint64_t *s) {
    hw_config hw = hw_default();
    switch (tl_xrnd(s, 0, 3)) {
    case 0: break;
    case 1: hw.log_block_in = hw.log_block_out = 3; break;
    case 2: hw.log_batch = 1; hw.log_block_in = hw.log_block_out = 3; break;
    default: hw.log_batch = 1; break;
    }
    return hw;
}

static op random_op(uint64_t *s) {
    if (tl_xrnd(s, 0, 2) == 0)
        return mk_gemm(tl_xrnd(s, 1, 2), tl_xrnd(s, 1, 20), tl_xrnd(s, 1, 20), tl_xrnd(s, 1, 20), tl_xrnd(s, 0, 1));
    for (;;) {
        int64_t r = tl_xrnd(s, 1, 3), sz = tl_xrnd(s, 1, 3), pad = tl_xrnd(s, 0, 1);
        int64_t h = tl_xrnd(s, r, 7), w = tl_xrnd(s, sz, 7);
        op_conv p;
        memset(&p, 0, sizeof p);
        p.n = tl_xrnd(s, 1, 2), p.c = tl_xrnd(s, 1, 5), p.h = h, p.w = w, p.k = tl_xrnd(s, 1, 6);
        p.r = r, p.s = sz, p.stride_h = tl_xrnd(s, 1, 2), p.stride_w = tl_xrnd(s, 1, 2);
        p.pad_h = pad, p.pad_w = tl_xrnd(s, 0, 1), p.dil_h = p.dil_w = 1, p.groups = 1;
        op o;
        status st;
        status_init(&st);
        if (op_build_conv(&o, "rconv", &p, OP_CONV2D, &st))
            return o;
    }
}

/* VTA's form for (hw, o), or (every third time) a random one: 1-4 modules, random
 * non-negative coefficients, some zero, random weights and fixed part. */
static costform random_form(uint64_t *s, const hw_config *hw, const op *o) {
    costform cf;
    if (tl_xrnd(s, 0, 2) == 0) {
        costform_vta(hw, o, &cf);
        return cf;
    }
    memset(&cf, 0, sizeof cf);
    cf.set = true;
    cf.nmod = (int32_t)tl_xrnd(s, 1, COSTFORM_MAX_MOD);
    for (int m = 0; m < cf.nmod; m++) {
        snprintf(cf.mod_name[m], sizeof cf.mod_name[m], "m%d", m);
        cf.inst[m] = tl_xrnd(s, 0, 2) ? tl_xrnd(s, 0, 40) : 0;
        for (int x = 0; x < 3; x++)
            cf.byte[m][x] = tl_xrnd(s, 0, 1) ? tl_xrnd(s, 0, 12) : 0;
    }
    cf.inst[tl_xrnd(s, 0, cf.nmod - 1)] = tl_xrnd(s, 1, 40);
    cf.w_max = tl_xrnd(s, 0, 3);
    cf.w_sum = cf.w_max == 0 ? tl_xrnd(s, 1, 3) : tl_xrnd(s, 0, 2);
    cf.fixed = tl_xrnd(s, 0, 1) ? tl_xrnd(s, 0, 5000) : 0;
    cf.den = tl_xrnd(s, 1, 64);
    status st;
    status_init(&st);
    cr_assert(costform_check(&cf, &st), "%s", st.msg);
    return cf;
}

/* The C formula by hand on one nest: an independent restatement of costform.h. */
static costform_u128 by_hand(const costform *cf, const emb_nest *n) {
    costform_u128 mx = 0, sum = 0;
    for (int m = 0; m < cf->nmod; m++) {
        costform_u128 v = (costform_u128)cf->inst[m] * (costform_u128)n->instances +
                          (costform_u128)cf->byte[m][0] * (costform_u128)n->dram_bytes[0] +
                          (costform_u128)cf->byte[m][1] * (costform_u128)n->dram_bytes[1] +
                          (costform_u128)cf->byte[m][2] * (costform_u128)n->dram_bytes[2];
        mx = v > mx ? v : mx;
        sum += v;
    }
    return (costform_u128)cf->w_max * mx + (costform_u128)cf->w_sum * sum + (costform_u128)cf->fixed;
}

/* The cycles term of the formula equals costform_eval (and the hand formula) on random
 * consistent choices; the choice is pinned by assumptions and the model evaluated. */
Test(enc_cycles, term_equals_c_formula_on_random_choices, .timeout = 400) {
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    int points = 0;
    for (int it = 0; it < 30; it++) {
        hw_config hw = random_hw(&seed);
        op o = it % 10 == 9 ? mk_conv(1, 24, 28, 28, 40, 3, 3, 2, 1) : random_op(&seed);
        costform cf = random_form(&seed, &hw, &o);
        enc_space *sp = malloc(sizeof *sp);
        status st;
        status_init(&st);
        cr_assert(enc_space_build(&o, HW_INTRINSIC(&hw), sp, &st), "%s", st.msg);
        enc_formula f;
        cr_assert(enc_formula_build(&f, sp, 0, 0, &st), "%s", st.msg);
        cr_assert(enc_cycles_term(&f, &cf, &st), "%s", st.msg);
        enc_activate_cycles(&f);
        for (int t = 0; t < 400 && points < (it + 1) * 12; t++) {
            enc_point pt;
            if (!enc_random_point(&o, &hw, sp, &f, &seed, &pt))
                continue;
            uint64_t cyc = enc_model_value(&f, f.cycles.t);
            uint64_t c = costform_u64(costform_eval(&cf, &pt.n));
            cr_assert_eq(cyc, c, "%s: term %llu, costform_eval %llu", o.name, (unsigned long long)cyc,
                         (unsigned long long)c);
            cr_assert_eq(c, costform_u64(by_hand(&cf, &pt.n)));
            /* the search bound is exact: cycles <= c holds, cycles <= c - 1 does not */
            if (points % 4 == 0) {
                pt.A[pt.na] = enc_guard(&f, enc_cyc_le(&f, c));
                cr_assert_eq(enc_check(&f, pt.na + 1, pt.A), Z3_L_TRUE);
            }
            if (points % 4 == 0 && c > 0) {
                pt.A[pt.na] = enc_guard(&f, enc_cyc_le(&f, c - 1));
                cr_assert_eq(enc_check(&f, pt.na + 1, pt.A), Z3_L_FALSE, "%s: cycles <= %llu - 1 sat",
                             o.name, (unsigned long long)c);
            }
            points++;
        }
        enc_formula_free(&f);
        free(sp);
    }
    cr_assert_geq(points, 300, "only %d points compared", points);
}

/* Every consistent choice of the space, by index order: its (cycles, instances, DRAM
 * bytes) into t[0..*n) (at most cap); false if the space has over 400,000 combinations. */
typedef struct triple {
    uint64_t cyc;
    int64_t inst, dram;
} triple;

static bool brute_triples(const enc_space *sp, const costform *cf, triple *t, int64_t cap,
                          int64_t *n) {
    int64_t total = 2;
    for (int d = 0; d < sp->nd; d++) {
        total *= sp->nopt[d];
        if (total > 400000)
            return false;
    }
    *n = 0;
    int32_t sel[OP_MAX_DIMS] = {0};
    for (int64_t i = 0; i < total && *n < cap; i++) {
        int64_t r = i / 2;
        for (int d = 0; d < sp->nd; d++) {
            sel[d] = (int32_t)(r % sp->nopt[d]);
            r /= sp->nopt[d];
        }
        bool swap = i % 2;
        if (!enc_space_consistent(sp, swap, sel))
            continue;
        emb e;
        emb_nest nn;
        status st;
        status_init(&st);
        enc_space_emb(sp, swap, sel, &e);
        if (!emb_check(sp->o, &sp->hw, &e, &st) || !emb_nest_build(sp->o, &sp->hw, &e, &nn, &st))
            continue;
        t[*n].cyc = costform_u64(costform_eval(cf, &nn));
        t[*n].inst = nn.instances;
        t[(*n)++].dram = nn.dram_bytes[0] + nn.dram_bytes[1] + nn.dram_bytes[2];
    }
    return true;
}

#define BRUTE_CAP 200000

/* A random small op, hardware and form, and the op's space (malloc'ed). */
static enc_space *random_space(uint64_t *seed, hw_config *hw, op *o, costform *cf, status *st) {
    *hw = random_hw(seed);
    *o = random_op(seed);
    *cf = random_form(seed, hw, o);
    enc_space *sp = malloc(sizeof *sp);
    status_init(st);
    cr_assert(enc_space_build(o, HW_INTRINSIC(hw), sp, st), "%s", st->msg);
    return sp;
}

/* Exhaustive minimum of costform_eval over every consistent choice of the space, and the
 * fewest DRAM bytes among the choices that reach it. */
static bool exhaustive_min(const enc_space *sp, const costform *cf, uint64_t *best, int64_t *count,
                           int64_t *best_dram) {
    triple *t = malloc(BRUTE_CAP * sizeof *t);
    bool ok = brute_triples(sp, cf, t, BRUTE_CAP, count);
    *best = UINT64_MAX;
    *best_dram = INT64_MAX;
    for (int64_t i = 0; ok && i < *count; i++) {
        if (t[i].cyc < *best || (t[i].cyc == *best && t[i].dram < *best_dram))
            *best_dram = t[i].dram;
        if (t[i].cyc < *best)
            *best = t[i].cyc;
    }
    free(t);
    return ok;
}

/* The solver's proven cycles optimum equals the exhaustive minimum on random small ops
 * (random forms and VTA's; BATCH 1/2, BLOCK 8/16), for cycles and lex:cycles,layout. */
Test(enc_cycles, cycles_optimum_agrees_with_exhaustive_search, .timeout = 300) {
    uint64_t seed = 0x51ed2701f3a5c7b9ull;
    int compared = 0;
    for (int it = 0; it < 60 && compared < 40; it++) {
        hw_config hw;
        op o;
        costform cf;
        status st;
        enc_space *sp = random_space(&seed, &hw, &o, &cf, &st);
        uint64_t best;
        int64_t cnt, bdram;
        bool small = exhaustive_min(sp, &cf, &best, &cnt, &bdram);
        free(sp);
        if (!small)
            continue;
        enc_options eo;
        enc_options_init(&eo);
        eo.objective = it % 3 == 0 ? ENC_OBJ_LEX_CYCLES_LAYOUT : ENC_OBJ_CYCLES;
        eo.cf = cf;
        eo.prove = true;
        enc_result r;
        cr_assert(enc_solve(&o, HW_INTRINSIC(&hw), &eo, &r, &st), "%s", st.msg);
        cr_assert(r.found);
        cr_assert_eq(r.proof, ENC_PROOF_OPTIMAL);
        emb_nest n;
        cr_assert(emb_nest_build(&o, HW_INTRINSIC(&hw), &r.e, &n, &st), "%s", st.msg);
        uint64_t got = costform_u64(costform_eval(&cf, &n));
        cr_assert_eq(got, best, "%s (%lld choices): solver %llu, exhaustive %llu", o.name,
                     (long long)cnt, (unsigned long long)got, (unsigned long long)best);
        cr_assert_float_eq(r.est_cycles, costform_cycles(&cf, best), 1e-6);
        compared++;
    }
    cr_assert_geq(compared, 25, "only %d ops small enough", compared);
}

/* enc_cycles_exact (the encoder's enumerated minimum that the solver then proves) finds
 * the minimum of the index-order enumeration above and, among its ties, a choice with the
 * fewest DRAM bytes of the nest; on random small ops and forms. */
Test(enc_cycles, enumerated_minimum_and_its_tie_break, .timeout = 60) {
    uint64_t seed = 0x2b7e151628aed2a6ull;
    int compared = 0;
    for (int it = 0; it < 80 && compared < 40; it++) {
        hw_config hw;
        op o;
        costform cf;
        status st;
        enc_space *sp = random_space(&seed, &hw, &o, &cf, &st);
        uint64_t best, v;
        int64_t cnt, bdram;
        bool sw;
        int32_t sel[OP_MAX_DIMS];
        if (exhaustive_min(sp, &cf, &best, &cnt, &bdram) && cnt > 0) {
            cr_assert(enc_cycles_exact(sp, &cf, &v, &sw, sel), "%s", o.name);
            cr_assert_eq(v, best, "%s: %llu vs %llu", o.name, (unsigned long long)v,
                         (unsigned long long)best);
            cr_assert(enc_space_consistent(sp, sw, sel));
            emb e;
            emb_nest n;
            enc_space_emb(sp, sw, sel, &e);
            cr_assert(emb_nest_build(&o, HW_INTRINSIC(&hw), &e, &n, &st), "%s", st.msg);
            cr_assert_eq(costform_u64(costform_eval(&cf, &n)), best);
            cr_assert_eq(n.dram_bytes[0] + n.dram_bytes[1] + n.dram_bytes[2], bdram, "%s", o.name);
            compared++;
        }
        free(sp);
    }
    cr_assert_geq(compared, 25, "only %d ops small enough", compared);
}

/* enc_options.enumerate (what dse solves with): on random small ops, forms and shapes,
 * for every objective, the enumerated optimum has the objective's costs of the solver's
 * proven optimum (lex: both costs; utilization: instances; layout: bytes; cycles: the
 * form), its proof is "enumerated" and no solver check ran; with --prove the flag is
 * ignored (the solver proves). */
Test(enc_cycles, enumerated_optimum_equals_the_solver_proof_for_every_objective, .timeout = 300) {
    uint64_t seed = 0x6a09e667bb67ae85ull;
    int compared = 0;
    for (int it = 0; it < 40 && compared < 60; it++) {
        hw_config hw;
        op o;
        costform cf;
        status st;
        free(random_space(&seed, &hw, &o, &cf, &st));
        for (int obj = 0; obj < ENC_OBJ_COUNT; obj++) {
            enc_result r[2];
            for (int k = 0; k < 2; k++) {
                enc_options eo;
                enc_options_init(&eo);
                eo.objective = (enc_objective)obj;
                eo.cf = cf;
                eo.prove = k == 0;
                eo.enumerate = true;
                cr_assert(enc_solve(&o, HW_INTRINSIC(&hw), &eo, &r[k], &st), "%s", st.msg);
                cr_assert(r[k].found);
            }
            cr_assert_eq(r[0].proof, ENC_PROOF_OPTIMAL, "%s: --prove ignores enumerate", o.name);
            if (r[1].proof != ENC_PROOF_ENUMERATED)
                continue; /* the space is over the enumeration's caps: the solver ran */
            cr_assert_eq(r[1].rlimit_used, 0, "%s: no solver check after an enumeration", o.name);
            const char *on = enc_objective_name((enc_objective)obj);
            bool cyc = obj == ENC_OBJ_CYCLES || obj == ENC_OBJ_LEX_CYCLES_LAYOUT;
            bool inst = obj == ENC_OBJ_UTILIZATION || obj == ENC_OBJ_LEX_UTIL_LAYOUT;
            bool dram = obj == ENC_OBJ_LAYOUT || obj == ENC_OBJ_LEX_UTIL_LAYOUT || obj == ENC_OBJ_LEX_CYCLES_LAYOUT;
            if (cyc)
                cr_assert_float_eq(r[1].est_cycles, r[0].est_cycles, 1e-6, "%s %s", o.name, on);
            if (inst)
                cr_assert_eq(r[1].instances, r[0].instances, "%s %s", o.name, on);
            if (dram)
                cr_assert_eq(r[1].dram_bytes, r[0].dram_bytes, "%s %s", o.name, on);
            emb_nest n;
            cr_assert(emb_nest_build(&o, HW_INTRINSIC(&hw), &r[1].e, &n, &st), "%s", st.msg);
            cr_assert_eq(n.instances, r[1].instances);
            compared++;
        }
    }
    cr_assert_geq(compared, 50, "only %d comparisons", compared);
}

/* layouts' front of (cycles, instances, DRAM bytes) (enumerated, then proven by one
 * query) is exactly the set of non-dominated cost triples of the brute-force enumeration,
 * complete and every point proven; on random small ops and forms. */
Test(enc_cycles, front_equals_the_brute_force_front, .timeout = 120) {
    uint64_t seed = 0x3c6ef372fe94f82bull;
    triple *t = malloc(BRUTE_CAP * sizeof *t);
    int compared = 0;
    for (int it = 0; it < 40 && compared < 3; it++) {
        hw_config hw;
        op o;
        costform cf;
        status st;
        enc_space *sp = random_space(&seed, &hw, &o, &cf, &st);
        int64_t n;
        bool small = brute_triples(sp, &cf, t, BRUTE_CAP, &n);
        free(sp);
        if (!small || n == 0)
            continue;
        int nfront = 0;
        for (int64_t i = 0; i < n; i++) {
            bool dominated = false, first = true;
            for (int64_t j = 0; j < n && !dominated; j++) {
                bool le = t[j].cyc <= t[i].cyc && t[j].inst <= t[i].inst && t[j].dram <= t[i].dram;
                bool eq = t[j].cyc == t[i].cyc && t[j].inst == t[i].inst && t[j].dram == t[i].dram;
                dominated = le && !eq;
                first = first && !(eq && j < i);
            }
            nfront += !dominated && first;
        }
        enc_options eo;
        enc_options_init(&eo);
        eo.objective = ENC_OBJ_CYCLES;
        eo.cf = cf;
        enc_alts a;
        cr_assert(enc_layouts(&o, HW_INTRINSIC(&hw), &eo, false, 0, &a, &st), "%s", st.msg);
        cr_assert_eq(a.solver_status, ENC_SOLVER_SAT, "%s", o.name);
        cr_assert_eq(a.n, nfront, "%s: %d points, brute force %d", o.name, a.n, nfront);
        for (int k = 0; k < a.n; k++) {
            cr_assert(a.a[k].proven);
            emb_nest nn;
            cr_assert(emb_nest_build(&o, HW_INTRINSIC(&hw), &a.a[k].e, &nn, &st), "%s", st.msg);
            uint64_t cyc = costform_u64(costform_eval(&cf, &nn));
            for (int64_t j = 0; j < n; j++) /* no brute-force choice dominates the point */
                cr_assert(!(t[j].cyc <= cyc && t[j].inst <= nn.instances && t[j].dram <= a.a[k].dram_bytes &&
                            (t[j].cyc < cyc || t[j].inst < nn.instances || t[j].dram < a.a[k].dram_bytes)),
                          "%s: point %d dominated", o.name, k);
        }
        enc_alts_free(&a);
        compared++;
    }
    free(t);
    cr_assert_eq(compared, 3, "only %d ops small enough", compared);
}

/* layouts --all by enumeration (one proof query for every class) lists the same classes
 * with the same best (cycles, bytes) as the solver's class-by-class search (plain_proof
 * keeps that path), all proven; on a small GEMM (the search takes seconds on a conv). */
static int cmp_cost(const void *x, const void *y) {
    const enc_alt *a = x, *b = y;
    if (a->est_cycles != b->est_cycles)
        return a->est_cycles < b->est_cycles ? -1 : 1;
    if (a->dram_bytes != b->dram_bytes)
        return a->dram_bytes < b->dram_bytes ? -1 : 1;
    return strcmp(a->layout_class, b->layout_class);
}

Test(enc_cycles, all_classes_by_enumeration_equal_the_solver_search, .timeout = 120) {
    op ops[1] = {mk_gemm(1, 3, 2, 4, false)};
    hw_config hw = hw_default();
    for (int i = 0; i < 1; i++) {
        enc_alts a[2];
        status st;
        status_init(&st);
        for (int plain = 0; plain < 2; plain++) {
            enc_options eo;
            enc_options_init(&eo);
            eo.objective = ENC_OBJ_CYCLES;
            costform_vta(&hw, &ops[i], &eo.cf);
            eo.plain_proof = plain;
            cr_assert(enc_layouts(&ops[i], HW_INTRINSIC(&hw), &eo, true, 0, &a[plain], &st), "%s", st.msg);
            cr_assert_eq(a[plain].solver_status, ENC_SOLVER_SAT);
            qsort(a[plain].a, (size_t)a[plain].n, sizeof *a[plain].a, cmp_cost);
        }
        cr_assert_eq(a[0].n, a[1].n, "%s: %d vs %d classes", ops[i].name, a[0].n, a[1].n);
        cr_assert_geq(a[0].n, 2);
        for (int k = 0; k < a[0].n; k++) {
            cr_assert(a[0].a[k].proven && a[1].a[k].proven);
            cr_assert_float_eq(a[0].a[k].est_cycles, a[1].a[k].est_cycles, 1e-9);
            cr_assert_eq(a[0].a[k].dram_bytes, a[1].a[k].dram_bytes);
            cr_assert_str_eq(a[0].a[k].layout_class, a[1].a[k].layout_class);
        }
        enc_alts_free(&a[0]);
        enc_alts_free(&a[1]);
    }
}

/* The proof shortcut (the C seed meets the theorem bound: no solver check) never changes
 * the optimum or the proof status: on random small ops the plain solver proof
 * (plain_proof) gives the same cycles, both proven; the shortcut is taken on some. */
Test(enc_cycles, proof_shortcut_agrees_with_the_plain_proof, .timeout = 200) {
    uint64_t seed = 0x7a3c55e1d2b40f19ull;
    int compared = 0, shortcut = 0;
    for (int it = 0; it < 10; it++) {
        /* odd: a random small op; even: lane-friendly channels (the shortcut's case) */
        hw_config hw = it % 2 ? random_hw(&seed) : hw_default();
        op o = it % 2 ? random_op(&seed)
                      : mk_conv(1, 16 * tl_xrnd(&seed, 1, 3), tl_xrnd(&seed, 2, 8), tl_xrnd(&seed, 2, 8),
                                16 * tl_xrnd(&seed, 1, 2), 1, 1, 1, 0);
        enc_result r[2];
        for (int plain = 0; plain < 2; plain++) {
            enc_options eo;
            enc_options_init(&eo);
            eo.objective = ENC_OBJ_CYCLES;
            costform_vta(&hw, &o, &eo.cf);
            eo.prove = true;
            eo.plain_proof = plain == 1;
            status st;
            status_init(&st);
            cr_assert(enc_solve(&o, HW_INTRINSIC(&hw), &eo, &r[plain], &st), "%s", st.msg);
            cr_assert(r[plain].found);
            cr_assert_eq(r[plain].proof, ENC_PROOF_OPTIMAL, "%s plain %d", o.name, plain);
        }
        cr_assert_float_eq(r[0].est_cycles, r[1].est_cycles, 1e-9, "%s: shortcut %.1f, plain %.1f", o.name,
                           r[0].est_cycles, r[1].est_cycles);
        cr_assert_gt(r[1].rlimit_used, 0, "the plain proof runs the solver");
        shortcut += r[0].rlimit_used == 0;
        compared++;
    }
    cr_log_info("proof shortcut taken on %d of %d ops", shortcut, compared);
    cr_assert_geq(shortcut, 2, "shortcut taken on only %d of %d ops", shortcut, compared);
    cr_assert_lt(shortcut, compared, "every op took the shortcut: nothing compared with a search");
}

/* cvc5 re-checks the exported proofs of the cycles objectives and says unsat. */
Test(enc_cycles, cvc5_rechecks_cycles_proofs, .timeout = 180) {
    cr_assert(system("cvc5 --version > /dev/null 2>&1") == 0,
              "cvc5 is missing (scripts/setup-deps --test installs it)");
    hw_config hw = hw_default();
    struct {
        op o;
        enc_objective ob;
    } cs[] = {
        {mk_conv(1, 3, 8, 8, 4, 3, 3, 1, 1), ENC_OBJ_CYCLES},
        {mk_gemm(1, 35, 20, 24, false), ENC_OBJ_LEX_CYCLES_LAYOUT},
        {mk_conv(1, 1, 6, 6, 4, 3, 3, 1, 0), ENC_OBJ_CYCLES},
    };
    char dir[] = "/tmp/embedsyn_cyc_XXXXXX";
    cr_assert(mkdtemp(dir));
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
        enc_options eo;
        enc_options_init(&eo);
        eo.objective = cs[i].ob;
        costform_vta(&hw, &cs[i].o, &eo.cf);
        enc_recheck_with_cvc5(&cs[i].o, &hw, &eo, dir, i, 900000);
    }
    rmdir(dir);
}

/* Without a cost form the cycles objectives are a status, not a crash. */
Test(enc_cycles, cycles_without_form_is_an_error) {
    op o = mk_gemm(1, 5, 6, 7, false);
    hw_config hw = hw_default();
    enc_options eo;
    enc_options_init(&eo);
    eo.objective = ENC_OBJ_CYCLES;
    enc_result r;
    status st;
    status_init(&st);
    cr_assert_not(enc_solve(&o, HW_INTRINSIC(&hw), &eo, &r, &st));
    cr_assert(strstr(st.msg, "cost form"), "%s", st.msg);
    costform bad;
    memset(&bad, 0, sizeof bad);
    bad.set = true;
    bad.nmod = 1;
    bad.den = 1;
    bad.w_max = 1;
    status_init(&st);
    cr_assert_not(costform_check(&bad, &st)); /* no module counts instances */
}

/* ---- the objective vocabulary of the CLI ------------------------------------------- */

#define NAME_OF(e, name, alias, help) name,
#define ALIAS_OF(e, name, alias, help) alias,
static const char *const names[] = {ENC_OBJECTIVES(NAME_OF)};
static const char *const aliases[] = {ENC_OBJECTIVES(ALIAS_OF)};

static int run_rc(const char *cmd) {
    int rc = system(cmd);
    cr_assert(WIFEXITED(rc), "%s: no exit", cmd);
    return WEXITSTATUS(rc);
}

/* One command line per command that takes --objective, for word W (printf %s). */
static void command_line(int c, const char *dir, const char *word, char *buf, size_t len) {
    static const char *opt = "--gemm M=3,N=2,K=4";
    switch (c) {
    case 0: snprintf(buf, len, "%s solve %s --objective '%s'", EMBEDSYN_CLI, opt, word); break;
    case 1: snprintf(buf, len, "%s layouts %s --objective '%s'", EMBEDSYN_CLI, opt, word); break;
    case 2:
        snprintf(buf, len, "%s run %s --strategy solve --timing-only --objective '%s'", EMBEDSYN_CLI,
                 opt, word);
        break;
    case 3:
        snprintf(buf, len, "%s compile %s --strategy solve -o %s/bundle --objective '%s'",
                 EMBEDSYN_CLI, opt, dir, word);
        break;
    default:
        snprintf(buf, len, "%s bench %s/suite.xml --out %s/bench --force --objective '%s'", EMBEDSYN_CLI,
                 dir, dir, word);
        break;
    }
}

static const char *const cmd_names[] = {"solve", "layouts", "run", "compile", "bench"};

Test(enc_cycles, every_command_takes_the_same_objective_words, .timeout = 300) {
    char dir[] = "/tmp/embedsyn_obj_XXXXXX";
    cr_assert(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/suite.xml", dir);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs("<?xml version=\"1.0\"?>\n<suite name=\"tiny\">\n  <operator name=\"g\">\n"
          "    <gemm m=\"3\" n=\"2\" k=\"4\"/>\n  </operator>\n</suite>\n",
          f);
    fclose(f);
    const char *bad[] = {"fast", "lex:utilization", "cycle", "lex:layout,cycles", ""};
    for (int c = 0; c < 5; c++) {
        /* --help lists every name */
        char cmd[1280], help[8192] = "";
        snprintf(cmd, sizeof cmd, "%s %s --help", EMBEDSYN_CLI, cmd_names[c]);
        FILE *p = popen(cmd, "r");
        cr_assert(p);
        size_t n = fread(help, 1, sizeof help - 1, p);
        help[n] = '\0';
        cr_assert_eq(pclose(p), 0);
        for (int k = 0; k < ENC_OBJ_COUNT; k++) {
            char want[64];
            snprintf(want, sizeof want, " %s: ", names[k]);
            cr_assert(strstr(help, want), "%s --help lacks '%s'", cmd_names[c], names[k]);
        }
        for (int k = 0; k < ENC_OBJ_COUNT; k++)
            for (int a = 0; a < 2; a++) {
                const char *w = a ? aliases[k] : names[k];
                if (!w[0])
                    continue;
                char line[1024];
                command_line(c, dir, w, line, sizeof line);
                snprintf(cmd, sizeof cmd, "%s > /dev/null 2>&1", line);
                cr_assert_eq(run_rc(cmd), 0, "%s refuses '%s'", cmd_names[c], w);
            }
        for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
            char line[1024];
            command_line(c, dir, bad[b], line, sizeof line);
            snprintf(cmd, sizeof cmd, "%s > /dev/null 2>&1", line);
            cr_assert_eq(run_rc(cmd), 2, "%s accepts '%s'", cmd_names[c], bad[b]);
        }
    }
    snprintf(path, sizeof path, "rm -rf '%s'", dir);
    cr_assert_eq(run_rc(path), 0);
}

/* The parser and the name table agree both ways. */
Test(enc_cycles, objective_names_round_trip) {
    for (int k = 0; k < ENC_OBJ_COUNT; k++) {
        enc_objective ob;
        cr_assert(enc_objective_parse(names[k], &ob));
        cr_assert_eq((int)ob, k);
        cr_assert_str_eq(enc_objective_name(ob), names[k]);
        if (aliases[k][0]) {
            cr_assert(enc_objective_parse(aliases[k], &ob));
            cr_assert_eq((int)ob, k);
        }
    }
    enc_objective ob;
    cr_assert_not(enc_objective_parse("Cycles", &ob));
}
