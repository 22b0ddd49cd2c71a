/* emb_nest: the structural check of an embedding (emb_check), the loop nest and DRAM
 * layouts it implies (emb_nest_build) and element addresses (emb_addr); the geometry
 * that packer and checker derive from a nest lives in emb_geom.c.
 *
 * Layout construction, per VTA operand with tensor T (map M): a dim loop l moves T by
 * v_l = step_l * M[:, d_l]. Loops whose v_l are parallel share one axis: v_l = r_l * g
 * with g primitive (gcd 1, first nonzero > 0). The common factor D of the r_l is divided
 * out when the element's own lanes move T along g (then the lanes fill the gap, e.g.
 * the x block loop of a Toeplitz embedding, or y of im2col with stride 2); otherwise the
 * natural spacing is kept (channel packing with stride 2 keeps every input row, like
 * TVM's NCHW16c, and strided DMA skips rows). Chunk loops get an axis of their own.
 * Axes are ordered by the outermost tensor axis they move, so layouts come out in the
 * tensor's natural order (NCHW16c, OIHW16o16i, NKHW16k).
 * Invariant: emb_nest_build only succeeds for embeddings that pass emb_check, and every
 * loop's move of an operand's tensor equals coef * dir of its layout axis (the scalar
 * checker verifies this for any nest it is given, so tampered nests are reported). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/emb.h"
#include "core/emb_int.h"

static int64_t i64_abs(int64_t a) { return a < 0 ? -a : a; }

int64_t emb_dir_split(const int64_t *v, int rank, int64_t *g) {
    int64_t gg = 0;
    int lead = -1;
    for (int j = 0; j < rank; j++) {
        gg = es_gcd_i64(gg, v[j]);
        if (lead < 0 && v[j])
            lead = j;
    }
    ES_ASSERT(lead >= 0);
    if (v[lead] < 0)
        gg = -gg;
    for (int j = 0; j < OP_MAX_RANK; j++)
        g[j] = j < rank ? v[j] / gg : 0;
    return gg;
}

void emb_axis_in_bounds(int64_t c0, int64_t dv, int64_t shape, int64_t ext, int64_t *lo,
                        int64_t *hi) {
    ES_ASSERT(dv > 0);
    /* index(a) = c0 + a*dv; in bounds for a in [ceil(-c0/dv), ceil((shape-c0)/dv)) */
    int64_t l = es_ceil_div_any(-c0, dv), h = es_ceil_div_any(shape - c0, dv);
    if (l < 0)
        l = 0;
    if (l > ext)
        l = ext;
    if (h > ext)
        h = ext;
    if (h < l)
        h = l;
    *lo = l;
    *hi = h;
}

static bool vec_zero(const int64_t *v, int n) {
    for (int j = 0; j < n; j++)
        if (v[j])
            return false;
    return true;
}

static void term_name(const op *o, const emb_term *t, char *buf, size_t len) {
    if (t->comp_dim >= 0)
        snprintf(buf, len, "%s with %s*%" PRId64, o->dim_name[t->dim], o->dim_name[t->comp_dim],
                 t->comp_coef);
    else
        snprintf(buf, len, "%s", o->dim_name[t->dim]);
}

