/* op: builders of the operator model (conv2d, depthwise, GEMM, generic affine), the
 * operator checker and the small queries every later stage uses.
 * Invariant: every builder either fails with a status (and `o` must not be used) or
 * leaves an op that passes op_check; op_check is the only gate of the operator stage,
 * so it proves bounds with interval arithmetic over the iteration box (never by
 * sampling) and all arithmetic on user numbers is overflow-checked. */
#include "core/op.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"

/* Output domains up to this many points are checked for injectivity by brute force
 * when the quick mixed-radix argument does not apply. */
#define OP_BRUTE_MAX ((int64_t)1 << 20)
/* Largest magnitude of a map coefficient or offset. */
#define OP_COEF_MAX ((int64_t)1 << 62)

op_requant op_requant_default(void) {
    op_requant r;
    memset(&r, 0, sizeof r);
    r.shift = 8;
    r.clip_lo = -128;
    r.clip_hi = 127;
    r.bias = false;
    r.bias_axis = 0;
    r.relu = false;
    return r;
}

static const char *const op_kind_names[] = {OP_KINDS(ES_NAME2)};

const char *op_kind_name(op_kind k) { return (unsigned)k < (unsigned)ES_COUNT(op_kind_names) ? op_kind_names[k] : "?"; }

bool op_kind_parse(const char *s, op_kind *k) {
    int i = es_name_find(op_kind_names, ES_COUNT(op_kind_names), s);
    if (i < 0)
        return false;
    *k = (op_kind)i;
    return true;
}

static const char *const op_role_names[3] = {"Out", "In", "Wt"};

const char *op_role_name(op_role r) {
    return (unsigned)r < 3 ? op_role_names[r] : "?";
}

/* ---- building blocks ------------------------------------------------------------ */

static void copy_name(char *dst, size_t n, const char *src) {
    size_t l = src ? strlen(src) : 0;
    if (l >= n)
        l = n - 1;
    if (l)
        memcpy(dst, src, l);
    dst[l] = '\0';
}

static int add_dim(op *o, const char *name, int64_t extent) {
    ES_ASSERT(o->ndims < OP_MAX_DIMS);
    int d = o->ndims++;
    copy_name(o->dim_name[d], sizeof o->dim_name[d], name);
    o->extent[d] = extent;
    return d;
}

static op_tensor *set_tensor(op *o, op_role r, const char *name, int rank, const int64_t *shape) {
    ES_ASSERT(rank >= 1 && rank <= OP_MAX_RANK);
    op_tensor *t = &o->t[r];
    memset(t, 0, sizeof *t);
    copy_name(t->name, sizeof t->name, name);
    t->rank = rank;
    for (int j = 0; j < rank; j++)
        t->shape[j] = shape[j];
    return t;
}

/* Checks that the product of n values fits in int64 (values already >= 1). */
static bool prod_fits(const int64_t *v, int n, int64_t *out) {
    int64_t p = 1;
    for (int i = 0; i < n; i++)
        if (!es_mul_i64(p, v[i], &p))
            return false;
    if (out)
        *out = p;
    return true;
}

/* ---- conv2d / depthwise --------------------------------------------------------- */

/* Output extent along one axis: floor((in + 2 pad - dil (k-1) - 1) / stride) + 1. */
static bool conv_out_size(const char *what, int64_t in, int64_t pad, int64_t dil, int64_t k,
                          int64_t stride, int64_t *out, status *st) {
    int64_t span, padded, num;
    if (!es_mul_i64(dil, k - 1, &span) || !es_add_i64(span, 1, &span) ||
        !es_mul_i64(pad, 2, &padded) || !es_add_i64(padded, in, &padded))
        return status_fail(st, "conv: %s size computation overflows int64", what);
    num = padded - span;
    if (num < 0)
        return status_fail(st,
                           "conv: output %s <= 0 (input %" PRId64 " + 2*pad %" PRId64
                           " is smaller than the dilated kernel extent %" PRId64 ")",
                           what, in, pad, span);
    *out = num / stride + 1;
    return true;
}

