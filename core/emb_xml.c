/* emb_xml: the embedding as XML (format in core/schemas/embedding.xsd, loaded by
 * core/spec_emb.c) and as JSON. Dims are written by the op's dim names, so a file
 * only makes sense together with its operator.
 * Invariant: emb_write_xml output loads back (spec_load_emb) to the same embedding. */
#include <inttypes.h>

#include "core/emb.h"
#include "core/emb_int.h"

/* Attribute text with XML's special characters escaped. */
static void put_attr(FILE *f, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* JSON string body with quotes, backslashes and control characters escaped. */
static void put_json(FILE *f, const char *s) {
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
}

void emb_write_xml(FILE *f, const op *o, const emb *e) {
    char cls[128];
    emb_class(o, e, cls, sizeof cls);
    fputs("<embedding op=\"", f);
    put_attr(f, o->name);
    fprintf(f, "\" swap=\"%s\" class=\"%s\">\n", e->swap ? "true" : "false", cls);
    for (int L = 0; L < 3; L++) {
        if (e->nterms[L] == 0)
            continue;
        fprintf(f, "  <lane axis=\"%s\">\n", emb_lane_name((emb_lane)L));
        for (int ti = 0; ti < e->nterms[L]; ti++) {
            const emb_term *t = &e->term[L][ti];
            fprintf(f, "    <term dim=\"%s\" extent=\"%" PRId64 "\"", o->dim_name[t->dim], t->extent);
            if (t->comp_dim >= 0)
                fprintf(f, " comp=\"%s\" coef=\"%" PRId64 "\"", o->dim_name[t->comp_dim], t->comp_coef);
            fprintf(f, "/>\n");
        }
        fprintf(f, "  </lane>\n");
    }
    fprintf(f, "</embedding>\n");
}

void emb_json(FILE *f, const op *o, const emb *e) {
    char cls[128];
    emb_class(o, e, cls, sizeof cls);
    fputs("{\"op\":\"", f);
    put_json(f, o->name);
    fprintf(f, "\",\"class\":\"%s\",\"swap\":%s,\"lanes\":{", cls, e->swap ? "true" : "false");
    for (int L = 0; L < 3; L++) {
        fprintf(f, "%s\"%s\":[", L ? "," : "", emb_lane_name((emb_lane)L));
        for (int ti = 0; ti < e->nterms[L]; ti++) {
            const emb_term *t = &e->term[L][ti];
            fprintf(f, "%s{\"dim\":\"%s\",\"extent\":%" PRId64, ti ? "," : "", o->dim_name[t->dim],
                    t->extent);
            if (t->comp_dim >= 0)
                fprintf(f, ",\"comp\":\"%s\",\"coef\":%" PRId64, o->dim_name[t->comp_dim], t->comp_coef);
            fprintf(f, "}");
        }
        fprintf(f, "]");
    }
    fprintf(f, "}}");
}
