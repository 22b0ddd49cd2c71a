/* arena: bump allocator; everything of one query is allocated here and dies together
 * (DESIGN section 8.6). Invariant: memory is only released by arena_destroy/reset.
 * arena_create itself aborts on out-of-memory (a few bytes, at start-up). */
#ifndef EMBEDSYN_ARENA_H
#define EMBEDSYN_ARENA_H

#include <stddef.h>

typedef struct arena arena;

arena *arena_create(void);
void arena_destroy(arena *a);
/* Zeroed memory aligned to 16 bytes; NULL when out of memory (the arena stays usable
 * and is still freed whole by arena_destroy). */
void *arena_alloc(arena *a, size_t bytes);
char *arena_strdup(arena *a, const char *s);  /* NULL when out of memory */
/* Frees all allocations but keeps the arena usable. */
void arena_reset(arena *a);

#endif
