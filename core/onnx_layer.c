/* onnx_layer: ONNX layers with weights (Conv + BatchNormalization + Relu/Clip,
 * Gemm/MatMul): constant weights read as doubles, BatchNormalization folded, then the
 * power-of-two quantization and the calibrated requantization shift of core/onnx.h. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/onnx_int.h"
#include "core/ref.h"

/* Weights of one layer: doubles from the model, or int8 already (random or int8 data). */
typedef struct onnx_wts {
    int32_t rank;
    int64_t dims[4], nw;
    double *w;        /* NULL when q holds them */
    int8_t *q;
    int32_t e;        /* exponent of q */
    double *b;        /* bias as doubles (NULL: none) */
    int32_t *bq;      /* bias already int32 (random), or NULL */
    int64_t nb;
} onnx_wts;

/* The activation fused after a layer and the value name it produces. */
typedef struct onnx_act {
    bool relu;
    double lo, hi;
    const char *outname;
} onnx_act;

static void onnx_wts_free(onnx_wts *w) {
    free(w->w);
    free(w->q);
    free(w->b);
    free(w->bq);
}

static uint64_t onnx_node_seed(const onnx_ctx *c, int32_t idx, uint64_t salt) {
    return es_hash64(c->seed ^ es_hash64((uint64_t)idx * 4 + salt));
}

/* Input i of node idx as a weight of `rank` dims: the constant, or (model without any
 * initializer) random int8 of the declared shape. */
static bool onnx_weight(onnx_ctx *c, int32_t idx, size_t i, int32_t rank, onnx_wts *w) {
    const Onnx__NodeProto *n = c->gr->node[idx];
    if (i >= n->n_input || !n->input[i] || !n->input[i][0])
        return onnx_fail(c, n, "weight input %zu missing", i);
    const char *nm = n->input[i];
    const Onnx__TensorProto *t = onnx_find_const(c, nm);
    if (t) {
        if (t->n_dims != (size_t)rank)
            return onnx_fail(c, n, "weight '%.100s' has rank %zu, %d expected", nm, t->n_dims,
                             (int)rank);
        int64_t ne;
        if (!onnx_const_values(c, n, t, -1, &w->w, &ne))
            return false;
        w->rank = rank;
        for (int32_t d = 0; d < rank; d++)
            w->dims[d] = t->dims[d];
        w->nw = ne;
        if (t->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__INT8) {
            w->q = malloc((size_t)(ne > 0 ? ne : 1));
            ES_ASSERT(w->q != NULL);
            for (int64_t k = 0; k < ne; k++)
                w->q[k] = (int8_t)w->w[k];
            free(w->w);
            w->w = NULL;
        }
        return true;
    }
    if (c->has_init)
        return onnx_fail(c, n, "missing initializer '%.100s'", nm);
    int32_t r;
    if (!onnx_declared_dims(c, nm, w->dims, &r, 4) || r != rank)
        return onnx_fail(c, n, "weight '%.100s': no initializer and no static declared shape "
                         "of rank %d", nm, (int)rank);
    w->rank = rank;
    w->nw = 1;
    for (int32_t d = 0; d < rank; d++)
        if (!es_mul_i64(w->nw, w->dims[d], &w->nw) || w->nw > ONNX_MAX_ELEMS)
            return onnx_fail(c, n, "weight '%.100s': absurd size", nm);
    w->q = malloc((size_t)w->nw);
    ES_ASSERT(w->q != NULL);
    ref_fill_i8(w->q, w->nw, onnx_node_seed(c, idx, 0));
    return true;
}

