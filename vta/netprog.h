/* netprog: one VTA program for a whole network (issue 15): one DRAM image holding every
 * offloaded layer's micro-ops, weights, biases and zero areas and every activation, and
 * one instruction stream made of the layers' code (vta/lower.h, lower_codegen_at)
 * placed at those regions, split into segments.
 *
 * Stream. Within a segment the layers follow each other with the dependence-queue
 * drain of lower_at.chain (the next layer's LOAD UOP waits for the previous layer's
 * last STORE and releases the next layer's loads), and the segment ends with one
 * FINISH that pops the last STORE's token, so every segment is a complete VTA program
 * (sim_run of its instruction range on the shared image) and leaves every queue empty.
 * Between segments the host works on the same image (the caller's hand-off: host
 * nodes, re-layouts).
 *
 * Activations. A tensor lives in one region under a layout map (core/netlayout_map.h:
 * byte k of the region holds element idx[k], 0 for NL_LANE_ZERO, anything for JUNK);
 * netprog_put / netprog_get move a tensor in and out of the image through its map.
 * Regions are never reused (every tensor stays readable after the run).
 * Invariant: regions never overlap (vta/prog.h); segment k is instructions
 * [first, first + count) of the finalized stream, its last one a FINISH. */
#ifndef EMBEDSYN_VTA_NETPROG_H
#define EMBEDSYN_VTA_NETPROG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/emb.h"
#include "core/netlayout_map.h"
#include "core/op.h"
#include "core/status.h"
#include "vta/hw.h"
#include "vta/lower.h"
#include "vta/prog.h"
#include "vta/sched.h"
#include "vta/sim.h"

typedef struct netprog netprog;

typedef struct netprog_layer {
    int region[LOWER_NREGIONS]; /* its regions in the image (lower_region) */
    int segment;
    int64_t insn_first, insns;  /* its instructions in the stream */
} netprog_layer;

/* A `store` transition done by the producer (lower_at.also_store): producer output
 * vector v is also stored at consumer vectors idx[off[v] .. off[v+1]) of the consumer's
 * input region (consecutive SRAM rows to consecutive vectors merged into one STORE). */
typedef struct netprog_store_target {
    int region;        /* the consumer's input region (set before the producer's code) */
    int64_t nvec;      /* producer vectors */
    int64_t *off, *idx;
    int64_t stores;    /* consumer vectors written */
} netprog_store_target;

/* For every consumer vector of c that is not all zero, the producer vector of p equal
 * to it lane for lane; false (t untouched) when some has none or the lanes differ. */
bool netprog_store_plan(const nl_map *p, const nl_map *c, netprog_store_target *t);
void netprog_store_target_free(netprog_store_target *t);

/* NULL when out of memory. */
netprog *netprog_create(const hw_config *hw);
void netprog_destroy(netprog *np);
vta_prog *netprog_prog(netprog *np);

/* An activation region of `bytes` (OUT elements), zero-filled; its index or -1. */
int netprog_add_tensor(netprog *np, const char *name, uint64_t bytes, const char *shape, const char *layout,
                       status *st);
/* Layer (o, e, n, s) appended to the current segment: its regions (named "PREFIX.uop",
 * ...; the activation's region, netprog_act_region, is inp_region when >= 0, i.e. the
 * consumer reads a producer's region in place, else a new one), weights and bias
 * (natural layouts, bias NULL without one) packed into them, its code chained after the
 * segment's previous layer.
 * Returns the layer's index, -1 + status on error. */
int netprog_add_layer(netprog *np, const char *prefix, const op *o, const emb *e, const emb_nest *n, const sched *s,
                      int inp_region, const int8_t *wt, const int32_t *bias, status *st);
/* The same, and the layer's STOREs also write its outputs for the nalso consumers
 * (netprog_store_target, regions already added). */
int netprog_add_layer_storing(netprog *np, const char *prefix, const op *o, const emb *e, const emb_nest *n,
                              const sched *s, int inp_region, const int8_t *wt, const int32_t *bias,
                              const netprog_store_target *also, int nalso, status *st);
const netprog_layer *netprog_layer_at(const netprog *np, int k);
int netprog_nlayers(const netprog *np);
/* Closes the current segment with FINISH (nothing when it has no layer); returns the
 * index of the segment closed, or -1. */
int netprog_end_segment(netprog *np);
int netprog_nsegments(const netprog *np);
/* Encodes the stream (after the last netprog_end_segment). */
bool netprog_finalize(netprog *np, status *st);
/* Segment k as a program bundle of its own (vta_bundle_write_range) over the image as it
 * is now: written just before the segment runs, it replays on any VTA runtime. */
bool netprog_write_segment(const netprog *np, int k, const char *dir, status *st);
/* Simulates segment k on the image (DRAM written unless timing-only). */
bool netprog_run_segment(netprog *np, int k, const sim_options *so, sim_report *rep, status *st);

/* Tensor t (elements indexed by m) into / out of region r of the image. */
void netprog_put(netprog *np, int r, const nl_map *m, const int8_t *t);
void netprog_get(netprog *np, int r, const nl_map *m, int8_t *t);
/* Does region content under map p serve a reader expecting map c (same size; every
 * element where c wants it, zero where c wants zero)? */
bool netprog_map_serves(const nl_map *p, const nl_map *c);
/* The region of a layer that holds its activation: INP, or WGT under operand swap. */
lower_region netprog_act_region(const emb *e);
/* The map of the compact activation region of layer (o, e, n, s) (the bytes its loads
 * read: INP vectors, or WGT blocks under operand swap). */
bool netprog_inp_map(const op *o, const hw_config *hw, const emb *e, const emb_nest *n, const sched *s, nl_map *m,
                     status *st);

#endif
