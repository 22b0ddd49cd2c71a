/* Tests of vta/prog and vta/bundle: region placement (hand-computed addresses, and the
 * alignment / packing / overlap rules checked by brute force on random programs),
 * rejected regions, finalize (instruction bytes against hand-written encodings),
 * bundle write -> read round trips (byte-identical dram.bin, same regions and
 * instructions), corrupt bundles (one error each), and the `embedsyn disasm` CLI. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/isa_testlib.h"
#include "vta/hw.h"
#include "vta/isa.h"
#include "vta/prog.h"

/* Element sizes of the default VTA by hand (DESIGN section 5). */
static uint64_t elem_default(hw_mem m) {
    static const uint64_t e[] = {4, 256, 16, 64, 16}; /* UOP WGT INP ACC OUT */
    return e[m];
}

static int add(vta_prog *p, const char *name, hw_mem k, uint64_t bytes) {
    status st;
    status_init(&st);
    int idx = vta_prog_add_region(p, name, k, bytes, "1x2", "L", &st);
    cr_assert(idx >= 0, "%s", st.msg);
    return idx;
}

Test(prog, placement_hand_computed) {
    hw_config hw = hw_default();
    vta_prog *p = vta_prog_create(&hw);
    cr_assert_eq(vta_prog_region(p, add(p, "a", HW_MEM_UOP, 10))->addr, 4096);
    cr_assert_eq(vta_prog_region(p, add(p, "b", HW_MEM_WGT, 300))->addr, 4352); /* 256-aligned */
    cr_assert_eq(vta_prog_region(p, add(p, "c", HW_MEM_ACC, 1))->addr, 4672);   /* 4652 -> 64 */
    cr_assert_eq(vta_prog_region(p, add(p, "d", HW_MEM_INP, 16))->addr, 4736);  /* 4673 -> 64 */
    uint64_t bytes;
    uint8_t *img = vta_prog_dram(p, &bytes);
    cr_assert_eq(bytes, 4752);
    for (uint64_t i = 0; i < bytes; i++)
        cr_assert_eq(img[i], 0);
    cr_assert_eq(vta_prog_elem_base(p, 1), 4352 / 256);
    cr_assert_eq(vta_prog_elem_base(p, 3), 4736 / 16);
    cr_assert_eq(vta_prog_find_region(p, "c"), 2);
    cr_assert_eq(vta_prog_find_region(p, "zz"), -1);
    cr_assert_eq(vta_prog_nregions(p), 4);
    cr_assert_str_eq(vta_prog_region(p, 0)->shape, "1x2");
    uint8_t *d = vta_prog_region_data(p, 1);
    cr_assert_eq(d, img + 4352);
    vta_prog_destroy(p);
}

Test(prog, placement_block32_aligns_to_element) {
    hw_config hw = hw_default();
    hw.log_block_in = hw.log_block_out = 5; /* WGT element 32x32 = 1 KiB, ACC 128 B */
    vta_prog *p = vta_prog_create(&hw);
    cr_assert_eq(vta_prog_region(p, add(p, "u", HW_MEM_UOP, 4))->addr, 4096);
    cr_assert_eq(vta_prog_region(p, add(p, "w", HW_MEM_WGT, 1024))->addr, 5120);
    cr_assert_eq(vta_prog_region(p, add(p, "a", HW_MEM_ACC, 128))->addr, 6144);
    cr_assert_eq(vta_prog_region(p, add(p, "o", HW_MEM_OUT, 5))->addr, 6272);
    cr_assert_eq(vta_prog_region(p, add(p, "a2", HW_MEM_ACC, 128))->addr, 6400);
    vta_prog_destroy(p);
}

