/* net: the network IR (issue 15): a DAG of quantized int8 layers in topological order,
 * built by the ONNX importer (core/onnx.h) or by hand, checked by net_check, run by the
 * C reference net_ref_run (the oracle of whole-network programs).
 *
 * Semantics (every node's arithmetic is integer and exact):
 *  - Activations are int8 tensors, row-major NCHW (rank 4) or [N, F] (rank 2). Every
 *    tensor has exactly one producer node; the graph input is produced by the one
 *    NET_INPUT node. Weights are int8, biases int32, both owned by the net.
 *  - NET_CONV: a core conv2d/depthwise/grouped `op` (op_build_conv); Out = requant(acc +
 *    bias) exactly as ref_run. Asymmetric pads (top, left, bottom, right): the op gets
 *    the symmetric pad p_h = top + stride_h * ceil((max(top, bottom) - top) / stride_h)
 *    (same for w) and the node's output tensor is the window of the op's Out starting at
 *    row crop_h = (p_h - top) / stride_h, column crop_w; crop_h = crop_w = 0 and equal
 *    shapes when the pads are symmetric. The padded positions read 0 either way.
 *  - NET_DENSE: a core GEMM op (M = output features, N = batch, K = input features, In
 *    = the activation [N, K] with b_t = true, Wt = A[M, K] with a_t = false, bias per
 *    output feature). The op's Out is C[M, N]; the node's output tensor is [N, M], i.e.
 *    C transposed (the same bytes when N = 1).
 *  - NET_ADD: out = clip(((int32)a + (int32)b) >> rq.shift, lo, hi) (relu raises lo to
 *    0; the shift is arithmetic, i.e. floor); rq.bias must be false.
 *  - NET_RELU: out = ref_requant(rq, x) (a Relu/Clip that could not be fused; shift 0).
 *  - NET_MAXPOOL: max over the in-bounds window positions (pads act as -128, so they
 *    never win; every window has an in-bounds position because pads < kernel).
 *  - NET_AVGPOOL: floor(sum of the in-bounds window values / d) with d = kh * kw when
 *    count_include_pad, else the number of in-bounds positions.
 *  - NET_GLOBALAVGPOOL: [N,C,H,W] -> [N,C,1,1], floor(sum / (H * W)).
 *  - NET_RESHAPE: the same bytes with a new shape (Flatten/Reshape).
 *  - NET_CONCAT: concatenation along axis 1 (channels of NCHW, features of [N, F]).
 * Placement: CONV/DENSE default to NET_ON_VTA, the rest to NET_ON_HOST (net_set_engine
 * changes it); the work of host nodes is counted by net_node_host_work.
 * Invariant (net_check): nodes in topological order, one producer per tensor, tensor
 * ranks 2 or 4 with extents >= 1 and at most NET_MAX_ELEMS elements, shapes consistent
 * with each node's kind and parameters, weights/biases present where needed. */
#ifndef EMBEDSYN_NET_H
#define EMBEDSYN_NET_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/es.h"
#include "core/op.h"
#include "core/status.h"

#define NET_NODE_KINDS(X)                                                                  \
    X(NET_INPUT, "input") X(NET_CONV, "conv") X(NET_DENSE, "dense") X(NET_ADD, "add")      \
    X(NET_RELU, "relu") X(NET_MAXPOOL, "maxpool") X(NET_AVGPOOL, "avgpool")                \
    X(NET_GLOBALAVGPOOL, "globalavgpool") X(NET_RESHAPE, "reshape") X(NET_CONCAT, "concat")
typedef enum { NET_NODE_KINDS(ES_ID2) NET_NKINDS } net_node_kind;
#define NET_ENGINES(X) X(NET_ON_VTA, "vta") X(NET_ON_HOST, "host")
typedef enum { NET_ENGINES(ES_ID2) } net_engine;
#define NET_MAX_IN 8
#define NET_NAME_MAX 64
/* Sane limits checked by net_check (and by the importer before allocating). */
#define NET_MAX_ELEMS ((int64_t)1 << 31)   /* elements of one tensor */
#define NET_MAX_NODES 100000
#define NET_MAX_TENSORS 200000

typedef struct net_tensor {
    char name[NET_NAME_MAX];
    int32_t rank;          /* 2 or 4 */
    int64_t shape[4];
    int32_t producer;      /* node index, -1 until a node produces it */
    int32_t qexp;          /* quantization exponent (ONNX import): int8 q stands for
                            * q / 2^qexp; 0 when unknown */
} net_tensor;

typedef struct net_pool {
    int64_t kh, kw, stride_h, stride_w, pad_top, pad_left, pad_bottom, pad_right;
    bool count_include_pad;
} net_pool;

typedef struct net_node {
    net_node_kind kind;
    net_engine engine;
    char name[NET_NAME_MAX];  /* ONNX node name (or its first output's name) */
    char onnx_op[32];         /* original op type(s), e.g. "Conv+BatchNormalization+Relu" */
    int32_t nin, in[NET_MAX_IN], out; /* tensor ids */
    op o;                     /* NET_CONV, NET_DENSE: the operator (In/Out = in[0]/out) */
    const int8_t *wt;         /* natural layout of o's Wt tensor (owned by the net) */
    const int32_t *bias;      /* o.rq.bias: one per output channel (owned by the net) */
    op_requant rq;            /* NET_ADD, NET_RELU: shift / clip / relu */
    net_pool pool;            /* pools */
    int64_t crop_h, crop_w;   /* NET_CONV: output = op Out window at (crop_h, crop_w) */
} net_node;

typedef struct net net; /* opaque: nodes in topological order, tensors, constants */

