/* isa: encoding and decoding of VTA's 128-bit instructions and 32-bit micro-ops.
 *
 * Every instruction kind is a table of fields (X-macros below) in bit order. A field's
 * width is a constant or follows a buffer depth of the hardware config; positions are
 * computed from the widths for the config at hand (layout_for), so the default config
 * gives exactly the table of DESIGN section 5 and other configs follow TVM's rule:
 *   - LOAD/STORE fields are fixed (sram_base 16, dram_base 32, sizes/stride 16, pads 4);
 *   - GEMM/ALU: uop_bgn log2(UOP depth), uop_end one bit more, iter_out/iter_in 14;
 *     dst factors log2(ACC depth); src factors log2(INP depth) for GEMM *and* ALU
 *     (ALU's src indexes ACC, but TVM's instruction struct gives it the INP width and
 *     the same place as GEMM's, so we do the same: with INP depth < ACC depth an ALU
 *     cannot address every ACC row through its src factors - encoding says so);
 *     wgt factors log2(WGT depth); ALU opcode 3 bits, use_imm 1, imm 16 (signed).
 *   - Fields are packed consecutively in table order, except that a field which would
 *     cross bit 64 starts at bit 64. This is how a C compiler lays out TVM's uint64_t
 *     bitfields, and it is what produces the gaps of DESIGN's table (LOAD bits 58..63,
 *     GEMM/ALU bit 63). A configuration whose fields need more than 128 bits is
 *     rejected with an error naming the instruction kind.
 *   - Micro-op: acc index log2(ACC depth) bits from bit 0, then inp (log2 INP depth),
 *     then wgt (log2 WGT depth); more than 32 bits is an error.
 * The bit helpers (vta_bits_get/vta_bits_put) work on any (lo, width) in the 128-bit word,
 * including fields that straddle the two 64-bit words.
 * Invariant: encode never truncates (a value that does not fit is an error naming the
 * field) and decode(encode(x)) == x for every instruction encode accepts. */
#include "vta/isa.h"

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

/* ---- field tables ------------------------------------------------------------------ */

/* Width rules: the width is base(rule) + extra. */
typedef enum { WR_FIX, WR_UOP, WR_ACC, WR_INP, WR_WGT } width_rule;
/* Member types inside vta_insn. */
typedef enum { FT_U32, FT_BOOL, FT_S32 } field_type;

/* X(member of vta_insn, field name, type, width rule, extra bits, lo bit in the default
 * config). The default lo bits are DESIGN's table; test_isa checks the computed layout
 * against hand-written words, and vta_isa_check asserts the default reproduces them. */
#define VTA_HDR_FIELDS(X)                                   \
    X(opcode, "opcode", FT_U32, WR_FIX, 3, 0)               \
    X(pop_prev, "pop_prev", FT_BOOL, WR_FIX, 1, 3)          \
    X(pop_next, "pop_next", FT_BOOL, WR_FIX, 1, 4)          \
    X(push_prev, "push_prev", FT_BOOL, WR_FIX, 1, 5)        \
    X(push_next, "push_next", FT_BOOL, WR_FIX, 1, 6)

#define VTA_MEM_FIELDS(X)                                   \
    VTA_HDR_FIELDS(X)                                       \
    X(mem_type, "memory_type", FT_U32, WR_FIX, 3, 7)        \
    X(sram_base, "sram_base", FT_U32, WR_FIX, VTA_SRAM_BASE_BITS, 10)       \
    X(dram_base, "dram_base", FT_U32, WR_FIX, VTA_DRAM_BASE_BITS, 26)       \
    X(y_size, "y_size", FT_U32, WR_FIX, VTA_SIZE_BITS, 64)             \
    X(x_size, "x_size", FT_U32, WR_FIX, VTA_SIZE_BITS, 80)             \
    X(x_stride, "x_stride", FT_U32, WR_FIX, VTA_SIZE_BITS, 96)         \
    X(y_pad_0, "y_pad_0", FT_U32, WR_FIX, VTA_PAD_BITS, 112)           \
    X(y_pad_1, "y_pad_1", FT_U32, WR_FIX, VTA_PAD_BITS, 116)           \
    X(x_pad_0, "x_pad_0", FT_U32, WR_FIX, VTA_PAD_BITS, 120)           \
    X(x_pad_1, "x_pad_1", FT_U32, WR_FIX, VTA_PAD_BITS, 124)

