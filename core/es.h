/* es: the small shared services of the whole project, one copy each: the monotonic
 * clock, the process-wide stop request (SIGINT/SIGTERM), the splitmix64 generator (test data, sampling) and the lookup of a name in
 * an X-macro name table (the one parser of every typed vocabulary).
 * Invariant: the generator is a pure function of its state, so every seeded run
 * reproduces bit for bit. */
#ifndef EMBEDSYN_ES_H
#define EMBEDSYN_ES_H

#include <stdbool.h>
#include <stdint.h>

/* Monotonic clock in milliseconds (an arbitrary origin: only differences count). */
double es_now_ms(void);

/* The stop request of this process: es_request_stop() only sets a flag (safe in a
 * signal handler); long searches in any module poll es_stop_requested() and end early,
 * and their callers tell a cut-short result from a complete one by the same flag. */
void es_request_stop(void);
bool es_stop_requested(void);

/* splitmix64 (Steele, Lea, Flood 2014): advances *state and returns a well-mixed
 * 64-bit value. */
static inline uint64_t es_mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static inline uint64_t es_splitmix64(uint64_t *state) { return es_mix64(*state += 0x9e3779b97f4a7c15ull); }
/* The value splitmix64 draws first from state x (a stateless hash of x). */
static inline uint64_t es_hash64(uint64_t x) { return es_mix64(x + 0x9e3779b97f4a7c15ull); }

/* X-macro helpers for typed vocabularies: with a table X(id, name) (or X(id, name,
 * help)), `typedef enum { TABLE(ES_ID2) } t;` declares the ids and
 * `static const char *const names[] = {TABLE(ES_NAME2)};` their names. */
#define ES_ID2(id, name) id,
#define ES_NAME2(id, name) name,
#define ES_ID3(id, name, help) id,
#define ES_NAME3(id, name, help) name,
#define ES_COUNT(a) ((int)(sizeof(a) / sizeof *(a)))

/* Index of s in names[0..n) (exact match), or -1. NULL entries never match. */
int es_name_find(const char *const *names, int n, const char *s);

#endif
