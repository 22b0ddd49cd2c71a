/* Tests of the simulator's models (sim.h: portable, fsim, hls) and of the portability
 * checker (vta/port) on one hand-built program per non-portable construct: the checker
 * reports exactly that construct at the right instruction, naming the implementations
 * that differ (an error with strict), and the three models compute what each design
 * computes, worked out here independently from the documented behaviour (DESIGN
 * section 5, vta/port.h), so the outputs differ exactly where the designs differ.
 * Generated programs (never non-portable) are tested in test_port.c. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_tprog.h"
#include "vta/port.h"

/* ---- hand-built constructs ---- */

static void tp_load_pad(tprog *p, int deps, int mem, int sram, int dram, int y, int x, int stride, int yp0,
                        int yp1, int xp0, int xp1) {
    nv_mem m = {mem, sram, dram, y, x, stride, yp0, yp1, xp0, xp1};
    tp_add(p, nv_memop(0, deps, m));
}

static port_report check(tprog *p) {
    port_report r;
    status st;
    status_init(&st);
    cr_assert(port_check(&p->hw, p->dram, p->bytes, TP_INSN, (uint64_t)p->n, false, &r, &st), "%s", st.msg);
    return r;
}

/* Exactly one finding, of kind k at instruction idx; strict fails naming both. */
static void expect_one(tprog *p, port_kind k, uint64_t idx) {
    port_report r = check(p);
    cr_assert_eq(r.nfindings, 1, "%lld findings, first: %s", (long long)r.nfindings, r.first);
    cr_assert_eq(r.list[0].kind, k, "kind %s, expected %s", port_kind_name(r.list[0].kind), port_kind_name(k));
    cr_assert_eq(r.list[0].insn, idx);
    char want[32];
    snprintf(want, sizeof want, "insn %llu (", (unsigned long long)idx);
    cr_assert(strstr(r.first, want) && strstr(r.first, port_kind_impls(k)), "%s", r.first);
    status st;
    status_init(&st);
    cr_assert_not(port_check(&p->hw, p->dram, p->bytes, TP_INSN, (uint64_t)p->n, true, &r, &st));
    cr_assert(strstr(st.msg, want) && strstr(st.msg, port_kind_impls(k)), "%s", st.msg);
}

/* Runs the program functionally under model m on a copy; returns the copy. */
static uint8_t *run_model(tprog *p, sim_model m) {
    uint8_t *d = malloc(p->bytes);
    memcpy(d, p->dram, p->bytes);
    sim_options o = {.model = m};
    sim_report r;
    status st;
    status_init(&st);
    cr_assert(sim_run(&p->hw, d, p->bytes, TP_INSN, (uint64_t)p->n, &o, &r, &st), "%s: %s", sim_model_name(m),
              st.msg);
    cr_assert_geq(r.nwarnings, 1);
    return d;
}

/* The 16 int8 lanes of OUT row `row` in DRAM (stores go to TP_OUT + 16 * row). */
static void expect_row(const uint8_t *d, int row, const int32_t *lanes, const char *what) {
    for (int o = 0; o < 16; o++)
        cr_assert_eq(d[TP_OUT + 16u * (unsigned)row + (unsigned)o], (uint8_t)(uint32_t)lanes[o],
                     "%s: row %d lane %d: %u, expected %u", what, row, o, d[TP_OUT + 16u * (unsigned)row + (unsigned)o],
                     (uint8_t)(uint32_t)lanes[o]);
}

/* Runs p under the portable, fsim and HLS models: OUT row 0 of each must be the
 * given lanes. */
static void expect_models(tprog *p, const int32_t *portable, const int32_t *fsim, const int32_t *hls) {
    uint8_t *po = run_model(p, SIM_MODEL_PORTABLE), *fs = run_model(p, SIM_MODEL_FSIM),
            *hl = run_model(p, SIM_MODEL_HLS);
    expect_row(po, 0, portable, "portable");
    expect_row(fs, 0, fsim, "fsim");
    expect_row(hl, 0, hls, "hls");
    free(po), free(fs), free(hl);
}