/* Rule: the term must keep tensor r fixed. Fills a precise message otherwise. */
static bool term_keeps(const op *o, op_role r, emb_lane L, int ti, const emb_term *t,
                       const char *why, status *st) {
    int64_t v[OP_MAX_RANK];
    emb_term_move(o, r, t, v);
    const op_tensor *T = &o->t[r];
    if (vec_zero(v, T->rank))
        return true;
    char nm[64];
    term_name(o, t, nm, sizeof nm);
    int j = 0;
    while (v[j] == 0)
        j++;
    if (t->comp_dim < 0)
        return status_fail(st, "%s lane term %d (%s) moves %s axis %d by %" PRId64 " (%s)",
                           emb_lane_name((emb_lane)L), ti, nm, T->name, j, v[j], why);
    /* Which coefficient would have cancelled the move? */
    int64_t want = 0;
    bool found = false;
    for (int a = 0; a < T->rank; a++) {
        int64_t m2 = T->map[a][t->comp_dim];
        if (m2 != 0 && T->map[a][t->dim] % m2 == 0) {
            want = -T->map[a][t->dim] / m2;
            found = true;
            break;
        }
    }
    if (found && want != 0) {
        for (int a = 0; a < T->rank; a++)
            if (T->map[a][t->dim] + want * T->map[a][t->comp_dim] != 0)
                found = false;
    } else {
        found = false;
    }
    if (found)
        return status_fail(st,
                           "%s lane term %d (%s) moves %s axis %d by %" PRId64
                           " (%s): the compensation must cancel the move (coefficient for %s "
                           "would be %" PRId64 ")",
                           emb_lane_name((emb_lane)L), ti, nm, T->name, j, v[j], why,
                           o->dim_name[t->comp_dim], want);
    return status_fail(st,
                       "%s lane term %d (%s) moves %s axis %d by %" PRId64
                       " (%s): no coefficient of %s cancels the move",
                       emb_lane_name((emb_lane)L), ti, nm, T->name, j, v[j], why, o->dim_name[t->comp_dim]);
}

bool emb_dim_plan_of(const op *o, const emb *e, int d, emb_dim_plan *p) {
    memset(p, 0, sizeof *p);
    p->prim_L = p->prim_t = -1;
    for (int L = 0; L < 3; L++)
        for (int ti = 0; ti < e->nterms[L]; ti++) {
            const emb_term *t = &e->term[L][ti];
            if (t->dim == d) {
                p->prim_L = L;
                p->prim_t = ti;
            }
            if (t->comp_dim != d)
                continue;
            int64_t span;
            if (!es_mul_i64(i64_abs(t->comp_coef), t->extent - 1, &span))
                return false;
            int64_t *acc = t->comp_coef > 0 ? &p->span_pos : &p->span_neg;
            if (!es_add_i64(*acc, span, acc))
                return false;
            p->ncomp++;
        }
    int64_t E = o->extent[d], range;
    if (!es_add_i64(E, p->span_pos, &range) || !es_add_i64(range, p->span_neg, &range))
        return false;
    p->start = -p->span_pos;
    p->step = 1;
    p->extent = range;
    p->loop = true;
    int64_t fill = 0; /* the primary term's lanes: 0..e-1 inside each step */
    if (p->prim_L >= 0) {
        int64_t te = e->term[p->prim_L][p->prim_t].extent;
        p->step = te;
        p->extent = es_ceil_div(range, te);
        p->loop = !(p->span_pos == 0 && p->span_neg == 0 && te == E);
        fill = te - 1;
    }
    int64_t walk;
    if (!es_mul_i64(p->step, p->extent - 1, &walk) || !es_add_i64(walk, fill, &walk))
        return false;
    p->lo = p->start - p->span_neg;
    p->hi = p->start + walk + p->span_pos;
    return true;
}

/* Range of values dim d takes over the whole nest (all instances and lanes): block loops
 * overshoot to a multiple of the term extent, compensated dims are shifted. */
static void dim_range(const op *o, const emb *e, int d, int64_t *lo, int64_t *hi) {
    emb_dim_plan p;
    ES_ASSERT(emb_dim_plan_of(o, e, d, &p)); /* overflow is rejected by emb_check first */
    *lo = p.lo;
    *hi = p.hi;
}

/* Values of dim d outside [0, E_d) (block overshoot, shifted compensated dims) are
 * harmless only if every such point leaves the bounds of some tensor: an In or Wt index
 * out of bounds reads a zero, an Out index out of bounds is an accumulator never
 * stored. With mixed-radix maps (grouped conv: Out channel g*Kg + k) an overshoot of k
 * lands on the next group's elements instead, so such embeddings are rejected. */
