/* naive_vta: an independent, deliberately simple VTA interpreter and hand assembler for
 * the simulator's tests, written only from DESIGN section 5 (bit table, semantics). It
 * shares no code with vta/ (its own bit packing, decoding, buffers and arithmetic) and
 * runs the instructions one after the other in program order, ignoring the dependency
 * flags: it is only compared with the simulator on programs whose tokens serialize
 * every hand-over between modules, where the order cannot matter.
 * Invariant: the bit layout is DESIGN's default table; shapes (BATCH, BLOCK_IN,
 * BLOCK_OUT) are parameters, buffer depths are the default ones (2048/1024/2048/8192).
 * Included by tests/test_sim.c (one test executable per test_*.c). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct nv_word { uint64_t w[2]; } nv_word;

/* Sets bits [lo, hi] (inclusive, as in DESIGN's table) to v. */
static void nv_set(nv_word *x, int lo, int hi, uint64_t v) {
    for (int b = lo; b <= hi; b++) {
        uint64_t bit = (v >> (b - lo)) & 1u;
        x->w[b / 64] &= ~((uint64_t)1 << (b % 64));
        x->w[b / 64] |= bit << (b % 64);
    }
}

static uint64_t nv_get(const nv_word *x, int lo, int hi) {
    uint64_t v = 0;
    for (int b = hi; b >= lo; b--)
        v = (v << 1) | ((x->w[b / 64] >> (b % 64)) & 1u);
    return v;
}

/* Dependency flags as one small integer: bit 0 pop_prev, 1 pop_next, 2 push_prev,
 * 3 push_next. */
enum { NV_POP_PREV = 1, NV_POP_NEXT = 2, NV_PUSH_PREV = 4, NV_PUSH_NEXT = 8 };

static nv_word nv_head(int opcode, int deps) {
    nv_word x = {{0, 0}};
    nv_set(&x, 0, 2, (uint64_t)opcode);
    nv_set(&x, 3, 3, deps & 1);
    nv_set(&x, 4, 4, (deps >> 1) & 1);
    nv_set(&x, 5, 5, (deps >> 2) & 1);
    nv_set(&x, 6, 6, (deps >> 3) & 1);
    return x;
}

typedef struct nv_mem {
    int mem, sram, dram, y, x, stride, yp0, yp1, xp0, xp1;
} nv_mem;

static nv_word nv_memop(int opcode, int deps, nv_mem m) {
    nv_word x = nv_head(opcode, deps);
    nv_set(&x, 7, 9, (uint64_t)m.mem);
    nv_set(&x, 10, 25, (uint64_t)m.sram);
    nv_set(&x, 26, 57, (uint64_t)(uint32_t)m.dram);
    nv_set(&x, 64, 79, (uint64_t)m.y);
    nv_set(&x, 80, 95, (uint64_t)m.x);
    nv_set(&x, 96, 111, (uint64_t)m.stride);
    nv_set(&x, 112, 115, (uint64_t)m.yp0);
    nv_set(&x, 116, 119, (uint64_t)m.yp1);
    nv_set(&x, 120, 123, (uint64_t)m.xp0);
    nv_set(&x, 124, 127, (uint64_t)m.xp1);
    return x;
}

typedef struct nv_loop {
    int reset, ubgn, uend, iout, iin, dfo, dfi, sfo, sfi, wfo, wfi; /* GEMM */
    int aluop, use_imm, imm;                                        /* ALU */
} nv_loop;

/* The fields GEMM (opcode 2) and ALU (opcode 4) share: reset, micro-op range, loops
 * and the dst/src factors. */
static nv_word nv_loop_word(int opcode, int deps, nv_loop l) {
    nv_word x = nv_head(opcode, deps);
    nv_set(&x, 7, 7, (uint64_t)l.reset);
    nv_set(&x, 8, 20, (uint64_t)l.ubgn);
    nv_set(&x, 21, 34, (uint64_t)l.uend);
    nv_set(&x, 35, 48, (uint64_t)l.iout);
    nv_set(&x, 49, 62, (uint64_t)l.iin);
    nv_set(&x, 64, 74, (uint64_t)l.dfo);
    nv_set(&x, 75, 85, (uint64_t)l.dfi);
    nv_set(&x, 86, 96, (uint64_t)l.sfo);
    nv_set(&x, 97, 107, (uint64_t)l.sfi);
    return x;
}

static nv_word nv_gemm(int deps, nv_loop l) {
    nv_word x = nv_loop_word(2, deps, l);
    nv_set(&x, 108, 117, (uint64_t)l.wfo);
    nv_set(&x, 118, 127, (uint64_t)l.wfi);
    return x;
}

