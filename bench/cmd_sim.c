/* cmd_sim: `embedsyn sim` runs a VTA program on the cycle-level simulator (vta/sim),
 * either a bundle directory or a raw DRAM image with an instruction address and count,
 * and prints the report (text or one JSON object). `embedsyn sim --bench` builds a
 * synthetic GEMM-heavy program and measures the simulator itself (GMAC/s in functional
 * mode, simulated cycles/s in timing-only mode).
 * Invariant: exit status 0 = simulation ok, 1 = the simulation reported an error (the
 * report is still printed, with the error), 2 = bad input or usage. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/cli.h"
#include "bench/commands.h"
#include "core/text.h"
#include "vta/isa.h"
#include "vta/prog.h"
#include "vta/sim.h"

static const char sim_help[] =
    "usage: embedsyn sim BUNDLE_DIR [--model M] [--max-cycles N] [--timing-only] [--strict]\n"
    "                    [--trace FILE] [--json] [-o OUT.bin]\n"
    "       embedsyn sim --dram IMAGE.bin --insn-addr ADDR --insn-count N [--hw FILE] [--model M]\n"
    "                    [--max-cycles N] [--timing-only] [--strict] [--trace FILE] [--json] [-o OUT.bin]\n"
    "       embedsyn sim --bench [--hw FILE] [--json]\n\n"
    "Runs a VTA program on the cycle-level simulator: fetch, load, compute and store\n"
    "modules run concurrently, synchronized by the dependency-token queues; the timing\n"
    "constants come from the hardware config (see vta/sim.c for the model). Prints total\n"
    "cycles, per-module busy/stall cycles, and TVM's counters (inp/wgt/acc/uop_load_nbytes,\n"
    "out_store_nbytes, gemm_counter, alu_counter). Errors name the instruction index and\n"
    "field; leaving the portable subset (constructs on which TVM's functional simulator,\n"
    "the HLS design and the Chisel RTL disagree) is a warning naming the instruction and\n"
    "the implementations that differ (an error with --strict). Instructions after FINISH\n"
    "run, as in TVM's models (a portability warning).\n\n"
    "  BUNDLE_DIR        a program bundle (dram.bin, program.xml, listing.txt)\n"
    "  --dram IMAGE.bin  raw DRAM image (byte offset = physical address)\n"
    "  --insn-addr ADDR  byte address of the first instruction (decimal or 0x-hex)\n"
    "  --insn-count N    number of instructions\n"
    "  --hw FILE         hardware config for the raw form (default: TVM's default VTA)\n"
    "  --timing-only     no arithmetic (same cycles, DRAM not written)\n"
    "  --model M         what the data path computes outside the portable subset:\n"
    "                    portable (default; equals both others on portable programs),\n"
    "                    fsim (TVM's functional simulator: STORE from ACC, full SHR\n"
    "                    operand) or hls (the HLS design the FPGA is built from: WGT pads\n"
    "                    ignored, STORE from OUT, reset GEMM writes OUT, SHR by the low\n"
    "                    log_acc_width bits); timing is the same under every model\n"
    "  --max-cycles N    stop with an error (exit 1) at the instruction that would end\n"
    "                    after cycle N; default for functional runs 2^34 (17179869184),\n"
    "                    none with --timing-only\n"
    "  --strict          leaving the portable subset is an error\n"
    "  --trace FILE      one line per executed instruction: start end module #index insn\n"
    "  -o OUT.bin        write the final DRAM image\n"
    "  --json            one JSON object: {\"cycles\":..., counters, ..., \"status\":\"ok\"}\n"
    "  --bench           synthetic GEMM-heavy program: functional GMAC/s and timing-only\n"
    "                    simulated cycles/s (single core)\n"
    "IMAGE.bin is at most 4 GiB (VTA addresses are 32 bits).\n"
    "Exit status: 0 ok, 1 simulation error (the report is printed with it), 2 bad input\n"
    "or usage (unreadable or oversized image, instruction range outside the image,\n"
    "--insn-count 0).\n";

static bool write_file(const char *path, const uint8_t *data, uint64_t bytes, status *st) {
    FILE *f = fopen(path, "wb");
    if (!f)
        return status_fail(st, "%s: cannot create: %s", path, strerror(errno));
    bool ok = fwrite(data, 1, (size_t)bytes, f) == (size_t)bytes;
    ok = (fclose(f) == 0) && ok;
    return ok ? true : status_fail(st, "%s: write error", path);
}

static void print_report(const sim_report *r, const status *st, bool json) {
    if (json) {
        sim_report_json(stdout, r, st->failed ? st->msg : "ok");
        return;
    }
    static const char *const mods[4] = {"fetch", "load", "compute", "store"};
    printf("status: %s\n", st->failed ? st->msg : "ok");
    printf("cycles: %llu\ninsns: %llu\n", (unsigned long long)r->cycles, (unsigned long long)r->insns);
#define SIM_PRINT(c) printf("%s: %llu\n", #c, (unsigned long long)r->c);
    SIM_COUNTERS(SIM_PRINT)
#undef SIM_PRINT
    for (int m = 0; m < 4; m++)
        printf("%-8s busy %llu stall %llu\n", mods[m], (unsigned long long)r->busy[m],
               (unsigned long long)r->stall[m]);
    if (r->nwarnings)
        printf("warnings: %d (first: %s)\n", r->nwarnings, r->warning);
}

/* ---- --bench: a synthetic GEMM-heavy program ---- */

