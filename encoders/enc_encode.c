/* enc_encode: builds the bit-blasted formula of enc_encode.h from an enc_space.
 * Invariant: each enc_term's width holds its maximum (products are formed at the width
 * of the product of the maxima, so bvmul never wraps); all assertions go through
 * enc_assert and are recorded for the SMT-LIB2 export. */
#include "encoders/enc_encode.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ENC_MAX_WIDTH 120
#define ENC_MAX_TABLE 20000

static uint64_t log_floor(long double scale, uint64_t x);

static void enc_z3_error(Z3_context c, Z3_error_code e) {
    fprintf(stderr, "embedsyn: internal Z3 error %d: %s\n", (int)e, Z3_get_error_msg(c, e));
    es_abort(__FILE__, __LINE__, "Z3 error");
}

static unsigned bits_of(enc_u128 v) {
    unsigned w = 1;
    while (w < 128 && (v >> w) != 0)
        w++;
    return w;
}

void enc_assert(enc_formula *f, Z3_ast a) {
    ES_ASSERT(f->nas < ENC_MAX_ASSERTS);
    f->as[f->nas++] = a;
    Z3_solver_assert(f->ctx, f->sol, a);
}

Z3_ast enc_bv_const(enc_formula *f, uint64_t v, unsigned w) {
    return Z3_mk_unsigned_int64(f->ctx, v, Z3_mk_bv_sort(f->ctx, w));
}

static Z3_ast zext(enc_formula *f, Z3_ast t, unsigned from, unsigned to) {
    return to > from ? Z3_mk_zero_ext(f->ctx, to - from, t) : t;
}

static enc_term term_const(enc_formula *f, uint64_t v) {
    enc_term r;
    r.w = bits_of(v);
    r.max = v;
    r.min = v;
    r.t = enc_bv_const(f, v, r.w);
    return r;
}

static bool term_mul(enc_formula *f, enc_term a, enc_term b, enc_term *r, status *st) {
    if (bits_of(a.max) + bits_of(b.max) > ENC_MAX_WIDTH)
        return status_fail(st, "enc: cost term exceeds %d bits (operator too large)", ENC_MAX_WIDTH);
    enc_u128 m = a.max * b.max;
    if (bits_of(m) > ENC_MAX_WIDTH)
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
    r->w = bits_of(m);
    r->t = Z3_mk_bvmul(f->ctx, zext(f, a.t, a.w, r->w), zext(f, b.t, b.w, r->w));
    return true;
}