/* Optional bias input i with m elements. */
static bool onnx_bias(onnx_ctx *c, int32_t idx, size_t i, int64_t m, onnx_wts *w) {
    const Onnx__NodeProto *n = c->gr->node[idx];
    w->nb = m;
    if (i >= n->n_input || !n->input[i] || !n->input[i][0])
        return true;
    const Onnx__TensorProto *t = onnx_find_const(c, n->input[i]);
    if (t) {
        int64_t nb;
        return onnx_const_values(c, n, t, m, &w->b, &nb);
    }
    if (c->has_init)
        return onnx_fail(c, n, "missing initializer '%.100s'", n->input[i]);
    w->bq = malloc((size_t)m * sizeof *w->bq);
    ES_ASSERT(w->bq != NULL);
    ref_fill_i32(w->bq, m, onnx_node_seed(c, idx, 1), -1000, 1000);
    return true;
}

/* Weights as doubles (for folding). */
static void onnx_wts_dequant(onnx_wts *w) {
    if (w->w)
        return;
    w->w = malloc((size_t)(w->nw > 0 ? w->nw : 1) * sizeof *w->w);
    ES_ASSERT(w->w != NULL);
    for (int64_t k = 0; k < w->nw; k++)
        w->w[k] = ldexp((double)w->q[k], -w->e);
    free(w->q);
    w->q = NULL;
    if (w->bq && !w->b) {
        w->b = malloc((size_t)w->nb * sizeof *w->b);
        ES_ASSERT(w->b != NULL);
        for (int64_t k = 0; k < w->nb; k++)
            w->b[k] = w->bq[k]; /* random bias: kept as integers in the folded domain */
        free(w->bq);
        w->bq = NULL;
    }
}

/* BatchNormalization node bn (inputs X, scale, B, mean, var) folded into w (m channels). */
static bool onnx_fold_bn(onnx_ctx *c, int32_t bn, int64_t m, onnx_wts *w) {
    const Onnx__NodeProto *n = c->gr->node[bn];
    if (n->n_input != 5)
        return onnx_fail(c, n, "BatchNormalization needs 5 inputs");
    float eps;
    if (!onnx_attr_float(c, n, "epsilon", 1e-5f, &eps))
        return false;
    const Onnx__TensorProto *p[4];
    int found = 0;
    for (int i = 0; i < 4; i++)
        found += (p[i] = onnx_find_const(c, n->input[i + 1])) != NULL;
    if (found == 0 && !c->has_init)
        return true; /* weight-less model: identity */
    if (found != 4)
        return onnx_fail(c, n, "missing initializer among the BatchNormalization parameters");
    double *v[4] = {NULL, NULL, NULL, NULL};
    bool ok = true;
    int64_t cnt;
    for (int i = 0; i < 4 && ok; i++)
        ok = onnx_const_values(c, n, p[i], m, &v[i], &cnt);
    for (int64_t k = 0; ok && k < m; k++)
        if (v[3][k] + eps <= 0)
            ok = onnx_fail(c, n, "variance + epsilon <= 0 for channel %" PRId64, k);
    if (ok) {
        onnx_wts_dequant(w);
        if (!w->b) {
            w->b = calloc((size_t)m, sizeof *w->b);
            ES_ASSERT(w->b != NULL);
        }
        int64_t per = w->nw / m;
        for (int64_t k = 0; k < m; k++) {
            double f = v[0][k] / sqrt(v[3][k] + eps);
            for (int64_t j = 0; j < per; j++)
                w->w[k * per + j] *= f;
            w->b[k] = (w->b[k] - v[2][k]) * f + v[1][k];
        }
    }
    for (int i = 0; i < 4; i++)
        free(v[i]);
    return ok;
}

/* Power-of-two quantization of double weights (core/onnx.h). */
static void onnx_quantize(onnx_wts *w) {
    if (!w->w)
        return;
    double mx = 0;
    for (int64_t k = 0; k < w->nw; k++)
        mx = fabs(w->w[k]) > mx ? fabs(w->w[k]) : mx;
    int32_t e = 0;
    if (mx > 0) {
        double l = floor(log2(127.0 / mx));
        e = (int32_t)(l < -30 ? -30 : l > 30 ? 30 : l);
    }
    w->q = malloc((size_t)(w->nw > 0 ? w->nw : 1));
    ES_ASSERT(w->q != NULL);
    for (int64_t k = 0; k < w->nw; k++) {
        double v = round(ldexp(w->w[k], e));
        w->q[k] = (int8_t)(v < -127 ? -127 : v > 127 ? 127 : v);
    }
    w->e = e;
    free(w->w);
    w->w = NULL;
}

