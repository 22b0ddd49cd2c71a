/* cost: closed-form cycles of a schedule's VTA program (see cost.h).
 *
 * The model follows the program vta/codegen emits (lower.h) group by group, without
 * building it: per tile an optional output-tile header on compute (reset GEMM or bias
 * LOAD ACC), an optional load batch (INP/WGT boxes that changed) on load, one GEMM,
 * and per finished output tile the ALU epilogue on compute and the STORE on store;
 * the dependency tokens of lower.h connect the groups, and fetch dispatches every
 * instruction in order at fetch_insn_cycles each (vta/sim.c's timing model).
 * Durations come from per-tile-class tables (each tiled loop full or its partial last
 * tile) with the DMA decomposition the code generator uses (vta/dma); a DRAM row of L
 * bytes costs dram_latency per burst plus its beats, with the expected number of
 * 2 KiB-boundary crossings of a row at an element-aligned address.
 *
 * The tile sequence is a mixed-radix counter over the tiled loops (outermost first).
 * Each level runs its first iterations explicitly (CM_EXPLICIT_MIN, or up to
 * CM_EXPLICIT until two consecutive ones change every counter alike); when more follow, the
 * state (module clocks, pending tokens, counters) advances by the change measured
 * over the last of them for each middle iteration ("time warp" of a periodic max-plus
 * system: every active module by the period, the largest clock advance of an active
 * module), and the last iteration runs explicitly again. So a level costs at most
 * CM_EXPLICIT + 1 sub-walks (the estimates at real addresses walk programs of at most
 * CM_EXACT_TILES tiles in full, every DMA box at its address, and add to larger ones
 * the stalls of the DMA cost's variation, cost_var.c), and the exact program structure (partial tiles, first and
 * last batches and output tiles, reuse, the DMA padding of border tiles) is kept
 * where it differs.
 * Invariant: a pure function of (op, hw, nest, schedule); deterministic. */
#include "vta/cost.h"

#include <stddef.h>
#include <string.h>

#include "vta/cost_int.h"
#include "vta/dma.h"
#include "vta/isa.h"

/* ---- DMA durations ---- */

/* x / d (d > 0). For a power of two (every divisor here on the VTA designs) a
 * multiplication by 2^-log2(d): the same double exactly, without the divider's latency. */
static inline double div_pow2(double x, int64_t d) {
    if ((d & (d - 1)) != 0 || d > ((int64_t)1 << 62)) return x / (double)d;
    uint64_t bits = (uint64_t)(1023 - __builtin_ctzll((uint64_t)d)) << 52;
    double inv;
    memcpy(&inv, &bits, sizeof inv);
    return x * inv;
}

/* a / d and a % d (d > 0): a shift and a mask for a power of two (bus widths, burst
 * boundaries, element sizes), else the divider. */
static inline uint64_t udiv(uint64_t a, uint64_t d) { return (d & (d - 1)) == 0 ? a >> __builtin_ctzll(d) : a / d; }
static inline uint64_t umod(uint64_t a, uint64_t d) { return (d & (d - 1)) == 0 ? a & (d - 1) : a % d; }

/* Expected cycles of n DRAM rows of len bytes whose start addresses are r0 plus
 * multiples of step bytes (0: all at r0): bursts (dram_latency each) and bus beats,
 * the row starts taken as evenly spread over the residues r0 + j * gcd(step, K) modulo
 * the burst boundary K. A row starting at residue r touches floor((r + len - 1) / K) + 1
 * boundary chunks and floor((r + len - 1) / bus) + 1 beats (r modulo bus there); the
 * mean over an arithmetic progression of residues with difference G is
 * 1 + floor((r0 mod G + len - 1) / G) * G / K (Hermite's identity), likewise for beats.
 * So a copy whose rows all start 1 KiB past a 2 KiB boundary costs its 2 bursts per
 * 2 KiB row, not the 1.5 of an element-aligned random address. */
static double rows_cycles(const hw_config *hw, double n, double len, int64_t step, int64_t r0) {
    if (n <= 0 || len <= 0) return 0;
    int64_t busb = hw_bus_bytes(hw), Kb = hw->burst_boundary < busb ? busb : hw->burst_boundary;
    int64_t mbb = hw->max_burst_beats * busb;
    double mb = (double)mbb;
    int64_t G = es_gcd_i64(Kb, step), Gb = es_gcd_i64(busb, G);
    int64_t r = (G & (G - 1)) == 0 ? r0 & (G - 1) : (r0 % G + G) % G;
    int64_t rb = (Gb & (Gb - 1)) == 0 ? r & (Gb - 1) : r % Gb;
    double bursts = 1 + div_pow2((double)(int64_t)div_pow2(len - 1 + (double)r, G) * (double)G, Kb);
    if (mbb < Kb && len > mb) bursts += div_pow2(len, mbb) - div_pow2(len, Kb);
    double beats = 1 + div_pow2((double)(int64_t)div_pow2(len - 1 + (double)rb, Gb) * (double)Gb, busb);
    return n * (bursts * hw->dram_latency + beats);
}

