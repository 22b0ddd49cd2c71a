/* spec_emb: loads an <embedding> (core/schemas/embedding.xsd) through the spec tree API
 * and resolves dim names against the operator. Structural and dataflow rules are those
 * of emb_check; its message is reported at the <embedding> element's line.
 * Invariant: returns true only with an embedding that passes emb_check. */
#include "core/spec_emb.h"

#include <string.h>

static void dim_list(const op *o, char *buf, size_t len) {
    size_t k = 0;
    buf[0] = '\0';
    for (int d = 0; d < o->ndims && k < len; d++)
        k += (size_t)snprintf(buf + k, len - k, "%s%s", d ? "," : "", o->dim_name[d]);
}

static bool dim_of(const spec_doc *d, const spec_node *t, const op *o, const char *attr,
                   int *out, status *st) {
    const char *nm = spec_node_attr(t, attr);
    int di = nm ? op_dim_index(o, nm) : -1;
    if (di < 0) {
        char dims[160];
        dim_list(o, dims, sizeof dims);
        return status_fail_at(st, spec_doc_path(d), spec_node_line(t),
                              "unknown dim '%s' in attribute '%s' (dims of operator '%s': %s)",
                              nm ? nm : "", attr, o->name, dims);
    }
    *out = di;
    return true;
}

bool spec_emb_from_node(const spec_doc *d, const spec_node *n, const op *o, emb *e, status *st) {
    const char *path = spec_doc_path(d);
    memset(e, 0, sizeof *e);
    if (strcmp(spec_node_name(n), "embedding") != 0)
        return status_fail_at(st, path, spec_node_line(n), "expected <embedding>, got <%s>",
                              spec_node_name(n));
    if (!spec_attr_bool(d, n, "swap", false, &e->swap, st))
        return false;
    bool seen[3] = {false, false, false};
    long tline[3][EMB_MAX_TERMS] = {{0}};
    for (const spec_node *l = spec_node_first_child(n); l; l = spec_node_next(l)) {
        if (strcmp(spec_node_name(l), "lane") != 0)
            continue;
        const char *ax = spec_node_attr(l, "axis");
        int L = !ax ? -1 : strcmp(ax, "B") == 0 ? EMB_B : strcmp(ax, "O") == 0 ? EMB_O
                         : strcmp(ax, "I") == 0 ? EMB_I : -1;
        if (L < 0)
            return status_fail_at(st, path, spec_node_line(l), "lane axis must be B, O or I");
        if (seen[L])
            return status_fail_at(st, path, spec_node_line(l), "lane axis %s given twice", ax);
        seen[L] = true;
        for (const spec_node *t = spec_node_first_child(l); t; t = spec_node_next(t)) {
            if (strcmp(spec_node_name(t), "term") != 0)
                continue;
            if (e->nterms[L] >= EMB_MAX_TERMS)
                return status_fail_at(st, path, spec_node_line(t),
                                      "lane axis %s has more than %d terms", ax, EMB_MAX_TERMS);
            emb_term *tm = &e->term[L][e->nterms[L]];
            int dim;
            if (!dim_of(d, t, o, "dim", &dim, st))
                return false;
            tm->dim = dim;
            /* up to E, or beyond when other terms compensate the dim (banded Toeplitz);
             * the bound is checked below once every term is known */
            if (!spec_attr_i64(d, t, "extent", o->extent[dim], 1, (int64_t)1 << 40, &tm->extent, st))
                return false;
            tline[L][e->nterms[L]] = spec_node_line(t);
            tm->comp_dim = -1;
            tm->comp_coef = 0;
            if (spec_node_attr(t, "comp")) {
                int cd;
                if (!dim_of(d, t, o, "comp", &cd, st))
                    return false;
                tm->comp_dim = cd;
                if (!spec_node_attr(t, "coef"))
                    return status_fail_at(st, path, spec_node_line(t),
                                          "term with comp=\"%s\" needs a nonzero coef",
                                          o->dim_name[cd]);
                if (!spec_attr_i64(d, t, "coef", 0, -((int64_t)1 << 40), (int64_t)1 << 40,
                                   &tm->comp_coef, st))
                    return false;
                if (tm->comp_coef == 0)
                    return status_fail_at(st, path, spec_node_line(t), "coef must be nonzero");
            } else if (spec_node_attr(t, "coef")) {
                return status_fail_at(st, path, spec_node_line(t), "coef without comp");
            }
            e->nterms[L]++;
        }
    }
    for (int L = 0; L < 3; L++)
        for (int ti = 0; ti < e->nterms[L]; ti++) {
            const emb_term *tm = &e->term[L][ti];
            int64_t max = o->extent[tm->dim];
            for (int L2 = 0; L2 < 3; L2++)
                for (int t2 = 0; t2 < e->nterms[L2]; t2++) {
                    const emb_term *c = &e->term[L2][t2];
                    int64_t span;
                    if (c->comp_dim != tm->dim)
                        continue;
                    if (!es_mul_i64(c->comp_coef < 0 ? -c->comp_coef : c->comp_coef, c->extent - 1,
                                    &span) ||
                        !es_add_i64(max, span, &max))
                        max = INT64_MAX;
                }
            if (tm->extent > max)
                return status_fail_at(st, path, tline[L][ti],
                                      "attribute 'extent': %lld out of range 1..%lld",
                                      (long long)tm->extent, (long long)max);
        }
    status cst;
    status_init(&cst);
    if (!emb_check(o, NULL, e, &cst))
        return status_fail_at(st, path, spec_node_line(n), "%s", cst.msg);
    return true;
}

bool spec_load_emb(const char *path, const op *o, emb *e, status *st) {
    spec_doc *d = spec_doc_load(path, "embedding", st);
    if (!d)
        return false;
    bool ok = spec_emb_from_node(d, spec_doc_root(d), o, e, st);
    spec_doc_destroy(d);
    return ok;
}
