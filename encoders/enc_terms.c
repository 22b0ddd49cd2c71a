/* enc_terms: the term-building half of the encoding (internal to encoders/): bit-vector
 * term helpers with exact maxima, joint ITE tables over several dims' options, the chunk,
 * layout-component and log-shadow tables, and the DRAM bytes of each VTA operand.
 * Invariant: a term's width holds its maximum, every table leaf is computed by the
 * plain-C cost model of enc_space (which mirrors emb_nest_build), and every log-shadow
 * leaf is a lower bound of S*log2 of the exact leaf. */
#include "encoders/enc_terms.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void enc_assert(enc_formula *f, Z3_ast a) {
    ES_ASSERT(f->nas < ENC_MAX_ASSERTS);
    f->as[f->nas++] = a;
    Z3_solver_assert(f->ctx, f->sol, a);
}

Z3_ast enc_bv_const(enc_formula *f, uint64_t v, unsigned w) {
    return Z3_mk_unsigned_int64(f->ctx, v, Z3_mk_bv_sort(f->ctx, w));
}

Z3_ast enc_ult_const(enc_formula *f, enc_term t, uint64_t v) {
    if (v > t.max)
        return Z3_mk_true(f->ctx);
    if (v == 0)
        return Z3_mk_false(f->ctx);
    return Z3_mk_bvult(f->ctx, t.t, enc_bv_const(f, v, t.w));
}

Z3_ast enc_eq_const(enc_formula *f, enc_term t, uint64_t v) {
    if (v > t.max)
        return Z3_mk_false(f->ctx);
    return Z3_mk_eq(f->ctx, t.t, enc_bv_const(f, v, t.w));
}

unsigned enc_bits_of(enc_u128 v) {
    unsigned w = 1;
    while (w < 128 && (v >> w) != 0)
        w++;
    return w;
}

Z3_ast enc_zext(enc_formula *f, Z3_ast t, unsigned from, unsigned to) {
    return to > from ? Z3_mk_zero_ext(f->ctx, to - from, t) : t;
}

enc_term enc_term_const(enc_formula *f, uint64_t v) {
    enc_term r;
    r.w = enc_bits_of(v);
    r.max = v;
    r.min = v;
    r.t = enc_bv_const(f, v, r.w);
    return r;
}

bool enc_term_mul(enc_formula *f, enc_term a, enc_term b, enc_term *r, status *st) {
    if (enc_bits_of(a.max) + enc_bits_of(b.max) > ENC_MAX_WIDTH)
        return status_fail(st, "enc: cost term exceeds %d bits (operator too large)", ENC_MAX_WIDTH);
    enc_u128 m = a.max * b.max;
    if (enc_bits_of(m) > ENC_MAX_WIDTH)
        return status_fail(st, "enc: cost term exceeds %d bits (operator too large)", ENC_MAX_WIDTH);
    if (a.max == 1 && b.max == 1) {
        *r = a;
        return true;
    }
    if (a.max == 1 && Z3_is_numeral_ast(f->ctx, a.t)) {
        *r = b;
        return true;
    }
    if (b.max == 1 && Z3_is_numeral_ast(f->ctx, b.t)) {
        *r = a;
        return true;
    }
    r->max = m;
    if (__builtin_mul_overflow(a.min, b.min, &r->min))
        r->min = UINT64_MAX; /* still a lower bound */
    r->w = enc_bits_of(m);
    r->t = Z3_mk_bvmul(f->ctx, enc_zext(f, a.t, a.w, r->w), enc_zext(f, b.t, b.w, r->w));
    return true;
}

bool enc_term_add(enc_formula *f, enc_term a, enc_term b, enc_term *r, status *st) {
    enc_u128 m = a.max + b.max;
    if (enc_bits_of(m) > ENC_MAX_WIDTH)
        return status_fail(st, "enc: cost term exceeds %d bits (operator too large)", ENC_MAX_WIDTH);
    r->max = m;
    if (__builtin_add_overflow(a.min, b.min, &r->min))
        r->min = UINT64_MAX;
    r->w = enc_bits_of(m);
    r->t = Z3_mk_bvadd(f->ctx, enc_zext(f, a.t, a.w, r->w), enc_zext(f, b.t, b.w, r->w));
    return true;
}