/* step: DRAM elements between the starts of the box at different tiles (0: one tile);
 * r0: byte address of the box's first row at some tile. */
static double dma_cycles(const hw_config *hw, const lower_dma_box *b, const lower_dma_stats *s, int64_t step,
                         int64_t r0) {
    int64_t ebi = hw_elem_bytes(hw, (hw_mem)b->mem_type);
    double eb = (double)ebi;
    double startup = b->store ? hw->store_startup : hw->load_startup;
    double row = s->rows ? (double)s->elems * eb / (double)s->rows : 0;
    double pad = div_pow2((double)s->pad_elems * eb, hw_bus_bytes(hw));
    return (double)s->insns * startup + rows_cycles(hw, (double)s->rows, row, es_gcd_i64(s->row_gcd, step) * ebi, r0) +
           pad;
}

/* ---- DMA at real addresses (small programs) ---- */

/* Cycles of one DRAM row of bytes [a, a + len) as the simulator counts them: bus
 * beats touched plus dram_latency per burst (bursts of at most max_burst_beats that
 * never cross a burst_boundary). */
static double row_exact(const hw_config *hw, uint64_t a, uint64_t len) {
    uint64_t bus = (uint64_t)hw_bus_bytes(hw);
    uint64_t b0 = udiv(a, bus), b1 = udiv(a + len + bus - 1, bus), nb = b1 - b0;
    uint64_t kb = udiv((uint64_t)hw->burst_boundary, bus), mb = (uint64_t)hw->max_burst_beats;
    if (kb == 0) kb = 1;
    uint64_t c0 = udiv(b0, kb), c1 = udiv(b1 - 1, kb), bursts;
    if (c0 == c1) {
        bursts = udiv(nb + mb - 1, mb);
    } else {
        uint64_t first = kb - umod(b0, kb), lastn = umod(b1 - 1, kb) + 1;
        bursts = udiv(first + mb - 1, mb) + udiv(lastn + mb - 1, mb) + (c1 - c0 - 1) * udiv(kb + mb - 1, mb);
    }
    return (double)(bursts * (uint64_t)hw->dram_latency + nb);
}

/* sum over i < n of floor((a * i + b) / m), m > 0, in O(log m) steps: the terms with
 * a >= m or b >= m are split off, and the rest is the same sum with the roles of a and
 * m exchanged (counting lattice points under the line). No overflow while
 * a * n + b < 2^64 after the reductions (a, b < m). */
static uint64_t floor_sum(uint64_t n, uint64_t m, uint64_t a, uint64_t b) {
    uint64_t r = 0;
    for (;;) {
        if (a >= m) {
            r += (n * (n - 1) / 2) * (a / m);
            a %= m;
        }
        if (b >= m) {
            r += n * (b / m);
            b %= m;
        }
        uint64_t y = a * n + b;
        if (y < m) return r;
        n = y / m;
        b = y % m;
        uint64_t t = m;
        m = a;
        a = t;
    }
}

double cost_int_rows_exact(const hw_config *hw, uint64_t a, uint64_t stride, uint64_t n, uint64_t len) {
    if (n == 0 || len == 0) return 0;
    uint64_t bus = (uint64_t)hw_bus_bytes(hw);
    uint64_t kb = (uint64_t)hw->burst_boundary / bus, mb = (uint64_t)hw->max_burst_beats;
    if (kb == 0) kb = 1;
    uint64_t K = kb * bus; /* bytes between burst boundaries, as beats see them */
    if (n == 1 || stride % K == 0) return (double)n * row_exact(hw, a, len);
    if (mb < kb || K >> 32) { /* a chunk may need several bursts (or K is huge): row by row */
        double c = 0;
        for (uint64_t y = 0; y < n; y++) c += row_exact(hw, a + y * stride, len);
        return c;
    }
    /* One burst per boundary chunk touched. A row [x, x + len) touches
     * floor((x + len - 1) / u) - floor(x / u) + 1 units of u bytes (beats: u = bus,
     * chunks: u = K); summed over x = a + y * stride with floor_sum. Only the residues
     * of a matter, so it is reduced modulo K (a multiple of bus) first. */
    uint64_t r = a % K, last = r + len - 1;
    uint64_t beats = n + floor_sum(n, bus, stride, last) - floor_sum(n, bus, stride, r);
    uint64_t chunks = n + floor_sum(n, K, stride, last) - floor_sum(n, K, stride, r);
    return (double)(chunks * (uint64_t)hw->dram_latency + beats);
}

