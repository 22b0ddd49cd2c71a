/* Tests of vta/sim, part 1: functional semantics of every instruction and field on
 * hand-assembled programs with values computed by hand or by plain loops written from
 * DESIGN section 5 (pads, strides, both loop levels, reset, each ALU op with and
 * without immediate, negative shift, wrap-around, ACC_8BIT, MUL), dependency-token
 * programs (ping-pong double buffering, deadlocks, leftover tokens, meaningless flags)
 * and every error case. Every run executes in both simulator modes (cycles and
 * counters must agree) and, where the program is serialized by its tokens, on the
 * independent naive interpreter (tests/naive_vta.c) too.
 * Part 2 (timing, randomized programs, CLI) is tests/test_sim_timing.c. */
#include "sim_tprog.h"

/* Identity weight block at WGT element index `blk`. */
static void put_identity(tprog *p, int blk) {
    for (int o = 0; o < 16; o++)
        for (int i = 0; i < 16; i++)
            p->dram[TP_WGT + 256u * (unsigned)blk + 16u * (unsigned)o + (unsigned)i] = o == i;
}

Test(sim_sem, load_inp_pads_strides_2d) {
    tprog p;
    tp_init(&p);
    for (int v = 0; v < 64; v++)
        for (int i = 0; i < 16; i++)
            p.dram[TP_INP + 16u * (unsigned)v + (unsigned)i] = (uint8_t)(v * 3 + i);
    put_identity(&p, 0);
    tp_put32(&p, TP_UOP, nv_uop(0, 0, 0));
    tp_add(&p, tp_load(0, 1, 0, TP_WGT / 256, 1, 1, 1));
    nv_mem m = {2, 0, TP_INP / 16 + 2, 2, 3, 5, 1, 1, 1, 2}; /* 4 rows of 6 = 24 SRAM rows */
    tp_add(&p, nv_memop(0, NV_PUSH_NEXT, m));
    tp_add(&p, tp_load(0, 0, 0, TP_UOP / 4, 1, 1, 1));
    tp_add(&p, tp_gemm(NV_POP_PREV, 1, 0, 1, 24, 1, 1, 0));
    tp_add(&p, tp_gemm(NV_PUSH_NEXT, 0, 0, 1, 24, 1, 1, 0));
    tp_add(&p, tp_store(NV_POP_PREV | NV_PUSH_PREV, 0, TP_OUT / 16, 1, 24, 24));
    tp_add(&p, nv_finish(NV_POP_NEXT));
    sim_report r;
    tp_run_naive(&p, &r);
    for (int yy = 0; yy < 4; yy++)
        for (int xx = 0; xx < 6; xx++)
            for (int i = 0; i < 16; i++) {
                int exp = 0;
                if (yy >= 1 && yy <= 2 && xx >= 1 && xx <= 3)
                    exp = (2 + (yy - 1) * 5 + (xx - 1)) * 3 + i;
                uint8_t got = p.dram[TP_OUT + 16u * (unsigned)(yy * 6 + xx) + (unsigned)i];
                cr_assert_eq(got, (uint8_t)exp, "row (%d,%d) elem %d: %u != %d", yy, xx, i, got, exp);
            }
    /* counters: bytes without padding; 24 iterations of 1 micro-op, reset not counted */
    cr_assert_eq(r.inp_load_nbytes, 2 * 3 * 16);
    cr_assert_eq(r.wgt_load_nbytes, 256);
    cr_assert_eq(r.uop_load_nbytes, 4);
    cr_assert_eq(r.out_store_nbytes, 24 * 16);
    cr_assert_eq(r.gemm_counter, 24);
    cr_assert_eq(r.alu_counter, 0);
    cr_assert_eq(r.insns, 7);
    cr_assert_eq(r.nwarnings, 0);
    tp_free(&p);
}

/* Reads the whole weight buffer out through unit input vectors: both loop levels. */
Test(sim_sem, load_wgt_pads_and_two_level_loop) {
    tprog p;
    tp_init(&p);
    for (int b = 0; b < 8; b++)
        for (int o = 0; o < 16; o++)
            for (int i = 0; i < 16; i++)
                p.dram[TP_WGT + 256u * (unsigned)b + 16u * (unsigned)o + (unsigned)i] = (uint8_t)(int8_t)(b * 7 + o * 3 - i);
    for (int k = 0; k < 16; k++)
        p.dram[TP_INP + 16u * (unsigned)k + (unsigned)k] = 1;
    tp_put32(&p, TP_UOP, nv_uop(0, 0, 0));
    nv_mem m = {1, 0, TP_WGT / 256 + 1, 2, 2, 3, 1, 0, 0, 1}; /* 3 rows of 3 = 9 blocks */
    tp_add(&p, nv_memop(0, 0, m));
    tp_add(&p, tp_load(NV_PUSH_NEXT, 2, 0, TP_INP / 16, 1, 16, 16));
    tp_add(&p, tp_load(0, 0, 0, TP_UOP / 4, 1, 1, 1));
    nv_loop rs = {1, 0, 1, 9, 16, 16, 1, 0, 0, 0, 0, 0, 0, 0};
    tp_add(&p, nv_gemm(NV_POP_PREV, rs));
    nv_loop g = {0, 0, 1, 9, 16, 16, 1, 0, 1, 1, 0, 0, 0, 0};
    tp_add(&p, nv_gemm(NV_PUSH_NEXT, g));
    tp_add(&p, tp_store(NV_POP_PREV | NV_PUSH_PREV, 0, TP_OUT / 16, 1, 144, 144));
    tp_add(&p, nv_finish(NV_POP_NEXT));
    sim_report r;
    tp_run_naive(&p, &r);
    for (int yy = 0; yy < 3; yy++)
        for (int xx = 0; xx < 3; xx++) {
            int w = yy * 3 + xx;
            bool pad = yy == 0 || xx == 2;
            int blk = 1 + (yy - 1) * 3 + xx;
            for (int i = 0; i < 16; i++)
                for (int o = 0; o < 16; o++) {
                    int8_t exp = pad ? 0 : (int8_t)(blk * 7 + o * 3 - i);
                    int8_t got = (int8_t)p.dram[TP_OUT + 16u * (unsigned)(w * 16 + i) + (unsigned)o];
                    cr_assert_eq(got, exp, "wgt row %d o %d i %d: %d != %d", w, o, i, got, exp);
                }
        }
    cr_assert_eq(r.gemm_counter, 9 * 16);
    cr_assert_eq(r.wgt_load_nbytes, 4 * 256);
    tp_free(&p);
}

