/* emb_family: ready-made embeddings of the families of DESIGN section 3 (channel
 * packing = the reference strategy, full and partial im2col) and the human-readable
 * layout class / one-line description of any embedding.
 * Invariant: the builders return only embeddings that pass emb_check. */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "core/emb.h"
#include "core/emb_int.h"

static void add_term(emb *e, emb_lane L, int dim, int64_t extent) {
    ES_ASSERT(e->nterms[L] < EMB_MAX_TERMS);
    emb_term *t = &e->term[L][e->nterms[L]++];
    t->dim = dim;
    t->extent = extent;
    t->comp_dim = -1;
    t->comp_coef = 0;
}

/* The op's output-channel dim (k for conv, m for GEMM) and batch dim (n for conv; GEMM's
 * n counts batch/time columns). -1 when the op kind has no such convention. */
static int out_channel_dim(const op *o) {
    if (o->kind == OP_CONV2D || o->kind == OP_DEPTHWISE)
        return op_dim_index(o, "k");
    if (o->kind == OP_GEMM)
        return op_dim_index(o, "m");
    return -1;
}

static int batch_dim(const op *o) {
    if (o->kind == OP_CONV2D || o->kind == OP_DEPTHWISE || o->kind == OP_GEMM)
        return op_dim_index(o, "n");
    return -1;
}

static int channel_dim(const op *o) {
    if (o->kind == OP_CONV2D || o->kind == OP_DEPTHWISE)
        return op_dim_index(o, "c");
    if (o->kind == OP_GEMM)
        return op_dim_index(o, "k");
    return -1;
}

static bool finish(const op *o, const hw_intrinsic *hw, emb *e, int skip_b, status *st) {
    int od = out_channel_dim(o), nd = batch_dim(o);
    add_term(e, EMB_O, od, o->extent[od]);
    if (hw->batch > 1 && nd >= 0 && nd != skip_b)
        add_term(e, EMB_B, nd, o->extent[nd]);
    return emb_check(o, hw, e, st);
}

bool emb_channel_packing(const op *o, const hw_intrinsic *hw, emb *e, status *st) {
    memset(e, 0, sizeof *e);
    int cd = channel_dim(o);
    if (cd < 0 || out_channel_dim(o) < 0)
        return status_fail(st, "channel packing applies to conv and GEMM operators, not to '%s'",
                           o->name);
    add_term(e, EMB_I, cd, o->extent[cd]);
    return finish(o, hw, e, -1, st);
}

bool emb_im2col(const op *o, const hw_intrinsic *hw, const char *dims, emb *e, status *st) {
    memset(e, 0, sizeof *e);
    if (out_channel_dim(o) < 0)
        return status_fail(st, "im2col applies to conv and GEMM operators, not to '%s'", o->name);
    char buf[128];
    snprintf(buf, sizeof buf, "%s", dims ? dims : "");
    bool used[OP_MAX_DIMS] = {false};
    char *save = NULL;
    for (char *tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
        int d = op_dim_index(o, tok);
        if (d < 0)
            return status_fail(st, "im2col: unknown dim '%s'", tok);
        if (!op_is_reduction(o, d))
            return status_fail(st, "im2col: dim '%s' is not a reduction dim", tok);
        if (used[d])
            return status_fail(st, "im2col: dim '%s' listed twice", tok);
        if (e->nterms[EMB_I] >= EMB_MAX_TERMS)
            return status_fail(st, "im2col: more than %d dims", EMB_MAX_TERMS);
        used[d] = true;
        add_term(e, EMB_I, d, o->extent[d]);
    }
    if (e->nterms[EMB_I] == 0)
        return status_fail(st, "im2col: no dims given (e.g. \"c,r,s\")");
    return finish(o, hw, e, -1, st);
}

