/* enc_encode: builds the bit-blasted formula of enc_encode.h from an enc_space.
 * Invariant: each enc_term's width holds its maximum (products are formed at the width
 * of the product of the maxima, so bvmul never wraps); all assertions go through
 * enc_assert and are recorded for the SMT-LIB2 export. */
#include "encoders/enc_encode.h"
#include "encoders/enc_seed.h"
#include "core/es.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoders/enc_progress.h"
#include "encoders/enc_types.h"



static void enc_z3_error(Z3_context c, Z3_error_code e) {
    fprintf(stderr, "embedsyn: internal Z3 error %d: %s\n", (int)e, Z3_get_error_msg(c, e));
    es_abort(__FILE__, __LINE__, "Z3 error");
}

/* Can the shadow tell v from v+1? Every choice with instances >= v+1 has shadow >=
 * S log2(v+1) - 2 nterms, and enc_log_ceil(v) <= S log2(v) + 1. */
static bool shadow_exact(const enc_formula *f, uint64_t v) {
    long double gap = f->log_scale * log2l(1.0L + 1.0L / (long double)v);
    return gap > (long double)(2 * f->shadow_terms + 4);
}

Z3_ast enc_inst_le(enc_formula *f, uint64_t v) {
    if (v >= f->instances.max)
        return Z3_mk_true(f->ctx);
    Z3_ast h;
    uint64_t u = enc_log_ceil(f, v);
    if (v == 0)
        return Z3_mk_false(f->ctx);
    h = u >= f->loglb.max ? Z3_mk_true(f->ctx)
                          : Z3_mk_bvule(f->ctx, f->loglb.t, enc_bv_const(f, u, f->loglb.w));
    if (shadow_exact(f, v))
        return h;
    enc_activate(f, true, false);
    Z3_ast both[2] = {enc_ult_const(f, f->instances, v + 1), h};
    return Z3_mk_and(f->ctx, 2, both);
}

Z3_ast enc_dram_le(enc_formula *f, uint64_t v) {
    enc_activate(f, false, true);
    Z3_ast a[4];
    unsigned n = 0;
    a[n++] = enc_ult_const(f, f->dram, v + 1);
    /* Sound hints: bytes_x <= v - (lower bounds of the other operands), on the shadow. */
    for (int x = 0; x < 3; x++) {
        uint64_t others = 0;
        for (int y = 0; y < 3; y++)
            if (y != x)
                others += f->bytes[y].min;
        if (others >= v)
            return Z3_mk_false(f->ctx);
        uint64_t u = enc_log_ceil(f, v - others);
        if (u < f->logbytes[x].max)
            a[n++] = Z3_mk_bvule(f->ctx, f->logbytes[x].t, enc_bv_const(f, u, f->logbytes[x].w));
    }
    return n == 1 ? a[0] : Z3_mk_and(f->ctx, n, a);
}

/* ---- the formula -------------------------------------------------------------------- */

/* A named constant equal to t: bounds asserted later mention only the name, so each
 * incremental check adds a few comparator clauses instead of a copy of the product. */
static enc_term name_term(enc_formula *f, const char *nm, enc_term t, Z3_ast *def) {
    enc_term r = t;
    r.t = Z3_mk_const(f->ctx, Z3_mk_string_symbol(f->ctx, nm), Z3_mk_bv_sort(f->ctx, t.w));
    *def = Z3_mk_eq(f->ctx, r.t, t.t);
    return r;
}

/* cost_j <= u on the log shadows (implied by the exact value; sound). NULL: no
 * constraint (u beyond the cost's range). */
static Z3_ast cost_le_shadow(enc_formula *f, int j, uint64_t u) {
    enc_term exact = j == 0 ? f->instances : f->bytes[j - 1];
    if (u >= exact.max)
        return NULL;
    if (u < exact.min || u == 0)
        return Z3_mk_false(f->ctx);
    const enc_term *sh = j == 0 ? &f->loglb : &f->logbytes[j - 1];
    uint64_t lg = enc_log_ceil(f, u);
    if (lg >= sh->max)
        return NULL;
    return Z3_mk_bvule(f->ctx, sh->t, enc_bv_const(f, lg, sh->w));
}

