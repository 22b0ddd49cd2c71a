/* sched_tile: the schedule record (tile sizes, order, buffering and what sched_derive
 * derives from them) and its tile geometry (sched_tile.c): tiles per loop, ping-pong
 * slots, tile footprints and DMA boxes. Apart from sched.h so the cost model (vta/cost)
 * reads schedules without including the search that calls it (no include circle).
 * See sched.h for the tile model and its invariant. */
#ifndef EMBEDSYN_VTA_SCHED_TILE_H
#define EMBEDSYN_VTA_SCHED_TILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/emb.h"
#include "core/status.h"
#include "vta/dma.h"
#include "vta/hw.h"

/* sched.tiled_ok: which operands' DRAM copies may be tiled (sched_tiled_weights). */
#define SCHED_TILED_INP (1u << EMB_INP)
#define SCHED_TILED_WGT (1u << EMB_WGT)

/* ISA field limits the schedule respects (widths in vta/isa.h). */
#define SCHED_MAX_ITER VTA_MAX_ITER   /* iter_out / iter_in */
#define SCHED_MAX_PAD VTA_MAX_PAD     /* y_pad / x_pad */

typedef struct sched {
    int32_t nloops;
    int64_t tile[EMB_MAX_LOOPS];    /* tile extent per nest loop (1..extent) */
    int32_t order[EMB_MAX_LOOPS];   /* tile visiting order, outermost first; output loops first */
    bool db_load;                   /* INP and WGT slots double-buffered (ping-pong) */
    bool db_acc;                    /* ACC/OUT slots double-buffered */
    bool reuse;                     /* skip loading an operand whose footprint did not change */
    bool keep_pad;                  /* INP's zero bands stay in its DRAM copy (no DMA padding):
                                     * fewer, longer DRAM rows for more bytes */
    bool strip[2][EMB_MAX_LAXES];   /* INP axes whose zero_lo/zero_hi come from DMA padding (WGT: never;
                                     * derived: the two innermost padded axes unless keep_pad) */
    bool bias_rel_known;            /* bias_rel is set: the bias may come from a small tile */
    bool bias_rel[EMB_MAX_LAXES];   /* ACC axes along which the bias changes */
    uint8_t tiled_ok;               /* INP / WGT (bit x, SCHED_TILED_*) whose DRAM copy may be
                                     * blocked by tiles (the op's weights: sched_tiled_weights) */

    /* Derived by sched_derive. */
    int32_t fold_out, fold_in;      /* loops folded into iter_out / iter_in, or -1 */
    int64_t pitch[3][EMB_MAX_LAXES];/* full-tile footprint extents per operand axis */
    int64_t slot_rows[3];           /* SRAM rows of one slot (= product of pitch) */
    int64_t stride[3][EMB_MAX_LOOPS];/* SRAM address advance per loop index, per operand */
    int64_t konst[3];               /* SRAM offset of the tile-local origin inside a slot */
    int64_t kernel_uops;            /* micro-ops of a full-tile kernel */
    int32_t nvariant_loops;         /* kernel loops whose last tile is partial */
    int32_t nkernels;               /* kernels generated: 2^nvariant_loops x slot combinations */
    int64_t uop_rows;               /* UOP buffer rows used (kernels + ACC-slot micro-ops) */
    /* Bias: with bias_alu a tile of the bias over the bias_rel axes is loaded into ACC
     * rows after the ACC slots and added by one ALU ADD per output tile (loop dims
     * bias_dim[i] = {count, dst stride, src stride}, innermost first: dims 0 and 1 are
     * iter_in/iter_out, the others micro-ops); otherwise LOAD ACC of the whole bias
     * box initializes the accumulators. */
    bool bias_alu;
    int64_t bias_rows, bias_uops;
    int32_t bias_ndims;
    int64_t bias_dim[EMB_MAX_LAXES][3];
    /* Tiled DRAM copy (tiled[x]): operand x's DRAM region is a sequence of blocks, each
     * the SRAM slot image of one tile box (slot_rows elements, zeros where a partial
     * box leaves rows), so a full box is one contiguous copy. Set when tiled_ok allows
     * it, no axis is stripped and the boxes of different tiles never overlap: every
     * layout axis is moved by at most one tiled loop, with a positive coefficient and
     * no overlap with the next tile's box. Blocks are in row-major order of the tile
     * indices of those loops: tblk[x][l] blocks between consecutive tiles of loop l
     * (0: l does not move the box), nblocks[x] in all. */
    bool tiled[2];
    int64_t tblk[2][EMB_MAX_LOOPS];
    int64_t nblocks[2];
    int64_t ntiles, nout_tiles;
    int64_t loads[2];               /* estimated INP / WGT tile loads */
    double est_cycles;              /* cost-model estimate of the whole program */
    double est_load, est_compute, est_store, est_fetch;
} sched;

/* True if loop l moves no accumulator axis (a reduction loop of the nest). */
bool sched_is_reduction(const emb_nest *n, int l);

/* Tiles of loop l, and ping-pong slots of operand x (INP/WGT: db_load, ACC: db_acc). */
static inline int64_t sched_ntiles(const emb_nest *n, const sched *s, int l) {
    return es_ceil_div(n->loop[l].extent, s->tile[l]);
}
static inline int sched_nslots(const sched *s, int x) {
    return x == EMB_ACC ? (s->db_acc ? 2 : 1) : (s->db_load ? 2 : 1);
}

/* The tile at idx (tile index per nest loop) as a box of loop indices: per loop its
 * first iteration and how many (the last tile of a loop may be partial). */
void sched_tile_range(const emb_nest *n, const sched *s, const int64_t *idx, int64_t *start, int64_t *cnt);

/* Footprint of operand x for the tile box (start, cnt): per layout axis the first value
 * lo and the extent f. */
void sched_box(const emb_nest *n, emb_operand x, const int64_t *start, const int64_t *cnt,
               int64_t *lo, int64_t *f);

/* The DMA box of operand x (INP, WGT, or ACC for the OUT store / bias load, mem says
 * which) for the tile box (start, cnt) in the SRAM slot starting at slot_base; DRAM
 * strides follow the compact DRAM copy (stripped zero values removed). dram_base and
 * zero_base are left for the caller (0 and -1). */
void sched_dma_box(const hw_config *hw, const emb_nest *n, const sched *s, emb_operand x, hw_mem mem,
                   bool store, const int64_t *start, const int64_t *cnt, int64_t slot_base,
                   lower_dma_box *b);
/* Extent of axis a of operand x in the compact DRAM copy (not tiled). */
int64_t sched_compact_extent(const emb_nest *n, const sched *s, emb_operand x, int a);
/* Elements of operand x's DRAM copy (INP / WGT: compact or tiled). */
int64_t sched_dram_elems(const emb_nest *n, const sched *s, emb_operand x);
/* DRAM elements between operand x's boxes of consecutive tiles of loop l (b: the DMA
 * box of any tile, for its DRAM strides). */
int64_t sched_dram_step(const emb_nest *n, const sched *s, emb_operand x, int l, const lower_dma_box *b);
/* Decides s->tiled, tblk and nblocks of INP and WGT from tiled_ok, the tiles, pitches
 * and strips (sched_derive calls it). */
void sched_plan_tiled(const emb_nest *n, sched *s);
/* The box (per layout axis first value lo and extent f) of block blk of tiled operand x. */
void sched_block_box(const emb_nest *n, const sched *s, emb_operand x, int64_t blk, int64_t *lo, int64_t *f);

#endif
