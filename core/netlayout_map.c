/* netlayout_map: layouts of activation tensors as VTA vectors and the transitions
 * between them (see core/netlayout_map.h). The maps come from emb_index_map, the walk
 * of emb_pack / emb_unpack_out itself, so they are the layouts the program really
 * loads and stores; zero bands (padding the loader makes with DMA padding) are left
 * out of nl_map_in, as they are not in DRAM. */
#include "core/netlayout_map.h"

#include <stdlib.h>
#include <string.h>

_Static_assert(NL_LANE_ZERO == -1, "emb_index_map marks a lane without an element -1");

static const char *const nl_trans_names[] = {NL_TRANS_KINDS(ES_NAME2)};
const char *nl_trans_kind_name(nl_trans_kind k) { return nl_trans_names[k]; }

void nl_map_free(nl_map *m) {
    free(m->idx);
    free(m->slot);
    memset(m, 0, sizeof *m);
}

/* m with nvec vectors of `lanes` lanes, every lane NL_LANE_ZERO when zero_fill (else
 * the caller writes them all). */
static bool map_alloc(nl_map *m, int64_t nvec, int64_t lanes, bool zero_fill, status *st) {
    memset(m, 0, sizeof *m);
    if (nvec < 0 || lanes < 1 || nvec > (INT32_MAX / lanes)) return status_fail(st, "layout map of %lld vectors too large", (long long)nvec);
    m->nvec = nvec;
    m->lanes = (int32_t)lanes;
    m->idx = malloc((size_t)(nvec * lanes + 1) * sizeof *m->idx);
    if (!m->idx) return status_fail(st, "out of memory for a layout map");
    if (zero_fill) memset(m->idx, 0xff, (size_t)(nvec * lanes) * sizeof *m->idx); /* -1: NL_LANE_ZERO */
    return true;
}

bool nl_map_out(const op *o, const hw_intrinsic *hw, const emb *e, const emb_nest *n, const int32_t *remap, nl_map *m,
                status *st) {
    if (op_tensor_elems(o, OP_OUT) >= INT32_MAX) return status_fail(st, "output too large to map");
    if (!map_alloc(m, n->lay[EMB_ACC].elems, hw->batch * hw->block_out, false, st)) return false;
    emb_index_map(o, hw, e, n, EMB_ACC, m->idx);
    int32_t empty = o->rq.clip_lo <= 0 && o->rq.clip_hi >= 0 ? NL_LANE_ZERO : NL_LANE_JUNK;
    for (int64_t k = 0; k < m->nvec * m->lanes; k++) {
        int32_t t = m->idx[k];
        m->idx[k] = t < 0 ? empty : !remap ? t : remap[t] >= 0 ? remap[t] : NL_LANE_JUNK;
    }
    return true;
}

/* Is layout element k inside the DRAM part (no zero band on any axis)? */
static bool in_dram(const emb_layout *L, int64_t k) {
    for (int a = L->naxes - 1; a >= 0; a--) {
        int64_t v = k % L->extent[a];
        k /= L->extent[a];
        if (v < L->zero_lo[a] || v >= L->extent[a] - L->zero_hi[a]) return false;
    }
    return true;
}

emb_operand nl_act_operand(const emb *e) { return e->swap ? EMB_WGT : EMB_INP; }

bool nl_map_in_full(const op *o, const hw_intrinsic *hw, const emb *e, const emb_nest *n, nl_map *m, status *st) {
    emb_operand x = nl_act_operand(e);
    const emb_layout *L = &n->lay[x];
    if (op_tensor_elems(o, OP_IN) >= INT32_MAX) return status_fail(st, "input too large to map");
    if (!map_alloc(m, L->elems, L->elem_bytes, false, st)) return false;
    emb_index_map(o, hw, e, n, x, m->idx); /* -1 = NL_LANE_ZERO: the packing's zeros */
    return true;
}

bool nl_map_in(const op *o, const hw_intrinsic *hw, const emb *e, const emb_nest *n, nl_map *m, status *st) {
    if (e->swap) return status_fail(st, "operand swap: the activation is VTA's weight operand");
    nl_map f;
    if (!nl_map_in_full(o, hw, e, n, &f, st)) return false;
    /* packed zeros are zero in every pass (full[k] stays at NL_LANE_ZERO) */
    const emb_layout *L = &n->lay[EMB_INP];
    int64_t lanes = f.lanes, nvec = 0;
    for (int64_t v = 0; v < L->elems; v++) nvec += in_dram(L, v);
    bool ok = map_alloc(m, nvec, lanes, false, st); /* every vector copied below */
    for (int64_t v = 0, j = 0; ok && v < L->elems; v++)
        if (in_dram(L, v)) memcpy(m->idx + (j++) * lanes, f.idx + v * lanes, (size_t)lanes * sizeof *f.idx);
    nl_map_free(&f);
    return ok;
}

bool nl_map_act(const op *o, const hw_intrinsic *hw, const emb *e, const emb_nest *n, bool padded, nl_map *m,
                int64_t *bytes, status *st) {
    bool whole = padded || nl_act_operand(e) == EMB_WGT;
    bool ok = whole ? nl_map_in_full(o, hw, e, n, m, st) : nl_map_in(o, hw, e, n, m, st);
    if (ok) *bytes = m->nvec * m->lanes;
    return ok;
}

