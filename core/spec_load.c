/* spec_load: the kind loaders of the spec module (operator, suite) and the
 * inline shapes (--conv / --gemm). They work on the plain tree of core/spec.c (no
 * libxml2 here) and turn every semantic error into "FILE:LINE: message" with the line
 * of the offending element ("SOURCE: message" for inline shapes).
 * Invariant: an op handed out passed the op builders (op_build_conv/gemm/affine), so it
 * satisfies op_check. (The hardware kind is the VTA target's: hw_load.) */
#include "core/spec.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/maestro.h"

/* Largest accepted size, extent, stride, pad or dilation: products of a few of them
 * still fit int64, and the builders check the full products for overflow. */
#define SPEC_SIZE_MAX ((int64_t)INT32_MAX)

/* ---- shared conv/gemm construction (used by XML and inline shapes) ---- */

/* Rejects an empty output with a message naming the dimension: the dilated window
 * must fit the padded input. */
static bool conv_out_ok(const op_conv *p, const char *file, long line, status *st) {
    int64_t span_h = p->dil_h * (p->r - 1) + 1, span_w = p->dil_w * (p->s - 1) + 1;
    int64_t in_h = p->h + 2 * p->pad_h, in_w = p->w + 2 * p->pad_w;
    if (span_h > in_h)
        return status_fail_at(st, file, line,
                              "output size must be >= 1: filter height %lld (dilated) exceeds padded input height %lld",
                              (long long)span_h, (long long)in_h);
    if (span_w > in_w)
        return status_fail_at(st, file, line,
                              "output size must be >= 1: filter width %lld (dilated) exceeds padded input width %lld",
                              (long long)span_w, (long long)in_w);
    return true;
}

static bool build_conv(op *o, const char *name, const op_conv *p, op_kind kind, const char *file,
                       long line, status *st) {
    if (!conv_out_ok(p, file, line, st))
        return false;
    status t;
    status_init(&t);
    if (!op_build_conv(o, name, p, kind, &t))
        return status_fail_at(st, file, line, "%s", t.msg);
    return true;
}

static bool build_gemm(op *o, const char *name, const op_gemm *p, const char *file, long line,
                       status *st) {
    status t;
    status_init(&t);
    if (!op_build_gemm(o, name, p, &t))
        return status_fail_at(st, file, line, "%s", t.msg);
    return true;
}

/* ---- XML operators ---- */

/* A required integer attribute (the schema already demands it in operator/suite files,
 * but spec_op_from_node also serves other documents). */
static bool req_i64(const spec_doc *d, const spec_node *n, const char *name, int64_t lo, int64_t hi,
                    int64_t *out, status *st) {
    if (!spec_node_attr(n, name))
        return status_fail_at(st, spec_doc_path(d), spec_node_line(n), "missing attribute '%s' of <%s>", name,
                              spec_node_name(n));
    return spec_attr_i64(d, n, name, 0, lo, hi, out, st);
}

/* The window attributes shared by conv2d and depthwise: stride/pad/dilation set both
 * directions, the _h/_w forms override one. */
static bool conv_window(const spec_doc *d, const spec_node *n, op_conv *p, status *st) {
    int64_t stride, pad, dil;
    return spec_attr_i64(d, n, "n", 1, 1, SPEC_SIZE_MAX, &p->n, st) &&
           req_i64(d, n, "c", 1, SPEC_SIZE_MAX, &p->c, st) && req_i64(d, n, "h", 1, SPEC_SIZE_MAX, &p->h, st) &&
           req_i64(d, n, "w", 1, SPEC_SIZE_MAX, &p->w, st) && req_i64(d, n, "r", 1, SPEC_SIZE_MAX, &p->r, st) &&
           req_i64(d, n, "s", 1, SPEC_SIZE_MAX, &p->s, st) &&
           spec_attr_i64(d, n, "stride", 1, 1, SPEC_SIZE_MAX, &stride, st) &&
           spec_attr_i64(d, n, "stride_h", stride, 1, SPEC_SIZE_MAX, &p->stride_h, st) &&
           spec_attr_i64(d, n, "stride_w", stride, 1, SPEC_SIZE_MAX, &p->stride_w, st) &&
           spec_attr_i64(d, n, "pad", 0, 0, SPEC_SIZE_MAX, &pad, st) &&
           spec_attr_i64(d, n, "pad_h", pad, 0, SPEC_SIZE_MAX, &p->pad_h, st) &&
           spec_attr_i64(d, n, "pad_w", pad, 0, SPEC_SIZE_MAX, &p->pad_w, st) &&
           spec_attr_i64(d, n, "dilation", 1, 1, SPEC_SIZE_MAX, &dil, st) &&
           spec_attr_i64(d, n, "dilation_h", dil, 1, SPEC_SIZE_MAX, &p->dil_h, st) &&
           spec_attr_i64(d, n, "dilation_w", dil, 1, SPEC_SIZE_MAX, &p->dil_w, st);
}

