/* codegen: emits the VTA program of an embedding under a schedule (protocol and
 * program shape in lower.h). Two passes over the tiles: the first decides which tiles
 * start a load batch (an operand box changed) so the second knows the batch count for
 * the token protocol and, per tile, whether it ends a batch period.
 * Invariant: the emitted GEMM iterations add up to the nest's instance count. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "vta/dma.h"
#include "vta/lower.h"

typedef struct insn_buf {
    vta_insn *v;
    int64_t n, cap;
    bool oom; /* a push found no memory: the program is abandoned (lower_codegen fails) */
} insn_buf;

static void buf_push(void *ctx, const vta_insn *in) {
    insn_buf *b = ctx;
    if (b->oom)
        return;
    if (b->n == b->cap) {
        vta_insn *v = es_reallocarray(b->v, (size_t)(b->cap ? 2 * b->cap : 64), sizeof *v);
        if (!v) {
            b->oom = true;
            return;
        }
        b->v = v;
        b->cap = b->cap ? 2 * b->cap : 64;
    }
    b->v[b->n++] = *in;
}

/* Adds a group of instructions: pops on the first, pushes on the last. */
static void add_group(vta_prog *p, insn_buf *b, bool pop_prev, bool pop_next, bool push_prev, bool push_next,
                      lower_stats *ls) {
    if (b->oom) {
        b->n = 0;
        return;
    }
    ES_ASSERT(b->n > 0);
    b->v[0].pop_prev = pop_prev;
    b->v[0].pop_next = pop_next;
    b->v[b->n - 1].push_prev = push_prev;
    b->v[b->n - 1].push_next = push_next;
    for (int64_t i = 0; i < b->n; i++) vta_prog_add_insn(p, &b->v[i]);
    ls->insns += b->n;
    b->n = 0;
}

typedef struct tile_iter {
    int64_t idx[EMB_MAX_LOOPS];   /* tile index per loop */
    int64_t start[EMB_MAX_LOOPS], cnt[EMB_MAX_LOOPS];
    bool first_red, last_red;
} tile_iter;

static void tile_fill(const emb_nest *n, const sched *s, tile_iter *t) {
    t->first_red = t->last_red = true;
    for (int l = 0; l < n->nloops; l++) {
        int64_t E = n->loop[l].extent, T = s->tile[l];
        t->start[l] = t->idx[l] * T;
        t->cnt[l] = E - t->start[l] < T ? E - t->start[l] : T;
        if (sched_is_reduction(n, l)) {
            if (t->idx[l] != 0) t->first_red = false;
            if (t->idx[l] != es_ceil_div(E, T) - 1) t->last_red = false;
        }
    }
}

/* Advance in schedule order (last order entry fastest); false after the last tile. */
static bool tile_next(const emb_nest *n, const sched *s, tile_iter *t) {
    for (int i = n->nloops - 1; i >= 0; i--) {
        int l = s->order[i];
        if (++t->idx[l] < es_ceil_div(n->loop[l].extent, s->tile[l])) {
            tile_fill(n, s, t);
            return true;
        }
        t->idx[l] = 0;
    }
    return false;
}

static void tile_first(const emb_nest *n, const sched *s, tile_iter *t) {
    memset(t, 0, sizeof *t);
    tile_fill(n, s, t);
}

static bool box_equal(const int64_t *lo1, const int64_t *f1, const int64_t *lo2, const int64_t *f2, int na) {
    for (int a = 0; a < na; a++)
        if (lo1[a] != lo2[a] || f1[a] != f2[a]) return false;
    return true;
}

static void layout_shape(const emb_nest *n, const sched *s, emb_operand x, char *buf, size_t len) {
    size_t k = 0;
    buf[0] = 0;
    for (int a = 0; a < n->lay[x].naxes && k < len; a++) {
        int w = snprintf(buf + k, len - k, "%s%lld", a ? "x" : "", (long long)sched_compact_extent(n, s, x, a));
        if (w > 0) k += (size_t)w;
    }
}

static bool any_strip(const emb_nest *n, const sched *s, int x) {
    for (int a = 0; a < n->lay[x].naxes; a++)
        if (s->strip[x][a]) return true;
    return false;
}

/* The state of one code generation: inputs, derived constants, the regions, the
 * micro-op kernels, the load-batch plan and the position in the tile walk. */
