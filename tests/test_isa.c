/* Tests of vta/isa: every field of every instruction kind against 128-bit words
 * computed by hand from DESIGN section 5 (not by the encoder), decode errors, range
 * errors per field, random round trips, non-default configurations (field widths follow
 * the buffer depths; > 128 bits rejected), micro-ops, the bit helpers and the
 * disassembler. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tests/isa_testlib.h"
#include "vta/hw.h"
#include "vta/isa.h"

/* Sets a field of a decoded instruction by its DESIGN name (test-side, independent of
 * the encoder's tables). */
static void set_field(vta_insn *in, const char *f, int64_t v) {
#define S(name, member) if (!strcmp(f, name)) { in->member = (__typeof__(in->member))v; return; }
    S("pop_prev", pop_prev) S("pop_next", pop_next) S("push_prev", push_prev)
    S("push_next", push_next) S("memory_type", mem_type) S("sram_base", sram_base)
    S("dram_base", dram_base) S("y_size", y_size) S("x_size", x_size) S("x_stride", x_stride)
    S("y_pad_0", y_pad_0) S("y_pad_1", y_pad_1) S("x_pad_0", x_pad_0) S("x_pad_1", x_pad_1)
    S("reset", reset) S("uop_bgn", uop_bgn) S("uop_end", uop_end) S("iter_out", iter_out)
    S("iter_in", iter_in) S("dst_factor_out", dst_factor_out) S("dst_factor_in", dst_factor_in)
    S("src_factor_out", src_factor_out) S("src_factor_in", src_factor_in)
    S("wgt_factor_out", wgt_factor_out) S("wgt_factor_in", wgt_factor_in)
    S("alu_opcode", alu_opcode) S("use_imm", use_imm) S("imm", imm)
#undef S
    cr_assert_fail("unknown field %s", f);
}

static vta_insn base_insn(uint32_t opcode) {
    vta_insn in;
    memset(&in, 0, sizeof in);
    in.opcode = opcode;
    if (opcode == VTA_OP_STORE)
        in.mem_type = HW_MEM_OUT;
    return in;
}

typedef struct expect {
    uint32_t opcode;
    const char *field;
    int64_t value;
    uint64_t lo, hi; /* expected words, computed by hand */
} expect;

/* Maximum value of each field (all ones) -> the bits of DESIGN's table. Words include
 * the opcode (LOAD 0, STORE 1 + memory_type OUT 4<<7 = 0x201, GEMM 2, ALU 4). */
static const expect default_fields[] = {
    {VTA_OP_LOAD, "pop_prev", 1, 0x8, 0},
    {VTA_OP_LOAD, "pop_next", 1, 0x10, 0},
    {VTA_OP_LOAD, "push_prev", 1, 0x20, 0},
    {VTA_OP_LOAD, "push_next", 1, 0x40, 0},
    {VTA_OP_LOAD, "memory_type", 3, 0x180, 0},
    {VTA_OP_LOAD, "sram_base", 0xFFFF, 0x3FFFC00, 0},
    {VTA_OP_LOAD, "dram_base", 0xFFFFFFFF, 0x03FFFFFFFC000000ull, 0},
    {VTA_OP_LOAD, "y_size", 0xFFFF, 0, 0xFFFF},
    {VTA_OP_LOAD, "x_size", 0xFFFF, 0, 0xFFFF0000ull},
    {VTA_OP_LOAD, "x_stride", 0xFFFF, 0, 0x0000FFFF00000000ull},
    {VTA_OP_LOAD, "y_pad_0", 0xF, 0, 0x000F000000000000ull},
    {VTA_OP_LOAD, "y_pad_1", 0xF, 0, 0x00F0000000000000ull},
    {VTA_OP_LOAD, "x_pad_0", 0xF, 0, 0x0F00000000000000ull},
    {VTA_OP_LOAD, "x_pad_1", 0xF, 0, 0xF000000000000000ull},
    {VTA_OP_STORE, "push_prev", 1, 0x221, 0},
    {VTA_OP_STORE, "sram_base", 0xFFFF, 0x3FFFE01, 0},
    {VTA_OP_STORE, "dram_base", 0xFFFFFFFF, 0x03FFFFFFFC000201ull, 0},
    {VTA_OP_STORE, "y_size", 0xFFFF, 0x201, 0xFFFF},
    {VTA_OP_STORE, "x_size", 0xFFFF, 0x201, 0xFFFF0000ull},
    {VTA_OP_STORE, "x_stride", 0xFFFF, 0x201, 0x0000FFFF00000000ull},
    {VTA_OP_GEMM, "pop_next", 1, 0x12, 0},
    {VTA_OP_GEMM, "wgt_factor_out", 0x3FF, 0x2, 0x3FF00000000000ull},
    {VTA_OP_GEMM, "wgt_factor_in", 0x3FF, 0x2, 0xFFC0000000000000ull},
    {VTA_OP_ALU, "push_next", 1, 0x44, 0},
    {VTA_OP_ALU, "alu_opcode", 3, 0x4, 0x300000000000ull},
    {VTA_OP_ALU, "use_imm", 1, 0x4, 0x800000000000ull},
    {VTA_OP_ALU, "imm", -1, 0x4, 0xFFFF000000000000ull},
    {VTA_OP_ALU, "imm", -32768, 0x4, 0x8000000000000000ull},
    {VTA_OP_ALU, "imm", 32767, 0x4, 0x7FFF000000000000ull},
    {VTA_OP_ALU, "imm", 5, 0x4, 0x0005000000000000ull},
    {VTA_OP_FINISH, "pop_prev", 1, 0xB, 0},
};

