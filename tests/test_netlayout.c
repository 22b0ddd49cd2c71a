/* Tests of the joint layout choice (core/netlayout): on random chains, trees and DAGs
 * with residual edges the exact solver's total equals the brute-force minimum over
 * every combination (enumerated here, independently of the solver), its choice
 * evaluates to that total, and it is never worse than choosing each layer alone and
 * then paying the transitions. Also bad input and the heuristic fallback. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/es.h"
#include "core/netlayout.h"

#define MAXV 9

typedef struct inst {
    int32_t n, nalt[MAXV];
    double cost[MAXV][4];
    int32_t ne, eu[32], ev[32];
    double ec[32][16];
} inst;

/* Random instance: chain edges i-1 -> i, plus (dag) residual edges i-2 -> i or i-3 -> i. */
static void rand_inst(inst *x, uint64_t *rs, bool dag) {
    memset(x, 0, sizeof *x);
    x->n = 2 + (int32_t)(es_splitmix64(rs) % (MAXV - 1));
    for (int32_t v = 0; v < x->n; v++) {
        x->nalt[v] = 1 + (int32_t)(es_splitmix64(rs) % 4);
        for (int32_t a = 0; a < x->nalt[v]; a++) x->cost[v][a] = (double)(es_splitmix64(rs) % 1000);
    }
    for (int32_t v = 1; v < x->n; v++) {
        int32_t us[2] = {v - 1, -1};
        if (dag && v >= 2 && es_splitmix64(rs) % 2) us[1] = v - 2 - (int32_t)(es_splitmix64(rs) % (v >= 3 ? 2 : 1));
        for (int k = 0; k < 2; k++) {
            if (us[k] < 0) continue;
            int32_t e = x->ne++;
            x->eu[e] = us[k], x->ev[e] = v;
            for (int32_t i = 0; i < x->nalt[us[k]] * x->nalt[v]; i++) /* a zero diagonal: same layout */
                x->ec[e][i] = (i / x->nalt[v] == i % x->nalt[v]) ? 0 : (double)(es_splitmix64(rs) % 600);
        }
    }
}

static double inst_eval(const inst *x, const int32_t *c) {
    double t = 0;
    for (int32_t v = 0; v < x->n; v++) t += x->cost[v][c[v]];
    for (int32_t e = 0; e < x->ne; e++) t += x->ec[e][c[x->eu[e]] * x->nalt[x->ev[e]] + c[x->ev[e]]];
    return t;
}

static double brute(const inst *x) {
    int32_t c[MAXV] = {0};
    double best = inst_eval(x, c);
    for (;;) {
        int32_t k = x->n - 1;
        while (k >= 0 && ++c[k] == x->nalt[k]) c[k--] = 0;
        if (k < 0) break;
        double t = inst_eval(x, c);
        if (t < best) best = t;
    }
    return best;
}

static nl_problem *to_problem(const inst *x) {
    status st;
    status_init(&st);
    nl_problem *p = nl_create(x->n);
    cr_assert(p);
    for (int32_t v = 0; v < x->n; v++) cr_assert(nl_set_alts(p, v, x->nalt[v], x->cost[v], &st), "%s", st.msg);
    for (int32_t e = 0; e < x->ne; e++) cr_assert(nl_add_edge(p, x->eu[e], x->ev[e], x->ec[e], &st), "%s", st.msg);
    return p;
}

static void check_random(bool dag, uint64_t seed) {
    uint64_t rs = seed;
    for (int it = 0; it < 300; it++) {
        inst x;
        rand_inst(&x, &rs, dag);
        nl_problem *p = to_problem(&x);
        int32_t c[MAXV], alone[MAXV];
        nl_result r;
        status st;
        status_init(&st);
        cr_assert(nl_solve(p, c, &r, &st), "%s", st.msg);
        cr_assert_eq(r.status, NL_OPTIMAL);
        double want = brute(&x);
        cr_assert_float_eq(r.total, want, 1e-9, "instance %d: solver %g, brute force %g", it, r.total, want);
        cr_assert_float_eq(inst_eval(&x, c), r.total, 1e-9);
        cr_assert_float_eq(nl_eval(p, c), inst_eval(&x, c), 1e-9);
        nl_choose_alone(p, alone);
        for (int32_t v = 0; v < x.n; v++) /* alone: each layer's own minimum */
            for (int32_t a = 0; a < x.nalt[v]; a++) cr_assert_leq(x.cost[v][alone[v]], x.cost[v][a]);
        cr_assert_leq(r.total, inst_eval(&x, alone) + 1e-9);
        nl_destroy(p);
    }
}

