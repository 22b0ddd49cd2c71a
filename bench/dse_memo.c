/* dse_memo: the cost plug of the schedule-library searches (bench/dse.c). The searches
 * of one candidate embedding at the buffer probes (smallest, default, largest buffers;
 * same intrinsic shape, bus and timing) visit many of the same schedules, and a
 * schedule's cost does not depend on the buffer sizes once its geometry is derived
 * (the rule dse's library relies on: a library schedule derived at the largest buffers
 * is used unchanged on every design it fits). The only buffer-dependent part of the
 * geometry is the bias plan (bias_alu), so the memo key is the search inputs (tiles,
 * order, double-buffering, reuse) plus bias_alu; the value is the cost model's output
 * fields (sched.loads onwards). A plug also skips the search's exact re-costing of the
 * chosen schedules, which changes their estimates but not which ones are in the top k
 * (the library keeps only the inputs).
 * Invariant: a memo hit returns exactly what cost_vta_plug would return. */
#include "bench/dse_int.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "vta/cost.h"

typedef struct memo_key {
    int64_t tile[EMB_MAX_LOOPS];
    int32_t order[EMB_MAX_LOOPS];
    uint8_t db_load, db_acc, reuse, bias_alu, keep_pad;
    int32_t nloops;
} memo_key;

#define MEMO_OUT_OFF offsetof(sched, loads)
#define MEMO_OUT_LEN (sizeof(sched) - MEMO_OUT_OFF)

typedef struct memo_slot {
    bool used, ok;
    memo_key k;
    unsigned char out[MEMO_OUT_LEN];
} memo_slot;

struct dse_memo {
    memo_slot *t;
    int64_t cap, n;
    int64_t calls, hits;
};

dse_memo *dse_memo_create(void) {
    dse_memo *m = calloc(1, sizeof *m);
    ES_ASSERT(m);
    m->cap = 4096;
    m->t = calloc((size_t)m->cap, sizeof *m->t);
    ES_ASSERT(m->t);
    return m;
}

void dse_memo_destroy(dse_memo *m) {
    if (!m) return;
    free(m->t);
    free(m);
}

void dse_memo_stats(const dse_memo *m, int64_t *calls, int64_t *hits) {
    *calls = m->calls;
    *hits = m->hits;
}

static void key_of(const sched *s, memo_key *k) {
    memset(k, 0, sizeof *k);
    k->nloops = s->nloops;
    memcpy(k->tile, s->tile, (size_t)s->nloops * sizeof s->tile[0]);
    memcpy(k->order, s->order, (size_t)s->nloops * sizeof s->order[0]);
    k->db_load = s->db_load;
    k->db_acc = s->db_acc;
    k->reuse = s->reuse;
    k->bias_alu = s->bias_alu;
    k->keep_pad = s->keep_pad;
}

static int64_t find(const dse_memo *m, const memo_key *k, uint64_t h) {
    int64_t j = (int64_t)(h % (uint64_t)m->cap);
    while (m->t[j].used && memcmp(&m->t[j].k, k, sizeof *k)) j = (j + 1) % m->cap;
    return j;
}

static void grow(dse_memo *m) {
    memo_slot *old = m->t;
    int64_t oc = m->cap;
    m->cap *= 2;
    m->t = calloc((size_t)m->cap, sizeof *m->t);
    ES_ASSERT(m->t);
    for (int64_t i = 0; i < oc; i++)
        if (old[i].used) m->t[find(m, &old[i].k, dse_fnv(DSE_FNV0, &old[i].k, sizeof old[i].k))] = old[i];
    free(old);
}

bool dse_memo_plug(void *ctx, const op *o, const hw_config *hw, const emb_nest *n, sched *s, status *st) {
    dse_memo *m = ctx;
    memo_key k;
    key_of(s, &k);
    uint64_t h = dse_fnv(DSE_FNV0, &k, sizeof k);
    int64_t j = find(m, &k, h);
    m->calls++;
    if (m->t[j].used) {
        m->hits++;
        if (!m->t[j].ok) return status_fail(st, "the cost model cannot cost this schedule (memoized)");
        memcpy((unsigned char *)s + MEMO_OUT_OFF, m->t[j].out, MEMO_OUT_LEN);
        return true;
    }
    bool ok = cost_vta_plug(NULL, o, hw, n, s, st);
    memo_slot *sl = &m->t[j];
    sl->used = true;
    sl->ok = ok;
    sl->k = k;
    if (ok) memcpy(sl->out, (const unsigned char *)s + MEMO_OUT_OFF, MEMO_OUT_LEN);
    if (++m->n * 2 > m->cap) grow(m);
    return ok;
}
