/* prog: a VTA program under construction: the flat DRAM image, its named regions and
 * the instruction stream (DESIGN section 5, "Program bundle").
 * Regions are placed one after the other from byte 4096 on, each at the next multiple
 * of max(64, element size of its kind); the image grows to the end of the last region.
 * vta_prog_finalize encodes the instructions (16 bytes each, little-endian) into a last
 * region named "insn". Its kind is HW_MEM_UOP because hw_mem has no instruction kind:
 * only the kind's alignment matters for it, and 64 bytes covers 16-byte instructions;
 * program.xml writes it as kind="insn".
 * Invariant (see prog_impl.h): regions lie inside the image, aligned, never overlap;
 * after finalize the program is frozen (no more regions or instructions). */
#include "vta/prog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/text.h"
#include "vta/prog_impl.h"
#include "core/alloc.h"

vta_prog *vta_prog_create(const hw_config *hw) {
    vta_prog *p = es_calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->hw = *hw;
    p->insn_region = -1;
    return p;
}

void vta_prog_destroy(vta_prog *p) {
    if (!p)
        return;
    es_free(p->regions);
    es_free(p->dram);
    es_free(p->insns);
    es_free(p);
}

const hw_config *vta_prog_hw(const vta_prog *p) { return &p->hw; }

uint64_t vta_prog_region_align(const hw_config *hw, hw_mem kind) {
    uint64_t e = (uint64_t)hw_elem_bytes(hw, kind);
    return e > 64 ? e : 64;
}

bool vta_prog_grow(vta_prog *p, uint64_t bytes, status *st) {
    if (bytes > VTA_PROG_MAX_BYTES)
        return status_fail(st, "DRAM image would need %llu bytes, more than the 4 GiB of VTA's "
                               "32-bit physical addresses", (unsigned long long)bytes);
    if (bytes <= p->dram_bytes)
        return true;
    if (bytes > p->dram_cap) {
        uint64_t cap = p->dram_cap ? p->dram_cap : 65536;
        while (cap < bytes)
            cap *= 2;
        uint8_t *d = es_realloc(p->dram, (size_t)cap);
        if (!d)
            return status_fail(st, "out of memory for a DRAM image of %llu bytes",
                               (unsigned long long)cap);
        p->dram = d;
        p->dram_cap = cap;
    }
    memset(p->dram + p->dram_bytes, 0, (size_t)(bytes - p->dram_bytes));
    p->dram_bytes = bytes;
    return true;
}

/* Name: 1..31 printable characters without spaces (it appears in XML and listings);
 * shape and layout: printable, within their buffers. Never truncated. */
static bool check_text(const char *what, const char *s, size_t max, bool allow_space,
                       bool allow_empty, status *st) {
    size_t n = strlen(s);
    if (n == 0 && !allow_empty)
        return status_fail(st, "region %s is empty", what);
    if (n >= max)
        return status_fail(st, "region %s '%.40s...' is longer than %zu characters", what, s,
                           max - 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c > 0x7E || (c == ' ' && !allow_space))
            return status_fail(st, "region %s '%s' has a character that is not printable ASCII%s",
                               what, s, allow_space ? "" : " (or a space)");
    }
    return true;
}

int vta_prog_find_region(const vta_prog *p, const char *name) {
    for (int i = 0; i < p->nregions; i++)
        if (!strcmp(p->regions[i].name, name))
            return i;
    return -1;
}