static bool is_ident(const char *s) {
    if (!(isalpha((unsigned char)*s) || *s == '_'))
        return false;
    for (s++; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_'))
            return false;
    return true;
}

/* Comma-separated list of sizes ("4,5"): 1..OP_MAX_RANK entries in [1, SPEC_SIZE_MAX]. */
static bool parse_shape(const char *text, int64_t *shape, int32_t *rank, const char *what, const char *file,
                        long line, status *st) {
    int r = 0;
    const char *p = text;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        char item[64];
        if (l >= sizeof item)
            return status_fail_at(st, file, line, "%s: shape entry too long", what);
        memcpy(item, p, l);
        item[l] = '\0';
        char *it = item;
        while (isspace((unsigned char)*it))
            it++;
        for (size_t m = strlen(it); m > 0 && isspace((unsigned char)it[m - 1]); m--)
            it[m - 1] = '\0';
        if (r == OP_MAX_RANK)
            return status_fail_at(st, file, line, "%s: shape has more than %d entries", what, OP_MAX_RANK);
        int64_t v = 0;
        int rc = spec_parse_i64(it, &v);
        if (rc == 0)
            return status_fail_at(st, file, line, "%s: shape entry %d is not an integer: '%s'", what, r + 1, it);
        if (rc < 0 || v < 1 || v > SPEC_SIZE_MAX)
            return status_fail_at(st, file, line, "%s: shape entry %d must be in [1, %lld], got '%s'", what, r + 1,
                                  (long long)SPEC_SIZE_MAX, it);
        shape[r++] = v;
        if (!e)
            break;
        p = e + 1;
    }
    *rank = r;
    return true;
}

/* One affine expression over the dims, e.g. "2*j + k - 1": a sum of terms, each a
 * product of integers and at most one dim. Coefficients accumulate (i + i = 2*i). */
typedef struct expr_ctx {
    const op *o;
    const char *s, *p;
    const char *file, *what;
    long line;
    status *st;
} expr_ctx;

