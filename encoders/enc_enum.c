/* enc_enum: enumeration of layout alternatives by repeated solving.
 *  - Pareto front of (instances, DRAM bytes): lexicographic optimum, then require
 *    fewer bytes than the last point and repeat until UNSAT (each point is then
 *    Pareto-optimal over the space, and the final UNSAT shows the front is complete).
 *  - all classes: find any model, optimize (lexicographically) inside its class
 *    (swap + per-dim lane axis and compensation), block the class, repeat.
 * Invariant: every listed alternative was decoded and checked (enc_decode). */
#include <stdlib.h>
#include <string.h>

#include "core/es.h"
#include "encoders/enc.h"
#include "encoders/enc_decode.h"
#include "encoders/enc_encode.h"
#include "encoders/enc_opt.h"
#include "encoders/enc_seed.h"

/* Resource slice of one layout class in --all mode. */
#define ENC_CLASS_RLIMIT 8000000ull

static bool same_class(const enc_opt *a, const enc_opt *b) {
    return a->role == b->role && a->comp == b->comp && (a->comp < 0 || a->coef == b->coef);
}

static void push(enc_alts *out, const enc_formula *f, const enc_space *sp, const enc_point *p,
                 bool proven) {
    if (out->n == out->cap) {
        out->cap = out->cap ? out->cap * 2 : 16;
        out->a = realloc(out->a, (size_t)out->cap * sizeof *out->a);
        ES_ASSERT(out->a);
    }
    enc_alt *a = &out->a[out->n++];
    memset(a, 0, sizeof *a);
    emb_nest n;
    enc_decode(sp, p, &a->e, &n);
    enc_check_cycles(f, p, &n);
    if (f->cf.set)
        a->est_cycles = costform_cycles(&f->cf, costform_eval(&f->cf, &n));
    enc_fill_costs(sp->o, &sp->hw, &a->e, &n, &a->instances, &a->utilization, &a->dram_bytes,
                   a->layout, sizeof a->layout, a->layout_class, sizeof a->layout_class);
    a->proven = proven;
}

static void push_choice(enc_alts *out, const enc_formula *f, const enc_space *sp,
                        const enc_choice *q, bool proven) {
    enc_point p = {.found = true, .swap = q->swap, .instances = (uint64_t)q->nest.instances,
                   .dram = (uint64_t)q->dram, .have_dram = true, .cycles = q->cycles,
                   .have_cycles = true};
    memcpy(p.sel, q->sel, sizeof p.sel);
    push(out, f, sp, &p, proven);
}

static int cmp_alt(const void *x, const void *y) {
    const enc_alt *a = x, *b = y;
    if (a->est_cycles != b->est_cycles)
        return a->est_cycles < b->est_cycles ? -1 : 1;
    if (a->instances != b->instances)
        return a->instances < b->instances ? -1 : 1;
    if (a->dram_bytes != b->dram_bytes)
        return a->dram_bytes < b->dram_bytes ? -1 : 1;
    return 0;
}

/* The Pareto front of (cycles, instances, DRAM bytes): the lexicographic minimum of
 * (instances, bytes, cycles) over the region that no listed point dominates is
 * Pareto-optimal (a point that dominated it would lie in the region too and be
 * lexicographically smaller), so each round lists one front point and then excludes
 * what it dominates; the final UNSAT shows the front is complete. Instances first: its
 * log shadow makes that order the cheapest to prove. */