typedef struct cg {
    const op *o;
    const hw_config *hw;
    const emb *e;
    const emb_nest *n;
    const sched *s;
    vta_prog *p;
    lower_stats *ls;
    int ns[3];                    /* slots per operand: INP, WGT, ACC */
    int64_t D, Dacc, A;           /* load / ACC slot counts, ACC slot rows */
    int r_uop, r_op[2], r_zero[2], r_bias, r_out;
    /* kernels */
    int kl[EMB_MAX_LOOPS], nk, vbit[EMB_MAX_LOOPS], ncomb, nkern;
    int64_t *kbeg, bias_beg, nu;
    /* load batches (pass 1) */
    uint8_t *loads;               /* per tile: bit x set = operand x loaded */
    int64_t B, Q;
    /* tile walk (pass 2) */
    insn_buf buf;
    int slot[3];
    int64_t blo[EMB_MAX_LAXES], bf[EMB_MAX_LAXES];
    bool bias_loaded;
    int64_t b, q, gemm_iters;
    bool chain, finish;           /* lower_codegen_at: see lower_at */
    const lower_at *at;           /* lower_codegen_at's placement, or NULL */
} cg;

static const hw_mem cg_mem[2] = {HW_MEM_INP, HW_MEM_WGT};

/* Regions: uop, inp, wgt (+ zero areas of stripped operands), bias, out. */
void lower_region_specs(const op *o, const hw_config *hw, const emb *e, const emb_nest *n, const sched *s,
                        lower_region_spec spec[LOWER_NREGIONS]) {
    char cls[64];
    emb_class(o, e, cls, sizeof cls);
    memset(spec, 0, sizeof *spec * LOWER_NREGIONS);
    lower_region_spec *u = &spec[LOWER_R_UOP];
    *u = (lower_region_spec){true, HW_MEM_UOP, (uint64_t)s->uop_rows * 4, "", "micro-op kernels"};
    for (int x = 0; x < 2; x++) {
        lower_region_spec *r = &spec[x == 0 ? LOWER_R_INP : LOWER_R_WGT];
        lower_region_spec *z = &spec[x == 0 ? LOWER_R_ZINP : LOWER_R_ZWGT];
        r->used = true;
        r->kind = cg_mem[x];
        r->bytes = (uint64_t)(sched_dram_elems(n, s, (emb_operand)x) * hw_elem_bytes(hw, cg_mem[x]));
        if (s->tiled[x])
            snprintf(r->shape, sizeof r->shape, "%lldx%lld", (long long)s->nblocks[x], (long long)s->slot_rows[x]);
        else
            layout_shape(n, s, (emb_operand)x, r->shape, sizeof r->shape);
        snprintf(r->layout, sizeof r->layout, "%s %s (%s)", cls, x == 0 ? "inp vectors" : "wgt blocks",
                 s->tiled[x] ? "tiled: one slot image per tile box" : "compact");
        if (any_strip(n, s, x))
            *z = (lower_region_spec){true, cg_mem[x], (uint64_t)(s->slot_rows[x] * hw_elem_bytes(hw, cg_mem[x])), "",
                                     "zeros"};
    }
    lower_region_spec *b = &spec[LOWER_R_BIAS], *ot = &spec[LOWER_R_OUT];
    if (o->rq.bias) {
        *b = (lower_region_spec){true, HW_MEM_ACC, (uint64_t)(n->lay[EMB_ACC].elems * hw_elem_bytes(hw, HW_MEM_ACC)),
                                 "", ""};
        layout_shape(n, s, EMB_ACC, b->shape, sizeof b->shape);
        snprintf(b->layout, sizeof b->layout, "%s int32 bias per acc vector", cls);
    }
    *ot = (lower_region_spec){true, HW_MEM_OUT, (uint64_t)(n->lay[EMB_ACC].elems * hw_elem_bytes(hw, HW_MEM_OUT)), "",
                              ""};
    layout_shape(n, s, EMB_ACC, ot->shape, sizeof ot->shape);
    snprintf(ot->layout, sizeof ot->layout, "%s int8 out vectors", cls);
}

static const char *const lower_region_names[LOWER_NREGIONS] = {LOWER_REGIONS(ES_NAME2)};
const char *lower_region_name(lower_region r) { return lower_region_names[r]; }

