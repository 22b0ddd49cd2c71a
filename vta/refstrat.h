/* refstrat: the reference strategy, TVM's fixed way of running conv2d and dense on
 * VTA, expressed in embedsyn's terms so that it runs on the same lowering and
 * simulator as synthesized embeddings (DESIGN section 4):
 *   - embedding: channel packing (emb_channel_packing: NCHW1n16c input, OIHW16o16i
 *     weights, channels padded to 16; dense the same way over its K),
 *   - schedule: TVM's VTA conv2d/dense template: output tiles over (b, oc, h, w) in
 *     that nest order with the reduction inside, the kernel window (r, s) never split,
 *     tile sizes that divide the extents (the tuner's split knobs tile_b, tile_co,
 *     tile_h, tile_w, tile_ci), at most 2 virtual threads (= ping-pong halves), data
 *     reloaded per output tile (no cross-tile reuse); among these the tuner's pick is
 *     modelled as the one of lowest estimated cycles.
 * Invariant: the options never admit a schedule outside the template. */
#ifndef EMBEDSYN_VTA_REFSTRAT_H
#define EMBEDSYN_VTA_REFSTRAT_H

#include <stdbool.h>

#include "core/emb.h"
#include "core/op.h"
#include "core/status.h"
#include "vta/hw.h"
#include "vta/sched.h"

bool refstrat_embedding(const op *o, const hw_config *hw, emb *e, status *st);
/* The template's search options for the nest of refstrat_embedding. */
void refstrat_sched_opts(const op *o, const emb_nest *n, sched_opts *so);

/* The template's schedule for embedding e with nest n, when the template applies to e
 * (e has the reference embedding's layout class, i.e. channel packing): *applies set,
 * s the schedule driver_run_reference would use for that nest (not applicable
 * either when no template schedule fits). Returns true (status kept for later use). */
bool refstrat_template_sched(const op *o, const hw_config *hw, const emb *e, const emb_nest *n, bool *applies,
                             sched *s, status *st);

#endif
