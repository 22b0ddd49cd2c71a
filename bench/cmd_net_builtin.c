/* cmd_net_builtin: small networks built with core/net.h's builders (see bench/cmd_net.h). */
#include <stdlib.h>
#include <string.h>

#include "bench/cmd_net.h"
#include "core/ref.h"

/* Requantization by shift, with ReLU and bias when asked ("r" / "b" in what). */
static op_requant rq_of(int shift, const char *what) {
    op_requant r = op_requant_default();
    r.shift = shift;
    r.relu = strchr(what, 'r') != NULL;
    r.bias = strchr(what, 'b') != NULL;
    return r;
}

/* A conv node (k filters r x r, stride, groups, symmetric pad) with random weights. */
static int32_t conv(net *g, const char *name, int32_t in, int64_t k, int64_t r, int64_t stride, int64_t groups,
                    int64_t pad, op_requant rq, uint64_t seed, status *st) {
    op_conv p;
    memset(&p, 0, sizeof p);
    p.k = k, p.r = p.s = r, p.stride_h = p.stride_w = stride, p.dil_h = p.dil_w = 1, p.groups = groups;
    int64_t pads[4] = {pad, pad, pad, pad};
    int32_t id = in < 0 ? -1 : net_add_conv(g, name, "Conv", in, &p, pads, &rq, st);
    if (id < 0) return -1;
    const net_node *n = net_node_at(g, id);
    int64_t nw = op_tensor_elems(&n->o, OP_WT), nb = n->o.t[OP_OUT].shape[1];
    int8_t *w = malloc((size_t)nw);
    int32_t *b = malloc((size_t)nb * sizeof *b);
    ES_ASSERT(w && b);
    ref_fill_i8(w, nw, seed);
    ref_fill_i32(b, nb, seed + 1, -300, 300);
    bool ok = net_set_weights(g, id, w, nw, b, rq.bias ? nb : 0, st);
    free(w);
    free(b);
    return ok ? net_node_at(g, id)->out : -1;
}

static int32_t tiny(net *g, uint64_t seed, status *st) {
    int64_t ish[4] = {1, 16, 8, 8};
    if (net_add_input(g, "x", 4, ish, st) < 0) return -1;
    int32_t t0 = net_node_at(g, 0)->out;
    int32_t a = conv(g, "conv1", t0, 32, 3, 1, 1, 1, rq_of(8, "rb"), seed + 10, st);
    int32_t b = conv(g, "dw", a, 32, 3, 1, 32, 1, rq_of(5, "rb"), seed + 20, st);
    int32_t c = conv(g, "pw", b, 32, 1, 1, 1, 0, rq_of(7, "b"), seed + 30, st);
    if (c < 0) return -1;
    int32_t ab[2] = {a, c};
    op_requant arq = rq_of(1, "r");
    int32_t n = net_add_simple(g, NET_ADD, "add", "Add", 2, ab, &arq, NULL, st);
    if (n < 0) return -1;
    int32_t t = net_node_at(g, n)->out;
    net_pool mp = {.kh = 2, .kw = 2, .stride_h = 2, .stride_w = 2};
    if ((n = net_add_simple(g, NET_MAXPOOL, "pool", "MaxPool", 1, &t, NULL, &mp, st)) < 0) return -1;
    t = net_node_at(g, n)->out;
    if ((n = net_add_simple(g, NET_GLOBALAVGPOOL, "gap", "GlobalAveragePool", 1, &t, NULL, NULL, st)) < 0) return -1;
    int64_t fsh[2] = {1, 32};
    if ((n = net_add_reshape(g, "flat", "Flatten", net_node_at(g, n)->out, 2, fsh, st)) < 0) return -1;
    op_requant frq = rq_of(6, "b");
    if ((n = net_add_dense(g, "fc", "Gemm", net_node_at(g, n)->out, 16, &frq, st)) < 0) return -1;
    int8_t w[32 * 16];
    int32_t bias[16];
    ref_fill_i8(w, 32 * 16, seed + 40);
    ref_fill_i32(bias, 16, seed + 41, -300, 300);
    return net_set_weights(g, n, w, 32 * 16, bias, 16, st) ? 0 : -1;
}

/* A row of convs on a 16-channel input of side `side`. */
typedef struct conv_row {
    const char *name;
    int64_t k, r, stride, pad;
    int shift;
    const char *what;
} conv_row;

static int32_t conv_rows(net *g, int64_t side, const conv_row *row, int n, uint64_t seed, status *st) {
    int64_t ish[4] = {1, 16, side, side};
    if (net_add_input(g, "x", 4, ish, st) < 0) return -1;
    int32_t t = net_node_at(g, 0)->out;
    for (int i = 0; i < n && t >= 0; i++)
        t = conv(g, row[i].name, t, row[i].k, row[i].r, row[i].stride, 1, row[i].pad,
                 rq_of(row[i].shift, row[i].what), seed + 10 * (uint64_t)(i + 1), st);
    return t < 0 ? -1 : 0;
}

static int32_t chain(net *g, uint64_t seed, status *st) {
    static const conv_row row[] = {
        {"c1", 32, 3, 1, 1, 8, "rb"}, {"c2", 32, 3, 2, 1, 9, "rb"}, {"c3", 16, 1, 1, 0, 7, "b"}};
    return conv_rows(g, 14, row, 3, seed, st);
}

/* ResNet's downsample shape: a stride-2 1x1 conv reads every other pixel of the 3x3
 * conv before it (its input vectors are a subset of the producer's: a `store`). */
static int32_t down(net *g, uint64_t seed, status *st) {
    static const conv_row row[] = {{"c1", 32, 3, 1, 1, 8, "rb"},
                                   {"c2", 32, 3, 1, 1, 9, "rb"},
                                   {"c3", 32, 1, 2, 0, 7, "b"},
                                   {"c4", 16, 3, 1, 1, 8, "rb"}};
    return conv_rows(g, 8, row, 4, seed, st);
}

/* MobileNetV2's inverted residual on a small map: 1x1 expand, 3x3 depthwise, 1x1
 * project (the depthwise input's zero bands may stay in DRAM: a padded alternative). */
static int32_t block(net *g, uint64_t seed, status *st) {
    int64_t ish[4] = {1, 16, 14, 14};
    if (net_add_input(g, "x", 4, ish, st) < 0) return -1;
    int32_t t = net_node_at(g, 0)->out;
    t = conv(g, "expand", t, 64, 1, 1, 1, 0, rq_of(7, "rb"), seed + 10, st);
    t = conv(g, "dw", t, 64, 3, 1, 64, 1, rq_of(5, "rb"), seed + 20, st);
    t = conv(g, "project", t, 16, 1, 1, 1, 0, rq_of(7, "b"), seed + 30, st);
    return t < 0 ? -1 : 0;
}

net *netrun_builtin(const char *name, uint64_t seed, status *st) {
    net *g = net_create(name);
    if (!g) {
        status_fail(st, "out of memory");
        return NULL;
    }
    int32_t rc = !strcmp(name, "tiny")    ? tiny(g, seed, st)
                 : !strcmp(name, "chain") ? chain(g, seed, st)
                 : !strcmp(name, "down")  ? down(g, seed, st)
                 : !strcmp(name, "block") ? block(g, seed, st)
                                          : (status_fail(st, "unknown built-in network '%s' (%s)", name, NETRUN_BUILTINS), -1);
    if (rc < 0 || !net_check(g, st)) {
        net_destroy(g);
        return NULL;
    }
    return g;
}
