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
#include "core/status.h"
#include "vta/dma.h"
#include "vta/hw.h"
#include "vta/sched_tile.h"


/* The cost plug (DESIGN section 6): fills the estimate fields (est_cycles, est_load,
 * est_compute, est_store, est_fetch, loads) of a schedule that sched_derive found legal;
 * false + status if it cannot be costed. The default is vta/cost's model
 * (cost_vta_plug); another model is swapped in through sched_opts.cost. */
typedef bool (*sched_cost_fn)(void *ctx, const op *o, const hw_config *hw, const emb_nest *n, sched *s,
                              status *st);

/* Where the input's zero bands may be (sched.keep_pad): EITHER, the faster (a climb from
 * each tile order's best stripped schedule), STRIP (the DMA pads), KEEP (in DRAM). */
typedef enum { SCHED_PAD_EITHER, SCHED_PAD_STRIP, SCHED_PAD_KEEP } sched_pad;

/* Restrictions of the search (the reference strategy uses them to stay inside TVM's
 * VTA conv2d/dense template). */
typedef struct sched_opts {
    bool divisors_only;             /* tile sizes divide the loop extent (TVM's split knobs) */
    bool full[EMB_MAX_LOOPS];       /* loops that must not be tiled */
    bool fixed_order;               /* visit output loops in nest order, no reordering */
    bool reuse;                     /* allow skipping unchanged loads */
    bool tile_weights;              /* the op's weights' DRAM copy (WGT, INP under operand swap)
                                     * may be tiled (sched.tiled; needs e; default true) */
    sched_pad pad;                  /* INP's zero bands in DRAM (sched.keep_pad): the faster of
                                     * both (default), always stripped, or always kept */
    bool exhaustive;                /* enumerate all combinations (else hill climbing) */
    int64_t max_evals;              /* evaluation budget of the exhaustive search (0: default) */
    const emb *e;                   /* the embedding (lets a bias be added from a small tile), or NULL */
    sched_cost_fn cost;             /* the cost model ranking schedules; NULL: cost_vta_plug */
    void *cost_ctx;                 /* its context */
    bool vta_bound;                 /* the plug returns cost_vta_plug's figures (always so with
                                     * cost NULL): a schedule whose cost_vta_compute_bound cannot
                                     * beat what it would have to is not costed (the same result) */
} sched_opts;

void sched_opts_init(sched_opts *o);

/* sched.tiled_ok of the op's weights under embedding e: the weights are static, laid
 * out once on the host in any order; the activation keeps the embedding's layout
 * (its producer writes it in a network). */
uint8_t sched_tiled_weights(const emb *e);

/* ACC layout axes along which the bias of o (rq.bias_axis) changes under embedding e. */
void sched_bias_axes(const op *o, const emb *e, const emb_nest *n, bool *rel);

/* Fills the derived fields of s from tile/order/db/reuse/strip and costs it with the
 * default model; false (with a message) when the schedule does not fit the hardware. */
bool sched_derive(const op *o, const hw_config *hw, const emb_nest *n, sched *s, status *st);
/* The same without costing (the estimate fields are left as they are). */
bool sched_derive_geometry(const op *o, const hw_config *hw, const emb_nest *n, sched *s, status *st);

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

/* A schedule saved as one space-free token (what defines it: tile sizes, order, the
 * buffering, padding and tiling flags and the bias axes; sched_derive makes the rest),
 * e.g. "t4.7.1.3;o0.1.2.3;f1101;w2;b-", and loaded back for the same (o, hw, n): the
 * same schedule with sched_search_top's estimate (the exact model), so the same program
 * (tests/test_port.c). A text that does not parse, or a schedule that does not fit (a
 * stale file), is an error. */
#define SCHED_TEXT_MAX 256
void sched_save(const sched *s, char *buf, size_t len);
/* The token's own fields (tile, order, flags, bias axes; nothing derived): a parse
 * error is a status. sched_load is this, sched_derive and the exact estimate. */
bool sched_parse(const char *text, int nloops, sched *s, status *st);
bool sched_load(const char *text, const op *o, const hw_config *hw, const emb_nest *n, sched *s, status *st);

/* One-line description ("tiles k=4 y=7 ... order ... db") of a schedule. */
void sched_describe(const op *o, const emb_nest *n, const sched *s, char *buf, size_t len);

#endif
