/* emb_pack: host-side layouts of an embedding: packing In/Wt into the inp/wgt layouts,
 * bias into the acc layout, unpacking the int8 output, and the packed position of one
 * output element.
 * Work is proportional to the packed bytes (never to the MACs): every layout element is
 * visited once in row-major order, its base tensor index is updated incrementally,
 * lane offsets come from per-chunk tables, and an element whose live lanes all lie
 * inside the tensor (the common case) is copied without per-lane bounds checks.
 * Invariant: a packed lane holds the tensor element at its index when the lane is live
 * and the index is in bounds, and 0 otherwise (wasted lanes, padding). */
#include <stdlib.h>
#include <string.h>

#include "core/emb.h"
#include "core/emb_int.h"

/* Lane offset table of lane axis L on operand x: for every chunk value the axis can
 * hold in this layout (1 if the layout has no chunk axis for L) and every lane, the
 * offset vector, its linear offset, and per chunk the bounding box of the live lanes
 * (so that whole elements can be checked against the tensor bounds at once). */
typedef struct lane_tab {
    int64_t nchunk, nlane;
    int64_t *off;  /* [nchunk][nlane][rank] */
    int64_t *lin;  /* [nchunk][nlane] */
    int64_t *lo, *hi; /* [nchunk][rank] over live lanes */
    bool *live;    /* [nchunk][nlane] */
    bool *any;     /* [nchunk]: some lane is live */
} lane_tab;

static void tab_build(const op *o, const emb *e, const emb_nest *n, const emb_geom *g,
                      emb_operand x, emb_lane L, const int64_t *rs, lane_tab *tb) {
    int rank = g->rank[x];
    size_t rk = (size_t)rank;
    int k = g->chunk_axis[x][L];
    tb->nchunk = k >= 0 ? n->lay[x].extent[k] : 1;
    tb->nlane = g->lanes[L];
    size_t nc = (size_t)tb->nchunk, cnt = (size_t)(tb->nchunk * tb->nlane);
    tb->off = malloc(cnt * rk * sizeof *tb->off);
    tb->lin = malloc(cnt * sizeof *tb->lin);
    tb->lo = malloc(nc * rk * sizeof *tb->lo);
    tb->hi = malloc(nc * rk * sizeof *tb->hi);
    tb->live = malloc(cnt * sizeof *tb->live);
    tb->any = malloc(nc * sizeof *tb->any);
    ES_ASSERT(tb->off && tb->lin && tb->lo && tb->hi && tb->live && tb->any);
    for (size_t c = 0; c < nc; c++) {
        tb->any[c] = false;
        for (size_t l = 0; l < (size_t)tb->nlane; l++) {
            size_t at = c * (size_t)tb->nlane + l;
            int64_t *off = tb->off + at * rk;
            tb->live[at] = emb_geom_lane_off(o, e, g, x, L, (int64_t)c, (int64_t)l, off);
            tb->lin[at] = 0;
            for (size_t j = 0; j < rk; j++)
                tb->lin[at] += off[j] * rs[j];
            if (!tb->live[at])
                continue;
            for (size_t j = 0; j < rk; j++) {
                if (!tb->any[c] || off[j] < tb->lo[c * rk + j])
                    tb->lo[c * rk + j] = off[j];
                if (!tb->any[c] || off[j] > tb->hi[c * rk + j])
                    tb->hi[c * rk + j] = off[j];
            }
            tb->any[c] = true;
        }
    }
}

static void tab_free(lane_tab *tb) {
    free(tb->off);
    free(tb->lin);
    free(tb->lo);
    free(tb->hi);
    free(tb->live);
    free(tb->any);
}

/* One layout element as the handlers see it. */
typedef struct elem_view {
    int64_t elem;
    const int64_t *base;          /* tensor index without lane offsets */
    int64_t blin;                 /* linear index of base (meaningful when inb) */
    bool inb;                     /* every live lane is inside the tensor */
    const int64_t *off1, *off2;   /* [lane][rank] */
    const int64_t *lin1, *lin2;   /* [lane] */
    const bool *live1, *live2;
} elem_view;

