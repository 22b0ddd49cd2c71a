/* spec: the spec loader, the only user of libxml2 (DESIGN section 8). It parses an XML
 * file, validates it against one of the XSD schemas compiled into the binary
 * (core/schemas/NAME.xsd), and hands out a plain read-only tree with line numbers, so
 * that every other loader (operator, suite, embedding, bundle manifest; the VTA target's
 * hardware and design-space files) and every error message ("FILE:LINE: message", exit
 * status 2 at the CLI) works on it without libxml2. Inline shapes (--conv N=1,C=3,... / --gemm M=..) are parsed here too.
 * Invariant: a spec_doc exists only for a well-formed document valid against its schema. */
#ifndef EMBEDSYN_SPEC_H
#define EMBEDSYN_SPEC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/op.h"
#include "core/status.h"

typedef struct spec_doc spec_doc;
typedef struct spec_node spec_node;

/* Parse `path` and validate it against the built-in schema `schema` ("hardware",
 * "operator", "suite", "embedding", "program"). schema == NULL picks the schema named
 * like the root element (used by `spec check`). NULL + status on error. */
spec_doc *spec_doc_load(const char *path, const char *schema, status *st);
void spec_doc_destroy(spec_doc *d);
const char *spec_doc_path(const spec_doc *d);
const spec_node *spec_doc_root(const spec_doc *d);

const char *spec_node_name(const spec_node *n);
long spec_node_line(const spec_node *n);
const spec_node *spec_node_first_child(const spec_node *n);   /* elements only */
const spec_node *spec_node_next(const spec_node *n);
const spec_node *spec_node_child(const spec_node *n, const char *name); /* first with that name */
const char *spec_node_attr(const spec_node *n, const char *name);     /* NULL if absent */
const char *spec_node_text(const spec_node *n);                       /* "" if none */

/* Typed attributes: absent -> *out = dflt (true); malformed or out of [lo, hi] ->
 * "FILE:LINE: attribute 'name' ..." in st (false). */
bool spec_attr_i64(const spec_doc *d, const spec_node *n, const char *name, int64_t dflt,
                   int64_t lo, int64_t hi, int64_t *out, status *st);
bool spec_attr_bool(const spec_doc *d, const spec_node *n, const char *name, bool dflt,
                    bool *out, status *st);

/* Strict decimal integer (optional sign, surrounding blanks): 1 ok, 0 not a number,
 * -1 outside int64. */
int spec_parse_i64(const char *s, int64_t *out);

/* Kind loaders. Every failure is "FILE:LINE: message". (The hardware kind is the
 * target's: hw_load, on this tree.) */
/* One operator file (<operator>, root element names the kind). */
bool spec_load_op(const char *path, op *o, status *st);
/* A suite: a named list of operators; or a MAESTRO network (FILE.m, core/maestro.h),
 * each layer an operator. *ops is malloc'ed (free() it). */
bool spec_load_suite(const char *path, char *suite_name, size_t name_len, op **ops,
                     int *nops, status *st);
/* Operators from an element inside any document (used by suite and op loaders). */
bool spec_op_from_node(const spec_doc *d, const spec_node *n, op *o, status *st);

/* Writes o as an <operator> element (indented by `indent` spaces) that the loader reads
 * back to the same op: every parameter is explicit. */
void spec_write_op(FILE *f, const op *o, int indent);
/* Writes a whole suite document (spec_load_suite reads it back). */
void spec_write_suite(FILE *f, const char *name, const op *ops, int n);

/* Inline shapes: "N=1,C=3,H=224,W=224,K=64,R=7,S=7,stride=2,pad=3" (also stride_h,
 * stride_w, pad_h, pad_w, dilation, dilation_h, dilation_w, groups, shift, relu, bias)
 * and "M=35,N=700,K=2048" (also batch, a_t, b_t). Errors read like a bad file:
 * "<source>: message", source e.g. "--conv". */
bool spec_parse_conv(const char *text, const char *source, op *o, status *st);
bool spec_parse_gemm(const char *text, const char *source, op *o, status *st);

#endif
