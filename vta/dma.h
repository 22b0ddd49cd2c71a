/* dma: decomposes the copy of one footprint box (a box of layout-axis values, stored in
 * SRAM with fixed per-axis strides) into VTA's 2-D strided LOAD/STORE instructions.
 * The innermost box axis becomes x (x_size, contiguous in DRAM), the next one y
 * (y_size, x_stride), the rest are looped. Axes whose zero padding is produced by the
 * DMA ("stripped": not present in the DRAM copy; INP only) get x_pad/y_pad. LOAD WGT
 * never carries pads (the HLS design ignores them, vta/port.h): a WGT row shorter than
 * its SRAM pitch is copied one row per instruction. Rows that the
 * 2-D form cannot express (pitch mismatch of partial tiles, strides over 16 bits) are
 * copied one row per instruction, and all-zero rows come from a zero area in DRAM.
 * The same code counts (for the cost model) and emits (for code generation), so both
 * always agree. Invariant: every emitted instruction's fields fit their ISA widths and
 * writes stay inside [sram_lo, sram_hi). */
#ifndef EMBEDSYN_VTA_DMA_H
#define EMBEDSYN_VTA_DMA_H

#include <stdbool.h>
#include <stdint.h>

#include "core/emb.h"
#include "core/status.h"
#include "vta/isa.h"

typedef struct lower_dma_axis {
    int64_t f;            /* box extent along the axis (values, including padding) */
    int64_t pad_lo, pad_hi; /* leading / trailing zero values made by DMA padding */
    int64_t dram_c;       /* DRAM coordinate of the first data value */
    int64_t dram_stride;  /* DRAM elements per step of the axis */
    int64_t sram_off;     /* SRAM position of the box's first value along the axis */
    int64_t sram_stride;  /* SRAM rows per step of the axis */
} lower_dma_axis;

typedef struct lower_dma_box {
    int32_t naxes;                      /* outermost first */
    lower_dma_axis ax[EMB_MAX_LAXES];
    uint32_t mem_type;                  /* hw_mem */
    bool store;                         /* STORE (no padding; SRAM pitch = x_size) */
    int64_t sram_base;                  /* SRAM row of position 0 of the slot */
    int64_t sram_lo, sram_hi;           /* rows the copy may write (the slot) */
    int64_t dram_base;                  /* DRAM element index of coordinate 0 */
    int64_t zero_base;                  /* DRAM element index of a zero area, or -1 */
    int64_t zero_elems;                 /* its size in elements */
} lower_dma_box;

typedef struct lower_dma_stats {
    int64_t insns;        /* instructions */
    int64_t rows;         /* DRAM rows (burst sequences) */
    int64_t elems;        /* elements moved from/to DRAM */
    int64_t pad_elems;    /* zero elements written by padding */
    int64_t row_gcd;      /* gcd of the DRAM strides (elements) between the copy's row
                           * starts; 0 when every row starts at the same address */
} lower_dma_stats;

typedef void (*lower_dma_emit_fn)(void *ctx, const vta_insn *in);

/* Decompose box b. emit may be NULL (count only, in O(number of axes)). False with a
 * message if the box cannot be expressed (padding on a looped axis, a pad over 15, a
 * run over 16 bits, an all-zero row without a zero area). */
bool lower_dma_plan(const lower_dma_box *b, lower_dma_emit_fn emit, void *ctx,
                    lower_dma_stats *stats, status *st);

/* Estimated cycles of the copy from its statistics (startup, DRAM latency per row,
 * bus beats, padding). */
double lower_dma_cycles(const hw_config *hw, const lower_dma_box *b, const lower_dma_stats *s);

#endif