Test(netlayout, chain_equals_brute_force) { check_random(false, 11); }
Test(netlayout, dag_with_residuals_equals_brute_force) { check_random(true, 12); }

/* A chain where the layer-alone choice pays a large transition: the joint choice differs. */
Test(netlayout, joint_beats_alone) {
    inst x;
    memset(&x, 0, sizeof x);
    x.n = 2;
    x.nalt[0] = x.nalt[1] = 2;
    x.cost[0][0] = 100, x.cost[0][1] = 110;
    x.cost[1][0] = 120, x.cost[1][1] = 100;
    x.ne = 1, x.eu[0] = 0, x.ev[0] = 1;
    double ec[4] = {0, 50, 50, 0};
    memcpy(x.ec[0], ec, sizeof ec);
    nl_problem *p = to_problem(&x);
    int32_t c[2], alone[2];
    nl_result r;
    status st;
    status_init(&st);
    cr_assert(nl_solve(p, c, &r, &st));
    nl_choose_alone(p, alone);
    cr_assert_eq(alone[0], 0);
    cr_assert_eq(alone[1], 1);
    cr_assert_float_eq(nl_eval(p, alone), 250, 1e-9);
    cr_assert_float_eq(r.total, brute(&x), 1e-9);
    cr_assert_lt(r.total, nl_eval(p, alone));
    nl_destroy(p);
}

Test(netlayout, bad_input) {
    status st;
    status_init(&st);
    nl_problem *p = nl_create(2);
    double c[1] = {1};
    cr_assert_not(nl_set_alts(p, 0, 0, c, &st));
    cr_assert_not(nl_set_alts(p, 5, 1, c, &st));
    cr_assert(nl_set_alts(p, 0, 1, c, &st));
    cr_assert_not(nl_add_edge(p, 0, 1, c, &st)); /* 1 has no alternatives yet */
    cr_assert_not(nl_add_edge(p, 0, 0, c, &st));
    int32_t ch[2];
    nl_result r;
    status_init(&st);
    cr_assert_not(nl_solve(p, ch, &r, &st));
    cr_assert(strstr(st.msg, "layer 1"), "%s", st.msg);
    nl_destroy(p);
}

/* A complete graph of 12 variables with 4 alternatives each needs a 4^12 table: the
 * heuristic fallback answers, says so, and is still no worse than the layer-alone choice. */
Test(netlayout, heuristic_fallback) {
    enum { N = 12 };
    status st;
    status_init(&st);
    nl_problem *p = nl_create(N);
    uint64_t rs = 5;
    for (int v = 0; v < N; v++) {
        double c[4];
        for (int a = 0; a < 4; a++) c[a] = (double)(es_splitmix64(&rs) % 100);
        cr_assert(nl_set_alts(p, v, 4, c, &st));
    }
    for (int u = 0; u < N; u++)
        for (int v = u + 1; v < N; v++) {
            double c[16];
            for (int i = 0; i < 16; i++) c[i] = (double)(es_splitmix64(&rs) % 50);
            cr_assert(nl_add_edge(p, u, v, c, &st));
        }
    int32_t ch[N], alone[N];
    nl_result r;
    cr_assert(nl_solve(p, ch, &r, &st), "%s", st.msg);
    cr_assert_eq(r.status, NL_HEURISTIC);
    nl_choose_alone(p, alone);
    cr_assert_leq(r.total, nl_eval(p, alone));
    cr_assert_float_eq(r.total, nl_eval(p, ch), 1e-9);
    nl_destroy(p);
}