/* The regions' indices: given (a network program), or added in lower_region_specs'
 * order under their own names. */
static bool cg_regions(cg *c, const lower_at *at, status *st) {
    int r[LOWER_NREGIONS];
    if (at) {
        memcpy(r, at->region, sizeof r);
    } else {
        lower_region_spec spec[LOWER_NREGIONS];
        lower_region_specs(c->o, c->hw, c->e, c->n, c->s, spec);
        for (int k = 0; k < LOWER_NREGIONS; k++) {
            r[k] = -1;
            if (spec[k].used &&
                (r[k] = vta_prog_add_region(c->p, lower_region_names[k], spec[k].kind, spec[k].bytes, spec[k].shape,
                                            spec[k].layout, st)) < 0)
                return false;
        }
    }
    c->r_uop = r[LOWER_R_UOP];
    c->r_op[0] = r[LOWER_R_INP];
    c->r_op[1] = r[LOWER_R_WGT];
    c->r_zero[0] = r[LOWER_R_ZINP];
    c->r_zero[1] = r[LOWER_R_ZWGT];
    c->r_bias = r[LOWER_R_BIAS];
    c->r_out = r[LOWER_R_OUT];
    return true;
}

/* Micro-ops of the bias ADD per ACC slot (dims 2.. of bias_dim), source = bias rows. */
static bool cg_bias_uops(cg *c, uint32_t *uops, status *st) {
    const sched *s = c->s;
    for (int sa = 0; sa < c->ns[2] && s->bias_alu; sa++) {
        int64_t idx[EMB_MAX_LAXES] = {0};
        for (int64_t u = 0; u < s->bias_uops; u++) {
            int64_t dst = sa * c->A, src = c->ns[2] * c->A;
            for (int i = 2; i < s->bias_ndims; i++) {
                dst += idx[i] * s->bias_dim[i][1];
                src += idx[i] * s->bias_dim[i][2];
            }
            vta_uop a = {(uint32_t)dst, (uint32_t)src, 0};
            if (!vta_uop_encode(c->hw, &a, &uops[c->nu++], st)) return false;
            for (int i = 2; i < s->bias_ndims; i++) {
                if (++idx[i] < s->bias_dim[i][0]) break;
                idx[i] = 0;
            }
        }
    }
    return true;
}

/* The GEMM kernels: one per (partial-tile mask, INP slot, WGT slot, ACC slot), each
 * enumerating every tile loop except the two folded ones. */
static bool cg_kernels(cg *c, uint32_t *uops, status *st) {
    const emb_nest *n = c->n;
    const sched *s = c->s;
    for (int k = 0; k < c->nkern; k++) {
        int mask = k / c->ncomb, comb = k % c->ncomb;
        int si = comb / (c->ns[1] * c->ns[2]), sw = comb / c->ns[2] % c->ns[1], sa = comb % c->ns[2];
        int64_t cnt[EMB_MAX_LOOPS], t[EMB_MAX_LOOPS] = {0};
        for (int i = 0; i < c->nk; i++) {
            int l = c->kl[i];
            cnt[l] = c->vbit[l] >= 0 && (mask >> c->vbit[l] & 1) ? n->loop[l].extent % s->tile[l] : s->tile[l];
        }
        c->kbeg[k] = c->nu;
        for (;;) {
            int64_t addr[3] = {si * s->slot_rows[0] + s->konst[0], sw * s->slot_rows[1] + s->konst[1],
                               sa * c->A + s->konst[2]};
            for (int i = 0; i < c->nk; i++)
                for (int x = 0; x < 3; x++) addr[x] += s->stride[x][c->kl[i]] * t[c->kl[i]];
            ES_ASSERT(c->nu < s->uop_rows);
            vta_uop u = {(uint32_t)addr[2], (uint32_t)addr[0], (uint32_t)addr[1]};
            if (!vta_uop_encode(c->hw, &u, &uops[c->nu++], st)) return false;
            int i = c->nk - 1;
            for (; i >= 0; i--) {
                if (++t[c->kl[i]] < cnt[c->kl[i]]) break;
                t[c->kl[i]] = 0;
            }
            if (i < 0) break;
        }
    }
    c->kbeg[c->nkern] = c->nu;
    return true;
}

