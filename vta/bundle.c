/* bundle: a compiled program as a directory (DESIGN section 5, "Program bundle"):
 *   dram.bin     the flat DRAM image (byte offset = physical address),
 *   program.xml  hardware config, instruction address/count, every region,
 *   listing.txt  disassembly, regions and micro-op regions, for people.
 * Writing uses plain fprintf with XML escaping (libxml2 stays in core/spec.c); reading
 * goes through the spec tree API against core/schemas/program.xsd and then checks what
 * a schema cannot: the image has the declared size, every region lies inside it,
 * aligned and disjoint from the others, and the instruction region matches
 * <instructions> and decodes.
 * Invariant: vta_bundle_read returns only programs that satisfy prog_impl.h's
 * invariant and whose instructions all decode; write(read(b)) reproduces dram.bin. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "core/spec.h"
#include "core/text.h"
#include "vta/prog.h"
#include "vta/prog_impl.h"
#include "core/alloc.h"

#define BUNDLE_PATH_MAX 4096

static const char *const kind_names[] = {"uop", "wgt", "inp", "acc", "out"};

static const char *region_kind_name(const vta_prog *p, int idx) {
    return idx == p->insn_region ? "insn" : kind_names[p->regions[idx].kind];
}

static bool join(char *out, const char *dir, const char *file, status *st) {
    int n = snprintf(out, BUNDLE_PATH_MAX, "%s/%s", dir, file);
    if (n < 0 || n >= BUNDLE_PATH_MAX)
        return status_fail(st, "%s: path too long", dir);
    return true;
}

/* ---- listing ------------------------------------------------------------------------ */

static bool image_u32(const uint8_t *img, uint64_t bytes, uint64_t addr, uint32_t *v) {
    if (addr > bytes || bytes - addr < 4)
        return false;
    *v = (uint32_t)img[addr] | (uint32_t)img[addr + 1] << 8 | (uint32_t)img[addr + 2] << 16 |
         (uint32_t)img[addr + 3] << 24;
    return true;
}

/* The micro-ops a LOAD UOP brings in, with the SRAM row each lands in (pads included
 * in the row arithmetic exactly as the LOAD semantics of DESIGN section 5). */
static int64_t list_uop_load(FILE *f, const hw_config *hw, const uint8_t *img, uint64_t bytes,
                             const vta_insn *in) {
    int64_t bad = 0;
    uint64_t row = (uint64_t)in->x_pad_0 + in->x_size + in->x_pad_1;
    /* Bounded like the simulator: a load that does not fit the micro-op buffer or
     * the image is one invalid line, not y_size x x_size of them. */
    uint64_t rows = (uint64_t)in->y_pad_0 + in->y_size + in->y_pad_1, depth = (uint64_t)hw_depth(hw, HW_MEM_UOP);
    if (in->x_size && in->y_size && in->sram_base + rows * row > depth) {
        fprintf(f, "    <invalid: sram_base %u + %llu rows x %llu micro-ops exceeds the UOP buffer (%llu)>\n",
                in->sram_base, (unsigned long long)rows, (unsigned long long)row, (unsigned long long)depth);
        return 1;
    }
    uint64_t last = in->x_size && in->y_size
                        ? ((uint64_t)in->dram_base + (uint64_t)(in->y_size - 1) * in->x_stride + in->x_size) * 4
                        : 0;
    if (last > bytes) {
        fprintf(f, "    <invalid: micro-ops up to byte %llu, outside the DRAM image of %llu bytes>\n",
                (unsigned long long)last, (unsigned long long)bytes);
        return 1;
    }
    for (uint64_t y = 0; y < in->y_size; y++)
        for (uint64_t x = 0; x < in->x_size; x++) {
            uint64_t sram = in->sram_base + (in->y_pad_0 + y) * row + in->x_pad_0 + x;
            uint64_t addr = ((uint64_t)in->dram_base + y * in->x_stride + x) * 4;
            uint32_t w;
            if (!image_u32(img, bytes, addr, &w)) {
                fprintf(f, "    uop[%llu] @0x%llx <invalid: outside the DRAM image of %llu bytes>\n",
                        (unsigned long long)sram, (unsigned long long)addr,
                        (unsigned long long)bytes);
                bad++;
                continue;
            }
            vta_uop u = vta_uop_decode(hw, w);
            char b[96];
            vta_uop_format(&u, b, sizeof b);
            fprintf(f, "    uop[%llu] @0x%llx %s\n", (unsigned long long)sram,
                    (unsigned long long)addr, b);
        }
    return bad;
}

