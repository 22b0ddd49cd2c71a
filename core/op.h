/* op: the operator model (DESIGN section 2). Every operator, conv2d, depthwise conv,
 * (batched) GEMM or a generic affine one, is an affine loop nest: dims with extents and
 * three tensors Out (written; int32 accumulate -> int8), In (activation; may be read out
 * of bounds = zero padding) and Wt (weights; static) with idx_T(p) = map_T * p + off_T.
 * Invariant: an op that passed op_check has extents >= 1, tensor shapes >= 1, products
 * of extents/shapes that fit in int64, Out and Wt indices in bounds for every point of
 * the domain, and Out map injective modulo the reduction dims. */
#ifndef EMBEDSYN_OP_H
#define EMBEDSYN_OP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/es.h"
#include "core/status.h"

#define OP_MAX_DIMS 10
#define OP_MAX_RANK 6
#define OP_NAME_MAX 64

/* Operator kinds, named as their spec XML elements: X(id, name). */
#define OP_KINDS(X) X(OP_CONV2D, "conv2d") X(OP_DEPTHWISE, "depthwise") X(OP_GEMM, "gemm") X(OP_AFFINE, "affine")
typedef enum { OP_KINDS(ES_ID2) } op_kind;
/* Tensor roles; index into op.t[]. */
typedef enum { OP_OUT = 0, OP_IN = 1, OP_WT = 2 } op_role;

typedef struct op_tensor {
    char name[16];
    int32_t rank;
    int64_t shape[OP_MAX_RANK];             /* natural layout: row-major over shape */
    int64_t map[OP_MAX_RANK][OP_MAX_DIMS];  /* idx[j] = sum_d map[j][d] * p[d] + off[j] */
    int64_t off[OP_MAX_RANK];
} op_tensor;

/* Requantization: acc (+ bias) -> arithmetic shift right -> (ReLU) -> clip -> int8. */
typedef struct op_requant {
    int32_t shift;      /* 0..15 (op_check): VTA's portable SHR immediates are -16..15 */
    int32_t clip_lo;    /* -128..127, <= clip_hi; ReLU raises it to >= 0 */
    int32_t clip_hi;
    bool bias;          /* int32 bias indexed by Out axis bias_axis, added before the shift */
    int32_t bias_axis;
    bool relu;
} op_requant;

/* Conv2d/depthwise parameters (depthwise = groups == C, K = C * multiplier). */
typedef struct op_conv {
    int64_t n, c, h, w, k, r, s;
    int64_t stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups;
    int64_t oh, ow; /* derived */
} op_conv;

/* C[M,N] = A[M,K] * B[K,N] (optionally `batch` independent products). The activation
 * B is the op's In tensor and the weight matrix A its Wt tensor (DeepBench convention:
 * M = output features, N = batch/time, K = input features). a_t: A stored [K,M];
 * b_t: B stored [N,K]. */
typedef struct op_gemm {
    int64_t batch, m, n, k;
    bool a_t, b_t;
} op_gemm;

typedef struct op {
    op_kind kind;
    char name[OP_NAME_MAX];
    char tags[128];           /* free text, e.g. "DeepSpeech;inference_server" */
    int32_t ndims;
    char dim_name[OP_MAX_DIMS][12];
    int64_t extent[OP_MAX_DIMS];
    op_tensor t[3];           /* indexed by op_role */
    op_requant rq;
    op_conv conv;             /* valid for OP_CONV2D / OP_DEPTHWISE */
    op_gemm gemm;             /* valid for OP_GEMM */
} op;

/* Default requantization: shift 8, clip [-128,127], no bias, no ReLU. */
op_requant op_requant_default(void);

/* Builders: validate the parameters (sizes >= 1, output size >= 1, no int64 overflow)
 * and fill `o` with the loop nest. Conv dims: n, [g,] k, y, x, c, r, s (g only when
 * groups > 1; then k and c count per group). GEMM dims: [b,] m, n, k.
 * Messages carry no location; the caller (spec loader) prefixes it. */
bool op_build_conv(op *o, const char *name, const op_conv *p, op_kind kind, status *st);
bool op_build_gemm(op *o, const char *name, const op_gemm *p, status *st);
/* Completes a generic affine op whose dims, extents and tensors are already set (kind
 * becomes OP_AFFINE; empty tensor names become Out/In/Wt; an all-zero rq, i.e. one
 * never set, becomes op_requant_default()). */
bool op_build_affine(op *o, status *st);

/* The checker of the operator stage (see invariant above). */
bool op_check(const op *o, status *st);
/* Text dump (the normalized operator), and a one-line summary. */
void op_dump(FILE *f, const op *o);
void op_summary(const op *o, char *buf, size_t n);
/* "c,r,s": every reduction dim of the operator, in dim order ("" if none). */
void op_reduction_dims(const op *o, char *buf, size_t len);
/* JSON object of the normalized operator (no trailing newline). */
void op_json(FILE *f, const op *o);

/* Nominal MAC count: product of all extents (DeepBench's count). */
int64_t op_macs(const op *o);
/* Elements of tensor `r` (product of its shape). */
int64_t op_tensor_elems(const op *o, op_role r);
/* A lower bound of the elements of tensor r that some point of the iteration box reads
 * in bounds (padding reads nothing): exact when its axes use disjoint dims (conv,
 * depthwise, GEMM: e.g. a stride-2 1x1 conv reads a quarter of its input), else the
 * most values any one axis takes. */
int64_t op_touched_elems(const op *o, op_role r);
/* The sum over the outputs of ceil(products in bounds / width): the fewest steps of a
 * width-wide dot product that any program sums into the outputs, since no product
 * serves two outputs (conv, depthwise, GEMM; padding reads are not products). With
 * `box`, every point of the iteration box counts as a product (programs that compute
 * the whole box, as every embedding does). -1 for a generic affine op (its products
 * may repeat across outputs). */
int64_t op_lane_steps(const op *o, int64_t width, bool box);
/* True if dim d does not appear in the Out map (a reduction dim). */
bool op_is_reduction(const op *o, int d);
/* Index of a dim by name, or -1. */
int op_dim_index(const op *o, const char *name);
/* Reduction points per output element (product of reduction extents). */
int64_t op_reduction_size(const op *o);
/* Output elements (product of Out shape). */
int64_t op_outputs(const op *o);

/* Tensor index of point p; returns false if out of the tensor's bounds. lin gets the
 * row-major linear index when in bounds. */
bool op_index(const op *o, op_role r, const int64_t *p, int64_t *lin);

/* Additions (opref): names of kinds and roles ("conv2d", "Out"), the index expression
 * of one tensor axis as text (e.g. "2*y + r - 1"), and the requantization check used by
 * op_check (shift 0..15, clip_lo <= clip_hi within [-128,127], bias axis < out_rank). */
const char *op_kind_name(op_kind k);
/* The kind of that name; false for an unknown name. */
bool op_kind_parse(const char *s, op_kind *k);
const char *op_role_name(op_role r);
void op_index_expr(const op *o, op_role r, int axis, char *buf, size_t n);
bool op_requant_check(const op_requant *rq, int out_rank, status *st);

#endif
