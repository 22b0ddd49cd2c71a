/* enc_space: builds the per-dim option lists of the search space (definition in
 * enc_space.h) and the plain-C cost pieces the encoding tabulates: loop factors, the
 * layout-axis model, the scalar lower bound.
 * Invariant: options are generated only when the dataflow rule of their axis holds for
 * the dim's tensor columns, so any consistent choice passes emb_check. */
#include "encoders/enc_space.h"

#include <stdlib.h>
#include <string.h>

#include "core/emb_int.h" /* emb_operand_lanes: the lanes of each VTA operand */

static bool col_zero(const op *o, int t, int d) {
    for (int j = 0; j < o->t[t].rank; j++)
        if (o->t[t].map[j][d] != 0)
            return false;
    return true;
}

/* Integer c != 0 with T[:,d] + c T[:,d2] = 0, or 0 if none. */
static int64_t comp_coef(const op *o, int t, int d, int d2) {
    const op_tensor *T = &o->t[t];
    int64_t c = 0;
    for (int j = 0; j < T->rank; j++) {
        int64_t a = T->map[j][d], b = T->map[j][d2];
        if (b == 0) {
            if (a != 0)
                return 0;
            continue;
        }
        if (a % b != 0)
            return 0;
        int64_t cj = -a / b;
        if (cj == 0 || (c != 0 && cj != c))
            return 0;
        c = cj;
    }
    return c;
}

int enc_role_lane(int role) {
    switch (role) {
    case ENC_R_B: return EMB_B;
    case ENC_R_O: return EMB_O;
    case ENC_R_I: return EMB_I;
    default: return -1;
    }
}

int enc_operand_tensor(int x, bool swap) {
    if (x == EMB_ACC)
        return OP_OUT;
    if (x == EMB_INP)
        return swap ? OP_WT : OP_IN;
    return swap ? OP_IN : OP_WT;
}

int64_t enc_elem_bytes(const hw_intrinsic *hw, int x) {
    switch (x) {
    case EMB_INP: return hw->inp_bytes;
    case EMB_WGT: return hw->wgt_bytes;
    default: return hw->out_bytes;
    }
}

/* Split factors of the space: full extent, or 2 <= e < E with e <= lanes and e | lanes
 * or e | E. */
static int extents(int64_t E, int64_t lanes, int64_t *out) {
    int n = 0;
    out[n++] = E;
    for (int64_t e = 2; e < E && e <= lanes; e++)
        if (lanes % e == 0 || E % e == 0)
            out[n++] = e;
    return n;
}

static bool add_opt(enc_space *s, int d, enc_opt op_, status *st) {
    if (s->nopt[d] >= ENC_MAX_OPTS)
        return status_fail(st, "enc: too many options for dim %s", s->o->dim_name[d]);
    s->opt[d][s->nopt[d]++] = op_;
    return true;
}

static bool add_terms(enc_space *s, int d, int role, int sw, int comp, int64_t coef, status *st) {
    const op *o = s->o;
    int64_t E = o->extent[d];
    int64_t ex[80];
    int n = extents(E, s->lanes[enc_role_lane(role)], ex);
    for (int i = 0; i < n; i++) {
        enc_opt p = {(int8_t)role, (int8_t)sw, comp, ex[i], coef, 1, 0};
        p.loopf = es_ceil_div(E, ex[i]);
        if (comp >= 0)
            p.loopf *= o->extent[comp] + llabs(coef) * (ex[i] - 1);
        if (!add_opt(s, d, p, st))
            return false;
    }
    return true;
}

