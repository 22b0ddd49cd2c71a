/* cost: the VTA part of the analytical cost model (DESIGN section 6). Given an
 * embedding's loop nest and a legal schedule it derives, in closed form, what the
 * program of vta/codegen does: per-module busy cycles (fetch, load, compute, store),
 * the total under VTA's four-module overlap (the token protocol of lower.h), DRAM
 * bytes per operand, SRAM footprints, energy from action counts and an area proxy.
 * The target-independent part (mapping directives, reuse, footprints over the loop
 * nest) is core/dataflow. The schedule search reaches the model only through the plug
 * of sched_opts (cost_vta_plug is the default).
 * Invariant: the model never emits or simulates a program; it is a pure function of
 * (operator, hardware, nest, schedule). cost_sim is the simulator figure it is
 * validated against. */
#ifndef EMBEDSYN_VTA_COST_H
#define EMBEDSYN_VTA_COST_H

#include <stdbool.h>
#include <stdint.h>

#include "core/emb.h"
#include "core/hw.h"
#include "core/op.h"
#include "core/status.h"
#include "vta/sched.h"
#include "vta/sim.h"

/* The default plug of the schedule search: fills s->est_* (see sched_cost_fn). DMA
 * rows are costed with the expected number of 2 KiB-boundary crossings. */
bool cost_vta_plug(void *ctx, const op *o, const hw_config *hw, const emb_nest *n, sched *s, status *st);
/* The same, but a small program (at most 256 tiles, every loop walked) has its DMA
 * costed at the real DRAM addresses of codegen's regions, as the simulator does. The
 * search re-costs its final candidates with it (slower: one DMA plan per tile). */
bool cost_vta_exact(const op *o, const hw_config *hw, const emb_nest *n, sched *s, status *st);

/* The program of (o, e, n, s) (vta/codegen) run on the cycle simulator, timing only. */
bool cost_sim(const op *o, const hw_config *hw, const emb *e, const emb_nest *n, const sched *s, sim_report *rep,
              status *st);

#endif
