/* sim: event-driven, cycle-level VTA simulator (DESIGN section 5). This file holds the
 * scheduler, every check and the report, and documents the timing model (durations
 * are computed in sim_time.c); the functional data path (buffers, DMA data movement,
 * GEMM/ALU arithmetic) is in sim_exec.c.
 *
 * Invariant: a run either completes with every dependency queue empty, or reports an
 * error naming the instruction index and field; functional and timing-only runs follow
 * the same schedule (timing never depends on data), so their cycle counts, counters
 * and warnings are identical.
 *
 * Timing model (all constants from hw_config, HW_TIMING_FIELDS; times in cycles):
 *  - Four modules run concurrently: fetch, load (LOAD INP/WGT), compute (LOAD UOP/ACC,
 *    GEMM, ALU, FINISH) and store (STORE). They synchronize only through the four
 *    1-bit-token dependency queues (load->compute, compute->load, compute->store,
 *    store->compute); token queues are unbounded, so a push never blocks.
 *  - Fetch reads the instructions in order, fetch_insn_cycles each, and dispatches
 *    each to its module's instruction queue (SIM_INSN_QUEUE_DEPTH = 512 entries, as in
 *    TVM's hardware). When that queue is full fetch stalls until the module takes an
 *    instruction; the next read starts at the dispatch.
 *  - A module takes the next instruction from its queue as soon as it is idle, then
 *    waits until every queue it pops holds a token (stall cycles), pops, executes for
 *    the instruction's duration (busy cycles), and pushes its tokens at the end.
 *    Functional effects happen atomically at the start of execution; simultaneous
 *    events are processed in the order completions, fetch, load, compute, store.
 *  - Durations:
 *      GEMM   gemm_startup + gemm_iter_cycles * iter_out*iter_in*(uop_end-uop_bgn)
 *             (reset GEMMs cost the same);
 *      ALU    alu_startup + (use_imm ? alu_imm_cycles : alu_reg_cycles) * iterations;
 *      LOAD   load_startup + DMA(rows) + pad cycles;  STORE  store_startup + DMA(rows);
 *      FINISH 0.  A LOAD or STORE with x_size = 0 (or y_size = 0) moves no data and
 *      costs only its start-up (plus pad cycles of a LOAD with y_size = 0).
 *    DMA: every row y < y_size is one burst sequence over the bus beats
 *    (hw_bus_bytes each, aligned to the bus width) that its x_size elements touch;
 *    a burst has at most max_burst_beats beats and never crosses a multiple of
 *    burst_boundary bytes (counted in whole beats: boundary_beats =
 *    max(1, burst_boundary / bus_bytes)); each burst costs dram_latency + its beats,
 *    and bursts are not overlapped. Padding: the zero elements a LOAD writes cost one
 *    cycle per bus beat: ceil(pad_bytes / bus_bytes) per instruction.
 *  - Total cycles: the time the last instruction completes.
 * Busy cycles of fetch are fetch_insn_cycles per instruction; its stall cycles are
 * the waits on full instruction queues. Busy/stall of the others: execution time and
 * time spent holding an instruction whose tokens are not there yet.
 *
 * Checks (errors name the instruction index and field): opcode, memory type, ALU
 * opcode; SRAM rows and DRAM elements of LOAD/STORE; micro-op range and whether the
 * micro-ops were loaded; the extremes of GEMM/ALU's affine index ranges (max over the
 * micro-ops plus (iter-1)*factor, cached per micro-op range, so O(1) per repeated
 * instruction); the stream bounds; STOREs into the stream; a FINISH somewhere in the
 * stream (instructions after it run, as in TVM's models); deadlock; tokens left at
 * the end; the cycle limit (sim_options.max_cycles: the instruction that would end
 * past it is not executed).
 * Portable subset: vta/port.c checks the stream before the run (warnings, an error
 * with strict); the model option picks whose behaviour the data path reproduces on
 * non-portable constructs (sim.h). Meaningless dependency flags are ignored, as the
 * hardware does. */
#include "vta/sim.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "vta/isa.h"
#include "core/alloc.h"
#include "core/text.h"
#include "vta/port.h"
#include "vta/sim_int.h"

