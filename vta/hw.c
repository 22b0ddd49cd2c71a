/* hw: default VTA configuration, derived sizes, the consistency check and the
 * hardware XML loader (on the plain tree of core/spec.c: no libxml2 here). */
#include "vta/hw.h"

#include <string.h>

#include "core/spec.h"

hw_config hw_default(void) {
    hw_config h;
    memset(&h, 0, sizeof h);
    strcpy(h.name, "vta-default");
#define HW_SET(f, a, d, doc) h.f = d;
    HW_SHAPE_FIELDS(HW_SET)
    HW_TIMING_FIELDS(HW_SET)
    HW_ENERGY_FIELDS(HW_SET)
#undef HW_SET
    return h;
}

hw_intrinsic hw_intrinsic_of(const hw_config *h) {
    return (hw_intrinsic){hw_batch(h),
                          hw_block_in(h),
                          hw_block_out(h),
                          hw_elem_bytes(h, HW_MEM_INP),
                          hw_elem_bytes(h, HW_MEM_WGT),
                          hw_elem_bytes(h, HW_MEM_ACC),
                          hw_elem_bytes(h, HW_MEM_OUT)};
}

int64_t hw_depth(const hw_config *h, hw_mem m) {
    switch (m) {
    case HW_MEM_UOP: return ((int64_t)1 << h->log_uop_buff_size) / 4;
    case HW_MEM_WGT: return ((int64_t)1 << h->log_wgt_buff_size) / hw_elem_bytes(h, HW_MEM_WGT);
    case HW_MEM_INP: return ((int64_t)1 << h->log_inp_buff_size) / hw_elem_bytes(h, HW_MEM_INP);
    case HW_MEM_ACC:
    case HW_MEM_OUT: return ((int64_t)1 << h->log_acc_buff_size) / hw_elem_bytes(h, HW_MEM_ACC);
    }
    ES_ASSERT(0);
}

bool hw_check(const hw_config *h, status *st) {
    if (h->log_inp_width != 3 || h->log_wgt_width != 3)
        return status_fail(st, "only int8 inputs and weights are supported (log_inp_width = log_wgt_width = 3)");
    if (h->log_acc_width != 5)
        return status_fail(st, "only int32 accumulators are supported (log_acc_width = 5)");
    if (h->log_batch < 0 || h->log_batch > 4)
        return status_fail(st, "log_batch must be in 0..4, got %d", h->log_batch);
    if (h->log_block_in < 1 || h->log_block_in > 6 || h->log_block_out < 1 || h->log_block_out > 6)
        return status_fail(st, "log_block_in/log_block_out must be in 1..6");
    if (h->log_bus_width < 3 || h->log_bus_width > 10)
        return status_fail(st, "log_bus_width must be in 3..10 (8 to 1024 bits), got %d", h->log_bus_width);
    if (h->log_uop_buff_size < 2 || h->log_uop_buff_size > 24 || h->log_inp_buff_size > 26 ||
        h->log_wgt_buff_size > 28 || h->log_acc_buff_size > 28)
        return status_fail(st, "buffer sizes out of range (log2 bytes at most 24..28)");
    static const hw_mem mems[] = {HW_MEM_UOP, HW_MEM_WGT, HW_MEM_INP, HW_MEM_ACC};
    static const char *names[] = {"uop", "wgt", "inp", "acc"};
    for (int i = 0; i < 4; i++)
        if ((h->log_uop_buff_size < 2 && i == 0) || hw_depth(h, mems[i]) < 1)
            return status_fail(st, "%s buffer holds no element of its type", names[i]);
#define HW_POS(f, a, d, doc) \
    if (h->f < 0) return status_fail(st, "timing constant %s must be >= 0, got %d", a, h->f);
    HW_TIMING_FIELDS(HW_POS)
#undef HW_POS
#define HW_EPOS(f, a, d, doc) \
    if (h->f < 0) return status_fail(st, "energy %s must be >= 0, got %d", a, h->f);
    HW_ENERGY_FIELDS(HW_EPOS)
#undef HW_EPOS
    if (h->max_burst_beats < 1 || h->burst_boundary < 8)
        return status_fail(st, "max_burst_beats must be >= 1 and burst_boundary >= 8");
    return true;
}

