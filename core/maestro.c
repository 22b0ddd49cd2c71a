/* maestro: a small hand-written reader and writer of MAESTRO .m files (see maestro.h).
 * The reader tokenizes the whole file (identifiers with primes, integers, punctuation,
 * `//` comments) and parses Network / Layer blocks by recursive descent. */
#include "core/maestro.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"

bool maestro_is_path(const char *path) {
    size_t n = strlen(path);
    return n > 2 && !strcmp(path + n - 2, ".m");
}

/* ---- tokens ---- */

typedef struct mtok {
    char kind;        /* 'i' identifier, 'n' number, punctuation char, 0 end */
    char text[64];
    long line;
} mtok;

typedef struct mlex {
    const char *path, *p;
    long line;
    mtok t;           /* current token */
    status *st;
} mlex;

static void next(mlex *x) {
    for (;;) {
        while (*x->p && isspace((unsigned char)*x->p)) {
            if (*x->p == '\n') x->line++;
            x->p++;
        }
        if (x->p[0] == '/' && x->p[1] == '/') {
            while (*x->p && *x->p != '\n') x->p++;
            continue;
        }
        break;
    }
    mtok *t = &x->t;
    t->line = x->line;
    t->text[0] = 0;
    if (!*x->p) {
        t->kind = 0;
        return;
    }
    size_t k = 0;
    if (isalpha((unsigned char)*x->p) || *x->p == '_') {
        t->kind = 'i';
        while ((isalnum((unsigned char)*x->p) || *x->p == '_' || *x->p == '\'') && k + 1 < sizeof t->text)
            t->text[k++] = *x->p++;
    } else if (isdigit((unsigned char)*x->p)) {
        t->kind = 'n';
        while (isdigit((unsigned char)*x->p) && k + 1 < sizeof t->text) t->text[k++] = *x->p++;
    } else {
        t->kind = *x->p;
        t->text[k++] = *x->p++;
    }
    t->text[k] = 0;
}

static bool fail(mlex *x, const char *msg, const char *arg) {
    return status_fail_at(x->st, x->path, x->t.line, msg, arg);
}

static bool expect(mlex *x, char kind, const char *what) {
    if (x->t.kind != kind) return fail(x, "expected %s", what);
    next(x);
    return true;
}

static bool is_word(const mlex *x, const char *w) { return x->t.kind == 'i' && !strcmp(x->t.text, w); }

/* "{ NAME: n, NAME: n ... }" into names/values (at most max). */
static bool pairs(mlex *x, char (*names)[64], int64_t *vals, int *n, int max) {
    if (!expect(x, '{', "'{'")) return false;
    *n = 0;
    while (x->t.kind != '}') {
        if (x->t.kind != 'i') return fail(x, "expected a dimension name, got '%s'", x->t.text);
        if (*n == max) return fail(x, "too many entries (%s)", x->t.text);
        snprintf(names[*n], sizeof names[*n], "%s", x->t.text);
        next(x);
        if (!expect(x, ':', "':'")) return false;
        if (x->t.kind != 'n') return fail(x, "expected a number, got '%s'", x->t.text);
        vals[*n] = strtoll(x->t.text, NULL, 10);
        if (vals[*n] < 1 || vals[*n] > ((int64_t)1 << 40)) return fail(x, "value %s out of range", x->t.text);
        (*n)++;
        next(x);
        if (x->t.kind == ',') next(x);
    }
    next(x);
    return true;
}

static int64_t get(char (*names)[64], const int64_t *vals, int n, const char *name, int64_t dflt) {
    for (int i = 0; i < n; i++)
        if (!strcmp(names[i], name)) return vals[i];
    return dflt;
}