int vta_prog_place_region(vta_prog *p, const char *name, hw_mem kind, uint64_t addr,
                          uint64_t bytes, const char *shape, const char *layout, status *st) {
    if (!shape)
        shape = "";
    if (!layout)
        layout = "";
    if (!check_text("name", name, sizeof p->regions[0].name, false, false, st) ||
        !check_text("shape", shape, sizeof p->regions[0].shape, true, true, st) ||
        !check_text("layout", layout, sizeof p->regions[0].layout, true, true, st))
        return -1;
    if ((int)kind < HW_MEM_UOP || kind > HW_MEM_OUT)
        return status_fail(st, "region '%s': invalid memory kind %d", name, (int)kind), -1;
    if (vta_prog_find_region(p, name) >= 0)
        return status_fail(st, "region '%s' defined twice", name), -1;
    if (bytes == 0)
        return status_fail(st, "region '%s' has 0 bytes", name), -1;
    uint64_t align = vta_prog_region_align(&p->hw, kind);
    if (addr < VTA_PROG_FIRST_ADDR)
        return status_fail(st, "region '%s' at address %llu: bytes 0..%u of the image are reserved",
                           name, (unsigned long long)addr, VTA_PROG_FIRST_ADDR - 1), -1;
    if (addr % align)
        return status_fail(st, "region '%s' at address %llu is not aligned to %llu bytes "
                               "(max(64, element size of %s))", name, (unsigned long long)addr,
                           (unsigned long long)align, vta_mem_name(kind)), -1;
    if (bytes > p->dram_bytes || addr > p->dram_bytes - bytes)
        return status_fail(st, "region '%s' [%llu, %llu) lies outside the DRAM image of %llu bytes",
                           name, (unsigned long long)addr, (unsigned long long)(addr + bytes),
                           (unsigned long long)p->dram_bytes), -1;
    for (int i = 0; i < p->nregions; i++) {
        const vta_region *r = &p->regions[i];
        if (addr < r->addr + r->bytes && r->addr < addr + bytes)
            return status_fail(st, "region '%s' [%llu, %llu) overlaps region '%s' [%llu, %llu)", name,
                               (unsigned long long)addr, (unsigned long long)(addr + bytes), r->name,
                               (unsigned long long)r->addr, (unsigned long long)(r->addr + r->bytes)),
                   -1;
    }
    if (p->nregions == p->cap_regions) {
        int cap = p->cap_regions ? 2 * p->cap_regions : 16;
        vta_region *nr = es_reallocarray(p->regions, (size_t)cap, sizeof *nr);
        if (!nr)
            return status_fail(st, "region '%s': out of memory", name), -1;
        p->regions = nr;
        p->cap_regions = cap;
    }
    vta_region *r = &p->regions[p->nregions];
    memset(r, 0, sizeof *r);
    strcpy(r->name, name);
    strcpy(r->shape, shape);
    strcpy(r->layout, layout);
    r->kind = kind;
    r->addr = addr;
    r->bytes = bytes;
    return p->nregions++;
}

static int add_region_at_end(vta_prog *p, const char *name, hw_mem kind, uint64_t bytes,
                             const char *shape, const char *layout, status *st) {
    if ((int)kind < HW_MEM_UOP || kind > HW_MEM_OUT)
        return status_fail(st, "region '%s': invalid memory kind %d", name, (int)kind), -1;
    uint64_t align = vta_prog_region_align(&p->hw, kind);
    uint64_t start = p->dram_bytes > VTA_PROG_FIRST_ADDR ? p->dram_bytes : VTA_PROG_FIRST_ADDR;
    uint64_t addr = (start + align - 1) / align * align;
    if (bytes > VTA_PROG_MAX_BYTES || addr > VTA_PROG_MAX_BYTES - bytes)
        return status_fail(st, "region '%s' of %llu bytes does not fit below 4 GiB (VTA's "
                               "physical addresses are 32-bit)", name, (unsigned long long)bytes), -1;
    /* Validate before growing so a rejected region leaves the image unchanged. */
    if (!check_text("name", name, sizeof p->regions[0].name, false, false, st))
        return -1;
    if (vta_prog_find_region(p, name) >= 0)
        return status_fail(st, "region '%s' defined twice", name), -1;
    if (bytes == 0)
        return status_fail(st, "region '%s' has 0 bytes", name), -1;
    uint64_t old = p->dram_bytes;
    if (!vta_prog_grow(p, addr + bytes, st))
        return -1;
    int idx = vta_prog_place_region(p, name, kind, addr, bytes, shape, layout, st);
    if (idx < 0)
        p->dram_bytes = old; /* shape/layout rejected: undo the growth */
    return idx;
}

int vta_prog_add_region(vta_prog *p, const char *name, hw_mem kind, uint64_t bytes,
                        const char *shape, const char *layout, status *st) {
    if (p->finalized)
        return status_fail(st, "region '%s': the program is finalized, no more regions", name), -1;
    if (!strcmp(name, VTA_PROG_INSN_NAME))
        return status_fail(st, "region name '%s' is reserved for the instruction stream", name), -1;
    return add_region_at_end(p, name, kind, bytes, shape, layout, st);
}

int vta_prog_nregions(const vta_prog *p) { return p->nregions; }

const vta_region *vta_prog_region(const vta_prog *p, int idx) {
    ES_ASSERT(idx >= 0 && idx < p->nregions);
    return &p->regions[idx];
}

uint8_t *vta_prog_region_data(vta_prog *p, int idx) {
    ES_ASSERT(idx >= 0 && idx < p->nregions);
    return p->dram + p->regions[idx].addr;
}

uint32_t vta_prog_elem_base(const vta_prog *p, int idx) {
    const vta_region *r = vta_prog_region(p, idx);
    uint64_t e = (uint64_t)hw_elem_bytes(&p->hw, r->kind);
    ES_ASSERT(r->addr % e == 0);
    return (uint32_t)(r->addr / e);
}

