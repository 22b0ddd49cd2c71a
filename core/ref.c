/* ref: the plain C reference of any operator, the oracle that lowering and simulation
 * are checked against. Two paths compute the same thing: a generic walk of every
 * domain point through the affine maps, and direct nested loops for conv/depthwise/GEMM
 * (taken only when the op's loop nest is exactly what the builder makes, so a modified
 * op can never get the wrong fast path).
 * Invariant: accumulation is modulo 2^32 in uint32_t (VTA's wrap-around, no signed
 * overflow UB); int32 bias is added modulo 2^32 too; In reads out of bounds are 0. */
#include "core/ref.h"

#include <stdlib.h>
#include <string.h>

#include "core/es.h"

/* uint32 -> int32 two's complement without implementation-defined conversion. */
static int32_t ref_u2i(uint32_t u) {
    if (u <= (uint32_t)INT32_MAX)
        return (int32_t)u;
    return (int32_t)(u - 2147483648u) - INT32_MAX - 1;
}

/* Product of two int8 values as a uint32 modulo 2^32. */
static uint32_t ref_mul(int8_t a, int8_t b) { return (uint32_t)((int32_t)a * (int32_t)b); }

int8_t ref_requant(const op_requant *rq, int32_t acc) {
    ES_ASSERT(rq->shift >= 0 && rq->shift <= 31);
    int64_t a = acc;
    /* floor(a / 2^shift), i.e. an arithmetic shift right, spelled out for negatives */
    int64_t v = a >= 0 ? a >> rq->shift : -((-a - 1) >> rq->shift) - 1;
    int64_t lo = rq->clip_lo, hi = rq->clip_hi;
    if (rq->relu && lo < 0)
        lo = 0;
    if (v < lo)
        v = lo;
    if (v > hi)
        v = hi;
    ES_ASSERT(v >= -128 && v <= 127);
    return (int8_t)v;
}

/* True if `o`'s loop nest is exactly what the builder makes from its parameters. */
static bool ref_is_canonical(const op *o) {
    op c;
    status st;
    status_init(&st);
    bool ok;
    if (o->kind == OP_CONV2D || o->kind == OP_DEPTHWISE)
        ok = op_build_conv(&c, o->name, &o->conv, o->kind, &st);
    else if (o->kind == OP_GEMM)
        ok = op_build_gemm(&c, o->name, &o->gemm, &st);
    else
        return false;
    if (!ok || c.ndims != o->ndims)
        return false;
    if (memcmp(c.extent, o->extent, sizeof c.extent) != 0)
        return false;
    for (int r = 0; r < 3; r++) {
        const op_tensor *a = &c.t[r], *b = &o->t[r];
        if (a->rank != b->rank || memcmp(a->shape, b->shape, sizeof a->shape) != 0 ||
            memcmp(a->map, b->map, sizeof a->map) != 0 || memcmp(a->off, b->off, sizeof a->off) != 0)
            return false;
    }
    return true;
}

static void ref_conv_fast(const op *o, const int8_t *in, const int8_t *wt, uint32_t *acc) {
    const op_conv *p = &o->conv;
    int64_t G = p->groups, Kg = p->k / G, Cg = p->c / G, OH = p->oh, OW = p->ow;
    for (int64_t n = 0; n < p->n; n++)
        for (int64_t g = 0; g < G; g++)
            for (int64_t k = 0; k < Kg; k++) {
                int64_t ko = g * Kg + k;
                uint32_t *plane = acc + (n * p->k + ko) * OH * OW;
                for (int64_t c = 0; c < Cg; c++) {
                    int64_t ci = g * Cg + c;
                    const int8_t *ip = in + (n * p->c + ci) * p->h * p->w;
                    for (int64_t r = 0; r < p->r; r++)
                        for (int64_t s = 0; s < p->s; s++) {
                            int8_t w = wt[((ko * Cg + c) * p->r + r) * p->s + s];
                            if (w == 0)
                                continue;
                            for (int64_t y = 0; y < OH; y++) {
                                int64_t iy = y * p->stride_h + r * p->dil_h - p->pad_h;
                                if (iy < 0 || iy >= p->h)
                                    continue;
                                const int8_t *row = ip + iy * p->w;
                                uint32_t *arow = plane + y * OW;
                                for (int64_t x = 0; x < OW; x++) {
                                    int64_t ix = x * p->stride_w + s * p->dil_w - p->pad_w;
                                    if (ix >= 0 && ix < p->w)
                                        arow[x] += ref_mul(row[ix], w);
                                }
                            }
                        }
                }
            }
}

