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

/* ---- exhaustive enumeration -------------------------------------------------------- */

/* Most nests (consistent choices) of enc_space_walk's enumeration, and of leaves
 * (option combinations, swap tags pruned) per nest allowed: the spaces of the suites at
 * BATCH 1 have 10^4..10^6 leaves and <= 10^4 consistent choices; at BATCH 2-4 and
 * BLOCK 16-32, up to ~2 10^5 choices (about 7 us each). */
#define ENC_EXACT_EVALS 60000L
#define ENC_LEAVES_PER_EVAL 67L

typedef struct walk_ctx {
    const enc_space *s;
    const costform *cf;
    enc_visit_fn visit;
    void *arg;
    long leaves, evals, max_evals;
    bool over; /* a cap was hit */
    int32_t sel[OP_MAX_DIMS];
} walk_ctx;

static void walk_leaf(walk_ctx *w, bool sw) {
    const enc_space *s = w->s;
    if (!enc_space_consistent(s, sw, w->sel))
        return;
    if (++w->evals > w->max_evals) {
        w->over = true;
        return;
    }
    emb e;
    enc_choice ch = {.swap = sw};
    status st;
    status_init(&st);
    enc_space_emb(s, sw, w->sel, &e);
    if (!emb_nest_build(s->o, &s->hw, &e, &ch.nest, &st)) {
        /* not expected (enc_space's invariant); the formula would still contain the
         * choice, so the enumeration is not the whole space: give up */
        w->over = true;
        return;
    }
    memcpy(ch.sel, w->sel, sizeof ch.sel);
    ch.cycles = w->cf ? costform_u64(costform_eval(w->cf, &ch.nest)) : 0;
    ch.dram = ch.nest.dram_bytes[0] + ch.nest.dram_bytes[1] + ch.nest.dram_bytes[2];
    w->visit(w->arg, &ch);
}

static void walk_rec(walk_ctx *w, int d, bool sw) {
    const enc_space *s = w->s;
    if (w->over)
        return;
    if (d == s->nd) {
        if (++w->leaves > w->max_evals * ENC_LEAVES_PER_EVAL)
            w->over = true;
        else
            walk_leaf(w, sw);
        return;
    }
    for (int k = 0; k < s->nopt[d]; k++) {
        int tag = s->opt[d][k].swap;
        if (tag >= 0 && tag != (int)sw)
            continue;
        w->sel[d] = k;
        walk_rec(w, d + 1, sw);
    }
}

bool enc_space_walk(const enc_space *s, const costform *cf, enc_visit_fn visit, void *arg) {
    return enc_space_walk_capped(s, cf, ENC_EXACT_EVALS, visit, arg);
}

bool enc_space_walk_capped(const enc_space *s, const costform *cf, long max_evals, enc_visit_fn visit, void *arg) {
    walk_ctx w = {.s = s, .cf = cf, .visit = visit, .arg = arg, .max_evals = max_evals};
    walk_rec(&w, 0, false);
    walk_rec(&w, 0, true);
    return !w.over;
}

bool enc_choice_after(const enc_space *s, const enc_choice *a, const enc_choice *b) {
    if (a->swap != b->swap)
        return a->swap;
    for (int d = 0; d < s->nd; d++)
        if (a->sel[d] != b->sel[d])
            return a->sel[d] > b->sel[d];
    return false;
}

typedef struct exact_ctx {
    const enc_space *s;
    enc_exact_key key;
    bool have;
    enc_choice best;
    uint64_t best_first;
} exact_ctx;

static uint64_t first_cost(const exact_ctx *x, const enc_choice *c) {
    switch (x->key) {
    case ENC_EXACT_CYCLES:
        return c->cycles;
    case ENC_EXACT_INSTANCES:
        return (uint64_t)enc_space_instances(x->s, c->sel);
    case ENC_EXACT_DRAM:
        break;
    }
    return (uint64_t)c->dram;
}

static void exact_visit(void *arg, const enc_choice *c) {
    exact_ctx *x = arg;
    uint64_t v = first_cost(x, c);
    if (x->have && (v > x->best_first ||
                    (v == x->best_first &&
                     (c->dram > x->best.dram ||
                      (c->dram == x->best.dram && !enc_choice_after(x->s, c, &x->best))))))
        return;
    x->best = *c;
    x->best_first = v;
    x->have = true;
}

bool enc_exact_min(const enc_space *s, const costform *cf, enc_exact_key key, long max_evals, enc_choice *best) {
    ES_ASSERT(cf || key != ENC_EXACT_CYCLES);
    exact_ctx x = {.s = s, .key = key};
    if (!enc_space_walk_capped(s, cf, max_evals, exact_visit, &x) || !x.have)
        return false;
    *best = x.best;
    return true;
}

bool enc_cycles_exact(const enc_space *s, const costform *cf, uint64_t *value, bool *swap_out,
                      int32_t *sel_out) {
    enc_choice b;
    if (!enc_exact_min(s, cf, ENC_EXACT_CYCLES, ENC_EXACT_EVALS, &b))
        return false;
    *value = b.cycles;
    *swap_out = b.swap;
    memcpy(sel_out, b.sel, sizeof b.sel);
    return true;
}
