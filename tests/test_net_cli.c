/* Tests of `embedsyn net` as a command: --help, a built-in network checked bit for bit
 * (JSON parsed here), --out writes the report and the SVG, --suite writes a suite the
 * spec loader reads back with the network's distinct layers, and bad input (missing or
 * malformed model file, bad options) exits 2 with a message naming the file. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/json.h"
#include "core/arena.h"
#include "core/spec.h"

/* Runs `embedsyn net ARGS` (stderr too when err) with its output captured in a temporary
 * file read into out; returns the exit status. */
static int net_cmd(char *out, size_t len, const char *args, bool err) {
    char tmp[] = "/tmp/test_net_cli_out_XXXXXX", cmd[4096];
    int fd = mkstemp(tmp);
    cr_assert_geq(fd, 0);
    close(fd);
    snprintf(cmd, sizeof cmd, "%s net %s > %s %s", EMBEDSYN_CLI, args, tmp, err ? "2>&1" : "2>/dev/null");
    int rc = system(cmd);
    FILE *f = fopen(tmp, "r");
    cr_assert_not_null(f);
    size_t got = fread(out, 1, len - 1, f);
    out[got] = 0;
    fclose(f);
    unlink(tmp);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

Test(net_cli, help) {
    char out[16384];
    cr_assert_eq(net_cmd(out, sizeof out, "--help", false), 0);
    cr_assert(strstr(out, "--input-shape") && strstr(out, "--strategy"), "%s", out);
}

/* --one-program --check --json: the one program's figures in the JSON, parsed here;
 * the flow's per-layer runs are skipped, the check is the one program's. --bundle: the
 * one segment's bundle runs on `embedsyn sim` in the program's cycles. */
Test(net_cli, one_program_json) {
    char out[65536], d[] = "/tmp/test_net_cli_XXXXXX", args[512];
    status st;
    status_init(&st);
    cr_assert_not_null(mkdtemp(d));
    snprintf(args, sizeof args, "--builtin down --strategy reference --one-program --check --json --bundle %s/b", d);
    cr_assert_eq(net_cmd(out, sizeof out, args, false), 0, "%s", out);
    arena *a = arena_create();
    const json_value *v = json_parse(a, out, strlen(out), "net", &st), *c = v ? json_get(v, "check") : NULL;
    cr_assert(c && c->type == JSON_STR && !strcmp(c->str, "pass"), "%s: %s", st.msg, out);
    const json_value *p = json_get(v, "one_program"), *t = json_get(v, "totals");
    cr_assert(p && t, "%s", out);
    const char *keys[] = {"layers", "segments", "inputs_in_place", "inputs_stored", "host_relayouts", "cycles"};
    double n[6];
    for (int k = 0; k < 6; k++) {
        const json_value *x = json_get(p, keys[k]);
        cr_assert(x && x->type == JSON_NUM, "%s", keys[k]);
        n[k] = x->num;
    }
    cr_assert_float_eq(n[0], json_get(t, "vta_layers")->num, 1e-9);
    cr_assert_float_eq(n[2] + n[3] + n[4], n[0], 1e-9);
    cr_assert_float_eq(n[3], 1, 1e-9); /* the stride-2 1x1 conv's input, stored by its producer */
    cr_assert_gt(n[5], 0);
    cr_assert_float_eq(n[1], 1, 1e-9); /* the first conv on the host, then one segment */
    char cmd[1024], sim[4096];
    snprintf(cmd, sizeof cmd, "%s sim %s/b/segment-00 --strict --json", EMBEDSYN_CLI, d);
    FILE *f = popen(cmd, "r");
    cr_assert_not_null(f);
    size_t got = fread(sim, 1, sizeof sim - 1, f);
    sim[got] = 0;
    cr_assert_eq(pclose(f), 0, "%s", sim);
    const json_value *sv = json_parse(a, sim, strlen(sim), "sim", &st), *sc = sv ? json_get(sv, "cycles") : NULL;
    cr_assert(sc && sc->type == JSON_NUM, "%s: %s", st.msg, sim);
    cr_assert_float_eq(sc->num, n[5], 1e-9, "bundle %g cycles, program %g", sc->num, n[5]);
    arena_destroy(a);
    snprintf(cmd, sizeof cmd, "rm -rf %s", d);
    cr_assert_eq(system(cmd), 0);
}

Test(net_cli, builtin_checked_json_out_and_suite) {
    char d[] = "/tmp/test_net_cli_XXXXXX", cmd[2048], out[65536], path[1200];
    status st;
    status_init(&st);
    cr_assert_not_null(mkdtemp(d));
    snprintf(cmd, sizeof cmd, "--builtin tiny --placement all --check --alts 0 --jobs 2 --json --out %s/o --suite %s/s.xml", d, d);
    cr_assert_eq(net_cmd(out, sizeof out, cmd, false), 0, "%s", out);
    arena *a = arena_create();
    const json_value *v = json_parse(a, out, strlen(out), "net", &st), *c = v ? json_get(v, "check") : NULL;
    cr_assert(c && c->type == JSON_STR && !strcmp(c->str, "pass"), "%s: %s", st.msg, out);
    const json_value *t = json_get(v, "totals");
    cr_assert_not_null(t);
    const json_value *tc = json_get(t, "total_cycles"), *vc = json_get(t, "vta_cycles"), *xc = json_get(t, "transition_cycles");
    cr_assert(tc && vc && xc);
    cr_assert_float_eq(tc->num, vc->num + xc->num, 1e-6);
    /* the hardware floor: the sum of the VTA layers' floors, each below its cycles */
    const json_value *fc = json_get(t, "vta_floor_cycles"), *ls = json_get(v, "layers");
    cr_assert(fc && ls && ls->type == JSON_ARR);
    double fsum = 0;
    for (size_t i = 0; i < ls->len; i++) {
        const json_value *e = json_get(ls->items[i], "engine");
        if (!e || strcmp(e->str, "vta")) continue;
        const json_value *lf = json_get(ls->items[i], "floor_cycles"), *lc = json_get(ls->items[i], "cycles");
        cr_assert(lf && lc);
        cr_assert_gt(lf->num, 0);
        cr_assert_leq(lf->num, lc->num);
        fsum += lf->num;
    }
    cr_assert_gt(fsum, 0);
    cr_assert_float_eq(fc->num, fsum, 1e-6);
    arena_destroy(a);
    const char *files[] = {"o/report.md", "o/cycles.svg", "o/net.json"};
    for (int k = 0; k < 3; k++) {
        snprintf(path, sizeof path, "%s/%s", d, files[k]);
        cr_assert_eq(access(path, R_OK), 0, "%s", path);
    }
    /* the suite: four distinct VTA layers (conv, depthwise, 1x1 conv, dense) */
    snprintf(path, sizeof path, "%s/s.xml", d);
    char name[64];
    op *ops = NULL;
    int n = 0;
    status_init(&st);
    cr_assert(spec_load_suite(path, name, sizeof name, &ops, &n, &st), "%s", st.msg);
    cr_assert_eq(n, 4);
    free(ops);
    snprintf(cmd, sizeof cmd, "rm -rf %s", d);
    cr_assert_eq(system(cmd), 0);
}

Test(net_cli, bad_input_exit_2) {
    char cmd[2048], out[16384];
    struct {
        const char *args, *want;
    } cases[] = {
        {"/nonexistent/model.onnx", "/nonexistent/model.onnx"},
        {"--builtin nosuch", "nosuch"},
        {"--builtin tiny --strategy fastest", "--strategy"},
        {"--builtin tiny --placement everywhere", "--placement"},
        {"--builtin tiny --input-shape 1,x", "--input-shape"},
        {"--builtin tiny --check --timing-only", "--timing-only"},
        {"--builtin tiny --alts 99", "--alts"},
        {"--builtin tiny --jobs 0", "--jobs"},
        {"--builtin tiny -j 65", "--jobs"},
        {"", "MODEL.onnx"},
        {"--builtin tiny --no-such-option", "--no-such-option"},
        {"--builtin tiny --bundle /tmp/unused", "--one-program"},
        {"--builtin tiny --one-program --timing-only --bundle /tmp/unused", "--timing-only"},
        {"--builtin tiny --alts 0 --one-program --bundle /proc/no/such/dir", "/proc/no/such/dir"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        cr_assert_eq(net_cmd(out, sizeof out, cases[k].args, true), 2, "%s: %s", cases[k].args, out);
        cr_assert(strstr(out, cases[k].want), "%s: %s", cases[k].args, out);
    }
    /* a file that is not ONNX: exit 2 naming it */
    char d[] = "/tmp/test_net_cli_XXXXXX";
    cr_assert_not_null(mkdtemp(d));
    snprintf(cmd, sizeof cmd, "%s/bad.onnx", d);
    FILE *bad = fopen(cmd, "w");
    cr_assert_not_null(bad);
    fputs("not a model", bad);
    fclose(bad);
    cr_assert_eq(net_cmd(out, sizeof out, cmd, true), 2, "%s", out);
    cr_assert(strstr(out, "bad.onnx"), "%s", out);
    snprintf(cmd, sizeof cmd, "rm -rf %s", d);
    cr_assert_eq(system(cmd), 0);
}
