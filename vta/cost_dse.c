/* cost_dse: the cost model's design-level figures for design-space exploration (see
 * cost_dse.h): the area proxy as one number and cycles + energy of one mapping.
 * Invariant: nothing here models anything the report does not: cost_vta_eval is
 * cost_vta_report; cost_vta_area only weights the report's area counts (+ the bus). */
#include "vta/cost_dse.h"

#include "vta/cost.h"

#define UM2_MAC (282.0 + 137.0)
#define UM2_SRAM_BIT 0.6
#define UM2_BUS_BIT 200.0

void cost_vta_area(const hw_config *hw, cost_area *a) {
    a->macs = hw_batch(hw) * hw_block_in(hw) * hw_block_out(hw);
    a->sram_bytes = ((int64_t)1 << hw->log_uop_buff_size) + ((int64_t)1 << hw->log_inp_buff_size) +
                    ((int64_t)1 << hw->log_wgt_buff_size) + ((int64_t)1 << hw->log_acc_buff_size);
    a->bus_bits = (int64_t)1 << hw->log_bus_width;
    a->um2 = (double)a->macs * UM2_MAC + (double)a->sram_bytes * 8.0 * UM2_SRAM_BIT + (double)a->bus_bits * UM2_BUS_BIT;
}

double cost_vta_area_rel(const hw_config *hw) {
    hw_config d = hw_default();
    cost_area a, b;
    cost_vta_area(hw, &a);
    cost_vta_area(&d, &b);
    return a.um2 / b.um2;
}

bool cost_vta_eval(const op *o, const hw_config *hw, const emb_nest *n, sched *s, double *cycles, double *energy_pj,
                   status *st) {
    cost_report r;
    if (!sched_derive_geometry(o, hw, n, s, st) || !cost_vta_report(o, hw, n, s, &r, st)) return false;
    *cycles = r.cycles;
    *energy_pj = r.e_total;
    return true;
}
