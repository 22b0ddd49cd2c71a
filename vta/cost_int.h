/* cost_int: internals of the VTA cost model shared by its fast walk (cost.c) and the
 * straightforward reference walk (cost_ref.c) that tests hold the fast one to, bit for
 * bit. Not a public interface: only vta/cost*.c include it.
 * Invariant: both walks read the same context (class tables, levels, tokens) and the
 * same position-dependent load costs (cost_int_load), so they can only differ in how
 * they step through the tiles. */
#ifndef EMBEDSYN_VTA_COST_INT_H
#define EMBEDSYN_VTA_COST_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/emb.h"
#include "vta/hw.h"
#include "vta/dma.h"
#include "vta/sched_tile.h"

#define CM_MAXV 6          /* variant (partially tiled) loops with their own class bit */
#define CM_RING 8          /* pending tokens per queue */
#define CM_EXACT_TILES 256 /* programs up to this many tiles, no warp: DMA at real addresses */
#define CM_EXPLICIT 4      /* most iterations of a level walked before the middle ones are warped */
#define CM_EXPLICIT_MIN 3  /* fewest: the warp comes after iteration 2 already when iterations 1 and 2
                            * changed every counter by the same amounts (a steady state) */
#define CM_CACHE 64        /* position-dependent load costs per operand */

enum { Q_L2C = 0, Q_C2L = 1, Q_C2S = 2, Q_S2C = 3 };
enum { M_LOAD = 0, M_COMP = 1, M_STORE = 2 };

/* Costs of one tile class. */
typedef struct cm_class {
    double gemm;              /* GEMM duration */
    double ld[2];             /* INP / WGT box load durations */
    int64_t ldi[2];           /* and instructions */
    double head, epi, sto;    /* output tile: header (compute), ALU epilogue, store */
    int64_t headi, epii, stoi;
    double ldb[2], headb, stob; /* DRAM bytes of the INP/WGT loads, bias LOAD ACC, store */
    /* for the fast walk: instruction counts at least 1 and duration / count */
    int64_t headg, epig, stog;
    double headq, epiq, stoq;
    double lds[4], ldq[4];    /* load batch of the operands in bit mask lm: duration, / count */
    int64_t ldg[4];
    lower_dma_stats ds[2];    /* the INP / WGT box's DMA decomposition */
} cm_class;

typedef struct cm_level {
    int loop;                 /* nest loop */
    int64_t count;            /* tiles */
    int vbit;                 /* class bit when the last tile is partial, else -1 */
    int lastbit;              /* 1 << vbit, or 0 (for the fast walk) */
    bool red;                 /* reduction loop */
} cm_level;

typedef struct cm_ctx {
    const hw_config *hw;
    const emb_nest *n;
    const sched *s;
    bool padded[2];           /* INP / WGT get zero padding from the DMA */
    bool exact;               /* small program: DMA costs at the real DRAM addresses */
    bool bias_load_acc;       /* the bias initializes ACC by LOAD ACC (no reset GEMM) */
    int64_t base[5], zbase[2];/* element base of regions inp, wgt, (uop,) bias, out; zero areas */
    bool al_ok[4];            /* al_step / al_r0 known for inp, wgt, out (STORE), bias (LOAD ACC) */
    int64_t al_step[4], al_r0[4]; /* DRAM alignment of those boxes over all tiles (cost.c box_align) */
    int64_t tstep[2][EMB_MAX_LOOPS]; /* DRAM elements between the INP / WGT boxes of consecutive
                                      * tiles of each nest loop */
    int plev[2];              /* levels moving a DMA-padded axis of INP / WGT (bits) */
    int64_t pow3[2];          /* 3^(number of levels in plev[x]) */
    int vbit[EMB_MAX_LOOPS];  /* class bit of a nest loop whose last tile is partial, or -1 */
    int64_t ntl[EMB_MAX_LOOPS]; /* tiles of each nest loop */
    cm_level lev[EMB_MAX_LOOPS];
    int nlev;
    int touch[EMB_MAX_LOOPS + 1]; /* operands (bit x) whose box moves when the carry is at level p */
    int same[EMB_MAX_LOOPS + 1];  /* of those, the ones whose box lands where it was (codegen
                                   * loads nothing: cost_int_touched) */
    int same_k[EMB_MAX_LOOPS + 1][2]; /* class bits that break that (level p's partial last tile) */
    bool bias_alu_reload[EMB_MAX_LOOPS + 1];
    bool head_table[EMB_MAX_LOOPS + 1]; /* the header is the class table's (no bias tile, not exact) */
    int64_t c2l_last, s2c_last; /* last batch / out tile whose slot frees for a later one (B-1-D, Q-1-Dacc) */
    int64_t B, Q;
    int D, Dacc;
    double fc;
    double uop;               /* LOAD UOP duration */
    double bias_tile, bias_tile_bytes; /* bias-by-ALU tile load duration, bytes */
    int64_t bias_tile_i;
    /* not cleared per evaluation: */
    int64_t ckey[2][CM_CACHE];/* position-dependent load costs: key + 1, 0 empty (cleared when used) */
    double cval[2][CM_CACHE];
    int64_t cins[2][CM_CACHE];
    cm_class cls[1 << CM_MAXV]; /* filled for the 2^nv classes in use */
} cm_ctx;

