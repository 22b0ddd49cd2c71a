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

#include "core/status.h"
#include "vta/hw.h"

#define SIM_COUNTERS(X) \
    X(inp_load_nbytes) X(wgt_load_nbytes) X(acc_load_nbytes) X(uop_load_nbytes) \
    X(out_store_nbytes) X(gemm_counter) X(alu_counter)

typedef enum { SIM_FETCH = 0, SIM_LOAD = 1, SIM_COMPUTE = 2, SIM_STORE = 3 } sim_module;

/* Which implementation's behaviour the functional data path reproduces on programs
 * outside the portable subset (vta/port.h); all three agree on portable programs, and
 * timing, counters and checks are the same under every model.
 *   portable  the DESIGN section 5 semantics (STORE from OUT, reset GEMM zeroes ACC and
 *             OUT, WGT pads honoured, SHR by the full operand);
 *   fsim      TVM's functional simulator: STORE writes the low 8 bits of ACC, SHR
 *             shifts by the full operand (counts taken mod 32 like x86), MUL and
 *             ACC_8BIT run;
 *   hls       the HLS design: WGT pads ignored (rows packed back to back from
 *             sram_base), LOAD UOP copies x_size micro-ops, a reset GEMM writes the low
 *             8 bits of acc + product to OUT, SHR shifts by the sign-extended low
 *             log_acc_width bits, MUL leaves ACC and OUT unchanged, ACC_8BIT is ignored. */
#define SIM_MODELS(X) X(SIM_MODEL_PORTABLE, "portable") X(SIM_MODEL_FSIM, "fsim") X(SIM_MODEL_HLS, "hls")
typedef enum {
#define SIM_MODEL_ENUM(e, name) e,
    SIM_MODELS(SIM_MODEL_ENUM)
#undef SIM_MODEL_ENUM
    SIM_NMODELS
} sim_model;
const char *sim_model_name(sim_model m);
/* false if name is not a model */
bool sim_model_parse(const char *name, sim_model *m);

/* Work budget of a functional run when max_cycles is 0: 2^34 simulated cycles (about
 * a quarter of an hour of GEMM arithmetic on one core). Every unit of functional work
 * costs at least one simulated cycle with the default timing, so the budget bounds
 * the run time. Timing-only runs (O(1) per instruction) have no default limit. */
#define SIM_DEFAULT_MAX_CYCLES (1ull << 34)

typedef struct sim_options {
    bool timing_only;   /* no arithmetic, O(1) per GEMM/ALU instruction */
    bool strict;        /* leaving the portable subset is an error, not a warning */
    FILE *trace;        /* one line per executed instruction, or NULL */
    sim_model model;    /* functional behaviour outside the portable subset */
    uint64_t max_cycles;/* an instruction that would end after this cycle is an error;
                         * 0: SIM_DEFAULT_MAX_CYCLES if functional, else none */
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
