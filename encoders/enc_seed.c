/* enc_seed: a good starting point for the cycles objective, found without the solver:
 * hill climbing over consistent choices of enc_space, each evaluated exactly by the cost
 * form on its emb_nest (costform_eval). Its value is an upper bound of the optimum that
 * enc_minimize aims at first, so the solver mostly has to prove instead of search.
 * Invariant: the returned choice satisfies enc_space_consistent and builds a nest; its
 * value is exactly the formula's cycles term for that choice. */
#include "encoders/enc_seed.h"

#include <string.h>

/* Most nests evaluated per seed (bounds the time on large option lists). */
#define ENC_SEED_EVALS 6000

typedef struct seed_ctx {
    const enc_space *s;
    const costform *cf;
    int evals;
} seed_ctx;

static bool eval_choice(seed_ctx *c, bool sw, const int32_t *sel, uint64_t *v) {
    if (c->evals >= ENC_SEED_EVALS || !enc_space_consistent(c->s, sw, sel))
        return false;
    c->evals++;
    emb e;
    emb_nest n;
    status st;
    status_init(&st);
    enc_space_emb(c->s, sw, sel, &e);
    if (!emb_nest_build(c->s->o, &c->s->hw, &e, &n, &st))
        return false;
    *v = costform_u64(costform_eval(c->cf, &n));
    return true;
}

/* sel[d] = k, releasing the dim the old option compensated and claiming the new one's
 * (false when that dim is busy). */
static bool set_opt(const enc_space *s, int32_t *sel, int d, int k) {
    const enc_opt *old = &s->opt[d][sel[d]];
    if (old->role == ENC_R_CONS || s->opt[d][k].role == ENC_R_CONS)
        return false;
    if (old->comp >= 0)
        sel[old->comp] = 0;
    sel[d] = k;
    int c = s->opt[d][k].comp;
    if (c < 0)
        return true;
    if (s->opt[c][sel[c]].role != ENC_R_NONE)
        return false;
    for (int j = 0; j < s->nopt[c]; j++)
        if (s->opt[c][j].role == ENC_R_CONS)
            sel[c] = j;
    return true;
}

/* Steepest descent from (sw, sel) over single-dim moves; returns the value reached. */
static uint64_t climb(seed_ctx *c, bool sw, int32_t *sel, uint64_t cur) {
    const enc_space *s = c->s;
    for (;;) {
        uint64_t bv = cur;
        int32_t bsel[OP_MAX_DIMS];
        for (int d = 0; d < s->nd; d++)
            for (int k = 0; k < s->nopt[d]; k++) {
                int32_t t[OP_MAX_DIMS];
                memcpy(t, sel, sizeof t);
                uint64_t v;
                if (k == sel[d] || !set_opt(s, t, d, k) || !eval_choice(c, sw, t, &v))
                    continue;
                if (v < bv) {
                    bv = v;
                    memcpy(bsel, t, sizeof bsel);
                }
            }
        if (bv >= cur)
            return cur;
        cur = bv;
        memcpy(sel, bsel, sizeof bsel);
    }
}

uint64_t enc_cycles_seed(const enc_space *s, const costform *cf, bool *swap_out, int32_t *sel_out) {
    seed_ctx c = {s, cf, 0};
    uint64_t best = UINT64_MAX;
    bool gsw;
    int32_t gsel[OP_MAX_DIMS];
    enc_space_greedy(s, &gsw, gsel);
    for (int start = 0; start < 3; start++) {
        bool sw = start < 2 ? start == 1 : gsw;
        int32_t sel[OP_MAX_DIMS] = {0};
        if (start == 2)
            memcpy(sel, gsel, sizeof sel);
        uint64_t v;
        if (!eval_choice(&c, sw, sel, &v))
            continue;
        v = climb(&c, sw, sel, v);
        if (v < best) {
            best = v;
            *swap_out = sw;
            memcpy(sel_out, sel, sizeof sel);
        }
    }
    return best;
}

/* ---- exhaustive minimum ------------------------------------------------------------ */

/* Most leaves (option combinations, swap tags pruned) and nests of the exhaustive pass:
 * the spaces of the suites have 10^4..10^6 leaves and <= 10^4 consistent choices. */
#define ENC_EXACT_LEAVES 4000000L
#define ENC_EXACT_EVALS 60000

typedef struct exact_ctx {
    seed_ctx c;
    long leaves;
    bool over;                      /* a cap was hit: no result */
    int32_t sel[OP_MAX_DIMS];
    uint64_t best;
    int64_t best_dram;
    bool bsw;
    int32_t bsel[OP_MAX_DIMS];
} exact_ctx;

/* Does (sw, sel) come after the best in the lexicographic order of (swap, sel[0..nd))? */
static bool lex_after(const exact_ctx *x, int nd, bool sw) {
    if (sw != x->bsw)
        return sw;
    for (int d = 0; d < nd; d++)
        if (x->sel[d] != x->bsel[d])
            return x->sel[d] > x->bsel[d];
    return false;
}

static void exact_leaf(exact_ctx *x, bool sw) {
    const enc_space *s = x->c.s;
    uint64_t v;
    if (!enc_space_consistent(s, sw, x->sel))
        return;
    if (x->c.evals >= ENC_EXACT_EVALS) {
        x->over = true;
        return;
    }
    if (!eval_choice(&x->c, sw, x->sel, &v) || v > x->best)
        return;
    int64_t dr = enc_space_dram(s, sw, x->sel);
    if (v == x->best && (dr > x->best_dram || (dr == x->best_dram && !lex_after(x, s->nd, sw))))
        return;
    x->best = v;
    x->best_dram = dr;
    x->bsw = sw;
    memcpy(x->bsel, x->sel, sizeof x->bsel);
}

static void exact_rec(exact_ctx *x, int d, bool sw) {
    const enc_space *s = x->c.s;
    if (x->over)
        return;
    if (d == s->nd) {
        if (++x->leaves > ENC_EXACT_LEAVES)
            x->over = true;
        else
            exact_leaf(x, sw);
        return;
    }
    for (int k = 0; k < s->nopt[d]; k++) {
        int tag = s->opt[d][k].swap;
        if (tag >= 0 && tag != (int)sw)
            continue;
        x->sel[d] = k;
        exact_rec(x, d + 1, sw);
    }
}

bool enc_cycles_exact(const enc_space *s, const costform *cf, uint64_t *value, bool *swap_out,
                      int32_t *sel_out) {
    exact_ctx x = {.c = {s, cf, 0}, .best = UINT64_MAX, .best_dram = INT64_MAX};
    exact_rec(&x, 0, false);
    exact_rec(&x, 0, true);
    if (x.over || x.best == UINT64_MAX)
        return false;
    *value = x.best;
    *swap_out = x.bsw;
    memcpy(sel_out, x.bsel, sizeof x.bsel);
    return true;
}