Z3_ast enc_opt_is(enc_formula *f, int d, int k) {
    return Z3_mk_eq(f->ctx, f->opt[d], enc_bv_const(f, (uint64_t)k, f->optw[d]));
}

/* OR of opt_d == k over the k with mask[k]. */
Z3_ast enc_opt_in(enc_formula *f, int d, const bool *mask) {
    Z3_ast a[ENC_MAX_OPTS];
    unsigned n = 0;
    for (int k = 0; k < f->sp->nopt[d]; k++)
        if (mask[k])
            a[n++] = enc_opt_is(f, d, k);
    if (n == 0)
        return Z3_mk_false(f->ctx);
    return n == 1 ? a[0] : Z3_mk_or(f->ctx, n, a);
}

/* Term with value val[k] when opt_d == k (ITE chain over the distinct values). */
enc_term enc_opt_table(enc_formula *f, int d, const uint64_t *val) {
    int n = f->sp->nopt[d];
    uint64_t mx = 0;
    for (int k = 0; k < n; k++)
        if (val[k] > mx)
            mx = val[k];
    enc_term r;
    r.max = mx;
    r.min = 0;
    r.w = enc_bits_of(mx);
    uint64_t dist[ENC_MAX_OPTS];
    int nd = 0;
    for (int k = 0; k < n; k++) {
        bool seen = false;
        for (int i = 0; i < nd; i++)
            seen |= dist[i] == val[k];
        if (!seen)
            dist[nd++] = val[k];
    }
    r.t = enc_bv_const(f, dist[nd - 1], r.w);
    for (int i = nd - 2; i >= 0; i--) {
        bool mask[ENC_MAX_OPTS];
        for (int k = 0; k < n; k++)
            mask[k] = val[k] == dist[i];
        r.t = Z3_mk_ite(f->ctx, enc_opt_in(f, d, mask), enc_bv_const(f, dist[i], r.w), r.t);
    }
    return r;
}

/* ---- joint tables -------------------------------------------------------------------- */

/* A term that depends on the options of several member dims: options of a member are
 * grouped into signature classes (options the value cannot tell apart), and the term
 * is a nested ITE over the classes of each member with constant leaves. */
typedef struct joint {
    int32_t nm, m[OP_MAX_DIMS];
    int32_t nsig[OP_MAX_DIMS];
    int32_t sig_of[OP_MAX_DIMS][ENC_MAX_OPTS]; /* -1: option not allowed here */
    int32_t rep[OP_MAX_DIMS][ENC_MAX_OPTS];
} joint;

typedef struct joint_ctx {
    const enc_space *s;
    /* layout components */
    int x;
    unsigned mask;
    bool swap;
    /* chunk axes */
    int lane;
    bool log;
    long double scale;
    bool fold[OP_MAX_DIMS]; /* chunk tables: the dim's loop factor is folded in */
} joint_ctx;

typedef void (*joint_sig_fn)(const joint_ctx *c, int d, int k, int64_t sig[4]);
typedef uint64_t (*joint_val_fn)(const joint_ctx *c, const int32_t *sel);

static void joint_sigs(const joint_ctx *c, joint *j, joint_sig_fn sigfn) {
    const enc_space *s = c->s;
    for (int i = 0; i < j->nm; i++) {
        int d = j->m[i];
        int64_t sigs[ENC_MAX_OPTS][4];
        j->nsig[i] = 0;
        for (int k = 0; k < s->nopt[d]; k++) {
            int64_t sg[4];
            sigfn(c, d, k, sg);
            if (sg[0] == INT64_MIN) {
                j->sig_of[i][k] = -1;
                continue;
            }
            int found = -1;
            for (int q = 0; q < j->nsig[i]; q++)
                if (!memcmp(sigs[q], sg, sizeof sg))
                    found = q;
            if (found < 0) {
                found = j->nsig[i]++;
                memcpy(sigs[found], sg, sizeof sg);
                j->rep[i][found] = k;
            }
            j->sig_of[i][k] = found;
        }
    }
}

static int64_t joint_size(const joint *j) {
    int64_t size = 1;
    for (int i = 0; i < j->nm; i++) {
        size *= j->nsig[i] > 0 ? j->nsig[i] : 1;
        if (size > ENC_MAX_TABLE)
            return size;
    }
    return size;
}