typedef struct exact_acc {
    const hw_config *hw;
    double cyc;
    int64_t insns;
} exact_acc;

static void exact_emit(void *ctx, const vta_insn *in) {
    exact_acc *e = ctx;
    const hw_config *hw = e->hw;
    e->insns++;
    bool store = in->opcode == VTA_OP_STORE;
    e->cyc += store ? hw->store_startup : hw->load_startup;
    if (in->x_size == 0) return;
    uint64_t eb = (uint64_t)hw_elem_bytes(hw, store ? HW_MEM_OUT : (hw_mem)in->mem_type), bus = (uint64_t)hw_bus_bytes(hw);
    e->cyc += cost_int_rows_exact(hw, (uint64_t)in->dram_base * eb, (uint64_t)in->x_stride * eb, in->y_size,
                                  (uint64_t)in->x_size * eb);
    if (!store) {
        uint64_t w = (uint64_t)in->x_pad_0 + in->x_size + in->x_pad_1;
        uint64_t pad = ((uint64_t)in->y_pad_0 + in->y_pad_1) * w + (uint64_t)in->y_size * (in->x_pad_0 + in->x_pad_1);
        e->cyc += (double)((pad * eb + bus - 1) / bus);
    }
}

/* The DRAM alignment of operand x's boxes over the tiles: *step, the gcd of the DRAM
 * element offsets between the tiles averaged over (loops with more than one tile),
 * and *r0, the byte address of the first data value of one of them (codegen's region
 * base, lower.h). idx NULL: all tiles, r0 from the tile at index 0 with the DMA
 * padding of the axes that tiles move put back (interior tiles have none there).
 * Otherwise the tiles sharing idx's padded-load key (cost_int_load): the tile at idx,
 * whose position is exact on the levels where idx is first or last along a padded
 * axis and averaged over the others. b: the DMA box of that tile (index 0 or idx;
 * its start, padding and DRAM strides do not depend on the tile's extents). */
static void box_align(const cm_ctx *c, emb_operand x, hw_mem mem, bool store, const int64_t *idx,
                      const lower_dma_box *b, int64_t *step, int64_t *r0) {
    const emb_nest *n = c->n;
    const sched *s = c->s;
    bool moved[EMB_MAX_LAXES] = {false};
    *step = 0;
    for (int l = 0; l < n->nloops; l++) {
        int ax = n->loop[l].axis[x];
        int64_t nt = c->ntl[l];
        if (ax < 0 || nt < 2) continue;
        bool pad = x != EMB_ACC && s->strip[x][ax];
        if (idx && pad && (idx[l] == 0 || idx[l] == nt - 1)) continue;
        if (!idx) moved[ax] = true;
        *step = es_gcd_i64(*step, sched_dram_step(n, s, x, l, b));
    }
    int64_t off = x < 2 ? c->base[x] : store ? c->base[4] : c->base[3];
    for (int a = 0; a < b->naxes; a++)
        off += (b->ax[a].dram_c - (moved[a] ? b->ax[a].pad_lo : 0)) * b->ax[a].dram_stride;
    *r0 = off * hw_elem_bytes(c->hw, mem);
}

