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

/* Weights (natural -> emb_pack -> compact) and bias into the layer's regions. */
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
        emb_pack(o, hw, e, n, zin, wt, inp, wgt);
        lower_compact_copy(n, s, EMB_WGT, hw_elem_bytes(hw, HW_MEM_WGT), wgt,
                           vta_prog_region_data(np->p, l->region[LOWER_R_WGT]));
        if (bacc) {
            emb_pack_bias(o, hw, e, n, bias, bacc);
            lower_bias_bytes(hw, n, bacc, vta_prog_region_data(np->p, l->region[LOWER_R_BIAS]));
        }
    }
    free(zin), free(inp), free(wgt), free(bacc);
    return ok;
}

int netprog_add_layer(netprog *np, const char *prefix, const op *o, const emb *e, const emb_nest *n, const sched *s,
                      int inp_region, const int8_t *wt, const int32_t *bias, status *st) {
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
        if (k == LOWER_R_INP && inp_region >= 0) {
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

bool netprog_run_segment(netprog *np, int k, const sim_options *so, sim_report *rep, status *st) {
    ES_ASSERT(k >= 0 && k < np->nseg);
    uint64_t bytes;
    uint8_t *dram = vta_prog_dram(np->p, &bytes);
    return sim_run(&np->hw, dram, bytes, vta_prog_insn_addr(np->p) + 16 * (uint64_t)np->seg[k].first,
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
    if (!nl_map_in_full(o, hw, e, n, &full, st)) return false;
    int64_t nvec = 1;
    for (int a = 0; a < n->lay[EMB_INP].naxes; a++) nvec *= sched_compact_extent(n, s, EMB_INP, a);
    m->nvec = nvec;
    m->lanes = full.lanes;
    m->idx = malloc((size_t)(nvec * full.lanes + 1) * sizeof *m->idx);
    if (!m->idx) {
        nl_map_free(&full);
        return status_fail(st, "out of memory for an input layout map");
    }
    lower_compact_copy(n, s, EMB_INP, (int64_t)full.lanes * (int64_t)sizeof *full.idx, full.idx, m->idx);
    nl_map_free(&full);
    return true;
}
