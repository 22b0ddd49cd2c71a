/* status: error reporting for bad input, and aborts for broken invariants. */
#include "core/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void status_init(status *st) {
    st->failed = false;
    st->msg[0] = '\0';
}

static bool status_vset(status *st, const char *prefix, const char *fmt, va_list ap) {
    if (st->failed)
        return false;
    st->failed = true;
    size_t n = strlen(prefix);
    if (n >= sizeof st->msg)
        n = sizeof st->msg - 1;
    memcpy(st->msg, prefix, n);
    st->msg[n] = '\0';
    vsnprintf(st->msg + n, sizeof st->msg - n, fmt, ap);
    return false;
}

bool status_fail(status *st, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    status_vset(st, "", fmt, ap);
    va_end(ap);
    return false;
}

bool status_context(status *st, const char *fmt, ...) {
    if (!st->failed) return false;
    char ctx[STATUS_MSG_MAX], old[STATUS_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx, sizeof ctx, fmt, ap);
    va_end(ap);
    memcpy(old, st->msg, sizeof old);
    /* "CONTEXT: " then the old message, cut to the buffer (intended: no warning) */
    size_t k = 0, cap = sizeof st->msg - 1;
    for (const char *parts[3] = {ctx, ": ", old}, **p = parts; p < parts + 3; p++)
        for (const char *c = *p; *c && k < cap; c++) st->msg[k++] = *c;
    st->msg[k] = 0;
    return false;
}

bool status_fail_at(status *st, const char *file, long line, const char *fmt, ...) {
    char prefix[512];
    if (line > 0)
        snprintf(prefix, sizeof prefix, "%s:%ld: ", file, line);
    else
        snprintf(prefix, sizeof prefix, "%s: ", file);
    va_list ap;
    va_start(ap, fmt);
    status_vset(st, prefix, fmt, ap);
    va_end(ap);
    return false;
}

_Noreturn void es_abort(const char *file, int line, const char *cond) {
    fprintf(stderr, "%s:%d: internal error: invariant '%s' broken\n", file, line, cond);
    fflush(stderr);
    abort();
}
