/* libFuzzer target: the cycle simulator on raw DRAM images (first byte even: the rest is
 * the image, instructions at address 0) and on instruction streams (first byte odd: the
 * rest is appended at 64 KiB to a 64 KiB image of fixed pseudo-random operands).
 * Every input runs timing-only and then functionally under the simulator's own work
 * budget (sim_options.max_cycles, small here so that each input takes milliseconds:
 * every unit of functional work costs at least one simulated cycle). */
#include <stdlib.h>
#include <string.h>

#include "vta/sim.h"
#include "tests/fuzz/fuzz_util.h"

#define SIM_FUZZ_BASE 65536u
#define SIM_FUZZ_MAX_INSNS 512u
#define SIM_FUZZ_MAX_CYCLES 200000u

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
    opt.timing_only = false;
    opt.max_cycles = SIM_FUZZ_MAX_CYCLES;
    status_init(&st);
    (void)sim_run(&hw, copy, bytes, base, n, &opt, &rep, &st);
    free(copy);
    free(img);
    return 0;
}