/* The fields GEMM and ALU share, at the same bits: the words without the opcode (the
 * test adds GEMM's 2 or ALU's 4). */
static const expect loop_fields[] = {
    {0, "reset", 1, 0x80, 0},
    {0, "uop_bgn", 0x1FFF, 0x1FFF00, 0},
    {0, "uop_end", 0x3FFF, 0x7FFE00000ull, 0},
    {0, "iter_out", 0x3FFF, 0x1FFF800000000ull, 0},
    {0, "iter_in", 0x3FFF, 0x7FFE000000000000ull, 0},
    {0, "dst_factor_out", 0x7FF, 0, 0x7FF},
    {0, "dst_factor_in", 0x7FF, 0, 0x3FF800},
    {0, "src_factor_out", 0x7FF, 0, 0x1FFC00000ull},
    {0, "src_factor_in", 0x7FF, 0, 0xFFE00000000ull},
};

static void check_expect(const hw_config *hw, const expect *e, size_t n) {
    for (size_t i = 0; i < n; i++) {
        vta_insn in = base_insn(e[i].opcode);
        set_field(&in, e[i].field, e[i].value);
        vta_word128 w;
        status st;
        status_init(&st);
        cr_assert(vta_insn_encode(hw, &in, &w, &st), "%s %s: %s", vta_opcode_name(e[i].opcode),
                  e[i].field, st.msg);
        cr_expect(w.lo == e[i].lo && w.hi == e[i].hi,
                  "%s %s=%lld: got %016llx:%016llx want %016llx:%016llx",
                  vta_opcode_name(e[i].opcode), e[i].field, (long long)e[i].value,
                  (unsigned long long)w.hi, (unsigned long long)w.lo,
                  (unsigned long long)e[i].hi, (unsigned long long)e[i].lo);
        vta_insn back;
        cr_assert(vta_insn_decode(hw, (vta_word128){e[i].lo, e[i].hi}, &back, &st), "%s", st.msg);
        cr_expect(tl_insn_eq(&back, &in), "%s %s: decode differs",
                  vta_opcode_name(e[i].opcode), e[i].field);
    }
}

Test(isa, default_fields_match_design_table) {
    hw_config hw = hw_default();
    check_expect(&hw, default_fields, sizeof default_fields / sizeof default_fields[0]);
    for (size_t i = 0; i < sizeof loop_fields / sizeof loop_fields[0]; i++) {
        expect g = loop_fields[i], a = loop_fields[i];
        g.opcode = VTA_OP_GEMM;
        g.lo |= 0x2;
        a.opcode = VTA_OP_ALU;
        a.lo |= 0x4;
        check_expect(&hw, &g, 1);
        check_expect(&hw, &a, 1);
    }
}

