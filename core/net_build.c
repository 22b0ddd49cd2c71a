/* net_build: builders of the network IR that derive each output tensor from the node's
 * parameters (used by the ONNX importer and by tests). Every error names the node. */
#include "core/net.h"

#include <inttypes.h>
#include <string.h>

static void net_node_init(net_node *n, net_node_kind kind, const char *name, const char *onnx_op) {
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->engine = (kind == NET_CONV || kind == NET_DENSE) ? NET_ON_VTA : NET_ON_HOST;
    snprintf(n->name, sizeof n->name, "%s", name);
    snprintf(n->onnx_op, sizeof n->onnx_op, "%s", onnx_op ? onnx_op : "");
}

/* Creates the output tensor and appends the node; -1 + status on failure. */
static int32_t net_finish(net *g, net_node *n, int32_t rank, const int64_t *shape, status *st) {
    for (int32_t i = 0; i < rank; i++)
        if (shape[i] < 1 || shape[i] > NET_MAX_ELEMS)
            return status_fail(st, "node %s: output extent %" PRId64 " out of range", n->name,
                               shape[i]),
                   -1;
    int64_t e = 1;
    for (int32_t i = 0; i < rank; i++)
        if (!es_mul_i64(e, shape[i], &e) || e > NET_MAX_ELEMS)
            return status_fail(st, "node %s: output has more than %" PRId64 " elements", n->name,
                               NET_MAX_ELEMS),
                   -1;
    n->out = net_add_tensor(g, n->name, rank, shape);
    if (n->out < 0)
        return status_fail(st, "node %s: cannot add its output tensor", n->name), -1;
    int32_t id = net_add_node(g, n);
    if (id < 0)
        return status_fail(st, "node %s: bad tensor ids or too many nodes", n->name), -1;
    if (!net_check_node(g, id, st))
        return -1;
    return id;
}

static bool net_in_ok(const net *g, int32_t t, int32_t rank, const char *name, status *st) {
    if (t < 0 || t >= net_ntensors(g))
        return status_fail(st, "node %s: input tensor id %d out of range", name, (int)t);
    if (rank && net_tensor_at(g, t)->rank != rank)
        return status_fail(st, "node %s: input %s must be rank %d", name, net_tensor_at(g, t)->name,
                           (int)rank);
    return true;
}

int32_t net_add_input(net *g, const char *name, int32_t rank, const int64_t *shape, status *st) {
    net_node n;
    net_node_init(&n, NET_INPUT, name, "input");
    if (rank != 2 && rank != 4)
        return status_fail(st, "input %s: rank %d (2 or 4 supported)", name, (int)rank), -1;
    return net_finish(g, &n, rank, shape, st);
}

/* The op's requantization from rq (the builder's bias axis kept), checked. */
static bool net_op_requant(net_node *n, const op_requant *rq, status *st) {
    int32_t axis = n->o.rq.bias_axis;
    n->o.rq = *rq;
    n->o.rq.bias_axis = axis;
    status ost;
    status_init(&ost);
    if (!op_check(&n->o, &ost))
        return status_fail(st, "node %s: %s", n->name, ost.msg);
    return true;
}

/* Symmetric op pad and crop for pads (p0 before, p1 after) along one axis. */
static bool net_sym_pad(int64_t p0, int64_t p1, int64_t stride, int64_t *pad, int64_t *crop) {
    if (p0 < 0 || p1 < 0 || p0 > NET_MAX_ELEMS || p1 > NET_MAX_ELEMS || stride > NET_MAX_ELEMS)
        return false;
    int64_t extra = p1 > p0 ? es_ceil_div(p1 - p0, stride) : 0;
    *pad = p0 + stride * extra;
    *crop = extra;
    return true;
}

int32_t net_add_conv(net *g, const char *name, const char *onnx_op, int32_t in, const op_conv *p,
                     const int64_t pads[4], const op_requant *rq, status *st) {
    if (!net_in_ok(g, in, 4, name, st))
        return -1;
    const net_tensor *x = net_tensor_at(g, in);
    op_conv q = *p;
    q.n = x->shape[0], q.c = x->shape[1], q.h = x->shape[2], q.w = x->shape[3];
    if (q.stride_h < 1 || q.stride_w < 1 || q.dil_h < 1 || q.dil_w < 1 || q.r < 1 || q.s < 1 ||
        q.r > NET_MAX_ELEMS || q.s > NET_MAX_ELEMS || q.dil_h > NET_MAX_ELEMS ||
        q.dil_w > NET_MAX_ELEMS)
        return status_fail(st, "node %s: kernel, strides and dilations must be in [1, 2^31]",
                           name), -1;
    int64_t crop_h, crop_w;
    if (!net_sym_pad(pads[0], pads[2], q.stride_h, &q.pad_h, &crop_h) ||
        !net_sym_pad(pads[1], pads[3], q.stride_w, &q.pad_w, &crop_w))
        return status_fail(st, "node %s: pads must be in [0, 2^31]", name), -1;
    op_kind kind = (q.groups > 1 && q.groups == q.c && q.k % q.c == 0) ? OP_DEPTHWISE : OP_CONV2D;
    net_node n;
    net_node_init(&n, NET_CONV, name, onnx_op);
    status ost;
    status_init(&ost);
    if (!op_build_conv(&n.o, name, &q, kind, &ost))
        return status_fail(st, "node %s: %s", name, ost.msg), -1;
    if (!net_op_requant(&n, rq, st))
        return -1;
    int64_t eh = q.dil_h * (q.r - 1) + 1, ew = q.dil_w * (q.s - 1) + 1;
    int64_t sh = q.h + pads[0] + pads[2] - eh, sw = q.w + pads[1] + pads[3] - ew;
    if (sh < 0 || sw < 0)
        return status_fail(st, "node %s: kernel larger than the padded input", name), -1;
    int64_t shape[4] = {q.n, q.k, sh / q.stride_h + 1, sw / q.stride_w + 1};
    n.crop_h = crop_h;
    n.crop_w = crop_w;
    n.nin = 1;
    n.in[0] = in;
    return net_finish(g, &n, 4, shape, st);
}

