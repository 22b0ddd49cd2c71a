/* lower: embedding + schedule -> VTA program (DESIGN section 4).
 *
 * Program shape. Regions "uop" (all micro-op kernels, loaded once), "inp" and "wgt"
 * (the packed operands in their DRAM copy: compact, i.e. row-major without the zero
 * padding that the DMA produces, or tiled, one slot image per tile box, sched.tiled),
 * "bias" (int32, ACC layout; only with a bias), "out" (int8, ACC layout),
 * and small all-zero areas "zinp"/"zwgt" for boxes that lie wholly in padding.
 * Tiles are visited in the schedule's order; per output tile: reset GEMM (plus, with a
 * bias, LOAD ACC of the bias tile when it changed; without a bias plan LOAD ACC of the
 * whole bias box replaces the reset), per tile a load batch (INP/WGT boxes that
 * changed, into the next ping-pong slot) and one GEMM, then the ALU epilogue (ADD of
 * the bias tile, SHR, MAX, MIN) and the STORE.
 *
 * Dependency protocol (each wait targets an instruction earlier in the stream, so no
 * deadlock with any queue depth, and every queue ends empty):
 *   load batch b >= D pops compute->load (D = 2 with INP/WGT ping-pong, else 1);
 *   the last GEMM of the tiles served by batch b pushes it, for b <= B-1-D;
 *   each batch pushes load->compute, popped by the first GEMM of its tile;
 *   output tile q >= Dacc pops store->compute on its first instruction; the store of
 *   tile q pushes it for q <= Q-1-Dacc and for q = Q-1 (popped by FINISH);
 *   the last ALU of tile q pushes compute->store, popped by the tile's first STORE.
 * Invariant: the GEMM micro-op iterations of the program equal the nest's instances,
 * each instance computed once (checked while generating). */
#ifndef EMBEDSYN_VTA_LOWER_H
#define EMBEDSYN_VTA_LOWER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/emb.h"
#include "core/es.h"
#include "core/op.h"
#include "core/status.h"
#include "vta/hw.h"
#include "vta/prog.h"
#include "vta/sched.h"

typedef struct lower_stats {
    int64_t insns, gemm_iters, tiles, out_tiles, batches, dmas;
} lower_stats;

/* Generates the program of (o, e, n) under schedule s into a fresh vta_prog (regions
 * added and zero-filled, instructions added, not yet finalized). */
bool lower_codegen(const op *o, const hw_config *hw, const emb *e, const emb_nest *n, const sched *s,
                   vta_prog **out, lower_stats *ls, status *st);

/* After finalize: copy the packed operands (emb_pack layouts, full extents) into the
 * compact "inp"/"wgt" regions and the packed bias (emb_pack_bias) into "bias". */
bool lower_write_inputs(vta_prog *p, const hw_config *hw, const emb_nest *n, const sched *s, const int8_t *inp,
                        const int8_t *wgt, const int32_t *bias_acc, status *st);
/* The "out" region (ACC layout, OUT elements) of a finalized program. */
const int8_t *lower_out_data(vta_prog *p, int64_t *bytes);

/* Network programs (vta/netprog.h): one layer's code placed into a shared program.
 * The regions lower_codegen adds, in its order (zinp/zwgt only with stripped
 * operands, bias only with a bias). */
#define LOWER_REGIONS(X)                                                                  \
    X(LOWER_R_UOP, "uop") X(LOWER_R_INP, "inp") X(LOWER_R_ZINP, "zinp") X(LOWER_R_WGT, "wgt") \
    X(LOWER_R_ZWGT, "zwgt") X(LOWER_R_BIAS, "bias") X(LOWER_R_OUT, "out")
typedef enum { LOWER_REGIONS(ES_ID2) LOWER_NREGIONS } lower_region;
const char *lower_region_name(lower_region r);

typedef struct lower_region_spec {
    bool used;
    hw_mem kind;
    uint64_t bytes;
    char shape[96];
    char layout[160];
} lower_region_spec;

/* What lower_codegen would add for (o, e, n, s) (zero-filled; uop written by codegen). */
void lower_region_specs(const op *o, const hw_config *hw, const emb *e, const emb_nest *n, const sched *s,
                        lower_region_spec spec[LOWER_NREGIONS]);

/* Where lower_codegen_at puts a layer: region indices in the program (-1 exactly where
 * the spec is unused; each at least the spec's bytes, of its kind) and its place in
 * the stream. chain: the layer follows another layer's code whose FINISH was left out:
 * its LOAD UOP pops the store->compute token of that layer's last STORE (so every
 * STORE of the previous layer, and with it every DRAM write the next loads may read,
 * is done before this layer computes) and pushes compute->load, popped by this
 * layer's first load batch (so no LOAD overwrites INP/WGT rows the previous layer's
 * GEMMs still read). finish: end with FINISH; else the last STORE's token is left for
 * the next chained layer. Every queue is empty after a layer with finish. */
typedef struct lower_at {
    int region[LOWER_NREGIONS];
    bool chain, finish;
    /* Optional: called for every STORE of the layer's outputs, may push more STOREs
     * (the same OUT rows written elsewhere too: a consumer's layout); they join the
     * STORE group, so the group's tokens cover them. */
    void (*also_store)(void *ctx, const vta_insn *store, void (*push)(void *buf, const vta_insn *in), void *buf);
    void *store_ctx;
} lower_at;

/* lower_codegen into an existing program at the given regions (the uop region is
 * written, the others are the caller's); instructions appended. */
bool lower_codegen_at(const op *o, const hw_config *hw, const emb *e, const emb_nest *n, const sched *s,
                      vta_prog *p, const lower_at *at, lower_stats *ls, status *st);
/* Copies the full layout `src` of operand x (elements of eb bytes; any element type,
 * e.g. index maps) into its DRAM form `dst` (sched_dram_elems elements: compact or
 * tiled; lower_write_inputs' copy). */
void lower_dram_copy(const emb_nest *n, const sched *s, emb_operand x, int64_t eb, const void *src, void *dst);
/* The packed bias (emb_pack_bias, n->lay[EMB_ACC].elems ACC elements) as DRAM bytes. */
void lower_bias_bytes(const hw_config *hw, const emb_nest *n, const int32_t *bias_acc, uint8_t *dst);

#endif
