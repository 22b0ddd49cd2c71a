/* emb: an embedding of an operator into VTA's GEMM intrinsic (DESIGN section 3), the
 * loop nest and DRAM layouts it implies, host-side packing, and the scalar checker.
 *
 * The intrinsic: acc[b][o] += sum_i inp[b][i] * wgt[o][i], lanes b < BATCH,
 * o < BLOCK_OUT, i < BLOCK_IN. An embedding says, for each lane axis (B, O, I), which
 * operator dims it takes, as a fused (flattened) list of terms, outermost first:
 *
 *   term = (dim d, extent e, optional compensation (d2, c)):
 *          step j in [0, e) moves the point by  j * unit(d) + j * c * unit(d2).
 *   axis value F = mixed-radix number over its terms' extents, F in [0, prod e);
 *   F is split into lanes: F = chunk * LANES + lane; lanes with F >= prod e are
 *   wasted (fed zeros).
 *
 * Everything not covered by lanes becomes outer loops (emb_nest): for a dim d that is
 * the primary dim of a term with e < E_d a block loop (d = step*t + j, step = e); for
 * a dim not in any term a plain loop; for a compensated dim d2 a loop over
 * E_d2 + |c|(e-1) values (start <= 0) so every point is reached exactly once; plus
 * one chunk loop per lane axis whose fused extent exceeds its lane count.
 * A dim is the primary dim of at most one term but may also be compensated by any
 * number of terms (banded Toeplitz: o <- x with s*-stride, i <- s): its loop then walks
 * the shifted range E + sum |c|(e-1) in steps of the primary term's extent, which may
 * exceed E up to that range (lanes beyond the band meet zero weights). Terms must not
 * compensate each other's primary dims in a cycle (emb_dim_plan_of in emb_int.h).
 * A point outside the domain (or a wasted lane) must meet a zero in inp or wgt; the
 * scalar checker verifies this and the rules of DESIGN section 3.
 *
 * Operand roles: without swap VTA inp <- op In and VTA wgt <- op Wt; with swap
 * (operand swap, e.g. GEMM) VTA inp <- op Wt and VTA wgt <- op In. Dataflow rules:
 * I terms move only reduction dims (Out fixed); O terms keep the inp-side tensor
 * fixed; B terms keep the wgt-side tensor fixed; O and B terms move Out and their
 * primary dim is an output dim (else an output's accumulator lane would depend on a
 * reduction index and its sum would be split over several accumulators); every value
 * a dim takes outside [0, E) in the nest (block overshoot, shifted compensated dims)
 * must put some tensor index out of bounds (no aliasing of other elements).
 *
 * Layouts: each VTA operand (inp vectors, wgt blocks, acc/out vectors) is a packed
 * row-major array over "layout axes". Outer loops whose effect on the operand's tensor
 * is parallel share one axis (value = base + sum coef * t), so e.g. conv rows y*sh + r
 * are one axis and the input is not duplicated; loops along different directions get
 * different axes (duplication, im2col-like). Chunk loops get an axis of their own.
 * Precisely (per operand, tensor map M): dim loop l moves the tensor by v_l = step_l *
 * M[:,d_l] = r_l * g (g primitive, first nonzero > 0); loops with the same g share an
 * axis with coef_l = r_l / D, where D = gcd of the group's r_l if the element's own
 * lanes move the tensor along an index g moves (the lanes fill the gap: Toeplitz x
 * blocks, im2col with stride), else D = 1 (natural spacing kept: channel packing with
 * stride 2 keeps every input row). extent = 1 + sum |coef_l| (E_l - 1), base = sum over
 * negative coefs of |coef_l| (E_l - 1). Loops of extent 1 and loops that do not move
 * the tensor get no axis. Axes are ordered by the first tensor index they move (chunk
 * axes: the first index their lane terms move); ties: dim axes before chunk axes, then
 * loop order. zero_lo/zero_hi: for an axis moving exactly one tensor index j that no
 * other axis and no lane of the element moves, the leading/trailing values whose index
 * j is out of bounds. dram_bytes[x] = prod(extent - zero_lo - zero_hi) * element bytes
 * (OUT elements for x = ACC).
 * Invariant: emb_nest_build only succeeds for embeddings that pass emb_check. */
#ifndef EMBEDSYN_EMB_H
#define EMBEDSYN_EMB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/hw.h"
#include "core/op.h"
#include "core/status.h"

typedef enum { EMB_B = 0, EMB_O = 1, EMB_I = 2 } emb_lane;
/* VTA operands, indexing emb_nest.lay / emb_loop.axis. */
typedef enum { EMB_INP = 0, EMB_WGT = 1, EMB_ACC = 2 } emb_operand;

#define EMB_MAX_TERMS 6
#define EMB_MAX_LOOPS 16
#define EMB_MAX_LAXES 12