net *net_create(const char *name);
void net_destroy(net *g);
/* A new tensor (rank 2 or 4, shape copied; no producer yet); -1 on a bad rank. */
int32_t net_add_tensor(net *g, const char *name, int32_t rank, const int64_t *shape);
/* Appends a copy of n (wt/bias pointers are ignored: use net_set_weights) and makes it
 * the producer of n->out. -1 if a tensor id is out of range or n->out already has a
 * producer. The shape rules are checked by net_check. */
int32_t net_add_node(net *g, const net_node *n);
/* Copies the node's weights (n_wt = elements of o's Wt) and bias (n_bias = output
 * channels/features; NULL/0 when !o.rq.bias). */
bool net_set_weights(net *g, int32_t node, const int8_t *wt, int64_t n_wt, const int32_t *bias,
                     int64_t n_bias, status *st);
void net_set_engine(net *g, int32_t node, net_engine e);
/* Replaces the requantization (CONV/DENSE: o.rq, whose bias/bias_axis are kept; ADD/RELU:
 * rq); checked by net_check. */
void net_set_requant(net *g, int32_t node, const op_requant *rq);
void net_set_tensor_qexp(net *g, int32_t tensor, int32_t qexp);
/* Which tensor is the network's output (default: the last node's output). */
void net_set_output(net *g, int32_t tensor);

int32_t net_nnodes(const net *g);
const net_node *net_node_at(const net *g, int32_t i);
int32_t net_ntensors(const net *g);
const net_tensor *net_tensor_at(const net *g, int32_t i);
int32_t net_input(const net *g);   /* tensor ids; -1 if absent */
int32_t net_output(const net *g);
const char *net_name(const net *g);
int64_t net_tensor_elems(const net_tensor *t);
/* Nodes that read tensor t (count; their indices into `users` when non-NULL, up to cap). */
int32_t net_tensor_users(const net *g, int32_t t, int32_t *users, int32_t cap);

/* The checker between import and compile (see the invariant above). */
bool net_check(const net *g, status *st);
/* The same rules for one node, except that its weights may still be missing. */
bool net_check_node(const net *g, int32_t node, status *st);

/* ---- builders (compute the output tensor from the parameters; -1 + status on error).
 * The output tensor is named `name`. */
/* Conv: p->n, c, h, w are taken from tensor `in`; k, r, s, strides, dilations, groups
 * from p; pads = {top, left, bottom, right}. Kind: depthwise when groups == C > 1 and
 * K % C == 0, conv2d otherwise. */
int32_t net_add_conv(net *g, const char *name, const char *onnx_op, int32_t in, const op_conv *p,
                     const int64_t pads[4], const op_requant *rq, status *st);
/* Dense: in is [N, K]; m output features. */
int32_t net_add_dense(net *g, const char *name, const char *onnx_op, int32_t in, int64_t m,
                      const op_requant *rq, status *st);
/* ADD (2 inputs, rq), RELU (rq), pools (pool; NULL for GLOBALAVGPOOL), CONCAT (nin). */
int32_t net_add_simple(net *g, net_node_kind kind, const char *name, const char *onnx_op,
                       int32_t nin, const int32_t *in, const op_requant *rq,
                       const net_pool *pool, status *st);
int32_t net_add_reshape(net *g, const char *name, const char *onnx_op, int32_t in, int32_t rank,
                        const int64_t *shape, status *st);
/* The NET_INPUT node and its tensor; returns the node id. */
int32_t net_add_input(net *g, const char *name, int32_t rank, const int64_t *shape, status *st);

/* C reference of the whole quantized network: every tensor's int8 values, natural
 * layout. vals[t] (caller frees with net_values_free) for every tensor t; input = the
 * values of tensor net_input. Runs net_check first. */
bool net_ref_run(const net *g, const int8_t *input, int8_t ***vals, status *st);
void net_values_free(const net *g, int8_t **vals);
/* One node of the reference given the values of its inputs (vals indexed by tensor;
 * writes vals[node.out], which must be allocated). */
void net_ref_node(const net *g, int32_t node, int8_t *const *vals);
/* CONV/DENSE: the node's output from the op's int32 accumulators (acc + bias, op Out
 * shape): requantization, then the crop window (conv) or the transpose (dense). */
void net_ref_from_acc(const net *g, int32_t node, const int32_t *acc, int8_t *out);

/* Work of a node if it runs on the host: bytes read + written (activations, weights,
 * biases) and integer operations (CONV/DENSE: MACs; ADD: 2 per element (add, requant);
 * RELU: 1 per element; MAXPOOL: window positions per output; AVGPOOL/GLOBALAVGPOOL:
 * window positions + 1 division per output; RESHAPE: 0 bytes, 0 ops (a view); CONCAT:
 * bytes only; INPUT: 0). */
typedef struct net_host_work {
    int64_t bytes, ops;
} net_host_work;
net_host_work net_node_host_work(const net *g, int32_t node);
/* Sum over the nodes placed on the host. */
net_host_work net_host_work_total(const net *g);
/* MACs of CONV/DENSE nodes (op_macs: the op's whole domain, so a conv with asymmetric
 * pads counts its cropped rows too), 0 for the others; and their sum. */
int64_t net_node_macs(const net *g, int32_t node);
int64_t net_macs(const net *g);

const char *net_node_kind_name(net_node_kind k);
const char *net_engine_name(net_engine e);
/* Text table (per node: kind, engine, ONNX op, shapes, MACs, host work) and JSON
 * object {"name", "nodes": [...], "totals": {...}} (no trailing newline). */
void net_dump(FILE *f, const net *g);
void net_json(FILE *f, const net *g);

#endif