bool op_build_conv(op *o, const char *name, const op_conv *p, op_kind kind, status *st) {
    memset(o, 0, sizeof *o);
    if (kind != OP_CONV2D && kind != OP_DEPTHWISE)
        return status_fail(st, "conv: kind must be conv2d or depthwise");
    const char *kn = op_kind_name(kind);
    struct {
        const char *nm;
        int64_t v, min;
    } f[] = {{"N", p->n, 1},           {"C", p->c, 1},           {"H", p->h, 1},
             {"W", p->w, 1},           {"K", p->k, 1},           {"R", p->r, 1},
             {"S", p->s, 1},           {"stride_h", p->stride_h, 1},
             {"stride_w", p->stride_w, 1}, {"pad_h", p->pad_h, 0},
             {"pad_w", p->pad_w, 0},   {"dil_h", p->dil_h, 1},   {"dil_w", p->dil_w, 1},
             {"groups", p->groups, 1}};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (f[i].v < f[i].min)
            return status_fail(st, "%s: %s must be >= %" PRId64 " (got %" PRId64 ")", kn, f[i].nm,
                               f[i].min, f[i].v);
    if (p->c % p->groups != 0)
        return status_fail(st, "%s: groups %" PRId64 " does not divide C=%" PRId64, kn, p->groups,
                           p->c);
    if (p->k % p->groups != 0)
        return status_fail(st, "%s: groups %" PRId64 " does not divide K=%" PRId64, kn, p->groups,
                           p->k);
    if (kind == OP_DEPTHWISE && p->groups != p->c)
        return status_fail(st, "depthwise: groups (%" PRId64 ") must equal C (%" PRId64 ")",
                           p->groups, p->c);
    int64_t oh, ow;
    if (!conv_out_size("height", p->h, p->pad_h, p->dil_h, p->r, p->stride_h, &oh, st) ||
        !conv_out_size("width", p->w, p->pad_w, p->dil_w, p->s, p->stride_w, &ow, st))
        return false;

    int64_t G = p->groups, Kg = p->k / G, Cg = p->c / G;
    int64_t sh_out[4] = {p->n, p->k, oh, ow}, sh_in[4] = {p->n, p->c, p->h, p->w};
    int64_t sh_wt[4] = {p->k, Cg, p->r, p->s};
    int64_t all[8] = {p->n, G, Kg, oh, ow, Cg, p->r, p->s};
    if (!prod_fits(sh_out, 4, NULL))
        return status_fail(st, "%s: output tensor size overflows int64", kn);
    if (!prod_fits(sh_in, 4, NULL))
        return status_fail(st, "%s: input tensor size overflows int64", kn);
    if (!prod_fits(sh_wt, 4, NULL))
        return status_fail(st, "%s: weight tensor size overflows int64", kn);
    if (!prod_fits(all, 8, NULL))
        return status_fail(st, "%s: MAC count overflows int64", kn);

    o->kind = kind;
    copy_name(o->name, sizeof o->name, name);
    o->conv = *p;
    o->conv.oh = oh;
    o->conv.ow = ow;
    int dn = add_dim(o, "n", p->n);
    int dg = G > 1 ? add_dim(o, "g", G) : -1;
    int dk = add_dim(o, "k", Kg), dy = add_dim(o, "y", oh), dx = add_dim(o, "x", ow);
    int dc = add_dim(o, "c", Cg), dr = add_dim(o, "r", p->r), ds = add_dim(o, "s", p->s);

    op_tensor *t = set_tensor(o, OP_OUT, "Out", 4, sh_out);
    t->map[0][dn] = 1;
    t->map[1][dk] = 1;
    if (dg >= 0)
        t->map[1][dg] = Kg;
    t->map[2][dy] = 1;
    t->map[3][dx] = 1;

    t = set_tensor(o, OP_IN, "In", 4, sh_in);
    t->map[0][dn] = 1;
    t->map[1][dc] = 1;
    if (dg >= 0)
        t->map[1][dg] = Cg;
    t->map[2][dy] = p->stride_h;
    t->map[2][dr] = p->dil_h;
    t->off[2] = -p->pad_h;
    t->map[3][dx] = p->stride_w;
    t->map[3][ds] = p->dil_w;
    t->off[3] = -p->pad_w;

    t = set_tensor(o, OP_WT, "Wt", 4, sh_wt);
    t->map[0][dk] = 1;
    if (dg >= 0)
        t->map[0][dg] = Kg;
    t->map[1][dc] = 1;
    t->map[2][dr] = 1;
    t->map[3][ds] = 1;

    o->rq = op_requant_default();
    o->rq.bias_axis = 1;
    return op_check(o, st);
}

