/* sched: tile sizes, tile order, double buffering and GEMM loop folding for an
 * embedding's loop nest, chosen by a closed-form cycle estimate (see sched.h).
 * The estimate walks "tile classes" (each tiled loop either full or its partial last
 * tile) and costs loads, GEMMs, epilogues and stores with the same DMA decomposition
 * the code generator uses, then combines the modules under double buffering:
 * loads || compute (max) when INP/WGT ping-pong, else their sum; the same for
 * compute || store with ACC/OUT ping-pong; the fetch of all instructions bounds it.
 * Invariant: sched_derive accepts only schedules that fit the buffers and ISA fields;
 * the search only visits schedules sched_derive accepted and is deterministic. */
#include "vta/sched.h"

#include <stdio.h>
#include <string.h>

#include "core/op.h"

void sched_opts_init(sched_opts *o) {
    memset(o, 0, sizeof *o);
    o->reuse = true;
}

bool sched_is_reduction(const emb_nest *n, int l) { return n->loop[l].axis[EMB_ACC] < 0; }

static int64_t ntiles_of(const emb_nest *n, const sched *s, int l) {
    return es_ceil_div(n->loop[l].extent, s->tile[l]);
}

static int nslots(const sched *s, int x) { return x == EMB_ACC ? (s->db_acc ? 2 : 1) : (s->db_load ? 2 : 1); }

void sched_box(const emb_nest *n, emb_operand x, const int64_t *start, const int64_t *cnt, int64_t *lo,
               int64_t *f) {
    const emb_layout *L = &n->lay[x];
    int64_t hi[EMB_MAX_LAXES];
    for (int a = 0; a < L->naxes; a++) lo[a] = hi[a] = L->base[a];
    for (int l = 0; l < n->nloops; l++) {
        int ax = n->loop[l].axis[x];
        if (ax < 0) continue;
        int64_t c = n->loop[l].coef[x];
        int64_t first = c * start[l], last = c * (start[l] + cnt[l] - 1);
        lo[ax] += c >= 0 ? first : last;
        hi[ax] += c >= 0 ? last : first;
    }
    for (int a = 0; a < L->naxes; a++) f[a] = hi[a] - lo[a] + 1;
}

int64_t sched_compact_extent(const emb_nest *n, const sched *s, emb_operand x, int a) {
    const emb_layout *L = &n->lay[x];
    if (x != EMB_ACC && s->strip[x][a]) return L->extent[a] - L->zero_lo[a] - L->zero_hi[a];
    return L->extent[a];
}

void sched_dma_box(const hw_config *hw, const emb_nest *n, const sched *s, emb_operand x, hw_mem mem,
                   bool store, const int64_t *start, const int64_t *cnt, int64_t slot_base,
                   lower_dma_box *b) {
    (void)hw;
    const emb_layout *L = &n->lay[x];
    int64_t lo[EMB_MAX_LAXES], f[EMB_MAX_LAXES];
    sched_box(n, x, start, cnt, lo, f);
    memset(b, 0, sizeof *b);
    b->naxes = L->naxes;
    b->mem_type = (uint32_t)mem;
    b->store = store;
    b->sram_base = b->sram_lo = slot_base;
    b->sram_hi = slot_base + s->slot_rows[x];
    b->zero_base = -1;
    int64_t dstride = 1, sstride = 1;
    for (int a = L->naxes - 1; a >= 0; a--) {
        lower_dma_axis *d = &b->ax[a];
        bool strip = x != EMB_ACC && s->strip[x][a];
        int64_t zlo = strip ? L->zero_lo[a] : 0, zhi = strip ? L->zero_hi[a] : 0;
        d->f = f[a];
        if (strip) {
            int64_t pl = zlo - lo[a], ph = lo[a] + f[a] - (L->extent[a] - zhi);
            d->pad_lo = pl < 0 ? 0 : pl > f[a] ? f[a] : pl;
            d->pad_hi = ph < 0 ? 0 : ph > f[a] ? f[a] : ph;
        }
        d->dram_c = lo[a] + d->pad_lo - zlo;
        d->dram_stride = dstride;
        d->sram_stride = sstride;
        for (int l = 0; l < n->nloops; l++)
            if (n->loop[l].axis[x] == a && n->loop[l].coef[x] < 0)
                d->sram_off += -n->loop[l].coef[x] * (s->tile[l] - cnt[l]);
        dstride *= L->extent[a] - zlo - zhi;
        sstride *= s->pitch[x][a];
    }
}

