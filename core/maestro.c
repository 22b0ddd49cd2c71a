/* maestro: reader and writer of MAESTRO .m files (see maestro.h; no library reads
 * them). The reader tokenizes (words, punctuation, `//` comments) and parses Constant,
 * Network and Layer blocks by recursive descent. */
#include "core/maestro.h"

#include <ctype.h>
#include <errno.h>
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

#define MAESTRO_MAX_CONSTANTS 64

typedef struct mlex {
    const char *path, *p;
    long line;
    mtok t;           /* current token */
    status *st;
    int nconst;       /* Constant NAME VALUE; definitions so far */
    char cname[MAESTRO_MAX_CONSTANTS][64];
    int64_t cval[MAESTRO_MAX_CONSTANTS];
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
    if (strchr("{}();:,", *x->p)) {
        t->kind = *x->p;
        t->text[k++] = *x->p++;
    } else { /* a word: MAESTRO separates words by blanks and punctuation only, so names
              * like "Conv2d-1" or "torchvision.models.googlenet" are words */
        bool digits = true;
        while (*x->p && !isspace((unsigned char)*x->p) && !strchr("{}();:,", *x->p) &&
               !(x->p[0] == '/' && x->p[1] == '/')) {
            digits = digits && isdigit((unsigned char)*x->p);
            if (k + 1 < sizeof t->text) t->text[k++] = *x->p;
            x->p++;
        }
        t->kind = digits ? 'n' : 'i';
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

/* The value of the current token: a number or a Constant's name. */
static bool value(mlex *x, int64_t *v) {
    if (x->t.kind == 'i')
        for (int i = 0; i < x->nconst; i++)
            if (!strcmp(x->cname[i], x->t.text)) {
                *v = x->cval[i];
                next(x);
                return true;
            }
    if (x->t.kind != 'n') return fail(x, "expected a number or a Constant, got '%s'", x->t.text);
    errno = 0;
    *v = strtoll(x->t.text, NULL, 10);
    if (errno || *v < 1 || *v > ((int64_t)1 << 40)) return fail(x, "value %s out of range", x->t.text);
    next(x);
    return true;
}

/* "{ NAME: n, NAME n ... }" into names/values (at most max; the colon is optional, as
 * in MAESTRO, a value may be a Constant, and a name may repeat with the same value). */
static bool pairs(mlex *x, char (*names)[64], int64_t *vals, int *n, int max) {
    if (!expect(x, '{', "'{'")) return false;
    *n = 0;
    while (x->t.kind != '}') {
        if (x->t.kind != 'i') return fail(x, "expected a dimension name, got '%s'", x->t.text);
        if (*n == max) return fail(x, "too many entries (%s)", x->t.text);
        snprintf(names[*n], sizeof names[*n], "%s", x->t.text);
        next(x);
        if (x->t.kind == ':') next(x);
        if (!value(x, &vals[*n])) return false;
        int i = 0;
        while (i < *n && strcmp(names[i], names[*n])) i++;
        if (i == *n)
            (*n)++;
        else if (vals[i] != vals[*n]) /* a repeat is harmless (MAESTRO's UNet files have one) */
            return fail(x, "%s given twice, with different values", names[i]);
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

/* Input size along one axis from Dimensions: the input (Y / X) or, as MAESTRO allows,
 * the output (Y' / X'): in = (out - 1) x stride + kernel. 0 if neither or both. */
static int64_t in_size(char (*dn)[64], const int64_t *dv, int nd, const char *in, int64_t stride, int64_t kernel) {
    char out[8];
    snprintf(out, sizeof out, "%s'", in);
    int64_t i = get(dn, dv, nd, in, 0), o = get(dn, dv, nd, out, 0);
    if (i && o) return 0;
    return i ? i : o ? (o - 1) * stride + kernel : 0;
}

/* Layer types of MAESTRO's language that have no embedsyn operator, with what they are. */
static const char *const unsupported[][2] = {
    {"TRCONV", "a transposed conv"},          {"NGCONV", "a nested grouped conv"},
    {"POOL", "a pooling layer"},              {"LSTM", "an LSTM"},
    {"RESIDUAL_IDENTITY", "a residual add"},
};

static bool conv_layer(mlex *x, op *o, const char *name, long line, bool ds, char (*dn)[64], const int64_t *dv,
                       int nd, char (*sn)[64], const int64_t *sv, int ns, status *in) {
    op_conv p;
    memset(&p, 0, sizeof p);
    p.n = get(dn, dv, nd, "N", 1);
    p.c = get(dn, dv, nd, "C", 0);
    p.k = get(dn, dv, nd, "K", ds ? 1 : 0);
    p.r = get(dn, dv, nd, "R", 1);
    p.s = get(dn, dv, nd, "S", 1);
    p.stride_h = get(sn, sv, ns, "Y", 1);
    p.stride_w = get(sn, sv, ns, "X", 1);
    p.h = in_size(dn, dv, nd, "Y", p.stride_h, p.r);
    p.w = in_size(dn, dv, nd, "X", p.stride_w, p.s);
    p.dil_h = p.dil_w = 1;
    if (!p.c || !p.k || !p.h || !p.w)
        return status_fail_at(x->st, x->path, line, "layer %s: Dimensions need C, K, and one of Y / Y' and of X / X'",
                              name);
    if (ds) { /* MAESTRO's DSCONV: C channels, output indexed by C; its files give K: 1 */
        if (p.k != 1 && p.k != p.c)
            return status_fail_at(x->st, x->path, line, "layer %s: DSCONV needs K = 1 (or K = C), got K=%lld", name,
                                  (long long)p.k);
        p.k = p.groups = p.c;
    } else {
        p.groups = 1;
    }
    return op_build_conv(o, name, &p, ds ? OP_DEPTHWISE : OP_CONV2D, in);
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
            if (x->t.kind == ':') next(x);
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
            return x->t.kind ? fail(x, "unknown layer item '%s' (Type, Stride, Dimensions, Dataflow)", x->t.text)
                             : fail(x, "unterminated Layer block%s", "");
        }
    }
    next(x);
    status in;
    status_init(&in);
    bool ok;
    if (!strcmp(type, "CONV") || !strcmp(type, "DSCONV")) {
        ok = conv_layer(x, o, name, line, !strcmp(type, "DSCONV"), dn, dv, nd, sn, sv, ns, &in);
        if (!ok && !in.failed) return false;
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
        for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++)
            if (!strcmp(type, unsupported[i][0]))
                return status_fail_at(x->st, x->path, line,
                                      "layer %s: Type %s (%s) has no embedsyn operator (CONV, DSCONV, GEMM, FC)", name,
                                      type, unsupported[i][1]);
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
    mlex x = {.path = path, .p = text, .line = 1, .st = st};
    next(&x);
    int cap = 0;
    bool ok = true, have_net = false;
    while (ok && x.t.kind) {
        if (is_word(&x, "Constant")) { /* Constant NAME VALUE; */
            next(&x);
            if (x.t.kind != 'i') {
                ok = fail(&x, "expected a Constant's name, got '%s'", x.t.text);
                break;
            }
            if (x.nconst == MAESTRO_MAX_CONSTANTS) {
                ok = fail(&x, "too many Constants (%s)", x.t.text);
                break;
            }
            snprintf(x.cname[x.nconst], sizeof x.cname[x.nconst], "%s", x.t.text);
            next(&x);
            if (!(ok = value(&x, &x.cval[x.nconst]))) break;
            x.nconst++;
            if (x.t.kind == ';') next(&x);
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
    /* a repeated layer name (MAESTRO's own MobileNetV2 and ResNet-50 files have one)
     * gets "#2", "#3", ... so that each operator of the network has its own name */
    for (int i = *nops - 1; ok && i > 0; i--) { /* from the end: earlier names unchanged */
        int k = 1;
        for (int j = 0; j < i; j++) k += !strcmp((*ops)[j].name, (*ops)[i].name);
        if (k > 1) {
            char nm[OP_NAME_MAX + 16];
            snprintf(nm, sizeof nm, "%s#%d", (*ops)[i].name, k);
            if (strlen(nm) >= OP_NAME_MAX) ok = status_fail(st, "%s: layer name '%s' repeats and is too long", path, nm);
            else snprintf((*ops)[i].name, OP_NAME_MAX, "%s", nm);
        }
    }
    free(text);
    if (!ok) {
        free(*ops);
        *ops = NULL;
        *nops = 0;
    }
    return ok;
}

/* ---- writer ---- */

/* MAESTRO's name of an embedsyn dim of o, or NULL if the dim has none. Conv outputs
 * are Y' and X'; a depthwise conv (DSCONV) names its channels C (embedsyn's g) and has
 * no K or C of its own (embedsyn's k and c, extent 1; its K: 1 is no tensor index). */
static const char *mname(const op *o, const char *d) {
    static const char *const conv[][2] = {{"n", "N"}, {"k", "K"}, {"c", "C"}, {"r", "R"},
                                          {"s", "S"}, {"y", "Y'"}, {"x", "X'"}};
    static const char *const gemm[][2] = {{"m", "M"}, {"n", "N"}, {"k", "K"}};
    if (o->kind == OP_GEMM) {
        for (int i = 0; i < 3; i++)
            if (!strcmp(d, gemm[i][0])) return gemm[i][1];
        return NULL;
    }
    bool ds = o->conv.groups > 1;
    if (ds && !strcmp(d, "g")) return "C";
    if (ds && (!strcmp(d, "k") || !strcmp(d, "c"))) return NULL;
    for (int i = 0; i < 7; i++)
        if (!strcmp(d, conv[i][0])) return conv[i][1];
    return NULL;
}

/* The MAESTRO dim of a directive and the factor of its sizes: "k" -> K x1; a chunk
 * over one fused dim "I(c)" -> C x lanes; a compensated term "x-2s" -> X' (its first
 * dim); a chunk over several fused dims "I(c,r,s)" -> NULL. */
static const char *directive_dim(const op *o, const df_mapping *m, const df_directive *d, int64_t *mul) {
    char dim[48];
    *mul = 1;
    snprintf(dim, sizeof dim, "%s", d->dim);
    if (dim[0] && dim[1] == '(') {
        if (strchr(dim, ',')) return NULL;
        size_t k = strlen(dim);
        memmove(dim, dim + 2, k - 2);
        dim[k - 3] = 0;
        *mul = m->lanes[d->dim[0] == 'B' ? 0 : d->dim[0] == 'O' ? 1 : 2];
    }
    dim[strcspn(dim, "+-")] = 0;
    return mname(o, dim);
}

/* The MAESTRO dims of o's Dimensions (as maestro_write_layer writes them), full sizes. */
static int mdims(const op *o, const char **name, int64_t *size) {
    if (o->kind == OP_GEMM) {
        const char *nm[] = {"M", "N", "K"};
        int64_t v[] = {o->gemm.m, o->gemm.n, o->gemm.k};
        for (int i = 0; i < 3; i++) name[i] = nm[i], size[i] = v[i];
        return 3;
    }
    const op_conv *c = &o->conv;
    const char *nm[] = {"N", "K", "C", "R", "S", "Y'", "X'"};
    int64_t v[] = {c->n, c->k, c->c, c->r, c->s, c->oh, c->ow};
    int k = 0;
    for (int i = 0; i < 7; i++)
        if (!(c->groups > 1 && i == 1)) name[k] = nm[i], size[k++] = v[i]; /* DSCONV: no K */
    return k;
}

#define MAESTRO_MAX_DIMS 7

typedef struct maxis {
    int64_t lanes;
    const char *dim;            /* the first term's MAESTRO dim, or NULL */
    char first[48], rest[96];   /* the terms as embedsyn writes them */
} maxis;

/* The dataflow under MAESTRO's rules (its parser and cluster analysis enforce them):
 * one directive per dim and cluster level; R and S mapped whole; one SpatialMap per
 * cluster level, the top one included. MAESTRO has one temporal level per cluster
 * level (its L2 buffer plays VTA's SRAM), so the top level merges embedsyn's DRAM and
 * SRAM loops: each dim once, where it is first visited, at its innermost step; a dim
 * with no loop is mapped whole (a dim spread over an inner lane axis: as many as its
 * lanes). Then the lane axes, outermost first: the first one's SpatialMap at the top
 * level (across the clusters), each next one inside Cluster(its lanes times those
 * below it, P). With no MAESTRO form, and written as comments: a chunk over several
 * fused dims, and the terms of a lane axis after its first (fused dims; a Toeplitz
 * term is mapped by its first dim). */
static bool write_dataflow(FILE *f, const op *o, const df_mapping *m, status *st) {
    maxis ax[3];
    int nax = 0;
    for (int i = 0; i < m->n; i++) {
        const df_directive *d = &m->d[i];
        int64_t mul;
        if (d->kind == DF_CLUSTER && nax < 3) {
            memset(&ax[nax], 0, sizeof ax[nax]);
            ax[nax++].lanes = d->size;
        } else if (d->kind == DF_SPATIAL && nax > 0 && d->term == 0) {
            ax[nax - 1].dim = directive_dim(o, m, d, &mul);
            /* lanes on a dim of extent 1 (a depthwise conv's k or c): one active lane
             * per cluster, as a SpatialMap over N when N = 1 */
            if (!ax[nax - 1].dim && o->kind != OP_GEMM && o->conv.n == 1) ax[nax - 1].dim = "N";
            snprintf(ax[nax - 1].first, sizeof ax[nax - 1].first, "%s", d->dim);
        } else if (d->kind == DF_SPATIAL && nax > 0) {
            size_t k = strlen(ax[nax - 1].rest);
            snprintf(ax[nax - 1].rest + k, sizeof ax[nax - 1].rest - k, "%s%s", k ? ", " : "", d->dim);
        }
    }
    for (int x = 0; x < nax; x++) /* MAESTRO needs a SpatialMap in every cluster level */
        if (!ax[x].dim)
            return status_fail(st, "%s: the lanes on %s have no MAESTRO dim (one active lane needs N = 1)", o->name,
                               ax[x].first);
    const char *top = nax ? ax[0].dim : NULL; /* the top level's SpatialMap: no TemporalMap there */
    const char *dims[MAESTRO_MAX_DIMS];
    int64_t full[MAESTRO_MAX_DIMS], step[MAESTRO_MAX_DIMS];
    int nd = mdims(o, dims, full), order[MAESTRO_MAX_DIMS], nord = 0;
    for (int j = 0; j < nd; j++) step[j] = 0;
    fprintf(f, "    Dataflow {\n");
    for (int i = 0; i < m->n; i++) {
        const df_directive *d = &m->d[i];
        if (d->kind != DF_TEMPORAL) continue;
        char buf[96];
        df_directive_text(d, buf, sizeof buf);
        int64_t mul;
        const char *mn = directive_dim(o, m, d, &mul);
        fprintf(f, "      // %s: %s%s\n", df_level_name(d->level), buf, mn ? "" : " (no single MAESTRO dim)");
        int j = 0;
        while (mn && j < nd && strcmp(dims[j], mn)) j++;
        if (!mn || j == nd || (top && !strcmp(mn, top))) continue;
        if (!step[j]) order[nord++] = j;
        step[j] = d->size * mul;
    }
    for (int j = 0; j < nd; j++) {
        if (step[j] || (top && !strcmp(dims[j], top))) continue;
        step[j] = full[j];
        for (int x = 1; x < nax; x++)
            if (!strcmp(ax[x].dim, dims[j]) && ax[x].lanes < full[j]) step[j] = ax[x].lanes;
        order[nord++] = j;
    }
    for (int i = 0; i < nord; i++) {
        int j = order[i];
        int64_t sz = !strcmp(dims[j], "R") || !strcmp(dims[j], "S") ? full[j] : step[j];
        fprintf(f, "      TemporalMap(%lld,%lld) %s;\n", (long long)sz, (long long)sz, dims[j]);
    }
    for (int x = 0; x < nax; x++) {
        int64_t below = 1;
        for (int y = x; y < nax; y++) below *= ax[y].lanes;
        if (x > 0) fprintf(f, "      Cluster(%lld, P);\n", (long long)below);
        fprintf(f, "      SpatialMap(1,1) %s; // lanes: %s\n", ax[x].dim, ax[x].first);
        if (ax[x].rest[0]) fprintf(f, "      // also on these lanes: %s (no MAESTRO form)\n", ax[x].rest);
    }
    fprintf(f, "    }\n");
    return true;
}

/* False (and why) if o has no MAESTRO form. */
static bool check_form(const op *o, status *st) {
    if (o->kind == OP_GEMM) {
        if (o->gemm.batch != 1) return status_fail(st, "%s: a batched GEMM has no MAESTRO form", o->name);
        return true;
    }
    if (o->kind != OP_CONV2D && o->kind != OP_DEPTHWISE)
        return status_fail(st, "%s: only conv2d, depthwise and GEMM have a MAESTRO form", o->name);
    const op_conv *c = &o->conv;
    if (c->dil_h != 1 || c->dil_w != 1) return status_fail(st, "%s: MAESTRO has no dilation", o->name);
    if (c->groups > 1 && (c->groups != c->c || c->k != c->c))
        return status_fail(st, "%s: MAESTRO has grouped convs only as DSCONV (groups = C = K)", o->name);
    return true;
}

bool maestro_write_layer(FILE *f, const op *o, const df_mapping *m, status *st) {
    if (!check_form(o, st)) return false;
    if (o->kind == OP_GEMM) {
        fprintf(f, "  Layer %s {\n    Type: GEMM\n    Dimensions { M: %lld, N: %lld, K: %lld }\n", o->name,
                (long long)o->gemm.m, (long long)o->gemm.n, (long long)o->gemm.k);
    } else {
        const op_conv *c = &o->conv;
        bool ds = c->groups > 1;
        /* DSCONV: K is 1, as in MAESTRO's files (its output is indexed by C; K is no
         * tensor index) */
        fprintf(f, "  Layer %s {\n    Type: %s\n    Stride { X: %lld, Y: %lld }\n", o->name, ds ? "DSCONV" : "CONV",
                (long long)c->stride_w, (long long)c->stride_h);
        fprintf(f, "    Dimensions { N: %lld, K: %lld, C: %lld, R: %lld, S: %lld, Y: %lld, X: %lld }\n", (long long)c->n,
                (long long)(ds ? 1 : c->k), (long long)c->c, (long long)c->r, (long long)c->s,
                (long long)(c->h + 2 * c->pad_h), (long long)(c->w + 2 * c->pad_w));
        if (c->pad_h || c->pad_w)
            fprintf(f, "    // padding %lld x %lld folded into Y and X\n", (long long)c->pad_h, (long long)c->pad_w);
    }
    if (m && !write_dataflow(f, o, m, st)) return false;
    fprintf(f, "  }\n");
    return true;
}

bool maestro_write_mapping(const char *path, const op *o, const df_mapping *m, status *st) {
    if (!check_form(o, st)) return false; /* before the file is touched */
    FILE *f = fopen(path, "w");
    if (!f) return status_fail(st, "%s: cannot write", path);
    fprintf(f, "// %s: written by embedsyn cost (layer and mapping, MAESTRO directives)\nNetwork %s {\n", o->name,
            o->name);
    bool ok = maestro_write_layer(f, o, m, st);
    fprintf(f, "}\n");
    if (fclose(f) != 0 && ok) ok = status_fail(st, "%s: write failed", path);
    if (!ok) remove(path); /* no half-written file */
    return ok;
}