static nv_word nv_alu(int deps, nv_loop l) {
    nv_word x = nv_loop_word(4, deps, l);
    nv_set(&x, 108, 110, (uint64_t)l.aluop);
    nv_set(&x, 111, 111, (uint64_t)l.use_imm);
    nv_set(&x, 112, 127, (uint64_t)(uint16_t)(int16_t)l.imm);
    return x;
}

static nv_word nv_finish(int deps) { return nv_head(3, deps); }

static uint32_t nv_uop(uint32_t acc, uint32_t inp, uint32_t wgt) {
    return (acc & 0x7ffu) | (inp & 0x7ffu) << 11 | (wgt & 0x3ffu) << 22;
}

static void nv_put_word(uint8_t *p, nv_word x) {
    for (int i = 0; i < 16; i++)
        p[i] = (uint8_t)(x.w[i / 8] >> (8 * (i % 8)));
}

static nv_word nv_read_word(const uint8_t *p) {
    nv_word x = {{0, 0}};
    for (int i = 0; i < 16; i++)
        x.w[i / 8] |= (uint64_t)p[i] << (8 * (i % 8));
    return x;
}

/* ---- the interpreter ---- */

typedef struct nv_vta {
    int B, BI, BO;
    int8_t *inp;      /* 2048 x B*BI */
    int8_t *wgt;      /* 1024 x BO*BI */
    int32_t *acc;     /* 2048 x B*BO */
    int8_t *out;      /* 2048 x B*BO */
    uint32_t uop[8192];
} nv_vta;

static void nv_init(nv_vta *v, int B, int BI, int BO) {
    v->B = B;
    v->BI = BI;
    v->BO = BO;
    v->inp = calloc((size_t)2048 * B * BI, 1);
    v->wgt = calloc((size_t)1024 * BO * BI, 1);
    v->acc = calloc((size_t)2048 * B * BO, 4);
    v->out = calloc((size_t)2048 * B * BO, 1);
    memset(v->uop, 0, sizeof v->uop);
}

static void nv_free(nv_vta *v) {
    free(v->inp);
    free(v->wgt);
    free(v->acc);
    free(v->out);
}

/* Bytes of one element of a memory type (UOP 0, WGT 1, INP 2, ACC 3, OUT 4). */
static int nv_esize(const nv_vta *v, int mem) {
    switch (mem) {
    case 0: return 4;
    case 1: return v->BO * v->BI;
    case 2: return v->B * v->BI;
    case 3: return v->B * v->BO * 4;
    default: return v->B * v->BO;
    }
}

/* Writes SRAM element `row` of `mem` from DRAM bytes src, or zero if src is NULL. */
static void nv_write_row(nv_vta *v, int mem, long row, const uint8_t *src) {
    int n = nv_esize(v, mem);
    if (mem == 0) {
        uint32_t u = 0;
        if (src)
            u = (uint32_t)src[0] | (uint32_t)src[1] << 8 | (uint32_t)src[2] << 16 | (uint32_t)src[3] << 24;
        v->uop[row] = u;
    } else if (mem == 1) {
        for (int i = 0; i < n; i++)
            v->wgt[row * n + i] = src ? (int8_t)src[i] : 0;
    } else if (mem == 2) {
        for (int i = 0; i < n; i++)
            v->inp[row * n + i] = src ? (int8_t)src[i] : 0;
    } else if (mem == 3) {
        for (int i = 0; i < n / 4; i++) {
            uint32_t x = 0;
            if (src)
                x = (uint32_t)src[4 * i] | (uint32_t)src[4 * i + 1] << 8 | (uint32_t)src[4 * i + 2] << 16 |
                    (uint32_t)src[4 * i + 3] << 24;
            v->acc[row * (n / 4) + i] = (int32_t)x;
        }
    }
}

static int32_t nv_alu_op(int op, int32_t a, int32_t b) {
    int64_t r;
    switch (op) {
    case 0: return a < b ? a : b;
    case 1: return a > b ? a : b;
    case 2: r = (int64_t)a + (int64_t)b; break;
    default: /* SHR; negative = left shift; tests keep |b| < 32 */
        if (b >= 0)
            return (int32_t)((int64_t)a >> b);
        r = (int64_t)a * ((int64_t)1 << (-b));
        break;
    }
    /* wrap to 32 bits */
    uint32_t u = (uint32_t)((uint64_t)r & 0xffffffffu);
    return (int32_t)u;
}

/* Runs n instructions at insn_addr in program order; returns false at FINISH-less end
 * or an unsupported instruction (the tests only feed valid programs). */
