/* net_ref: the C reference of a whole quantized network (semantics in core/net.h) and
 * the host work of its nodes. Conv/dense go through core/ref's ref_run (the operator
 * oracle); the other kinds are written plainly here.
 * Invariant: reads only tensors produced by earlier nodes (net_check guarantees it). */
#include <stdlib.h>
#include <string.h>

#include "core/net.h"
#include "core/ref.h"

static int32_t net_clip(int64_t v, const op_requant *rq) {
    int64_t lo = rq->clip_lo, hi = rq->clip_hi;
    if (rq->relu && lo < 0)
        lo = 0;
    return (int32_t)(v < lo ? lo : v > hi ? hi : v);
}

void net_ref_from_acc(const net *g, int32_t node, const int32_t *acc, int8_t *out) {
    const net_node *n = net_node_at(g, node);
    const net_tensor *ot = net_tensor_at(g, n->out);
    const op *o = &n->o;
    ES_ASSERT(n->kind == NET_CONV || n->kind == NET_DENSE);
    if (n->kind == NET_DENSE) { /* C[M, N] -> [N, M] */
        int64_t M = o->gemm.m, N = o->gemm.n;
        for (int64_t b = 0; b < N; b++)
            for (int64_t m = 0; m < M; m++)
                out[b * M + m] = ref_requant(&o->rq, acc[m * N + b]);
        return;
    }
    const int64_t *os = o->t[OP_OUT].shape;
    int64_t OH = ot->shape[2], OW = ot->shape[3];
    for (int64_t p = 0; p < os[0] * os[1]; p++)
        for (int64_t y = 0; y < OH; y++) {
            const int32_t *arow = acc + (p * os[2] + y + n->crop_h) * os[3] + n->crop_w;
            int8_t *orow = out + (p * OH + y) * OW;
            for (int64_t x = 0; x < OW; x++)
                orow[x] = ref_requant(&o->rq, arow[x]);
        }
}

/* CONV/DENSE: the accumulators from core/ref, then requantization (window/transpose). */
static void net_ref_op(const net *g, int32_t node, const int8_t *in, int8_t *out) {
    const net_node *n = net_node_at(g, node);
    int32_t *acc = malloc((size_t)op_outputs(&n->o) * sizeof *acc);
    ES_ASSERT(acc != NULL);
    ref_run(&n->o, in, n->wt, n->bias, acc, NULL);
    net_ref_from_acc(g, node, acc, out);
    free(acc);
}

static void net_ref_pool(const net_node *n, const net_tensor *it, const net_tensor *ot,
                         const int8_t *in, int8_t *out) {
    const net_pool *p = &n->pool;
    int64_t H = it->shape[2], W = it->shape[3], OH = ot->shape[2], OW = ot->shape[3];
    bool gap = n->kind == NET_GLOBALAVGPOOL;
    int64_t kh = gap ? H : p->kh, kw = gap ? W : p->kw;
    int64_t sh = gap ? 1 : p->stride_h, sw = gap ? 1 : p->stride_w;
    int64_t pt = gap ? 0 : p->pad_top, pl = gap ? 0 : p->pad_left;
    for (int64_t nc = 0; nc < it->shape[0] * it->shape[1]; nc++) {
        const int8_t *ip = in + nc * H * W;
        for (int64_t y = 0; y < OH; y++)
            for (int64_t x = 0; x < OW; x++) {
                int64_t sum = 0, cnt = 0, mx = -128;
                for (int64_t r = 0; r < kh; r++)
                    for (int64_t s = 0; s < kw; s++) {
                        int64_t iy = y * sh + r - pt, ix = x * sw + s - pl;
                        if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                            continue;
                        int64_t v = ip[iy * W + ix];
                        sum += v;
                        cnt++;
                        mx = v > mx ? v : mx;
                    }
                int64_t v = mx;
                if (n->kind != NET_MAXPOOL) {
                    int64_t d = (!gap && p->count_include_pad) ? kh * kw : cnt;
                    ES_ASSERT(d > 0);
                    v = es_floor_div(sum, d);
                }
                out[(nc * OH + y) * OW + x] = (int8_t)v;
            }
    }
}

