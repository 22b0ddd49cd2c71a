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
        /* jansson names its own flag here; say what is wrong instead. A failed
         * allocation comes first: after one, jansson's lexer may report another code
         * (seen: "NUL character" for a string whose buffer could not grow). */
        enum json_error_code code = json_error_code(&je);
        const char *t = code == json_error_out_of_memory || g_oom ? "out of memory"
                        : code == json_error_null_character      ? "\\u0000 (NUL) is not allowed in a string"
                        : je.text[0]                             ? je.text
                                                                 : "invalid JSON";
        snprintf(err->text, sizeof err->text, "%s", t);
        return false;
    }
    bool ok = walk(root, NULL, 0, cb, ctx);
    json_decref(root);
    return ok;
}

