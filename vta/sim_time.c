/* sim_time: durations of VTA instructions under the simulator's timing model (the model
 * itself is documented at the top of sim.c): DMA rows split into bursts, padding beats,
 * start-up costs and per-iteration GEMM/ALU cycles, all from hw_config.
 * Invariant: a duration depends only on the instruction and the config (never on data),
 * which is what makes functional and timing-only runs take identical cycles. */
#include "vta/sim_int.h"

static bool sim_add(uint64_t *acc, uint64_t v) { return !__builtin_add_overflow(*acc, v, acc); }

/* Cycles of one DMA row of bytes [a, a + len): bursts * latency + beats. Beats are
 * bus-aligned; a burst holds at most max_burst_beats and never crosses a multiple of
 * boundary_beats = max(1, burst_boundary / bus_bytes) beats. O(1): the first and last
 * boundary chunks are partial, the ones in between split identically. */
static uint64_t sim_row_cycles(const hw_config *hw, uint64_t a, uint64_t len) {
    uint64_t bus = (uint64_t)hw_bus_bytes(hw);
    uint64_t b0 = a / bus, b1 = (a + len + bus - 1) / bus, n = b1 - b0;
    uint64_t kb = (uint64_t)hw->burst_boundary / bus, mb = (uint64_t)hw->max_burst_beats;
    if (kb == 0)
        kb = 1;
    uint64_t c0 = b0 / kb, c1 = (b1 - 1) / kb, bursts;
    if (c0 == c1) {
        bursts = (n + mb - 1) / mb;
    } else {
        uint64_t first = kb - b0 % kb, lastn = (b1 - 1) % kb + 1;
        bursts = (first + mb - 1) / mb + (lastn + mb - 1) / mb + (c1 - c0 - 1) * ((kb + mb - 1) / mb);
    }
    return bursts * (uint64_t)hw->dram_latency + n;
}

/* All rows of a LOAD/STORE with elements of e bytes: one burst sequence per row. */
static uint64_t sim_dma_cycles(const hw_config *hw, const vta_insn *in, int64_t e) {
    if (in->x_size == 0 || in->y_size == 0)
        return 0;
    uint64_t len = (uint64_t)in->x_size * (uint64_t)e, stride = (uint64_t)in->x_stride * (uint64_t)e;
    uint64_t base = (uint64_t)in->dram_base * (uint64_t)e;
    uint64_t bus = (uint64_t)hw_bus_bytes(hw);
    uint64_t kbytes = ((uint64_t)hw->burst_boundary / bus) * bus;
    if (kbytes == 0)
        kbytes = bus;
    if (in->y_size == 1 || stride % kbytes == 0) /* every row has the same burst pattern */
        return (uint64_t)in->y_size * sim_row_cycles(hw, base, len);
    uint64_t c = 0;
    for (uint64_t y = 0; y < in->y_size; y++)
        c += sim_row_cycles(hw, base + y * stride, len);
    return c;
}

bool sim_time_insn(const hw_config *hw, const sim_sram *m, const vta_insn *in, uint64_t *dur) {
    uint64_t d = 0;
    bool ok = true;
    switch (in->opcode) {
    case VTA_OP_LOAD: {
        d = (uint64_t)hw->load_startup;
        if (in->x_size == 0)
            break;
        int64_t e = m->ebytes[in->mem_type];
        uint64_t w = (uint64_t)in->x_pad_0 + in->x_size + in->x_pad_1;
        uint64_t pad = ((uint64_t)in->y_pad_0 + in->y_pad_1) * w + (uint64_t)in->y_size * (in->x_pad_0 + in->x_pad_1);
        uint64_t bus = (uint64_t)hw_bus_bytes(hw);
        d += sim_dma_cycles(hw, in, e) + (pad * (uint64_t)e + bus - 1) / bus;
        break;
    }
    case VTA_OP_STORE: d = (uint64_t)hw->store_startup + sim_dma_cycles(hw, in, m->ebytes[HW_MEM_OUT]); break;
    case VTA_OP_GEMM:
    case VTA_OP_ALU: {
        uint64_t it = (uint64_t)in->iter_out * in->iter_in * (in->uop_end - in->uop_bgn); /* < 2^41 */
        uint64_t per = in->opcode == VTA_OP_GEMM ? (uint64_t)hw->gemm_iter_cycles
                       : in->use_imm            ? (uint64_t)hw->alu_imm_cycles
                                                : (uint64_t)hw->alu_reg_cycles;
        ok = !__builtin_mul_overflow(it, per, &d);
        ok = ok && sim_add(&d, (uint64_t)(in->opcode == VTA_OP_GEMM ? hw->gemm_startup : hw->alu_startup));
        break;
    }
    default: break;
    }
    *dur = d;
    return ok;
}