Test(prog, placement_rules_random) {
    hw_config hw = hw_default();
    unsigned s = 4242;
    for (int trial = 0; trial < 50; trial++) {
        vta_prog *p = vta_prog_create(&hw);
        int n = 1 + rand_r(&s) % 30;
        for (int i = 0; i < n; i++) {
            char name[16];
            snprintf(name, sizeof name, "r%d", i);
            add(p, name, (hw_mem)(rand_r(&s) % 5), 1 + (uint64_t)(rand_r(&s) % 5000));
        }
        uint64_t bytes, prev_end = 4096;
        vta_prog_dram(p, &bytes);
        for (int i = 0; i < n; i++) {
            const vta_region *r = vta_prog_region(p, i);
            uint64_t al = elem_default(r->kind) > 64 ? elem_default(r->kind) : 64;
            cr_assert_eq(r->addr % al, 0);
            cr_assert_geq(r->addr, 4096);
            /* tightly packed: the first aligned address at or after the previous end */
            cr_assert_geq(r->addr, prev_end);
            cr_assert_lt(r->addr - prev_end, al);
            cr_assert_leq(r->addr + r->bytes, bytes);
            for (int j = 0; j < i; j++) {
                const vta_region *q = vta_prog_region(p, j);
                cr_assert(r->addr >= q->addr + q->bytes || q->addr >= r->addr + r->bytes);
            }
            prev_end = r->addr + r->bytes;
        }
        cr_assert_eq(bytes, prev_end);
        vta_prog_destroy(p);
    }
}

static void add_fails(vta_prog *p, const char *name, hw_mem k, uint64_t bytes, const char *shape,
                      const char *needle) {
    status st;
    status_init(&st);
    int n = vta_prog_nregions(p);
    uint64_t before;
    vta_prog_dram(p, &before);
    cr_assert_lt(vta_prog_add_region(p, name, k, bytes, shape, "", &st), 0, "expected %s", needle);
    cr_assert(strstr(st.msg, needle), "'%s' lacks '%s'", st.msg, needle);
    uint64_t after;
    vta_prog_dram(p, &after);
    cr_assert_eq(vta_prog_nregions(p), n);
    cr_assert_eq(after, before); /* rejected regions leave the image alone */
}

Test(prog, bad_regions_rejected) {
    hw_config hw = hw_default();
    vta_prog *p = vta_prog_create(&hw);
    add(p, "inp", HW_MEM_INP, 64);
    add_fails(p, "inp", HW_MEM_INP, 64, "", "twice");
    add_fails(p, "", HW_MEM_INP, 64, "", "empty");
    add_fails(p, "abcdefghijabcdefghijabcdefghijab", HW_MEM_INP, 64, "", "longer than 31");
    add_fails(p, "a b", HW_MEM_INP, 64, "", "printable");
    add_fails(p, "insn", HW_MEM_UOP, 64, "", "reserved");
    add_fails(p, "z", HW_MEM_INP, 0, "", "0 bytes");
    add_fails(p, "big", HW_MEM_INP, (uint64_t)1 << 32, "", "4 GiB");
    add_fails(p, "k", (hw_mem)7, 16, "", "kind");
    char longshape[200];
    memset(longshape, 'x', sizeof longshape - 1);
    longshape[sizeof longshape - 1] = '\0';
    add_fails(p, "s", HW_MEM_INP, 16, longshape, "longer than");
    vta_prog_destroy(p);
}

/* A small program: micro-ops, input, output, a few instructions. */
static vta_prog *sample_prog(void) {
    hw_config hw = hw_default();
    vta_prog *p = vta_prog_create(&hw);
    status st;
    status_init(&st);
    int u = vta_prog_add_region(p, "uop", HW_MEM_UOP, 8, "2", "uop32", &st);
    int in = vta_prog_add_region(p, "inp", HW_MEM_INP, 64, "1x64", "NC1n16c", &st);
    int out = vta_prog_add_region(p, "out&<result>", HW_MEM_OUT, 32, "1x\"32\"", "N'C'", &st);
    cr_assert(u >= 0 && in >= 0 && out >= 0, "%s", st.msg);
    uint32_t w;
    vta_uop u0 = {1, 2, 3}, u1 = {4, 5, 6};
    uint8_t *d = vta_prog_region_data(p, u);
    cr_assert(vta_uop_encode(&hw, &u0, &w, &st));
    memcpy(d, &w, 4); /* the host is little-endian, as VTA */
    cr_assert(vta_uop_encode(&hw, &u1, &w, &st));
    memcpy(d + 4, &w, 4);
    uint8_t *x = vta_prog_region_data(p, in);
    for (int i = 0; i < 64; i++)
        x[i] = (uint8_t)(i * 7 + 1);
    vta_insn l = vta_load(HW_MEM_UOP, 0, vta_prog_elem_base(p, u), 1, 2, 2);
    vta_prog_add_insn(p, &l);
    l = vta_load(HW_MEM_INP, 0, vta_prog_elem_base(p, in), 4, 1, 1);
    l.push_next = true;
    vta_prog_add_insn(p, &l);
    vta_insn g = vta_gemm(false, 0, 2, 1, 4);
    g.pop_prev = true;
    g.dst_factor_in = 1;
    vta_prog_add_insn(p, &g);
    vta_insn a = vta_alu(VTA_ALU_SHR, 0, 1, 1, 2, true, -5);
    vta_prog_add_insn(p, &a);
    vta_insn s = vta_store(0, vta_prog_elem_base(p, out), 1, 2, 2);
    vta_prog_add_insn(p, &s);
    vta_insn f = vta_finish();
    vta_prog_add_insn(p, &f);
    cr_assert(vta_prog_finalize(p, &st), "%s", st.msg);
    return p;
}