static int32_t onnx_clamp_i32(double v) {
    v = round(v);
    return (int32_t)(v < -2147483648.0 ? -2147483648.0 : v > 2147483647.0 ? 2147483647.0 : v);
}

void onnx_clip_rq(op_requant *rq, int32_t exp, bool relu, double lo, double hi) {
    rq->relu = relu;
    double l = lo == -INFINITY ? -128 : round(ldexp(lo, exp));
    double h = hi == INFINITY ? 127 : round(ldexp(hi, exp));
    rq->clip_lo = (int32_t)(l < -128 ? -128 : l > 127 ? 127 : l);
    rq->clip_hi = (int32_t)(h < -128 ? -128 : h > 127 ? 127 : h);
    if (rq->clip_hi < rq->clip_lo)
        rq->clip_hi = rq->clip_lo;
}

bool onnx_clip_bounds(onnx_ctx *c, const Onnx__NodeProto *n, double *lo, double *hi) {
    float fl, fh;
    if (!onnx_attr_float(c, n, "min", -INFINITY, &fl) || !onnx_attr_float(c, n, "max", INFINITY, &fh))
        return false;
    *lo = onnx_attr(n, "min") ? fl : -INFINITY;
    *hi = onnx_attr(n, "max") ? fh : INFINITY;
    for (size_t i = 1; i < 3 && i < n->n_input; i++) {
        if (!n->input[i] || !n->input[i][0])
            continue;
        const Onnx__TensorProto *t = onnx_find_const(c, n->input[i]);
        if (!t)
            return onnx_fail(c, n, "Clip bound '%.100s' must be a constant", n->input[i]);
        double *v;
        int64_t cnt;
        if (!onnx_const_values(c, n, t, 1, &v, &cnt))
            return false;
        *(i == 1 ? lo : hi) = v[0];
        free(v);
    }
    return true;
}

const char *onnx_fuse_act(onnx_ctx *c, const char *name, bool *relu, double *lo, double *hi,
                          char *ops, size_t ops_n) {
    int32_t k = onnx_only_consumer(c, name);
    if (k < 0 || c->done[k])
        return name;
    const Onnx__NodeProto *n = c->gr->node[k];
    bool is_relu = n->op_type && strcmp(n->op_type, "Relu") == 0;
    bool is_clip = n->op_type && strcmp(n->op_type, "Clip") == 0;
    if ((!is_relu && !is_clip) || n->n_output < 1 || !n->input[0] || strcmp(n->input[0], name) != 0)
        return name;
    if (is_clip) {
        status tmp, *keep = c->st;
        status_init(&tmp);
        c->st = &tmp;
        bool ok = onnx_clip_bounds(c, n, lo, hi);
        c->st = keep;
        if (!ok)
            return name; /* left to the Clip node itself, which reports the problem */
    }
    *relu = is_relu;
    c->done[k] = true;
    size_t u = strlen(ops);
    snprintf(ops + u, ops_n - u, "+%s", n->op_type);
    return n->output[0];
}

