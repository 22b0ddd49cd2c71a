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
    const hw_config *hw;
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
     * (roles Out, inp side, wgt side); lanes <= 64 by hw_check */
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

static bool check_instance(chk *c, int64_t q, const int64_t *t, status *st) {
    const op *o = c->o;
    const emb *e = c->e;
    const emb_nest *n = c->n;
    (void)e;
    int64_t B = c->lanes[EMB_B], BO = c->lanes[EMB_O], BI = c->lanes[EMB_I];
    int64_t addr[3];
    for (int x = 0; x < 3; x++)
        addr[x] = emb_addr(n, (emb_operand)x, t);
    char where[256], a1[128], a2[128], pt[256];
    for (int x = 0; x < 3; x++)
        if (addr[x] < 0 || addr[x] >= n->lay[x].elems) {
            fmt_inst(o, n, q, t, where, sizeof where);
            return status_fail(st, "%s: %s address %" PRId64 " outside the layout (%" PRId64
                               " elements)", where, emb_operand_name((emb_operand)x), addr[x],
                               n->lay[x].elems);
        }
    content_all(c, EMB_INP, addr[EMB_INP], c->inp);
    content_all(c, EMB_WGT, addr[EMB_WGT], c->wgt);
    content_all(c, EMB_ACC, addr[EMB_ACC], c->acc);
    lane_tables(c, t);
    /* the loops' part of the point and of the three tensor indices */
    int64_t p0[OP_MAX_DIMS] = {0};
    for (int li = 0; li < n->nloops; li++)
        if (n->loop[li].kind == EMB_LOOP_DIM)
            p0[n->loop[li].dim] += n->loop[li].start + n->loop[li].step * t[li];
    for (int64_t k = 0; k < B * BO; k++)
        c->out_of[k] = -1;
    for (int64_t k = 0; k < B * BI; k++)
        c->in_of[k] = -1;
    for (int64_t k = 0; k < BO * BI; k++)
        c->wt_of[k] = -1;
    int64_t *pt_acc = c->ptbuf, *pt_in = pt_acc + B * BO * OP_MAX_RANK, *pt_wt = pt_in + B * BI * OP_MAX_RANK;
    int ro = o->t[OP_OUT].rank, ri = o->t[OP_IN].rank, rw = o->t[OP_WT].rank;
    op_role inr = (op_role)c->g.role[EMB_INP], wtr = (op_role)c->g.role[EMB_WGT];
    int64_t b0[3][OP_MAX_RANK];
    emb_tensor_index(o, OP_OUT, p0, b0[0]);
    emb_tensor_index(o, inr, p0, b0[1]);
    emb_tensor_index(o, wtr, p0, b0[2]);
    int rk[3] = {ro, o->t[inr].rank, o->t[wtr].rank};
    for (int64_t b = 0; b < B; b++)
        for (int64_t ol = 0; ol < BO; ol++)
            for (int64_t i = 0; i < BI; i++) {
                bool wasted = !c->live[EMB_B][b] || !c->live[EMB_O][ol] || !c->live[EMB_I][i];
                int64_t p[OP_MAX_DIMS];
                bool dom = false;
                if (!wasted) {
                    const int64_t *pb = c->ptoff[EMB_B][b], *po = c->ptoff[EMB_O][ol],
                                  *pi = c->ptoff[EMB_I][i];
                    dom = true;
                    for (int d = 0; d < o->ndims; d++) {
                        p[d] = p0[d] + pb[d] + po[d] + pi[d];
                        if (p[d] < 0 || p[d] >= o->extent[d])
                            dom = false;
                    }
                }
                const lane_val *vi = &c->inp[b * BI + i], *vw = &c->wgt[ol * BI + i],
                               *va = &c->acc[b * BO + ol];
                if (!dom) {
                    if (!(vi->live && vi->inb) || !(vw->live && vw->inb) || !(va->live && va->inb))
                        continue;
                    fmt_inst(o, n, q, t, where, sizeof where);
                    emb_fmt_index(o, inr, vi->idx, a1, sizeof a1);
                    emb_fmt_index(o, wtr, vw->idx, a2, sizeof a2);
                    char a3[128];
                    emb_fmt_index(o, OP_OUT, va->idx, a3, sizeof a3);
                    if (wasted)
                        return status_fail(st, "%s lanes b=%" PRId64 " o=%" PRId64 " i=%" PRId64
                                           ": wasted lane multiplies %s by %s into live %s",
                                           where, b, ol, i, a1, a2, a3);
                    emb_fmt_point(o, p, pt, sizeof pt);
                    return status_fail(st, "%s lanes b=%" PRId64 " o=%" PRId64 " i=%" PRId64
                                       ": point %s outside the domain multiplies %s by %s into live %s",
                                       where, b, ol, i, pt, a1, a2, a3);
                }
                int64_t io[OP_MAX_RANK], ii[OP_MAX_RANK], iw[OP_MAX_RANK];
                int64_t *ix[3] = {io, ii, iw};
                for (int r3 = 0; r3 < 3; r3++)
                    for (int j = 0; j < rk[r3]; j++)
                        ix[r3][j] = b0[r3][j] + c->toff[r3][EMB_B][b][j] + c->toff[r3][EMB_O][ol][j] +
                                    c->toff[r3][EMB_I][i][j];
                (void)ri;
                (void)rw;
                /* dataflow rules against the first witness */
                const int64_t *q0 = first_use(&c->out_of[b * BO + ol], i,
                                              pt_acc + (b * BO + ol) * OP_MAX_RANK, io, ro);
                if (q0) {
                    fmt_inst(o, n, q, t, where, sizeof where);
                    emb_fmt_index(o, OP_OUT, q0, a1, sizeof a1);
                    emb_fmt_index(o, OP_OUT, io, a2, sizeof a2);
                    return status_fail(st, "%s: accumulator lane (b=%" PRId64 ",o=%" PRId64
                                       ") writes %s for i=%" PRId64 " but %s for i=%" PRId64,
                                       where, b, ol, a1, c->out_of[b * BO + ol], a2, i);
                }
                q0 = first_use(&c->in_of[b * BI + i], ol, pt_in + (b * BI + i) * OP_MAX_RANK, ii,
                               o->t[inr].rank);
                if (q0) {
                    fmt_inst(o, n, q, t, where, sizeof where);
                    emb_fmt_index(o, inr, q0, a1, sizeof a1);
                    emb_fmt_index(o, inr, ii, a2, sizeof a2);
                    return status_fail(st, "%s: input lane (b=%" PRId64 ",i=%" PRId64
                                       ") reads %s for o=%" PRId64 " but %s for o=%" PRId64,
                                       where, b, i, a1, c->in_of[b * BI + i], a2, ol);
                }
                q0 = first_use(&c->wt_of[ol * BI + i], b, pt_wt + (ol * BI + i) * OP_MAX_RANK, iw,
                               o->t[wtr].rank);
                if (q0) {
                    fmt_inst(o, n, q, t, where, sizeof where);
                    emb_fmt_index(o, wtr, q0, a1, sizeof a1);
                    emb_fmt_index(o, wtr, iw, a2, sizeof a2);
                    return status_fail(st, "%s: weight lane (o=%" PRId64 ",i=%" PRId64
                                       ") reads %s for b=%" PRId64 " but %s for b=%" PRId64,
                                       where, ol, i, a1, c->wt_of[ol * BI + i], a2, b);
                }
                /* layouts: what the addressed elements hold */
                if (!va->live || !idx_eq(va->idx, io, ro)) {
                    fmt_inst(o, n, q, t, where, sizeof where);
                    emb_fmt_point(o, p, pt, sizeof pt);
                    emb_fmt_index(o, OP_OUT, io, a1, sizeof a1);
                    if (!va->live)
                        snprintf(a2, sizeof a2, "a wasted lane");
                    else
                        emb_fmt_index(o, OP_OUT, va->idx, a2, sizeof a2);
                    return status_fail(st, "%s lanes b=%" PRId64 " o=%" PRId64 " i=%" PRId64
                                       ": point %s writes %s but acc element %" PRId64
                                       " lane (b=%" PRId64 ",o=%" PRId64 ") holds %s",
                                       where, b, ol, i, pt, a1, addr[EMB_ACC], b, ol, a2);
                }
                /* inp and wgt: the effective operand (the element, or 0 when out of
                 * bounds: In may be read in its padding) must match the point's */
                for (int x = 0; x < 2; x++) {
                    op_role tr = x == EMB_INP ? inr : wtr;
                    const int64_t *pi = x == EMB_INP ? ii : iw;
                    const lane_val *cv = x == EMB_INP ? vi : vw;
                    int64_t l1 = x == EMB_INP ? b : ol;
                    bool pin = emb_index_in_bounds(o, tr, pi);
                    bool cin = cv->live && cv->inb;
                    if (pin == cin && (!pin || idx_eq(cv->idx, pi, o->t[tr].rank)))
                        continue;
                    fmt_inst(o, n, q, t, where, sizeof where);
                    emb_fmt_point(o, p, pt, sizeof pt);
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
                                       where, b, ol, i, pt, a1, emb_operand_name((emb_operand)x),
                                       addr[x], x == EMB_INP ? "b" : "o", l1, i, a2);
                }
                int64_t slot = addr[EMB_ACC] * B * BO + b * BO + ol;
                if (c->all) {
                    int64_t pl = point_linear(o, p);
                    if (c->cover[pl >> 3] & (1u << (pl & 7))) {
                        fmt_inst(o, n, q, t, where, sizeof where);
                        emb_fmt_point(o, p, pt, sizeof pt);
                        return status_fail(st, "%s lanes b=%" PRId64 " o=%" PRId64 " i=%" PRId64
                                           ": point %s is computed a second time",
                                           where, b, ol, i, pt);
                    }
                    c->cover[pl >> 3] = (uint8_t)(c->cover[pl >> 3] | (1u << (pl & 7)));
                    c->covered++;
                    c->slot[slot >> 3] = (uint8_t)(c->slot[slot >> 3] | (1u << (slot & 7)));
                } else if (i == c->out_of[b * BO + ol]) {
                    int64_t pe, pl;
                    emb_out_position(o, c->hw, e, n, io, &pe, &pl);
                    if (pe != addr[EMB_ACC] || pl != b * BO + ol) {
                        fmt_inst(o, n, q, t, where, sizeof where);
                        emb_fmt_index(o, OP_OUT, io, a1, sizeof a1);
                        return status_fail(st, "%s: %s is accumulated in acc element %" PRId64
                                           " lane %" PRId64 " but unpacked from element %" PRId64
                                           " lane %" PRId64,
                                           where, a1, addr[EMB_ACC], b * BO + ol, pe, pl);
                    }
                }
            }
    /* distinct accumulators within the instance */
    int64_t lin[1024];
    int64_t nl = 0;
    for (int64_t k = 0; k < B * BO && nl < 1024; k++)
        if (c->out_of[k] >= 0) {
            lin[nl++] = emb_index_linear(o, OP_OUT, pt_acc + k * OP_MAX_RANK);
        }
    qsort(lin, (size_t)nl, sizeof *lin, cmp_i64);
    for (int64_t k = 1; k < nl; k++)
        if (lin[k] == lin[k - 1]) {
            fmt_inst(o, n, q, t, where, sizeof where);
            return status_fail(st, "%s: two accumulator lanes write the same Out element "
                               "(linear index %" PRId64 ")", where, lin[k]);
        }
    return true;
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
    uint8_t *claimed = calloc((size_t)(nout / 8 + 1), 1);
    lane_val *vals = malloc((size_t)per * sizeof *vals);
    ES_ASSERT(claimed && vals);
    bool ok = true;
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