/* Micro-ops: per ACC slot the reset uop and the uop of immediate ALU ops, the bias
 * ADD uops, then the kernels; written into the "uop" region. */
static bool cg_uops(cg *c, status *st) {
    const emb_nest *n = c->n;
    const sched *s = c->s;
    c->nk = 0;
    for (int l = 0; l < n->nloops; l++) {
        c->vbit[l] = -1;
        if (l == s->fold_out || l == s->fold_in || s->tile[l] == 1) continue;
        c->kl[c->nk++] = l;
    }
    int nv = 0;
    for (int i = 0; i < c->nk; i++)
        if (n->loop[c->kl[i]].extent % s->tile[c->kl[i]]) c->vbit[c->kl[i]] = nv++;
    c->ncomb = c->ns[0] * c->ns[1] * c->ns[2];
    c->nkern = (1 << nv) * c->ncomb;
    ES_ASSERT(c->nkern == s->nkernels);
    c->kbeg = es_calloc((size_t)c->nkern + 1, sizeof *c->kbeg);
    uint32_t *uops = es_calloc((size_t)s->uop_rows, sizeof *uops);
    if (!c->kbeg || !uops) {
        es_free(uops);
        return status_fail(st, "out of memory for %lld micro-ops", (long long)s->uop_rows);
    }
    c->nu = 0;
    bool ok = true;
    for (int sa = 0; sa < c->ns[2] && ok; sa++) {
        vta_uop r = {(uint32_t)(sa * c->A), 0, 0};
        ok = vta_uop_encode(c->hw, &r, &uops[c->nu++], st) && vta_uop_encode(c->hw, &r, &uops[c->nu++], st);
    }
    c->bias_beg = c->nu;
    ok = ok && cg_bias_uops(c, uops, st) && cg_kernels(c, uops, st);
    if (ok) {
        ES_ASSERT(c->nu <= s->uop_rows);
        uint8_t *ud = vta_prog_region_data(c->p, c->r_uop);
        for (int64_t i = 0; i < c->nu; i++)
            for (int b = 0; b < 4; b++) ud[i * 4 + b] = (uint8_t)(uops[i] >> (8 * b));
    }
    free(uops);
    return ok;
}

/* Pass 1: which tiles start a load batch (an operand box changed), and how many. */
static bool cg_plan_loads(cg *c, status *st) {
    const emb_nest *n = c->n;
    const sched *s = c->s;
    c->loads = es_malloc((size_t)s->ntiles);
    if (!c->loads)
        return status_fail(st, "out of memory for %lld tiles", (long long)s->ntiles);
    tile_iter t;
    int64_t plo[2][EMB_MAX_LAXES], pf[2][EMB_MAX_LAXES], lo[EMB_MAX_LAXES], f[EMB_MAX_LAXES];
    int64_t j = 0;
    c->B = 0;
    tile_first(n, s, &t);
    do {
        uint8_t m = 0;
        for (int x = 0; x < 2; x++) {
            sched_box(n, (emb_operand)x, t.start, t.cnt, lo, f);
            if (j == 0 || !s->reuse || !box_equal(lo, f, plo[x], pf[x], n->lay[x].naxes)) m |= (uint8_t)(1 << x);
            memcpy(plo[x], lo, sizeof lo);
            memcpy(pf[x], f, sizeof f);
        }
        c->loads[j++] = m;
        c->B += m != 0;
    } while (tile_next(n, s, &t));
    ES_ASSERT(j == s->ntiles);
    c->Q = s->nout_tiles;
    return true;
}

/* First tile of an output tile: the bias tile (bias by ALU, loaded when it changed),
 * then LOAD ACC of the bias box or a reset GEMM of the ACC slot. */
