/* prog_impl: the representation of vta_prog, shared by vta/prog.c (construction) and
 * vta/bundle.c (reading a bundle back) and nobody else; everyone else goes through
 * vta/prog.h.
 * Invariant: dram holds dram_bytes bytes (capacity dram_cap); every region lies inside
 * it at or after VTA_PROG_FIRST_ADDR, aligned to vta_prog_region_align(kind), and no
 * two regions overlap; when finalized, insn_region is the index of the "insn" region
 * and it holds the encoding of the ninsns instructions from its instruction insn_first
 * on (0 unless read from a bundle of a part of a stream, vta_bundle_write_range). */
#ifndef EMBEDSYN_VTA_PROG_IMPL_H
#define EMBEDSYN_VTA_PROG_IMPL_H

#include "vta/prog.h"

#define VTA_PROG_FIRST_ADDR 4096u          /* bytes 0..4095 of the image stay unused */
#define VTA_PROG_MAX_BYTES ((uint64_t)1 << 32) /* physical addresses are 32-bit */
#define VTA_PROG_INSN_NAME "insn"

struct vta_prog {
    hw_config hw;
    vta_region *regions;
    int nregions, cap_regions;
    uint8_t *dram;
    uint64_t dram_bytes, dram_cap;
    vta_insn *insns;
    int64_t ninsns, cap_insns;
    bool finalized;
    bool oom; /* an instruction was dropped for lack of memory: finalize fails */
    int insn_region; /* -1 until finalized */
    int64_t insn_first; /* the program's first instruction in that region */
};

/* Alignment of a region of this kind: max(64, element bytes). */
uint64_t vta_prog_region_align(const hw_config *hw, hw_mem kind);
/* Grow the image to `bytes` (zero-filled). False on allocation failure / > 4 GiB. */
bool vta_prog_grow(vta_prog *p, uint64_t bytes, status *st);
/* Append a region at an explicit address (bundle reading); checks name, sizes,
 * alignment, bounds against the current image and overlap. Returns index or -1. */
int vta_prog_place_region(vta_prog *p, const char *name, hw_mem kind, uint64_t addr,
                          uint64_t bytes, const char *shape, const char *layout, status *st);

#endif
