/* net: the network IR (see core/net.h): storage, builders and the checker.
 * Invariant: node i's output tensor has producer i; constants are owned copies. */
#include "core/net.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

struct net {
    char name[NET_NAME_MAX];
    net_tensor *t;
    int32_t nt, capt;
    net_node *n;
    int32_t nn, capn;
    int32_t output; /* -1: the last node's */
};

static const char *const net_kind_names[] = {NET_NODE_KINDS(ES_NAME2)};
static const char *const net_engine_names[] = {NET_ENGINES(ES_NAME2)};

const char *net_node_kind_name(net_node_kind k) {
    ES_ASSERT((int)k >= 0 && (int)k < NET_NKINDS);
    return net_kind_names[k];
}
const char *net_engine_name(net_engine e) {
    ES_ASSERT((int)e >= 0 && (int)e < ES_COUNT(net_engine_names));
    return net_engine_names[e];
}

static void net_copy_name(char *dst, size_t n, const char *src) {
    snprintf(dst, n, "%s", src ? src : "");
}

static void *net_grow(void *p, int32_t *cap, size_t elem) {
    int32_t nc = *cap ? *cap * 2 : 16;
    void *q = realloc(p, (size_t)nc * elem);
    ES_ASSERT(q != NULL);
    *cap = nc;
    return q;
}

net *net_create(const char *name) {
    net *g = calloc(1, sizeof *g);
    ES_ASSERT(g != NULL);
    net_copy_name(g->name, sizeof g->name, name);
    g->output = -1;
    return g;
}

void net_destroy(net *g) {
    if (!g)
        return;
    for (int32_t i = 0; i < g->nn; i++) {
        free((void *)g->n[i].wt);
        free((void *)g->n[i].bias);
    }
    free(g->n);
    free(g->t);
    free(g);
}

int32_t net_add_tensor(net *g, const char *name, int32_t rank, const int64_t *shape) {
    if ((rank != 2 && rank != 4) || g->nt >= NET_MAX_TENSORS)
        return -1;
    if (g->nt == g->capt)
        g->t = net_grow(g->t, &g->capt, sizeof *g->t);
    net_tensor *t = &g->t[g->nt];
    memset(t, 0, sizeof *t);
    net_copy_name(t->name, sizeof t->name, name);
    t->rank = rank;
    memcpy(t->shape, shape, (size_t)rank * sizeof *shape);
    t->producer = -1;
    return g->nt++;
}

int32_t net_add_node(net *g, const net_node *n) {
    if (g->nn >= NET_MAX_NODES || n->nin < 0 || n->nin > NET_MAX_IN)
        return -1;
    if (n->out < 0 || n->out >= g->nt || g->t[n->out].producer >= 0)
        return -1;
    for (int32_t i = 0; i < n->nin; i++)
        if (n->in[i] < 0 || n->in[i] >= g->nt)
            return -1;
    if (g->nn == g->capn)
        g->n = net_grow(g->n, &g->capn, sizeof *g->n);
    net_node *d = &g->n[g->nn];
    *d = *n;
    d->wt = NULL;
    d->bias = NULL;
    g->t[n->out].producer = g->nn;
    return g->nn++;
}

bool net_set_weights(net *g, int32_t node, const int8_t *wt, int64_t n_wt, const int32_t *bias,
                     int64_t n_bias, status *st) {
    ES_ASSERT(node >= 0 && node < g->nn);
    net_node *n = &g->n[node];
    if (n->kind != NET_CONV && n->kind != NET_DENSE)
        return status_fail(st, "node %s: a %s node has no weights", n->name,
                           net_node_kind_name(n->kind));
    int64_t want = op_tensor_elems(&n->o, OP_WT);
    if (n_wt != want || !wt)
        return status_fail(st, "node %s: %" PRId64 " weights given, the op needs %" PRId64,
                           n->name, n_wt, want);
    int64_t nb = n->o.rq.bias ? n->o.t[OP_OUT].shape[n->o.rq.bias_axis] : 0;
    if (n_bias != nb || (nb > 0 && !bias))
        return status_fail(st, "node %s: %" PRId64 " biases given, the op needs %" PRId64,
                           n->name, n_bias, nb);
    int8_t *w = malloc((size_t)n_wt);
    ES_ASSERT(w != NULL);
    memcpy(w, wt, (size_t)n_wt);
    free((void *)n->wt);
    n->wt = w;
    free((void *)n->bias);
    n->bias = NULL;
    if (nb > 0) {
        int32_t *b = malloc((size_t)nb * sizeof *b);
        ES_ASSERT(b != NULL);
        memcpy(b, bias, (size_t)nb * sizeof *b);
        n->bias = b;
    }
    return true;
}

