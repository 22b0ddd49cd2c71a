/* codegen: emits the VTA program of an embedding under a schedule (protocol and
 * program shape in lower.h). Two passes over the tiles: the first decides which tiles
 * start a load batch (an operand box changed) so the second knows the batch count for
 * the token protocol and, per tile, whether it ends a batch period.
 * Invariant: the emitted GEMM iterations add up to the nest's instance count. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vta/dma.h"
#include "vta/lower.h"

typedef struct insn_buf {
    vta_insn *v;
    int64_t n, cap;
} insn_buf;

static void buf_push(void *ctx, const vta_insn *in) {
    insn_buf *b = ctx;
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 64;
        b->v = realloc(b->v, (size_t)b->cap * sizeof *b->v);
        ES_ASSERT(b->v);
    }
    b->v[b->n++] = *in;
}

/* Adds a group of instructions: pops on the first, pushes on the last. */
static void add_group(vta_prog *p, insn_buf *b, bool pop_prev, bool pop_next, bool push_prev, bool push_next,
                      lower_stats *ls) {
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

static int64_t compact_elems(const emb_nest *n, const sched *s, emb_operand x) {
    int64_t e = 1;
    for (int a = 0; a < n->lay[x].naxes; a++) e *= sched_compact_extent(n, s, x, a);
    return e;
}

static bool any_strip(const emb_nest *n, const sched *s, int x) {
    for (int a = 0; a < n->lay[x].naxes; a++)
        if (s->strip[x][a]) return true;
    return false;
}

bool lower_codegen(const op *o, const hw_config *hw, const emb *e, const emb_nest *n, const sched *s,
                   vta_prog **out, lower_stats *ls, status *st) {
    memset(ls, 0, sizeof *ls);
    *out = NULL;
    const int ns[3] = {s->db_load ? 2 : 1, s->db_load ? 2 : 1, s->db_acc ? 2 : 1};
    const int64_t D = ns[0], Dacc = ns[2];
    const int64_t A = s->slot_rows[EMB_ACC];
    static const hw_mem mem[2] = {HW_MEM_INP, HW_MEM_WGT};

    /* ---- regions ---- */
    vta_prog *p = vta_prog_create(hw);
    char cls[64], shape[96], lay[160];
    emb_class(o, e, cls, sizeof cls);
    int r_uop = vta_prog_add_region(p, "uop", HW_MEM_UOP, (uint64_t)s->uop_rows * 4, "", "micro-op kernels", st);
    int r_op[2], r_zero[2] = {-1, -1}, r_bias = -1, r_out;
    for (int x = 0; x < 2 && r_uop >= 0; x++) {
        layout_shape(n, s, (emb_operand)x, shape, sizeof shape);
        snprintf(lay, sizeof lay, "%s %s (compact)", cls, x == 0 ? "inp vectors" : "wgt blocks");
        r_op[x] = vta_prog_add_region(p, x == 0 ? "inp" : "wgt", mem[x],
                                      (uint64_t)(compact_elems(n, s, (emb_operand)x) * hw_elem_bytes(hw, mem[x])),
                                      shape, lay, st);
        if (r_op[x] < 0) goto fail;
        if (any_strip(n, s, x)) {
            r_zero[x] = vta_prog_add_region(p, x == 0 ? "zinp" : "zwgt", mem[x],
                                            (uint64_t)(s->slot_rows[x] * hw_elem_bytes(hw, mem[x])), "", "zeros", st);
            if (r_zero[x] < 0) goto fail;
        }
    }
    if (r_uop < 0) goto fail;
    layout_shape(n, s, EMB_ACC, shape, sizeof shape);
    if (o->rq.bias) {
        snprintf(lay, sizeof lay, "%s int32 bias per acc vector", cls);
        r_bias = vta_prog_add_region(p, "bias", HW_MEM_ACC,
                                     (uint64_t)(n->lay[EMB_ACC].elems * hw_elem_bytes(hw, HW_MEM_ACC)), shape, lay, st);
        if (r_bias < 0) goto fail;
    }
    snprintf(lay, sizeof lay, "%s int8 out vectors", cls);
    r_out = vta_prog_add_region(p, "out", HW_MEM_OUT,
                                (uint64_t)(n->lay[EMB_ACC].elems * hw_elem_bytes(hw, HW_MEM_OUT)), shape, lay, st);
    if (r_out < 0) goto fail;

    /* ---- micro-ops: ACC-slot uops (reset, ALU) then kernels ---- */
    int kl[EMB_MAX_LOOPS], nk = 0, vbit[EMB_MAX_LOOPS];
    for (int l = 0; l < n->nloops; l++) {
        vbit[l] = -1;
        if (l == s->fold_out || l == s->fold_in || s->tile[l] == 1) continue;
        kl[nk++] = l;
    }
    int nv = 0;
    for (int i = 0; i < nk; i++)
        if (n->loop[kl[i]].extent % s->tile[kl[i]]) vbit[kl[i]] = nv++;
    const int ncomb = ns[0] * ns[1] * ns[2];
    const int nkern = (1 << nv) * ncomb;
    ES_ASSERT(nkern == s->nkernels);
    int64_t *kbeg = calloc((size_t)nkern + 1, sizeof *kbeg);
    uint32_t *uops = calloc((size_t)s->uop_rows, sizeof *uops);
    ES_ASSERT(kbeg && uops);
    int64_t nu = 0;
    bool ok = true;
    /* per ACC slot: the reset uop and the uop of immediate ALU ops (source unused) */
    for (int sa = 0; sa < ns[2] && ok; sa++) {
        vta_uop r = {(uint32_t)(sa * A), 0, 0};
        ok = vta_uop_encode(hw, &r, &uops[nu++], st) && vta_uop_encode(hw, &r, &uops[nu++], st);
    }
    /* per ACC slot: the uops of the bias ADD (dims 2.. of bias_dim), source = bias rows */
    int64_t bias_beg = nu;
    for (int sa = 0; sa < ns[2] && ok && s->bias_alu; sa++) {
        int64_t idx[EMB_MAX_LAXES] = {0};
        for (int64_t u = 0; u < s->bias_uops && ok; u++) {
            int64_t dst = sa * A, src = ns[2] * A;
            for (int i = 2; i < s->bias_ndims; i++) {
                dst += idx[i] * s->bias_dim[i][1];
                src += idx[i] * s->bias_dim[i][2];
            }
            vta_uop a = {(uint32_t)dst, (uint32_t)src, 0};
            ok = vta_uop_encode(hw, &a, &uops[nu++], st);
            for (int i = 2; i < s->bias_ndims; i++) {
                if (++idx[i] < s->bias_dim[i][0]) break;
                idx[i] = 0;
            }
        }
    }
    for (int k = 0; k < nkern && ok; k++) {
        int mask = k / ncomb, comb = k % ncomb;
        int si = comb / (ns[1] * ns[2]), sw = comb / ns[2] % ns[1], sa = comb % ns[2];
        int64_t cnt[EMB_MAX_LOOPS], t[EMB_MAX_LOOPS] = {0};
        for (int i = 0; i < nk; i++) {
            int l = kl[i];
            cnt[l] = vbit[l] >= 0 && (mask >> vbit[l] & 1) ? n->loop[l].extent % s->tile[l] : s->tile[l];
        }
        kbeg[k] = nu;
        for (;;) {
            int64_t addr[3] = {si * s->slot_rows[0] + s->konst[0], sw * s->slot_rows[1] + s->konst[1],
                               sa * A + s->konst[2]};
            for (int i = 0; i < nk; i++)
                for (int x = 0; x < 3; x++) addr[x] += s->stride[x][kl[i]] * t[kl[i]];
            ES_ASSERT(nu < s->uop_rows);
            vta_uop u = {(uint32_t)addr[2], (uint32_t)addr[0], (uint32_t)addr[1]};
            if (!(ok = vta_uop_encode(hw, &u, &uops[nu++], st))) break;
            int i = nk - 1;
            for (; i >= 0; i--) {
                if (++t[kl[i]] < cnt[kl[i]]) break;
                t[kl[i]] = 0;
            }
            if (i < 0) break;
        }
    }
    kbeg[nkern] = nu;
    if (ok) {
        ES_ASSERT(nu <= s->uop_rows);
        uint8_t *ud = vta_prog_region_data(p, r_uop);
        for (int64_t i = 0; i < nu; i++)
            for (int b = 0; b < 4; b++) ud[i * 4 + b] = (uint8_t)(uops[i] >> (8 * b));
    }
    free(uops);
    if (!ok) {
        free(kbeg);
        goto fail;
    }

    /* ---- pass 1: load batches ---- */
    insn_buf buf = {0};
    uint8_t *loads = malloc((size_t)s->ntiles);
    ES_ASSERT(loads);
    tile_iter t;
    int64_t plo[2][EMB_MAX_LAXES], pf[2][EMB_MAX_LAXES], lo[EMB_MAX_LAXES], f[EMB_MAX_LAXES];
    int64_t B = 0, j = 0;
    tile_first(n, s, &t);
    do {
        uint8_t m = 0;
        for (int x = 0; x < 2; x++) {
            sched_box(n, (emb_operand)x, t.start, t.cnt, lo, f);
            if (j == 0 || !s->reuse || !box_equal(lo, f, plo[x], pf[x], n->lay[x].naxes)) m |= (uint8_t)(1 << x);
            memcpy(plo[x], lo, sizeof lo);
            memcpy(pf[x], f, sizeof f);
        }
        loads[j++] = m;
        B += m != 0;
    } while (tile_next(n, s, &t));
    ES_ASSERT(j == s->ntiles);
    const int64_t Q = s->nout_tiles;

    /* ---- pass 2: instructions ---- */
    {
        vta_insn u = vta_load(HW_MEM_UOP, 0, vta_prog_elem_base(p, r_uop), 1, (uint32_t)nu, (uint32_t)nu);
        buf_push(&buf, &u);
        add_group(p, &buf, false, false, false, false, ls);
    }
    int slot[3] = {ns[0] - 1, ns[1] - 1, 0};
    int64_t blo[EMB_MAX_LAXES], bf[EMB_MAX_LAXES];
    bool bias_loaded = false;
    int64_t b = -1, q = -1, gemm_iters = 0;
    j = 0;
    tile_first(n, s, &t);
    do {
        if (t.first_red) {
            q++;
            slot[2] = (int)(q % ns[2]);
            if (s->bias_alu) {
                /* the bias tile: the tile's ACC box reduced to the axes the bias changes
                 * along, loaded (when it changed) after the ACC slots */
                lower_dma_box bx;
                lower_dma_stats ds;
                sched_dma_box(hw, n, s, EMB_ACC, HW_MEM_ACC, false, t.start, t.cnt, ns[2] * A, &bx);
                bx.dram_base = vta_prog_elem_base(p, r_bias);
                bx.sram_hi = ns[2] * A + s->bias_rows;
                int64_t sb = 1;
                bool same = bias_loaded;
                for (int a = bx.naxes - 1; a >= 0; a--) {
                    lower_dma_axis *ax = &bx.ax[a];
                    if (!s->bias_rel[a]) {
                        ax->f = 1;
                        ax->sram_off = 0;
                    }
                    ax->sram_stride = sb;
                    if (s->bias_rel[a]) sb *= s->pitch[EMB_ACC][a];
                    if (s->bias_rel[a]) same = same && blo[a] == ax->dram_c && bf[a] == ax->f;
                    blo[a] = ax->dram_c;
                    bf[a] = ax->f;
                }
                if (!same && !lower_dma_plan(&bx, buf_push, &buf, &ds, st)) goto fail_loop;
                bias_loaded = true;
            }
            if (o->rq.bias && !s->bias_alu) {
                lower_dma_box bx;
                lower_dma_stats ds;
                sched_dma_box(hw, n, s, EMB_ACC, HW_MEM_ACC, false, t.start, t.cnt, slot[2] * A, &bx);
                bx.dram_base = vta_prog_elem_base(p, r_bias);
                if (!lower_dma_plan(&bx, buf_push, &buf, &ds, st)) goto fail_loop;
            } else {
                vta_insn g = vta_gemm(true, (uint32_t)(2 * slot[2]), (uint32_t)(2 * slot[2] + 1), 1, (uint32_t)A);
                g.dst_factor_in = 1;
                buf_push(&buf, &g);
            }
            add_group(p, &buf, false, q >= Dacc, false, false, ls);
        }
        if (loads[j]) {
            b++;
            for (int x = 0; x < 2; x++) {
                if (!(loads[j] >> x & 1)) continue;
                slot[x] = (slot[x] + 1) % ns[x];
                lower_dma_box bx;
                lower_dma_stats ds;
                sched_dma_box(hw, n, s, (emb_operand)x, mem[x], false, t.start, t.cnt, slot[x] * s->slot_rows[x], &bx);
                bx.dram_base = vta_prog_elem_base(p, r_op[x]);
                if (r_zero[x] >= 0) {
                    bx.zero_base = vta_prog_elem_base(p, r_zero[x]);
                    bx.zero_elems = s->slot_rows[x];
                }
                if (!lower_dma_plan(&bx, buf_push, &buf, &ds, st)) goto fail_loop;
            }
            ls->dmas += buf.n;
            ls->batches++;
            add_group(p, &buf, false, b >= D, false, true, ls);
        }
        {
            int mask = 0;
            for (int i = 0; i < nk; i++)
                if (vbit[kl[i]] >= 0 && t.cnt[kl[i]] < s->tile[kl[i]]) mask |= 1 << vbit[kl[i]];
            int k = mask * ncomb + (slot[0] * ns[1] + slot[1]) * ns[2] + slot[2];
            int64_t io = s->fold_out >= 0 ? t.cnt[s->fold_out] : 1, ii = s->fold_in >= 0 ? t.cnt[s->fold_in] : 1;
            vta_insn g = vta_gemm(false, (uint32_t)kbeg[k], (uint32_t)kbeg[k + 1], (uint32_t)io, (uint32_t)ii);
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
            gemm_iters += io * ii * (kbeg[k + 1] - kbeg[k]);
            bool period_end = j == s->ntiles - 1 || loads[j + 1];
            buf_push(&buf, &g);
            add_group(p, &buf, loads[j] != 0, false, period_end && b <= B - 1 - D, false, ls);
        }
        if (t.last_red) {
            int32_t lo_clip = o->rq.clip_lo;
            if (o->rq.relu && lo_clip < 0) lo_clip = 0;
            if (s->bias_alu) {
                const int64_t(*d)[3] = s->bias_dim;
                int nd = s->bias_ndims;
                int64_t ub = bias_beg + slot[2] * s->bias_uops;
                vta_insn a = vta_alu(VTA_ALU_ADD, (uint32_t)ub, (uint32_t)(ub + s->bias_uops),
                                     (uint32_t)(nd > 1 ? d[1][0] : 1), (uint32_t)(nd > 0 ? d[0][0] : 1), false, 0);
                if (nd > 0) {
                    a.dst_factor_in = (uint32_t)d[0][1];
                    a.src_factor_in = (uint32_t)d[0][2];
                }
                if (nd > 1) {
                    a.dst_factor_out = (uint32_t)d[1][1];
                    a.src_factor_out = (uint32_t)d[1][2];
                }
                buf_push(&buf, &a);
            }
            for (int32_t sh = o->rq.shift; sh > 0; sh -= 15) {
                vta_insn a = vta_alu(VTA_ALU_SHR, (uint32_t)(2 * slot[2] + 1), (uint32_t)(2 * slot[2] + 2), 1,
                                     (uint32_t)A, true, sh > 15 ? 15 : sh);
                a.dst_factor_in = 1;
                buf_push(&buf, &a);
            }
            vta_insn mx = vta_alu(VTA_ALU_MAX, (uint32_t)(2 * slot[2] + 1), (uint32_t)(2 * slot[2] + 2), 1,
                                  (uint32_t)A, true, lo_clip);
            vta_insn mn = vta_alu(VTA_ALU_MIN, (uint32_t)(2 * slot[2] + 1), (uint32_t)(2 * slot[2] + 2), 1,
                                  (uint32_t)A, true, o->rq.clip_hi);
            mx.dst_factor_in = mn.dst_factor_in = 1;
            buf_push(&buf, &mx);
            buf_push(&buf, &mn);
            add_group(p, &buf, false, false, false, true, ls);
            lower_dma_box bx;
            lower_dma_stats ds;
            sched_dma_box(hw, n, s, EMB_ACC, HW_MEM_OUT, true, t.start, t.cnt, slot[2] * A, &bx);
            bx.dram_base = vta_prog_elem_base(p, r_out);
            if (!lower_dma_plan(&bx, buf_push, &buf, &ds, st)) goto fail_loop;
            ls->dmas += buf.n;
            add_group(p, &buf, true, false, q <= Q - 1 - Dacc || q == Q - 1, false, ls);
        }
        j++;
    } while (tile_next(n, s, &t));
    {
        vta_insn fin = vta_finish();
        fin.pop_next = true;
        buf_push(&buf, &fin);
        add_group(p, &buf, false, true, false, false, ls);
    }
    free(buf.v);
    free(loads);
    free(kbeg);
    ES_ASSERT(q == Q - 1 && b == B - 1);
    if (gemm_iters != n->instances) {
        vta_prog_destroy(p);
        return status_fail(st, "internal: program has %lld GEMM iterations, nest %lld instances",
                           (long long)gemm_iters, (long long)n->instances);
    }
    ls->gemm_iters = gemm_iters;
    ls->tiles = s->ntiles;
    ls->out_tiles = Q;
    *out = p;
    return true;

fail_loop:
    free(buf.v);
    free(loads);
    free(kbeg);
fail:
    vta_prog_destroy(p);
    return false;
}
