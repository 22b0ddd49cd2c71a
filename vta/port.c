/* port: the portability checker (constructs and bounds in port.h). One pass over the
 * stream in program order; the only state is the micro-op buffer (so GEMM/ALU
 * destination rows are known) and, per ACC row, whether its OUT copy is stale (a LOAD
 * ACC or a reset GEMM wrote the row after the last GEMM/ALU that wrote it).
 * Invariant: the order of findings is the stream order; the first finding's message is
 * the strict-mode error. */
#include "vta/port.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PORT_FRESH = 0, PORT_BY_LOAD_ACC = 1, PORT_BY_RESET = 2 };

static const char *const port_names[PORT_NKINDS] = {
#define PORT_NAME(k, name, impls) name,
    PORT_KINDS(PORT_NAME)
#undef PORT_NAME
};
static const char *const port_impls[PORT_NKINDS] = {
#define PORT_IMPLS(k, name, impls) impls,
    PORT_KINDS(PORT_IMPLS)
#undef PORT_IMPLS
};

const char *port_kind_name(port_kind k) { return (unsigned)k < PORT_NKINDS ? port_names[k] : "?"; }
const char *port_kind_impls(port_kind k) { return (unsigned)k < PORT_NKINDS ? port_impls[k] : "?"; }

bool port_decode(const hw_config *hw, vta_word128 w, vta_insn *in, status *st) {
    uint32_t op = (uint32_t)vta_bits_get(w, 0, 3);
    const char *field = op == VTA_OP_LOAD ? "memory_type" : op == VTA_OP_ALU ? "alu_opcode" : NULL;
    uint32_t odd = op == VTA_OP_LOAD ? PORT_MEM_ACC8 : PORT_ALU_MUL;
    int lo = 0, width = 0;
    bool patched = false;
    if (field && vta_isa_field(hw, op, field, &lo, &width) && vta_bits_get(w, lo, width) == odd) {
        vta_bits_put(&w, lo, width, op == VTA_OP_LOAD ? HW_MEM_ACC : VTA_ALU_MIN);
        patched = true;
    }
    if (!vta_insn_decode(hw, w, in, st))
        return false;
    if (patched && op == VTA_OP_LOAD)
        in->mem_type = odd;
    else if (patched)
        in->alu_opcode = odd;
    return true;
}

void port_insn_name(const vta_insn *in, char *buf, size_t len) {
    static const char *const alu[5] = {"MIN", "MAX", "ADD", "SHR", "MUL"};
    static const char *const mem[6] = {"UOP", "WGT", "INP", "ACC", "OUT", "ACC_8BIT"};
    switch (in->opcode) {
    case VTA_OP_LOAD: snprintf(buf, len, "LOAD %s", in->mem_type < 6 ? mem[in->mem_type] : "?"); break;
    case VTA_OP_STORE: snprintf(buf, len, "STORE"); break;
    case VTA_OP_GEMM: snprintf(buf, len, "GEMM"); break;
    case VTA_OP_FINISH: snprintf(buf, len, "FINISH"); break;
    case VTA_OP_ALU: snprintf(buf, len, "ALU %s", in->alu_opcode < 5 ? alu[in->alu_opcode] : "?"); break;
    default: snprintf(buf, len, "opcode %u", in->opcode); break;
    }
}

int port_module_of(const vta_insn *in) {
    if (in->opcode == VTA_OP_STORE)
        return 3;
    if (in->opcode == VTA_OP_LOAD && (in->mem_type == HW_MEM_INP || in->mem_type == HW_MEM_WGT))
        return 1;
    return 2;
}

typedef struct port_state {
    const hw_config *hw;
    bool strict;
    port_report *rep;
    status *st;
    int64_t depth_uop, depth_acc;
    uint32_t *uop_acc;      /* acc index per UOP row */
    uint8_t *uop_valid;
    uint8_t *stale;         /* per ACC row: PORT_FRESH / PORT_BY_LOAD_ACC / PORT_BY_RESET */
    int64_t nstale;
    uint8_t *set_a, *set_o; /* scratch: flags over ACC rows */
    uint32_t *list_a, *list_o; /* scratch: distinct micro-op rows / loop offsets */
    uint64_t work;
} port_state;