/* Slack shares of the split clauses (see share_clauses). Measured on small convs: finer
 * grids (4, 16) cost more resources than they save, so each clause gives all the slack
 * to one cost (the single-cost bounds). */
#define ENC_CYC_GRID 1

typedef struct share_ctx {
    enc_formula *f;
    const uint64_t *k;
    const int *js;
    int nj;
    uint64_t slack;
    int grid;
    int cnt[4];
    Z3_ast *a;
    unsigned *n, cap;
} share_ctx;

/* One clause per composition cnt[0..nj) of c->grid. */
static void share_rec(share_ctx *c, int i, int left) {
    if (i < c->nj - 1) {
        for (int q = 0; q <= left; q++) {
            c->cnt[i] = q;
            share_rec(c, i + 1, left - q);
        }
        return;
    }
    c->cnt[i] = left;
    enc_formula *f = c->f;
    Z3_ast lits[4];
    unsigned nl = 0;
    for (int p = 0; p < c->nj; p++) {
        int j = c->js[p];
        enc_u128 share = (enc_u128)c->k[j] * f->cyc_min[j] +
                         ((enc_u128)c->slack * (unsigned)c->cnt[p] + (unsigned)c->grid - 1) / (unsigned)c->grid;
        enc_u128 u = (share + c->k[j] - 1) / c->k[j]; /* k_j c_j < share <=> c_j < u */
        Z3_ast l = u == 0 ? Z3_mk_false(f->ctx)
                          : cost_le_shadow(f, j, u - 1 > UINT64_MAX ? UINT64_MAX : (uint64_t)(u - 1));
        if (!l)
            return; /* a literal that is always true: no clause */
        lits[nl++] = l;
    }
    if (*c->n < c->cap)
        c->a[(*c->n)++] = nl == 1 ? lits[0] : Z3_mk_or(f->ctx, nl, lits);
}

/* Split clauses of one linear bound sum_j k_j c_j < V (V = v + 1 - fixed): for every way
 * to cut V into shares s_j with sum s_j >= V, some k_j c_j < s_j, i.e. c_j <= ceil(s_j /
 * k_j) - 1, asserted on the log shadows. Shares are each cost's least value plus
 * multiples of 1/ENC_CYC_GRID of the slack, so a bound that only the least values meet
 * is refuted by the shadows alone. Appends to a[*n] (at most cap). */
static void share_clauses(enc_formula *f, const uint64_t *k, uint64_t V, Z3_ast *a, unsigned *n,
                          unsigned cap) {
    int js[4], nj = 0;
    enc_u128 base = 0;
    for (int j = 0; j < 4; j++)
        if (k[j] > 0) {
            js[nj++] = j;
            base += (enc_u128)k[j] * f->cyc_min[j];
        }
    if (nj == 0)
        return;
    if (base >= V) {
        a[(*n)++] = Z3_mk_false(f->ctx);
        return;
    }
    share_ctx c = {f, k, js, nj, V - (uint64_t)base, ENC_CYC_GRID,
                   {0, 0, 0, 0}, a, n, cap};
    share_rec(&c, 0, c.grid);
}

/* "cycles <= v" (exact), with implied constraints that CDCL propagates far better than
 * the product circuits: each module's exact bound, and for every module's linear lower
 * bound of S the split clauses on the log shadows (share_clauses). */
Z3_ast enc_cyc_le(enc_formula *f, uint64_t v) {
    enc_activate_cycles(f);
    if (v >= f->cycles.max)
        return Z3_mk_true(f->ctx);
    uint64_t fx = (uint64_t)f->cf.fixed;
    if (v < fx || v < f->cycles.min)
        return Z3_mk_false(f->ctx);
    enum { CAP = 1024 };
    Z3_ast *a = malloc(CAP * sizeof *a);
    ES_ASSERT(a);
    unsigned n = 0;
    a[n++] = enc_ult_const(f, f->cycles, v + 1);
    for (int m = 0; m < f->cf.nmod; m++) {
        if (f->cyc_mod[m].t && f->cf.w_max > 0) /* w_max * M_m <= v - fixed */
            a[n++] = enc_ult_const(f, f->cyc_mod[m], (v - fx) / (uint64_t)f->cf.w_max + 1);
        share_clauses(f, f->cyc_k[m], v - fx + 1, a, &n, CAP);
    }
    Z3_ast r = n == 1 ? a[0] : Z3_mk_and(f->ctx, n, a);
    free(a);
    return r;
}

