/* onnx_int: the ONNX importer's internal state, shared by core/onnx.c (file, graph walk,
 * layout ops) and core/onnx_layer.c (weights, BatchNormalization folding,
 * quantization, calibration). The only place besides them that sees protobuf-c. */
#ifndef EMBEDSYN_ONNX_INT_H
#define EMBEDSYN_ONNX_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/onnx.h"
#include "onnx.pb-c.h"

/* An ONNX value that is an activation: its net tensor and exponent. */
typedef struct onnx_val {
    const char *name;
    int32_t tensor;
    int32_t exp;
} onnx_val;

typedef struct onnx_ctx {
    const char *file;
    const Onnx__GraphProto *gr;
    net *g;
    status *st;
    uint64_t seed;
    bool has_init;           /* the model has initializers (else: random weights) */
    onnx_val *vals;
    int32_t nvals, capvals;
    const Onnx__TensorProto **consts; /* Constant node outputs (name = output) */
    const char **const_names;
    int32_t nconsts;
    bool *done;              /* per ONNX node: consumed by a fusion */
    int8_t **act;            /* calibration values per net tensor */
    int32_t capact;
    int64_t act_bytes;
    bool calibrate;
    int64_t calib_macs;      /* MACs run by the calibration so far */
} onnx_ctx;

/* "FILE: node NAME (OP): message"; returns false. */
bool onnx_fail(onnx_ctx *c, const Onnx__NodeProto *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *onnx_node_name(const Onnx__NodeProto *n);

const onnx_val *onnx_find_val(const onnx_ctx *c, const char *name);
bool onnx_add_val(onnx_ctx *c, const char *name, int32_t tensor, int32_t exp);
/* The activation feeding input i of node n (error if it is not one). */
const onnx_val *onnx_in_val(onnx_ctx *c, const Onnx__NodeProto *n, size_t i);
/* Initializer or Constant output of that name, or NULL. */
const Onnx__TensorProto *onnx_find_const(const onnx_ctx *c, const char *name);
/* Declared dims of a graph input / value_info (weight shapes of weight-less models). */
bool onnx_declared_dims(const onnx_ctx *c, const char *name, int64_t *dims, int32_t *rank,
                        int32_t max);
/* Index of the only node consuming `name` (-1 if none, several, or a graph output). */
int32_t onnx_only_consumer(const onnx_ctx *c, const char *name);

const Onnx__AttributeProto *onnx_attr(const Onnx__NodeProto *n, const char *name);
bool onnx_attr_int(onnx_ctx *c, const Onnx__NodeProto *n, const char *name, int64_t def,
                   int64_t *v);
bool onnx_attr_float(onnx_ctx *c, const Onnx__NodeProto *n, const char *name, float def,
                     float *v);
/* ints attribute with exactly `want` entries (absent: false with *present = false). */
bool onnx_attr_ints(onnx_ctx *c, const Onnx__NodeProto *n, const char *name, int32_t want,
                    int64_t *v, bool *present);
/* Elements of a constant tensor (dims checked against ONNX_MAX_ELEMS). */
bool onnx_const_elems(onnx_ctx *c, const Onnx__NodeProto *n, const Onnx__TensorProto *t,
                      int64_t *elems);
/* Values of a constant as doubles (float, double, int8, int32, int64 data); want = the
 * number of elements expected (-1: any; *out_n gets it). Caller frees *out. */
bool onnx_const_values(onnx_ctx *c, const Onnx__NodeProto *n, const Onnx__TensorProto *t,
                       int64_t want, double **out, int64_t *out_n);

/* The calibration buffer of node `node`'s output (size limits checked even without
 * calibration); onnx_calib_node also runs the node's reference into it. */
bool onnx_calib_alloc(onnx_ctx *c, const Onnx__NodeProto *n, int32_t node);
bool onnx_calib_node(onnx_ctx *c, const Onnx__NodeProto *n, int32_t node);

/* Layers with weights (core/onnx_layer.c): Conv (+BN +Relu/Clip), Gemm/MatMul. */
bool onnx_conv(onnx_ctx *c, int32_t idx);
bool onnx_dense(onnx_ctx *c, int32_t idx);
/* Shift calibration of a node just added (acc max -> smallest shift), then reference. */
int32_t onnx_shift_for(int64_t maxacc);
/* Fused activation after `name` (Relu/Clip being the only consumer): fills relu and the
 * float clip bounds, marks the node done and returns the value name it produces. */
const char *onnx_fuse_act(onnx_ctx *c, const char *name, bool *relu, double *lo, double *hi,
                          char *ops, size_t ops_n);
/* Clip bounds (float) of a Clip node (attributes or constant inputs). */
bool onnx_clip_bounds(onnx_ctx *c, const Onnx__NodeProto *n, double *lo, double *hi);
void onnx_clip_rq(op_requant *rq, int32_t exp, bool relu, double lo, double hi);

#endif
