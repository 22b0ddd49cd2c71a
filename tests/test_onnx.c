/* Tests of core/onnx: the small committed model (tests/onnx/small.onnx, written by
 * scripts/gen-onnx) imported, its structure (fusions, depthwise, asymmetric pads) and
 * its quantization rules checked, its reference checked node by node against the loops
 * of net_testlib.h; MatMul/Gemm with int8 B[K, M] weights (tests/onnx/mlp.onnx)
 * transposed exactly; every malformed file gives an error naming the file and the
 * problem; random corruptions never crash; a real model this project did not write
 * (Debian's libonnx-testdata) imported and its shapes checked; ResNet-18 node count and
 * MACs against the architecture when scratch/resnet18.onnx exists. */
#include <criterion/criterion.h>
#include <math.h>
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
    expect_error("bad-attr.onnx",
                 (const char *const[]){"MaxPool", "ceil_mode 1", "not supported", NULL});
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

#define TESTDATA "/usr/share/libonnx-testdata/data/pytorch-converted/"

/* Imports one converted PyTorch model, checks shapes against its test data, every node
 * against net_testlib.h, and the dequantized int8 output against the float output of
 * the test data: |y_q / 2^e - y| <= tol * max|y| + 2^-e. Returns the worst error ratio. */
static double real_model(const char *name, double tol) {
    char path[512];
    snprintf(path, sizeof path, TESTDATA "%s/model.onnx", name);
    net *g = import_ok(path, NULL, 0);
    double *x, *y;
    int64_t nx, ny, dx[8], dy[8];
    int rx, ry;
    status st;
    status_init(&st);
    snprintf(path, sizeof path, TESTDATA "%s/test_data_set_0/input_0.pb", name);
    cr_assert(onnx_read_tensor(path, &x, &nx, dx, &rx, &st), "%s", st.msg);
    snprintf(path, sizeof path, TESTDATA "%s/test_data_set_0/output_0.pb", name);
    cr_assert(onnx_read_tensor(path, &y, &ny, dy, &ry, &st), "%s", st.msg);
    const net_tensor *it = net_tensor_at(g, net_input(g)), *ot = net_tensor_at(g, net_output(g));
    cr_assert_eq(it->rank, rx, "%s", name);
    cr_assert_eq(ot->rank, ry, "%s", name);
    for (int i = 0; i < rx; i++)
        cr_assert_eq(it->shape[i], dx[i], "%s input dim %d", name, i);
    for (int i = 0; i < ry; i++)
        cr_assert_eq(ot->shape[i], dy[i], "%s output dim %d", name, i);
    int8_t *q = malloc((size_t)nx), **v;
    for (int64_t i = 0; i < nx; i++) {
        double e = round(x[i] * (1 << it->qexp));
        q[i] = (int8_t)(e < -128 ? -128 : e > 127 ? 127 : e);
    }
    cr_assert(net_ref_run(g, q, &v, &st), "%s", st.msg);
    for (int32_t i = 0; i < net_nnodes(g); i++)
        ntl_check_node(g, i, v);
    double ymax = 0, worst = 0, step = ldexp(1, -ot->qexp);
    for (int64_t i = 0; i < ny; i++)
        ymax = fabs(y[i]) > ymax ? fabs(y[i]) : ymax;
    for (int64_t i = 0; i < ny; i++) {
        double got = ldexp(v[net_output(g)][i], -ot->qexp), err = fabs(got - y[i]);
        double r = err / (tol * ymax + step);
        worst = r > worst ? r : worst;
    }
    net_values_free(g, v);
    free(q);
    free(x);
    free(y);
    net_destroy(g);
    return worst;
}

Test(onnx, real_pytorch_converted_models) {
    if (access(TESTDATA "test_Conv2d/model.onnx", R_OK) != 0)
        cr_skip_test("Debian's libonnx-testdata is not installed (scripts/setup-deps --test)");
    static const char *const models[] = {"test_Conv2d", "test_Conv2d_strided",
                                         "test_Conv2d_padding", "test_Conv2d_dilated",
                                         "test_Conv2d_groups", "test_Conv2d_depthwise_padded",
                                         "test_Linear", "test_AvgPool2d", NULL};
    for (int i = 0; models[i]; i++) {
        double w = real_model(models[i], 0.05);
        fprintf(stderr, "%s: worst error ratio %.3f\n", models[i], w);
        cr_assert_leq(w, 1.0, "%s: int8 output off the float output by %.2f x the tolerance",
                      models[i], w);
    }
}