typedef struct bench_img {
    uint8_t *dram;
    uint64_t bytes, insn_addr, ninsn, cap;
    const hw_config *hw;
} bench_img;

static bool bench_add(bench_img *b, vta_insn in, status *st) {
    vta_word128 w;
    if (!vta_insn_encode(b->hw, &in, &w, st))
        return false;
    ES_ASSERT(b->ninsn < b->cap);
    vta_word128_store(w, b->dram + b->insn_addr + 16 * b->ninsn);
    b->ninsn++;
    return true;
}

/* Tiles of 256 input vectors x 16 weight blocks; per tile: LOAD INP, LOAD WGT, a reset
 * GEMM, `gemms` GEMMs of 16x16x16 micro-op iterations (1 Mi MACs each on the default
 * VTA), requantize (SHR, MAX, MIN) and STORE, tokens serializing load -> compute ->
 * store. Needs depths >= 256 INP/ACC rows, 16 WGT, 16 UOP. */
static bool bench_build(const hw_config *hw, int tiles, int gemms, bench_img *b, status *st) {
    int64_t ei = hw_elem_bytes(hw, HW_MEM_INP), ew = hw_elem_bytes(hw, HW_MEM_WGT);
    int64_t eo = hw_elem_bytes(hw, HW_MEM_OUT);
    if (hw_depth(hw, HW_MEM_INP) < 256 || hw_depth(hw, HW_MEM_ACC) < 256 || hw_depth(hw, HW_MEM_WGT) < 16 ||
        hw_depth(hw, HW_MEM_UOP) < 16)
        return status_fail(st, "--bench needs buffers of at least 256 INP/ACC, 16 WGT and 16 UOP rows");
    uint64_t uop_addr = 4096, inp_addr = 8192;
    uint64_t wgt_addr = inp_addr + (uint64_t)(256 * ei);
    wgt_addr = (wgt_addr + (uint64_t)ew - 1) / (uint64_t)ew * (uint64_t)ew;
    uint64_t out_addr = wgt_addr + (uint64_t)(16 * ew);
    out_addr = (out_addr + (uint64_t)eo - 1) / (uint64_t)eo * (uint64_t)eo;
    b->cap = (uint64_t)tiles * (uint64_t)(gemms + 8) + 4;
    b->insn_addr = out_addr + (uint64_t)(256 * eo);
    b->insn_addr = (b->insn_addr + 15) / 16 * 16;
    b->bytes = b->insn_addr + 16 * b->cap;
    b->dram = calloc((size_t)b->bytes, 1);
    b->ninsn = 0;
    b->hw = hw;
    if (!b->dram)
        return status_fail(st, "out of memory");
    uint32_t seed = 12345;
    for (uint64_t a = inp_addr; a < out_addr; a++) {
        seed = seed * 1103515245u + 12345u;
        b->dram[a] = (uint8_t)(seed >> 16);
    }
    for (uint32_t u = 0; u < 16; u++) {
        vta_uop uo = {u, u, 0};
        uint32_t w;
        if (!vta_uop_encode(hw, &uo, &w, st))
            return false;
        memcpy(b->dram + uop_addr + 4 * u, &w, 4);
    }
    vta_insn in = vta_load(HW_MEM_UOP, 0, (uint32_t)(uop_addr / 4), 1, 16, 16);
    if (!bench_add(b, in, st))
        return false;
    for (int t = 0; t < tiles; t++) {
        in = vta_load(HW_MEM_INP, 0, (uint32_t)(inp_addr / (uint64_t)ei), 1, 256, 256);
        in.pop_next = t > 0;
        if (!bench_add(b, in, st))
            return false;
        in = vta_load(HW_MEM_WGT, 0, (uint32_t)(wgt_addr / (uint64_t)ew), 1, 16, 16);
        in.push_next = true;
        if (!bench_add(b, in, st))
            return false;
        /* acc rows u + 16 i; inp rows u + 16 i; wgt rows j */
        in = vta_gemm(true, 0, 16, 16, 1);
        in.dst_factor_out = 16;
        in.pop_prev = true;
        in.pop_next = t > 0;
        if (!bench_add(b, in, st))
            return false;
        for (int g = 0; g < gemms; g++) {
            in = vta_gemm(false, 0, 16, 16, 16);
            in.dst_factor_out = 16;
            in.src_factor_out = 16;
            in.wgt_factor_in = 1;
            if (!bench_add(b, in, st))
                return false;
        }
        static const uint32_t ops[3] = {VTA_ALU_SHR, VTA_ALU_MAX, VTA_ALU_MIN};
        static const int32_t imms[3] = {8, -128, 127};
        for (int k = 0; k < 3; k++) {
            in = vta_alu(ops[k], 0, 16, 16, 1, true, imms[k]);
            in.dst_factor_out = 16;
            in.src_factor_out = 16;
            in.push_prev = k == 2 && t + 1 < tiles;
            in.push_next = k == 2;
            if (!bench_add(b, in, st))
                return false;
        }
        in = vta_store(0, (uint32_t)(out_addr / (uint64_t)eo), 1, 256, 256);
        in.pop_prev = true;
        in.push_prev = true;
        if (!bench_add(b, in, st))
            return false;
    }
    in = vta_finish();
    in.pop_next = true;
    return bench_add(b, in, st);
}