/* The counters of a walk's state (what a warp advances). */
typedef struct cm_counters {
    double clk[3], busy[3];   /* module free times, busy cycles */
    int64_t insns, b, q;      /* instructions dispatched, batches and out tiles begun */
    int64_t loads[2];         /* INP / WGT tile loads */
    double bytes[4];          /* DRAM bytes: inp, wgt, acc (bias), out */
} cm_counters;

/* Cycles of n DRAM rows of len bytes at a, a + stride, ..., as the simulator counts
 * them (bursts and beats of every row), in O(log) per call when a burst can hold a
 * whole boundary chunk (max_burst_beats >= burst_boundary / bus: every VTA here),
 * else row by row. */
double cost_int_rows_exact(const hw_config *hw, uint64_t a, uint64_t stride, uint64_t n, uint64_t len);
/* cost_int_load's cases beyond the class table and a cached padded load: the load at
 * the real DRAM address (exact), and a padded load not yet cached. */
void cost_int_load_slow(cm_ctx *c, int k, int x, int64_t key, const int64_t *idx, double *dur, int64_t *g);
/* The box of operand x (memory mem) for the tile at idx at its real DRAM address, as
 * the simulator times it. */
bool cost_int_box_exact(const cm_ctx *c, emb_operand x, hw_mem mem, bool store, const int64_t *idx, double *cyc,
                        int64_t *g);
/* The load batch of the operands in bit mask lm for the tile at idx of class k (key[x]:
 * the position key of operand x): duration and instructions summed in operand order;
 * z's loads and bytes counted. */
void cost_int_batch(cm_ctx *c, cm_counters *z, int k, int lm, const int64_t *key, const int64_t *idx, double *dur,
                    int64_t *g);
/* The stall cycles the walk's mean DMA costs miss (cost_var.c): 0, or when loads and
 * GEMMs are balanced and a tile's load cost depends on its DRAM address, the extra
 * time of the load/GEMM pipeline over a window of tiles with every load at its real
 * address, scaled to all tiles. For the estimates at real addresses (EST_EXACT) of
 * programs too large to walk at them. */
double cost_int_variation(cm_ctx *c);
/* cost_int_load's cache of the position-dependent load costs of padded operand x: the
 * slot of key, and whether it holds key (then *dur, *g are its cost). */
static inline unsigned cost_int_cache_slot(int64_t key) { return (unsigned)(((uint64_t)key * 0x9E3779B97F4A7C15ull) >> 58); }
static inline bool cost_int_load_cached(const cm_ctx *c, int x, int64_t key, double *dur, int64_t *g) {
    unsigned h = cost_int_cache_slot(key);
    if (c->ckey[x][h] != key + 1) return false;
    *dur = c->cval[x][h];
    *g = c->cins[x][h];
    return true;
}
/* Load duration and instructions of operand x for the tile at idx (tile index per nest
 * loop) of class k. key: for an operand with DMA padding, the class and the position
 * (first, middle, last) of every level moving a padded axis (see cost_ref.c).
 * Inline for the common cases (the class table, a cached padded load): in the fast
 * walk a call per tile spills the walk's whole state. */
static inline void cost_int_load(cm_ctx *c, int k, int x, int64_t key, const int64_t *idx, double *dur, int64_t *g) {
    if (!c->exact) {
        if (!c->padded[x]) {
            *dur = c->cls[k].ld[x];
            *g = c->cls[k].ldi[x];
            return;
        }
        if (cost_int_load_cached(c, x, key, dur, g)) return;
    }
    cost_int_load_slow(c, k, x, key, idx, dur, g);
}