#define VTA_LOOP_FIELDS(X)                                  \
    VTA_HDR_FIELDS(X)                                       \
    X(reset, "reset", FT_BOOL, WR_FIX, 1, 7)                \
    X(uop_bgn, "uop_bgn", FT_U32, WR_UOP, 0, 8)             \
    X(uop_end, "uop_end", FT_U32, WR_UOP, 1, 21)            \
    X(iter_out, "iter_out", FT_U32, WR_FIX, VTA_ITER_BITS, 35)         \
    X(iter_in, "iter_in", FT_U32, WR_FIX, VTA_ITER_BITS, 49)           \
    X(dst_factor_out, "dst_factor_out", FT_U32, WR_ACC, 0, 64) \
    X(dst_factor_in, "dst_factor_in", FT_U32, WR_ACC, 0, 75) \
    X(src_factor_out, "src_factor_out", FT_U32, WR_INP, 0, 86) \
    X(src_factor_in, "src_factor_in", FT_U32, WR_INP, 0, 97)

#define VTA_GEMM_FIELDS(X)                                  \
    VTA_LOOP_FIELDS(X)                                      \
    X(wgt_factor_out, "wgt_factor_out", FT_U32, WR_WGT, 0, 108) \
    X(wgt_factor_in, "wgt_factor_in", FT_U32, WR_WGT, 0, 118)

#define VTA_ALU_FIELDS(X)                                   \
    VTA_LOOP_FIELDS(X)                                      \
    X(alu_opcode, "alu_opcode", FT_U32, WR_FIX, 3, 108)     \
    X(use_imm, "use_imm", FT_BOOL, WR_FIX, 1, 111)          \
    X(imm, "imm", FT_S32, WR_FIX, 16, 112)

/* Every member of vta_insn, to check that fields a kind does not have are zero. */
#define VTA_ALL_MEMBERS(X)                                                              \
    X(opcode) X(pop_prev) X(pop_next) X(push_prev) X(push_next) X(mem_type) X(sram_base) \
    X(dram_base) X(y_size) X(x_size) X(x_stride) X(y_pad_0) X(y_pad_1) X(x_pad_0)      \
    X(x_pad_1) X(reset) X(uop_bgn) X(uop_end) X(iter_out) X(iter_in) X(dst_factor_out) \
    X(dst_factor_in) X(src_factor_out) X(src_factor_in) X(wgt_factor_out)              \
    X(wgt_factor_in) X(alu_opcode) X(use_imm) X(imm)

typedef struct field_desc {
    const char *name;
    size_t off;
    field_type type;
    width_rule rule;
    int extra;
    int default_lo;
} field_desc;

#define FIELD_DESC(m, n, t, r, e, lo) {n, offsetof(vta_insn, m), t, r, e, lo},
static const field_desc mem_fields[] = {VTA_MEM_FIELDS(FIELD_DESC)};
static const field_desc gemm_fields[] = {VTA_GEMM_FIELDS(FIELD_DESC)};
static const field_desc alu_fields[] = {VTA_ALU_FIELDS(FIELD_DESC)};
static const field_desc hdr_fields[] = {VTA_HDR_FIELDS(FIELD_DESC)};
#undef FIELD_DESC

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define VTA_MAX_FIELDS 32

/* The kinds of instruction formats. FINISH has only the common header (TVM emits it
 * through the GEMM struct with every other field zero; the hardware ignores the rest). */
typedef enum { KIND_MEM, KIND_GEMM, KIND_ALU, KIND_FINISH } insn_kind;

