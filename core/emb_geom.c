/* emb_geom: the private geometry of an embedding's nest (see core/emb_int.h): which
 * tensor element a lane of a layout element holds, the operator point of an instance's
 * lane triple and its inverse, and small tensor-index helpers with message formatting.
 * Invariant: everything here is a pure function of (op, hw, embedding, nest); nothing
 * is cached in the nest, so the packer and the checker see exactly the nest they get. */
#include <inttypes.h>
#include <string.h>

#include "core/emb.h"
#include "core/emb_int.h"

/* The operand/lane vocabulary (used by emb_nest.c, emb_pack.c, emb_check.c): it lives
 * here, below the nest, so that emb_nest.c depends on emb_geom.c and not the reverse. */
static const char *const lane_names[3] = {"B", "O", "I"};
static const char *const operand_names[3] = {"inp", "wgt", "acc"};

const char *emb_lane_name(emb_lane l) { return lane_names[l]; }
const char *emb_operand_name(emb_operand x) { return operand_names[x]; }

void emb_operand_lanes(emb_operand x, emb_lane *outer, emb_lane *inner) {
    switch (x) {
    case EMB_INP: *outer = EMB_B; *inner = EMB_I; return;
    case EMB_WGT: *outer = EMB_O; *inner = EMB_I; return;
    case EMB_ACC: *outer = EMB_B; *inner = EMB_O; return;
    }
    ES_ASSERT(0);
}

op_role emb_operand_role(const emb *e, emb_operand x) {
    if (x == EMB_ACC)
        return OP_OUT;
    if ((x == EMB_INP) != e->swap)
        return OP_IN;
    return OP_WT;
}

void emb_term_move(const op *o, op_role r, const emb_term *t, int64_t *v) {
    const op_tensor *T = &o->t[r];
    for (int j = 0; j < T->rank; j++) {
        v[j] = T->map[j][t->dim];
        if (t->comp_dim >= 0)
            v[j] += t->comp_coef * T->map[j][t->comp_dim];
    }
}

void emb_loop_move(const op *o, op_role r, const emb_loop *l, int64_t *v) {
    const op_tensor *T = &o->t[r];
    for (int j = 0; j < T->rank; j++)
        v[j] = l->step * T->map[j][l->dim];
}

void emb_tensor_index(const op *o, op_role r, const int64_t *p, int64_t *idx) {
    const op_tensor *T = &o->t[r];
    for (int j = 0; j < T->rank; j++) {
        int64_t v = T->off[j];
        for (int d = 0; d < o->ndims; d++)
            v += T->map[j][d] * p[d];
        idx[j] = v;
    }
}

bool emb_index_in_bounds(const op *o, op_role r, const int64_t *idx) {
    const op_tensor *T = &o->t[r];
    for (int j = 0; j < T->rank; j++)
        if (idx[j] < 0 || idx[j] >= T->shape[j])
            return false;
    return true;
}

int64_t emb_index_linear(const op *o, op_role r, const int64_t *idx) {
    const op_tensor *T = &o->t[r];
    int64_t lin = 0;
    for (int j = 0; j < T->rank; j++)
        lin = lin * T->shape[j] + idx[j];
    return lin;
}

void emb_fmt_index(const op *o, op_role r, const int64_t *idx, char *buf, size_t len) {
    const op_tensor *T = &o->t[r];
    size_t k = (size_t)snprintf(buf, len, "%s[", T->name);
    for (int j = 0; j < T->rank && k < len; j++)
        k += (size_t)snprintf(buf + k, len - k, "%s%" PRId64, j ? "," : "", idx[j]);
    if (k < len)
        snprintf(buf + k, len - k, "]");
}

void emb_fmt_point(const op *o, const int64_t *p, char *buf, size_t len) {
    size_t k = (size_t)snprintf(buf, len, "(");
    for (int d = 0; d < o->ndims && k < len; d++)
        k += (size_t)snprintf(buf + k, len - k, "%s%s=%" PRId64, d ? "," : "", o->dim_name[d], p[d]);
    if (k < len)
        snprintf(buf + k, len - k, ")");
}

