/* cost_fast: the fast walk of the VTA cost model (see cost.c, cost_int.h).
 * The same tile sequence and the same floating-point operations, in the same order, as
 * the reference walk (cost_ref.c), so the figures are identical bit for bit. It is
 * faster because:
 * - the walk is one loop over a mixed-radix counter (no recursion): the per-level
 *   facts of a tile (class bits, carry level, first/last reduction tile, position keys)
 *   are prefix values recomputed only from the level that changed;
 * - the counters live in a local structure apart from the token rings, and a level keeps
 *   only the counters the warp reads from its next-to-last explicit iteration;
 * - the queues are power-of-two rings, and the queues L2C and C2S need none: each is
 *   popped by the group right after the one that pushes (the tile's GEMM, its STORE),
 *   so the time passes directly;
 * - per-class quotients duration / instructions are precomputed, the instruction count
 *   is mirrored in a double (exact below 2^53: no conversions), and a one-instruction
 *   group skips the reference's second sum (t >= first = last, so t + dur is the
 *   maximum: rounding is monotonic);
 * - a program without padded operands or exact DMA takes a copy of the loop that
 *   carries no tile indices or position keys; in the other copy a load batch calls out
 *   only on a padded-load cache miss (cost_int_load is inline for the other cases);
 * - nothing on the way is cleared or copied by a constant-size memset / struct copy:
 *   `rep stos` start-up and 16-byte loads of just-stored 8-byte fields (store
 *   forwarding fails) each cost more than a tile.
 * Invariant: a pure function of the context; deterministic. */
#include <string.h>

#include "vta/cost.h"
#include "vta/cost_int.h"

typedef struct fw_rings {
    double tok[2][CM_RING];   /* C2L, S2C */
    unsigned head[2], cnt[2];
} fw_rings;

enum { R_C2L = 0, R_S2C = 1 };

#define FW_MASK (CM_RING - 1u)
#define FW_INLINE static inline __attribute__((always_inline))

FW_INLINE void fw_push(fw_rings *restrict r, int q, double t) {
    if (r->cnt[q] == CM_RING) {
        r->head[q] = (r->head[q] + 1) & FW_MASK;
        r->cnt[q]--;
    }
    r->tok[q][(r->head[q] + r->cnt[q]) & FW_MASK] = t;
    r->cnt[q]++;
}

/* The oldest pending token, or 0 (none; t >= first > 0, so a maximum with 0 changes
 * nothing, as a group without a pop). */
FW_INLINE double fw_pop(fw_rings *restrict r, int q) {
    if (r->cnt[q] == 0) return 0;
    double t = r->tok[q][r->head[q]];
    r->head[q] = (r->head[q] + 1) & FW_MASK;
    r->cnt[q]--;
    return t;
}

typedef struct fw_state {
    cm_counters s;
    double insd;              /* (double)s.insns */
    double last_gemm;
} fw_state;

/* g >= 1 instructions on module m waiting for token time tok (0: none); durq = dur / g.
 * The reference's (double)(insns + 1) and (double)(insns + g) are insd + 1 and insd + g
 * exactly. Returns the end time. */
FW_INLINE double fw_group(double fc, fw_state *restrict z, int m, double tok, double dur, int64_t g, double durq) {
    double gd = (double)g, i0 = z->insd;
    double first = (i0 + 1.0) * fc, last = (i0 + gd) * fc;
    z->insd = i0 + gd;
    z->s.insns += g;
    double t = cost_int_max(z->s.clk[m], first);
    t = cost_int_max(t, tok);
    double end = cost_int_max(t + dur, last + durq);
    z->s.clk[m] = end;
    z->s.busy[m] += dur;
    return end;
}

/* A one-instruction group (the GEMM). */
FW_INLINE double fw_group1(double fc, fw_state *restrict z, int m, double tok, double dur) {
    double first = (z->insd + 1.0) * fc;
    z->insd += 1.0;
    z->s.insns++;
    double t = cost_int_max(z->s.clk[m], first);
    t = cost_int_max(t, tok);
    double end = t + dur;
    z->s.clk[m] = end;
    z->s.busy[m] += dur;
    return end;
}

/* The output tile's header when it is not the class table's (exact DMA, bias tile):
 * duration, instructions (g), bias bytes added to *bytes. */
static double fw_head_slow(cm_ctx *restrict c, const cm_class *cl, int p, const int64_t *idx, int64_t *g,
                           double *bytes) {
    double dur = cl->head;
    *g = cl->headi;
    if (c->exact && c->bias_load_acc) cost_int_box_exact(c, EMB_ACC, HW_MEM_ACC, false, idx, &dur, g);
    if (c->bias_tile_i && c->bias_alu_reload[p + 1]) {
        dur += c->bias_tile;
        *g += c->bias_tile_i;
        *bytes += c->bias_tile_bytes;
    }
    return dur;
}