Test(isa, whole_load_instruction) {
    hw_config hw = hw_default();
    vta_insn in = vta_load(HW_MEM_INP, 0, 0x100, 4, 16, 16);
    in.x_pad_0 = 1;
    in.x_pad_1 = 1;
    in.pop_next = in.push_next = true;
    vta_word128 w;
    status st;
    status_init(&st);
    cr_assert(vta_insn_encode(&hw, &in, &w, &st), "%s", st.msg);
    /* lo: push_next 0x40 | pop_next 0x10 | INP 2<<7 | 0x100<<26; hi: y 4, x 16<<16,
     * stride 16<<32, x_pad_0 1<<56, x_pad_1 1<<60 */
    cr_assert_eq(w.lo, 0x0000000400000150ull);
    cr_assert_eq(w.hi, 0x1100001000100004ull);
    uint8_t b[16];
    vta_word128_store(w, b);
    const uint8_t want[16] = {0x50, 0x01, 0, 0, 0x04, 0, 0, 0, 0x04, 0, 0x10, 0, 0x10, 0, 0, 0x11};
    cr_assert(memcmp(b, want, 16) == 0);
    vta_word128 w2 = vta_word128_load(b);
    cr_assert(w2.lo == w.lo && w2.hi == w.hi);
    char line[200];
    vta_insn_format(&in, line, sizeof line);
    cr_assert_str_eq(line, "LOAD INP sram=0 dram=0x100 y=4 x=16 stride=16 pad=(0,0,1,1) [pop_next push_next]");
}

Test(isa, field_query_default) {
    hw_config hw = hw_default();
    status st;
    status_init(&st);
    cr_assert(vta_isa_check(&hw, &st), "%s", st.msg); /* also asserts the table positions */
    int lo, wd;
    cr_assert(vta_isa_field(&hw, VTA_OP_GEMM, "dst_factor_out", &lo, &wd));
    cr_assert(lo == 64 && wd == 11);
    cr_assert(vta_isa_field(&hw, VTA_OP_LOAD, "y_size", &lo, &wd));
    cr_assert(lo == 64 && wd == 16);
    cr_assert_not(vta_isa_field(&hw, VTA_OP_LOAD, "uop_bgn", &lo, &wd));
    cr_assert_not(vta_isa_field(&hw, 6, "opcode", &lo, &wd));
}

/* ---- errors ----------------------------------------------------------------------- */

static void expect_encode_error(const hw_config *hw, const vta_insn *in, const char *needle) {
    vta_word128 w;
    status st;
    status_init(&st);
    cr_assert_not(vta_insn_encode(hw, in, &w, &st), "expected an error mentioning %s", needle);
    cr_assert(strstr(st.msg, needle), "message '%s' does not mention '%s'", st.msg, needle);
}

Test(isa, out_of_range_rejected_per_field) {
    hw_config hw = hw_default();
    /* one above the maximum of each field (widths from DESIGN) */
    static const struct { uint32_t op; const char *f; int64_t v; } bad[] = {
        {VTA_OP_LOAD, "sram_base", 0x10000}, {VTA_OP_LOAD, "y_size", 0x10000},
        {VTA_OP_LOAD, "x_size", 0x10000},    {VTA_OP_LOAD, "x_stride", 0x10000},
        {VTA_OP_LOAD, "y_pad_0", 16},        {VTA_OP_LOAD, "y_pad_1", 16},
        {VTA_OP_LOAD, "x_pad_0", 16},        {VTA_OP_LOAD, "x_pad_1", 16},
        {VTA_OP_STORE, "x_stride", 0x10000}, {VTA_OP_GEMM, "uop_bgn", 0x2000},
        {VTA_OP_GEMM, "uop_end", 0x4000},    {VTA_OP_GEMM, "iter_out", 0x4000},
        {VTA_OP_GEMM, "iter_in", 0x4000},    {VTA_OP_GEMM, "dst_factor_out", 0x800},
        {VTA_OP_GEMM, "dst_factor_in", 0x800}, {VTA_OP_GEMM, "src_factor_out", 0x800},
        {VTA_OP_GEMM, "src_factor_in", 0x800}, {VTA_OP_GEMM, "wgt_factor_out", 0x400},
        {VTA_OP_GEMM, "wgt_factor_in", 0x400}, {VTA_OP_ALU, "uop_bgn", 0x2000},
        {VTA_OP_ALU, "uop_end", 0x4000},     {VTA_OP_ALU, "iter_out", 0x4000},
        {VTA_OP_ALU, "iter_in", 0x4000},     {VTA_OP_ALU, "dst_factor_out", 0x800},
        {VTA_OP_ALU, "dst_factor_in", 0x800}, {VTA_OP_ALU, "src_factor_out", 0x800},
        {VTA_OP_ALU, "src_factor_in", 0x800}, {VTA_OP_ALU, "imm", 32768},
        {VTA_OP_ALU, "imm", -32769},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vta_insn in = base_insn(bad[i].op);
        set_field(&in, bad[i].f, bad[i].v);
        char needle[64];
        snprintf(needle, sizeof needle, "'%s'", bad[i].f);
        expect_encode_error(&hw, &in, needle);
    }
    /* the maximum itself is fine (checked bit-exactly above); dram_base uses all 32 bits */
}

