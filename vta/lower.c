/* lower: the host-side copies between emb_pack's full layouts and the program's
 * compact DRAM regions (code generation is vta/codegen.c). Invariant: a stripped axis
 * value (zero padding made by the DMA) is never stored in DRAM, every other packed
 * element is copied exactly once. */
#include "vta/lower.h"

#include <string.h>

static uint8_t *region_bytes(vta_prog *p, const char *name, uint64_t *bytes) {
    int r = vta_prog_find_region(p, name);
    if (r < 0) return NULL;
    uint64_t total;
    uint8_t *d = vta_prog_dram(p, &total);
    const vta_region *rg = vta_prog_region(p, r);
    if (rg->addr + rg->bytes > total) return NULL;
    *bytes = rg->bytes;
    return d + rg->addr;
}

/* The tiled copy: block after block, each the slot image of its tile box (the
 * layout value lo + p at slot position p), zeros where a partial box leaves rows. */
static void tiled_copy(const emb_nest *n, const sched *s, emb_operand x, int64_t eb, const uint8_t *src,
                       uint8_t *dst) {
    const emb_layout *L = &n->lay[x];
    int64_t full_stride[EMB_MAX_LAXES], st = 1;
    for (int a = L->naxes - 1; a >= 0; a--) {
        full_stride[a] = st;
        st *= L->extent[a];
    }
    for (int64_t blk = 0; blk < s->nblocks[x]; blk++) {
        int64_t lo[EMB_MAX_LAXES], f[EMB_MAX_LAXES], p[EMB_MAX_LAXES] = {0};
        sched_block_box(n, s, x, blk, lo, f);
        uint8_t *d = dst + blk * s->slot_rows[x] * eb;
        for (int64_t r = 0; r < s->slot_rows[x]; r++) {
            bool in = true;
            int64_t full = 0;
            for (int a = 0; a < L->naxes; a++) {
                in = in && p[a] < f[a];
                full += (lo[a] + p[a]) * full_stride[a];
            }
            if (in)
                memcpy(d + r * eb, src + full * eb, (size_t)eb);
            else
                memset(d + r * eb, 0, (size_t)eb);
            for (int a = L->naxes - 1; a >= 0; a--) {
                if (++p[a] < s->pitch[x][a]) break;
                p[a] = 0;
            }
        }
    }
}

void lower_dram_copy(const emb_nest *n, const sched *s, emb_operand x, int64_t eb, const void *srcv, void *dstv) {
    const uint8_t *src = srcv;
    uint8_t *dst = dstv;
    if (x != EMB_ACC && s->tiled[x]) {
        tiled_copy(n, s, x, eb, src, dst);
        return;
    }
    const emb_layout *L = &n->lay[x];
    int64_t cext[EMB_MAX_LAXES], off[EMB_MAX_LAXES], idx[EMB_MAX_LAXES] = {0}, total = 1;
    for (int a = 0; a < L->naxes; a++) {
        cext[a] = sched_compact_extent(n, s, x, a);
        off[a] = cext[a] == L->extent[a] ? 0 : L->zero_lo[a];
        total *= cext[a];
    }
    for (int64_t c = 0; c < total; c++) {
        int64_t full = 0;
        for (int a = 0; a < L->naxes; a++) full = full * L->extent[a] + idx[a] + off[a];
        memcpy(dst + c * eb, src + full * eb, (size_t)eb);
        for (int a = L->naxes - 1; a >= 0; a--) {
            if (++idx[a] < cext[a]) break;
            idx[a] = 0;
        }
    }
}

bool lower_write_inputs(vta_prog *p, const hw_config *hw, const emb_nest *n, const sched *s, const int8_t *inp,
                        const int8_t *wgt, const int32_t *bias_acc, status *st) {
    static const char *names[2] = {"inp", "wgt"};
    static const hw_mem mem[2] = {HW_MEM_INP, HW_MEM_WGT};
    const int8_t *src[2] = {inp, wgt};
    for (int x = 0; x < 2; x++) {
        uint64_t bytes;
        uint8_t *d = region_bytes(p, names[x], &bytes);
        if (!d) return status_fail(st, "program has no region '%s'", names[x]);
        lower_dram_copy(n, s, (emb_operand)x, hw_elem_bytes(hw, mem[x]), src[x], d);
    }
    if (bias_acc) {
        uint64_t bytes;
        uint8_t *d = region_bytes(p, "bias", &bytes);
        if (!d) return status_fail(st, "program has no region 'bias'");
        lower_bias_bytes(hw, n, bias_acc, d);
    }
    return true;
}

void lower_bias_bytes(const hw_config *hw, const emb_nest *n, const int32_t *bias_acc, uint8_t *d) {
    int64_t cnt = n->lay[EMB_ACC].elems * hw_elem_bytes(hw, HW_MEM_ACC) / 4;
    for (int64_t i = 0; i < cnt; i++) {
        uint32_t v = (uint32_t)bias_acc[i];
        for (int k = 0; k < 4; k++) d[i * 4 + k] = (uint8_t)(v >> (8 * k)); /* DRAM is little-endian */
    }
}

const int8_t *lower_out_data(vta_prog *p, int64_t *bytes) {
    uint64_t b = 0;
    uint8_t *d = region_bytes(p, "out", &b);
    *bytes = (int64_t)b;
    return (const int8_t *)d;
}