/* ---- GEMM ----------------------------------------------------------------------- */

bool op_build_gemm(op *o, const char *name, const op_gemm *p, status *st) {
    memset(o, 0, sizeof *o);
    struct {
        const char *nm;
        int64_t v;
    } f[] = {{"batch", p->batch}, {"M", p->m}, {"N", p->n}, {"K", p->k}};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (f[i].v < 1)
            return status_fail(st, "gemm: %s must be >= 1 (got %" PRId64 ")", f[i].nm, f[i].v);
    int64_t all[4] = {p->batch, p->m, p->n, p->k};
    int64_t mn[3] = {p->batch, p->m, p->n}, mk[3] = {p->batch, p->m, p->k};
    int64_t kn[3] = {p->batch, p->k, p->n};
    if (!prod_fits(mn, 3, NULL) || !prod_fits(mk, 3, NULL) || !prod_fits(kn, 3, NULL))
        return status_fail(st, "gemm: tensor size overflows int64");
    if (!prod_fits(all, 4, NULL))
        return status_fail(st, "gemm: MAC count overflows int64");

    o->kind = OP_GEMM;
    copy_name(o->name, sizeof o->name, name);
    o->gemm = *p;
    bool bat = p->batch > 1;
    int db = bat ? add_dim(o, "b", p->batch) : -1;
    int dm = add_dim(o, "m", p->m), dn = add_dim(o, "n", p->n), dk = add_dim(o, "k", p->k);
    int a0 = bat ? 1 : 0; /* first matrix axis */
    int rank = a0 + 2;
    /* Out C[(b,) m, n], In B[(b,) k, n] or [(b,) n, k], Wt A[(b,) m, k] or [(b,) k, m] */
    struct {
        op_role role;
        const char *nm;
        int d0, d1;
        int64_t e0, e1;
    } tv[3] = {
        {OP_OUT, "C", dm, dn, p->m, p->n},
        {OP_IN, "B", p->b_t ? dn : dk, p->b_t ? dk : dn, p->b_t ? p->n : p->k, p->b_t ? p->k : p->n},
        {OP_WT, "A", p->a_t ? dk : dm, p->a_t ? dm : dk, p->a_t ? p->k : p->m, p->a_t ? p->m : p->k},
    };
    for (int i = 0; i < 3; i++) {
        int64_t shape[3] = {p->batch, 0, 0};
        shape[a0] = tv[i].e0;
        shape[a0 + 1] = tv[i].e1;
        op_tensor *t = set_tensor(o, tv[i].role, tv[i].nm, rank, shape);
        if (bat)
            t->map[0][db] = 1;
        t->map[a0][tv[i].d0] = 1;
        t->map[a0 + 1][tv[i].d1] = 1;
    }

    o->rq = op_requant_default();
    o->rq.bias_axis = a0;
    return op_check(o, st);
}

/* ---- generic affine ------------------------------------------------------------- */

bool op_build_affine(op *o, status *st) {
    o->kind = OP_AFFINE;
    /* An all-zero rq was never set (it would clip everything to 0): use the default. */
    op_requant zero;
    memset(&zero, 0, sizeof zero);
    if (memcmp(&o->rq, &zero, sizeof zero) == 0)
        o->rq = op_requant_default();
    if (o->ndims < 1 || o->ndims > OP_MAX_DIMS)
        return status_fail(st, "affine: number of dims must be 1..%d (got %" PRId32 ")",
                           OP_MAX_DIMS, o->ndims);
    for (int r = 0; r < 3; r++) {
        op_tensor *t = &o->t[r];
        if (t->name[0] == '\0')
            copy_name(t->name, sizeof t->name, op_role_names[r]);
        if (t->rank < 1 || t->rank > OP_MAX_RANK)
            return status_fail(st, "affine: tensor %s: rank must be 1..%d (got %" PRId32 ")",
                               t->name, OP_MAX_RANK, t->rank);
    }
    return op_check(o, st);
}

/* ---- checker -------------------------------------------------------------------- */

