/* Tests of core/spec (XML loader, kind loaders, inline shapes, writer) and of the
 * `spec` CLI command. Expectations are independent of the code under test: the bad
 * corpus tests/bad/ carries its expected "LINE: message" in a leading comment (lines
 * counted by hand), good files are checked against hand-computed parameters, and the
 * built-in DeepBench suites against the shape tables' own derived output sizes and MAC
 * counts (the CSV tables in tests/data, computed independently of embedsyn). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/spec.h"
#include "vta/hw.h"

#define SRC EMBEDSYN_SOURCE_DIR

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap + 1);
    for (size_t got; (got = fread(b + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap)
            b = realloc(b, (cap *= 2) + 1);
    }
    fclose(f);
    b[n] = '\0';
    if (len)
        *len = n;
    return b;
}

/* ---------------------------------------------------------------- bad corpus */

/* Files that cannot carry an expect comment. */
static const struct {
    const char *file;
    long line;
    const char *msg;
} no_comment[] = {{"any_empty.xml", 0, "empty file"}};

/* Reads "<!-- expect: LINE: substring -->" from the start of the file. */
static bool read_expect(const char *path, const char *base, long *line, char *msg, size_t n) {
    for (size_t i = 0; i < sizeof no_comment / sizeof no_comment[0]; i++)
        if (!strcmp(base, no_comment[i].file)) {
            *line = no_comment[i].line;
            snprintf(msg, n, "%s", no_comment[i].msg);
            return true;
        }
    size_t len;
    char *b = slurp(path, &len);
    cr_assert(b, "cannot read %s", path);
    if (len > 1024)
        b[1024] = '\0';
    char *e = strstr(b, "<!-- expect: ");
    if (!e) {
        free(b);
        return false;
    }
    e += strlen("<!-- expect: ");
    char *end;
    *line = strtol(e, &end, 10);
    cr_assert(end != e && end[0] == ':' && end[1] == ' ', "%s: malformed expect comment", base);
    e = end + 2;
    char *close = strstr(e, " -->");
    cr_assert(close, "%s: unterminated expect comment", base);
    *close = '\0';
    snprintf(msg, n, "%s", e);
    free(b);
    return true;
}

/* Loads a bad file with the loader its name prefix selects; returns the status. */
static status load_bad(const char *path, const char *base) {
    status st;
    status_init(&st);
    bool ok;
    if (!strncmp(base, "op_", 3)) {
        op o;
        ok = spec_load_op(path, &o, &st);
    } else if (!strncmp(base, "suite_", 6)) {
        op *ops = NULL;
        int n = -1;
        char name[64];
        ok = spec_load_suite(path, name, sizeof name, &ops, &n, &st);
        if (!ok) {
            cr_expect_null(ops);
            cr_expect_eq(n, 0);
        }
        free(ops);
    } else if (!strncmp(base, "hw_", 3)) {
        hw_config hw = hw_default(), before = hw;
        ok = hw_load(path, &hw, &st);
        if (!ok)
            cr_expect(!memcmp(&hw, &before, sizeof hw), "%s: hw changed on failure", base);
    } else {
        cr_assert(!strncmp(base, "any_", 4), "%s: unknown corpus prefix", base);
        spec_doc *d = spec_doc_load(path, NULL, &st);
        ok = d != NULL;
        spec_doc_destroy(d);
    }
    cr_expect_not(ok, "%s: loaded although bad", base);
    cr_expect(ok || st.failed, "%s: failure without message", base);
    return st;
}

Test(spec_bad, every_file_fails_with_its_expected_location_and_message) {
    DIR *dir = opendir(SRC "/tests/bad");
    cr_assert(dir);
    int files = 0;
    for (struct dirent *de; (de = readdir(dir));) {
        const char *base = de->d_name;
        size_t bl = strlen(base);
        if (bl < 5 || strcmp(base + bl - 4, ".xml"))
            continue;
        char path[1024], msg[512];
        snprintf(path, sizeof path, "%s/tests/bad/%s", SRC, base);
        long line = -1;
        cr_assert(read_expect(path, base, &line, msg, sizeof msg), "%s: no expect comment", base);
        status st = load_bad(path, base);
        char prefix[1100];
        if (line > 0)
            snprintf(prefix, sizeof prefix, "%s:%ld: ", path, line);
        else
            snprintf(prefix, sizeof prefix, "%s: ", path);
        cr_expect(!strncmp(st.msg, prefix, strlen(prefix)), "%s: got '%s', want prefix '%s'", base, st.msg, prefix);
        cr_expect(strstr(st.msg + strlen(prefix) - 2, msg) != NULL, "%s: got '%s', want '%s'", base, st.msg, msg);
        files++;
    }
    closedir(dir);
    cr_expect_geq(files, 22, "only %d bad files", files);
}

