/* cmd_spec: `embedsyn spec check` validates spec files (operator, suite, hardware, or
 * any other document with a built-in schema, chosen by the root element) and inline
 * shapes, printing the normalized operators; `embedsyn spec hw` prints the hardware
 * configuration. Invariant: every input is checked even after a failure, and the exit
 * status is 2 if any input was bad (the first error of each input on stderr). */
#include <getopt.h>
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

/* The operators of a suite (or MAESTRO network) read from path, in the output mode;
 * frees ops. */
static void print_suite(const char *what, const char *name, const char *path, op *ops, int n, out_mode mode) {
    if (mode == OUT_XML)
        spec_write_suite(stdout, name, ops, n);
    if (mode == OUT_TEXT)
        printf("%s %s (%s): %d operator%s\n", what, name, path, n, n == 1 ? "" : "s");
    for (int i = 0; mode != OUT_XML && i < n; i++)
        print_op(&ops[i], mode);
    free(ops);
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
        print_suite("MAESTRO network", name, path, ops, n, mode);
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
        print_suite("suite", name, path, ops, n, mode);
    } else if (!strcmp(kind, "hardware")) {
        hw_config hw;
        if (!hw_load(path, &hw, &st))
            return cli_fail("spec", &st), false;
        print_hw(&hw, json);
    } else if (json) {
        fputs("{\"file\":", stdout);
        text_json_str(stdout, path);
        fputs(",\"kind\":", stdout);
        text_json_str(stdout, kind);
        fputs(",\"valid\":true}\n", stdout);
    } else {
        printf("%s: valid %s document\n", path, kind);
    }
    return true;
}

enum { OPT_XML = CLI_OPT_CMD };

/* spec check's option table: the operator and hardware options plus --xml; the inputs
 * (files and inline shapes) are checked in the order given. */
static const struct option check_options[] = {
    CLI_COMMON_LONGOPTS,
    {"xml", no_argument, NULL, OPT_XML},
    {NULL, 0, NULL, 0},
};

/* One input of spec check: a file (code 1, getopt's in-order non-option) or an inline
 * shape (CLI_OPT_CONV / CLI_OPT_GEMM). */
typedef struct check_item {
    int code;
    const char *v;
} check_item;

/* Checks one inline shape; false after printing its error. */
static bool check_shape(int code, const char *v, out_mode mode) {
    status st;
    status_init(&st);
    op o;
    bool ok = code == CLI_OPT_CONV ? spec_parse_conv(v, "--conv", &o, &st) : spec_parse_gemm(v, "--gemm", &o, &st);
    if (!ok) {
        cli_fail("spec", &st);
        return false;
    }
    print_op(&o, mode);
    return true;
}

static int spec_check(int argc, char **argv) {
    bool json = false, xml = false;
    const char *hw_path = NULL;
    check_item *items = malloc((size_t)argc * sizeof *items);
    if (!items)
        return cli_usage_error("spec", "out of memory");
    int nitems = 0, code;
    opterr = 0;
    optind = 0; /* glibc: a full re-initialization */
    /* "-": non-options come back in order as code 1 (files are inputs too). */
    while ((code = getopt_long(argc, argv, "-:h", check_options, NULL)) != -1) {
        if (code == '?' || code == ':') {
            free(items);
            return cli_getopt_error("spec", code, argc, argv);
        }
        if (code == 'h') /* --help is answered before parsing */
            continue;
        if (code == CLI_OPT_JSON)
            json = true;
        else if (code == OPT_XML)
            xml = true;
        else if (code == CLI_OPT_HW)
            hw_path = optarg;
        else /* a file (1 or --op) or an inline shape */
            items[nitems++] = (check_item){code == CLI_OPT_OP ? 1 : code, optarg};
    }
    int rc = 0;
    if (nitems == 0 && !hw_path)
        rc = cli_usage_error("spec", "spec check needs a FILE, --conv or --gemm");
    else if (json && xml)
        rc = cli_usage_error("spec", "--json and --xml exclude each other");
    if (rc) {
        free(items);
        return rc;
    }
    out_mode mode = json ? OUT_JSON : xml ? OUT_XML : OUT_TEXT;
    bool failed = false;
    if (hw_path) {
        status st;
        status_init(&st);
        hw_config hw;
        if (!hw_load(hw_path, &hw, &st))
            failed = cli_fail("spec", &st) != 0;
        else
            print_hw(&hw, json);
    }
    for (int k = 0; k < nitems; k++)
        if (!(items[k].code == 1 ? check_file(items[k].v, mode) : check_shape(items[k].code, items[k].v, mode)))
            failed = true;
    free(items);
    return failed ? 2 : 0;
}

static int spec_hw(int argc, char **argv) {
    static const struct option hw_options[] = {CLI_COMMON_LONGOPTS, {NULL, 0, NULL, 0}};
    cli_opts c;
    cli_opts_init(&c);
    int code;
    opterr = 0;
    optind = 0;
    while ((code = getopt_long(argc, argv, "-:h", hw_options, NULL)) != -1) {
        if (code == 1)
            return cli_usage_error("spec", "unknown argument '%s' for spec hw", optarg);
        if (code == '?' || code == ':')
            return cli_getopt_error("spec", code, argc, argv);
        status st;
        status_init(&st);
        if (cli_common_opt(&c, code, optarg, &st) < 0)
            return cli_fail("spec", &st);
    }
    print_hw(&c.hw, c.json);
    return 0;
}

int cmd_spec(int argc, char **argv) {
    if (cli_help(argc, argv, spec_help, NULL))
        return 0;
    if (argc < 2)
        return cli_usage_error("spec", "missing subcommand (check or hw)");
    if (!strcmp(argv[1], "check"))
        return spec_check(argc - 1, argv + 1);
    if (!strcmp(argv[1], "hw"))
        return spec_hw(argc - 1, argv + 1);
    return cli_usage_error("spec", "unknown subcommand '%s' (check or hw)", argv[1]);
}
