/* sched_tile: the geometry of a schedule's tiles (see sched.h, "Tile model"): the
 * footprint box of an operand for a box of loop indices, the compact DRAM copy's
 * extents, and the DMA box (lower_dma_box) that copies a footprint into its SRAM slot.
 * Shared by the schedule search, the cost model (vta/cost) and code generation.
 * Invariant: pure functions of (nest, schedule, box); the cost model and codegen see
 * the same boxes, so counted and emitted DMA instructions agree. */
#include "vta/sched_tile.h"

#include <stddef.h>
#include <string.h>

/* The footprint range [lo, hi] per layout axis of operand x for the box (start, cnt);
 * with tile, also off: the SRAM offset of a partial tile along axes that a negative
 * coefficient walks backwards. */
static void box_range(const emb_nest *n, emb_operand x, const int64_t *start, const int64_t *cnt,
                      const int64_t *tile, int64_t *lo, int64_t *hi, int64_t *off) {
    const emb_layout *L = &n->lay[x];
    for (int a = 0; a < L->naxes; a++) {
        lo[a] = hi[a] = L->base[a];
        if (tile) off[a] = 0;
    }
    for (int l = 0; l < n->nloops; l++) {
        int ax = n->loop[l].axis[x];
        if (ax < 0) continue;
        int64_t c = n->loop[l].coef[x];
        int64_t first = c * start[l], last = c * (start[l] + cnt[l] - 1);
        lo[ax] += c >= 0 ? first : last;
        hi[ax] += c >= 0 ? last : first;
        if (tile && c < 0) off[ax] += -c * (tile[l] - cnt[l]);
    }
}

void sched_tile_range(const emb_nest *n, const sched *s, const int64_t *idx, int64_t *start, int64_t *cnt) {
    for (int l = 0; l < n->nloops; l++) {
        start[l] = idx[l] * s->tile[l];
        int64_t rest = n->loop[l].extent - start[l];
        cnt[l] = rest < s->tile[l] ? rest : s->tile[l];
    }
}

void sched_box(const emb_nest *n, emb_operand x, const int64_t *start, const int64_t *cnt, int64_t *lo,
               int64_t *f) {
    int64_t hi[EMB_MAX_LAXES];
    box_range(n, x, start, cnt, NULL, lo, hi, NULL);
    for (int a = 0; a < n->lay[x].naxes; a++) f[a] = hi[a] - lo[a] + 1;
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
    int64_t lo[EMB_MAX_LAXES], hi[EMB_MAX_LAXES], off[EMB_MAX_LAXES];
    box_range(n, x, start, cnt, s->tile, lo, hi, off);
    /* the header and the axes in use (lower_dma_plan reads no others): a full clear
     * of the box was most of this function's time in the cost model */
    memset(b, 0, offsetof(lower_dma_box, ax));
    memset(b->ax, 0, (size_t)L->naxes * sizeof b->ax[0]);
    memset(&b->mem_type, 0, sizeof *b - offsetof(lower_dma_box, mem_type));
    b->naxes = L->naxes;
    b->mem_type = (uint32_t)mem;
    b->store = store;
    b->sram_base = b->sram_lo = slot_base;
    b->sram_hi = slot_base + s->slot_rows[x];
    b->zero_base = -1;
    int64_t dstride = 1, sstride = 1;
    for (int a = L->naxes - 1; a >= 0; a--) {
        lower_dma_axis *d = &b->ax[a];
        int64_t f = hi[a] - lo[a] + 1;
        bool strip = x != EMB_ACC && s->strip[x][a];
        int64_t zlo = strip ? L->zero_lo[a] : 0, zhi = strip ? L->zero_hi[a] : 0;
        d->f = f;
        if (strip) {
            int64_t pl = zlo - lo[a], ph = lo[a] + f - (L->extent[a] - zhi);
            d->pad_lo = pl < 0 ? 0 : pl > f ? f : pl;
            d->pad_hi = ph < 0 ? 0 : ph > f ? f : ph;
        }
        d->dram_c = lo[a] + d->pad_lo - zlo;
        d->dram_stride = dstride;
        d->sram_stride = sstride;
        d->sram_off = off[a];
        dstride *= L->extent[a] - zlo - zhi;
        sstride *= s->pitch[x][a];
    }
    if (x != EMB_ACC && s->tiled[x]) {
        /* the block is the slot image: DRAM strides are SRAM strides, and the block
         * index times slot_rows (= pitch[0] x the SRAM stride of axis 0) is added on
         * the outermost axis */
        int64_t blk = 0;
        for (int l = 0; l < n->nloops; l++)
            if (s->tblk[x][l]) blk += s->tblk[x][l] * (start[l] / s->tile[l]);
        for (int a = 0; a < L->naxes; a++) {
            b->ax[a].dram_stride = b->ax[a].sram_stride;
            b->ax[a].dram_c = off[a] + (a == 0 ? s->pitch[x][0] * blk : 0);
        }
    }
}

