/* emb_check: the scalar checker of an embedding (DESIGN section 3), the ground truth
 * every synthesized or hand-made embedding is held to. For each instance (all of them,
 * or a seeded sample) and every lane triple (b,o,i) it computes the operator point from
 * the loop nest and compares what the hardware would do, element by element:
 *  - dataflow rules: all i of one (b,o) write one Out element, all o of one (b,i) read
 *    one In element, all b of one (o,i) read one Wt element, the (b,o) lanes of one
 *    instance write distinct Out elements;
 *  - layouts: the packed inp/wgt/acc element lanes the instance addresses (emb_addr)
 *    hold exactly the tensor elements the point needs (computed from the layout side,
 *    emb_geom_content, not from the point);
 *  - a wasted lane or a point outside the domain meets a zero operand or a dead
 *    accumulator (one that is never unpacked);
 *  - with all instances: every domain point is computed exactly once, and every Out
 *    element is unpacked from exactly one accumulator slot that some point writes; with
 *    a sample: each written slot is the one emb_out_position names for its Out element.
 * Invariant: it never modifies its inputs; it reports the first violation. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/emb.h"
#include "core/es.h"
#include "core/emb_int.h"

typedef struct lane_val {
    bool live;       /* not a wasted lane */
    bool inb;        /* index in the tensor's bounds */
    int64_t idx[OP_MAX_RANK];
} lane_val;

static void fmt_inst(const op *o, const emb_nest *n, int64_t q, const int64_t *t, char *buf,
                     size_t len) {
    size_t k = (size_t)snprintf(buf, len, "instance %" PRId64 " (", q);
    for (int li = 0; li < n->nloops && k < len; li++) {
        const emb_loop *l = &n->loop[li];
        if (l->kind == EMB_LOOP_DIM)
            k += (size_t)snprintf(buf + k, len - k, "%s%s=%" PRId64, li ? "," : "", o->dim_name[l->dim],
                                  l->start + l->step * t[li]);
        else
            k += (size_t)snprintf(buf + k, len - k, "%schunk_%s=%" PRId64, li ? "," : "",
                                  emb_lane_name((emb_lane)l->dim), t[li]);
    }
    if (k < len)
        snprintf(buf + k, len - k, ")");
}

static bool idx_eq(const int64_t *a, const int64_t *b, int rank) {
    return memcmp(a, b, (size_t)rank * sizeof *a) == 0;
}

/* Dataflow rule for one VTA lane (acc, inp or wgt): its first use records who used it
 * (*w) and the tensor index it addressed (rec); every later use must address the same
 * index. Returns the recorded index when idx differs, else NULL. */
static const int64_t *first_use(int64_t *w, int64_t who, int64_t *rec, const int64_t *idx,
                                int rank) {
    if (*w < 0) {
        *w = who;
        memcpy(rec, idx, OP_MAX_RANK * sizeof *idx);
        return NULL;
    }
    return idx_eq(rec, idx, rank) ? NULL : rec;
}

