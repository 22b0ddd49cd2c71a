/* Tests of core/net: a hand-built network (conv stem, depthwise conv, residual add,
 * pools, concat, a conv with asymmetric pads, an unfused relu, global pool, flatten,
 * dense) run by net_ref_run, each node's output checked against loops written here from
 * the semantics of core/net.h (and ref_run_generic for the symmetric convs); the
 * checker's rejections; host work and MAC counts; the JSON dump. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/net.h"
#include "core/ref.h"
#include "net_testlib.h"

static op_requant mkrq(int shift, bool relu, bool bias) {
    op_requant r = op_requant_default();
    r.shift = shift;
    r.relu = relu;
    r.bias = bias;
    return r;
}

static op_conv mkconv(int64_t k, int64_t r, int64_t stride, int64_t groups) {
    op_conv p;
    memset(&p, 0, sizeof p);
    p.k = k, p.r = r, p.s = r, p.stride_h = p.stride_w = stride, p.dil_h = p.dil_w = 1;
    p.groups = groups;
    return p;
}

/* Adds a conv node with random weights/bias from `seed`; returns the node id. */
static int32_t add_conv(net *g, const char *name, int32_t in, op_conv p, const int64_t pads[4],
                        op_requant rq, uint64_t seed) {
    status st;
    status_init(&st);
    int32_t id = net_add_conv(g, name, "Conv", in, &p, pads, &rq, &st);
    cr_assert(id >= 0, "%s", st.msg);
    const net_node *n = net_node_at(g, id);
    int64_t nw = op_tensor_elems(&n->o, OP_WT), nb = n->o.t[OP_OUT].shape[1];
    int8_t *w = malloc((size_t)nw);
    int32_t *b = malloc((size_t)nb * sizeof *b);
    ref_fill_i8(w, nw, seed);
    ref_fill_i32(b, nb, seed + 1, -200, 200);
    cr_assert(net_set_weights(g, id, w, nw, b, rq.bias ? nb : 0, &st), "%s", st.msg);
    free(w);
    free(b);
    return id;
}

typedef struct built {
    net *g;
    int32_t stem, dw, add, mp, avg, cat, asym, relu, gap, flat, fc;
} built;