static void ref_gemm_fast(const op *o, const int8_t *in, const int8_t *wt, uint32_t *acc) {
    const op_gemm *p = &o->gemm;
    int64_t M = p->m, N = p->n, K = p->k;
    for (int64_t b = 0; b < p->batch; b++) {
        const int8_t *A = wt + b * M * K, *B = in + b * K * N;
        uint32_t *C = acc + b * M * N;
        for (int64_t m = 0; m < M; m++)
            for (int64_t k = 0; k < K; k++) {
                int8_t a = p->a_t ? A[k * M + m] : A[m * K + k];
                if (a == 0)
                    continue;
                uint32_t *crow = C + m * N;
                if (p->b_t)
                    for (int64_t n = 0; n < N; n++)
                        crow[n] += ref_mul(B[n * K + k], a);
                else
                    for (int64_t n = 0; n < N; n++)
                        crow[n] += ref_mul(B[k * N + n], a);
            }
    }
}

/* Valid range [*lo, *hi] of t in [0, e) for which v + c*t lies in [0, n). Works from
 * the two end values (which fit in int64: op_check bounds every row range), so no
 * intermediate overflows. Returns false if no t is valid. */
static bool ref_axis_range(int64_t v, int64_t c, int64_t e, int64_t n, int64_t *lo, int64_t *hi) {
    int64_t a = v, b = v + c * (e - 1); /* values at t = 0 and t = e - 1 */
    if (c == 0 || e == 1) {
        *lo = 0;
        *hi = e - 1;
        return v >= 0 && v < n;
    }
    if (c > 0) {
        if (b < 0 || a >= n)
            return false;
        *lo = a >= 0 ? 0 : (-a) / c + ((-a) % c != 0); /* -a <= b - a fits */
        *hi = b < n ? e - 1 : (n - 1 - a) / c;       /* n-1-a < b - a fits */
    } else {
        int64_t m = -c; /* op_check keeps |c| < 2^62 */
        if (a < 0 || b >= n)
            return false;
        *lo = a < n ? 0 : (a - (n - 1)) / m + ((a - (n - 1)) % m != 0);
        *hi = b >= 0 ? e - 1 : a / m;
    }
    return *lo <= *hi;
}

/* Generic path: odometer over all dims but one (the largest, `in`ner), axis indices
 * kept incrementally; the inner dim runs over the sub-range where In is in bounds,
 * stepping the three linear indices by constant strides. */
static void ref_generic(const op *o, const int8_t *in, const int8_t *wt, uint32_t *acc) {
    int nd = o->ndims, inner = 0;
    for (int d = 1; d < nd; d++)
        if (o->extent[d] > o->extent[inner])
            inner = d;
    int outer[OP_MAX_DIMS], no = 0;
    for (int d = 0; d < nd; d++)
        if (d != inner)
            outer[no++] = d;
    int64_t E = o->extent[inner];
    int64_t stride[3][OP_MAX_RANK], step[3] = {0, 0, 0};
    for (int r = 0; r < 3; r++) {
        const op_tensor *t = &o->t[r];
        stride[r][t->rank - 1] = 1;
        for (int j = t->rank - 2; j >= 0; j--)
            stride[r][j] = stride[r][j + 1] * t->shape[j + 1];
    }
    int64_t p[OP_MAX_DIMS] = {0};
    int64_t idx[3][OP_MAX_RANK];
    for (int r = 0; r < 3; r++)
        for (int j = 0; j < o->t[r].rank; j++)
            idx[r][j] = o->t[r].off[j];
    bool steps_known = false;
    for (;;) {
        /* inner range where every In axis is in bounds (Out, Wt always are) */
        int64_t tlo = 0, thi = E - 1;
        bool any = true;
        const op_tensor *ti = &o->t[OP_IN];
        for (int j = 0; j < ti->rank && any; j++) {
            int64_t l = 0, h = -1;
            any = ref_axis_range(idx[OP_IN][j], ti->map[j][inner], E, ti->shape[j], &l, &h);
            tlo = l > tlo ? l : tlo;
            thi = h < thi ? h : thi;
        }
        if (any && tlo <= thi) {
            int64_t lin[3];
            for (int r = 0; r < 3; r++) {
                const op_tensor *t = &o->t[r];
                lin[r] = 0;
                for (int j = 0; j < t->rank; j++) {
                    int64_t v = idx[r][j] + t->map[j][inner] * tlo;
                    ES_ASSERT(v >= 0 && v < t->shape[j]); /* op_check / range above */
                    lin[r] += v * stride[r][j];
                }
            }
            if (thi > tlo && !steps_known) {
                /* two in-bounds points along `inner` bound |map * stride| by the tensor
                 * size, so the steps fit (computed once, on first need) */
                for (int r = 0; r < 3; r++)
                    for (int j = 0; j < o->t[r].rank; j++)
                        step[r] += o->t[r].map[j][inner] * stride[r][j];
                steps_known = true;
            }
            uint32_t *ap = acc + lin[OP_OUT];
            const int8_t *ip = in + lin[OP_IN], *wp = wt + lin[OP_WT];
            for (int64_t t = tlo; t <= thi; t++) {
                *ap += ref_mul(*ip, *wp);
                if (t < thi) {
                    ap += step[OP_OUT];
                    ip += step[OP_IN];
                    wp += step[OP_WT];
                }
            }
        }
        /* advance the outer odometer */
        int q = no - 1;
        for (; q >= 0; q--) {
            int d = outer[q];
            if (p[d] + 1 < o->extent[d]) {
                p[d]++;
                for (int r = 0; r < 3; r++)
                    for (int j = 0; j < o->t[r].rank; j++)
                        idx[r][j] += o->t[r].map[j][d];
                break;
            }
            for (int r = 0; r < 3; r++)
                for (int j = 0; j < o->t[r].rank; j++)
                    idx[r][j] -= o->t[r].map[j][d] * p[d];
            p[d] = 0;
        }
        if (q < 0)
            break;
    }
}