Test(spec_bad, missing_file_and_directory) {
    status st;
    status_init(&st);
    op o;
    cr_assert_not(spec_load_op(SRC "/tests/bad/no_such_file.xml", &o, &st));
    cr_expect_str_eq(st.msg, SRC "/tests/bad/no_such_file.xml: cannot open: No such file or directory");
    status_init(&st);
    cr_assert_not(spec_load_op(SRC "/tests/bad", &o, &st));
    cr_expect(!strncmp(st.msg, SRC "/tests/bad: cannot ", strlen(SRC "/tests/bad: cannot ")), "%s", st.msg);
    status_init(&st);
    cr_assert_null(spec_doc_load(SRC "/tests/good/op_gemm.xml", "no_such_schema", &st));
    cr_expect(strstr(st.msg, "no built-in schema 'no_such_schema'"), "%s", st.msg);
}

/* Random byte soup never crashes and always yields a located message. */
Test(spec_bad, random_garbage_never_crashes) {
    char path[64];
    snprintf(path, sizeof path, "/tmp/embedsyn_spec_garbage_%d.xml", (int)getpid());
    uint64_t x = 0x9e3779b97f4a7c15u;
    static const char alphabet[] = "<>/=\"' \n\tabcdoperatorgemmconv2dmnk0123456789-&;!?[]";
    for (int round = 0; round < 200; round++) {
        FILE *f = fopen(path, "wb");
        cr_assert(f);
        int n = round * 7 % 300;
        if (round % 3 == 0)
            fputs("<operator name=\"a\"><gemm m=\"1\" n=\"2\" k=\"3\"/>", f);
        for (int i = 0; i < n; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            int c = round % 2 ? (int)(x % (sizeof alphabet - 1)) : -1;
            fputc(c >= 0 ? alphabet[c] : (int)(x & 0xff), f);
        }
        fclose(f);
        status st;
        status_init(&st);
        op o;
        if (!spec_load_op(path, &o, &st))
            cr_expect(!strncmp(st.msg, path, strlen(path)), "round %d: %s", round, st.msg);
    }
    unlink(path);
}

/* ---------------------------------------------------------------- good files */

static op load_op(const char *rel) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", SRC, rel);
    status st;
    status_init(&st);
    op o;
    memset(&o, 0, sizeof o);
    cr_assert(spec_load_op(path, &o, &st), "%s", st.msg);
    return o;
}

Test(spec_good, conv_parameters_and_derived_sizes) {
    op o = load_op("tests/good/op_conv.xml");
    cr_expect_eq(o.kind, OP_CONV2D);
    cr_expect_str_eq(o.name, "conv1");
    cr_expect_str_eq(o.tags, "Vision;inference_server");
    const op_conv *c = &o.conv;
    cr_expect(c->n == 1 && c->c == 3 && c->h == 224 && c->w == 224 && c->k == 64 && c->r == 7 && c->s == 7);
    cr_expect(c->stride_h == 2 && c->stride_w == 2 && c->pad_h == 3 && c->pad_w == 3);
    cr_expect(c->dil_h == 1 && c->dil_w == 1 && c->groups == 1);
    /* (224 + 6 - 7) / 2 + 1 = 112 */
    cr_expect_eq(c->oh, 112);
    cr_expect_eq(c->ow, 112);
    cr_expect_eq(op_macs(&o), (int64_t)64 * 112 * 112 * 3 * 7 * 7);
    cr_expect_eq(o.rq.shift, 6);
    cr_expect(o.rq.relu);
    cr_expect_geq(o.rq.clip_lo, 0);
    cr_expect_eq(o.rq.clip_hi, 127);
    cr_expect_not(o.rq.bias);
}

Test(spec_good, depthwise_dilated_gemm) {
    op d = load_op("tests/good/op_depthwise.xml");
    cr_expect_eq(d.kind, OP_DEPTHWISE);
    cr_expect(d.conv.c == 32 && d.conv.k == 64 && d.conv.groups == 32);
    cr_expect(d.conv.oh == 56 && d.conv.ow == 56); /* (112 + 2 - 3) / 2 + 1 */
    cr_expect_eq(op_macs(&d), (int64_t)64 * 56 * 56 * 1 * 3 * 3);

    op g = load_op("tests/good/op_dilated.xml");
    /* OH = (20 + 4 - 2*2 - 1) / 1 + 1 = 20; OW = (17 - 4*1 - 1) / 3 + 1 = 5 */
    cr_expect_eq(g.conv.oh, 20);
    cr_expect_eq(g.conv.ow, 5);
    cr_expect_eq(op_macs(&g), (int64_t)2 * 6 * 20 * 5 * (8 / 2) * 3 * 2);

    op m = load_op("tests/good/op_gemm.xml");
    cr_expect_eq(m.kind, OP_GEMM);
    cr_expect(m.gemm.m == 35 && m.gemm.n == 700 && m.gemm.k == 2048 && m.gemm.batch == 2);
    cr_expect(m.gemm.a_t && !m.gemm.b_t);
    cr_expect_eq(op_macs(&m), (int64_t)2 * 35 * 700 * 2048);
    cr_expect(m.rq.shift == 9 && m.rq.clip_lo == -100 && m.rq.clip_hi == 100 && m.rq.bias && !m.rq.relu);
}