static int64_t point_linear(const op *o, const int64_t *p) {
    int64_t lin = 0;
    for (int d = 0; d < o->ndims; d++)
        lin = lin * o->extent[d] + p[d];
    return lin;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

typedef struct chk {
    const op *o;
    const hw_intrinsic *hw;
    const emb *e;
    const emb_nest *n;
    emb_geom g;
    int64_t lanes[3];
    bool all;
    uint8_t *cover;     /* bitmap over domain points (all mode) */
    uint8_t *slot;      /* bitmap over acc slots written by domain points (all mode) */
    int64_t covered;
    /* per instance */
    lane_val *inp, *wgt, *acc; /* [B][I], [O][I], [B][O] */
    int64_t *out_of;           /* first in-domain Out index per (b,o) seen: lane i, or -1 */
    int64_t *in_of, *wt_of;    /* first o per (b,i), first b per (o,i) */
    int64_t *ptbuf;            /* tensor indices of first witnesses: [(b,o)|(b,i)|(o,i)][OP_MAX_RANK] */
    /* per instance and lane axis: lane liveness, point offset, tensor index offsets
     * (roles Out, inp side, wgt side); lanes <= 64 by emb_check_intrinsic */
    bool live[3][64];
    int64_t ptoff[3][64][OP_MAX_DIMS];
    int64_t toff[3][3][64][OP_MAX_RANK]; /* [role slot][lane axis][lane][axis] */
} chk;

static void content(chk *c, emb_operand x, int64_t elem, int64_t l1, int64_t l2, lane_val *v) {
    v->live = emb_geom_content(c->o, c->e, c->n, &c->g, x, elem, l1, l2, v->idx);
    v->inb = emb_index_in_bounds(c->o, (op_role)c->g.role[x], v->idx);
}

/* All lanes of one element (same result as content() per lane, one address decode). */
static void content_all(chk *c, emb_operand x, int64_t elem, lane_val *out) {
    const emb_layout *lay = &c->n->lay[x];
    const emb_geom *g = &c->g;
    int rank = g->rank[x];
    op_role r = (op_role)g->role[x];
    int64_t a[EMB_MAX_LAXES], base[OP_MAX_RANK];
    for (int k = lay->naxes - 1; k >= 0; k--) {
        a[k] = elem % lay->extent[k];
        elem /= lay->extent[k];
    }
    for (int j = 0; j < rank; j++) {
        base[j] = g->idx0[x][j];
        for (int k = 0; k < lay->naxes; k++)
            base[j] += a[k] * g->dir[x][k][j];
    }
    emb_lane la[2];
    emb_operand_lanes(x, &la[0], &la[1]);
    int64_t n1 = g->lanes[la[0]], n2 = g->lanes[la[1]];
    int64_t off1[64][OP_MAX_RANK], off2[64][OP_MAX_RANK];
    bool live1[64], live2[64];
    int k1 = g->chunk_axis[x][la[0]], k2 = g->chunk_axis[x][la[1]];
    for (int64_t l = 0; l < n1; l++)
        live1[l] = emb_geom_lane_off(c->o, c->e, g, x, la[0], k1 >= 0 ? a[k1] : 0, l, off1[l]);
    for (int64_t l = 0; l < n2; l++)
        live2[l] = emb_geom_lane_off(c->o, c->e, g, x, la[1], k2 >= 0 ? a[k2] : 0, l, off2[l]);
    const op_tensor *T = &c->o->t[r];
    for (int64_t l1 = 0; l1 < n1; l1++)
        for (int64_t l2 = 0; l2 < n2; l2++) {
            lane_val *v = &out[l1 * n2 + l2];
            v->live = live1[l1] && live2[l2];
            v->inb = true;
            for (int j = 0; j < rank; j++) {
                v->idx[j] = base[j] + off1[l1][j] + off2[l2][j];
                if (v->idx[j] < 0 || v->idx[j] >= T->shape[j])
                    v->inb = false;
            }
        }
}

/* Per-instance lane tables: for each lane axis, which lanes are live at this instance's
 * chunk, the point offset of each lane and its moves of Out / inp side / wgt side. */
static void lane_tables(chk *c, const int64_t *t) {
    const op *o = c->o;
    const emb *e = c->e;
    op_role roles[3] = {OP_OUT, (op_role)c->g.role[EMB_INP], (op_role)c->g.role[EMB_WGT]};
    for (int L = 0; L < 3; L++) {
        int64_t ch = c->g.chunk_loop[L] >= 0 ? t[c->g.chunk_loop[L]] : 0;
        for (int64_t l = 0; l < c->lanes[L]; l++) {
            int64_t F = ch * c->lanes[L] + l;
            int64_t *pp = c->ptoff[L][l];
            for (int d = 0; d < o->ndims; d++)
                pp[d] = 0;
            c->live[L][l] = F < c->g.fused[L];
            if (!c->live[L][l])
                continue;
            for (int ti = e->nterms[L] - 1; ti >= 0; ti--) {
                const emb_term *tm = &e->term[L][ti];
                int64_t j = F % tm->extent;
                F /= tm->extent;
                pp[tm->dim] += j;
                if (tm->comp_dim >= 0)
                    pp[tm->comp_dim] += tm->comp_coef * j;
            }
            for (int s = 0; s < 3; s++) {
                const op_tensor *T = &o->t[roles[s]];
                for (int j = 0; j < T->rank; j++) {
                    int64_t v = 0;
                    for (int d = 0; d < o->ndims; d++)
                        v += T->map[j][d] * pp[d];
                    c->toff[s][L][l][j] = v;
                }
            }
        }
    }
}

/* One instance under check: its loop indices, operand addresses, and the loops' part
 * of the point (p0) and of the three tensor indices (b0: Out, inp side, wgt side). */
typedef struct inst {
    int64_t q;
    const int64_t *t;
    int64_t addr[3];
    int64_t p0[OP_MAX_DIMS];
    op_role role[3];            /* OP_OUT, inp side, wgt side */
    int rk[3];
    int64_t b0[3][OP_MAX_RANK];
    char where[256];            /* "instance q (...)", made on the first failure */
} inst;

/* One lane triple of an instance: the point it computes and that point's indices. */
typedef struct lane3 {
    int64_t b, o, i;
    int64_t p[OP_MAX_DIMS];
    int64_t ix[3][OP_MAX_RANK]; /* Out, inp side, wgt side */
    const lane_val *vi, *vw, *va;
} lane3;

static const char *where_of(const chk *c, inst *in) {
    fmt_inst(c->o, c->n, in->q, in->t, in->where, sizeof in->where);
    return in->where;
}

/* Addresses in range, element contents, lane tables, the loops' part of the point, and
 * fresh first-use witnesses. */
static bool inst_begin(chk *c, inst *in, status *st) {
    const op *o = c->o;
    const emb_nest *n = c->n;
    for (int x = 0; x < 3; x++) {
        in->addr[x] = emb_addr(n, (emb_operand)x, in->t);
        if (in->addr[x] < 0 || in->addr[x] >= n->lay[x].elems)
            return status_fail(st, "%s: %s address %" PRId64 " outside the layout (%" PRId64
                               " elements)", where_of(c, in), emb_operand_name((emb_operand)x), in->addr[x],
                               n->lay[x].elems);
    }
    content_all(c, EMB_INP, in->addr[EMB_INP], c->inp);
    content_all(c, EMB_WGT, in->addr[EMB_WGT], c->wgt);
    content_all(c, EMB_ACC, in->addr[EMB_ACC], c->acc);
    lane_tables(c, in->t);
    memset(in->p0, 0, sizeof in->p0);
    for (int li = 0; li < n->nloops; li++)
        if (n->loop[li].kind == EMB_LOOP_DIM)
            in->p0[n->loop[li].dim] += n->loop[li].start + n->loop[li].step * in->t[li];
    int64_t B = c->lanes[EMB_B], BO = c->lanes[EMB_O], BI = c->lanes[EMB_I];
    for (int64_t k = 0; k < B * BO; k++)
        c->out_of[k] = -1;
    for (int64_t k = 0; k < B * BI; k++)
        c->in_of[k] = -1;
    for (int64_t k = 0; k < BO * BI; k++)
        c->wt_of[k] = -1;
    in->role[0] = OP_OUT;
    in->role[1] = (op_role)c->g.role[EMB_INP];
    in->role[2] = (op_role)c->g.role[EMB_WGT];
    for (int r3 = 0; r3 < 3; r3++) {
        in->rk[r3] = o->t[in->role[r3]].rank;
        emb_tensor_index(o, in->role[r3], in->p0, in->b0[r3]);
    }
    return true;
}

/* The point of lane triple l (p) and whether it lies in the domain; *wasted when a
 * lane is wasted (then it computes nothing). */
static bool lane_point(const chk *c, const inst *in, lane3 *l, bool *wasted) {
    const op *o = c->o;
    *wasted = !c->live[EMB_B][l->b] || !c->live[EMB_O][l->o] || !c->live[EMB_I][l->i];
    if (*wasted)
        return false;
    const int64_t *pb = c->ptoff[EMB_B][l->b], *po = c->ptoff[EMB_O][l->o], *pi = c->ptoff[EMB_I][l->i];
    bool dom = true;
    for (int d = 0; d < o->ndims; d++) {
        l->p[d] = in->p0[d] + pb[d] + po[d] + pi[d];
        if (l->p[d] < 0 || l->p[d] >= o->extent[d])
            dom = false;
    }
    return dom;
}

/* A lane triple that computes nothing (wasted or outside the domain) must not multiply
 * two live in-bounds operands into a live accumulator. */
static bool check_outside(const chk *c, inst *in, const lane3 *l, bool wasted, status *st) {
    const op *o = c->o;
    if (!(l->vi->live && l->vi->inb) || !(l->vw->live && l->vw->inb) || !(l->va->live && l->va->inb))
        return true;
    char a1[128], a2[128], a3[128], pt[256];
    emb_fmt_index(o, in->role[1], l->vi->idx, a1, sizeof a1);
    emb_fmt_index(o, in->role[2], l->vw->idx, a2, sizeof a2);
    emb_fmt_index(o, OP_OUT, l->va->idx, a3, sizeof a3);
    if (wasted)
        return status_fail(st, "%s lanes b=%" PRId64 " o=%" PRId64 " i=%" PRId64
                           ": wasted lane multiplies %s by %s into live %s",
                           where_of(c, in), l->b, l->o, l->i, a1, a2, a3);
    emb_fmt_point(o, l->p, pt, sizeof pt);
    return status_fail(st, "%s lanes b=%" PRId64 " o=%" PRId64 " i=%" PRId64
                       ": point %s outside the domain multiplies %s by %s into live %s",
                       where_of(c, in), l->b, l->o, l->i, pt, a1, a2, a3);
}

/* The dataflow rules of DESIGN 3, one per VTA operand: every use of one accumulator
 * lane (b,o) writes the same Out element whatever i, every use of one input lane (b,i)
 * reads the same element whatever o, every use of one weight lane (o,i) whatever b.
 * Checked against the lane's first use (its witness). */
static bool check_dataflow(chk *c, inst *in, const lane3 *l, status *st) {
    int64_t BO = c->lanes[EMB_O], BI = c->lanes[EMB_I], B = c->lanes[EMB_B];
    struct rule {
        int r3;                 /* index role: 0 Out, 1 inp side, 2 wgt side */
        int64_t *w;             /* witness array */
        int64_t key, who;       /* the lane pair, the varying lane */
        int64_t *rec;           /* recorded index of the first use */
        const char *what, *k1, *k2, *verb, *vary;
        int64_t v1, v2;
    } rules[3] = {
        {0, c->out_of, l->b * BO + l->o, l->i, c->ptbuf + (l->b * BO + l->o) * OP_MAX_RANK, "accumulator", "b",
         "o", "writes", "i", l->b, l->o},
        {1, c->in_of, l->b * BI + l->i, l->o, c->ptbuf + (B * BO + l->b * BI + l->i) * OP_MAX_RANK, "input", "b",
         "i", "reads", "o", l->b, l->i},
        {2, c->wt_of, l->o * BI + l->i, l->b, c->ptbuf + (B * BO + B * BI + l->o * BI + l->i) * OP_MAX_RANK,
         "weight", "o", "i", "reads", "b", l->o, l->i},
    };
    for (int k = 0; k < 3; k++) {
        const struct rule *r = &rules[k];
        const int64_t *q0 = first_use(&r->w[r->key], r->who, r->rec, l->ix[r->r3], in->rk[r->r3]);
        if (!q0)
            continue;
        char a1[128], a2[128];
        emb_fmt_index(c->o, in->role[r->r3], q0, a1, sizeof a1);
        emb_fmt_index(c->o, in->role[r->r3], l->ix[r->r3], a2, sizeof a2);
        return status_fail(st, "%s: %s lane (%s=%" PRId64 ",%s=%" PRId64 ") %s %s for %s=%" PRId64
                           " but %s for %s=%" PRId64,
                           where_of(c, in), r->what, r->k1, r->v1, r->k2, r->v2, r->verb, a1, r->vary,
                           r->w[r->key], a2, r->vary, r->who);
    }
    return true;
}

/* The layouts: the addressed acc element holds the point's Out element in lane (b,o),
 * and the inp / wgt elements hold its operands (0 when out of bounds: In may be read
 * in its padding). */
static bool check_holds(const chk *c, inst *in, const lane3 *l, status *st) {
    const op *o = c->o;
    char a1[128], a2[128], pt[256];
    if (!l->va->live || !idx_eq(l->va->idx, l->ix[0], in->rk[0])) {
        emb_fmt_point(o, l->p, pt, sizeof pt);
        emb_fmt_index(o, OP_OUT, l->ix[0], a1, sizeof a1);
        if (!l->va->live)
            snprintf(a2, sizeof a2, "a wasted lane");
        else
            emb_fmt_index(o, OP_OUT, l->va->idx, a2, sizeof a2);
        return status_fail(st, "%s lanes b=%" PRId64 " o=%" PRId64 " i=%" PRId64
                           ": point %s writes %s but acc element %" PRId64
                           " lane (b=%" PRId64 ",o=%" PRId64 ") holds %s",
                           where_of(c, in), l->b, l->o, l->i, pt, a1, in->addr[EMB_ACC], l->b, l->o, a2);
    }
    for (int x = 0; x < 2; x++) {
        op_role tr = in->role[1 + x];
        const int64_t *pi = l->ix[1 + x];
        const lane_val *cv = x == EMB_INP ? l->vi : l->vw;
        int64_t l1 = x == EMB_INP ? l->b : l->o;
        bool pin = emb_index_in_bounds(o, tr, pi);
        bool cin = cv->live && cv->inb;
        if (pin == cin && (!pin || idx_eq(cv->idx, pi, o->t[tr].rank)))
            continue;
        emb_fmt_point(o, l->p, pt, sizeof pt);
        if (pin)
            emb_fmt_index(o, tr, pi, a1, sizeof a1);
        else
            snprintf(a1, sizeof a1, "padding (zero)");
        if (cin)
            emb_fmt_index(o, tr, cv->idx, a2, sizeof a2);
        else
            snprintf(a2, sizeof a2, "zero");
        return status_fail(st, "%s lanes b=%" PRId64 " o=%" PRId64 " i=%" PRId64
                           ": point %s reads %s but %s element %" PRId64
                           " lane (%s=%" PRId64 ",i=%" PRId64 ") holds %s",
                           where_of(c, in), l->b, l->o, l->i, pt, a1, emb_operand_name((emb_operand)x),
                           in->addr[x], x == EMB_INP ? "b" : "o", l1, l->i, a2);
    }
    return true;
}

/* Every point once: with all instances enumerated the coverage bitmap; when sampling,
 * the accumulator slot of an Out element agrees with where emb_unpack_out reads it. */
static bool check_cover(chk *c, inst *in, const lane3 *l, status *st) {
    const op *o = c->o;
    int64_t BO = c->lanes[EMB_O], B = c->lanes[EMB_B];
    char a1[128], pt[256];
    int64_t slot = in->addr[EMB_ACC] * B * BO + l->b * BO + l->o;
    if (c->all) {
        int64_t pl = point_linear(o, l->p);
        if (c->cover[pl >> 3] & (1u << (pl & 7))) {
            emb_fmt_point(o, l->p, pt, sizeof pt);
            return status_fail(st, "%s lanes b=%" PRId64 " o=%" PRId64 " i=%" PRId64
                               ": point %s is computed a second time",
                               where_of(c, in), l->b, l->o, l->i, pt);
        }
        c->cover[pl >> 3] = (uint8_t)(c->cover[pl >> 3] | (1u << (pl & 7)));
        c->covered++;
        c->slot[slot >> 3] = (uint8_t)(c->slot[slot >> 3] | (1u << (slot & 7)));
    } else if (l->i == c->out_of[l->b * BO + l->o]) {
        int64_t pe, pl;
        emb_out_position(o, c->hw, c->e, c->n, l->ix[0], &pe, &pl);
        if (pe != in->addr[EMB_ACC] || pl != l->b * BO + l->o) {
            emb_fmt_index(o, OP_OUT, l->ix[0], a1, sizeof a1);
            return status_fail(st, "%s: %s is accumulated in acc element %" PRId64
                               " lane %" PRId64 " but unpacked from element %" PRId64
                               " lane %" PRId64,
                               where_of(c, in), a1, in->addr[EMB_ACC], l->b * BO + l->o, pe, pl);
        }
    }
    return true;
}

/* Accumulator lanes of one instance write distinct Out elements. */
static bool check_distinct_acc(const chk *c, inst *in, status *st) {
    int64_t lin[1024];
    int64_t nl = 0;
    for (int64_t k = 0; k < c->lanes[EMB_B] * c->lanes[EMB_O] && nl < 1024; k++)
        if (c->out_of[k] >= 0)
            lin[nl++] = emb_index_linear(c->o, OP_OUT, c->ptbuf + k * OP_MAX_RANK);
    qsort(lin, (size_t)nl, sizeof *lin, cmp_i64);
    for (int64_t k = 1; k < nl; k++)
        if (lin[k] == lin[k - 1])
            return status_fail(st, "%s: two accumulator lanes write the same Out element "
                               "(linear index %" PRId64 ")", where_of(c, in), lin[k]);
    return true;
}

/* Instance q (loop indices t), lane triple by lane triple, in the order of the rules:
 * outside the domain, dataflow, layouts, coverage; then distinct accumulators. */
static bool check_instance(chk *c, int64_t q, const int64_t *t, status *st) {
    inst in = {.q = q, .t = t};
    if (!inst_begin(c, &in, st))
        return false;
    int64_t B = c->lanes[EMB_B], BO = c->lanes[EMB_O], BI = c->lanes[EMB_I];
    for (int64_t b = 0; b < B; b++)
        for (int64_t ol = 0; ol < BO; ol++)
            for (int64_t i = 0; i < BI; i++) {
                lane3 l = {.b = b, .o = ol, .i = i};
                l.vi = &c->inp[b * BI + i];
                l.vw = &c->wgt[ol * BI + i];
                l.va = &c->acc[b * BO + ol];
                bool wasted;
                if (!lane_point(c, &in, &l, &wasted)) {
                    if (!check_outside(c, &in, &l, wasted, st))
                        return false;
                    continue;
                }
                for (int r3 = 0; r3 < 3; r3++)
                    for (int j = 0; j < in.rk[r3]; j++)
                        l.ix[r3][j] = in.b0[r3][j] + c->toff[r3][EMB_B][b][j] + c->toff[r3][EMB_O][ol][j] +
                                      c->toff[r3][EMB_I][i][j];
                if (!check_dataflow(c, &in, &l, st) || !check_holds(c, &in, &l, st) ||
                    !check_cover(c, &in, &l, st))
                    return false;
            }
    return check_distinct_acc(c, &in, st);
}

/* All-instances epilogue: coverage and the accumulator-slot <-> Out bijection. */
static bool check_totals(chk *c, status *st) {
    const op *o = c->o;
    int64_t macs = op_macs(o);
    char pt[256], a1[128];
    if (c->covered != macs) {
        int64_t p[OP_MAX_DIMS];
        for (int64_t pl = 0; pl < macs; pl++) {
            if (c->cover[pl >> 3] & (1u << (pl & 7)))
                continue;
            int64_t r = pl;
            for (int d = o->ndims - 1; d >= 0; d--) {
                p[d] = r % o->extent[d];
                r /= o->extent[d];
            }
            emb_fmt_point(o, p, pt, sizeof pt);
            return status_fail(st, "point %s is never computed (%" PRId64 " of %" PRId64
                               " domain points covered)", pt, c->covered, macs);
        }
    }
    int64_t B = c->lanes[EMB_B], BO = c->lanes[EMB_O], per = B * BO;
    int64_t nout = op_outputs(o);
    uint8_t *claimed = es_calloc((size_t)(nout / 8 + 1), 1);
    lane_val *vals = es_malloc((size_t)per * sizeof *vals);
    bool ok = claimed && vals ? true : status_fail(st, "out of memory for the output bitmap");
    int64_t elems = c->n->lay[EMB_ACC].elems;
    for (int64_t el = 0; el < elems && ok; el++) {
        content_all(c, EMB_ACC, el, vals);
        for (int64_t k = 0; k < per && ok; k++) {
            const lane_val *v = &vals[k];
            if (!v->live || !v->inb)
                continue;
            int64_t s = el * per + k;
            if (!(c->slot[s >> 3] & (1u << (s & 7)))) {
                emb_fmt_index(o, OP_OUT, v->idx, a1, sizeof a1);
                ok = status_fail(st, "acc element %" PRId64 " lane %" PRId64
                                 " is unpacked as %s but no domain point accumulates into it",
                                 el, k, a1);
                break;
            }
            int64_t lin = emb_index_linear(o, OP_OUT, v->idx);
            if (claimed[lin >> 3] & (1u << (lin & 7))) {
                /* find the first slot for the message (rare path) */
                int64_t first = -1;
                lane_val w;
                for (int64_t s2 = 0; s2 < s && first < 0; s2++) {
                    content(c, EMB_ACC, s2 / per, (s2 % per) / BO, s2 % BO, &w);
                    if (w.live && w.inb && emb_index_linear(o, OP_OUT, w.idx) == lin)
                        first = s2;
                }
                emb_fmt_index(o, OP_OUT, v->idx, a1, sizeof a1);
                ok = status_fail(st, "%s is accumulated in two slots: acc element %" PRId64
                                 " lane %" PRId64 " and element %" PRId64 " lane %" PRId64,
                                 a1, first / per, first % per, el, k);
                break;
            }
            claimed[lin >> 3] = (uint8_t)(claimed[lin >> 3] | (1u << (lin & 7)));
        }
    }
    free(claimed);
    free(vals);
    return ok;
}

bool emb_check_scalar(const op *o, const hw_intrinsic *hw, const emb *e, const emb_nest *n,
                      int64_t max_instances, uint64_t seed, status *st) {
    return emb_check(o, hw, e, st) && emb_check_lanes(o, hw, e, n, max_instances, seed, st);
}

bool emb_check_lanes(const op *o, const hw_intrinsic *hw, const emb *e, const emb_nest *n,
                     int64_t max_instances, uint64_t seed, status *st) {
    chk c = {.o = o, .hw = hw, .e = e, .n = n};
    emb_geom_build(o, hw, e, n, &c.g);
    c.lanes[EMB_B] = hw->batch;
    c.lanes[EMB_O] = hw->block_out;
    c.lanes[EMB_I] = hw->block_in;
    int64_t B = c.lanes[EMB_B], BO = c.lanes[EMB_O], BI = c.lanes[EMB_I];
    ES_ASSERT(B <= 64 && BO <= 64 && BI <= 64); /* emb_check_intrinsic, via emb_check before */
    if (max_instances < 1)
        max_instances = 1;
    /* Enumerate everything only when it is small enough to hold the coverage bitmaps
     * (2^30 points); otherwise sample. */
    c.all = n->instances <= max_instances && op_macs(o) <= ((int64_t)1 << 30) &&
            n->lay[EMB_ACC].elems * B * BO <= ((int64_t)1 << 30);
    int64_t count = c.all ? n->instances : max_instances;
    int64_t macs = op_macs(o);
    if (c.all) {
        int64_t cap = n->instances * B * BO * BI;
        if (macs > cap)
            return status_fail(st, "%" PRId64 " instances of %" PRId64 " lanes cannot cover %" PRId64
                               " domain points", n->instances, B * BO * BI, macs);
        c.cover = es_calloc((size_t)(macs / 8 + 1), 1);
        c.slot = es_calloc((size_t)(n->lay[EMB_ACC].elems * B * BO / 8 + 1), 1);
    }
    c.inp = es_malloc((size_t)(B * BI) * sizeof *c.inp);
    c.wgt = es_malloc((size_t)(BO * BI) * sizeof *c.wgt);
    c.acc = es_malloc((size_t)(B * BO) * sizeof *c.acc);
    c.out_of = es_malloc((size_t)(B * BO + B * BI + BO * BI) * sizeof *c.out_of);
    c.ptbuf = es_malloc((size_t)((B * BO + B * BI + BO * BI) * OP_MAX_RANK) * sizeof *c.ptbuf);
    bool ok = true;
    if ((c.all && (!c.cover || !c.slot)) || !c.inp || !c.wgt || !c.acc || !c.out_of || !c.ptbuf)
        ok = status_fail(st, "out of memory for the scalar check");
    else {
        c.in_of = c.out_of + B * BO;
        c.wt_of = c.in_of + B * BI;
    }
    int64_t t[EMB_MAX_LOOPS];
    for (int64_t s = 0; s < count && ok; s++) {
        int64_t q;
        if (c.all)
            q = s;
        else if (s == 0)
            q = 0;
        else if (s == 1)
            q = n->instances - 1;
        else
            q = (int64_t)(es_hash64(seed * 0x100000001b3ULL + (uint64_t)s) % (uint64_t)n->instances);
        int64_t r = q;
        for (int li = n->nloops - 1; li >= 0; li--) {
            t[li] = r % n->loop[li].extent;
            r /= n->loop[li].extent;
        }
        ok = check_instance(&c, q, t, st);
    }
    if (ok && c.all)
        ok = check_totals(&c, st);
    free(c.cover);
    free(c.slot);
    free(c.inp);
    free(c.wgt);
    free(c.acc);
    free(c.out_of);
    free(c.ptbuf);
    return ok;
}
