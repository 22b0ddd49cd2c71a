/* cmd_cost: `embedsyn cost`: the analytical cost model of one mapping (embedding +
 * schedule), its validation against the simulator (--validate) and its speed (--bench).
 * Exit status: 0 ok, 1 a result failed, 2 bad input or usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cli.h"
#include "bench/cmd_cost.h"
#include "bench/commands.h"

static const char cost_help[] =
    "usage: embedsyn cost --validate [--top K] [--filter TEXT] [--hw F] [--json] SUITE.xml...\n\n"
    "  --validate       for every layer of the suites: the model's cycles next to the\n"
    "                   simulator's (timing only) for the reference strategy and for\n"
    "                   im2col / channel packing with the free schedule search (the K\n"
    "                   best schedules, default 1); per suite and program the median\n"
    "                   and maximum relative error\n\n";

int cmd_cost(int argc, char **argv) {
    if (cli_want_help(argc, argv)) {
        fputs(cost_help, stdout);
        fputs(cli_common_help, stdout);
        return 0;
    }
    cli_opts c;
    cli_opts_init(&c);
    bool validate = false;
    int top = 1;
    const char *filter = NULL;
    char **paths = calloc((size_t)argc, sizeof *paths);
    int npaths = 0;
    for (int i = 1; i < argc;) {
        status st;
        status_init(&st);
        int t = cli_take_common(&c, argc, argv, &i, &st);
        if (t < 0) {
            free(paths);
            return cli_fail("cost", &st);
        }
        if (t > 0) continue;
        const char *a = argv[i];
        if (!strcmp(a, "--validate")) {
            validate = true;
        } else if (!strcmp(a, "--top") && i + 1 < argc) {
            uint64_t v;
            if (!cli_parse_u64(argv[++i], &v) || v < 1 || v > 16) {
                free(paths);
                return cli_usage_error("cost", "--top needs a number in 1..16, got '%s'", argv[i]);
            }
            top = (int)v;
        } else if (!strcmp(a, "--filter") && i + 1 < argc) {
            filter = argv[++i];
        } else if (a[0] != '-') {
            paths[npaths++] = argv[i];
        } else {
            free(paths);
            return cli_usage_error("cost", "unknown option '%s'", a);
        }
        i++;
    }
    int rc;
    if (validate) {
        rc = npaths ? cost_validate_suites(paths, npaths, &c.hw, top, c.json, filter)
                    : cli_usage_error("cost", "--validate needs suite files");
    } else {
        rc = cli_usage_error("cost", "nothing to do");
    }
    free(paths);
    return rc;
}