static bool side_safe(const op *o, const emb *e, int d, int64_t vlo, int64_t vhi) {
    int64_t rlo[OP_MAX_DIMS], rhi[OP_MAX_DIMS];
    for (int k = 0; k < o->ndims; k++)
        dim_range(o, e, k, &rlo[k], &rhi[k]);
    rlo[d] = vlo;
    rhi[d] = vhi;
    for (int r = 0; r < 3; r++) {
        const op_tensor *T = &o->t[r];
        for (int j = 0; j < T->rank; j++) {
            if (T->map[j][d] == 0)
                continue;
            int64_t mn = T->off[j], mx = T->off[j];
            for (int k = 0; k < o->ndims; k++) {
                int64_t m = T->map[j][k], a = m * rlo[k], b = m * rhi[k];
                mn += a < b ? a : b;
                mx += a < b ? b : a;
            }
            if (mn >= T->shape[j] || mx < 0)
                return true;
        }
    }
    return false;
}

static bool check_overshoot(const op *o, const emb *e, status *st) {
    for (int d = 0; d < o->ndims; d++) {
        int64_t lo, hi;
        dim_range(o, e, d, &lo, &hi);
        int64_t E = o->extent[d];
        if ((lo < 0 && !side_safe(o, e, d, lo, -1)) || (hi >= E && !side_safe(o, e, d, E, hi)))
            return status_fail(st, "dim '%s' runs over %" PRId64 "..%" PRId64 " in the nest (extent %" PRId64
                               ") and the points outside 0..%" PRId64 " stay inside every tensor "
                               "(they would alias other elements); use term extents that divide the "
                               "dim's extent",
                               o->dim_name[d], lo, hi, E, E - 1);
    }
    return true;
}

/* A term's lane value is traced back from a point through its primary dim after the
 * terms compensating that dim are known (emb_point_inverse); this needs an order, so
 * terms must not compensate each other's primary dims in a cycle. */
static bool check_order(const op *o, const emb *e, status *st) {
    int ord[3 * EMB_MAX_TERMS][2];
    int nord = emb_term_order(e, ord);
    if (nord == e->nterms[0] + e->nterms[1] + e->nterms[2])
        return true;
    bool done[3][EMB_MAX_TERMS] = {{false}};
    for (int k = 0; k < nord; k++)
        done[ord[k][0]][ord[k][1]] = true;
    for (int L = 0; L < 3; L++)
        for (int ti = 0; ti < e->nterms[L]; ti++)
            if (!done[L][ti]) {
                char nm[64];
                term_name(o, &e->term[L][ti], nm, sizeof nm);
                return status_fail(st, "%s lane term %d (%s) is part of a compensation cycle "
                                   "(terms compensate each other's primary dims, so a point "
                                   "cannot be traced back to its lanes)",
                                   emb_lane_name((emb_lane)L), ti, nm);
            }
    ES_ASSERT(0);
    return false;
}

static bool is_pow2_in(int64_t v, int64_t lo, int64_t hi) {
    return v >= lo && v <= hi && (v & (v - 1)) == 0;
}

bool emb_check_intrinsic(const hw_intrinsic *hw, status *st) {
    if (!is_pow2_in(hw->batch, 1, 16))
        return status_fail(st, "BATCH must be a power of two in 1..16 (log_batch 0..4), got %lld",
                           (long long)hw->batch);
    if (!is_pow2_in(hw->block_in, 2, 64) || !is_pow2_in(hw->block_out, 2, 64))
        return status_fail(st, "BLOCK_IN/BLOCK_OUT must be powers of two in 2..64 (log_block_in/log_block_out "
                               "1..6), got %lld/%lld",
                           (long long)hw->block_in, (long long)hw->block_out);
    /* lanes are bounded now, so the products below cannot overflow */
    if (hw->inp_bytes != hw->batch * hw->block_in || hw->wgt_bytes != hw->block_out * hw->block_in ||
        hw->acc_bytes != 4 * hw->batch * hw->block_out || hw->out_bytes != hw->batch * hw->block_out)
        return status_fail(st, "only int8 inputs, weights and outputs and int32 accumulators are supported");
    return true;
}

