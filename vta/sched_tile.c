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
}


bool sched_is_reduction(const emb_nest *n, int l) { return n->loop[l].axis[EMB_ACC] < 0; }
