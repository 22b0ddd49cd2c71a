/* cmd_spec: `embedsyn spec check` validates spec files (operator, suite, hardware, or
 * any other document with a built-in schema, chosen by the root element) and inline
 * shapes, printing the normalized operators; `embedsyn spec hw` prints the hardware
 * configuration. Invariant: every input is checked even after a failure, and the exit
 * status is 2 if any input was bad (the first error of each input on stderr). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cli.h"
#include "bench/commands.h"
#include "core/maestro.h"
#include "core/spec.h"

static const char spec_help[] =
    "usage: embedsyn spec check (FILE... | --conv SHAPE | --gemm SHAPE | --op FILE)... [--hw FILE] [--json|--xml]\n"
    "       embedsyn spec hw [--hw FILE] [--json]\n\n"
    "check: validates each input against its built-in schema (picked by the root element:\n"
    "<operator>, <suite>, <hardware>, ...) and the operator rules, and prints the\n"
    "normalized operators (--json: one object per operator or hardware config).\n"
    "Errors read \"FILE:LINE: message\"; every input is checked, exit status 2 if any failed.\n"
    "hw: prints the hardware configuration (default VTA unless --hw).\n\n"
    "  --conv SHAPE    inline conv2d, e.g. N=1,C=3,H=224,W=224,K=64,R=7,S=7,stride=2,pad=3\n"
    "  --gemm SHAPE    inline GEMM, e.g. M=35,N=700,K=2048 (also batch, a_t, b_t)\n"
    "  --hw FILE       hardware configuration to check and print (spec hw: to print)\n"
    "  --json          JSON output, one object per line\n"
    "  --xml           normalized spec XML (every parameter explicit) instead of the dump\n";

static void print_hw(const hw_config *hw, bool json) {
    if (json) {
        cli_hw_json(stdout, hw);
        fputc('\n', stdout);
        return;
    }
    hw_print(stdout, hw);
#define PRINT_FIELD(f, a, d, doc) printf("  %-20s %8d   %s%s\n", a, (int)hw->f, doc, hw->f == d ? "" : " (changed)");
    HW_SHAPE_FIELDS(PRINT_FIELD)
    HW_TIMING_FIELDS(PRINT_FIELD)
#undef PRINT_FIELD
}

/* Output modes of spec check. */
typedef enum { OUT_TEXT, OUT_JSON, OUT_XML } out_mode;

static void print_op(const op *o, out_mode mode) {
    if (mode == OUT_XML) {
        spec_write_op(stdout, o, 0);
    } else if (mode == OUT_JSON) {
        op_json(stdout, o);
        fputc('\n', stdout);
    } else {
        op_dump(stdout, o);
    }
}

/* Checks one file; false after printing its first error. */
static bool check_file(const char *path, out_mode mode) {
    bool json = mode == OUT_JSON;
    status st;
    status_init(&st);
    if (maestro_is_path(path)) { /* a MAESTRO network: each layer an operator */
        char name[128];
        op *ops = NULL;
        int n = 0;
        if (!maestro_load(path, name, sizeof name, &ops, &n, &st))
            return cli_fail("spec", &st), false;
        if (mode == OUT_XML)
            spec_write_suite(stdout, name, ops, n);
        if (mode == OUT_TEXT)
            printf("MAESTRO network %s (%s): %d operators\n", name, path, n);
        for (int i = 0; mode != OUT_XML && i < n; i++)
            print_op(&ops[i], mode);
        free(ops);
        return true;
    }
    spec_doc *d = spec_doc_load(path, NULL, &st);
    if (!d)
        return cli_fail("spec", &st), false;
    char kind[32];
    snprintf(kind, sizeof kind, "%s", spec_node_name(spec_doc_root(d)));
    spec_doc_destroy(d);
    if (!strcmp(kind, "operator")) {
        op o;
        if (!spec_load_op(path, &o, &st))
            return cli_fail("spec", &st), false;
        print_op(&o, mode);
    } else if (!strcmp(kind, "suite")) {
        char name[128];
        op *ops = NULL;
        int n = 0;
        if (!spec_load_suite(path, name, sizeof name, &ops, &n, &st))
            return cli_fail("spec", &st), false;
        if (mode == OUT_XML)
            spec_write_suite(stdout, name, ops, n);
        if (mode == OUT_TEXT)
            printf("suite %s (%s): %d operators\n", name, path, n);
        for (int i = 0; mode != OUT_XML && i < n; i++)
            print_op(&ops[i], mode);
        free(ops);
    } else if (!strcmp(kind, "hardware")) {
        hw_config hw;
        if (!spec_load_hw(path, &hw, &st))
            return cli_fail("spec", &st), false;
        print_hw(&hw, json);
    } else if (json) {
        fputs("{\"file\":", stdout);
        cli_json_str(stdout, path);
        fputs(",\"kind\":", stdout);
        cli_json_str(stdout, kind);
        fputs(",\"valid\":true}\n", stdout);
    } else {
        printf("%s: valid %s document\n", path, kind);
    }
    return true;
}