void enc_activate_cycles(enc_formula *f) {
    ES_ASSERT(f->cf.set);
    enc_activate(f, true, false);
    if (!f->cyc_on) {
        f->cyc_on = true;
        enc_assert(f, f->cyc_def);
    }
}

bool enc_cycles_term(enc_formula *f, const costform *cf, status *st) {
    if (!costform_check(cf, st))
        return false;
    f->cf = *cf;
    enc_term s;
    if (!enc_cycles_expr(f, cf, f->instances, f->bytes, &s, st))
        return false;
    f->cycles = name_term(f, "cycles", s, &f->cyc_def);
    double t0 = es_now_ms();
    f->cyc_ub = enc_cycles_seed(f->sp, cf, &f->cyc_seed_swap, f->cyc_seed_sel);
    if (getenv("ENC_DEBUG"))
        fprintf(stderr, "enc_cycles_seed: %llu in %.1f ms\n", (unsigned long long)f->cyc_ub,
                es_now_ms() - t0);
    return true;
}

void enc_activate(enc_formula *f, bool inst, bool dram) {
    if (inst && !f->inst_on) {
        f->inst_on = true;
        enc_assert(f, f->inst_def);
    }
    if (dram && !f->dram_on) {
        f->dram_on = true;
        enc_assert(f, f->dram_def);
    }
}

enc_space *enc_query_open(const op *o, const hw_intrinsic *hw, const costform *cf, uint64_t rlimit,
                          double timeout_s, enc_formula *f, status *st) {
    enc_space *sp = malloc(sizeof *sp);
    ES_ASSERT(sp);
    if (!enc_space_build(o, hw, sp, st)) {
        free(sp);
        return NULL;
    }
    if (!enc_formula_build(f, sp, rlimit, timeout_s, st) || (cf && !enc_cycles_term(f, cf, st))) {
        enc_formula_free(f);
        free(sp);
        return NULL;
    }
    return sp;
}