Test(prog, finalize_places_and_encodes_instructions) {
    vta_prog *p = sample_prog();
    cr_assert(vta_prog_finalized(p));
    int ir = vta_prog_find_region(p, "insn");
    cr_assert_geq(ir, 0);
    const vta_region *r = vta_prog_region(p, ir);
    /* uop 4096..4104, inp 4160..4224, out 4224..4256, insn at 4288 (64-aligned) */
    cr_assert_eq(vta_prog_region(p, 1)->addr, 4160);
    cr_assert_eq(vta_prog_region(p, 2)->addr, 4224);
    cr_assert_eq(r->addr, 4288);
    cr_assert_eq(r->bytes, 6 * 16);
    cr_assert_eq(vta_prog_insn_addr(p), 4288);
    cr_assert_eq(vta_prog_insn_count(p), 6);
    uint64_t bytes;
    uint8_t *img = vta_prog_dram(p, &bytes);
    cr_assert_eq(bytes, 4288 + 96);
    /* LOAD UOP sram 0 dram 4096/4=1024 y 1 x 2 stride 2, by hand:
     * lo = 1024 << 26 = 0x10_0000_0000; hi = 1 | 2 << 16 | 2ull << 32 */
    const uint8_t load_uop[16] = {0, 0, 0, 0, 0x10, 0, 0, 0, 1, 0, 2, 0, 2, 0, 0, 0};
    cr_assert(memcmp(img + 4288, load_uop, 16) == 0);
    /* FINISH: opcode 3, everything else 0 */
    const uint8_t fin[16] = {3};
    cr_assert(memcmp(img + 4288 + 5 * 16, fin, 16) == 0);
    /* frozen */
    status st;
    status_init(&st);
    cr_assert_lt(vta_prog_add_region(p, "late", HW_MEM_INP, 16, "", "", &st), 0);
    cr_assert(strstr(st.msg, "finalized"));
    cr_assert(vta_prog_finalize(p, &st)); /* idempotent */
    vta_prog_destroy(p);
}

Test(prog, finalize_errors) {
    hw_config hw = hw_default();
    vta_prog *p = vta_prog_create(&hw);
    status st;
    status_init(&st);
    cr_assert_not(vta_prog_finalize(p, &st));
    cr_assert(strstr(st.msg, "no instructions"));
    vta_insn g = vta_gemm(false, 0, 1, 1, 1);
    vta_prog_add_insn(p, &g);
    g.iter_in = 20000; /* > 14 bits */
    vta_prog_add_insn(p, &g);
    status_init(&st);
    cr_assert_not(vta_prog_finalize(p, &st));
    cr_assert(strstr(st.msg, "instruction 1") && strstr(st.msg, "'iter_in'"), "%s", st.msg);
    cr_assert_not(vta_prog_finalized(p));
    cr_assert_eq(vta_prog_nregions(p), 0);
    vta_prog_destroy(p);
}

/* ---- bundles --------------------------------------------------------------------- */

static void tmpdir(char *buf, size_t n) {
    snprintf(buf, n, "/tmp/embedsyn_test_prog_XXXXXX");
    cr_assert(mkdtemp(buf));
}

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = '\0';
    fclose(f);
    if (len)
        *len = (size_t)n;
    return b;
}