Test(isa, enumerations_rejected_on_encode) {
    hw_config hw = hw_default();
    vta_insn in = base_insn(5);
    expect_encode_error(&hw, &in, "'opcode'");
    in = vta_load(HW_MEM_OUT, 0, 0, 1, 1, 1);
    expect_encode_error(&hw, &in, "'memory_type'");
    in = vta_store(0, 0, 1, 1, 1);
    in.mem_type = HW_MEM_INP;
    expect_encode_error(&hw, &in, "'memory_type'");
    in = vta_alu(4, 0, 1, 1, 1, true, 0);
    expect_encode_error(&hw, &in, "'alu_opcode'");
    /* fields a kind does not have are not silently dropped */
    in = vta_load(HW_MEM_INP, 0, 0, 1, 1, 1);
    in.uop_bgn = 3;
    expect_encode_error(&hw, &in, "uop_bgn");
    in = vta_gemm(false, 0, 1, 1, 1);
    in.imm = 2;
    expect_encode_error(&hw, &in, "imm");
    in = vta_finish();
    in.x_size = 1;
    expect_encode_error(&hw, &in, "x_size");
}

static void expect_decode_error(vta_word128 w, const char *needle) {
    hw_config hw = hw_default();
    vta_insn in;
    status st;
    status_init(&st);
    cr_assert_not(vta_insn_decode(&hw, w, &in, &st), "expected error %s", needle);
    cr_assert(strstr(st.msg, needle), "message '%s' lacks '%s'", st.msg, needle);
}

Test(isa, invalid_opcode_and_memtype_on_decode) {
    for (uint64_t op = 5; op <= 7; op++)
        expect_decode_error((vta_word128){op, 0}, "'opcode'");
    expect_decode_error((vta_word128){0x0 | (4u << 7), 0}, "'memory_type'");   /* LOAD OUT */
    expect_decode_error((vta_word128){0x0 | (7u << 7), 0}, "'memory_type'");   /* LOAD 7 */
    for (uint64_t m = 0; m < 8; m++)
        if (m != 4)
            expect_decode_error((vta_word128){0x1 | (m << 7), 0}, "'memory_type'"); /* STORE */
    expect_decode_error((vta_word128){0x4, 5ull << 44}, "'alu_opcode'");
    /* and the valid memory types decode */
    hw_config hw = hw_default();
    vta_insn in;
    status st;
    status_init(&st);
    for (uint64_t m = 0; m < 4; m++) {
        cr_assert(vta_insn_decode(&hw, (vta_word128){m << 7, 0}, &in, &st), "%s", st.msg);
        cr_assert_eq(in.mem_type, m);
    }
}

/* ---- round trips ------------------------------------------------------------------ */

static const char *const mem_f[] = {"pop_prev", "pop_next", "push_prev", "push_next", "sram_base",
                                    "dram_base", "y_size", "x_size", "x_stride", "y_pad_0",
                                    "y_pad_1", "x_pad_0", "x_pad_1"};
static const char *const loop_f[] = {"pop_prev", "pop_next", "push_prev", "push_next", "reset",
                                     "uop_bgn", "uop_end", "iter_out", "iter_in",
                                     "dst_factor_out", "dst_factor_in", "src_factor_out",
                                     "src_factor_in"};

static uint64_t rnd64(unsigned *s) {
    uint64_t r = 0;
    for (int i = 0; i < 4; i++)
        r = (r << 16) ^ (uint64_t)(rand_r(s) & 0xFFFF);
    return r;
}

/* Random instruction for hw; fields drawn within the widths vta_isa_field reports (or
 * all at their maximum when max_all). */