bool enc_formula_build(enc_formula *f, const enc_space *sp, uint64_t rlimit, double timeout_s,
                       status *st) {
    memset(f, 0, sizeof *f);
    f->sp = sp;
    f->rlimit_left = rlimit;
    f->timeout_s = timeout_s;
    f->deadline_ms = timeout_s > 0 ? es_now_ms() + timeout_s * 1000.0 : 0;
    Z3_config cfg = Z3_mk_config();
    Z3_set_param_value(cfg, "model", "true");
    f->ctx = Z3_mk_context(cfg);
    Z3_del_config(cfg);
    Z3_set_error_handler(f->ctx, enc_z3_error);
    Z3_context c = f->ctx;
    f->sol = Z3_mk_solver_for_logic(c, Z3_mk_string_symbol(c, "QF_BV"));
    Z3_solver_inc_ref(c, f->sol);
    const op *o = sp->o;

    f->swap = Z3_mk_const(c, Z3_mk_string_symbol(c, "swap"), Z3_mk_bool_sort(c));
    for (int d = 0; d < o->ndims; d++) {
        char nm[32];
        snprintf(nm, sizeof nm, "opt_%s", o->dim_name[d]);
        f->optw[d] = enc_bits_of((enc_u128)(unsigned)(sp->nopt[d] - 1));
        f->opt[d] = Z3_mk_const(c, Z3_mk_string_symbol(c, nm), Z3_mk_bv_sort(c, f->optw[d]));
        if ((1u << f->optw[d]) != (unsigned)sp->nopt[d])
            enc_assert(f, Z3_mk_bvule(c, f->opt[d], enc_bv_const(f, (uint64_t)(sp->nopt[d] - 1), f->optw[d])));
        /* swap tags */
        bool m0[ENC_MAX_OPTS], m1[ENC_MAX_OPTS];
        bool any0 = false, any1 = false;
        for (int k = 0; k < sp->nopt[d]; k++) {
            m0[k] = sp->opt[d][k].swap == 0;
            m1[k] = sp->opt[d][k].swap == 1;
            any0 |= m0[k];
            any1 |= m1[k];
        }
        if (any0)
            enc_assert(f, Z3_mk_implies(c, enc_opt_in(f, d, m0), Z3_mk_not(c, f->swap)));
        if (any1)
            enc_assert(f, Z3_mk_implies(c, enc_opt_in(f, d, m1), f->swap));
    }
    /* Compensation: d2 is CONS (or, banded, its BAND option) iff exactly one option
     * compensates it; a banded option (band b) needs d2's BAND(b) option, a plain one
     * needs CONS. */
    for (int d2 = 0; d2 < o->ndims; d2++) {
        int kc = -1;
        bool target[ENC_MAX_OPTS], banded = false;
        for (int k = 0; k < sp->nopt[d2]; k++) {
            const enc_opt *q = &sp->opt[d2][k];
            target[k] = q->role == ENC_R_CONS || (q->role == ENC_R_I && q->band > 0);
            banded |= q->role == ENC_R_I && q->band > 0;
            if (q->role == ENC_R_CONS)
                kc = k;
        }
        if (kc < 0)
            continue;
        for (int d = 0; d < o->ndims && banded; d++)
            for (int k = 0; k < sp->nopt[d]; k++) {
                const enc_opt *p = &sp->opt[d][k];
                if (p->comp != d2)
                    continue;
                int want = kc;
                for (int j = 0; j < sp->nopt[d2] && p->band > 0; j++)
                    if (sp->opt[d2][j].role == ENC_R_I && sp->opt[d2][j].band == p->band)
                        want = j;
                ES_ASSERT(p->band == 0 || want != kc);
                enc_assert(f, Z3_mk_implies(c, enc_opt_is(f, d, k), enc_opt_is(f, d2, want)));
            }
        Z3_ast by[OP_MAX_DIMS];
        unsigned nb = 0;
        for (int d = 0; d < o->ndims; d++) {
            bool mask[ENC_MAX_OPTS];
            bool any = false;
            for (int k = 0; k < sp->nopt[d]; k++) {
                mask[k] = sp->opt[d][k].comp == d2;
                any |= mask[k];
            }
            if (any)
                by[nb++] = enc_opt_in(f, d, mask);
        }
        Z3_ast some = nb == 1 ? by[0] : Z3_mk_or(c, nb, by);
        enc_assert(f, Z3_mk_eq(c, banded ? enc_opt_in(f, d2, target) : enc_opt_is(f, d2, kc), some));
        for (unsigned i = 0; i < nb; i++)
            for (unsigned j = i + 1; j < nb; j++) {
                Z3_ast both[2] = {by[i], by[j]};
                enc_assert(f, Z3_mk_not(c, Z3_mk_and(c, 2, both)));
            }
    }
    /* Scale of the log shadow: fine enough to be exact up to the greedy upper bound
     * of the optimum (shadow_exact), and no finer (narrow adders). */
    {
        bool gsw;
        int32_t gsel[OP_MAX_DIMS];
        f->ub = (uint64_t)enc_space_greedy(sp, &gsw, gsel);
        f->shadow_terms = 2 * o->ndims + 6;
        long double need = (long double)(2 * f->shadow_terms + 8) * (long double)f->ub * 1.5L;
        int k = 1;
        while (k < 50 && ldexpl(1.0L, k) < need)
            k++;
        f->log_scale = ldexpl(1.0L, k);
    }
    if (!enc_chunk_terms(f, st))
        return false;
    /* Instances: option loop factors x chunks. */
    enc_term inst = enc_term_const(f, 1);
    for (int d = 0; d < o->ndims; d++) {
        uint64_t val[ENC_MAX_OPTS];
        for (int k = 0; k < sp->nopt[d]; k++)
            val[k] = (uint64_t)sp->opt[d][k].loopf;
        if (!enc_term_mul(f, inst, enc_opt_table(f, d, val), &inst, st))
            return false;
    }
    for (int l = 0; l < 3; l++)
        if (!enc_term_mul(f, inst, f->chunks[l], &inst, st))
            return false;
    f->instances = name_term(f, "instances", inst, &f->inst_def);
    if (!enc_log_instances(f, st))
        return false;
    /* DRAM bytes per operand: ite(swap, bytes|swap, bytes|no swap). */
    enc_term tot = enc_term_const(f, 0);
    for (int x = 0; x < 3; x++) {
        enc_term b0, b1, l0, l1;
        if (!enc_operand_bytes(f, x, false, &b0, &l0, st) || !enc_operand_bytes(f, x, true, &b1, &l1, st))
            return false;
        enc_term lb;
        lb.max = l0.max > l1.max ? l0.max : l1.max;
        lb.min = 0;
        lb.w = enc_bits_of(lb.max);
        lb.t = Z3_mk_ite(c, f->swap, enc_zext(f, l1.t, l1.w, lb.w), enc_zext(f, l0.t, l0.w, lb.w));
        f->logbytes[x] = lb;
        enc_term b;
        b.max = b0.max > b1.max ? b0.max : b1.max;
        b.min = b0.min < b1.min ? b0.min : b1.min;
        b.w = enc_bits_of(b.max);
        b.t = Z3_mk_ite(c, f->swap, enc_zext(f, b1.t, b1.w, b.w), enc_zext(f, b0.t, b0.w, b.w));
        f->bytes[x] = b;
        if (!enc_term_add(f, tot, b, &tot, st))
            return false;
    }
    f->dram = name_term(f, "dram_bytes", tot, &f->dram_def);
    return true;
}

