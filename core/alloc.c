/* alloc: malloc wrappers with a failure hook (see alloc.h). */
#include "core/alloc.h"

#include "core/status.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Test-hook state: the only mutable globals of the library, deliberately (a debug hook
 * must reach allocations deep inside any module without threading a handle through). */
static long g_count, g_fail_at, g_failed;
static bool g_sticky;
static int g_unhooked;

static bool refuse(void) {
    if (g_unhooked > 0)
        return false;
    long k = ++g_count;
    if (g_fail_at > 0 && (k == g_fail_at || (g_sticky && k > g_fail_at))) {
        g_failed++;
        return true;
    }
    return false;
}

void *es_malloc(size_t n) { return refuse() ? NULL : malloc(n ? n : 1); }

void *es_calloc(size_t n, size_t size) {
    if (size && n > SIZE_MAX / size)
        return NULL;
    return refuse() ? NULL : calloc(n ? n : 1, size ? size : 1);
}

void *es_realloc(void *p, size_t n) { return refuse() ? NULL : realloc(p, n ? n : 1); }

void *es_reallocarray(void *p, size_t n, size_t size) {
    if (size && n > SIZE_MAX / size)
        return NULL;
    return es_realloc(p, n * size);
}

void es_free(void *p) { free(p); }

char *es_strdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = es_malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

void es_alloc_fail_at(long n, bool sticky) {
    g_count = 0;
    g_failed = 0;
    g_fail_at = n > 0 ? n : 0;
    g_sticky = sticky;
}

long es_alloc_count(void) { return g_count; }
long es_alloc_failed(void) { return g_failed; }

void es_alloc_unhooked_begin(void) { g_unhooked++; }
void es_alloc_unhooked_end(void) {
    ES_ASSERT(g_unhooked > 0);
    g_unhooked--;
}