typedef void (*elem_fn)(void *ctx, const elem_view *v);

/* Visits every element of operand x's layout in row-major order. */
static void for_each_elem(const op *o, const hw_intrinsic *hw, const emb *e, const emb_nest *n,
                          emb_operand x, elem_fn fn, void *ctx) {
    emb_geom g;
    emb_geom_build(o, hw, e, n, &g);
    const emb_layout *lay = &n->lay[x];
    const op_tensor *T = &o->t[g.role[x]];
    int rank = g.rank[x];
    size_t rk = (size_t)rank;
    int64_t rs[OP_MAX_RANK], dlin[EMB_MAX_LAXES];
    rs[rank - 1] = 1;
    for (int j = rank - 2; j >= 0; j--)
        rs[j] = rs[j + 1] * T->shape[j + 1];
    for (int k = 0; k < lay->naxes; k++) {
        dlin[k] = 0;
        for (int j = 0; j < rank; j++)
            dlin[k] += g.dir[x][k][j] * rs[j];
    }
    emb_lane la[2];
    emb_operand_lanes(x, &la[0], &la[1]);
    lane_tab tb[2];
    tab_build(o, e, n, &g, x, la[0], rs, &tb[0]);
    tab_build(o, e, n, &g, x, la[1], rs, &tb[1]);
    int ck[2] = {g.chunk_axis[x][la[0]], g.chunk_axis[x][la[1]]};
    int64_t a[EMB_MAX_LAXES] = {0};
    int64_t base[OP_MAX_RANK];
    int64_t blin = 0;
    for (int j = 0; j < rank; j++) {
        base[j] = g.idx0[x][j];
        blin += base[j] * rs[j];
    }
    elem_view v;
    v.base = base;
    for (int64_t el = 0; el < lay->elems; el++) {
        size_t c0 = (size_t)(ck[0] >= 0 ? a[ck[0]] : 0), c1 = (size_t)(ck[1] >= 0 ? a[ck[1]] : 0);
        size_t n0 = (size_t)tb[0].nlane, n1 = (size_t)tb[1].nlane;
        if (tb[0].any[c0] && tb[1].any[c1]) {
            v.elem = el;
            v.blin = blin;
            v.off1 = tb[0].off + c0 * n0 * rk;
            v.off2 = tb[1].off + c1 * n1 * rk;
            v.lin1 = tb[0].lin + c0 * n0;
            v.lin2 = tb[1].lin + c1 * n1;
            v.live1 = tb[0].live + c0 * n0;
            v.live2 = tb[1].live + c1 * n1;
            v.inb = true;
            const int64_t *lo0 = tb[0].lo + c0 * rk, *lo1 = tb[1].lo + c1 * rk;
            const int64_t *hi0 = tb[0].hi + c0 * rk, *hi1 = tb[1].hi + c1 * rk;
            for (size_t j = 0; j < rk; j++)
                if (base[j] + lo0[j] + lo1[j] < 0 || base[j] + hi0[j] + hi1[j] >= T->shape[j])
                    v.inb = false;
            fn(ctx, &v);
        }
        /* odometer, innermost axis last */
        for (int k = lay->naxes - 1; k >= 0; k--) {
            if (++a[k] < lay->extent[k]) {
                for (int j = 0; j < rank; j++)
                    base[j] += g.dir[x][k][j];
                blin += dlin[k];
                break;
            }
            for (int j = 0; j < rank; j++)
                base[j] -= (lay->extent[k] - 1) * g.dir[x][k][j];
            blin -= (lay->extent[k] - 1) * dlin[k];
            a[k] = 0;
        }
    }
    tab_free(&tb[0]);
    tab_free(&tb[1]);
}

typedef struct pack_ctx {
    int rank;
    int64_t shape[OP_MAX_RANK];
    int64_t n1, n2;
    const int8_t *src;
    int8_t *dst;
    const int32_t *bias;
    int bias_axis;
    int32_t *acc;
    const int8_t *outp;
    int8_t *out;
    int32_t *idx;
} pack_ctx;

