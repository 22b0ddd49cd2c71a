/* cost_floor: what any program of an operator must spend on each VTA module, whatever
 * the embedding and schedule (see cost.h). The report's lower bound (bench_bounds,
 * DESIGN section 7) counts the GEMMs at full lanes and the compulsory bytes at one bus
 * beat each; this floor counts what the hardware charges, whatever the embedding:
 * - compute: the GEMM iterations that sum every output's products in bounds, at most
 *   BLOCK_IN per output and iteration (op_lane_steps: e.g. a 3x3 conv of one channel
 *   needs one iteration per 16 outputs, not 9/256 of one per output; a generic affine
 *   op counts none; the box variant counts every point of the iteration box, padding
 *   included, as every embedding computes it). Every ACC row that holds outputs is
 *   initialized (a reset GEMM, a LOAD ACC or, with a bias, a reset and an ALU ADD) and
 *   requantized by ALU ops (the SHR steps, MAX and MIN unless the accumulator's range
 *   makes them no-ops), one row per iteration; the fewest rows is
 *   ceil(outputs / (BATCH x BLOCK_OUT));
 * - load / store: the bytes read or written at least once, in beats, plus the DRAM
 *   latency of every burst, a burst holding at most min(max_burst_beats,
 *   burst_boundary / bus) beats.
 * Fixed start-up cycles per instruction are left out, so it stays a floor. Assumes ACC
 * does not start zeroed (true of the hardware; codegen never relies on it). */
#include "vta/cost.h"

#include <stdlib.h>

#include "core/es.h"

/* Cycles of the DMA of `bytes` bytes on one module: beats plus a latency per burst. */
static int64_t dma_floor(const hw_config *hw, int64_t bytes) {
    int64_t bus = hw_bus_bytes(hw), kb = hw->burst_boundary / bus;
    if (kb < 1) kb = 1;
    int64_t per_burst = (kb < hw->max_burst_beats ? kb : hw->max_burst_beats) * bus;
    return es_ceil_div(bytes, bus) + es_ceil_div(bytes, per_burst) * hw->dram_latency;
}

/* Does the clip op (MAX with lo, or MIN with hi) change some accumulator value? The
 * accumulator holds a sum of reduction-size int8 x int8 products (and a bias of any
 * int32 value), shifted right arithmetically. */
static void clip_ops(const op *o, bool *need_max, bool *need_min) {
    if (o->rq.bias) {
        *need_max = *need_min = true;
        return;
    }
    int64_t red = op_reduction_size(o);
    /* products lie in [-128 x 127, 128 x 128]; beyond 2^40 the range proves nothing anyway */
    if (red > ((int64_t)1 << 26)) {
        *need_max = *need_min = true;
        return;
    }
    int64_t lo = 16256 * red, hi = 16384 * red; /* acc in [-lo, hi] */
    int s = o->rq.shift;
    int64_t lo_s = -((lo + ((int64_t)1 << s) - 1) >> s), hi_s = hi >> s; /* floor(-lo / 2^s), floor(hi / 2^s) */
    int64_t clo = o->rq.relu && o->rq.clip_lo < 0 ? 0 : o->rq.clip_lo;
    *need_max = lo_s < clo;
    *need_min = hi_s > o->rq.clip_hi;
}

void cost_floor_op_of(const op *o, int64_t block_in, cost_floor_op *fo) {
    fo->block_in = block_in;
    fo->steps = op_lane_steps(o, block_in, false);
    fo->box_steps = op_lane_steps(o, block_in, true);
    fo->macs = op_macs(o);
    fo->outputs = op_outputs(o);
    fo->touched_in = op_touched_elems(o, OP_IN);
    fo->touched_wt = op_touched_elems(o, OP_WT);
    clip_ops(o, &fo->need_max, &fo->need_min);
}

void cost_vta_floor_of(const op *o, const cost_floor_op *fo, const hw_config *hw, cost_floor *f) {
    if (fo->block_in != hw_block_in(hw)) abort(); /* the caller's table is for another width */
    /* an iteration sums at most BLOCK_IN products into each of BATCH x BLOCK_OUT slots */
    int64_t slots = hw_batch(hw) * hw_block_out(hw), g = hw->gemm_iter_cycles;
    int64_t steps = fo->steps, bsteps = fo->box_steps;
    int64_t full = es_ceil_div(fo->macs, slots * hw_block_in(hw));
    f->gemm = steps < 0 ? 0 : es_ceil_div(steps, slots) * g;
    f->gemm_box = (bsteps < 0 ? full : es_ceil_div(bsteps, slots)) * g;
    f->acc_rows = es_ceil_div(fo->outputs, hw_batch(hw) * hw_block_out(hw));
    /* ACC init: per row a reset GEMM (plus an ALU ADD of the bias), or LOAD ACC of the
     * rows (zeros or the bias) at a beat per bus width of their bytes; rows may mix the
     * two, so the cheaper for all rows is the floor */
    int64_t acc_row_bytes = hw_batch(hw) * hw_block_out(hw) * (((int64_t)1 << hw->log_acc_width) / 8);
    int64_t by_gemm = f->acc_rows * (hw->gemm_iter_cycles + (o->rq.bias ? hw->alu_reg_cycles : 0));
    int64_t by_load = es_ceil_div(f->acc_rows * acc_row_bytes, hw_bus_bytes(hw));
    f->init = by_gemm < by_load ? by_gemm : by_load;
    f->alu_per_row = (o->rq.shift + 14) / 15 + fo->need_max + fo->need_min; /* SHR steps of at most 15 */
    int64_t rows = f->init + f->acc_rows * f->alu_per_row * hw->alu_imm_cycles;
    f->compute = f->gemm + rows;
    f->compute_box = f->gemm_box + rows;
    int64_t in_b = ((int64_t)1 << hw->log_inp_width) / 8, wt_b = ((int64_t)1 << hw->log_wgt_width) / 8;
    f->load_bytes = fo->touched_in * in_b + fo->touched_wt * wt_b;
    f->store_bytes = fo->outputs;
    f->load = dma_floor(hw, f->load_bytes);
    f->store = dma_floor(hw, f->store_bytes);
    int64_t dma = f->load > f->store ? f->load : f->store;
    f->cycles = f->compute > dma ? f->compute : dma;
    f->cycles_box = f->compute_box > dma ? f->compute_box : dma;
}

void cost_vta_floor(const op *o, const hw_config *hw, cost_floor *f) {
    cost_floor_op fo;
    cost_floor_op_of(o, hw_block_in(hw), &fo);
    cost_vta_floor_of(o, &fo, hw, f);
}
