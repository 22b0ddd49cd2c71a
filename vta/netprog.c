/* netprog: one program for a whole network (see vta/netprog.h): the allocator (regions
 * appended to one vta_prog, never reused), the layers' code placed at them, segments
 * closed by FINISH, and the tensor moves through layout maps. */
#include "vta/netprog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

typedef struct np_seg {
    int64_t first, count;
} np_seg;

struct netprog {
    hw_config hw;
    vta_prog *p;
    netprog_layer *layer;
    int nlayers, cap_layers;
    np_seg *seg;
    int nseg, cap_seg;
    int64_t seg_first;  /* first instruction of the open segment */
    int open_layers;    /* layers in the open segment */
};

netprog *netprog_create(const hw_config *hw) {
    netprog *np = es_calloc(1, sizeof *np);
    if (!np) return NULL;
    np->hw = *hw;
    np->p = vta_prog_create(hw);
    if (!np->p) {
        free(np);
        return NULL;
    }
    return np;
}

void netprog_destroy(netprog *np) {
    if (!np) return;
    vta_prog_destroy(np->p);
    free(np->layer);
    free(np->seg);
    free(np);
}

vta_prog *netprog_prog(netprog *np) { return np->p; }
const netprog_layer *netprog_layer_at(const netprog *np, int k) { return &np->layer[k]; }
int netprog_nlayers(const netprog *np) { return np->nlayers; }
int netprog_nsegments(const netprog *np) { return np->nseg; }

int netprog_add_tensor(netprog *np, const char *name, uint64_t bytes, const char *shape, const char *layout,
                       status *st) {
    return vta_prog_add_region(np->p, name, HW_MEM_OUT, bytes ? bytes : 1, shape, layout, st);
}

/* Weights (natural -> emb_pack -> compact) and bias into the layer's regions. Under
 * operand swap the op's weights are VTA's INP operand and the WGT region holds the
 * activation: only the INP region is written then. */
static bool write_params(netprog *np, const netprog_layer *l, const op *o, const emb *e, const emb_nest *n,
                         const sched *s, const int8_t *wt, const int32_t *bias, status *st) {
    const hw_config *hw = &np->hw;
    int64_t nin = op_tensor_elems(o, OP_IN);
    int64_t ninp = n->lay[EMB_INP].elems * n->lay[EMB_INP].elem_bytes;
    int64_t nwgt = n->lay[EMB_WGT].elems * n->lay[EMB_WGT].elem_bytes;
    int8_t *zin = es_calloc((size_t)nin, 1), *inp = es_calloc((size_t)ninp, 1), *wgt = es_calloc((size_t)nwgt, 1);
    int32_t *bacc = o->rq.bias ? es_calloc((size_t)(n->lay[EMB_ACC].elems * hw_intrinsic_of(hw).acc_bytes), 1) : NULL;
    bool ok = zin && inp && wgt && (bacc || !o->rq.bias);
    if (!ok) status_fail(st, "out of memory for a layer's weights");
    if (ok) {
        emb_pack(o, HW_INTRINSIC(hw), e, n, zin, wt, inp, wgt);
        if (e->swap)
            lower_dram_copy(n, s, EMB_INP, hw_elem_bytes(hw, HW_MEM_INP), inp,
                               vta_prog_region_data(np->p, l->region[LOWER_R_INP]));
        else
            lower_dram_copy(n, s, EMB_WGT, hw_elem_bytes(hw, HW_MEM_WGT), wgt,
                               vta_prog_region_data(np->p, l->region[LOWER_R_WGT]));
        if (bacc) {
            emb_pack_bias(o, HW_INTRINSIC(hw), e, n, bias, bacc);
            lower_bias_bytes(hw, n, bacc, vta_prog_region_data(np->p, l->region[LOWER_R_BIAS]));
        }
    }
    free(zin), free(inp), free(wgt), free(bacc);
    return ok;
}

/* The extra STOREs of one producer STORE (lower_at.also_store). */
typedef struct np_hook {
    netprog *np;
    uint32_t out_base;
    const netprog_store_target *t;
    int nt;
} np_hook;

static void also_store(void *ctx, const vta_insn *sv, void (*push)(void *buf, const vta_insn *in), void *buf) {
    const np_hook *h = ctx;
    for (int k = 0; k < h->nt; k++) {
        const netprog_store_target *t = &h->t[k];
        int64_t cbase = vta_prog_elem_base(h->np->p, t->region), r0 = 0, c0 = 0, len = 0;
        for (int64_t y = 0; y < sv->y_size; y++)
            for (int64_t x = 0; x < sv->x_size; x++) {
                int64_t row = sv->sram_base + y * sv->x_size + x;
                int64_t v = sv->dram_base + y * sv->x_stride + x - h->out_base;
                ES_ASSERT(v >= 0 && v < t->nvec);
                for (int64_t j = t->off[v]; j < t->off[v + 1]; j++) {
                    int64_t c = t->idx[j];
                    if (len && row == r0 + len && c == c0 + len) {
                        len++;
                        continue;
                    }
                    if (len) {
                        vta_insn st = vta_store((uint32_t)r0, (uint32_t)(cbase + c0), 1, (uint32_t)len, (uint32_t)len);
                        push(buf, &st);
                    }
                    r0 = row, c0 = c, len = 1;
                }
            }
        if (len) {
            vta_insn st = vta_store((uint32_t)r0, (uint32_t)(cbase + c0), 1, (uint32_t)len, (uint32_t)len);
            push(buf, &st);
        }
    }
}