/* Size of Out axis `axis` and the row-major stride of that axis. */
static void ref_axis(const op *o, int axis, int64_t *size, int64_t *stride) {
    const op_tensor *t = &o->t[OP_OUT];
    int64_t s = 1;
    for (int j = t->rank - 1; j > axis; j--)
        s *= t->shape[j];
    *size = t->shape[axis];
    *stride = s;
}

static void ref_run_path(const op *o, const int8_t *in, const int8_t *wt, const int32_t *bias,
                  int32_t *acc, int8_t *out, bool generic) {
    if (!acc && !out)
        return;
    ES_ASSERT(!o->rq.bias || bias != NULL);
    int64_t n = op_outputs(o);
    /* int32_t and uint32_t may alias each other (C11 6.5p7), so the caller's buffer
     * can take the modular sums directly. */
    uint32_t *a = acc ? (uint32_t *)(void *)acc : malloc((size_t)n * sizeof *a);
    ES_ASSERT(a != NULL);
    memset(a, 0, (size_t)n * sizeof *a);
    if (!generic && (o->kind == OP_CONV2D || o->kind == OP_DEPTHWISE) && ref_is_canonical(o))
        ref_conv_fast(o, in, wt, a);
    else if (!generic && o->kind == OP_GEMM && ref_is_canonical(o))
        ref_gemm_fast(o, in, wt, a);
    else
        ref_generic(o, in, wt, a);
    if (o->rq.bias) {
        int64_t size, stride;
        ref_axis(o, o->rq.bias_axis, &size, &stride);
        for (int64_t i = 0; i < n; i++)
            a[i] += (uint32_t)bias[(i / stride) % size];
    }
    if (out)
        for (int64_t i = 0; i < n; i++)
            out[i] = ref_requant(&o->rq, ref_u2i(a[i]));
    if (!acc)
        free(a);
}

void ref_run(const op *o, const int8_t *in, const int8_t *wt, const int32_t *bias,
             int32_t *acc, int8_t *out) {
    ref_run_path(o, in, wt, bias, acc, out, false);
}

void ref_run_generic(const op *o, const int8_t *in, const int8_t *wt, const int32_t *bias,
                     int32_t *acc, int8_t *out) {
    ref_run_path(o, in, wt, bias, acc, out, true);
}

/* Finds the point (non-reduction dims) whose Out index is `target`, by depth-first
 * search: after fixing some dims, each Out axis must still be able to reach its
 * target over the remaining box (interval pruning), and an axis with a single unfixed
 * dim fixes that dim by division. Out is injective, so at most one point exists; for
 * conv and GEMM (one or two dims per axis) no search is needed at all. */