static void spit(const char *path, const char *data, size_t len) {
    FILE *f = fopen(path, "wb");
    cr_assert(f);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void rm_bundle(const char *dir) {
    const char *files[] = {"dram.bin", "program.xml", "listing.txt"};
    char p[600];
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        unlink(p);
    }
    rmdir(dir);
}

static void same_prog(const vta_prog *a, const vta_prog *b) {
    const hw_config *ha = vta_prog_hw(a), *hb = vta_prog_hw(b);
    cr_assert_str_eq(ha->name, hb->name);
#define HW_EQ(f, at, d, doc) cr_assert_eq(ha->f, hb->f, "%s", at);
    HW_SHAPE_FIELDS(HW_EQ)
    HW_TIMING_FIELDS(HW_EQ)
#undef HW_EQ
    cr_assert_eq(vta_prog_nregions(a), vta_prog_nregions(b));
    for (int i = 0; i < vta_prog_nregions(a); i++) {
        const vta_region *x = vta_prog_region(a, i), *y = vta_prog_region(b, i);
        cr_assert_str_eq(x->name, y->name);
        cr_assert_eq(x->kind, y->kind);
        cr_assert_eq(x->addr, y->addr);
        cr_assert_eq(x->bytes, y->bytes);
        cr_assert_str_eq(x->shape, y->shape);
        cr_assert_str_eq(x->layout, y->layout);
    }
    cr_assert_eq(vta_prog_ninsns(a), vta_prog_ninsns(b));
    for (int64_t i = 0; i < vta_prog_ninsns(a); i++)
        cr_assert(tl_insn_eq(vta_prog_insn(a, i), vta_prog_insn(b, i)));
    cr_assert_eq(vta_prog_insn_addr(a), vta_prog_insn_addr(b));
    cr_assert_eq(vta_prog_insn_count(a), vta_prog_insn_count(b));
    uint64_t na, nb;
    uint8_t *da = vta_prog_dram((vta_prog *)a, &na), *db = vta_prog_dram((vta_prog *)b, &nb);
    cr_assert_eq(na, nb);
    cr_assert(memcmp(da, db, (size_t)na) == 0);
}

/* Files `files` of bundle directories d1 and d2 are byte for byte the same. */
static void same_files(const char *d1, const char *d2, const char *const *files, int n) {
    for (int i = 0; i < n; i++) {
        char f1[128], f2[128];
        size_t l1, l2;
        snprintf(f1, sizeof f1, "%s/%s", d1, files[i]);
        snprintf(f2, sizeof f2, "%s/%s", d2, files[i]);
        char *a = slurp(f1, &l1), *b = slurp(f2, &l2);
        cr_assert(a && b && l1 == l2 && memcmp(a, b, l1) == 0, "%s differs", files[i]);
        free(a);
        free(b);
    }
}

Test(bundle, write_read_round_trip) {
    vta_prog *p = sample_prog();
    char d1[64], d2[64], f1[128];
    tmpdir(d1, sizeof d1);
    tmpdir(d2, sizeof d2);
    status st;
    status_init(&st);
    cr_assert(vta_bundle_write(p, d1, &st), "%s", st.msg);
    vta_prog *q = vta_bundle_read(d1, &st);
    cr_assert(q, "%s", st.msg);
    same_prog(p, q);
    /* dram.bin is the image byte for byte */
    uint64_t n;
    uint8_t *img = vta_prog_dram(p, &n);
    size_t len;
    snprintf(f1, sizeof f1, "%s/dram.bin", d1);
    char *bin = slurp(f1, &len);
    cr_assert_eq(len, n);
    cr_assert(memcmp(bin, img, len) == 0);
    free(bin);
    /* writing what was read reproduces every file */
    cr_assert(vta_bundle_write(q, d2, &st), "%s", st.msg);
    same_files(d1, d2, (const char *[]){"dram.bin", "program.xml", "listing.txt"}, 3);
    /* the escaped strings survived; listing has the instructions and micro-ops */
    int o = vta_prog_find_region(q, "out&<result>");
    cr_assert_geq(o, 0);
    cr_assert_str_eq(vta_prog_region(q, o)->shape, "1x\"32\"");
    cr_assert_str_eq(vta_prog_region(q, o)->layout, "N'C'");
    snprintf(f1, sizeof f1, "%s/listing.txt", d1);
    char *lst = slurp(f1, NULL);
    cr_assert(strstr(lst, "LOAD UOP sram=0 dram=0x400 y=1 x=2 stride=2 pad=(0,0,0,0)"), "%s", lst);
    cr_assert(strstr(lst, "ALU SHR uop=[0,1) iter=(1,2) dst=(0,0) src=(0,0) imm=-5"));
    cr_assert(strstr(lst, "FINISH"));
    cr_assert(strstr(lst, "acc=1 inp=2 wgt=3") && strstr(lst, "acc=4 inp=5 wgt=6"));
    free(lst);
    vta_prog_destroy(p);
    vta_prog_destroy(q);
    rm_bundle(d1);
    rm_bundle(d2);
}