static void ctx_init(const op *o, op_role r, int64_t n1, int64_t n2, pack_ctx *c) {
    memset(c, 0, sizeof *c);
    const op_tensor *T = &o->t[r];
    c->rank = T->rank;
    for (int j = 0; j < T->rank; j++)
        c->shape[j] = T->shape[j];
    c->n1 = n1;
    c->n2 = n2;
}

/* Linear index of lane (l1, l2) of the element, or -1 when out of bounds. */
static inline int64_t lane_lin(const pack_ctx *c, const elem_view *v, int64_t l1, int64_t l2) {
    if (v->inb)
        return v->blin + v->lin1[l1] + v->lin2[l2];
    const int64_t *o1 = v->off1 + l1 * c->rank, *o2 = v->off2 + l2 * c->rank;
    for (int j = 0; j < c->rank; j++) {
        int64_t x = v->base[j] + o1[j] + o2[j];
        if (x < 0 || x >= c->shape[j])
            return -1;
    }
    return v->blin + v->lin1[l1] + v->lin2[l2];
}

/* Runs the statement that follows for every live lane (l1, l2) of element v that
 * holds a tensor element, with lin its linear index (slot l1 * c->n2 + l2). */
#define FOR_EACH_LANE(c, v, l1, l2, lin)                                                   \
    for (int64_t l1 = 0; l1 < (c)->n1; l1++)                                            \
        if ((v)->live1[l1])                                                             \
            for (int64_t l2 = 0, lin; l2 < (c)->n2; l2++)                               \
                if ((v)->live2[l2] && (lin = lane_lin(c, v, l1, l2)) >= 0)

static void pack_fn(void *ctx, const elem_view *v) {
    const pack_ctx *c = ctx;
    int8_t *d = c->dst + v->elem * c->n1 * c->n2;
    FOR_EACH_LANE(c, v, l1, l2, lin) d[l1 * c->n2 + l2] = c->src[lin];
}

static void bias_fn(void *ctx, const elem_view *v) {
    const pack_ctx *c = ctx;
    int32_t *d = c->acc + v->elem * c->n1 * c->n2;
    int ax = c->bias_axis;
    FOR_EACH_LANE(c, v, l1, l2, lin)
        d[l1 * c->n2 + l2] = c->bias[v->base[ax] + v->off1[l1 * c->rank + ax] + v->off2[l2 * c->rank + ax]];
}

static void unpack_fn(void *ctx, const elem_view *v) {
    const pack_ctx *c = ctx;
    const int8_t *s = c->outp + v->elem * c->n1 * c->n2;
    FOR_EACH_LANE(c, v, l1, l2, lin) c->out[lin] = s[l1 * c->n2 + l2];
}

static void index_fn(void *ctx, const elem_view *v) {
    const pack_ctx *c = ctx;
    int32_t *d = c->idx + v->elem * c->n1 * c->n2;
    FOR_EACH_LANE(c, v, l1, l2, lin) d[l1 * c->n2 + l2] = (int32_t)lin;
}

void emb_index_map(const op *o, const hw_intrinsic *hw, const emb *e, const emb_nest *n, emb_operand x,
                   int32_t *idx) {
    emb_lane la[2];
    emb_operand_lanes(x, &la[0], &la[1]);
    int64_t lanes[3] = {hw->batch, hw->block_out, hw->block_in};
    op_role r = x == EMB_ACC ? OP_OUT : emb_operand_role(e, x);
    ES_ASSERT(op_tensor_elems(o, r) <= INT32_MAX);
    pack_ctx c;
    ctx_init(o, r, lanes[la[0]], lanes[la[1]], &c);
    c.idx = idx;
    int64_t total = n->lay[x].elems * c.n1 * c.n2;
    for (int64_t i = 0; i < total; i++)
        idx[i] = -1;
    for_each_elem(o, hw, e, n, x, index_fn, &c);
}