static bool cg_out_tile_begin(cg *c, const tile_iter *t, status *st) {
    const sched *s = c->s;
    c->q++;
    c->slot[2] = (int)(c->q % c->ns[2]);
    lower_dma_box bx;
    lower_dma_stats ds;
    if (s->bias_alu) {
        /* the tile's ACC box reduced to the axes the bias changes along, after the
         * ACC slots */
        sched_dma_box(c->hw, c->n, s, EMB_ACC, HW_MEM_ACC, false, t->start, t->cnt, c->ns[2] * c->A, &bx);
        bx.dram_base = vta_prog_elem_base(c->p, c->r_bias);
        bx.sram_hi = c->ns[2] * c->A + s->bias_rows;
        int64_t sb = 1;
        bool same = c->bias_loaded;
        for (int a = bx.naxes - 1; a >= 0; a--) {
            lower_dma_axis *ax = &bx.ax[a];
            if (!s->bias_rel[a]) {
                ax->f = 1;
                ax->sram_off = 0;
            }
            ax->sram_stride = sb;
            if (s->bias_rel[a]) sb *= s->pitch[EMB_ACC][a];
            if (s->bias_rel[a]) same = same && c->blo[a] == ax->dram_c && c->bf[a] == ax->f;
            c->blo[a] = ax->dram_c;
            c->bf[a] = ax->f;
        }
        if (!same && !lower_dma_plan(&bx, buf_push, &c->buf, &ds, st)) return false;
        c->bias_loaded = true;
    }
    if (c->o->rq.bias && !s->bias_alu) {
        sched_dma_box(c->hw, c->n, s, EMB_ACC, HW_MEM_ACC, false, t->start, t->cnt, c->slot[2] * c->A, &bx);
        bx.dram_base = vta_prog_elem_base(c->p, c->r_bias);
        if (!lower_dma_plan(&bx, buf_push, &c->buf, &ds, st)) return false;
    } else {
        vta_insn g = vta_gemm(true, (uint32_t)(2 * c->slot[2]), (uint32_t)(2 * c->slot[2] + 1), 1, (uint32_t)c->A);
        g.dst_factor_in = 1;
        buf_push(&c->buf, &g);
    }
    add_group(c->p, &c->buf, false, c->q >= c->Dacc, false, false, c->ls);
    return true;
}

/* A load batch: the operand boxes that changed, into the next ping-pong slot. */
static bool cg_load_batch(cg *c, const tile_iter *t, uint8_t which, status *st) {
    c->b++;
    for (int x = 0; x < 2; x++) {
        if (!(which >> x & 1)) continue;
        c->slot[x] = (c->slot[x] + 1) % c->ns[x];
        lower_dma_box bx;
        lower_dma_stats ds;
        sched_dma_box(c->hw, c->n, c->s, (emb_operand)x, cg_mem[x], false, t->start, t->cnt,
                      c->slot[x] * c->s->slot_rows[x], &bx);
        bx.dram_base = vta_prog_elem_base(c->p, c->r_op[x]);
        if (c->r_zero[x] >= 0) {
            bx.zero_base = vta_prog_elem_base(c->p, c->r_zero[x]);
            bx.zero_elems = c->s->slot_rows[x];
        }
        if (!lower_dma_plan(&bx, buf_push, &c->buf, &ds, st)) return false;
    }
    c->ls->dmas += c->buf.n;
    c->ls->batches++;
    add_group(c->p, &c->buf, false, c->b >= c->D || (c->chain && c->b == 0), false, true, c->ls);
    return true;
}

/* The tile's GEMM: the kernel of its partial-tile mask and slots, the two folded
 * loops as iter_out/iter_in. */
static void cg_gemm(cg *c, const tile_iter *t, int64_t j) {
    const sched *s = c->s;
    int mask = 0;
    for (int i = 0; i < c->nk; i++)
        if (c->vbit[c->kl[i]] >= 0 && t->cnt[c->kl[i]] < s->tile[c->kl[i]]) mask |= 1 << c->vbit[c->kl[i]];
    int k = mask * c->ncomb + (c->slot[0] * c->ns[1] + c->slot[1]) * c->ns[2] + c->slot[2];
    int64_t io = s->fold_out >= 0 ? t->cnt[s->fold_out] : 1, ii = s->fold_in >= 0 ? t->cnt[s->fold_in] : 1;
    vta_insn g = vta_gemm(false, (uint32_t)c->kbeg[k], (uint32_t)c->kbeg[k + 1], (uint32_t)io, (uint32_t)ii);
    if (s->fold_out >= 0) {
        g.dst_factor_out = (uint32_t)s->stride[2][s->fold_out];
        g.src_factor_out = (uint32_t)s->stride[0][s->fold_out];
        g.wgt_factor_out = (uint32_t)s->stride[1][s->fold_out];
    }
    if (s->fold_in >= 0) {
        g.dst_factor_in = (uint32_t)s->stride[2][s->fold_in];
        g.src_factor_in = (uint32_t)s->stride[0][s->fold_in];
        g.wgt_factor_in = (uint32_t)s->stride[1][s->fold_in];
    }
    c->gemm_iters += io * ii * (c->kbeg[k + 1] - c->kbeg[k]);
    bool period_end = j == s->ntiles - 1 || c->loads[j + 1];
    buf_push(&c->buf, &g);
    add_group(c->p, &c->buf, c->loads[j] != 0, false, period_end && c->b <= c->B - 1 - c->D, false, c->ls);
}