static bool front3(enc_formula *f, const enc_space *sp, uint64_t lb, int32_t max_alts,
                   enc_alts *out) {
    Z3_context c = f->ctx;
    enc_activate(f, true, true);
    enc_activate_cycles(f);
    static const enc_cost order[3] = {ENC_INST, ENC_DRAM, ENC_CYC};
    while (out->n < max_alts) {
        enc_point p;
        memset(&p, 0, sizeof p);
        bool proven = true, ok = true;
        Z3_ast A[3], q;
        int na = 0;
        for (int k = 0; k < 3 && ok; k++) {
            enc_point p2;
            memset(&p2, 0, sizeof p2);
            bool pr;
            enc_min_status s = enc_minimize(f, order[k], na, A, k == 0 ? lb : 0, true, false, &p2,
                                            &pr, &q);
            if (s == ENC_MIN_UNSAT && k == 0)
                return true; /* nothing left outside the dominated region */
            ok = s == ENC_MIN_OPTIMAL;
            if (p2.found)
                p = p2;
            proven = proven && pr;
            if (ok)
                A[na++] = enc_guard(f, enc_eq_const(f, order[k] == ENC_INST ? f->instances
                                                       : order[k] == ENC_DRAM ? f->dram
                                                                              : f->cycles,
                                                    order[k] == ENC_INST ? p.instances
                                                    : order[k] == ENC_DRAM ? p.dram
                                                                           : p.cycles));
        }
        if (p.found)
            push(out, f, sp, &p, ok && proven);
        if (!ok || !p.found)
            return false;
        Z3_ast better[3] = {enc_ult_const(f, f->cycles, p.cycles),
                            enc_ult_const(f, f->instances, p.instances),
                            enc_ult_const(f, f->dram, p.dram)};
        enc_assert(f, Z3_mk_or(c, 3, better));
    }
    return false;
}

/* ---- the front and the classes by enumeration ------------------------------------- */

/* The choices an enumeration keeps (front points or class bests). */
typedef struct choice_list {
    const enc_space *sp;
    enc_choice *pt;
    int n, cap;
} choice_list;

static void list_add(choice_list *x, const enc_choice *c) {
    if (x->n == x->cap) {
        x->cap = x->cap ? 2 * x->cap : 16;
        x->pt = realloc(x->pt, (size_t)x->cap * sizeof *x->pt);
        ES_ASSERT(x->pt);
    }
    x->pt[x->n++] = *c;
}

/* a weakly dominates b (no cost larger) */
static bool weakly_dom(const enc_choice *a, const enc_choice *b) {
    return a->cycles <= b->cycles && a->nest.instances <= b->nest.instances && a->dram <= b->dram;
}

/* front: keeps the non-dominated choices, one per cost triple (the tie-breaker's) */
static void front_visit(void *arg, const enc_choice *c) {
    choice_list *x = arg;
    for (int i = 0; i < x->n; i++) {
        enc_choice *q = &x->pt[i];
        if (!weakly_dom(q, c))
            continue;
        if (weakly_dom(c, q) && enc_choice_after(x->sp, c, q))
            *q = *c;
        return;
    }
    int m = 0;
    for (int i = 0; i < x->n; i++)
        if (!weakly_dom(c, &x->pt[i]))
            x->pt[m++] = x->pt[i];
    x->n = m;
    list_add(x, c);
}

/* front: "some cost below the point's", each with the implied clauses of the bound
 * builders (log shadows, per-module bounds) that the search uses */
static Z3_ast front_claim(enc_formula *f, const enc_choice *q) {
    Z3_context c = f->ctx;
    Z3_ast better[3] = {q->cycles ? enc_cyc_le(f, q->cycles - 1) : Z3_mk_false(c),
                        q->nest.instances > 1 ? enc_inst_le(f, (uint64_t)q->nest.instances - 1)
                                              : Z3_mk_false(c),
                        q->dram > 0 ? enc_dram_le(f, (uint64_t)q->dram - 1) : Z3_mk_false(c)};
    return Z3_mk_or(c, 3, better);
}

static bool same_choice_class(const enc_space *sp, const enc_choice *a, const enc_choice *b) {
    if (a->swap != b->swap)
        return false;
    for (int d = 0; d < sp->nd; d++)
        if (!same_class(&sp->opt[d][a->sel[d]], &sp->opt[d][b->sel[d]]))
            return false;
    return true;
}

/* --all: keeps one choice per class, the least (cycles, bytes), then the tie-breaker */
static void class_visit(void *arg, const enc_choice *c) {
    choice_list *x = arg;
    for (int i = 0; i < x->n; i++) {
        enc_choice *q = &x->pt[i];
        if (!same_choice_class(x->sp, c, q))
            continue;
        if (c->cycles < q->cycles ||
            (c->cycles == q->cycles &&
             (c->dram < q->dram || (c->dram == q->dram && enc_choice_after(x->sp, c, q)))))
            *q = *c;
        return;
    }
    list_add(x, c);
}