bool emb_check(const op *o, const hw_intrinsic *hw, const emb *e, status *st) {
    /* lane counts: BATCH <= 16, BLOCK <= 64 (the checker's and packer's tables rely on it) */
    if (hw && !emb_check_intrinsic(hw, st))
        return false;
    int owner[OP_MAX_DIMS]; /* primary term of each dim: L * 16 + ti */
    for (int d = 0; d < OP_MAX_DIMS; d++)
        owner[d] = -1;
    for (int L = 0; L < 3; L++) {
        if (e->nterms[L] < 0 || e->nterms[L] > EMB_MAX_TERMS)
            return status_fail(st, "%s lane has %d terms (0..%d allowed)", emb_lane_name((emb_lane)L),
                               e->nterms[L], EMB_MAX_TERMS);
        int64_t fused = 1;
        for (int ti = 0; ti < e->nterms[L]; ti++) {
            const emb_term *t = &e->term[L][ti];
            if (t->dim < 0 || t->dim >= o->ndims)
                return status_fail(st, "%s lane term %d: dim %d out of range (op has %d dims)",
                                   emb_lane_name((emb_lane)L), ti, t->dim, o->ndims);
            const char *dn = o->dim_name[t->dim];
            if (t->extent < 1 || t->extent > ((int64_t)1 << 40))
                return status_fail(st, "%s lane term %d (%s): extent %" PRId64
                                   " out of range 1..%" PRId64,
                                   emb_lane_name((emb_lane)L), ti, dn, t->extent, o->extent[t->dim]);
            if (t->comp_dim < -1 || t->comp_dim >= o->ndims)
                return status_fail(st, "%s lane term %d (%s): compensation dim %d out of range "
                                   "(op has %d dims)",
                                   emb_lane_name((emb_lane)L), ti, dn, t->comp_dim, o->ndims);
            if (t->comp_dim == t->dim)
                return status_fail(st, "%s lane term %d (%s): compensates itself", emb_lane_name((emb_lane)L),
                                   ti, dn);
            if (t->comp_dim >= 0 && t->comp_coef == 0)
                return status_fail(st, "%s lane term %d (%s): compensation coefficient for %s "
                                   "must be nonzero",
                                   emb_lane_name((emb_lane)L), ti, dn, o->dim_name[t->comp_dim]);
            /* A dim is the primary dim of at most one term; it may in addition be
             * compensated by any number of terms (banded Toeplitz: o <- x with s
             * compensated and i <- s), which the plan and the cycle rule below cover. */
            if (owner[t->dim] >= 0)
                return status_fail(st, "dim '%s' used twice (%s lane term %d and %s lane term %d)",
                                   dn, emb_lane_name((emb_lane)(owner[t->dim] / 16)), owner[t->dim] % 16,
                                   emb_lane_name((emb_lane)L), ti);
            owner[t->dim] = L * 16 + ti;
            if (!es_mul_i64(fused, t->extent, &fused) || fused > ((int64_t)1 << 40))
                return status_fail(st, "%s lane: fused extent too large", emb_lane_name((emb_lane)L));
        }
    }
    /* Extents: up to E_d, or up to the shifted range E_d + sum |c|(e - 1) when other
     * terms compensate d (the lanes then run along the band). */
    for (int L = 0; L < 3; L++)
        for (int ti = 0; ti < e->nterms[L]; ti++) {
            const emb_term *t = &e->term[L][ti];
            emb_dim_plan pl;
            if (!emb_dim_plan_of(o, e, t->dim, &pl))
                return status_fail(st, "%s lane term %d (%s): the range of dim '%s' overflows",
                                   emb_lane_name((emb_lane)L), ti, o->dim_name[t->dim], o->dim_name[t->dim]);
            int64_t max = o->extent[t->dim] + pl.span_pos + pl.span_neg;
            if (t->extent > max)
                return status_fail(st, "%s lane term %d (%s): extent %" PRId64
                                   " out of range 1..%" PRId64,
                                   emb_lane_name((emb_lane)L), ti, o->dim_name[t->dim], t->extent, max);
        }
    for (int d = 0; d < o->ndims; d++) {
        emb_dim_plan pl;
        if (!emb_dim_plan_of(o, e, d, &pl))
            return status_fail(st, "the range of dim '%s' overflows", o->dim_name[d]);
    }
    if (!check_order(o, e, st))
        return false;
    op_role inp_side = e->swap ? OP_WT : OP_IN, wgt_side = e->swap ? OP_IN : OP_WT;
    char why[96];
    for (int L = 0; L < 3; L++) {
        for (int ti = 0; ti < e->nterms[L]; ti++) {
            const emb_term *t = &e->term[L][ti];
            int64_t v[OP_MAX_RANK];
            if (L == EMB_I) {
                if (!term_keeps(o, OP_OUT, EMB_I, ti, t, "I terms must be reduction dims", st))
                    return false;
                continue;
            }
            op_role keep = L == EMB_O ? inp_side : wgt_side;
            snprintf(why, sizeof why, "%s terms must keep the %s-side tensor %s fixed",
                     emb_lane_name((emb_lane)L), L == EMB_O ? "inp" : "wgt", o->t[keep].name);
            if (!term_keeps(o, keep, (emb_lane)L, ti, t, why, st))
                return false;
            if (t->extent > 1 && op_is_reduction(o, t->dim)) {
                char nm[64];
                term_name(o, t, nm, sizeof nm);
                return status_fail(st, "%s lane term %d (%s): primary dim %s is a reduction dim, so "
                                   "an output's accumulator lane would depend on it (%s terms "
                                   "must step along output dims)",
                                   emb_lane_name((emb_lane)L), ti, nm, o->dim_name[t->dim], emb_lane_name((emb_lane)L));
            }
            emb_term_move(o, OP_OUT, t, v);
            if (vec_zero(v, o->t[OP_OUT].rank)) {
                char nm[64];
                term_name(o, t, nm, sizeof nm);
                return status_fail(st, "%s lane term %d (%s) does not move %s (%s terms must "
                                   "select distinct accumulators)",
                                   emb_lane_name((emb_lane)L), ti, nm, o->t[OP_OUT].name, emb_lane_name((emb_lane)L));
            }
        }
    }
    return check_overshoot(o, e, st);
}

