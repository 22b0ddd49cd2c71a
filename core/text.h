/* text: escaping of strings written into JSON and XML output and the round-trip form
 * of a double, in one place so every writer (core, vta, bench) writes the same way.
 * Invariant: what these write reads back (JSON parser, XML attribute normalization) as
 * exactly the bytes given; they never write an unescaped quote or control character. */
#ifndef EMBEDSYN_TEXT_H
#define EMBEDSYN_TEXT_H

#include <stddef.h>
#include <stdio.h>

#include "core/status.h"

/* JSON string body (no quotes): " and \ escaped, \n \r \t \b \f short, other control
 * characters as \u00XX, each byte of invalid UTF-8 as U+FFFD; valid UTF-8 as it is.
 * NULL writes nothing. The one JSON string writer of the project. */
void text_json_esc(FILE *f, const char *s);
/* The same between double quotes. */
void text_json_str(FILE *f, const char *s);
/* XML attribute value body (no quotes): & < > " as entities, \n \t \r as character
 * references (a literal one would be normalized to a space on reading). */
void text_xml_esc(FILE *f, const char *s);
/* ` name="value"` with the value escaped. */
void text_xml_attr(FILE *f, const char *name, const char *v);
/* Shortest of %.15g / %.16g / %.17g that reads back as the same (finite) double x;
 * len >= 32 holds any of them. */
void text_f64_shortest(char *buf, size_t len, double x);
/* Bounded append: printf at buf + *k (buf stays NUL-terminated; text past buf[len - 2]
 * is cut); *k advances by what was written, and reaches len when something was cut
 * (later calls then write nothing). */
void text_putf(char *buf, size_t len, size_t *k, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Reading a whole stream (spec files, JSON results, DRAM images): f read to its end
 * into a malloc'd buffer of cap0 (> 0) bytes that doubles when full; with max > 0 a
 * full buffer of max bytes or more fails as TOO_LARGE. On OK *data (the caller frees
 * it) and *len are set, otherwise *data is NULL; f is left open and errno as the read
 * left it, so callers word their own messages. */
typedef enum text_read_status {
    TEXT_READ_OK,
    TEXT_READ_ERROR,
    TEXT_READ_TOO_LARGE,
    TEXT_READ_NOMEM
} text_read_status;
text_read_status text_read_all(FILE *f, size_t cap0, size_t max, unsigned char **data,
                               size_t *len);
/* A whole file by path (binary images): malloc'd *data (caller frees) and *len, or NULL
 * with "PATH: cannot open: REASON" / "PATH: out of memory" / "PATH: read error" in st. */
unsigned char *text_read_path(const char *path, size_t *len, status *st);

/* mkdir -p: creates dir and its missing parents; an existing dir is fine, an existing
 * non-directory an error naming it. */
bool text_mkdir_p(const char *dir, status *st);

#endif