Test(spec_good, affine_index_expressions) {
    op o = load_op("tests/good/op_affine.xml");
    cr_assert_eq(o.kind, OP_AFFINE);
    cr_assert_eq(o.ndims, 3);
    cr_expect_str_eq(o.dim_name[0], "i");
    cr_expect_str_eq(o.dim_name[2], "k");
    cr_expect(o.extent[0] == 4 && o.extent[1] == 3 && o.extent[2] == 2);
    const op_tensor *in = &o.t[OP_IN], *out = &o.t[OP_OUT], *wt = &o.t[OP_WT];
    cr_expect_str_eq(in->name, "B");
    cr_expect_eq(in->rank, 1);
    cr_expect_eq(in->shape[0], 6);
    /* "2*j + k - 1" */
    cr_expect(in->map[0][0] == 0 && in->map[0][1] == 2 && in->map[0][2] == 1 && in->off[0] == -1);
    cr_expect(out->rank == 2 && out->shape[0] == 4 && out->shape[1] == 3);
    cr_expect(out->map[0][0] == 1 && out->map[1][1] == 1 && out->map[0][1] == 0 && out->off[1] == 0);
    cr_expect(wt->map[1][2] == 1 && wt->map[1][0] == 0);
    cr_expect_eq(op_macs(&o), 24);
}

Test(spec_good, suite_and_hardware) {
    status st;
    status_init(&st);
    op *ops = NULL;
    int n = 0;
    char name[16];
    cr_assert(spec_load_suite(SRC "/tests/good/suite_mixed.xml", name, sizeof name, &ops, &n, &st), "%s", st.msg);
    cr_expect_str_eq(name, "mixed");
    cr_assert_eq(n, 4);
    cr_expect(ops[0].kind == OP_CONV2D && ops[1].kind == OP_GEMM && ops[2].kind == OP_DEPTHWISE &&
              ops[3].kind == OP_AFFINE);
    cr_expect(ops[0].conv.oh == 14 && ops[2].conv.oh == 12);
    cr_expect(ops[2].rq.relu);
    cr_expect_str_eq(ops[3].t[OP_IN].name, "In"); /* default tensor names */
    free(ops);

    hw_config hw;
    cr_assert(hw_load(SRC "/tests/good/hw_custom.xml", &hw, &st), "%s", st.msg);
    hw_config want = hw_default();
    strcpy(want.name, "vta-b2");
    want.log_batch = 1;
    want.log_acc_buff_size = 18;
    want.dram_latency = 64;
    want.gemm_startup = 0;
    cr_expect(!memcmp(&hw, &want, sizeof hw));
    cr_expect_eq(hw_batch(&hw), 2);
    cr_assert(hw_load(SRC "/tests/good/hw_empty.xml", &hw, &st), "%s", st.msg);
    want = hw_default();
    strcpy(want.name, "hw_empty"); /* unnamed: the file name */
    cr_expect(!memcmp(&hw, &want, sizeof hw));
}

Test(spec_good, tree_api) {
    status st;
    status_init(&st);
    spec_doc *d = spec_doc_load(SRC "/tests/good/suite_mixed.xml", "suite", &st);
    cr_assert(d, "%s", st.msg);
    const spec_node *r = spec_doc_root(d);
    cr_expect_str_eq(spec_node_name(r), "suite");
    cr_expect_eq(spec_node_line(r), 1);
    cr_expect_str_eq(spec_node_attr(r, "tags"), "test");
    cr_expect_null(spec_node_attr(r, "nope"));
    const spec_node *c = spec_node_first_child(r);
    cr_expect_eq(spec_node_line(c), 2);
    cr_expect_eq(spec_node_line(spec_node_next(c)), 3);
    cr_expect_str_eq(spec_node_text(c), "");
    const spec_node *g = spec_node_child(spec_node_next(c), "gemm");
    cr_assert(g);
    int64_t v;
    cr_expect(spec_attr_i64(d, g, "k", 0, 1, 5000, &v, &st) && v == 1216);
    cr_expect(spec_attr_i64(d, g, "absent", 77, 1, 5, &v, &st) && v == 77);
    cr_expect_not(spec_attr_i64(d, g, "k", 0, 1, 1000, &v, &st));
    cr_expect(strstr(st.msg, "suite_mixed.xml:3: attribute 'k' of <gemm> must be in [1, 1000], got 1216"), "%s",
              st.msg);
    spec_doc_destroy(d);
}

