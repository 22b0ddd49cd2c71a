/* libFuzzer target: the cycle simulator on raw DRAM images (first byte even: the rest is
 * the image, instructions at address 0) and on instruction streams (first byte odd: the
 * rest is appended at 64 KiB to a 64 KiB image of fixed pseudo-random operands).
 * Work budget: every input runs timing-only; the functional run only when the decoded
 * instructions move and compute at most SIM_FUZZ_WORK elements (a GEMM over 8191
 * micro-ops x 16383 x 16383 would otherwise run for hours). */
#include <stdlib.h>
#include <string.h>

#include "vta/isa.h"
#include "vta/sim.h"
#include "tests/fuzz/fuzz_util.h"

#define SIM_FUZZ_BASE 65536u
#define SIM_FUZZ_MAX_INSNS 512u
#define SIM_FUZZ_WORK 2000000.0

/* Elements moved or computed by the instructions (an over-estimate is fine). */
static double work_of(const hw_config *hw, const uint8_t *img, uint64_t addr, uint64_t n) {
    double w = 0;
    for (uint64_t i = 0; i < n; i++) {
        vta_insn in;
        status st;
        status_init(&st);
        if (!vta_insn_decode(hw, vta_word128_load(img + addr + 16 * i), &in, &st))
            continue;
        if (in.opcode == VTA_OP_LOAD || in.opcode == VTA_OP_STORE)
            w += ((double)in.y_size + in.y_pad_0 + in.y_pad_1) *
                 ((double)in.x_size + in.x_pad_0 + in.x_pad_1) * 256.0;
        else if (in.opcode == VTA_OP_GEMM || in.opcode == VTA_OP_ALU)
            w += ((double)in.uop_end - in.uop_bgn + 1) * in.iter_out * in.iter_in * 256.0;
    }
    return w;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1)
        return 0;
    hw_config hw = hw_default();
    bool stream = data[0] & 1;
    data++;
    size--;
    uint64_t base = stream ? SIM_FUZZ_BASE : 0;
    uint64_t bytes = base + size;
    uint8_t *img = malloc(bytes ? bytes : 1);
    if (!img)
        abort();
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (uint64_t i = 0; i < base; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        img[i] = (uint8_t)x;
    }
    if (size)
        memcpy(img + base, data, size);
    uint64_t n = size / 16 < SIM_FUZZ_MAX_INSNS ? size / 16 : SIM_FUZZ_MAX_INSNS;
    uint8_t *copy = malloc(bytes ? bytes : 1);
    if (!copy)
        abort();
    memcpy(copy, img, bytes);
    sim_options opt = {.timing_only = true};
    sim_report rep;
    status st;
    status_init(&st);
    (void)sim_run(&hw, img, bytes, base, n, &opt, &rep, &st);
    if (work_of(&hw, copy, base, n) <= SIM_FUZZ_WORK) {
        opt.timing_only = false;
        status_init(&st);
        (void)sim_run(&hw, copy, bytes, base, n, &opt, &rep, &st);
    }
    free(copy);
    free(img);
    return 0;
}