static enc_term joint_rec(enc_formula *f, const joint_ctx *c, const joint *j, int i, int32_t *sel,
                          joint_val_fn valfn) {
    const enc_space *s = f->sp;
    if (i == j->nm)
        return enc_term_const(f, valfn(c, sel));
    int d = j->m[i];
    if (j->nsig[i] == 0)
        return joint_rec(f, c, j, i + 1, sel, valfn);
    enc_term sub[ENC_MAX_OPTS];
    enc_u128 mx = 0;
    uint64_t mn = UINT64_MAX;
    for (int q = 0; q < j->nsig[i]; q++) {
        sel[d] = j->rep[i][q];
        sub[q] = joint_rec(f, c, j, i + 1, sel, valfn);
        if (sub[q].max > mx)
            mx = sub[q].max;
        if (sub[q].min < mn)
            mn = sub[q].min;
    }
    sel[d] = -1;
    enc_term r;
    r.max = mx;
    r.min = mn;
    r.w = enc_bits_of(mx);
    int last = j->nsig[i] - 1;
    r.t = enc_zext(f, sub[last].t, sub[last].w, r.w);
    for (int q = last - 1; q >= 0; q--) {
        bool mask[ENC_MAX_OPTS];
        for (int k = 0; k < s->nopt[d]; k++)
            mask[k] = j->sig_of[i][k] == q;
        r.t = Z3_mk_ite(f->ctx, enc_opt_in(f, d, mask), enc_zext(f, sub[q].t, sub[q].w, r.w), r.t);
    }
    return r;
}

static enc_term joint_term(enc_formula *f, const joint_ctx *c, const joint *j, joint_val_fn valfn) {
    int32_t sel[OP_MAX_DIMS];
    for (int i = 0; i < OP_MAX_DIMS; i++)
        sel[i] = -1;
    return joint_rec(f, c, j, 0, sel, valfn);
}

/* ---- layout tables ---------------------------------------------------------------- */

/* Signature of option k of member dim d for a layout component: what its loop looks
 * like, what it compensates there, and which component axes its lane term touches. */
static void lay_sig(const joint_ctx *c, int d, int k, int64_t sig[4]) {
    const enc_space *s = c->s;
    const op *o = s->o;
    const enc_opt *p = &s->opt[d][k];
    if (p->swap >= 0 && p->swap != (int)c->swap) {
        sig[0] = INT64_MIN;
        return;
    }
    int t = enc_operand_tensor(c->x, c->swap);
    bool ing = enc_dim_support(o, t, d) & c->mask;
    sig[0] = ing ? (p->role >= ENC_R_B ? ENC_R_B : p->role) : -1;
    sig[1] = ing && p->role >= ENC_R_B && (p->ext < o->extent[d] || p->band > 0) ? p->ext : 0;
    bool cg = p->comp >= 0 && (enc_dim_support(o, t, p->comp) & c->mask);
    sig[2] = cg ? p->comp * 4096 + p->ext : -1;
    sig[3] = cg ? p->coef * 65536 + p->band : 0; /* banded: the band sets d2's loop */
    int l = enc_role_lane(p->role);
    int l0 = c->x == EMB_WGT ? EMB_O : EMB_B, l1 = c->x == EMB_ACC ? EMB_O : EMB_I;
    if (l == l0 || l == l1)
        sig[0] += 16 * (int64_t)(enc_term_touch(o, t, d, p->comp, p->coef) & c->mask);
}

static uint64_t lay_val(const joint_ctx *c, const int32_t *sel) {
    uint64_t v = (uint64_t)enc_component_stored(c->s, c->x, c->swap, c->mask, sel);
    if (v == 0)
        v = 1; /* an empty band cannot happen for a valid op; keep logs defined */
    return c->log ? enc_log_floor(c->scale, v) : v;
}

/* Chunk factor of operand x's lane: ceil(F/L) if a term on the lane moves x's tensor. */
static void lchunk_sig(const joint_ctx *c, int d, int k, int64_t sig[4]) {
    const enc_opt *p = &c->s->opt[d][k];
    if (p->swap >= 0 && p->swap != (int)c->swap) {
        sig[0] = INT64_MIN;
        return;
    }
    bool on = enc_role_lane(p->role) == c->lane;
    int t = enc_operand_tensor(c->x, c->swap);
    sig[0] = on ? p->ext : 1;
    sig[1] = on && enc_term_touch(c->s->o, t, d, p->comp, p->coef) != 0;
    sig[2] = sig[3] = 0;
}

