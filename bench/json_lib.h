/* json_lib: the JSON library seam (jansson) behind bench/json. This header names no
 * jansson type so that bench/json.h (whose json_type/JSON_NULL spellings collide with
 * jansson's) and jansson are never included in the same file.
 * Invariant: json_lib_parse either reports every value of a valid document in document
 * order (pre-order, object members in the order written) or reports one error with its
 * line, column and byte offset; nothing else. */
#ifndef EMBEDSYN_BENCH_JSON_LIB_H
#define EMBEDSYN_BENCH_JSON_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum {
    JSON_LIB_NULL,
    JSON_LIB_TRUE,
    JSON_LIB_FALSE,
    JSON_LIB_INT,
    JSON_LIB_REAL,
    JSON_LIB_STR,
    JSON_LIB_ARR,   /* begin of an array of n items */
    JSON_LIB_OBJ,   /* begin of an object of n members */
    JSON_LIB_END    /* end of the innermost open array or object */
} json_lib_kind;

/* One event; key/keylen name the member when the value sits in an object. */
typedef struct json_lib_event {
    json_lib_kind kind;
    const char *key;
    size_t keylen;
    const char *str;    /* JSON_LIB_STR: UTF-8, no NUL byte inside */
    size_t len;         /* JSON_LIB_STR bytes; JSON_LIB_ARR/OBJ element count */
    int64_t i64;        /* JSON_LIB_INT */
    double num;         /* JSON_LIB_INT (as double) and JSON_LIB_REAL */
} json_lib_event;

typedef bool (*json_lib_cb)(void *ctx, const json_lib_event *e);

typedef struct json_lib_error {
    long line, col;     /* 1-based; col counts characters as the library does */
    size_t pos;         /* byte offset */
    char text[160];
} json_lib_error;

/* Parses text[0..len) strictly (RFC 8259, UTF-8 validated, duplicate keys and NUL in
 * strings rejected, any value at the top) and walks it with cb. false: either a parse
 * error (err filled, err->text non-empty) or cb returned false (err->text empty). */
bool json_lib_parse(const char *text, size_t len, json_lib_cb cb, void *ctx, json_lib_error *err);

/* Writes s as a JSON string through the library; invalid UTF-8 bytes become U+FFFD so
 * that the output always reads back. (Doubles are written by bench/json in the shortest
 * round-trip form; the library's fixed 17 digits would make baselines noisy.) */

#endif