void emb_geom_build(const op *o, const hw_intrinsic *hw, const emb *e, const emb_nest *n,
                    emb_geom *g) {
    memset(g, 0, sizeof *g);
    g->lanes[EMB_B] = hw->batch;
    g->lanes[EMB_O] = hw->block_out;
    g->lanes[EMB_I] = hw->block_in;
    for (int L = 0; L < 3; L++) {
        g->fused[L] = n->lane_extent[L];
        g->nchunks[L] = es_ceil_div(g->fused[L], g->lanes[L]);
        g->chunk_loop[L] = -1;
    }
    int64_t p0[OP_MAX_DIMS] = {0};
    for (int li = 0; li < n->nloops; li++) {
        const emb_loop *l = &n->loop[li];
        if (l->kind == EMB_LOOP_CHUNK)
            g->chunk_loop[l->dim] = li;
        else
            p0[l->dim] = l->start;
    }
    for (int x = 0; x < 3; x++) {
        op_role r = emb_operand_role(e, (emb_operand)x);
        const op_tensor *T = &o->t[r];
        const emb_layout *lay = &n->lay[x];
        g->role[x] = (int32_t)r;
        g->rank[x] = T->rank;
        memcpy(g->shape[x], T->shape, sizeof T->shape);
        for (int L = 0; L < 3; L++) {
            g->chunk_axis[x][L] = -1;
            for (int ti = 0; ti < e->nterms[L]; ti++)
                emb_term_move(o, r, &e->term[L][ti], g->term_eff[x][L][ti]);
        }
        for (int k = 0; k < lay->naxes; k++)
            g->axis_chunk[x][k] = -1;
        bool have_dir[EMB_MAX_LAXES] = {false};
        for (int li = 0; li < n->nloops; li++) {
            const emb_loop *l = &n->loop[li];
            int k = l->axis[x];
            if (k < 0)
                continue;
            ES_ASSERT(k < lay->naxes);
            if (l->kind == EMB_LOOP_CHUNK) {
                g->axis_chunk[x][k] = l->dim;
                g->chunk_axis[x][l->dim] = k;
                continue;
            }
            /* The first loop of an axis defines its direction; a nest whose other loops
             * disagree (only a tampered one) is caught by the scalar checker. */
            if (have_dir[k] || l->coef[x] == 0)
                continue;
            int64_t v[OP_MAX_RANK];
            emb_loop_move(o, r, l, v);
            for (int j = 0; j < T->rank; j++)
                g->dir[x][k][j] = v[j] / l->coef[x];
            have_dir[k] = true;
        }
        emb_tensor_index(o, r, p0, g->idx0[x]);
        for (int k = 0; k < lay->naxes; k++)
            for (int j = 0; j < T->rank; j++)
                g->idx0[x][j] -= lay->base[k] * g->dir[x][k][j];
    }
}

bool emb_geom_lane_off(const op *o, const emb *e, const emb_geom *g, emb_operand x,
                       emb_lane L, int64_t chunk, int64_t lane, int64_t *off) {
    (void)o;
    int rank = g->rank[x];
    for (int j = 0; j < rank; j++)
        off[j] = 0;
    int64_t F = chunk * g->lanes[L] + lane;
    if (F >= g->fused[L])
        return false;
    for (int ti = e->nterms[L] - 1; ti >= 0; ti--) {
        int64_t ext = e->term[L][ti].extent;
        int64_t j = F % ext;
        F /= ext;
        for (int a = 0; a < rank; a++)
            off[a] += j * g->term_eff[x][L][ti][a];
    }
    return true;
}