static void put_acc_row(tprog *p, int elem, const int32_t *v) {
    for (int o = 0; o < 16; o++)
        tp_put32(p, TP_ACC + 64u * (unsigned)elem + 4u * (unsigned)o, (uint32_t)v[o]);
}

/* Random inp vector 0 and weight blocks 0, 1; dot[b][o] = inp . wgt[b][o]^T. */
static void put_operands(tprog *p, int32_t dot[2][16]) {
    unsigned seed = 11;
    int8_t inp[16], wgt[2][16][16];
    for (int i = 0; i < 16; i++) {
        seed = seed * 1103515245u + 12345u;
        inp[i] = (int8_t)(seed >> 16);
        p->dram[TP_INP + (unsigned)i] = (uint8_t)inp[i];
    }
    for (int b = 0; b < 2; b++)
        for (int o = 0; o < 16; o++)
            for (int i = 0; i < 16; i++) {
                seed = seed * 1103515245u + 12345u;
                wgt[b][o][i] = (int8_t)(seed >> 16);
                p->dram[TP_WGT + 256u * (unsigned)b + 16u * (unsigned)o + (unsigned)i] = (uint8_t)wgt[b][o][i];
            }
    for (int b = 0; b < 2; b++)
        for (int o = 0; o < 16; o++) {
            dot[b][o] = 0;
            for (int i = 0; i < 16; i++)
                dot[b][o] += inp[i] * wgt[b][o][i];
        }
}

/* LOAD WGT with x_pad_0 = 1: fsim/portable pad (row 0 zero, row 1 = block 0); HLS
 * packs block 0 into row 0 and leaves row 1 (zero). GEMMs acc r += inp . wgt r. */
Test(port, wgt_pad) {
    tprog p;
    tp_init(&p);
    int32_t dot[2][16], zero[16] = {0};
    put_operands(&p, dot);
    tp_put32(&p, TP_UOP, nv_uop(0, 0, 0));
    tp_put32(&p, TP_UOP + 4, nv_uop(1, 0, 1));
    tp_add(&p, tp_load(0, 0, 0, TP_UOP / 4, 1, 2, 2));
    tp_add(&p, tp_load(0, 2, 0, TP_INP / 16, 1, 1, 1));
    tp_load_pad(&p, NV_PUSH_NEXT, 1, 0, TP_WGT / 256, 1, 1, 1, 0, 0, 1, 0);
    tp_add(&p, tp_gemm(NV_POP_PREV | NV_PUSH_NEXT, 0, 0, 2, 1, 0, 0, 0));
    tp_add(&p, tp_store(NV_POP_PREV | NV_PUSH_PREV, 0, TP_OUT / 16, 1, 2, 2));
    tp_add(&p, nv_finish(NV_POP_NEXT));
    expect_one(&p, PORT_WGT_PAD, 2);
    uint8_t *po = run_model(&p, SIM_MODEL_PORTABLE), *fs = run_model(&p, SIM_MODEL_FSIM),
            *hl = run_model(&p, SIM_MODEL_HLS);
    expect_row(po, 0, zero, "portable");
    expect_row(po, 1, dot[0], "portable");
    expect_row(fs, 0, zero, "fsim");
    expect_row(fs, 1, dot[0], "fsim");
    expect_row(hl, 0, dot[0], "hls");
    expect_row(hl, 1, zero, "hls");
    free(po), free(fs), free(hl);
    tp_free(&p);
}

/* STORE of a row only LOAD ACC wrote: fsim stores the low bits of ACC, HLS and the
 * portable model the untouched OUT row (zero). */