/* ---- nest construction ---------------------------------------------------------- */

typedef struct lay_axis {
    int32_t key;         /* outermost tensor axis moved */
    int32_t chunk;       /* lane axis for a chunk axis, else -1 */
    int32_t first_loop;
    int64_t g[OP_MAX_RANK];   /* primitive direction (dim axes) */
    int64_t dir[OP_MAX_RANK]; /* move per axis unit */
    int64_t extent, base;
} lay_axis;

/* Order of the layout axes: outermost tensor axis first; on ties coarse (dim) axes
 * before chunks, then by first loop (a stable insertion sort). */
static void lay_axis_order(const lay_axis *ax, int nax, int *order) {
    for (int k = 0; k < nax; k++)
        order[k] = k;
    for (int i = 1; i < nax; i++) {
        int v = order[i], j = i - 1;
        while (j >= 0) {
            const lay_axis *p = &ax[order[j]], *q = &ax[v];
            bool after = p->key > q->key ||
                         (p->key == q->key && (p->chunk >= 0) > (q->chunk >= 0)) ||
                         (p->key == q->key && (p->chunk >= 0) == (q->chunk >= 0) &&
                          p->first_loop > q->first_loop);
            if (!after)
                break;
            order[j + 1] = order[j];
            j--;
        }
        order[j + 1] = v;
    }
}