static vta_insn random_insn(const hw_config *hw, unsigned *s, bool max_all) {
    static const uint32_t ops[] = {VTA_OP_LOAD, VTA_OP_STORE, VTA_OP_GEMM, VTA_OP_ALU, VTA_OP_FINISH};
    uint32_t op = ops[rand_r(s) % 5];
    vta_insn in = base_insn(op);
    const char *const *f = op <= VTA_OP_STORE ? mem_f : loop_f;
    int nf = op == VTA_OP_FINISH ? 4 : 13;
    for (int i = 0; i < nf; i++) {
        int lo, wd;
        cr_assert(vta_isa_field(hw, op, f[i], &lo, &wd));
        uint64_t m = wd >= 64 ? ~0ull : ((1ull << wd) - 1);
        set_field(&in, f[i], (int64_t)(max_all ? m : (rnd64(s) & m)));
    }
    if (op == VTA_OP_LOAD)
        in.mem_type = (uint32_t)(max_all ? 3 : rand_r(s) % 4);
    if (op == VTA_OP_GEMM) {
        int lo, wd;
        cr_assert(vta_isa_field(hw, op, "wgt_factor_out", &lo, &wd));
        uint64_t m = (1ull << wd) - 1;
        in.wgt_factor_out = (uint32_t)(max_all ? m : rnd64(s) & m);
        in.wgt_factor_in = (uint32_t)(max_all ? m : rnd64(s) & m);
    }
    if (op == VTA_OP_ALU) {
        in.alu_opcode = (uint32_t)(max_all ? 3 : rand_r(s) % 4);
        in.use_imm = max_all || rand_r(s) % 2;
        in.imm = max_all ? 32767 : (int32_t)(rand_r(s) % 65536) - 32768;
    }
    return in;
}

static hw_config cfg_block(int lb) {
    hw_config h = hw_default();
    h.log_block_in = h.log_block_out = lb;
    return h;
}

static void round_trip(const hw_config *hw) {
    unsigned s = 12345;
    for (int k = 0; k < 3000; k++) {
        vta_insn in = random_insn(hw, &s, k < 50);
        vta_word128 w;
        status st;
        status_init(&st);
        cr_assert(vta_insn_encode(hw, &in, &w, &st), "%s", st.msg);
        uint8_t b[16];
        vta_word128_store(w, b);
        vta_insn back;
        cr_assert(vta_insn_decode(hw, vta_word128_load(b), &back, &st), "%s", st.msg);
        cr_assert(tl_insn_eq(&back, &in), "round trip differs at %d (%s)", k,
                  vta_opcode_name(in.opcode));
    }
}

Test(isa, round_trip_default) {
    hw_config hw = hw_default();
    round_trip(&hw);
}

Test(isa, round_trip_block32_batch4) {
    hw_config hw = cfg_block(5);
    round_trip(&hw);
    hw = hw_default();
    hw.log_batch = 2;
    round_trip(&hw);
}

Test(isa, decode_never_crashes_on_random_words) {
    hw_config hw = hw_default();
    unsigned s = 7;
    int ok = 0;
    for (int k = 0; k < 5000; k++) {
        vta_word128 w = {rnd64(&s), rnd64(&s)};
        vta_insn in;
        status st;
        status_init(&st);
        if (!vta_insn_decode(&hw, w, &in, &st))
            continue;
        ok++;
        /* re-encoding gives the same word up to the gap bits the format ignores */
        vta_word128 w2;
        cr_assert(vta_insn_encode(&hw, &in, &w2, &st), "%s", st.msg);
        vta_insn in2;
        cr_assert(vta_insn_decode(&hw, w2, &in2, &st));
        cr_assert(tl_insn_eq(&in, &in2));
    }
    cr_assert_gt(ok, 1000);
}

/* ---- non-default configurations ---------------------------------------------------- */

