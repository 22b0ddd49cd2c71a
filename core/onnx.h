/* onnx: ONNX model -> network IR (core/net.h), quantized to int8.
 *
 * Supported operators: Conv (2-D; groups, dilations, strides, asymmetric pads, auto_pad),
 * Gemm (transA = 0; alpha/beta folded) and MatMul with a constant weight,
 * BatchNormalization (folded into the preceding Conv when it is the Conv's only
 * consumer), Relu and Clip (fused into the producer's requantization when they are the
 * only consumer of a Conv/Gemm/MatMul/Add output, a NET_RELU node otherwise), Add of two
 * activations (residual), MaxPool / AveragePool (ceil_mode 0, dilations 1),
 * GlobalAveragePool, Flatten / Reshape (constant shape) / Concat (axis 1) as layout
 * operations, Constant, Identity and Dropout (aliases). Anything else is an error that
 * names the file, the node and its op type.
 *
 * Quantization rule (deterministic; exponent e means int8 value q represents q / 2^e):
 *  - The graph input has exponent ONNX_INPUT_EXP.
 *  - Float weights of a layer (after folding BatchNormalization: W' = W * g / sqrt(v +
 *    eps) per output channel, B' = (B - mean) * g / sqrt(v + eps) + beta) get one
 *    power-of-two scale: e_w = floor(log2(127 / max|W'|)) (clamped to [-30, 30]; 0 for an
 *    all-zero W'), q = clamp(round_half_away(W' * 2^e_w), -127, 127). int8 weight
 *    initializers are used as they are (e_w = 0). The int32 bias is
 *    round_half_away(B' * 2^(e_w + e_x)), clamped to the int32 range.
 *  - A model without any initializer gets random int8 weights (ref_fill_i8 of a hash of
 *    the seed and the node index; the weight's shape must be declared as a graph input
 *    or value_info) and random biases in [-1000, 1000] where the node has a bias input.
 *    BatchNormalization without parameters is then the identity.
 *  - Requantization shift of Conv/Gemm/MatMul/Add nodes: calibrated on one input filled
 *    by ref_fill_i8(seed) run through the reference as the network is built: the
 *    smallest s in [0, 15] with (max over the node's accumulators (acc + bias, or a + b)
 *    of |acc|, only acc > 0 counting when ReLU is fused) >> s <= 127.
 *    The output exponent is e_w + e_x - s (Add: min(e_a, e_b) - s: the two operands are
 *    added as they are, no rescaling).
 *  - Clip(min, max) bounds become round(min * 2^e), round(max * 2^e) in the output
 *    exponent e, clamped to [-128, 127]; Relu is clip_lo = 0.
 *  - Pools, layout ops and NET_RELU keep their input's exponent; Concat takes the
 *    smallest exponent of its inputs (no rescaling).
 * Shapes: static from the model (graph input dims), or input_shape (rank 2 or 4) which
 * overrides them; a dynamic dimension without input_shape is an error.
 * Limits (checked before allocating): file <= ONNX_MAX_FILE bytes, at most ONNX_MAX_NODES
 * nodes and initializers, tensor elements <=
 * ONNX_MAX_ELEMS, all activations together <= ONNX_MAX_ACT_BYTES, the calibration's
 * MACs <= ONNX_MAX_CALIB_MACS (so a small file cannot ask for hours of work).
 * Invariant: a returned net passed net_check; on failure NULL and st holds
 * "FILE: node NAME (OP): problem" (or "FILE: problem" for whole-file problems). */
#ifndef EMBEDSYN_ONNX_H
#define EMBEDSYN_ONNX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/net.h"
#include "core/status.h"

#define ONNX_INPUT_EXP 5
#define ONNX_MAX_FILE ((size_t)1 << 30)
#define ONNX_MAX_ELEMS ((int64_t)1 << 28)
#define ONNX_MAX_ACT_BYTES ((int64_t)1 << 30)
#define ONNX_MAX_CALIB_MACS ((int64_t)1 << 35)
#define ONNX_MAX_NODES 20000 /* nodes, and initializers (name look-ups are linear) */

net *onnx_import(const char *path, const int64_t *input_shape /* NULL: from model */,
                 int input_rank, uint64_t seed, status *st);

/* Options of onnx_import_ex. no_calibration: no reference run at import (fast, for
 * structure and timing only); the shifts then follow the static rule
 * s = min(15, 7 + ceil(log2(R) / 2)) with R = the op's reduction size, and 1 for Add. */
typedef struct onnx_opts {
    const int64_t *input_shape; /* NULL: from the model */
    int input_rank;
    uint64_t seed;
    bool no_calibration;
} onnx_opts;
net *onnx_import_ex(const char *path, const onnx_opts *o, status *st);
/* The same from bytes in memory; `name` stands for the file name in messages. */
net *onnx_import_mem(const void *data, size_t len, const char *name, const onnx_opts *o,
                     status *st);

/* A serialized TensorProto file (the test_data_set_0/input_0.pb files of ONNX test data): its
 * values as doubles (caller frees *vals), element count and dims (up to 8). */
bool onnx_read_tensor(const char *path, double **vals, int64_t *n, int64_t *dims, int *rank,
                      status *st);

#endif