static void skip_blank(expr_ctx *c) {
    while (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')
        c->p++;
}

static bool expr_fail(expr_ctx *c, const char *why) {
    return status_fail_at(c->st, c->file, c->line, "%s: bad index expression '%s': %s at column %d", c->what, c->s,
                          why, (int)(c->p - c->s) + 1);
}

/* term := factor ('*' factor)*; adds sign * term into map/off. */
static bool parse_term(expr_ctx *c, int64_t sign, int64_t *map, int64_t *off) {
    int64_t coef = sign;
    int dim = -1;
    for (;;) {
        skip_blank(c);
        if (isdigit((unsigned char)*c->p)) {
            int64_t v = 0;
            while (isdigit((unsigned char)*c->p)) {
                if (!es_mul_i64(v, 10, &v) || !es_add_i64(v, *c->p - '0', &v))
                    return expr_fail(c, "number too large");
                c->p++;
            }
            if (!es_mul_i64(coef, v, &coef))
                return expr_fail(c, "coefficient overflow");
        } else if (isalpha((unsigned char)*c->p) || *c->p == '_') {
            const char *b = c->p;
            while (isalnum((unsigned char)*c->p) || *c->p == '_')
                c->p++;
            char name[32];
            size_t l = (size_t)(c->p - b);
            if (l >= sizeof name)
                l = sizeof name - 1;
            memcpy(name, b, l);
            name[l] = '\0';
            int d = -1;
            for (int i = 0; i < c->o->ndims; i++)
                if (!strcmp(c->o->dim_name[i], name))
                    d = i;
            if (d < 0) {
                c->p = b;
                char why[96];
                snprintf(why, sizeof why, "unknown dim '%s'", name);
                return expr_fail(c, why);
            }
            if (dim >= 0) {
                c->p = b;
                return expr_fail(c, "product of two dims is not affine");
            }
            dim = d;
        } else {
            return expr_fail(c, *c->p ? "expected a number or a dim name" : "unexpected end");
        }
        skip_blank(c);
        if (*c->p != '*')
            break;
        c->p++;
    }
    int64_t *dst = dim >= 0 ? &map[dim] : off;
    if (!es_add_i64(*dst, coef, dst))
        return expr_fail(c, "coefficient overflow");
    return true;
}

static bool parse_expr(expr_ctx *c, int64_t *map, int64_t *off) {
    skip_blank(c);
    int64_t sign = 1;
    if (*c->p == '-' || *c->p == '+') {
        sign = *c->p == '-' ? -1 : 1;
        c->p++;
    }
    if (!parse_term(c, sign, map, off))
        return false;
    for (;;) {
        skip_blank(c);
        if (*c->p == '+' || *c->p == '-') {
            sign = *c->p == '-' ? -1 : 1;
            c->p++;
            if (!parse_term(c, sign, map, off))
                return false;
        } else if (*c->p == ',' || *c->p == '\0') {
            return true;
        } else {
            return expr_fail(c, "expected '+', '-', '*' or ','");
        }
    }
}

static bool parse_index(const op *o, const char *text, op_tensor *t, const char *what, const char *file, long line,
                      status *st) {
    expr_ctx c = {o, text, text, file, what, line, st};
    int j = 0;
    for (;;) {
        if (j == t->rank)
            return expr_fail(&c, "more index expressions than the shape's rank");
        if (!parse_expr(&c, t->map[j], &t->off[j]))
            return false;
        j++;
        if (*c.p == '\0')
            break;
        c.p++; /* ',' */
    }
    if (j != t->rank)
        return status_fail_at(st, file, line, "%s: %d index expressions for a tensor of rank %d", what, j,
                              (int)t->rank);
    return true;
}

static bool affine_from_node(const spec_doc *d, const spec_node *n, op *o, status *st) {
    const char *file = spec_doc_path(d);
    for (const spec_node *c = spec_node_first_child(n); c; c = spec_node_next(c)) {
        long line = spec_node_line(c);
        if (!strcmp(spec_node_name(c), "dim")) {
            const char *name = spec_node_attr(c, "name");
            if (!name)
                return status_fail_at(st, file, line, "missing attribute 'name' of <dim>");
            if (!is_ident(name) || strlen(name) >= sizeof o->dim_name[0])
                return status_fail_at(st, file, line, "dim name '%s' must be an identifier of at most %d characters",
                                      name, (int)sizeof o->dim_name[0] - 1);
            if (o->ndims == OP_MAX_DIMS)
                return status_fail_at(st, file, line, "more than %d dims", OP_MAX_DIMS);
            for (int i = 0; i < o->ndims; i++)
                if (!strcmp(o->dim_name[i], name))
                    return status_fail_at(st, file, line, "duplicate dim '%s'", name);
            if (!req_i64(d, c, "extent", 1, SPEC_SIZE_MAX, &o->extent[o->ndims], st))
                return false;
            strcpy(o->dim_name[o->ndims], name);
            o->ndims++;
        }
    }
    bool seen[3] = {false, false, false};
    static const char *roles[3] = {"out", "in", "wt"};
    static const char *dflt_names[3] = {"Out", "In", "Wt"};
    for (const spec_node *c = spec_node_first_child(n); c; c = spec_node_next(c)) {
        if (strcmp(spec_node_name(c), "tensor"))
            continue;
        long line = spec_node_line(c);
        const char *role = spec_node_attr(c, "role");
        int r = -1;
        for (int i = 0; i < 3; i++)
            if (role && !strcmp(role, roles[i]))
                r = i;
        if (r < 0)
            return status_fail_at(st, file, line, "tensor role must be out, in or wt, got '%s'", role ? role : "");
        if (seen[r])
            return status_fail_at(st, file, line, "duplicate tensor role '%s'", roles[r]);
        seen[r] = true;
        op_tensor *t = &o->t[r];
        const char *name = spec_node_attr(c, "name");
        if (!name)
            name = dflt_names[r];
        if (!is_ident(name) || strlen(name) >= sizeof t->name)
            return status_fail_at(st, file, line, "tensor name '%s' must be an identifier of at most %d characters",
                                  name, (int)sizeof t->name - 1);
        strcpy(t->name, name);
        char what[64];
        snprintf(what, sizeof what, "tensor '%s'", name);
        const char *shape = spec_node_attr(c, "shape"), *index = spec_node_attr(c, "index");
        if (!shape || !index)
            return status_fail_at(st, file, line, "missing attribute '%s' of <tensor>", shape ? "index" : "shape");
        if (!parse_shape(shape, t->shape, &t->rank, what, file, line, st) ||
            !parse_index(o, index, t, what, file, line, st))
            return false;
    }
    for (int i = 0; i < 3; i++)
        if (!seen[i])
            return status_fail_at(st, file, spec_node_line(n), "missing tensor with role '%s'", roles[i]);
    status t;
    status_init(&t);
    if (!op_build_affine(o, &t))
        return status_fail_at(st, file, spec_node_line(n), "%s", t.msg);
    return true;
}

static bool requant_from_node(const spec_doc *d, const spec_node *n, op *o, status *st) {
    int64_t shift, lo, hi, axis;
    op_requant *q = &o->rq;
    if (!spec_attr_i64(d, n, "shift", q->shift, 0, 15, &shift, st) ||
        !spec_attr_i64(d, n, "clip_lo", q->clip_lo, -128, 127, &lo, st) ||
        !spec_attr_i64(d, n, "clip_hi", q->clip_hi, -128, 127, &hi, st) ||
        !spec_attr_i64(d, n, "bias_axis", q->bias_axis, 0, o->t[OP_OUT].rank - 1, &axis, st) ||
        !spec_attr_bool(d, n, "bias", q->bias, &q->bias, st) || !spec_attr_bool(d, n, "relu", q->relu, &q->relu, st))
        return false;
    if (lo > hi)
        return status_fail_at(st, spec_doc_path(d), spec_node_line(n), "clip_lo %lld is greater than clip_hi %lld",
                              (long long)lo, (long long)hi);
    q->shift = (int32_t)shift;
    q->clip_lo = (int32_t)lo;
    q->clip_hi = (int32_t)hi;
    q->bias_axis = (int32_t)axis;
    return true;
}

bool spec_op_from_node(const spec_doc *d, const spec_node *n, op *o, status *st) {
    const char *file = spec_doc_path(d);
    if (strcmp(spec_node_name(n), "operator"))
        return status_fail_at(st, file, spec_node_line(n), "expected <operator>, found <%s>", spec_node_name(n));
    const char *name = spec_node_attr(n, "name");
    if (!name)
        return status_fail_at(st, file, spec_node_line(n), "missing attribute 'name' of <operator>");
    if (strlen(name) >= OP_NAME_MAX)
        return status_fail_at(st, file, spec_node_line(n), "operator name longer than %d characters",
                              OP_NAME_MAX - 1);
    const char *tags = spec_node_attr(n, "tags");
    if (tags && strlen(tags) >= sizeof o->tags)
        return status_fail_at(st, file, spec_node_line(n), "attribute 'tags' longer than %d characters",
                              (int)sizeof o->tags - 1);
    const spec_node *k = spec_node_first_child(n);
    if (!k)
        return status_fail_at(st, file, spec_node_line(n), "operator '%s' has no kind element", name);
    const char *kind = spec_node_name(k);
    long line = spec_node_line(k);
    bool ok;
    op_kind okind;
    if (!op_kind_parse(kind, &okind))
        return status_fail_at(st, file, line, "unknown operator kind <%s> (conv2d, depthwise, gemm or affine)", kind);
    switch (okind) {
    case OP_CONV2D: {
        op_conv p;
        memset(&p, 0, sizeof p);
        ok = conv_window(d, k, &p, st) && req_i64(d, k, "k", 1, SPEC_SIZE_MAX, &p.k, st) &&
             spec_attr_i64(d, k, "groups", 1, 1, SPEC_SIZE_MAX, &p.groups, st) &&
             build_conv(o, name, &p, OP_CONV2D, file, line, st);
        break;
    }
    case OP_DEPTHWISE: {
        op_conv p;
        memset(&p, 0, sizeof p);
        int64_t mult = 1;
        ok = conv_window(d, k, &p, st) && spec_attr_i64(d, k, "multiplier", 1, 1, SPEC_SIZE_MAX, &mult, st);
        if (ok) {
            p.groups = p.c;
            p.k = p.c * mult; /* both <= 2^31: no overflow */
            ok = build_conv(o, name, &p, OP_DEPTHWISE, file, line, st);
        }
        break;
    }
    case OP_GEMM: {
        op_gemm p;
        memset(&p, 0, sizeof p);
        ok = req_i64(d, k, "m", 1, SPEC_SIZE_MAX, &p.m, st) && req_i64(d, k, "n", 1, SPEC_SIZE_MAX, &p.n, st) &&
             req_i64(d, k, "k", 1, SPEC_SIZE_MAX, &p.k, st) &&
             spec_attr_i64(d, k, "batch", 1, 1, SPEC_SIZE_MAX, &p.batch, st) &&
             spec_attr_bool(d, k, "a_t", false, &p.a_t, st) && spec_attr_bool(d, k, "b_t", false, &p.b_t, st) &&
             build_gemm(o, name, &p, file, line, st);
        break;
    }
    case OP_AFFINE:
    default:
        memset(o, 0, sizeof *o);
        o->kind = OP_AFFINE;
        strcpy(o->name, name);
        o->rq = op_requant_default();
        ok = affine_from_node(d, k, o, st);
        break;
    }
    if (!ok)
        return false;
    snprintf(o->tags, sizeof o->tags, "%s", tags ? tags : "");
    for (const spec_node *c = spec_node_next(k); c; c = spec_node_next(c)) {
        if (!strcmp(spec_node_name(c), "requant")) {
            if (!requant_from_node(d, c, o, st))
                return false;
        } else {
            return status_fail_at(st, file, spec_node_line(c), "unexpected element <%s> in operator '%s'",
                                  spec_node_name(c), name);
        }
    }
    if (o->rq.relu && o->rq.clip_lo < 0)
        o->rq.clip_lo = 0; /* op.h: ReLU raises the lower clip to >= 0 */
    status t;
    status_init(&t);
    if (!op_check(o, &t))
        return status_fail_at(st, file, spec_node_line(n), "operator '%s': %s", name, t.msg);
    return true;
}

/* ---- file loaders ---- */

bool spec_load_op(const char *path, op *o, status *st) {
    spec_doc *d = spec_doc_load(path, "operator", st);
    if (!d)
        return false;
    bool ok = spec_op_from_node(d, spec_doc_root(d), o, st);
    spec_doc_destroy(d);
    return ok;
}

bool spec_load_suite(const char *path, char *suite_name, size_t name_len, op **ops, int *nops, status *st) {
    *ops = NULL;
    *nops = 0;
    if (maestro_is_path(path)) { /* a MAESTRO network: each layer an operator */
        char net[128];
        if (!maestro_load(path, net, sizeof net, ops, nops, st)) return false;
        if (suite_name && name_len > 0) snprintf(suite_name, name_len, "%s", net);
        return true;
    }
    spec_doc *d = spec_doc_load(path, "suite", st);
    if (!d)
        return false;
    const spec_node *root = spec_doc_root(d);
    if (suite_name && name_len > 0) {
        const char *nm = spec_node_attr(root, "name");
        snprintf(suite_name, name_len, "%s", nm ? nm : "");
    }
    int n = 0;
    for (const spec_node *c = spec_node_first_child(root); c; c = spec_node_next(c))
        n++;
    op *v = es_calloc((size_t)(n > 0 ? n : 1), sizeof *v);
    long *lines = es_calloc((size_t)(n > 0 ? n : 1), sizeof *lines);
    /* Names seen so far: open-addressing hash of indices into v (-1 = empty), at most
     * half full, so the duplicate check is linear in the suite size. */
    size_t hcap = 16;
    while (hcap < 2 * (size_t)n)
        hcap *= 2;
    int *seen = es_calloc(hcap, sizeof *seen);
    bool ok = v && lines && seen;
    if (!ok)
        status_fail(st, "%s: out of memory", path);
    else
        memset(seen, 0xff, hcap * sizeof *seen);
    int i = 0;
    for (const spec_node *c = spec_node_first_child(root); c && ok; c = spec_node_next(c)) {
        ok = spec_op_from_node(d, c, &v[i], st);
        size_t h = 0;
        for (const char *p = v[i].name; ok && *p; p++)
            h = (h ^ (unsigned char)*p) * 1099511628211u;
        for (size_t k = h & (hcap - 1); ok; k = (k + 1) & (hcap - 1)) {
            int j = seen[k];
            if (j < 0) {
                seen[k] = i;
                break;
            }
            if (!strcmp(v[j].name, v[i].name))
                ok = status_fail_at(st, path, spec_node_line(c), "duplicate operator name '%s' (first at line %ld)",
                                    v[i].name, lines[j]);
        }
        lines[i] = spec_node_line(c);
        i++;
    }
    es_free(seen);
    es_free(lines);
    spec_doc_destroy(d);
    if (!ok) {
        es_free(v);
        return false;
    }
    *ops = v;
    *nops = n;
    return true;
}

/* ---- inline shapes ---- */

/* Keys are case-insensitive: N=1 and n=1 mean the same. */
static bool key_is(const char *k, const char *name) {
    for (; *k && *name; k++, name++)
        if (tolower((unsigned char)*k) != tolower((unsigned char)*name))
            return false;
    return *k == *name;
}

/* One "key=value" list: splits, trims and hands each pair to `take`, which returns
 * 1 taken, 0 unknown key, -1 error (already in st). Duplicate keys are errors. */
typedef int (*kv_take)(void *ctx, const char *key, const char *val, const char *src, status *st);

static bool parse_kv(const char *text, const char *src, void *ctx, kv_take take, const char *known, status *st) {
    char seen[24][24];
    int nseen = 0;
    const char *p = text;
    if (!text || !*text)
        return status_fail_at(st, src, 0, "empty shape (expected %s)", known);
    for (;;) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        char item[128];
        if (l >= sizeof item)
            return status_fail_at(st, src, 0, "entry too long: '%.40s...'", p);
        memcpy(item, p, l);
        item[l] = '\0';
        char *k = item;
        while (isspace((unsigned char)*k))
            k++;
        char *end = k + strlen(k);
        while (end > k && isspace((unsigned char)end[-1]))
            *--end = '\0';
        if (!*k)
            return status_fail_at(st, src, 0, "empty entry in '%s'", text);
        char *eq = strchr(k, '=');
        const char *val = "1"; /* a bare flag ("relu") means true */
        if (eq) {
            char *ke = eq;
            while (ke > k && isspace((unsigned char)ke[-1]))
                ke--;
            *ke = '\0';
            val = eq + 1;
            while (isspace((unsigned char)*val))
                val++;
            if (!*val)
                return status_fail_at(st, src, 0, "missing value for '%s'", k);
        }
        for (int i = 0; i < nseen; i++)
            if (key_is(seen[i], k))
                return status_fail_at(st, src, 0, "duplicate key '%s'", k);
        int rc = take(ctx, k, val, src, st);
        if (rc < 0)
            return false;
        if (rc == 0)
            return status_fail_at(st, src, 0, "unknown key '%s' (known: %s)", k, known);
        if (nseen < 24)
            snprintf(seen[nseen++], sizeof seen[0], "%.23s", k);
        if (!e)
            break;
        p = e + 1;
    }
    return true;
}