lower_region netprog_act_region(const emb *e) { return e->swap ? LOWER_R_WGT : LOWER_R_INP; }

int netprog_add_layer(netprog *np, const char *prefix, const op *o, const emb *e, const emb_nest *n, const sched *s,
                      int inp_region, const int8_t *wt, const int32_t *bias, status *st) {
    return netprog_add_layer_storing(np, prefix, o, e, n, s, inp_region, wt, bias, NULL, 0, st);
}

int netprog_add_layer_storing(netprog *np, const char *prefix, const op *o, const emb *e, const emb_nest *n,
                              const sched *s, int inp_region, const int8_t *wt, const int32_t *bias,
                              const netprog_store_target *also, int nalso, status *st) {
    if (np->nlayers == np->cap_layers) {
        int cap = np->cap_layers ? 2 * np->cap_layers : 16;
        netprog_layer *v = es_reallocarray(np->layer, (size_t)cap, sizeof *v);
        if (!v) return status_fail(st, "out of memory"), -1;
        np->layer = v;
        np->cap_layers = cap;
    }
    netprog_layer *l = &np->layer[np->nlayers];
    lower_region_spec spec[LOWER_NREGIONS];
    lower_region_specs(o, &np->hw, e, n, s, spec);
    for (int k = 0; k < LOWER_NREGIONS; k++) {
        l->region[k] = -1;
        if (!spec[k].used) continue;
        if (k == (int)netprog_act_region(e) && inp_region >= 0) {
            l->region[k] = inp_region;
            continue;
        }
        char name[32];
        snprintf(name, sizeof name, "%.24s.%s", prefix, lower_region_name((lower_region)k));
        l->region[k] = vta_prog_add_region(np->p, name, spec[k].kind, spec[k].bytes, spec[k].shape, spec[k].layout, st);
        if (l->region[k] < 0) return -1;
    }
    if (!write_params(np, l, o, e, n, s, wt, bias, st)) return -1;
    lower_at at;
    memcpy(at.region, l->region, sizeof at.region);
    at.chain = np->open_layers > 0;
    at.finish = false;
    np_hook h = {np, vta_prog_elem_base(np->p, l->region[LOWER_R_OUT]), also, nalso};
    at.also_store = nalso ? also_store : NULL;
    at.store_ctx = &h;
    lower_stats ls;
    l->insn_first = vta_prog_ninsns(np->p);
    if (!lower_codegen_at(o, &np->hw, e, n, s, np->p, &at, &ls, st)) return -1;
    l->insns = vta_prog_ninsns(np->p) - l->insn_first;
    l->segment = np->nseg;
    np->open_layers++;
    return np->nlayers++;
}

int netprog_end_segment(netprog *np) {
    if (!np->open_layers) return -1;
    vta_insn fin = vta_finish();
    fin.pop_next = true; /* the last STORE's token (lower_at.finish false) */
    vta_prog_add_insn(np->p, &fin);
    if (np->nseg == np->cap_seg) {
        int cap = np->cap_seg ? 2 * np->cap_seg : 16;
        np_seg *v = es_reallocarray(np->seg, (size_t)cap, sizeof *v);
        ES_ASSERT(v); /* a few bytes per segment */
        np->seg = v;
        np->cap_seg = cap;
    }
    int64_t end = vta_prog_ninsns(np->p);
    np->seg[np->nseg] = (np_seg){np->seg_first, end - np->seg_first};
    np->seg_first = end;
    np->open_layers = 0;
    return np->nseg++;
}

bool netprog_finalize(netprog *np, status *st) {
    if (np->open_layers) return status_fail(st, "internal: a segment is still open");
    return vta_prog_finalize(np->p, st);
}

bool netprog_write_segment(const netprog *np, int k, const char *dir, status *st) {
    ES_ASSERT(k >= 0 && k < np->nseg);
    return vta_bundle_write_range(np->p, dir, np->seg[k].first, np->seg[k].count, st);
}

bool netprog_run_segment(netprog *np, int k, const sim_options *so, sim_report *rep, status *st) {
    ES_ASSERT(k >= 0 && k < np->nseg);
    uint64_t bytes;
    uint8_t *dram = vta_prog_dram(np->p, &bytes);
    return sim_run(&np->hw, dram, bytes, vta_prog_insn_addr(np->p) + VTA_INSN_BYTES * (uint64_t)np->seg[k].first,
                   (uint64_t)np->seg[k].count, so, rep, st);
}