bool op_requant_check(const op_requant *rq, int out_rank, status *st) {
    /* VTA's portable subset only has SHR immediates -16..15, so one ALU SHR must do. */
    if (rq->shift < 0 || rq->shift > 15)
        return status_fail(st, "requant: shift must be 0..15 (VTA SHR immediates are -16..15), got %" PRId32,
                           rq->shift);
    if (rq->clip_lo < -128 || rq->clip_lo > 127 || rq->clip_hi < -128 || rq->clip_hi > 127)
        return status_fail(st, "requant: clip bounds must be within [-128,127], got [%" PRId32 ",%" PRId32 "]",
                           rq->clip_lo, rq->clip_hi);
    if (rq->clip_lo > rq->clip_hi)
        return status_fail(st, "requant: clip_lo %" PRId32 " > clip_hi %" PRId32, rq->clip_lo,
                           rq->clip_hi);
    if (rq->bias && (rq->bias_axis < 0 || rq->bias_axis >= out_rank))
        return status_fail(st, "requant: bias axis %" PRId32 " is not an axis of Out (rank %d)",
                           rq->bias_axis, out_rank);
    return true;
}

/* Range [lo, hi] of row j of tensor t over the iteration box; false on overflow. */
static bool row_range(const op *o, const op_tensor *t, int j, int64_t *lo, int64_t *hi) {
    int64_t a = t->off[j], b = t->off[j];
    for (int d = 0; d < o->ndims; d++) {
        int64_t v;
        if (!es_mul_i64(t->map[j][d], o->extent[d] - 1, &v))
            return false;
        if (!es_add_i64(v < 0 ? a : b, v, v < 0 ? &a : &b))
            return false;
    }
    *lo = a;
    *hi = b;
    return true;
}

/* Mixed-radix decode of point number `i` over the dims in `dims` (innermost last). */
static void decode_point(const op *o, const int *dims, int nd, int64_t i, int64_t *p) {
    for (int q = nd - 1; q >= 0; q--) {
        p[dims[q]] = i % o->extent[dims[q]];
        i /= o->extent[dims[q]];
    }
}

typedef struct {
    int64_t lin, pt;
} op_lin_pt;

static int cmp_lin_pt(const void *a, const void *b) {
    const op_lin_pt *x = a, *y = b;
    if (x->lin != y->lin)
        return x->lin < y->lin ? -1 : 1;
    return x->pt < y->pt ? -1 : x->pt > y->pt;
}

static void append(char *buf, size_t n, const char *fmt, const char *s) {
    size_t l = strlen(buf);
    if (l < n)
        snprintf(buf + l, n - l, fmt, s);
}

/* Out must be injective on the non-reduction dims. First a sufficient condition: the
 * row-major linear index is L(p) = sum_d w_d p_d + c; sorted by |w_d|, if every |w_d|
 * exceeds the total span of the smaller ones, L is injective on the box (mixed radix).
 * Otherwise enumerate small domains exactly. */
