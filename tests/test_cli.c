/* Tests of bench/cli: the shared option parser (cli_take_common) consumes exactly its
 * options with both "--opt VALUE" and "--opt=VALUE" forms, loads operators and hardware
 * through the spec loader, and reports bad values; JSON string escaping. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cli.h"
#include "bench/json.h"
#include <sys/wait.h>
#include <unistd.h>

#define SRC EMBEDSYN_SOURCE_DIR

Test(cli, take_common_consumes_its_options_only) {
    char *argv[] = {"cmd", "--json", "--conv", "C=3,H=8,W=8,K=4,R=3,S=3", "--other",
                    "--hw=" SRC "/tests/good/hw_custom.xml", "pos"};
    int argc = 7, i = 1;
    cli_opts c;
    cli_opts_init(&c);
    cr_expect_not(c.have_op);
    cr_expect_eq(c.hw.log_batch, hw_default().log_batch);
    status st;
    status_init(&st);
    cr_expect_eq(cli_take_common(&c, argc, argv, &i, &st), 1);
    cr_expect(c.json && i == 2);
    cr_expect_eq(cli_take_common(&c, argc, argv, &i, &st), 1);
    cr_expect(c.have_op && i == 4 && c.op.kind == OP_CONV2D && c.op.conv.oh == 6);
    cr_expect_eq(cli_take_common(&c, argc, argv, &i, &st), 0);
    cr_expect_eq(i, 4);
    i = 5;
    cr_expect_eq(cli_take_common(&c, argc, argv, &i, &st), 1, "%s", st.msg);
    cr_expect(i == 6 && c.hw.log_batch == 1 && !strcmp(c.hw.name, "vta-b2"));
    cr_expect_eq(cli_take_common(&c, argc, argv, &i, &st), 0);
    cr_expect(status_ok(&st));
}

Test(cli, take_common_errors) {
    cli_opts c;
    cli_opts_init(&c);
    status st;
    status_init(&st);
    char *a1[] = {"cmd", "--gemm"};
    int i = 1;
    cr_expect_eq(cli_take_common(&c, 2, a1, &i, &st), -1);
    cr_expect(strstr(st.msg, "--gemm needs a value"), "%s", st.msg);
    status_init(&st);
    char *a2[] = {"cmd", "--op=" SRC "/tests/good/op_gemm.xml", "--gemm", "M=1,N=1,K=1"};
    i = 1;
    cr_expect_eq(cli_take_common(&c, 4, a2, &i, &st), 1, "%s", st.msg);
    cr_expect(c.have_op && !strcmp(c.op.name, "fc"));
    cr_expect_eq(cli_take_common(&c, 4, a2, &i, &st), -1);
    cr_expect(strstr(st.msg, "more than one operator"), "%s", st.msg);
    status_init(&st);
    cli_opts_init(&c);
    char *a3[] = {"cmd", "--op", SRC "/tests/bad/op_zero_size.xml"};
    i = 1;
    cr_expect_eq(cli_take_common(&c, 3, a3, &i, &st), -1);
    cr_expect(strstr(st.msg, "op_zero_size.xml:5: attribute 'c'"), "%s", st.msg);
    cr_expect_not(c.have_op);
    char *a4[] = {"cmd", "--opt", "x"};
    i = 1;
    status_init(&st);
    cr_expect_eq(cli_take_common(&c, 3, a4, &i, &st), 0);
    char *a5[] = {"cmd", "x", "-h"};
    cr_expect(cli_want_help(3, a5));
    cr_expect_not(cli_want_help(2, a5));
}

Test(cli, json_string_escaping) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    text_json_str(f, "a\"b\\c\nd\te\x01");
    fclose(f);
    cr_expect_str_eq(buf, "\"a\\\"b\\\\c\\nd\\te\\u0001\"");
    free(buf);
}

Test(cli, parse_u64_decimal_and_hex_only) {
    uint64_t v = 0;
    cr_assert(cli_parse_u64("4096", &v));
    cr_assert_eq(v, 4096);
    cr_assert(cli_parse_u64("0x1000", &v));
    cr_assert_eq(v, 4096);
    cr_assert(cli_parse_u64("0XfF", &v));
    cr_assert_eq(v, 255);
    cr_assert(cli_parse_u64("18446744073709551615", &v));
    cr_assert_eq(v, UINT64_MAX);
    const char *bad[] = {"", "-1", "+1", " 1", "1 ", "0x", "0x-5", "0x 5", "12abc", "0x0x1",
                         "18446744073709551616", "1.5"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert_not(cli_parse_u64(bad[i], &v), "accepted '%s'", bad[i]);
    cr_assert_not(cli_parse_u64(NULL, &v));
}

/* ---- the CLI's small promises (issue: compile --json, summary, plurals, hints) ----- */

