/* spec_space: design-space files and --sweep (see spec_space.h). Works on the plain
 * tree of core/spec.c (no libxml2 here); every error names FILE:LINE of the element
 * (or the --sweep source) and the attribute.
 * Invariant: see spec_space.h (>= 2 distinct ascending values per axis, fields unique). */
#include "vta/spec_space.h"

#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/spec.h"

/* The field table: hw.h's fields plus the log_block alias, in enumeration order.
 * elem: 0 shape, 1 timing (which XML element holds it). */
typedef struct space_field {
    const char *name;
    size_t off;            /* offset in hw_config; log_block: log_block_in */
    int elem;
    int32_t lo, hi;        /* accepted values (hw_check decides per design) */
} space_field;

#define SF_SHAPE(f, a, d, doc) {a, offsetof(hw_config, f), 0, 0, 30},
#define SF_TIME(f, a, d, doc) {a, offsetof(hw_config, f), 1, 0, 1000000},
static const space_field fields[] = {
    HW_SHAPE_FIELDS(SF_SHAPE)
    {"log_block", offsetof(hw_config, log_block_in), 0, 0, 30},
    HW_TIMING_FIELDS(SF_TIME)
};
#undef SF_SHAPE
#undef SF_TIME
enum { NFIELDS = (int)(sizeof fields / sizeof fields[0]) };

static int field_index(const char *name) {
    for (int i = 0; i < NFIELDS; i++)
        if (!strcmp(fields[i].name, name)) return i;
    return -1;
}

static void set_field(hw_config *hw, int f, int32_t v) {
    *(int32_t *)((char *)hw + fields[f].off) = v;
    if (!strcmp(fields[f].name, "log_block")) hw->log_block_out = v;
}

const char *hw_space_field_name(int32_t field) {
    ES_ASSERT(field >= 0 && field < NFIELDS);
    return fields[field].name;
}

void hw_space_init(hw_space *s) {
    memset(s, 0, sizeof *s);
    s->base = hw_default();
    snprintf(s->name, sizeof s->name, "space");
}

int64_t hw_space_count(const hw_space *s) {
    int64_t n = 1;
    for (int i = 0; i < s->naxes; i++) n *= s->ax[i].n;
    return n;
}

void hw_space_design(const hw_space *s, int64_t idx, hw_config *hw) {
    ES_ASSERT(idx >= 0 && idx < hw_space_count(s));
    *hw = s->base;
    int64_t r = idx;
    for (int i = s->naxes - 1; i >= 0; i--) {
        const hw_space_axis *a = &s->ax[i];
        set_field(hw, a->field, a->v[r % a->n]);
        r /= a->n;
    }
    snprintf(hw->name, sizeof hw->name, "d%lld", (long long)idx);
}

static bool same_fields(const hw_config *a, const hw_config *b) {
#define SF_EQ(f, at, d, doc) if (a->f != b->f) return false;
    HW_SHAPE_FIELDS(SF_EQ)
    HW_TIMING_FIELDS(SF_EQ)
#undef SF_EQ
    return true;
}

int64_t hw_space_find(const hw_space *s, const hw_config *hw) {
    /* Each axis value is determined by the field it sets: read it back. */
    int64_t idx = 0;
    for (int i = 0; i < s->naxes; i++) {
        const hw_space_axis *a = &s->ax[i];
        int32_t v = *(const int32_t *)((const char *)hw + fields[a->field].off);
        int k = 0;
        while (k < a->n && a->v[k] != v) k++;
        if (k == a->n) return -1;
        idx = idx * a->n + k;
    }
    hw_config d;
    hw_space_design(s, idx, &d);
    return same_fields(&d, hw) ? idx : -1;
}

void hw_space_describe(const hw_space *s, char *buf, size_t len) {
    size_t k = 0;
    buf[0] = 0;
    for (int i = 0; i < s->naxes && k < len; i++) {
        const hw_space_axis *a = &s->ax[i];
        int w = snprintf(buf + k, len - k, "%s%s=", i ? " " : "", fields[a->field].name);
        if (w > 0) k += (size_t)w;
        for (int j = 0; j < a->n && k < len; j++) {
            w = snprintf(buf + k, len - k, "%s%d", j ? "," : "", (int)a->v[j]);
            if (w > 0) k += (size_t)w;
        }
    }
    if (s->naxes == 0) snprintf(buf, len, "(one design)");
}

/* ---- value lists ---- */

typedef struct vlist {
    int32_t n;
    int32_t v[HW_SPACE_MAX_VALUES];
} vlist;