/* Layout of operand x (see the file comment) and each loop's axis and coef on it. */
static bool build_layout(const op *o, const hw_intrinsic *hw, const emb *e, emb_nest *n,
                         emb_operand x, status *st) {
    op_role r = emb_operand_role(e, x);
    const op_tensor *T = &o->t[r];
    int rank = T->rank;
    emb_lane la[2];
    emb_operand_lanes(x, &la[0], &la[1]);
    /* Tensor axes that the element's own lanes move. */
    bool lane_touch[OP_MAX_RANK] = {false};
    bool lane_moves[3] = {false, false, false};
    int32_t lane_key[3] = {OP_MAX_RANK, OP_MAX_RANK, OP_MAX_RANK};
    for (int k = 0; k < 2; k++) {
        int L = (int)la[k];
        for (int ti = 0; ti < e->nterms[L]; ti++) {
            int64_t v[OP_MAX_RANK];
            emb_term_move(o, r, &e->term[L][ti], v);
            for (int j = 0; j < rank; j++)
                if (v[j]) {
                    lane_touch[j] = true;
                    lane_moves[L] = true;
                    if (j < lane_key[L])
                        lane_key[L] = j;
                }
        }
    }
    lay_axis ax[EMB_MAX_LAXES];
    int nax = 0;
    int32_t loop_ax[EMB_MAX_LOOPS];
    int64_t loop_r[EMB_MAX_LOOPS];
    for (int li = 0; li < n->nloops; li++) {
        emb_loop *l = &n->loop[li];
        loop_ax[li] = -1;
        loop_r[li] = 0;
        if (l->extent <= 1)
            continue;
        if (l->kind == EMB_LOOP_CHUNK) {
            int L = l->dim;
            if (L != (int)la[0] && L != (int)la[1])
                continue;
            if (!lane_moves[L])
                continue;
            ES_ASSERT(nax < EMB_MAX_LAXES);
            lay_axis *a = &ax[nax];
            memset(a, 0, sizeof *a);
            a->key = lane_key[L];
            a->chunk = L;
            a->first_loop = li;
            a->extent = l->extent;
            loop_ax[li] = nax++;
            loop_r[li] = 1;
            continue;
        }
        int64_t v[OP_MAX_RANK];
        emb_loop_move(o, r, l, v);
        if (vec_zero(v, rank))
            continue;
        int64_t g[OP_MAX_RANK];
        int64_t gg = emb_dir_split(v, rank, g);
        int lead = 0;
        while (g[lead] == 0)
            lead++;
        int found = -1;
        for (int k = 0; k < nax; k++)
            if (ax[k].chunk < 0 && memcmp(ax[k].g, g, sizeof g) == 0)
                found = k;
        if (found < 0) {
            ES_ASSERT(nax < EMB_MAX_LAXES);
            lay_axis *a = &ax[nax];
            memset(a, 0, sizeof *a);
            a->key = lead;
            a->chunk = -1;
            a->first_loop = li;
            memcpy(a->g, g, sizeof g);
            found = nax++;
        }
        loop_ax[li] = found;
        loop_r[li] = gg;
    }
    /* Divide out the common factor where the lanes fill the gap; extents and bases. */
    for (int k = 0; k < nax; k++) {
        lay_axis *a = &ax[k];
        if (a->chunk >= 0) {
            a->base = 0;
            continue;
        }
        bool touched = false;
        for (int j = 0; j < rank; j++)
            if (a->g[j] && lane_touch[j])
                touched = true;
        int64_t D = 0;
        for (int li = 0; li < n->nloops; li++)
            if (loop_ax[li] == k)
                D = es_gcd_i64(D, loop_r[li]);
        if (!touched)
            D = 1;
        int64_t ext = 1, base = 0;
        for (int li = 0; li < n->nloops; li++) {
            if (loop_ax[li] != k)
                continue;
            loop_r[li] /= D;
            int64_t span;
            if (!es_mul_i64(i64_abs(loop_r[li]), n->loop[li].extent - 1, &span) ||
                !es_add_i64(ext, span, &ext))
                return status_fail(st, "%s layout axis extent overflows", emb_operand_name((emb_operand)x));
            if (loop_r[li] < 0)
                base += span;
        }
        for (int j = 0; j < rank; j++)
            a->dir[j] = D * a->g[j];
        a->extent = ext;
        a->base = base;
    }
    int order[EMB_MAX_LAXES];
    lay_axis_order(ax, nax, order);
    int32_t pos[EMB_MAX_LAXES];
    for (int k = 0; k < nax; k++)
        pos[order[k]] = k;
    emb_layout *lay = &n->lay[x];
    memset(lay, 0, sizeof *lay);
    lay->naxes = nax;
    lay->elems = 1;
    for (int k = 0; k < nax; k++) {
        const lay_axis *a = &ax[order[k]];
        lay->extent[k] = a->extent;
        lay->base[k] = a->base;
        if (!es_mul_i64(lay->elems, a->extent, &lay->elems))
            return status_fail(st, "%s layout size overflows", emb_operand_name((emb_operand)x));
    }
    for (int li = 0; li < n->nloops; li++) {
        n->loop[li].axis[x] = loop_ax[li] < 0 ? -1 : pos[loop_ax[li]];
        n->loop[li].coef[x] = loop_ax[li] < 0 ? 0 : loop_r[li];
    }
    lay->elem_bytes = x == EMB_INP ? hw->inp_bytes : x == EMB_WGT ? hw->wgt_bytes : hw->acc_bytes;
    int64_t bytes;
    if (!es_mul_i64(lay->elems, lay->elem_bytes, &bytes))
        return status_fail(st, "%s layout size overflows", emb_operand_name((emb_operand)x));
    return true;
}