static const char *const opcode_names[] = {"LOAD", "STORE", "GEMM", "FINISH", "ALU"};
static const char *const mem_names[] = {"UOP", "WGT", "INP", "ACC", "OUT"};
static const char *const alu_names[] = {"MIN", "MAX", "ADD", "SHR"};

static void kind_fields(insn_kind k, const field_desc **f, int *n) {
    switch (k) {
    case KIND_MEM: *f = mem_fields; *n = NELEM(mem_fields); return;
    case KIND_GEMM: *f = gemm_fields; *n = NELEM(gemm_fields); return;
    case KIND_ALU: *f = alu_fields; *n = NELEM(alu_fields); return;
    case KIND_FINISH: *f = hdr_fields; *n = NELEM(hdr_fields); return;
    }
    ES_ASSERT(0);
}

static insn_kind opcode_kind(uint32_t opcode) {
    switch (opcode) {
    case VTA_OP_LOAD:
    case VTA_OP_STORE: return KIND_MEM;
    case VTA_OP_GEMM: return KIND_GEMM;
    case VTA_OP_ALU: return KIND_ALU;
    case VTA_OP_FINISH: return KIND_FINISH;
    }
    ES_ASSERT(0);
}

static int ilog2(int64_t v) {
    int r = 0;
    while (((int64_t)1 << (r + 1)) <= v)
        r++;
    return r;
}

static int rule_base(const hw_config *hw, width_rule r) {
    switch (r) {
    case WR_FIX: return 0;
    case WR_UOP: return ilog2(hw_depth(hw, HW_MEM_UOP));
    case WR_ACC: return ilog2(hw_depth(hw, HW_MEM_ACC));
    case WR_INP: return ilog2(hw_depth(hw, HW_MEM_INP));
    case WR_WGT: return ilog2(hw_depth(hw, HW_MEM_WGT));
    }
    ES_ASSERT(0);
}

/* Placed fields of one kind for one config. */
typedef struct layout {
    int n;
    const field_desc *f;
    int lo[VTA_MAX_FIELDS], width[VTA_MAX_FIELDS];
    int total; /* bits used, including gaps */
} layout;

static bool is_default_shape(const hw_config *hw) {
    hw_config d = hw_default();
#define HW_SAME(f, a, dv, doc) if (hw->f != d.f) return false;
    HW_SHAPE_FIELDS(HW_SAME)
#undef HW_SAME
    return true;
}

static bool layout_for(const hw_config *hw, insn_kind k, layout *L, status *st) {
    kind_fields(k, &L->f, &L->n);
    ES_ASSERT(L->n <= VTA_MAX_FIELDS);
    int base[WR_WGT + 1];
    for (int r = WR_FIX; r <= WR_WGT; r++)
        base[r] = rule_base(hw, (width_rule)r);
    int pos = 0;
    for (int i = 0; i < L->n; i++) {
        int w = base[L->f[i].rule] + L->f[i].extra;
        if (pos < 64 && pos + w > 64)
            pos = 64; /* never cross the word boundary (C bitfield rule) */
        L->lo[i] = pos;
        L->width[i] = w;
        pos += w;
    }
    L->total = pos;
    if (pos > 128) {
        static const char *const kn[] = {"LOAD/STORE", "GEMM", "ALU", "FINISH"};
        return status_fail(st,
                           "hardware config needs %d bits for a %s instruction (more than 128): "
                           "buffer depths too large for VTA's instruction format",
                           pos, kn[k]);
    }
    return true;
}

/* ---- bit helpers ------------------------------------------------------------------- */

static uint64_t low_mask(int width) {
    return width >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << width) - 1);
}

