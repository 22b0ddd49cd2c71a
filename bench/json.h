/* json: JSON reading and writing for bench results and baselines, on top of jansson
 * (bench/json_lib). The reader builds a read-only tree in an arena; every value carries
 * the line and column where it starts so that errors in hand-edited baselines read
 * "FILE:LINE:COL: message". The writer escapes strings and prints doubles so that they
 * read back to the same value.
 * Invariant: a tree returned by json_parse is complete (strict RFC 8259 grammar, valid
 * UTF-8, no duplicate keys, no NUL byte in keys or strings, integers within int64,
 * nesting depth <= JSON_MAX_DEPTH); on any error nothing is returned and the status
 * holds the first error with its position. */
#ifndef EMBEDSYN_BENCH_JSON_H
#define EMBEDSYN_BENCH_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/arena.h"
#include "core/status.h"
#include "core/text.h"

#define JSON_MAX_DEPTH 128
/* Largest JSON file read (a 100k-layer baseline is about 35 MB). */
#define JSON_MAX_FILE_BYTES ((size_t)256 << 20)

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUM, JSON_STR, JSON_ARR, JSON_OBJ } json_type;

typedef struct json_value json_value;
struct json_value {
    json_type type;
    long line, col;           /* where the value starts (1-based) */
    bool b;                   /* JSON_BOOL */
    double num;               /* JSON_NUM */
    bool is_int;              /* JSON_NUM written without fraction/exponent, fits int64 */
    int64_t i64;              /* JSON_NUM when is_int */
    const char *str;          /* JSON_STR (NUL-terminated valid UTF-8, no NUL inside) */
    size_t len;               /* JSON_STR bytes; JSON_ARR / JSON_OBJ element count */
    const json_value **items; /* JSON_ARR elements, JSON_OBJ values */
    const char **keys;        /* JSON_OBJ keys, parallel to items */
};

/* Parses text[0..len) (source names the input in messages). NULL + status on error. */
const json_value *json_parse(arena *a, const char *text, size_t len, const char *source,
                             status *st);
/* Reads and parses a file. NULL + status on error ("FILE: cannot read ..."). */
const json_value *json_parse_file(arena *a, const char *path, status *st);

/* Member of an object, or NULL (also NULL when v is not an object). */
const json_value *json_get(const json_value *obj, const char *key);
const char *json_type_name(json_type t);

/* Typed members with located errors: "SOURCE:LINE:COL: 'key' must be ...".
 * Absent member: required -> error, else *out keeps its value and true is returned. */
bool json_get_i64(const json_value *obj, const char *key, bool required, const char *source,
                  int64_t *out, status *st);
bool json_get_f64(const json_value *obj, const char *key, bool required, const char *source,
                  double *out, status *st);
bool json_get_bool(const json_value *obj, const char *key, bool required, const char *source,
                   bool *out, status *st);
/* Copies the string into buf (truncating to len - 1 bytes). */
bool json_get_str(const json_value *obj, const char *key, bool required, const char *source,
                  char *buf, size_t len, status *st);
/* A name of a typed vocabulary (an X-macro name table names[0..n)): *out = its index;
 * a string that is none of the names is an error naming the key and the value. */
bool json_get_name(const json_value *obj, const char *key, bool required, const char *source,
                   const char *const *names, int n, int *out, status *st);

/* Writing: strings with text_json_str (core/text.h, the one JSON string writer). */
/* %.17g (round trip); NaN/inf -> null. */
void json_write_f64(FILE *f, double x);

#endif