static uint64_t lchunk_val(const joint_ctx *c, const int32_t *sel) {
    uint64_t F = 1;
    for (int d = 0; d < c->s->nd; d++)
        if (sel[d] >= 0 && enc_role_lane(c->s->opt[d][sel[d]].role) == c->lane)
            F *= (uint64_t)c->s->opt[d][sel[d]].ext;
    uint64_t L = (uint64_t)c->s->lanes[c->lane];
    uint64_t ch = enc_lane_moves(c->s, c->x, c->swap, c->lane, sel) ? (F + L - 1) / L : 1;
    return c->log ? enc_log_floor(c->scale, ch) : ch;
}

/* ---- chunk tables ----------------------------------------------------------------- */

static void chunk_sig(const joint_ctx *c, int d, int k, int64_t sig[4]) {
    const enc_opt *p = &c->s->opt[d][k];
    sig[0] = enc_role_lane(p->role) == c->lane ? p->ext : 1;
    sig[1] = c->fold[d] ? p->loopf : 0;
    sig[2] = sig[3] = 0;
}

static uint64_t chunk_val(const joint_ctx *c, const int32_t *sel) {
    uint64_t F = 1;
    for (int d = 0; d < c->s->nd; d++)
        if (sel[d] >= 0 && enc_role_lane(c->s->opt[d][sel[d]].role) == c->lane)
            F *= (uint64_t)c->s->opt[d][sel[d]].ext;
    uint64_t L = (uint64_t)c->s->lanes[c->lane];
    uint64_t ch = (F + L - 1) / L;
    for (int d = 0; d < c->s->nd; d++)
        if (sel[d] >= 0 && c->fold[d])
            ch *= (uint64_t)c->s->opt[d][sel[d]].loopf;
    return c->log ? enc_log_floor(c->scale, ch) : ch;
}

/* One factor of an operand's bytes: tabulates g (its value and its log term), frees g
 * and multiplies / adds the two into *acc / *lacc; `what` names the table in the
 * too-large message. */
static bool joint_cost(enc_formula *f, joint_ctx *jc, joint *g, joint_sig_fn sigfn,
                       joint_val_fn valfn, const char *what, const char *tensor, enc_term *acc,
                       enc_term *lacc, status *st) {
    joint_sigs(jc, g, sigfn);
    if (joint_size(g) > ENC_MAX_TABLE) {
        free(g);
        return status_fail(st, "enc: %s table of tensor %s too large", what, tensor);
    }
    enc_term v = joint_term(f, jc, g, valfn);
    jc->log = true;
    enc_term lv = joint_term(f, jc, g, valfn);
    free(g);
    return enc_term_mul(f, *acc, v, acc, st) && enc_term_add(f, *lacc, lv, lacc, st);
}

/* Bytes of operand x under a fixed swap: element bytes x one joint table per
 * connected component of the tensor's axes x the chunk axes. */