/* Bits [lo, lo+width) of the 128-bit word; width <= 64, lo + width <= 128. */
uint64_t vta_bits_get(vta_word128 w, int lo, int width) {
    ES_ASSERT(lo >= 0 && width >= 0 && width <= 64 && lo + width <= 128);
    if (width == 0)
        return 0;
    uint64_t v;
    if (lo >= 64) {
        v = w.hi >> (lo - 64);
    } else {
        v = w.lo >> lo;
        if (lo + width > 64) /* straddles: the upper part comes from the high word */
            v |= w.hi << (64 - lo);
    }
    return v & low_mask(width);
}

void vta_bits_put(vta_word128 *w, int lo, int width, uint64_t v) {
    ES_ASSERT(lo >= 0 && width >= 0 && width <= 64 && lo + width <= 128);
    ES_ASSERT((v & ~low_mask(width)) == 0);
    if (width == 0)
        return;
    uint64_t m = low_mask(width);
    if (lo >= 64) {
        w->hi = (w->hi & ~(m << (lo - 64))) | (v << (lo - 64));
        return;
    }
    w->lo = (w->lo & ~(m << lo)) | (v << lo);
    if (lo + width > 64) {
        int sh = 64 - lo; /* bits already placed in the low word */
        uint64_t mh = m >> sh;
        w->hi = (w->hi & ~mh) | (v >> sh);
    }
}

/* ---- member access ----------------------------------------------------------------- */

static int64_t member_get(const vta_insn *in, const field_desc *f) {
    const char *p = (const char *)in + f->off;
    switch (f->type) {
    case FT_U32: { uint32_t v; memcpy(&v, p, sizeof v); return (int64_t)v; }
    case FT_BOOL: { bool v; memcpy(&v, p, sizeof v); return v ? 1 : 0; }
    case FT_S32: { int32_t v; memcpy(&v, p, sizeof v); return (int64_t)v; }
    }
    ES_ASSERT(0);
}

static void member_set(vta_insn *in, const field_desc *f, int64_t val) {
    char *p = (char *)in + f->off;
    switch (f->type) {
    case FT_U32: { uint32_t v = (uint32_t)val; memcpy(p, &v, sizeof v); return; }
    case FT_BOOL: { bool v = val != 0; memcpy(p, &v, sizeof v); return; }
    case FT_S32: { int32_t v = (int32_t)val; memcpy(p, &v, sizeof v); return; }
    }
    ES_ASSERT(0);
}

/* ---- encode / decode --------------------------------------------------------------- */

static bool check_opcode(uint32_t opcode, status *st) {
    if (opcode > VTA_OP_ALU)
        return status_fail(st, "invalid opcode %u in field 'opcode' (LOAD 0, STORE 1, GEMM 2, "
                               "FINISH 3, ALU 4)", opcode);
    return true;
}

/* Semantic checks of enumerated fields, shared by encode and decode. */
static bool check_enums(const vta_insn *in, status *st) {
    if (in->opcode == VTA_OP_LOAD && in->mem_type > HW_MEM_ACC)
        return status_fail(st, "LOAD: invalid memory type %u in field 'memory_type' "
                               "(LOAD takes UOP 0, WGT 1, INP 2 or ACC 3)", in->mem_type);
    if (in->opcode == VTA_OP_STORE && in->mem_type != HW_MEM_OUT)
        return status_fail(st, "STORE: invalid memory type %u in field 'memory_type' "
                               "(STORE takes OUT 4 only)", in->mem_type);
    if (in->opcode == VTA_OP_ALU && in->alu_opcode > VTA_ALU_SHR)
        return status_fail(st, "ALU: invalid ALU opcode %u in field 'alu_opcode' "
                               "(MIN 0, MAX 1, ADD 2, SHR 3)", in->alu_opcode);
    return true;
}