static int kv_int(const char *key, const char *val, int64_t lo, int64_t hi, int64_t *out, const char *src,
                  status *st) {
    int64_t v = 0;
    int rc = spec_parse_i64(val, &v);
    if (rc == 0)
        return status_fail_at(st, src, 0, "value of '%s' is not an integer: '%s'", key, val), -1;
    if (rc < 0 || v < lo || v > hi)
        return status_fail_at(st, src, 0, "value of '%s' must be in [%lld, %lld], got %s%s", key, (long long)lo,
                              (long long)hi, val, rc < 0 ? " (64-bit overflow)" : ""),
               -1;
    *out = v;
    return 1;
}

static int kv_bool(const char *key, const char *val, bool *out, const char *src, status *st) {
    if (!strcmp(val, "1") || !strcmp(val, "true")) {
        *out = true;
        return 1;
    }
    if (!strcmp(val, "0") || !strcmp(val, "false")) {
        *out = false;
        return 1;
    }
    return status_fail_at(st, src, 0, "value of '%s' must be true/false or 1/0, got '%s'", key, val), -1;
}

/* Requantization keys shared by conv and gemm shapes. */
typedef struct rq_keys {
    int64_t shift;
    bool relu, bias;
    bool have_shift;
} rq_keys;

static int take_rq(rq_keys *q, const char *k, const char *v, const char *src, status *st) {
    if (key_is(k, "shift")) {
        q->have_shift = true;
        return kv_int(k, v, 0, 15, &q->shift, src, st);
    }
    if (key_is(k, "relu"))
        return kv_bool(k, v, &q->relu, src, st);
    if (key_is(k, "bias"))
        return kv_bool(k, v, &q->bias, src, st);
    return 0;
}