int32_t net_add_dense(net *g, const char *name, const char *onnx_op, int32_t in, int64_t m,
                      const op_requant *rq, status *st) {
    if (!net_in_ok(g, in, 2, name, st))
        return -1;
    const net_tensor *x = net_tensor_at(g, in);
    op_gemm q = {.batch = 1, .m = m, .n = x->shape[0], .k = x->shape[1], .a_t = false, .b_t = true};
    net_node n;
    net_node_init(&n, NET_DENSE, name, onnx_op);
    status ost;
    status_init(&ost);
    if (m < 1 || m > NET_MAX_ELEMS)
        return status_fail(st, "node %s: %" PRId64 " output features", name, m), -1;
    if (!op_build_gemm(&n.o, name, &q, &ost))
        return status_fail(st, "node %s: %s", name, ost.msg), -1;
    if (!net_op_requant(&n, rq, st))
        return -1;
    int64_t shape[2] = {x->shape[0], m};
    n.nin = 1;
    n.in[0] = in;
    return net_finish(g, &n, 2, shape, st);
}

int32_t net_add_simple(net *g, net_node_kind kind, const char *name, const char *onnx_op,
                       int32_t nin, const int32_t *in, const op_requant *rq,
                       const net_pool *pool, status *st) {
    ES_ASSERT(kind == NET_ADD || kind == NET_RELU || kind == NET_MAXPOOL || kind == NET_AVGPOOL ||
              kind == NET_GLOBALAVGPOOL || kind == NET_CONCAT);
    if (nin < 1 || nin > NET_MAX_IN)
        return status_fail(st, "node %s: %d inputs (1..%d)", name, (int)nin, NET_MAX_IN), -1;
    net_node n;
    net_node_init(&n, kind, name, onnx_op);
    n.nin = nin;
    for (int32_t i = 0; i < nin; i++) {
        if (!net_in_ok(g, in[i], 0, name, st))
            return -1;
        n.in[i] = in[i];
    }
    if (rq)
        n.rq = *rq;
    if (pool)
        n.pool = *pool;
    const net_tensor *a = net_tensor_at(g, in[0]);
    int64_t shape[4];
    memcpy(shape, a->shape, sizeof shape);
    /* The exact shape rules live in net_check (net_finish runs it): give a provisional
     * shape computed the same way for pools/concat. */
    if ((kind == NET_MAXPOOL || kind == NET_AVGPOOL) && a->rank == 4 && pool) {
        int64_t span_h = a->shape[2] + pool->pad_top + pool->pad_bottom - pool->kh;
        int64_t span_w = a->shape[3] + pool->pad_left + pool->pad_right - pool->kw;
        if (span_h < 0 || span_w < 0 || pool->stride_h < 1 || pool->stride_w < 1)
            return status_fail(st, "node %s: pool window larger than the padded input", name), -1;
        shape[2] = span_h / pool->stride_h + 1;
        shape[3] = span_w / pool->stride_w + 1;
    } else if (kind == NET_GLOBALAVGPOOL && a->rank == 4) {
        shape[2] = shape[3] = 1;
    } else if (kind == NET_CONCAT) {
        for (int32_t i = 1; i < nin; i++)
            if (!es_add_i64(shape[1], net_tensor_at(g, in[i])->shape[1], &shape[1]))
                return status_fail(st, "node %s: concat size overflows", name), -1;
    }
    return net_finish(g, &n, a->rank, shape, st);
}

int32_t net_add_reshape(net *g, const char *name, const char *onnx_op, int32_t in, int32_t rank,
                        const int64_t *shape, status *st) {
    if (!net_in_ok(g, in, 0, name, st))
        return -1;
    net_node n;
    net_node_init(&n, NET_RESHAPE, name, onnx_op);
    n.nin = 1;
    n.in[0] = in;
    if (rank != 2 && rank != 4)
        return status_fail(st, "node %s: reshape to rank %d (2 or 4 supported)", name, (int)rank),
               -1;
    return net_finish(g, &n, rank, shape, st);
}
