/* op_text: human and JSON renderings of an operator (op_dump, op_summary, op_json).
 * Invariant: output is derived only from the normalized op (dims, tensors, params),
 * never stored separately, so what is printed is what later stages see. */
#include <inttypes.h>
#include <string.h>

#include "core/op.h"
#include "core/text.h"

static void dump_requant(FILE *f, const op_requant *rq) {
    fprintf(f, "shift=%" PRId32 " clip=[%" PRId32 ",%" PRId32 "] relu=%s bias=", rq->shift,
            rq->clip_lo, rq->clip_hi, rq->relu ? "yes" : "no");
    if (rq->bias)
        fprintf(f, "axis %" PRId32, rq->bias_axis);
    else
        fprintf(f, "no");
}

/* Parameters as "N=1 C=3 ..." (no leading or trailing space). */
static void params_text(const op *o, char *buf, size_t n) {
    buf[0] = '\0';
    if (o->kind == OP_CONV2D || o->kind == OP_DEPTHWISE) {
        const op_conv *c = &o->conv;
        int l = snprintf(buf, n,
                         "N=%" PRId64 " C=%" PRId64 " H=%" PRId64 " W=%" PRId64 " K=%" PRId64
                         " R=%" PRId64 " S=%" PRId64 " stride=%" PRId64 "x%" PRId64
                         " pad=%" PRId64 "x%" PRId64,
                         c->n, c->c, c->h, c->w, c->k, c->r, c->s, c->stride_h, c->stride_w,
                         c->pad_h, c->pad_w);
        if (l < 0 || (size_t)l >= n)
            return;
        if (c->dil_h != 1 || c->dil_w != 1)
            l += snprintf(buf + l, n - (size_t)l, " dil=%" PRId64 "x%" PRId64, c->dil_h, c->dil_w);
        if (l < 0 || (size_t)l >= n)
            return;
        if (c->groups != 1)
            l += snprintf(buf + l, n - (size_t)l, " groups=%" PRId64, c->groups);
        if (l < 0 || (size_t)l >= n)
            return;
        snprintf(buf + l, n - (size_t)l, " -> %" PRId64 "x%" PRId64, c->oh, c->ow);
    } else if (o->kind == OP_GEMM) {
        const op_gemm *g = &o->gemm;
        int l = snprintf(buf, n, "M=%" PRId64 " N=%" PRId64 " K=%" PRId64, g->m, g->n, g->k);
        if (l < 0 || (size_t)l >= n)
            return;
        if (g->batch != 1)
            l += snprintf(buf + l, n - (size_t)l, " batch=%" PRId64, g->batch);
        if (l < 0 || (size_t)l >= n)
            return;
        snprintf(buf + l, n - (size_t)l, "%s%s", g->a_t ? " a_t" : "", g->b_t ? " b_t" : "");
    } else {
        size_t l = 0;
        for (int d = 0; d < o->ndims && l < n; d++) {
            int k = snprintf(buf + l, n - l, "%s%s=%" PRId64, d ? " " : "", o->dim_name[d],
                             o->extent[d]);
            l += k > 0 ? (size_t)k : 0;
        }
    }
}

void op_reduction_dims(const op *o, char *buf, size_t len) {
    size_t k = 0;
    buf[0] = 0;
    for (int d = 0; d < o->ndims && k < len; d++)
        if (op_is_reduction(o, d)) {
            int w = snprintf(buf + k, len - k, "%s%s", k ? "," : "", o->dim_name[d]);
            if (w > 0) k += (size_t)w;
        }
}

void op_summary(const op *o, char *buf, size_t n) {
    if (n == 0)
        return;
    char p[400];
    params_text(o, p, sizeof p);
    snprintf(buf, n, "%s %s, %" PRId64 " MACs", op_kind_name(o->kind), p, op_macs(o));
}

/* True if some In index leaves its axis over the box (zero padding is used). */
static bool in_can_leave(const op *o) {
    const op_tensor *t = &o->t[OP_IN];
    for (int j = 0; j < t->rank; j++) {
        int64_t lo = t->off[j], hi = t->off[j];
        for (int d = 0; d < o->ndims; d++) {
            int64_t v = t->map[j][d] * (o->extent[d] - 1); /* fits: op_check */
            if (v < 0)
                lo += v;
            else
                hi += v;
        }
        if (lo < 0 || hi >= t->shape[j])
            return true;
    }
    return false;
}