void enc_formula_free(enc_formula *f) {
    if (f->ctx) {
        Z3_solver_dec_ref(f->ctx, f->sol);
        Z3_del_context(f->ctx);
    }
    f->ctx = NULL;
}

Z3_ast enc_guard(enc_formula *f, Z3_ast a) {
    char nm[32];
    snprintf(nm, sizeof nm, "bound_%d", f->nfresh++);
    Z3_ast p = Z3_mk_const(f->ctx, Z3_mk_string_symbol(f->ctx, nm), Z3_mk_bool_sort(f->ctx));
    Z3_solver_assert(f->ctx, f->sol, Z3_mk_implies(f->ctx, p, a));
    return p;
}

static uint64_t rlimit_count(enc_formula *f, Z3_solver sol) {
    Z3_stats s = Z3_solver_get_statistics(f->ctx, sol);
    Z3_stats_inc_ref(f->ctx, s);
    uint64_t v = 0;
    for (unsigned i = 0; i < Z3_stats_size(f->ctx, s); i++)
        if (!strcmp(Z3_stats_get_key(f->ctx, s, i), "rlimit count")) {
            v = Z3_stats_is_uint(f->ctx, s, i) ? Z3_stats_get_uint_value(f->ctx, s, i)
                                               : (uint64_t)Z3_stats_get_double_value(f->ctx, s, i);
        }
    Z3_stats_dec_ref(f->ctx, s);
    return v;
}

static Z3_lbool check_on(enc_formula *f, Z3_solver sol, int nassum, const Z3_ast *assum);

Z3_lbool enc_check(enc_formula *f, int nassum, const Z3_ast *assum) {
    return check_on(f, f->sol, nassum, assum);
}

/* One new solver for a value of the swap: its assertions with swap replaced by the
 * constant and simplified (the swap ITEs of the byte terms fold away). */
static Z3_lbool check_swap(enc_formula *f, Z3_ast extra, bool sw) {
    Z3_context c = f->ctx;
    Z3_ast from[1] = {f->swap}, to[1] = {sw ? Z3_mk_true(c) : Z3_mk_false(c)};
    Z3_solver s = Z3_mk_solver_for_logic(c, Z3_mk_string_symbol(c, "QF_BV"));
    Z3_solver_inc_ref(c, s);
    for (int k = 0; k <= f->nas; k++) {
        Z3_ast a = k < f->nas ? f->as[k] : extra;
        Z3_solver_assert(c, s, Z3_simplify(c, Z3_substitute(c, a, 1, from, to)));
    }
    Z3_lbool r = check_on(f, s, 0, NULL);
    Z3_solver_dec_ref(c, s);
    return r;
}

Z3_lbool enc_check_split(enc_formula *f, Z3_ast extra) {
    Z3_lbool r0 = check_swap(f, extra, false);
    if (r0 == Z3_L_TRUE)
        return r0;
    Z3_lbool r1 = check_swap(f, extra, true);
    return r1 == Z3_L_FALSE ? r0 : r1;
}

