/* hw: the VTA hardware configuration (shapes, buffer sizes, bus, timing constants,
 * energy, memory types) and its loader from a hardware XML (core/schemas/hardware.xsd).
 * The built-in default equals TVM's default VTA (DESIGN section 5). Sizes are kept
 * as log2 values exactly like TVM's vta_config.json; everything else is derived.
 * Invariant: a config that passed hw_check has power-of-two shapes, int8 inputs and
 * weights, int32 accumulators, and buffer depths >= 1. */
#ifndef EMBEDSYN_VTA_HW_H
#define EMBEDSYN_VTA_HW_H

#include <stdint.h>
#include <stdio.h>

#include "core/hw.h"
#include "core/status.h"

/* Shape fields: X(field, xml attribute, default, doc) */
#define HW_SHAPE_FIELDS(X)                                                          \
    X(log_inp_width, "log_inp_width", 3, "log2 bits of an input element")          \
    X(log_wgt_width, "log_wgt_width", 3, "log2 bits of a weight element")          \
    X(log_acc_width, "log_acc_width", 5, "log2 bits of an accumulator element")    \
    X(log_batch, "log_batch", 0, "log2 BATCH")                                     \
    X(log_block_in, "log_block_in", 4, "log2 BLOCK_IN")                            \
    X(log_block_out, "log_block_out", 4, "log2 BLOCK_OUT")                         \
    X(log_uop_buff_size, "log_uop_buff_size", 15, "log2 bytes of the micro-op buffer") \
    X(log_inp_buff_size, "log_inp_buff_size", 15, "log2 bytes of the input buffer") \
    X(log_wgt_buff_size, "log_wgt_buff_size", 18, "log2 bytes of the weight buffer") \
    X(log_acc_buff_size, "log_acc_buff_size", 17, "log2 bytes of the accumulator buffer") \
    X(log_bus_width, "log_bus_width", 6, "log2 bits of the DRAM bus (64-bit AXI)")

/* Timing constants of the cycle simulator (cycles unless said otherwise):
 * X(field, xml attribute, default, doc) */
#define HW_TIMING_FIELDS(X)                                                          \
    X(fetch_insn_cycles, "fetch_insn_cycles", 2, "cycles to fetch one 128-bit instruction (2 bus beats)") \
    X(dram_latency, "dram_latency", 32, "latency of one DRAM burst (read or write)") \
    X(max_burst_beats, "max_burst_beats", 256, "longest AXI burst in bus beats")      \
    X(burst_boundary, "burst_boundary", 2048, "bursts never cross this byte boundary") \
    X(load_startup, "load_startup", 4, "fixed cycles per LOAD/STORE instruction")     \
    X(store_startup, "store_startup", 4, "fixed cycles per STORE instruction")        \
    X(gemm_startup, "gemm_startup", 4, "fixed cycles per GEMM instruction")           \
    X(alu_startup, "alu_startup", 4, "fixed cycles per ALU instruction")              \
    X(gemm_iter_cycles, "gemm_iter_cycles", 1, "cycles per GEMM micro-op iteration")  \
    X(alu_imm_cycles, "alu_imm_cycles", 1, "cycles per ALU iteration with immediate") \
    X(alu_reg_cycles, "alu_reg_cycles", 2, "cycles per ALU iteration without immediate")

/* Energy per action of the cost model (vta/cost), femtojoules, read from the optional
 * <energy> element: X(field, xml attribute, default, doc). Defaults: Horowitz, "Computing's
 * energy problem", ISSCC 2014, 45 nm figures: 8-bit multiply 0.2 pJ + 32-bit add 0.1 pJ
 * per MAC; 32-bit add 0.1 pJ per ALU lane; DRAM 1.3-2.6 nJ per 64-bit access (midpoint
 * 1.95 nJ = 244 pJ/byte; an instruction fetch is 16 such bytes); SRAM 64-bit read 20 pJ
 * at 32 KB and 100 pJ at 1 MB, interpolated on log2(size): 32 KB 2.5 pJ/byte (UOP, INP,
 * OUT), 128 KB 4.76 pJ/byte (ACC), 256 KB 6.56 pJ/byte (WGT); writes cost as reads. */