/* Last tile of an output tile: ALU epilogue (bias ADD, SHR steps, MAX, MIN) and the
 * STORE of the int8 outputs. */
static bool cg_epilogue(cg *c, const tile_iter *t, status *st) {
    const sched *s = c->s;
    const op *o = c->o;
    uint32_t s2 = (uint32_t)(2 * c->slot[2]);
    int32_t lo_clip = o->rq.clip_lo;
    if (o->rq.relu && lo_clip < 0) lo_clip = 0;
    if (s->bias_alu) {
        const int64_t(*d)[3] = s->bias_dim;
        int nd = s->bias_ndims;
        int64_t ub = c->bias_beg + c->slot[2] * s->bias_uops;
        vta_insn a = vta_alu(VTA_ALU_ADD, (uint32_t)ub, (uint32_t)(ub + s->bias_uops), (uint32_t)(nd > 1 ? d[1][0] : 1),
                             (uint32_t)(nd > 0 ? d[0][0] : 1), false, 0);
        if (nd > 0) {
            a.dst_factor_in = (uint32_t)d[0][1];
            a.src_factor_in = (uint32_t)d[0][2];
        }
        if (nd > 1) {
            a.dst_factor_out = (uint32_t)d[1][1];
            a.src_factor_out = (uint32_t)d[1][2];
        }
        buf_push(&c->buf, &a);
    }
    for (int32_t sh = o->rq.shift; sh > 0; sh -= 15) { /* SHR steps in the portable range */
        vta_insn a = vta_alu(VTA_ALU_SHR, s2 + 1, s2 + 2, 1, (uint32_t)c->A, true, sh > 15 ? 15 : sh);
        a.dst_factor_in = 1;
        buf_push(&c->buf, &a);
    }
    vta_insn mx = vta_alu(VTA_ALU_MAX, s2 + 1, s2 + 2, 1, (uint32_t)c->A, true, lo_clip);
    vta_insn mn = vta_alu(VTA_ALU_MIN, s2 + 1, s2 + 2, 1, (uint32_t)c->A, true, o->rq.clip_hi);
    mx.dst_factor_in = mn.dst_factor_in = 1;
    buf_push(&c->buf, &mx);
    buf_push(&c->buf, &mn);
    add_group(c->p, &c->buf, false, false, false, true, c->ls);
    lower_dma_box bx;
    lower_dma_stats ds;
    sched_dma_box(c->hw, c->n, s, EMB_ACC, HW_MEM_OUT, true, t->start, t->cnt, c->slot[2] * c->A, &bx);
    bx.dram_base = vta_prog_elem_base(c->p, c->r_out);
    if (!lower_dma_plan(&bx, buf_push, &c->buf, &ds, st)) return false;
    if (c->at && c->at->also_store) /* the copies a network program asks for */
        for (int64_t i = 0, n0 = c->buf.n; i < n0 && !c->buf.oom; i++) {
            vta_insn sv = c->buf.v[i];
            c->at->also_store(c->at->store_ctx, &sv, buf_push, &c->buf);
        }
    c->ls->dmas += c->buf.n;
    add_group(c->p, &c->buf, true, false, c->q <= c->Q - 1 - c->Dacc || c->q == c->Q - 1, false, c->ls);
    return true;
}

/* Pass 2: LOAD UOP, then per tile in schedule order: output-tile start, load batch,
 * GEMM, epilogue + STORE; FINISH. */
