/* Tests of bench/cli: the shared option parser (cli_take_common) consumes exactly its
 * options with both "--opt VALUE" and "--opt=VALUE" forms, loads operators and hardware
 * through the spec loader, and reports bad values; JSON string escaping. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cli.h"

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
    cli_json_str(f, "a\"b\\c\nd\te\x01");
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