static int spec_check(int argc, char **argv) {
    bool json = false, xml = false;
    const char *hw_path = NULL;
    int items = 0;
    /* Pass 1: flags that change how everything prints, and option syntax. */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--json")) {
            json = true;
        } else if (!strcmp(a, "--xml")) {
            xml = true;
        } else if (!strcmp(a, "--hw") || !strcmp(a, "--conv") || !strcmp(a, "--gemm") || !strcmp(a, "--op")) {
            if (i + 1 >= argc)
                return cli_usage_error("spec", "option %s needs a value", a);
            if (!strcmp(a, "--hw"))
                hw_path = argv[i + 1];
            else
                items++;
            i++;
        } else if (!strncmp(a, "--hw=", 5)) {
            hw_path = a + 5;
        } else if (!strncmp(a, "--conv=", 7) || !strncmp(a, "--gemm=", 7) || !strncmp(a, "--op=", 5)) {
            items++;
        } else if (a[0] == '-' && a[1] != '\0') {
            return cli_usage_error("spec", "unknown option '%s'", a);
        } else {
            items++;
        }
    }
    if (items == 0 && !hw_path)
        return cli_usage_error("spec", "spec check needs a FILE, --conv or --gemm");
    if (json && xml)
        return cli_usage_error("spec", "--json and --xml exclude each other");
    out_mode mode = json ? OUT_JSON : xml ? OUT_XML : OUT_TEXT;
    bool failed = false;
    if (hw_path) {
        status st;
        status_init(&st);
        hw_config hw;
        if (!spec_load_hw(hw_path, &hw, &st))
            failed = cli_fail("spec", &st) != 0;
        else
            print_hw(&hw, json);
    }
    /* Pass 2: the inputs, in order. */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *conv = NULL, *gemm = NULL, *file = NULL;
        if (!strcmp(a, "--json") || !strcmp(a, "--xml"))
            continue;
        if (!strcmp(a, "--hw")) {
            i++;
            continue;
        }
        if (!strncmp(a, "--hw=", 5))
            continue;
        if (!strcmp(a, "--conv"))
            conv = argv[++i];
        else if (!strncmp(a, "--conv=", 7))
            conv = a + 7;
        else if (!strcmp(a, "--gemm"))
            gemm = argv[++i];
        else if (!strncmp(a, "--gemm=", 7))
            gemm = a + 7;
        else if (!strcmp(a, "--op"))
            file = argv[++i];
        else if (!strncmp(a, "--op=", 5))
            file = a + 5;
        else
            file = a;
        if (file) {
            if (!check_file(file, mode))
                failed = true;
            continue;
        }
        status st;
        status_init(&st);
        op o;
        bool ok = conv ? spec_parse_conv(conv, "--conv", &o, &st) : spec_parse_gemm(gemm, "--gemm", &o, &st);
        if (!ok) {
            cli_fail("spec", &st);
            failed = true;
        } else {
            print_op(&o, mode);
        }
    }
    return failed ? 2 : 0;
}

static int spec_hw(int argc, char **argv) {
    cli_opts c;
    cli_opts_init(&c);
    for (int i = 1; i < argc;) {
        status st;
        status_init(&st);
        int rc = cli_take_common(&c, argc, argv, &i, &st);
        if (rc < 0)
            return cli_fail("spec", &st);
        if (rc == 0)
            return cli_usage_error("spec", "unknown argument '%s' for spec hw", argv[i]);
    }
    print_hw(&c.hw, c.json);
    return 0;
}

int cmd_spec(int argc, char **argv) {
    if (cli_want_help(argc, argv)) {
        fputs(spec_help, stdout);
        return 0;
    }
    if (argc < 2)
        return cli_usage_error("spec", "missing subcommand (check or hw)");
    if (!strcmp(argv[1], "check"))
        return spec_check(argc - 1, argv + 1);
    if (!strcmp(argv[1], "hw"))
        return spec_hw(argc - 1, argv + 1);
    return cli_usage_error("spec", "unknown subcommand '%s' (check or hw)", argv[1]);
}