static built build_net(void) {
    built b;
    status st;
    status_init(&st);
    b.g = net_create("chain");
    int64_t ish[4] = {1, 8, 10, 10};
    cr_assert(net_add_input(b.g, "x", 4, ish, &st) >= 0, "%s", st.msg);
    int64_t p1[4] = {1, 1, 1, 1};
    b.stem = add_conv(b.g, "stem", 0, mkconv(8, 3, 1, 1), p1, mkrq(6, true, true), 11);
    b.dw = add_conv(b.g, "dw", net_node_at(b.g, b.stem)->out, mkconv(8, 3, 1, 8), p1,
                    mkrq(5, false, true), 12);
    int32_t ab[2] = {net_node_at(b.g, b.stem)->out, net_node_at(b.g, b.dw)->out};
    op_requant arq = mkrq(1, true, false);
    b.add = net_add_simple(b.g, NET_ADD, "add", "Add", 2, ab, &arq, NULL, &st);
    net_pool mp = {.kh = 2, .kw = 2, .stride_h = 2, .stride_w = 2};
    int32_t t = net_node_at(b.g, b.add)->out;
    b.mp = net_add_simple(b.g, NET_MAXPOOL, "mp", "MaxPool", 1, &t, NULL, &mp, &st);
    net_pool ap = {.kh = 3, .kw = 3, .stride_h = 1, .stride_w = 1, .pad_top = 1, .pad_left = 1,
                   .pad_bottom = 1, .pad_right = 1, .count_include_pad = false};
    t = net_node_at(b.g, b.mp)->out;
    b.avg = net_add_simple(b.g, NET_AVGPOOL, "avg", "AveragePool", 1, &t, NULL, &ap, &st);
    int32_t cb[2] = {net_node_at(b.g, b.avg)->out, net_node_at(b.g, b.mp)->out};
    b.cat = net_add_simple(b.g, NET_CONCAT, "cat", "Concat", 2, cb, NULL, NULL, &st);
    int64_t pa[4] = {0, 0, 1, 1};
    b.asym = add_conv(b.g, "asym", net_node_at(b.g, b.cat)->out, mkconv(16, 3, 2, 1), pa,
                      mkrq(7, false, true), 13);
    op_requant rrq = mkrq(0, true, false);
    rrq.clip_hi = 100;
    t = net_node_at(b.g, b.asym)->out;
    b.relu = net_add_simple(b.g, NET_RELU, "relu", "Clip", 1, &t, &rrq, NULL, &st);
    t = net_node_at(b.g, b.relu)->out;
    b.gap = net_add_simple(b.g, NET_GLOBALAVGPOOL, "gap", "GlobalAveragePool", 1, &t, NULL, NULL,
                           &st);
    int64_t fsh[2] = {1, 16};
    b.flat = net_add_reshape(b.g, "flat", "Flatten", net_node_at(b.g, b.gap)->out, 2, fsh, &st);
    op_requant frq = mkrq(4, false, true);
    b.fc = net_add_dense(b.g, "fc", "Gemm", net_node_at(b.g, b.flat)->out, 10, &frq, &st);
    cr_assert(b.fc >= 0, "%s", st.msg);
    int64_t nw = 160;
    int8_t w[160];
    int32_t bias[10];
    ref_fill_i8(w, nw, 14);
    ref_fill_i32(bias, 10, 15, -50, 50);
    cr_assert(net_set_weights(b.g, b.fc, w, nw, bias, 10, &st), "%s", st.msg);
    cr_assert(net_check(b.g, &st), "%s", st.msg);
    return b;
}

Test(net, chain_reference_matches_direct_loops) {
    built b = build_net();
    net *g = b.g;
    cr_assert_eq(net_nnodes(g), 12);
    const int64_t want_out[4] = {1, 16, 2, 2};
    const net_tensor *at = net_tensor_at(g, net_node_at(g, b.asym)->out);
    cr_assert(memcmp(at->shape, want_out, sizeof want_out) == 0);
    cr_assert_eq(net_node_at(g, b.dw)->o.kind, OP_DEPTHWISE);
    cr_assert_eq(net_node_at(g, b.asym)->crop_h, 1); /* pads 0/1, stride 2: op pad 2 */
    int8_t in[800];
    ref_fill_i8(in, 800, 99);
    int8_t **v;
    status st;
    status_init(&st);
    cr_assert(net_ref_run(g, in, &v, &st), "%s", st.msg);
    cr_assert(memcmp(v[net_input(g)], in, 800) == 0);
    /* every node against the loops of net_testlib.h */
    for (int32_t i = 0; i < net_nnodes(g); i++)
        ntl_check_node(g, i, v);
    /* the symmetric convs through the generic affine walk of core/ref, too */
    int32_t sym[2] = {b.stem, b.dw};
    for (int i = 0; i < 2; i++) {
        const net_node *n = net_node_at(g, sym[i]);
        int8_t out[800];
        ref_run_generic(&n->o, v[n->in[0]], n->wt, n->bias, NULL, out);
        cr_assert(memcmp(out, v[n->out], 800) == 0, "%s", n->name);
    }
    /* concat and flatten by their bytes */
    const net_node *c = net_node_at(g, b.cat);
    cr_assert(memcmp(v[c->out], v[c->in[0]], 200) == 0);
    cr_assert(memcmp(v[c->out] + 200, v[c->in[1]], 200) == 0);
    const net_node *fc = net_node_at(g, b.fc);
    cr_assert(memcmp(v[fc->in[0]], v[net_node_at(g, b.gap)->out], 16) == 0);
    cr_assert_eq(net_output(g), fc->out);
    net_values_free(g, v);
    net_destroy(g);
}