bool enc_space_build(const op *o, const hw_intrinsic *hw, enc_space *s, status *st) {
    memset(s, 0, sizeof *s);
    s->o = o;
    s->hw = *hw;
    s->lanes[EMB_B] = hw->batch;
    s->lanes[EMB_O] = hw->block_out;
    s->lanes[EMB_I] = hw->block_in;
    s->nd = o->ndims;
    bool batch = s->lanes[EMB_B] > 1;
    for (int d = 0; d < o->ndims; d++) {
        enc_opt none = {ENC_R_NONE, -1, -1, 0, 0, o->extent[d], 0};
        if (!add_opt(s, d, none, st))
            return false;
        /* CONS if some dim can compensate d (added below when found). */
    }
    for (int d = 0; d < o->ndims; d++) {
        if (o->extent[d] < 2)
            continue;
        bool red = op_is_reduction(o, d);
        for (int sw = 0; sw < 2; sw++) {
            int P = enc_operand_tensor(EMB_INP, sw), Q = enc_operand_tensor(EMB_WGT, sw);
            if (red) {
                if (!add_terms(s, d, ENC_R_I, sw, -1, 0, st))
                    return false;
                continue;
            }
            /* O keeps P fixed, B keeps Q fixed; both need an Out dim (distinct
             * accumulator lanes), which op_check's injectivity guarantees. */
            for (int ax = 0; ax < 2; ax++) {
                int role = ax == 0 ? ENC_R_O : ENC_R_B;
                int T = ax == 0 ? P : Q;
                if (role == ENC_R_B && !batch)
                    continue;
                if (col_zero(o, T, d)) {
                    if (!add_terms(s, d, role, sw, -1, 0, st))
                        return false;
                    continue;
                }
                for (int d2 = 0; d2 < o->ndims; d2++) {
                    if (d2 == d || !op_is_reduction(o, d2))
                        continue;
                    int64_t c = comp_coef(o, T, d, d2);
                    if (c != 0 && !add_terms(s, d, role, sw, d2, c, st))
                        return false;
                }
            }
        }
    }
    /* CONS options for every dim some option compensates. */
    bool cons[OP_MAX_DIMS] = {false};
    for (int d = 0; d < o->ndims; d++)
        for (int k = 0; k < s->nopt[d]; k++)
            if (s->opt[d][k].comp >= 0)
                cons[s->opt[d][k].comp] = true;
    for (int d = 0; d < o->ndims; d++)
        if (cons[d]) {
            enc_opt c = {ENC_R_CONS, -1, -1, 0, 0, 1, 0};
            if (!add_opt(s, d, c, st))
                return false;
        }
    /* Banded variants of every Toeplitz option (after all other options, so that
     * adding them leaves the other options' indices alone): the compensated dim d2 is also the I
     * term along the band; d2 gets a BAND(b) option per band extent b. */
    int nbase[OP_MAX_DIMS];
    bool compd[OP_MAX_DIMS] = {false};
    for (int d = 0; d < o->ndims; d++) {
        nbase[d] = s->nopt[d];
        for (int k = 0; k < s->nopt[d]; k++)
            if (s->opt[d][k].comp >= 0)
                compd[s->opt[d][k].comp] = true;
    }
    /* Only where the other reduction dims (channels) leave I lanes empty: else im2col
     * or channel packing fill them and the band only costs solver time. */
    int64_t chan = 1;
    for (int d = 0; d < o->ndims; d++)
        if (op_is_reduction(o, d) && !compd[d] && chan < s->lanes[EMB_I])
            chan *= o->extent[d];
    /* ... and where the dims that could fill the O lanes without moving In (output
     * channels per group) leave them empty too: else im2col with O <- k wins (C = 1 or
     * 3 convs with K >= 16). */
    int64_t kcap = 1;
    for (int d = 0; d < o->ndims; d++)
        if (!op_is_reduction(o, d) && col_zero(o, OP_IN, d) && kcap < s->lanes[EMB_O])
            kcap *= o->extent[d];
    bool bands = chan < s->lanes[EMB_I] && kcap < s->lanes[EMB_O];
    for (int d = 0; d < o->ndims && bands; d++)
        for (int k = 0; k < nbase[d]; k++) {
            enc_opt p = s->opt[d][k];
            if (p.comp < 0 || p.ext < 2)
                continue;
            /* only the largest extent whose band fits one I chunk (each further
             * variant costs solver time for little: see enc_space.h) */
            int64_t efit = 0;
            for (int j = 0; j < nbase[d]; j++) {
                const enc_opt *q = &s->opt[d][j];
                if (q->role != p.role || q->swap != p.swap || q->comp != p.comp || q->coef != p.coef)
                    continue;
                if (o->extent[p.comp] + llabs(q->coef) * (q->ext - 1) <= s->lanes[EMB_I] && q->ext > efit)
                    efit = q->ext;
            }
            if (p.ext != efit)
                continue;
            int64_t range = o->extent[p.comp] + llabs(p.coef) * (p.ext - 1);
            int64_t b = range < s->lanes[EMB_I] ? range : s->lanes[EMB_I];
            if (b <= o->extent[p.comp] && b < range)
                continue; /* the band would be a plain split of d2: not banded */
            p.band = b;
            p.loopf = es_ceil_div(o->extent[d], p.ext) * es_ceil_div(range, b);
            if (!add_opt(s, d, p, st))
                return false;
            bool have = false;
            for (int j = 0; j < s->nopt[p.comp]; j++)
                if (s->opt[p.comp][j].band == b && s->opt[p.comp][j].role == ENC_R_I)
                    have = true;
            enc_opt q = {ENC_R_I, -1, -1, b, 0, 1, b};
            if (!have && !add_opt(s, p.comp, q, st))
                return false;
        }
    return true;
}