/* ResNet-18 v1 MACs from the architecture (He et al. 2016, 224x224): stem 7x7/2, four
 * stages of two basic blocks (3x3 convs; 1x1/2 projection when the stage downsamples),
 * the 1000-way classifier. */
static int64_t resnet18_macs(void) {
    int64_t hw = 112, macs = 64 * 3 * 49 * hw * hw, cin = 64;
    hw = 56; /* after the max pool */
    for (int stage = 0; stage < 4; stage++) {
        int64_t cout = 64 << stage, ohw = stage ? hw / 2 : hw;
        for (int blk = 0; blk < 2; blk++) {
            int64_t ci = blk ? cout : cin;
            macs += cout * ci * 9 * ohw * ohw + cout * cout * 9 * ohw * ohw;
            if (blk == 0 && stage > 0)
                macs += cout * cin * ohw * ohw;
        }
        cin = cout;
        hw = ohw;
    }
    return macs + 512 * 1000;
}

Test(onnx, resnet18_structure_and_macs) {
    if (system("/usr/bin/python3 -c 'import onnx' 2>/dev/null") != 0)
        cr_skip_test("python3-onnx is not installed (scripts/setup-deps --test)");
    char dir[] = "/tmp/test_onnx_XXXXXX", cmd[1024], path[512];
    cr_assert(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/resnet18.onnx", dir);
    /* the graph with declared weight shapes only: the importer draws int8 weights */
    snprintf(cmd, sizeof cmd, EMBEDSYN_SOURCE_DIR "/scripts/gen-onnx resnet18 %s --no-weights", path);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    status st;
    status_init(&st);
    onnx_opts o = {.seed = 3, .no_calibration = true};
    net *g = onnx_import_ex(path, &o, &st);
    cr_assert(g, "%s", st.msg);
    int counts[NET_NKINDS] = {0};
    for (int32_t i = 0; i < net_nnodes(g); i++)
        counts[net_node_at(g, i)->kind]++;
    /* 20 convs (17 3x3/7x7 + 3 projections) with BN and ReLU fused, 8 residual adds, one
     * max pool, global pool, flatten, dense */
    cr_assert_eq(counts[NET_CONV], 20);
    cr_assert_eq(counts[NET_ADD], 8);
    cr_assert_eq(counts[NET_DENSE], 1);
    cr_assert_eq(counts[NET_MAXPOOL] + counts[NET_GLOBALAVGPOOL] + counts[NET_RESHAPE], 3);
    cr_assert_eq(counts[NET_RELU], 0, "every ReLU is fused");
    cr_assert_eq(net_nnodes(g), 33);
    cr_assert_eq(net_macs(g), resnet18_macs());
    cr_assert(net_macs(g) > 1800000000 && net_macs(g) < 1830000000, "1.8 GMAC");
    net_destroy(g);
    remove(path);
    rmdir(dir);
}

Test(onnx, matmul_and_gemm_int8_weights_transposed) {
    net *g = import_ok(ONNX_DIR "mlp.onnx", NULL, 0);
    cr_assert_eq(net_nnodes(g), 4);
    const net_node *a = net_node_at(g, 2), *b = net_node_at(g, 3);
    cr_assert_eq(net_node_at(g, 1)->kind, NET_RESHAPE);
    cr_assert_eq(a->kind, NET_DENSE);
    cr_assert_str_eq(a->onnx_op, "MatMul+Relu");
    cr_assert(a->o.rq.relu);
    cr_assert_not(a->o.rq.bias);
    cr_assert_eq(b->kind, NET_DENSE);
    /* int8 initializers B[K, M] used as they are, stored as A[M, K] */
    cr_assert_eq(a->o.gemm.m, 12);
    cr_assert_eq(a->o.gemm.k, 16);
    for (int m = 0; m < 12; m++)
        for (int k = 0; k < 16; k++)
            cr_assert_eq(a->wt[m * 16 + k], ((7 * k + 3 * m) % 11) - 5);
    for (int m = 0; m < 6; m++)
        for (int k = 0; k < 12; k++)
            cr_assert_eq(b->wt[m * 12 + k], ((5 * k + 2 * m) % 11) - 5);
    /* the bias in the accumulator's exponent: weights' 0 + the input's */
    int32_t e = net_tensor_at(g, b->in[0])->qexp;
    for (int m = 0; m < 6; m++)
        cr_assert_eq(b->bias[m], (int32_t)ldexp(3 * m - 7, e), "bias %d (input exponent %d)", m, e);
    int8_t **v = run_calib_input(g, 7);
    for (int32_t i = 0; i < net_nnodes(g); i++)
        ntl_check_node(g, i, v);
    net_values_free(g, v);
    net_destroy(g);
}