static bool ref_find_point(const op *o, const int *fd, int nf, bool *fixed, int64_t *p,
                           const int64_t *target) {
    const op_tensor *t = &o->t[OP_OUT];
    int solve_d = -1, branch_d = -1;
    int64_t solve_v = 0;
    for (int j = 0; j < t->rank; j++) {
        int64_t lo = t->off[j], hi = t->off[j], c1 = 0;
        int nfree = 0, d1 = -1;
        for (int i = 0; i < nf; i++) {
            int d = fd[i];
            int64_t c = t->map[j][d];
            if (fixed[d]) {
                lo += c * p[d];
                hi += c * p[d];
            } else if (c != 0) {
                (c < 0 ? &lo : &hi)[0] += c * (o->extent[d] - 1);
                nfree++;
                d1 = d;
                c1 = c;
            }
        }
        if (target[j] < lo || target[j] > hi)
            return false;
        if (nfree == 1 && solve_d < 0) {
            /* lo/hi include d1's span; the fixed part is the end that excludes it */
            int64_t base = c1 < 0 ? hi : lo, r = target[j] - base;
            if (r % c1 != 0)
                return false;
            solve_d = d1;
            solve_v = r / c1;
        } else if (nfree > 1 && branch_d < 0) {
            branch_d = d1;
        }
    }
    if (solve_d >= 0) {
        if (solve_v < 0 || solve_v >= o->extent[solve_d])
            return false;
        fixed[solve_d] = true;
        p[solve_d] = solve_v;
        bool ok = ref_find_point(o, fd, nf, fixed, p, target);
        fixed[solve_d] = false;
        return ok;
    }
    if (branch_d < 0) /* every free dim is fixed (or absent from Out): a match */
        return true;
    fixed[branch_d] = true;
    bool ok = false;
    for (int64_t v = 0; v < o->extent[branch_d] && !ok; v++) {
        p[branch_d] = v;
        ok = ref_find_point(o, fd, nf, fixed, p, target);
    }
    fixed[branch_d] = false;
    return ok;
}

int32_t ref_output_acc(const op *o, const int8_t *in, const int8_t *wt, const int32_t *bias,
                       const int64_t *out_idx) {
    const op_tensor *t = &o->t[OP_OUT];
    for (int j = 0; j < t->rank; j++)
        ES_ASSERT(out_idx[j] >= 0 && out_idx[j] < t->shape[j]);
    uint32_t a = 0;
    if (o->rq.bias) {
        ES_ASSERT(bias != NULL);
        a = (uint32_t)bias[out_idx[o->rq.bias_axis]];
    }
    int fd[OP_MAX_DIMS], nf = 0, rd[OP_MAX_DIMS], nr = 0;
    for (int d = 0; d < o->ndims; d++) {
        if (op_is_reduction(o, d))
            rd[nr++] = d;
        else
            fd[nf++] = d;
    }
    int64_t p[OP_MAX_DIMS] = {0};
    bool fixed[OP_MAX_DIMS] = {false};
    if (!ref_find_point(o, fd, nf, fixed, p, out_idx))
        return ref_u2i(a); /* no domain point writes this element */
    for (;;) {
        int64_t li, lw;
        bool okw = op_index(o, OP_WT, p, &lw);
        ES_ASSERT(okw);
        if (op_index(o, OP_IN, p, &li))
            a += ref_mul(in[li], wt[lw]);
        int q = nr - 1;
        for (; q >= 0; q--) {
            int d = rd[q];
            if (p[d] + 1 < o->extent[d]) {
                p[d]++;
                break;
            }
            p[d] = 0;
        }
        if (q < 0)
            break;
    }
    return ref_u2i(a);
}


void ref_fill_i8(int8_t *buf, int64_t n, uint64_t seed) {
    uint64_t s = seed;
    for (int64_t i = 0; i < n; i++)
        buf[i] = (int8_t)((int)(es_splitmix64(&s) & 0xffu) - 128);
}

void ref_fill_i32(int32_t *buf, int64_t n, uint64_t seed, int32_t lo, int32_t hi) {
    ES_ASSERT(lo <= hi);
    uint64_t s = seed;
    uint64_t range = (uint64_t)((int64_t)hi - (int64_t)lo) + 1u;
    for (int64_t i = 0; i < n; i++)
        buf[i] = (int32_t)((int64_t)lo + (int64_t)(es_splitmix64(&s) % range));
}