typedef struct emb_term {
    int32_t dim;        /* primary dim, +1 per step */
    int64_t extent;     /* steps, 1..E_dim */
    int32_t comp_dim;   /* -1, or the dim moved by comp_coef per step (Toeplitz) */
    int64_t comp_coef;  /* nonzero when comp_dim >= 0 */
} emb_term;

typedef struct emb {
    bool swap;
    int32_t nterms[3];                  /* indexed by emb_lane */
    emb_term term[3][EMB_MAX_TERMS];
} emb;

typedef enum { EMB_LOOP_DIM = 0, EMB_LOOP_CHUNK = 1 } emb_loop_kind;

typedef struct emb_loop {
    emb_loop_kind kind;
    int32_t dim;        /* DIM: operator dim; CHUNK: the emb_lane */
    int64_t extent;     /* iterations */
    int64_t step;       /* DIM: the dim advances by step per iteration */
    int64_t start;      /* DIM: the dim's value at iteration 0 (<= 0) */
    int32_t axis[3];    /* per emb_operand: layout axis this loop moves, or -1 */
    int64_t coef[3];    /* per emb_operand: axis advance per iteration */
} emb_loop;

typedef struct emb_layout {
    int32_t naxes;
    int64_t extent[EMB_MAX_LAXES];  /* axis 0 outermost, row-major */
    int64_t base[EMB_MAX_LAXES];    /* axis value when all loop indices are 0 */
    /* Leading / trailing axis values that hold only zeros (spatial padding of the
     * input): a loader may produce them with DMA zero padding instead of DRAM. */
    int64_t zero_lo[EMB_MAX_LAXES], zero_hi[EMB_MAX_LAXES];
    int64_t elems;                  /* product of extents */
    int64_t elem_bytes;             /* bytes per element (inp/out vector, wgt block, acc vector) */
} emb_layout;

typedef struct emb_nest {
    int32_t nloops;
    emb_loop loop[EMB_MAX_LOOPS];   /* dim loops in op dim order, then chunk loops B, O, I */
    emb_layout lay[3];              /* indexed by emb_operand; OUT uses the ACC layout */
    int64_t lane_extent[3];         /* fused extent of each lane axis */
    int64_t instances;              /* product of loop extents = GEMM micro-op iterations */
    double utilization;             /* op_macs / (instances * BATCH * BLOCK_IN * BLOCK_OUT) */
    int64_t dram_bytes[3];          /* inp, wgt, out(int8) bytes of the packed layouts */
    double dup_factor;              /* packed inp bytes / natural inp-side tensor bytes */
    bool needs_transform;           /* the inp layout differs from the natural one */
} emb_nest;

/* Structural check: dims exist, each dim the primary dim of at most one term (it may
 * also be compensated by others), no compensation cycle, extents in range (up to the
 * shifted range of a compensated dim), dataflow rules, lane counts. Message without
 * location. */
bool emb_check(const op *o, const hw_intrinsic *hw, const emb *e, status *st);
/* The intrinsic shapes the embedding code supports (emb_check runs it first): int8
 * inputs, weights and outputs, int32 accumulators, BATCH a power of two in 1..16,
 * BLOCK_IN/BLOCK_OUT powers of two in 2..64 (the checker's and packer's tables). */
bool emb_check_intrinsic(const hw_intrinsic *hw, status *st);
/* Derive loops and layouts. Fails (status) on an invalid embedding or int64 overflow. */
bool emb_nest_build(const op *o, const hw_intrinsic *hw, const emb *e, emb_nest *n, status *st);
/* The same for an embedding that already passed emb_check (no second check). */
bool emb_nest_derive(const op *o, const hw_intrinsic *hw, const emb *e, emb_nest *n, status *st);
/* Layout-construction steps shared with the encoder's DRAM estimate (enc_space.c), so
 * both size layouts the same way. emb_dir_split: a nonzero tensor move v (rank
 * entries) as gg * g with g primitive (gcd 1, first nonzero entry > 0, zero beyond
 * rank); returns the signed factor gg. emb_axis_in_bounds: for a layout axis that moves
 * one tensor axis, index(a) = c0 + a * dv (dv > 0) lies in [0, shape) exactly for a in
 * [*lo, *hi), clamped to [0, ext] (the rest are zero bands). */
int64_t emb_dir_split(const int64_t *v, int rank, int64_t *g);
void emb_axis_in_bounds(int64_t c0, int64_t dv, int64_t shape, int64_t ext, int64_t *lo,
                        int64_t *hi);

/* Scalar checker (DESIGN section 3): enumerates instances (all if instances <=
 * max_instances and the domain and acc layout have at most 2^30 points/lanes, else a
 * seeded random sample of max_instances, always including the first and last
 * instance) and checks lane by lane:
 * accumulator lanes write one Out element per (b,o) and distinct ones, input lanes
 * read one element per (b,i), weight lanes one per (o,i), wasted lanes meet a zero,
 * and (when all instances are enumerated) every domain point is computed exactly once.
 * Reports the first violation precisely (instance, lanes, points). */