static bool box_cost(cm_ctx *c, emb_operand x, hw_mem mem, bool store, const int64_t *cnt, double *cyc,
                     int64_t *insns, double *bytes, lower_dma_stats *ds_out, status *st) {
    const hw_config *hw = c->hw;
    const emb_nest *n = c->n;
    const sched *s = c->s;
    int64_t start[EMB_MAX_LOOPS], step, r0;
    for (int l = 0; l < n->nloops; l++) start[l] = 0; /* not an initializer: only the loops in use */
    lower_dma_box b;
    sched_dma_box(hw, n, s, x, mem, store, start, cnt, 0, &b);
    int kind = x < 2 ? (int)x : store ? 2 : 3; /* the alignment is the same in every class */
    if (!c->al_ok[kind]) {
        box_align(c, x, mem, store, NULL, &b, &c->al_step[kind], &c->al_r0[kind]);
        c->al_ok[kind] = true;
        if (x < 2)
            for (int l = 0; l < n->nloops; l++) c->tstep[x][l] = sched_dram_step(n, s, x, l, &b);
    }
    step = c->al_step[kind];
    r0 = c->al_r0[kind];
    for (int a = 0; a < b.naxes; a++) { /* a typical tile: no padding; alignment from box_align */
        b.ax[a].pad_lo = b.ax[a].pad_hi = 0;
        b.ax[a].dram_c = 0;
    }
    b.zero_base = 0;
    b.zero_elems = s->slot_rows[x];
    lower_dma_stats ds;
    if (!lower_dma_plan(&b, NULL, NULL, &ds, st)) return false;
    *cyc = dma_cycles(hw, &b, &ds, step, r0);
    *insns = ds.insns;
    *bytes = (double)ds.elems * (double)hw_elem_bytes(hw, mem);
    if (ds_out) *ds_out = ds;
    return true;
}

/* Load of operand x for the tile at idx (tile indices per nest loop), with the DMA
 * padding of its position. */
static bool box_cost_at(const cm_ctx *c, emb_operand x, const int64_t *idx, double *cyc, int64_t *insns,
                        status *st) {
    const hw_config *hw = c->hw;
    const emb_nest *n = c->n;
    const sched *s = c->s;
    int64_t start[EMB_MAX_LOOPS], cnt[EMB_MAX_LOOPS];
    sched_tile_range(n, s, idx, start, cnt);
    lower_dma_box b;
    hw_mem mem = x == EMB_INP ? HW_MEM_INP : HW_MEM_WGT;
    sched_dma_box(hw, n, s, x, mem, false, start, cnt, 0, &b);
    b.zero_base = 0;
    b.zero_elems = s->slot_rows[x];
    lower_dma_stats ds;
    if (!lower_dma_plan(&b, NULL, NULL, &ds, st)) return false;
    /* the walk shares this cost among the tiles with idx's key (cost_int_load's cache,
     * the time warp) */
    int64_t step, r0;
    box_align(c, x, mem, false, idx, &b, &step, &r0);
    *cyc = dma_cycles(hw, &b, &ds, step, r0);
    *insns = ds.insns;
    return true;
}

/* SHR steps of at most 15 (the portable immediate range), then MAX and MIN. */
static int n_alu(const op *o) { return (o->rq.shift + 14) / 15 + 2; }

double cost_vta_compute_bound(const op *o, const hw_config *hw, const emb_nest *n, const sched *s) {
    double A = (double)s->slot_rows[EMB_ACC], inst = 1;
    for (int l = 0; l < n->nloops; l++) inst *= (double)n->loop[l].extent;
    double per_out = n_alu(o) * (hw->alu_startup + A * hw->alu_imm_cycles); /* build_classes' epi and head */
    if (!(o->rq.bias && !s->bias_alu)) {
        per_out += hw->gemm_startup + A * hw->gemm_iter_cycles;
        if (s->bias_alu) per_out += hw->alu_startup + A * hw->alu_reg_cycles;
    }
    return (double)s->ntiles * hw->gemm_startup + inst * hw->gemm_iter_cycles + (double)s->nout_tiles * per_out;
}

/* ---- class tables ---- */

/* Operand boxes depend only on the loops that move the operand: a class whose variant
 * bits differ from an earlier one only on other loops copies that one's box costs. */