void net_ref_node(const net *g, int32_t node, int8_t *const *vals) {
    const net_node *n = net_node_at(g, node);
    const net_tensor *ot = net_tensor_at(g, n->out);
    int64_t ne = net_tensor_elems(ot);
    int8_t *out = vals[n->out];
    const int8_t *a = n->nin > 0 ? vals[n->in[0]] : NULL;
    switch (n->kind) {
    case NET_INPUT:
        return;
    case NET_CONV:
    case NET_DENSE:
        net_ref_op(g, node, a, out);
        return;
    case NET_ADD:
        for (int64_t i = 0; i < ne; i++) {
            int64_t s = (int64_t)a[i] + (int64_t)vals[n->in[1]][i];
            out[i] = (int8_t)net_clip(es_floor_div(s, (int64_t)1 << n->rq.shift), &n->rq);
        }
        return;
    case NET_RELU:
        for (int64_t i = 0; i < ne; i++)
            out[i] = ref_requant(&n->rq, a[i]);
        return;
    case NET_MAXPOOL:
    case NET_AVGPOOL:
    case NET_GLOBALAVGPOOL:
        net_ref_pool(n, net_tensor_at(g, n->in[0]), ot, a, out);
        return;
    case NET_RESHAPE:
        memcpy(out, a, (size_t)ne);
        return;
    case NET_CONCAT: {
        int64_t batch = ot->shape[0], off = 0, row = ne / batch;
        for (int32_t j = 0; j < n->nin; j++) {
            int64_t part = net_tensor_elems(net_tensor_at(g, n->in[j])) / batch;
            for (int64_t b = 0; b < batch; b++)
                memcpy(out + b * row + off, vals[n->in[j]] + b * part, (size_t)part);
            off += part;
        }
        return;
    }
    default:
        ES_ASSERT(0);
    }
}

bool net_ref_run(const net *g, const int8_t *input, int8_t ***vals, status *st) {
    *vals = NULL;
    if (!net_check(g, st))
        return false;
    int32_t nt = net_ntensors(g);
    int8_t **v = calloc((size_t)(nt > 0 ? nt : 1), sizeof *v);
    ES_ASSERT(v != NULL);
    for (int32_t t = 0; t < nt; t++) {
        v[t] = calloc((size_t)net_tensor_elems(net_tensor_at(g, t)), 1);
        if (!v[t]) {
            net_values_free(g, v);
            return status_fail(st, "network %s: out of memory for tensor %s", net_name(g),
                               net_tensor_at(g, t)->name);
        }
    }
    int32_t it = net_input(g);
    memcpy(v[it], input, (size_t)net_tensor_elems(net_tensor_at(g, it)));
    for (int32_t i = 0; i < net_nnodes(g); i++)
        net_ref_node(g, i, v);
    *vals = v;
    return true;
}

void net_values_free(const net *g, int8_t **vals) {
    if (!vals)
        return;
    for (int32_t t = 0; t < net_ntensors(g); t++)
        free(vals[t]);
    free(vals);
}

/* ---- work ------------------------------------------------------------------------- */

int64_t net_node_macs(const net *g, int32_t node) {
    const net_node *n = net_node_at(g, node);
    return (n->kind == NET_CONV || n->kind == NET_DENSE) ? op_macs(&n->o) : 0;
}

int64_t net_macs(const net *g) {
    int64_t s = 0;
    for (int32_t i = 0; i < net_nnodes(g); i++)
        s += net_node_macs(g, i);
    return s;
}

net_host_work net_node_host_work(const net *g, int32_t node) {
    const net_node *n = net_node_at(g, node);
    net_host_work w = {0, 0};
    int64_t out = net_tensor_elems(net_tensor_at(g, n->out)), in = 0;
    for (int32_t j = 0; j < n->nin; j++)
        in += net_tensor_elems(net_tensor_at(g, n->in[j]));
    switch (n->kind) {
    case NET_INPUT:
    case NET_RESHAPE:
        return w;
    case NET_CONV:
    case NET_DENSE:
        w.ops = op_macs(&n->o);
        w.bytes = in + out + op_tensor_elems(&n->o, OP_WT) +
                  (n->o.rq.bias ? 4 * n->o.t[OP_OUT].shape[n->o.rq.bias_axis] : 0);
        return w;
    case NET_ADD:
        w.ops = 2 * out;
        break;
    case NET_RELU:
        w.ops = out;
        break;
    case NET_MAXPOOL:
        w.ops = out * n->pool.kh * n->pool.kw;
        break;
    case NET_AVGPOOL:
        w.ops = out * (n->pool.kh * n->pool.kw + 1);
        break;
    case NET_GLOBALAVGPOOL:
        w.ops = in + out;
        break;
    case NET_CONCAT:
        break;
    default:
        ES_ASSERT(0);
    }
    w.bytes = in + out;
    return w;
}

net_host_work net_host_work_total(const net *g) {
    net_host_work t = {0, 0};
    for (int32_t i = 0; i < net_nnodes(g); i++) {
        if (net_node_at(g, i)->engine != NET_ON_HOST)
            continue;
        net_host_work w = net_node_host_work(g, i);
        t.bytes += w.bytes;
        t.ops += w.ops;
    }
    return t;
}
