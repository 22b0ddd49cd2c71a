/* embedsyn CLI entry: dispatches to the commands of bench/commands.h. The pipeline
 * itself is listed in one driver (bench/driver.c). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "embedsyn.h"
#include "bench/cli.h"
#include "bench/commands.h"

static void usage(FILE *f) {
    fprintf(f,
            "usage: embedsyn <command> [options]   (embedsyn <command> --help for details)\n\n"
            "Synthesizes embeddings of DNN operators into VTA's GEMM instruction with Z3,\n"
            "lowers them to VTA programs and simulates them.\n\ncommands:\n");
#define CLI_HELP(id, word, help) fprintf(f, "  %-12s %s\n", word, help);
    CLI_COMMANDS(CLI_HELP)
#undef CLI_HELP
    fprintf(f, "\n  --version    version, git revision and Z3 version\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        printf("embedsyn %s\n", embedsyn_version());
        return 0;
    }
    cli_signals_install();
    /* bench has its own progress and --quiet; the other commands get the solver's
     * progress lines (cli_progress_*) unless --quiet, which is taken out here. */
    bool own = !strcmp(argv[1], "bench") || !strcmp(argv[1], "bench-merge");
    bool quiet = false;
    if (!own) {
        int k = 1;
        for (int i = 1; i < argc; i++) {
            if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q"))
                quiet = true;
            else
                argv[k++] = argv[i];
        }
        argc = k;
        argv[argc] = NULL;
        cli_progress_begin(argv[1], quiet);
    }
    /* A command stopped by SIGINT/SIGTERM has marked its outputs; it exits 128 + signal. */
#define CLI_RUN(id, word, help)                                 \
    if (!strcmp(argv[1], word)) {                               \
        int rc = cmd_##id(argc - 1, argv + 1);                  \
        cli_progress_end();                                     \
        return cli_interrupted() ? cli_interrupt_status() : rc; \
    }
    CLI_COMMANDS(CLI_RUN)
#undef CLI_RUN
    fprintf(stderr, "embedsyn: unknown command '%s' (see embedsyn --help)\n", argv[1]);
    return 2;
}