/* Full 32-bit readout of ACC rows [0, n): OUT low byte, then three SHR 8 (STOREs to 4
 * DRAM planes at TP_OUT + plane * 0x8000). */
static void readout_32bit(tprog *p, int n, int first_deps) {
    for (int plane = 0; plane < 4; plane++) {
        if (plane == 0) /* ADD 0 writes OUT = low byte */
            tp_add(p, tp_alu(first_deps | NV_PUSH_NEXT, 2, 1000, 1001, n, 1, 0, 1, 0));
        else /* wait for the previous STORE, then SHR 8 */
            tp_add(p, tp_alu(NV_POP_NEXT | NV_PUSH_NEXT, 3, 1000, 1001, n, 1, 0, 1, 8));
        tp_add(p, tp_store(NV_POP_PREV | NV_PUSH_PREV, 0, (int)(TP_OUT / 16) + plane * 0x800, 1, n, n));
    }
}

static int32_t plane_value(const tprog *p, int row, int lane) {
    uint32_t v = 0;
    for (int plane = 0; plane < 4; plane++)
        v |= (uint32_t)p->dram[TP_OUT + 0x8000u * (unsigned)plane + 16u * (unsigned)row + (unsigned)lane] << (8 * plane);
    return (int32_t)v;
}

/* ALU ADD imm 0 over rows [0, n) writes OUT = acc; micro-op 1000 = (0, 0, 0). The
 * readout touches rows with iter_out n via dst_factor_out 1. */
static void add_readout_uop(tprog *p) {
    tp_put32(p, TP_UOP + 4 * 1000, nv_uop(0, 0, 0));
    tp_add(p, tp_load(0, 0, 1000, TP_UOP / 4 + 1000, 1, 1, 1));
}

Test(sim_sem, gemm_wraparound_and_values) {
    tprog p;
    tp_init(&p);
    int8_t inp[2][16], wgt[3][16][16];
    int32_t acc0[4][16];
    unsigned seed = 7;
    for (int r = 0; r < 2; r++)
        for (int i = 0; i < 16; i++) {
            seed = seed * 1103515245u + 12345u;
            inp[r][i] = r == 0 ? 127 : (int8_t)(seed >> 16);
            p.dram[TP_INP + 16u * (unsigned)r + (unsigned)i] = (uint8_t)inp[r][i];
        }
    for (int w = 0; w < 3; w++)
        for (int o = 0; o < 16; o++)
            for (int i = 0; i < 16; i++) {
                seed = seed * 1103515245u + 12345u;
                wgt[w][o][i] = w == 0 ? 127 : (int8_t)(seed >> 16);
                p.dram[TP_WGT + 256u * (unsigned)w + 16u * (unsigned)o + (unsigned)i] = (uint8_t)wgt[w][o][i];
            }
    for (int r = 0; r < 4; r++)
        for (int o = 0; o < 16; o++) {
            acc0[r][o] = (r == 0) ? 0x7fffff00 + o : (int32_t)(0x80000000u + (uint32_t)(r * 1000 + o)) ;
            tp_put32(&p, TP_ACC + 64u * (unsigned)r + 4u * (unsigned)o, (uint32_t)acc0[r][o]);
        }
    tp_put32(&p, TP_UOP, nv_uop(0, 0, 0));
    tp_put32(&p, TP_UOP + 4, nv_uop(1, 1, 1));
    tp_add(&p, tp_load(0, 1, 0, TP_WGT / 256, 1, 3, 3));
    tp_add(&p, tp_load(NV_PUSH_NEXT, 2, 0, TP_INP / 16, 1, 2, 2));
    tp_add(&p, tp_load(0, 0, 0, TP_UOP / 4, 1, 2, 2));
    tp_add(&p, tp_load(0, 3, 0, TP_ACC / 64, 1, 4, 4));
    add_readout_uop(&p);
    /* i=0: acc0 += inp0.w0, acc1 += inp1.w1; i=1: acc2 += inp0.w1, acc3 += inp1.w2 */
    tp_add(&p, tp_gemm(NV_POP_PREV, 0, 0, 2, 2, 2, 0, 1));
    readout_32bit(&p, 4, 0);
    tp_add(&p, nv_finish(NV_POP_NEXT));
    sim_report r;
    tp_run_naive(&p, &r);
    int src[4] = {0, 1, 0, 1}, wsel[4] = {0, 1, 1, 2};
    for (int row = 0; row < 4; row++)
        for (int o = 0; o < 16; o++) {
            int64_t s = 0;
            for (int i = 0; i < 16; i++)
                s += inp[src[row]][i] * wgt[wsel[row]][o][i];
            int32_t exp = (int32_t)(uint32_t)((uint64_t)((int64_t)acc0[row][o] + s) & 0xffffffffu);
            cr_assert_eq(plane_value(&p, row, o), exp, "row %d lane %d", row, o);
        }
    /* row 0 lane 0: 0x7fffff00 + 16*127*127 wraps past INT32_MAX */
    cr_assert(plane_value(&p, 0, 0) < 0);
    cr_assert_eq(r.gemm_counter, 4);
    cr_assert_eq(r.alu_counter, 4 * 4);
    tp_free(&p);
}

