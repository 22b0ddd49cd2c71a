/* sched: the schedule of an embedding's loop nest on VTA (DESIGN section 4): per-loop
 * tile sizes, the order in which tiles are visited (loops that move the accumulator,
 * "output loops", outside; reduction loops inside, so an ACC tile stays resident over
 * its whole reduction), double buffering, the two loops folded into a GEMM's
 * iter_out/iter_in, and which input-layout axes get their zero padding from the DMA.
 *
 * Tile model. A tile is a box of loop indices [start_l, start_l + cnt_l). Its footprint
 * in an operand layout is, per layout axis, the range of base + sum coef_l * t_l over
 * the box; it is stored densely in SRAM with the *full-tile* extents ("pitch") so that
 * the SRAM address of an instance is tile-independent:
 *     sram_X(t) = slot_base + konst_X + sum_l stride_X[l] * (t_l - start_l).
 * The micro-op kernel of a tile enumerates every tile loop except the two folded ones,
 * so one GEMM instruction computes one tile.
 *
 * Invariant: a schedule that passed sched_derive fits every buffer (INP/WGT/ACC slots,
 * UOP kernels) and every ISA field it will be encoded into; sched_search is
 * deterministic (same nest and hardware -> same schedule). */
#ifndef EMBEDSYN_VTA_SCHED_H
#define EMBEDSYN_VTA_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/emb.h"
#include "core/hw.h"
#include "core/status.h"
#include "vta/dma.h"

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
    bool strip[2][EMB_MAX_LAXES];   /* INP axes whose zero_lo/zero_hi come from DMA padding (WGT: never) */
    bool bias_rel_known;            /* bias_rel is set: the bias may come from a small tile */
    bool bias_rel[EMB_MAX_LAXES];   /* ACC axes along which the bias changes */

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
    int64_t ntiles, nout_tiles;
    int64_t loads[2];               /* estimated INP / WGT tile loads */
    double est_cycles;              /* cost-model estimate of the whole program */
    double est_load, est_compute, est_store, est_fetch;
} sched;

/* The cost plug (DESIGN section 6): fills the estimate fields (est_cycles, est_load,
 * est_compute, est_store, est_fetch, loads) of a schedule that sched_derive found legal;
 * false + status if it cannot be costed. The default is vta/cost's model
 * (cost_vta_plug); another model is swapped in through sched_opts.cost. */
typedef bool (*sched_cost_fn)(void *ctx, const op *o, const hw_config *hw, const emb_nest *n, sched *s,
                              status *st);

/* Restrictions of the search (the reference strategy uses them to stay inside TVM's
 * VTA conv2d/dense template). */
typedef struct sched_opts {
    bool divisors_only;             /* tile sizes divide the loop extent (TVM's split knobs) */
    bool full[EMB_MAX_LOOPS];       /* loops that must not be tiled */
    bool fixed_order;               /* visit output loops in nest order, no reordering */
    bool reuse;                     /* allow skipping unchanged loads */
    bool exhaustive;                /* enumerate all combinations (else hill climbing) */
    int64_t max_evals;              /* evaluation budget of the exhaustive search (0: default) */
    const emb *e;                   /* the embedding (lets a bias be added from a small tile), or NULL */
    sched_cost_fn cost;             /* the cost model ranking schedules; NULL: cost_vta_plug */
    void *cost_ctx;                 /* its context */
} sched_opts;

void sched_opts_init(sched_opts *o);

/* True if loop l moves no accumulator axis (a reduction loop of the nest). */
bool sched_is_reduction(const emb_nest *n, int l);

/* ACC layout axes along which the bias of o (rq.bias_axis) changes under embedding e. */
void sched_bias_axes(const op *o, const emb *e, const emb_nest *n, bool *rel);

/* Fills the derived fields of s from tile/order/db/reuse/strip and costs it with the
 * default model; false (with a message) when the schedule does not fit the hardware. */
bool sched_derive(const op *o, const hw_config *hw, const emb_nest *n, sched *s, status *st);
/* The same without costing (the estimate fields are left as they are). */
bool sched_derive_geometry(const op *o, const hw_config *hw, const emb_nest *n, sched *s, status *st);

/* Tiles of loop l, and ping-pong slots of operand x (INP/WGT: db_load, ACC: db_acc). */
static inline int64_t sched_ntiles(const emb_nest *n, const sched *s, int l) {
    return es_ceil_div(n->loop[l].extent, s->tile[l]);
}
static inline int sched_nslots(const sched *s, int x) {
    return x == EMB_ACC ? (s->db_acc ? 2 : 1) : (s->db_load ? 2 : 1);
}

/* The legal schedule of lowest estimated cycles under the options. */
bool sched_search(const op *o, const hw_config *hw, const emb_nest *n, const sched_opts *opt,
                  sched *s, status *st);

/* The schedule is chosen by simulation among a few candidates (DESIGN section 4):
 * out[0] = sched_search's schedule, then the other legal schedules the same search
 * evaluated, by increasing estimate (ties: first evaluated first), without
 * duplicates; at most k (1..SCHED_MAX_TOP). Returns how many, 0 + status if none fits.
 * Deterministic like sched_search. */
#define SCHED_MAX_TOP 16
int sched_search_top(const op *o, const hw_config *hw, const emb_nest *n, const sched_opts *opt, int k,
                     sched *out, status *st);

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
/* Extent of axis a of operand x in the compact DRAM copy. */
int64_t sched_compact_extent(const emb_nest *n, const sched *s, emb_operand x, int a);

/* One-line description ("tiles k=4 y=7 ... order ... db") of a schedule. */
void sched_describe(const op *o, const emb_nest *n, const sched *s, char *buf, size_t len);

#endif
