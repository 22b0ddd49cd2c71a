/* text: escaping of strings written into JSON and XML output and the round-trip form
 * of a double, in one place so every writer (core, vta, bench) writes the same way.
 * Invariant: what these write reads back (JSON parser, XML attribute normalization) as
 * exactly the bytes given; they never write an unescaped quote or control character. */
#ifndef EMBEDSYN_TEXT_H
#define EMBEDSYN_TEXT_H

#include <stddef.h>
#include <stdio.h>

/* JSON string body (no quotes): " and \ escaped, \n \r \t short, other control
 * characters as \u00XX; other bytes (UTF-8 included) as they are. NULL writes nothing. */
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

#endif