bool enc_operand_bytes(enc_formula *f, int x, bool swap, enc_term *out, enc_term *lout,
                          status *st) {
    const enc_space *s = f->sp;
    const op *o = s->o;
    int t = enc_operand_tensor(x, swap);
    enc_term acc = enc_term_const(f, (uint64_t)enc_elem_bytes(&s->hw, x));
    enc_term lacc = enc_term_const(f, enc_log_floor(f->log_scale, (uint64_t)enc_elem_bytes(&s->hw, x)));
    int l0 = x == EMB_WGT ? EMB_O : EMB_B, l1 = x == EMB_ACC ? EMB_O : EMB_I;
    unsigned comp[OP_MAX_DIMS];
    int nc;
    enc_components(o, t, comp, &nc);
    for (int ci = 0; ci < nc; ci++) {
        joint_ctx jc;
        memset(&jc, 0, sizeof jc);
        jc.s = s;
        jc.x = x;
        jc.mask = comp[ci];
        jc.swap = swap;
        jc.scale = f->log_scale;
        joint *g = calloc(1, sizeof *g);
        ES_ASSERT(g);
        for (int d = 0; d < o->ndims; d++) {
            bool mem = enc_dim_support(o, t, d) & comp[ci];
            for (int k = 0; k < s->nopt[d] && !mem; k++) {
                const enc_opt *p = &s->opt[d][k];
                int l = enc_role_lane(p->role);
                if (p->comp >= 0 && (enc_dim_support(o, t, p->comp) & comp[ci]))
                    mem = true;
                if ((l == l0 || l == l1) && (enc_term_touch(o, t, d, p->comp, p->coef) & comp[ci]))
                    mem = true;
            }
            if (mem)
                g->m[g->nm++] = d;
        }
        if (!joint_cost(f, &jc, g, lay_sig, lay_val, "layout", o->t[t].name, &acc, &lacc, st))
            return false;
    }
    int ls[2] = {l0, l1};
    for (int i = 0; i < 2; i++) {
        int l = ls[i];
        /* plain chunks when every term that can sit on the lane moves the tensor */
        bool plain = true;
        for (int d = 0; d < o->ndims; d++)
            for (int k = 0; k < s->nopt[d]; k++) {
                const enc_opt *p = &s->opt[d][k];
                if (enc_role_lane(p->role) == l && (p->swap < 0 || p->swap == (int)swap) &&
                    !enc_term_touch(o, t, d, p->comp, p->coef))
                    plain = false;
            }
        if (plain) {
            if (!enc_term_mul(f, acc, f->chunks[l], &acc, st))
                return false;
            if (f->logchunks[l].t && !enc_term_add(f, lacc, f->logchunks[l], &lacc, st))
                return false;
            continue;
        }
        joint_ctx jc = {.s = s, .x = x, .swap = swap, .lane = l, .scale = f->log_scale};
        joint *g = calloc(1, sizeof *g);
        ES_ASSERT(g);
        for (int d = 0; d < o->ndims; d++) {
            bool on = false;
            for (int k = 0; k < s->nopt[d]; k++)
                on |= enc_role_lane(s->opt[d][k].role) == l;
            if (on)
                g->m[g->nm++] = d;
        }
        if (!joint_cost(f, &jc, g, lchunk_sig, lchunk_val, "chunk", o->t[t].name, &acc, &lacc,
                        st))
            return false;
    }
    *out = acc;
    *lout = lacc;
    return true;
}

/* ---- log-domain shadow of the instance count ----------------------------------------- */

/* floor(S * log2(x)) minus a safety unit, so it never exceeds the exact value even
 * with rounding: the shadow sum is a lower bound of S*log2(instances). S is a power of
 * two chosen per formula so that the shadow fits in 60 bits; it is so fine that the
 * summed rounding (< 2 units per term) is far below S*(log2 v - log2(v-1)), so the
 * shadow alone refutes "instances < v" for every choice with instances >= v. */
uint64_t enc_log_floor(long double scale, uint64_t x) {
    long double v = scale * log2l((long double)x) - 1.0L;
    return v <= 0 ? 0 : (uint64_t)floorl(v);
}

uint64_t enc_log_ceil(const enc_formula *f, uint64_t x) {
    if (x <= 1)
        return 0;
    long double v = f->log_scale * log2l((long double)x) + 1.0L;
    return (uint64_t)floorl(v);
}

/* loglb = sum_d LOG(loopf_d) + sum_a max(0, sum_{d on a} LOG(e_d) - LOG(L_a)) <=
 * LOG(instances). A sum of small numbers propagates far better in CDCL than the exact
 * product, so a bound on instances is also asserted on loglb (enc_bound). */
