/* isa: VTA's 128-bit instructions and 32-bit micro-ops, bit-exact to DESIGN section 5
 * for the default configuration. Fields are tables (X-macros) of (lo bit, width);
 * encoding goes through shift/mask helpers, never C bitfields. For other
 * configurations the index fields follow the buffer depths (see isa.c for the rule).
 * Invariant: vta_insn_encode never truncates: a value that does not fit is an error. */
#ifndef EMBEDSYN_VTA_ISA_H
#define EMBEDSYN_VTA_ISA_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/status.h"
#include "vta/hw.h"

/* Widths of the fixed-width instruction fields: the field tables of isa.c are built
 * from them, and every limit elsewhere (schedule, DMA decomposition) is derived from
 * them, so each width is written once. */
#define VTA_ITER_BITS 14        /* iter_out, iter_in */
#define VTA_PAD_BITS 4          /* y_pad_0/1, x_pad_0/1 */
#define VTA_SIZE_BITS 16        /* y_size, x_size, x_stride */
#define VTA_SRAM_BASE_BITS 16   /* sram_base */
#define VTA_DRAM_BASE_BITS 32   /* dram_base */
#define VTA_FIELD_MAX(bits) ((int64_t)(((uint64_t)1 << (bits)) - 1))
#define VTA_MAX_ITER VTA_FIELD_MAX(VTA_ITER_BITS)
#define VTA_MAX_PAD VTA_FIELD_MAX(VTA_PAD_BITS)
#define VTA_MAX_SIZE VTA_FIELD_MAX(VTA_SIZE_BITS)
#define VTA_MAX_SRAM_BASE VTA_FIELD_MAX(VTA_SRAM_BASE_BITS)
#define VTA_MAX_DRAM_BASE VTA_FIELD_MAX(VTA_DRAM_BASE_BITS)

typedef enum { VTA_OP_LOAD = 0, VTA_OP_STORE = 1, VTA_OP_GEMM = 2, VTA_OP_FINISH = 3, VTA_OP_ALU = 4 } vta_opcode;
typedef enum { VTA_ALU_MIN = 0, VTA_ALU_MAX = 1, VTA_ALU_ADD = 2, VTA_ALU_SHR = 3 } vta_alu_op;

/* Decoded instruction: the union of all fields; unused fields are 0. */
typedef struct vta_insn {
    uint32_t opcode;                 /* vta_opcode */
    bool pop_prev, pop_next, push_prev, push_next;
    /* LOAD / STORE */
    uint32_t mem_type;               /* hw_mem */
    uint32_t sram_base, dram_base;
    uint32_t y_size, x_size, x_stride;
    uint32_t y_pad_0, y_pad_1, x_pad_0, x_pad_1;
    /* GEMM / ALU */
    bool reset;
    uint32_t uop_bgn, uop_end, iter_out, iter_in;
    uint32_t dst_factor_out, dst_factor_in, src_factor_out, src_factor_in;
    uint32_t wgt_factor_out, wgt_factor_in;  /* GEMM */
    uint32_t alu_opcode;                     /* ALU */
    bool use_imm;
    int32_t imm;                             /* ALU, signed 16 bit */
} vta_insn;

typedef struct vta_word128 { uint64_t lo, hi; } vta_word128;
#define VTA_INSN_BYTES 16 /* an encoded instruction in DRAM */

typedef struct vta_uop { uint32_t acc, inp, wgt; } vta_uop; /* ALU: inp = acc source index */

bool vta_insn_encode(const hw_config *hw, const vta_insn *in, vta_word128 *out, status *st);
bool vta_insn_decode(const hw_config *hw, vta_word128 w, vta_insn *out, status *st);
bool vta_uop_encode(const hw_config *hw, const vta_uop *u, uint32_t *out, status *st);
vta_uop vta_uop_decode(const hw_config *hw, uint32_t w);
/* Little-endian 16-byte image of an instruction. */
void vta_word128_store(vta_word128 w, uint8_t *bytes16);
vta_word128 vta_word128_load(const uint8_t *bytes16);

/* One line of disassembly (no newline). */
void vta_insn_format(const vta_insn *in, char *buf, size_t len);

/* Assembler-level constructors (all other fields zero). */
vta_insn vta_load(uint32_t mem_type, uint32_t sram_base, uint32_t dram_base, uint32_t y_size,
                  uint32_t x_size, uint32_t x_stride);
vta_insn vta_store(uint32_t sram_base, uint32_t dram_base, uint32_t y_size, uint32_t x_size,
                   uint32_t x_stride);
vta_insn vta_gemm(bool reset, uint32_t uop_bgn, uint32_t uop_end, uint32_t iter_out, uint32_t iter_in);
vta_insn vta_alu(uint32_t alu_op, uint32_t uop_bgn, uint32_t uop_end, uint32_t iter_out,
                 uint32_t iter_in, bool use_imm, int32_t imm);
vta_insn vta_finish(void);

/* Additions (isa helper). Can this config's fields be placed (instructions <= 128 bits,
 * micro-ops <= 32 bits)? Error names the instruction kind and the bit count. */
bool vta_isa_check(const hw_config *hw, status *st);
/* Position of a named field ("dst_factor_out", "memory_type", ...) of the instruction
 * format used by `opcode` in this config; false if no such field or bad config. */
bool vta_isa_field(const hw_config *hw, uint32_t opcode, const char *name, int *lo, int *width);
/* "LOAD", "UOP", "MAX", or "?" for values outside the tables. */
const char *vta_opcode_name(uint32_t opcode);
const char *vta_mem_name(uint32_t mem_type);
const char *vta_alu_name(uint32_t alu_op);
/* Shift/mask helpers over the 128-bit word: bits [lo, lo+width) (width <= 64,
 * lo + width <= 128; a field may straddle the two 64-bit words). put asserts v fits. */
uint64_t vta_bits_get(vta_word128 w, int lo, int width);
void vta_bits_put(vta_word128 *w, int lo, int width, uint64_t v);
/* One micro-op: "acc=A inp=I wgt=W" (no newline). */
void vta_uop_format(const vta_uop *u, char *buf, size_t len);

#endif