/* CPU time of this thread: the machine may be shared, and the figure is meant to
 * measure the simulator, not the load of its neighbours. */
static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Runs the program repeatedly for at least min_s seconds; returns seconds per run. */
static double bench_time(const hw_config *hw, bench_img *b, bool timing_only, double min_s, sim_report *r,
                         status *st) {
    sim_options o = {.timing_only = timing_only};
    int runs = 0;
    double t0 = now_s(), t;
    do {
        if (!sim_run(hw, b->dram, b->bytes, b->insn_addr, b->ninsn, &o, r, st))
            return -1;
        runs++;
        t = now_s() - t0;
    } while (t < min_s);
    return t / runs;
}

static int run_bench(const hw_config *hw, bool json) {
    status st;
    status_init(&st);
    bench_img b;
    memset(&b, 0, sizeof b);
    if (!bench_build(hw, 64, 4, &b, &st)) {
        free(b.dram);
        return cli_fail("sim", &st);
    }
    sim_report rf, rt;
    double sf = bench_time(hw, &b, false, 0.3, &rf, &st);
    double stt = sf < 0 ? -1 : bench_time(hw, &b, true, 0.3, &rt, &st);
    free(b.dram);
    if (sf < 0 || stt < 0) {
        fprintf(stderr, "embedsyn sim: bench program failed: %s\n", st.msg);
        return 1;
    }
    double macs = (double)rf.gemm_counter * (double)(hw_batch(hw) * hw_block_in(hw) * hw_block_out(hw));
    double gmacs = macs / sf / 1e9, cps = (double)rt.cycles / stt;
    if (json)
        printf("{\"bench\":\"sim\",\"insns\":%llu,\"cycles\":%llu,\"gemm_counter\":%llu,\"macs\":%.0f,"
               "\"functional_s\":%.6f,\"functional_gmacs\":%.3f,\"timing_only_s\":%.6f,"
               "\"timing_only_cycles_per_s\":%.4g}\n",
               (unsigned long long)rf.insns, (unsigned long long)rf.cycles,
               (unsigned long long)rf.gemm_counter, macs, sf, gmacs, stt, cps);
    else
        printf("sim bench: %llu instructions, %llu cycles, %.3g MACs\n"
               "  functional:  %.4f s/run  %.2f GMAC/s (thread CPU time)\n"
               "  timing-only: %.6f s/run  %.3g simulated cycles/s (thread CPU time)\n",
               (unsigned long long)rf.insns, (unsigned long long)rf.cycles, macs, sf, gmacs, stt, cps);
    return 0;
}