/* The facts of a tile that the levels down to some depth fix (see cost_ref.c's walk). */
typedef struct fw_pre {
    int k, p;                 /* class bits, carry level */
    bool fr, lr;              /* first / last tile of the reduction loops */
    int64_t pk[2];            /* position keys of the padded operands' levels */
} fw_pre;

/* One tile (see cost_ref.c's tile). lean: no padded operand and no exact DMA (idx and
 * the position keys unused). */
FW_INLINE void fw_tile(cm_ctx *restrict c, fw_state *restrict z, fw_rings *restrict r, const fw_pre *t,
                       const int64_t *idx, const bool lean) {
    const cm_class *cl = &c->cls[t->k];
    double fc = c->fc;
    int p = t->p;
    if (t->fr) {
        int64_t qi = z->s.q++;
        double tok = qi >= c->Dacc ? fw_pop(r, R_S2C) : 0;
        z->s.bytes[2] += cl->headb;
        if (c->head_table[p + 1]) {
            fw_group(fc, z, M_COMP, tok, cl->head, cl->headg, cl->headq);
        } else {
            int64_t g;
            double more = 0, dur = fw_head_slow(c, cl, p, idx, &g, &more);
            if (more != 0) z->s.bytes[2] += more;
            double q = cost_int_quot(dur, &g);
            fw_group(fc, z, M_COMP, tok, dur, g, q);
        }
    }
    int lm = c->touch[p + 1];
    if (lm & c->same[p + 1]) lm = cost_int_touched(c, p, t->k);
    if (lm) {
        int64_t bi = z->s.b++;
        if (bi > 0 && bi - 1 <= c->c2l_last) fw_push(r, R_C2L, z->last_gemm);
        double tok = bi >= c->D ? fw_pop(r, R_C2L) : 0, l2c;
        if (lean) {
            if (lm & 1) {
                z->s.bytes[0] += cl->ldb[0];
                z->s.loads[0]++;
            }
            if (lm & 2) {
                z->s.bytes[1] += cl->ldb[1];
                z->s.loads[1]++;
            }
            l2c = fw_group(fc, z, M_LOAD, tok, cl->lds[lm], cl->ldg[lm], cl->ldq[lm]);
        } else {
            double dur = 0;
            int64_t g = 0;
            for (int x = 0; x < 2; x++)
                if (lm >> x & 1) {
                    double d;
                    int64_t gi;
                    cost_int_load(c, t->k, x, t->k * c->pow3[x] + t->pk[x], idx, &d, &gi);
                    z->s.bytes[x] += cl->ldb[x];
                    z->s.loads[x]++;
                    dur += d;
                    g += gi;
                }
            double q = cost_int_quot(dur, &g);
            l2c = fw_group(fc, z, M_LOAD, tok, dur, g, q);
        }
        z->last_gemm = fw_group1(fc, z, M_COMP, l2c, cl->gemm);
    } else {
        z->last_gemm = fw_group1(fc, z, M_COMP, 0, cl->gemm);
    }
    if (t->lr) {
        int64_t qi = z->s.q - 1;
        double c2s = fw_group(fc, z, M_COMP, 0, cl->epi, cl->epig, cl->epiq), end;
        z->s.bytes[3] += cl->stob;
        if (!lean && c->exact) {
            double sto = cl->sto;
            int64_t stoi = cl->stoi;
            cost_int_box_exact(c, EMB_ACC, HW_MEM_OUT, true, idx, &sto, &stoi);
            double q = cost_int_quot(sto, &stoi);
            end = fw_group(fc, z, M_STORE, c2s, sto, stoi, q);
        } else {
            end = fw_group(fc, z, M_STORE, c2s, cl->sto, cl->stog, cl->stoq);
        }
        if (qi <= c->s2c_last || qi == c->Q - 1) fw_push(r, R_S2C, end);
    }
}

/* The counters warped, then the pending tokens by their producer's shift (C2L: compute,
 * S2C: store). */
FW_INLINE void fw_warp(fw_state *restrict z, fw_rings *restrict r, const cm_counters *a, int64_t times) {
    double d[3];
    cost_int_warp(&z->s, a, times, d);
    z->insd = (double)z->s.insns;
    const int producer[2] = {M_COMP, M_STORE};
    for (int q = 0; q < 2; q++) {
        double dq = d[producer[q]];
        for (unsigned i = 0; i < r->cnt[q]; i++) r->tok[q][(r->head[q] + i) & FW_MASK] += dq;
    }
    z->last_gemm += d[M_COMP];
}

/* *d = *s one 8-byte word at a time through a register. s was just written field by
 * field; a plain struct copy reads it with 16-byte loads, each spanning two pending
 * 8-byte stores, which the CPU cannot forward (a stall of the whole walk). */
