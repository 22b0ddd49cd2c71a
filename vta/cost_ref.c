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
    double clk[3];            /* module free times */
    double busy[3];
    double tok[4][CM_RING];   /* pending token push times, FIFO */
    int head[4], cnt[4];
    double last_gemm;         /* end of the last GEMM (c2l push of its batch period) */
    int64_t insns, b, q;      /* instructions dispatched, batches and out tiles begun */
    int64_t loads[2];
    double bytes[4];          /* DRAM bytes: inp, wgt, acc (bias), out */
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
    double first = (double)(z->insns + 1) * c->fc, last = (double)(z->insns + g) * c->fc;
    z->insns += g;
    double t = cost_int_max(z->clk[m], first);
    if (pop >= 0) t = cost_int_max(t, tok_pop(z, pop));
    double end = cost_int_max(t + dur, last + dur / (double)g);
    z->clk[m] = end;
    z->busy[m] += dur;
    if (push >= 0) tok_push(z, push, end);
    return end;
}

/* The load of operand x for the tile at idx: position key, then the shared cache. */
static void load_of(cm_ctx *c, int k, int x, const int64_t *idx, double *dur, int64_t *g) {
    int64_t key = k;
    for (int j = 0; j < c->nlev; j++)
        if (c->plev[x] >> j & 1) {
            int64_t v = idx[c->lev[j].loop], st = v == c->lev[j].count - 1 ? 2 : v > 0;
            key = key * 3 + st;
        }
    cost_int_load(c, k, x, key, idx, dur, g);
}

/* One tile: class k, carry at level p (operands/bias reloaded per c->touch[p]). */
static void tile(cm_ctx *c, cm_state *z, int k, int p, bool first_red, bool last_red, const int64_t *idx) {
    const cm_class *cl = &c->cls[k];
    int64_t qi = z->q;
    if (first_red) {
        z->q++;
        double dur = cl->head;
        int64_t g = cl->headi;
        if (c->exact && c->bias_load_acc) cost_int_box_exact(c, EMB_ACC, HW_MEM_ACC, false, idx, &dur, &g);
        z->bytes[2] += cl->headb;
        if (c->bias_tile_i && c->bias_alu_reload[p + 1]) {
            dur += c->bias_tile;
            g += c->bias_tile_i;
            z->bytes[2] += c->bias_tile_bytes;
        }
        group(c, z, M_COMP, qi >= c->Dacc ? Q_S2C : -1, -1, dur, g);
    }
    int lm = c->touch[p + 1];
    bool loads = lm != 0;
    int64_t bi = z->b;
    if (loads) {
        /* the previous batch period ended with the last GEMM: its compute->load token */
        if (bi > 0 && bi - 1 <= c->B - 1 - c->D) tok_push(z, Q_C2L, z->last_gemm);
        z->b++;
        double dur = 0;
        int64_t g = 0;
        for (int x = 0; x < 2; x++)
            if (lm >> x & 1) {
                double d;
                int64_t gi;
                load_of(c, k, x, idx, &d, &gi);
                z->bytes[x] += cl->ldb[x];
                dur += d;
                g += gi;
                z->loads[x]++;
            }
        group(c, z, M_LOAD, bi >= c->D ? Q_C2L : -1, Q_L2C, dur, g);
    }
    z->last_gemm = group(c, z, M_COMP, loads ? Q_L2C : -1, -1, cl->gemm, 1);
    if (last_red) {
        qi = z->q - 1;
        group(c, z, M_COMP, -1, Q_C2S, cl->epi, cl->epii);
        bool push = qi <= c->Q - 1 - c->Dacc || qi == c->Q - 1;
        double sto = cl->sto;
        int64_t stoi = cl->stoi;
        if (c->exact) cost_int_box_exact(c, EMB_ACC, HW_MEM_OUT, true, idx, &sto, &stoi);
        z->bytes[3] += cl->stob;
        group(c, z, M_STORE, Q_C2S, push ? Q_S2C : -1, sto, stoi);
    }
}

/* Advances z by `times` more iterations like the last one, which took the state from
 * a to z (see cost.c). */
static void warp(cm_state *z, const cm_state *a, int64_t times) {
    double lam = 0, d[3], k = (double)times;
    for (int m = 0; m < 3; m++)
        if (z->busy[m] > a->busy[m]) lam = cost_int_max(lam, z->clk[m] - a->clk[m]);
    for (int m = 0; m < 3; m++) {
        d[m] = z->busy[m] > a->busy[m] ? lam * k : 0;
        z->busy[m] += (z->busy[m] - a->busy[m]) * k;
        z->clk[m] += d[m];
    }
    static const int producer[4] = {M_LOAD, M_COMP, M_COMP, M_STORE};
    for (int q = 0; q < 4; q++)
        for (int i = 0; i < z->cnt[q]; i++) z->tok[q][(z->head[q] + i) % CM_RING] += d[producer[q]];
    z->last_gemm += d[M_COMP];
    z->insns += (z->insns - a->insns) * times;
    z->b += (z->b - a->b) * times;
    z->q += (z->q - a->q) * times;
    for (int x = 0; x < 2; x++) z->loads[x] += (z->loads[x] - a->loads[x]) * times;
    for (int x = 0; x < 4; x++) z->bytes[x] += (z->bytes[x] - a->bytes[x]) * k;
}

/* Level i of the walk: every iteration of its loop, the inner levels inside. */
static void walk(cm_ctx *c, cm_state *z, int i, int p, int k, bool fr, bool lr, int64_t *idx) {
    if (i == c->nlev) {
        tile(c, z, k, p, fr, lr, idx);
        return;
    }
    const cm_level *L = &c->lev[i];
    cm_state s1;
    for (int64_t v = 0; v < L->count; v++) {
        bool is_last = v == L->count - 1;
        int kk = k | (is_last && L->vbit >= 0 ? 1 << L->vbit : 0);
        bool f = fr && (!L->red || v == 0), l = lr && (!L->red || is_last);
        idx[L->loop] = v;
        walk(c, z, i + 1, v == 0 ? p : i, kk, f, l, idx);
        if (L->count > CM_EXPLICIT + 1 && v == CM_EXPLICIT - 2) s1 = *z;
        if (L->count > CM_EXPLICIT + 1 && v == CM_EXPLICIT - 1) {
            warp(z, &s1, L->count - CM_EXPLICIT - 1);
            v = L->count - 2;
        }
    }
}

void cost_int_walk_ref(cm_ctx *c, cm_result *r) {
    cm_state z;
    memset(&z, 0, sizeof z);
    group(c, &z, M_COMP, -1, -1, c->uop, 1);
    int64_t idx[EMB_MAX_LOOPS] = {0};
    walk(c, &z, 0, -1, 0, true, true, idx);
    group(c, &z, M_COMP, Q_S2C, -1, 0, 1); /* FINISH */
    memcpy(r->clk, z.clk, sizeof r->clk);
    memcpy(r->busy, z.busy, sizeof r->busy);
    r->insns = z.insns;
    r->loads[0] = z.loads[0];
    r->loads[1] = z.loads[1];
    memcpy(r->bytes, z.bytes, sizeof r->bytes);
}