static void apply_rq(op *o, const rq_keys *q) {
    if (q->have_shift)
        o->rq.shift = (int32_t)q->shift;
    o->rq.bias = q->bias;
    o->rq.relu = q->relu;
    if (q->relu && o->rq.clip_lo < 0)
        o->rq.clip_lo = 0;
}

/* Conv keys: index into the value array; -1 marks "unset". */
enum { CK_N, CK_C, CK_H, CK_W, CK_K, CK_R, CK_S, CK_STRIDE, CK_STRIDE_H, CK_STRIDE_W, CK_PAD, CK_PAD_H, CK_PAD_W,
       CK_DIL, CK_DIL_H, CK_DIL_W, CK_GROUPS, CK_COUNT };
static const char *const conv_keys[CK_COUNT] = {"N", "C", "H", "W", "K", "R", "S", "stride", "stride_h",
                                                 "stride_w", "pad", "pad_h", "pad_w", "dilation", "dilation_h",
                                                 "dilation_w", "groups"};

typedef struct conv_kv {
    int64_t v[CK_COUNT];
    rq_keys rq;
} conv_kv;

static int take_conv(void *ctx, const char *k, const char *v, const char *src, status *st) {
    conv_kv *c = ctx;
    for (int i = 0; i < CK_COUNT; i++)
        if (key_is(k, conv_keys[i])) {
            bool is_pad = i == CK_PAD || i == CK_PAD_H || i == CK_PAD_W;
            return kv_int(k, v, is_pad ? 0 : 1, SPEC_SIZE_MAX, &c->v[i], src, st);
        }
    return take_rq(&c->rq, k, v, src, st);
}

