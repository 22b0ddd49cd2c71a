/* onnx: the ONNX importer (rules in core/onnx.h): reads the file with protobuf-c, walks
 * the graph in its (topological) order and builds the network IR; weights and
 * quantization of Conv/Gemm/MatMul live in core/onnx_layer.c.
 * Invariant: every size read from the file is bounded before anything is allocated for
 * it; every failure names the file and, when there is one, the node and its op type. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/onnx_int.h"
#include "core/ref.h"
#include "core/text.h"

const char *onnx_node_name(const Onnx__NodeProto *n) {
    if (n->name && n->name[0])
        return n->name;
    return n->n_output > 0 && n->output[0] ? n->output[0] : "?";
}

bool onnx_fail(onnx_ctx *c, const Onnx__NodeProto *n, const char *fmt, ...) {
    char msg[STATUS_MSG_MAX / 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n)
        return status_fail(c->st, "%s: node %.120s (%.60s): %s", c->file, onnx_node_name(n),
                           n->op_type ? n->op_type : "?", msg);
    return status_fail(c->st, "%s: %s", c->file, msg);
}

/* ---- tables ----------------------------------------------------------------------- */

const onnx_val *onnx_find_val(const onnx_ctx *c, const char *name) {
    for (int32_t i = c->nvals - 1; i >= 0; i--)
        if (strcmp(c->vals[i].name, name) == 0)
            return &c->vals[i];
    return NULL;
}

bool onnx_add_val(onnx_ctx *c, const char *name, int32_t tensor, int32_t exp) {
    net_set_tensor_qexp(c->g, tensor, exp);
    if (c->nvals == c->capvals) {
        int32_t nc = c->capvals ? 2 * c->capvals : 64;
        onnx_val *v = realloc(c->vals, (size_t)nc * sizeof *v);
        ES_ASSERT(v != NULL);
        c->vals = v;
        c->capvals = nc;
    }
    c->vals[c->nvals++] = (onnx_val){name, tensor, exp};
    return true;
}

const Onnx__TensorProto *onnx_find_const(const onnx_ctx *c, const char *name) {
    for (size_t i = 0; i < c->gr->n_initializer; i++)
        if (c->gr->initializer[i]->name && strcmp(c->gr->initializer[i]->name, name) == 0)
            return c->gr->initializer[i];
    for (int32_t i = 0; i < c->nconsts; i++)
        if (strcmp(c->const_names[i], name) == 0)
            return c->consts[i];
    return NULL;
}

const onnx_val *onnx_in_val(onnx_ctx *c, const Onnx__NodeProto *n, size_t i) {
    if (i >= n->n_input || !n->input[i] || !n->input[i][0]) {
        onnx_fail(c, n, "input %zu missing", i);
        return NULL;
    }
    const onnx_val *v = onnx_find_val(c, n->input[i]);
    if (!v) {
        if (onnx_find_const(c, n->input[i]))
            onnx_fail(c, n, "input '%.100s' is a constant; an activation is expected", n->input[i]);
        else
            onnx_fail(c, n, "input '%.100s' is not produced by any earlier node", n->input[i]);
    }
    return v;
}

static const Onnx__TypeProto__Tensor *onnx_vi_tensor(const Onnx__ValueInfoProto *vi) {
    if (!vi || !vi->type || vi->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE)
        return NULL;
    return vi->type->tensor_type;
}

bool onnx_declared_dims(const onnx_ctx *c, const char *name, int64_t *dims, int32_t *rank,
                        int32_t max) {
    const Onnx__GraphProto *gr = c->gr;
    for (int pass = 0; pass < 2; pass++) {
        size_t nv = pass ? gr->n_value_info : gr->n_input;
        Onnx__ValueInfoProto **vv = pass ? gr->value_info : gr->input;
        for (size_t i = 0; i < nv; i++) {
            const Onnx__TypeProto__Tensor *t = onnx_vi_tensor(vv[i]);
            if (!vv[i]->name || strcmp(vv[i]->name, name) != 0 || !t || !t->shape ||
                t->shape->n_dim > (size_t)max)
                continue;
            *rank = (int32_t)t->shape->n_dim;
            for (size_t d = 0; d < t->shape->n_dim; d++) {
                const Onnx__TensorShapeProto__Dimension *dm = t->shape->dim[d];
                if (dm->value_case != ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE ||
                    dm->dim_value < 1 || dm->dim_value > ONNX_MAX_ELEMS)
                    return false;
                dims[d] = dm->dim_value;
            }
            return true;
        }
    }
    return false;
}