static bool check_injective(const op *o, status *st) {
    const op_tensor *t = &o->t[OP_OUT];
    int64_t stride[OP_MAX_RANK];
    stride[t->rank - 1] = 1;
    for (int j = t->rank - 2; j >= 0; j--)
        stride[j] = stride[j + 1] * t->shape[j + 1]; /* fits: elems checked */
    int free_dims[OP_MAX_DIMS], nf = 0, big[OP_MAX_DIMS], nb = 0;
    int64_t w[OP_MAX_DIMS], dom = 1;
    bool quick = true;
    for (int d = 0; d < o->ndims; d++) {
        if (op_is_reduction(o, d))
            continue;
        free_dims[nf++] = d;
        dom *= o->extent[d]; /* fits: divides the MAC count */
        if (o->extent[d] == 1)
            continue;
        /* in-bounds rows give |map * (E-1)| <= shape - 1, so these products fit */
        int64_t s = 0;
        for (int j = 0; j < t->rank; j++)
            s += t->map[j][d] * stride[j];
        w[d] = s < 0 ? -s : s;
        big[nb++] = d;
    }
    /* insertion sort of big[] by w */
    for (int i = 1; i < nb; i++)
        for (int q = i; q > 0 && w[big[q]] < w[big[q - 1]]; q--) {
            int tmp = big[q];
            big[q] = big[q - 1];
            big[q - 1] = tmp;
        }
    int64_t span = 0;
    int bad = -1;
    for (int i = 0; i < nb && quick; i++) {
        int d = big[i];
        if (w[d] <= span) {
            quick = false;
            bad = i;
        } else if (!es_add_i64(span, w[d] * (o->extent[d] - 1), &span)) {
            quick = false;
            bad = i;
        }
    }
    if (quick)
        return true;

    if (dom > OP_BRUTE_MAX) {
        char who[256] = "";
        for (int i = 0; i < bad; i++)
            append(who, sizeof who, i ? ", %s" : "%s", o->dim_name[big[i]]);
        return status_fail(st,
                           "tensor %s: cannot show the Out map injective: dim %s may collide with "
                           "dims %s (output domain too large to enumerate)",
                           t->name, o->dim_name[big[bad]], who[0] ? who : "(none)");
    }
    op_lin_pt *v = malloc((size_t)dom * sizeof *v);
    ES_ASSERT(v != NULL);
    int64_t p[OP_MAX_DIMS] = {0};
    for (int64_t i = 0; i < dom; i++) {
        decode_point(o, free_dims, nf, i, p);
        int64_t lin = 0;
        bool ok = op_index(o, OP_OUT, p, &lin);
        ES_ASSERT(ok); /* bounds were checked before */
        v[i].lin = lin;
        v[i].pt = i;
    }
    qsort(v, (size_t)dom, sizeof *v, cmp_lin_pt);
    for (int64_t i = 1; i < dom; i++) {
        if (v[i].lin != v[i - 1].lin)
            continue;
        int64_t a[OP_MAX_DIMS] = {0}, b[OP_MAX_DIMS] = {0};
        decode_point(o, free_dims, nf, v[i - 1].pt, a);
        decode_point(o, free_dims, nf, v[i].pt, b);
        char pa[256] = "", pb[256] = "", who[256] = "";
        for (int q = 0; q < nf; q++) {
            int d = free_dims[q];
            char tmp[48];
            snprintf(tmp, sizeof tmp, "%s%s=%" PRId64, q ? ", " : "", o->dim_name[d], a[d]);
            append(pa, sizeof pa, "%s", tmp);
            snprintf(tmp, sizeof tmp, "%s%s=%" PRId64, q ? ", " : "", o->dim_name[d], b[d]);
            append(pb, sizeof pb, "%s", tmp);
            if (a[d] != b[d])
                append(who, sizeof who, who[0] ? ", %s" : "%s", o->dim_name[d]);
        }
        free(v);
        return status_fail(st,
                           "tensor %s: Out map is not injective: points (%s) and (%s) write the "
                           "same element; dims %s collide",
                           t->name, pa, pb, who);
    }
    free(v);
    return true;
}

bool op_check(const op *o, status *st) {
    if (o->ndims < 1 || o->ndims > OP_MAX_DIMS)
        return status_fail(st, "operator: number of dims must be 1..%d (got %" PRId32 ")",
                           OP_MAX_DIMS, o->ndims);
    for (int d = 0; d < o->ndims; d++) {
        if (o->dim_name[d][0] == '\0')
            return status_fail(st, "operator: dim %d has no name", d);
        if (o->extent[d] < 1)
            return status_fail(st, "dim %s: extent must be >= 1 (got %" PRId64 ")",
                               o->dim_name[d], o->extent[d]);
        for (int e = 0; e < d; e++)
            if (strcmp(o->dim_name[d], o->dim_name[e]) == 0)
                return status_fail(st, "operator: dim name %s appears twice", o->dim_name[d]);
    }
    if (!prod_fits(o->extent, o->ndims, NULL))
        return status_fail(st, "operator: MAC count (product of extents) overflows int64");
    for (int r = 0; r < 3; r++) {
        const op_tensor *t = &o->t[r];
        const char *tn = t->name[0] ? t->name : op_role_names[r];
        if (t->rank < 1 || t->rank > OP_MAX_RANK)
            return status_fail(st, "tensor %s: rank must be 1..%d (got %" PRId32 ")", tn,
                               OP_MAX_RANK, t->rank);
        for (int j = 0; j < t->rank; j++)
            if (t->shape[j] < 1)
                return status_fail(st, "tensor %s: axis %d has size %" PRId64 " (must be >= 1)",
                                   tn, j, t->shape[j]);
        if (!prod_fits(t->shape, t->rank, NULL))
            return status_fail(st, "tensor %s: element count overflows int64", tn);
        for (int j = 0; j < t->rank; j++) {
            int64_t lo, hi;
            char ex[160];
            /* bounded coefficients and offsets keep every derived index computation
             * (ref, lowering) far from int64 overflow */
            for (int d = 0; d < o->ndims; d++)
                if (t->map[j][d] > OP_COEF_MAX || t->map[j][d] < -OP_COEF_MAX)
                    return status_fail(st, "tensor %s: coefficient of dim %s in index %d is out of range (|c| > 2^62)",
                                       tn, o->dim_name[d], j);
            if (t->off[j] > OP_COEF_MAX || t->off[j] < -OP_COEF_MAX)
                return status_fail(st, "tensor %s: offset of index %d is out of range (|c| > 2^62)", tn, j);
            op_index_expr(o, (op_role)r, j, ex, sizeof ex);
            if (!row_range(o, t, j, &lo, &hi))
                return status_fail(st, "tensor %s: index %d (%s) overflows int64", tn, j, ex);
            if (r != OP_IN && (lo < 0 || hi >= t->shape[j]))
                return status_fail(st,
                                   "tensor %s: index %d (%s) ranges over [%" PRId64 ", %" PRId64
                                   "], outside [0, %" PRId64 "]",
                                   tn, j, ex, lo, hi, t->shape[j] - 1);
        }
    }
    if (!op_requant_check(&o->rq, o->t[OP_OUT].rank, st))
        return false;
    return check_injective(o, st);
}

