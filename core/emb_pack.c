/* emb_pack: host-side layouts of an embedding: packing In/Wt into the inp/wgt layouts,
 * bias into the acc layout, unpacking the int8 output, and the packed position of one
 * output element.
 * Work is proportional to the packed bytes (never to the MACs): every layout element is
 * visited once in row-major order, its base tensor index is updated incrementally, and
 * lane offsets come from per-chunk tables.
 * Invariant: a packed lane holds the tensor element at its index when the lane is live
 * and the index is in bounds, and 0 otherwise (wasted lanes, padding). */
#include <stdlib.h>
#include <string.h>

#include "core/emb.h"
#include "core/emb_int.h"

/* Lane offset table of lane axis L on operand x: for every chunk value the axis can
 * hold in this layout (1 if the layout has no chunk axis for L) and every lane. */
typedef struct lane_tab {
    int64_t nchunk, nlane;
    int64_t *off;  /* [nchunk][nlane][rank] */
    bool *live;    /* [nchunk][nlane] */
} lane_tab;

static void tab_build(const op *o, const emb *e, const emb_nest *n, const emb_geom *g,
                      emb_operand x, emb_lane L, lane_tab *tb) {
    int rank = g->rank[x];
    int k = g->chunk_axis[x][L];
    tb->nchunk = k >= 0 ? n->lay[x].extent[k] : 1;
    tb->nlane = g->lanes[L];
    size_t cnt = (size_t)(tb->nchunk * tb->nlane);
    tb->off = malloc(cnt * (size_t)(rank > 0 ? rank : 1) * sizeof *tb->off);
    tb->live = malloc(cnt * sizeof *tb->live);
    ES_ASSERT(tb->off && tb->live);
    for (int64_t c = 0; c < tb->nchunk; c++)
        for (int64_t l = 0; l < tb->nlane; l++) {
            size_t at = (size_t)(c * tb->nlane + l);
            tb->live[at] = emb_geom_lane_off(o, e, g, x, L, c, l, tb->off + at * (size_t)rank);
        }
}

static void tab_free(lane_tab *tb) {
    free(tb->off);
    free(tb->live);
}

/* Visits every element of operand x's layout: calls fn with the element number, the
 * base tensor index (no lane offsets) and the two lanes' tables at the element's chunk. */
typedef void (*elem_fn)(void *ctx, int64_t elem, const int64_t *base, const int64_t *off1,
                        const bool *live1, const int64_t *off2, const bool *live2);

static void for_each_elem(const op *o, const hw_config *hw, const emb *e, const emb_nest *n,
                          emb_operand x, elem_fn fn, void *ctx) {
    emb_geom g;
    emb_geom_build(o, hw, e, n, &g);
    const emb_layout *lay = &n->lay[x];
    int rank = g.rank[x];
    emb_lane la[2];
    emb_operand_lanes(x, &la[0], &la[1]);
    lane_tab tb[2];
    tab_build(o, e, n, &g, x, la[0], &tb[0]);
    tab_build(o, e, n, &g, x, la[1], &tb[1]);
    int ck[2] = {g.chunk_axis[x][la[0]], g.chunk_axis[x][la[1]]};
    int64_t a[EMB_MAX_LAXES] = {0};
    int64_t base[OP_MAX_RANK];
    for (int j = 0; j < rank; j++)
        base[j] = g.idx0[x][j];
    for (int64_t el = 0; el < lay->elems; el++) {
        size_t c0 = (size_t)(ck[0] >= 0 ? a[ck[0]] : 0), c1 = (size_t)(ck[1] >= 0 ? a[ck[1]] : 0);
        size_t n0 = (size_t)tb[0].nlane, n1 = (size_t)tb[1].nlane, rk = (size_t)rank;
        fn(ctx, el, base, tb[0].off + c0 * n0 * rk, tb[0].live + c0 * n0,
           tb[1].off + c1 * n1 * rk, tb[1].live + c1 * n1);
        /* odometer, innermost axis last */
        for (int k = lay->naxes - 1; k >= 0; k--) {
            if (++a[k] < lay->extent[k]) {
                for (int j = 0; j < rank; j++)
                    base[j] += g.dir[x][k][j];
                break;
            }
            for (int j = 0; j < rank; j++)
                base[j] -= (lay->extent[k] - 1) * g.dir[x][k][j];
            a[k] = 0;
        }
    }
    tab_free(&tb[0]);
    tab_free(&tb[1]);
}

typedef struct pack_ctx {
    int rank;
    int64_t shape[OP_MAX_RANK], rs[OP_MAX_RANK];
    int64_t n1, n2;
    const int8_t *src;
    int8_t *dst;
    const int32_t *bias;
    int bias_axis;
    int32_t *acc;
    const int8_t *outp;
    int8_t *out;
} pack_ctx;

static void ctx_init(const op *o, op_role r, int64_t n1, int64_t n2, pack_ctx *c) {
    memset(c, 0, sizeof *c);
    const op_tensor *T = &o->t[r];
    c->rank = T->rank;
    int64_t s = 1;
    for (int j = T->rank - 1; j >= 0; j--) {
        c->shape[j] = T->shape[j];
        c->rs[j] = s;
        s *= T->shape[j];
    }
    c->n1 = n1;
    c->n2 = n2;
}