/* A part of the stream (instructions 1..3 of the sample's 6): its bundle reads back as a
 * program of exactly those instructions at their address, over the whole image, and
 * written again it gives the same files; the listing shows the part alone. */
Test(bundle, range_bundle_is_the_part) {
    vta_prog *p = sample_prog();
    char d1[64], d2[64], f1[128];
    tmpdir(d1, sizeof d1);
    tmpdir(d2, sizeof d2);
    status st;
    status_init(&st);
    cr_assert_eq(vta_prog_insn_count(p), 6);
    cr_assert(vta_bundle_write_range(p, d1, 1, 3, &st), "%s", st.msg);
    vta_prog *q = vta_bundle_read(d1, &st);
    cr_assert(q, "%s", st.msg);
    cr_assert_eq(vta_prog_insn_count(q), 3);
    cr_assert_eq(vta_prog_insn_addr(q), vta_prog_insn_addr(p) + VTA_INSN_BYTES);
    for (int64_t i = 0; i < 3; i++) {
        const vta_insn *a = vta_prog_insn(p, 1 + i), *b = vta_prog_insn(q, i);
        cr_assert(a->opcode == b->opcode && a->sram_base == b->sram_base && a->dram_base == b->dram_base &&
                      a->imm == b->imm,
                  "instruction %lld", (long long)i);
    }
    uint64_t n1, n2;
    uint8_t *i1 = vta_prog_dram(p, &n1), *i2 = vta_prog_dram(q, &n2);
    cr_assert(n1 == n2 && memcmp(i1, i2, n1) == 0, "the whole image");
    cr_assert(vta_bundle_write(q, d2, &st), "%s", st.msg);
    same_files(d1, d2, (const char *[]){"dram.bin", "program.xml"}, 2);
    snprintf(f1, sizeof f1, "%s/program.xml", d1);
    char *x = slurp(f1, NULL);
    char want[96];
    snprintf(want, sizeof want, "<instructions address=\"%llu\" count=\"3\"/>",
             (unsigned long long)vta_prog_insn_addr(p) + VTA_INSN_BYTES);
    cr_assert(strstr(x, want), "%s", x);
    free(x);
    snprintf(f1, sizeof f1, "%s/listing.txt", d1);
    char *lst = slurp(f1, NULL);
    cr_assert(strstr(lst, "3 instructions") && !strstr(lst, "FINISH"), "%s", lst);
    free(lst);
    vta_prog_destroy(p);
    vta_prog_destroy(q);
    rm_bundle(d1);
    rm_bundle(d2);
}

Test(bundle, non_default_hardware_round_trip) {
    hw_config hw = hw_default();
    hw.log_batch = 2;
    hw.dram_latency = 77;
    strcpy(hw.name, "batch4 <test>");
    vta_prog *p = vta_prog_create(&hw);
    status st;
    status_init(&st);
    int a = vta_prog_add_region(p, "acc", HW_MEM_ACC, 256 * 3, "3x4x16", "", &st);
    cr_assert_eq(vta_prog_region(p, a)->addr, 4096);
    vta_insn g = vta_gemm(true, 0, 1, 1, 1);
    g.dst_factor_out = 511; /* max for 512 ACC rows */
    vta_prog_add_insn(p, &g);
    vta_insn f = vta_finish();
    vta_prog_add_insn(p, &f);
    cr_assert(vta_prog_finalize(p, &st), "%s", st.msg);
    char d[64];
    tmpdir(d, sizeof d);
    cr_assert(vta_bundle_write(p, d, &st), "%s", st.msg);
    vta_prog *q = vta_bundle_read(d, &st);
    cr_assert(q, "%s", st.msg);
    same_prog(p, q);
    vta_prog_destroy(p);
    vta_prog_destroy(q);
    rm_bundle(d);
}