Test(sim_sem, reset_clears_acc_and_out) {
    tprog p;
    tp_init(&p);
    for (int i = 0; i < 16; i++)
        p.dram[TP_INP + (unsigned)i] = 5;
    put_identity(&p, 0);
    tp_put32(&p, TP_UOP, nv_uop(0, 0, 0));
    tp_add(&p, tp_load(0, 1, 0, TP_WGT / 256, 1, 1, 1));
    tp_add(&p, tp_load(NV_PUSH_NEXT, 2, 0, TP_INP / 16, 1, 1, 1));
    tp_add(&p, tp_load(0, 0, 0, TP_UOP / 4, 1, 1, 1));
    tp_add(&p, tp_gemm(NV_POP_PREV, 0, 0, 1, 1, 0, 0, 0));
    tp_add(&p, tp_gemm(NV_PUSH_NEXT, 0, 0, 1, 1, 0, 0, 0)); /* acc = 10 */
    tp_add(&p, tp_store(NV_POP_PREV | NV_PUSH_PREV, 0, TP_OUT / 16, 1, 1, 1));
    tp_add(&p, tp_gemm(NV_POP_NEXT | NV_PUSH_NEXT, 1, 0, 1, 1, 0, 0, 0)); /* reset: OUT = 0 too */
    tp_add(&p, tp_store(NV_POP_PREV | NV_PUSH_PREV, 0, TP_OUT / 16 + 1, 1, 1, 1));
    tp_add(&p, tp_gemm(NV_POP_NEXT | NV_PUSH_NEXT, 0, 0, 1, 1, 0, 0, 0)); /* acc = 0 + 5 */
    tp_add(&p, tp_store(NV_POP_PREV | NV_PUSH_PREV, 0, TP_OUT / 16 + 2, 1, 1, 1));
    tp_add(&p, nv_finish(NV_POP_NEXT));
    sim_report r;
    tp_run_naive(&p, &r);
    for (int i = 0; i < 16; i++) {
        cr_assert_eq(p.dram[TP_OUT + (unsigned)i], 10);
        cr_assert_eq(p.dram[TP_OUT + 16 + (unsigned)i], 0);
        cr_assert_eq(p.dram[TP_OUT + 32 + (unsigned)i], 5);
    }
    cr_assert_eq(r.gemm_counter, 3);
    tp_free(&p);
}

/* Each ALU op with and without immediate on full 32-bit values. */
Test(sim_sem, alu_ops_imm_and_reg) {
    static const int32_t a[16] = {0x12345678, -0x1234567, 2147483647, (int32_t)0x80000000u, 1000, -1000, 7, -7,
                                  0, 1, -1, 255, -256, 0x00ff00ff, 77, -77};
    static const int32_t b[16] = {3, -4, 1, 5, -20, 20, 0, -1, 31, -31, 2, -2, 7, 8, -9, 10};
    struct { int op, use_imm, imm; } cases[] = {
        {0, 1, -5}, {0, 0, 0}, {1, 1, 3}, {1, 0, 0}, {2, 1, -7}, {2, 0, 0}, {2, 1, 1},
        {3, 1, 3}, {3, 1, -4}, {3, 0, 0}, {3, 1, 15}, {3, 1, -16}, {3, 1, 0},
    };
    int nc = (int)(sizeof cases / sizeof cases[0]);
    tprog p;
    tp_init(&p);
    for (int o = 0; o < 16; o++) {
        tp_put32(&p, TP_ACC + 4u * (unsigned)o, (uint32_t)a[o]);
        tp_put32(&p, TP_ACC + 64 + 4u * (unsigned)o, (uint32_t)b[o]);
    }
    for (int c = 0; c < nc; c++)
        tp_put32(&p, TP_UOP + 4u * (unsigned)c, nv_uop((uint32_t)c, 100, 0));
    tp_add(&p, tp_load(0, 0, 0, TP_UOP / 4, 1, nc, nc));
    add_readout_uop(&p);
    tp_add(&p, tp_load(0, 3, 0, TP_ACC / 64, nc, 1, 0));  /* rows 0..nc-1 = a (stride 0) */
    tp_add(&p, tp_load(0, 3, 100, TP_ACC / 64 + 1, 1, 1, 1)); /* row 100 = b */
    for (int c = 0; c < nc; c++)
        tp_add(&p, tp_alu(0, cases[c].op, c, c + 1, 1, 0, 0, cases[c].use_imm, cases[c].imm));
    readout_32bit(&p, nc, 0);
    tp_add(&p, nv_finish(NV_POP_NEXT));
    sim_report r;
    tp_run_naive(&p, &r);
    for (int c = 0; c < nc; c++)
        for (int o = 0; o < 16; o++) {
            int32_t x = a[o], y = cases[c].use_imm ? cases[c].imm : b[o];
            int64_t e;
            switch (cases[c].op) {
            case 0: e = x < y ? x : y; break;
            case 1: e = x > y ? x : y; break;
            case 2: e = (int64_t)x + y; break;
            default: e = y >= 0 ? ((int64_t)x >> y) : (int64_t)x * ((int64_t)1 << -y); break;
            }
            int32_t exp = (int32_t)(uint32_t)((uint64_t)e & 0xffffffffu);
            cr_assert_eq(plane_value(&p, c, o), exp, "case %d lane %d: %d != %d", c, o, plane_value(&p, c, o), exp);
        }
    /* spot checks computed by hand */
    cr_assert_eq(plane_value(&p, 7, 0), 0x02468ACF);        /* 0x12345678 >> 3 */
    cr_assert_eq(plane_value(&p, 8, 0), 0x23456780);        /* 0x12345678 << 4 */
    cr_assert_eq(plane_value(&p, 6, 2), (int32_t)0x80000000u); /* INT32_MAX + 1 wraps */
    cr_assert_eq(plane_value(&p, 7, 12), -32);              /* -256 >> 3 (arithmetic) */
    cr_assert_eq(plane_value(&p, 9, 1), -0x1234567 * 16);   /* reg shift by -4 */
    cr_assert_eq(plane_value(&p, 1, 4), -20);               /* MIN(1000, -20) */
    cr_assert_eq(plane_value(&p, 3, 5), 20);                /* MAX(-1000, 20) */
    cr_assert_eq(r.alu_counter, (uint64_t)nc + (uint64_t)(4 * nc));
    tp_free(&p);
}