static bool fail_where(status *st, const char *file, long line, const char *fmt, const char *a, const char *b) {
    char m[512];
    snprintf(m, sizeof m, fmt, a, b);
    if (line > 0) return status_fail_at(st, file, line, "%s", m);
    return status_fail(st, "%s: %s", file, m);
}

static char *trim(char *s) {
    while (isspace((unsigned char)*s)) s++;
    for (size_t m = strlen(s); m > 0 && isspace((unsigned char)s[m - 1]); m--) s[m - 1] = '\0';
    return s;
}

static bool one_int(const char *txt, int f, bool raw, int32_t *out, const char *file, long line, status *st) {
    int64_t v;
    if (spec_parse_i64(txt, &v) != 1)
        return fail_where(st, file, line, "%s: '%s' is not an integer", fields[f].name, txt);
    int64_t lo = raw ? 1 : fields[f].lo, hi = raw ? (int64_t)1 << 20 : fields[f].hi;
    if (v < lo || v > hi) {
        char m[160];
        snprintf(m, sizeof m, "'%s' outside %lld..%lld", txt, (long long)lo, (long long)hi);
        return fail_where(st, file, line, "%s: %s", fields[f].name, m);
    }
    *out = (int32_t)v;
    return true;
}

static bool add_value(vlist *l, int f, int32_t v, const char *file, long line, status *st) {
    for (int i = 0; i < l->n; i++)
        if (l->v[i] == v) {
            char m[64];
            snprintf(m, sizeof m, "value %d listed twice", (int)v);
            return fail_where(st, file, line, "%s: %s", fields[f].name, m);
        }
    if (l->n == HW_SPACE_MAX_VALUES) {
        char m[64];
        snprintf(m, sizeof m, "more than %d values", HW_SPACE_MAX_VALUES);
        return fail_where(st, file, line, "%s: %s", fields[f].name, m);
    }
    l->v[l->n++] = v;
    return true;
}

/* One item "a" or "a..b" (a <= b) appended to l. */
static bool parse_item(const char *item0, int f, bool raw, vlist *l, const char *file, long line, status *st) {
    char item[128];
    snprintf(item, sizeof item, "%s", item0);
    char *it = trim(item);
    if (!*it) return fail_where(st, file, line, "%s: %s", fields[f].name, "empty value");
    char *dots = strstr(it, "..");
    if (!dots) {
        int32_t v;
        return one_int(it, f, raw, &v, file, line, st) && add_value(l, f, v, file, line, st);
    }
    *dots = '\0';
    int32_t a, b;
    if (!one_int(trim(it), f, raw, &a, file, line, st) || !one_int(trim(dots + 2), f, raw, &b, file, line, st)) return false;
    if (a > b) {
        char m[96];
        snprintf(m, sizeof m, "empty range %d..%d", (int)a, (int)b);
        return fail_where(st, file, line, "%s: %s", fields[f].name, m);
    }
    for (int64_t v = a; v <= b; v++)
        if (!add_value(l, f, (int32_t)v, file, line, st)) return false;
    return true;
}

/* bus_bits values (bits, powers of two) -> log_bus_width values. */
static bool bits_to_log(vlist *l, const char *file, long line, status *st) {
    for (int i = 0; i < l->n; i++) {
        int32_t v = l->v[i], lg = 0;
        if (v < 1 || (v & (v - 1))) {
            char m[96];
            snprintf(m, sizeof m, "%d is not a power of two", (int)v);
            return fail_where(st, file, line, "%s: %s", "bus_bits", m);
        }
        while ((1 << lg) < v) lg++;
        l->v[i] = lg;
    }
    return true;
}

