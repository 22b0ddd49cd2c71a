/* Tests of core/onnx: the small committed model (tests/onnx/small.onnx, written by
 * scripts/gen-onnx) imported, its structure (fusions, depthwise, asymmetric pads) and
 * its quantization rules checked, its reference checked node by node against the loops
 * of net_testlib.h; every malformed file gives an error naming the file and the
 * problem; random corruptions never crash; a real model this project did not write
 * (Debian's libonnx-testdata) imported and its shapes checked; ResNet-18 node count and
 * MACs against the architecture when scratch/resnet18.onnx exists. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/onnx.h"
#include "core/ref.h"
#include "net_testlib.h"

#define ONNX_DIR EMBEDSYN_SOURCE_DIR "/tests/onnx/"

static net *import_ok(const char *path, const int64_t *shape, int rank) {
    status st;
    status_init(&st);
    net *g = onnx_import(path, shape, rank, 7, &st);
    cr_assert(g, "%s", st.msg);
    cr_assert(net_check(g, &st), "%s", st.msg);
    return g;
}

static int8_t **run_calib_input(const net *g, uint64_t seed) {
    const net_tensor *it = net_tensor_at(g, net_input(g));
    int64_t n = net_tensor_elems(it);
    int8_t *in = malloc((size_t)n), **v;
    ref_fill_i8(in, n, seed);
    status st;
    status_init(&st);
    cr_assert(net_ref_run(g, in, &v, &st), "%s", st.msg);
    free(in);
    return v;
}

Test(onnx, small_model_structure) {
    net *g = import_ok(ONNX_DIR "small.onnx", NULL, 0);
    static const net_node_kind want[] = {NET_INPUT, NET_CONV, NET_CONV, NET_CONV, NET_ADD,
                                         NET_MAXPOOL, NET_CONV, NET_GLOBALAVGPOOL, NET_RESHAPE,
                                         NET_DENSE};
    cr_assert_eq(net_nnodes(g), 10);
    for (int i = 0; i < 10; i++)
        cr_assert_eq(net_node_at(g, i)->kind, want[i], "node %d is %s", i,
                     net_node_kind_name(net_node_at(g, i)->kind));
    cr_assert_str_eq(net_node_at(g, 1)->onnx_op, "Conv+BatchNormalization+Relu");
    cr_assert(net_node_at(g, 1)->o.rq.relu);
    cr_assert_eq(net_node_at(g, 2)->o.kind, OP_DEPTHWISE);
    cr_assert_str_eq(net_node_at(g, 3)->onnx_op, "Conv+BatchNormalization");
    cr_assert_not(net_node_at(g, 3)->o.rq.relu);
    cr_assert_str_eq(net_node_at(g, 4)->onnx_op, "Add+Relu");
    /* conv with pads (0,0,1,1), stride 2 on 8x8: ONNX output 4x4, op pad 2, crop 1 */
    const net_node *a = net_node_at(g, 6);
    const net_tensor *at = net_tensor_at(g, a->out);
    cr_assert_eq(at->shape[1], 16);
    cr_assert_eq(at->shape[2], (8 + 0 + 1 - 3) / 2 + 1);
    cr_assert_eq(at->shape[3], 4);
    cr_assert_eq(a->o.conv.pad_h, 2);
    cr_assert_eq(a->crop_h, 1);
    cr_assert_str_eq(a->onnx_op, "Conv+Clip");
    cr_assert_geq(a->o.rq.clip_lo, 0);
    cr_assert(a->o.rq.bias);
    const net_tensor *ot = net_tensor_at(g, net_output(g));
    cr_assert_eq(ot->rank, 2);
    cr_assert_eq(ot->shape[1], 10);
    /* placement defaults: CONV/DENSE on VTA, the rest on the host */
    for (int i = 0; i < net_nnodes(g); i++) {
        net_node_kind k = net_node_at(g, i)->kind;
        cr_assert_eq(net_node_at(g, i)->engine,
                     (k == NET_CONV || k == NET_DENSE) ? NET_ON_VTA : NET_ON_HOST);
    }
    net_destroy(g);
}