/* ALU two-level loop with dst and src factors; LOAD UOP with padding and 2-D rows. */
Test(sim_sem, alu_two_level_and_uop_padding) {
    tprog p;
    tp_init(&p);
    for (int r = 0; r < 8; r++)
        for (int o = 0; o < 16; o++)
            tp_put32(&p, TP_ACC + 64u * (unsigned)r + 4u * (unsigned)o, (uint32_t)(r * 10 + o));
    /* uop DRAM elements 0..4; loaded as rows (pad, e0, e1) (pad, e3, e4) -> slots 0..5 */
    tp_put32(&p, TP_UOP + 0, nv_uop(20, 4, 0));
    tp_put32(&p, TP_UOP + 4, nv_uop(21, 5, 0));
    tp_put32(&p, TP_UOP + 12, nv_uop(22, 6, 0));
    tp_put32(&p, TP_UOP + 16, nv_uop(23, 7, 0));
    nv_mem m = {0, 0, TP_UOP / 4, 2, 2, 3, 0, 0, 1, 0};
    tp_add(&p, nv_memop(0, 0, m));
    add_readout_uop(&p);
    tp_add(&p, tp_load(0, 3, 0, TP_ACC / 64, 1, 8, 8));
    tp_add(&p, tp_load(0, 3, 20, TP_ACC / 64, 1, 8, 8)); /* rows 20..27 = same data */
    /* uops 1,2 (slots (21? no: slot1 = e0 = (20,4), slot2 = e1 = (21,5)); iter_out 2
     * (dst +2, src +2), iter_in 2 (dst +4, src +1):
     *   dst 20+{0,2}+{0,4}, src 4+{0,2}+{0,1}; dst 21+..., src 5+... */
    nv_loop l = {0, 1, 3, 2, 2, 2, 4, 2, 1, 0, 0, 2, 0, 0};
    tp_add(&p, nv_alu(0, l));
    /* slot 0 and 3 are padding uops (0,0,0): ALU ADD imm 100 on slot 3 touches row 0 */
    tp_add(&p, tp_alu(0, 2, 3, 4, 1, 0, 0, 1, 100));
    readout_32bit(&p, 28, 0);
    tp_add(&p, nv_finish(NV_POP_NEXT));
    sim_report r;
    tp_run_naive(&p, &r);
    int32_t exp[28][16];
    memset(exp, 0, sizeof exp);
    for (int row = 0; row < 8; row++)
        for (int o = 0; o < 16; o++) {
            exp[row][o] = row * 10 + o;
            exp[20 + row][o] = row * 10 + o;
        }
    for (int o = 0; o < 16; o++)
        exp[0][o] += 100;
    int base_d[2] = {20, 21}, base_s[2] = {4, 5};
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            for (int u = 0; u < 2; u++) {
                int d = base_d[u] + 2 * i + 4 * j, s = base_s[u] + 2 * i + j;
                for (int o = 0; o < 16; o++)
                    exp[d][o] += exp[s][o];
            }
    for (int row = 0; row < 28; row++)
        for (int o = 0; o < 16; o++)
            cr_assert_eq(plane_value(&p, row, o), exp[row][o], "row %d lane %d", row, o);
    tp_free(&p);
}

Test(sim_sem, store_strides) {
    tprog p;
    tp_init(&p);
    for (int r = 0; r < 4; r++)
        for (int o = 0; o < 16; o++)
            tp_put32(&p, TP_ACC + 64u * (unsigned)r + 4u * (unsigned)o, (uint32_t)(r * 16 + o + 1));
    memset(p.dram + TP_OUT, 0xEE, 16 * 12);
    add_readout_uop(&p);
    tp_add(&p, tp_load(0, 3, 0, TP_ACC / 64, 1, 4, 4));
    tp_add(&p, tp_alu(NV_PUSH_NEXT, 2, 1000, 1001, 4, 1, 0, 1, 0));
    tp_add(&p, tp_store(NV_POP_PREV | NV_PUSH_PREV, 0, TP_OUT / 16 + 1, 2, 2, 5));
    tp_add(&p, nv_finish(NV_POP_NEXT));
    sim_report r;
    tp_run_naive(&p, &r);
    /* OUT rows 0,1 -> DRAM elements 1,2; rows 2,3 -> 6,7; everything else untouched */
    int src_of[12] = {-1, 0, 1, -1, -1, -1, 2, 3, -1, -1, -1, -1};
    for (int e = 0; e < 12; e++)
        for (int o = 0; o < 16; o++) {
            uint8_t exp = src_of[e] < 0 ? 0xEE : (uint8_t)(src_of[e] * 16 + o + 1);
            cr_assert_eq(p.dram[TP_OUT + 16u * (unsigned)e + (unsigned)o], exp);
        }
    cr_assert_eq(r.out_store_nbytes, 4 * 16);
    cr_assert_eq(r.acc_load_nbytes, 4 * 64);
    tp_free(&p);
}

Test(sim_sem, acc8_and_mul_outside_portable_subset) {
    tprog p;
    tp_init(&p);
    for (int o = 0; o < 16; o++)
        p.dram[TP_OUT + 0x10000 + (unsigned)o] = (uint8_t)(int8_t)(o - 8);
    add_readout_uop(&p);
    tp_add(&p, tp_load(0, 5, 0, (TP_OUT + 0x10000) / 16, 1, 1, 1)); /* ACC_8BIT: sign-extended */
    tp_add(&p, tp_alu(0, 4, 1000, 1001, 1, 0, 0, 1, 3));             /* MUL by 3 */
    readout_32bit(&p, 1, 0);
    tp_add(&p, nv_finish(NV_POP_NEXT));
    sim_report r;
    status st;
    cr_assert(tp_run(&p, &r, &st), "%s", st.msg);
    for (int o = 0; o < 16; o++)
        cr_assert_eq(plane_value(&p, 0, o), (o - 8) * 3);
    cr_assert_eq(r.nwarnings, 2);
    cr_assert(strstr(r.warning, "ACC_8BIT"), "%s", r.warning);
    cr_assert_eq(r.acc_load_nbytes, 16);
    tp_expect_error(&p, true, "insn 1", "ACC_8BIT", NULL);
    tp_free(&p);
}