/* Loops of the tile order, innermost first, over which operand x stays put: its loads
 * are reused across that many consecutive tiles. */
static int64_t reuse_run(const emb_nest *n, const sched *s, int x) {
    if (!s->reuse) return 1;
    int64_t run = 1;
    for (int i = n->nloops - 1; i >= 0; i--) {
        int l = s->order[i];
        int64_t nt = ntiles_of(n, s, l);
        if (nt == 1) continue;
        if (n->loop[l].axis[x] >= 0) break;
        run *= nt;
    }
    return run;
}

/* SHR steps of at most 15 (the portable immediate range), then MAX and MIN. */
static int n_alu(const op *o) { return (o->rq.shift + 14) / 15 + 2; }

static bool box_cost(const hw_config *hw, const emb_nest *n, const sched *s, emb_operand x, hw_mem mem,
                     bool store, const int64_t *cnt, double *cyc, double *insns, status *st) {
    int64_t start[EMB_MAX_LOOPS] = {0};
    lower_dma_box b;
    sched_dma_box(hw, n, s, x, mem, store, start, cnt, 0, &b);
    for (int a = 0; a < b.naxes; a++) { /* a typical tile: no padding; DRAM position irrelevant */
        b.ax[a].pad_lo = b.ax[a].pad_hi = 0;
        b.ax[a].dram_c = 0;
    }
    b.zero_base = 0;
    b.zero_elems = s->slot_rows[x];
    lower_dma_stats ds;
    if (!lower_dma_plan(&b, NULL, NULL, &ds, st)) return false;
    *cyc = lower_dma_cycles(hw, &b, &ds);
    *insns = (double)ds.insns;
    return true;
}

/* The token protocol as a recurrence over tiles with average per-tile costs (load l,
 * GEMM g) and per-output-tile costs (reset/bias load pre, ALU epilogue post, store sto):
 *   load j waits for the GEMM of tile j-D (its slot), GEMM j for load j, the first
 *   instruction of output tile q for the store of tile q-Dacc, store q for the epilogue.
 * R tiles per output tile are simulated as at most 16 (costs scaled), Q output tiles as
 * at most 6, the rest extrapolated from the last step. */
static double pipeline(double l, double g, double pre, double post, double sto, double uop, int64_t R, int64_t Q,
                       int D, int Dacc) {
    enum { RMAX = 16, QMAX = 6 };
    int64_t r_sim = R < RMAX ? R : RMAX, q_sim = Q < QMAX ? Q : QMAX;
    double scale = (double)R / (double)r_sim;
    l *= scale;
    g *= scale;
    double lend = 0, gend[2] = {0, 0}, cend = uop, send[QMAX] = {0}, prev_send = 0;
    for (int64_t q = 0; q < q_sim; q++) {
        for (int64_t r = 0; r < r_sim; r++) {
            double slot_free = D == 2 ? gend[1] : gend[0]; /* GEMM of tile j-D */
            lend = (lend > slot_free ? lend : slot_free) + l;
            double c = cend;
            if (r == 0) {
                if (q >= Dacc && send[q - Dacc] > c) c = send[q - Dacc];
                c += pre;
            }
            double ge = (c > lend ? c : lend) + g;
            gend[1] = gend[0];
            gend[0] = ge;
            cend = ge + (r == r_sim - 1 ? post : 0);
        }
        double sb = q > 0 ? send[q - 1] : 0;
        send[q] = (sb > cend ? sb : cend) + sto;
        prev_send = q > 0 ? send[q - 1] : 0;
    }
    double total = send[q_sim - 1];
    if (Q > q_sim) total += (double)(Q - q_sim) * (send[q_sim - 1] - prev_send);
    return total;
}

