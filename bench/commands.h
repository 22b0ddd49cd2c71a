/* commands: the CLI's command table (X-macro). Each command NAME lives in
 * bench/cmd_NAME.c as `int cmd_NAME(int argc, char **argv)` (argv[0] = command name)
 * and returns the exit status: 0 ok, 1 a result failed (check, simulation error,
 * regression), 2 bad input or usage. X(c identifier, command word, one-line help) */
#ifndef EMBEDSYN_BENCH_COMMANDS_H
#define EMBEDSYN_BENCH_COMMANDS_H

#define CLI_COMMANDS(X) \
    X(spec, "spec", "check spec files or inline shapes, print the hardware config") \
    X(compile, "compile", "lower an embedding (or the reference strategy) to a VTA program bundle") \
    X(run, "run", "lower, simulate and check an embedding or the reference strategy") \
    X(sim, "sim", "run a VTA program (bundle or raw DRAM image) on the cycle simulator") \
    X(bench, "bench", "regression benchmark of suites (default: built-in DeepBench) vs the reference") \
    X(bench_merge, "bench-merge", "merge shard results of bench into one report") \
    X(disasm, "disasm", "disassemble a program bundle or a raw DRAM image") \
    X(solve, "solve", "synthesize the optimal embedding of an operator with Z3 (and prove it)") \
    X(layouts, "layouts", "list layout alternatives: Pareto front or every layout class") \
    X(cost, "cost", "analytical cost model of a mapping; --validate against the simulator") \
    X(dse, "dse", "hardware design-space exploration, embedding re-synthesized per design") \
    X(dse_merge, "dse-merge", "merge shard results of dse into one result") \
    X(net, "net", "compile, simulate and check a whole network (ONNX): layouts chosen jointly") \


#define CLI_DECL(id, word, help) int cmd_##id(int argc, char **argv);
CLI_COMMANDS(CLI_DECL)
#undef CLI_DECL

#endif