Test(spec_good, strict_integers) {
    int64_t v = 0;
    cr_expect(spec_parse_i64(" 42 ", &v) == 1 && v == 42);
    cr_expect(spec_parse_i64("+7", &v) == 1 && v == 7);
    cr_expect(spec_parse_i64("-9223372036854775808", &v) == 1 && v == INT64_MIN);
    cr_expect(spec_parse_i64("9223372036854775807", &v) == 1 && v == INT64_MAX);
    cr_expect_eq(spec_parse_i64("9223372036854775808", &v), -1);
    cr_expect_eq(spec_parse_i64("-9223372036854775809", &v), -1);
    cr_expect_eq(spec_parse_i64("", &v), 0);
    cr_expect_eq(spec_parse_i64("1e3", &v), 0);
    cr_expect_eq(spec_parse_i64("0x10", &v), 0);
    cr_expect_eq(spec_parse_i64("- 1", &v), 0);
    cr_expect_eq(spec_parse_i64("1 2", &v), 0);
}

/* ---------------------------------------------------------------- round trip */

static void expect_same_op(const op *a, const op *b, const char *what) {
    cr_expect_eq(a->kind, b->kind, "%s kind", what);
    cr_expect_str_eq(a->name, b->name, "%s name", what);
    cr_expect_str_eq(a->tags, b->tags, "%s tags", what);
    cr_assert_eq(a->ndims, b->ndims, "%s ndims", what);
    for (int d = 0; d < a->ndims; d++) {
        cr_expect_str_eq(a->dim_name[d], b->dim_name[d], "%s dim %d", what, d);
        cr_expect_eq(a->extent[d], b->extent[d], "%s extent %d", what, d);
    }
    for (int r = 0; r < 3; r++) {
        const op_tensor *x = &a->t[r], *y = &b->t[r];
        cr_expect_str_eq(x->name, y->name, "%s tensor %d", what, r);
        cr_assert_eq(x->rank, y->rank, "%s rank %d", what, r);
        for (int j = 0; j < x->rank; j++) {
            cr_expect_eq(x->shape[j], y->shape[j], "%s shape", what);
            cr_expect_eq(x->off[j], y->off[j], "%s off", what);
            for (int d = 0; d < a->ndims; d++)
                cr_expect_eq(x->map[j][d], y->map[j][d], "%s map", what);
        }
    }
    cr_expect(!memcmp(&a->rq, &b->rq, sizeof a->rq) || (a->rq.shift == b->rq.shift && a->rq.clip_lo == b->rq.clip_lo &&
                                                        a->rq.clip_hi == b->rq.clip_hi && a->rq.bias == b->rq.bias &&
                                                        a->rq.bias_axis == b->rq.bias_axis && a->rq.relu == b->rq.relu),
              "%s requant", what);
    if (a->kind == OP_CONV2D || a->kind == OP_DEPTHWISE)
        cr_expect(!memcmp(&a->conv, &b->conv, sizeof a->conv), "%s conv", what);
    if (a->kind == OP_GEMM)
        cr_expect(a->gemm.m == b->gemm.m && a->gemm.n == b->gemm.n && a->gemm.k == b->gemm.k &&
                      a->gemm.batch == b->gemm.batch && a->gemm.a_t == b->gemm.a_t && a->gemm.b_t == b->gemm.b_t,
                  "%s gemm", what);
}

static void round_trip(const op *o) {
    char path[64];
    snprintf(path, sizeof path, "/tmp/embedsyn_spec_rt_%d.xml", (int)getpid());
    FILE *f = fopen(path, "w");
    cr_assert(f);
    spec_write_op(f, o, 0);
    fclose(f);
    status st;
    status_init(&st);
    op back;
    cr_assert(spec_load_op(path, &back, &st), "%s: %s", o->name, st.msg);
    expect_same_op(o, &back, o->name);
    unlink(path);
}

Test(spec_good, files_round_trip_through_the_writer) {
    static const char *files[] = {"op_conv.xml", "op_depthwise.xml", "op_gemm.xml", "op_affine.xml",
                                  "op_dilated.xml"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char rel[128];
        snprintf(rel, sizeof rel, "tests/good/%s", files[i]);
        op o = load_op(rel);
        round_trip(&o);
        /* The dump and JSON of a loaded op are printable (no crash, non-empty). */
        char *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);
        op_dump(m, &o);
        op_json(m, &o);
        fclose(m);
        cr_expect_gt(len, 10);
        cr_expect(strstr(buf, o.name), "%s not in dump", o.name);
        free(buf);
    }
    status st;
    status_init(&st);
    op *ops;
    int n;
    cr_assert(spec_load_suite(SRC "/tests/good/suite_mixed.xml", NULL, 0, &ops, &n, &st), "%s", st.msg);
    for (int i = 0; i < n; i++)
        round_trip(&ops[i]);
    free(ops);
}