/* Records a finding; false (strict) stops the check with the message as the error. */
static bool port_find(port_state *s, port_kind k, uint64_t idx, const vta_insn *in, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static bool port_find(port_state *s, port_kind k, uint64_t idx, const vta_insn *in, const char *fmt, ...) {
    port_report *r = s->rep;
    if (r->nfindings < PORT_MAX_LIST)
        r->list[r->nfindings] = (port_finding){k, idx};
    r->count[k]++;
    if (r->nfindings++ > 0 && !s->strict)
        return true;
    char name[32], msg[400];
    port_insn_name(in, name, sizeof name);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(r->first, sizeof r->first, "insn %llu (%s): %s [not portable: %s differ]", (unsigned long long)idx,
             name, msg, port_impls[k]);
    if (s->strict)
        return status_fail(s->st, "%s", r->first);
    return true;
}

static bool port_flags(port_state *s, uint64_t k, const vta_insn *in) {
    static const char *const mods[4] = {"fetch", "load", "compute", "store"};
    /* per module: pop_prev, pop_next, push_prev, push_next meaningful? */
    static const bool ok[4][4] = {{0, 0, 0, 0}, {0, 1, 0, 1}, {1, 1, 1, 1}, {1, 0, 1, 0}};
    static const char *const fl[4] = {"pop_prev", "pop_next", "push_prev", "push_next"};
    int m = port_module_of(in);
    bool set[4] = {in->pop_prev, in->pop_next, in->push_prev, in->push_next};
    for (int f = 0; f < 4; f++)
        if (set[f] && !ok[m][f] &&
            !port_find(s, PORT_FLAG, k, in, "%s is meaningless for the %s module (ignored)", fl[f], mods[m]))
            return false;
    return true;
}

/* Rows [first, first + n) of ACC get mark (PORT_FRESH clears). */
static void port_mark_range(port_state *s, uint64_t first, uint64_t n, uint8_t mark) {
    for (uint64_t r = first; r < first + n && r < (uint64_t)s->depth_acc; r++) {
        if (s->stale[r] == mark)
            continue;
        s->nstale += (mark != PORT_FRESH) - (s->stale[r] != PORT_FRESH);
        s->stale[r] = mark;
    }
}

/* Destination rows of a GEMM/ALU get mark. Rows = {acc(u) + i*fo + j*fi}: the distinct
 * micro-op rows times the distinct loop offsets, both lists below the ACC depth, so
 * the work is at most depth^2 per instruction whatever the loop counts (and about the
 * number of rows written in generated programs). */
static void port_mark_dst(port_state *s, const vta_insn *in, uint8_t mark) {
    if (mark == PORT_FRESH && s->nstale == 0)
        return;
    if (in->uop_end > (uint64_t)s->depth_uop || in->uop_bgn >= in->uop_end || !in->iter_out || !in->iter_in)
        return;
    int64_t D = s->depth_acc;
    uint64_t amin = UINT64_MAX, amax = 0;
    for (uint32_t u = in->uop_bgn; u < in->uop_end; u++) {
        if (!s->uop_valid[u])
            return; /* the simulator reports the unloaded micro-op */
        uint64_t a = s->uop_acc[u];
        amin = a < amin ? a : amin;
        amax = a > amax ? a : amax;
    }
    uint64_t span = (uint64_t)(in->iter_out - 1) * in->dst_factor_out + (uint64_t)(in->iter_in - 1) * in->dst_factor_in;
    if (amax + span >= (uint64_t)D)
        return; /* out of range: the simulator's error */
    if (mark == PORT_FRESH && !memchr(s->stale + amin, PORT_BY_LOAD_ACC, amax + span - amin + 1) &&
        !memchr(s->stale + amin, PORT_BY_RESET, amax + span - amin + 1))
        return;
    if (s->work > PORT_WORK_BUDGET) {
        s->rep->incomplete = true;
        return;
    }
    /* distinct micro-op rows in set_a (flags) + list_a, offsets likewise */
    memset(s->set_a, 0, (size_t)D);
    memset(s->set_o, 0, (size_t)D);
    int64_t na = 0, no = 0;
    for (uint32_t u = in->uop_bgn; u < in->uop_end; u++)
        if (!s->set_a[s->uop_acc[u]]) {
            s->set_a[s->uop_acc[u]] = 1;
            s->list_a[na++] = (uint32_t)s->uop_acc[u];
        }
    uint64_t io = in->dst_factor_out ? in->iter_out : 1, ii = in->dst_factor_in ? in->iter_in : 1;
    for (uint64_t i = 0; i < io; i++)
        for (uint64_t j = 0; j < ii; j++) {
            uint64_t o = i * in->dst_factor_out + j * in->dst_factor_in; /* < D: span checked */
            if (!s->set_o[o]) {
                s->set_o[o] = 1;
                s->list_o[no++] = (uint32_t)o;
            }
        }
    s->work += io * ii + (uint64_t)(na * no);
    uint8_t *st = s->stale;
    int64_t delta = 0;
    for (int64_t a = 0; a < na; a++) {
        uint8_t *row = st + s->list_a[a];
        for (int64_t o = 0; o < no; o++) {
            uint8_t *x = row + s->list_o[o];
            delta += (mark != PORT_FRESH) - (*x != PORT_FRESH);
            *x = mark;
        }
    }
    s->nstale += delta;
}

static bool port_load(port_state *s, uint64_t k, const vta_insn *in, const uint8_t *dram, uint64_t bytes) {
    uint32_t t = in->mem_type;
    bool pads = in->x_pad_0 || in->x_pad_1 || in->y_pad_0 || in->y_pad_1;
    if (t == HW_MEM_WGT && pads && in->x_size &&
        !port_find(s, PORT_WGT_PAD, k, in,
                   "pads (y %u,%u x %u,%u) on a WGT load: HLS ignores them and packs the rows back to back",
                   in->y_pad_0, in->y_pad_1, in->x_pad_0, in->x_pad_1))
        return false;
    if (t == PORT_MEM_ACC8 && !port_find(s, PORT_ACC_8BIT, k, in, "LOAD ACC_8BIT (the HLS design ignores it)"))
        return false;
    if (t == HW_MEM_UOP && in->x_size && (in->y_size != 1 || pads) &&
        !port_find(s, PORT_UOP_2D, k, in, "LOAD UOP with y_size %u%s: HLS copies x_size micro-ops only",
                   in->y_size, pads ? " and pads" : ""))
        return false;
    if (in->x_size == 0)
        return true;
    uint64_t w = (uint64_t)in->x_pad_0 + in->x_size + in->x_pad_1;
    uint64_t rows = (uint64_t)in->y_pad_0 + in->y_size + in->y_pad_1;
    if (t == HW_MEM_ACC || t == PORT_MEM_ACC8) {
        if (in->sram_base + rows * w <= (uint64_t)s->depth_acc)
            port_mark_range(s, in->sram_base, rows * w, PORT_BY_LOAD_ACC);
    } else if (t == HW_MEM_UOP && in->sram_base + rows * w <= (uint64_t)s->depth_uop) {
        /* the portable (2-D, padded) copy, as the simulator runs it */
        for (uint64_t y = 0; y < rows; y++)
            for (uint64_t x = 0; x < w; x++) {
                uint64_t row = in->sram_base + y * w + x;
                uint32_t v = 0;
                bool data = y >= in->y_pad_0 && y < in->y_pad_0 + in->y_size && x >= in->x_pad_0 &&
                            x < in->x_pad_0 + in->x_size;
                if (data) {
                    uint64_t a = ((uint64_t)in->dram_base + (y - in->y_pad_0) * in->x_stride + (x - in->x_pad_0)) * 4;
                    if (a > bytes || bytes - a < 4)
                        continue;
                    v = (uint32_t)dram[a] | (uint32_t)dram[a + 1] << 8 | (uint32_t)dram[a + 2] << 16 |
                        (uint32_t)dram[a + 3] << 24;
                }
                s->uop_acc[row] = vta_uop_decode(s->hw, v).acc;
                s->uop_valid[row] = 1;
            }
    }
    return true;
}

static bool port_store(port_state *s, uint64_t k, const vta_insn *in) {
    uint64_t n = (uint64_t)in->y_size * in->x_size;
    if (s->nstale == 0 || n == 0 || in->sram_base + n > (uint64_t)s->depth_acc)
        return true;
    for (uint64_t r = in->sram_base; r < in->sram_base + n; r++)
        if (s->stale[r] != PORT_FRESH)
            return port_find(s, PORT_STORE_STALE, k, in,
                             "stores OUT row %llu, which only a %s wrote since the last GEMM/ALU",
                             (unsigned long long)r, s->stale[r] == PORT_BY_LOAD_ACC ? "LOAD ACC" : "reset GEMM");
    return true;
}

static bool port_insn(port_state *s, uint64_t k, const vta_insn *in, const uint8_t *dram, uint64_t bytes) {
    port_report *r = s->rep;
    if (r->finish_insn != UINT64_MAX && k == r->finish_insn + 1 &&
        !port_find(s, PORT_AFTER_FINISH, k, in, "instructions after the FINISH at insn %llu",
                   (unsigned long long)r->finish_insn))
        return false;
    if (!port_flags(s, k, in))
        return false;
    switch (in->opcode) {
    case VTA_OP_LOAD: return port_load(s, k, in, dram, bytes);
    case VTA_OP_STORE: return port_store(s, k, in);
    case VTA_OP_GEMM: port_mark_dst(s, in, in->reset ? PORT_BY_RESET : PORT_FRESH); return true;
    case VTA_OP_ALU:
        if (in->alu_opcode == PORT_ALU_MUL && !port_find(s, PORT_ALU_MUL, k, in, "ALU MUL (the HLS design has none)"))
            return false;
        if (in->alu_opcode == VTA_ALU_SHR && in->use_imm && (in->imm < -16 || in->imm > 15) &&
            !port_find(s, PORT_SHR_IMM, k, in, "SHR immediate %d outside the portable range -16..15", in->imm))
            return false;
        port_mark_dst(s, in, PORT_FRESH);
        return true;
    case VTA_OP_FINISH:
        if (r->finish_insn == UINT64_MAX)
            r->finish_insn = k;
        return true;
    default: return true;
    }
}

bool port_check(const hw_config *hw, const uint8_t *dram, uint64_t dram_bytes, uint64_t insn_addr,
                uint64_t insn_count, bool strict, port_report *rep, status *st) {
    memset(rep, 0, sizeof *rep);
    rep->finish_insn = UINT64_MAX;
    if (insn_addr > dram_bytes || insn_count > (dram_bytes - insn_addr) / 16)
        return status_fail(st, "instruction stream outside the image: %llu instructions at byte %llu, image %llu bytes",
                           (unsigned long long)insn_count, (unsigned long long)insn_addr,
                           (unsigned long long)dram_bytes);
    port_state s = {.hw = hw, .strict = strict, .rep = rep, .st = st};
    s.depth_uop = hw_depth(hw, HW_MEM_UOP);
    s.depth_acc = hw_depth(hw, HW_MEM_ACC);
    s.uop_acc = calloc((size_t)s.depth_uop, sizeof *s.uop_acc);
    s.uop_valid = calloc((size_t)s.depth_uop, 1);
    s.stale = calloc((size_t)s.depth_acc, 1);
    s.set_a = calloc((size_t)s.depth_acc, 1);
    s.set_o = calloc((size_t)s.depth_acc, 1);
    s.list_a = calloc((size_t)s.depth_acc, sizeof *s.list_a);
    s.list_o = calloc((size_t)s.depth_acc, sizeof *s.list_o);
    bool ok = s.uop_acc && s.uop_valid && s.stale && s.set_a && s.set_o && s.list_a && s.list_o;
    if (!ok)
        status_fail(st, "out of memory for the portability check");
    for (uint64_t k = 0; ok && k < insn_count; k++) {
        vta_insn in;
        status dst;
        status_init(&dst);
        if (!port_decode(hw, vta_word128_load(dram + insn_addr + 16 * k), &in, &dst))
            continue;
        ok = port_insn(&s, k, &in, dram, dram_bytes);
    }
    free(s.uop_acc);
    free(s.uop_valid);
    free(s.stale);
    free(s.set_a);
    free(s.set_o);
    free(s.list_a);
    free(s.list_o);
    return ok;
}
