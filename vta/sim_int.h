/* sim_int: internals shared by the simulator's scheduler (sim.c) and its functional
 * data path (sim_exec.c): the on-chip SRAM state and the per-instruction executors.
 * Invariant: the executors never check ranges; sim.c has proved every SRAM and DRAM
 * index of an instruction in range before calling one of them. */
#ifndef EMBEDSYN_VTA_SIM_INT_H
#define EMBEDSYN_VTA_SIM_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "vta/hw.h"
#include "vta/isa.h"

/* LOAD memory type 5: int8 data sign-extended into ACC rows (TVM's ACC_8BIT; outside
 * the portable subset). Elements have OUT's size. */
#define SIM_MEM_ACC8 5u /* = PORT_MEM_ACC8 */

typedef struct sim_sram {
    int64_t batch, bin, bout;   /* BATCH, BLOCK_IN, BLOCK_OUT */
    int64_t depth[6];           /* rows per memory type (index hw_mem; OUT = ACC; 5 = ACC8 -> ACC) */
    int64_t ebytes[6];          /* DRAM bytes of one element per memory type */
    bool functional;            /* data buffers allocated and computed */
    int model;                  /* sim_model: behaviour outside the portable subset */
    int shr_bits;               /* log_acc_width: bits of the SHR amount in the HLS model */
    bool avx2;                  /* AVX2 GEMM kernel usable (cpu + shape) */
    /* Data buffers (functional mode only). INP and WGT are kept widened to int16 so
     * the GEMM kernel can use 16-bit multiply-add directly. */
    int16_t *inp;               /* depth[INP] x batch*bin */
    int16_t *wgt;               /* depth[WGT] x bout*bin, pair-interleaved (sim_exec.c) */
    int32_t *acc;               /* depth[ACC] x batch*bout */
    uint8_t *out;               /* depth[ACC] x batch*bout (low 8 bits of results) */
    /* Micro-ops (both modes: indices drive the range checks). */
    vta_uop *uop;               /* depth[UOP] */
    uint8_t *uop_valid;         /* 1 once a LOAD UOP wrote the slot */
} sim_sram;

/* False: out of memory. Either way the caller frees m once with sim_sram_free. */
bool sim_sram_init(sim_sram *m, const hw_config *hw, bool functional);
void sim_sram_free(sim_sram *m);

/* LOAD of memory type mem (UOP, WGT, INP, ACC or SIM_MEM_ACC8) including padding.
 * UOP loads always run (timing-only too); the others only in functional mode. */
void sim_exec_load(sim_sram *m, const hw_config *hw, const vta_insn *in, const uint8_t *dram);
/* STORE of OUT rows to DRAM (functional mode only; the fsim model stores the low 8
 * bits of ACC). */
void sim_exec_store(const sim_sram *m, const vta_insn *in, uint8_t *dram);
/* GEMM and ALU over the two-level loop (functional mode only). */
void sim_exec_gemm(sim_sram *m, const vta_insn *in);
void sim_exec_alu(sim_sram *m, const vta_insn *in);

/* Duration of an instruction under the timing model (sim_time.c); false if it does not
 * fit 64 bits. Ranges must have been checked (ebytes of the memory type). */
bool sim_time_insn(const hw_config *hw, const sim_sram *m, const vta_insn *in, uint64_t *dur);

/* The ALU's scalar operation on one lane (opcode 4 = MUL, outside the portable subset). */
int32_t sim_alu_op(uint32_t op, int32_t a, int32_t b);
/* The same under a sim_model (SHR amount decoding differs, sim.h). */
int32_t sim_alu_op_model(int model, int shr_bits, uint32_t op, int32_t a, int32_t b);

#endif