void net_set_engine(net *g, int32_t node, net_engine e) {
    ES_ASSERT(node >= 0 && node < g->nn);
    g->n[node].engine = e;
}
void net_set_requant(net *g, int32_t node, const op_requant *rq) {
    ES_ASSERT(node >= 0 && node < g->nn);
    net_node *n = &g->n[node];
    if (n->kind == NET_CONV || n->kind == NET_DENSE) {
        op_requant r = *rq;
        r.bias = n->o.rq.bias;
        r.bias_axis = n->o.rq.bias_axis;
        n->o.rq = r;
    } else {
        n->rq = *rq;
    }
}
void net_set_tensor_qexp(net *g, int32_t tensor, int32_t qexp) {
    ES_ASSERT(tensor >= 0 && tensor < g->nt);
    g->t[tensor].qexp = qexp;
}
void net_set_output(net *g, int32_t tensor) {
    ES_ASSERT(tensor >= 0 && tensor < g->nt);
    g->output = tensor;
}

int32_t net_nnodes(const net *g) { return g->nn; }
const net_node *net_node_at(const net *g, int32_t i) {
    ES_ASSERT(i >= 0 && i < g->nn);
    return &g->n[i];
}
int32_t net_ntensors(const net *g) { return g->nt; }
const net_tensor *net_tensor_at(const net *g, int32_t i) {
    ES_ASSERT(i >= 0 && i < g->nt);
    return &g->t[i];
}
int32_t net_input(const net *g) {
    for (int32_t i = 0; i < g->nn; i++)
        if (g->n[i].kind == NET_INPUT)
            return g->n[i].out;
    return -1;
}
int32_t net_output(const net *g) {
    if (g->output >= 0)
        return g->output;
    return g->nn > 0 ? g->n[g->nn - 1].out : -1;
}
const char *net_name(const net *g) { return g->name; }

int64_t net_tensor_elems(const net_tensor *t) {
    int64_t e = 1;
    for (int32_t i = 0; i < t->rank; i++)
        if (!es_mul_i64(e, t->shape[i], &e))
            return INT64_MAX;
    return e;
}

int32_t net_tensor_users(const net *g, int32_t t, int32_t *users, int32_t cap) {
    int32_t c = 0;
    for (int32_t i = 0; i < g->nn; i++)
        for (int32_t j = 0; j < g->n[i].nin; j++)
            if (g->n[i].in[j] == t) {
                if (users && c < cap)
                    users[c] = i;
                c++;
                break;
            }
    return c;
}

/* ---- checker ------------------------------------------------------------------ */

static void net_shape_str(const net_tensor *t, char *buf, size_t n) {
    size_t u = 0;
    buf[0] = 0;
    for (int32_t i = 0; i < t->rank && u < n; i++)
        u += (size_t)snprintf(buf + u, n - u, "%s%" PRId64, i ? "x" : "", t->shape[i]);
}

static bool net_shape_is(const net_tensor *t, int32_t rank, const int64_t *shape) {
    if (t->rank != rank)
        return false;
    for (int32_t i = 0; i < rank; i++)
        if (t->shape[i] != shape[i])
            return false;
    return true;
}

static bool net_fail_shape(const net *g, const net_node *n, int32_t tid, const char *what,
                           int32_t rank, const int64_t *want, status *st) {
    net_tensor w;
    memset(&w, 0, sizeof w);
    w.rank = rank;
    memcpy(w.shape, want, (size_t)rank * sizeof *want);
    char a[96], b[96];
    net_shape_str(&g->t[tid], a, sizeof a);
    net_shape_str(&w, b, sizeof b);
    return status_fail(st, "node %s (%s): %s tensor %s has shape %s, expected %s", n->name,
                       net_node_kind_name(n->kind), what, g->t[tid].name, a, b);
}

/* Output extent of a pool window along one axis; false if it is < 1. */
static bool net_pool_out(int64_t in, int64_t k, int64_t s, int64_t p0, int64_t p1, int64_t *out) {
    int64_t span = in + p0 + p1 - k;
    if (span < 0)
        return false;
    *out = span / s + 1;
    return true;
}

static bool net_check_pool(const net_pool *p, const char *name, status *st) {
    if (p->kh < 1 || p->kw < 1 || p->stride_h < 1 || p->stride_w < 1)
        return status_fail(st, "node %s: pool kernel and strides must be >= 1", name);
    if (p->kh > NET_MAX_ELEMS || p->kw > NET_MAX_ELEMS || p->stride_h > NET_MAX_ELEMS ||
        p->stride_w > NET_MAX_ELEMS)
        return status_fail(st, "node %s: pool kernel or stride too large", name);
    if (p->pad_top < 0 || p->pad_bottom < 0 || p->pad_left < 0 || p->pad_right < 0 ||
        p->pad_top >= p->kh || p->pad_bottom >= p->kh || p->pad_left >= p->kw ||
        p->pad_right >= p->kw)
        return status_fail(st, "node %s: pool pads must be in [0, kernel)", name);
    return true;
}

