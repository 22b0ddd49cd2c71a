/* cli: option handling shared by the commands (--op/--conv/--gemm/--hw/--json, --help),
 * error printing with the CLI's exit statuses, and JSON helpers.
 * Invariant: a cli_opts has a checked hardware config (default or from --hw) and, when
 * have_op, an operator that passed the spec loader. */
#include "bench/cli.h"

#include "core/maestro.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/spec.h"
#include "core/text.h"

const char cli_common_help[] =
    "operator and hardware options:\n"
    "  --op FILE       operator from an XML file (<operator>, see README) or a one-layer\n"
    "                  MAESTRO file (FILE.m: CONV, DSCONV, GEMM or FC)\n"
    "  --conv SHAPE    inline conv2d, e.g. N=1,C=3,H=224,W=224,K=64,R=7,S=7,stride=2,pad=3\n"
    "                  (also stride_h stride_w pad_h pad_w dilation dilation_h dilation_w\n"
    "                  groups shift relu bias; N defaults to 1)\n"
    "  --gemm SHAPE    inline GEMM C[M,N] = A[M,K] * B[K,N], e.g. M=35,N=700,K=2048\n"
    "                  (also batch a_t b_t shift relu bias)\n"
    "  --hw FILE       hardware configuration (<hardware>); default: TVM's default VTA\n"
    "  --json          one JSON object per result on stdout\n";

void cli_opts_init(cli_opts *c) {
    memset(c, 0, sizeof *c);
    c->hw = hw_default();
}

/* Matches "--name VALUE" and "--name=VALUE"; *val is NULL when the option has no value. */
static bool match_opt(const char *name, int argc, char **argv, int *i, const char **val, bool *consumed_next) {
    const char *a = argv[*i];
    size_t n = strlen(name);
    *consumed_next = false;
    if (strncmp(a, name, n))
        return false;
    if (a[n] == '=') {
        *val = a + n + 1;
        return true;
    }
    if (a[n] != '\0')
        return false;
    *val = *i + 1 < argc ? argv[*i + 1] : NULL;
    *consumed_next = true;
    return true;
}

/* --op NET.m: a MAESTRO file with one layer. */
static bool load_maestro_op(const char *path, op *o, status *st) {
    char net[64];
    op *ops;
    int n;
    if (!maestro_load(path, net, sizeof net, &ops, &n, st)) return false;
    bool ok = n == 1 || status_fail(st, "%s: %d layers; --op takes a file with one layer (spec check lists them)",
                                    path, n);
    if (ok) *o = ops[0];
    free(ops);
    return ok;
}

int cli_take_common(cli_opts *c, int argc, char **argv, int *i, status *st) {
    const char *a = argv[*i];
    if (!strcmp(a, "--json")) {
        c->json = true;
        (*i)++;
        return 1;
    }
    static const char *const names[] = {"--op", "--conv", "--gemm", "--hw"};
    for (int k = 0; k < 4; k++) {
        const char *val = NULL;
        bool next = false;
        if (!match_opt(names[k], argc, argv, i, &val, &next))
            continue;
        if (!val || !*val) {
            status_fail(st, "option %s needs a value", names[k]);
            return -1;
        }
        *i += next ? 2 : 1;
        if (k == 3)
            return spec_load_hw(val, &c->hw, st) ? 1 : -1;
        if (c->have_op) {
            status_fail(st, "more than one operator given (%s %s)", names[k], val);
            return -1;
        }
        bool ok = k == 0 && maestro_is_path(val) ? load_maestro_op(val, &c->op, st)
                  : k == 0 ? spec_load_op(val, &c->op, st)
                  : k == 1 ? spec_parse_conv(val, "--conv", &c->op, st)
                           : spec_parse_gemm(val, "--gemm", &c->op, st);
        if (!ok)
            return -1;
        c->have_op = true;
        return 1;
    }
    return 0;
}

bool cli_want_help(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
            return true;
    return false;
}

int cli_fail(const char *cmd, const status *st) {
    fprintf(stderr, "embedsyn %s: %s\n", cmd, st->failed ? st->msg : "failed");
    return 2;
}

int cli_usage_error(const char *cmd, const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    fprintf(stderr, "embedsyn %s: %s (see embedsyn %s --help)\n", cmd, buf, cmd);
    return 2;
}

void cli_json_str(FILE *f, const char *s) { text_json_str(f, s); }

void cli_hw_json(FILE *f, const hw_config *hw) {
    fputs("{\"hardware\":", f);
    cli_json_str(f, hw->name);
#define CLI_HW_FIELD(fld, a, d, doc) fprintf(f, ",\"%s\":%d", a, (int)hw->fld);
    HW_SHAPE_FIELDS(CLI_HW_FIELD)
    HW_TIMING_FIELDS(CLI_HW_FIELD)
#undef CLI_HW_FIELD
    fprintf(f, ",\"batch\":%lld,\"block_in\":%lld,\"block_out\":%lld,\"bus_bytes\":%lld",
            (long long)hw_batch(hw), (long long)hw_block_in(hw), (long long)hw_block_out(hw),
            (long long)hw_bus_bytes(hw));
    fprintf(f, ",\"depth\":{\"uop\":%lld,\"wgt\":%lld,\"inp\":%lld,\"acc\":%lld,\"out\":%lld}}",
            (long long)hw_depth(hw, HW_MEM_UOP), (long long)hw_depth(hw, HW_MEM_WGT),
            (long long)hw_depth(hw, HW_MEM_INP), (long long)hw_depth(hw, HW_MEM_ACC),
            (long long)hw_depth(hw, HW_MEM_OUT));
}

bool cli_parse_u64(const char *s, uint64_t *out) {
    if (!s || !*s)
        return false;
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
            return false; /* strtoull would take a second prefix */
    }
    /* strtoull itself would skip blanks and accept a sign or a second prefix */
    if (!((*s >= '0' && *s <= '9') || (base == 16 && ((*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))))
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, base);
    if (errno || *end)
        return false;
    *out = (uint64_t)v;
    return true;
}