Test(bundle, write_errors) {
    hw_config hw = hw_default();
    vta_prog *p = vta_prog_create(&hw);
    status st;
    status_init(&st);
    cr_assert_not(vta_bundle_write(p, "/tmp", &st));
    cr_assert(strstr(st.msg, "not finalized"));
    vta_prog_destroy(p);
    p = sample_prog();
    status_init(&st);
    cr_assert_not(vta_bundle_write(p, "/dev/null/sub", &st)); /* a parent that is a file */
    cr_assert(strstr(st.msg, "cannot create"), "%s", st.msg);
    vta_prog_destroy(p);
}

/* Write the sample bundle, apply an edit to program.xml (replace `from` by `to`) or to
 * dram.bin, and expect vta_bundle_read to fail mentioning `needle`. */
static void corrupt(const char *from, const char *to, long truncate_to, long patch_at,
                    uint8_t patch, const char *needle) {
    vta_prog *p = sample_prog();
    char d[64], path[128];
    tmpdir(d, sizeof d);
    status st;
    status_init(&st);
    cr_assert(vta_bundle_write(p, d, &st), "%s", st.msg);
    vta_prog_destroy(p);
    if (from) {
        snprintf(path, sizeof path, "%s/program.xml", d);
        size_t len;
        char *x = slurp(path, &len);
        char *at = strstr(x, from);
        cr_assert(at, "'%s' not in program.xml", from);
        size_t nf = strlen(from), nt = strlen(to);
        char *y = malloc(len - nf + nt + 1);
        memcpy(y, x, (size_t)(at - x));
        memcpy(y + (at - x), to, nt);
        strcpy(y + (at - x) + nt, at + nf);
        spit(path, y, strlen(y));
        free(x);
        free(y);
    }
    snprintf(path, sizeof path, "%s/dram.bin", d);
    if (truncate_to >= 0)
        cr_assert_eq(truncate(path, truncate_to), 0);
    if (patch_at >= 0) {
        size_t len;
        char *b = slurp(path, &len);
        b[patch_at] = (char)patch;
        spit(path, b, len);
        free(b);
    }
    if (truncate_to == -2)
        unlink(path);
    status_init(&st);
    vta_prog *q = vta_bundle_read(d, &st);
    cr_assert_null(q, "expected an error mentioning '%s'", needle);
    cr_assert(strstr(st.msg, needle), "'%s' lacks '%s'", st.msg, needle);
    rm_bundle(d);
}