Test(spec_good, operator_and_suite_schemas_share_operator_types) {
    char *a = slurp(SRC "/core/schemas/operator.xsd", NULL), *b = slurp(SRC "/core/schemas/suite.xsd", NULL);
    cr_assert(a && b);
    const char *begin = "<!-- BEGIN operator types", *end = "<!-- END operator types -->";
    char *a0 = strstr(a, begin), *a1 = strstr(a, end), *b0 = strstr(b, begin), *b1 = strstr(b, end);
    cr_assert(a0 && a1 && b0 && b1);
    cr_expect_eq(a1 - a0, b1 - b0);
    cr_expect(a1 - a0 == b1 - b0 && !memcmp(a0, b0, (size_t)(a1 - a0)), "operator types differ");
    free(a);
    free(b);
}

/* ---------------------------------------------------------------- inline shapes */

Test(spec_inline, conv_equals_the_xml_form) {
    status st;
    status_init(&st);
    op a;
    cr_assert(spec_parse_conv("N=1,C=3,H=224,W=224,K=64,R=7,S=7,stride=2,pad=3,shift=6,relu", "--conv", &a, &st),
              "%s", st.msg);
    op b = load_op("tests/good/op_conv.xml");
    cr_expect(!memcmp(&a.conv, &b.conv, sizeof a.conv));
    cr_expect(a.rq.shift == 6 && a.rq.relu && a.rq.clip_lo == b.rq.clip_lo);
    cr_expect_eq(op_macs(&a), op_macs(&b));

    cr_assert(spec_parse_conv(" c=1, h=10 ,W=10,K=1,R=3,S=3,stride=2,stride_w=1", "--conv", &a, &st), "%s", st.msg);
    cr_expect(a.conv.stride_h == 2 && a.conv.stride_w == 1 && a.conv.n == 1);
    cr_expect(a.conv.oh == 4 && a.conv.ow == 8);
    cr_assert(spec_parse_conv("C=4,H=10,W=12,K=8,R=3,S=3,dilation=2,dilation_w=1,pad_w=1,groups=2", "--conv", &a, &st),
              "%s", st.msg);
    cr_expect(a.conv.dil_h == 2 && a.conv.dil_w == 1 && a.conv.pad_h == 0 && a.conv.pad_w == 1);
    cr_expect(a.conv.oh == 6 && a.conv.ow == 12 && a.conv.groups == 2);
}

Test(spec_inline, gemm) {
    status st;
    status_init(&st);
    op o;
    cr_assert(spec_parse_gemm("M=35,N=700,K=2048", "--gemm", &o, &st), "%s", st.msg);
    cr_expect(o.kind == OP_GEMM && o.gemm.m == 35 && o.gemm.n == 700 && o.gemm.k == 2048 && o.gemm.batch == 1);
    cr_expect(!o.gemm.a_t && !o.gemm.b_t);
    cr_expect_eq(op_macs(&o), (int64_t)35 * 700 * 2048);
    cr_assert(spec_parse_gemm("M=3,N=4,K=5,batch=3,a_t=1,b_t=true,bias=1", "--gemm", &o, &st), "%s", st.msg);
    cr_expect(o.gemm.batch == 3 && o.gemm.a_t && o.gemm.b_t && o.rq.bias);
    cr_expect_eq(op_macs(&o), 3 * 3 * 4 * 5);
}