void hw_print(FILE *f, const hw_config *h) {
    fprintf(f, "hw %s: BATCH=%lld BLOCK_IN=%lld BLOCK_OUT=%lld bus=%lld bits\n", h->name,
            (long long)hw_batch(h), (long long)hw_block_in(h), (long long)hw_block_out(h),
            (long long)(hw_bus_bytes(h) * 8));
    fprintf(f, "  depth: uop=%lld wgt=%lld inp=%lld acc=%lld\n", (long long)hw_depth(h, HW_MEM_UOP),
            (long long)hw_depth(h, HW_MEM_WGT), (long long)hw_depth(h, HW_MEM_INP),
            (long long)hw_depth(h, HW_MEM_ACC));
}

static const char *base_name(const char *path, char *buf, size_t n) {
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    snprintf(buf, n, "%s", b);
    char *dot = strrchr(buf, '.');
    if (dot && dot != buf)
        *dot = '\0';
    return buf;
}

bool hw_load(const char *path, hw_config *hw, status *st) {
    spec_doc *d = spec_doc_load(path, "hardware", st);
    if (!d)
        return false;
    const spec_node *root = spec_doc_root(d);
    hw_config h = hw_default();
    const char *name = spec_node_attr(root, "name");
    char buf[64];
    if (!name)
        name = base_name(path, buf, sizeof buf);
    bool ok = true;
    if (strlen(name) >= sizeof h.name)
        ok = status_fail_at(st, path, spec_node_line(root), "hardware name longer than %d characters",
                            (int)sizeof h.name - 1);
    else
        strcpy(h.name, name);
    const spec_node *shape = spec_node_child(root, "shape"), *timing = spec_node_child(root, "timing");
    const spec_node *energy = spec_node_child(root, "energy");
    int64_t v;
    /* Shape fields are log2 values: 0..62 keeps every derived 1 << x defined. */
#define HW_READ_SHAPE(f, a, dflt, doc) \
    if (ok && shape && (ok = spec_attr_i64(d, shape, a, h.f, 0, 62, &v, st))) h.f = (int32_t)v;
#define HW_READ_TIMING(f, a, dflt, doc) \
    if (ok && timing && (ok = spec_attr_i64(d, timing, a, h.f, INT32_MIN, INT32_MAX, &v, st))) h.f = (int32_t)v;
    HW_SHAPE_FIELDS(HW_READ_SHAPE)
    HW_TIMING_FIELDS(HW_READ_TIMING)
#define HW_READ_ENERGY(f, a, dflt, doc) \
    if (ok && energy && (ok = spec_attr_i64(d, energy, a, h.f, 0, INT32_MAX, &v, st))) h.f = (int32_t)v;
    HW_ENERGY_FIELDS(HW_READ_ENERGY)
#undef HW_READ_ENERGY
#undef HW_READ_SHAPE
#undef HW_READ_TIMING
    if (ok) {
        /* Blame the element that breaks the config: shape alone on default timing first. */
        status t;
        status_init(&t);
        hw_config only_shape = hw_default();
#define HW_COPY(f, a, dflt, doc) only_shape.f = h.f;
        HW_SHAPE_FIELDS(HW_COPY)
#undef HW_COPY
        if (!hw_check(&only_shape, &t))
            ok = status_fail_at(st, path, spec_node_line(shape ? shape : root), "%s", t.msg);
        else if (!hw_check(&h, &t))
            ok = status_fail_at(st, path, spec_node_line(timing ? timing : root), "%s", t.msg);
    }
    spec_doc_destroy(d);
    if (ok)
        *hw = h;
    return ok;
}