static bool estimate(const op *o, const hw_config *hw, const emb_nest *n, sched *s, status *st) {
    int vl[EMB_MAX_LOOPS], nv = 0;
    for (int l = 0; l < n->nloops; l++)
        if (n->loop[l].extent % s->tile[l] != 0 && nv < 6) vl[nv++] = l;
    double red_tiles = 1;
    for (int l = 0; l < n->nloops; l++)
        if (sched_is_reduction(n, l)) red_tiles *= (double)ntiles_of(n, s, l);
    double ld[2] = {0, 0}, ldi[2] = {0, 0}, comp = 0, stor = 0, insns = 0, gemm_sum = 0, pre_sum = 0, post_sum = 0;
    double acc_rows = (double)s->slot_rows[EMB_ACC];
    for (int mask = 0; mask < (1 << nv); mask++) {
        int64_t cnt[EMB_MAX_LOOPS];
        double w = 1, inst = 1;
        for (int l = 0; l < n->nloops; l++) {
            int64_t E = n->loop[l].extent, T = s->tile[l];
            int vi = -1;
            for (int k = 0; k < nv; k++)
                if (vl[k] == l) vi = k;
            if (vi >= 0 && (mask >> vi & 1)) {
                cnt[l] = E % T;
            } else {
                cnt[l] = T;
                w *= (double)(vi >= 0 ? E / T : ntiles_of(n, s, l));
            }
            inst *= (double)cnt[l];
        }
        comp += w * ((double)hw->gemm_startup + inst * hw->gemm_iter_cycles);
        gemm_sum += w * ((double)hw->gemm_startup + inst * hw->gemm_iter_cycles);
        insns += w;
        for (int x = 0; x < 2; x++) {
            double c, i;
            if (!box_cost(hw, n, s, (emb_operand)x, x == EMB_INP ? HW_MEM_INP : HW_MEM_WGT, false, cnt, &c, &i, st))
                return false;
            ld[x] += w * c;
            ldi[x] += w * i;
        }
        double sc, si, epi = (double)n_alu(o) * (hw->alu_startup + acc_rows * hw->alu_imm_cycles), pre = 0;
        if (!box_cost(hw, n, s, EMB_ACC, HW_MEM_OUT, true, cnt, &sc, &si, st)) return false;
        double ei = n_alu(o);
        if (o->rq.bias && !s->bias_alu) {
            double bc, bi;
            if (!box_cost(hw, n, s, EMB_ACC, HW_MEM_ACC, false, cnt, &bc, &bi, st)) return false;
            pre += bc;
            ei += bi;
        } else {
            if (s->bias_alu) { /* bias tile load + one ALU ADD from registers */
                pre += hw->load_startup + hw->dram_latency +
                       (double)(s->bias_rows * hw_elem_bytes(hw, HW_MEM_ACC)) / (double)hw_bus_bytes(hw);
                epi += hw->alu_startup + acc_rows * hw->alu_reg_cycles;
                ei += 2;
            }
            pre += hw->gemm_startup + acc_rows * hw->gemm_iter_cycles;
            ei += 1;
        }
        stor += w * sc / red_tiles;
        comp += w * (epi + pre) / red_tiles;
        pre_sum += w * pre / red_tiles;
        post_sum += w * epi / red_tiles;
        insns += w * (si + ei) / red_tiles;
    }
    double load = 0, batches = 0;
    for (int x = 0; x < 2; x++) {
        double run = (double)reuse_run(n, s, x);
        s->loads[x] = (int64_t)((double)s->ntiles / run);
        load += ld[x] / run;
        insns += ldi[x] / run;
        if ((double)s->ntiles / run > batches) batches = (double)s->ntiles / run;
    }
    double uopc = (double)hw->load_startup + hw->dram_latency + (double)s->uop_rows * 4.0 / (double)hw_bus_bytes(hw);
    comp += uopc;
    double fetch = (insns + 2) * hw->fetch_insn_cycles;
    double nt = (double)s->ntiles, no = (double)s->nout_tiles;
    double total = pipeline(load / nt, gemm_sum / nt, pre_sum / no, post_sum / no, stor / no, uopc,
                            s->ntiles / s->nout_tiles, s->nout_tiles, s->db_load ? 2 : 1, s->db_acc ? 2 : 1);
    (void)batches;
    if (fetch > total) total = fetch;
    s->est_load = load;
    s->est_compute = comp;
    s->est_store = stor;
    s->est_fetch = fetch;
    s->est_cycles = total;
    return true;
}