Test(sim_sem, load_with_x_size_0_moves_only_tokens) {
    tprog p;
    tp_init(&p);
    tp_add(&p, tp_load(NV_PUSH_NEXT, 2, 0, TP_INP / 16, 5, 0, 1)); /* no data */
    tp_add(&p, tp_load(NV_POP_PREV, 3, 0, 0, 0, 0, 0));
    tp_add(&p, nv_finish(0));
    sim_report r;
    tp_run_naive(&p, &r);
    cr_assert_eq(r.inp_load_nbytes, 0);
    cr_assert_eq(r.insns, 3);
    tp_free(&p);
}

/* ---- dependency tokens ---- */

/* Ping-pong double buffering: 4 input tiles through 2 INP and 2 ACC buffers. */
Test(sim_dep, ping_pong_double_buffering) {
    tprog p;
    tp_init(&p);
    int8_t x[4][16][16], w[16][16];
    unsigned seed = 99;
    for (int t = 0; t < 4; t++)
        for (int r = 0; r < 16; r++)
            for (int i = 0; i < 16; i++) {
                seed = seed * 1103515245u + 12345u;
                x[t][r][i] = (int8_t)((seed >> 16) % 15) - 7;
                p.dram[TP_INP + 256u * (unsigned)t + 16u * (unsigned)r + (unsigned)i] = (uint8_t)x[t][r][i];
            }
    for (int o = 0; o < 16; o++)
        for (int i = 0; i < 16; i++) {
            seed = seed * 1103515245u + 12345u;
            w[o][i] = (int8_t)((seed >> 16) % 9) - 4;
            p.dram[TP_WGT + 16u * (unsigned)o + (unsigned)i] = (uint8_t)w[o][i];
        }
    /* micro-op slot b serves buffer b: (16b, 16b, 0) */
    tp_put32(&p, TP_UOP, nv_uop(0, 0, 0));
    tp_put32(&p, TP_UOP + 4, nv_uop(16, 16, 0));
    tp_add(&p, tp_load(0, 1, 0, TP_WGT / 256, 1, 1, 1));
    tp_add(&p, tp_load(0, 0, 0, TP_UOP / 4, 1, 2, 2));
    for (int t = 0; t < 2; t++)
        tp_add(&p, tp_load(NV_PUSH_NEXT, 2, t * 16, TP_INP / 16 + 16 * t, 1, 16, 16));
    for (int t = 0; t < 4; t++) {
        int b = t % 2;
        if (t >= 2) /* wait until the GEMM of tile t-2 released the input buffer */
            tp_add(&p, tp_load(NV_POP_NEXT | NV_PUSH_NEXT, 2, b * 16, TP_INP / 16 + 16 * t, 1, 16, 16));
        /* reset waits until the STORE of tile t-2 released the accumulator buffer */
        tp_add(&p, tp_gemm(t >= 2 ? NV_POP_NEXT : 0, 1, b, b + 1, 16, 1, 1, 0));
        tp_add(&p, tp_gemm(NV_POP_PREV | (t <= 1 ? NV_PUSH_PREV : 0) | NV_PUSH_NEXT, 0, b, b + 1, 16, 1, 1, 0));
        tp_add(&p, tp_store(NV_POP_PREV | (t != 2 ? NV_PUSH_PREV : 0), b * 16, TP_OUT / 16 + 16 * t, 1, 16, 16));
    }
    tp_add(&p, nv_finish(NV_POP_NEXT));
    sim_report r;
    tp_run_naive(&p, &r);
    for (int t = 0; t < 4; t++)
        for (int rr = 0; rr < 16; rr++)
            for (int o = 0; o < 16; o++) {
                int s = 0;
                for (int i = 0; i < 16; i++)
                    s += x[t][rr][i] * w[o][i];
                cr_assert_eq(p.dram[TP_OUT + 256u * (unsigned)t + 16u * (unsigned)rr + (unsigned)o], (uint8_t)s,
                             "tile %d row %d lane %d", t, rr, o);
            }
    /* the load of tile t+1 overlaps the compute of tile t */
    uint64_t serial = r.busy[SIM_LOAD] + r.busy[SIM_COMPUTE] + r.busy[SIM_STORE];
    cr_assert_lt(r.cycles, serial, "no overlap: %llu >= %llu", (unsigned long long)r.cycles,
                 (unsigned long long)serial);
    cr_assert_eq(r.nwarnings, 0);
    tp_free(&p);
}

Test(sim_dep, deadlock_names_module_and_queue) {
    tprog p;
    tp_init(&p);
    tp_add(&p, tp_gemm(NV_POP_PREV, 0, 0, 0, 1, 0, 0, 0));
    tp_add(&p, nv_finish(0));
    tp_expect_error(&p, false, "deadlock", "compute module (insn 0", "load->compute");
    tp_free(&p);
    tp_init(&p);
    tp_add(&p, tp_store(NV_POP_PREV, 0, TP_OUT / 16, 1, 1, 1));
    tp_add(&p, tp_load(NV_POP_NEXT, 2, 0, TP_INP / 16, 1, 1, 1));
    tp_add(&p, nv_finish(NV_POP_NEXT));
    tp_expect_error(&p, false, "store module (insn 0", "compute->store", "compute->load");
    tp_free(&p);
}

/* The compute instruction queue holds 512 entries: a waiting compute instruction
 * followed by 600 more blocks fetch before the LOAD that would release it. */
