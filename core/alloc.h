/* alloc: the library's allocation wrappers and the allocation-failure test hook.
 * es_malloc/es_calloc/es_realloc behave like malloc/calloc/realloc (es_calloc and
 * es_realloc check the size product for overflow) but can be told to fail: with
 * es_alloc_fail_at(N) the N-th call from then on (1-based) and, with `sticky`, every
 * later one return NULL, as a real out-of-memory would. Tests sweep N over an operation
 * to prove that every allocation failure becomes a clean status.
 * Invariant: with the hook off (the default) the wrappers are malloc/calloc/realloc.
 * The counters are process-wide: the hook is for single-threaded tests only. */
#ifndef EMBEDSYN_ALLOC_H
#define EMBEDSYN_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

void *es_malloc(size_t n);
void *es_calloc(size_t n, size_t size);
void *es_realloc(void *p, size_t n);
/* es_realloc for n * size bytes (NULL on overflow). */
void *es_reallocarray(void *p, size_t n, size_t size);
void es_free(void *p);
char *es_strdup(const char *s);

/* Fails the n-th wrapped allocation from now (n >= 1) and, when sticky, all later ones;
 * n = 0 turns the hook off. Resets the counter. */
void es_alloc_fail_at(long n, bool sticky);
/* Wrapped allocations since the last es_alloc_fail_at (counted with the hook on or off). */
long es_alloc_count(void);
/* Allocations refused by the hook since the last es_alloc_fail_at. */
long es_alloc_failed(void);
/* Brackets (nestable) a call from a region whose own allocations are outside the hook
 * (the encoders, beside Z3) into hooked library code: the allocations in between are
 * neither counted nor failed, so that region's abort-on-out-of-memory convention holds. */
void es_alloc_unhooked_begin(void);
void es_alloc_unhooked_end(void);

#endif
