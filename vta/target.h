/* target: the seam between the target-independent pipeline (bench/driver) and a back
 * end. A back end is one table of functions (struct target): the reference strategy's
 * embedding, the candidate schedules of a plan, code generation, writing the operands
 * into a program, the program's output, the bundle, and simulation. The driver reaches
 * the back end only through this table, so a new target is a new table (a new folder
 * next to vta/ with its own target_<name>() and one row in target.c's list) and no
 * change to the driver.
 * Schedules and programs are opaque to the driver (target_scheds, target_prog); what
 * the driver sees of the hardware is the intrinsic's shape (core/hw) and the
 * simulator's report (counters named as TVM's).
 * Invariant: a target_scheds holds pointers into the caller's plan (op, hw, embedding,
 * nest), which outlives it; a target_prog belongs to the scheds it came from. */
#ifndef EMBEDSYN_VTA_TARGET_H
#define EMBEDSYN_VTA_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/emb.h"
#include "core/op.h"
#include "core/status.h"
#include "vta/hw.h"
#include "vta/sim.h"

/* The DRAM layout of the activation (op In) a schedule may use. FREE: the schedule's
 * choice (a single layer: the host writes the input anyway); COMPACT: zero bands left to
 * the DMA's padding (a network's standard layout, transitions priced from it); PADDED:
 * the zero bands kept in DRAM (a network layer whose producer or host re-layout writes
 * them; VTA: sched.keep_pad). */
#define TARGET_ACTS(X) X(TARGET_ACT_FREE, "free") X(TARGET_ACT_COMPACT, "compact") X(TARGET_ACT_PADDED, "padded")
typedef enum { TARGET_ACTS(ES_ID2) TARGET_NACTS } target_act;
const char *target_act_name(target_act a);
bool target_act_parse(const char *s, target_act *a); /* false (a unchanged): unknown */

typedef struct target_scheds target_scheds; /* candidate schedules of one plan */
#define TARGET_SCHED_TEXT 256                 /* a saved schedule (target.sched_save) */
typedef struct target_prog target_prog;     /* one generated program */

typedef struct target {
    const char *name;
    int max_sched_k; /* most candidates schedules() returns besides the template's */
    /* The reference strategy's embedding (TVM's fixed approach on VTA). */
    bool (*reference_embedding)(const op *o, const hw_config *hw, emb *e, status *st);
    /* Candidate schedules of (o, hw, e, n): with `reference` the reference template's
     * pick alone, else the k best by the cost model plus the template's when it applies
     * (its index in *tmpl, else -1). act: the activation's DRAM layouts the schedules
     * may use (the reference keeps TVM's DMA padding whatever act says). An empty set
     * (nscheds 0, st untouched) when no schedule fits the buffers; NULL + status when
     * the search was interrupted or memory ran out. */
    target_scheds *(*schedules)(const op *o, const hw_config *hw, const emb *e, const emb_nest *n, bool reference,
                                target_act act, int k, int *tmpl, status *st);
    int (*nscheds)(const target_scheds *s);
    double (*sched_estimate)(const target_scheds *s, int i); /* cost-model cycles */
    void (*sched_describe)(const target_scheds *s, int i, char *buf, size_t len);
    /* The activation's DRAM layout candidate i uses: COMPACT or PADDED (never FREE). */
    target_act (*sched_act)(const target_scheds *s, int i);
    void (*scheds_free)(target_scheds *s);
    /* Candidate i saved as one space-free token of at most TARGET_SCHED_TEXT bytes, and
     * the one schedule such a token names loaded back for the same (o, hw, e, n): a
     * later run (a network's cache) takes the schedule an earlier one chose without
     * searching again. NULL + status when the token does not parse or fit. */
    void (*sched_save)(const target_scheds *s, int i, char *buf, size_t len);
    target_scheds *(*schedule_load)(const op *o, const hw_config *hw, const emb *e, const emb_nest *n,
                                    const char *text, status *st);
    /* The program of candidate i, ready to run (operands zero). NULL + status on error. */
    target_prog *(*codegen)(const target_scheds *s, int i, status *st);
    /* The packed operands (emb_pack layouts, full extents; bias_acc may be NULL). */
    bool (*write_inputs)(target_prog *p, const int8_t *inp, const int8_t *wgt, const int32_t *bias_acc,
                         status *st);
    /* The output region (ACC layout, OUT elements) after simulation. */
    const int8_t *(*output)(target_prog *p, int64_t *bytes);
    bool (*write_bundle)(const target_prog *p, const char *dir, status *st);
    bool (*simulate)(target_prog *p, bool timing_only, bool strict, sim_report *rep, status *st);
    /* Portability check without simulating: findings are counted in rep->nwarnings
     * (first in rep->warning); with `strict` a finding is an error. */
    bool (*check_program)(const target_prog *p, bool strict, sim_report *rep, status *st);
    void (*prog_free)(target_prog *p);
} target;

/* The VTA target's candidate schedule i (a struct sched, vta/sched_tile.h): a network
 * program (vta/netprog.h) generates the driver's chosen schedule into its own image. */
struct sched;
const struct sched *target_vta_sched(const target_scheds *s, int i);

/* The built-in targets: X(name, getter). */
#define TARGETS(X) X("vta", target_vta)

const target *target_vta(void);
/* The target of that name, or NULL; target_default() is the first of TARGETS. */
const target *target_find(const char *name);
const target *target_default(void);

#endif