static bool build_classes(const op *o, const hw_config *hw, const emb_nest *n, const sched *s, cm_ctx *c,
                          const int *vl, int nv, status *st) {
    double A = (double)s->slot_rows[EMB_ACC];
    int rel[3] = {0, 0, 0}; /* variant bits of the loops that move INP, WGT, ACC */
    for (int v = 0; v < nv; v++)
        for (int x = 0; x < 3; x++)
            if (n->loop[vl[v]].axis[x] >= 0) rel[x] |= 1 << v;
    bool bias_box = o->rq.bias && !s->bias_alu;
    for (int mask = 0; mask < (1 << nv); mask++) {
        cm_class *k = &c->cls[mask];
        int64_t cnt[EMB_MAX_LOOPS];
        double inst = 1;
        for (int l = 0; l < n->nloops; l++) {
            cnt[l] = s->tile[l];
            for (int v = 0; v < nv; v++)
                if (vl[v] == l && (mask >> v & 1)) cnt[l] = n->loop[l].extent % s->tile[l];
            inst *= (double)cnt[l];
        }
        k->gemm = hw->gemm_startup + inst * hw->gemm_iter_cycles;
        for (int x = 0; x < 2; x++) {
            const cm_class *same = &c->cls[mask & rel[x]];
            if (same != k) {
                k->ld[x] = same->ld[x];
                k->ldi[x] = same->ldi[x];
                k->ldb[x] = same->ldb[x];
                k->ds[x] = same->ds[x];
            } else if (!box_cost(c, (emb_operand)x, x == EMB_INP ? HW_MEM_INP : HW_MEM_WGT, false, cnt, &k->ld[x],
                                 &k->ldi[x], &k->ldb[x], &k->ds[x], st)) {
                return false;
            }
        }
        const cm_class *same = &c->cls[mask & rel[EMB_ACC]];
        if (same != k) {
            k->sto = same->sto;
            k->stoi = same->stoi;
            k->stob = same->stob;
            if (bias_box) {
                k->head = same->head;
                k->headi = same->headi;
                k->headb = same->headb;
            }
        } else {
            if (!box_cost(c, EMB_ACC, HW_MEM_OUT, true, cnt, &k->sto, &k->stoi, &k->stob, NULL, st)) return false;
            if (bias_box && !box_cost(c, EMB_ACC, HW_MEM_ACC, false, cnt, &k->head, &k->headi, &k->headb, NULL, st))
                return false;
        }
        k->epi = n_alu(o) * (hw->alu_startup + A * hw->alu_imm_cycles);
        k->epii = n_alu(o);
        if (!bias_box) {
            k->head = hw->gemm_startup + A * hw->gemm_iter_cycles;
            k->headi = 1;
            k->headb = 0; /* no bias bytes (cls is not cleared per evaluation) */
            if (s->bias_alu) {
                k->epi += hw->alu_startup + A * hw->alu_reg_cycles;
                k->epii += 1;
            }
        }
        k->headg = k->headi;
        k->headq = cost_int_quot(k->head, &k->headg);
        k->epig = k->epii;
        k->epiq = cost_int_quot(k->epi, &k->epig);
        k->stog = k->stoi;
        k->stoq = cost_int_quot(k->sto, &k->stog);
        for (int lm = 1; lm < 4; lm++) { /* the walk's sums, in its order */
            k->lds[lm] = 0;
            k->ldg[lm] = 0;
            for (int x = 0; x < 2; x++)
                if (lm >> x & 1) {
                    k->lds[lm] += k->ld[x];
                    k->ldg[lm] += k->ldi[x];
                }
            k->ldq[lm] = cost_int_quot(k->lds[lm], &k->ldg[lm]);
        }
    }
    if (s->bias_alu) {
        double eb = (double)hw_elem_bytes(hw, HW_MEM_ACC);
        c->bias_tile = hw->load_startup + rows_cycles(hw, 1, (double)s->bias_rows * eb, (int64_t)eb, 0);
        c->bias_tile_bytes = (double)s->bias_rows * eb;
        c->bias_tile_i = 1;
    }
    return true;
}

/* The box of operand x (memory mem) for the tile at idx at its real DRAM address, as
 * the simulator times it. */
bool cost_int_box_exact(const cm_ctx *c, emb_operand x, hw_mem mem, bool store, const int64_t *idx, double *cyc,
                        int64_t *g) {
    const emb_nest *n = c->n;
    const sched *s = c->s;
    int64_t start[EMB_MAX_LOOPS], cnt[EMB_MAX_LOOPS];
    sched_tile_range(n, s, idx, start, cnt);
    lower_dma_box b;
    sched_dma_box(c->hw, n, s, x, mem, store, start, cnt, 0, &b);
    b.dram_base = x < 2 ? c->base[x] : store ? c->base[4] : c->base[3];
    if (x < 2 && c->padded[x]) {
        b.zero_base = c->zbase[x];
        b.zero_elems = s->slot_rows[x];
    }
    exact_acc e = {c->hw, 0, 0};
    lower_dma_stats ds;
    status st;
    status_init(&st);
    if (!lower_dma_plan(&b, exact_emit, &e, &ds, &st)) return false;
    *cyc = e.cyc;
    *g = e.insns;
    return true;
}

/* Region bases of the program codegen emits (lower.h: uop, inp, zinp, wgt, zwgt,
 * bias, out, placed like vta/prog from byte 4096 on at max(64, element) alignment). */
