/* json_lib: parsing and string writing with jansson (see json_lib.h).
 * Invariant: the jansson tree lives only inside json_lib_parse; callers see events
 * whose strings point into it and must copy what they keep before the call returns. */
#include "bench/json_lib.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/status.h"

static bool walk(json_t *v, const char *key, size_t keylen, json_lib_cb cb, void *ctx) {
    json_lib_event e = {.key = key, .keylen = keylen};
    switch (json_typeof(v)) {
    case JSON_NULL: e.kind = JSON_LIB_NULL; break;
    case JSON_TRUE: e.kind = JSON_LIB_TRUE; break;
    case JSON_FALSE: e.kind = JSON_LIB_FALSE; break;
    case JSON_INTEGER:
        e.kind = JSON_LIB_INT;
        e.i64 = (int64_t)json_integer_value(v);
        e.num = (double)e.i64;
        break;
    case JSON_REAL:
        e.kind = JSON_LIB_REAL;
        e.num = json_real_value(v);
        break;
    case JSON_STRING:
        e.kind = JSON_LIB_STR;
        e.str = json_string_value(v);
        e.len = json_string_length(v);
        break;
    case JSON_ARRAY: {
        e.kind = JSON_LIB_ARR;
        e.len = json_array_size(v);
        if (!cb(ctx, &e))
            return false;
        for (size_t i = 0; i < e.len; i++)
            if (!walk(json_array_get(v, i), NULL, 0, cb, ctx))
                return false;
        json_lib_event end = {.kind = JSON_LIB_END};
        return cb(ctx, &end);
    }
    case JSON_OBJECT: {
        e.kind = JSON_LIB_OBJ;
        e.len = json_object_size(v);
        if (!cb(ctx, &e))
            return false;
        /* jansson keeps members in insertion (= document) order. */
        for (void *it = json_object_iter(v); it; it = json_object_iter_next(v, it))
            if (!walk(json_object_iter_value(it), json_object_iter_key(it),
                      json_object_iter_key_len(it), cb, ctx))
                return false;
        json_lib_event end = {.kind = JSON_LIB_END};
        return cb(ctx, &end);
    }
    }
    return cb(ctx, &e);
}

/* jansson does not always say "out of memory" when an allocation fails inside the
 * lexer; its allocator notes it here (jansson's allocator hooks are process-wide too). */
static bool g_oom;

static void *lib_malloc(size_t n) {
    void *p = es_malloc(n);
    if (!p)
        g_oom = true;
    return p;
}

bool json_lib_parse(const char *text, size_t len, json_lib_cb cb, void *ctx, json_lib_error *err) {
    memset(err, 0, sizeof *err);
    /* jansson allocates through core/alloc too, so allocation-failure tests reach it. */
    json_set_alloc_funcs(lib_malloc, es_free);
    g_oom = false;
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (!root) {
        err->line = je.line > 0 ? je.line : 1;
        err->col = je.column > 0 ? je.column : 1;
        err->pos = je.position > 0 ? (size_t)je.position : 0;
        /* jansson names its own flag here; say what is wrong instead. */
        enum json_error_code code = json_error_code(&je);
        const char *t = code == json_error_null_character
                            ? "\\u0000 (NUL) is not allowed in a string"
                        : code == json_error_out_of_memory || g_oom ? "out of memory"
                        : je.text[0]                       ? je.text
                                                           : "invalid JSON";
        snprintf(err->text, sizeof err->text, "%s", t);
        return false;
    }
    bool ok = walk(root, NULL, 0, cb, ctx);
    json_decref(root);
    return ok;
}

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no surrogates, at
 * most U+10FFFF), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s) {
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned cp;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return n;
}

void json_lib_write_str(FILE *f, const char *s) {
    if (!s)
        s = "";
    size_t n = strlen(s);
    json_t *js = json_stringn(s, n);
    if (!js) {
        /* Invalid UTF-8 (e.g. a file name inside an error message): replace each bad
         * byte with U+FFFD (3 bytes), so at most 3 n bytes. */
        char *fixed = es_malloc(3 * n + 1);
        if (fixed) {
            size_t o = 0;
            for (size_t i = 0; i < n;) {
                size_t k = utf8_seq((const unsigned char *)s + i);
                if (k == 0) {
                    memcpy(fixed + o, "\xef\xbf\xbd", 3);
                    o += 3;
                    i++;
                } else {
                    memcpy(fixed + o, s + i, k);
                    o += k;
                    i += k;
                }
            }
            js = json_stringn(fixed, o);
            es_free(fixed);
        }
    }
    if (!js || json_dumpf(js, f, JSON_ENCODE_ANY) != 0)
        fputs("\"\"", f);   /* out of memory: an empty string keeps the output valid */
    json_decref(js);
}
