/* dse_cost: a thin energy / area proxy for design-space exploration, behind two
 * functions so that the cost module's model can replace it. Per-action energies are
 * 45 nm figures of Horowitz (ISSCC 2014): 8-bit multiply 0.2 pJ + 32-bit add 0.1 pJ per
 * MAC slot, ~0.6 pJ per byte of a 32 KiB SRAM access, ~20 pJ per bit of DRAM traffic;
 * areas: ~420 um^2 per int8 MAC (multiplier + int32 adder), ~0.6 um^2 per SRAM bit,
 * and an AXI port cost per bus bit. Leakage is a fixed share per cycle and area unit.
 * These are proxies for ranking designs, not silicon numbers.
 * Invariant: both functions are pure functions of their arguments. */
#include "bench/dse.h"

#define DSE_PJ_MAC 0.3           /* per executed MAC slot (wasted lanes switch too) */
#define DSE_PJ_SRAM_BYTE 0.6
#define DSE_PJ_DRAM_BYTE 160.0
#define DSE_PJ_LEAK_CYCLE 20.0   /* per cycle, for area 1 (the default VTA) */
#define DSE_UM2_MAC 420.0
#define DSE_UM2_SRAM_BIT 0.6
#define DSE_UM2_BUS_BIT 200.0

static double area_um2(const hw_config *hw) {
    double macs = (double)(hw_batch(hw) * hw_block_in(hw) * hw_block_out(hw));
    double sram_bytes = (double)((int64_t)1 << hw->log_uop_buff_size) + (double)((int64_t)1 << hw->log_inp_buff_size) +
                        (double)((int64_t)1 << hw->log_wgt_buff_size) + (double)((int64_t)1 << hw->log_acc_buff_size) +
                        (double)((int64_t)1 << hw->log_acc_buff_size) / 4.0; /* OUT: int8 copy of ACC */
    return macs * DSE_UM2_MAC + sram_bytes * 8.0 * DSE_UM2_SRAM_BIT + (double)(hw_bus_bytes(hw) * 8) * DSE_UM2_BUS_BIT;
}

double dse_cost_area(const hw_config *hw) {
    hw_config d = hw_default();
    return area_um2(hw) / area_um2(&d);
}

double dse_cost_energy(const hw_config *hw, double area, int64_t instances, double dram_bytes, double cycles) {
    double b = (double)hw_batch(hw), bi = (double)hw_block_in(hw), bo = (double)hw_block_out(hw);
    double it = (double)instances;
    double mac = it * b * bi * bo * DSE_PJ_MAC;
    /* per GEMM iteration: one input vector, one weight block, accumulator read + write */
    double sram = it * (b * bi + bo * bi + 2.0 * b * bo * 4.0) * DSE_PJ_SRAM_BYTE;
    double dram = dram_bytes * DSE_PJ_DRAM_BYTE;
    double leak = cycles * DSE_PJ_LEAK_CYCLE * area;
    return (mac + sram + dram + leak) * 1e-6; /* pJ -> uJ */
}