void sched_bias_axes(const op *o, const emb *e, const emb_nest *n, bool *rel) {
    const int64_t *row = o->t[OP_OUT].map[o->rq.bias_axis];
    for (int a = 0; a < EMB_MAX_LAXES; a++) rel[a] = false;
    for (int l = 0; l < n->nloops; l++) {
        const emb_loop *lp = &n->loop[l];
        if (lp->axis[EMB_ACC] < 0) continue;
        bool r = false;
        if (lp->kind == EMB_LOOP_DIM) {
            r = row[lp->dim] != 0;
        } else {
            for (int k = 0; k < e->nterms[lp->dim]; k++) {
                const emb_term *t = &e->term[lp->dim][k];
                r |= row[t->dim] != 0 || (t->comp_dim >= 0 && row[t->comp_dim] != 0);
            }
        }
        if (r) rel[lp->axis[EMB_ACC]] = true;
    }
}

/* The bias-by-ALU plan (see sched.h); false if the bias tile does not fit. */
static bool bias_plan(const hw_config *hw, const emb_nest *n, sched *s, int acc_slots) {
    const emb_layout *L = &n->lay[EMB_ACC];
    int64_t sd = 1, sb = 1;
    s->bias_ndims = 0;
    s->bias_rows = 1;
    for (int a = L->naxes - 1; a >= 0; a--) {
        int64_t c = s->pitch[EMB_ACC][a], ss = s->bias_rel[a] ? sb : 0;
        if (c > 1) {
            int64_t *p = s->bias_ndims ? s->bias_dim[s->bias_ndims - 1] : NULL;
            if (p && sd == p[0] * p[1] && ss == p[0] * p[2]) {
                p[0] *= c;
            } else {
                int64_t *q = s->bias_dim[s->bias_ndims++];
                q[0] = c, q[1] = sd, q[2] = ss;
            }
        }
        sd *= c;
        if (s->bias_rel[a]) {
            sb *= c;
            s->bias_rows *= c;
        }
    }
    s->bias_uops = 1;
    for (int i = 2; i < s->bias_ndims; i++) s->bias_uops *= s->bias_dim[i][0];
    int64_t end = acc_slots * s->slot_rows[EMB_ACC] + s->bias_rows;
    /* the ALU's source index has the INP index width (TVM's instruction layout) */
    return end <= hw_depth(hw, HW_MEM_ACC) && end <= hw_depth(hw, HW_MEM_INP);
}

