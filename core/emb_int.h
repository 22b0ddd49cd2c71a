/* emb_int: private helpers shared by the emb_*.c files (not an interface for other
 * modules). The "geometry" is everything the packer and the scalar checker need to
 * turn a layout element + lane into a tensor index; it is derived from an emb_nest
 * (never stored in it), so whatever nest the caller holds is what gets packed/checked.
 * Invariant: the geometry is a pure function of (op, hw, embedding, nest); for a nest
 * that emb_nest_build made it describes exactly the layouts the loops address. */
#ifndef EMBEDSYN_EMB_INT_H
#define EMBEDSYN_EMB_INT_H

#include "core/emb.h"

typedef struct emb_geom {
    int32_t role[3];                          /* op_role of each VTA operand */
    int32_t rank[3];
    int64_t shape[3][OP_MAX_RANK];
    int64_t lanes[3];                         /* per emb_lane: BATCH, BLOCK_OUT, BLOCK_IN */
    int64_t fused[3];                         /* fused extent of each lane axis */
    int64_t nchunks[3];
    int32_t chunk_loop[3];                    /* loop index of each lane axis' chunk loop, or -1 */
    /* tensor move of one step of each term, per operand: [operand][lane][term][axis] */
    int64_t term_eff[3][3][EMB_MAX_TERMS][OP_MAX_RANK];
    /* tensor index = idx0 + sum_k a_k * dir[k] + lane offsets (bases folded into idx0) */
    int64_t idx0[3][OP_MAX_RANK];
    int64_t dir[3][EMB_MAX_LAXES][OP_MAX_RANK]; /* zero for chunk axes */
    int32_t axis_chunk[3][EMB_MAX_LAXES];     /* lane axis of a chunk axis, or -1 */
    int32_t chunk_axis[3][3];                 /* [operand][lane]: layout axis of the chunk, or -1 */
} emb_geom;

/* The two lane axes that index an element of operand x (outer, inner):
 * INP (B, I), WGT (O, I), ACC (B, O). */
void emb_operand_lanes(emb_operand x, emb_lane *outer, emb_lane *inner);
/* op_role feeding VTA operand x. */
op_role emb_operand_role(const emb *e, emb_operand x);
const char *emb_lane_name(emb_lane l);
const char *emb_operand_name(emb_operand x);

void emb_geom_build(const op *o, const hw_intrinsic *hw, const emb *e, const emb_nest *n,
                    emb_geom *g);
/* Offset of lane `lane` of chunk `chunk` of lane axis L on operand x's tensor; false for
 * a wasted lane (fused value beyond the lane axis' extent). */
bool emb_geom_lane_off(const op *o, const emb *e, const emb_geom *g, emb_operand x,
                       emb_lane L, int64_t chunk, int64_t lane, int64_t *off);
/* Tensor index held by lane (l1, l2) of layout element elem of operand x (lanes as in
 * emb_operand_lanes). False if the lane holds a zero by construction (wasted lane);
 * the index may still be out of the tensor's bounds (then the element holds 0). */
bool emb_geom_content(const op *o, const emb *e, const emb_nest *n, const emb_geom *g,
                      emb_operand x, int64_t elem, int64_t l1, int64_t l2, int64_t *idx);

/* The lane terms in an order where every term comes after the terms that compensate its
 * primary dim (ord[k] = {lane axis, term index}). Returns how many terms it could order:
 * fewer than all when terms compensate each other's primary dims in a cycle. */
int emb_term_order(const emb *e, int ord[3 * EMB_MAX_TERMS][2]);

/* Inverse of the nest for a domain point p: loop indices t (chunk loops included) and
 * the lane of each lane axis inside its chunk; lanes[L] = lanes per lane axis. */
void emb_point_inverse(const op *o, const emb *e, const emb_nest *n, const int64_t *lanes,
                       const int64_t *p, int64_t *t, int64_t *lane);

/* How the nest covers operator dim d (see emb_nest.c): the terms that compensate d
 * (coef * step, any number of them) and at most one term whose primary dim is d.
 * q = p_d - sum of the compensations ranges over [-span_pos, E_d - 1 + span_neg]; the
 * outer loop walks q from `start` in steps of `step` (the primary term's extent, else
 * 1) for `extent` iterations, and the primary term's lanes fill each step. `loop` is
 * false only for a dim wholly inside one uncompensated full-extent term. lo..hi: the
 * values p_d takes over the whole nest (all instances and lanes). */
typedef struct emb_dim_plan {
    int32_t prim_L, prim_t;     /* primary term, or -1 */
    int32_t ncomp;              /* terms compensating d */
    int64_t span_pos, span_neg; /* sum of c*(e-1) over positive / negative coefs */
    bool loop;
    int64_t start, step, extent;
    int64_t lo, hi;
} emb_dim_plan;

/* False on int64 overflow (emb_check rejects such embeddings). Needs the structural
 * part of emb_check (dims in range, at most one primary term per dim). */
bool emb_dim_plan_of(const op *o, const emb *e, int d, emb_dim_plan *p);

/* Move of tensor r by one step of a term (unit(dim) + coef * unit(comp_dim)), and per
 * iteration of dim loop l. */
void emb_term_move(const op *o, op_role r, const emb_term *t, int64_t *v);
void emb_loop_move(const op *o, op_role r, const emb_loop *l, int64_t *v);

/* Index of tensor r at point p (no bounds check) and its bounds test. */
void emb_tensor_index(const op *o, op_role r, const int64_t *p, int64_t *idx);
bool emb_index_in_bounds(const op *o, op_role r, const int64_t *idx);
int64_t emb_index_linear(const op *o, op_role r, const int64_t *idx);
/* "In[0,3,1,2]" */
void emb_fmt_index(const op *o, op_role r, const int64_t *idx, char *buf, size_t len);
/* "(n=0,k=3,...)" */
void emb_fmt_point(const op *o, const int64_t *p, char *buf, size_t len);

#endif