/* ---- queries -------------------------------------------------------------------- */

int64_t op_macs(const op *o) {
    int64_t p = 1;
    for (int d = 0; d < o->ndims; d++)
        p *= o->extent[d];
    return p;
}

int64_t op_tensor_elems(const op *o, op_role r) {
    int64_t p = 1;
    for (int j = 0; j < o->t[r].rank; j++)
        p *= o->t[r].shape[j];
    return p;
}

/* Distinct in-bounds values of axis j of tensor t over the iteration box, by
 * enumerating the points of the dims it uses; -1 when that is too large to enumerate. */
static int64_t axis_touched(const op *o, const op_tensor *t, int j) {
    enum { MAXPTS = 1 << 22 };
    const int64_t MAXSHAPE = (int64_t)1 << 26;
    int dims[OP_MAX_DIMS], nd = 0;
    int64_t pts = 1;
    for (int d = 0; d < o->ndims; d++)
        if (t->map[j][d] != 0) {
            dims[nd++] = d;
            pts *= o->extent[d];
            if (pts > MAXPTS) return -1;
        }
    if (t->shape[j] > MAXSHAPE) return -1;
    uint8_t *seen = calloc((size_t)(t->shape[j] + 7) / 8, 1);
    if (!seen) return -1;
    int64_t cnt[OP_MAX_DIMS] = {0}, n = 0;
    for (int64_t k = 0; k < pts; k++) {
        int64_t v = t->off[j];
        for (int i = 0; i < nd; i++) v += t->map[j][dims[i]] * cnt[i];
        if (v >= 0 && v < t->shape[j] && !(seen[v >> 3] >> (v & 7) & 1)) {
            seen[v >> 3] |= (uint8_t)(1u << (v & 7));
            n++;
        }
        for (int i = 0; i < nd && ++cnt[i] == o->extent[dims[i]]; i++) cnt[i] = 0;
    }
    free(seen);
    return n;
}

/* floor(a / b) for b > 0. */
static int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

/* Kernel taps of one spatial axis in bounds for each output position (index = taps):
 * how many output positions have that many. Position y reads y * stride + r * dil - pad
 * for r < k: in bounds for r in [ceil((pad - y stride) / dil), floor((in - 1 + pad -
 * y stride) / dil)]. */
static void taps_histogram(int64_t out, int64_t in, int64_t k, int64_t stride, int64_t pad, int64_t dil,
                           int64_t *hist) {
    for (int64_t y = 0; y < out; y++) {
        int64_t lo = -floor_div(y * stride - pad, dil), hi = floor_div(in - 1 + pad - y * stride, dil);
        if (lo < 0) lo = 0;
        if (hi > k - 1) hi = k - 1;
        hist[hi >= lo ? hi - lo + 1 : 0]++;
    }
}

