/* arena: linked list of blocks; large requests get a block of their own. Blocks come
 * from es_malloc (core/alloc), so allocation-failure tests reach them. */
#include "core/arena.h"

#include "core/alloc.h"
#include "core/status.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct block {
    struct block *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
} block;

struct arena {
    block *head;
};

enum { ARENA_BLOCK = 64 * 1024 };

arena *arena_create(void) {
    arena *a = calloc(1, sizeof *a);
    ES_ASSERT(a != NULL);
    return a;
}

void arena_reset(arena *a) {
    block *b = a->head;
    while (b) {
        block *n = b->next;
        es_free(b);
        b = n;
    }
    a->head = NULL;
}

void arena_destroy(arena *a) {
    if (!a)
        return;
    arena_reset(a);
    free(a);
}

void *arena_alloc(arena *a, size_t bytes) {
    if (bytes > SIZE_MAX - 15)
        return NULL;
    size_t need = (bytes + 15) & ~(size_t)15;
    if (need == 0)
        need = 16;
    if (!a->head || a->head->cap - a->head->used < need) {
        size_t cap = need > ARENA_BLOCK ? need : ARENA_BLOCK;
        if (cap > SIZE_MAX - sizeof(block))
            return NULL;
        block *b = es_malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->used = 0;
        b->cap = cap;
        b->next = a->head;
        a->head = b;
    }
    void *p = a->head->data + a->head->used;
    a->head->used += need;
    memset(p, 0, need);
    return p;
}

char *arena_strdup(arena *a, const char *s) {
    size_t n = strlen(s) + 1;
    char *d = arena_alloc(a, n);
    if (d)
        memcpy(d, s, n);
    return d;
}