Test(sim_dep, deadlock_through_full_instruction_queue) {
    tprog p;
    tp_init(&p);
    tp_add(&p, tp_gemm(NV_POP_PREV, 0, 0, 0, 1, 0, 0, 0));
    for (int i = 0; i < 600; i++)
        tp_add(&p, tp_gemm(0, 0, 0, 0, 1, 0, 0, 0));
    tp_add(&p, tp_load(NV_PUSH_NEXT, 2, 0, TP_INP / 16, 1, 1, 1));
    tp_add(&p, nv_finish(0));
    tp_expect_error(&p, false, "deadlock", "load->compute", "fetch is stalled on the full compute instruction queue (insn 513)");
    tp_free(&p);
    /* with 500 the queue never fills: no deadlock, and fetch never stalls */
    tp_init(&p);
    tp_add(&p, tp_gemm(NV_POP_PREV, 0, 0, 0, 1, 0, 0, 0));
    for (int i = 0; i < 500; i++)
        tp_add(&p, tp_gemm(0, 0, 0, 0, 1, 0, 0, 0));
    tp_add(&p, tp_load(NV_PUSH_NEXT, 2, 0, TP_INP / 16, 1, 1, 1));
    tp_add(&p, nv_finish(0));
    sim_report r;
    status st;
    cr_assert(tp_run(&p, &r, &st), "%s", st.msg);
    cr_assert_eq(r.stall[SIM_FETCH], 0);
    tp_free(&p);
}

Test(sim_dep, leftover_tokens) {
    tprog p;
    tp_init(&p);
    tp_add(&p, tp_load(NV_PUSH_NEXT, 2, 0, TP_INP / 16, 1, 1, 1));
    tp_add(&p, nv_finish(0));
    tp_expect_error(&p, false, "1 token(s) left", "load->compute", NULL);
    tp_free(&p);
    tp_init(&p);
    tp_add(&p, tp_store(NV_PUSH_PREV, 0, TP_OUT / 16, 1, 1, 1));
    tp_add(&p, nv_finish(NV_PUSH_NEXT));
    tp_expect_error(&p, false, "token(s) left", "compute->store", NULL);
    tp_free(&p);
}

Test(sim_dep, meaningless_flags_warn_or_fail) {
    struct { nv_word w; const char *flag; const char *mod; } cases[4];
    cases[0].w = tp_load(NV_POP_PREV, 2, 0, TP_INP / 16, 1, 1, 1);
    cases[0].flag = "pop_prev";
    cases[0].mod = "load";
    cases[1].w = tp_load(NV_PUSH_PREV, 1, 0, TP_WGT / 256, 1, 1, 1);
    cases[1].flag = "push_prev";
    cases[1].mod = "load";
    cases[2].w = tp_store(NV_POP_NEXT, 0, TP_OUT / 16, 1, 1, 1);
    cases[2].flag = "pop_next";
    cases[2].mod = "store";
    cases[3].w = tp_store(NV_PUSH_NEXT, 0, TP_OUT / 16, 1, 1, 1);
    cases[3].flag = "push_next";
    cases[3].mod = "store";
    for (int c = 0; c < 4; c++) {
        tprog p;
        tp_init(&p);
        tp_add(&p, cases[c].w);
        tp_add(&p, nv_finish(0));
        sim_report r;
        status st;
        cr_assert(tp_run(&p, &r, &st), "case %d: %s", c, st.msg); /* flag ignored */
        cr_assert_eq(r.nwarnings, 1);
        cr_assert(strstr(r.warning, cases[c].flag) && strstr(r.warning, cases[c].mod), "%s", r.warning);
        tp_expect_error(&p, true, "insn 0", cases[c].flag, "meaningless");
        tp_free(&p);
    }
}

/* ---- errors ---- */

static void one_insn_error(nv_word w, const char *n1, const char *n2, const char *n3) {
    tprog p;
    tp_init(&p);
    tp_put32(&p, TP_UOP, nv_uop(0, 0, 0));
    tp_add(&p, tp_load(0, 0, 0, TP_UOP / 4, 1, 1, 1));
    tp_add(&p, w);
    tp_add(&p, nv_finish(0));
    tp_expect_error(&p, false, n1, n2, n3);
    tp_free(&p);
}

Test(sim_err, sram_ranges_of_load_and_store) {
    one_insn_error(tp_load(0, 2, 2047, TP_INP / 16, 1, 2, 2), "insn 1 (LOAD INP)", "SRAM index out of range", "2049 > INP depth 2048");
    nv_mem m = {1, 1000, TP_WGT / 256, 2, 10, 10, 1, 0, 0, 2};
    one_insn_error(nv_memop(0, 0, m), "insn 1 (LOAD WGT)", "y_pad_0+y_size+y_pad_1 = 3 rows", "WGT depth 1024");
    one_insn_error(tp_load(0, 0, 8190, TP_UOP / 4, 1, 3, 3), "LOAD UOP", "UOP depth 8192", NULL);
    one_insn_error(tp_load(0, 3, 2040, TP_ACC / 64, 3, 3, 3), "LOAD ACC", "ACC depth 2048", NULL);
    one_insn_error(tp_store(0, 2000, TP_OUT / 16, 7, 7, 7), "insn 1 (STORE)", "sram_base 2000 + y_size 7 x x_size 7", "OUT depth 2048");
}

Test(sim_err, dram_outside_image) {
    one_insn_error(tp_load(0, 2, 0, TP_BYTES / 16 - 3, 2, 2, 2), "insn 1 (LOAD INP)", "DRAM access outside the image", "x_stride");
    one_insn_error(tp_load(0, 1, 0, TP_BYTES / 256, 1, 1, 1), "LOAD WGT", "outside the image", NULL);
    one_insn_error(tp_store(0, 0, TP_BYTES / 16, 1, 1, 1), "insn 1 (STORE)", "outside the image", NULL);
    /* STORE into the instruction stream (instructions 0..2 at TP_INSN) */
    one_insn_error(tp_store(0, 0, TP_INSN / 16 + 2, 1, 1, 1), "insn 1 (STORE)", "row y=0", "overwrites the instruction stream");
    one_insn_error(tp_store(0, 0, TP_INSN / 16 - 5, 2, 1, 7), "insn 1 (STORE)", "row y=1", "instruction stream");
    tprog p;
    tp_init(&p);
    tp_add(&p, tp_store(0, 0, TP_INSN / 16 - 5, 2, 1, 9)); /* rows skip over the stream */
    tp_add(&p, nv_finish(0));
    sim_report r;
    status st;
    cr_assert(tp_run(&p, &r, &st), "%s", st.msg);
    tp_free(&p);
    one_insn_error(tp_load(0, 2, 0, 0x7fffffff, 1, 1, 1), "LOAD INP", "outside the image", NULL);
}