int32_t onnx_only_consumer(const onnx_ctx *c, const char *name) {
    int32_t who = -1, cnt = 0;
    for (size_t i = 0; i < c->gr->n_node; i++) {
        const Onnx__NodeProto *n = c->gr->node[i];
        for (size_t j = 0; j < n->n_input; j++)
            if (n->input[j] && strcmp(n->input[j], name) == 0) {
                who = (int32_t)i;
                cnt++;
                break;
            }
    }
    for (size_t i = 0; i < c->gr->n_output; i++)
        if (c->gr->output[i]->name && strcmp(c->gr->output[i]->name, name) == 0)
            return -1;
    return cnt == 1 ? who : -1;
}

/* ---- attributes and constants ------------------------------------------------------ */

const Onnx__AttributeProto *onnx_attr(const Onnx__NodeProto *n, const char *name) {
    for (size_t i = 0; i < n->n_attribute; i++)
        if (n->attribute[i]->name && strcmp(n->attribute[i]->name, name) == 0)
            return n->attribute[i];
    return NULL;
}

bool onnx_attr_int(onnx_ctx *c, const Onnx__NodeProto *n, const char *name, int64_t def,
                   int64_t *v) {
    const Onnx__AttributeProto *a = onnx_attr(n, name);
    bool bad = a && a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
    *v = a && !bad ? a->i : def;
    return bad ? onnx_fail(c, n, "attribute %s must be an int", name) : true;
}

bool onnx_attr_float(onnx_ctx *c, const Onnx__NodeProto *n, const char *name, float def,
                     float *v) {
    const Onnx__AttributeProto *a = onnx_attr(n, name);
    bool bad = a && (a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT || !isfinite(a->f));
    *v = a && !bad ? a->f : def;
    return bad ? onnx_fail(c, n, "attribute %s must be a finite float", name) : true;
}

bool onnx_attr_ints(onnx_ctx *c, const Onnx__NodeProto *n, const char *name, int32_t want,
                    int64_t *v, bool *present) {
    const Onnx__AttributeProto *a = onnx_attr(n, name);
    *present = a != NULL;
    if (!a)
        return false;
    if (a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS || a->n_ints != (size_t)want)
        return onnx_fail(c, n, "attribute %s must have %d ints (2-D operators only)", name,
                         (int)want);
    for (int32_t i = 0; i < want; i++) {
        if (a->ints[i] < 0 || a->ints[i] > NET_MAX_ELEMS)
            return onnx_fail(c, n, "attribute %s: value %" PRId64 " out of [0, 2^31]", name,
                             a->ints[i]);
        v[i] = a->ints[i];
    }
    return true;
}

bool onnx_const_elems(onnx_ctx *c, const Onnx__NodeProto *n, const Onnx__TensorProto *t,
                      int64_t *elems) {
    int64_t e = 1;
    for (size_t i = 0; i < t->n_dims; i++)
        if (t->dims[i] < 0 || !es_mul_i64(e, t->dims[i], &e) || e > ONNX_MAX_ELEMS)
            return onnx_fail(c, n, "constant '%.100s': absurd size (more than %" PRId64
                             " elements or a negative dimension)", t->name ? t->name : "",
                             ONNX_MAX_ELEMS);
    *elems = e;
    return true;
}

/* Little-endian element i of raw data of `size` bytes per element. */
static double onnx_raw_elem(const uint8_t *p, int32_t type, int64_t i) {
    uint64_t u = 0;
    int size = type == ONNX__TENSOR_PROTO__DATA_TYPE__INT8 ? 1
             : (type == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT || type == ONNX__TENSOR_PROTO__DATA_TYPE__INT32) ? 4
             : 8;
    for (int b = 0; b < size; b++)
        u |= (uint64_t)p[i * size + b] << (8 * b);
    switch (type) {
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT8:
        return (double)(int8_t)(uint8_t)u;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT32: {
        int32_t v;
        uint32_t w = (uint32_t)u;
        memcpy(&v, &w, 4);
        return v;
    }
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT: {
        float f;
        uint32_t w = (uint32_t)u;
        memcpy(&f, &w, 4);
        return f;
    }
    case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE: {
        double d;
        memcpy(&d, &u, 8);
        return d;
    }
    default: {
        int64_t v;
        memcpy(&v, &u, 8);
        return (double)v;
    }
    }
}