void op_dump(FILE *f, const op *o) {
    char p[400], ex[160];
    params_text(o, p, sizeof p);
    fprintf(f, "op %s: %s\n", o->name[0] ? o->name : "(unnamed)", op_kind_name(o->kind));
    if (o->tags[0])
        fprintf(f, "  tags: %s\n", o->tags);
    fprintf(f, "  params: %s\n", p);
    fprintf(f, "  requant: ");
    dump_requant(f, &o->rq);
    fprintf(f, "\n  dims:");
    for (int d = 0; d < o->ndims; d++)
        fprintf(f, " %s=%" PRId64, o->dim_name[d], o->extent[d]);
    fprintf(f, "\n  reduction dims:");
    int nr = 0;
    for (int d = 0; d < o->ndims; d++)
        if (op_is_reduction(o, d)) {
            fprintf(f, " %s", o->dim_name[d]);
            nr++;
        }
    fprintf(f, "%s\n", nr ? "" : " (none)");
    for (int r = 0; r < 3; r++) {
        const op_tensor *t = &o->t[r];
        fprintf(f, "  %-3s %s[", op_role_name((op_role)r), t->name);
        for (int j = 0; j < t->rank; j++)
            fprintf(f, "%s%" PRId64, j ? ", " : "", t->shape[j]);
        fprintf(f, "] at [");
        for (int j = 0; j < t->rank; j++) {
            op_index_expr(o, (op_role)r, j, ex, sizeof ex);
            fprintf(f, "%s%s", j ? ", " : "", ex);
        }
        fprintf(f, "]%s\n", r == OP_IN && in_can_leave(o) ? " (out of bounds reads 0)" : "");
    }
    fprintf(f, "  MACs: %" PRId64 " (%" PRId64 " outputs x %" PRId64 " reduction points)\n",
            op_macs(o), op_outputs(o), op_reduction_size(o));
}

void op_json(FILE *f, const op *o) {
    fprintf(f, "{\"kind\":\"%s\",\"name\":", op_kind_name(o->kind));
    text_json_str(f, o->name);
    fprintf(f, ",\"params\":{");
    if (o->kind == OP_CONV2D || o->kind == OP_DEPTHWISE) {
        const op_conv *c = &o->conv;
        fprintf(f,
                "\"N\":%" PRId64 ",\"C\":%" PRId64 ",\"H\":%" PRId64 ",\"W\":%" PRId64
                ",\"K\":%" PRId64 ",\"R\":%" PRId64 ",\"S\":%" PRId64 ",\"stride_h\":%" PRId64
                ",\"stride_w\":%" PRId64 ",\"pad_h\":%" PRId64 ",\"pad_w\":%" PRId64
                ",\"dil_h\":%" PRId64 ",\"dil_w\":%" PRId64 ",\"groups\":%" PRId64
                ",\"OH\":%" PRId64 ",\"OW\":%" PRId64,
                c->n, c->c, c->h, c->w, c->k, c->r, c->s, c->stride_h, c->stride_w, c->pad_h,
                c->pad_w, c->dil_h, c->dil_w, c->groups, c->oh, c->ow);
    } else if (o->kind == OP_GEMM) {
        const op_gemm *g = &o->gemm;
        fprintf(f,
                "\"batch\":%" PRId64 ",\"M\":%" PRId64 ",\"N\":%" PRId64 ",\"K\":%" PRId64
                ",\"a_t\":%s,\"b_t\":%s",
                g->batch, g->m, g->n, g->k, g->a_t ? "true" : "false", g->b_t ? "true" : "false");
    }
    fprintf(f, "},\"requant\":{\"shift\":%" PRId32 ",\"clip_lo\":%" PRId32 ",\"clip_hi\":%" PRId32
               ",\"relu\":%s,\"bias\":%s",
            o->rq.shift, o->rq.clip_lo, o->rq.clip_hi, o->rq.relu ? "true" : "false",
            o->rq.bias ? "true" : "false");
    if (o->rq.bias)
        fprintf(f, ",\"bias_axis\":%" PRId32, o->rq.bias_axis);
    fprintf(f, "},\"dims\":[");
    for (int d = 0; d < o->ndims; d++) {
        fprintf(f, "%s{\"name\":", d ? "," : "");
        text_json_str(f, o->dim_name[d]);
        fprintf(f, ",\"extent\":%" PRId64 ",\"reduction\":%s}", o->extent[d],
                op_is_reduction(o, d) ? "true" : "false");
    }
    fprintf(f, "],\"macs\":%" PRId64 "}", op_macs(o));
}