static bool nv_run(nv_vta *v, uint8_t *dram, uint64_t insn_addr, int n) {
    for (int k = 0; k < n; k++) {
        nv_word x = nv_read_word(dram + insn_addr + 16 * (uint64_t)k);
        int op = (int)nv_get(&x, 0, 2);
        if (op == 0 || op == 1) {
            int mem = (int)nv_get(&x, 7, 9);
            long sram = (long)nv_get(&x, 10, 25), dbase = (long)nv_get(&x, 26, 57);
            long ys = (long)nv_get(&x, 64, 79), xs = (long)nv_get(&x, 80, 95), st = (long)nv_get(&x, 96, 111);
            long yp0 = (long)nv_get(&x, 112, 115), yp1 = (long)nv_get(&x, 116, 119);
            long xp0 = (long)nv_get(&x, 120, 123), xp1 = (long)nv_get(&x, 124, 127);
            int es = nv_esize(v, op == 0 ? mem : 4);
            if (op == 1) { /* STORE: OUT rows sram + y*xs + x -> DRAM dbase + y*st + x */
                for (long y = 0; y < ys; y++)
                    for (long xx = 0; xx < xs; xx++)
                        memcpy(dram + (dbase + y * st + xx) * es, v->out + (sram + y * xs + xx) * es, (size_t)es);
                continue;
            }
            if (xs == 0)
                continue;
            long w = xp0 + xs + xp1, row = sram;
            for (long i = 0; i < yp0 * w; i++)
                nv_write_row(v, mem, row++, NULL);
            for (long y = 0; y < ys; y++) {
                for (long i = 0; i < xp0; i++)
                    nv_write_row(v, mem, row++, NULL);
                for (long xx = 0; xx < xs; xx++)
                    nv_write_row(v, mem, row++, dram + (dbase + y * st + xx) * es);
                for (long i = 0; i < xp1; i++)
                    nv_write_row(v, mem, row++, NULL);
            }
            for (long i = 0; i < yp1 * w; i++)
                nv_write_row(v, mem, row++, NULL);
        } else if (op == 2 || op == 4) {
            int reset = (int)nv_get(&x, 7, 7);
            long ub = (long)nv_get(&x, 8, 20), ue = (long)nv_get(&x, 21, 34);
            long io = (long)nv_get(&x, 35, 48), ii = (long)nv_get(&x, 49, 62);
            long dfo = (long)nv_get(&x, 64, 74), dfi = (long)nv_get(&x, 75, 85);
            long sfo = (long)nv_get(&x, 86, 96), sfi = (long)nv_get(&x, 97, 107);
            long wfo = (long)nv_get(&x, 108, 117), wfi = (long)nv_get(&x, 118, 127);
            int aop = (int)nv_get(&x, 108, 110), use_imm = (int)nv_get(&x, 111, 111);
            int32_t imm = (int32_t)(int16_t)(uint16_t)nv_get(&x, 112, 127);
            int nacc = v->B * v->BO;
            for (long i = 0; i < io; i++)
                for (long j = 0; j < ii; j++)
                    for (long u = ub; u < ue; u++) {
                        uint32_t uw = v->uop[u];
                        long d = (long)(uw & 0x7ff) + i * dfo + j * dfi;
                        long s = (long)((uw >> 11) & 0x7ff) + i * sfo + j * sfi;
                        long wi = (long)(uw >> 22) + i * wfo + j * wfi;
                        for (int b = 0; b < v->B; b++)
                            for (int o = 0; o < v->BO; o++) {
                                int32_t *a = &v->acc[d * nacc + b * v->BO + o];
                                if (op == 2 && reset) {
                                    *a = 0;
                                } else if (op == 2) {
                                    int64_t sum = *a;
                                    for (int c = 0; c < v->BI; c++)
                                        sum += (int64_t)v->inp[s * v->B * v->BI + b * v->BI + c] *
                                               (int64_t)v->wgt[wi * v->BO * v->BI + o * v->BI + c];
                                    *a = (int32_t)(uint32_t)((uint64_t)sum & 0xffffffffu);
                                } else {
                                    int32_t rhs = use_imm ? imm : v->acc[s * nacc + b * v->BO + o];
                                    *a = nv_alu_op(aop, *a, rhs);
                                }
                                v->out[d * nacc + b * v->BO + o] = (int8_t)(uint8_t)((uint32_t)*a & 0xffu);
                            }
                    }
        } else if (op == 3) {
            return k == n - 1;
        } else {
            return false;
        }
    }
    return false;
}
