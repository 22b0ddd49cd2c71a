/* net_testlib: independent per-node checks of core/net's reference (test_net, test_onnx).
 * Each node's output is recomputed here from the semantics in core/net.h with plain
 * loops (conv from the ONNX definition with the original top/left pads, pools, add,
 * relu, concat, reshape, dense), sharing no code with core/net_ref.c or core/ref.c. */
#ifndef EMBEDSYN_NET_TESTLIB_H
#define EMBEDSYN_NET_TESTLIB_H

#include <criterion/criterion.h>
#include <string.h>

#include "core/net.h"

static inline int8_t ntl_rq8(int64_t acc, const op_requant *rq) {
    int64_t d = (int64_t)1 << rq->shift;
    int64_t v = acc >= 0 ? acc / d : -((-acc + d - 1) / d);
    int64_t lo = rq->relu && rq->clip_lo < 0 ? 0 : rq->clip_lo;
    return (int8_t)(v < lo ? lo : v > rq->clip_hi ? rq->clip_hi : v);
}

/* Conv from the ONNX definition: top/left pads recovered from the op's pad and crop. */
static inline void ntl_conv(const net *g, const net_node *n, int8_t *const *v) {
    const net_tensor *it = net_tensor_at(g, n->in[0]), *ot = net_tensor_at(g, n->out);
    const op_conv *p = &n->o.conv;
    int64_t top = p->pad_h - n->crop_h * p->stride_h, left = p->pad_w - n->crop_w * p->stride_w;
    int64_t C = it->shape[1], H = it->shape[2], W = it->shape[3];
    int64_t K = ot->shape[1], OH = ot->shape[2], OW = ot->shape[3], cg = C / p->groups;
    int64_t kg = K / p->groups;
    for (int64_t k = 0; k < K; k++)
        for (int64_t y = 0; y < OH; y++)
            for (int64_t x = 0; x < OW; x++) {
                int64_t acc = n->o.rq.bias ? n->bias[k] : 0;
                for (int64_t c = 0; c < cg; c++)
                    for (int64_t r = 0; r < p->r; r++)
                        for (int64_t s = 0; s < p->s; s++) {
                            int64_t iy = y * p->stride_h + r * p->dil_h - top;
                            int64_t ix = x * p->stride_w + s * p->dil_w - left;
                            if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                                continue;
                            int64_t ci = (k / kg) * cg + c;
                            acc += (int64_t)n->wt[((k * cg + c) * p->r + r) * p->s + s] *
                                   v[n->in[0]][(ci * H + iy) * W + ix];
                        }
                cr_assert_eq(v[n->out][(k * OH + y) * OW + x], ntl_rq8(acc, &n->o.rq),
                             "%s k%ld y%ld x%ld", n->name, (long)k, (long)y, (long)x);
            }
}

static inline void ntl_pool(const net *g, const net_node *n, int8_t *const *v) {
    const net_tensor *it = net_tensor_at(g, n->in[0]), *ot = net_tensor_at(g, n->out);
    int64_t C = it->shape[1], H = it->shape[2], W = it->shape[3], OH = ot->shape[2];
    int64_t OW = ot->shape[3];
    net_pool p = n->pool;
    if (n->kind == NET_GLOBALAVGPOOL)
        p = (net_pool){.kh = H, .kw = W, .stride_h = 1, .stride_w = 1};
    for (int64_t c = 0; c < C; c++)
        for (int64_t y = 0; y < OH; y++)
            for (int64_t x = 0; x < OW; x++) {
                int best = -1000, sum = 0, cnt = 0;
                for (int64_t dy = 0; dy < p.kh; dy++)
                    for (int64_t dx = 0; dx < p.kw; dx++) {
                        int64_t iy = y * p.stride_h - p.pad_top + dy;
                        int64_t ix = x * p.stride_w - p.pad_left + dx;
                        if (iy >= 0 && iy < H && ix >= 0 && ix < W) {
                            int e = v[n->in[0]][(c * H + iy) * W + ix];
                            best = e > best ? e : best;
                            sum += e;
                            cnt++;
                        }
                    }
                int d = p.count_include_pad ? (int)(p.kh * p.kw) : cnt;
                int avg = sum >= 0 ? sum / d : -((-sum + d - 1) / d);
                cr_assert_eq(v[n->out][(c * OH + y) * OW + x], n->kind == NET_MAXPOOL ? best : avg,
                             "%s", n->name);
            }
}

/* Checks node i's output in v against the loops above. */
static inline void ntl_check_node(const net *g, int32_t i, int8_t *const *v) {
    const net_node *n = net_node_at(g, i);
    int64_t ne = net_tensor_elems(net_tensor_at(g, n->out));
    switch (n->kind) {
    case NET_INPUT:
        return;
    case NET_CONV:
        ntl_conv(g, n, v);
        return;
    case NET_DENSE: {
        int64_t M = n->o.gemm.m, K = n->o.gemm.k;
        for (int64_t b = 0; b < n->o.gemm.n; b++)
            for (int64_t m = 0; m < M; m++) {
                int64_t acc = n->o.rq.bias ? n->bias[m] : 0;
                for (int64_t k = 0; k < K; k++)
                    acc += (int64_t)n->wt[m * K + k] * v[n->in[0]][b * K + k];
                cr_assert_eq(v[n->out][b * M + m], ntl_rq8(acc, &n->o.rq), "%s", n->name);
            }
        return;
    }
    case NET_ADD:
    case NET_RELU:
        for (int64_t k = 0; k < ne; k++) {
            int64_t s = v[n->in[0]][k] + (n->kind == NET_ADD ? v[n->in[1]][k] : 0);
            cr_assert_eq(v[n->out][k], ntl_rq8(s, &n->rq), "%s", n->name);
        }
        return;
    case NET_MAXPOOL:
    case NET_AVGPOOL:
    case NET_GLOBALAVGPOOL:
        ntl_pool(g, n, v);
        return;
    case NET_RESHAPE:
        cr_assert(memcmp(v[n->out], v[n->in[0]], (size_t)ne) == 0, "%s", n->name);
        return;
    case NET_CONCAT: {
        int64_t batch = net_tensor_at(g, n->out)->shape[0], off = 0;
        for (int32_t j = 0; j < n->nin; j++) {
            int64_t part = net_tensor_elems(net_tensor_at(g, n->in[j])) / batch;
            for (int64_t b = 0; b < batch; b++)
                cr_assert(memcmp(v[n->out] + b * (ne / batch) + off, v[n->in[j]] + b * part,
                                 (size_t)part) == 0, "%s", n->name);
            off += part;
        }
        return;
    }
    default:
        cr_assert_fail("kind %d", (int)n->kind);
    }
}

#endif