bool sched_derive(const op *o, const hw_config *hw, const emb_nest *n, sched *s, status *st) {
    s->nloops = n->nloops;
    bool seen[EMB_MAX_LOOPS] = {false};
    for (int i = 0; i < n->nloops; i++) {
        int l = s->order[i];
        if (l < 0 || l >= n->nloops || seen[l]) return status_fail(st, "schedule order is not a permutation");
        seen[l] = true;
        if (i > 0 && sched_is_reduction(n, s->order[i - 1]) && !sched_is_reduction(n, l))
            return status_fail(st, "schedule order puts an output loop inside a reduction loop");
        if (s->tile[l] < 1 || s->tile[l] > n->loop[l].extent)
            return status_fail(st, "tile %lld of loop %d outside 1..%lld", (long long)s->tile[l], l,
                               (long long)n->loop[l].extent);
    }
    /* An accumulator axis moved by two loops: tiles of either could share ACC elements,
     * so such loops stay whole. */
    for (int a = 0; a < n->lay[EMB_ACC].naxes; a++) {
        int cnt = 0;
        for (int l = 0; l < n->nloops; l++) cnt += n->loop[l].axis[EMB_ACC] == a;
        if (cnt > 1)
            for (int l = 0; l < n->nloops; l++)
                if (n->loop[l].axis[EMB_ACC] == a && s->tile[l] != n->loop[l].extent)
                    return status_fail(st, "loops sharing an accumulator axis must not be tiled");
    }
    int64_t zero[EMB_MAX_LOOPS] = {0}, lo[EMB_MAX_LAXES];
    for (int x = 0; x < 3; x++) {
        const emb_layout *L = &n->lay[x];
        sched_box(n, (emb_operand)x, zero, s->tile, lo, s->pitch[x]);
        int64_t rows = 1, S[EMB_MAX_LAXES];
        for (int a = L->naxes - 1; a >= 0; a--) {
            S[a] = rows;
            rows *= s->pitch[x][a];
        }
        s->slot_rows[x] = rows;
        s->konst[x] = 0;
        for (int l = 0; l < n->nloops; l++) {
            int ax = n->loop[l].axis[x];
            int64_t c = n->loop[l].coef[x];
            s->stride[x][l] = ax >= 0 ? c * S[ax] : 0;
            if (ax >= 0 && c < 0) s->konst[x] += -c * (s->tile[l] - 1) * S[ax];
        }
        /* Strip the zero padding of the two innermost axes with pitch > 1. Only INP:
         * the HLS design ignores the pad fields of WGT loads (vta/port.h), so WGT
         * padding stays in the DRAM copy. */
        if (x == EMB_ACC) continue;
        int found = 0;
        for (int a = L->naxes - 1; a >= 0; a--) {
            bool inner = found < 2 && s->pitch[x][a] > 1;
            if (s->pitch[x][a] > 1) found++;
            s->strip[x][a] = x == EMB_INP && inner && L->zero_lo[a] + L->zero_hi[a] > 0 && L->zero_lo[a] <= SCHED_MAX_PAD &&
                             L->zero_hi[a] <= SCHED_MAX_PAD;
        }
        for (int a = L->naxes; a < EMB_MAX_LAXES; a++) s->strip[x][a] = false;
    }
    /* Fold the two largest loops whose SRAM strides are all >= 0. */
    s->fold_out = s->fold_in = -1;
    for (int l = 0; l < n->nloops; l++) {
        if (s->tile[l] < 2 || s->tile[l] > SCHED_MAX_ITER) continue;
        if (s->stride[0][l] < 0 || s->stride[1][l] < 0 || s->stride[2][l] < 0) continue;
        if (s->fold_in < 0 || s->tile[l] >= s->tile[s->fold_in]) {
            s->fold_out = s->fold_in;
            s->fold_in = l;
        } else if (s->fold_out < 0 || s->tile[l] >= s->tile[s->fold_out]) {
            s->fold_out = l;
        }
    }
    double kuops = 1, exact = 1;
    s->nvariant_loops = 0;
    for (int l = 0; l < n->nloops; l++) {
        if (l == s->fold_out || l == s->fold_in || s->tile[l] == 1) continue;
        int64_t rem = n->loop[l].extent % s->tile[l];
        kuops *= (double)s->tile[l];
        exact *= (double)(s->tile[l] + rem);
        if (rem) s->nvariant_loops++;
    }
    int combos = nslots(s, 0) * nslots(s, 1) * nslots(s, 2);
    s->nkernels = (1 << s->nvariant_loops) * combos;
    s->bias_alu = o->rq.bias && s->bias_rel_known && bias_plan(hw, n, s, nslots(s, 2));
    if (!s->bias_alu) s->bias_rows = s->bias_uops = s->bias_ndims = 0;
    double urows = exact * combos + (2.0 + (double)s->bias_uops) * nslots(s, 2);
    if (urows > (double)hw_depth(hw, HW_MEM_UOP))
        return status_fail(st, "micro-op kernels (%.0f) exceed the UOP buffer", urows);
    s->kernel_uops = (int64_t)kuops;
    s->uop_rows = (int64_t)urows;
    static const hw_mem mem[3] = {HW_MEM_INP, HW_MEM_WGT, HW_MEM_ACC};
    static const char *names[3] = {"INP", "WGT", "ACC"};
    for (int x = 0; x < 3; x++)
        if ((double)s->slot_rows[x] * nslots(s, x) > (double)hw_depth(hw, mem[x]))
            return status_fail(st, "%s tile of %lld rows x %d slots exceeds the buffer (%lld)", names[x],
                               (long long)s->slot_rows[x], nslots(s, x), (long long)hw_depth(hw, mem[x]));
    if (s->slot_rows[EMB_ACC] > SCHED_MAX_ITER) return status_fail(st, "ACC tile over %d rows", SCHED_MAX_ITER);
    s->ntiles = 1;
    s->nout_tiles = 1;
    for (int l = 0; l < n->nloops; l++) {
        s->ntiles *= ntiles_of(n, s, l);
        if (!sched_is_reduction(n, l)) s->nout_tiles *= ntiles_of(n, s, l);
    }
    return estimate(o, hw, n, s, st);
}