Test(sim_err, gemm_and_alu_index_extremes) {
    /* uop (0,0,0): dst 0 + (iter_out-1)*dst_factor_out */
    one_insn_error(tp_gemm(0, 0, 0, 1, 3, 1024, 0, 0), "insn 1 (GEMM)", "destination index out of range", "2048 >= ACC depth 2048");
    one_insn_error(tp_gemm(0, 0, 0, 1, 3, 0, 0, 512), "GEMM", "weight index", "wgt_factor_out 512 + (iter_in-1)*wgt_factor_in 0 = 1024 >= WGT depth 1024");
    nv_loop l = {0, 0, 1, 1, 5, 0, 0, 0, 512, 0, 0, 0, 0, 0};
    one_insn_error(nv_gemm(0, l), "GEMM", "source index", "(iter_in-1)*src_factor_in 512 = 2048 >= INP depth 2048");
    one_insn_error(tp_alu(0, 2, 0, 1, 3, 0, 1024, 0, 0), "insn 1 (ALU ADD)", "source index", "ACC depth 2048");
    one_insn_error(tp_alu(0, 2, 0, 1, 3, 1024, 0, 1, 1), "ALU ADD", "destination index", "= 2048");
    /* in range at the extremes: no error */
    tprog p;
    tp_init(&p);
    tp_put32(&p, TP_UOP, nv_uop(7, 3, 1));
    tp_add(&p, tp_load(0, 0, 0, TP_UOP / 4, 1, 1, 1));
    nv_loop ok = {0, 0, 1, 2, 3, 2000, 20, 2000, 22, 1000, 11, 0, 0, 0}; /* 7+2000+40=2047 */
    tp_add(&p, nv_gemm(0, ok));
    tp_add(&p, nv_finish(0));
    sim_report r;
    status st;
    cr_assert(tp_run(&p, &r, &st), "%s", st.msg);
    cr_assert_eq(r.gemm_counter, 6);
    tp_free(&p);
    /* reset GEMMs ignore source and weight indices */
    one_insn_error(tp_gemm(0, 1, 0, 1, 3, 1024, 1024, 1023), "GEMM", "destination index", NULL);
}

Test(sim_err, micro_ops_not_loaded_or_out_of_range) {
    one_insn_error(tp_gemm(0, 0, 0, 2, 1, 0, 0, 0), "insn 1 (GEMM)", "micro-op 1 in [uop_bgn 0, uop_end 2) was never loaded", NULL);
    one_insn_error(tp_alu(0, 0, 5, 6, 1, 0, 0, 1, 0), "ALU MIN", "micro-op 5", NULL);
    one_insn_error(tp_gemm(0, 0, 0, 8193, 1, 0, 0, 0), "GEMM", "uop_end 8193 beyond the micro-op buffer", NULL);
    one_insn_error(tp_gemm(0, 0, 3, 2, 1, 0, 0, 0), "GEMM", "uop_bgn 3 > uop_end 2", NULL);
}

Test(sim_err, invalid_opcode_memory_type_alu_opcode) {
    nv_word w = nv_head(6, 0);
    one_insn_error(w, "insn 1", "opcode", NULL);
    one_insn_error(tp_load(0, 4, 0, TP_OUT / 16, 1, 1, 1), "insn 1", "memory", NULL);
    one_insn_error(tp_load(0, 7, 0, TP_OUT / 16, 1, 1, 1), "insn 1", "memory", NULL);
    nv_mem m = {2, 0, TP_OUT / 16, 1, 1, 1, 0, 0, 0, 0};
    one_insn_error(nv_memop(1, 0, m), "insn 1", "memory", NULL);
    one_insn_error(tp_alu(0, 5, 0, 1, 1, 0, 0, 1, 0), "insn 1", "alu_opcode", NULL);
    nv_mem pads = {4, 0, TP_OUT / 16, 1, 1, 1, 0, 0, 0, 3};
    one_insn_error(nv_memop(1, 0, pads), "insn 1 (STORE)", "x_pad_1 = 3", NULL);
}

Test(sim_err, stream_bounds_and_finish) {
    tprog p;
    tp_init(&p);
    tp_add(&p, nv_finish(0));
    sim_report r;
    status st;
    sim_options o = {.timing_only = false};
    status_init(&st);
    cr_assert(!sim_run(&p.hw, p.dram, p.bytes, p.bytes - 16, 2, &o, &r, &st));
    cr_assert(strstr(st.msg, "instruction stream outside the image"), "%s", st.msg);
    status_init(&st);
    cr_assert(!sim_run(&p.hw, p.dram, p.bytes, p.bytes + 16, 1, &o, &r, &st));
    cr_assert(strstr(st.msg, "outside the image"), "%s", st.msg);
    status_init(&st);
    cr_assert(!sim_run(&p.hw, p.dram, p.bytes, 0, UINT64_MAX / 8, &o, &r, &st));
    status_init(&st);
    cr_assert(!sim_run(&p.hw, p.dram, p.bytes, TP_INSN, 0, &o, &r, &st));
    cr_assert(strstr(st.msg, "empty"), "%s", st.msg);
    /* instructions after FINISH run, as in TVM's models: a portability warning */
    tp_add(&p, tp_load(0, 2, 0, TP_INP / 16, 1, 1, 1));
    cr_assert(tp_run(&p, &r, &st), "%s", st.msg);
    cr_assert_eq(r.insns, 2);
    cr_assert_eq(r.inp_load_nbytes, 16);
    cr_assert_eq(r.nwarnings, 1);
    cr_assert(strstr(r.warning, "insn 1 (LOAD INP): instructions after the FINISH at insn 0"), "%s", r.warning);
    tp_expect_error(&p, true, "insn 1 (LOAD INP)", "after the FINISH", "HLS");
    tp_free(&p);
    tp_init(&p);
    tp_add(&p, tp_load(0, 2, 0, TP_INP / 16, 1, 1, 1));
    tp_expect_error(&p, false, "insn 0 (LOAD INP)", "no FINISH", NULL);
    tp_free(&p);
}