static bool cg_walk(cg *c, status *st) {
    vta_insn u = vta_load(HW_MEM_UOP, 0, vta_prog_elem_base(c->p, c->r_uop), 1, (uint32_t)c->nu, (uint32_t)c->nu);
    buf_push(&c->buf, &u);
    add_group(c->p, &c->buf, false, c->chain, c->chain, false, c->ls);
    c->slot[0] = c->ns[0] - 1;
    c->slot[1] = c->ns[1] - 1;
    c->slot[2] = 0;
    c->b = c->q = -1;
    tile_iter t;
    int64_t j = 0;
    tile_first(c->n, c->s, &t);
    do {
        if (t.first_red && !cg_out_tile_begin(c, &t, st)) return false;
        if (c->loads[j] && !cg_load_batch(c, &t, c->loads[j], st)) return false;
        cg_gemm(c, &t, j);
        if (t.last_red && !cg_epilogue(c, &t, st)) return false;
        j++;
    } while (tile_next(c->n, c->s, &t));
    if (c->finish) {
        vta_insn fin = vta_finish();
        fin.pop_next = true;
        buf_push(&c->buf, &fin);
        add_group(c->p, &c->buf, false, true, false, false, c->ls);
    }
    if (c->buf.oom || vta_prog_out_of_memory(c->p))
        return status_fail(st, "out of memory for the instruction stream");
    ES_ASSERT(c->q == c->Q - 1 && c->b == c->B - 1);
    return true;
}

/* Code generation into p (fresh when at is NULL: regions added, FINISH at the end). */
static bool cg_run(cg *c, const lower_at *at, status *st) {
    const sched *s = c->s;
    c->ns[0] = c->ns[1] = s->db_load ? 2 : 1;
    c->ns[2] = s->db_acc ? 2 : 1;
    c->D = c->ns[0];
    c->Dacc = c->ns[2];
    c->A = s->slot_rows[EMB_ACC];
    c->chain = at && at->chain;
    c->at = at;
    c->finish = !at || at->finish;
    bool ok = cg_regions(c, at, st) && cg_uops(c, st) && cg_plan_loads(c, st) && cg_walk(c, st);
    free(c->buf.v);
    free(c->loads);
    free(c->kbeg);
    if (ok && c->gemm_iters != c->n->instances)
        ok = status_fail(st, "internal: program has %lld GEMM iterations, nest %lld instances",
                         (long long)c->gemm_iters, (long long)c->n->instances);
    if (ok) {
        c->ls->gemm_iters = c->gemm_iters;
        c->ls->tiles = s->ntiles;
        c->ls->out_tiles = c->Q;
    }
    return ok;
}

bool lower_codegen(const op *o, const hw_config *hw, const emb *e, const emb_nest *n, const sched *s,
                   vta_prog **out, lower_stats *ls, status *st) {
    memset(ls, 0, sizeof *ls);
    *out = NULL;
    cg c = {.o = o, .hw = hw, .e = e, .n = n, .s = s, .ls = ls};
    c.p = vta_prog_create(hw);
    if (!c.p)
        return status_fail(st, "out of memory");
    if (!cg_run(&c, NULL, st)) {
        vta_prog_destroy(c.p);
        return false;
    }
    *out = c.p;
    return true;
}

bool lower_codegen_at(const op *o, const hw_config *hw, const emb *e, const emb_nest *n, const sched *s,
                      vta_prog *p, const lower_at *at, lower_stats *ls, status *st) {
    memset(ls, 0, sizeof *ls);
    lower_region_spec spec[LOWER_NREGIONS];
    lower_region_specs(o, hw, e, n, s, spec);
    for (int k = 0; k < LOWER_NREGIONS; k++) {
        int r = at->region[k];
        if (spec[k].used != (r >= 0))
            return status_fail(st, "region %s: %s", lower_region_names[k], spec[k].used ? "missing" : "not used");
        if (r >= 0 && (r >= vta_prog_nregions(p) || vta_prog_region(p, r)->bytes < spec[k].bytes ||
                       hw_elem_bytes(hw, vta_prog_region(p, r)->kind) != hw_elem_bytes(hw, spec[k].kind)))
            return status_fail(st, "region %s: index %d is not a %llu-byte region of its element size",
                               lower_region_names[k], r, (unsigned long long)spec[k].bytes);
    }
    int64_t before = vta_prog_ninsns(p);
    cg c = {.o = o, .hw = hw, .e = e, .n = n, .s = s, .ls = ls, .p = p};
    if (!cg_run(&c, at, st)) return false;
    ES_ASSERT(vta_prog_ninsns(p) - before == ls->insns || vta_prog_out_of_memory(p));
    return true;
}