bool emb_check_scalar(const op *o, const hw_intrinsic *hw, const emb *e, const emb_nest *n,
                      int64_t max_instances, uint64_t seed, status *st);
/* The same lane-by-lane check for an embedding that already passed emb_check and whose
 * nest n was derived from it. */
bool emb_check_lanes(const op *o, const hw_intrinsic *hw, const emb *e, const emb_nest *n,
                     int64_t max_instances, uint64_t seed, status *st);

/* Operand element address of the instance with loop indices t[nloops]. */
int64_t emb_addr(const emb_nest *n, emb_operand x, const int64_t *t);

/* Host-side packing. in/wt: op In/Wt in natural layout. inp (n->lay[EMB_INP].elems *
 * elem_bytes bytes) and wgt (lay[EMB_WGT]) receive the packed operands, zeros where
 * lanes are wasted or indices out of bounds. */
void emb_pack(const op *o, const hw_intrinsic *hw, const emb *e, const emb_nest *n,
              const int8_t *in, const int8_t *wt, int8_t *inp, int8_t *wgt);
/* Bias (Out axis rq.bias_axis) -> int32 acc-layout array (lay[EMB_ACC].elems vectors). */
void emb_pack_bias(const op *o, const hw_intrinsic *hw, const emb *e, const emb_nest *n,
                   const int32_t *bias, int32_t *acc);
/* Packed int8 output (ACC layout, OUT element size) -> natural Out tensor. */
void emb_unpack_out(const op *o, const hw_intrinsic *hw, const emb *e, const emb_nest *n,
                    const int8_t *outp, int8_t *out);
/* For every lane of operand x's layout (n->lay[x].elems * elem lanes: INP/WGT packed,
 * ACC), the natural linear index of the tensor element it holds (INP/WGT: the In or Wt
 * element emb_pack copies there; ACC: the Out element emb_unpack_out takes from it), or
 * -1 for a lane that holds none (a zero of the packing, a wasted lane). The same walk
 * as emb_pack / emb_unpack_out, so it is the layout a program really uses. The
 * tensor's elements must fit in an int32 (the caller checks). */
void emb_index_map(const op *o, const hw_intrinsic *hw, const emb *e, const emb_nest *n, emb_operand x,
                   int32_t *idx);
/* Packed position of the natural Out element out_idx: element index and lane
 * (b * BLOCK_OUT + o) inside it; for sampled checks. */
void emb_out_position(const op *o, const hw_intrinsic *hw, const emb *e, const emb_nest *n,
                      const int64_t *out_idx, int64_t *elem, int64_t *lane);

/* Ready-made embeddings of the families of DESIGN section 3 (for conv and GEMM ops;
 * false with a message when the family does not apply to the op). */
bool emb_channel_packing(const op *o, const hw_intrinsic *hw, emb *e, status *st); /* the reference */
bool emb_im2col(const op *o, const hw_intrinsic *hw, const char *dims, emb *e, status *st); /* dims e.g. "c,r,s" */
/* Banded Toeplitz over the output columns (o <- x with s compensated, i <- s), input in
 * its natural layout; conv / depthwise with dilation 1 and S > 1 (see emb_family.c). */
bool emb_band(const op *o, const hw_intrinsic *hw, emb *e, status *st);
/* Banded Toeplitz over the groups (o <- g with c compensated, i <- c): a grouped conv
 * with one filter and fewer than BLOCK_IN channels per group reads the channel-packed
 * input; a depthwise conv also writes the channel-packed output. Weight blocks are
 * block-diagonal. */
bool emb_group_band(const op *o, const hw_intrinsic *hw, emb *e, status *st);
/* True if a and b are the same embedding (swap and every lane term, in order). */
bool emb_same(const emb *a, const emb *b);

/* Layout class ("packed", "im2col(c,r,s)", "swap", "toeplitz(x/s)", ...) and a one-line
 * human description ("im2col over (c,r,s), 112/100 padding, input x25 duplicated"). */
void emb_class(const op *o, const emb *e, char *buf, size_t len);
void emb_describe(const op *o, const hw_intrinsic *hw, const emb *e, const emb_nest *n, char *buf, size_t len);

/* Embedding XML (format in core/schemas/embedding.xsd); dims named by op dim names. */
void emb_write_xml(FILE *f, const op *o, const emb *e);
void emb_json(FILE *f, const op *o, const emb *e);
/* The derived nest: loops and the three layouts, as text (several lines) and as one
 * JSON object (no trailing newline). */
void emb_nest_print(FILE *f, const op *o, const emb_nest *n);
void emb_nest_json(FILE *f, const op *o, const emb_nest *n);

#endif