bool vta_insn_decode(const hw_config *hw, vta_word128 w, vta_insn *out, status *st) {
    memset(out, 0, sizeof *out);
    uint32_t opcode = (uint32_t)vta_bits_get(w, 0, 3);
    if (!check_opcode(opcode, st))
        return false;
    layout L;
    if (!layout_for(hw, opcode_kind(opcode), &L, st))
        return false;
    for (int i = 0; i < L.n; i++) {
        uint64_t raw = vta_bits_get(w, L.lo[i], L.width[i]);
        int64_t v = (int64_t)raw;
        if (L.f[i].type == FT_S32 && L.width[i] > 0 && (raw >> (L.width[i] - 1)) & 1)
            v = (int64_t)raw - ((int64_t)1 << L.width[i]); /* sign-extend */
        member_set(out, &L.f[i], v);
    }
    if (!check_enums(out, st)) {
        memset(out, 0, sizeof *out);
        return false;
    }
    return true;
}

bool vta_insn_encode(const hw_config *hw, const vta_insn *in, vta_word128 *out, status *st) {
    out->lo = out->hi = 0;
    if (!check_opcode(in->opcode, st) || !check_enums(in, st))
        return false;
    const char *op = opcode_names[in->opcode];
    layout L;
    if (!layout_for(hw, opcode_kind(in->opcode), &L, st))
        return false;
    vta_word128 w = {0, 0};
    for (int i = 0; i < L.n; i++) {
        int64_t v = member_get(in, &L.f[i]);
        int wd = L.width[i];
        uint64_t raw;
        if (L.f[i].type == FT_S32) {
            int64_t lo = wd > 0 ? -((int64_t)1 << (wd - 1)) : 0;
            int64_t hi = wd > 0 ? ((int64_t)1 << (wd - 1)) - 1 : 0;
            if (v < lo || v > hi)
                return status_fail(st, "%s: field '%s' = %lld does not fit in %d signed bits "
                                       "(range %lld..%lld)", op, L.f[i].name, (long long)v, wd,
                                   (long long)lo, (long long)hi);
            raw = (uint64_t)v & low_mask(wd);
        } else {
            if (v < 0 || (uint64_t)v > low_mask(wd))
                return status_fail(st, "%s: field '%s' = %lld does not fit in %d bits (max %llu)",
                                   op, L.f[i].name, (long long)v, wd,
                                   (unsigned long long)low_mask(wd));
            raw = (uint64_t)v;
        }
        vta_bits_put(&w, L.lo[i], wd, raw);
    }
    /* Fields this kind does not have must be zero: anything else would be dropped
     * silently. Decoding the result shows which member did not survive. */
    vta_insn back;
    status st2;
    status_init(&st2);
    ES_ASSERT(vta_insn_decode(hw, w, &back, &st2));
#define VTA_SAME(m)                                                                      \
    if (back.m != in->m)                                                                 \
        return status_fail(st, "%s: field '%s' is not part of a %s instruction and must be 0", \
                           op, #m, op);
    VTA_ALL_MEMBERS(VTA_SAME)
#undef VTA_SAME
    *out = w;
    return true;
}

/* ---- micro-ops --------------------------------------------------------------------- */

static void uop_widths(const hw_config *hw, int *wa, int *wi, int *ww) {
    *wa = rule_base(hw, WR_ACC);
    *wi = rule_base(hw, WR_INP);
    *ww = rule_base(hw, WR_WGT);
}

bool vta_uop_encode(const hw_config *hw, const vta_uop *u, uint32_t *out, status *st) {
    int wa, wi, ww;
    uop_widths(hw, &wa, &wi, &ww);
    *out = 0;
    if (wa + wi + ww > 32)
        return status_fail(st, "hardware config needs %d bits for a micro-op (acc %d + inp %d + "
                               "wgt %d, more than 32): buffer depths too large",
                           wa + wi + ww, wa, wi, ww);
    const uint32_t v[3] = {u->acc, u->inp, u->wgt};
    const int wd[3] = {wa, wi, ww};
    static const char *const names[3] = {"acc", "inp", "wgt"};
    uint32_t r = 0;
    int pos = 0;
    for (int i = 0; i < 3; i++) {
        if ((uint64_t)v[i] > low_mask(wd[i]))
            return status_fail(st, "micro-op: field '%s' = %u does not fit in %d bits (max %llu)",
                               names[i], v[i], wd[i], (unsigned long long)low_mask(wd[i]));
        r |= (uint32_t)((uint64_t)v[i] << pos);
        pos += wd[i];
    }
    *out = r;
    return true;
}

vta_uop vta_uop_decode(const hw_config *hw, uint32_t w) {
    int wa, wi, ww;
    uop_widths(hw, &wa, &wi, &ww);
    /* For configs vta_isa_check rejects (> 32 bits) the upper fields read as cut off;
     * callers check the config first (bundle reading does). */
    vta_uop u;
    u.acc = (uint32_t)((uint64_t)w & low_mask(wa));
    u.inp = (uint32_t)(((uint64_t)w >> wa) & low_mask(wi));
    u.wgt = (uint32_t)(((uint64_t)w >> (wa + wi)) & low_mask(ww));
    return u;
}

bool vta_isa_check(const hw_config *hw, status *st) {
    static const insn_kind kinds[] = {KIND_MEM, KIND_GEMM, KIND_ALU, KIND_FINISH};
    for (int i = 0; i < NELEM(kinds); i++) {
        layout L;
        if (!layout_for(hw, kinds[i], &L, st))
            return false;
        if (is_default_shape(hw)) /* the tables' default positions are DESIGN's table */
            for (int j = 0; j < L.n; j++)
                ES_ASSERT(L.lo[j] == L.f[j].default_lo);
    }
    vta_uop z = {0, 0, 0};
    uint32_t w;
    return vta_uop_encode(hw, &z, &w, st);
}

bool vta_isa_field(const hw_config *hw, uint32_t opcode, const char *name, int *lo, int *width) {
    if (opcode > VTA_OP_ALU)
        return false;
    layout L;
    status st;
    status_init(&st);
    if (!layout_for(hw, opcode_kind(opcode), &L, &st))
        return false;
    for (int i = 0; i < L.n; i++)
        if (!strcmp(L.f[i].name, name)) {
            *lo = L.lo[i];
            *width = L.width[i];
            return true;
        }
    return false;
}

/* ---- byte images ------------------------------------------------------------------- */

void vta_word128_store(vta_word128 w, uint8_t *b) {
    for (int i = 0; i < 8; i++) {
        b[i] = (uint8_t)(w.lo >> (8 * i));
        b[8 + i] = (uint8_t)(w.hi >> (8 * i));
    }
}

vta_word128 vta_word128_load(const uint8_t *b) {
    vta_word128 w = {0, 0};
    for (int i = 0; i < 8; i++) {
        w.lo |= (uint64_t)b[i] << (8 * i);
        w.hi |= (uint64_t)b[8 + i] << (8 * i);
    }
    return w;
}

/* ---- names and disassembly --------------------------------------------------------- */

const char *vta_opcode_name(uint32_t opcode) {
    return opcode <= VTA_OP_ALU ? opcode_names[opcode] : "?";
}

const char *vta_mem_name(uint32_t mem_type) {
    return mem_type <= HW_MEM_OUT ? mem_names[mem_type] : "?";
}

const char *vta_alu_name(uint32_t alu_op) {
    return alu_op <= VTA_ALU_SHR ? alu_names[alu_op] : "?";
}

/* Appends to buf without overflowing; *pos may pass len (then output is truncated). */
static void put(char *buf, size_t len, size_t *pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void put(char *buf, size_t len, size_t *pos, const char *fmt, ...) {
    if (*pos >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
    va_end(ap);
    if (n > 0)
        *pos += (size_t)n;
}

void vta_insn_format(const vta_insn *in, char *buf, size_t len) {
    if (len == 0)
        return;
    buf[0] = '\0';
    size_t pos = 0;
    put(buf, len, &pos, "%s", vta_opcode_name(in->opcode));
    switch (in->opcode) {
    case VTA_OP_LOAD:
    case VTA_OP_STORE:
        put(buf, len, &pos, " %s sram=%u dram=0x%x y=%u x=%u stride=%u pad=(%u,%u,%u,%u)",
            vta_mem_name(in->mem_type), in->sram_base, in->dram_base, in->y_size, in->x_size,
            in->x_stride, in->y_pad_0, in->y_pad_1, in->x_pad_0, in->x_pad_1);
        break;
    case VTA_OP_GEMM:
        put(buf, len, &pos, "%s uop=[%u,%u) iter=(%u,%u) dst=(%u,%u) src=(%u,%u) wgt=(%u,%u)",
            in->reset ? " reset" : "", in->uop_bgn, in->uop_end, in->iter_out, in->iter_in,
            in->dst_factor_out, in->dst_factor_in, in->src_factor_out, in->src_factor_in,
            in->wgt_factor_out, in->wgt_factor_in);
        break;
    case VTA_OP_ALU:
        put(buf, len, &pos, " %s%s uop=[%u,%u) iter=(%u,%u) dst=(%u,%u) src=(%u,%u)",
            vta_alu_name(in->alu_opcode), in->reset ? " reset" : "", in->uop_bgn, in->uop_end,
            in->iter_out, in->iter_in, in->dst_factor_out, in->dst_factor_in,
            in->src_factor_out, in->src_factor_in);
        if (in->use_imm) /* then the src factors are unused */
            put(buf, len, &pos, " imm=%d", in->imm);
        break;
    default: break;
    }
    if (in->pop_prev || in->pop_next || in->push_prev || in->push_next) {
        const char *sep = "";
        put(buf, len, &pos, " [");
        if (in->pop_prev) { put(buf, len, &pos, "%spop_prev", sep); sep = " "; }
        if (in->pop_next) { put(buf, len, &pos, "%spop_next", sep); sep = " "; }
        if (in->push_prev) { put(buf, len, &pos, "%spush_prev", sep); sep = " "; }
        if (in->push_next) { put(buf, len, &pos, "%spush_next", sep); }
        put(buf, len, &pos, "]");
    }
}

void vta_uop_format(const vta_uop *u, char *buf, size_t len) {
    if (len == 0)
        return;
    snprintf(buf, len, "acc=%u inp=%u wgt=%u", u->acc, u->inp, u->wgt);
}

/* ---- assembler-level constructors -------------------------------------------------- */

vta_insn vta_load(uint32_t mem_type, uint32_t sram_base, uint32_t dram_base, uint32_t y_size,
                  uint32_t x_size, uint32_t x_stride) {
    return (vta_insn){.opcode = VTA_OP_LOAD, .mem_type = mem_type, .sram_base = sram_base,
                      .dram_base = dram_base, .y_size = y_size, .x_size = x_size, .x_stride = x_stride};
}

vta_insn vta_store(uint32_t sram_base, uint32_t dram_base, uint32_t y_size, uint32_t x_size,
                   uint32_t x_stride) {
    vta_insn in = vta_load(HW_MEM_OUT, sram_base, dram_base, y_size, x_size, x_stride);
    in.opcode = VTA_OP_STORE;
    return in;
}

vta_insn vta_gemm(bool reset, uint32_t uop_bgn, uint32_t uop_end, uint32_t iter_out, uint32_t iter_in) {
    return (vta_insn){.opcode = VTA_OP_GEMM, .reset = reset, .uop_bgn = uop_bgn, .uop_end = uop_end,
                      .iter_out = iter_out, .iter_in = iter_in};
}

vta_insn vta_alu(uint32_t alu_op, uint32_t uop_bgn, uint32_t uop_end, uint32_t iter_out,
                 uint32_t iter_in, bool use_imm, int32_t imm) {
    vta_insn in = vta_gemm(false, uop_bgn, uop_end, iter_out, iter_in);
    in.opcode = VTA_OP_ALU;
    in.alu_opcode = alu_op;
    in.use_imm = use_imm;
    in.imm = imm;
    return in;
}

vta_insn vta_finish(void) {
    return (vta_insn){.opcode = VTA_OP_FINISH};
}