static void regions(const op *o, const hw_config *hw, const emb_nest *n, const sched *s, cm_ctx *c) {
    uint64_t at = 4096;
    const hw_mem mem[2] = {HW_MEM_INP, HW_MEM_WGT};
#define CM_PLACE(kind, bytes, out_elem)                                                  \
    do {                                                                                 \
        uint64_t e_ = (uint64_t)hw_elem_bytes(hw, kind), al_ = e_ > 64 ? e_ : 64;        \
        at = udiv(at + al_ - 1, al_) * al_;                                              \
        out_elem = (int64_t)udiv(at, e_);                                                \
        at += (uint64_t)(bytes);                                                         \
    } while (0)
    int64_t ignore;
    CM_PLACE(HW_MEM_UOP, s->uop_rows * 4, ignore);
    (void)ignore;
    for (int x = 0; x < 2; x++) {
        CM_PLACE(mem[x], sched_dram_elems(n, s, (emb_operand)x) * hw_elem_bytes(hw, mem[x]), c->base[x]);
        if (c->padded[x]) CM_PLACE(mem[x], s->slot_rows[x] * hw_elem_bytes(hw, mem[x]), c->zbase[x]);
    }
    if (o->rq.bias) CM_PLACE(HW_MEM_ACC, n->lay[EMB_ACC].elems * hw_elem_bytes(hw, HW_MEM_ACC), c->base[3]);
    CM_PLACE(HW_MEM_OUT, n->lay[EMB_ACC].elems * hw_elem_bytes(hw, HW_MEM_OUT), c->base[4]);
#undef CM_PLACE
}

/* Load duration of operand x for the tile at idx: the class table, or for an operand
 * with DMA padding the tile at its position (cached by key: the class and the position
 * of every level that moves a padded axis, first, middle or last). */
void cost_int_load_slow(cm_ctx *c, int k, int x, int64_t key, const int64_t *idx, double *dur, int64_t *g) {
    const cm_class *cl = &c->cls[k];
    if (c->exact &&
        cost_int_box_exact(c, (emb_operand)x, x == EMB_INP ? HW_MEM_INP : HW_MEM_WGT, false, idx, dur, g))
        return;
    if (!c->padded[x]) {
        *dur = cl->ld[x];
        *g = cl->ldi[x];
        return;
    }
    if (cost_int_load_cached(c, x, key, dur, g)) return;
    unsigned h = cost_int_cache_slot(key);
    status st;
    status_init(&st);
    if (!box_cost_at(c, (emb_operand)x, idx, dur, g, &st)) {
        *dur = cl->ld[x];
        *g = cl->ldi[x];
    }
    c->ckey[x][h] = key + 1;
    c->cval[x][h] = *dur;
    c->cins[x][h] = *g;
}

void cost_int_batch(cm_ctx *c, cm_counters *z, int k, int lm, const int64_t *key, const int64_t *idx, double *dur,
                    int64_t *g) {
    const cm_class *cl = &c->cls[k];
    *dur = 0;
    *g = 0;
    for (int x = 0; x < 2; x++)
        if (lm >> x & 1) {
            double d;
            int64_t gi;
            cost_int_load(c, k, x, key[x], idx, &d, &gi);
            z->bytes[x] += cl->ldb[x];
            *dur += d;
            *g += gi;
            z->loads[x]++;
        }
}

/* What estimate does: re-cost small programs at real addresses (EST_EXACT); stop once
 * the class tables (every DMA box) are built, i.e. answer "can it be costed"
 * (EST_CHECK); walk with the reference walk instead of the fast one (EST_REF). */
enum { EST_EXACT = 1, EST_CHECK = 2, EST_REF = 4 };

/* The class tables of s. */
static bool classes_of(const op *o, const hw_config *hw, const emb_nest *n, const sched *s, cm_ctx *c, status *st) {
    cost_int_zero(c, offsetof(cm_ctx, ckey));
    c->hw = hw;
    for (int x = 0; x < 2; x++)
        for (int a = 0; a < n->lay[x].naxes; a++) c->padded[x] |= s->strip[x][a];
    c->n = n;
    c->s = s;
    c->fc = hw->fetch_insn_cycles;
    int vl[CM_MAXV], nv = 0;
    for (int l = 0; l < n->nloops; l++) {
        c->vbit[l] = -1;
        int64_t full = n->loop[l].extent / s->tile[l], part = n->loop[l].extent % s->tile[l]; /* one division */
        c->ntl[l] = full + (part != 0);
        if (part != 0 && nv < CM_MAXV) {
            c->vbit[l] = nv;
            vl[nv++] = l;
        }
    }
    regions(o, hw, n, s, c); /* the DMA tables depend on the DRAM alignment */
    return build_classes(o, hw, n, s, c, vl, nv, st);
}