/* The reference walk: every tile of the level sequence, one group at a time. */
void cost_int_walk_ref(cm_ctx *c, cm_counters *r);
/* The fast walk (cost_fast.c): the same figures bit for bit. */
void cost_int_walk_fast(cm_ctx *c, cm_counters *r);

static inline double cost_int_max(double a, double b) { return a > b ? a : b; }

/* memset(p, 0, n) through the C library. A memset of constant size is inlined as
 * `rep stos`, whose start-up is a large part of a model evaluation; the library's
 * vector stores are not. */
static inline void cost_int_zero(void *p, size_t n) {
    __asm__("" : "+r"(n)); /* the size is no longer a constant */
    memset(p, 0, n);
}

/* The operands (bit x) the tile of class k whose carry is at level p (-1: the first
 * tile) loads: those whose box moved, less those whose box is the previous tile's
 * again (a carry that moves the box forward by exactly what the inner levels moved it
 * back, e.g. a strided conv's input row when the kernel row wraps: codegen compares
 * the boxes and loads nothing), unless the extents differ (k has a partial tile of
 * level p that the box depends on). */
static inline int cost_int_touched(const cm_ctx *c, int p, int k) {
    int lm = c->touch[p + 1], sm = lm & c->same[p + 1];
    for (int x = 0; x < 2; x++)
        if ((sm >> x & 1) && !(k & c->same_k[p + 1][x])) lm &= ~(1 << x);
    return lm;
}

/* g >= 1 instructions of duration dur: dur / g, as the groups of the walks divide. */
static inline double cost_int_quot(double dur, int64_t *g) {
    if (*g < 1) *g = 1;
    return *g == 1 ? dur : dur / (double)*g;
}

/* Did the iteration that took the counters from a to z change every counter exactly as
 * the one before it (b to a)? Then the level is in a steady state and the warp can
 * start (both walks ask this same question at the same points). */
static inline bool cost_int_steady(const cm_counters *z, const cm_counters *a, const cm_counters *b) {
    for (int m = 0; m < 3; m++)
        if (!(z->clk[m] - a->clk[m] == a->clk[m] - b->clk[m]) || !(z->busy[m] - a->busy[m] == a->busy[m] - b->busy[m]))
            return false;
    for (int x = 0; x < 4; x++)
        if (!(z->bytes[x] - a->bytes[x] == a->bytes[x] - b->bytes[x])) return false;
    return z->insns - a->insns == a->insns - b->insns && z->b - a->b == a->b - b->b && z->q - a->q == a->q - b->q &&
           z->loads[0] - a->loads[0] == a->loads[0] - b->loads[0] && z->loads[1] - a->loads[1] == a->loads[1] - b->loads[1];
}

/* Does a level warp after its iteration `done` (0-based, not its last), which took the
 * counters from a to z (b: before the iteration ahead of it)? At iteration
 * CM_EXPLICIT - 1 always, from CM_EXPLICIT_MIN - 1 on in a steady state. The one
 * decision of both walks. */
static inline bool cost_int_warp_now(int64_t done, const cm_counters *z, const cm_counters *a, const cm_counters *b) {
    return done == CM_EXPLICIT - 1 || (done >= CM_EXPLICIT_MIN - 1 && cost_int_steady(z, a, b));
}

/* Advances z by `times` more iterations like the last one, which took the counters
 * from a to z (see cost.c); d: how far each module's clock moved (for its tokens).
 * Inline: both walks run this same code. */
static inline void cost_int_warp(cm_counters *z, const cm_counters *a, int64_t times, double *d) {
    double lam = 0, k = (double)times;
    for (int m = 0; m < 3; m++)
        if (z->busy[m] > a->busy[m]) lam = cost_int_max(lam, z->clk[m] - a->clk[m]);
    for (int m = 0; m < 3; m++) {
        d[m] = z->busy[m] > a->busy[m] ? lam * k : 0;
        z->busy[m] += (z->busy[m] - a->busy[m]) * k;
        z->clk[m] += d[m];
    }
    z->insns += (z->insns - a->insns) * times;
    z->b += (z->b - a->b) * times;
    z->q += (z->q - a->q) * times;
    for (int x = 0; x < 2; x++) z->loads[x] += (z->loads[x] - a->loads[x]) * times;
    for (int x = 0; x < 4; x++) z->bytes[x] += (z->bytes[x] - a->bytes[x]) * k;
}

#endif
