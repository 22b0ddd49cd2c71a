/* cmd_compile: `embedsyn compile` lowers an embedding (or the reference strategy) to a
 * VTA program with seeded random operands and writes the bundle directory (dram.bin,
 * program.xml, listing.txt) without simulating it. Exit status 0, or 2 on bad input. */
#include <stdio.h>

#include "bench/cmd_lower.h"
#include "bench/commands.h"
#include "encoders/enc.h"

static const char compile_help[] =
    "usage: embedsyn compile (--op F | --conv SHAPE | --gemm SHAPE | --suite F) [--hw F]\n"
    "                        [--embedding F.xml | --strategy reference|solve|portfolio|im2col[:DIMS]]\n"
    "                        [--seed N]\n"
    "                        -o BUNDLE_DIR [--strict] [--sched-candidates K] [--objective O]\n"
    "                        [--input-layout L] [--json]\n\n"
    "Lowers the embedding (default: the reference strategy) to a VTA program, fills the\n"
    "operands with seeded random data and writes the bundle to BUNDLE_DIR; run it with any\n"
    "VTA runtime that takes a physical instruction address and count over dram.bin.\n\n"
    "  --suite F        every operator of a suite (a MAESTRO network F.m too): the\n"
    "                   bundles DIR/NAME, one result each\n"
    "                   (errors are results: {\"name\",\"error\"}; exit 1 if any failed)\n"
    "  --embedding F    embedding XML (format: core/schemas/embedding.xsd)\n"
    "  --strategy S     reference | solve (the optimal embedding from Z3) | portfolio (as\n"
    "                   `embedsyn bench`: the solver's optimum or, when as utilization-\n"
    "                   optimal and faster on the simulator, channel packing) | im2col\n"
    "                   (all reduction dims) | im2col:c,s (those dims)\n"
    "  --seed N         seed of the random operands (default 1)\n"
    "  -o DIR           bundle directory (created)\n"
    "  --strict         leaving VTA's portable subset is an error\n"
    "  --sched-candidates K  schedules simulated (timing only) to choose the program's\n"
    "                   from: default 6, 1 = the cost model's pick alone\n"
    INPUT_LAYOUT_HELP
    ENC_OBJECTIVE_HELP "\n";

int cmd_compile(int argc, char **argv) {
    bench_lower_args a;
    int rc = bench_lower_parse("compile", compile_help, argc, argv, false, &a);
    if (rc >= 0) return rc;
    a.d.no_sim = true;
    if (a.suite) return bench_lower_suite("compile", &a, false);
    driver_result r;
    status st;
    status_init(&st);
    if (!bench_lower_exec(&a, &r, &st)) return cli_fail("compile", &st);
    bench_lower_print(stdout, &a, &r, false);
    if (!a.c.json) printf("  bundle written to %s\n", a.out_dir);
    return 0;
}
