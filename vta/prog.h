/* prog: a VTA program under construction and its bundle directory (DESIGN section 5):
 * a flat DRAM image (byte offset = physical address, bytes 0..4095 unused), named
 * regions placed at element-aligned addresses, and the instruction stream.
 * Invariant: regions never overlap; each starts at a multiple of its element size and
 * of 64 bytes; the instruction region is placed by vta_prog_finalize. */
#ifndef EMBEDSYN_VTA_PROG_H
#define EMBEDSYN_VTA_PROG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/status.h"
#include "vta/hw.h"
#include "vta/isa.h"

typedef struct vta_region {
    char name[32];
    hw_mem kind;           /* memory kind whose element size aligns the region */
    uint64_t addr;         /* physical byte address */
    uint64_t bytes;
    char shape[96];        /* logical tensor shape, e.g. "1x3x224x224" */
    char layout[160];      /* layout description, e.g. "NCHW1n16c" */
} vta_region;

typedef struct vta_prog vta_prog;

/* NULL when out of memory. */
vta_prog *vta_prog_create(const hw_config *hw);
void vta_prog_destroy(vta_prog *p);
const hw_config *vta_prog_hw(const vta_prog *p);

/* Place a zero-filled region right after the last one; returns its index. Fails if
 * the image would exceed 4 GiB. */
int vta_prog_add_region(vta_prog *p, const char *name, hw_mem kind, uint64_t bytes,
                        const char *shape, const char *layout, status *st);
int vta_prog_nregions(const vta_prog *p);
const vta_region *vta_prog_region(const vta_prog *p, int idx);
int vta_prog_find_region(const vta_prog *p, const char *name); /* -1 if none */
/* Writable bytes of a region; valid until the next add_region/finalize. */
uint8_t *vta_prog_region_data(vta_prog *p, int idx);
/* dram_base of the region's first element (address / element size of its kind). */
uint32_t vta_prog_elem_base(const vta_prog *p, int idx);

/* Out of memory drops the instruction and marks the program: vta_prog_out_of_memory
 * turns true and vta_prog_finalize fails with an "out of memory" status. */
void vta_prog_add_insn(vta_prog *p, const vta_insn *in);
bool vta_prog_out_of_memory(const vta_prog *p);
int64_t vta_prog_ninsns(const vta_prog *p);
const vta_insn *vta_prog_insn(const vta_prog *p, int64_t i);
/* Encode the instructions into a region "insn" (checked: every field fits). */
bool vta_prog_finalize(vta_prog *p, status *st);

/* After finalize (or after reading a bundle). */
uint8_t *vta_prog_dram(vta_prog *p, uint64_t *bytes);
uint64_t vta_prog_insn_addr(const vta_prog *p);
uint64_t vta_prog_insn_count(const vta_prog *p);

/* Bundle directory: dram.bin, program.xml, listing.txt. */
bool vta_bundle_write(const vta_prog *p, const char *dir, status *st);
/* The same for instructions [first, first + count) of the stream (a part that runs as a
 * program of its own, e.g. a network program's segment, vta/netprog.h): the whole
 * image, <instructions> and the region 'insn' cover that part, the listing shows the
 * micro-ops its LOAD UOPs load. */
bool vta_bundle_write_range(const vta_prog *p, const char *dir, int64_t first, int64_t count, status *st);
vta_prog *vta_bundle_read(const char *dir, status *st);

/* Additions (isa helper). The instruction region is named "insn"; in memory its kind is
 * HW_MEM_UOP (hw_mem has no instruction kind; only its 64-byte alignment matters), in
 * program.xml kind="insn". True once finalized (or read from a bundle). */
bool vta_prog_finalized(const vta_prog *p);
/* Disassemble `count` instructions at byte `insn_addr` of a raw DRAM image, one line
 * each: "INDEX  0xADDRESS  TEXT"; with `uops`, each LOAD UOP is followed by the
 * micro-ops it loads ("    uop[SRAM] @0xADDR acc=.. inp=.. wgt=.."). Undecodable
 * instructions and reads outside the image are printed as "<invalid: why>" lines;
 * returns how many there were (0 = all fine). */
int64_t vta_disasm_image(FILE *f, const hw_config *hw, const uint8_t *img, uint64_t img_bytes,
                         uint64_t insn_addr, uint64_t count, bool uops);

/* VTA's physical addresses are 32 bits: no DRAM image is larger. */
#define VTA_MAX_IMAGE_BYTES (1ull << 32)
/* A raw DRAM image file (malloc'd, caller frees): "PATH: cannot open: ...",
 * "PATH: empty image", "PATH: N bytes, larger than the 4 GiB a VTA image can address"
 * (checked before reading a regular file; other files stop reading at the cap). */
uint8_t *vta_image_read(const char *path, uint64_t *bytes, status *st);

#endif