static bool layer(mlex *x, op *o) {
    next(x); /* Layer */
    char name[OP_NAME_MAX];
    if (x->t.kind != 'i' && x->t.kind != 'n') return fail(x, "expected a layer name, got '%s'", x->t.text);
    snprintf(name, sizeof name, "%s", x->t.text);
    long line = x->t.line;
    next(x);
    if (!expect(x, '{', "'{'")) return false;
    char type[64] = "";
    char dn[12][64], sn[4][64];
    int64_t dv[12], sv[4];
    int nd = 0, ns = 0;
    while (x->t.kind != '}') {
        if (is_word(x, "Type")) {
            next(x);
            if (!expect(x, ':', "':'")) return false;
            if (x->t.kind != 'i') return fail(x, "expected a layer type, got '%s'", x->t.text);
            snprintf(type, sizeof type, "%s", x->t.text);
            next(x);
        } else if (is_word(x, "Stride")) {
            next(x);
            if (!pairs(x, sn, sv, &ns, 4)) return false;
        } else if (is_word(x, "Dimensions")) {
            next(x);
            if (!pairs(x, dn, dv, &nd, 12)) return false;
        } else if (is_word(x, "Dataflow")) {
            next(x);
            if (!expect(x, '{', "'{'")) return false;
            for (int depth = 1; depth > 0;) {
                if (x->t.kind == 0) return fail(x, "unterminated Dataflow block%s", "");
                if (x->t.kind == '{') depth++;
                if (x->t.kind == '}') depth--;
                next(x);
            }
        } else {
            return fail(x, "unknown layer item '%s' (Type, Stride, Dimensions, Dataflow)", x->t.text);
        }
    }
    next(x);
    status in;
    status_init(&in);
    bool ok;
    if (!strcmp(type, "CONV") || !strcmp(type, "DSCONV")) {
        op_conv p;
        memset(&p, 0, sizeof p);
        p.n = get(dn, dv, nd, "N", 1);
        p.c = get(dn, dv, nd, "C", 0);
        p.k = get(dn, dv, nd, "K", !strcmp(type, "DSCONV") ? p.c : 0);
        p.r = get(dn, dv, nd, "R", 1);
        p.s = get(dn, dv, nd, "S", 1);
        p.h = get(dn, dv, nd, "Y", 0);
        p.w = get(dn, dv, nd, "X", 0);
        p.stride_h = get(sn, sv, ns, "Y", 1);
        p.stride_w = get(sn, sv, ns, "X", 1);
        p.dil_h = p.dil_w = 1;
        p.groups = !strcmp(type, "DSCONV") ? p.c : 1;
        if (!p.c || !p.k || !p.h || !p.w)
            return status_fail_at(x->st, x->path, line, "layer %s: Dimensions need C, K, Y and X", name);
        ok = op_build_conv(o, name, &p, !strcmp(type, "DSCONV") ? OP_DEPTHWISE : OP_CONV2D, &in);
    } else if (!strcmp(type, "GEMM") || !strcmp(type, "FC")) {
        op_gemm p = {.batch = 1};
        if (!strcmp(type, "GEMM")) {
            p.m = get(dn, dv, nd, "M", 0), p.n = get(dn, dv, nd, "N", 0), p.k = get(dn, dv, nd, "K", 0);
        } else { /* FC: out[N][K] = in[N][C] . W[K][C] */
            p.m = get(dn, dv, nd, "K", 0), p.n = get(dn, dv, nd, "N", 1), p.k = get(dn, dv, nd, "C", 0);
        }
        if (!p.m || !p.n || !p.k)
            return status_fail_at(x->st, x->path, line, "layer %s: Dimensions need %s", name,
                                  !strcmp(type, "GEMM") ? "M, N and K" : "K and C");
        ok = op_build_gemm(o, name, &p, &in);
    } else {
        return status_fail_at(x->st, x->path, line, "layer %s: Type must be CONV, DSCONV, GEMM or FC, got '%s'", name,
                              type[0] ? type : "(none)");
    }
    if (!ok) return status_fail_at(x->st, x->path, line, "layer %s: %s", name, in.msg);
    return true;
}

bool maestro_load(const char *path, char *net, size_t net_len, op **ops, int *nops, status *st) {
    *ops = NULL;
    *nops = 0;
    size_t len;
    unsigned char *raw = text_read_path(path, &len, st);
    if (!raw) return false;
    char *text = malloc(len + 1);
    ES_ASSERT(text);
    memcpy(text, raw, len);
    text[len] = 0;
    free(raw);
    mlex x = {path, text, 1, {0}, st};
    next(&x);
    int cap = 0;
    bool ok = true, have_net = false;
    while (ok && x.t.kind) {
        if (is_word(&x, "Constant")) { /* Constant NAME VALUE; */
            while (x.t.kind && x.t.kind != ';') next(&x);
            next(&x);
        } else if (is_word(&x, "Network") && !have_net) {
            have_net = true;
            next(&x);
            if (x.t.kind != 'i' && x.t.kind != 'n') {
                ok = fail(&x, "expected a network name, got '%s'", x.t.text);
                break;
            }
            snprintf(net, net_len, "%s", x.t.text);
            next(&x);
            if (!(ok = expect(&x, '{', "'{'"))) break;
            while (ok && x.t.kind != '}') {
                if (!is_word(&x, "Layer")) {
                    ok = x.t.kind ? fail(&x, "expected Layer, got '%s'", x.t.text)
                                  : fail(&x, "unterminated Network block%s", "");
                    break;
                }
                if (*nops == cap) {
                    cap = cap ? 2 * cap : 8;
                    op *n2 = realloc(*ops, (size_t)cap * sizeof **ops);
                    ES_ASSERT(n2);
                    *ops = n2;
                }
                ok = layer(&x, &(*ops)[*nops]);
                if (ok) (*nops)++;
            }
            if (ok) next(&x);
        } else {
            ok = fail(&x, "expected Network, got '%s'", x.t.text);
        }
    }
    if (ok && *nops == 0) ok = status_fail_at(st, path, x.line, "no layer in the file");
    free(text);
    if (!ok) {
        free(*ops);
        *ops = NULL;
        *nops = 0;
    }
    return ok;
}