int64_t vta_disasm_image(FILE *f, const hw_config *hw, const uint8_t *img, uint64_t img_bytes,
                         uint64_t insn_addr, uint64_t count, bool uops) {
    int64_t bad = 0;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t a = insn_addr + VTA_INSN_BYTES * i;
        if (a < insn_addr || a > img_bytes || img_bytes - a < VTA_INSN_BYTES) {
            fprintf(f, "%6llu  0x%08llx  <invalid: outside the DRAM image of %llu bytes>\n",
                    (unsigned long long)i, (unsigned long long)a, (unsigned long long)img_bytes);
            bad += (int64_t)(count - i);
            break;
        }
        vta_word128 w = vta_word128_load(img + a);
        vta_insn in;
        status st;
        status_init(&st);
        if (!vta_insn_decode(hw, w, &in, &st)) {
            fprintf(f, "%6llu  0x%08llx  <invalid: %s> %016llx%016llx\n", (unsigned long long)i,
                    (unsigned long long)a, st.msg, (unsigned long long)w.hi,
                    (unsigned long long)w.lo);
            bad++;
            continue;
        }
        char b[256];
        vta_insn_format(&in, b, sizeof b);
        fprintf(f, "%6llu  0x%08llx  %s\n", (unsigned long long)i, (unsigned long long)a, b);
        if (uops && in.opcode == VTA_OP_LOAD && in.mem_type == HW_MEM_UOP)
            bad += list_uop_load(f, hw, img, img_bytes, &in);
    }
    return bad;
}

/* Instructions [first, first + count) of the finalized stream: a whole program, or one
 * segment of a network's program (vta/netprog.h) over the same image. */
typedef struct insn_range {
    int64_t first, count;
} insn_range;

static uint64_t range_addr(const vta_prog *p, insn_range ir) {
    return vta_prog_insn_addr(p) + VTA_INSN_BYTES * (uint64_t)ir.first;
}

static void write_listing(FILE *f, const vta_prog *p, insn_range ir) {
    const hw_config *hw = &p->hw;
    fprintf(f, "# embedsyn VTA program listing\n");
    fprintf(f, "# hardware %s: BATCH=%lld BLOCK_IN=%lld BLOCK_OUT=%lld\n", hw->name,
            (long long)hw_batch(hw), (long long)hw_block_in(hw), (long long)hw_block_out(hw));
    fprintf(f, "# DRAM image %llu bytes; %llu instructions at 0x%llx\n\n",
            (unsigned long long)p->dram_bytes, (unsigned long long)ir.count,
            (unsigned long long)range_addr(p, ir));
    fprintf(f, "regions:\n  %-20s %-5s %-12s %-12s %-24s %s\n", "name", "kind", "address", "bytes",
            "shape", "layout");
    for (int i = 0; i < p->nregions; i++) {
        const vta_region *r = &p->regions[i];
        fprintf(f, "  %-20s %-5s 0x%-10llx %-12llu %-24s %s\n", r->name, region_kind_name(p, i),
                (unsigned long long)r->addr, (unsigned long long)r->bytes, r->shape, r->layout);
    }
    fprintf(f, "\ninstructions:\n");
    bool whole = ir.first == 0 && ir.count == p->ninsns;
    /* A part of the stream shows the micro-ops its own LOAD UOPs load (the image holds
     * every segment's). */
    vta_disasm_image(f, hw, p->dram, p->dram_bytes, range_addr(p, ir), (uint64_t)ir.count, !whole);
    for (int i = 0; whole && i < p->nregions; i++) {
        const vta_region *r = &p->regions[i];
        if (i == p->insn_region || r->kind != HW_MEM_UOP)
            continue;
        fprintf(f, "\nmicro-op region '%s' at 0x%llx (%llu micro-ops, dram_base %llu):\n", r->name,
                (unsigned long long)r->addr, (unsigned long long)(r->bytes / 4),
                (unsigned long long)(r->addr / 4));
        for (uint64_t k = 0; k + 4 <= r->bytes; k += 4) {
            uint32_t w;
            ES_ASSERT(image_u32(p->dram, p->dram_bytes, r->addr + k, &w));
            vta_uop u = vta_uop_decode(hw, w);
            char b[96];
            vta_uop_format(&u, b, sizeof b);
            fprintf(f, "  %6llu  %s\n", (unsigned long long)(k / 4), b);
        }
    }
}

