/* dataflow: the target-independent part of the cost model (DESIGN section 6): the
 * mapping of an operator described with data-centric directives, and the reuse and
 * footprint analysis over the loop nest of an embedding tiled by a schedule.
 *
 * Levels, outermost first: DRAM (the tile loops, in visiting order: TemporalMap with
 * the tile as size and offset), SRAM (the loops inside one tile: TemporalMap(1,1) in
 * units of the loop's step), lanes (Cluster of the intrinsic's lane count, then one
 * SpatialMap per lane term: its dim advances by 1 per lane; a compensated term moves a
 * second dim too). A chunk loop over a fused lane axis is written with the dims fused
 * into that lane ("I(c,r,s)"). The tile description is plain data (tile size and order
 * per nest loop), so any target's schedule can be described.
 * Invariant: pure functions of (op, embedding, nest, tiling); every nest loop appears
 * in exactly one DRAM or SRAM directive and every lane term in one SpatialMap. */
#ifndef EMBEDSYN_CORE_DATAFLOW_H
#define EMBEDSYN_CORE_DATAFLOW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/emb.h"
#include "core/op.h"

#define DF_LEVELS(X) X(DF_DRAM, "DRAM") X(DF_SRAM, "SRAM") X(DF_LANES, "lanes")
typedef enum {
#define DF_ENUM(id, name) id,
    DF_LEVELS(DF_ENUM)
#undef DF_ENUM
} df_level;
const char *df_level_name(df_level l);

typedef enum { DF_TEMPORAL = 0, DF_SPATIAL = 1, DF_CLUSTER = 2 } df_kind;

typedef struct df_directive {
    df_level level;
    df_kind kind;
    int64_t size, offset;       /* in units of the dim (Cluster: lanes, offset 0) */
    int32_t loop;               /* nest loop (DRAM/SRAM), or -1 */
    int32_t lane, term;         /* lane axis and term (SpatialMap), or -1 */
    char dim[48];               /* "k", "I(c,r,s)", "x-2s" */
} df_directive;

#define DF_MAX_DIRECTIVES (2 * EMB_MAX_LOOPS + 3 * (EMB_MAX_TERMS + 1))

/* The tiling seen by the analysis: tile extent per nest loop and visiting order
 * (outermost first), and whether an operand tile that did not change is reused. */
typedef struct df_tiling {
    int64_t lanes[3];           /* the intrinsic's lanes per emb_lane (B, O, I) */
    int64_t tile[EMB_MAX_LOOPS];
    int32_t order[EMB_MAX_LOOPS];
    bool reuse;
} df_tiling;

typedef struct df_mapping {
    int n;
    df_directive d[DF_MAX_DIRECTIVES];
    /* Reuse and footprints per operand (emb_operand: INP, WGT, ACC/Out), in layout
     * elements (vectors / blocks): the full tile's footprint, how many times a tile
     * is brought on chip, the elements moved, and the reuse factor = intrinsic reads
     * (one element per GEMM iteration) per element moved. */
    int64_t footprint[3];
    int64_t fetches[3];
    double moved[3];
    double reuse[3];
    int64_t tiles, out_tiles;
    int64_t lanes[3];           /* the tiling's intrinsic lanes (B, O, I) */
} df_mapping;

/* Builds the directives and the reuse analysis of (o, e, n) under tiling t. */
void df_build(const op *o, const emb *e, const emb_nest *n, const df_tiling *t, df_mapping *m);
/* One directive per line, MAESTRO style ("TemporalMap(4,4) k"), indented by level. */
void df_print(FILE *f, const df_mapping *m);
/* The directive as text (no newline). */
void df_directive_text(const df_directive *d, char *buf, size_t len);

#endif
