/* emb_xml: the embedding as XML (format in core/schemas/embedding.xsd, loaded by
 * core/spec_emb.c) and as JSON, and the derived nest as text and JSON. Dims are written
 * by the op's dim names, so a file only makes sense together with its operator.
 * Invariant: emb_write_xml output loads back (spec_load_emb) to the same embedding. */
#include <inttypes.h>

#include "core/emb.h"
#include "core/emb_int.h"
#include "core/text.h"

void emb_write_xml(FILE *f, const op *o, const emb *e) {
    char cls[128];
    emb_class(o, e, cls, sizeof cls);
    fputs("<embedding op=\"", f);
    text_xml_esc(f, o->name);
    fprintf(f, "\" swap=\"%s\" class=\"", e->swap ? "true" : "false");
    text_xml_esc(f, cls);
    fputs("\">\n", f);
    for (int L = 0; L < 3; L++) {
        if (e->nterms[L] == 0)
            continue;
        fprintf(f, "  <lane axis=\"%s\">\n", emb_lane_name((emb_lane)L));
        for (int ti = 0; ti < e->nterms[L]; ti++) {
            const emb_term *t = &e->term[L][ti];
            fputs("    <term dim=\"", f);
            text_xml_esc(f, o->dim_name[t->dim]);
            fprintf(f, "\" extent=\"%" PRId64 "\"", t->extent);
            if (t->comp_dim >= 0) {
                fputs(" comp=\"", f);
                text_xml_esc(f, o->dim_name[t->comp_dim]);
                fprintf(f, "\" coef=\"%" PRId64 "\"", t->comp_coef);
            }
            fputs("/>\n", f);
        }
        fputs("  </lane>\n", f);
    }
    fputs("</embedding>\n", f);
}

void emb_json(FILE *f, const op *o, const emb *e) {
    char cls[128];
    emb_class(o, e, cls, sizeof cls);
    fputs("{\"op\":\"", f);
    text_json_esc(f, o->name);
    fputs("\",\"class\":\"", f);
    text_json_esc(f, cls);
    fprintf(f, "\",\"swap\":%s,\"lanes\":{", e->swap ? "true" : "false");
    for (int L = 0; L < 3; L++) {
        fprintf(f, "%s\"%s\":[", L ? "," : "", emb_lane_name((emb_lane)L));
        for (int ti = 0; ti < e->nterms[L]; ti++) {
            const emb_term *t = &e->term[L][ti];
            fprintf(f, "%s{\"dim\":\"", ti ? "," : "");
            text_json_esc(f, o->dim_name[t->dim]);
            fprintf(f, "\",\"extent\":%" PRId64, t->extent);
            if (t->comp_dim >= 0) {
                fputs(",\"comp\":\"", f);
                text_json_esc(f, o->dim_name[t->comp_dim]);
                fprintf(f, "\",\"coef\":%" PRId64, t->comp_coef);
            }
            fputs("}", f);
        }
        fputs("]", f);
    }
    fputs("}}", f);
}

static void loop_name(const op *o, const emb_loop *l, char *buf, size_t len) {
    if (l->kind == EMB_LOOP_CHUNK)
        snprintf(buf, len, "chunk_%s", emb_lane_name((emb_lane)l->dim));
    else
        snprintf(buf, len, "%s", o->dim_name[l->dim]);
}

