/* Tests of vta/sim, part 2: the documented timing rules on small programs with cycle
 * counts computed by hand (DMA bursts split at 2 KiB and at max_burst_beats, one
 * latency per burst and per row, padding beats, GEMM/ALU cycles, overlap of load and
 * compute through tokens, fetch stalls), randomized programs run on the simulator and
 * on the independent naive interpreter (DRAM images identical) for several shapes,
 * timing-only == functional on random concurrent programs, and the raw CLI reproducing
 * a hand-computed DRAM image. */
#include <sys/stat.h>
#include <unistd.h>

#include "sim_tprog.h"
#include "vta/isa.h"
#include "vta/prog.h"

/* Default timing: fetch 2/insn, DRAM latency 32, 8-byte beats, 256-beat bursts within
 * 2 KiB, start-up 4 for LOAD/STORE/GEMM/ALU, GEMM 1/iteration, ALU 1 (imm) or 2 (reg). */

static sim_report run_ok(tprog *p) {
    sim_report r;
    status st;
    cr_assert(tp_run(p, &r, &st), "%s", st.msg);
    return r;
}

/* Program [one instruction, FINISH] -> total cycles = 2 (fetch) + its duration. */
static uint64_t one_insn_cycles(const hw_config *hw, nv_word w) {
    tprog p;
    tp_init(&p);
    p.hw = *hw;
    tp_add(&p, w);
    tp_add(&p, nv_finish(0));
    sim_report r = run_ok(&p);
    tp_free(&p);
    return r.cycles;
}

Test(sim_timing, dma_rows_bursts_latency) {
    hw_config hw = hw_default();
    /* 1 INP element = 16 B = 2 beats, one burst: 4 + 32 + 2 */
    cr_assert_eq(one_insn_cycles(&hw, tp_load(0, 2, 0, TP_INP / 16, 1, 1, 1)), 2 + 38);
    /* 3 rows: one burst sequence (and latency) per row */
    cr_assert_eq(one_insn_cycles(&hw, tp_load(0, 2, 0, TP_INP / 16, 3, 1, 10)), 2 + 4 + 3 * (32 + 2));
    /* 16 WGT blocks = 4096 B = 512 beats from a 2 KiB boundary: 2 bursts */
    cr_assert_eq(one_insn_cycles(&hw, tp_load(0, 1, 0, TP_WGT / 256, 1, 16, 16)), 2 + 4 + 2 * 32 + 512);
    /* the same from 1 KiB past a boundary: 128 + 256 + 128 beats = 3 bursts */
    cr_assert_eq(one_insn_cycles(&hw, tp_load(0, 1, 0, TP_WGT / 256 + 4, 1, 16, 16)), 2 + 4 + 3 * 32 + 512);
    /* 9 bytes-aligned... UOP elements 1..3 = bytes [4, 16): beats 0 and 1 */
    cr_assert_eq(one_insn_cycles(&hw, tp_load(0, 0, 0, TP_UOP / 4 + 1, 1, 3, 3)), 2 + 4 + 32 + 2);
    /* ACC: 2 rows of 2 elements (128 B = 16 beats each) */
    cr_assert_eq(one_insn_cycles(&hw, tp_load(0, 3, 0, TP_ACC / 64, 2, 2, 40)), 2 + 4 + 2 * (32 + 16));
    /* STORE: 2 OUT elements = 32 B = 4 beats, store start-up */
    cr_assert_eq(one_insn_cycles(&hw, tp_store(0, 0, TP_OUT / 16, 1, 2, 2)), 2 + 4 + 32 + 4);
    /* rows whose stride is not a multiple of 2 KiB: row 0 at 0 (1 burst), row 1 at 3072-256
     * .. crosses 4096? WGT x=8 (2048 B) at element 0, stride 11 (2816 B): row 1 is bytes
     * [2816, 4864): crosses 4096 -> 2 bursts */
    cr_assert_eq(one_insn_cycles(&hw, tp_load(0, 1, 0, TP_WGT / 256, 2, 8, 11)), 2 + 4 + 3 * 32 + 2 * 256);
    /* smaller bursts: max_burst_beats 16 -> a 256 B block (32 beats) is 2 bursts */
    hw.max_burst_beats = 16;
    cr_assert_eq(one_insn_cycles(&hw, tp_load(0, 1, 0, TP_WGT / 256, 1, 1, 1)), 2 + 4 + 2 * 32 + 32);
    /* other constants */
    hw = hw_default();
    hw.dram_latency = 100;
    hw.load_startup = 7;
    hw.store_startup = 9;
    hw.fetch_insn_cycles = 5;
    cr_assert_eq(one_insn_cycles(&hw, tp_load(0, 2, 0, TP_INP / 16, 1, 1, 1)), 5 + 7 + 100 + 2);
    cr_assert_eq(one_insn_cycles(&hw, tp_store(0, 0, TP_OUT / 16, 1, 1, 1)), 5 + 9 + 100 + 2);
}