bool enc_space_consistent(const enc_space *s, bool swap, const int32_t *sel) {
    int nterms[3] = {0, 0, 0};
    int comp_by[OP_MAX_DIMS];
    for (int d = 0; d < s->nd; d++)
        comp_by[d] = -1;
    for (int d = 0; d < s->nd; d++) {
        const enc_opt *p = &s->opt[d][sel[d]];
        if (p->swap >= 0 && p->swap != (int)swap)
            return false;
        int l = enc_role_lane(p->role);
        if (l >= 0)
            nterms[l]++;
        if (p->comp >= 0) {
            if (comp_by[p->comp] >= 0)
                return false;
            comp_by[p->comp] = d;
        }
    }
    for (int d = 0; d < s->nd; d++) {
        const enc_opt *p = &s->opt[d][sel[d]];
        bool is_cons = p->role == ENC_R_CONS, is_band = p->role == ENC_R_I && p->band > 0;
        if ((is_cons || is_band) != (comp_by[d] >= 0))
            return false;
        if (comp_by[d] >= 0 && s->opt[comp_by[d]][sel[comp_by[d]]].band != (is_band ? p->band : 0))
            return false;
    }
    for (int l = 0; l < 3; l++)
        if (nterms[l] > EMB_MAX_TERMS)
            return false;
    return true;
}

void enc_space_emb(const enc_space *s, bool swap, const int32_t *sel, emb *e) {
    memset(e, 0, sizeof *e);
    e->swap = swap;
    for (int d = 0; d < s->nd; d++) {
        const enc_opt *p = &s->opt[d][sel[d]];
        int l = enc_role_lane(p->role);
        if (l < 0)
            continue;
        ES_ASSERT(e->nterms[l] < EMB_MAX_TERMS);
        emb_term *t = &e->term[l][e->nterms[l]++];
        t->dim = d;
        t->extent = p->ext;
        t->comp_dim = p->comp;
        t->comp_coef = p->comp >= 0 ? p->coef : 0;
    }
}

int64_t enc_lower_bound(const op *o, const hw_intrinsic *hw) {
    int64_t red = op_reduction_size(o), outs = op_outputs(o);
    int64_t per = es_ceil_div(red, hw->block_in);
    int64_t lanes = hw->batch * hw->block_out;
    /* outs * per may exceed int64 only for absurd ops; saturate. */
    int64_t num;
    if (!es_mul_i64(outs, per, &num))
        return outs / lanes * per;
    return es_ceil_div(num, lanes);
}

/* Tensor-axis mask a term (d, comp, coef) moves in tensor t. */
unsigned enc_term_touch(const op *o, int t, int d, int comp, int64_t coef) {
    const op_tensor *T = &o->t[t];
    unsigned m = 0;
    for (int j = 0; j < T->rank; j++) {
        int64_t v = T->map[j][d] + (comp >= 0 ? coef * T->map[j][comp] : 0);
        if (v)
            m |= 1u << j;
    }
    return m;
}

unsigned enc_dim_support(const op *o, int t, int d) {
    return enc_term_touch(o, t, d, -1, 0);
}

void enc_components(const op *o, int t, unsigned *comp, int *ncomp) {
    /* union of supports, merged until disjoint */
    unsigned c[OP_MAX_DIMS];
    int n = 0;
    for (int d = 0; d < o->ndims; d++) {
        unsigned m = enc_dim_support(o, t, d);
        if (!m)
            continue;
        for (int i = 0; i < n;) {
            if (c[i] & m) {
                m |= c[i];
                c[i] = c[--n];
                i = 0;
            } else {
                i++;
            }
        }
        c[n++] = m;
    }
    for (int i = 0; i < n; i++)
        comp[i] = c[i];
    *ncomp = n;
}

typedef struct lgroup {
    int64_t g[OP_MAX_RANK];
    int n;
    int64_t r[OP_MAX_DIMS], ext[OP_MAX_DIMS];
} lgroup;

/* Mirrors emb_nest's layout construction for the dim-loop axes of operand x whose
 * tensor axes lie in `mask` (a connected component): loops with extent > 1 grouped by
 * primitive direction; the common factor divided out only where the operand's own lanes
 * touch the direction; stored values exclude the zero bands of single-axis directions
 * no lane and no other axis touches. */