bool emb_geom_content(const op *o, const emb *e, const emb_nest *n, const emb_geom *g,
                      emb_operand x, int64_t elem, int64_t l1, int64_t l2, int64_t *idx) {
    const emb_layout *lay = &n->lay[x];
    int rank = g->rank[x];
    int64_t a[EMB_MAX_LAXES];
    for (int k = lay->naxes - 1; k >= 0; k--) {
        a[k] = elem % lay->extent[k];
        elem /= lay->extent[k];
    }
    for (int j = 0; j < rank; j++)
        idx[j] = g->idx0[x][j];
    for (int k = 0; k < lay->naxes; k++)
        for (int j = 0; j < rank; j++)
            idx[j] += a[k] * g->dir[x][k][j];
    emb_lane la[2];
    emb_operand_lanes(x, &la[0], &la[1]);
    int64_t lv[2] = {l1, l2};
    bool live = true;
    for (int s = 0; s < 2; s++) {
        int L = (int)la[s];
        int k = g->chunk_axis[x][L];
        int64_t chunk = k >= 0 ? a[k] : 0;
        int64_t off[OP_MAX_RANK];
        if (!emb_geom_lane_off(o, e, g, x, (emb_lane)L, chunk, lv[s], off))
            live = false;
        for (int j = 0; j < rank; j++)
            idx[j] += off[j];
    }
    return live;
}

int emb_term_order(const emb *e, int ord[3 * EMB_MAX_TERMS][2]) {
    bool done[3][EMB_MAX_TERMS] = {{false}};
    int k = 0, total = e->nterms[0] + e->nterms[1] + e->nterms[2];
    for (int before = -1; k < total && k > before;) {
        before = k;
        for (int L = 0; L < 3; L++)
            for (int ti = 0; ti < e->nterms[L]; ti++) {
                if (done[L][ti])
                    continue;
                bool ready = true;
                for (int L2 = 0; L2 < 3; L2++)
                    for (int t2 = 0; t2 < e->nterms[L2]; t2++)
                        if (!done[L2][t2] && e->term[L2][t2].comp_dim == e->term[L][ti].dim)
                            ready = false;
                if (!ready)
                    continue;
                done[L][ti] = true;
                ord[k][0] = L;
                ord[k++][1] = ti;
            }
    }
    return k;
}

void emb_point_inverse(const op *o, const emb *e, const emb_nest *n, const int64_t *lanes,
                       const int64_t *p, int64_t *t, int64_t *lane) {
    int64_t j[3][EMB_MAX_TERMS];
    int64_t rem[OP_MAX_DIMS], start[OP_MAX_DIMS] = {0};
    for (int d = 0; d < o->ndims; d++)
        rem[d] = p[d];
    for (int li = 0; li < n->nloops; li++)
        if (n->loop[li].kind == EMB_LOOP_DIM)
            start[n->loop[li].dim] = n->loop[li].start;
    /* Term steps from primary dims, each once the terms compensating its dim are known
     * (emb_check guarantees such an order); what stays in rem is the loops' part. */
    int ord[3 * EMB_MAX_TERMS][2];
    int nord = emb_term_order(e, ord);
    ES_ASSERT(nord == e->nterms[0] + e->nterms[1] + e->nterms[2]);
    for (int k = 0; k < nord; k++) {
        int L = ord[k][0], ti = ord[k][1];
        const emb_term *tm = &e->term[L][ti];
        int64_t v = rem[tm->dim] - start[tm->dim];
        j[L][ti] = v - es_floor_div(v, tm->extent) * tm->extent;
        rem[tm->dim] -= j[L][ti];
        if (tm->comp_dim >= 0)
            rem[tm->comp_dim] -= tm->comp_coef * j[L][ti];
    }
    int64_t F[3];
    for (int L = 0; L < 3; L++) {
        int64_t f = 0;
        for (int ti = 0; ti < e->nterms[L]; ti++)
            f = f * e->term[L][ti].extent + j[L][ti];
        F[L] = f;
        lane[L] = f % lanes[L];
    }
    for (int li = 0; li < n->nloops; li++) {
        const emb_loop *l = &n->loop[li];
        if (l->kind == EMB_LOOP_DIM)
            t[li] = es_floor_div(rem[l->dim] - l->start, l->step);
        else
            t[li] = F[l->dim] / lanes[l->dim];
    }
}