/* Does operand x's box (full tiles) return to the same place when the carry is at
 * level p: level p's step minus the inner levels' way back from their last tiles is
 * 0 on every axis, and no inner level that moves x has a partial last tile (its
 * extents would differ)? */
static bool box_returns(const emb_nest *n, const sched *s, const cm_ctx *c, int p, emb_operand x) {
    int64_t d[EMB_MAX_LAXES];
    for (int a = 0; a < n->lay[x].naxes; a++) d[a] = 0;
    for (int j = p; j < c->nlev; j++) {
        int l = c->lev[j].loop, a = n->loop[l].axis[x];
        if (a < 0) continue;
        if (j > p && c->lev[j].lastbit) return false;
        int64_t step = n->loop[l].coef[x] * s->tile[l];
        d[a] += j == p ? step : -step * (c->lev[j].count - 1);
    }
    for (int a = 0; a < n->lay[x].naxes; a++)
        if (d[a] != 0) return false;
    return true;
}

/* The walk of s over the class tables of c (built for s or for a schedule that differs
 * from s only in double buffering and has the same bias plan). */
static void walk_of(const op *o, const hw_config *hw, const emb_nest *n, sched *s, cm_ctx *c, int how,
                    cost_counts *cc) {
    bool allow_exact = how & EST_EXACT;
    c->s = s;
    c->D = sched_nslots(s, EMB_INP);
    c->Dacc = sched_nslots(s, EMB_ACC);
    c->nlev = 0;
    c->plev[0] = c->plev[1] = 0;
    /* a fresh padded-load cache: what it holds depends on the order of the lookups */
    for (int x = 0; x < 2; x++)
        if (c->padded[x]) cost_int_zero(c->ckey[x], sizeof c->ckey[x]);
    /* levels: tiled loops in visiting order */
    int pos_bias = -1;
    c->pow3[0] = c->pow3[1] = 1;
    for (int i = 0; i < n->nloops; i++) {
        int l = s->order[i];
        int64_t nt = c->ntl[l];
        if (nt < 2) continue;
        cm_level *L = &c->lev[c->nlev];
        L->loop = l;
        L->count = nt;
        L->vbit = c->vbit[l];
        L->lastbit = L->vbit >= 0 ? 1 << L->vbit : 0;
        L->red = sched_is_reduction(n, l);
        for (int x = 0; x < 2; x++) {
            int a = n->loop[l].axis[x];
            if (a >= 0 && s->strip[x][a]) {
                c->plev[x] |= 1 << c->nlev;
                c->pow3[x] *= 3;
            }
        }
        int ax = n->loop[l].axis[EMB_ACC];
        if (s->bias_alu && ax >= 0 && s->bias_rel[ax]) pos_bias = c->nlev;
        c->nlev++;
    }
    /* touch[p + 1]: operands whose box moves when the carry is at level p (-1: the
     * first tile, everything loaded); same[p + 1]: of those, the ones whose box
     * returns to where it was (the carry's step on every axis cancels the inner
     * levels' way back from their last tiles), with the class bits that break it */
    for (int p = c->nlev - 1; p >= -1; p--) {
        int m = p < 0 || !s->reuse ? 3 : 0;
        for (int j = p < 0 ? c->nlev : p; j < c->nlev; j++)
            for (int x = 0; x < 2; x++)
                if (n->loop[c->lev[j].loop].axis[x] >= 0) m |= 1 << x;
        c->touch[p + 1] = m;
        c->same[p + 1] = 0;
        for (int x = 0; x < 2 && p >= 0 && s->reuse; x++)
            if ((m >> x & 1) && box_returns(n, s, c, p, (emb_operand)x)) {
                c->same[p + 1] |= 1 << x;
                c->same_k[p + 1][x] = n->loop[c->lev[p].loop].axis[x] >= 0 ? c->lev[p].lastbit : 0;
            }
        c->bias_alu_reload[p + 1] = p < 0 || p <= pos_bias;
    }
    /* batches: the first tile, and every carry that loads an operand (at level p:
     * prod(count of the outer levels) x (count_p - 1) carries, the last of each run of
     * level p into its last tile) */
    c->B = 1;
    int64_t outer = 1;
    for (int p = 0; p < c->nlev; p++) {
        int64_t carries = outer * (c->lev[p].count - 1), lasts = outer;
        c->B += (carries - lasts) * (cost_int_touched(c, p, 0) != 0) +
                lasts * (cost_int_touched(c, p, c->lev[p].lastbit) != 0);
        outer *= c->lev[p].count;
    }
    c->Q = s->nout_tiles;
    c->bias_load_acc = o->rq.bias && !s->bias_alu;
    c->exact = allow_exact && s->ntiles <= CM_EXACT_TILES;
    for (int p = -1; p < c->nlev; p++)
        c->head_table[p + 1] = !c->exact && !(c->bias_tile_i && c->bias_alu_reload[p + 1]);
    c->c2l_last = c->B - 1 - c->D;
    c->s2c_last = c->Q - 1 - c->Dacc;
    if (c->exact) regions(o, hw, n, s, c);
    c->uop = hw->load_startup + row_exact(hw, 4096, (uint64_t)s->uop_rows * 4);
    cm_counters z;
    if (how & EST_REF)
        cost_int_walk_ref(c, &z);
    else
        cost_int_walk_fast(c, &z);
    double total = cost_int_max(cost_int_max(z.clk[0], z.clk[1]), z.clk[2]);
    double fetch = (double)z.insns * c->fc;
    if (fetch > total) total = fetch;
    if (allow_exact && !c->exact) total += cost_int_variation(c);
    s->loads[0] = z.loads[0];
    s->loads[1] = z.loads[1];
    s->est_load = z.busy[M_LOAD];
    s->est_compute = z.busy[M_COMP];
    s->est_store = z.busy[M_STORE];
    s->est_fetch = fetch;
    s->est_cycles = total;
    if (cc) {
        memset(cc, 0, sizeof *cc);
        cc->busy[0] = fetch;
        for (int m = 0; m < 3; m++) cc->busy[m + 1] = z.busy[m];
        cc->insns = z.insns;
        cc->loads[0] = z.loads[0];
        cc->loads[1] = z.loads[1];
        for (int x = 0; x < 4; x++) cc->dram_bytes[x] = z.bytes[x];
        cc->dram_bytes[COST_UOP] = (double)s->uop_rows * 4;
        cc->exact = c->exact;
    }
}