/* Runs a shell command; stdout (and stderr with 2>&1 in cmd) into out; exit status. */
static int sh(char *out, size_t len, const char *cmd) {
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t n = fread(out, 1, len - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(cli, compile_json_has_no_cycles_it_did_not_simulate) {
    char d[] = "/tmp/test_cli_XXXXXX", cmd[1024], out[8192];
    cr_assert_not_null(mkdtemp(d));
    /* -o into directories that do not exist yet: they are created */
    snprintf(cmd, sizeof cmd, "%s compile --conv C=3,H=8,W=8,K=16,R=3,S=3,pad=1 -o %s/new/dir/b --json",
             EMBEDSYN_CLI, d);
    cr_assert_eq(sh(out, sizeof out, cmd), 0, "%s", out);
    arena *a = arena_create();
    status st;
    status_init(&st);
    const json_value *v = json_parse(a, out, strlen(out), "compile", &st);
    cr_assert_not_null(v, "%s: %s", st.msg, out);
    const json_value *c = json_get(v, "cycles");
    cr_assert_not_null(c);
    cr_expect_eq(c->type, JSON_NULL, "%s", out);
    cr_expect_null(json_get(v, "gemm_counter"));
    cr_expect(json_get(v, "simulated") && !json_get(v, "simulated")->b);
    char prog[1200];
    snprintf(prog, sizeof prog, "%s/new/dir/b/program.xml", d);
    cr_expect_eq(access(prog, R_OK), 0, "bundle written into the new directories");
    arena_destroy(a);
    /* run does simulate: cycles is a positive number there */
    snprintf(cmd, sizeof cmd, "%s run --conv C=3,H=8,W=8,K=16,R=3,S=3,pad=1 --json", EMBEDSYN_CLI);
    cr_assert_eq(sh(out, sizeof out, cmd), 0, "%s", out);
    a = arena_create();
    v = json_parse(a, out, strlen(out), "run", &st);
    cr_assert_not_null(v, "%s", st.msg);
    cr_expect(json_get(v, "cycles")->type == JSON_NUM && json_get(v, "cycles")->num > 0);
    arena_destroy(a);
    snprintf(cmd, sizeof cmd, "rm -rf %s", d);
    cr_expect_eq(system(cmd), 0);
}

Test(cli, bench_summary_names_the_baseline_and_counts_in_singular) {
    char d[] = "/tmp/test_cli_XXXXXX", cmd[1024], out[16384];
    cr_assert_not_null(mkdtemp(d));
    snprintf(cmd, sizeof cmd,
             "%s bench %s/bench/suites/ci.xml --evaluator fake --limit 1 --jobs 1 --out %s/o 2>&1",
             EMBEDSYN_CLI, EMBEDSYN_SOURCE_DIR, d);
    cr_assert_eq(sh(out, sizeof out, cmd), 0, "%s", out);
    cr_expect(strstr(out, "1 layer from 1 suite on vta-default, 1 job\n"), "%s", out);
    cr_expect(strstr(out, "over 1 layer;") || strstr(out, "over 1 layer\n"), "%s", out);
    cr_expect(strstr(out, "over TVM's reference strategy"), "%s", out);
    cr_expect_null(strstr(out, "1 layers"), "%s", out);
    cr_expect_null(strstr(out, "1 jobs"), "%s", out);
    snprintf(cmd, sizeof cmd, "grep -c \"speedup measured against | TVM's reference strategy\" %s/o/report.md", d);
    cr_expect_eq(sh(out, sizeof out, cmd), 0, "%s", out);
    snprintf(cmd, sizeof cmd, "rm -rf %s", d);
    cr_expect_eq(system(cmd), 0);
}

Test(cli, unknown_option_hint_printed_once) {
    static const char *const cmds[] = {"solve", "layouts", "bench", "run", "sim", "spec check"};
    for (size_t k = 0; k < sizeof cmds / sizeof cmds[0]; k++) {
        char cmd[512], out[4096];
        snprintf(cmd, sizeof cmd, "%s %s --no-such-option 2>&1", EMBEDSYN_CLI, cmds[k]);
        cr_expect_eq(sh(out, sizeof out, cmd), 2, "%s: %s", cmds[k], out);
        const char *first = strstr(out, "--help");
        cr_expect_not_null(first, "%s: %s", cmds[k], out);
        if (first)
            cr_expect_null(strstr(first + 1, "--help"), "%s: hint twice: %s", cmds[k], out);
    }
}

Test(cli, solve_json_gemm_keys_are_m_n_k) {
    char cmd[512], out[8192];
    snprintf(cmd, sizeof cmd, "%s solve --gemm M=16,N=32,K=48 --json", EMBEDSYN_CLI);
    cr_assert_eq(sh(out, sizeof out, cmd), 0, "%s", out);
    cr_expect(strstr(out, "\"M\":16,\"N\":32,\"K\":48"), "%s", out);
    cr_expect_null(strstr(out, "Kdim"));
}

Test(cli, version_names_git_and_z3) {
    char cmd[512], out[1024];
    snprintf(cmd, sizeof cmd, "%s --version", EMBEDSYN_CLI);
    cr_assert_eq(sh(out, sizeof out, cmd), 0);
    cr_expect(!strncmp(out, "embedsyn ", 9) && strstr(out, "(git ") && strstr(out, ", Z3 "), "%s", out);
}