bool onnx_const_values(onnx_ctx *c, const Onnx__NodeProto *n, const Onnx__TensorProto *t,
                       int64_t want, double **out, int64_t *out_n) {
    *out = NULL;
    int64_t e;
    if (!onnx_const_elems(c, n, t, &e))
        return false;
    const char *nm = t->name ? t->name : "";
    if (want >= 0 && e != want)
        return onnx_fail(c, n, "constant '%.100s' has %" PRId64 " elements, %" PRId64 " expected",
                         nm, e, want);
    int32_t ty = t->data_type;
    int size;
    switch (ty) {
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT8: size = 1; break;
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT:
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT32: size = 4; break;
    case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE:
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT64: size = 8; break;
    default:
        return onnx_fail(c, n, "constant '%.100s': data type %d not supported (float, double, "
                         "int8, int32, int64)", nm, (int)ty);
    }
    if (t->has_data_location && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
        return onnx_fail(c, n, "constant '%.100s': external data not supported", nm);
    bool raw = t->has_raw_data && t->raw_data.len > 0;
    size_t avail = raw ? t->raw_data.len / (size_t)size
                 : ty == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT  ? t->n_float_data
                 : ty == ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE ? t->n_double_data
                 : ty == ONNX__TENSOR_PROTO__DATA_TYPE__INT64  ? t->n_int64_data
                                                               : t->n_int32_data;
    if (avail != (size_t)e || (raw && t->raw_data.len % (size_t)size != 0))
        return onnx_fail(c, n, "constant '%.100s': data size does not match its %" PRId64
                         " elements", nm, e);
    double *v = malloc((size_t)(e > 0 ? e : 1) * sizeof *v);
    ES_ASSERT(v != NULL);
    bool ok = true;
    if (raw) {
        for (int64_t i = 0; ok && i < e; i++)
            v[i] = onnx_raw_elem(t->raw_data.data, ty, i);
    } else if (ty == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT) {
        ok = t->n_float_data == (size_t)e;
        for (int64_t i = 0; ok && i < e; i++)
            v[i] = t->float_data[i];
    } else if (ty == ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE) {
        ok = t->n_double_data == (size_t)e;
        for (int64_t i = 0; ok && i < e; i++)
            v[i] = t->double_data[i];
    } else if (ty == ONNX__TENSOR_PROTO__DATA_TYPE__INT64) {
        ok = t->n_int64_data == (size_t)e;
        for (int64_t i = 0; ok && i < e; i++)
            v[i] = (double)t->int64_data[i];
    } else {
        ok = t->n_int32_data == (size_t)e;
        for (int64_t i = 0; ok && i < e; i++)
            v[i] = ty == ONNX__TENSOR_PROTO__DATA_TYPE__INT8 ? (double)(int8_t)t->int32_data[i]
                                                             : t->int32_data[i];
    }
    for (int64_t i = 0; ok && i < e; i++)
        ok = isfinite(v[i]);
    if (!ok) {
        free(v);
        return onnx_fail(c, n, "constant '%.100s': data size does not match its %" PRId64
                         " elements (or is not finite)", nm, e);
    }
    *out = v;
    *out_n = e;
    return true;
}

/* ---- calibration values ------------------------------------------------------------ */

bool onnx_calib_alloc(onnx_ctx *c, const Onnx__NodeProto *n, int32_t node) {
    int32_t nt = net_ntensors(c->g);
    if (nt > c->capact) {
        int32_t nc = nt * 2;
        int8_t **a = realloc(c->act, (size_t)nc * sizeof *a);
        ES_ASSERT(a != NULL);
        memset(a + c->capact, 0, (size_t)(nc - c->capact) * sizeof *a);
        c->act = a;
        c->capact = nc;
    }
    int32_t out = net_node_at(c->g, node)->out;
    int64_t e = net_tensor_elems(net_tensor_at(c->g, out));
    if (e > ONNX_MAX_ELEMS || c->act_bytes + e > ONNX_MAX_ACT_BYTES)
        return onnx_fail(c, n, "absurd size: activations exceed %" PRId64 " bytes",
                         ONNX_MAX_ACT_BYTES);
    c->act_bytes += e;
    if (!c->calibrate)
        return true;
    c->act[out] = calloc((size_t)e, 1);
    if (!c->act[out])
        return onnx_fail(c, n, "out of memory");
    return true;
}

bool onnx_calib_node(onnx_ctx *c, const Onnx__NodeProto *n, int32_t node) {
    if (!onnx_calib_alloc(c, n, node))
        return false;
    if (c->calibrate)
        net_ref_node(c->g, node, c->act);
    return true;
}

int32_t onnx_shift_for(int64_t maxacc) {
    int32_t s = 0;
    while (s < 15 && (maxacc >> s) > 127)
        s++;
    return s;
}

/* ---- operators without weights ------------------------------------------------------- */

static bool onnx_done(onnx_ctx *c, const Onnx__NodeProto *n, int32_t node, const char *outname,
                      int32_t exp) {
    if (!onnx_calib_node(c, n, node))
        return false;
    return onnx_add_val(c, outname, net_node_at(c->g, node)->out, exp);
}

/* Builds with the net builder; on failure re-words its status with the file name. */
#define ONNX_BUILD(c, n, call)                                                            \
    do {                                                                                  \
        status bst_;                                                                      \
        status_init(&bst_);                                                               \
        status *keep_ = (c)->st;                                                          \
        (c)->st = &bst_;                                                                  \
        node_ = (call);                                                                   \
        (c)->st = keep_;                                                                  \
        if (node_ < 0)                                                                    \
            return onnx_fail((c), (n), "%s", bst_.msg);                                   \
    } while (0)

static bool onnx_add(onnx_ctx *c, const Onnx__NodeProto *n) {
    const onnx_val *a = onnx_in_val(c, n, 0), *b = a ? onnx_in_val(c, n, 1) : NULL;
    if (!b)
        return false;
    if (n->n_input != 2)
        return onnx_fail(c, n, "Add needs 2 inputs");
    int32_t ta = a->tensor, tb = b->tensor, ea = a->exp, eb = b->exp;
    if (net_tensor_elems(net_tensor_at(c->g, ta)) != net_tensor_elems(net_tensor_at(c->g, tb)))
        return onnx_fail(c, n, "operands of different shapes (broadcasting is not supported)");
    bool relu = false;
    double lo = -INFINITY, hi = INFINITY;
    char ops[32] = "Add";
    const char *outname = onnx_fuse_act(c, n->output[0], &relu, &lo, &hi, ops, sizeof ops);
    int64_t mx = c->calibrate ? 0 : 255, ne = net_tensor_elems(net_tensor_at(c->g, ta));
    for (int64_t i = 0; c->calibrate && i < ne; i++) {
        int64_t s = (int64_t)c->act[ta][i] + c->act[tb][i];
        if (relu && s < 0)
            continue;
        mx = llabs(s) > mx ? llabs(s) : mx;
    }
    op_requant rq = op_requant_default();
    rq.shift = onnx_shift_for(mx);
    int32_t exp = (ea < eb ? ea : eb) - rq.shift;
    onnx_clip_rq(&rq, exp, relu, lo, hi);
    int32_t in[2] = {ta, tb}, node_;
    ONNX_BUILD(c, n, net_add_simple(c->g, NET_ADD, onnx_node_name(n), ops, 2, in, &rq, NULL, c->st));
    return onnx_done(c, n, node_, outname, exp);
}

static bool onnx_relu(onnx_ctx *c, const Onnx__NodeProto *n, bool clip) {
    const onnx_val *a = onnx_in_val(c, n, 0);
    if (!a)
        return false;
    double lo = 0, hi = INFINITY;
    if (clip && !onnx_clip_bounds(c, n, &lo, &hi))
        return false;
    op_requant rq = op_requant_default();
    rq.shift = 0;
    onnx_clip_rq(&rq, a->exp, !clip, lo, hi);
    int32_t t = a->tensor, exp = a->exp, node_;
    ONNX_BUILD(c, n, net_add_simple(c->g, NET_RELU, onnx_node_name(n), n->op_type, 1, &t, &rq,
                                    NULL, c->st));
    return onnx_done(c, n, node_, n->output[0], exp);
}

static bool onnx_pool(onnx_ctx *c, const Onnx__NodeProto *n, net_node_kind kind) {
    const onnx_val *a = onnx_in_val(c, n, 0);
    if (!a)
        return false;
    net_pool p;
    memset(&p, 0, sizeof p);
    if (kind != NET_GLOBALAVGPOOL) {
        int64_t k[2], s[2] = {1, 1}, pads[4] = {0, 0, 0, 0}, dil[2] = {1, 1}, ceil_mode, cip;
        bool has;
        if (!onnx_attr_ints(c, n, "kernel_shape", 2, k, &has))
            return has ? false : onnx_fail(c, n, "kernel_shape missing");
        if ((!onnx_attr_ints(c, n, "strides", 2, s, &has) && has) ||
            (!onnx_attr_ints(c, n, "pads", 4, pads, &has) && has) ||
            (!onnx_attr_ints(c, n, "dilations", 2, dil, &has) && has))
            return false;
        if (!onnx_attr_int(c, n, "ceil_mode", 0, &ceil_mode) ||
            !onnx_attr_int(c, n, "count_include_pad", 0, &cip))
            return false;
        const Onnx__AttributeProto *ap = onnx_attr(n, "auto_pad");
        if (ap && ap->has_s && !(ap->s.len == 6 && memcmp(ap->s.data, "NOTSET", 6) == 0) &&
            !(ap->s.len == 5 && memcmp(ap->s.data, "VALID", 5) == 0))
            return onnx_fail(c, n, "auto_pad other than NOTSET/VALID is not supported for pools");
        if (ceil_mode != 0 || dil[0] != 1 || dil[1] != 1)
            return onnx_fail(c, n, "ceil_mode %" PRId64 " / dilations %" PRId64 ",%" PRId64
                             " not supported (0 and 1 only)", ceil_mode, dil[0], dil[1]);
        p = (net_pool){.kh = k[0], .kw = k[1], .stride_h = s[0], .stride_w = s[1],
                       .pad_top = pads[0], .pad_left = pads[1], .pad_bottom = pads[2],
                       .pad_right = pads[3], .count_include_pad = cip != 0};
    }
    int32_t t = a->tensor, exp = a->exp, node_;
    ONNX_BUILD(c, n, net_add_simple(c->g, kind, onnx_node_name(n), n->op_type, 1, &t, NULL,
                                    kind == NET_GLOBALAVGPOOL ? NULL : &p, c->st));
    return onnx_done(c, n, node_, n->output[0], exp);
}

static bool onnx_layout(onnx_ctx *c, const Onnx__NodeProto *n) {
    const onnx_val *a = onnx_in_val(c, n, 0);
    if (!a)
        return false;
    const net_tensor *x = net_tensor_at(c->g, a->tensor);
    int64_t shape[4], total = net_tensor_elems(x);
    int32_t rank = 2, t = a->tensor, exp = a->exp, node_;
    if (strcmp(n->op_type, "Flatten") == 0) {
        int64_t axis;
        if (!onnx_attr_int(c, n, "axis", 1, &axis))
            return false;
        if (axis != 1)
            return onnx_fail(c, n, "Flatten axis %" PRId64 " not supported (1 only)", axis);
        shape[0] = x->shape[0];
        shape[1] = total / x->shape[0];
    } else {
        const Onnx__TensorProto *sp = n->n_input > 1 ? onnx_find_const(c, n->input[1]) : NULL;
        if (!sp)
            return onnx_fail(c, n, "the target shape must be a constant");
        double *v;
        int64_t nv, known = 1, infer = -1;
        if (!onnx_const_values(c, n, sp, -1, &v, &nv))
            return false;
        if (nv != 2 && nv != 4) {
            free(v);
            return onnx_fail(c, n, "reshape to rank %" PRId64 " not supported (2 or 4)", nv);
        }
        rank = (int32_t)nv;
        for (int32_t i = 0; i < rank; i++) {
            double d = v[i];
            if (d == 0 && i < x->rank)
                d = (double)x->shape[i];
            if (d == -1 && infer < 0)
                infer = i;
            else if (d < 1 || d > (double)NET_MAX_ELEMS || !es_mul_i64(known, (int64_t)d, &known)) {
                free(v);
                return onnx_fail(c, n, "bad target dimension %g", v[i]);
            }
            shape[i] = (int64_t)d;
        }
        free(v);
        if (infer >= 0)
            shape[infer] = known > 0 && total % known == 0 ? total / known : 0;
    }
    ONNX_BUILD(c, n, net_add_reshape(c->g, onnx_node_name(n), n->op_type, t, rank, shape, c->st));
    return onnx_done(c, n, node_, n->output[0], exp);
}

static bool onnx_concat(onnx_ctx *c, const Onnx__NodeProto *n) {
    if (n->n_input < 1 || n->n_input > NET_MAX_IN)
        return onnx_fail(c, n, "%zu inputs (1..%d supported)", n->n_input, NET_MAX_IN);
    int32_t in[NET_MAX_IN], exp = INT32_MAX, node_;
    for (size_t i = 0; i < n->n_input; i++) {
        const onnx_val *v = onnx_in_val(c, n, i);
        if (!v)
            return false;
        in[i] = v->tensor;
        exp = v->exp < exp ? v->exp : exp;
    }
    int64_t axis, rank = net_tensor_at(c->g, in[0])->rank;
    if (!onnx_attr_int(c, n, "axis", 1, &axis))
        return false;
    if (axis != 1 && axis != 1 - rank)
        return onnx_fail(c, n, "Concat axis %" PRId64 " not supported (channels only)", axis);
    ONNX_BUILD(c, n, net_add_simple(c->g, NET_CONCAT, onnx_node_name(n), "Concat",
                                    (int32_t)n->n_input, in, NULL, NULL, c->st));
    return onnx_done(c, n, node_, n->output[0], exp);
}

static bool onnx_constant(onnx_ctx *c, const Onnx__NodeProto *n) {
    const Onnx__AttributeProto *a = onnx_attr(n, "value");
    if (!a || !a->t || n->n_output < 1)
        return onnx_fail(c, n, "only Constant with a tensor 'value' is supported");
    c->consts = realloc(c->consts, (size_t)(c->nconsts + 1) * sizeof *c->consts);
    c->const_names = realloc(c->const_names, (size_t)(c->nconsts + 1) * sizeof *c->const_names);
    ES_ASSERT(c->consts && c->const_names);
    c->consts[c->nconsts] = a->t;
    c->const_names[c->nconsts++] = n->output[0];
    return true;
}

static bool onnx_node(onnx_ctx *c, int32_t idx) {
    const Onnx__NodeProto *n = c->gr->node[idx];
    const char *ot = n->op_type ? n->op_type : "";
    if (n->n_output < 1 || !n->output[0])
        return onnx_fail(c, n, "no output");
    if (n->domain && n->domain[0] && strcmp(n->domain, "ai.onnx") != 0)
        return onnx_fail(c, n, "operator domain '%.60s' not supported", n->domain);
    if (strcmp(ot, "Conv") == 0)
        return onnx_conv(c, idx);
    if (strcmp(ot, "Gemm") == 0 || strcmp(ot, "MatMul") == 0)
        return onnx_dense(c, idx);
    if (strcmp(ot, "Add") == 0)
        return onnx_add(c, n);
    if (strcmp(ot, "Relu") == 0 || strcmp(ot, "Clip") == 0)
        return onnx_relu(c, n, ot[0] == 'C');
    if (strcmp(ot, "MaxPool") == 0)
        return onnx_pool(c, n, NET_MAXPOOL);
    if (strcmp(ot, "AveragePool") == 0)
        return onnx_pool(c, n, NET_AVGPOOL);
    if (strcmp(ot, "GlobalAveragePool") == 0)
        return onnx_pool(c, n, NET_GLOBALAVGPOOL);
    if (strcmp(ot, "Flatten") == 0 || strcmp(ot, "Reshape") == 0)
        return onnx_layout(c, n);
    if (strcmp(ot, "Concat") == 0)
        return onnx_concat(c, n);
    if (strcmp(ot, "Constant") == 0)
        return onnx_constant(c, n);
    if (strcmp(ot, "Identity") == 0 || strcmp(ot, "Dropout") == 0) {
        const onnx_val *a = onnx_in_val(c, n, 0);
        return a && onnx_add_val(c, n->output[0], a->tensor, a->exp);
    }
    if (strcmp(ot, "BatchNormalization") == 0)
        return onnx_fail(c, n, "BatchNormalization is supported only right after a Conv that "
                               "has no other consumer");
    return onnx_fail(c, n, "unsupported operator '%.60s'", ot);
}

/* ---- the model -------------------------------------------------------------------------- */

/* The graph input (first input that is not an initializer) and its shape. */
static bool onnx_input(onnx_ctx *c, const int64_t *shape_in, int rank_in) {
    const Onnx__ValueInfoProto *vi = NULL;
    for (size_t i = 0; i < c->gr->n_input && !vi; i++)
        if (c->gr->input[i]->name && !onnx_find_const(c, c->gr->input[i]->name))
            vi = c->gr->input[i];
    if (!vi)
        return onnx_fail(c, NULL, "the graph has no input");
    int64_t shape[4];
    int32_t rank = 0;
    const Onnx__TypeProto__Tensor *tt = onnx_vi_tensor(vi);
    if (shape_in) {
        if (rank_in != 2 && rank_in != 4)
            return onnx_fail(c, NULL, "input shape of rank %d (2 or 4 supported)", rank_in);
        rank = rank_in;
        for (int32_t i = 0; i < rank; i++)
            shape[i] = shape_in[i];
        if (tt && tt->shape && tt->shape->n_dim != (size_t)rank)
            return onnx_fail(c, NULL, "input '%.100s' has rank %zu, the given shape rank %d",
                             vi->name, tt->shape->n_dim, (int)rank);
    } else {
        if (!tt || !tt->shape)
            return onnx_fail(c, NULL, "input '%.100s' has no shape: give an input shape", vi->name);
        if (tt->shape->n_dim != 2 && tt->shape->n_dim != 4)
            return onnx_fail(c, NULL, "input '%.100s' has rank %zu (2 or 4 supported)", vi->name,
                             tt->shape->n_dim);
        rank = (int32_t)tt->shape->n_dim;
        for (int32_t i = 0; i < rank; i++) {
            const Onnx__TensorShapeProto__Dimension *d = tt->shape->dim[i];
            if (d->value_case != ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE ||
                d->dim_value < 1)
                return onnx_fail(c, NULL, "input '%.100s' has a dynamic dimension %d ('%.60s'): "
                                 "give an input shape", vi->name, (int)i,
                                 d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM
                                     ? d->dim_param : "?");
            shape[i] = d->dim_value;
        }
    }
    int64_t e = 1;
    for (int32_t i = 0; i < rank; i++)
        if (shape[i] < 1 || !es_mul_i64(e, shape[i], &e) || e > ONNX_MAX_ELEMS)
            return onnx_fail(c, NULL, "input '%.100s': absurd size (more than %" PRId64
                             " elements)", vi->name, ONNX_MAX_ELEMS);
    status bst;
    status_init(&bst);
    int32_t node = net_add_input(c->g, vi->name, rank, shape, &bst);
    if (node < 0)
        return onnx_fail(c, NULL, "%s", bst.msg);
    int32_t t = net_node_at(c->g, node)->out;
    if (!onnx_calib_node(c, NULL, node))
        return false;
    if (c->calibrate)
        ref_fill_i8(c->act[t], e, c->seed);
    return onnx_add_val(c, vi->name, t, ONNX_INPUT_EXP);
}

static bool onnx_graph(onnx_ctx *c, const int64_t *shape, int rank) {
    c->has_init = c->gr->n_initializer > 0;
    if (c->gr->n_node > ONNX_MAX_NODES || c->gr->n_initializer > ONNX_MAX_NODES)
        return onnx_fail(c, NULL, "absurd size: %zu nodes and %zu initializers (at most %d each)",
                         c->gr->n_node, c->gr->n_initializer, ONNX_MAX_NODES);
    if (!onnx_input(c, shape, rank))
        return false;
    c->done = calloc(c->gr->n_node + 1, 1);
    ES_ASSERT(c->done != NULL);
    for (size_t i = 0; i < c->gr->n_node; i++)
        if (!c->done[i] && !onnx_node(c, (int32_t)i))
            return false;
    if (c->gr->n_output < 1 || !c->gr->output[0]->name)
        return onnx_fail(c, NULL, "the graph has no output");
    const onnx_val *o = onnx_find_val(c, c->gr->output[0]->name);
    if (!o)
        return onnx_fail(c, NULL, "graph output '%.100s' is not an activation", c->gr->output[0]->name);
    net_set_output(c->g, o->tensor);
    status bst;
    status_init(&bst);
    if (!net_check(c->g, &bst))
        return onnx_fail(c, NULL, "%s", bst.msg);
    return true;
}

net *onnx_import_mem(const void *data, size_t len, const char *name, const onnx_opts *o,
                     status *st) {
    onnx_ctx c;
    memset(&c, 0, sizeof c);
    c.file = name;
    c.st = st;
    c.seed = o->seed;
    c.calibrate = !o->no_calibration;
    if (len > ONNX_MAX_FILE)
        return onnx_fail(&c, NULL, "file larger than %zu bytes", ONNX_MAX_FILE), NULL;
    Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, len, data);
    if (!m)
        return onnx_fail(&c, NULL, "not a valid ONNX model (truncated or not protobuf)"), NULL;
    if (!m->graph || m->graph->n_node == 0) {
        onnx__model_proto__free_unpacked(m, NULL);
        return onnx_fail(&c, NULL, "not an ONNX model: no graph or an empty graph"), NULL;
    }
    c.gr = m->graph;
    const char *gname = m->graph->name && m->graph->name[0] ? m->graph->name : name;
    c.g = net_create(gname);
    bool ok = onnx_graph(&c, o->input_shape, o->input_rank);
    if (c.act)
        for (int32_t i = 0; i < c.capact; i++)
            free(c.act[i]);
    free(c.act);
    free(c.vals);
    free(c.done);
    free(c.consts);
    free(c.const_names);
    onnx__model_proto__free_unpacked(m, NULL);
    if (!ok) {
        net_destroy(c.g);
        return NULL;
    }
    return c.g;
}