Test(bundle, corrupt_bundles) {
    /* sample layout: uop 4096+8, inp 4160+64, out 4224+32, insn 4288+96; image 4384 */
    corrupt(NULL, NULL, -2, -1, 0, "dram.bin: cannot open");
    corrupt(NULL, NULL, 4000, -1, 0, "truncated");
    corrupt("<dram bytes=\"4384\"/>", "<dram bytes=\"4400\"/>", -1, -1, 0, "declares 4400");
    corrupt("address=\"4160\" bytes=\"64\"", "address=\"4160\" bytes=\"640\"", -1, -1, 0,
            "outside the DRAM image");
    corrupt("address=\"4160\"", "address=\"4168\"", -1, -1, 0, "not aligned");
    corrupt("address=\"4224\"", "address=\"4160\"", -1, -1, 0, "overlaps region 'inp'");
    corrupt("address=\"4096\"", "address=\"0\"", -1, -1, 0, "reserved");
    corrupt("kind=\"inp\"", "kind=\"xyz\"", -1, -1, 0, "unknown kind 'xyz'");
    corrupt("name=\"inp\"", "name=\"uop\"", -1, -1, 0, "defined twice");
    corrupt("<instructions address=\"4288\"", "<instructions address=\"4280\"", -1, -1, 0,
            "does not hold"); /* before the region 'insn' */
    corrupt("<instructions address=\"4288\" count=\"6\"", "<instructions address=\"4296\" count=\"5\"", -1, -1,
            0, "does not hold"); /* not at an instruction of it */
    corrupt("bytes=\"96\"", "bytes=\"80\"", -1, -1, 0, "does not hold"); /* past its end */
    corrupt("<instructions address=\"4288\"", "<instructions address=\"4384\"", -1, -1, 0,
            "outside the DRAM image");
    corrupt("name=\"insn\" kind=\"insn\"", "name=\"insn\" kind=\"uop\"", -1, -1, 0, "named 'insn'");
    corrupt("log_block_in=\"4\"", "log_block_in=\"3\"", -1, -1, 0, "132 bits");
    corrupt("log_batch=\"0\"", "log_batch=\"x\"", -1, -1, 0, "program.xml");
    corrupt("<dram", "<bogus/><dram", -1, -1, 0, "program.xml");
    /* instruction 5 (FINISH at 4288+80) gets opcode 6; instruction 0 (LOAD UOP) gets memory
     * type OUT: bits 9:7 = 100 -> byte 1 = 0x02 */
    corrupt(NULL, NULL, -1, 4288 + 80, 6, "'opcode'");
    corrupt(NULL, NULL, -1, 4288 + 1, 0x02, "'memory_type'");
}

/* Random damage to program.xml or dram.bin: reading either fails with a message or
 * yields a consistent program; it never crashes (the sanitizer build runs this too). */
Test(bundle, random_damage_never_crashes) {
    vta_prog *p = sample_prog();
    char d[64], xp[128], bp[128];
    tmpdir(d, sizeof d);
    status st;
    status_init(&st);
    cr_assert(vta_bundle_write(p, d, &st), "%s", st.msg);
    vta_prog_destroy(p);
    snprintf(xp, sizeof xp, "%s/program.xml", d);
    snprintf(bp, sizeof bp, "%s/dram.bin", d);
    size_t xl, bl;
    char *x = slurp(xp, &xl), *b = slurp(bp, &bl);
    unsigned s = 31337;
    int failed = 0;
    for (int k = 0; k < 120; k++) {
        char *x2 = malloc(xl + 1), *b2 = malloc(bl);
        memcpy(x2, x, xl + 1);
        memcpy(b2, b, bl);
        size_t xn = xl;
        if (k % 3 == 0)
            xn = (size_t)rand_r(&s) % xl; /* truncated XML */
        else if (k % 3 == 1)
            x2[rand_r(&s) % xl] = "0123456789\"<>/= x-"[rand_r(&s) % 17];
        else
            b2[4288 + rand_r(&s) % 96] = (char)rand_r(&s); /* damaged instruction byte */
        spit(xp, x2, xn);
        spit(bp, b2, bl);
        status_init(&st);
        vta_prog *q = vta_bundle_read(d, &st);
        if (!q) {
            cr_assert(st.failed && st.msg[0]);
            failed++;
        } else {
            uint64_t n;
            vta_prog_dram(q, &n);
            for (int i = 0; i < vta_prog_nregions(q); i++)
                cr_assert_leq(vta_prog_region(q, i)->addr + vta_prog_region(q, i)->bytes, n);
            vta_prog_destroy(q);
        }
        free(x2);
        free(b2);
    }
    cr_assert_gt(failed, 30);
    free(x);
    free(b);
    rm_bundle(d);
}

Test(bundle, missing_program_xml) {
    status st;
    status_init(&st);
    cr_assert_null(vta_bundle_read("/nonexistent_bundle_dir_xyz", &st));
    cr_assert(strstr(st.msg, "program.xml"), "%s", st.msg);
}

Test(bundle, schema_lists_every_hardware_attribute) {
    char *x = slurp(EMBEDSYN_SOURCE_DIR "/core/schemas/program.xsd", NULL);
    cr_assert(x);
    char want[128];
#define HW_HAS(f, a, d, doc)                                            \
    snprintf(want, sizeof want, "name=\"%s\"", a);                      \
    cr_assert(strstr(x, want), "program.xsd lacks attribute %s", a);
    HW_SHAPE_FIELDS(HW_HAS)
    HW_TIMING_FIELDS(HW_HAS)
#undef HW_HAS
    free(x);
}