void emb_pack(const op *o, const hw_intrinsic *hw, const emb *e, const emb_nest *n,
              const int8_t *in, const int8_t *wt, int8_t *inp, int8_t *wgt) {
    const int8_t *src[2] = {e->swap ? wt : in, e->swap ? in : wt};
    int8_t *dst[2] = {inp, wgt};
    for (int x = 0; x < 2; x++) {
        if (!dst[x])
            continue;
        emb_lane la[2];
        emb_operand_lanes((emb_operand)x, &la[0], &la[1]);
        int64_t lanes[3] = {hw->batch, hw->block_out, hw->block_in};
        pack_ctx c;
        ctx_init(o, emb_operand_role(e, (emb_operand)x), lanes[la[0]], lanes[la[1]], &c);
        c.src = src[x];
        c.dst = dst[x];
        memset(dst[x], 0, (size_t)(n->lay[x].elems * c.n1 * c.n2));
        for_each_elem(o, hw, e, n, (emb_operand)x, pack_fn, &c);
    }
}

void emb_pack_bias(const op *o, const hw_intrinsic *hw, const emb *e, const emb_nest *n,
                   const int32_t *bias, int32_t *acc) {
    pack_ctx c;
    ctx_init(o, OP_OUT, hw->batch, hw->block_out, &c);
    memset(acc, 0, (size_t)(n->lay[EMB_ACC].elems * c.n1 * c.n2) * sizeof *acc);
    if (!o->rq.bias || !bias)
        return;
    c.bias = bias;
    c.bias_axis = o->rq.bias_axis;
    c.acc = acc;
    ES_ASSERT(c.bias_axis >= 0 && c.bias_axis < c.rank);
    for_each_elem(o, hw, e, n, EMB_ACC, bias_fn, &c);
}

void emb_unpack_out(const op *o, const hw_intrinsic *hw, const emb *e, const emb_nest *n,
                    const int8_t *outp, int8_t *out) {
    pack_ctx c;
    ctx_init(o, OP_OUT, hw->batch, hw->block_out, &c);
    c.outp = outp;
    c.out = out;
    for_each_elem(o, hw, e, n, EMB_ACC, unpack_fn, &c);
}

void emb_out_position(const op *o, const hw_intrinsic *hw, const emb *e, const emb_nest *n,
                      const int64_t *out_idx, int64_t *elem, int64_t *lane) {
    *elem = -1;
    *lane = -1;
    const op_tensor *T = &o->t[OP_OUT];
    /* A domain point with this Out index: non-reduction dims solved axis by axis (largest
     * coefficient first, as in a mixed-radix index like g*K + k), reductions at 0. */
    int64_t p[OP_MAX_DIMS] = {0};
    bool set[OP_MAX_DIMS] = {false};
    for (int j = 0; j < T->rank; j++) {
        int64_t rem = out_idx[j] - T->off[j];
        for (int d = 0; d < o->ndims; d++)
            if (set[d])
                rem -= T->map[j][d] * p[d];
        for (;;) {
            int best = -1;
            for (int d = 0; d < o->ndims; d++) {
                int64_t c = T->map[j][d];
                if (c == 0 || set[d])
                    continue;
                if (best < 0 || llabs(c) > llabs(T->map[j][best]))
                    best = d;
            }
            if (best < 0)
                break;
            int64_t c = T->map[j][best];
            int64_t v = rem / c;
            if (rem % c != 0 && ((rem < 0) != (c < 0)))
                v--;
            if (v < 0)
                v = 0;
            if (v > o->extent[best] - 1)
                v = o->extent[best] - 1;
            p[best] = v;
            set[best] = true;
            rem -= c * v;
        }
    }
    int64_t chk[OP_MAX_RANK];
    emb_tensor_index(o, OP_OUT, p, chk);
    for (int j = 0; j < T->rank; j++)
        if (chk[j] != out_idx[j])
            return;
    for (int d = 0; d < o->ndims; d++)
        if (p[d] < 0 || p[d] >= o->extent[d])
            return;
    int64_t lanes[3] = {hw->batch, hw->block_out, hw->block_in};
    int64_t t[EMB_MAX_LOOPS], ln[3];
    emb_point_inverse(o, e, n, lanes, p, t, ln);
    *elem = emb_addr(n, EMB_ACC, t);
    *lane = ln[EMB_B] * lanes[EMB_O] + ln[EMB_O];
}
