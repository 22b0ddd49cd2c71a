/* dma: box -> 2-D strided LOAD/STORE instructions (see dma.h). The box is reduced to a
 * list of "dims" (innermost first): axes of extent 1 only move the start addresses,
 * neighbouring dims that are contiguous in both DRAM and SRAM are merged, then
 * dims[0] is x, dims[1] is y and the rest are looped. Padding only ever sits on x or y
 * (the scheduler strips only the two innermost axes of a footprint, and merging and
 * dropping only move axes inward). */
#include "vta/dma.h"

#include <string.h>

#include "vta/hw.h"

typedef struct dma_dim {
    int64_t n, pad_lo, pad_hi, d, s;
} dma_dim;

static int64_t dim_f(const dma_dim *d) { return d->pad_lo + d->n + d->pad_hi; }

static bool emit_one(const lower_dma_box *b, lower_dma_emit_fn emit, void *ctx, int64_t sram,
                     int64_t dram, int64_t y_size, int64_t x_size, int64_t x_stride,
                     int64_t ypl, int64_t yph, int64_t xpl, int64_t xph, status *st) {
    if (sram < 0 || sram > VTA_MAX_SRAM_BASE || dram < 0 || dram > VTA_MAX_DRAM_BASE || y_size > VTA_MAX_SIZE ||
        x_size > VTA_MAX_SIZE || x_stride > VTA_MAX_SIZE || x_stride < 0 || ypl > VTA_MAX_PAD || yph > VTA_MAX_PAD ||
        xpl > VTA_MAX_PAD || xph > VTA_MAX_PAD)
        return status_fail(st, "DMA fields out of range (sram %lld dram %lld y %lld x %lld stride %lld)",
                           (long long)sram, (long long)dram, (long long)y_size, (long long)x_size,
                           (long long)x_stride);
    if (!emit) return true;
    vta_insn in;
    if (b->store)
        in = vta_store((uint32_t)sram, (uint32_t)dram, (uint32_t)y_size, (uint32_t)x_size, (uint32_t)x_stride);
    else
        in = vta_load(b->mem_type, (uint32_t)sram, (uint32_t)dram, (uint32_t)y_size, (uint32_t)x_size,
                      (uint32_t)x_stride);
    in.y_pad_0 = (uint32_t)ypl;
    in.y_pad_1 = (uint32_t)yph;
    in.x_pad_0 = (uint32_t)xpl;
    in.x_pad_1 = (uint32_t)xph;
    emit(ctx, &in);
    return true;
}