void netprog_put(netprog *np, int r, const nl_map *m, const int8_t *t) {
    uint8_t *d = vta_prog_region_data(np->p, r);
    ES_ASSERT((uint64_t)(m->nvec * m->lanes) <= vta_prog_region(np->p, r)->bytes);
    for (int64_t k = 0; k < m->nvec * m->lanes; k++)
        if (m->idx[k] >= 0) d[k] = (uint8_t)t[m->idx[k]];
        else if (m->idx[k] == NL_LANE_ZERO) d[k] = 0;
}

void netprog_get(netprog *np, int r, const nl_map *m, int8_t *t) {
    const uint8_t *d = vta_prog_region_data(np->p, r);
    ES_ASSERT((uint64_t)(m->nvec * m->lanes) <= vta_prog_region(np->p, r)->bytes);
    for (int64_t k = 0; k < m->nvec * m->lanes; k++)
        if (m->idx[k] >= 0) t[m->idx[k]] = (int8_t)d[k];
}

bool netprog_map_serves(const nl_map *p, const nl_map *c) {
    if (p->lanes != c->lanes || p->nvec != c->nvec) return false;
    for (int64_t k = 0; k < c->nvec * c->lanes; k++)
        if (c->idx[k] != p->idx[k] && (c->idx[k] >= 0 || c->idx[k] == NL_LANE_ZERO)) return false;
    return true;
}

bool netprog_inp_map(const op *o, const hw_config *hw, const emb *e, const emb_nest *n, const sched *s, nl_map *m,
                     status *st) {
    nl_map full;
    if (!nl_map_in_full(o, HW_INTRINSIC(hw), e, n, &full, st)) return false;
    emb_operand x = nl_act_operand(e);
    ES_ASSERT(!s->tiled[x]); /* only the weights' DRAM copy is ever tiled (sched_tiled_weights) */
    int64_t nvec = sched_dram_elems(n, s, x);
    m->nvec = nvec;
    m->lanes = full.lanes;
    m->idx = malloc((size_t)(nvec * full.lanes + 1) * sizeof *m->idx);
    if (!m->idx) {
        nl_map_free(&full);
        return status_fail(st, "out of memory for an input layout map");
    }
    lower_dram_copy(n, s, x, (int64_t)full.lanes * (int64_t)sizeof *full.idx, full.idx, m->idx);
    nl_map_free(&full);
    return true;
}

void netprog_store_target_free(netprog_store_target *t) {
    free(t->off);
    free(t->idx);
    memset(t, 0, sizeof *t);
}

/* Position of every element in p (its first occurrence), -1 if none. */
static int64_t *first_positions(const nl_map *p, int64_t *nelem) {
    int64_t n = 0, total = p->nvec * p->lanes;
    for (int64_t k = 0; k < total; k++)
        if (p->idx[k] >= n) n = (int64_t)p->idx[k] + 1;
    int64_t *pos = malloc((size_t)(n + 1) * sizeof *pos);
    if (!pos) return NULL;
    for (int64_t e = 0; e < n; e++) pos[e] = -1;
    for (int64_t k = total - 1; k >= 0; k--)
        if (p->idx[k] >= 0) pos[p->idx[k]] = k;
    *nelem = n;
    return pos;
}

/* The producer vector equal to consumer vector cv (its first element's position
 * decides), -1 if none; -2 for an all-zero vector. */
static int64_t match_vector(const nl_map *p, const int64_t *pos, int64_t nelem, const int32_t *cv) {
    int32_t l = 0;
    while (l < p->lanes && cv[l] < 0) l++;
    if (l == p->lanes) {
        for (int32_t k = 0; k < p->lanes; k++)
            if (cv[k] != NL_LANE_ZERO) return -1;
        return -2;
    }
    if (cv[l] >= nelem || pos[cv[l]] < 0 || pos[cv[l]] % p->lanes != l) return -1;
    int64_t v = pos[cv[l]] / p->lanes;
    return memcmp(p->idx + v * p->lanes, cv, (size_t)p->lanes * sizeof *cv) ? -1 : v;
}

bool netprog_store_plan(const nl_map *p, const nl_map *c, netprog_store_target *t) {
    if (p->lanes != c->lanes) return false;
    int64_t nelem = 0, *pos = first_positions(p, &nelem);
    int64_t *src = malloc((size_t)(c->nvec + 1) * sizeof *src), *off = calloc((size_t)p->nvec + 2, sizeof *off);
    bool ok = pos && src && off;
    int64_t n = 0;
    for (int64_t v = 0; ok && v < c->nvec; v++) {
        src[v] = match_vector(p, pos, nelem, c->idx + v * c->lanes);
        ok = src[v] != -1;
        if (ok && src[v] >= 0) off[src[v] + 2]++, n++;
    }
    int64_t *idx = ok ? malloc((size_t)(n + 1) * sizeof *idx) : NULL;
    ok = ok && idx;
    if (ok) {
        for (int64_t v = 0; v < p->nvec; v++) off[v + 2] += off[v + 1];
        for (int64_t v = 0; v < c->nvec; v++) /* off[w + 1] = next free slot of w */
            if (src[v] >= 0) idx[off[src[v] + 1]++] = v;
        *t = (netprog_store_target){-1, p->nvec, off, idx, n};
    } else {
        free(off), free(idx);
    }
    free(pos), free(src);
    return ok;
}