/* Banded Toeplitz along the output columns (DESIGN section 3): O <- x (X columns, the
 * tap s moved back by the stride per column), I <- s (the stride + S consecutive
 * input columns those need); every other dim an outer loop, so the input keeps its
 * natural layout (duplicated only where bands overlap). X is the largest band that
 * fits the I lanes, then balanced over the output width (same number of chunks,
 * fewer padded lanes). Applies to conv / depthwise with dilation 1 and S > 1. */
bool emb_band(const op *o, const hw_intrinsic *hw, emb *e, status *st) {
    memset(e, 0, sizeof *e);
    if (o->kind != OP_CONV2D && o->kind != OP_DEPTHWISE)
        return status_fail(st, "banded embedding applies to conv operators, not to '%s'", o->name);
    const op_conv *c = &o->conv;
    int64_t lanes = hw->block_in, sw = c->stride_w;
    if (c->dil_w != 1 || c->s < 2 || c->s > lanes)
        return status_fail(st, "banded embedding needs dilation 1 and 2 <= S <= %" PRId64, lanes);
    int xd = op_dim_index(o, "x"), sd = op_dim_index(o, "s");
    ES_ASSERT(xd >= 0 && sd >= 0);
    int64_t xmax = (lanes - c->s) / sw + 1, ow = o->extent[xd];
    int64_t x = es_ceil_div(ow, es_ceil_div(ow, xmax));
    if (x > hw->block_out) x = hw->block_out;
    add_term(e, EMB_O, xd, x);
    e->term[EMB_O][0].comp_dim = sd;
    e->term[EMB_O][0].comp_coef = -sw;
    add_term(e, EMB_I, sd, (x - 1) * sw + c->s);
    int nd = batch_dim(o);
    if (hw->batch > 1) add_term(e, EMB_B, nd, o->extent[nd]);
    return emb_check(o, hw, e, st);
}

/* Banded Toeplitz over the groups: O <- g (G_l = BLOCK_IN / Cg groups) with c moved
 * back by Cg per group, I <- c over the G_l * Cg consecutive input channels those
 * groups read. The input vectors are BLOCK consecutive channels of one pixel (the
 * channel-packed layout a network's neighbours use), the output vectors G_l channels
 * (depthwise: BLOCK, channel-packed too); the weight block holds G_l diagonal blocks
 * of 1 x Cg. Applies to grouped convs with one filter per group and Cg < BLOCK_IN. */
bool emb_group_band(const op *o, const hw_intrinsic *hw, emb *e, status *st) {
    memset(e, 0, sizeof *e);
    if (o->kind != OP_CONV2D && o->kind != OP_DEPTHWISE)
        return status_fail(st, "group band applies to conv operators, not to '%s'", o->name);
    int gd = op_dim_index(o, "g"), cd = op_dim_index(o, "c"), kd = op_dim_index(o, "k");
    if (gd < 0) return status_fail(st, "group band needs a grouped conv (groups > 1)");
    int64_t cg = o->extent[cd], gl = hw->block_in / (cg > 0 ? cg : 1);
    if (o->extent[kd] != 1 || cg >= hw->block_in)
        return status_fail(st, "group band needs one filter and fewer than %" PRId64 " channels per group",
                           hw->block_in);
    if (gl > hw->block_out) gl = hw->block_out;
    if (gl > o->extent[gd]) gl = o->extent[gd];
    add_term(e, EMB_O, gd, gl);
    e->term[EMB_O][0].comp_dim = cd;
    e->term[EMB_O][0].comp_coef = -cg;
    add_term(e, EMB_I, cd, gl * cg);
    int nd = batch_dim(o);
    if (hw->batch > 1) add_term(e, EMB_B, nd, o->extent[nd]);
    return emb_check(o, hw, e, st);
}

bool emb_same(const emb *a, const emb *b) {
    if (a->swap != b->swap) return false;
    for (int L = 0; L < 3; L++) {
        if (a->nterms[L] != b->nterms[L]) return false;
        for (int k = 0; k < a->nterms[L]; k++) {
            const emb_term *x = &a->term[L][k], *y = &b->term[L][k];
            if (x->dim != y->dim || x->extent != y->extent || x->comp_dim != y->comp_dim ||
                x->comp_coef != y->comp_coef)
                return false;
        }
    }
    return true;
}

