/* sim: cycle-level VTA simulator (DESIGN section 5). Fetch, load, compute and store
 * modules run concurrently and synchronize only through the four dependency queues.
 * Two modes with identical cycle counts: functional+timing and timing-only.
 * Invariant: a run either completes with every queue empty, or reports an error that
 * names the instruction index and field. */
#ifndef EMBEDSYN_VTA_SIM_H
#define EMBEDSYN_VTA_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/hw.h"
#include "core/status.h"

#define SIM_COUNTERS(X) \
    X(inp_load_nbytes) X(wgt_load_nbytes) X(acc_load_nbytes) X(uop_load_nbytes) \
    X(out_store_nbytes) X(gemm_counter) X(alu_counter)

typedef enum { SIM_FETCH = 0, SIM_LOAD = 1, SIM_COMPUTE = 2, SIM_STORE = 3 } sim_module;

typedef struct sim_options {
    bool timing_only;   /* no arithmetic, O(1) per GEMM/ALU instruction */
    bool strict;        /* leaving the portable subset is an error, not a warning */
    FILE *trace;        /* one line per executed instruction, or NULL */
} sim_options;

typedef struct sim_report {
    uint64_t cycles;
#define SIM_DECL(c) uint64_t c;
    SIM_COUNTERS(SIM_DECL)
#undef SIM_DECL
    uint64_t busy[4], stall[4];   /* per sim_module */
    uint64_t insns;
    int nwarnings;
    char warning[512];            /* first warning */
} sim_report;

/* Runs the program whose insn_count instructions start at byte insn_addr of dram;
 * dram is updated in place (STOREs; in timing-only mode DRAM is not written). */
bool sim_run(const hw_config *hw, uint8_t *dram, uint64_t dram_bytes, uint64_t insn_addr,
             uint64_t insn_count, const sim_options *opt, sim_report *rep, status *st);

void sim_report_json(FILE *f, const sim_report *r, const char *status_text);

#endif