/* ---- CLI ---------------------------------------------------------------------------- */

static int run(const char *args, char **out) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s %s 2>&1", EMBEDSYN_CLI, args);
    FILE *f = popen(cmd, "r");
    cr_assert(f);
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    size_t k;
    while ((k = fread(b + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (n + 1 == cap)
            b = realloc(b, cap *= 2);
    }
    b[n] = '\0';
    int rc = pclose(f);
    *out = b;
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

Test(cli, disasm_bundle_and_image) {
    vta_prog *p = sample_prog();
    char d[64], args[512];
    tmpdir(d, sizeof d);
    status st;
    status_init(&st);
    cr_assert(vta_bundle_write(p, d, &st), "%s", st.msg);
    vta_prog_destroy(p);
    char *o;
    snprintf(args, sizeof args, "disasm %s", d);
    cr_assert_eq(run(args, &o), 0, "%s", o);
    cr_assert(strstr(o, "     0  0x000010c0  LOAD UOP sram=0 dram=0x400 y=1 x=2 stride=2"), "%s", o);
    cr_assert(strstr(o, "     1  0x000010d0  LOAD INP sram=0 dram=0x104 y=4 x=1 stride=1 pad=(0,0,0,0) [push_next]"), "%s", o);
    cr_assert(strstr(o, "     5  0x00001110  FINISH"), "%s", o);
    cr_assert_null(strstr(o, "uop[")); /* no micro-ops without --uops */
    free(o);
    snprintf(args, sizeof args, "disasm %s --uops", d);
    cr_assert_eq(run(args, &o), 0, "%s", o);
    cr_assert(strstr(o, "    uop[0] @0x1000 acc=1 inp=2 wgt=3"), "%s", o);
    cr_assert(strstr(o, "    uop[1] @0x1004 acc=4 inp=5 wgt=6"), "%s", o);
    free(o);
    /* the raw image form, address in hex and decimal */
    snprintf(args, sizeof args, "disasm --dram %s/dram.bin --insn-addr 0x10c0 --insn-count 6 --uops", d);
    cr_assert_eq(run(args, &o), 0, "%s", o);
    cr_assert(strstr(o, "uop[1] @0x1004 acc=4 inp=5 wgt=6") && strstr(o, "FINISH"), "%s", o);
    free(o);
    snprintf(args, sizeof args, "disasm --dram %s/dram.bin --insn-addr 4288 --insn-count 1 --json", d);
    cr_assert_eq(run(args, &o), 0, "%s", o);
    cr_assert(strstr(o, "\"opcode\":\"LOAD\"") && strstr(o, "\"memory_type\":\"UOP\"") &&
              strstr(o, "\"dram_base\":1024"), "%s", o);
    free(o);
    /* misaligned start: garbage decodes as invalid -> exit 1 */
    snprintf(args, sizeof args, "disasm --dram %s/dram.bin --insn-addr 4096 --insn-count 2", d);
    int rc = run(args, &o);
    cr_assert(rc == 0 || rc == 1, "%s", o);
    free(o);
    snprintf(args, sizeof args, "disasm --dram %s/dram.bin --insn-addr 4288 --insn-count 100", d);
    cr_assert_eq(run(args, &o), 2, "%s", o);
    cr_assert(strstr(o, "do not fit"), "%s", o);
    free(o);
    snprintf(args, sizeof args, "disasm --dram %s/dram.bin --insn-addr 12x --insn-count 1", d);
    cr_assert_eq(run(args, &o), 2, "%s", o);
    free(o);
    cr_assert_eq(run("disasm", &o), 2);
    free(o);
    cr_assert_eq(run("disasm /nonexistent_bundle_xyz", &o), 2);
    cr_assert(strstr(o, "program.xml"), "%s", o);
    free(o);
    cr_assert_eq(run("disasm --help", &o), 0);
    cr_assert(strstr(o, "--insn-addr"));
    free(o);
    rm_bundle(d);
}
