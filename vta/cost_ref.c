/* cost_ref: the reference walk of the VTA cost model (see cost_int.h): the tile
 * sequence as a mixed-radix counter over the levels, each level's first CM_EXPLICIT
 * iterations walked, the middle ones warped (see cost.c), the last one walked, every
 * tile one call stepping its instruction groups through a full copy of the state. The
 * fast walk of cost.c must give the same figures bit for bit (tests/test_cost_fast.c).
 * Invariant: a pure function of the context; deterministic. */
#include <string.h>

#include "vta/cost.h"
#include "vta/cost_int.h"

typedef struct cm_state {
    cm_counters s;
    double tok[4][CM_RING];   /* pending token push times, FIFO */
    int head[4], cnt[4];
    double last_gemm;         /* end of the last GEMM (c2l push of its batch period) */
} cm_state;

static void tok_push(cm_state *z, int q, double t) {
    if (z->cnt[q] == CM_RING) { /* more pending than a protocol keeps: drop the oldest */
        z->head[q] = (z->head[q] + 1) % CM_RING;
        z->cnt[q]--;
    }
    z->tok[q][(z->head[q] + z->cnt[q]) % CM_RING] = t;
    z->cnt[q]++;
}

static double tok_pop(cm_state *z, int q) {
    if (z->cnt[q] == 0) return 0;
    double t = z->tok[q][z->head[q]];
    z->head[q] = (z->head[q] + 1) % CM_RING;
    z->cnt[q]--;
    return t;
}

/* A group of g instructions on module m lasting dur; pops queue pop first (-1: none),
 * pushes queue push at the end (-1: none). Returns the end time. */
static double group(const cm_ctx *c, cm_state *z, int m, int pop, int push, double dur, int64_t g) {
    if (g < 1) g = 1;
    double first = (double)(z->s.insns + 1) * c->fc, last = (double)(z->s.insns + g) * c->fc;
    z->s.insns += g;
    double t = cost_int_max(z->s.clk[m], first);
    if (pop >= 0) t = cost_int_max(t, tok_pop(z, pop));
    double end = cost_int_max(t + dur, last + dur / (double)g);
    z->s.clk[m] = end;
    z->s.busy[m] += dur;
    if (push >= 0) tok_push(z, push, end);
    return end;
}

/* The position keys of the operands' loads for the tile at idx. */
static void keys_of(const cm_ctx *c, int k, const int64_t *idx, int64_t *key) {
    for (int x = 0; x < 2; x++) {
        key[x] = k;
        for (int j = 0; j < c->nlev; j++)
            if (c->plev[x] >> j & 1) {
                int64_t v = idx[c->lev[j].loop], st = v == c->lev[j].count - 1 ? 2 : v > 0;
                key[x] = key[x] * 3 + st;
            }
    }
}

/* One tile: class k, carry at level p (operands loaded per cost_int_touched, bias per
 * c->bias_alu_reload). */
static void tile(cm_ctx *c, cm_state *z, int k, int p, bool first_red, bool last_red, const int64_t *idx) {
    const cm_class *cl = &c->cls[k];
    int64_t qi = z->s.q;
    if (first_red) {
        z->s.q++;
        double dur = cl->head;
        int64_t g = cl->headi;
        if (c->exact && c->bias_load_acc) cost_int_box_exact(c, EMB_ACC, HW_MEM_ACC, false, idx, &dur, &g);
        z->s.bytes[2] += cl->headb;
        if (c->bias_tile_i && c->bias_alu_reload[p + 1]) {
            dur += c->bias_tile;
            g += c->bias_tile_i;
            z->s.bytes[2] += c->bias_tile_bytes;
        }
        group(c, z, M_COMP, qi >= c->Dacc ? Q_S2C : -1, -1, dur, g);
    }
    int lm = cost_int_touched(c, p, k);
    bool loads = lm != 0;
    int64_t bi = z->s.b;
    if (loads) {
        /* the previous batch period ended with the last GEMM: its compute->load token */
        if (bi > 0 && bi - 1 <= c->B - 1 - c->D) tok_push(z, Q_C2L, z->last_gemm);
        z->s.b++;
        double dur;
        int64_t g, key[2];
        keys_of(c, k, idx, key);
        cost_int_batch(c, &z->s, k, lm, key, idx, &dur, &g);
        group(c, z, M_LOAD, bi >= c->D ? Q_C2L : -1, Q_L2C, dur, g);
    }
    z->last_gemm = group(c, z, M_COMP, loads ? Q_L2C : -1, -1, cl->gemm, 1);
    if (last_red) {
        qi = z->s.q - 1;
        group(c, z, M_COMP, -1, Q_C2S, cl->epi, cl->epii);
        bool push = qi <= c->Q - 1 - c->Dacc || qi == c->Q - 1;
        double sto = cl->sto;
        int64_t stoi = cl->stoi;
        if (c->exact) cost_int_box_exact(c, EMB_ACC, HW_MEM_OUT, true, idx, &sto, &stoi);
        z->s.bytes[3] += cl->stob;
        group(c, z, M_STORE, Q_C2S, push ? Q_S2C : -1, sto, stoi);
    }
}

/* The counters and every pending token advanced (see cost_int_warp). */
static void warp(cm_state *z, const cm_state *a, int64_t times) {
    double d[3];
    cost_int_warp(&z->s, &a->s, times, d);
    static const int producer[4] = {M_LOAD, M_COMP, M_COMP, M_STORE};
    for (int q = 0; q < 4; q++)
        for (int i = 0; i < z->cnt[q]; i++) z->tok[q][(z->head[q] + i) % CM_RING] += d[producer[q]];
    z->last_gemm += d[M_COMP];
}

/* Level i of the walk: every iteration of its loop, the inner levels inside. */
static void walk(cm_ctx *c, cm_state *z, int i, int p, int k, bool fr, bool lr, int64_t *idx) {
    if (i == c->nlev) {
        tile(c, z, k, p, fr, lr, idx);
        return;
    }
    const cm_level *L = &c->lev[i];
    cm_state s1, s0; /* after the previous iteration and the one before it */
    memset(&s1, 0, sizeof s1);
    memset(&s0, 0, sizeof s0);
    bool warps = !c->exact && L->count > CM_EXPLICIT + 1;
    for (int64_t v = 0; v < L->count; v++) {
        bool is_last = v == L->count - 1;
        int kk = k | (is_last && L->vbit >= 0 ? 1 << L->vbit : 0);
        bool f = fr && (!L->red || v == 0), l = lr && (!L->red || is_last);
        idx[L->loop] = v;
        walk(c, z, i + 1, v == 0 ? p : i, kk, f, l, idx);
        if (!warps || v == L->count - 1) continue;
        if (cost_int_warp_now(v, &z->s, &s1.s, &s0.s)) {
            warp(z, &s1, L->count - v - 2); /* iterations v+1 .. count-2 */
            v = L->count - 2;
        } else {
            s0 = s1;
            s1 = *z;
        }
    }
}

void cost_int_walk_ref(cm_ctx *c, cm_counters *r) {
    cm_state z;
    memset(&z, 0, sizeof z);
    group(c, &z, M_COMP, -1, -1, c->uop, 1);
    int64_t idx[EMB_MAX_LOOPS] = {0};
    walk(c, &z, 0, -1, 0, true, true, idx);
    group(c, &z, M_COMP, Q_S2C, -1, 0, 1); /* FINISH */
    *r = z.s;
}