static int64_t pick(const int64_t *v, int specific, int general, int64_t dflt) {
    return v[specific] >= 0 ? v[specific] : v[general] >= 0 ? v[general] : dflt;
}

bool spec_parse_conv(const char *text, const char *source, op *o, status *st) {
    conv_kv c;
    memset(&c, 0, sizeof c);
    for (int i = 0; i < CK_COUNT; i++)
        c.v[i] = -1;
    static const char known[] = "N, C, H, W, K, R, S, stride, stride_h, stride_w, pad, pad_h, pad_w, dilation, "
                                "dilation_h, dilation_w, groups, shift, relu, bias";
    if (!parse_kv(text, source, &c, take_conv, known, st))
        return false;
    static const int required[] = {CK_C, CK_H, CK_W, CK_K, CK_R, CK_S};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (c.v[required[i]] < 0)
            return status_fail_at(st, source, 0, "missing %s (required: C, H, W, K, R, S)", conv_keys[required[i]]);
    op_conv p;
    memset(&p, 0, sizeof p);
    p.n = c.v[CK_N] >= 0 ? c.v[CK_N] : 1;
    p.c = c.v[CK_C];
    p.h = c.v[CK_H];
    p.w = c.v[CK_W];
    p.k = c.v[CK_K];
    p.r = c.v[CK_R];
    p.s = c.v[CK_S];
    p.stride_h = pick(c.v, CK_STRIDE_H, CK_STRIDE, 1);
    p.stride_w = pick(c.v, CK_STRIDE_W, CK_STRIDE, 1);
    p.pad_h = pick(c.v, CK_PAD_H, CK_PAD, 0);
    p.pad_w = pick(c.v, CK_PAD_W, CK_PAD, 0);
    p.dil_h = pick(c.v, CK_DIL_H, CK_DIL, 1);
    p.dil_w = pick(c.v, CK_DIL_W, CK_DIL, 1);
    p.groups = c.v[CK_GROUPS] >= 0 ? c.v[CK_GROUPS] : 1;
    if (!build_conv(o, "conv", &p, OP_CONV2D, source, 0, st))
        return false;
    apply_rq(o, &c.rq);
    return true;
}