Test(sim_err, shr_immediate_portability) {
    tprog p;
    tp_init(&p);
    add_readout_uop(&p);
    tp_add(&p, tp_alu(0, 3, 1000, 1001, 1, 0, 0, 1, 16));
    tp_add(&p, tp_alu(0, 3, 1000, 1001, 1, 0, 0, 1, -17));
    tp_add(&p, tp_alu(0, 3, 1000, 1001, 1, 0, 0, 1, -16));
    tp_add(&p, tp_alu(0, 3, 1000, 1001, 1, 0, 0, 1, 15));
    tp_add(&p, nv_finish(0));
    sim_report r;
    status st;
    cr_assert(tp_run(&p, &r, &st), "%s", st.msg);
    cr_assert_eq(r.nwarnings, 2);
    cr_assert(strstr(r.warning, "insn 1 (ALU SHR): SHR immediate 16 outside the portable range"), "%s", r.warning);
    tp_expect_error(&p, true, "insn 1", "SHR immediate 16", NULL);
    tp_free(&p);
}

/* STORE of OUT rows that only a LOAD ACC wrote (after the last GEMM/ALU). */
Test(sim_err, store_of_load_acc_only_rows) {
    tprog p;
    tp_init(&p);
    add_readout_uop(&p);
    tp_add(&p, tp_load(0, 3, 0, TP_ACC / 64, 1, 2, 2));
    tp_add(&p, tp_alu(NV_PUSH_NEXT, 2, 1000, 1001, 1, 0, 0, 1, 0)); /* writes row 0 only */
    tp_add(&p, tp_store(NV_POP_PREV, 0, TP_OUT / 16, 1, 1, 1));      /* fine */
    tp_add(&p, tp_store(0, 1, TP_OUT / 16, 1, 1, 1));                 /* row 1: warning */
    tp_add(&p, nv_finish(0));
    sim_report r;
    status st;
    cr_assert(tp_run(&p, &r, &st), "%s", st.msg);
    cr_assert_eq(r.nwarnings, 1);
    cr_assert(strstr(r.warning, "insn 4 (STORE): stores OUT row 1, which only a LOAD ACC wrote"), "%s", r.warning);
    tp_expect_error(&p, true, "insn 4", "only a LOAD ACC wrote", NULL);
    tp_free(&p);
}

/* The LOAD ACC marks are cleared row by row by GEMM/ALU writes through both loop levels. */
Test(sim_err, load_acc_marks_cleared_by_two_level_writes) {
    tprog p;
    tp_init(&p);
    tp_put32(&p, TP_UOP, nv_uop(0, 0, 0));
    tp_add(&p, tp_load(0, 0, 0, TP_UOP / 4, 1, 1, 1));
    tp_add(&p, tp_load(0, 3, 0, TP_ACC / 64, 1, 8, 8));
    nv_loop l = {0, 0, 1, 2, 2, 4, 1, 0, 0, 0, 0, 0, 0, 0}; /* rows {0,1,4,5} */
    tp_add(&p, nv_gemm(NV_PUSH_NEXT, l));
    for (int r = 0; r < 8; r++)
        tp_add(&p, tp_store(r == 0 ? NV_POP_PREV : 0, r, TP_OUT / 16 + r, 1, 1, 1));
    tp_add(&p, nv_finish(0));
    sim_report r;
    status st;
    cr_assert(tp_run(&p, &r, &st), "%s", st.msg);
    cr_assert_eq(r.nwarnings, 4);
    cr_assert(strstr(r.warning, "insn 5 (STORE): stores OUT row 2,"), "%s", r.warning);
    tp_free(&p);
}

/* --max-cycles: a run whose last instruction ends exactly at the limit passes; one
 * cycle less stops at the instruction that would cross it, in both modes, before it
 * executes (no STORE reaches DRAM). */
Test(sim_err, max_cycles_limit) {
    tprog p;
    tp_init(&p);
    tp_put32(&p, TP_UOP, nv_uop(0, 0, 0));
    tp_add(&p, tp_load(0, 0, 0, TP_UOP / 4, 1, 1, 1));
    tp_add(&p, tp_gemm(0, 1, 0, 1, 1000, 1, 0, 0));
    tp_add(&p, tp_alu(NV_PUSH_NEXT, 2, 0, 1, 1000, 1, 0, 1, 5));
    tp_add(&p, tp_store(NV_POP_PREV | NV_PUSH_PREV, 0, TP_OUT / 16, 1, 1000, 1000));
    tp_add(&p, nv_finish(NV_POP_NEXT));
    sim_report r;
    status st;
    uint8_t *init = malloc(p.bytes);
    memcpy(init, p.dram, p.bytes);
    cr_assert(tp_run(&p, &r, &st), "%s", st.msg);
    uint64_t total = r.cycles;
    cr_assert_neq(p.dram[TP_OUT], 0, "the full run stores 5s");
    for (int mode = 0; mode < 2; mode++) {
        uint8_t *copy = malloc(p.bytes);
        memcpy(copy, init, p.bytes);
        sim_options o = {.timing_only = mode == 1, .max_cycles = total};
        status_init(&st);
        cr_assert(sim_run(&p.hw, copy, p.bytes, TP_INSN, (uint64_t)p.n, &o, &r, &st), "%s", st.msg);
        cr_assert_eq(r.cycles, total);
        memcpy(copy, init, p.bytes);
        o.max_cycles = total - 1;
        status_init(&st);
        cr_assert_not(sim_run(&p.hw, copy, p.bytes, TP_INSN, (uint64_t)p.n, &o, &r, &st));
        cr_assert(strstr(st.msg, "insn 3 (STORE): would run from cycle") && strstr(st.msg, "past the limit"), "%s",
                  st.msg);
        for (unsigned b = 0; b < 16000; b++)
            cr_assert_eq(copy[TP_OUT + b], 0, "STORE ran past the limit");
        free(copy);
    }
    free(init);
    tp_free(&p);
}
