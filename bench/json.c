/* json: the bench JSON tree on top of jansson (bench/json_lib). jansson parses and
 * validates (RFC 8259, UTF-8, hashed duplicate-key check, no NUL in strings); this file
 * copies the document into a read-only arena tree and gives every value the line and
 * column where it starts, so that errors in hand-edited files read "FILE:LINE:COL: ...".
 * Positions come from one linear scan of the text that jansson already accepted: the
 * scan lists where each value starts in document order, the same order in which
 * jansson's tree is walked.
 * Invariant: a tree is only built from a document jansson accepted, and it has exactly
 * as many values as the scan found (checked). */
#include "bench/json.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench/json_lib.h"
#include "core/alloc.h"
#include "core/es.h"
#include "core/text.h"

typedef struct jpos {
    long line, col;
} jpos;

/* Start positions of every value of a valid document, in document order. Columns count
 * characters (UTF-8 lead bytes), 1-based. NULL when out of memory. */
static jpos *scan_positions(const char *t, size_t len, size_t *npos) {
    size_t n = 0, cap = 64, depth = 0, scap = 64;
    jpos *p = es_malloc(cap * sizeof *p);
    char *stack = es_malloc(scap);
    if (!p || !stack) {
        es_free(p);
        es_free(stack);
        return NULL;
    }
    long line = 1, col = 1;
    bool in_str = false, esc = false, in_lit = false, expect_key = false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)t[i];
        jpos here = {line, col};
        if (c == '\n') {
            line++;
            col = 1;
        } else if ((c & 0xc0) != 0x80) {
            col++;
        }
        if (in_str) {
            if (esc)
                esc = false;
            else if (c == '\\')
                esc = true;
            else if (c == '"')
                in_str = false;
            continue;
        }
        if (in_lit) {
            if (!strchr(",]} \t\r\n", c))
                continue;
            in_lit = false;
        }
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ':')
            continue;
        if (c == ',') {
            expect_key = depth > 0 && stack[depth - 1] == '{';
            continue;
        }
        if (c == '}' || c == ']') {
            ES_ASSERT(depth > 0);
            depth--;
            expect_key = false;
            continue;
        }
        if (c == '"' && expect_key) {
            in_str = true;
            expect_key = false;
            continue;
        }
        if (n == cap) {
            jpos *q = es_reallocarray(p, cap * 2, sizeof *p);
            if (!q)
                goto oom;
            p = q;
            cap *= 2;
        }
        p[n++] = here;
        if (c == '{' || c == '[') {
            if (depth == scap) {
                char *q = es_realloc(stack, scap * 2);
                if (!q)
                    goto oom;
                stack = q;
                scap *= 2;
            }
            stack[depth++] = (char)c;
            expect_key = c == '{';
        } else if (c == '"') {
            in_str = true;
        } else {
            in_lit = true;
        }
    }
    es_free(stack);
    *npos = n;
    return p;
oom:
    es_free(p);
    es_free(stack);
    return NULL;
}

typedef struct jframe {
    json_value *v;
    size_t fill;
} jframe;

typedef struct jbuild {
    arena *a;
    const jpos *pos;
    size_t npos, next;
    jframe stk[JSON_MAX_DEPTH];
    int depth;
    json_value *root;
    const char *source;
    status *st;
} jbuild;

static bool oom(jbuild *b) { return status_fail(b->st, "%s: out of memory", b->source); }