static unsigned char *onnx_read(const char *path, size_t *len, status *st) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        status_fail(st, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    unsigned char *buf;
    text_read_status r = text_read_all(f, (size_t)1 << 20, ONNX_MAX_FILE, &buf, len);
    fclose(f);
    if (r != TEXT_READ_OK) {
        status_fail(st, "%s: %s", path, r == TEXT_READ_TOO_LARGE ? "file too large"
                                        : r == TEXT_READ_NOMEM   ? "out of memory"
                                                                 : "read error");
        return NULL;
    }
    return buf;
}

bool onnx_read_tensor(const char *path, double **vals, int64_t *n, int64_t *dims, int *rank,
                      status *st) {
    *vals = NULL;
    size_t len;
    unsigned char *buf = onnx_read(path, &len, st);
    if (!buf)
        return false;
    Onnx__TensorProto *t = onnx__tensor_proto__unpack(NULL, len, buf);
    free(buf);
    if (!t)
        return status_fail(st, "%s: not a valid ONNX TensorProto", path);
    onnx_ctx c;
    memset(&c, 0, sizeof c);
    c.file = path;
    c.st = st;
    bool ok = t->n_dims <= 8;
    if (!ok)
        status_fail(st, "%s: rank %zu (at most 8)", path, t->n_dims);
    ok = ok && onnx_const_values(&c, NULL, t, -1, vals, n);
    if (ok) {
        *rank = (int)t->n_dims;
        for (size_t i = 0; i < t->n_dims; i++)
            dims[i] = t->dims[i];
    }
    onnx__tensor_proto__free_unpacked(t, NULL);
    return ok;
}

net *onnx_import_ex(const char *path, const onnx_opts *o, status *st) {
    size_t len;
    unsigned char *buf = onnx_read(path, &len, st);
    if (!buf)
        return NULL;
    net *g = onnx_import_mem(buf, len, path, o, st);
    free(buf);
    return g;
}

net *onnx_import(const char *path, const int64_t *input_shape, int input_rank, uint64_t seed,
                 status *st) {
    onnx_opts o = {.input_shape = input_shape, .input_rank = input_rank, .seed = seed};
    return onnx_import_ex(path, &o, st);
}