Test(port, store_after_load_acc) {
    tprog p;
    tp_init(&p);
    int32_t v[16], zero[16] = {0};
    for (int o = 0; o < 16; o++)
        v[o] = 0x12345600 + 7 * o + 1;
    put_acc_row(&p, 0, v);
    tp_add(&p, tp_load(NV_PUSH_NEXT, 3, 0, TP_ACC / 64, 1, 1, 1));
    tp_add(&p, tp_store(NV_POP_PREV | NV_PUSH_PREV, 0, TP_OUT / 16, 1, 1, 1));
    tp_add(&p, nv_finish(NV_POP_NEXT));
    expect_one(&p, PORT_STORE_STALE, 1);
    expect_models(&p, zero, v, zero);
    tp_free(&p);
}

/* A GEMM (acc = P), then a reset GEMM over the same row, then STORE: fsim stores
 * ACC = 0, the portable model OUT = 0, HLS OUT = low bits of acc + product = 2P. */
Test(port, store_after_reset_gemm) {
    tprog p;
    tp_init(&p);
    int32_t dot[2][16], zero[16] = {0}, twice[16];
    put_operands(&p, dot);
    for (int o = 0; o < 16; o++)
        twice[o] = 2 * dot[0][o];
    tp_put32(&p, TP_UOP, nv_uop(0, 0, 0));
    tp_add(&p, tp_load(0, 0, 0, TP_UOP / 4, 1, 1, 1));
    tp_add(&p, tp_load(0, 2, 0, TP_INP / 16, 1, 1, 1));
    tp_add(&p, tp_load(NV_PUSH_NEXT, 1, 0, TP_WGT / 256, 1, 1, 1));
    tp_add(&p, tp_gemm(NV_POP_PREV, 0, 0, 1, 1, 0, 0, 0));
    tp_add(&p, tp_gemm(NV_PUSH_NEXT, 1, 0, 1, 1, 0, 0, 0));
    tp_add(&p, tp_store(NV_POP_PREV | NV_PUSH_PREV, 0, TP_OUT / 16, 1, 1, 1));
    tp_add(&p, nv_finish(NV_POP_NEXT));
    expect_one(&p, PORT_STORE_STALE, 5);
    expect_models(&p, zero, zero, twice);
    tp_free(&p);
}

/* Reference shift of a by a signed amount b as each design decodes it. */
static int32_t shr_ref(int32_t a, int32_t b) {
    if (b >= 0)
        return a >> b;
    return (int32_t)((uint32_t)a << -b);
}

/* SHR by 20 and by -20: HLS takes the low 5 bits signed (20 -> -12, -20 -> 12),
 * fsim and the portable model the whole value. */
Test(port, shr_immediate) {
    const int32_t imms[2] = {20, -20};
    for (int c = 0; c < 2; c++) {
        tprog p;
        tp_init(&p);
        int32_t v[16], exp_f[16], exp_h[16];
        int32_t hls_amt = imms[c] == 20 ? -12 : 12;
        for (int o = 0; o < 16; o++) {
            v[o] = (int32_t)(0x07654321u + 0x01010101u * (unsigned)o);
            exp_f[o] = shr_ref(v[o], imms[c]);
            exp_h[o] = shr_ref(v[o], hls_amt);
        }
        put_acc_row(&p, 0, v);
        tp_put32(&p, TP_UOP, nv_uop(0, 0, 0));
        tp_add(&p, tp_load(0, 0, 0, TP_UOP / 4, 1, 1, 1));
        tp_add(&p, tp_load(0, 3, 0, TP_ACC / 64, 1, 1, 1));
        tp_add(&p, tp_alu(NV_PUSH_NEXT, 3, 0, 1, 1, 0, 0, 1, imms[c]));
        tp_add(&p, tp_store(NV_POP_PREV | NV_PUSH_PREV, 0, TP_OUT / 16, 1, 1, 1));
        tp_add(&p, nv_finish(NV_POP_NEXT));
        expect_one(&p, PORT_SHR_IMM, 2);
        uint8_t *po = run_model(&p, SIM_MODEL_PORTABLE), *fs = run_model(&p, SIM_MODEL_FSIM),
                *hl = run_model(&p, SIM_MODEL_HLS);
        expect_row(po, 0, exp_f, "portable");
        expect_row(fs, 0, exp_f, "fsim");
        expect_row(hl, 0, exp_h, "hls");
        cr_assert(memcmp(fs + TP_OUT, hl + TP_OUT, 16), "the test must make the designs differ");
        free(po), free(fs), free(hl);
        tp_free(&p);
    }
}