int64_t sched_dram_elems(const emb_nest *n, const sched *s, emb_operand x) {
    if (x != EMB_ACC && s->tiled[x]) return s->nblocks[x] * s->slot_rows[x];
    int64_t e = 1;
    for (int a = 0; a < n->lay[x].naxes; a++) e *= sched_compact_extent(n, s, x, a);
    return e;
}

int64_t sched_dram_step(const emb_nest *n, const sched *s, emb_operand x, int l, const lower_dma_box *b) {
    if (x != EMB_ACC && s->tiled[x]) return s->tblk[x][l] * s->slot_rows[x];
    int ax = n->loop[l].axis[x];
    return ax >= 0 ? n->loop[l].coef[x] * s->tile[l] * b->ax[ax].dram_stride : 0;
}

/* The loop that moves axis a of operand x from tile to tile (more than one tile), -1
 * if none does, -2 if the boxes of x cannot be blocked along a (two such loops, a
 * negative coefficient, or consecutive boxes that overlap: pitch > coef x tile). */
static int block_loop(const emb_nest *n, const sched *s, emb_operand x, int a) {
    int m = -1;
    for (int l = 0; l < n->nloops; l++) {
        if (n->loop[l].axis[x] != a || sched_ntiles(n, s, l) < 2) continue;
        if (m >= 0 || n->loop[l].coef[x] <= 0 || s->pitch[x][a] > n->loop[l].coef[x] * s->tile[l]) return -2;
        m = l;
    }
    return m;
}

void sched_plan_tiled(const emb_nest *n, sched *s) {
    for (int x = 0; x < 2; x++) {
        const emb_layout *L = &n->lay[x];
        int bl[EMB_MAX_LAXES];
        bool ok = (s->tiled_ok >> x & 1) && s->slot_rows[x] <= VTA_MAX_SIZE;
        for (int a = 0; a < L->naxes && ok; a++) {
            bl[a] = block_loop(n, s, (emb_operand)x, a);
            ok = !s->strip[x][a] && bl[a] > -2;
        }
        memset(s->tblk[x], 0, sizeof s->tblk[x]);
        s->nblocks[x] = 1;
        for (int a = L->naxes - 1; a >= 0 && ok; a--)
            if (bl[a] >= 0) {
                s->tblk[x][bl[a]] = s->nblocks[x];
                s->nblocks[x] *= sched_ntiles(n, s, bl[a]);
            }
        /* one block is the compact copy already (up to the slot's pitch); tblk stays
         * clear then (no loop moves a block) */
        s->tiled[x] = ok && s->nblocks[x] > 1;
        if (!s->tiled[x]) s->nblocks[x] = 0;
    }
}

void sched_block_box(const emb_nest *n, const sched *s, emb_operand x, int64_t blk, int64_t *lo, int64_t *f) {
    int64_t idx[EMB_MAX_LOOPS], start[EMB_MAX_LOOPS], cnt[EMB_MAX_LOOPS];
    for (int l = 0; l < n->nloops; l++) idx[l] = s->tblk[x][l] ? blk / s->tblk[x][l] % sched_ntiles(n, s, l) : 0;
    sched_tile_range(n, s, idx, start, cnt);
    sched_box(n, x, start, cnt, lo, f);
}


bool sched_is_reduction(const emb_nest *n, int l) { return n->loop[l].axis[EMB_ACC] < 0; }