Test(isa, block32_widths_follow_depths) {
    /* BLOCK 32: INP row 32 B -> 1024 rows (10 bits), WGT row 1 KiB -> 256 (8 bits),
     * ACC row 128 B -> 1024 (10 bits), UOP 8192 (13 bits). GEMM: dst 64..73, 74..83,
     * src 84..93, 94..103, wgt 104..111, 112..119. ALU: alu_opcode 104..106, use_imm 107,
     * imm 108..123. */
    hw_config hw = cfg_block(5);
    status st;
    status_init(&st);
    cr_assert(vta_isa_check(&hw, &st), "%s", st.msg);
    static const expect e[] = {
        {VTA_OP_GEMM, "iter_in", 0x3FFF, 0x7FFE000000000002ull, 0},
        {VTA_OP_GEMM, "dst_factor_out", 0x3FF, 0x2, 0x3FF},
        {VTA_OP_GEMM, "dst_factor_in", 0x3FF, 0x2, 0xFFC00},
        {VTA_OP_GEMM, "src_factor_out", 0x3FF, 0x2, 0x3FF00000},
        {VTA_OP_GEMM, "src_factor_in", 0x3FF, 0x2, 0xFFC0000000ull},
        {VTA_OP_GEMM, "wgt_factor_out", 0xFF, 0x2, 0xFF0000000000ull},
        {VTA_OP_GEMM, "wgt_factor_in", 0xFF, 0x2, 0x00FF000000000000ull},
        {VTA_OP_ALU, "alu_opcode", 3, 0x4, 0x30000000000ull},
        {VTA_OP_ALU, "use_imm", 1, 0x4, 0x80000000000ull},
        {VTA_OP_ALU, "imm", -1, 0x4, 0x0FFFF00000000000ull},
        {VTA_OP_LOAD, "x_pad_1", 0xF, 0, 0xF000000000000000ull},
    };
    check_expect(&hw, e, sizeof e / sizeof e[0]);
    vta_insn in = base_insn(VTA_OP_GEMM);
    in.dst_factor_out = 0x400;
    expect_encode_error(&hw, &in, "'dst_factor_out'");
    in = base_insn(VTA_OP_GEMM);
    in.wgt_factor_in = 0x100;
    expect_encode_error(&hw, &in, "'wgt_factor_in'");
    /* micro-op: acc 10 bits, inp 10, wgt 8 */
    vta_uop u = {0x3FF, 0, 0xFF};
    uint32_t w;
    cr_assert(vta_uop_encode(&hw, &u, &w, &st));
    cr_assert_eq(w, 0x0FF003FFu);
    u.wgt = 0x100;
    cr_assert_not(vta_uop_encode(&hw, &u, &w, &st));
    cr_assert(strstr(st.msg, "'wgt'"));
}

Test(isa, batch4_widths_follow_depths) {
    /* BATCH 4: INP row 64 B -> 512 rows (9 bits), ACC row 256 B -> 512 (9), WGT 1024
     * (10). GEMM: dst 64..72, 73..81, src 82..90, 91..99, wgt 100..109, 110..119. */
    hw_config hw = hw_default();
    hw.log_batch = 2;
    static const expect e[] = {
        {VTA_OP_GEMM, "dst_factor_in", 0x1FF, 0x2, 0x3FE00},
        {VTA_OP_GEMM, "src_factor_in", 0x1FF, 0x2, 0xFF8000000ull},
        {VTA_OP_GEMM, "wgt_factor_out", 0x3FF, 0x2, 0x3FF000000000ull},
        {VTA_OP_GEMM, "wgt_factor_in", 0x3FF, 0x2, 0xFFC00000000000ull},
        {VTA_OP_ALU, "imm", -1, 0x4, 0x00FFFF0000000000ull},
    };
    check_expect(&hw, e, sizeof e / sizeof e[0]);
    /* micro-op: acc 0..8, inp 9..17, wgt 18..27 */
    vta_uop u = {0x1FF, 0x1FF, 0x3FF};
    uint32_t w;
    status st;
    status_init(&st);
    cr_assert(vta_uop_encode(&hw, &u, &w, &st));
    cr_assert_eq(w, 0x0FFFFFFFu);
    vta_uop b = vta_uop_decode(&hw, 0x0FFFFFFFu);
    cr_assert(b.acc == 0x1FF && b.inp == 0x1FF && b.wgt == 0x3FF);
    u.acc = 0x200;
    cr_assert_not(vta_uop_encode(&hw, &u, &w, &st));
    cr_assert(strstr(st.msg, "'acc'"));
}

Test(isa, bigger_buffers_widths_follow_depths) {
    /* BLOCK 32 with INP 64 KiB (2048 rows, 11 bits), ACC 256 KiB (2048, 11), WGT 512 KiB
     * (512, 9): GEMM dst 64..74, 75..85, src 86..96, 97..107, wgt 108..116, 117..125. */
    hw_config hw = cfg_block(5);
    hw.log_inp_buff_size = 16;
    hw.log_acc_buff_size = 18;
    hw.log_wgt_buff_size = 19;
    static const expect e[] = {
        {VTA_OP_GEMM, "src_factor_out", 0x7FF, 0x2, 0x1FFC00000ull},
        {VTA_OP_GEMM, "wgt_factor_out", 0x1FF, 0x2, 0x1FF00000000000ull},
        {VTA_OP_GEMM, "wgt_factor_in", 0x1FF, 0x2, 0x3FE0000000000000ull},
    };
    check_expect(&hw, e, sizeof e / sizeof e[0]);
    round_trip(&hw);
}