static Z3_lbool check_on(enc_formula *f, Z3_solver sol, int nassum, const Z3_ast *assum) {
    Z3_context c = f->ctx;
    Z3_params p = Z3_mk_params(c);
    Z3_params_inc_ref(c, p);
    if (f->rlimit_left > 0)
        Z3_params_set_uint(c, p, Z3_mk_string_symbol(c, "rlimit"),
                           f->rlimit_left > 0xffffffffu ? 0xffffffffu : (unsigned)f->rlimit_left);
    if (f->timeout_s > 0) {
        /* What is left of the query's timeout (a proof is several checks). */
        double left = f->deadline_ms - es_now_ms();
        if (left < 1) {
            Z3_params_dec_ref(c, p);
            return Z3_L_UNDEF;
        }
        Z3_params_set_uint(c, p, Z3_mk_string_symbol(c, "timeout"), (unsigned)left);
    }
    Z3_params_set_bool(c, p, Z3_mk_string_symbol(c, "ctrl_c"), false); /* enc_interrupt.c */
    Z3_solver_set_params(c, sol, p);
    Z3_params_dec_ref(c, p);
    uint64_t before = rlimit_count(f, sol);
    Z3_lbool r = enc_check_interruptible(c, sol, (unsigned)nassum, assum);
    uint64_t used = rlimit_count(f, sol) - before;
    f->rlimit_used += used;
    /* ENC_DEBUG=1 traces every check on stderr (result and resources used). */
    if (getenv("ENC_DEBUG"))
        fprintf(stderr, "enc_check: %d assumptions -> %d, rlimit used %llu\n", nassum, (int)r,
                (unsigned long long)used);
    if (f->rlimit_left > 0) {
        if (used >= f->rlimit_left)
            f->rlimit_left = 1;
        else
            f->rlimit_left -= used;
    }
    return r;
}

uint64_t enc_model_u64_sat(enc_formula *f, Z3_model m, Z3_ast t) {
    Z3_ast v;
    ES_ASSERT(Z3_model_eval(f->ctx, m, t, true, &v));
    uint64_t u = 0;
    return Z3_get_numeral_uint64(f->ctx, v, &u) ? u : UINT64_MAX;
}

uint64_t enc_model_u64(enc_formula *f, Z3_model m, Z3_ast t) {
    Z3_ast v;
    ES_ASSERT(Z3_model_eval(f->ctx, m, t, true, &v));
    uint64_t u = 0;
    ES_ASSERT(Z3_get_numeral_uint64(f->ctx, v, &u));
    return u;
}

void enc_model_choice(enc_formula *f, Z3_model m, bool *swap, int32_t *sel) {
    Z3_ast v;
    ES_ASSERT(Z3_model_eval(f->ctx, m, f->swap, true, &v));
    *swap = Z3_get_bool_value(f->ctx, v) == Z3_L_TRUE;
    for (int d = 0; d < f->sp->nd; d++)
        sel[d] = (int32_t)enc_model_u64(f, m, f->opt[d]);
}

Z3_ast enc_block_class(enc_formula *f, bool swap, const int32_t *sel,
                       bool (*same)(const enc_opt *, const enc_opt *)) {
    Z3_context c = f->ctx;
    Z3_ast conj[OP_MAX_DIMS + 1];
    unsigned n = 0;
    conj[n++] = swap ? f->swap : Z3_mk_not(c, f->swap);
    for (int d = 0; d < f->sp->nd; d++) {
        bool mask[ENC_MAX_OPTS];
        for (int k = 0; k < f->sp->nopt[d]; k++)
            mask[k] = same(&f->sp->opt[d][k], &f->sp->opt[d][sel[d]]);
        conj[n++] = enc_opt_in(f, d, mask);
    }
    return Z3_mk_not(c, Z3_mk_and(c, n, conj));
}

const char *enc_smt2(enc_formula *f, Z3_ast extra) {
    return Z3_benchmark_to_smtlib_string(f->ctx, "embedsyn optimality proof", "QF_BV", "unsat", "",
                                         (unsigned)f->nas, f->as, extra);
}