Test(net, asymmetric_pads_with_crop) {
    /* pads bigger at the top than the bottom (stride 2) and the reverse (stride 3): the op's
     * symmetric pad and the crop must give the ONNX result */
    int64_t cases[3][4] = {{2, 0, 0, 1}, {0, 1, 2, 0}, {0, 0, 2, 2}};
    for (int c = 0; c < 3; c++) {
        status st;
        status_init(&st);
        net *g = net_create("asym");
        int64_t ish[4] = {1, 3, 9, 7};
        net_add_input(g, "x", 4, ish, &st);
        int id = add_conv(g, "c", 0, mkconv(4, 3, c == 1 ? 3 : 2, 1), cases[c], mkrq(5, false, true),
                          (uint64_t)c + 3);
        int8_t in[189], **v;
        ref_fill_i8(in, 189, 7);
        cr_assert(net_ref_run(g, in, &v, &st), "%s", st.msg);
        const net_node *n = net_node_at(g, id);
        const net_tensor *ot = net_tensor_at(g, n->out);
        int64_t s = n->o.conv.stride_h;
        cr_assert_eq(ot->shape[2], (9 + cases[c][0] + cases[c][2] - 3) / s + 1);
        cr_assert_eq(ot->shape[3], (7 + cases[c][1] + cases[c][3] - 3) / s + 1);
        ntl_conv(g, n, v);
        net_values_free(g, v);
        net_destroy(g);
    }
}

Test(net, checker_rejects_bad_graphs) {
    status st;
    status_init(&st);
    net *g = net_create("bad");
    int64_t s4[4] = {1, 2, 4, 4};
    int32_t x = net_add_tensor(g, "x", 4, s4), y = net_add_tensor(g, "y", 4, s4);
    int32_t z = net_add_tensor(g, "z", 4, s4);
    net_node in = {.kind = NET_INPUT, .out = x, .engine = NET_ON_HOST};
    snprintf(in.name, sizeof in.name, "x");
    cr_assert_eq(net_add_node(g, &in), 0);
    /* second producer of x */
    cr_assert_eq(net_add_node(g, &in), -1);
    cr_assert_eq(net_add_tensor(g, "r3", 3, s4), -1);
    /* z is read before it is produced */
    net_node r = {.kind = NET_RELU, .nin = 1, .in = {z}, .out = y, .rq = op_requant_default()};
    snprintf(r.name, sizeof r.name, "early");
    r.rq.shift = 0;
    cr_assert_geq(net_add_node(g, &r), 0);
    net_node r2 = r;
    r2.in[0] = x;
    r2.out = z;
    snprintf(r2.name, sizeof r2.name, "late");
    cr_assert_geq(net_add_node(g, &r2), 0);
    cr_assert_not(net_check(g, &st));
    cr_assert(strstr(st.msg, "early") && strstr(st.msg, "topological"), "%s", st.msg);
    net_destroy(g);

    /* add of two different shapes; pool window larger than the input; no input node */
    g = net_create("bad2");
    status_init(&st);
    int64_t s4b[4] = {1, 3, 4, 4};
    net_add_input(g, "x", 4, s4, &st);
    int32_t ins[2] = {0, net_add_tensor(g, "other", 4, s4b)};
    op_requant rq = mkrq(0, false, false);
    cr_assert_eq(net_add_simple(g, NET_ADD, "sum", "Add", 2, ins, &rq, NULL, &st), -1);
    cr_assert(strstr(st.msg, "sum"), "%s", st.msg);
    status_init(&st);
    net_pool big = {.kh = 9, .kw = 9, .stride_h = 1, .stride_w = 1};
    cr_assert_eq(net_add_simple(g, NET_MAXPOOL, "mp", "MaxPool", 1, ins, NULL, &big, &st), -1);
    cr_assert(strstr(st.msg, "mp"), "%s", st.msg);
    status_init(&st);
    int64_t bad_flat[2] = {1, 33};
    cr_assert_eq(net_add_reshape(g, "fl", "Flatten", 0, 2, bad_flat, &st), -1);
    cr_assert(strstr(st.msg, "element count"), "%s", st.msg);
    net_destroy(g);

    g = net_create("noinput");
    status_init(&st);
    cr_assert_not(net_check(g, &st));
    cr_assert(strstr(st.msg, "input"), "%s", st.msg);
    net_destroy(g);
    /* a conv without weights fails net_check */
    g = net_create("now");
    status_init(&st);
    net_add_input(g, "x", 4, s4, &st);
    op_conv p = mkconv(4, 3, 1, 1);
    int64_t p1[4] = {1, 1, 1, 1};
    op_requant crq = mkrq(3, false, false);
    cr_assert_geq(net_add_conv(g, "c", "Conv", 0, &p, p1, &crq, &st), 0);
    cr_assert_not(net_check(g, &st));
    cr_assert(strstr(st.msg, "weights"), "%s", st.msg);
    net_destroy(g);
}