Test(isa, block8_smaller_buffers_widths_follow_depths) {
    /* BLOCK 8 with INP 8 KiB (1024 rows of 8 B, 10 bits), WGT 32 KiB (512 rows of 64 B,
     * 9 bits), ACC 32 KiB (1024 rows of 32 B, 10 bits), UOP 8192 (13 bits). GEMM: dst
     * 64..73, 74..83, src 84..93, 94..103, wgt 104..112, 113..121; micro-op acc 0..9,
     * inp 10..19, wgt 20..28. */
    hw_config hw = cfg_block(3);
    hw.log_inp_buff_size = 13;
    hw.log_wgt_buff_size = 15;
    hw.log_acc_buff_size = 15;
    static const expect e[] = {
        {VTA_OP_GEMM, "uop_end", 0x3FFF, 0x7FFE00002ull, 0},
        {VTA_OP_GEMM, "src_factor_in", 0x3FF, 0x2, 0xFFC0000000ull},
        {VTA_OP_GEMM, "wgt_factor_out", 0x1FF, 0x2, 0x1FF0000000000ull},
        {VTA_OP_GEMM, "wgt_factor_in", 0x1FF, 0x2, 0x03FE000000000000ull},
        {VTA_OP_ALU, "alu_opcode", 2, 0x4, 0x20000000000ull},
        {VTA_OP_ALU, "imm", -2, 0x4, 0x0FFFE00000000000ull},
    };
    check_expect(&hw, e, sizeof e / sizeof e[0]);
    vta_uop u = {0x3FF, 0x3FF, 0x1FF};
    uint32_t w;
    status st;
    status_init(&st);
    cr_assert(vta_uop_encode(&hw, &u, &w, &st), "%s", st.msg);
    cr_assert_eq(w, 0x1FFFFFFFu);
    u.inp = 0x400;
    cr_assert_not(vta_uop_encode(&hw, &u, &w, &st));
    round_trip(&hw);
}

Test(isa, too_wide_configs_rejected) {
    status st;
    /* UOP 64 KiB = 16384 micro-ops: uop_bgn 14 bits pushes iter_in over bit 64, and the
     * GEMM format needs 142 bits. */
    hw_config hw = hw_default();
    hw.log_uop_buff_size = 16;
    status_init(&st);
    cr_assert_not(vta_isa_check(&hw, &st));
    cr_assert(strstr(st.msg, "142 bits") && strstr(st.msg, "GEMM"), "%s", st.msg);
    vta_insn in = vta_gemm(false, 0, 1, 1, 1);
    vta_word128 w;
    status_init(&st);
    cr_assert_not(vta_insn_encode(&hw, &in, &w, &st));
    cr_assert(strstr(st.msg, "128"), "%s", st.msg);
    /* BLOCK 8 with default buffer bytes: every depth 4096 (12 bits): GEMM 136 bits */
    hw = cfg_block(3);
    status_init(&st);
    cr_assert_not(vta_isa_check(&hw, &st));
    cr_assert(strstr(st.msg, "136 bits"), "%s", st.msg);
    /* ... while BLOCK 8 with buffers scaled down to the default depths is the default
     * layout */
    hw.log_inp_buff_size = 14;
    hw.log_wgt_buff_size = 16;
    hw.log_acc_buff_size = 16;
    status_init(&st);
    cr_assert(vta_isa_check(&hw, &st), "%s", st.msg);
    check_expect(&hw, default_fields, sizeof default_fields / sizeof default_fields[0]);
    /* micro-op over 32 bits: BLOCK 2 -> INP 8192 rows(13), WGT 65536 (16), ACC 4096 (12) */
    hw = cfg_block(1);
    status_init(&st);
    cr_assert_not(vta_isa_check(&hw, &st));
    vta_uop u = {0, 0, 0};
    uint32_t uw;
    status_init(&st);
    cr_assert_not(vta_uop_encode(&hw, &u, &uw, &st));
    cr_assert(strstr(st.msg, "micro-op") && strstr(st.msg, "44 bits"), "%s", st.msg);
}

/* ---- micro-ops, bits, disassembly ------------------------------------------------- */