/* Adds the layer's node from the quantized weights, calibrates its shift and runs it. */
static bool onnx_finish_layer(onnx_ctx *c, const Onnx__NodeProto *n, int32_t node, onnx_wts *w,
                              int32_t in_exp, const onnx_act *act) {
    bool relu = act->relu;
    bool has_bias = w->b || w->bq;
    int32_t *bq = w->bq;
    if (w->b) {
        bq = malloc((size_t)w->nb * sizeof *bq);
        ES_ASSERT(bq != NULL);
        for (int64_t k = 0; k < w->nb; k++)
            bq[k] = onnx_clamp_i32(ldexp(w->b[k], w->e + in_exp));
    }
    status bst;
    status_init(&bst);
    bool ok = net_set_weights(c->g, node, w->q, w->nw, has_bias ? bq : NULL, has_bias ? w->nb : 0,
                              &bst);
    if (bq != w->bq)
        free(bq);
    if (!ok)
        return onnx_fail(c, n, "%s", bst.msg);
    const net_node *nd = net_node_at(c->g, node);
    op_requant rq = nd->o.rq;
    int32_t *acc = NULL;
    if (c->calibrate && !es_add_i64(c->calib_macs, op_macs(&nd->o), &c->calib_macs))
        c->calib_macs = INT64_MAX;
    if (c->calibrate && c->calib_macs > ONNX_MAX_CALIB_MACS)
        return onnx_fail(c, n, "absurd size: more than %" PRId64 " MACs to calibrate (import "
                         "without calibration)", ONNX_MAX_CALIB_MACS);
    if (c->calibrate) {
        int64_t na = op_outputs(&nd->o), mx = 0;
        acc = malloc((size_t)na * sizeof *acc);
        ES_ASSERT(acc != NULL);
        ref_run(&nd->o, c->act[nd->in[0]], nd->wt, nd->bias, acc, NULL);
        for (int64_t k = 0; k < na; k++) {
            int64_t a = acc[k];
            if (relu && a < 0)
                continue;
            mx = llabs(a) > mx ? llabs(a) : mx;
        }
        rq.shift = onnx_shift_for(mx);
    } else {
        int64_t lg = 0;
        while (lg < 62 && ((int64_t)1 << lg) < op_reduction_size(&nd->o))
            lg++;
        rq.shift = (int32_t)(7 + (lg + 1) / 2 > 15 ? 15 : 7 + (lg + 1) / 2);
    }
    int32_t exp = w->e + in_exp - rq.shift;
    onnx_clip_rq(&rq, exp, relu, act->lo, act->hi);
    net_set_requant(c->g, node, &rq);
    bool ok2 = onnx_calib_alloc(c, n, node);
    if (ok2 && acc)
        net_ref_from_acc(c->g, node, acc, c->act[nd->out]);
    free(acc);
    if (!ok2)
        return false;
    return onnx_add_val(c, act->outname, nd->out, exp);
}

/* Conv attributes: kernel from W, strides, pads (auto_pad resolved), dilations, group. */
static bool onnx_conv_attrs(onnx_ctx *c, const Onnx__NodeProto *n, const net_tensor *x,
                            op_conv *p, int64_t pads[4]) {
    int64_t s[2] = {1, 1}, d[2] = {1, 1}, k[2], g;
    bool has;
    memset(pads, 0, 4 * sizeof *pads);
    if ((!onnx_attr_ints(c, n, "strides", 2, s, &has) && has) ||
        (!onnx_attr_ints(c, n, "dilations", 2, d, &has) && has) ||
        (!onnx_attr_ints(c, n, "pads", 4, pads, &has) && has) ||
        (!onnx_attr_ints(c, n, "kernel_shape", 2, k, &has) && has) ||
        !onnx_attr_int(c, n, "group", 1, &g))
        return false;
    if (has && (k[0] != p->r || k[1] != p->s))
        return onnx_fail(c, n, "kernel_shape does not match the weight's shape");
    if (g < 1 || g > NET_MAX_ELEMS)
        return onnx_fail(c, n, "group %" PRId64 " out of range", g);
    p->stride_h = s[0], p->stride_w = s[1], p->dil_h = d[0], p->dil_w = d[1], p->groups = g;
    const Onnx__AttributeProto *ap = onnx_attr(n, "auto_pad");
    if (ap && ap->has_s && ap->s.len >= 4 && memcmp(ap->s.data, "SAME", 4) == 0) {
        bool upper = ap->s.len == 10 && memcmp(ap->s.data, "SAME_UPPER", 10) == 0;
        for (int a = 0; a < 2; a++) {
            int64_t in = x->shape[2 + a], st = a ? p->stride_w : p->stride_h;
            int64_t eff = (a ? p->dil_w : p->dil_h) * ((a ? p->s : p->r) - 1) + 1;
            if (st < 1)
                return onnx_fail(c, n, "strides must be >= 1");
            int64_t total = (es_ceil_div(in, st) - 1) * st + eff - in;
            total = total < 0 ? 0 : total;
            pads[a] = upper ? total / 2 : total - total / 2;
            pads[a + 2] = total - pads[a];
        }
    } else if (ap && ap->has_s && !(ap->s.len == 5 && memcmp(ap->s.data, "VALID", 5) == 0) &&
               !(ap->s.len == 6 && memcmp(ap->s.data, "NOTSET", 6) == 0)) {
        return onnx_fail(c, n, "auto_pad value not supported");
    }
    return true;
}