enum { GK_M, GK_N, GK_K, GK_BATCH, GK_COUNT };
static const char *const gemm_keys[GK_COUNT] = {"M", "N", "K", "batch"};

typedef struct gemm_kv {
    int64_t v[GK_COUNT];
    bool a_t, b_t;
    rq_keys rq;
} gemm_kv;

static int take_gemm(void *ctx, const char *k, const char *v, const char *src, status *st) {
    gemm_kv *g = ctx;
    for (int i = 0; i < GK_COUNT; i++)
        if (key_is(k, gemm_keys[i]))
            return kv_int(k, v, 1, SPEC_SIZE_MAX, &g->v[i], src, st);
    if (key_is(k, "a_t"))
        return kv_bool(k, v, &g->a_t, src, st);
    if (key_is(k, "b_t"))
        return kv_bool(k, v, &g->b_t, src, st);
    return take_rq(&g->rq, k, v, src, st);
}

bool spec_parse_gemm(const char *text, const char *source, op *o, status *st) {
    gemm_kv g;
    memset(&g, 0, sizeof g);
    for (int i = 0; i < GK_COUNT; i++)
        g.v[i] = -1;
    if (!parse_kv(text, source, &g, take_gemm, "M, N, K, batch, a_t, b_t, shift, relu, bias", st))
        return false;
    for (int i = GK_M; i <= GK_K; i++)
        if (g.v[i] < 0)
            return status_fail_at(st, source, 0, "missing %s (required: M, N, K)", gemm_keys[i]);
    op_gemm p;
    memset(&p, 0, sizeof p);
    p.m = g.v[GK_M];
    p.n = g.v[GK_N];
    p.k = g.v[GK_K];
    p.batch = g.v[GK_BATCH] >= 0 ? g.v[GK_BATCH] : 1;
    p.a_t = g.a_t;
    p.b_t = g.b_t;
    if (!build_gemm(o, "gemm", &p, source, 0, st))
        return false;
    apply_rq(o, &g.rq);
    return true;
}