void vta_prog_add_insn(vta_prog *p, const vta_insn *in) {
    ES_ASSERT(!p->finalized); /* the instruction stream is frozen by finalize */
    if (p->oom)
        return;
    if (p->ninsns == p->cap_insns) {
        int64_t cap = p->cap_insns ? 2 * p->cap_insns : 64;
        vta_insn *ni = es_reallocarray(p->insns, (size_t)cap, sizeof *ni);
        if (!ni) {
            p->oom = true;
            return;
        }
        p->insns = ni;
        p->cap_insns = cap;
    }
    p->insns[p->ninsns++] = *in;
}

bool vta_prog_out_of_memory(const vta_prog *p) { return p->oom; }

int64_t vta_prog_ninsns(const vta_prog *p) { return p->ninsns; }

const vta_insn *vta_prog_insn(const vta_prog *p, int64_t i) {
    ES_ASSERT(i >= 0 && i < p->ninsns);
    return &p->insns[i];
}

bool vta_prog_finalize(vta_prog *p, status *st) {
    if (p->finalized)
        return true;
    if (p->oom)
        return status_fail(st, "out of memory for the instruction stream (after %lld instructions)",
                           (long long)p->ninsns);
    if (p->ninsns == 0)
        return status_fail(st, "the program has no instructions (a VTA program ends with FINISH)");
    if (!vta_isa_check(&p->hw, st))
        return false;
    /* Encode first, so a bad instruction leaves the program unchanged. */
    uint8_t *buf = es_malloc((size_t)p->ninsns * VTA_INSN_BYTES);
    if (!buf)
        return status_fail(st, "out of memory for %lld encoded instructions", (long long)p->ninsns);
    for (int64_t i = 0; i < p->ninsns; i++) {
        vta_word128 w;
        status e;
        status_init(&e);
        if (!vta_insn_encode(&p->hw, &p->insns[i], &w, &e)) {
            free(buf);
            return status_fail(st, "instruction %lld: %s", (long long)i, e.msg);
        }
        vta_word128_store(w, buf + VTA_INSN_BYTES * i);
    }
    char shape[32];
    snprintf(shape, sizeof shape, "%lld", (long long)p->ninsns);
    int idx = add_region_at_end(p, VTA_PROG_INSN_NAME, HW_MEM_UOP, (uint64_t)p->ninsns * VTA_INSN_BYTES, shape,
                                "insn128", st);
    if (idx < 0) {
        free(buf);
        return false;
    }
    memcpy(vta_prog_region_data(p, idx), buf, (size_t)p->ninsns * VTA_INSN_BYTES);
    free(buf);
    p->insn_region = idx;
    p->finalized = true;
    return true;
}

uint8_t *vta_prog_dram(vta_prog *p, uint64_t *bytes) {
    if (bytes)
        *bytes = p->dram_bytes;
    return p->dram;
}

bool vta_prog_finalized(const vta_prog *p) { return p->finalized; }

uint64_t vta_prog_insn_addr(const vta_prog *p) {
    return p->insn_region >= 0 ? p->regions[p->insn_region].addr + VTA_INSN_BYTES * (uint64_t)p->insn_first : 0;
}

uint64_t vta_prog_insn_count(const vta_prog *p) {
    return p->finalized ? (uint64_t)p->ninsns : 0;
}

uint8_t *vta_image_read(const char *path, uint64_t *bytes, status *st) {
    *bytes = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        status_fail(st, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat sb;
    unsigned char *buf = NULL;
    size_t n = 0;
    const char *err = NULL;
    if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode)) {
        if ((uint64_t)sb.st_size > VTA_MAX_IMAGE_BYTES) {
            status_fail(st, "%s: %llu bytes, larger than the 4 GiB a VTA image can address", path,
                        (unsigned long long)sb.st_size);
            fclose(f);
            return NULL;
        }
        n = (size_t)sb.st_size;
        buf = es_malloc(n);
        if (!buf)
            err = "out of memory";
        else if (fread(buf, 1, n, f) != n)
            err = "read error (file changed while reading?)";
    } else {
        text_read_status r = text_read_all(f, (size_t)1 << 20, (size_t)VTA_MAX_IMAGE_BYTES, &buf, &n);
        err = r == TEXT_READ_TOO_LARGE ? "4 GiB or more, larger than a VTA image can address"
              : r == TEXT_READ_NOMEM   ? "out of memory"
              : r == TEXT_READ_ERROR   ? "read error"
                                       : NULL;
    }
    fclose(f);
    if (!err && n == 0)
        err = "empty image";
    if (err) {
        free(buf);
        status_fail(st, "%s: %s", path, err);
        return NULL;
    }
    *bytes = n;
    return buf;
}