Test(onnx, small_model_reference_and_quantization) {
    net *g = import_ok(ONNX_DIR "small.onnx", NULL, 0);
    /* the calibration input (ref_fill_i8 of the seed) and another one */
    uint64_t seeds[2] = {7, 12345};
    for (int r = 0; r < 2; r++) {
        int8_t **v = run_calib_input(g, seeds[r]);
        for (int32_t i = 0; i < net_nnodes(g); i++)
            ntl_check_node(g, i, v);
        for (int32_t i = 0; r == 0 && i < net_nnodes(g); i++) {
            const net_node *n = net_node_at(g, i);
            if (n->kind != NET_CONV && n->kind != NET_DENSE)
                continue;
            /* float weights: one power-of-two scale puts max |w| in [64, 127] */
            int64_t nw = op_tensor_elems(&n->o, OP_WT), mx = 0;
            for (int64_t k = 0; k < nw; k++)
                mx = llabs(n->wt[k]) > mx ? llabs(n->wt[k]) : mx;
            cr_assert(mx >= 63 && mx <= 127, "%s: max |w| %ld", n->name, (long)mx);
            /* shift = the smallest with max |acc| >> s <= 127 on the calibration input */
            int64_t na = op_outputs(&n->o), ma = 0;
            int32_t *acc = malloc((size_t)na * sizeof *acc);
            ref_run_generic(&n->o, v[n->in[0]], n->wt, n->bias, acc, NULL);
            for (int64_t k = 0; k < na; k++)
                if (!(n->o.rq.relu && acc[k] < 0))
                    ma = llabs(acc[k]) > ma ? llabs(acc[k]) : ma;
            free(acc);
            int s = n->o.rq.shift;
            cr_assert((ma >> s) <= 127 || s == 15, "%s", n->name);
            cr_assert(s == 0 || (ma >> (s - 1)) > 127, "%s: shift %d not minimal", n->name, s);
        }
        net_values_free(g, v);
    }
    net_destroy(g);
}

Test(onnx, same_seed_same_network) {
    net *a = import_ok(ONNX_DIR "small.onnx", NULL, 0);
    net *b = import_ok(ONNX_DIR "small.onnx", NULL, 0);
    for (int32_t i = 0; i < net_nnodes(a); i++) {
        const net_node *x = net_node_at(a, i), *y = net_node_at(b, i);
        cr_assert_eq(x->o.rq.shift, y->o.rq.shift);
        if (x->kind == NET_CONV)
            cr_assert(memcmp(x->wt, y->wt, (size_t)op_tensor_elems(&x->o, OP_WT)) == 0);
    }
    net_destroy(a);
    net_destroy(b);
}

static void expect_error(const char *file, const char *const *words) {
    char path[512];
    snprintf(path, sizeof path, ONNX_DIR "%s", file);
    status st;
    status_init(&st);
    net *g = onnx_import(path, NULL, 0, 7, &st);
    cr_assert_null(g, "%s imported", file);
    cr_assert(strstr(st.msg, path), "message does not name the file: %s", st.msg);
    for (int i = 0; words[i]; i++)
        cr_assert(strstr(st.msg, words[i]), "'%s' not in: %s", words[i], st.msg);
}

Test(onnx, malformed_files_give_clear_errors) {
    expect_error("bad-truncated.onnx", (const char *const[]){"not a valid ONNX model", NULL});
    expect_error("bad-not-onnx.onnx", (const char *const[]){"ONNX", NULL});
    expect_error("bad-unknown-op.onnx",
                 (const char *const[]){"unsupported operator", "FancyOp", "node ", NULL});
    expect_error("bad-dynamic.onnx", (const char *const[]){"dynamic", "'N'", "input shape", NULL});
    expect_error("bad-absurd.onnx", (const char *const[]){"absurd size", NULL});
    expect_error("bad-missing-init.onnx", (const char *const[]){"missing initializer", NULL});
    expect_error("no-such-file.onnx", (const char *const[]){"cannot open", NULL});
    /* the dynamic model imports with an explicit input shape, and the shape is used */
    int64_t shape[4] = {1, 3, 24, 24};
    net *g = import_ok(ONNX_DIR "bad-dynamic.onnx", shape, 4);
    cr_assert_eq(net_tensor_at(g, net_input(g))->shape[2], 24);
    cr_assert_eq(net_tensor_at(g, net_node_at(g, 5)->out)->shape[2], 12);
    net_destroy(g);
    status st;
    status_init(&st);
    int64_t bad_rank[3] = {1, 3, 24};
    cr_assert_null(onnx_import(ONNX_DIR "small.onnx", bad_rank, 3, 7, &st));
    cr_assert(strstr(st.msg, "rank"), "%s", st.msg);
}

Test(onnx, corrupted_bytes_never_crash) {
    status st;
    status_init(&st);
    FILE *f = fopen(ONNX_DIR "small.onnx", "rb");
    cr_assert(f);
    unsigned char buf[16384];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    cr_assert(n > 1000 && n < sizeof buf);
    uint64_t rng = 5;
    int ok = 0;
    onnx_opts o = {.seed = 1};
    for (int it = 0; it < 300; it++) {
        unsigned char c[16384];
        memcpy(c, buf, n);
        size_t len = n;
        if (it % 3 == 0)
            len = (size_t)(es_splitmix64(&rng) % n);
        for (int k = 0; k < 1 + it % 4; k++)
            c[es_splitmix64(&rng) % n] ^= (unsigned char)(1u << (es_splitmix64(&rng) % 8));
        status_init(&st);
        net *g = onnx_import_mem(c, len, "mutant", &o, &st);
        if (g) {
            cr_assert(net_check(g, &st), "%s", st.msg);
            ok++;
            net_destroy(g);
        } else {
            cr_assert(strncmp(st.msg, "mutant: ", 8) == 0, "%s", st.msg);
        }
    }
    cr_assert_lt(ok, 300);
}