FW_INLINE void fw_snap(cm_counters *restrict d, const cm_counters *restrict s) {
    _Static_assert(sizeof *s == 15 * 8, "cm_counters is 15 8-byte words");
    const unsigned char *from = (const unsigned char *)s;
    unsigned char *to = (unsigned char *)d;
#define FW_WORD(i)                                                                     \
    do {                                                                               \
        uint64_t w;                                                                    \
        memcpy(&w, from + 8 * (i), 8);                                                 \
        __asm__("" : "+r"(w)); /* a register: no vector copy */                        \
        memcpy(to + 8 * (i), &w, 8);                                                   \
    } while (0)
    FW_WORD(0); FW_WORD(1); FW_WORD(2); FW_WORD(3); FW_WORD(4);
    FW_WORD(5); FW_WORD(6); FW_WORD(7); FW_WORD(8); FW_WORD(9);
    FW_WORD(10); FW_WORD(11); FW_WORD(12); FW_WORD(13); FW_WORD(14);
#undef FW_WORD
}

/* Level i at iteration v applied to the facts of the outer levels. */
FW_INLINE void fw_apply(const cm_ctx *c, int i, int64_t v, const fw_pre *o, fw_pre *t, int64_t *idx, const bool lean) {
    const cm_level *L = &c->lev[i];
    bool is_last = v == L->count - 1;
    t->k = is_last ? o->k | L->lastbit : o->k;
    t->p = v == 0 ? o->p : i;
    t->fr = o->fr && (!L->red || v == 0);
    t->lr = o->lr && (!L->red || is_last);
    if (!lean) {
        int64_t stv = is_last ? 2 : v > 0;
        for (int x = 0; x < 2; x++) t->pk[x] = c->plev[x] >> i & 1 ? o->pk[x] * 3 + stv : o->pk[x];
        idx[L->loop] = v;
    }
}

/* Every tile of the level sequence: the levels' iterations as a mixed-radix counter.
 * A level of more than CM_EXPLICIT + 1 iterations keeps the counters after its last two
 * iterations; after iteration CM_EXPLICIT_MIN - 1 or later, when that iteration changed
 * them as the one before (cost_int_steady), and at the latest after iteration
 * CM_EXPLICIT - 1, it warps the middle ones and continues with its last. */
FW_INLINE void fw_run(cm_ctx *restrict c, fw_state *restrict z, fw_rings *restrict r, const bool lean) {
    int nl = c->nlev;
    int64_t v[EMB_MAX_LOOPS], idx[EMB_MAX_LOOPS];
    for (int i = 0; i < nl; i++) v[i] = 0; /* loops, not array initializers (see above) */
    for (int l = 0; l < c->n->nloops; l++) idx[l] = 0;
    fw_pre pre[EMB_MAX_LOOPS + 1];
    /* per level, the counters after its previous iteration and the one before: snap[i][par[i]] the
     * newer (a parity flip instead of a copy) */
    cm_counters snap[EMB_MAX_LOOPS][2];
    unsigned char par[EMB_MAX_LOOPS];
    for (int i = 0; i < nl; i++) par[i] = 0;
    pre[0] = (fw_pre){0, -1, true, true, {0, 0}};
    int j = 0; /* the outermost level whose iteration changed */
    for (;;) {
        for (int i = j; i < nl; i++) fw_apply(c, i, v[i], &pre[i], &pre[i + 1], idx, lean);
        fw_tile(c, z, r, &pre[nl], idx, lean);
        int i = nl - 1;
        for (; i >= 0; i--) {
            int64_t cnt = c->lev[i].count, nv = v[i] + 1;
            if (!c->exact && cnt > CM_EXPLICIT + 1 && nv < cnt) { /* v[i] = nv - 1 done, not the last */
                cm_counters *a = &snap[i][par[i]], *b = &snap[i][par[i] ^ 1];
                if (cost_int_warp_now(nv - 1, &z->s, a, b)) {
                    fw_warp(z, r, a, cnt - nv - 1); /* iterations nv .. cnt-2 */
                    nv = cnt - 1;
                } else {
                    fw_snap(b, &z->s);
                    par[i] ^= 1;
                }
            }
            if (nv < cnt) {
                v[i] = nv;
                break;
            }
            v[i] = 0;
        }
        if (i < 0) return;
        j = i;
    }
}

static void fw_run_lean(cm_ctx *c, fw_state *z, fw_rings *r) { fw_run(c, z, r, true); }
static void fw_run_full(cm_ctx *c, fw_state *z, fw_rings *r) { fw_run(c, z, r, false); }

void cost_int_walk_fast(cm_ctx *c, cm_counters *res) {
    fw_state z;
    fw_rings r; /* empty rings: a token is written before it is read */
    cost_int_zero(&z, sizeof z);
    for (int q = 0; q < 2; q++) r.head[q] = r.cnt[q] = 0;
    fw_group(c->fc, &z, M_COMP, 0, c->uop, 1, c->uop);
    if (!c->padded[0] && !c->padded[1] && !c->exact)
        fw_run_lean(c, &z, &r);
    else
        fw_run_full(c, &z, &r);
    fw_group(c->fc, &z, M_COMP, fw_pop(&r, R_S2C), 0, 1, 0); /* FINISH */
    fw_snap(res, &z.s);
}
