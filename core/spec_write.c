/* spec_write: writes operators back as spec XML (<operator> elements), so that tools
 * can emit suites and tests can round-trip files. Invariant: for every op that passed
 * the loader, spec_op_from_node on the written element yields the same op (all
 * parameters are written explicitly, none are left to defaults). */
#include "core/spec.h"
#include "core/text.h"

#include <inttypes.h>

static void put_i64(FILE *f, const char *name, int64_t v) { fprintf(f, " %s=\"%" PRId64 "\"", name, v); }

/* One affine index expression: "2*y + r - 1" style, "0" when everything is zero. */
static void put_index(FILE *f, const op *o, const op_tensor *t) {
    fputs(" index=\"", f);
    for (int j = 0; j < t->rank; j++) {
        if (j)
            fputs(", ", f);
        bool any = false;
        for (int d = 0; d < o->ndims; d++) {
            int64_t c = t->map[j][d];
            if (!c)
                continue;
            if (any)
                fputs(c < 0 ? " - " : " + ", f);
            else if (c < 0)
                fputs("-", f);
            /* c == INT64_MIN cannot come from the loader (coefficients are parsed
             * from non-negative numbers times a sign), but stay defined anyway. */
            uint64_t m = c < 0 ? (uint64_t)0 - (uint64_t)c : (uint64_t)c;
            if (m != 1)
                fprintf(f, "%" PRIu64 "*", m);
            fputs(o->dim_name[d], f);
            any = true;
        }
        int64_t c = t->off[j];
        if (c || !any) {
            uint64_t m = c < 0 ? (uint64_t)0 - (uint64_t)c : (uint64_t)c;
            if (any)
                fprintf(f, " %c %" PRIu64, c < 0 ? '-' : '+', m);
            else
                fprintf(f, "%s%" PRIu64, c < 0 ? "-" : "", m);
        }
    }
    fputc('"', f);
}

void spec_write_op(FILE *f, const op *o, int indent) {
    static const char *const roles[3] = {"out", "in", "wt"};
    fprintf(f, "%*s<operator", indent, "");
    text_xml_attr(f, "name", o->name);
    if (o->tags[0])
        text_xml_attr(f, "tags", o->tags);
    fputs(">\n", f);
    const op_conv *c = &o->conv;
    switch (o->kind) {
    case OP_CONV2D:
    case OP_DEPTHWISE:
        fprintf(f, "%*s<%s", indent + 2, "", o->kind == OP_CONV2D ? "conv2d" : "depthwise");
        put_i64(f, "n", c->n);
        put_i64(f, "c", c->c);
        put_i64(f, "h", c->h);
        put_i64(f, "w", c->w);
        if (o->kind == OP_CONV2D)
            put_i64(f, "k", c->k);
        put_i64(f, "r", c->r);
        put_i64(f, "s", c->s);
        put_i64(f, "stride_h", c->stride_h);
        put_i64(f, "stride_w", c->stride_w);
        put_i64(f, "pad_h", c->pad_h);
        put_i64(f, "pad_w", c->pad_w);
        put_i64(f, "dilation_h", c->dil_h);
        put_i64(f, "dilation_w", c->dil_w);
        if (o->kind == OP_CONV2D)
            put_i64(f, "groups", c->groups);
        else
            put_i64(f, "multiplier", c->c > 0 ? c->k / c->c : 1);
        fputs("/>\n", f);
        break;
    case OP_GEMM:
        fprintf(f, "%*s<gemm", indent + 2, "");
        put_i64(f, "m", o->gemm.m);
        put_i64(f, "n", o->gemm.n);
        put_i64(f, "k", o->gemm.k);
        put_i64(f, "batch", o->gemm.batch);
        fprintf(f, " a_t=\"%s\" b_t=\"%s\"/>\n", o->gemm.a_t ? "true" : "false", o->gemm.b_t ? "true" : "false");
        break;
    case OP_AFFINE:
        fprintf(f, "%*s<affine>\n", indent + 2, "");
        for (int d = 0; d < o->ndims; d++) {
            fprintf(f, "%*s<dim", indent + 4, "");
            text_xml_attr(f, "name", o->dim_name[d]);
            put_i64(f, "extent", o->extent[d]);
            fputs("/>\n", f);
        }
        for (int r = 0; r < 3; r++) {
            const op_tensor *t = &o->t[r];
            fprintf(f, "%*s<tensor role=\"%s\"", indent + 4, "", roles[r]);
            text_xml_attr(f, "name", t->name);
            fputs(" shape=\"", f);
            for (int j = 0; j < t->rank; j++)
                fprintf(f, "%s%" PRId64, j ? "," : "", t->shape[j]);
            fputc('"', f);
            put_index(f, o, t);
            fputs("/>\n", f);
        }
        fprintf(f, "%*s</affine>\n", indent + 2, "");
        break;
    }
    const op_requant *q = &o->rq;
    fprintf(f, "%*s<requant shift=\"%d\" clip_lo=\"%d\" clip_hi=\"%d\" bias=\"%s\" bias_axis=\"%d\" relu=\"%s\"/>\n",
            indent + 2, "", (int)q->shift, (int)q->clip_lo, (int)q->clip_hi, q->bias ? "true" : "false",
            (int)q->bias_axis, q->relu ? "true" : "false");
    fprintf(f, "%*s</operator>\n", indent, "");
}

void spec_write_suite(FILE *f, const char *name, const op *ops, int n) {
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<suite", f);
    text_xml_attr(f, "name", name);
    fputs(">\n", f);
    for (int i = 0; i < n; i++)
        spec_write_op(f, &ops[i], 2);
    fputs("</suite>\n", f);
}