/* The activation input of a layer, of rank `rank` (else the error `what`). */
static const onnx_val *onnx_layer_input(onnx_ctx *c, const Onnx__NodeProto *n, int32_t rank,
                                        const char *what) {
    const onnx_val *x = onnx_in_val(c, n, 0);
    if (x && net_tensor_at(c->g, x->tensor)->rank != rank) {
        onnx_fail(c, n, "%s", what);
        return NULL;
    }
    return x;
}

/* Quantizes w, adds the CONV (p, pads) or DENSE (m features) node and finishes it. */
static bool onnx_emit(onnx_ctx *c, const Onnx__NodeProto *n, onnx_wts *w, const onnx_val *x,
                      const op_conv *p, const int64_t *pads, int64_t m, const char *ops,
                      const onnx_act *act) {
    onnx_quantize(w);
    op_requant rq = op_requant_default();
    rq.bias = w->b || w->bq;
    status bst;
    status_init(&bst);
    int32_t node = p ? net_add_conv(c->g, onnx_node_name(n), ops, x->tensor, p, pads, &rq, &bst)
                     : net_add_dense(c->g, onnx_node_name(n), ops, x->tensor, m, &rq, &bst);
    if (node < 0)
        return onnx_fail(c, n, "%s", bst.msg);
    return onnx_finish_layer(c, n, node, w, x->exp, act);
}

bool onnx_conv(onnx_ctx *c, int32_t idx) {
    const Onnx__NodeProto *n = c->gr->node[idx];
    const onnx_val *x =
        onnx_layer_input(c, n, 4, "only 2-D convolutions on NCHW inputs are supported");
    if (!x)
        return false;
    const net_tensor *xt = net_tensor_at(c->g, x->tensor);
    onnx_wts w;
    memset(&w, 0, sizeof w);
    op_conv p;
    memset(&p, 0, sizeof p);
    int64_t pads[4];
    bool ok = onnx_weight(c, idx, 1, 4, &w);
    if (ok) {
        p.k = w.dims[0], p.r = w.dims[2], p.s = w.dims[3];
        ok = onnx_conv_attrs(c, n, xt, &p, pads) && onnx_bias(c, idx, 2, p.k, &w);
    }
    if (ok && w.dims[1] * p.groups != xt->shape[1])
        ok = onnx_fail(c, n, "weight has %" PRId64 " input channels per group, the input %" PRId64
                       " channels in %" PRId64 " groups", w.dims[1], xt->shape[1], p.groups);
    char ops[32] = "Conv";
    const char *outname = n->output[0];
    int32_t bn = ok ? onnx_only_consumer(c, outname) : -1;
    if (ok && bn >= 0 && c->gr->node[bn]->op_type &&
        strcmp(c->gr->node[bn]->op_type, "BatchNormalization") == 0 && !c->done[bn] &&
        c->gr->node[bn]->n_input > 0 && c->gr->node[bn]->input[0] &&
        strcmp(c->gr->node[bn]->input[0], outname) == 0) {
        ok = onnx_fold_bn(c, bn, p.k, &w);
        c->done[bn] = true;
        outname = c->gr->node[bn]->n_output > 0 ? c->gr->node[bn]->output[0] : outname;
        snprintf(ops + strlen(ops), sizeof ops - strlen(ops), "+BatchNormalization");
    }
    onnx_act act = {false, -INFINITY, INFINITY, outname};
    if (ok) {
        act.outname = onnx_fuse_act(c, outname, &act.relu, &act.lo, &act.hi, ops, sizeof ops);
        ok = onnx_emit(c, n, &w, x, &p, pads, 0, ops, &act);
    }
    onnx_wts_free(&w);
    return ok;
}