/* --all: "a choice of q's class is better than q" */
static Z3_ast class_claim(enc_formula *f, const enc_choice *q) {
    Z3_context c = f->ctx;
    Z3_ast in = Z3_mk_not(c, enc_block_class(f, q->swap, q->sel, same_class));
    Z3_ast tie[2] = {enc_eq_const(f, f->cycles, q->cycles),
                     q->dram > 0 ? enc_dram_le(f, (uint64_t)q->dram - 1) : Z3_mk_false(c)};
    Z3_ast lex[2] = {q->cycles ? enc_cyc_le(f, q->cycles - 1) : Z3_mk_false(c),
                     Z3_mk_and(c, 2, tie)};
    return Z3_mk_implies(c, in, Z3_mk_or(c, 2, lex));
}

/* The front (or every class) when the space is small enough to enumerate
 * (enc_space_walk; else false, nothing listed), then one solver query proves all of
 * it: every listed point's claim together is UNSAT. Front: no choice lies outside the
 * region the points weakly dominate (front3's last-round query: every point is
 * Pareto-optimal and the front complete). Classes: no choice is in an unlisted class
 * or better than its class's point. *complete: proven (then every point is). */
static bool enum_prove(enc_formula *f, const enc_space *sp, enc_visit_fn visit,
                       Z3_ast (*claim)(enc_formula *, const enc_choice *), int32_t max_alts,
                       enc_alts *out, bool *complete) {
    choice_list x = {.sp = sp};
    if (!enc_space_walk(sp, &f->cf, visit, &x)) {
        free(x.pt);
        return false;
    }
    enc_activate(f, true, true);
    enc_activate_cycles(f);
    int n = x.n < max_alts ? x.n : max_alts;
    for (int i = 0; i < n; i++)
        enc_assert(f, claim(f, &x.pt[i]));
    Z3_lbool r = n < x.n ? Z3_L_UNDEF : enc_check_split(f, Z3_mk_true(f->ctx));
    ES_ASSERT(r != Z3_L_TRUE); /* the formula's models are the enumerated choices */
    *complete = r == Z3_L_FALSE;
    for (int i = 0; i < n; i++)
        push_choice(out, f, sp, &x.pt[i], *complete);
    free(x.pt);
    return true;
}