/* ALU MUL after an ADD 0 (which writes OUT = v): fsim and portable multiply, the HLS
 * design has no MUL (OUT keeps v). */
Test(port, alu_mul) {
    tprog p;
    tp_init(&p);
    int32_t v[16], v3[16];
    for (int o = 0; o < 16; o++) {
        v[o] = 5 * o + 3;
        v3[o] = 3 * v[o];
    }
    put_acc_row(&p, 0, v);
    tp_put32(&p, TP_UOP, nv_uop(0, 0, 0));
    tp_add(&p, tp_load(0, 0, 0, TP_UOP / 4, 1, 1, 1));
    tp_add(&p, tp_load(0, 3, 0, TP_ACC / 64, 1, 1, 1));
    tp_add(&p, tp_alu(0, 2, 0, 1, 1, 0, 0, 1, 0));
    tp_add(&p, tp_alu(NV_PUSH_NEXT, 4, 0, 1, 1, 0, 0, 1, 3));
    tp_add(&p, tp_store(NV_POP_PREV | NV_PUSH_PREV, 0, TP_OUT / 16, 1, 1, 1));
    tp_add(&p, nv_finish(NV_POP_NEXT));
    expect_one(&p, PORT_ALU_MUL, 3);
    expect_models(&p, v3, v3, v);
    tp_free(&p);
}

/* LOAD ACC_8BIT then ADD 0: fsim sign-extends the bytes, HLS ignores the load. */
Test(port, acc_8bit) {
    tprog p;
    tp_init(&p);
    int32_t b[16], zero[16] = {0};
    for (int o = 0; o < 16; o++) {
        b[o] = o - 8;
        p.dram[TP_INP + 16 + (unsigned)o] = (uint8_t)(int8_t)b[o];
    }
    tp_put32(&p, TP_UOP, nv_uop(0, 0, 0));
    tp_add(&p, tp_load(0, 0, 0, TP_UOP / 4, 1, 1, 1));
    tp_add(&p, tp_load(0, 5, 0, TP_INP / 16 + 1, 1, 1, 1));
    tp_add(&p, tp_alu(NV_PUSH_NEXT, 2, 0, 1, 1, 0, 0, 1, 0));
    tp_add(&p, tp_store(NV_POP_PREV | NV_PUSH_PREV, 0, TP_OUT / 16, 1, 1, 1));
    tp_add(&p, nv_finish(NV_POP_NEXT));
    expect_one(&p, PORT_ACC_8BIT, 1);
    uint8_t *fs = run_model(&p, SIM_MODEL_FSIM), *hl = run_model(&p, SIM_MODEL_HLS);
    expect_row(fs, 0, b, "fsim");
    expect_row(hl, 0, zero, "hls");
    free(fs), free(hl);
    tp_free(&p);
}

/* LOAD UOP with y_size 2 (rows 0, 1 from DRAM micro-ops 0 and 2): HLS copies one
 * micro-op, row 1 keeps the micro-op an earlier load put there. */