bool nl_map_canonical(const hw_intrinsic *hw, int32_t rank, const int64_t *shape, nl_map *m, status *st) {
    int64_t B = hw->block_out, lanes = hw->out_bytes;
    int64_t N = shape[0], C = shape[1], HW = 1;
    if (rank != 2 && rank != 4) return status_fail(st, "canonical layout of a rank-%d tensor", rank);
    if (rank == 4) HW = shape[2] * shape[3];
    int64_t CB = (C + B - 1) / B;
    if (!map_alloc(m, N * CB * HW, lanes, true, st)) return false;
    for (int64_t nn = 0; nn < N; nn++)
        for (int64_t cb = 0; cb < CB; cb++)
            for (int64_t p = 0; p < HW; p++)
                for (int64_t l = 0; l < B && cb * B + l < C; l++)
                    m->idx[((nn * CB + cb) * HW + p) * lanes + l] = (int32_t)((nn * C + cb * B + l) * HW + p);
    return true;
}

static uint64_t vec_hash(const int32_t *v, int32_t lanes) {
    uint64_t h = 0x1234567ull;
    for (int32_t l = 0; l < lanes; l++) h = es_mix64(h ^ (uint64_t)(uint32_t)v[l]);
    return h;
}

/* Vector v's slot in p's index (>= 0: the vector of p with that content; else
 * -(empty slot + 1)). */
static int64_t vec_find(int64_t cap, const int64_t *slot, const nl_map *p, const int32_t *v) {
    int64_t i = (int64_t)(vec_hash(v, p->lanes) & (uint64_t)(cap - 1));
    for (; slot[i]; i = (i + 1) & (cap - 1))
        if (!memcmp(p->idx + (slot[i] - 1) * p->lanes, v, (size_t)p->lanes * sizeof *v)) return slot[i] - 1;
    return -(i + 1);
}

/* p's vectors by content (the first of equal ones) in a new table of *cap slots. */
static int64_t *index_build(const nl_map *p, int64_t *cap) {
    int64_t c = 1;
    while (c < 2 * p->nvec + 2) c *= 2;
    int64_t *slot = calloc((size_t)c, sizeof *slot);
    if (!slot) return NULL;
    for (int64_t v = 0; v < p->nvec; v++) {
        int64_t f = vec_find(c, slot, p, p->idx + v * p->lanes);
        if (f < 0) slot[-f - 1] = v + 1;
    }
    *cap = c;
    return slot;
}

bool nl_map_index(nl_map *m) {
    if (!m->slot) m->slot = index_build(m, &m->icap);
    return m->slot != NULL;
}

nl_transition nl_copy_transition(const nl_price *hw, int64_t pbytes, int64_t cbytes) {
    int64_t b = pbytes + cbytes;
    return (nl_transition){NL_TR_COPY,
                           (double)b / (double)hw->bus_bytes +
                               (double)((b + NL_COPY_ROW - 1) / NL_COPY_ROW) * (double)hw->dram_latency,
                           b};
}

nl_transition nl_transition_of(const nl_price *hw, const nl_map *p, const nl_map *c) {
    nl_transition t = {NL_TR_SAME, 0, 0};
    double bus = (double)hw->bus_bytes, lat = (double)hw->dram_latency;
    int64_t pb = p->nvec * p->lanes, cb = c->nvec * c->lanes;
    if (p->lanes == c->lanes && p->nvec == c->nvec && !memcmp(p->idx, c->idx, (size_t)pb * sizeof *p->idx)) return t;
    nl_transition copy = nl_copy_transition(hw, pb, cb);
    if (p->lanes != c->lanes) return copy;
    int64_t cap = p->icap, *slot = p->slot, *own = NULL;
    if (!slot && !(slot = own = index_build(p, &cap))) return copy;
    int64_t stored = 0, runs = 0, prev = -2, used = 0;
    bool *seen = calloc((size_t)p->nvec + 1, sizeof *seen);
    bool ok = seen != NULL;
    for (int64_t v = 0; ok && v < c->nvec; v++) {
        const int32_t *cv = c->idx + v * c->lanes;
        bool zero = true;
        for (int32_t l = 0; l < c->lanes && zero; l++) zero = cv[l] == NL_LANE_ZERO;
        if (zero) { /* made by DMA padding or zeroed once in the image */
            prev = -2;
            continue;
        }
        int64_t f = vec_find(cap, slot, p, cv);
        if (f < 0) ok = false;
        else {
            stored++;
            runs += f != prev + 1;
            prev = f;
            used += !seen[f];
            seen[f] = true;
        }
    }
    free(seen);
    free(own);
    if (!ok) return copy;
    int64_t extra = stored > used ? stored - used : 0;
    t.kind = NL_TR_STORE;
    t.bytes = extra * c->lanes;
    t.cycles = (double)t.bytes / bus + (double)(runs > 1 ? runs - 1 : 0) * lat;
    if (t.cycles > copy.cycles) return copy;
    return t;
}
