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
#include <stdio.h>

#include "core/emb.h"
#include "core/op.h"
#include "core/status.h"
#include "vta/hw.h"
#include "vta/sched_tile.h"
#include "vta/sim.h"

/* The default plug of the schedule search: fills s->est_* (see sched_cost_fn). DMA
 * rows are costed with the expected number of 2 KiB-boundary crossings. */
bool cost_vta_plug(void *ctx, const op *o, const hw_config *hw, const emb_nest *n, sched *s, status *st);
/* cost_vta_plug of the k schedules v, which differ only in double buffering (the
 * search's variants of one tiling, each through sched_derive_geometry): those with
 * ok[i] are costed, sharing the DMA class tables where the bias plan is the same;
 * ok[i] is cleared where costing fails. The figures are cost_vta_plug's. */
bool cost_vta_plug_variants(const op *o, const hw_config *hw, const emb_nest *n, sched *v, int k, bool *ok);
/* A lower bound of cost_vta_plug's estimate of s from its geometry alone (after
 * sched_derive_geometry; no DMA): the compute module's GEMMs (every tile's start-up
 * plus one cycle count per instance: the instances of all tiles are the nest's), reset
 * GEMMs and ALU epilogues, which it executes one after another. The search skips the
 * walk of a schedule whose bound cannot win (sched_opts.vta_bound). */
double cost_vta_compute_bound(const op *o, const hw_config *hw, const emb_nest *n, const sched *s);
/* The floor of every VTA program of o on hw, whatever the embedding and schedule
 * (cost_floor.c): per module the work no program avoids, leaving out the start-up
 * cycles of instructions. A program's cycles are at least `cycles`, the largest. */
typedef struct cost_floor {
    int64_t gemm;               /* GEMM iterations: each output's products in bounds, at most
                                 * BLOCK_IN of them per iteration (op_lane_steps) */
    int64_t acc_rows;           /* fewest ACC rows that hold the outputs */
    int64_t init;               /* cheapest ACC initialization of those rows (reset GEMMs,
                                 * LOAD ACC) */
    int64_t alu_per_row;        /* requantization ALU ops a row needs (SHR steps, MAX, MIN) */
    int64_t load_bytes;         /* INP + WGT elements read in bounds at least once */
    int64_t store_bytes;        /* outputs */
    int64_t compute, load, store; /* module floors: GEMMs + init + rows x ALU; bytes in
                                   * beats + a DRAM latency per burst */
    int64_t cycles;             /* the largest */
    /* the same for programs that compute every point of the iteration box (padding
     * products too), as every embedding does: a floor of embedsyn's space */
    int64_t gemm_box, compute_box, cycles_box;
} cost_floor;
void cost_vta_floor(const op *o, const hw_config *hw, cost_floor *f);
/* What the floor needs of the operator for one BLOCK_IN (per-output lane steps, elements
 * read, requantization ops): the costly part, independent of the rest of the hardware.
 * Callers that floor one layer on many designs (dse) compute it once per width. */
typedef struct cost_floor_op {
    int64_t block_in;
    int64_t steps, box_steps;   /* op_lane_steps (-1: not an op it counts) */
    int64_t macs, outputs, touched_in, touched_wt;
    bool need_max, need_min;    /* the requantization's MAX / MIN can change a value */
} cost_floor_op;
void cost_floor_op_of(const op *o, int64_t block_in, cost_floor_op *fo);
/* cost_vta_floor from fo (fo->block_in must be hw's BLOCK_IN). */
void cost_vta_floor_of(const op *o, const cost_floor_op *fo, const hw_config *hw, cost_floor *f);
/* Whether cost_vta_plug can cost s (every DMA box of the program plans), without the
 * walk: the search's cheap feasibility test of a tiling prefix. */
bool cost_vta_check(const op *o, const hw_config *hw, const emb_nest *n, sched *s, status *st);
/* The same as cost_vta_plug, but a small program (at most 256 tiles, every tile walked) has its
 * DMA costed at the real DRAM addresses of codegen's regions, as the simulator does, and
 * a larger one gets the stalls of its DMA cost's variation from tile to tile (a window
 * of tiles at their real addresses, cost_var.c). The search re-costs its final
 * candidates with it (slower: one DMA plan per tile walked); the report and dse use it. */
bool cost_vta_exact(const op *o, const hw_config *hw, const emb_nest *n, sched *s, status *st);

/* VTA operands of the report: the DRAM regions / SRAM buffers they live in. */
#define COST_OPERANDS(X) X(COST_INP, "inp") X(COST_WGT, "wgt") X(COST_ACC, "acc") X(COST_OUT, "out") X(COST_UOP, "uop")
typedef enum {
#define COST_ENUM(id, name) id,
    COST_OPERANDS(COST_ENUM)
#undef COST_ENUM
    COST_NOPER
} cost_operand;
const char *cost_operand_name(cost_operand x);

/* What the walk of the model counts (cost_vta_counts). */
typedef struct cost_counts {
    double busy[4];                 /* fetch, load, compute, store (sim_module order) */
    int64_t insns;                  /* instructions of the program */
    int64_t loads[2];               /* INP / WGT tile loads */
    double dram_bytes[COST_NOPER];  /* moved per operand (acc: bias loads; out: stores) */
    bool exact;                     /* DMA costed at the real DRAM addresses */
} cost_counts;

/* cost_vta_exact plus the counts (s's estimate fields are filled too). */
bool cost_vta_counts(const op *o, const hw_config *hw, const emb_nest *n, sched *s, cost_counts *cc, status *st);

/* The same figures from the model's straightforward reference walk (every walked tile
 * stepped through a full copy of the state; vta/cost_ref.c): cost_vta_counts
 * (exact) or cost_vta_plug (!exact) must agree with it bit for bit. cc may be NULL.
 * For tests and the --bench comparison. */
bool cost_vta_reference(const op *o, const hw_config *hw, const emb_nest *n, sched *s, bool exact, cost_counts *cc,
                        status *st);

/* The whole report of a mapping (cost_report.c). */
typedef struct cost_report {
    double cycles;                  /* total under the four-module overlap */
    cost_counts c;
    int64_t tiles, out_tiles;
    int64_t sram_bytes[COST_NOPER]; /* footprint per buffer, double buffering included */
    double sram_read[COST_NOPER], sram_write[COST_NOPER]; /* bytes */
    double reuse[COST_NOPER];       /* SRAM bytes read per DRAM byte moved (inp, wgt, uop) */
    double macs, alu_ops;           /* executed MACs (all lanes), ALU lane operations */
    /* compute busy split: the ALU epilogue (requantization SHR steps, clip MAX / MIN, the
     * bias ADD of bias by ALU), the reset GEMMs that clear ACC per output tile, and the
     * rest (the GEMMs proper, LOAD UOP, bias tiles) */
    double busy_alu, busy_reset, busy_gemm;
    /* energy in pJ from the action counts and the hardware's energy table */
    double e_mac, e_alu, e_dram, e_fetch, e_sram[COST_NOPER], e_total;
    int64_t area_macs, area_sram_bytes; /* area proxy: MAC array size, on-chip SRAM bytes */
} cost_report;

bool cost_vta_report(const op *o, const hw_config *hw, const emb_nest *n, const sched *s, cost_report *r,
                     status *st);
void cost_report_print(FILE *f, const cost_report *r);
void cost_report_json(FILE *f, const cost_report *r);

/* The program of (o, e, n, s) (vta/codegen) run on the cycle simulator, timing only. */
bool cost_sim(const op *o, const hw_config *hw, const emb *e, const emb_nest *n, const sched *s, sim_report *rep,
              status *st);

#endif
