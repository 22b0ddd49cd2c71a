/* spec_space: hardware design spaces for `embedsyn dse` (core/schemas/space.xsd). A
 * space is a base hardware configuration plus axes: fields of hw_config that take a
 * list of values (from "3..5,7" in a space file or `--sweep log_block=3..5,bus_bits=64,128`).
 * Designs are the cross product of the axes, numbered in mixed radix with the axes in
 * field-table order (hw.h) and the last axis fastest, so a file and the equivalent
 * --sweep give the same numbering. Aliases: log_block (sets log_block_in and
 * log_block_out together), bus_bits (bus width in bits, power of two).
 * Invariant: a loaded space has >= 1 design, axes with >= 2 distinct ascending values
 * each, and no field in two axes; designs are not checked here (dse reports infeasible
 * ones with the reason). */
#ifndef EMBEDSYN_SPEC_SPACE_H
#define EMBEDSYN_SPEC_SPACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/status.h"
#include "vta/hw.h"

#define HW_SPACE_MAX_VALUES 64
#define HW_SPACE_MAX_AXES 32

/* One swept field. field: index into the field table (hw_space_field_name); the alias
 * log_block is its own entry that writes both block fields. */
typedef struct hw_space_axis {
    int32_t field;
    int32_t n;
    int32_t v[HW_SPACE_MAX_VALUES];
} hw_space_axis;

typedef struct hw_space {
    char name[64];
    hw_config base;            /* hw_default() with the single-valued fields applied */
    int32_t naxes;
    hw_space_axis ax[HW_SPACE_MAX_AXES];
} hw_space;

void hw_space_init(hw_space *s);
/* Number of designs (product of axis sizes; 1 without axes). */
int64_t hw_space_count(const hw_space *s);
/* Design idx (0 <= idx < count): base with axis values applied; name "d<idx>". */
void hw_space_design(const hw_space *s, int64_t idx, hw_config *hw);
/* Index of hw in the space, or -1 if it is not one of its designs (compares every field). */
int64_t hw_space_find(const hw_space *s, const hw_config *hw);
/* Field table name of an axis field ("log_block", "log_bus_width", ...). */
const char *hw_space_field_name(int32_t field);
/* One line "log_block=3..5 log_bus_width=6,7,8" (single values shown as-is). */
void hw_space_describe(const hw_space *s, char *buf, size_t len);

/* Space file: errors "FILE:LINE: message". */
bool spec_load_space(const char *path, hw_space *s, status *st);
/* Inline form: "field=values,field=values"; a comma item without '=' adds values to
 * the field before it. Errors "<source>: message" (source e.g. "--sweep"). Applied on
 * top of s (a field given again replaces its earlier values). */
bool spec_parse_sweep(const char *text, const char *source, hw_space *s, status *st);

#endif