/* [rows, cols] -> [cols, rows] of elements of `size` bytes; frees a, returns the copy. */
static void *onnx_transpose(void *a, size_t size, int64_t rows, int64_t cols) {
    unsigned char *t = malloc((size_t)(rows * cols) * size), *src = a;
    ES_ASSERT(t != NULL);
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < cols; j++)
            memcpy(t + (size_t)(j * rows + i) * size, src + (size_t)(i * cols + j) * size, size);
    free(a);
    return t;
}

bool onnx_dense(onnx_ctx *c, int32_t idx) {
    const Onnx__NodeProto *n = c->gr->node[idx];
    const onnx_val *x = onnx_layer_input(c, n, 2, "the activation must be 2-D [N, K] (Flatten first)");
    if (!x)
        return false;
    const net_tensor *xt = net_tensor_at(c->g, x->tensor);
    bool gemm = strcmp(n->op_type, "Gemm") == 0;
    int64_t ta = 0, tb = 0;
    float alpha = 1, beta = 1;
    if (gemm && (!onnx_attr_int(c, n, "transA", 0, &ta) || !onnx_attr_int(c, n, "transB", 0, &tb) ||
                 !onnx_attr_float(c, n, "alpha", 1, &alpha) ||
                 !onnx_attr_float(c, n, "beta", 1, &beta)))
        return false;
    if (ta != 0)
        return onnx_fail(c, n, "transA = 1 is not supported (the activation is A)");
    onnx_wts w;
    memset(&w, 0, sizeof w);
    bool ok = onnx_weight(c, idx, 1, 2, &w);
    int64_t m = tb ? w.dims[0] : w.dims[1], k = tb ? w.dims[1] : w.dims[0];
    if (ok && k != xt->shape[1])
        ok = onnx_fail(c, n, "weight has K = %" PRId64 ", the activation %" PRId64, k, xt->shape[1]);
    if (ok && gemm)
        ok = onnx_bias(c, idx, 2, m, &w);
    if (ok && !tb) { /* B[K, M] -> A[M, K] */
        if (w.q)
            w.q = onnx_transpose(w.q, sizeof *w.q, k, m);
        else
            w.w = onnx_transpose(w.w, sizeof *w.w, k, m);
    }
    if (ok && (alpha != 1 || beta != 1)) {
        onnx_wts_dequant(&w);
        for (int64_t i = 0; i < w.nw; i++)
            w.w[i] *= alpha;
        for (int64_t i = 0; w.b && i < w.nb; i++)
            w.b[i] *= beta;
    }
    char ops[32];
    snprintf(ops, sizeof ops, "%s", n->op_type);
    onnx_act act = {false, -INFINITY, INFINITY, n->output[0]};
    if (ok) {
        act.outname = onnx_fuse_act(c, n->output[0], &act.relu, &act.lo, &act.hi, ops, sizeof ops);
        ok = onnx_emit(c, n, &w, x, NULL, NULL, m, ops, &act);
    }
    onnx_wts_free(&w);
    return ok;
}
