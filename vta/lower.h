/* lower: embedding + schedule -> VTA program (DESIGN section 4).
 *
 * Program shape. Regions "uop" (all micro-op kernels, loaded once), "inp" and "wgt"
 * (the packed operands in their compact DRAM copy: zero padding that the DMA produces
 * is left out), "bias" (int32, ACC layout; only with a bias), "out" (int8, ACC layout),
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

#endif