bool lower_dma_plan(const lower_dma_box *b, lower_dma_emit_fn emit, void *ctx,
                    lower_dma_stats *stats, status *st) {
    memset(stats, 0, sizeof *stats);
    bool all_zero = false;
    for (int a = 0; a < b->naxes; a++)
        if (b->ax[a].f - b->ax[a].pad_lo - b->ax[a].pad_hi <= 0) all_zero = true;
    if (all_zero && b->zero_base < 0)
        return status_fail(st, "an all-zero box needs a zero area in DRAM");

    /* Start addresses and dims, innermost first. An all-zero box reads the zero area
     * with DRAM strides equal to the SRAM strides (so it stays inside the area). */
    int64_t sram = b->sram_base, dram = all_zero ? b->zero_base : b->dram_base;
    dma_dim dim[EMB_MAX_LAXES + 2];
    int nd = 0;
    for (int a = b->naxes - 1; a >= 0; a--) {
        const lower_dma_axis *x = &b->ax[a];
        sram += x->sram_off * x->sram_stride;
        if (!all_zero) dram += x->dram_c * x->dram_stride;
        if (x->f <= 1) continue;
        dma_dim d = {x->f - x->pad_lo - x->pad_hi, x->pad_lo, x->pad_hi, x->dram_stride, x->sram_stride};
        if (all_zero) d = (dma_dim){x->f, 0, 0, x->sram_stride, x->sram_stride};
        dim[nd++] = d;
    }
    /* Merge contiguous neighbours (no padding on either). */
    for (int i = 0; i + 1 < nd;) {
        dma_dim *p = &dim[i], *q = &dim[i + 1];
        if (p->pad_lo == 0 && p->pad_hi == 0 && q->pad_lo == 0 && q->pad_hi == 0 && q->d == p->n * p->d &&
            q->s == p->n * p->s) {
            p->n *= q->n;
            memmove(&dim[i + 1], &dim[i + 2], (size_t)(nd - i - 2) * sizeof dim[0]);
            nd--;
        } else {
            i++;
        }
    }
    /* x must be contiguous in DRAM and SRAM; otherwise single elements. */
    if (nd == 0 || dim[0].d != 1 || dim[0].s != 1) {
        memmove(&dim[1], &dim[0], (size_t)nd * sizeof dim[0]);
        dim[0] = (dma_dim){1, 0, 0, 1, 1};
        nd++;
    }
    if (nd == 1) dim[nd++] = (dma_dim){1, 0, 0, dim[0].n, dim_f(&dim[0])};
    for (int i = 2; i < nd; i++)
        if (dim[i].pad_lo || dim[i].pad_hi) return status_fail(st, "padding on a looped DMA axis");
    const dma_dim *x = &dim[0], *y = &dim[1];
    /* STORE has no pad fields; WGT loads must not use them (the HLS design ignores
     * them and packs the rows back to back, see vta/port.h). */
    bool no_pad = b->store || b->mem_type == HW_MEM_WGT;
    if (no_pad && (x->pad_lo || x->pad_hi || y->pad_lo || y->pad_hi))
        return status_fail(st, "%s cannot pad", b->store ? "STORE" : "LOAD WGT");
    if (x->pad_lo > VTA_MAX_PAD || x->pad_hi > VTA_MAX_PAD || y->pad_lo > VTA_MAX_PAD || y->pad_hi > VTA_MAX_PAD)
        return status_fail(st, "DMA padding over %lld", (long long)VTA_MAX_PAD);

    int64_t combos = 1, span = 0; /* outer combinations; max SRAM offset of an outer combo */
    for (int i = 2; i < nd; i++) {
        combos *= dim[i].n;
        span += (dim[i].n - 1) * dim[i].s;
    }
    for (int i = 1; i < nd; i++)
        if (dim[i].n > 1) stats->row_gcd = es_gcd_i64(stats->row_gcd, dim[i].d);
    int64_t row_len = dim_f(x), yf = dim_f(y);
    int64_t extra = y->s - row_len;
    bool two_d = extra >= 0 && x->pad_hi + extra <= VTA_MAX_PAD && y->d <= VTA_MAX_SIZE &&
                 y->n <= VTA_MAX_SIZE && x->n <= VTA_MAX_SIZE && sram >= b->sram_lo &&
                 sram + span + yf * y->s <= b->sram_hi;
    if (no_pad && extra != 0) two_d = false;
    if (yf == 1) { /* one row: no pitch constraint */
        two_d = sram >= b->sram_lo && sram + span + row_len <= b->sram_hi;
        extra = 0;
    }
    if (two_d) {
        stats->insns = combos;
        stats->rows = combos * y->n;
        stats->elems = combos * y->n * x->n;
        stats->pad_elems = combos * (yf * (row_len + extra) - y->n * x->n);
    } else {
        int64_t zrows = y->pad_lo + y->pad_hi;
        if (zrows && b->zero_base < 0) return status_fail(st, "zero rows need a zero area in DRAM");
        stats->insns = combos * yf;
        stats->rows = combos * yf;
        stats->elems = combos * (y->n * x->n + zrows * row_len);
        stats->pad_elems = combos * y->n * (x->pad_lo + x->pad_hi);
        if (sram < b->sram_lo || sram + span + (yf - 1) * y->s + row_len > b->sram_hi)
            return status_fail(st, "DMA box outside its SRAM slot");
    }
    if (!emit) {
        /* Check the field ranges once for the extreme instruction. */
        return emit_one(b, NULL, NULL, sram + span + (two_d ? 0 : (yf - 1) * y->s), dram, two_d ? y->n : 1,
                        x->n, two_d ? y->d : row_len, two_d ? y->pad_lo : 0, two_d ? y->pad_hi : 0,
                        x->pad_lo, x->pad_hi + (two_d ? extra : 0), st);
    }
    int64_t idx[EMB_MAX_LAXES + 2] = {0};
    for (int64_t c = 0; c < combos; c++) {
        int64_t so = sram, dof = dram;
        for (int i = 2; i < nd; i++) {
            so += idx[i] * dim[i].s;
            dof += idx[i] * dim[i].d;
        }
        if (two_d) {
            if (!emit_one(b, emit, ctx, so, dof, y->n, x->n, y->n > 1 ? y->d : x->n, y->pad_lo, y->pad_hi,
                          x->pad_lo, x->pad_hi + extra, st))
                return false;
        } else {
            for (int64_t r = 0; r < yf; r++) {
                int64_t srow = so + r * y->s;
                bool ok;
                if (r < y->pad_lo || r >= y->pad_lo + y->n) {
                    if (row_len > b->zero_elems) return status_fail(st, "zero area too small");
                    ok = emit_one(b, emit, ctx, srow, b->zero_base, 1, row_len, row_len, 0, 0, 0, 0, st);
                } else {
                    ok = emit_one(b, emit, ctx, srow, dof + (r - y->pad_lo) * y->d, 1, x->n, x->n, 0, 0,
                                  x->pad_lo, x->pad_hi, st);
                }
                if (!ok) return false;
            }
        }
        for (int i = 2; i < nd; i++) {
            if (++idx[i] < dim[i].n) break;
            idx[i] = 0;
        }
    }
    return true;
}

double lower_dma_cycles(const hw_config *hw, const lower_dma_box *b, const lower_dma_stats *s) {
    double eb = (double)hw_elem_bytes(hw, (hw_mem)b->mem_type);
    double bus = (double)hw_bus_bytes(hw);
    double startup = b->store ? hw->store_startup : hw->load_startup;
    double row_bytes = s->rows ? (double)s->elems * eb / (double)s->rows : 0;
    double burst = (double)hw->max_burst_beats * bus;
    if (burst > hw->burst_boundary) burst = hw->burst_boundary;
    double bursts_per_row = row_bytes > burst ? row_bytes / burst + 1.0 : 1.0;
    return (double)s->insns * startup + (double)s->rows * bursts_per_row * hw->dram_latency +
           (double)s->elems * eb / bus + (double)s->pad_elems * eb / bus;
}