#define HW_ENERGY_FIELDS(X)                                                          \
    X(e_mac_fj, "mac_fj", 300, "one int8 MAC (multiply + 32-bit accumulate)")        \
    X(e_alu_fj, "alu_fj", 100, "one ALU lane operation (32-bit)")                    \
    X(e_dram_byte_fj, "dram_byte_fj", 243750, "one byte moved to or from DRAM")      \
    X(e_insn_fj, "insn_fj", 3900000, "one 16-byte instruction fetched from DRAM")    \
    X(e_uop_byte_fj, "uop_byte_fj", 2500, "one byte read or written in the UOP buffer") \
    X(e_inp_byte_fj, "inp_byte_fj", 2500, "one byte read or written in the INP buffer") \
    X(e_wgt_byte_fj, "wgt_byte_fj", 6560, "one byte read or written in the WGT buffer") \
    X(e_acc_byte_fj, "acc_byte_fj", 4760, "one byte read or written in the ACC buffer") \
    X(e_out_byte_fj, "out_byte_fj", 2500, "one byte read or written in the OUT buffer")

typedef struct hw_config {
    char name[64];
#define HW_DECL(f, a, d, doc) int32_t f;
    HW_SHAPE_FIELDS(HW_DECL)
    HW_TIMING_FIELDS(HW_DECL)
    HW_ENERGY_FIELDS(HW_DECL)
#undef HW_DECL
} hw_config;

/* TVM's default VTA (pynq-like): BATCH 1, BLOCK 16x16, buffers as DESIGN section 5. */
hw_config hw_default(void);
/* Consistency of a loaded config; fills st with "FILE:LINE:"-less text on error
 * (hw_load adds the location). */
bool hw_check(const hw_config *hw, status *st);
void hw_print(FILE *f, const hw_config *hw);
/* Loads a hardware XML (<hardware>: <shape>, <timing>, <energy> attributes over
 * hw_default; name from the root's name attribute or the file's base name). Every
 * failure is "FILE:LINE: message"; a config handed out passed hw_check. */
bool hw_load(const char *path, hw_config *hw, status *st);

/* Derived shapes. */
static inline int64_t hw_batch(const hw_config *h) { return (int64_t)1 << h->log_batch; }
static inline int64_t hw_block_in(const hw_config *h) { return (int64_t)1 << h->log_block_in; }
static inline int64_t hw_block_out(const hw_config *h) { return (int64_t)1 << h->log_block_out; }
static inline int64_t hw_bus_bytes(const hw_config *h) { return ((int64_t)1 << h->log_bus_width) / 8; }

/* The intrinsic's shape (core/hw.h) of config h: all that embeddings, the encoder and
 * the target-independent pipeline see of the hardware. */
hw_intrinsic hw_intrinsic_of(const hw_config *h);
/* The intrinsic of config h as a pointer valid in the enclosing block, for the calls
 * into core/ and encoders/: emb_check(o, HW_INTRINSIC(hw), e, st). */
#define HW_INTRINSIC(h) ((const hw_intrinsic[1]){hw_intrinsic_of(h)})

/* Memory types, numbered as the ISA's memory_type field. */
typedef enum { HW_MEM_UOP = 0, HW_MEM_WGT = 1, HW_MEM_INP = 2, HW_MEM_ACC = 3, HW_MEM_OUT = 4 } hw_mem;
/* Bytes of one element (one buffer row) of a memory type: UOP 4, WGT BO*BI, INP B*BI,
 * ACC B*BO*4, OUT B*BO (for the default VTA: 4, 256, 16, 64, 16). */
static inline int64_t hw_elem_bytes(const hw_config *h, hw_mem m) {
    int64_t b = hw_batch(h), bi = hw_block_in(h), bo = hw_block_out(h);
    int64_t ib = ((int64_t)1 << h->log_inp_width) / 8, wb = ((int64_t)1 << h->log_wgt_width) / 8;
    int64_t ab = ((int64_t)1 << h->log_acc_width) / 8;
    switch (m) {
    case HW_MEM_UOP: return 4;
    case HW_MEM_WGT: return bo * bi * wb;
    case HW_MEM_INP: return b * bi * ib;
    case HW_MEM_ACC: return b * bo * ab;
    case HW_MEM_OUT: return b * bo * ib;
    }
    ES_ASSERT(0);
    return 0;
}
/* Buffer depth in rows (default: UOP 8192, WGT 1024, INP 2048, ACC 2048, OUT 2048;
 * OUT is indexed like ACC). */
int64_t hw_depth(const hw_config *h, hw_mem m);

#endif