int64_t op_lane_steps(const op *o, int64_t width, bool box) {
    if (o->kind != OP_GEMM && o->kind != OP_CONV2D && o->kind != OP_DEPTHWISE) return -1;
    if (o->kind == OP_GEMM || box) return op_outputs(o) * ((op_reduction_size(o) + width - 1) / width);
    const op_conv *c = &o->conv;
    if (c->r > ((int64_t)1 << 20) || c->s > ((int64_t)1 << 20)) return -1;
    int64_t *hr = calloc((size_t)(c->r + c->s + 2), sizeof *hr), *hs = hr + c->r + 1;
    if (!hr) return -1;
    taps_histogram(c->oh, c->h, c->r, c->stride_h, c->pad_h, c->dil_h, hr);
    taps_histogram(c->ow, c->w, c->s, c->stride_w, c->pad_w, c->dil_w, hs);
    int64_t cg = c->c / c->groups, sum = 0;
    for (int64_t a = 0; a <= c->r; a++)
        for (int64_t b = 0; b <= c->s; b++)
            if (hr[a] && hs[b]) sum += hr[a] * hs[b] * ((cg * a * b + width - 1) / width);
    free(hr);
    return c->n * c->k * sum; /* <= outputs x ceil(reduction size / width): fits */
}

int64_t op_touched_elems(const op *o, op_role r) {
    const op_tensor *t = &o->t[r];
    int64_t prod = 1, most = 1;
    bool disjoint = true;
    uint32_t used = 0;
    for (int j = 0; j < t->rank; j++) {
        uint32_t mine = 0;
        for (int d = 0; d < o->ndims; d++)
            if (t->map[j][d] != 0) mine |= 1u << d;
        if (mine & used) disjoint = false;
        used |= mine;
        int64_t v = axis_touched(o, t, j);
        if (v < 0) { /* not enumerable: this axis bounds nothing */
            disjoint = false;
            continue;
        }
        prod *= v; /* <= the tensor's elements, which fit (op_check) */
        if (v > most) most = v;
    }
    return disjoint ? prod : most;
}

bool op_is_reduction(const op *o, int d) {
    const op_tensor *t = &o->t[OP_OUT];
    for (int j = 0; j < t->rank; j++)
        if (t->map[j][d] != 0)
            return false;
    return true;
}

int op_dim_index(const op *o, const char *name) {
    for (int d = 0; d < o->ndims; d++)
        if (strcmp(o->dim_name[d], name) == 0)
            return d;
    return -1;
}

int64_t op_reduction_size(const op *o) {
    int64_t p = 1;
    for (int d = 0; d < o->ndims; d++)
        if (op_is_reduction(o, d))
            p *= o->extent[d];
    return p;
}

int64_t op_outputs(const op *o) { return op_tensor_elems(o, OP_OUT); }

bool op_index(const op *o, op_role r, const int64_t *p, int64_t *lin) {
    const op_tensor *t = &o->t[r];
    int64_t l = 0;
    for (int j = 0; j < t->rank; j++) {
        int64_t v = t->off[j];
        for (int d = 0; d < o->ndims; d++)
            v += t->map[j][d] * p[d];
        if (v < 0 || v >= t->shape[j])
            return false;
        l = l * t->shape[j] + v;
    }
    if (lin)
        *lin = l;
    return true;
}

void op_index_expr(const op *o, op_role r, int axis, char *buf, size_t n) {
    const op_tensor *t = &o->t[r];
    size_t l = 0;
    bool first = true;
    buf[0] = '\0';
    for (int d = 0; d < o->ndims; d++) {
        int64_t c = t->map[axis][d];
        if (c == 0)
            continue;
        const char *sign = first ? (c < 0 ? "-" : "") : (c < 0 ? " - " : " + ");
        int64_t m = c < 0 ? -c : c;
        if (m == 1)
            text_putf(buf, n, &l, "%s%s", sign, o->dim_name[d]);
        else
            text_putf(buf, n, &l, "%s%" PRId64 "*%s", sign, m, o->dim_name[d]);
        first = false;
    }
    int64_t c = t->off[axis];
    if (first)
        text_putf(buf, n, &l, "%" PRId64, c);
    else if (c != 0)
        text_putf(buf, n, &l, "%s%" PRId64, c < 0 ? " - " : " + ", c < 0 ? -c : c);
}