/* ---- search ---- */

#define SCHED_MAX_CANDS 48

static int add_cand(int64_t *c, int k, int64_t v, int64_t E) {
    if (v < 1 || v > E || k >= SCHED_MAX_CANDS) return k;
    for (int i = 0; i < k; i++)
        if (c[i] == v) return k;
    c[k] = v;
    return k + 1;
}

static int candidates(int64_t E, bool divisors_only, bool full, int64_t *c) {
    int k = 0;
    if (full) return add_cand(c, 0, E, E);
    k = add_cand(c, k, 1, E);
    k = add_cand(c, k, E, E);
    if (!divisors_only) {
        for (int64_t j = 2; j <= 16; j++) k = add_cand(c, k, es_ceil_div(E, j), E);
        for (int64_t p = 2; p < E; p *= 2) k = add_cand(c, k, p, E);
        for (int64_t v = 2; v <= 8; v++) k = add_cand(c, k, v, E);
    }
    for (int64_t d = 2; d * d <= E && k < SCHED_MAX_CANDS; d++)
        if (E % d == 0) {
            k = add_cand(c, k, d, E);
            k = add_cand(c, k, E / d, E);
        }
    for (int i = 1; i < k; i++) /* ascending */
        for (int j = i; j > 0 && c[j - 1] > c[j]; j--) {
            int64_t t = c[j];
            c[j] = c[j - 1];
            c[j - 1] = t;
        }
    return k;
}

/* The k best distinct legal schedules seen by a search, by estimate (ties: first
 * seen first), for sched_search_top. */
typedef struct sched_topk {
    int k, n;
    sched *s;
} sched_topk;

static bool same_sched(const emb_nest *n, const sched *a, const sched *b) {
    for (int l = 0; l < n->nloops; l++)
        if (a->tile[l] != b->tile[l] || a->order[l] != b->order[l]) return false;
    return a->db_load == b->db_load && a->db_acc == b->db_acc && a->reuse == b->reuse;
}

static void topk_add(sched_topk *t, const emb_nest *n, const sched *s) {
    if (!t) return;
    for (int i = 0; i < t->n; i++)
        if (same_sched(n, &t->s[i], s)) return;
    if (t->n == t->k && !(s->est_cycles < t->s[t->n - 1].est_cycles)) return;
    int i = t->n < t->k ? t->n++ : t->n - 1;
    for (; i > 0 && s->est_cycles < t->s[i - 1].est_cycles; i--) t->s[i] = t->s[i - 1];
    t->s[i] = *s;
}

typedef struct search_ctx {
    const op *o;
    const hw_config *hw;
    const emb_nest *n;
    const sched_opts *opt;
    int64_t evals;
    sched_topk *top;  /* collects the best schedules seen, or NULL */
} search_ctx;

/* Best legal double-buffering choice for tiles/order in *s; false if none fits. */
static bool eval(search_ctx *c, sched *s) {
    static const bool dbl[4] = {true, true, false, false}, dba[4] = {true, false, true, false};
    sched best, t;
    bool have = false;
    for (int k = 0; k < 4; k++) {
        t = *s;
        t.db_load = dbl[k];
        t.db_acc = dba[k];
        status st;
        status_init(&st);
        c->evals++;
        if (!sched_derive(c->o, c->hw, c->n, &t, &st)) continue;
        topk_add(c->top, c->n, &t);
        if (!have || t.est_cycles < best.est_cycles) {
            best = t;
            have = true;
        }
    }
    if (have) *s = best;
    return have;
}