void emb_nest_print(FILE *f, const op *o, const emb_nest *n) {
    fprintf(f, "nest: %" PRId64 " instances, utilization %.2f%%, lanes B %" PRId64 " O %" PRId64
               " I %" PRId64 "\n",
            n->instances, 100.0 * n->utilization, n->lane_extent[EMB_B], n->lane_extent[EMB_O],
            n->lane_extent[EMB_I]);
    fprintf(f, "  loops (outermost first):");
    for (int li = 0; li < n->nloops; li++) {
        const emb_loop *l = &n->loop[li];
        char nm[32];
        loop_name(o, l, nm, sizeof nm);
        fprintf(f, " %s[%" PRId64, nm, l->extent);
        if (l->kind == EMB_LOOP_DIM && (l->step != 1 || l->start != 0))
            fprintf(f, " step %" PRId64 " from %" PRId64, l->step, l->start);
        fprintf(f, "]");
    }
    fprintf(f, "\n");
    for (int x = 0; x < 3; x++) {
        const emb_layout *L = &n->lay[x];
        fprintf(f, "  %s: ", emb_operand_name((emb_operand)x));
        for (int k = 0; k < L->naxes; k++) {
            fprintf(f, "%s%" PRId64, k ? " x " : "", L->extent[k]);
            if (L->zero_lo[k] || L->zero_hi[k])
                fprintf(f, "(-%" PRId64 "/-%" PRId64 ")", L->zero_lo[k], L->zero_hi[k]);
        }
        if (L->naxes == 0)
            fprintf(f, "1");
        fprintf(f, " elements of %" PRId64 " B, %" PRId64 " B in DRAM%s; loops:", L->elem_bytes,
                n->dram_bytes[x], x == EMB_ACC ? " (int8 out)" : "");
        for (int li = 0; li < n->nloops; li++) {
            const emb_loop *l = &n->loop[li];
            if (l->axis[x] < 0)
                continue;
            char nm[32];
            loop_name(o, l, nm, sizeof nm);
            fprintf(f, " %s->%d*%" PRId64, nm, l->axis[x], l->coef[x]);
        }
        fprintf(f, "\n");
    }
    fprintf(f, "  input duplication x%.3f, %s\n", n->dup_factor,
            n->needs_transform ? "input re-laid out on the host" : "input in its native layout");
}

static void json_i64s(FILE *f, const int64_t *v, int k) {
    fputc('[', f);
    for (int i = 0; i < k; i++)
        fprintf(f, "%s%" PRId64, i ? "," : "", v[i]);
    fputc(']', f);
}

void emb_nest_json(FILE *f, const op *o, const emb_nest *n) {
    fprintf(f, "{\"instances\":%" PRId64 ",\"utilization\":%.6f,\"lane_extent\":", n->instances,
            n->utilization);
    json_i64s(f, n->lane_extent, 3);
    fputs(",\"loops\":[", f);
    for (int li = 0; li < n->nloops; li++) {
        const emb_loop *l = &n->loop[li];
        char nm[32];
        loop_name(o, l, nm, sizeof nm);
        fprintf(f, "%s{\"kind\":\"%s\",\"name\":\"", li ? "," : "",
                l->kind == EMB_LOOP_DIM ? "dim" : "chunk");
        text_json_esc(f, nm);
        fprintf(f, "\",\"extent\":%" PRId64 ",\"step\":%" PRId64 ",\"start\":%" PRId64
                   ",\"axis\":[%d,%d,%d],\"coef\":",
                l->extent, l->step, l->start, l->axis[0], l->axis[1], l->axis[2]);
        json_i64s(f, l->coef, 3);
        fputc('}', f);
    }
    fputs("],\"layouts\":{", f);
    for (int x = 0; x < 3; x++) {
        const emb_layout *L = &n->lay[x];
        fprintf(f, "%s\"%s\":{\"extent\":", x ? "," : "", emb_operand_name((emb_operand)x));
        json_i64s(f, L->extent, L->naxes);
        fputs(",\"zero_lo\":", f);
        json_i64s(f, L->zero_lo, L->naxes);
        fputs(",\"zero_hi\":", f);
        json_i64s(f, L->zero_hi, L->naxes);
        fprintf(f, ",\"elems\":%" PRId64 ",\"elem_bytes\":%" PRId64 ",\"dram_bytes\":%" PRId64 "}",
                L->elems, L->elem_bytes, n->dram_bytes[x]);
    }
    fprintf(f, "},\"dup_factor\":%.6f,\"needs_transform\":%s}", n->dup_factor,
            n->needs_transform ? "true" : "false");
}