static bool on_event(void *ctx, const json_lib_event *e) {
    jbuild *b = ctx;
    if (e->kind == JSON_LIB_END) {
        ES_ASSERT(b->depth > 0);
        b->depth--;
        return true;
    }
    ES_ASSERT(b->next < b->npos);
    jpos at = b->pos[b->next++];
    json_value *v = arena_alloc(b->a, sizeof *v);
    if (!v)
        return oom(b);
    v->line = at.line;
    v->col = at.col;
    switch (e->kind) {
    case JSON_LIB_NULL: v->type = JSON_NULL; break;
    case JSON_LIB_TRUE: v->type = JSON_BOOL; v->b = true; break;
    case JSON_LIB_FALSE: v->type = JSON_BOOL; break;
    case JSON_LIB_INT:
        v->type = JSON_NUM;
        v->is_int = true;
        v->i64 = e->i64;
        v->num = e->num;
        break;
    case JSON_LIB_REAL: v->type = JSON_NUM; v->num = e->num; break;
    case JSON_LIB_STR: {
        v->type = JSON_STR;
        char *s = arena_alloc(b->a, e->len + 1);
        if (!s)
            return oom(b);
        memcpy(s, e->str, e->len);
        v->str = s;
        v->len = e->len;
        break;
    }
    case JSON_LIB_ARR:
    case JSON_LIB_OBJ:
        v->type = e->kind == JSON_LIB_ARR ? JSON_ARR : JSON_OBJ;
        v->len = e->len;
        if (e->len) {
            v->items = arena_alloc(b->a, e->len * sizeof *v->items);
            if (v->type == JSON_OBJ)
                v->keys = arena_alloc(b->a, e->len * sizeof *v->keys);
            if (!v->items || (v->type == JSON_OBJ && !v->keys))
                return oom(b);
        }
        break;
    case JSON_LIB_END: break;
    }
    if (b->depth > 0) {
        jframe *f = &b->stk[b->depth - 1];
        ES_ASSERT(f->fill < f->v->len);
        f->v->items[f->fill] = v;
        if (f->v->type == JSON_OBJ) {
            ES_ASSERT(e->key != NULL && memchr(e->key, 0, e->keylen) == NULL);
            char *k = arena_alloc(b->a, e->keylen + 1);
            if (!k)
                return oom(b);
            memcpy(k, e->key, e->keylen);
            f->v->keys[f->fill] = k;
        }
        f->fill++;
    } else {
        b->root = v;
    }
    if (v->type == JSON_ARR || v->type == JSON_OBJ) {
        if (b->depth == JSON_MAX_DEPTH)
            return status_fail(b->st, "%s:%ld:%ld: nesting too deep (more than %d levels)",
                               b->source, v->line, v->col, JSON_MAX_DEPTH);
        b->stk[b->depth++] = (jframe){v, 0};
    }
    return true;
}

/* jansson parses the whole document before it reports the first event, so the position
 * scan runs at the first event: only on documents jansson accepted. */
typedef struct jparse {
    jbuild b;
    const char *text;
    size_t len;
    bool oom, started;
    jpos *pos;
} jparse;

static bool on_first(void *ctx, const json_lib_event *e) {
    jparse *p = ctx;
    if (!p->started) {
        p->started = true;
        p->pos = scan_positions(p->text, p->len, &p->b.npos);
        if (!p->pos) {
            p->oom = true;
            return false;
        }
        p->b.pos = p->pos;
    }
    return on_event(&p->b, e);
}

const json_value *json_parse(arena *a, const char *text, size_t len, const char *source,
                             status *st) {
    jparse *p = es_calloc(1, sizeof *p);
    if (!p) {
        status_fail(st, "%s: out of memory", source);
        return NULL;
    }
    p->b = (jbuild){.a = a, .source = source, .st = st};
    p->text = text;
    p->len = len;
    json_lib_error err;
    const json_value *root = NULL;
    const char *nul = memchr(text, 0, len);
    if (nul) { /* never valid JSON (RFC 8259: escaped in strings); jansson skips it between tokens */
        long line = 1, col = 1;
        for (const char *c = text; c < nul; c++, col++)
            if (*c == '\n') line++, col = 0;
        status_fail(st, "%s:%ld:%ld: NUL byte in the document", source, line, col);
    } else if (json_lib_parse(text, len, on_first, p, &err)) {
        ES_ASSERT(p->b.next == p->b.npos && p->b.depth == 0);
        root = p->b.root;
    } else if (err.text[0]) {
        status_fail(st, "%s:%ld:%ld: %s", source, err.line, err.col, err.text);
    } else if (p->oom) {
        status_fail(st, "%s: out of memory", source);
    }
    es_free(p->pos);
    es_free(p);
    return root;
}

const json_value *json_parse_file(arena *a, const char *path, status *st) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        status_fail(st, "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    unsigned char *buf;
    size_t n;
    text_read_status r = text_read_all(f, (size_t)1 << 16, JSON_MAX_FILE_BYTES, &buf, &n);
    fclose(f);
    if (r == TEXT_READ_TOO_LARGE) {
        status_fail(st, "%s: larger than the %d MiB limit for JSON input", path,
                    (int)(JSON_MAX_FILE_BYTES >> 20));
        return NULL;
    }
    if (r == TEXT_READ_NOMEM) {
        status_fail(st, "%s: out of memory", path);
        return NULL;
    }
    if (r != TEXT_READ_OK) {
        status_fail(st, "%s: read error", path);
        return NULL;
    }
    const json_value *v = json_parse(a, (const char *)buf, n, path, st);
    free(buf);
    return v;
}