Test(spec_inline, bad_shapes) {
    static const struct {
        bool conv;
        const char *text, *msg;
    } cases[] = {
        {true, "", "empty shape"},
        {true, "C=3,H=8,W=8,K=4,R=3", "missing S"},
        {true, "H=8,W=8,K=4,R=3,S=3", "missing C"},
        {true, "C=3,H=8,W=8,K=4,R=3,S=3,Q=1", "unknown key 'Q'"},
        {true, "C=3,H=8,W=8,K=4,R=3,S=3,c=4", "duplicate key 'c'"},
        {true, "C=x,H=8,W=8,K=4,R=3,S=3", "value of 'C' is not an integer: 'x'"},
        {true, "C=99999999999999999999,H=8,W=8,K=4,R=3,S=3", "(64-bit overflow)"},
        {true, "C=0,H=8,W=8,K=4,R=3,S=3", "value of 'C' must be in [1, 2147483647], got 0"},
        {true, "C=3,H=8,W=8,K=4,R=3,S=3,pad=-1", "value of 'pad' must be in [0,"},
        {true, "C=3,H=2,W=8,K=4,R=3,S=3", "output size must be >= 1"},
        {true, "C=3,H=8,W=8,K=4,R=3,S=3,stride=0", "value of 'stride' must be in [1,"},
        {true, "C=3,H=8,W=8,K=4,R=3,S=3,relu=maybe", "must be true/false"},
        {true, "C=3,H=8,W=8,K=4,R=3,S=3,,", "empty entry"},
        {true, "C=3,H=8,W=8,K=4,R=3,S=3,pad=", "missing value for 'pad'"},
        {true, "C=3,H=8,W=8,K=4,R=3,S=3,shift=16", "value of 'shift' must be in [0, 15]"},
        {true, "N=2147483647,C=2147483647,H=2147483647,W=2147483647,K=2147483647,R=1,S=1", "overflows int64"},
        {false, "M=1,N=2", "missing K"},
        {false, "M=1,N=2,K=3,a_t=2", "must be true/false"},
        {false, "M=1,N=2,K=3,batch=0", "value of 'batch' must be in [1,"},
        {false, "M=1;N=2,K=3", "value of 'M' is not an integer"},
        {false, "M=1,N=2,K=3,stride=1", "unknown key 'stride'"},
        {false, "M=2147483647,N=2147483647,K=2147483647,batch=2147483647", "overflows int64"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        status st;
        status_init(&st);
        op o;
        const char *src = cases[i].conv ? "--conv" : "--gemm";
        bool ok = cases[i].conv ? spec_parse_conv(cases[i].text, src, &o, &st)
                                : spec_parse_gemm(cases[i].text, src, &o, &st);
        cr_expect_not(ok, "'%s' accepted", cases[i].text);
        char prefix[16];
        snprintf(prefix, sizeof prefix, "%s: ", src);
        cr_expect(!strncmp(st.msg, prefix, strlen(prefix)), "'%s': %s", cases[i].text, st.msg);
        cr_expect(strstr(st.msg, cases[i].msg), "'%s': got '%s', want '%s'", cases[i].text, st.msg, cases[i].msg);
    }
}

/* ---------------------------------------------------------------- built-in suites */

/* Minimal CSV reader for the shape tables: quoted fields may hold commas. Returns the
 * number of fields of the next row, 0 at the end. */
static int csv_row(char **p, char fields[][160], int max) {
    if (!**p)
        return 0;
    int n = 0;
    for (;;) {
        char *out = fields[n];
        size_t k = 0;
        bool q = **p == '"';
        if (q)
            (*p)++;
        while (**p && (q ? !(**p == '"' && (*p)[1] != '"') : (**p != ',' && **p != '\n'))) {
            if (q && **p == '"')
                (*p)++;
            if (k < 159)
                out[k++] = **p;
            (*p)++;
        }
        if (q && **p == '"')
            (*p)++;
        out[k] = '\0';
        n++;
        if (**p == ',' && n < max) {
            (*p)++;
            continue;
        }
        while (**p && **p != '\n')
            (*p)++;
        if (**p == '\n')
            (*p)++;
        return n;
    }
}

static op *load_suite(const char *rel, int *n) {
    char path[1024], name[128];
    snprintf(path, sizeof path, "%s/bench/suites/%s", SRC, rel);
    status st;
    status_init(&st);
    op *ops = NULL;
    cr_assert(spec_load_suite(path, name, sizeof name, &ops, n, &st), "%s", st.msg);
    return ops;
}

Test(spec_suites, conv_suites_match_deepbench_table) {
    int ns, nd;
    op *server = load_suite("deepbench_server_conv.xml", &ns), *device = load_suite("deepbench_device_conv.xml", &nd);
    cr_assert_eq(ns, 107);
    cr_assert_eq(nd, 16);
    char *csv = slurp(SRC "/tests/data/deepbench_inference_conv.csv", NULL), *p = csv;
    cr_assert(csv);
    static char f[24][160];
    cr_assert_eq(csv_row(&p, f, 24), 19); /* header */
    int seen_s = 0, seen_d = 0, rows;
    while ((rows = csv_row(&p, f, 24)) > 0) {
        cr_assert_eq(rows, 19);
        bool is_s = !strcmp(f[0], "inference_server"), is_d = !strcmp(f[0], "inference_device");
        if (!is_s && !is_d)
            continue; /* the commented-out KWS row */
        op *o = is_s ? &server[seen_s++] : &device[seen_d++];
        /* set,index,W,H,C,N,K,S_filter_w,R_filter_h,pad_w,pad_h,stride_w,stride_h,source_app,
         * platform_xlsx,note,derived_out_w,derived_out_h,derived_macs */
        char name[32], tags[400];
        snprintf(name, sizeof name, "%s_conv_%03d", is_s ? "server" : "device", atoi(f[1]));
        snprintf(tags, sizeof tags, "%s;%s", f[13], f[0]);
        cr_expect_str_eq(o->name, name);
        cr_expect_str_eq(o->tags, tags);
        const op_conv *c = &o->conv;
        cr_expect(c->w == atoll(f[2]) && c->h == atoll(f[3]) && c->c == atoll(f[4]) && c->n == atoll(f[5]) &&
                      c->k == atoll(f[6]) && c->s == atoll(f[7]) && c->r == atoll(f[8]),
                  "%s shape", name);
        cr_expect(c->pad_w == atoll(f[9]) && c->pad_h == atoll(f[10]) && c->stride_w == atoll(f[11]) &&
                      c->stride_h == atoll(f[12]),
                  "%s window", name);
        cr_expect_eq(c->ow, atoll(f[16]), "%s out_w", name);
        cr_expect_eq(c->oh, atoll(f[17]), "%s out_h", name);
        cr_expect_eq(op_macs(o), atoll(f[18]), "%s macs", name);
    }
    cr_expect_eq(seen_s, 107);
    cr_expect_eq(seen_d, 16);
    free(csv);
    free(server);
    free(device);
}

Test(spec_suites, gemm_suites_match_deepbench_table) {
    int ns, nd;
    op *server = load_suite("deepbench_server_gemm.xml", &ns), *device = load_suite("deepbench_device_gemm.xml", &nd);
    cr_assert_eq(ns, 75);
    cr_assert_eq(nd, 13);
    char *csv = slurp(SRC "/tests/data/deepbench_inference_gemm.csv", NULL), *p = csv;
    cr_assert(csv);
    static char f[16][160];
    cr_assert_eq(csv_row(&p, f, 16), 11);
    int seen_s = 0, seen_d = 0, rows;
    while ((rows = csv_row(&p, f, 16)) > 0) {
        cr_assert_eq(rows, 11);
        bool is_s = !strcmp(f[0], "inference_server");
        cr_assert(is_s || !strcmp(f[0], "inference_device"));
        op *o = is_s ? &server[seen_s++] : &device[seen_d++];
        /* set,index,M,N,K,a_t,b_t,source_app,platform_xlsx,note,derived_flops_2MNK */
        char tags[400];
        snprintf(tags, sizeof tags, "%s;%s", f[7], f[0]);
        cr_expect_str_eq(o->tags, tags);
        cr_expect(o->gemm.m == atoll(f[2]) && o->gemm.n == atoll(f[3]) && o->gemm.k == atoll(f[4]) &&
                      o->gemm.batch == 1,
                  "%s shape", o->name);
        cr_expect_eq(o->gemm.a_t, !strcmp(f[5], "true"));
        cr_expect_eq(o->gemm.b_t, !strcmp(f[6], "true"));
        cr_expect_eq(2 * op_macs(o), atoll(f[10]), "%s flops", o->name);
    }
    cr_expect_eq(seen_s, 75);
    cr_expect_eq(seen_d, 13);
    free(csv);
    free(server);
    free(device);
}

Test(spec_suites, builtin_suites_round_trip) {
    static const char *suites[] = {"deepbench_server_conv.xml", "deepbench_device_conv.xml",
                                   "deepbench_server_gemm.xml", "deepbench_device_gemm.xml"};
    for (int s = 0; s < 4; s++) {
        int n;
        op *ops = load_suite(suites[s], &n);
        for (int i = 0; i < n; i += 7)
            round_trip(&ops[i]);
        free(ops);
    }
}

/* ---------------------------------------------------------------- CLI */

static int run(const char *args, char **out, char **err) {
    char cmd[4096], o[64], e[64];
    snprintf(o, sizeof o, "/tmp/embedsyn_spec_cli_%d.out", (int)getpid());
    snprintf(e, sizeof e, "/tmp/embedsyn_spec_cli_%d.err", (int)getpid());
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s >%s 2>%s", SRC, EMBEDSYN_CLI, args, o, e);
    int rc = system(cmd);
    cr_assert(rc != -1 && WIFEXITED(rc), "cannot run %s", cmd);
    *out = slurp(o, NULL);
    *err = slurp(e, NULL);
    unlink(o);
    unlink(e);
    return WEXITSTATUS(rc);
}

static int count_lines(const char *s) {
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

Test(spec_cli, builtin_suites_check_clean) {
    char *out, *err;
    cr_expect_eq(run("spec check bench/suites/*.xml", &out, &err), 0);
    cr_expect_str_eq(err, "");
    cr_expect(strstr(out, "deepbench-inference-server-conv") && strstr(out, "107 operators"), "%.300s", out);
    free(out);
    free(err);
    cr_expect_eq(run("spec check --json bench/suites/deepbench_device_gemm.xml", &out, &err), 0);
    cr_expect_eq(count_lines(out), 13);
    cr_expect_eq(out[0], '{');
    free(out);
    free(err);
}

Test(spec_cli, bad_file_exit_2_with_location_and_others_still_checked) {
    char *out, *err;
    cr_expect_eq(run("spec check tests/good/op_gemm.xml tests/bad/op_zero_size.xml tests/good/op_conv.xml", &out, &err),
                 2);
    cr_expect(strstr(err, "tests/bad/op_zero_size.xml:5: attribute 'c' of <conv2d> must be in [1, 2147483647], got 0"),
              "%s", err);
    cr_expect(strstr(out, "fc") && strstr(out, "conv1"), "both good files printed: %s", out);
    free(out);
    free(err);
    cr_expect_eq(run("spec check --conv C=3,H=2,W=8,K=4,R=3,S=3", &out, &err), 2);
    cr_expect(strstr(err, "--conv: output size must be >= 1"), "%s", err);
    free(out);
    free(err);
    cr_expect_eq(run("spec check --gemm M=35,N=700,K=2048 --conv N=1,C=3,H=224,W=224,K=64,R=7,S=7,stride=2,pad=3 --json",
                     &out, &err),
                 0);
    cr_expect_eq(count_lines(out), 2);
    free(out);
    free(err);
    cr_expect_eq(run("spec check --hw tests/bad/hw_batch.xml --gemm M=1,N=1,K=1", &out, &err), 2);
    cr_expect(strstr(err, "hw_batch.xml:3: log_batch"), "%s", err);
    free(out);
    free(err);
}

/* libxml2 never prints on its own: every stderr line of a run over the whole bad
 * corpus is one of our messages, one per bad file. */
Test(spec_cli, bad_corpus_stderr_is_only_our_messages) {
    char *out, *err;
    cr_expect_eq(run("spec check tests/bad/*.xml", &out, &err), 2);
    int files = 0;
    DIR *dir = opendir(SRC "/tests/bad");
    for (struct dirent *de; (de = readdir(dir));)
        files += strstr(de->d_name, ".xml") != NULL;
    closedir(dir);
    /* op_wrong_root.xml is a valid suite when the root picks the schema. */
    cr_expect_eq(count_lines(err), files - 1, "%s", err);
    for (char *l = err; *l; l = strchr(l, '\n') + 1) {
        cr_expect(!strncmp(l, "embedsyn spec: tests/bad/", 25), "foreign stderr line: %.120s", l);
        if (!strchr(l, '\n'))
            break;
    }
    free(out);
    free(err);
}

Test(spec_cli, hw_and_help) {
    char *out, *err;
    cr_expect_eq(run("spec hw --json", &out, &err), 0);
    cr_expect(strstr(out, "\"log_block_in\":4") && strstr(out, "\"depth\":{\"uop\":8192,\"wgt\":1024,\"inp\":2048"),
              "%s", out);
    free(out);
    free(err);
    cr_expect_eq(run("spec hw --hw tests/good/hw_custom.xml", &out, &err), 0);
    cr_expect(strstr(out, "BATCH=2") && strstr(out, "dram_latency") && strstr(out, "64"), "%s", out);
    free(out);
    free(err);
    cr_expect_eq(run("spec --help", &out, &err), 0);
    cr_expect(strstr(out, "usage: embedsyn spec check"));
    free(out);
    free(err);
    cr_expect_eq(run("spec frobnicate", &out, &err), 2);
    free(out);
    free(err);
    cr_expect_eq(run("spec check", &out, &err), 2);
    free(out);
    free(err);
}

Test(spec_cli, xml_output_loads_back_to_the_same_suite) {
    char path[64], cmd[1200];
    snprintf(path, sizeof path, "/tmp/embedsyn_spec_xml_%d.xml", (int)getpid());
    snprintf(cmd, sizeof cmd, "'%s' spec check --xml '%s/tests/good/suite_mixed.xml' > %s", EMBEDSYN_CLI, SRC, path);
    cr_assert_eq(system(cmd), 0);
    status st;
    status_init(&st);
    op *a, *b;
    int na, nb;
    char name[32];
    cr_assert(spec_load_suite(SRC "/tests/good/suite_mixed.xml", NULL, 0, &a, &na, &st), "%s", st.msg);
    cr_assert(spec_load_suite(path, name, sizeof name, &b, &nb, &st), "%s", st.msg);
    cr_expect_str_eq(name, "mixed");
    cr_assert_eq(na, nb);
    for (int i = 0; i < na; i++)
        expect_same_op(&a[i], &b[i], a[i].name);
    free(a);
    free(b);
    unlink(path);
}
