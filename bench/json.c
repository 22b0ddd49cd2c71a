/* json: recursive-descent JSON reader (strict RFC 8259) and writer helpers.
 * Invariant: the parser only ever looks at text[0..len); positions (line, column) are
 * tracked as it advances, so every error names where the input went wrong. Containers
 * are collected in a temporary malloc'ed vector and copied into the arena when closed,
 * so the tree lives exactly as long as the arena. */
#include "bench/json.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"

typedef struct jparser {
    arena *a;
    const char *s;
    size_t len, pos;
    long line;
    size_t line_start;
    const char *source;
    status *st;
    int depth;
} jparser;

static long jp_col(const jparser *p) { return (long)(p->pos - p->line_start) + 1; }

static bool jp_fail(jparser *p, const char *what) {
    if (p->pos >= p->len)
        return status_fail(p->st, "%s:%ld:%ld: %s (at end of input)", p->source, p->line,
                           jp_col(p), what);
    unsigned char c = (unsigned char)p->s[p->pos];
    if (c >= 0x20 && c < 0x7f)
        return status_fail(p->st, "%s:%ld:%ld: %s (found '%c')", p->source, p->line, jp_col(p),
                           what, c);
    return status_fail(p->st, "%s:%ld:%ld: %s (found byte 0x%02x)", p->source, p->line,
                       jp_col(p), what, c);
}

static void jp_ws(jparser *p) {
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c == '\n') {
            p->pos++;
            p->line++;
            p->line_start = p->pos;
        } else if (c == ' ' || c == '\t' || c == '\r') {
            p->pos++;
        } else {
            break;
        }
    }
}

static bool jp_lit(jparser *p, const char *word) {
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
        return jp_fail(p, "invalid literal (expected true, false or null)");
    p->pos += n;
    return true;
}

/* Growable byte buffer for strings. */
typedef struct jbuf {
    char *d;
    size_t n, cap;
} jbuf;

static void jb_put(jbuf *b, char c) {
    if (b->n + 1 >= b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        b->d = realloc(b->d, b->cap);
        ES_ASSERT(b->d != NULL);
    }
    b->d[b->n++] = c;
}