/* ---- writer ---- */

/* MAESTRO's name of an embedsyn dim: conv outputs are Y' and X'. */
static const char *mname(const op *o, const char *d) {
    static const char *const conv[][2] = {{"n", "N"}, {"k", "K"}, {"c", "C"}, {"r", "R"}, {"s", "S"},
                                          {"y", "Y'"}, {"x", "X'"}, {"g", "C"}};
    static const char *const gemm[][2] = {{"m", "M"}, {"n", "N"}, {"k", "K"}};
    if (o->kind == OP_GEMM) {
        for (int i = 0; i < 3; i++)
            if (!strcmp(d, gemm[i][0])) return gemm[i][1];
    } else {
        for (int i = 0; i < 8; i++)
            if (!strcmp(d, conv[i][0])) return conv[i][1];
    }
    return NULL;
}

bool maestro_write_layer(FILE *f, const op *o, const df_mapping *m, status *st) {
    fprintf(f, "  Layer %s {\n", o->name);
    if (o->kind == OP_GEMM) {
        const op_gemm *g = &o->gemm;
        if (g->batch != 1) return status_fail(st, "%s: a batched GEMM has no MAESTRO form", o->name);
        fprintf(f, "    Type: GEMM\n    Dimensions { M: %lld, N: %lld, K: %lld }\n", (long long)g->m, (long long)g->n,
                (long long)g->k);
    } else if (o->kind == OP_CONV2D || o->kind == OP_DEPTHWISE) {
        const op_conv *c = &o->conv;
        bool ds = o->kind == OP_DEPTHWISE;
        if (c->dil_h != 1 || c->dil_w != 1) return status_fail(st, "%s: MAESTRO has no dilation", o->name);
        if (!ds && c->groups != 1) return status_fail(st, "%s: MAESTRO has no grouped conv", o->name);
        if (ds && c->k != c->c) return status_fail(st, "%s: DSCONV needs K = C", o->name);
        fprintf(f, "    Type: %s\n    Stride { X: %lld, Y: %lld }\n", ds ? "DSCONV" : "CONV", (long long)c->stride_w,
                (long long)c->stride_h);
        fprintf(f, "    Dimensions { N: %lld, K: %lld, C: %lld, R: %lld, S: %lld, Y: %lld, X: %lld }\n", (long long)c->n,
                (long long)c->k, (long long)c->c, (long long)c->r, (long long)c->s, (long long)(c->h + 2 * c->pad_h),
                (long long)(c->w + 2 * c->pad_w));
        if (c->pad_h || c->pad_w) fprintf(f, "    // padding %lld x %lld folded into Y and X\n", (long long)c->pad_h,
                                          (long long)c->pad_w);
    } else {
        return status_fail(st, "%s: only conv2d, depthwise and GEMM have a MAESTRO form", o->name);
    }
    if (m) {
        fprintf(f, "    Dataflow {\n");
        for (int i = 0; i < m->n; i++) {
            const df_directive *d = &m->d[i];
            if (d->kind == DF_CLUSTER) {
                fprintf(f, "      Cluster(%lld, P);\n", (long long)d->size);
                continue;
            }
            /* a single-dim name, or a chunk over one fused dim "I(c)" (16 values per chunk) */
            char dim[48];
            int64_t mul = 1;
            snprintf(dim, sizeof dim, "%s", d->dim);
            if (dim[1] == '(' && !strchr(dim, ',')) {
                size_t k = strlen(dim);
                memmove(dim, dim + 2, k - 2);
                dim[k - 3] = 0;
                mul = m->lanes[d->dim[0] == 'B' ? 0 : d->dim[0] == 'O' ? 1 : 2];
            }
            const char *mn = mname(o, dim);
            char buf[96];
            df_directive_text(d, buf, sizeof buf);
            if (!mn) {
                fprintf(f, "      // %s (no single MAESTRO dim)\n", buf);
                continue;
            }
            fprintf(f, "      %s(%lld,%lld) %s; // %s\n", d->kind == DF_SPATIAL ? "SpatialMap" : "TemporalMap",
                    (long long)(d->size * mul), (long long)(d->offset * mul), mn, df_level_name(d->level));
        }
        fprintf(f, "    }\n");
    }
    fprintf(f, "  }\n");
    return true;
}

bool maestro_write_mapping(const char *path, const op *o, const df_mapping *m, status *st) {
    FILE *f = fopen(path, "w");
    if (!f) return status_fail(st, "%s: cannot write", path);
    fprintf(f, "// %s: written by embedsyn cost (layer and mapping, MAESTRO directives)\nNetwork %s {\n", o->name,
            o->name);
    bool ok = maestro_write_layer(f, o, m, st);
    fprintf(f, "}\n");
    if (fclose(f) != 0 && ok) ok = status_fail(st, "%s: write failed", path);
    return ok;
}