const json_value *json_get(const json_value *obj, const char *key) {
    if (!obj || obj->type != JSON_OBJ)
        return NULL;
    for (size_t i = 0; i < obj->len; i++)
        if (!strcmp(obj->keys[i], key))
            return obj->items[i];
    return NULL;
}

const char *json_type_name(json_type t) {
    switch (t) {
    case JSON_NULL: return "null";
    case JSON_BOOL: return "a boolean";
    case JSON_NUM: return "a number";
    case JSON_STR: return "a string";
    case JSON_ARR: return "an array";
    case JSON_OBJ: return "an object";
    }
    return "?";
}

/* Member key of type `type` (`want` names it in the error): NULL when absent (with an
 * error when required: *ok false, else *ok true: the caller keeps its default) or of
 * another type (an error). */
static const json_value *jget(const json_value *obj, const char *key, bool required, const char *source,
                              json_type type, const char *want, status *st, bool *ok) {
    const json_value *v = json_get(obj, key);
    *ok = true;
    if (!v) {
        if (required)
            *ok = status_fail(st, "%s:%ld:%ld: missing member '%s'", source, obj ? obj->line : 0,
                              obj ? obj->col : 0, key);
        return NULL;
    }
    if (v->type != type) {
        *ok = status_fail(st, "%s:%ld:%ld: '%s' must be %s, not %s", source, v->line, v->col, key,
                          want, json_type_name(v->type));
        return NULL;
    }
    return v;
}

bool json_get_i64(const json_value *obj, const char *key, bool required, const char *source,
                  int64_t *out, status *st) {
    bool ok;
    const json_value *v = jget(obj, key, required, source, JSON_NUM, "an integer", st, &ok);
    if (v && !v->is_int)
        return status_fail(st, "%s:%ld:%ld: '%s' must be an integer, not %g", source, v->line,
                           v->col, key, v->num);
    if (v)
        *out = v->i64;
    return ok;
}

bool json_get_f64(const json_value *obj, const char *key, bool required, const char *source,
                  double *out, status *st) {
    const json_value *n = json_get(obj, key);
    if (n && n->type == JSON_NULL) { /* how the writer spells NaN/inf */
        *out = NAN;
        return true;
    }
    bool ok;
    const json_value *v = jget(obj, key, required, source, JSON_NUM, "a number", st, &ok);
    if (v)
        *out = v->num;
    return ok;
}

bool json_get_bool(const json_value *obj, const char *key, bool required, const char *source,
                   bool *out, status *st) {
    bool ok;
    const json_value *v = jget(obj, key, required, source, JSON_BOOL, "a boolean", st, &ok);
    if (v)
        *out = v->b;
    return ok;
}

bool json_get_str(const json_value *obj, const char *key, bool required, const char *source,
                  char *buf, size_t len, status *st) {
    bool ok;
    const json_value *v = jget(obj, key, required, source, JSON_STR, "a string", st, &ok);
    if (v)
        snprintf(buf, len, "%s", v->str);
    return ok;
}

bool json_get_name(const json_value *obj, const char *key, bool required, const char *source,
                   const char *const *names, int n, int *out, status *st) {
    bool ok;
    const json_value *v = jget(obj, key, required, source, JSON_STR, "a string", st, &ok);
    int k = v ? es_name_find(names, n, v->str) : 0;
    if (k < 0)
        return status_fail(st, "%s:%ld:%ld: '%s' has an unknown value \"%.64s\"", source, v->line, v->col, key, v->str);
    if (v)
        *out = k;
    return ok;
}

void json_write_f64(FILE *f, double x) {
    if (!isfinite(x)) {
        fputs("null", f);
        return;
    }
    char buf[40];
    text_f64_shortest(buf, sizeof buf, x);
    /* Keep it a JSON number that reads back as a double, not an integer. */
    fputs(buf, f);
    if (!strpbrk(buf, ".eE"))
        fputs(".0", f);
}