static bool term_add(enc_formula *f, enc_term a, enc_term b, enc_term *r, status *st) {
    enc_u128 m = a.max + b.max;
    if (bits_of(m) > ENC_MAX_WIDTH)
        return status_fail(st, "enc: cost term exceeds %d bits (operator too large)", ENC_MAX_WIDTH);
    r->max = m;
    if (__builtin_add_overflow(a.min, b.min, &r->min))
        r->min = UINT64_MAX;
    r->w = bits_of(m);
    r->t = Z3_mk_bvadd(f->ctx, zext(f, a.t, a.w, r->w), zext(f, b.t, b.w, r->w));
    return true;
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

static Z3_ast opt_is(enc_formula *f, int d, int k) {
    return Z3_mk_eq(f->ctx, f->opt[d], enc_bv_const(f, (uint64_t)k, f->optw[d]));
}

/* OR of opt_d == k over the k with mask[k]. */
static Z3_ast opt_in(enc_formula *f, int d, const bool *mask) {
    Z3_ast a[ENC_MAX_OPTS];
    unsigned n = 0;
    for (int k = 0; k < f->sp->nopt[d]; k++)
        if (mask[k])
            a[n++] = opt_is(f, d, k);
    if (n == 0)
        return Z3_mk_false(f->ctx);
    return n == 1 ? a[0] : Z3_mk_or(f->ctx, n, a);
}

/* Term with value val[k] when opt_d == k (ITE chain over the distinct values). */
static enc_term opt_table(enc_formula *f, int d, const uint64_t *val) {
    int n = f->sp->nopt[d];
    uint64_t mx = 0;
    for (int k = 0; k < n; k++)
        if (val[k] > mx)
            mx = val[k];
    enc_term r;
    r.max = mx;
    r.min = 0;
    r.w = bits_of(mx);
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
        r.t = Z3_mk_ite(f->ctx, opt_in(f, d, mask), enc_bv_const(f, dist[i], r.w), r.t);
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
        return term_const(f, valfn(c, sel));
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
    r.w = bits_of(mx);
    int last = j->nsig[i] - 1;
    r.t = zext(f, sub[last].t, sub[last].w, r.w);
    for (int q = last - 1; q >= 0; q--) {
        bool mask[ENC_MAX_OPTS];
        for (int k = 0; k < s->nopt[d]; k++)
            mask[k] = j->sig_of[i][k] == q;
        r.t = Z3_mk_ite(f->ctx, opt_in(f, d, mask), zext(f, sub[q].t, sub[q].w, r.w), r.t);
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
    sig[1] = ing && p->role >= ENC_R_B && p->ext < o->extent[d] ? p->ext : 0;
    bool cg = p->comp >= 0 && (enc_dim_support(o, t, p->comp) & c->mask);
    sig[2] = cg ? p->comp * 4096 + p->ext : -1;
    sig[3] = cg ? p->coef : 0;
    int l = enc_role_lane(p->role);
    int l0 = c->x == EMB_WGT ? EMB_O : EMB_B, l1 = c->x == EMB_ACC ? EMB_O : EMB_I;
    if (l == l0 || l == l1)
        sig[0] += 16 * (int64_t)(enc_term_touch(o, t, d, p->comp, p->coef) & c->mask);
}

static uint64_t lay_val(const joint_ctx *c, const int32_t *sel) {
    uint64_t v = (uint64_t)enc_component_stored(c->s, c->x, c->swap, c->mask, sel);
    if (v == 0)
        v = 1; /* an empty band cannot happen for a valid op; keep logs defined */
    return c->log ? log_floor(c->scale, v) : v;
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
    return c->log ? log_floor(c->scale, ch) : ch;
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
    return c->log ? log_floor(c->scale, ch) : ch;
}

/* Bytes of operand x under a fixed swap: element bytes x one joint table per
 * connected component of the tensor's axes x the chunk axes. */
static bool operand_bytes(enc_formula *f, int x, bool swap, enc_term *out, enc_term *lout,
                          status *st) {
    const enc_space *s = f->sp;
    const op *o = s->o;
    int t = enc_operand_tensor(x, swap);
    enc_term acc = term_const(f, (uint64_t)enc_elem_bytes(&s->hw, x));
    enc_term lacc = term_const(f, log_floor(f->log_scale, (uint64_t)enc_elem_bytes(&s->hw, x)));
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
        joint_sigs(&jc, g, lay_sig);
        if (joint_size(g) > ENC_MAX_TABLE) {
            free(g);
            return status_fail(st, "enc: layout table of tensor %s too large", o->t[t].name);
        }
        enc_term ax = joint_term(f, &jc, g, lay_val);
        jc.log = true;
        enc_term lax = joint_term(f, &jc, g, lay_val);
        free(g);
        if (!term_mul(f, acc, ax, &acc, st) || !term_add(f, lacc, lax, &lacc, st))
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
            if (!term_mul(f, acc, f->chunks[l], &acc, st))
                return false;
            if (f->logchunks[l].t && !term_add(f, lacc, f->logchunks[l], &lacc, st))
                return false;
            continue;
        }
        joint_ctx jc;
        memset(&jc, 0, sizeof jc);
        jc.s = s;
        jc.x = x;
        jc.swap = swap;
        jc.lane = l;
        jc.scale = f->log_scale;
        joint *g = calloc(1, sizeof *g);
        ES_ASSERT(g);
        for (int d = 0; d < o->ndims; d++) {
            bool on = false;
            for (int k = 0; k < s->nopt[d]; k++)
                on |= enc_role_lane(s->opt[d][k].role) == l;
            if (on)
                g->m[g->nm++] = d;
        }
        joint_sigs(&jc, g, lchunk_sig);
        if (joint_size(g) > ENC_MAX_TABLE) {
            free(g);
            return status_fail(st, "enc: chunk table of tensor %s too large", o->t[t].name);
        }
        enc_term ch = joint_term(f, &jc, g, lchunk_val);
        jc.log = true;
        enc_term lch = joint_term(f, &jc, g, lchunk_val);
        free(g);
        if (!term_mul(f, acc, ch, &acc, st) || !term_add(f, lacc, lch, &lacc, st))
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
static uint64_t log_floor(long double scale, uint64_t x) {
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
static bool log_instances(enc_formula *f, status *st) {
    const enc_space *sp = f->sp;
    const op *o = sp->o;
    Z3_context c = f->ctx;
    enc_term sum = term_const(f, 0);
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
            if (!term_add(f, sum, t, &sum, st))
                return false;
            continue;
        }
        free(j);
        /* fallback: max(0, sum LOG(e) - LOG(L)) */
        enc_term ls = term_const(f, 0);
        for (int d = 0; d < o->ndims; d++) {
            uint64_t val[ENC_MAX_OPTS];
            bool on = false;
            for (int k = 0; k < sp->nopt[d]; k++) {
                bool here = enc_role_lane(sp->opt[d][k].role) == l;
                val[k] = here ? log_floor(f->log_scale, (uint64_t)sp->opt[d][k].ext) : 0;
                on |= here;
            }
            if (!on)
                continue;
            nterms++;
            if (!term_add(f, ls, opt_table(f, d, val), &ls, st))
                return false;
        }
        uint64_t lgL = (uint64_t)(f->log_scale * log2l((long double)sp->lanes[l]));
        if (ls.max <= lgL)
            continue;
        Z3_ast k = enc_bv_const(f, lgL, ls.w);
        enc_term x = ls;
        x.t = Z3_mk_ite(c, Z3_mk_bvugt(c, ls.t, k), Z3_mk_bvsub(c, ls.t, k), enc_bv_const(f, 0, ls.w));
        nterms++;
        if (!term_add(f, sum, x, &sum, st))
            return false;
    }
    for (int d = 0; d < o->ndims; d++) {
        if (folded[d])
            continue;
        uint64_t val[ENC_MAX_OPTS];
        for (int k = 0; k < sp->nopt[d]; k++)
            val[k] = log_floor(f->log_scale, (uint64_t)sp->opt[d][k].loopf);
        nterms++;
        if (!term_add(f, sum, opt_table(f, d, val), &sum, st))
            return false;
    }
    ES_ASSERT(nterms <= f->shadow_terms);
    f->shadow_terms = nterms;
    f->loglb = sum;
    return true;
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

/* chunks_a = (F_a + L - 1) >> log2 L with F_a the product of per-dim term extents. */
static bool chunks_by_product(enc_formula *f, int l, enc_term *out, status *st) {
    const enc_space *sp = f->sp;
    Z3_context c = f->ctx;
    enc_term F = term_const(f, 1);
    for (int d = 0; d < sp->nd; d++) {
        uint64_t val[ENC_MAX_OPTS];
        for (int k = 0; k < sp->nopt[d]; k++)
            val[k] = enc_role_lane(sp->opt[d][k].role) == l ? (uint64_t)sp->opt[d][k].ext : 1;
        if (!term_mul(f, F, opt_table(f, d, val), &F, st))
            return false;
    }
    int64_t L = sp->lanes[l];
    unsigned lg = 0;
    while (((int64_t)1 << lg) < L)
        lg++;
    if (F.max <= (uint64_t)L) {
        *out = term_const(f, 1);
        return true;
    }
    enc_term sum;
    if (!term_add(f, F, term_const(f, (uint64_t)(L - 1)), &sum, st))
        return false;
    out->min = 1;
    out->max = (F.max + (uint64_t)L - 1) >> lg;
    out->w = bits_of(out->max);
    Z3_ast sh = lg ? Z3_mk_bvlshr(c, sum.t, enc_bv_const(f, lg, sum.w)) : sum.t;
    out->t = out->w < sum.w ? Z3_mk_extract(c, out->w - 1, 0, sh) : sh;
    return true;
}


/* A named constant equal to t: bounds asserted later mention only the name, so each
 * incremental check adds a few comparator clauses instead of a copy of the product. */
static enc_term name_term(enc_formula *f, const char *nm, enc_term t, Z3_ast *def) {
    enc_term r = t;
    r.t = Z3_mk_const(f->ctx, Z3_mk_string_symbol(f->ctx, nm), Z3_mk_bv_sort(f->ctx, t.w));
    *def = Z3_mk_eq(f->ctx, r.t, t.t);
    return r;
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

bool enc_formula_build(enc_formula *f, const enc_space *sp, uint64_t rlimit, double timeout_s,
                       status *st) {
    memset(f, 0, sizeof *f);
    f->sp = sp;
    f->rlimit_left = rlimit;
    f->timeout_s = timeout_s;
    if (getenv("ENC_VERBOSE"))
        Z3_global_param_set("verbose", getenv("ENC_VERBOSE"));
    if (getenv("ENC_PARAMS")) {
        char buf[512];
        snprintf(buf, sizeof buf, "%s", getenv("ENC_PARAMS"));
        for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
            char *eq = strchr(tok, '=');
            if (eq) {
                *eq = 0;
                Z3_global_param_set(tok, eq + 1);
            }
        }
    }
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
        f->optw[d] = bits_of((enc_u128)(unsigned)(sp->nopt[d] - 1));
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
            enc_assert(f, Z3_mk_implies(c, opt_in(f, d, m0), Z3_mk_not(c, f->swap)));
        if (any1)
            enc_assert(f, Z3_mk_implies(c, opt_in(f, d, m1), f->swap));
    }
    /* Compensation: d2 is CONS iff exactly one option compensates it. */
    for (int d2 = 0; d2 < o->ndims; d2++) {
        int kc = -1;
        for (int k = 0; k < sp->nopt[d2]; k++)
            if (sp->opt[d2][k].role == ENC_R_CONS)
                kc = k;
        if (kc < 0)
            continue;
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
                by[nb++] = opt_in(f, d, mask);
        }
        Z3_ast some = nb == 1 ? by[0] : Z3_mk_or(c, nb, by);
        enc_assert(f, Z3_mk_eq(c, opt_is(f, d2, kc), some));
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
            Z3_ast one = Z3_mk_ite(c, opt_in(f, d, on), enc_bv_const(f, 1, 4), enc_bv_const(f, 0, 4));
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
            f->chunks[l] = term_const(f, 1);
            f->logchunks[l] = term_const(f, 0);
        } else if (joint_size(j) <= ENC_MAX_TABLE) {
            f->chunks[l] = joint_term(f, &jc, j, chunk_val);
            jc.log = true;
            f->logchunks[l] = joint_term(f, &jc, j, chunk_val);
        } else if (!chunks_by_product(f, l, &f->chunks[l], st)) {
            free(j);
            return false;
        }
        free(j);
    }
    /* Instances: option loop factors x chunks. */
    enc_term inst = term_const(f, 1);
    for (int d = 0; d < o->ndims; d++) {
        uint64_t val[ENC_MAX_OPTS];
        for (int k = 0; k < sp->nopt[d]; k++)
            val[k] = (uint64_t)sp->opt[d][k].loopf;
        if (!term_mul(f, inst, opt_table(f, d, val), &inst, st))
            return false;
    }
    for (int l = 0; l < 3; l++)
        if (!term_mul(f, inst, f->chunks[l], &inst, st))
            return false;
    f->instances = name_term(f, "instances", inst, &f->inst_def);
    if (!log_instances(f, st))
        return false;
    /* DRAM bytes per operand: ite(swap, bytes|swap, bytes|no swap). */
    enc_term tot = term_const(f, 0);
    for (int x = 0; x < 3; x++) {
        enc_term b0, b1, l0, l1;
        if (!operand_bytes(f, x, false, &b0, &l0, st) || !operand_bytes(f, x, true, &b1, &l1, st))
            return false;
        enc_term lb;
        lb.max = l0.max > l1.max ? l0.max : l1.max;
        lb.min = 0;
        lb.w = bits_of(lb.max);
        lb.t = Z3_mk_ite(c, f->swap, zext(f, l1.t, l1.w, lb.w), zext(f, l0.t, l0.w, lb.w));
        f->logbytes[x] = lb;
        enc_term b;
        b.max = b0.max > b1.max ? b0.max : b1.max;
        b.min = b0.min < b1.min ? b0.min : b1.min;
        b.w = bits_of(b.max);
        b.t = Z3_mk_ite(c, f->swap, zext(f, b1.t, b1.w, b.w), zext(f, b0.t, b0.w, b.w));
        f->bytes[x] = b;
        if (!term_add(f, tot, b, &tot, st))
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

static uint64_t rlimit_count(enc_formula *f) {
    Z3_stats s = Z3_solver_get_statistics(f->ctx, f->sol);
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

Z3_lbool enc_check(enc_formula *f, int nassum, const Z3_ast *assum) {
    Z3_context c = f->ctx;
    Z3_params p = Z3_mk_params(c);
    Z3_params_inc_ref(c, p);
    if (f->rlimit_left > 0)
        Z3_params_set_uint(c, p, Z3_mk_string_symbol(c, "rlimit"),
                           f->rlimit_left > 0xffffffffu ? 0xffffffffu : (unsigned)f->rlimit_left);
    if (f->timeout_s > 0)
        Z3_params_set_uint(c, p, Z3_mk_string_symbol(c, "timeout"), (unsigned)(f->timeout_s * 1000.0));
    Z3_solver_set_params(c, f->sol, p);
    Z3_params_dec_ref(c, p);
    uint64_t before = rlimit_count(f);
    Z3_lbool r = Z3_solver_check_assumptions(c, f->sol, (unsigned)nassum, assum);
    uint64_t used = rlimit_count(f) - before;
    if (getenv("ENC_STATS")) {
        Z3_stats sx = Z3_solver_get_statistics(f->ctx, f->sol);
        fprintf(stderr, "%s\n", Z3_stats_to_string(f->ctx, sx));
    }
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
        conj[n++] = opt_in(f, d, mask);
    }
    return Z3_mk_not(c, Z3_mk_and(c, n, conj));
}

const char *enc_smt2(enc_formula *f, Z3_ast extra) {
    return Z3_benchmark_to_smtlib_string(f->ctx, "embedsyn optimality proof", "QF_BV", "unsat", "",
                                         (unsigned)f->nas, f->as, extra);
}