/* The output shape a node must have, given its inputs (false + status if impossible). */
static bool net_expected_out(const net *g, const net_node *n, int64_t *shape, int32_t *rank,
                             status *st) {
    const net_tensor *a = &g->t[n->in[0]];
    *rank = a->rank;
    memcpy(shape, a->shape, sizeof a->shape);
    switch (n->kind) {
    case NET_ADD:
        if (!net_shape_is(&g->t[n->in[1]], a->rank, a->shape))
            return net_fail_shape(g, n, n->in[1], "second input", a->rank, a->shape, st);
        return true;
    case NET_RELU:
        return true;
    case NET_MAXPOOL:
    case NET_AVGPOOL:
        if (a->rank != 4)
            return status_fail(st, "node %s: pool input must be rank 4", n->name);
        if (!net_check_pool(&n->pool, n->name, st))
            return false;
        if (!net_pool_out(a->shape[2], n->pool.kh, n->pool.stride_h, n->pool.pad_top,
                          n->pool.pad_bottom, &shape[2]) ||
            !net_pool_out(a->shape[3], n->pool.kw, n->pool.stride_w, n->pool.pad_left,
                          n->pool.pad_right, &shape[3]))
            return status_fail(st, "node %s: pool window larger than the padded input", n->name);
        return true;
    case NET_GLOBALAVGPOOL:
        if (a->rank != 4)
            return status_fail(st, "node %s: global pool input must be rank 4", n->name);
        shape[2] = shape[3] = 1;
        return true;
    case NET_RESHAPE: {
        const net_tensor *o = &g->t[n->out];
        if (net_tensor_elems(o) != net_tensor_elems(a))
            return status_fail(st, "node %s: reshape changes the element count", n->name);
        *rank = o->rank;
        memcpy(shape, o->shape, sizeof o->shape);
        return true;
    }
    case NET_CONCAT:
        for (int32_t i = 1; i < n->nin; i++) {
            const net_tensor *b = &g->t[n->in[i]];
            int64_t want[4];
            memcpy(want, a->shape, sizeof want);
            want[1] = b->shape[1];
            if (!net_shape_is(b, a->rank, want))
                return net_fail_shape(g, n, n->in[i], "concatenated", a->rank, want, st);
            if (!es_add_i64(shape[1], b->shape[1], &shape[1]))
                return status_fail(st, "node %s: concat size overflows", n->name);
        }
        return true;
    default:
        ES_ASSERT(0);
    }
}

static bool net_check_op_node(const net *g, const net_node *n, status *st) {
    status ost;
    status_init(&ost);
    if (!op_check(&n->o, &ost))
        return status_fail(st, "node %s: %s", n->name, ost.msg);
    const op_tensor *oi = &n->o.t[OP_IN], *oo = &n->o.t[OP_OUT];
    if (n->kind == NET_CONV) {
        if (n->o.kind != OP_CONV2D && n->o.kind != OP_DEPTHWISE)
            return status_fail(st, "node %s: a conv node needs a conv2d/depthwise op", n->name);
        if (!net_shape_is(&g->t[n->in[0]], 4, oi->shape))
            return net_fail_shape(g, n, n->in[0], "input", 4, oi->shape, st);
        const net_tensor *o = &g->t[n->out];
        if (o->rank != 4 || o->shape[0] != oo->shape[0] || o->shape[1] != oo->shape[1] ||
            n->crop_h < 0 || n->crop_w < 0 || n->crop_h + o->shape[2] > oo->shape[2] ||
            n->crop_w + o->shape[3] > oo->shape[3])
            return net_fail_shape(g, n, n->out, "output (a window of the op's Out)", 4, oo->shape,
                                  st);
        return true;
    }
    if (n->o.kind != OP_GEMM || n->o.gemm.batch != 1 || !n->o.gemm.b_t || n->o.gemm.a_t)
        return status_fail(st, "node %s: a dense node needs a GEMM op with batch 1, b_t, !a_t",
                           n->name);
    int64_t in_sh[2] = {n->o.gemm.n, n->o.gemm.k}, out_sh[2] = {n->o.gemm.n, n->o.gemm.m};
    if (!net_shape_is(&g->t[n->in[0]], 2, in_sh))
        return net_fail_shape(g, n, n->in[0], "input", 2, in_sh, st);
    if (!net_shape_is(&g->t[n->out], 2, out_sh))
        return net_fail_shape(g, n, n->out, "output", 2, out_sh, st);
    return true;
}