bool emb_check_scalar(const op *o, const hw_config *hw, const emb *e, const emb_nest *n,
                      int64_t max_instances, uint64_t seed, status *st) {
    return emb_check(o, hw, e, st) && emb_check_lanes(o, hw, e, n, max_instances, seed, st);
}

bool emb_check_lanes(const op *o, const hw_config *hw, const emb *e, const emb_nest *n,
                     int64_t max_instances, uint64_t seed, status *st) {
    chk c;
    memset(&c, 0, sizeof c);
    c.o = o;
    c.hw = hw;
    c.e = e;
    c.n = n;
    emb_geom_build(o, hw, e, n, &c.g);
    c.lanes[EMB_B] = hw_batch(hw);
    c.lanes[EMB_O] = hw_block_out(hw);
    c.lanes[EMB_I] = hw_block_in(hw);
    int64_t B = c.lanes[EMB_B], BO = c.lanes[EMB_O], BI = c.lanes[EMB_I];
    ES_ASSERT(B <= 64 && BO <= 64 && BI <= 64); /* hw_check, via emb_check before */
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
        c.cover = calloc((size_t)(macs / 8 + 1), 1);
        c.slot = calloc((size_t)(n->lay[EMB_ACC].elems * B * BO / 8 + 1), 1);
        ES_ASSERT(c.cover && c.slot);
    }
    c.inp = malloc((size_t)(B * BI) * sizeof *c.inp);
    c.wgt = malloc((size_t)(BO * BI) * sizeof *c.wgt);
    c.acc = malloc((size_t)(B * BO) * sizeof *c.acc);
    c.out_of = malloc((size_t)(B * BO + B * BI + BO * BI) * sizeof *c.out_of);
    c.ptbuf = malloc((size_t)((B * BO + B * BI + BO * BI) * OP_MAX_RANK) * sizeof *c.ptbuf);
    ES_ASSERT(c.inp && c.wgt && c.acc && c.out_of && c.ptbuf);
    c.in_of = c.out_of + B * BO;
    c.wt_of = c.in_of + B * BI;
    bool ok = true;
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