#define SIM_INSN_QUEUE_DEPTH 512
#define SIM_UOP_CACHE 64
#define SIM_DCACHE 256
#define SIM_ALU_MUL PORT_ALU_MUL

enum { SIM_Q_L2C = 0, SIM_Q_C2L = 1, SIM_Q_C2S = 2, SIM_Q_S2C = 3 };
static const char *const sim_queue_names[4] = {"load->compute", "compute->load", "compute->store",
                                               "store->compute"};
static const char *const sim_module_names[4] = {"fetch", "load", "compute", "store"};
/* Queue each flag refers to, per module (-1: meaningless for that module). */
static const int sim_pop_prev_q[4] = {-1, -1, SIM_Q_L2C, SIM_Q_C2S};
static const int sim_pop_next_q[4] = {-1, SIM_Q_C2L, SIM_Q_S2C, -1};
static const int sim_push_prev_q[4] = {-1, -1, SIM_Q_C2L, SIM_Q_S2C};
static const int sim_push_next_q[4] = {-1, SIM_Q_L2C, SIM_Q_C2S, -1};

typedef struct sim_qent {
    vta_insn in;
    uint64_t idx;
} sim_qent;

typedef struct sim_unit {
    sim_qent *ring;          /* instruction queue */
    int head, count;
    bool holding;            /* cur taken, waiting for tokens */
    bool busy;               /* cur executing until busy_until */
    sim_qent cur;
    uint64_t take_t, busy_until;
} sim_unit;

typedef struct sim_uop_range {
    bool valid;
    uint64_t gen;
    uint32_t bgn, end;
    uint32_t max[3], arg[3]; /* acc, inp, wgt: maximum and the micro-op holding it */
    uint32_t min_acc;
} sim_uop_range;

typedef struct sim_state {
    const hw_config *hw;
    uint8_t *dram;
    uint64_t dram_bytes, insn_addr, insn_count;
    const sim_options *opt;
    sim_report *rep;
    status *st;
    sim_sram m;
    sim_unit unit[4];        /* SIM_LOAD, SIM_COMPUTE, SIM_STORE used */
    uint64_t tokens[4];
    uint64_t uop_gen;        /* bumped by every LOAD UOP */
    sim_uop_range cache[SIM_UOP_CACHE];
    uint64_t max_cycles;     /* UINT64_MAX: none */
    /* Decoded instruction words (decoding is a pure function of the word; programs
     * repeat the same words, and vta_insn_decode recomputes the field layout). */
    struct sim_dcache {
        bool valid;
        vta_word128 w;
        vta_insn in;
    } dcache[SIM_DCACHE];
} sim_state;

/* ---- names and messages ---- */

static const char *sim_mem_name(uint32_t m) {
    static const char *const n[6] = {"UOP", "WGT", "INP", "ACC", "OUT", "ACC_8BIT"};
    return m < 6 ? n[m] : "?";
}

static void sim_insn_name(const vta_insn *in, char *buf, size_t len) { port_insn_name(in, buf, len); }

static bool sim_vfail(sim_state *s, uint64_t idx, const vta_insn *in, const char *fmt, va_list ap) {
    char name[32], msg[768];
    sim_insn_name(in, name, sizeof name);
    vsnprintf(msg, sizeof msg, fmt, ap);
    return status_fail(s->st, "insn %llu (%s): %s", (unsigned long long)idx, name, msg);
}