/* Zero bands, DRAM bytes, duplication and the natural-layout test (needs a geometry). */
static void finish_layouts(const op *o, const hw_intrinsic *hw, const emb *e, emb_nest *n) {
    emb_geom g;
    emb_geom_build(o, hw, e, n, &g);
    for (int x = 0; x < 3; x++) {
        emb_layout *lay = &n->lay[x];
        int rank = g.rank[x];
        emb_lane la[2];
        emb_operand_lanes((emb_operand)x, &la[0], &la[1]);
        bool lane_touch[OP_MAX_RANK] = {false};
        for (int k = 0; k < 2; k++)
            for (int ti = 0; ti < e->nterms[la[k]]; ti++)
                for (int j = 0; j < rank; j++)
                    if (g.term_eff[x][la[k]][ti][j])
                        lane_touch[j] = true;
        for (int k = 0; k < lay->naxes; k++) {
            if (g.axis_chunk[x][k] >= 0)
                continue;
            int sj = -1, nsup = 0;
            for (int j = 0; j < rank; j++)
                if (g.dir[x][k][j]) {
                    sj = j;
                    nsup++;
                }
            if (nsup != 1 || lane_touch[sj])
                continue;
            bool alone = true;
            for (int k2 = 0; k2 < lay->naxes; k2++)
                if (k2 != k && g.dir[x][k2][sj])
                    alone = false;
            if (!alone)
                continue;
            int64_t c0 = g.idx0[x][sj], dv = g.dir[x][k][sj], ext = lay->extent[k];
            ES_ASSERT(dv > 0);
            int64_t lo, hi;
            emb_axis_in_bounds(c0, dv, g.shape[x][sj], ext, &lo, &hi);
            lay->zero_lo[k] = lo;
            lay->zero_hi[k] = ext - hi;
        }
        int64_t stored = 1;
        for (int k = 0; k < lay->naxes; k++)
            stored *= lay->extent[k] - lay->zero_lo[k] - lay->zero_hi[k];
        n->dram_bytes[x] = stored * (x == EMB_INP ? hw->inp_bytes : x == EMB_WGT ? hw->wgt_bytes : hw->out_bytes);
    }
    /* Duplication: stored inp bytes over the natural inp-side tensor bytes. */
    op_role ir = emb_operand_role(e, EMB_INP);
    int64_t nat = op_tensor_elems(o, ir);
    n->dup_factor = nat > 0 ? (double)n->dram_bytes[EMB_INP] / (double)nat : 0.0;
    /* Natural layout: the stored inp bytes are the tensor's row-major bytes. */
    const emb_layout *lay = &n->lay[EMB_INP];
    int rank = g.rank[EMB_INP];
    int64_t rs[OP_MAX_RANK];
    rs[rank - 1] = 1;
    for (int j = rank - 2; j >= 0; j--)
        rs[j] = rs[j + 1] * g.shape[EMB_INP][j + 1];
    int64_t bi = g.lanes[EMB_I];
    bool natural = hw->batch == 1 && e->nterms[EMB_I] == 1 && g.fused[EMB_I] % bi == 0 &&
                   n->dram_bytes[EMB_INP] == nat;
    if (natural) {
        int64_t lin = 0;
        for (int j = 0; j < rank; j++)
            lin += g.term_eff[EMB_INP][EMB_I][0][j] * rs[j];
        natural = lin == 1;
    }
    int64_t stride = 1, origin = 0;
    for (int k = lay->naxes - 1; k >= 0 && natural; k--) {
        int64_t sext = lay->extent[k] - lay->zero_lo[k] - lay->zero_hi[k];
        int64_t lin = 0;
        for (int j = 0; j < rank; j++)
            lin += g.dir[EMB_INP][k][j] * rs[j];
        if (g.axis_chunk[EMB_INP][k] >= 0) {
            if (g.axis_chunk[EMB_INP][k] != EMB_I || stride != 1)
                natural = false;
        } else if (sext > 1 && lin != stride * bi) {
            natural = false;
        }
        origin += lay->zero_lo[k] * lin;
        stride *= sext;
    }
    if (natural) {
        for (int j = 0; j < rank; j++)
            origin += g.idx0[EMB_INP][j] * rs[j];
        natural = origin == 0;
    }
    n->needs_transform = !natural;
}