int64_t enc_component_stored(const enc_space *s, int x, bool swap, unsigned mask,
                             const int32_t *sel) {
    const op *o = s->o;
    int t = enc_operand_tensor(x, swap);
    const op_tensor *T = &o->t[t];
    int rank = T->rank;
    emb_lane l0, l1;
    emb_operand_lanes((emb_operand)x, &l0, &l1);
    unsigned touch = 0;
    int comp_by[OP_MAX_DIMS];
    for (int d = 0; d < s->nd; d++)
        comp_by[d] = -1;
    for (int d = 0; d < s->nd; d++) {
        if (sel[d] < 0)
            continue;
        const enc_opt *p = &s->opt[d][sel[d]];
        int l = enc_role_lane(p->role);
        if (l == (int)l0 || l == (int)l1)
            touch |= enc_term_touch(o, t, d, p->comp, p->coef);
        if (p->comp >= 0)
            comp_by[p->comp] = d;
    }
    lgroup gr[OP_MAX_DIMS];
    int ng = 0;
    int64_t p0[OP_MAX_DIMS] = {0};
    for (int d = 0; d < s->nd; d++) {
        unsigned sup = enc_dim_support(o, t, d);
        if (!sup || (sup & ~mask) || sel[d] < 0)
            continue;
        const enc_opt *p = &s->opt[d][sel[d]];
        int64_t E = o->extent[d], ext, step = 1;
        if (p->role == ENC_R_NONE) {
            ext = E;
        } else if (p->role == ENC_R_I && p->band > 0) {
            /* BAND: the shifted d2 loop stepped by the band extent */
            if (comp_by[d] < 0)
                return 1; /* inconsistent choice: value irrelevant */
            const enc_opt *q = &s->opt[comp_by[d]][sel[comp_by[d]]];
            int64_t span = llabs(q->coef) * (q->ext - 1);
            ext = es_ceil_div(E + span, p->ext);
            step = p->ext;
            p0[d] = q->coef < 0 ? 0 : -span;
            bool full = span == 0 && p->ext == E;
            if (full)
                continue;
        } else if (p->role == ENC_R_CONS) {
            if (comp_by[d] < 0)
                return 1; /* inconsistent choice: value irrelevant */
            const enc_opt *q = &s->opt[comp_by[d]][sel[comp_by[d]]];
            int64_t span = llabs(q->coef) * (q->ext - 1);
            ext = E + span;
            p0[d] = q->coef < 0 ? 0 : -span;
        } else if (p->ext < E) {
            ext = es_ceil_div(E, p->ext);
            step = p->ext;
        } else {
            continue;
        }
        if (ext <= 1)
            continue;
        int64_t v[OP_MAX_RANK], g[OP_MAX_RANK];
        for (int j = 0; j < rank; j++)
            v[j] = step * T->map[j][d];
        int64_t gg = emb_dir_split(v, rank, g);
        int k = -1;
        for (int i = 0; i < ng; i++)
            if (!memcmp(gr[i].g, g, sizeof g))
                k = i;
        if (k < 0) {
            k = ng++;
            memset(&gr[k], 0, sizeof gr[k]);
            memcpy(gr[k].g, g, sizeof g);
        }
        gr[k].r[gr[k].n] = gg;
        gr[k].ext[gr[k].n++] = ext;
    }
    int64_t stored = 1;
    for (int k = 0; k < ng; k++) {
        lgroup *a = &gr[k];
        bool touched = false;
        int sj = -1, nsup = 0;
        for (int j = 0; j < rank; j++)
            if (a->g[j]) {
                touched |= (touch >> j) & 1u;
                sj = j;
                nsup++;
            }
        int64_t D = 0;
        for (int i = 0; i < a->n; i++)
            D = es_gcd_i64(D, a->r[i]);
        if (!touched)
            D = 1;
        int64_t ext = 1, base = 0;
        for (int i = 0; i < a->n; i++) {
            int64_t span = llabs(a->r[i] / D) * (a->ext[i] - 1);
            ext += span;
            if (a->r[i] < 0)
                base += span;
        }
        int64_t st = ext;
        bool alone = nsup == 1 && !((touch >> sj) & 1u);
        for (int k2 = 0; k2 < ng && alone; k2++)
            if (k2 != k && gr[k2].g[sj])
                alone = false;
        if (alone) {
            int64_t dv = D * a->g[sj];
            int64_t c0 = T->off[sj];
            for (int d = 0; d < s->nd; d++)
                c0 += T->map[sj][d] * p0[d];
            c0 -= base * dv;
            int64_t lo, hi;
            emb_axis_in_bounds(c0, dv, T->shape[sj], ext, &lo, &hi);
            st = hi - lo;
        }
        stored *= st;
    }
    return stored;
}