/* ---- class and description ------------------------------------------------------- */

static size_t put(char *buf, size_t len, size_t k, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static size_t put(char *buf, size_t len, size_t k, const char *fmt, ...) {
    if (k >= len)
        return k;
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(buf + k, len - k, fmt, ap);
    va_end(ap);
    return r < 0 ? k : k + (size_t)r;
}

/* Banded Toeplitz: a compensated dim that is also the primary dim of an I term (the
 * input vector runs along the band, e.g. o <- x with s*-stride, i <- s). */
static bool is_band_dim(const emb *e, int d) {
    bool comp = false;
    for (int L = 0; L < 3; L++)
        for (int ti = 0; ti < e->nterms[L]; ti++)
            if (e->term[L][ti].comp_dim == d)
                comp = true;
    if (!comp)
        return false;
    for (int ti = 0; ti < e->nterms[EMB_I]; ti++)
        if (e->term[EMB_I][ti].dim == d)
            return true;
    return false;
}

/* Packed: the I axis holds the channel dim alone (band dims aside). */
static bool is_packed(const op *o, const emb *e) {
    int cd = channel_dim(o), n = 0;
    bool only_c = true;
    for (int ti = 0; ti < e->nterms[EMB_I]; ti++) {
        int d = e->term[EMB_I][ti].dim;
        if (is_band_dim(e, d))
            continue;
        n++;
        if (cd >= 0 && d != cd)
            only_c = false;
    }
    bool band = n < e->nterms[EMB_I];
    return band ? n == 0 || (n == 1 && only_c) : n == 1 && only_c;
}

static size_t put_dims(const op *o, const emb *e, emb_lane L, char *buf, size_t len, size_t k) {
    for (int ti = 0; ti < e->nterms[L]; ti++)
        k = put(buf, len, k, "%s%s", ti ? "," : "", o->dim_name[e->term[L][ti].dim]);
    return k;
}

void emb_class(const op *o, const emb *e, char *buf, size_t len) {
    if (len == 0)
        return;
    buf[0] = '\0';
    size_t k = 0;
    for (int L = 0; L < 3; L++)
        for (int ti = 0; ti < e->nterms[L]; ti++) {
            const emb_term *t = &e->term[L][ti];
            if (t->comp_dim >= 0)
                k = put(buf, len, k, "%s%s(%s/%s)", k ? "+" : "",
                        is_band_dim(e, t->comp_dim) ? "banded" : "toeplitz", o->dim_name[t->dim],
                        o->dim_name[t->comp_dim]);
        }
    if (e->swap)
        k = put(buf, len, k, "%sswap", k ? "+" : "");
    if (!is_packed(o, e)) {
        k = put(buf, len, k, "%sim2col(", k ? "+" : "");
        k = put_dims(o, e, EMB_I, buf, len, k);
        k = put(buf, len, k, ")");
    } else if (k == 0) {
        k = put(buf, len, k, "packed");
    }
    int nd = batch_dim(o);
    bool spatial = false;
    for (int ti = 0; ti < e->nterms[EMB_B]; ti++)
        if (e->term[EMB_B][ti].dim != nd)
            spatial = true;
    if (spatial) {
        k = put(buf, len, k, "+b(");
        k = put_dims(o, e, EMB_B, buf, len, k);
        k = put(buf, len, k, ")");
    }
}

static size_t put_upper(char *buf, size_t len, size_t k, const char *s) {
    char u[16];
    size_t i = 0;
    for (; s[i] && i + 1 < sizeof u; i++)
        u[i] = (char)toupper((unsigned char)s[i]);
    u[i] = '\0';
    return put(buf, len, k, "%s", u);
}

/* ", C 3->16" for single-term lane axes, ", 112/100 padding" style for fused ones. */
static size_t put_lane_pad(const op *o, const emb *e, const emb_nest *n, int64_t lanes,
                           emb_lane L, bool fused_style, char *buf, size_t len, size_t k) {
    if (e->nterms[L] == 0)
        return k;
    int64_t f = n->lane_extent[L], padded = es_ceil_div(f, lanes) * lanes;
    if (fused_style) {
        if (padded != f)
            k = put(buf, len, k, ", %" PRId64 "/%" PRId64 " padding", padded, f);
        return k;
    }
    k = put(buf, len, k, ", ");
    if (e->nterms[L] == 1) {
        k = put_upper(buf, len, k, o->dim_name[e->term[L][0].dim]);
    } else {
        k = put(buf, len, k, "(");
        k = put_dims(o, e, L, buf, len, k);
        k = put(buf, len, k, ")");
    }
    if (padded != f)
        return put(buf, len, k, " %" PRId64 "->%" PRId64, f, padded);
    return put(buf, len, k, " %" PRId64, f);
}

void emb_describe(const op *o, const hw_intrinsic *hw, const emb *e, const emb_nest *n, char *buf,
                  size_t len) {
    if (len == 0)
        return;
    buf[0] = '\0';
    emb_nest tmp;
    if (!n) {
        status st;
        status_init(&st);
        if (!emb_nest_build(o, hw, e, &tmp, &st)) {
            snprintf(buf, len, "invalid embedding: %s", st.msg);
            return;
        }
        n = &tmp;
    }
    int64_t lanes[3] = {hw->batch, hw->block_out, hw->block_in};
    size_t k = 0;
    bool packed = is_packed(o, e);
    for (int L = 0; L < 3; L++)
        for (int ti = 0; ti < e->nterms[L]; ti++) {
            const emb_term *t = &e->term[L][ti];
            if (t->comp_dim >= 0 && is_band_dim(e, t->comp_dim))
                k = put(buf, len, k, "%sbanded toeplitz %c<-%s, i<-%s (%s%+" PRId64 ")",
                        k ? ", " : "", "boi"[L], o->dim_name[t->dim], o->dim_name[t->comp_dim],
                        o->dim_name[t->comp_dim], t->comp_coef);
            else if (t->comp_dim >= 0)
                k = put(buf, len, k, "%stoeplitz %c<-%s (%s%+" PRId64 ")", k ? ", " : "",
                        "boi"[L], o->dim_name[t->dim], o->dim_name[t->comp_dim], t->comp_coef);
        }
    if (e->swap)
        k = put(buf, len, k, "%sswap", k ? ", " : "");
    if (!packed) {
        k = put(buf, len, k, "%sim2col over (", k ? ", " : "");
        k = put_dims(o, e, EMB_I, buf, len, k);
        k = put(buf, len, k, ")");
        k = put_lane_pad(o, e, n, lanes[EMB_I], EMB_I, true, buf, len, k);
    } else {
        if (k == 0)
            k = put(buf, len, k, "channel packing");
        k = put_lane_pad(o, e, n, lanes[EMB_I], EMB_I, false, buf, len, k);
    }
    k = put_lane_pad(o, e, n, lanes[EMB_O], EMB_O, false, buf, len, k);
    k = put_lane_pad(o, e, n, lanes[EMB_B], EMB_B, false, buf, len, k);
    /* Duplication without the lane padding (that is stated above). */
    double useful = 1.0;
    for (int L = 0; L < 3; L += 2) {
        int64_t f = n->lane_extent[L], padded = es_ceil_div(f, lanes[L]) * lanes[L];
        useful *= (double)f / (double)padded;
    }
    double dup = n->dup_factor * useful;
    if (dup > 1.05)
        k = put(buf, len, k, ", input x%.3g duplicated", dup);
    else if (n->needs_transform)
        k = put(buf, len, k, ", input re-laid out");
    else
        k = put(buf, len, k, ", input in native layout");
    k = put(buf, len, k, ", utilization %.1f%%", 100.0 * n->utilization);
    (void)k;
}