bool emb_nest_build(const op *o, const hw_intrinsic *hw, const emb *e, emb_nest *n, status *st) {
    return emb_check(o, hw, e, st) && emb_nest_derive(o, hw, e, n, st);
}

bool emb_nest_derive(const op *o, const hw_intrinsic *hw, const emb *e, emb_nest *n, status *st) {
    memset(n, 0, sizeof *n);
    int64_t lanes[3] = {hw->batch, hw->block_out, hw->block_in};
    int64_t nch[3];
    for (int L = 0; L < 3; L++) {
        int64_t f = 1;
        for (int ti = 0; ti < e->nterms[L]; ti++)
            f *= e->term[L][ti].extent; /* bounded by emb_check */
        n->lane_extent[L] = f;
        nch[L] = es_ceil_div(f, lanes[L]);
    }
    for (int d = 0; d < o->ndims; d++) {
        emb_dim_plan pl;
        ES_ASSERT(emb_dim_plan_of(o, e, d, &pl)); /* emb_check rejected overflow */
        if (!pl.loop)
            continue;
        emb_loop l;
        memset(&l, 0, sizeof l);
        l.kind = EMB_LOOP_DIM;
        l.dim = d;
        l.step = pl.step;
        l.start = pl.start;
        l.extent = pl.extent;
        ES_ASSERT(n->nloops < EMB_MAX_LOOPS);
        n->loop[n->nloops++] = l;
    }
    for (int L = 0; L < 3; L++) {
        if (nch[L] <= 1)
            continue;
        emb_loop l;
        memset(&l, 0, sizeof l);
        l.kind = EMB_LOOP_CHUNK;
        l.dim = L;
        l.extent = nch[L];
        l.step = 1;
        ES_ASSERT(n->nloops < EMB_MAX_LOOPS);
        n->loop[n->nloops++] = l;
    }
    n->instances = 1;
    for (int li = 0; li < n->nloops; li++) {
        for (int x = 0; x < 3; x++)
            n->loop[li].axis[x] = -1;
        if (!es_mul_i64(n->instances, n->loop[li].extent, &n->instances))
            return status_fail(st, "instance count overflows int64");
    }
    for (int x = 0; x < 3; x++)
        if (!build_layout(o, hw, e, n, (emb_operand)x, st))
            return false;
    double lanes_per = (double)(lanes[0] * lanes[1] * lanes[2]);
    n->utilization = (double)op_macs(o) / ((double)n->instances * lanes_per);
    finish_layouts(o, hw, e, n);
    return true;
}

int64_t emb_addr(const emb_nest *n, emb_operand x, const int64_t *t) {
    const emb_layout *lay = &n->lay[x];
    int64_t a[EMB_MAX_LAXES];
    for (int k = 0; k < lay->naxes; k++)
        a[k] = lay->base[k];
    for (int li = 0; li < n->nloops; li++) {
        int k = n->loop[li].axis[x];
        if (k >= 0)
            a[k] += n->loop[li].coef[x] * t[li];
    }
    int64_t addr = 0;
    for (int k = 0; k < lay->naxes; k++)
        addr = addr * lay->extent[k] + a[k];
    return addr;
}