Test(sim_timing, padding_costs_one_cycle_per_beat) {
    hw_config hw = hw_default();
    /* width 2 (x_pad_0 1), rows 2 (y_pad_0 1): 3 padded INP elements = 48 B = 6 beats */
    nv_mem m = {2, 0, TP_INP / 16, 1, 1, 1, 1, 0, 1, 0};
    cr_assert_eq(one_insn_cycles(&hw, nv_memop(0, 0, m)), 2 + 4 + 32 + 2 + 6);
    /* UOP pads: 1 padded micro-op = 4 B -> ceil(4/8) = 1 cycle */
    nv_mem u = {0, 0, TP_UOP / 4, 1, 2, 2, 0, 0, 0, 1};
    cr_assert_eq(one_insn_cycles(&hw, nv_memop(0, 0, u)), 2 + 4 + 32 + 1 + 1);
    /* x_size 0 moves nothing: start-up only */
    cr_assert_eq(one_insn_cycles(&hw, tp_load(0, 2, 0, TP_INP / 16, 3, 0, 1)), 2 + 4);
}

Test(sim_timing, gemm_and_alu_cycles) {
    tprog p;
    tp_init(&p);
    tp_put32(&p, TP_UOP, nv_uop(0, 0, 0));
    tp_put32(&p, TP_UOP + 4, nv_uop(1, 1, 1));
    tp_add(&p, tp_load(0, 0, 0, TP_UOP / 4, 1, 2, 2));     /* 4 + 32 + 1 beat = 37 */
    nv_loop g = {0, 0, 2, 3, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    tp_add(&p, nv_gemm(0, g));                             /* 4 + 3*5*2 = 34 */
    g.reset = 1;
    tp_add(&p, nv_gemm(0, g));                             /* reset: same, 34 */
    nv_loop a = {0, 0, 2, 3, 5, 0, 0, 0, 0, 0, 0, 2, 1, 1};
    tp_add(&p, nv_alu(0, a));                              /* imm: 4 + 30 = 34 */
    a.use_imm = 0;
    tp_add(&p, nv_alu(0, a));                              /* reg: 4 + 2*30 = 64 */
    tp_add(&p, nv_finish(0));
    sim_report r = run_ok(&p);
    cr_assert_eq(r.cycles, 2 + 37 + 34 + 34 + 34 + 64);
    cr_assert_eq(r.busy[SIM_COMPUTE], 37 + 34 + 34 + 34 + 64);
    cr_assert_eq(r.busy[SIM_FETCH], 6 * 2);
    cr_assert_eq(r.gemm_counter, 30);
    cr_assert_eq(r.alu_counter, 60);
    /* other constants */
    tp_free(&p);
    tp_init(&p);
    tp_put32(&p, TP_UOP, nv_uop(0, 0, 0));
    tp_put32(&p, TP_UOP + 4, nv_uop(1, 1, 1));
    p.hw.gemm_iter_cycles = 3;
    p.hw.gemm_startup = 10;
    p.hw.alu_reg_cycles = 5;
    p.hw.alu_startup = 1;
    tp_add(&p, tp_load(0, 0, 0, TP_UOP / 4, 1, 2, 2));
    g.reset = 0;
    tp_add(&p, nv_gemm(0, g));
    tp_add(&p, nv_alu(0, a));
    tp_add(&p, nv_finish(0));
    r = run_ok(&p);
    cr_assert_eq(r.cycles, 2 + 37 + (10 + 3 * 30) + (1 + 5 * 30));
    tp_free(&p);
}

/* Loads overlap compute; compute waits on tokens (stall), times by hand:
 *   fetch: insn k dispatched at 2(k+1)
 *   compute: LOAD UOP 2..39; GEMM#3 waits for the token of insn 1 (42) -> 42..56;
 *            GEMM#4 waits for insn 2 (80) -> 80..94; FINISH at 94
 *   load:    LOAD INP#1 4..42; LOAD INP#2 42..80 */
Test(sim_timing, overlap_of_load_and_compute_with_tokens) {
    tprog p;
    tp_init(&p);
    tp_put32(&p, TP_UOP, nv_uop(0, 0, 0));
    tp_add(&p, tp_load(0, 0, 0, TP_UOP / 4, 1, 1, 1));
    tp_add(&p, tp_load(NV_PUSH_NEXT, 2, 0, TP_INP / 16, 1, 1, 1));
    tp_add(&p, tp_load(NV_PUSH_NEXT, 2, 1, TP_INP / 16, 1, 1, 1));
    tp_add(&p, tp_gemm(NV_POP_PREV, 0, 0, 1, 10, 0, 0, 0));
    tp_add(&p, tp_gemm(NV_POP_PREV, 0, 0, 1, 10, 0, 0, 0));
    tp_add(&p, nv_finish(0));
    sim_report r = run_ok(&p);
    cr_assert_eq(r.cycles, 94);
    cr_assert_eq(r.busy[SIM_COMPUTE], 37 + 14 + 14);
    cr_assert_eq(r.busy[SIM_LOAD], 38 + 38);
    cr_assert_eq(r.stall[SIM_COMPUTE], (42 - 39) + (80 - 56));
    cr_assert_eq(r.stall[SIM_LOAD], 0);
    cr_assert_eq(r.busy[SIM_FETCH], 12);
    cr_assert_eq(r.stall[SIM_FETCH], 0);
    /* without tokens the GEMMs do not wait: 2..39, 39..53, 53..67; loads end at 80 */
    tp_free(&p);
    tp_init(&p);
    tp_put32(&p, TP_UOP, nv_uop(0, 0, 0));
    tp_add(&p, tp_load(0, 0, 0, TP_UOP / 4, 1, 1, 1));
    tp_add(&p, tp_load(0, 2, 0, TP_INP / 16, 1, 1, 1));
    tp_add(&p, tp_load(0, 2, 1, TP_INP / 16, 1, 1, 1));
    tp_add(&p, tp_gemm(0, 0, 0, 1, 10, 0, 0, 0));
    tp_add(&p, tp_gemm(0, 0, 0, 1, 10, 0, 0, 0));
    tp_add(&p, nv_finish(0));
    r = run_ok(&p);
    cr_assert_eq(r.cycles, 80);
    cr_assert_eq(r.stall[SIM_COMPUTE], 0);
    tp_free(&p);
}

/* Fetch (2 cycles/insn) outruns 104-cycle GEMMs; the 512-entry compute queue fills.
 * Compute: LOAD UOP 2..39, GEMM j (1..600) taken at T_j = 39 + 104 (j-1), FINISH at
 * 39 + 104*600. Fetch can dispatch FINISH only when at most 511 GEMMs wait, i.e. once
 * GEMM 89 is taken (T_89 = 9191); its stall is the whole gap: 9191 - 2*602 (602 reads
 * of 2 cycles, each starting when the previous instruction was dispatched). */
Test(sim_timing, fetch_stalls_on_full_queue) {
    tprog p;
    tp_init(&p);
    tp_put32(&p, TP_UOP, nv_uop(0, 0, 0));
    tp_add(&p, tp_load(0, 0, 0, TP_UOP / 4, 1, 1, 1));
    for (int i = 0; i < 600; i++)
        tp_add(&p, tp_gemm(0, 0, 0, 1, 100, 0, 0, 0));
    tp_add(&p, nv_finish(0));
    sim_report r = run_ok(&p);
    cr_assert_eq(r.cycles, 39 + 600 * 104);
    cr_assert_eq(r.busy[SIM_COMPUTE], 37 + 600 * 104);
    cr_assert_eq(r.busy[SIM_FETCH], 602 * 2);
    cr_assert_eq(r.stall[SIM_FETCH], 9191 - 602 * 2);
    cr_assert_eq(r.stall[SIM_COMPUTE], 0);
    tp_free(&p);
}

/* ---- randomized programs ---- */

typedef struct rng { uint64_t s; } rng;
static uint32_t rnd(rng *g) {
    g->s = g->s * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(g->s >> 33);
}
static int rint_(rng *g, int lo, int hi) { return lo + (int)(rnd(g) % (uint32_t)(hi - lo + 1)); }

enum { K_MEM, K_GEMM, K_ALU };
typedef struct rop {
    int kind, opcode, mod, deps;
    nv_mem m;
    nv_loop l;
} rop;

static int mod_of(const rop *o) {
    if (o->kind == K_MEM && o->opcode == 1)
        return 3;
    if (o->kind == K_MEM && (o->m.mem == 1 || o->m.mem == 2))
        return 1;
    return 2;
}

/* A random LOAD/STORE that stays inside `depth` SRAM rows and DRAM elements
 * [base, base + elems). */
static nv_mem rand_mem(rng *g, int mem, int depth, int base, int elems, int maxx, int maxy, int maxpad) {
    nv_mem m;
    m.mem = mem;
    m.x = rint_(g, 1, maxx);
    m.y = rint_(g, 1, maxy);
    m.stride = rint_(g, 0, 12);
    m.xp0 = rint_(g, 0, maxpad);
    m.xp1 = rint_(g, 0, maxpad);
    m.yp0 = rint_(g, 0, maxpad);
    m.yp1 = rint_(g, 0, maxpad);
    int rows = (m.yp0 + m.y + m.yp1) * (m.xp0 + m.x + m.xp1);
    m.sram = rint_(g, 0, depth - rows);
    int need = (m.y - 1) * m.stride + m.x;
    m.dram = base + rint_(g, 0, elems - need);
    return m;
}

/* Builds a random valid program of n operations. SRAM traffic is confined to the first
 * 32..64 rows of each buffer so that loads, GEMM/ALU and stores keep meeting the same
 * rows (random programs over the whole buffers would rarely store what they computed). serialize: tokens order every
 * hand-over between modules (race-free, comparable with the naive interpreter);
 * otherwise no tokens at all (modules race; only used to compare the two modes). */
static void rand_prog(tprog *p, rng *g, int n, bool serialize) {
    int es[4] = {4, p->BO * p->BI, p->B * p->BI, p->B * p->BO * 4};
    int eo = p->B * p->BO;
    for (uint32_t a = TP_INP; a < TP_ACC; a++)
        p->dram[a] = (uint8_t)rnd(g);
    for (uint32_t a = TP_ACC; a < TP_OUT; a += 4)
        tp_put32(p, a, rnd(g) % 2 ? rnd(g) : (uint32_t)rint_(g, -300, 300));
    for (uint32_t u = 0; u < 256; u++)
        tp_put32(p, TP_UOP + 4 * u, nv_uop((uint32_t)rint_(g, 0, 31), (uint32_t)rint_(g, 0, 31), (uint32_t)rint_(g, 0, 15)));
    rop *ops = calloc((size_t)(2 * n + 4), sizeof *ops);
    int k = 0;
    /* first: micro-op slots 0..63 (with some padding) */
    ops[k].kind = K_MEM;
    ops[k].opcode = 0;
    nv_mem um = {0, 0, (int)(TP_UOP / 4) + rint_(g, 0, 100), 1, 64, 64, 0, 0, 0, 0};
    ops[k++].m = um;
    for (int i = 0; i < n; i++) {
        rop o;
        memset(&o, 0, sizeof o);
        int what = rint_(g, 0, 99);
        if (what < 12) { /* LOAD INP */
            o.kind = K_MEM;
            o.m = rand_mem(g, 2, 64, (int)(TP_INP / (unsigned)es[2]), (int)((TP_WGT - TP_INP) / (unsigned)es[2]), 6, 3, 1);
        } else if (what < 20) {
            o.kind = K_MEM;
            o.m = rand_mem(g, 1, 32, (int)(TP_WGT / (unsigned)es[1]), (int)((TP_ACC - TP_WGT) / (unsigned)es[1]), 4, 3, 1);
        } else if (what < 28) {
            o.kind = K_MEM;
            o.m = rand_mem(g, 3, 64, (int)(TP_ACC / (unsigned)es[3]), (int)((TP_OUT - TP_ACC) / (unsigned)es[3]), 6, 3, 1);
        } else if (what < 31) { /* reload some micro-op slots (inside 0..63) */
            o.kind = K_MEM;
            o.m = rand_mem(g, 0, 64, TP_UOP / 4, 256, 8, 2, 1);
        } else if (what < 33) { /* token-only load */
            o.kind = K_MEM;
            o.m = rand_mem(g, rint_(g, 1, 3), 1024, 0, 64, 1, 1, 0);
            o.m.x = 0;
        } else if (what < 60) {
            o.kind = K_GEMM;
            int ub = rint_(g, 0, 63);
            nv_loop l = {rint_(g, 0, 6) == 0, ub, rint_(g, ub, ub + 6 < 64 ? ub + 6 : 64), rint_(g, 0, 4),
                         rint_(g, 1, 4), rint_(g, 0, 3), rint_(g, 0, 3), rint_(g, 0, 3), rint_(g, 0, 3),
                         rint_(g, 0, 3), rint_(g, 0, 3), 0, 0, 0};
            o.l = l;
        } else if (what < 85) {
            o.kind = K_ALU;
            int ub = rint_(g, 0, 63);
            int op = rint_(g, 0, 3);
            int use_imm = op == 3 ? 1 : rint_(g, 0, 1);
            int imm = op == 3 ? rint_(g, -16, 15) : rint_(g, -32768, 32767);
            nv_loop l = {0, ub, rint_(g, ub, ub + 4 < 64 ? ub + 4 : 64), rint_(g, 1, 3), rint_(g, 1, 3),
                         rint_(g, 0, 3), rint_(g, 0, 3), rint_(g, 0, 3), rint_(g, 0, 3), 0, 0, op, use_imm, imm};
            o.l = l;
        } else { /* STORE */
            o.kind = K_MEM;
            o.opcode = 1;
            o.m = rand_mem(g, 4, 64, (int)(TP_OUT / (unsigned)eo), (int)((TP_BYTES - TP_OUT) / (unsigned)eo), 8, 3, 0);
        }
        ops[k++] = o;
    }
    /* tokens: pushes/pops at every module hand-over; L<->S through a compute no-op */
    rop *out = calloc((size_t)(4 * n + 8), sizeof *out);
    int m = 0;
    for (int i = 0; i < k; i++) {
        rop o = ops[i];
        o.mod = mod_of(&o);
        if (serialize && m > 0) {
            int pm = out[m - 1].mod;
            if ((pm == 1 && o.mod == 3) || (pm == 3 && o.mod == 1)) {
                rop nop;
                memset(&nop, 0, sizeof nop);
                nop.kind = K_MEM;
                nop.m.mem = 3; /* LOAD ACC x_size 0 */
                nop.mod = 2;
                i--;
                o = nop;
            }
            if (pm != o.mod) {
                if (pm == 1) { out[m - 1].deps |= NV_PUSH_NEXT; o.deps |= NV_POP_PREV; }
                if (pm == 2 && o.mod == 1) { out[m - 1].deps |= NV_PUSH_PREV; o.deps |= NV_POP_NEXT; }
                if (pm == 2 && o.mod == 3) { out[m - 1].deps |= NV_PUSH_NEXT; o.deps |= NV_POP_PREV; }
                if (pm == 3) { out[m - 1].deps |= NV_PUSH_PREV; o.deps |= NV_POP_NEXT; }
            }
        }
        out[m++] = o;
    }
    int fin = 0;
    if (serialize) {
        int pm = out[m - 1].mod;
        if (pm == 1) { out[m - 1].deps |= NV_PUSH_NEXT; fin = NV_POP_PREV; }
        if (pm == 3) { out[m - 1].deps |= NV_PUSH_PREV; fin = NV_POP_NEXT; }
    }
    for (int i = 0; i < m; i++) {
        if (out[i].kind == K_MEM)
            tp_add(p, nv_memop(out[i].opcode, out[i].deps, out[i].m));
        else if (out[i].kind == K_GEMM)
            tp_add(p, nv_gemm(out[i].deps, out[i].l));
        else
            tp_add(p, nv_alu(out[i].deps, out[i].l));
    }
    tp_add(p, nv_finish(fin));
    free(ops);
    free(out);
}

/* Shapes with the default buffer depths (so DESIGN's bit table holds). */
static void set_shape(tprog *p, int lb, int lbi, int lbo) {
    p->B = 1 << lb;
    p->BI = 1 << lbi;
    p->BO = 1 << lbo;
    p->hw.log_batch = lb;
    p->hw.log_block_in = lbi;
    p->hw.log_block_out = lbo;
    int inp = p->B * p->BI, wgt = p->BO * p->BI, acc = p->B * p->BO * 4;
    int l = 0;
    while ((1 << l) < inp * 2048) l++;
    p->hw.log_inp_buff_size = l;
    for (l = 0; (1 << l) < wgt * 1024;) l++;
    p->hw.log_wgt_buff_size = l;
    for (l = 0; (1 << l) < acc * 2048;) l++;
    p->hw.log_acc_buff_size = l;
}

static void random_vs_naive(int lb, int lbi, int lbo, int nprogs, uint64_t seed) {
    for (int t = 0; t < nprogs; t++) {
        rng g = {seed * 1000 + (uint64_t)t};
        tprog p;
        tp_init(&p);
        set_shape(&p, lb, lbi, lbo);
        rand_prog(&p, &g, rint_(&g, 5, 60), true);
        sim_report r;
        tp_run_naive(&p, &r);
        tp_free(&p);
    }
}

Test(sim_random, default_shape_vs_naive, .timeout = 60) { random_vs_naive(0, 4, 4, 250, 1); }
Test(sim_random, batch2_bin8_bout32_vs_naive, .timeout = 60) { random_vs_naive(1, 3, 5, 80, 2); }
Test(sim_random, bin32_vs_naive, .timeout = 60) { random_vs_naive(0, 5, 4, 80, 3); }
Test(sim_random, bout4_scalar_kernel_vs_naive, .timeout = 60) { random_vs_naive(0, 4, 2, 80, 4); }

/* Concurrent (token-free) random programs: both modes agree on cycles, counters and
 * per-module figures (tp_run checks), and the cycle count is at least the busiest
 * module and at most the sum of all work. */
Test(sim_random, timing_only_equals_functional, .timeout = 60) {
    for (int t = 0; t < 150; t++) {
        rng g = {777 + (uint64_t)t};
        tprog p;
        tp_init(&p);
        rand_prog(&p, &g, rint_(&g, 5, 80), t % 2 == 0);
        sim_report r = run_ok(&p);
        uint64_t sum = r.busy[SIM_FETCH] + r.busy[SIM_LOAD] + r.busy[SIM_COMPUTE] + r.busy[SIM_STORE];
        for (int m = 0; m < 4; m++)
            cr_assert_geq(r.cycles, r.busy[m]);
        cr_assert_leq(r.cycles, sum + r.stall[SIM_FETCH]);
        cr_assert_eq(r.insns, (uint64_t)p.n);
        tp_free(&p);
    }
}

/* Damaged programs: random valid programs with 1-4 flipped bits in their instruction
 * words. Whatever the damage, the simulator never crashes or hangs, and both modes
 * agree on the outcome: same error message, or same cycles and counters. */
Test(sim_random, bit_flips_never_crash, .timeout = 60) {
    int errors = 0;
    for (int t = 0; t < 300; t++) {
        rng g = {4242 + (uint64_t)t};
        tprog p;
        tp_init(&p);
        rand_prog(&p, &g, rint_(&g, 3, 40), t % 3 != 0);
        int flips = rint_(&g, 1, 4);
        for (int f = 0; f < flips; f++) {
            int insn = rint_(&g, 0, p.n - 1), bit = rint_(&g, 0, 127);
            p.dram[TP_INSN + 16u * (unsigned)insn + (unsigned)(bit / 8)] ^= (uint8_t)(1u << (bit % 8));
        }
        sim_report r;
        status st;
        errors += !tp_run(&p, &r, &st);
        tp_free(&p);
    }
    cr_assert_gt(errors, 30); /* the damage is mostly detected */
    cr_assert_lt(errors, 300);
}

/* ---- CLI ---- */

static int run_cli(const char *args, char *out, size_t outlen) {
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s %s", EMBEDSYN_CLI, args);
    FILE *f = popen(cmd, "r");
    cr_assert(f);
    size_t n = fread(out, 1, outlen - 1, f);
    out[n] = 0;
    int rc = pclose(f);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

Test(sim_cli, raw_image_reproduces_hand_computed_output) {
    char dir[] = "/tmp/embedsyn_simcli_XXXXXX";
    cr_assert(mkdtemp(dir));
    char img[256], outp[256], args[1024], buf[4096];
    snprintf(img, sizeof img, "%s/in.bin", dir);
    snprintf(outp, sizeof outp, "%s/out.bin", dir);
    /* 2 input vectors x identity-times-2 weights, + bias 3 from LOAD ACC; STORE to 0x8000.
     * Image: 64 KiB; insns at 0x1000, uops 0x2000, inp 0x3000, wgt 0x4000, acc 0x5000. */
    uint32_t bytes = 0x10000;
    uint8_t *d = calloc(bytes, 1), *exp = NULL;
    for (int r = 0; r < 2; r++)
        for (int i = 0; i < 16; i++)
            d[0x3000 + 16 * r + i] = (uint8_t)(r * 16 + i);
    for (int o = 0; o < 16; o++)
        d[0x4000 + 16 * o + o] = 2;
    for (int r = 0; r < 2; r++)
        for (int o = 0; o < 16; o++)
            d[0x5000 + 64 * r + 4 * o] = 3;
    uint32_t u0 = nv_uop(0, 0, 0);
    memcpy(d + 0x2000, &u0, 4);
    int n = 0;
    nv_word prog[8];
    prog[n++] = tp_load(0, 1, 0, 0x4000 / 256, 1, 1, 1);
    prog[n++] = tp_load(NV_PUSH_NEXT, 2, 0, 0x3000 / 16, 1, 2, 2);
    prog[n++] = tp_load(0, 0, 0, 0x2000 / 4, 1, 1, 1);
    prog[n++] = tp_load(0, 3, 0, 0x5000 / 64, 1, 2, 2);
    prog[n++] = tp_gemm(NV_POP_PREV | NV_PUSH_NEXT, 0, 0, 1, 2, 1, 1, 0);
    prog[n++] = tp_store(NV_POP_PREV | NV_PUSH_PREV, 0, 0x8000 / 16, 1, 2, 2);
    prog[n++] = nv_finish(NV_POP_NEXT);
    for (int i = 0; i < n; i++)
        nv_put_word(d + 0x1000 + 16 * i, prog[i]);
    exp = malloc(bytes);
    memcpy(exp, d, bytes);
    for (int r = 0; r < 2; r++)
        for (int o = 0; o < 16; o++)
            exp[0x8000 + 16 * r + o] = (uint8_t)(3 + 2 * (r * 16 + o)); /* bias + 2 * x */
    FILE *f = fopen(img, "wb");
    cr_assert(f);
    cr_assert_eq(fwrite(d, 1, bytes, f), bytes);
    fclose(f);
    snprintf(args, sizeof args, "sim --dram %s --insn-addr 0x1000 --insn-count %d -o %s --json", img, n, outp);
    cr_assert_eq(run_cli(args, buf, sizeof buf), 0, "%s", buf);
    cr_assert(strstr(buf, "\"status\":\"ok\""), "%s", buf);
    cr_assert(strstr(buf, "\"gemm_counter\":2,"), "%s", buf);
    cr_assert(strstr(buf, "\"out_store_nbytes\":32,"), "%s", buf);
    cr_assert(strstr(buf, "\"cycles\":"), "%s", buf);
    f = fopen(outp, "rb");
    cr_assert(f);
    uint8_t *got = malloc(bytes);
    cr_assert_eq(fread(got, 1, bytes, f), bytes);
    fclose(f);
    for (uint32_t i = 0; i < bytes; i++)
        cr_assert_eq(got[i], exp[i], "byte 0x%x: %u != %u", i, got[i], exp[i]);
    /* decimal address, text output, timing-only: same cycles */
    snprintf(args, sizeof args, "sim --dram %s --insn-addr 4096 --insn-count %d --timing-only", img, n);
    cr_assert_eq(run_cli(args, buf, sizeof buf), 0, "%s", buf);
    cr_assert(strstr(buf, "gemm_counter: 2"), "%s", buf);
    /* an error: count 3 (last instruction not FINISH) -> exit 1, JSON names it */
    snprintf(args, sizeof args, "sim --dram %s --insn-addr 0x1000 --insn-count 3 --json", img);
    cr_assert_eq(run_cli(args, buf, sizeof buf), 1, "%s", buf);
    cr_assert(strstr(buf, "\"status\":\"error\",\"error\":\"insn 2 (LOAD UOP)"), "%s", buf);
    /* usage errors -> 2 */
    snprintf(args, sizeof args, "sim --dram %s --insn-count 3 2>/dev/null", img);
    cr_assert_eq(run_cli(args, buf, sizeof buf), 2);
    snprintf(args, sizeof args, "sim --dram %s --insn-addr 0xZZ --insn-count 3 2>/dev/null", img);
    cr_assert_eq(run_cli(args, buf, sizeof buf), 2);
    snprintf(args, sizeof args, "sim --dram %s/missing.bin --insn-addr 0 --insn-count 1 2>/dev/null", dir);
    cr_assert_eq(run_cli(args, buf, sizeof buf), 2);
    cr_assert_eq(run_cli("sim --help", buf, sizeof buf), 0);
    cr_assert(strstr(buf, "--insn-addr"));
    unlink(img);
    unlink(outp);
    rmdir(dir);
    free(d);
    free(exp);
    free(got);
}

/* A bundle built with vta/prog (regions, instructions), written to a directory and run
 * through `embedsyn sim DIR --json -o --trace`: the output region holds 3 * input (the
 * weights are 3 * identity), computed by hand; the trace has one line per instruction. */
Test(sim_cli, bundle_dir_with_trace) {
    hw_config hw = hw_default();
    status st;
    status_init(&st);
    vta_prog *p = vta_prog_create(&hw);
    int ru = vta_prog_add_region(p, "uop", HW_MEM_UOP, 4, "1", "uop", &st);
    int ri = vta_prog_add_region(p, "inp", HW_MEM_INP, 32, "2x16", "rows", &st);
    int rw = vta_prog_add_region(p, "wgt", HW_MEM_WGT, 256, "16x16", "OI", &st);
    int ro = vta_prog_add_region(p, "out", HW_MEM_OUT, 32, "2x16", "rows", &st);
    cr_assert(ru >= 0 && ri >= 0 && rw >= 0 && ro >= 0, "%s", st.msg);
    uint8_t *x = vta_prog_region_data(p, ri);
    for (int i = 0; i < 32; i++)
        x[i] = (uint8_t)(i - 10);
    uint8_t *w = vta_prog_region_data(p, rw);
    for (int o = 0; o < 16; o++)
        w[16 * o + o] = 3;
    uint32_t u = nv_uop(0, 0, 0);
    memcpy(vta_prog_region_data(p, ru), &u, 4);
    vta_insn in[7];
    in[0] = vta_load(HW_MEM_WGT, 0, vta_prog_elem_base(p, rw), 1, 1, 1);
    in[1] = vta_load(HW_MEM_INP, 0, vta_prog_elem_base(p, ri), 1, 2, 2);
    in[1].push_next = true;
    in[2] = vta_load(HW_MEM_UOP, 0, vta_prog_elem_base(p, ru), 1, 1, 1);
    in[3] = vta_gemm(true, 0, 1, 2, 1);
    in[3].dst_factor_out = 1;
    in[3].pop_prev = true;
    in[4] = vta_gemm(false, 0, 1, 2, 1);
    in[4].dst_factor_out = 1;
    in[4].src_factor_out = 1;
    in[4].push_next = true;
    in[5] = vta_store(0, vta_prog_elem_base(p, ro), 1, 2, 2);
    in[5].pop_prev = true;
    in[5].push_prev = true;
    in[6] = vta_finish();
    in[6].pop_next = true;
    for (int i = 0; i < 7; i++)
        vta_prog_add_insn(p, &in[i]);
    cr_assert(vta_prog_finalize(p, &st), "%s", st.msg);
    char dir[] = "/tmp/embedsyn_simbundle_XXXXXX";
    cr_assert(mkdtemp(dir));
    char bdir[300], outp[300], trace[300], args[1200], buf[4096];
    snprintf(bdir, sizeof bdir, "%s/b", dir);
    snprintf(outp, sizeof outp, "%s/out.bin", dir);
    snprintf(trace, sizeof trace, "%s/trace.txt", dir);
    cr_assert(vta_bundle_write(p, bdir, &st), "%s", st.msg);
    uint64_t oaddr = vta_prog_region(p, ro)->addr;
    snprintf(args, sizeof args, "sim %s --json -o %s --trace %s", bdir, outp, trace);
    cr_assert_eq(run_cli(args, buf, sizeof buf), 0, "%s", buf);
    cr_assert(strstr(buf, "\"gemm_counter\":2,") && strstr(buf, "\"status\":\"ok\""), "%s", buf);
    FILE *f = fopen(outp, "rb");
    cr_assert(f);
    uint8_t got[32];
    cr_assert_eq(fseek(f, (long)oaddr, SEEK_SET), 0);
    cr_assert_eq(fread(got, 1, 32, f), 32);
    fclose(f);
    for (int i = 0; i < 32; i++)
        cr_assert_eq((int8_t)got[i], (int8_t)(3 * (i - 10)), "byte %d", i);
    f = fopen(trace, "r");
    cr_assert(f);
    int lines = 0, gemms = 0;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        lines++;
        gemms += strstr(line, "GEMM") != NULL;
    }
    fclose(f);
    cr_assert_eq(lines, 7);
    cr_assert_eq(gemms, 2);
    /* bundle and raw options together: usage error */
    snprintf(args, sizeof args, "sim %s --insn-count 3 2>/dev/null", bdir);
    cr_assert_eq(run_cli(args, buf, sizeof buf), 2);
    vta_prog_destroy(p);
    snprintf(args, sizeof args, "rm -rf %s", dir);
    cr_assert_eq(system(args), 0);
}