bool enc_log_instances(enc_formula *f, status *st) {
    const enc_space *sp = f->sp;
    const op *o = sp->o;
    Z3_context c = f->ctx;
    enc_term sum = enc_term_const(f, 0);
    int nterms = 0;
    bool folded[OP_MAX_DIMS] = {false};
    /* One table per lane axis: LOG(chunks_a x loop factors of the dims folded in), a
     * dim folded into the first axis it can sit on. Fewer, exact summands make the
     * knapsack-like bound much easier for CDCL than one summand per dim. */
    static const int order[3] = {EMB_I, EMB_O, EMB_B};
    for (int oi = 0; oi < 3; oi++) {
        int l = order[oi];
        joint *j = calloc(1, sizeof *j);
        ES_ASSERT(j);
        joint_ctx jc;
        memset(&jc, 0, sizeof jc);
        jc.s = sp;
        jc.lane = l;
        jc.log = true;
        jc.scale = f->log_scale;
        for (int d = 0; d < o->ndims; d++) {
            bool on = false;
            for (int k = 0; k < sp->nopt[d]; k++)
                on |= enc_role_lane(sp->opt[d][k].role) == l;
            if (!on)
                continue;
            j->m[j->nm++] = d;
            jc.fold[d] = !folded[d];
        }
        if (j->nm == 0) {
            free(j);
            continue;
        }
        joint_sigs(&jc, j, chunk_sig);
        if (joint_size(j) > ENC_MAX_TABLE) {
            memset(jc.fold, 0, sizeof jc.fold);
            joint_sigs(&jc, j, chunk_sig);
        }
        if (joint_size(j) <= ENC_MAX_TABLE) {
            for (int d = 0; d < o->ndims; d++)
                folded[d] |= jc.fold[d];
            enc_term t = joint_term(f, &jc, j, chunk_val);
            free(j);
            nterms++;
            if (!enc_term_add(f, sum, t, &sum, st))
                return false;
            continue;
        }
        free(j);
        /* fallback: max(0, sum LOG(e) - LOG(L)) */
        enc_term ls = enc_term_const(f, 0);
        for (int d = 0; d < o->ndims; d++) {
            uint64_t val[ENC_MAX_OPTS];
            bool on = false;
            for (int k = 0; k < sp->nopt[d]; k++) {
                bool here = enc_role_lane(sp->opt[d][k].role) == l;
                val[k] = here ? enc_log_floor(f->log_scale, (uint64_t)sp->opt[d][k].ext) : 0;
                on |= here;
            }
            if (!on)
                continue;
            nterms++;
            if (!enc_term_add(f, ls, enc_opt_table(f, d, val), &ls, st))
                return false;
        }
        uint64_t lgL = (uint64_t)(f->log_scale * log2l((long double)sp->lanes[l]));
        if (ls.max <= lgL)
            continue;
        Z3_ast k = enc_bv_const(f, lgL, ls.w);
        enc_term x = ls;
        x.t = Z3_mk_ite(c, Z3_mk_bvugt(c, ls.t, k), Z3_mk_bvsub(c, ls.t, k), enc_bv_const(f, 0, ls.w));
        nterms++;
        if (!enc_term_add(f, sum, x, &sum, st))
            return false;
    }
    for (int d = 0; d < o->ndims; d++) {
        if (folded[d])
            continue;
        uint64_t val[ENC_MAX_OPTS];
        for (int k = 0; k < sp->nopt[d]; k++)
            val[k] = enc_log_floor(f->log_scale, (uint64_t)sp->opt[d][k].loopf);
        nterms++;
        if (!enc_term_add(f, sum, enc_opt_table(f, d, val), &sum, st))
            return false;
    }
    ES_ASSERT(nterms <= f->shadow_terms);
    f->shadow_terms = nterms;
    f->loglb = sum;
    return true;
}

/* chunks_a = (F_a + L - 1) >> log2 L with F_a the product of per-dim term extents. */
static bool enc_chunks_by_product(enc_formula *f, int l, enc_term *out, status *st) {
    const enc_space *sp = f->sp;
    Z3_context c = f->ctx;
    enc_term F = enc_term_const(f, 1);
    for (int d = 0; d < sp->nd; d++) {
        uint64_t val[ENC_MAX_OPTS];
        for (int k = 0; k < sp->nopt[d]; k++)
            val[k] = enc_role_lane(sp->opt[d][k].role) == l ? (uint64_t)sp->opt[d][k].ext : 1;
        if (!enc_term_mul(f, F, enc_opt_table(f, d, val), &F, st))
            return false;
    }
    int64_t L = sp->lanes[l];
    unsigned lg = 0;
    while (((int64_t)1 << lg) < L)
        lg++;
    if (F.max <= (uint64_t)L) {
        *out = enc_term_const(f, 1);
        return true;
    }
    enc_term sum;
    if (!enc_term_add(f, F, enc_term_const(f, (uint64_t)(L - 1)), &sum, st))
        return false;
    out->min = 1;
    out->max = (F.max + (uint64_t)L - 1) >> lg;
    out->w = enc_bits_of(out->max);
    Z3_ast sh = lg ? Z3_mk_bvlshr(c, sum.t, enc_bv_const(f, lg, sum.w)) : sum.t;
    out->t = out->w < sum.w ? Z3_mk_extract(c, out->w - 1, 0, sh) : sh;
    return true;
}