bool enc_lane_moves(const enc_space *s, int x, bool swap, int lane, const int32_t *sel) {
    int t = enc_operand_tensor(x, swap);
    for (int d = 0; d < s->nd; d++) {
        if (sel[d] < 0)
            continue;
        const enc_opt *p = &s->opt[d][sel[d]];
        if (enc_role_lane(p->role) == lane && enc_term_touch(s->o, t, d, p->comp, p->coef))
            return true;
    }
    return false;
}

int64_t enc_space_dram(const enc_space *s, bool swap, const int32_t *sel) {
    int64_t F[3] = {1, 1, 1};
    for (int d = 0; d < s->nd; d++) {
        int l = enc_role_lane(s->opt[d][sel[d]].role);
        if (l >= 0)
            F[l] *= s->opt[d][sel[d]].ext;
    }
    int64_t tot = 0;
    for (int x = 0; x < 3; x++) {
        int t = enc_operand_tensor(x, swap);
        unsigned comp[OP_MAX_DIMS];
        int nc;
        enc_components(s->o, t, comp, &nc);
        int64_t b = enc_elem_bytes(&s->hw, x);
        for (int i = 0; i < nc; i++)
            b *= enc_component_stored(s, x, swap, comp[i], sel);
        emb_lane l0, l1;
        emb_operand_lanes((emb_operand)x, &l0, &l1);
        int ls[2] = {(int)l0, (int)l1};
        for (int i = 0; i < 2; i++)
            if (enc_lane_moves(s, x, swap, ls[i], sel))
                b *= es_ceil_div(F[ls[i]], s->lanes[ls[i]]);
        tot += b;
    }
    return tot;
}

int64_t enc_space_instances(const enc_space *s, const int32_t *sel) {
    int64_t inst = 1;
    int64_t F[3] = {1, 1, 1};
    for (int d = 0; d < s->nd; d++) {
        const enc_opt *p = &s->opt[d][sel[d]];
        inst *= p->loopf;
        int l = enc_role_lane(p->role);
        if (l >= 0)
            F[l] *= p->ext;
    }
    for (int l = 0; l < 3; l++)
        inst *= es_ceil_div(F[l], s->lanes[l]);
    return inst;
}

/* Sets option k of dim d in sel, keeping compensation consistent: a Toeplitz option
 * makes its compensated dim CONS; replacing a Toeplitz option frees its dim. */
static bool greedy_set(const enc_space *s, int32_t *sel, int d, int k) {
    const enc_opt *old = &s->opt[d][sel[d]];
    const enc_opt *nw = &s->opt[d][k];
    if (old->role == ENC_R_CONS || nw->role == ENC_R_CONS || (old->role == ENC_R_I && old->band > 0) ||
        (nw->role == ENC_R_I && nw->band > 0))
        return false;
    if (old->comp >= 0)
        sel[old->comp] = 0;
    sel[d] = k;
    int c = nw->comp;
    if (c >= 0) {
        const enc_opt *oc = &s->opt[c][sel[c]];
        if (oc->role != ENC_R_NONE)
            return false;
        for (int j = 0; j < s->nopt[c]; j++) {
            const enc_opt *q = &s->opt[c][j];
            if (nw->band == 0 ? q->role == ENC_R_CONS : q->role == ENC_R_I && q->band == nw->band)
                sel[c] = j;
        }
    }
    return true;
}

int64_t enc_space_greedy(const enc_space *s, bool *swap_out, int32_t *sel_out) {
    int64_t best = INT64_MAX;
    for (int sw = 0; sw < 2; sw++) {
        int32_t sel[OP_MAX_DIMS] = {0};
        int64_t cur = enc_space_instances(s, sel);
        for (;;) {
            int64_t bv = cur;
            int32_t bsel[OP_MAX_DIMS];
            for (int d = 0; d < s->nd; d++)
                for (int k = 0; k < s->nopt[d]; k++) {
                    int32_t t[OP_MAX_DIMS];
                    memcpy(t, sel, sizeof t);
                    if (!greedy_set(s, t, d, k) || !enc_space_consistent(s, sw, t))
                        continue;
                    int64_t v = enc_space_instances(s, t);
                    if (v < bv) {
                        bv = v;
                        memcpy(bsel, t, sizeof bsel);
                    }
                }
            if (bv >= cur)
                break;
            cur = bv;
            memcpy(sel, bsel, sizeof sel);
        }
        if (cur < best) {
            best = cur;
            *swap_out = sw;
            memcpy(sel_out, sel, sizeof sel);
        }
    }
    return best;
}