static int cmp_i32(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Sets field f to the values of l: one value -> base, several -> an axis (replacing an
 * earlier axis or value of f). Axes stay in field-table order. */
static bool apply(hw_space *s, int f, vlist *l, const char *file, long line, status *st) {
    const char *nm = fields[f].name;
    bool blk = !strcmp(nm, "log_block"), blk_part = !strcmp(nm, "log_block_in") || !strcmp(nm, "log_block_out");
    for (int i = 0; i < s->naxes; i++) {
        const char *o = fields[s->ax[i].field].name;
        bool clash = (blk && (!strcmp(o, "log_block_in") || !strcmp(o, "log_block_out"))) ||
                     (blk_part && !strcmp(o, "log_block"));
        if (clash) return fail_where(st, file, line, "%s conflicts with %s (log_block sets both block fields)", nm, o);
    }
    int at = -1;
    for (int i = 0; i < s->naxes; i++)
        if (s->ax[i].field == f) at = i;
    if (at >= 0) { /* drop the earlier axis */
        memmove(&s->ax[at], &s->ax[at + 1], (size_t)(s->naxes - at - 1) * sizeof s->ax[0]);
        s->naxes--;
    }
    qsort(l->v, (size_t)l->n, sizeof l->v[0], cmp_i32);
    if (l->n == 1) {
        set_field(&s->base, f, l->v[0]);
        return true;
    }
    if (s->naxes == HW_SPACE_MAX_AXES) return fail_where(st, file, line, "%s: %s", nm, "too many swept fields");
    int pos = 0;
    while (pos < s->naxes && s->ax[pos].field < f) pos++;
    memmove(&s->ax[pos + 1], &s->ax[pos], (size_t)(s->naxes - pos) * sizeof s->ax[0]);
    s->naxes++;
    s->ax[pos].field = f;
    s->ax[pos].n = l->n;
    memcpy(s->ax[pos].v, l->v, (size_t)l->n * sizeof l->v[0]);
    int64_t total = 1;
    for (int i = 0; i < s->naxes; i++)
        if (!es_mul_i64(total, s->ax[i].n, &total) || total > ((int64_t)1 << 40))
            return fail_where(st, file, line, "%s: %s", nm, "the space has more than 2^40 designs");
    return true;
}

/* Parses "values" text of field name (alias bus_bits) into s. */
static bool take_field(hw_space *s, const char *name, const char *text, const char *file, long line, status *st) {
    bool bits = !strcmp(name, "bus_bits");
    int f = field_index(bits ? "log_bus_width" : name);
    if (f < 0) return fail_where(st, file, line, "unknown field '%s'%s", name, "");
    vlist l;
    l.n = 0;
    const char *p = text;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char item[128];
        if (n >= sizeof item) return fail_where(st, file, line, "%s: %s", name, "value too long");
        memcpy(item, p, n);
        item[n] = '\0';
        if (!parse_item(item, f, bits, &l, file, line, st)) return false;
        if (!e) break;
        p = e + 1;
    }
    if (bits && !bits_to_log(&l, file, line, st)) return false;
    return apply(s, f, &l, file, line, st);
}

bool spec_load_space(const char *path, hw_space *s, status *st) {
    hw_space_init(s);
    spec_doc *d = spec_doc_load(path, "space", st);
    if (!d) return false;
    const spec_node *root = spec_doc_root(d);
    const char *nm = spec_node_attr(root, "name");
    snprintf(s->name, sizeof s->name, "%s", nm ? nm : "space");
    bool ok = true;
    for (const spec_node *n = spec_node_first_child(root); n && ok; n = spec_node_next(n)) {
        int elem = !strcmp(spec_node_name(n), "timing");
        for (int f = 0; f < NFIELDS + 1 && ok; f++) {
            const char *fname = f < NFIELDS ? fields[f].name : "bus_bits";
            int fe = f < NFIELDS ? fields[f].elem : 0;
            const char *v = fe == elem ? spec_node_attr(n, fname) : NULL;
            if (!v) continue;
            if (!strcmp(fname, "bus_bits") && spec_node_attr(n, "log_bus_width")) {
                ok = status_fail_at(st, path, spec_node_line(n), "bus_bits and log_bus_width both given");
                break;
            }
            ok = take_field(s, fname, v, path, spec_node_line(n), st);
        }
    }
    spec_doc_destroy(d);
    return ok;
}

bool spec_parse_sweep(const char *text, const char *source, hw_space *s, status *st) {
    char buf[2048];
    if (strlen(text) >= sizeof buf) return status_fail(st, "%s: text too long", source);
    snprintf(buf, sizeof buf, "%s", text);
    /* Group items: an item with '=' starts a field, items without it continue it. */
    char *p = buf;
    char name[64] = "";
    char vals[1024] = "";
    bool have = false;
    for (;;) {
        char *e = strchr(p, ',');
        if (e) *e = '\0';
        char *item = trim(p);
        char *eq = strchr(item, '=');
        if (eq) {
            if (have && !take_field(s, name, vals, source, 0, st)) return false;
            *eq = '\0';
            snprintf(name, sizeof name, "%s", trim(item));
            snprintf(vals, sizeof vals, "%s", trim(eq + 1));
            have = true;
        } else {
            if (!have) return status_fail(st, "%s: expected FIELD=VALUES, got '%s'", source, item);
            size_t k = strlen(vals);
            snprintf(vals + k, sizeof vals - k, ",%s", item);
        }
        if (!e) break;
        p = e + 1;
    }
    if (!have) return status_fail(st, "%s: empty sweep", source);
    return take_field(s, name, vals, source, 0, st);
}