/* Chunk counts per lane axis (f->chunks, f->logchunks): one joint table over the dims
 * that can sit on the axis (exact, no multiplier), or product + shift when too big. */
bool enc_chunk_terms(enc_formula *f, status *st) {
    const enc_space *sp = f->sp;
    const op *o = sp->o;
    Z3_context c = f->ctx;
    /* Terms per axis; chunks per axis = ceil(F_a / LANES_a), F_a = product of the
     * axis' term extents: one joint table over the dims that can sit on the axis
     * (exact, no multiplier), or the product + shift when the table would be too big. */
    for (int l = 0; l < 3; l++) {
        Z3_ast cnt = NULL;
        joint *j = calloc(1, sizeof *j);
        ES_ASSERT(j);
        for (int d = 0; d < o->ndims; d++) {
            bool on[ENC_MAX_OPTS], any = false;
            for (int k = 0; k < sp->nopt[d]; k++) {
                on[k] = enc_role_lane(sp->opt[d][k].role) == l;
                any |= on[k];
            }
            if (!any)
                continue;
            j->m[j->nm++] = d;
            Z3_ast one = Z3_mk_ite(c, enc_opt_in(f, d, on), enc_bv_const(f, 1, 4), enc_bv_const(f, 0, 4));
            cnt = cnt ? Z3_mk_bvadd(c, cnt, one) : one;
        }
        if (j->nm > EMB_MAX_TERMS)
            enc_assert(f, Z3_mk_bvule(c, cnt, enc_bv_const(f, EMB_MAX_TERMS, 4)));
        joint_ctx jc;
        memset(&jc, 0, sizeof jc);
        jc.s = sp;
        jc.lane = l;
        jc.scale = f->log_scale;
        joint_sigs(&jc, j, chunk_sig);
        if (j->nm == 0) {
            f->chunks[l] = enc_term_const(f, 1);
            f->logchunks[l] = enc_term_const(f, 0);
        } else if (joint_size(j) <= ENC_MAX_TABLE) {
            f->chunks[l] = joint_term(f, &jc, j, chunk_val);
            jc.log = true;
            f->logchunks[l] = joint_term(f, &jc, j, chunk_val);
        } else if (!enc_chunks_by_product(f, l, &f->chunks[l], st)) {
            free(j);
            return false;
        }
        free(j);
        /* emb_check caps a fused extent at 2^40: F <= 2^40 <=> ceil(F/L) <= 2^40/L. */
        uint64_t cap = ((uint64_t)1 << 40) / (uint64_t)sp->lanes[l];
        if (f->chunks[l].max > cap)
            enc_assert(f, Z3_mk_bvule(c, f->chunks[l].t, enc_bv_const(f, cap, f->chunks[l].w)));
    }
    return true;
}

/* ---- the cycles term of a cost form --------------------------------------------------- */

enc_term enc_term_max(enc_formula *f, enc_term a, enc_term b) {
    enc_term r;
    r.max = a.max > b.max ? a.max : b.max;
    r.min = a.min > b.min ? a.min : b.min;
    r.w = enc_bits_of(r.max);
    Z3_ast x = enc_zext(f, a.t, a.w, r.w), y = enc_zext(f, b.t, b.w, r.w);
    r.t = Z3_mk_ite(f->ctx, Z3_mk_bvuge(f->ctx, x, y), x, y);
    return r;
}

/* coef * t, skipped (NULL result) when coef == 0. */
static bool scaled(enc_formula *f, int64_t coef, enc_term t, enc_term *acc, bool *have,
                   status *st) {
    if (coef == 0)
        return true;
    enc_term p;
    if (!enc_term_mul(f, enc_term_const(f, (uint64_t)coef), t, &p, st))
        return false;
    if (!*have) {
        *acc = p;
        *have = true;
        return true;
    }
    return enc_term_add(f, *acc, p, acc, st);
}