static void hill_climb(search_ctx *c, sched *cur, int64_t (*cand)[SCHED_MAX_CANDS], const int *ncand) {
    for (int iter = 0; iter < 200; iter++) {
        sched best = *cur;
        for (int l = 0; l < c->n->nloops; l++)
            for (int k = 0; k < ncand[l]; k++) {
                if (cand[l][k] == cur->tile[l]) continue;
                sched t = *cur;
                t.tile[l] = cand[l][k];
                if (eval(c, &t) && t.est_cycles < best.est_cycles * (1 - 1e-9)) best = t;
            }
        if (!(best.est_cycles < cur->est_cycles * (1 - 1e-9))) return;
        *cur = best;
    }
}

static void exhaustive(search_ctx *c, sched *t, int l, int64_t (*cand)[SCHED_MAX_CANDS], const int *ncand,
                       sched *best, bool *have, int64_t budget) {
    if (c->evals >= budget) return;
    if (l == c->n->nloops) {
        sched u = *t;
        if (eval(c, &u) && (!*have || u.est_cycles < best->est_cycles)) {
            *best = u;
            *have = true;
        }
        return;
    }
    for (int k = 0; k < ncand[l]; k++) {
        t->tile[l] = cand[l][k];
        /* Footprints grow with the tile: once the single-buffered slots of this
         * prefix (later loops at 1) overflow, larger values overflow too. */
        int64_t save[EMB_MAX_LOOPS];
        memcpy(save, t->tile, sizeof save);
        for (int j = l + 1; j < c->n->nloops; j++) t->tile[j] = c->opt->full[j] ? c->n->loop[j].extent : 1;
        sched u = *t;
        u.db_load = u.db_acc = false;
        status st;
        status_init(&st);
        bool fits = sched_derive(c->o, c->hw, c->n, &u, &st);
        memcpy(t->tile, save, sizeof save);
        if (!fits) break;
        exhaustive(c, t, l + 1, cand, ncand, best, have, budget);
    }
}

static bool search(const op *o, const hw_config *hw, const emb_nest *n, const sched_opts *opt, sched *out,
                   sched_topk *top, status *st) {
    search_ctx c = {o, hw, n, opt, 0, top};
    int64_t cand[EMB_MAX_LOOPS][SCHED_MAX_CANDS];
    int ncand[EMB_MAX_LOOPS];
    int64_t coarse[EMB_MAX_LOOPS][SCHED_MAX_CANDS];
    int ncoarse[EMB_MAX_LOOPS];
    for (int l = 0; l < n->nloops; l++) {
        ncand[l] = candidates(n->loop[l].extent, opt->divisors_only, opt->full[l], cand[l]);
        /* coarse: up to 8 values spread over the sorted candidates, first and last kept */
        int k = ncand[l];
        ncoarse[l] = 0;
        for (int i = 0; i < 8 && i < k; i++) {
            int idx = k <= 8 ? i : (int)((int64_t)i * (k - 1) / 7);
            if (ncoarse[l] == 0 || coarse[l][ncoarse[l] - 1] != cand[l][idx]) coarse[l][ncoarse[l]++] = cand[l][idx];
        }
    }
    /* Tile orders: output loops in nest order, reduction loops in nest order; unless
     * fixed, each output loop with more than one iteration may be the innermost one
     * (it decides which operand is reused across consecutive tiles). */
    int outs[EMB_MAX_LOOPS], nout = 0, reds[EMB_MAX_LOOPS], nred = 0;
    for (int l = 0; l < n->nloops; l++) {
        if (sched_is_reduction(n, l))
            reds[nred++] = l;
        else
            outs[nout++] = l;
    }
    int inner_choices[EMB_MAX_LOOPS + 1], nchoices = 0;
    inner_choices[nchoices++] = -1;
    if (!opt->fixed_order)
        for (int i = 0; i < nout - 1; i++)
            if (n->loop[outs[i]].extent > 1) inner_choices[nchoices++] = outs[i];
    sched best;
    bool have = false;
    for (int ch = 0; ch < nchoices; ch++) {
        sched t;
        memset(&t, 0, sizeof t);
        t.reuse = opt->reuse;
        int k = 0;
        for (int i = 0; i < nout; i++)
            if (outs[i] != inner_choices[ch]) t.order[k++] = outs[i];
        if (inner_choices[ch] >= 0) t.order[k++] = inner_choices[ch];
        for (int i = 0; i < nred; i++) t.order[k++] = reds[i];
        for (int l = 0; l < n->nloops; l++) t.tile[l] = opt->full[l] ? n->loop[l].extent : 1;
        if (opt->e && o->rq.bias) {
            sched_bias_axes(o, opt->e, n, t.bias_rel);
            t.bias_rel_known = true;
        }
        if (opt->exhaustive) {
            int64_t budget = c.evals + (opt->max_evals > 0 ? opt->max_evals : 400000);
            exhaustive(&c, &t, 0, cand, ncand, &best, &have, budget);
            continue;
        }
        /* Three starts for hill climbing: the best of a coarse exhaustive pass (at most
         * 8 spread values per loop), everything at 1, the whole reduction in one tile. */
        sched coarse_best;
        bool coarse_have = false;
        {
            sched u = t;
            int64_t budget = c.evals + (opt->max_evals > 0 ? opt->max_evals : 60000);
            exhaustive(&c, &u, 0, coarse, ncoarse, &coarse_best, &coarse_have, budget);
        }
        for (int start = 0; start < 3; start++) {
            sched u = t;
            if (start == 0) {
                if (!coarse_have) continue;
                u = coarse_best;
            }
            if (start == 2)
                for (int l = 0; l < n->nloops; l++)
                    if (sched_is_reduction(n, l)) u.tile[l] = n->loop[l].extent;
            if (start > 0 && !eval(&c, &u)) continue;
            hill_climb(&c, &u, cand, ncand);
            if (!have || u.est_cycles < best.est_cycles) {
                best = u;
                have = true;
            }
        }
    }
    if (!have) return status_fail(st, "no schedule fits the buffers of hardware '%s'", hw->name);
    *out = best;
    return true;
}