/* ---- writing ------------------------------------------------------------------------ */

static void write_xml(FILE *f, const vta_prog *p, insn_range ir) {
    const hw_config *hw = &p->hw;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f, "<!-- embedsyn VTA program bundle: dram.bin is the flat DRAM image (byte offset =\n"
               "     physical address); run it by handing <instructions> to a VTA runtime. -->\n");
    fprintf(f, "<program version=\"1\">\n  <hardware");
    text_xml_attr(f, "name", hw->name);
    fprintf(f, ">\n    <shape");
#define HW_OUT(fld, a, d, doc) fprintf(f, "\n      %s=\"%d\"", a, (int)hw->fld);
    HW_SHAPE_FIELDS(HW_OUT)
    fprintf(f, "/>\n    <timing");
    HW_TIMING_FIELDS(HW_OUT)
#undef HW_OUT
    fprintf(f, "/>\n  </hardware>\n");
    fprintf(f, "  <dram bytes=\"%llu\"/>\n", (unsigned long long)p->dram_bytes);
    fprintf(f, "  <instructions address=\"%llu\" count=\"%lld\"/>\n",
            (unsigned long long)range_addr(p, ir), (long long)ir.count);
    for (int i = 0; i < p->nregions; i++) {
        const vta_region *r = &p->regions[i];
        fprintf(f, "  <region");
        text_xml_attr(f, "name", r->name);
        fprintf(f, " kind=\"%s\" address=\"%llu\" bytes=\"%llu\"", region_kind_name(p, i),
                (unsigned long long)r->addr, (unsigned long long)r->bytes);
        text_xml_attr(f, "shape", r->shape);
        text_xml_attr(f, "layout", r->layout);
        fprintf(f, "/>\n");
    }
    fprintf(f, "</program>\n");
}

typedef enum { OUT_DRAM, OUT_XML, OUT_LISTING } out_kind;

static bool write_file(const vta_prog *p, insn_range ir, const char *dir, const char *file, out_kind k,
                       status *st) {
    char path[BUNDLE_PATH_MAX];
    if (!join(path, dir, file, st))
        return false;
    FILE *f = fopen(path, "wb");
    if (!f)
        return status_fail(st, "%s: cannot create: %s", path, strerror(errno));
    switch (k) {
    case OUT_DRAM:
        if (p->dram_bytes && fwrite(p->dram, 1, (size_t)p->dram_bytes, f) != p->dram_bytes)
            status_fail(st, "%s: write failed: %s", path, strerror(errno));
        break;
    case OUT_XML: write_xml(f, p, ir); break;
    case OUT_LISTING: write_listing(f, p, ir); break;
    }
    bool err = ferror(f) != 0;
    if (fclose(f) != 0 || err)
        status_fail(st, "%s: write failed: %s", path, strerror(errno));
    return status_ok(st);
}

bool vta_bundle_write_range(const vta_prog *p, const char *dir, int64_t first, int64_t count, status *st) {
    if (!p->finalized)
        return status_fail(st, "%s: the program is not finalized (call vta_prog_finalize first)", dir);
    ES_ASSERT(first >= 0 && count >= 0 && first + count <= p->ninsns);
    insn_range ir = {first, count};
    return text_mkdir_p(dir, st) && /* missing parent directories too */
           write_file(p, ir, dir, "dram.bin", OUT_DRAM, st) &&
           write_file(p, ir, dir, "program.xml", OUT_XML, st) &&
           write_file(p, ir, dir, "listing.txt", OUT_LISTING, st);
}

bool vta_bundle_write(const vta_prog *p, const char *dir, status *st) {
    return vta_bundle_write_range(p, dir, 0, p->ninsns, st);
}

/* ---- reading ------------------------------------------------------------------------ */

