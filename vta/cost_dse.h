/* cost_dse: what design-space exploration (bench/dse*) needs of the cost model beyond
 * one mapping's report (vta/cost.h): a version number of the model for cache keys,
 * the area proxy of a whole design as one number, and cycles + energy of one mapping.
 * Invariant: cycles and energy are exactly cost_vta_report's (cycles, e_total); the
 * area counts are exactly the report's area proxy (area_macs, area_sram_bytes). */
#ifndef EMBEDSYN_VTA_COST_DSE_H
#define EMBEDSYN_VTA_COST_DSE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/emb.h"
#include "core/op.h"
#include "core/status.h"
#include "vta/hw.h"
#include "vta/sched.h"

/* Bump whenever a result of cost_vta_plug / cost_vta_exact / cost_vta_report (and so a
 * schedule search's ranking) changes: caches of derived results are keyed with it. */
#define COST_MODEL_VERSION 10

/* The area proxy of a design. The counts are the report's; um2 weights them with 45 nm
 * figures: one int8 MAC = 8-bit multiply 282 um^2 + 32-bit add 137 um^2 (Horowitz,
 * ISSCC 2014); one SRAM bit 0.6 um^2 (a ~0.35 um^2 6T cell plus the array's periphery;
 * an assumption); one DRAM bus bit 200 um^2 (AXI port and DMA datapath; an assumption). */
typedef struct cost_area {
    int64_t macs;           /* MAC array: BATCH x BLOCK_IN x BLOCK_OUT */
    int64_t sram_bytes;     /* UOP + INP + WGT + ACC buffers */
    int64_t bus_bits;
    double um2;
} cost_area;
void cost_vta_area(const hw_config *hw, cost_area *a);
/* um2 relative to TVM's default VTA (= 1). */
double cost_vta_area_rel(const hw_config *hw);

/* Cycles and energy (pJ) of schedule s (tile/order/db/reuse set) on hw: derived on hw
 * (sched_derive_geometry: false when it does not fit) then cost_vta_report. s gets the
 * derived fields. */
bool cost_vta_eval(const op *o, const hw_config *hw, const emb_nest *n, sched *s, double *cycles, double *energy_pj,
                   status *st);

#endif