int cmd_sim(int argc, char **argv) {
    if (cli_help(argc, argv, sim_help, NULL))
        return 0;
    cli_opts co;
    cli_opts_init(&co);
    sim_options opt = {.timing_only = false};
    const char *bundle = NULL, *dram_path = NULL, *out_path = NULL, *trace_path = NULL;
    uint64_t insn_addr = 0, insn_count = 0;
    bool have_addr = false, have_count = false, bench = false, have_hw = false;
    for (int i = 1; i < argc;) {
        const char *a = argv[i];
        status st;
        status_init(&st);
        bool was_hw = !strncmp(a, "--hw", 4);
        int r = cli_take_common(&co, argc, argv, &i, &st);
        if (r < 0)
            return cli_fail("sim", &st);
        if (r > 0) {
            if (co.have_op)
                return cli_usage_error("sim", "operator options are not used by sim");
            have_hw = have_hw || was_hw;
            continue;
        }
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--timing-only")) {
            opt.timing_only = true;
        } else if (!strcmp(a, "--strict")) {
            opt.strict = true;
        } else if (!strcmp(a, "--bench")) {
            bench = true;
        } else if (!strcmp(a, "--trace") || !strcmp(a, "-o") || !strcmp(a, "--dram") ||
                   !strcmp(a, "--insn-addr") || !strcmp(a, "--insn-count") || !strcmp(a, "--model") ||
                   !strcmp(a, "--max-cycles")) {
            if (!val)
                return cli_usage_error("sim", "option %s needs a value", a);
            if (!strcmp(a, "--model") && !sim_model_parse(val, &opt.model))
                return cli_usage_error("sim", "--model: '%s' is not portable, fsim or hls", val);
            else if (!strcmp(a, "--max-cycles") && (!cli_parse_u64(val, &opt.max_cycles) || opt.max_cycles == 0))
                return cli_usage_error("sim", "--max-cycles: '%s' is not a positive number", val);
            else if (!strcmp(a, "--trace"))
                trace_path = val;
            else if (!strcmp(a, "-o"))
                out_path = val;
            else if (!strcmp(a, "--dram"))
                dram_path = val;
            else if (!strcmp(a, "--insn-addr") && !(have_addr = cli_parse_u64(val, &insn_addr)))
                return cli_usage_error("sim", "--insn-addr: '%s' is not a decimal or 0x-hex address", val);
            else if (!strcmp(a, "--insn-count") && !(have_count = cli_parse_u64(val, &insn_count)))
                return cli_usage_error("sim", "--insn-count: '%s' is not a number", val);
            i++;
        } else if (a[0] == '-') {
            return cli_usage_error("sim", "unknown option '%s' (see embedsyn sim --help)", a);
        } else if (!bundle) {
            bundle = a;
        } else {
            return cli_usage_error("sim", "more than one bundle directory ('%s', '%s')", bundle, a);
        }
        i++;
    }
    if (bench)
        return run_bench(&co.hw, co.json);
    if (bundle && (dram_path || have_addr || have_count))
        return cli_usage_error("sim", "give either BUNDLE_DIR or --dram/--insn-addr/--insn-count");
    if (bundle && have_hw)
        return cli_usage_error("sim", "--hw is for the raw form; a bundle carries its hardware config");
    if (!bundle && !(dram_path && have_addr && have_count))
        return cli_usage_error("sim", "need BUNDLE_DIR, or --dram, --insn-addr and --insn-count");

    status st;
    status_init(&st);
    vta_prog *prog = NULL;
    uint8_t *dram = NULL;
    uint64_t bytes = 0;
    const hw_config *hw = &co.hw;
    if (bundle) {
        prog = vta_bundle_read(bundle, &st);
        if (!prog)
            return cli_fail("sim", &st);
        dram = vta_prog_dram(prog, &bytes);
        insn_addr = vta_prog_insn_addr(prog);
        insn_count = vta_prog_insn_count(prog);
        hw = vta_prog_hw(prog);
    } else {
        dram = vta_image_read(dram_path, &bytes, &st);
        if (!dram)
            return cli_fail("sim", &st);
        /* bad arguments are usage errors (exit 2), not simulation errors */
        if (insn_count == 0 || insn_addr > bytes || insn_count > (bytes - insn_addr) / 16) {
            free(dram);
            if (insn_count == 0)
                return cli_usage_error("sim", "%s: --insn-count 0: no instruction to run", dram_path);
            return cli_usage_error("sim", "%s: %llu instructions at byte 0x%llx do not fit in the image of %llu bytes",
                                   dram_path, (unsigned long long)insn_count, (unsigned long long)insn_addr,
                                   (unsigned long long)bytes);
        }
    }
    FILE *trace = NULL;
    if (trace_path && !(trace = fopen(trace_path, "w"))) {
        status_fail(&st, "%s: cannot create: %s", trace_path, strerror(errno));
        int rc = cli_fail("sim", &st);
        if (prog)
            vta_prog_destroy(prog);
        else
            free(dram);
        return rc;
    }
    opt.trace = trace;
    sim_report rep;
    bool ok = sim_run(hw, dram, bytes, insn_addr, insn_count, &opt, &rep, &st);
    if (trace)
        fclose(trace);
    print_report(&rep, &st, co.json);
    if (!ok && !co.json)
        fprintf(stderr, "embedsyn sim: %s\n", st.msg);
    if (ok && rep.nwarnings && !co.json)
        fprintf(stderr, "embedsyn sim: %d warning(s), first: %s\n", rep.nwarnings, rep.warning);
    int rc = ok ? 0 : 1;
    if (out_path) {
        status wst;
        status_init(&wst);
        if (!write_file(out_path, dram, bytes, &wst))
            rc = cli_fail("sim", &wst);
    }
    if (prog)
        vta_prog_destroy(prog);
    else
        free(dram);
    return rc;
}