static void jb_utf8(jbuf *b, uint32_t cp) {
    if (cp < 0x80) {
        jb_put(b, (char)cp);
    } else if (cp < 0x800) {
        jb_put(b, (char)(0xc0 | (cp >> 6)));
        jb_put(b, (char)(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        jb_put(b, (char)(0xe0 | (cp >> 12)));
        jb_put(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
        jb_put(b, (char)(0x80 | (cp & 0x3f)));
    } else {
        jb_put(b, (char)(0xf0 | (cp >> 18)));
        jb_put(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
        jb_put(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
        jb_put(b, (char)(0x80 | (cp & 0x3f)));
    }
}

static bool jp_hex4(jparser *p, uint32_t *out) {
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        if (p->pos >= p->len)
            return jp_fail(p, "truncated \\u escape");
        char c = p->s[p->pos];
        uint32_t d;
        if (c >= '0' && c <= '9')
            d = (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (uint32_t)(c - 'A' + 10);
        else
            return jp_fail(p, "invalid hex digit in \\u escape");
        v = v * 16 + d;
        p->pos++;
    }
    *out = v;
    return true;
}

/* Parses a string starting at '"'; result in the arena. */
static bool jp_string(jparser *p, const char **out, size_t *outlen) {
    ES_ASSERT(p->s[p->pos] == '"');
    p->pos++;
    jbuf b = {0};
    for (;;) {
        if (p->pos >= p->len) {
            free(b.d);
            return jp_fail(p, "unterminated string");
        }
        unsigned char c = (unsigned char)p->s[p->pos];
        if (c == '"') {
            p->pos++;
            break;
        }
        if (c < 0x20) {
            free(b.d);
            return jp_fail(p, "control character in string (must be escaped)");
        }
        if (c != '\\') {
            jb_put(&b, (char)c);
            p->pos++;
            continue;
        }
        p->pos++;
        if (p->pos >= p->len) {
            free(b.d);
            return jp_fail(p, "unterminated escape");
        }
        char e = p->s[p->pos++];
        switch (e) {
        case '"': jb_put(&b, '"'); break;
        case '\\': jb_put(&b, '\\'); break;
        case '/': jb_put(&b, '/'); break;
        case 'b': jb_put(&b, '\b'); break;
        case 'f': jb_put(&b, '\f'); break;
        case 'n': jb_put(&b, '\n'); break;
        case 'r': jb_put(&b, '\r'); break;
        case 't': jb_put(&b, '\t'); break;
        case 'u': {
            uint32_t cp;
            if (!jp_hex4(p, &cp)) {
                free(b.d);
                return false;
            }
            if (cp >= 0xd800 && cp <= 0xdbff) {
                uint32_t lo;
                if (p->len - p->pos < 2 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u') {
                    free(b.d);
                    return jp_fail(p, "unpaired UTF-16 high surrogate in \\u escape");
                }
                p->pos += 2;
                if (!jp_hex4(p, &lo)) {
                    free(b.d);
                    return false;
                }
                if (lo < 0xdc00 || lo > 0xdfff) {
                    free(b.d);
                    return jp_fail(p, "invalid UTF-16 low surrogate in \\u escape");
                }
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                free(b.d);
                return jp_fail(p, "unpaired UTF-16 low surrogate in \\u escape");
            }
            jb_utf8(&b, cp);
            break;
        }
        default:
            p->pos--;
            free(b.d);
            return jp_fail(p, "invalid escape in string");
        }
    }
    char *s = arena_alloc(p->a, b.n + 1);
    if (b.n)
        memcpy(s, b.d, b.n);
    s[b.n] = '\0';
    free(b.d);
    *out = s;
    *outlen = b.n;
    return true;
}

static bool jp_digit(const jparser *p) {
    return p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9';
}

static bool jp_number(jparser *p, json_value *v) {
    size_t start = p->pos;
    bool integral = true;
    if (p->s[p->pos] == '-')
        p->pos++;
    if (!jp_digit(p))
        return jp_fail(p, "invalid number (expected a digit)");
    if (p->s[p->pos] == '0') {
        p->pos++;
        if (jp_digit(p))
            return jp_fail(p, "invalid number (leading zero)");
    } else {
        while (jp_digit(p))
            p->pos++;
    }
    if (p->pos < p->len && p->s[p->pos] == '.') {
        integral = false;
        p->pos++;
        if (!jp_digit(p))
            return jp_fail(p, "invalid number (expected a digit after '.')");
        while (jp_digit(p))
            p->pos++;
    }
    if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
        integral = false;
        p->pos++;
        if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
            p->pos++;
        if (!jp_digit(p))
            return jp_fail(p, "invalid number (expected a digit in the exponent)");
        while (jp_digit(p))
            p->pos++;
    }
    size_t n = p->pos - start;
    char tmp[64];
    if (n >= sizeof tmp) {
        p->pos = start;
        return jp_fail(p, "number too long");
    }
    memcpy(tmp, p->s + start, n);
    tmp[n] = '\0';
    v->type = JSON_NUM;
    errno = 0;
    v->num = strtod(tmp, NULL);
    if (!isfinite(v->num)) {
        p->pos = start;
        return jp_fail(p, "number out of range");
    }
    if (integral) {
        errno = 0;
        long long ll = strtoll(tmp, NULL, 10);
        if (errno == 0) {
            v->is_int = true;
            v->i64 = (int64_t)ll;
        }
    }
    return true;
}

static bool jp_value(jparser *p, json_value *v);

/* Temporary vector of (key, value) pairs. */
typedef struct jvec {
    const json_value **items;
    const char **keys;
    size_t n, cap;
} jvec;

static void jv_push(jvec *vec, const char *key, const json_value *item) {
    if (vec->n == vec->cap) {
        vec->cap = vec->cap ? vec->cap * 2 : 8;
        vec->items = realloc(vec->items, vec->cap * sizeof *vec->items);
        vec->keys = realloc(vec->keys, vec->cap * sizeof *vec->keys);
        ES_ASSERT(vec->items != NULL && vec->keys != NULL);
    }
    vec->items[vec->n] = item;
    vec->keys[vec->n] = key;
    vec->n++;
}

static void jv_to_arena(jparser *p, jvec *vec, json_value *v, bool keys) {
    v->len = vec->n;
    v->items = arena_alloc(p->a, (vec->n ? vec->n : 1) * sizeof *v->items);
    if (vec->n)
        memcpy(v->items, vec->items, vec->n * sizeof *v->items);
    if (keys) {
        v->keys = arena_alloc(p->a, (vec->n ? vec->n : 1) * sizeof *v->keys);
        if (vec->n)
            memcpy(v->keys, vec->keys, vec->n * sizeof *v->keys);
    }
    free(vec->items);
    free(vec->keys);
}

static bool jp_container(jparser *p, json_value *v, bool obj) {
    char close = obj ? '}' : ']';
    if (++p->depth > JSON_MAX_DEPTH)
        return jp_fail(p, "nesting too deep");
    p->pos++; /* '{' or '[' */
    jvec vec = {0};
    jp_ws(p);
    if (p->pos < p->len && p->s[p->pos] == close) {
        p->pos++;
    } else {
        for (;;) {
            const char *key = NULL;
            jp_ws(p);
            if (obj) {
                if (p->pos >= p->len || p->s[p->pos] != '"') {
                    jv_to_arena(p, &vec, v, obj);
                    return jp_fail(p, "expected a string key in object");
                }
                long kl = p->line, kc = jp_col(p);
                size_t klen;
                if (!jp_string(p, &key, &klen)) {
                    jv_to_arena(p, &vec, v, obj);
                    return false;
                }
                for (size_t i = 0; i < vec.n; i++) {
                    if (!strcmp(vec.keys[i], key)) {
                        jv_to_arena(p, &vec, v, obj);
                        return status_fail(p->st, "%s:%ld:%ld: duplicate key \"%s\" in object",
                                           p->source, kl, kc, key);
                    }
                }
                jp_ws(p);
                if (p->pos >= p->len || p->s[p->pos] != ':') {
                    jv_to_arena(p, &vec, v, obj);
                    return jp_fail(p, "expected ':' after object key");
                }
                p->pos++;
                jp_ws(p);
            }
            json_value *item = arena_alloc(p->a, sizeof *item);
            if (!jp_value(p, item)) {
                jv_to_arena(p, &vec, v, obj);
                return false;
            }
            jv_push(&vec, key, item);
            jp_ws(p);
            if (p->pos < p->len && p->s[p->pos] == ',') {
                p->pos++;
                continue;
            }
            if (p->pos < p->len && p->s[p->pos] == close) {
                p->pos++;
                break;
            }
            jv_to_arena(p, &vec, v, obj);
            return jp_fail(p, obj ? "expected ',' or '}' in object" : "expected ',' or ']' in array");
        }
    }
    jv_to_arena(p, &vec, v, obj);
    p->depth--;
    return true;
}

static bool jp_value(jparser *p, json_value *v) {
    jp_ws(p);
    v->line = p->line;
    v->col = jp_col(p);
    if (p->pos >= p->len)
        return jp_fail(p, "expected a value");
    char c = p->s[p->pos];
    switch (c) {
    case '{':
        v->type = JSON_OBJ;
        return jp_container(p, v, true);
    case '[':
        v->type = JSON_ARR;
        return jp_container(p, v, false);
    case '"':
        v->type = JSON_STR;
        return jp_string(p, &v->str, &v->len);
    case 't':
        v->type = JSON_BOOL;
        v->b = true;
        return jp_lit(p, "true");
    case 'f':
        v->type = JSON_BOOL;
        v->b = false;
        return jp_lit(p, "false");
    case 'n':
        v->type = JSON_NULL;
        return jp_lit(p, "null");
    default:
        if (c == '-' || (c >= '0' && c <= '9'))
            return jp_number(p, v);
        return jp_fail(p, "expected a value");
    }
}

const json_value *json_parse(arena *a, const char *text, size_t len, const char *source,
                             status *st) {
    jparser p = {.a = a, .s = text, .len = len, .line = 1, .source = source, .st = st};
    json_value *v = arena_alloc(a, sizeof *v);
    if (!jp_value(&p, v))
        return NULL;
    jp_ws(&p);
    if (p.pos != p.len) {
        jp_fail(&p, "unexpected data after the JSON value");
        return NULL;
    }
    return v;
}

const json_value *json_parse_file(arena *a, const char *path, status *st) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        status_fail(st, "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    unsigned char *buf;
    size_t n;
    text_read_status r = text_read_all(f, (size_t)1 << 16, 0, &buf, &n);
    fclose(f);
    ES_ASSERT(r != TEXT_READ_NOMEM);
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

/* Looks up key; NULL + (maybe) error when absent. *absent_ok tells the caller to keep
 * the default. */
static const json_value *jget(const json_value *obj, const char *key, bool required,
                              const char *source, status *st, bool *ok) {
    const json_value *v = json_get(obj, key);
    *ok = true;
    if (!v && required) {
        *ok = status_fail(st, "%s:%ld:%ld: missing member '%s'", source, obj ? obj->line : 0,
                          obj ? obj->col : 0, key);
    }
    return v;
}

static bool jtype_err(const json_value *v, const char *key, const char *source, const char *want,
                      status *st) {
    return status_fail(st, "%s:%ld:%ld: '%s' must be %s, not %s", source, v->line, v->col, key,
                       want, json_type_name(v->type));
}

bool json_get_i64(const json_value *obj, const char *key, bool required, const char *source,
                  int64_t *out, status *st) {
    bool ok;
    const json_value *v = jget(obj, key, required, source, st, &ok);
    if (!v)
        return ok;
    if (v->type != JSON_NUM)
        return jtype_err(v, key, source, "an integer", st);
    if (!v->is_int)
        return status_fail(st, "%s:%ld:%ld: '%s' must be an integer, not %g", source, v->line,
                           v->col, key, v->num);
    *out = v->i64;
    return true;
}

bool json_get_f64(const json_value *obj, const char *key, bool required, const char *source,
                  double *out, status *st) {
    bool ok;
    const json_value *v = jget(obj, key, required, source, st, &ok);
    if (!v)
        return ok;
    if (v->type == JSON_NULL) { /* how the writer spells NaN/inf */
        *out = NAN;
        return true;
    }
    if (v->type != JSON_NUM)
        return jtype_err(v, key, source, "a number", st);
    *out = v->num;
    return true;
}

bool json_get_bool(const json_value *obj, const char *key, bool required, const char *source,
                   bool *out, status *st) {
    bool ok;
    const json_value *v = jget(obj, key, required, source, st, &ok);
    if (!v)
        return ok;
    if (v->type != JSON_BOOL)
        return jtype_err(v, key, source, "a boolean", st);
    *out = v->b;
    return true;
}

bool json_get_str(const json_value *obj, const char *key, bool required, const char *source,
                  char *buf, size_t len, status *st) {
    bool ok;
    const json_value *v = jget(obj, key, required, source, st, &ok);
    if (!v)
        return ok;
    if (v->type != JSON_STR)
        return jtype_err(v, key, source, "a string", st);
    snprintf(buf, len, "%s", v->str);
    return true;
}

void json_write_str(FILE *f, const char *s) { text_json_str(f, s); }

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