bool enc_cycles_expr(enc_formula *f, const costform *cf, enc_term instances,
                     const enc_term *bytes, enc_term *out, status *st) {
    enc_term mx, sum;
    bool have_mx = false, have_sum = false;
    uint64_t isum = 0, bsum[3] = {0, 0, 0};
    for (int m = 0; m < cf->nmod; m++) {
        enc_term mod = enc_term_const(f, 0);
        bool have = false;
        if (!scaled(f, cf->inst[m], instances, &mod, &have, st))
            return false;
        isum += (uint64_t)cf->inst[m];
        for (int x = 0; x < 3; x++) {
            if (!scaled(f, cf->byte[m][x], bytes[x], &mod, &have, st))
                return false;
            bsum[x] += (uint64_t)cf->byte[m][x];
        }
        f->cyc_mod[m].t = NULL;
        if (!have)
            continue;
        f->cyc_mod[m] = mod;
        mx = have_mx ? enc_term_max(f, mx, mod) : mod;
        have_mx = true;
        if (have_sum) {
            if (!enc_term_add(f, sum, mod, &sum, st))
                return false;
        } else {
            sum = mod;
            have_sum = true;
        }
    }
    ES_ASSERT(have_mx); /* costform_check: some module counts instances */
    enc_term r = enc_term_const(f, (uint64_t)cf->fixed);
    bool have = cf->fixed > 0;
    if (!have)
        r = enc_term_const(f, 0);
    if (!scaled(f, cf->w_max, mx, &r, &have, st) || !scaled(f, cf->w_sum, sum, &r, &have, st))
        return false;
    /* S >= fixed + (w_max * coef_m + w_sum * sum_m coef_m) of each cost alone */
    uint64_t best_i = 0, best_b[3] = {0, 0, 0};
    for (int m = 0; m < cf->nmod; m++) {
        uint64_t ci = (uint64_t)cf->w_max * (uint64_t)cf->inst[m] + (uint64_t)cf->w_sum * isum;
        if (ci > best_i)
            best_i = ci;
        for (int x = 0; x < 3; x++) {
            uint64_t cb = (uint64_t)cf->w_max * (uint64_t)cf->byte[m][x] + (uint64_t)cf->w_sum * bsum[x];
            if (cb > best_b[x])
                best_b[x] = cb;
        }
    }
    f->cyc_inst_coef = best_i;
    for (int x = 0; x < 3; x++)
        f->cyc_byte_coef[x] = best_b[x];
    for (int m = 0; m < cf->nmod; m++) {
        f->cyc_k[m][0] = (uint64_t)cf->w_max * (uint64_t)cf->inst[m] + (uint64_t)cf->w_sum * isum;
        for (int x = 0; x < 3; x++)
            f->cyc_k[m][1 + x] =
                (uint64_t)cf->w_max * (uint64_t)cf->byte[m][x] + (uint64_t)cf->w_sum * bsum[x];
    }
    /* the scalar lower bound of the instances is a theorem over all embeddings */
    uint64_t lbi = (uint64_t)enc_lower_bound(f->sp->o, &f->sp->hw);
    f->cyc_min[0] = instances.min > lbi ? instances.min : lbi;
    for (int x = 0; x < 3; x++)
        f->cyc_min[1 + x] = bytes[x].min > 1 ? bytes[x].min : 1;
    /* Every layout stores each element it feeds at least once, one int8 byte each: all
     * of Out, and all of Wt for the kinds whose every weight meets some output. */
    const op *o = f->sp->o;
    bool wt_all = o->kind == OP_CONV2D || o->kind == OP_DEPTHWISE || o->kind == OP_GEMM;
    for (int x = 0; x < 3; x++) {
        uint64_t least = UINT64_MAX;
        for (int sw = 0; sw < 2; sw++) {
            int t = enc_operand_tensor(x, sw);
            uint64_t b = t == OP_OUT || (t == OP_WT && wt_all) ? (uint64_t)op_tensor_elems(o, (op_role)t) : 1;
            if (b < least)
                least = b;
        }
        if (least > f->cyc_min[1 + x])
            f->cyc_min[1 + x] = least;
    }
    *out = r;
    return true;
}