Test(isa, uop_default) {
    hw_config hw = hw_default();
    status st;
    status_init(&st);
    uint32_t w;
    static const struct { vta_uop u; uint32_t w; } t[] = {
        {{0x7FF, 0, 0}, 0x7FF}, {{0, 0x7FF, 0}, 0x3FF800}, {{0, 0, 0x3FF}, 0xFFC00000u},
        {{1, 2, 3}, 0x1 | (2u << 11) | (3u << 22)},
    };
    for (size_t i = 0; i < 4; i++) {
        cr_assert(vta_uop_encode(&hw, &t[i].u, &w, &st), "%s", st.msg);
        cr_assert_eq(w, t[i].w);
        vta_uop b = vta_uop_decode(&hw, t[i].w);
        cr_assert(b.acc == t[i].u.acc && b.inp == t[i].u.inp && b.wgt == t[i].u.wgt);
    }
    vta_uop bad[3] = {{0x800, 0, 0}, {0, 0x800, 0}, {0, 0, 0x400}};
    const char *names[3] = {"'acc'", "'inp'", "'wgt'"};
    for (int i = 0; i < 3; i++) {
        status_init(&st);
        cr_assert_not(vta_uop_encode(&hw, &bad[i], &w, &st));
        cr_assert(strstr(st.msg, names[i]), "%s", st.msg);
    }
    char buf[64];
    vta_uop_format(&t[3].u, buf, sizeof buf);
    cr_assert_str_eq(buf, "acc=1 inp=2 wgt=3");
}

/* Reference bit access: one bit at a time. */
static int ref_bit(vta_word128 w, int i) { return (int)((i < 64 ? w.lo >> i : w.hi >> (i - 64)) & 1); }

Test(isa, bit_helpers_straddle) {
    unsigned s = 99;
    for (int k = 0; k < 4000; k++) {
        int wd = 1 + rand_r(&s) % 64;
        int lo = rand_r(&s) % (129 - wd);
        vta_word128 w = {rnd64(&s), rnd64(&s)}, orig = w;
        uint64_t v = rnd64(&s) & (wd == 64 ? ~0ull : (1ull << wd) - 1);
        uint64_t g = vta_bits_get(w, lo, wd);
        for (int i = 0; i < wd; i++)
            cr_assert_eq((int)((g >> i) & 1), ref_bit(w, lo + i));
        vta_bits_put(&w, lo, wd, v);
        for (int i = 0; i < 128; i++) {
            int want = (i >= lo && i < lo + wd) ? (int)((v >> (i - lo)) & 1) : ref_bit(orig, i);
            cr_assert_eq(ref_bit(w, i), want, "bit %d lo %d width %d", i, lo, wd);
        }
    }
}

Test(isa, disassembly) {
    char b[256];
    vta_insn in = vta_gemm(true, 0, 4, 2, 3);
    in.dst_factor_out = 16;
    in.dst_factor_in = 1;
    in.pop_prev = true;
    vta_insn_format(&in, b, sizeof b);
    cr_assert_str_eq(b, "GEMM reset uop=[0,4) iter=(2,3) dst=(16,1) src=(0,0) wgt=(0,0) [pop_prev]");
    in = vta_alu(VTA_ALU_SHR, 4, 5, 1, 8, true, -3);
    in.dst_factor_in = 1;
    in.src_factor_in = 1;
    vta_insn_format(&in, b, sizeof b);
    cr_assert_str_eq(b, "ALU SHR uop=[4,5) iter=(1,8) dst=(0,1) src=(0,1) imm=-3");
    in.use_imm = false;
    in.imm = 0;
    in.alu_opcode = VTA_ALU_ADD;
    vta_insn_format(&in, b, sizeof b);
    cr_assert_str_eq(b, "ALU ADD uop=[4,5) iter=(1,8) dst=(0,1) src=(0,1)");
    in = vta_store(3, 0x40, 1, 2, 2);
    in.pop_prev = in.push_prev = true;
    vta_insn_format(&in, b, sizeof b);
    cr_assert_str_eq(b, "STORE OUT sram=3 dram=0x40 y=1 x=2 stride=2 pad=(0,0,0,0) [pop_prev push_prev]");
    in = vta_finish();
    vta_insn_format(&in, b, sizeof b);
    cr_assert_str_eq(b, "FINISH");
    char small[8];
    in = vta_load(HW_MEM_UOP, 0, 0, 1, 100, 100);
    vta_insn_format(&in, small, sizeof small);
    cr_assert_str_eq(small, "LOAD UO"); /* truncated, terminated */
}
