/* sim_tprog: test-side program builder for the simulator tests: a DRAM image with a
 * fixed region map, hand-assembled instructions (tests/naive_vta.c's assembler) and run
 * helpers that execute a program in both simulator modes and check that cycles,
 * counters and outcome agree, and optionally that the naive interpreter produces the
 * same DRAM image.
 * Invariant: region addresses are element-aligned for every memory type. */
#ifndef EMBEDSYN_TESTS_SIM_TPROG_H
#define EMBEDSYN_TESTS_SIM_TPROG_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vta/hw.h"
#include "vta/sim.h"
#include "naive_vta.c"

/* Region map (byte addresses). Element indices: UOP /4, INP /16, WGT /256, ACC /64, OUT /16. */
#define TP_BYTES (1u << 20)
#define TP_INSN 0x1000u
#define TP_UOP 0x20000u
#define TP_INP 0x30000u
#define TP_WGT 0x40000u
#define TP_ACC 0x80000u
#define TP_OUT 0xC0000u

typedef struct tprog {
    uint8_t *dram;
    uint64_t bytes;
    int n;
    hw_config hw;
    int B, BI, BO;
} tprog;

static void tp_init(tprog *p) {
    p->bytes = TP_BYTES;
    p->dram = calloc(TP_BYTES, 1);
    p->n = 0;
    p->hw = hw_default();
    p->B = 1;
    p->BI = 16;
    p->BO = 16;
}

static void tp_free(tprog *p) { free(p->dram); }

static void tp_add(tprog *p, nv_word w) {
    cr_assert(TP_INSN + 16u * (unsigned)(p->n + 1) <= TP_UOP, "too many instructions");
    nv_put_word(p->dram + TP_INSN + 16 * p->n, w);
    p->n++;
}

static void tp_put32(tprog *p, uint64_t addr, uint32_t v) {
    for (int i = 0; i < 4; i++)
        p->dram[addr + (uint64_t)i] = (uint8_t)(v >> (8 * i));
}

static bool tp_sim(tprog *p, uint8_t *dram, bool timing_only, bool strict, sim_report *r, status *st) {
    sim_options o = {.timing_only = timing_only, .strict = strict};
    status_init(st);
    return sim_run(&p->hw, dram, p->bytes, TP_INSN, (uint64_t)p->n, &o, r, st);
}

/* Runs functional (on p->dram) and timing-only (on a copy) and checks they agree. */
static bool tp_run_mode(tprog *p, bool strict, sim_report *r, status *st) {
    uint8_t *copy = malloc(p->bytes);
    memcpy(copy, p->dram, p->bytes);
    sim_report rt;
    status stt;
    bool okf = tp_sim(p, p->dram, false, strict, r, st);
    bool okt = tp_sim(p, copy, true, strict, &rt, &stt);
    free(copy);
    cr_assert_eq(okf, okt, "functional ok=%d (%s) vs timing-only ok=%d (%s)", okf, st->msg, okt, stt.msg);
    if (!okf) {
        cr_assert_str_eq(st->msg, stt.msg);
        return false;
    }
    cr_assert_eq(r->cycles, rt.cycles, "cycles functional %llu timing-only %llu", (unsigned long long)r->cycles,
                 (unsigned long long)rt.cycles);
#define TP_EQ(c) cr_assert_eq(r->c, rt.c, #c " differs between modes");
    SIM_COUNTERS(TP_EQ)
#undef TP_EQ
    cr_assert_eq(r->insns, rt.insns);
    cr_assert_eq(r->nwarnings, rt.nwarnings);
    for (int m = 0; m < 4; m++) {
        cr_assert_eq(r->busy[m], rt.busy[m]);
        cr_assert_eq(r->stall[m], rt.stall[m]);
    }
    return true;
}

static bool tp_run(tprog *p, sim_report *r, status *st) { return tp_run_mode(p, false, r, st); }

/* tp_run plus: the naive interpreter on a copy of the initial image must produce the
 * same final image. Requires a program whose tokens serialize the module hand-overs. */
static void __attribute__((unused)) tp_run_naive(tprog *p, sim_report *r) {
    uint8_t *copy = malloc(p->bytes);
    memcpy(copy, p->dram, p->bytes);
    status st;
    bool ok = tp_run(p, r, &st);
    cr_assert(ok, "simulator failed: %s", st.msg);
    nv_vta v;
    nv_init(&v, p->B, p->BI, p->BO);
    cr_assert(nv_run(&v, copy, TP_INSN, p->n), "naive interpreter failed");
    nv_free(&v);
    for (uint64_t i = 0; i < p->bytes; i++)
        if (copy[i] != p->dram[i])
            cr_assert_fail("DRAM differs from the naive interpreter at byte 0x%llx: sim %u naive %u",
                           (unsigned long long)i, p->dram[i], copy[i]);
    free(copy);
}

/* Expects failure whose message contains every non-NULL needle. */
static void __attribute__((unused)) tp_expect_error(tprog *p, bool strict, const char *n1, const char *n2, const char *n3) {
    sim_report r;
    status st;
    bool ok = tp_run_mode(p, strict, &r, &st);
    cr_assert(!ok, "expected an error containing '%s'", n1);
    const char *ns[3] = {n1, n2, n3};
    for (int i = 0; i < 3; i++)
        if (ns[i])
            cr_assert(strstr(st.msg, ns[i]), "error '%s' lacks '%s'", st.msg, ns[i]);
}

/* Shorthands for instructions. mem ids: UOP 0, WGT 1, INP 2, ACC 3, OUT 4. */
static nv_word tp_load(int deps, int mem, int sram, int dram, int y, int x, int stride) {
    nv_mem m = {mem, sram, dram, y, x, stride, 0, 0, 0, 0};
    return nv_memop(0, deps, m);
}

static nv_word tp_store(int deps, int sram, int dram, int y, int x, int stride) {
    nv_mem m = {4, sram, dram, y, x, stride, 0, 0, 0, 0};
    return nv_memop(1, deps, m);
}

/* GEMM with one loop level: uops [ub, ue), iter_out io with factors (dfo, sfo, wfo). */
static nv_word tp_gemm(int deps, int reset, int ub, int ue, int io, int dfo, int sfo, int wfo) {
    nv_loop l = {reset, ub, ue, io, 1, dfo, 0, sfo, 0, wfo, 0, 0, 0, 0};
    return nv_gemm(deps, l);
}

static nv_word __attribute__((unused)) tp_alu(int deps, int op, int ub, int ue, int io, int dfo, int sfo, int use_imm, int imm) {
    nv_loop l = {0, ub, ue, io, 1, dfo, 0, sfo, 0, 0, 0, op, use_imm, imm};
    return nv_alu(deps, l);
}

#endif
