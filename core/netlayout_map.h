/* netlayout_map: where an activation tensor's elements sit in DRAM, as VTA vectors, and
 * the price of going from a producer's layout to a consumer's (issue 15).
 *
 * A map lists, for every DRAM vector of a layout (nvec vectors of `lanes` int8 lanes),
 * the natural (row-major) index of the tensor element in each lane, NL_LANE_ZERO for a
 * lane that must hold 0 (padding, wasted lanes) or NL_LANE_JUNK for a lane the producer
 * writes with an unspecified value. Maps come from an embedding's output (the ACC
 * layout, emb_out_position), its input (the INP layout, emb_pack) or the canonical
 * channel-packed layout the host works on (NCHW1n16c, like TVM's graph_pack).
 *
 * Transition kinds and their price (cycles; an estimate from the target's bus and DRAM
 * latency, nl_price, not simulated):
 *   same    identical maps: the consumer reads the producer's region as it is; 0.
 *   store   every consumer vector that is not all zero equals some producer vector lane
 *           for lane, so the producer's STOREs write each vector where (and as often as)
 *           the consumer wants it (VTA's STORE writes rows anywhere): one bus beat per
 *           extra stored byte (duplicates) + one DRAM latency per extra contiguous run.
 *   copy    an explicit re-layout pass: every producer byte read and every consumer
 *           byte written once over the bus: (producer bytes + consumer bytes) / bus
 *           bytes + one DRAM latency per NL_COPY_ROW bytes (the same price for a VTA
 *           LOAD/STORE copy and a host copy at bus speed). */
#ifndef EMBEDSYN_NETLAYOUT_MAP_H
#define EMBEDSYN_NETLAYOUT_MAP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/emb.h"
#include "core/es.h"
#include "core/hw.h"
#include "core/op.h"
#include "core/status.h"

#define NL_LANE_ZERO (-1)
#define NL_LANE_JUNK (-2)
#define NL_COPY_ROW 4096

typedef struct nl_map {
    int64_t nvec;
    int32_t lanes;
    int32_t *idx;  /* nvec * lanes */
    int64_t icap;  /* the vectors' index by content (nl_map_index), or 0 */
    int64_t *slot; /* open addressing: vector + 1, 0 = empty */
} nl_map;

void nl_map_free(nl_map *m);
/* Builds m's index of its vectors by content, so that the transitions from m to many
 * layouts (nl_transition_of, m the producer) share it; false when out of memory
 * (the transitions then build their own). */
bool nl_map_index(nl_map *m);
/* The output layout of embedding (e, n) of op o. remap (op Out natural index -> tensor
 * index, or -1 for an element the tensor does not keep, e.g. a cropped border) may be
 * NULL (identity). Lanes without an element are ZERO when 0 lies within the op's clip
 * range (wasted lanes accumulate 0), else JUNK. */
bool nl_map_out(const op *o, const hw_intrinsic *hw, const emb *e, const emb_nest *n, const int32_t *remap, nl_map *m,
                status *st);
/* The input layout (INP operand) of (e, n); false when the op's In is not the VTA inp
 * operand (operand swap) or the packed input has more than 2^31 lanes. */
bool nl_map_in(const op *o, const hw_intrinsic *hw, const emb *e, const emb_nest *n, nl_map *m, status *st);
/* The operand that holds the activation (op In): VTA's INP, or WGT under operand swap. */
emb_operand nl_act_operand(const emb *e);
/* Every vector of the activation operand's layout (n->lay[nl_act_operand(e)].elems),
 * zero bands included: the layout emb_pack writes, before a schedule strips any band.
 * Unlike nl_map_in it also maps the WGT layout of an operand swap (vectors of
 * BLOCK_OUT x BLOCK_IN lanes). */
bool nl_map_in_full(const op *o, const hw_intrinsic *hw, const emb *e, const emb_nest *n, nl_map *m, status *st);
/* The activation operand's DRAM copy as a network prices it: the whole layout (zero
 * bands included) when `padded` (the bands kept in DRAM) or under operand swap (VTA's
 * WGT: no DMA padding), else nl_map_in's. *bytes: its size. */
bool nl_map_act(const op *o, const hw_intrinsic *hw, const emb *e, const emb_nest *n, bool padded, nl_map *m,
                int64_t *bytes, status *st);
/* The canonical layout of a rank-2 ([N,F]) or rank-4 (NCHW) tensor: vectors over
 * (n, c / BLOCK, h, w) with lanes c % BLOCK (BLOCK = hw's BLOCK_OUT, batch lanes 1). */
bool nl_map_canonical(const hw_intrinsic *hw, int32_t rank, const int64_t *shape, nl_map *m, status *st);

#define NL_TRANS_KINDS(X) X(NL_TR_SAME, "same") X(NL_TR_STORE, "store") X(NL_TR_COPY, "copy")
typedef enum { NL_TRANS_KINDS(ES_ID2) } nl_trans_kind;
const char *nl_trans_kind_name(nl_trans_kind k);

typedef struct nl_transition {
    nl_trans_kind kind;
    double cycles;
    int64_t bytes; /* extra bytes moved (stored twice or copied) */
} nl_transition;

/* What a transition's price needs of the target (VTA: hw_bus_bytes, dram_latency). */
typedef struct nl_price {
    int64_t bus_bytes;    /* bytes per bus beat */
    int64_t dram_latency; /* cycles of one DRAM burst */
} nl_price;

/* The copy price of pbytes read and cbytes written. */
nl_transition nl_copy_transition(const nl_price *hw, int64_t pbytes, int64_t cbytes);
/* The transition from producer layout p to consumer layout c (same tensor). */
nl_transition nl_transition_of(const nl_price *hw, const nl_map *p, const nl_map *c);

#endif