bool enc_layouts(const op *o, const hw_intrinsic *hw, const enc_options *opt, bool all,
                 int32_t max_alts, enc_alts *out, status *st) {
    double t0 = es_now_ms();
    memset(out, 0, sizeof *out);
    out->solver_status = ENC_SOLVER_UNKNOWN;
    out->lower_bound_instances = enc_lower_bound(o, hw);
    if (max_alts <= 0)
        max_alts = 1000;
    bool cyc = enc_objective_uses_cycles(opt->objective);
    if (cyc && !opt->cf.set)
        return status_fail(st, "objective %s needs the target's cost form",
                           enc_objective_name(opt->objective));
    enc_formula f;
    enc_space *sp = enc_query_open(o, hw, cyc ? &opt->cf : NULL, enc_rlimit_effective(opt),
                                   opt->timeout_s, &f, st);
    if (!sp)
        return false;
    f.plain_proof = opt->plain_proof;
    enc_activate(&f, false, true);
    uint64_t lb = (uint64_t)out->lower_bound_instances;
    enc_cost first = cyc ? ENC_CYC : ENC_INST;
    uint64_t lb1 = cyc ? enc_cycles_lower(&f, lb) : lb;
    bool complete = false;
    if (!all && cyc && !f.plain_proof &&
        enum_prove(&f, sp, front_visit, front_claim, max_alts, out, &complete)) {
        qsort(out->a, (size_t)out->n, sizeof *out->a, cmp_alt); /* fastest first */
    } else if (!all && cyc) {
        complete = front3(&f, sp, lb, max_alts, out);
        qsort(out->a, (size_t)out->n, sizeof *out->a, cmp_alt); /* fastest first */
    } else if (!all) {
        bool have = false;
        uint64_t bound = 0;
        while (out->n < max_alts) {
            Z3_ast A[1];
            int na = 0;
            if (have)
                A[na++] = enc_guard(&f, enc_ult_const(&f, f.dram, bound));
            enc_point p;
            bool proven;
            Z3_ast q;
            enc_min_status s =
                enc_minimize_lex(&f, ENC_INST, na, A, lb, true, false, &p, &proven, &q);
            if (s == ENC_MIN_UNSAT) {
                complete = true;
                break;
            }
            if (p.found && (!have || p.dram < bound))
                push(out, &f, sp, &p, proven);
            if (s != ENC_MIN_OPTIMAL)
                break;
            have = true;
            bound = p.dram;
        }
    } else if (cyc && !f.plain_proof &&
               enum_prove(&f, sp, class_visit, class_claim, max_alts, out, &complete)) {
        qsort(out->a, (size_t)out->n, sizeof *out->a, cmp_alt);
    } else {
        enc_point *wit = calloc((size_t)max_alts, sizeof *wit); /* one witness per class */
        ES_ASSERT(wit);
        int nwit = 0;
        bool failed = false;
        while (out->n < max_alts) {
            Z3_lbool r = enc_check(&f, 0, NULL);
            if (r == Z3_L_FALSE) {
                complete = true;
                break;
            }
            if (r == Z3_L_UNDEF)
                break;
            enc_point any;
            memset(&any, 0, sizeof any);
            Z3_model m = Z3_solver_get_model(f.ctx, f.sol);
            Z3_model_inc_ref(f.ctx, m);
            enc_model_choice(&f, m, &any.swap, any.sel);
            Z3_model_dec_ref(f.ctx, m);
            ES_ASSERT(enc_space_consistent(sp, any.swap, any.sel));
            Z3_ast block = enc_block_class(&f, any.swap, any.sel, same_class);
            Z3_ast A[1] = {enc_guard(&f, Z3_mk_not(f.ctx, block))};
            enc_point p;
            bool proven;
            Z3_ast q;
            /* Each class gets its own slice of the budget: a hard class is listed with
             * its best embedding found (not proven) and the enumeration goes on. */
            uint64_t total = f.rlimit_left;
            uint64_t slice = total && total < ENC_CLASS_RLIMIT ? total : ENC_CLASS_RLIMIT;
            f.rlimit_left = slice;
            enc_min_status s = enc_minimize_lex(&f, first, 1, A, lb1, true, false, &p, &proven, &q);
            uint64_t used = f.rlimit_left <= 1 ? slice : slice - f.rlimit_left;
            f.rlimit_left = total == 0 ? 0 : (total > used ? total - used : 1);
            if (!p.found) {
                /* the slice ran out before a model: list the class by its witness */
                p = any;
                p.instances = (uint64_t)enc_space_instances(sp, any.sel);
                p.have_dram = false;
                p.found = true;
            }
            push(out, &f, sp, &p, proven && s == ENC_MIN_OPTIMAL);
            wit[nwit++] = any;
            if (s == ENC_MIN_OPTIMAL) {
                enc_assert(&f, block);
                continue;
            }
            if (f.rlimit_left == 1)
                break; /* the whole budget is spent */
            /* A context whose check was cut off by its limit is not reused: rebuild the
             * formula with the remaining budget and block every class listed so far. */
            uint64_t left = f.rlimit_left;
            enc_formula_free(&f);
            if (!enc_formula_build(&f, sp, left, opt->timeout_s, st) ||
                (cyc && !enc_cycles_term(&f, &opt->cf, st))) {
                failed = true;
                break;
            }
            enc_activate(&f, false, true);
            for (int i = 0; i < nwit; i++)
                enc_assert(&f, enc_block_class(&f, wit[i].swap, wit[i].sel, same_class));
        }
        free(wit);
        if (failed) {
            enc_formula_free(&f);
            free(sp);
            enc_alts_free(out);
            return false;
        }
        qsort(out->a, (size_t)out->n, sizeof *out->a, cmp_alt);
    }
    out->solver_status = complete ? ENC_SOLVER_SAT : ENC_SOLVER_UNKNOWN;
    enc_formula_free(&f);
    free(sp);
    out->solve_ms = es_now_ms() - t0;
    return true;
}

void enc_alts_free(enc_alts *a) {
    free(a->a);
    a->a = NULL;
    a->n = a->cap = 0;
}
