/* dse_int: internals shared by bench/dse.c (context, cache entries, cache file,
 * parallel fill) and bench/dse_eval.c (per-design evaluation, run, validation). */
#ifndef EMBEDSYN_BENCH_DSE_INT_H
#define EMBEDSYN_BENCH_DSE_INT_H

#include <sys/types.h>

#include "bench/dse.h"
#include "core/emb.h"
#include "encoders/enc.h"
#include "vta/cost.h"
#include "vta/sched.h"

#define DSE_MAX_LIB 48
#define DSE_NPROBES 3

/* The search inputs of a schedule (what sched_derive completes). */
typedef struct dse_sched_in {
    int64_t tile[EMB_MAX_LOOPS];
    int32_t order[EMB_MAX_LOOPS];
    bool db_load, db_acc, reuse, keep_pad;
} dse_sched_in;

/* A library schedule derived at the largest buffers for one timing class. */
typedef struct dse_derived {
    bool ok;
    double est, energy;       /* cost_vta_report: cycles, energy (pJ) */
    int64_t need[4];          /* rows needed: INP, WGT, ACC (all slots), UOP */
    bool bias_alu;
    int64_t bias_end;         /* ACC rows up to the end of the bias tile (bias_alu) */
} dse_derived;

typedef struct dse_tclass {
    hw_config hw;             /* shape + largest buffers + this class's bus and timing */
    dse_derived *d;           /* nlib entries */
} dse_tclass;

/* One embedding of a layer entry: 0 = the solver's, 1 = channel packing. */
typedef struct dse_cand {
    bool ok;
    emb e;
    emb_nest n;
    int32_t nlib;
    dse_sched_in lib[DSE_MAX_LIB];
    int32_t ntc, captc;
    dse_tclass *tc;
} dse_cand;

typedef struct dse_entry {
    uint64_t key;             /* in-memory key (layer, shape, bus) */
    int32_t layer;
    int32_t log_batch, log_block_in, log_block_out, log_bus;  /* log_bus -1: not a key part */
    bool ready;
    int8_t solved;            /* computed here with a solve: its enc_proof, else -1 */
    char err[200];            /* why neither embedding exists, when both failed */
    dse_cand c[2];
} dse_entry;

#define DSE_FLOOR_WIDTHS 8

struct dse_ctx {
    const op *layers;
    int nlayers;
    hw_space space;
    dse_opts o;
    hw_config probe[DSE_NPROBES]; /* buffer probes: smallest, default, largest (shape/bus set per entry) */
    int nprobe;
    uint64_t probe_hash;          /* probes, timing, bus and options (strategy included) */
    uint64_t probe_hash0;         /* the same before the options (the other strategy's keys) */
    int64_t borrowed;             /* libraries taken from the other strategy's cache entry */
    uint64_t *op_hash;            /* per layer (name excluded) */
    int32_t *canon;               /* per layer: the first layer of the same shape (entries are shared) */
    cost_floor_op *floor_op;      /* per layer x log2 BLOCK_IN (DSE_FLOOR_WIDTHS): the floor's operator
                                   * facts, block_in 0 until computed */
    /* entries: open addressing on key */
    dse_entry **tab;
    int64_t cap, count;
    int64_t hits, misses, slow;
    int64_t memo_calls, memo_hits;    /* cost-plug calls of the library searches, memo hits */
    int64_t progress_last;        /* last progress decile printed */
    double prepare_ms;
    double solve_cpu_ms, lib_cpu_ms;  /* this process's CPU in Z3 solves / library searches */
    double fill_solve_cpu_s, fill_lib_cpu_s; /* the last fill, all workers */
    int64_t fill_proofs[ENC_PROOF_OPTIMAL + 1]; /* the fills' solves by proof outcome */
    int64_t fill_entries;
    int64_t fill_memo_calls, fill_memo_hits; /* the last fill's cost-plug calls and memo hits */
    int64_t fill_borrowed;            /* the fills' libraries taken from the other strategy */
    /* the disk cache: lines by key */
    char **disk_line;
    uint64_t *disk_key;
    int64_t ndisk, capdisk;
};

#define DSE_FNV0 0xcbf29ce484222325ull
uint64_t dse_fnv(uint64_t h, const void *p, size_t n);
/* The memoizing cost plug of the library searches (dse_memo.c): one memo per candidate
 * embedding, shared by its searches at the buffer probes (same shape, bus, timing). */
typedef struct dse_memo dse_memo;
dse_memo *dse_memo_create(void);
void dse_memo_destroy(dse_memo *m);
bool dse_memo_plug(void *ctx, const op *o, const hw_config *hw, const emb_nest *n, sched *s, status *st);
void dse_memo_stats(const dse_memo *m, int64_t *calls, int64_t *hits);
/* The entry of (layer, hw's shape [, bus]); created empty (not ready) if new. */
dse_entry *dse_entry_get(dse_ctx *c, int layer, const hw_config *hw);
/* Fills a not-ready entry (disk cache or computation). */
bool dse_entry_fill(dse_ctx *c, dse_entry *e, status *st);
/* The parts of a fill (dse.c): e from the cache file's lines (false: not there); e
 * computed (solve, channel packing, libraries; an interrupt leaves it not ready); e's
 * two cache lines (whole entry, embeddings only) written to f. */
bool dse_entry_from_disk(dse_ctx *c, dse_entry *e);
void dse_entry_compute(dse_ctx *c, dse_entry *e);
void dse_entry_put(FILE *f, const dse_ctx *c, const dse_entry *e);
/* The derived library of cand for hw's timing class (computed on first use). */
const dse_tclass *dse_tclass_get(dse_ctx *c, dse_entry *e, int cand, const hw_config *hw);
/* Sets s's inputs from a library schedule (and bias axes from the embedding). */
void dse_sched_from_in(const op *o, const dse_cand *cd, const dse_sched_in *in, sched *s);
bool dse_objective_uses_bus(dse_objective o);
/* Cache lines (dse_cache.c): writes entry e under key (with its schedule library or
 * only the embeddings); reads "KEY content" lines of f into c's table; fills e from the
 * newest table line of key that parses (false: none). */
/* The nest of a candidate's embedding, read from the cache or just solved (dse.c). */
void dse_cand_finish(dse_ctx *c, dse_entry *e, dse_cand *cd);
void dse_cache_put_line(FILE *f, uint64_t key, const dse_entry *e, bool lib);
void dse_cache_read_lines(dse_ctx *c, FILE *f);
bool dse_cache_lookup(dse_ctx *c, dse_entry *e, uint64_t key);
/* The cache-file key of e's whole entry under cost-model version ver (tests). */
uint64_t dse_entry_disk_key(const dse_ctx *c, const dse_entry *e, uint32_t ver);

#endif