static bool sim_fail(sim_state *s, uint64_t idx, const vta_insn *in, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool sim_fail(sim_state *s, uint64_t idx, const vta_insn *in, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    sim_vfail(s, idx, in, fmt, ap);
    va_end(ap);
    return false;
}

/* ---- decoding ---- */

/* Non-portable encodings decode too (port_decode): the checker has warned about them. */
static bool sim_decode_word(const sim_state *s, vta_word128 w, vta_insn *in, status *st) {
    return port_decode(s->hw, w, in, st);
}

static bool sim_decode(sim_state *s, vta_word128 w, vta_insn *in, status *st) {
    uint64_t h = (w.lo ^ (w.hi * 0x9E3779B97F4A7C15ull)) * 0xBF58476D1CE4E5B9ull;
    struct sim_dcache *c = &s->dcache[h >> 56];
    if (c->valid && c->w.lo == w.lo && c->w.hi == w.hi) {
        *in = c->in;
        return true;
    }
    if (!sim_decode_word(s, w, in, st))
        return false;
    c->valid = true;
    c->w = w;
    c->in = *in;
    return true;
}

/* ---- routing and static checks (at fetch) ---- */

/* port_module_of's numbering is sim_module's */
static int sim_module_of(const vta_insn *in) { return port_module_of(in); }

/* DRAM elements [dram_base + y*x_stride + x] for y < y_size, x < x_size inside the image. */
static bool sim_check_dram(sim_state *s, uint64_t k, const vta_insn *in, int64_t e) {
    if (in->x_size == 0 || in->y_size == 0)
        return true;
    uint64_t last = (uint64_t)in->dram_base + (uint64_t)(in->y_size - 1) * in->x_stride + in->x_size;
    uint64_t end = last * (uint64_t)e; /* < 2^33 * 2^28: no overflow */
    if (end > s->dram_bytes)
        return sim_fail(s, k, in,
                        "DRAM access outside the image: dram_base %u + (y_size-1)*x_stride %llu + x_size %u "
                        "elements of %lld B end at byte %llu > image size %llu",
                        in->dram_base, (unsigned long long)(in->y_size - 1) * in->x_stride, in->x_size,
                        (long long)e, (unsigned long long)end, (unsigned long long)s->dram_bytes);
    return true;
}

/* A STORE must not overwrite the instruction stream: fetch may already have read the
 * words (the hardware prefetches), and the functional and timing-only runs would
 * diverge. Rows are checked one by one, only when their hull meets the stream. */
static bool sim_check_store_insns(sim_state *s, uint64_t k, const vta_insn *in) {
    if (in->x_size == 0 || in->y_size == 0)
        return true;
    uint64_t e = (uint64_t)s->m.ebytes[HW_MEM_OUT];
    uint64_t a = s->insn_addr, b = s->insn_addr + 16 * s->insn_count;
    uint64_t lo = (uint64_t)in->dram_base * e, len = (uint64_t)in->x_size * e;
    uint64_t hi = ((uint64_t)in->dram_base + (uint64_t)(in->y_size - 1) * in->x_stride) * e + len;
    if (hi <= a || lo >= b)
        return true;
    for (uint64_t y = 0; y < in->y_size; y++) {
        uint64_t r0 = ((uint64_t)in->dram_base + y * in->x_stride) * e;
        if (r0 < b && r0 + len > a)
            return sim_fail(s, k, in, "STORE row y=%llu (bytes %llu..%llu) overwrites the instruction stream (bytes %llu..%llu)",
                            (unsigned long long)y, (unsigned long long)r0, (unsigned long long)(r0 + len - 1),
                            (unsigned long long)a, (unsigned long long)(b - 1));
    }
    return true;
}

static bool sim_check_static(sim_state *s, uint64_t k, const vta_insn *in) {
    if (in->opcode > VTA_OP_ALU)
        return sim_fail(s, k, in, "invalid opcode %u", in->opcode);
    const sim_sram *m = &s->m;
    switch (in->opcode) {
    case VTA_OP_LOAD: {
        uint32_t t = in->mem_type;
        if (t == HW_MEM_OUT || t > SIM_MEM_ACC8)
            return sim_fail(s, k, in, "invalid memory_type %u for LOAD", t);
        if (in->x_size == 0)
            return true;
        uint64_t w = (uint64_t)in->x_pad_0 + in->x_size + in->x_pad_1;
        uint64_t rows = (uint64_t)in->y_pad_0 + in->y_size + in->y_pad_1;
        uint64_t end = in->sram_base + rows * w;
        if (end > (uint64_t)m->depth[t])
            return sim_fail(s, k, in,
                            "SRAM index out of range: sram_base %u + (y_pad_0+y_size+y_pad_1 = %llu rows) x "
                            "(x_pad_0+x_size+x_pad_1 = %llu) = %llu > %s depth %lld",
                            in->sram_base, (unsigned long long)rows, (unsigned long long)w,
                            (unsigned long long)end, sim_mem_name(t), (long long)m->depth[t]);
        return sim_check_dram(s, k, in, m->ebytes[t]);
    }
    case VTA_OP_STORE: {
        if (in->mem_type != HW_MEM_OUT)
            return sim_fail(s, k, in, "invalid memory_type %u for STORE (must be OUT = 4)", in->mem_type);
        if (in->y_pad_0 || in->y_pad_1 || in->x_pad_0 || in->x_pad_1)
            return sim_fail(s, k, in, "STORE pads must be 0 (%s = %u)",
                            in->y_pad_0 ? "y_pad_0" : in->y_pad_1 ? "y_pad_1" : in->x_pad_0 ? "x_pad_0" : "x_pad_1",
                            in->y_pad_0 ? in->y_pad_0 : in->y_pad_1 ? in->y_pad_1 : in->x_pad_0 ? in->x_pad_0 : in->x_pad_1);
        uint64_t end = in->sram_base + (uint64_t)in->y_size * in->x_size;
        if (end > (uint64_t)m->depth[HW_MEM_OUT])
            return sim_fail(s, k, in, "SRAM index out of range: sram_base %u + y_size %u x x_size %u = %llu > OUT depth %lld",
                            in->sram_base, in->y_size, in->x_size, (unsigned long long)end,
                            (long long)m->depth[HW_MEM_OUT]);
        return sim_check_dram(s, k, in, m->ebytes[HW_MEM_OUT]) && sim_check_store_insns(s, k, in);
    }
    case VTA_OP_GEMM:
    case VTA_OP_ALU:
        if (in->uop_bgn > in->uop_end)
            return sim_fail(s, k, in, "uop_bgn %u > uop_end %u", in->uop_bgn, in->uop_end);
        if (in->uop_end > (uint64_t)m->depth[HW_MEM_UOP])
            return sim_fail(s, k, in, "uop_end %u beyond the micro-op buffer (depth %lld)", in->uop_end,
                            (long long)m->depth[HW_MEM_UOP]);
        if (in->opcode == VTA_OP_ALU) {
            if (in->alu_opcode > SIM_ALU_MUL)
                return sim_fail(s, k, in, "invalid alu_opcode %u", in->alu_opcode);
        }
        return true;
    default:
        return true;
    }
}

/* ---- dynamic checks (at execution) ---- */

static const sim_uop_range *sim_uop_range_of(sim_state *s, uint64_t k, const vta_insn *in) {
    uint32_t h = (in->uop_bgn * 31u + in->uop_end) % SIM_UOP_CACHE;
    sim_uop_range *c = &s->cache[h];
    if (c->valid && c->gen == s->uop_gen && c->bgn == in->uop_bgn && c->end == in->uop_end)
        return c;
    const uint8_t *v = s->m.uop_valid;
    const void *hole = memchr(v + in->uop_bgn, 0, in->uop_end - in->uop_bgn);
    if (hole) {
        sim_fail(s, k, in, "micro-op %lld in [uop_bgn %u, uop_end %u) was never loaded by a LOAD UOP",
                 (long long)((const uint8_t *)hole - v), in->uop_bgn, in->uop_end);
        return NULL;
    }
    memset(c, 0, sizeof *c);
    c->valid = true;
    c->gen = s->uop_gen;
    c->bgn = in->uop_bgn;
    c->end = in->uop_end;
    for (uint32_t u = in->uop_bgn; u < in->uop_end; u++) {
        const vta_uop *up = &s->m.uop[u];
        uint32_t f[3] = {up->acc, up->inp, up->wgt};
        for (int i = 0; i < 3; i++)
            if (u == in->uop_bgn || f[i] > c->max[i]) {
                c->max[i] = f[i];
                c->arg[i] = u;
            }
        if (u == in->uop_bgn || up->acc < c->min_acc)
            c->min_acc = up->acc;
    }
    return c;
}

static bool sim_check_index(sim_state *s, uint64_t k, const vta_insn *in, const sim_uop_range *r, int which,
                            uint32_t fo, uint32_t fi, const char *fon, const char *fin, hw_mem mem) {
    static const char *const fname[3] = {"acc", "inp", "wgt"};
    uint64_t mx = r->max[which] + (uint64_t)(in->iter_out - 1) * fo + (uint64_t)(in->iter_in - 1) * fi;
    if (mx >= (uint64_t)s->m.depth[mem])
        return sim_fail(s, k, in,
                        "%s index out of range: micro-op %u (%s %u) + (iter_out-1)*%s %u + (iter_in-1)*%s %u = "
                        "%llu >= %s depth %lld",
                        which == 0 ? "destination" : which == 1 ? "source" : "weight", r->arg[which],
                        in->opcode == VTA_OP_ALU && which == 1 ? "src" : fname[which], r->max[which], fon, fo,
                        fin, fi, (unsigned long long)mx, sim_mem_name(mem), (long long)s->m.depth[mem]);
    return true;
}

/* Duration, or an error if it overflows 64 bits. */
static bool sim_duration(sim_state *s, uint64_t k, const vta_insn *in, uint64_t *dur) {
    if (!sim_time_insn(s->hw, &s->m, in, dur))
        return sim_fail(s, k, in, "cycle count overflows 64 bits");
    return true;
}

/* ---- execution ---- */

/* Executes the instruction starting at cycle t; its duration in *dur. An instruction
 * that would end past the cycle limit is an error and is not executed. */
static bool sim_execute(sim_state *s, const sim_qent *q, uint64_t t, uint64_t *dur) {
    const vta_insn *in = &q->in;
    uint64_t k = q->idx;
    sim_report *rep = s->rep;
    bool func = !s->opt->timing_only;
    if (!sim_duration(s, k, in, dur))
        return false;
    if (*dur > s->max_cycles || t > s->max_cycles - *dur)
        return sim_fail(s, k, in,
                        "would run from cycle %llu to %llu, past the limit of %llu cycles (--max-cycles; the "
                        "default limit applies to functional runs, --timing-only has none)",
                        (unsigned long long)t, (unsigned long long)t + *dur, (unsigned long long)s->max_cycles);
    switch (in->opcode) {
    case VTA_OP_LOAD: {
        uint32_t mt = in->mem_type;
        uint64_t bytes = (uint64_t)in->x_size * in->y_size * (uint64_t)s->m.ebytes[mt];
        if (in->x_size == 0)
            bytes = 0;
        switch (mt) {
        case HW_MEM_INP: rep->inp_load_nbytes += bytes; break;
        case HW_MEM_WGT: rep->wgt_load_nbytes += bytes; break;
        case HW_MEM_UOP: rep->uop_load_nbytes += bytes; break;
        default: rep->acc_load_nbytes += bytes; break;
        }
        if (in->x_size == 0)
            break;
        sim_exec_load(&s->m, s->hw, in, s->dram);
        if (mt == HW_MEM_UOP)
            s->uop_gen++;
        break;
    }
    case VTA_OP_STORE:
        rep->out_store_nbytes += (uint64_t)in->x_size * in->y_size * (uint64_t)s->m.ebytes[HW_MEM_OUT];
        if (func)
            sim_exec_store(&s->m, in, s->dram);
        break;
    case VTA_OP_GEMM:
    case VTA_OP_ALU: {
        bool gemm = in->opcode == VTA_OP_GEMM;
        uint64_t it = (uint64_t)in->iter_out * in->iter_in * (in->uop_end - in->uop_bgn);
        if (it == 0)
            break;
        const sim_uop_range *r = sim_uop_range_of(s, k, in);
        if (!r || !sim_check_index(s, k, in, r, 0, in->dst_factor_out, in->dst_factor_in, "dst_factor_out",
                                   "dst_factor_in", HW_MEM_ACC))
            return false;
        /* the HLS design computes the product of a reset GEMM too (it writes OUT) */
        if (gemm && (!in->reset || s->m.model == SIM_MODEL_HLS) &&
            (!sim_check_index(s, k, in, r, 1, in->src_factor_out, in->src_factor_in, "src_factor_out",
                              "src_factor_in", HW_MEM_INP) ||
             !sim_check_index(s, k, in, r, 2, in->wgt_factor_out, in->wgt_factor_in, "wgt_factor_out",
                              "wgt_factor_in", HW_MEM_WGT)))
            return false;
        if (!gemm && !in->use_imm &&
            !sim_check_index(s, k, in, r, 1, in->src_factor_out, in->src_factor_in, "src_factor_out",
                             "src_factor_in", HW_MEM_ACC))
            return false;
        if (gemm && !in->reset)
            rep->gemm_counter += it;
        else if (!gemm)
            rep->alu_counter += it;
        if (func) {
            if (gemm)
                sim_exec_gemm(&s->m, in);
            else
                sim_exec_alu(&s->m, in);
        }
        break;
    }
    default: break;
    }
    return true;
}

/* ---- scheduler ---- */

static bool sim_tokens_ready(const sim_state *s, int mod, const vta_insn *in) {
    int qp = in->pop_prev ? sim_pop_prev_q[mod] : -1, qn = in->pop_next ? sim_pop_next_q[mod] : -1;
    return (qp < 0 || s->tokens[qp] > 0) && (qn < 0 || s->tokens[qn] > 0);
}

static bool sim_deadlock(sim_state *s, uint64_t t, uint64_t k, int fetch_mod) {
    char buf[900];
    size_t n = 0;
    n += (size_t)snprintf(buf + n, sizeof buf - n, "deadlock at cycle %llu:", (unsigned long long)t);
    for (int m = SIM_LOAD; m <= SIM_STORE; m++) {
        const sim_unit *u = &s->unit[m];
        if (!u->holding)
            continue;
        char name[32];
        sim_insn_name(&u->cur.in, name, sizeof name);
        const vta_insn *in = &u->cur.in;
        int qp = in->pop_prev ? sim_pop_prev_q[m] : -1, qn = in->pop_next ? sim_pop_next_q[m] : -1;
        int q = (qp >= 0 && s->tokens[qp] == 0) ? qp : qn;
        if (n < sizeof buf)
            n += (size_t)snprintf(buf + n, sizeof buf - n, " %s module (insn %llu, %s) waits on the %s queue (%s);",
                                  sim_module_names[m], (unsigned long long)u->cur.idx, name,
                                  q >= 0 ? sim_queue_names[q] : "?", q == qp ? "pop_prev" : "pop_next");
    }
    if (fetch_mod >= 0 && n < sizeof buf)
        snprintf(buf + n, sizeof buf - n, " fetch is stalled on the full %s instruction queue (insn %llu)",
                 sim_module_names[fetch_mod], (unsigned long long)k);
    return status_fail(s->st, "%s", buf);
}

static void sim_trace(sim_state *s, int mod, const sim_qent *q, uint64_t t, uint64_t dur) {
    char dis[256];
    vta_insn_format(&q->in, dis, sizeof dis);
    fprintf(s->opt->trace, "%llu %llu %-7s #%llu %s\n", (unsigned long long)t, (unsigned long long)(t + dur),
            sim_module_names[mod], (unsigned long long)q->idx, dis);
}

static bool sim_schedule_at(sim_state *s, uint64_t *now);

/* On an error the report's cycles are the time the error was found. */
static bool sim_schedule(sim_state *s) {
    uint64_t now = 0;
    bool ok = sim_schedule_at(s, &now);
    if (!ok)
        s->rep->cycles = now;
    return ok;
}

static bool sim_schedule_at(sim_state *s, uint64_t *now) {
    sim_report *rep = s->rep;
    const uint64_t fcyc = (uint64_t)s->hw->fetch_insn_cycles;
    uint64_t t = 0, k = 0, fetch_ready = fcyc;
    bool have_dec = false;
    sim_qent dec;
    int dec_mod = -1;
    memset(&dec, 0, sizeof dec);
    for (;;) {
        bool progress;
        do {
            progress = false;
            for (int m = SIM_LOAD; m <= SIM_STORE; m++) {
                sim_unit *u = &s->unit[m];
                if (u->busy && u->busy_until == t) {
                    const vta_insn *in = &u->cur.in;
                    if (in->push_prev && sim_push_prev_q[m] >= 0)
                        s->tokens[sim_push_prev_q[m]]++;
                    if (in->push_next && sim_push_next_q[m] >= 0)
                        s->tokens[sim_push_next_q[m]]++;
                    u->busy = false;
                    rep->insns++;
                    progress = true;
                }
            }
            if (k < s->insn_count && fetch_ready <= t) {
                if (!have_dec) {
                    vta_word128 w = vta_word128_load(s->dram + s->insn_addr + 16 * k);
                    status dst;
                    status_init(&dst);
                    if (!sim_decode(s, w, &dec.in, &dst))
                        return status_fail(s->st, "insn %llu: %s", (unsigned long long)k, dst.msg);
                    dec.idx = k;
                    dec_mod = sim_module_of(&dec.in);
                    if (!sim_check_static(s, k, &dec.in))
                        return false;
                    have_dec = true;
                }
                sim_unit *u = &s->unit[dec_mod];
                if (u->count < SIM_INSN_QUEUE_DEPTH) {
                    u->ring[(u->head + u->count) % SIM_INSN_QUEUE_DEPTH] = dec;
                    u->count++;
                    rep->stall[SIM_FETCH] += t - fetch_ready;
                    rep->busy[SIM_FETCH] += fcyc;
                    have_dec = false;
                    k++;
                    fetch_ready = t + fcyc;
                    progress = true;
                }
            }
            for (int m = SIM_LOAD; m <= SIM_STORE; m++) {
                sim_unit *u = &s->unit[m];
                if (u->busy)
                    continue;
                if (!u->holding && u->count > 0) {
                    u->cur = u->ring[u->head];
                    u->head = (u->head + 1) % SIM_INSN_QUEUE_DEPTH;
                    u->count--;
                    u->holding = true;
                    u->take_t = t;
                    progress = true;
                }
                if (u->holding && sim_tokens_ready(s, m, &u->cur.in)) {
                    const vta_insn *in = &u->cur.in;
                    if (in->pop_prev && sim_pop_prev_q[m] >= 0)
                        s->tokens[sim_pop_prev_q[m]]--;
                    if (in->pop_next && sim_pop_next_q[m] >= 0)
                        s->tokens[sim_pop_next_q[m]]--;
                    rep->stall[m] += t - u->take_t;
                    uint64_t dur = 0;
                    if (!sim_execute(s, &u->cur, t, &dur))
                        return false;
                    if (s->opt->trace)
                        sim_trace(s, m, &u->cur, t, dur);
                    if (__builtin_add_overflow(t, dur, &u->busy_until))
                        return status_fail(s->st, "insn %llu: cycle count overflows 64 bits",
                                           (unsigned long long)u->cur.idx);
                    rep->busy[m] += dur;
                    u->holding = false;
                    u->busy = true;
                    progress = true;
                }
            }
        } while (progress);
        uint64_t next = UINT64_MAX;
        for (int m = SIM_LOAD; m <= SIM_STORE; m++)
            if (s->unit[m].busy && s->unit[m].busy_until < next)
                next = s->unit[m].busy_until;
        if (k < s->insn_count && fetch_ready > t && fetch_ready < next)
            next = fetch_ready;
        if (next == UINT64_MAX) {
            bool idle = k == s->insn_count;
            for (int m = SIM_LOAD; m <= SIM_STORE; m++)
                idle = idle && !s->unit[m].holding && s->unit[m].count == 0;
            if (!idle)
                return sim_deadlock(s, t, k, k < s->insn_count && have_dec ? dec_mod : -1);
            break;
        }
        t = next;
        *now = t;
    }
    rep->cycles = t;
    for (int q = 0; q < 4; q++)
        if (s->tokens[q])
            return status_fail(s->st, "%llu token(s) left in the %s dependency queue at FINISH",
                               (unsigned long long)s->tokens[q], sim_queue_names[q]);
    return true;
}

bool sim_run(const hw_config *hw, uint8_t *dram, uint64_t dram_bytes, uint64_t insn_addr,
             uint64_t insn_count, const sim_options *opt, sim_report *rep, status *st) {
    memset(rep, 0, sizeof *rep);
    if (!hw_check(hw, st) || !vta_isa_check(hw, st))
        return false;
    if (insn_count == 0)
        return status_fail(st, "empty instruction stream (insn_count 0)");
    if (insn_addr > dram_bytes || insn_count > (dram_bytes - insn_addr) / 16)
        return status_fail(st, "instruction stream outside the image: %llu instructions at byte %llu, image %llu bytes",
                           (unsigned long long)insn_count, (unsigned long long)insn_addr,
                           (unsigned long long)dram_bytes);
    sim_options defopt = {false, false, NULL, SIM_MODEL_PORTABLE, 0};
    const sim_options *o = opt ? opt : &defopt;
    if ((unsigned)o->model >= SIM_NMODELS)
        return status_fail(st, "unknown simulator model %d", (int)o->model);
    port_report pr;
    if (!port_check(hw, dram, dram_bytes, insn_addr, insn_count, o->strict, &pr, st))
        return false;
    rep->nwarnings = pr.nfindings > INT32_MAX ? INT32_MAX : (int)pr.nfindings;
    snprintf(rep->warning, sizeof rep->warning, "%s", pr.first);
    if (pr.finish_insn == UINT64_MAX) {
        vta_insn last;
        status dst;
        status_init(&dst);
        if (!port_decode(hw, vta_word128_load(dram + insn_addr + 16 * (insn_count - 1)), &last, &dst))
            return status_fail(st, "the stream has no FINISH");
        char name[32];
        port_insn_name(&last, name, sizeof name);
        return status_fail(st, "insn %llu (%s): the stream has no FINISH (the last instruction is not FINISH)",
                           (unsigned long long)(insn_count - 1), name);
    }
    sim_state *s = es_calloc(1, sizeof *s);
    if (!s)
        return status_fail(st, "out of memory");
    s->hw = hw;
    s->dram = dram;
    s->dram_bytes = dram_bytes;
    s->insn_addr = insn_addr;
    s->insn_count = insn_count;
    s->opt = o;
    s->max_cycles = o->max_cycles ? o->max_cycles : o->timing_only ? UINT64_MAX : SIM_DEFAULT_MAX_CYCLES;
    s->rep = rep;
    s->st = st;
    bool ok = sim_sram_init(&s->m, hw, !s->opt->timing_only);
    s->m.model = (int)o->model;
    for (int m = SIM_LOAD; m <= SIM_STORE; m++) {
        s->unit[m].ring = es_calloc(SIM_INSN_QUEUE_DEPTH, sizeof(sim_qent));
        ok = ok && s->unit[m].ring;
    }
    if (!ok)
        ok = status_fail(st, "out of memory for the simulator's buffers");
    else
        ok = sim_schedule(s);
    for (int m = SIM_LOAD; m <= SIM_STORE; m++)
        free(s->unit[m].ring);
    sim_sram_free(&s->m);
    free(s);
    return ok;
}

/* ---- report ---- */

static const char *const sim_model_names[SIM_NMODELS] = {
#define SIM_MODEL_NAME(e, name) name,
    SIM_MODELS(SIM_MODEL_NAME)
#undef SIM_MODEL_NAME
};

const char *sim_model_name(sim_model m) { return (unsigned)m < SIM_NMODELS ? sim_model_names[m] : "?"; }

bool sim_model_parse(const char *name, sim_model *m) {
    for (int i = 0; i < SIM_NMODELS; i++)
        if (!strcmp(name, sim_model_names[i])) {
            *m = (sim_model)i;
            return true;
        }
    return false;
}

/* One JSON object: cycles, the TVM counters, instructions, per-module busy/stall,
 * warnings, then "status": "ok", or "status": "error" with "error": status_text. */
void sim_report_json(FILE *f, const sim_report *r, const char *status_text) {
    fprintf(f, "{\"cycles\":%llu", (unsigned long long)r->cycles);
#define SIM_JSON(c) fprintf(f, ",\"" #c "\":%llu", (unsigned long long)r->c);
    SIM_COUNTERS(SIM_JSON)
#undef SIM_JSON
    fprintf(f, ",\"insns\":%llu", (unsigned long long)r->insns);
    const char *what[2] = {"busy", "stall"};
    for (int w = 0; w < 2; w++) {
        fprintf(f, ",\"%s\":{", what[w]);
        for (int m = 0; m < 4; m++)
            fprintf(f, "%s\"%s\":%llu", m ? "," : "", sim_module_names[m],
                    (unsigned long long)(w ? r->stall[m] : r->busy[m]));
        fputc('}', f);
    }
    fprintf(f, ",\"warnings\":%d", r->nwarnings);
    if (r->nwarnings > 0) {
        fprintf(f, ",\"warning\":");
        text_json_str(f, r->warning);
    }
    if (!status_text || !strcmp(status_text, "ok")) {
        fprintf(f, ",\"status\":\"ok\"}\n");
    } else {
        fprintf(f, ",\"status\":\"error\",\"error\":");
        text_json_str(f, status_text);
        fprintf(f, "}\n");
    }
}