Test(port, uop_2d) {
    tprog p;
    tp_init(&p);
    int32_t dot[2][16], zero[16] = {0};
    put_operands(&p, dot);
    tp_put32(&p, TP_UOP + 64, nv_uop(2, 0, 0)); /* earlier load: row 1 = (acc 2, wgt 0) */
    tp_put32(&p, TP_UOP, nv_uop(0, 0, 0));
    tp_put32(&p, TP_UOP + 8, nv_uop(1, 0, 1));
    tp_add(&p, tp_load(0, 0, 1, TP_UOP / 4 + 16, 1, 1, 1));
    tp_add(&p, tp_load(0, 0, 0, TP_UOP / 4, 2, 1, 2));
    tp_add(&p, tp_load(0, 2, 0, TP_INP / 16, 1, 1, 1));
    tp_add(&p, tp_load(NV_PUSH_NEXT, 1, 0, TP_WGT / 256, 1, 2, 2));
    tp_add(&p, tp_gemm(NV_POP_PREV | NV_PUSH_NEXT, 0, 0, 2, 1, 0, 0, 0));
    tp_add(&p, tp_store(NV_POP_PREV | NV_PUSH_PREV, 0, TP_OUT / 16, 1, 3, 3));
    tp_add(&p, nv_finish(NV_POP_NEXT));
    expect_one(&p, PORT_UOP_2D, 1);
    uint8_t *fs = run_model(&p, SIM_MODEL_FSIM), *hl = run_model(&p, SIM_MODEL_HLS);
    expect_row(fs, 0, dot[0], "fsim");
    expect_row(fs, 1, dot[1], "fsim");
    expect_row(fs, 2, zero, "fsim");
    expect_row(hl, 0, dot[0], "hls");
    expect_row(hl, 1, zero, "hls");
    expect_row(hl, 2, dot[0], "hls");
    free(fs), free(hl);
    tp_free(&p);
}

/* Instructions after FINISH run under every model (a warning, not an error); a stream
 * without FINISH is an error. */
Test(port, after_finish_runs) {
    tprog p;
    tp_init(&p);
    int32_t v[16];
    for (int o = 0; o < 16; o++)
        v[o] = 9 * o - 50;
    put_acc_row(&p, 0, v);
    tp_put32(&p, TP_UOP, nv_uop(0, 0, 0));
    tp_add(&p, tp_load(0, 0, 0, TP_UOP / 4, 1, 1, 1));
    tp_add(&p, tp_load(0, 3, 0, TP_ACC / 64, 1, 1, 1));
    tp_add(&p, tp_alu(NV_PUSH_NEXT, 2, 0, 1, 1, 0, 0, 1, 0));
    tp_add(&p, nv_finish(0));
    tp_add(&p, tp_store(NV_POP_PREV, 0, TP_OUT / 16, 1, 1, 1));
    expect_one(&p, PORT_AFTER_FINISH, 4);
    for (int m = 0; m < SIM_NMODELS; m++) {
        uint8_t *d = run_model(&p, (sim_model)m);
        expect_row(d, 0, v, sim_model_name((sim_model)m));
        free(d);
    }
    tp_free(&p);
}

Test(port, names_and_model_parse) {
    for (int k = 0; k < PORT_NKINDS; k++)
        cr_assert(strcmp(port_kind_name((port_kind)k), "?") && strstr(port_kind_impls((port_kind)k), " vs "));
    for (int m = 0; m < SIM_NMODELS; m++) {
        sim_model x;
        cr_assert(sim_model_parse(sim_model_name((sim_model)m), &x) && x == (sim_model)m);
    }
    sim_model x;
    cr_assert_not(sim_model_parse("chisel", &x));
}


/* The checker's work is bounded on hostile streams: reset GEMMs that each write 1024
 * micro-op rows x 1024 offsets (about 2^20 row marks apiece) stop being tracked once
 * PORT_WORK_BUDGET is spent (the report says so) instead of running for minutes. */
Test(port, work_budget_on_hostile_stream, .timeout = 60) {
    tprog p;
    tp_init(&p);
    for (uint32_t u = 0; u < 1024; u++)
        tp_put32(&p, TP_UOP + 4 * u, nv_uop(u, 0, 0));
    tp_add(&p, tp_load(0, 0, 0, TP_UOP / 4, 1, 1024, 1024));
    int n = 4000;
    for (int g = 0; g < n; g++)
        tp_add(&p, tp_gemm(0, 1, 0, 1024, 1024, 1, 0, 0));
    tp_add(&p, nv_finish(0));
    port_report r = check(&p);
    cr_assert(r.incomplete, "4000 x 2^20 marks must exceed the budget of %llu", (unsigned long long)PORT_WORK_BUDGET);
    cr_assert_eq(r.nfindings, 0);
    tp_free(&p);
}