static bool read_hw(const spec_doc *d, const spec_node *hn, hw_config *hw, status *st) {
    const char *path = spec_doc_path(d);
    *hw = hw_default();
    const char *name = spec_node_attr(hn, "name");
    if (name) {
        if (strlen(name) >= sizeof hw->name)
            return status_fail_at(st, path, spec_node_line(hn), "hardware name longer than %zu characters",
                                  sizeof hw->name - 1);
        strcpy(hw->name, name);
    }
    const spec_node *shape = spec_node_child(hn, "shape"), *timing = spec_node_child(hn, "timing");
    int64_t v;
#define HW_IN(fld, a, dflt, doc)                                                              \
    if (node) {                                                                              \
        if (!spec_attr_i64(d, node, a, dflt, INT32_MIN, INT32_MAX, &v, st))                  \
            return false;                                                                    \
        hw->fld = (int32_t)v;                                                                \
    }
    {
        const spec_node *node = shape;
        HW_SHAPE_FIELDS(HW_IN)
    }
    {
        const spec_node *node = timing;
        HW_TIMING_FIELDS(HW_IN)
    }
#undef HW_IN
    status e;
    status_init(&e);
    if (!hw_check(hw, &e) || !vta_isa_check(hw, &e))
        return status_fail_at(st, path, spec_node_line(hn), "%s", e.msg);
    return true;
}

static bool kind_from_name(const char *s, hw_mem *k, bool *is_insn) {
    *is_insn = !strcmp(s, "insn");
    if (*is_insn) {
        *k = HW_MEM_UOP;
        return true;
    }
    for (int i = 0; i < 5; i++)
        if (!strcmp(s, kind_names[i])) {
            *k = (hw_mem)i;
            return true;
        }
    return false;
}

/* Reads dram.bin into p's image, which must end up exactly `bytes` long. */
static bool read_image(vta_prog *p, const char *dir, uint64_t bytes, const char *xml, long line,
                       status *st) {
    char path[BUNDLE_PATH_MAX];
    if (!join(path, dir, "dram.bin", st))
        return false;
    FILE *f = fopen(path, "rb");
    if (!f)
        return status_fail(st, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(f);
        return status_fail(st, "%s: not a regular file", path);
    }
    if ((uint64_t)sb.st_size != bytes) {
        fclose(f);
        return status_fail(st, "%s: has %lld bytes but %s:%ld declares %llu (truncated or wrong file)",
                           path, (long long)sb.st_size, xml, line, (unsigned long long)bytes);
    }
    if (!vta_prog_grow(p, bytes, st)) {
        fclose(f);
        return false;
    }
    bool ok = bytes == 0 || fread(p->dram, 1, (size_t)bytes, f) == bytes;
    fclose(f);
    if (!ok)
        return status_fail(st, "%s: read failed", path);
    return true;
}

