/* isa_testlib: instruction helpers shared by the ISA and program tests (test_isa.c,
 * test_prog.c). Static functions in a header: each test program includes it once. */
#ifndef EMBEDSYN_TESTS_ISA_TESTLIB_H
#define EMBEDSYN_TESTS_ISA_TESTLIB_H

#include <stdbool.h>

#include "vta/isa.h"

/* Every field of two instructions equal (memcmp would compare struct padding). */
static inline bool tl_insn_eq(const vta_insn *a, const vta_insn *b) {
#define F(m) (a->m == b->m) &&
    return F(opcode) F(pop_prev) F(pop_next) F(push_prev) F(push_next) F(mem_type)
        F(sram_base) F(dram_base) F(y_size) F(x_size) F(x_stride) F(y_pad_0) F(y_pad_1)
        F(x_pad_0) F(x_pad_1) F(reset) F(uop_bgn) F(uop_end) F(iter_out) F(iter_in)
        F(dst_factor_out) F(dst_factor_in) F(src_factor_out) F(src_factor_in)
        F(wgt_factor_out) F(wgt_factor_in) F(alu_opcode) F(use_imm) F(imm) true;
#undef F
}

#endif
