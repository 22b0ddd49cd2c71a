/* status: the three kinds of failure, kept apart (DESIGN section 8.5).
 *  - bad input       -> a `status` filled with "FILE:LINE: message", returned up;
 *  - broken invariant -> ES_ASSERT aborts with the source location;
 *  - solver outcomes  -> ordinary results (see encoders/), never a status.
 * Invariant: a status is either clean (ok) or holds exactly one message (the first). */
#ifndef EMBEDSYN_STATUS_H
#define EMBEDSYN_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#define STATUS_MSG_MAX 1024

typedef struct status {
    bool failed;
    char msg[STATUS_MSG_MAX];
} status;

/* A clean status. */
void status_init(status *st);
/* Record a failure with a free-form message (the first failure wins). Returns false
 * so callers can write `return status_fail(st, ...);` in bool functions. */
bool status_fail(status *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Record "FILE:LINE: message" (line <= 0 prints "FILE: message"). Returns false. */
bool status_fail_at(status *st, const char *file, long line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static inline bool status_ok(const status *st) { return !st->failed; }
/* Context for a failure already recorded: the message becomes "CONTEXT: message"
 * (nothing on a clean status). Returns false, like status_fail. */
bool status_context(status *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Broken invariant: print location and abort. Never used for bad input. */
_Noreturn void es_abort(const char *file, int line, const char *cond);
#define ES_ASSERT(c) ((c) ? (void)0 : es_abort(__FILE__, __LINE__, #c))

/* Overflow-checked 64-bit arithmetic (false on overflow). */
static inline bool es_mul_i64(int64_t a, int64_t b, int64_t *r) { return !__builtin_mul_overflow(a, b, r); }
static inline bool es_add_i64(int64_t a, int64_t b, int64_t *r) { return !__builtin_add_overflow(a, b, r); }
static inline int64_t es_ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
/* Greatest common divisor of |a| and |b| (gcd(0, 0) = 0); binary, without divisions
 * (the cost model calls it per DMA box). */
static inline int64_t es_gcd_i64(int64_t a, int64_t b) {
    uint64_t u = (uint64_t)(a < 0 ? -a : a), v = (uint64_t)(b < 0 ? -b : b);
    if (u == 0) return (int64_t)v;
    if (v == 0) return (int64_t)u;
    int sh = __builtin_ctzll(u | v);
    u >>= __builtin_ctzll(u);
    do {
        v >>= __builtin_ctzll(v);
        if (u > v) {
            uint64_t t = u;
            u = v;
            v = t;
        }
        v -= u;
    } while (v);
    return (int64_t)(u << sh);
}
/* Floor and ceiling of a / b for any signs (b != 0); C division truncates. */
static inline int64_t es_floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}
static inline int64_t es_ceil_div_any(int64_t a, int64_t b) { return -es_floor_div(-a, b); }

#endif