bool sched_search(const op *o, const hw_config *hw, const emb_nest *n, const sched_opts *opt, sched *out,
                  status *st) {
    return search(o, hw, n, opt, out, NULL, st);
}

int sched_search_top(const op *o, const hw_config *hw, const emb_nest *n, const sched_opts *opt, int k,
                     sched *out, status *st) {
    ES_ASSERT(k >= 1 && k <= SCHED_MAX_TOP);
    sched pool[SCHED_MAX_TOP + 1];
    sched_topk top = {k + 1, 0, pool};
    if (!search(o, hw, n, opt, &out[0], &top, st)) return 0;
    int m = 1;
    for (int i = 0; i < top.n && m < k; i++)
        if (!same_sched(n, &top.s[i], &out[0])) out[m++] = top.s[i];
    return m;
}

void sched_describe(const op *o, const emb_nest *n, const sched *s, char *buf, size_t len) {
    size_t k = 0;
    buf[0] = 0;
#define SCHED_PUT(...)                                                     \
    do {                                                                   \
        if (k < len) {                                                     \
            int w_ = snprintf(buf + k, len - k, __VA_ARGS__);              \
            if (w_ > 0) k += (size_t)w_;                                   \
        }                                                                  \
    } while (0)
    SCHED_PUT("tiles");
    for (int i = 0; i < n->nloops; i++) {
        int l = s->order[i];
        const emb_loop *lp = &n->loop[l];
        static const char *lane[3] = {"B", "O", "I"};
        if (lp->kind == EMB_LOOP_DIM)
            SCHED_PUT(" %s=%lld/%lld", o->dim_name[lp->dim], (long long)s->tile[l], (long long)lp->extent);
        else
            SCHED_PUT(" chunk%s=%lld/%lld", lane[lp->dim], (long long)s->tile[l], (long long)lp->extent);
    }
    if (o->rq.bias) SCHED_PUT("; bias by %s", s->bias_alu ? "ALU ADD from a tile" : "LOAD ACC");
    SCHED_PUT("; db load=%d acc=%d reuse=%d; %lld tiles, %lld out tiles, %d kernels x %lld uops; est %.0f cycles",
              s->db_load, s->db_acc, s->reuse, (long long)s->ntiles, (long long)s->nout_tiles, s->nkernels,
              (long long)s->kernel_uops, s->est_cycles);
#undef SCHED_PUT
}