static bool estimate(const op *o, const hw_config *hw, const emb_nest *n, sched *s, int how, cost_counts *cc,
                     status *st) {
    cm_ctx c;
    if (!classes_of(o, hw, n, s, &c, st)) return false;
    if (!(how & EST_CHECK)) walk_of(o, hw, n, s, &c, how, cc);
    return true;
}

bool cost_vta_plug_variants(const op *o, const hw_config *hw, const emb_nest *n, sched *v, int k, bool *ok) {
    cm_ctx c;
    int built = -1; /* the variant whose class tables c holds */
    for (int i = 0; i < k; i++) {
        if (!ok[i]) continue;
        /* the uop region (its size depends on the ACC slots) shifts the other regions */
        if (built < 0 || v[built].bias_alu != v[i].bias_alu || v[built].uop_rows != v[i].uop_rows) {
            status st;
            status_init(&st);
            built = -1;
            if (!classes_of(o, hw, n, &v[i], &c, &st)) {
                ok[i] = false;
                continue;
            }
            built = i;
        }
        walk_of(o, hw, n, &v[i], &c, 0, NULL);
    }
    return true;
}

bool cost_vta_plug(void *ctx, const op *o, const hw_config *hw, const emb_nest *n, sched *s, status *st) {
    (void)ctx;
    return estimate(o, hw, n, s, 0, NULL, st);
}

bool cost_vta_check(const op *o, const hw_config *hw, const emb_nest *n, sched *s, status *st) {
    return estimate(o, hw, n, s, EST_CHECK, NULL, st);
}

bool cost_vta_exact(const op *o, const hw_config *hw, const emb_nest *n, sched *s, status *st) {
    return estimate(o, hw, n, s, EST_EXACT, NULL, st);
}

bool cost_vta_counts(const op *o, const hw_config *hw, const emb_nest *n, sched *s, cost_counts *cc, status *st) {
    return estimate(o, hw, n, s, EST_EXACT, cc, st);
}

bool cost_vta_reference(const op *o, const hw_config *hw, const emb_nest *n, sched *s, bool exact, cost_counts *cc,
                        status *st) {
    return estimate(o, hw, n, s, EST_REF | (exact ? EST_EXACT : 0), cc, st);
}