static bool read_bundle(vta_prog **out, const spec_doc *d, const char *dir, status *st) {
    const char *xml = spec_doc_path(d);
    const spec_node *root = spec_doc_root(d);
    const spec_node *hn = spec_node_child(root, "hardware");
    const spec_node *dn = spec_node_child(root, "dram");
    const spec_node *in = spec_node_child(root, "instructions");
    if (!hn || !dn || !in) /* the schema requires them; be safe anyway */
        return status_fail_at(st, xml, spec_node_line(root),
                              "<program> needs <hardware>, <dram> and <instructions>");
    hw_config hw;
    if (!read_hw(d, hn, &hw, st))
        return false;
    int64_t dram_bytes, iaddr, icount;
    if (!spec_attr_i64(d, dn, "bytes", -1, VTA_PROG_FIRST_ADDR, (int64_t)VTA_PROG_MAX_BYTES,
                       &dram_bytes, st) ||
        !spec_attr_i64(d, in, "address", -1, 0, (int64_t)VTA_PROG_MAX_BYTES, &iaddr, st) ||
        !spec_attr_i64(d, in, "count", -1, 1, (int64_t)VTA_PROG_MAX_BYTES / VTA_INSN_BYTES, &icount, st))
        return false;
    vta_prog *p = vta_prog_create(&hw);
    *out = p;
    if (!p)
        return status_fail(st, "%s: out of memory", dir);
    if (!read_image(p, dir, (uint64_t)dram_bytes, xml, spec_node_line(dn), st))
        return false;
    if ((uint64_t)iaddr > p->dram_bytes || p->dram_bytes - (uint64_t)iaddr < (uint64_t)icount * VTA_INSN_BYTES)
        return status_fail_at(st, xml, spec_node_line(in),
                              "instructions [%lld, %lld) lie outside the DRAM image of %llu bytes",
                              (long long)iaddr, (long long)(iaddr + VTA_INSN_BYTES * icount),
                              (unsigned long long)p->dram_bytes);
    for (const spec_node *r = spec_node_first_child(root); r; r = spec_node_next(r)) {
        if (strcmp(spec_node_name(r), "region"))
            continue;
        long line = spec_node_line(r);
        const char *name = spec_node_attr(r, "name"), *kind = spec_node_attr(r, "kind");
        if (!name || !kind)
            return status_fail_at(st, xml, line, "<region> needs name and kind");
        hw_mem k;
        bool is_insn;
        if (!kind_from_name(kind, &k, &is_insn))
            return status_fail_at(st, xml, line, "region '%s': unknown kind '%s' (uop, wgt, inp, "
                                  "acc, out or insn)", name, kind);
        if (is_insn != !strcmp(name, VTA_PROG_INSN_NAME))
            return status_fail_at(st, xml, line, "region '%s': the instruction region is named "
                                  "'insn' and has kind 'insn'", name);
        int64_t addr, bytes;
        if (!spec_attr_i64(d, r, "address", -1, 0, (int64_t)VTA_PROG_MAX_BYTES, &addr, st) ||
            !spec_attr_i64(d, r, "bytes", -1, 1, (int64_t)VTA_PROG_MAX_BYTES, &bytes, st))
            return false;
        status e;
        status_init(&e);
        int idx = vta_prog_place_region(p, name, k, (uint64_t)addr, (uint64_t)bytes,
                                        spec_node_attr(r, "shape"), spec_node_attr(r, "layout"), &e);
        if (idx < 0)
            return status_fail_at(st, xml, line, "%s", e.msg);
        if (is_insn) { /* the whole stream, or a part of it (vta_bundle_write_range) */
            if (iaddr < addr || (iaddr - addr) % VTA_INSN_BYTES || bytes % VTA_INSN_BYTES ||
                (uint64_t)(iaddr - addr) + (uint64_t)icount * VTA_INSN_BYTES > (uint64_t)bytes)
                return status_fail_at(st, xml, line,
                                      "region 'insn' [%lld, %lld) does not hold the %lld "
                                      "instructions at %lld declared by <instructions>",
                                      (long long)addr, (long long)(addr + bytes), (long long)icount,
                                      (long long)iaddr);
            p->insn_region = idx;
            p->insn_first = (iaddr - addr) / VTA_INSN_BYTES;
        }
    }
    if (p->insn_region < 0)
        return status_fail_at(st, xml, spec_node_line(root), "no region of kind 'insn' (the "
                              "instruction stream)");
    p->insns = es_malloc((size_t)icount * sizeof *p->insns);
    if (!p->insns)
        return status_fail(st, "%s: out of memory for %lld instructions", dir, (long long)icount);
    p->cap_insns = icount;
    for (int64_t i = 0; i < icount; i++) {
        status e;
        status_init(&e);
        uint64_t a = (uint64_t)iaddr + VTA_INSN_BYTES * (uint64_t)i;
        if (!vta_insn_decode(&hw, vta_word128_load(p->dram + a), &p->insns[i], &e))
            return status_fail(st, "%s/dram.bin: instruction %lld at 0x%llx: %s", dir, (long long)i,
                               (unsigned long long)a, e.msg);
        p->ninsns = i + 1;
    }
    p->finalized = true;
    return true;
}

vta_prog *vta_bundle_read(const char *dir, status *st) {
    char path[BUNDLE_PATH_MAX];
    if (!join(path, dir, "program.xml", st))
        return NULL;
    spec_doc *d = spec_doc_load(path, "program", st);
    if (!d)
        return NULL;
    vta_prog *p = NULL;
    bool ok = read_bundle(&p, d, dir, st);
    spec_doc_destroy(d);
    if (!ok) {
        vta_prog_destroy(p);
        return NULL;
    }
    return p;
}