bool net_check_node(const net *g, int32_t i, status *st) {
    const net_node *n = &g->n[i];
    static const int32_t min_in[NET_NKINDS] = {0, 1, 1, 2, 1, 1, 1, 1, 1, 1};
    static const int32_t max_in[NET_NKINDS] = {0, 1, 1, 2, 1, 1, 1, 1, 1, NET_MAX_IN};
    if ((int)n->kind < 0 || (int)n->kind >= NET_NKINDS)
        return status_fail(st, "node %d: bad kind", (int)i);
    if (n->nin < min_in[n->kind] || n->nin > max_in[n->kind])
        return status_fail(st, "node %s (%s): %d inputs", n->name, net_node_kind_name(n->kind),
                           (int)n->nin);
    if (n->out < 0 || n->out >= g->nt || g->t[n->out].producer != i)
        return status_fail(st, "node %s: its output is not produced by it", n->name);
    for (int32_t j = 0; j < n->nin; j++) {
        int32_t t = n->in[j];
        if (t < 0 || t >= g->nt)
            return status_fail(st, "node %s: input %d out of range", n->name, (int)j);
        if (g->t[t].producer < 0 || g->t[t].producer >= i)
            return status_fail(st, "node %s: input tensor %s is not produced before it (not in "
                                   "topological order)", n->name, g->t[t].name);
    }
    if (n->kind == NET_INPUT)
        return true;
    if (n->kind == NET_CONV || n->kind == NET_DENSE)
        return net_check_op_node(g, n, st);
    if (n->kind == NET_ADD || n->kind == NET_RELU) {
        status rst;
        status_init(&rst);
        if (!op_requant_check(&n->rq, 4, &rst) || n->rq.bias)
            return status_fail(st, "node %s: bad requantization: %s", n->name,
                               n->rq.bias ? "no bias allowed" : rst.msg);
    }
    int64_t want[4];
    int32_t rank;
    if (!net_expected_out(g, n, want, &rank, st))
        return false;
    if (!net_shape_is(&g->t[n->out], rank, want))
        return net_fail_shape(g, n, n->out, "output", rank, want, st);
    return true;
}

static bool net_check_tensors(const net *g, const bool *read, status *st) {
    for (int32_t t = 0; t < g->nt; t++) {
        const net_tensor *x = &g->t[t];
        if (x->rank != 2 && x->rank != 4)
            return status_fail(st, "tensor %s: rank %d (2 or 4 expected)", x->name, (int)x->rank);
        for (int32_t j = 0; j < x->rank; j++)
            if (x->shape[j] < 1 || x->shape[j] > NET_MAX_ELEMS)
                return status_fail(st, "tensor %s: extent %" PRId64 " out of [1, %" PRId64 "]",
                                   x->name, x->shape[j], NET_MAX_ELEMS);
        if (net_tensor_elems(x) > NET_MAX_ELEMS)
            return status_fail(st, "tensor %s: more than %" PRId64 " elements", x->name,
                               NET_MAX_ELEMS);
        if (x->producer < 0 && read[t])
            return status_fail(st, "tensor %s: read but never produced", x->name);
    }
    return true;
}

bool net_check(const net *g, status *st) {
    int32_t ninput = 0;
    bool *read = calloc((size_t)(g->nt > 0 ? g->nt : 1), 1);
    ES_ASSERT(read != NULL);
    for (int32_t i = 0; i < g->nn; i++)
        for (int32_t j = 0; j < g->n[i].nin; j++)
            if (g->n[i].in[j] >= 0 && g->n[i].in[j] < g->nt)
                read[g->n[i].in[j]] = true;
    bool ok = net_check_tensors(g, read, st);
    free(read);
    if (!ok)
        return false;
    for (int32_t i = 0; i < g->nn; i++) {
        ninput += g->n[i].kind == NET_INPUT;
        if (!net_check_node(g, i, st))
            return false;
        const net_node *n = &g->n[i];
        if ((n->kind == NET_CONV || n->kind == NET_DENSE) && !n->wt)
            return status_fail(st, "node %s: weights not set", n->name);
        if ((n->kind == NET_CONV || n->kind == NET_DENSE) && n->o.rq.bias && !n->bias)
            return status_fail(st, "node %s: bias not set", n->name);
    }
    if (ninput != 1)
        return status_fail(st, "network %s: %d input nodes (exactly 1 expected)", g->name,
                           (int)ninput);
    if (net_output(g) < 0 || g->t[net_output(g)].producer < 0)
        return status_fail(st, "network %s: no output", g->name);
    return true;
}
