/* costform_vta: the coefficients of the embedding-level cycle estimate (core/costform.h)
 * for VTA, derived from the hardware config and the operator's epilogue.
 * Invariant: the filled form passes costform_check for every config hw_check accepts. */
#ifndef EMBEDSYN_VTA_COSTFORM_VTA_H
#define EMBEDSYN_VTA_COSTFORM_VTA_H

#include "core/costform.h"
#include "core/op.h"
#include "vta/hw.h"

/* Three modules that VTA overlaps with its dependency tokens:
 *   compute = gemm_iter_cycles per GEMM micro-op iteration + per output vector the reset
 *             GEMM, the ALU requantization steps (SHR in steps of 15, MAX, MIN; one ADD
 *             and the LOAD ACC of the bias when the op has one), spread over its bytes;
 *   load    = inp and wgt bytes / bus bytes per cycle, plus the DRAM latency of one
 *             burst per max_burst_beats beats;
 *   store   = out bytes, likewise.
 * estimate = busiest module + COSTFORM_VTA_SHARE of the others (the simulator shows
 * that tile pipelines overlap the modules only partly). */
void costform_vta(const hw_config *hw, const op *o, costform *cf);

#endif
