/* libFuzzer target: the program bundle reader (program.xml + dram.bin), the ISA decoder
 * and the disassembler. Input: program.xml, then optionally the line "--DRAM--" and the
 * bytes of dram.bin. The raw bytes are also decoded as instructions and micro-ops and
 * disassembled as an image on their own. */
#include <string.h>

#include "vta/isa.h"
#include "vta/prog.h"
#include "tests/fuzz/fuzz_util.h"

static const char sep[] = "\n--DRAM--\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static FILE *null;
    if (!null && !(null = fopen("/dev/null", "w")))
        abort();
    hw_config hw = hw_default();
    status st;
    /* Decoder and disassembler on the raw bytes. */
    for (size_t i = 0; i + 16 <= size && i < 16 * 256; i += 16) {
        vta_insn in;
        status_init(&st);
        (void)vta_insn_decode(&hw, vta_word128_load(data + i), &in, &st);
        uint32_t w;
        memcpy(&w, data + i, 4);
        (void)vta_uop_decode(&hw, w);
    }
    uint64_t count = size / 16 < 256 ? size / 16 : 256;
    (void)vta_disasm_image(null, &hw, data, size, 0, count, false);
    /* The bundle reader. */
    size_t xml = size;
    const uint8_t *dram = NULL;
    for (size_t i = 0; i + sizeof sep - 1 <= size; i++) {
        if (!memcmp(data + i, sep, sizeof sep - 1)) {
            xml = i;
            dram = data + i + sizeof sep - 1;
            break;
        }
    }
    fuzz_write("program.xml", data, xml);
    const char *d = fuzz_write("dram.bin", dram, dram ? (size_t)(data + size - dram) : 0);
    (void)d;
    status_init(&st);
    vta_prog *p = vta_bundle_read(fuzz_scratch(), &st);
    if (p) {
        uint64_t bytes = 0;
        const uint8_t *img = vta_prog_dram(p, &bytes);
        uint64_t n = vta_prog_insn_count(p);
        (void)vta_disasm_image(null, vta_prog_hw(p), img, bytes, vta_prog_insn_addr(p),
                               n < 4096 ? n : 4096, false);
        vta_prog_destroy(p);
    }
    return 0;
}