/* Linear index of base + o1 + o2, or -1 when out of bounds. */
static inline int64_t lin_of(const pack_ctx *c, const int64_t *base, const int64_t *o1,
                             const int64_t *o2) {
    int64_t lin = 0;
    for (int j = 0; j < c->rank; j++) {
        int64_t v = base[j] + o1[j] + o2[j];
        if (v < 0 || v >= c->shape[j])
            return -1;
        lin += v * c->rs[j];
    }
    return lin;
}

static void pack_fn(void *ctx, int64_t el, const int64_t *base, const int64_t *off1,
                    const bool *live1, const int64_t *off2, const bool *live2) {
    pack_ctx *c = ctx;
    int8_t *d = c->dst + el * c->n1 * c->n2;
    for (int64_t l1 = 0; l1 < c->n1; l1++) {
        if (!live1[l1])
            continue;
        for (int64_t l2 = 0; l2 < c->n2; l2++) {
            if (!live2[l2])
                continue;
            int64_t lin = lin_of(c, base, off1 + l1 * c->rank, off2 + l2 * c->rank);
            if (lin >= 0)
                d[l1 * c->n2 + l2] = c->src[lin];
        }
    }
}

static void bias_fn(void *ctx, int64_t el, const int64_t *base, const int64_t *off1,
                    const bool *live1, const int64_t *off2, const bool *live2) {
    pack_ctx *c = ctx;
    int32_t *d = c->acc + el * c->n1 * c->n2;
    for (int64_t l1 = 0; l1 < c->n1; l1++) {
        if (!live1[l1])
            continue;
        for (int64_t l2 = 0; l2 < c->n2; l2++) {
            if (!live2[l2])
                continue;
            const int64_t *o1 = off1 + l1 * c->rank, *o2 = off2 + l2 * c->rank;
            if (lin_of(c, base, o1, o2) >= 0)
                d[l1 * c->n2 + l2] = c->bias[base[c->bias_axis] + o1[c->bias_axis] + o2[c->bias_axis]];
        }
    }
}

static void unpack_fn(void *ctx, int64_t el, const int64_t *base, const int64_t *off1,
                      const bool *live1, const int64_t *off2, const bool *live2) {
    pack_ctx *c = ctx;
    const int8_t *s = c->outp + el * c->n1 * c->n2;
    for (int64_t l1 = 0; l1 < c->n1; l1++) {
        if (!live1[l1])
            continue;
        for (int64_t l2 = 0; l2 < c->n2; l2++) {
            if (!live2[l2])
                continue;
            int64_t lin = lin_of(c, base, off1 + l1 * c->rank, off2 + l2 * c->rank);
            if (lin >= 0)
                c->out[lin] = s[l1 * c->n2 + l2];
        }
    }
}

void emb_pack(const op *o, const hw_config *hw, const emb *e, const emb_nest *n,
              const int8_t *in, const int8_t *wt, int8_t *inp, int8_t *wgt) {
    const int8_t *src[2] = {e->swap ? wt : in, e->swap ? in : wt};
    int8_t *dst[2] = {inp, wgt};
    for (int x = 0; x < 2; x++) {
        if (!dst[x])
            continue;
        emb_lane la[2];
        emb_operand_lanes((emb_operand)x, &la[0], &la[1]);
        int64_t lanes[3] = {hw_batch(hw), hw_block_out(hw), hw_block_in(hw)};
        pack_ctx c;
        ctx_init(o, emb_operand_role(e, (emb_operand)x), lanes[la[0]], lanes[la[1]], &c);
        c.src = src[x];
        c.dst = dst[x];
        memset(dst[x], 0, (size_t)(n->lay[x].elems * c.n1 * c.n2));
        for_each_elem(o, hw, e, n, (emb_operand)x, pack_fn, &c);
    }
}

void emb_pack_bias(const op *o, const hw_config *hw, const emb *e, const emb_nest *n,
                   const int32_t *bias, int32_t *acc) {
    pack_ctx c;
    ctx_init(o, OP_OUT, hw_batch(hw), hw_block_out(hw), &c);
    memset(acc, 0, (size_t)(n->lay[EMB_ACC].elems * c.n1 * c.n2) * sizeof *acc);
    if (!o->rq.bias || !bias)
        return;
    c.bias = bias;
    c.bias_axis = o->rq.bias_axis;
    c.acc = acc;
    ES_ASSERT(c.bias_axis >= 0 && c.bias_axis < c.rank);
    for_each_elem(o, hw, e, n, EMB_ACC, bias_fn, &c);
}

void emb_unpack_out(const op *o, const hw_config *hw, const emb *e, const emb_nest *n,
                    const int8_t *outp, int8_t *out) {
    pack_ctx c;
    ctx_init(o, OP_OUT, hw_batch(hw), hw_block_out(hw), &c);
    c.outp = outp;
    c.out = out;
    for_each_elem(o, hw, e, n, EMB_ACC, unpack_fn, &c);
}

void emb_out_position(const op *o, const hw_config *hw, const emb *e, const emb_nest *n,
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
    int64_t lanes[3] = {hw_batch(hw), hw_block_out(hw), hw_block_in(hw)};
    int64_t t[EMB_MAX_LOOPS], ln[3];
    emb_point_inverse(o, e, n, lanes, p, t, ln);
    *elem = emb_addr(n, EMB_ACC, t);
    *lane = ln[EMB_B] * lanes[EMB_O] + ln[EMB_O];
}
