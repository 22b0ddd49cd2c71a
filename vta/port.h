/* port: the portability checker (DESIGN section 5, "portable subset"). VTA has three
 * implementations that agree on the portable subset and disagree outside it: TVM's
 * functional simulator (fsim, src/sim/sim_driver.cc), the HLS C++ design that the FPGA
 * bitstreams are built from (hardware/xilinx/src/vta.cc) and the Chisel RTL. The
 * checker walks an instruction stream in order and reports every construct on which
 * they disagree, each finding naming the instruction index and the implementations
 * that differ. The simulator, compile and run call it; `sim --model fsim|hls`
 * (vta/sim.h) reproduces what each of the first two computes on these constructs.
 *
 * Constructs (port_kind):
 *   wgt_pad       LOAD WGT with a non-zero pad field: HLS ignores the pads and packs
 *                 the x_size x y_size elements back to back; fsim and Chisel pad.
 *   uop_2d        LOAD UOP with y_size != 1 or pads: HLS copies x_size micro-ops and
 *                 ignores y_size, x_stride and the pads; fsim runs the 2-D copy.
 *   store_stale   STORE of an OUT row that only a LOAD ACC or a reset GEMM wrote since
 *                 the last GEMM/ALU: HLS and Chisel store the OUT buffer (a reset GEMM
 *                 writes acc + product to OUT in HLS, LOAD ACC writes no OUT), fsim
 *                 stores the low 8 bits of ACC.
 *   shr_imm       SHR immediate outside -16..15: HLS (and Chisel) use the low
 *                 log_acc_width bits as a signed shift, fsim the whole value.
 *   alu_mul       ALU opcode 4 (MUL): fsim multiplies, the HLS design has no MUL
 *                 (ACC unchanged).
 *   acc_8bit      LOAD of memory type 5 (ACC_8BIT): fsim sign-extends int8 into ACC,
 *                 the HLS compute module ignores the load.
 *   after_finish  instructions after the first FINISH: fsim and HLS execute them, but
 *                 HLS raises its done flag at the FINISH, so a runtime may read the
 *                 results before they complete.
 *   flag          a dependency flag meaningless for the instruction's module (every
 *                 implementation ignores it, but queue wiring differs between them).
 *
 * Invariant: the check is bounded on any input: every loop is limited by a buffer
 * depth (rows outside a buffer are the simulator's errors and are skipped here) and
 * the micro-op fan-out of STORE tracking by PORT_WORK_BUDGET (past it the store_stale
 * tracking stops and the report says so). */
#ifndef EMBEDSYN_VTA_PORT_H
#define EMBEDSYN_VTA_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/status.h"
#include "vta/hw.h"
#include "vta/isa.h"

/* kind, name, implementations that differ */
#define PORT_KINDS(X)                                                            \
    X(PORT_WGT_PAD, "wgt_pad", "HLS vs fsim/Chisel")                             \
    X(PORT_UOP_2D, "uop_2d", "HLS vs fsim")                                      \
    X(PORT_STORE_STALE, "store_stale", "HLS/Chisel (store OUT) vs fsim (stores ACC)") \
    X(PORT_SHR_IMM, "shr_imm", "HLS/Chisel vs fsim")                             \
    X(PORT_ALU_MUL, "alu_mul", "fsim vs HLS")                                    \
    X(PORT_ACC_8BIT, "acc_8bit", "fsim vs HLS")                                  \
    X(PORT_AFTER_FINISH, "after_finish", "HLS (done at FINISH) vs fsim")         \
    X(PORT_FLAG, "flag", "fsim vs HLS/Chisel queue wiring")

typedef enum {
#define PORT_ENUM(k, name, impls) k,
    PORT_KINDS(PORT_ENUM)
#undef PORT_ENUM
    PORT_NKINDS
} port_kind;

/* Non-portable encodings the decoder accepts (vta_insn_decode rejects them). */
#define PORT_MEM_ACC8 5u
#define PORT_ALU_MUL 4u

/* Work units (micro-op x offset pairs) the store_stale tracking may spend. */
#define PORT_WORK_BUDGET (1ull << 30)
#define PORT_MAX_LIST 32

typedef struct port_finding {
    port_kind kind;
    uint64_t insn;
} port_finding;

typedef struct port_report {
    int64_t nfindings;
    int64_t count[PORT_NKINDS];
    port_finding list[PORT_MAX_LIST]; /* the first PORT_MAX_LIST findings, in order */
    char first[512];                  /* message of the first finding */
    uint64_t finish_insn;             /* index of the first FINISH, UINT64_MAX if none */
    bool incomplete;                  /* store_stale tracking stopped at the work budget */
} port_report;

const char *port_kind_name(port_kind k);
/* The implementations that differ on k ("HLS vs fsim/Chisel"). */
const char *port_kind_impls(port_kind k);

/* Decodes a word like vta_insn_decode but also accepts LOAD ACC_8BIT and ALU MUL
 * (fields mem_type = PORT_MEM_ACC8, alu_opcode = PORT_ALU_MUL). */
bool port_decode(const hw_config *hw, vta_word128 w, vta_insn *in, status *st);
/* "LOAD WGT", "ALU SHR", "FINISH", ... */
void port_insn_name(const vta_insn *in, char *buf, size_t len);
/* The module that runs an instruction: 1 load (LOAD INP/WGT), 2 compute, 3 store. */
int port_module_of(const vta_insn *in);

/* Checks the insn_count instructions at byte insn_addr of dram (the caller keeps the
 * stream inside the image; undecodable words are skipped: the simulator reports them).
 * Fills rep; with strict, any finding fails with its message. */
bool port_check(const hw_config *hw, const uint8_t *dram, uint64_t dram_bytes, uint64_t insn_addr,
                uint64_t insn_count, bool strict, port_report *rep, status *st);

#endif