Test(net, host_work_and_macs) {
    built b = build_net();
    net *g = b.g;
    /* conv MACs: K*C/groups*R*S*OH*OW */
    cr_assert_eq(net_node_macs(g, b.stem), 8 * 8 * 9 * 100);
    cr_assert_eq(net_node_macs(g, b.dw), 8 * 9 * 100);
    /* the asymmetric conv computes the op's whole (symmetric-pad) output: 4x4, cropped to 2x2 */
    const int64_t *aos = net_node_at(g, b.asym)->o.t[OP_OUT].shape;
    cr_assert_eq(aos[2] * aos[3], 16);
    cr_assert_eq(net_node_macs(g, b.asym), 16 * 16 * 9 * 16);
    cr_assert_eq(net_node_macs(g, b.fc), 160);
    cr_assert_eq(net_macs(g), 57600 + 7200 + 16 * 16 * 9 * 16 + 160);
    net_host_work w = net_node_host_work(g, b.add);
    cr_assert_eq(w.bytes, 3 * 800);
    cr_assert_eq(w.ops, 2 * 800);
    w = net_node_host_work(g, b.mp);
    cr_assert_eq(w.bytes, 800 + 200);
    cr_assert_eq(w.ops, 200 * 4);
    w = net_node_host_work(g, b.flat);
    cr_assert_eq(w.bytes + w.ops, 0);
    int64_t tb = 0;
    for (int i = 0; i < net_nnodes(g); i++)
        if (net_node_at(g, i)->engine == NET_ON_HOST)
            tb += net_node_host_work(g, i).bytes;
    cr_assert_eq(net_host_work_total(g).bytes, tb);
    net_set_engine(g, b.stem, NET_ON_HOST);
    cr_assert_eq(net_node_host_work(g, b.stem).ops, 57600);
    cr_assert_eq(net_node_host_work(g, b.stem).bytes, 800 + 800 + 576 + 32);
    net_destroy(g);
}

Test(net, json_and_dump) {
    built b = build_net();
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    net_json(f, b.g);
    fclose(f);
    json_error_t err;
    json_t *j = json_loads(buf, 0, &err);
    cr_assert(j, "%s: %s", err.text, buf);
    json_t *nodes = json_object_get(j, "nodes");
    cr_assert_eq((int)json_array_size(nodes), net_nnodes(b.g));
    json_t *n2 = json_array_get(nodes, b.dw);
    cr_assert_str_eq(json_string_value(json_object_get(n2, "kind")), "conv");
    cr_assert_eq(json_integer_value(json_object_get(n2, "macs")), net_node_macs(b.g, b.dw));
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(j, "totals"), "macs")),
                 net_macs(b.g));
    json_decref(j);
    free(buf);
    f = open_memstream(&buf, &len);
    net_dump(f, b.g);
    fclose(f);
    cr_assert(strstr(buf, "globalavgpool") && strstr(buf, "asym"), "%s", buf);
    free(buf);
    net_destroy(b.g);
}
