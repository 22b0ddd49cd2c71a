/* dse_fill: dse_prepare, the fill of the cache entries the shard's designs need before
 * the design loop: the cache file read, the needed entries collected (one per distinct
 * layer and intrinsic shape, largest first), computed by --jobs worker processes
 * (bench/pool.h: a shared queue, results back as cache lines through temporary files,
 * the same path with one job), appended to the cache file; progress, CPU split (shared
 * counters) and solve outcomes for --bench.
 * Invariant: an entry computed here is the one dse_entry_fill would compute (the same
 * dse_entry_compute), read back through the cache lines. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include "bench/dse_int.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bench/pool.h"
#include "core/es.h"
#include "encoders/enc.h"

/* ---- prepare: fill the entries the shard's designs need, in parallel ---- */

static bool in_shard(const dse_ctx *c, int64_t idx) { return idx % c->o.shard_n == c->o.shard_i; }

/* Reads the cache file (missing file = empty cache). */
static void load_cache(dse_ctx *c) {
    if (!c->o.cache_path) return;
    FILE *f = fopen(c->o.cache_path, "r");
    if (!f) return;
    dse_cache_read_lines(c, f);
    fclose(f);
}

/* The not-ready entries the shard's designs need (the default VTA always), one per
 * distinct (canonical layer, intrinsic shape [, bus]), the largest layers first (the
 * workers take them in this order: the long solves start early). */
static int64_t collect_needed(dse_ctx *c, dse_entry ***out) {
    int64_t nd = hw_space_count(&c->space);
    dse_entry **need = NULL;
    int64_t nneed = 0, capneed = 0;
    hw_config def = hw_default();
    static const int64_t max_shapes = 4096;
    int32_t (*shapes)[4] = malloc((size_t)max_shapes * sizeof *shapes);
    int64_t nshapes = 0;
    ES_ASSERT(shapes);
    for (int64_t i = -1; i < nd; i++) {
        hw_config hw;
        if (i < 0) {
            hw = def;
        } else {
            if (!in_shard(c, i)) continue;
            hw_space_design(&c->space, i, &hw);
        }
        status t;
        status_init(&t);
        if (!hw_check(&hw, &t)) continue;
        /* designs of an already seen entry shape add nothing */
        int32_t shape[4] = {hw.log_batch, hw.log_block_in, hw.log_block_out,
                            dse_objective_uses_bus(c->o.objective) ? hw.log_bus_width : -1};
        bool seen = false;
        for (int64_t k = 0; k < nshapes && !seen; k++) seen = !memcmp(shapes[k], shape, sizeof shape);
        if (seen) continue;
        if (nshapes < max_shapes) memcpy(shapes[nshapes++], shape, sizeof shape);
        for (int l = 0; l < c->nlayers; l++) {
            if (c->canon[l] != l) continue;
            dse_entry *e = dse_entry_get(c, l, &hw);
            if (e->ready || e->err[0] == '\1') continue;
            e->err[0] = '\1'; /* queued (cleared below) */
            if (dse_entry_from_disk(c, e)) continue;
            if (nneed == capneed) {
                capneed = capneed ? 2 * capneed : 256;
                need = realloc(need, (size_t)capneed * sizeof *need);
                ES_ASSERT(need);
            }
            need[nneed++] = e;
        }
    }
    free(shapes);
    for (int64_t i = 0; i < c->cap; i++)
        if (c->tab[i] && !c->tab[i]->ready && c->tab[i]->err[0] == '\1') c->tab[i]->err[0] = 0;
    /* largest first (insertion sort on MACs; ties keep their order) */
    for (int64_t i = 1; i < nneed; i++) {
        dse_entry *x = need[i];
        int64_t m = op_macs(&c->layers[x->layer]), j = i;
        for (; j > 0 && op_macs(&c->layers[need[j - 1]->layer]) < m; j--) need[j] = need[j - 1];
        need[j] = x;
    }
    *out = need;
    return nneed;
}

/* Shared by the fill workers (MAP_SHARED): the next entry to take, entries done, CPU
 * time of the Z3 solves and of the library searches (microseconds). */
typedef struct fill_shared {
    _Atomic int64_t next, done, solve_us, lib_us, memo_calls, memo_hits, borrowed;
    _Atomic int64_t proofs[ENC_PROOF_OPTIMAL + 1]; /* solves by enc_proof */
} fill_shared;

static void fill_progress(const dse_ctx *c, fill_shared *sh, int64_t done, int64_t n, double t0) {
    int64_t step = n / 20 > 0 ? n / 20 : 1;
    if (!c->o.progress || (done % step && done != n)) return;
    double el = (es_now_ms() - t0) / 1e3;
    fprintf(c->o.progress,
            "dse: cache entries %lld/%lld (%.0f%%), %.0f s, ETA %.0f s (CPU so far: solves %.1f s, schedule libraries %.1f s)\n",
            (long long)done, (long long)n, 100.0 * (double)done / (double)n, el,
            el * (double)(n - done) / (double)done, (double)sh->solve_us / 1e6, (double)sh->lib_us / 1e6);
}

/* The fill on the pool (bench/pool.h): each entry computed, its cache lines written to
 * the worker's file, read back into the disk table (and appended to the cache file). */
typedef struct fill_job {
    dse_ctx *c;
    dse_entry **need;
    fill_shared *sh;
    FILE *cf;        /* the cache file, or NULL */
    double t0;
    int64_t shown;   /* the last progress count printed */
} fill_job;

static bool fill_work(void *ctx, int64_t i, FILE *out, status *st) {
    (void)st; /* an entry's failures are part of it (dse_entry.err) */
    fill_job *j = ctx;
    dse_ctx *c = j->c;
    fill_shared *sh = j->sh;
    double s0 = c->solve_cpu_ms, l0 = c->lib_cpu_ms;
    int64_t mc = c->memo_calls, mh = c->memo_hits, bo = c->borrowed;
    dse_entry_compute(c, j->need[i]);
    if (enc_interrupted()) return false; /* its solve may be cut short: not cached */
    atomic_fetch_add(&sh->solve_us, (int64_t)((c->solve_cpu_ms - s0) * 1e3));
    atomic_fetch_add(&sh->lib_us, (int64_t)((c->lib_cpu_ms - l0) * 1e3));
    atomic_fetch_add(&sh->memo_calls, c->memo_calls - mc);
    atomic_fetch_add(&sh->memo_hits, c->memo_hits - mh);
    atomic_fetch_add(&sh->borrowed, c->borrowed - bo);
    const dse_entry *e = j->need[i];
    if (e->solved >= 0) atomic_fetch_add(&sh->proofs[e->solved], 1);
    if (c->o.progress && c->o.entry_times) {
        fprintf(c->o.progress,
                "dse: entry %s (BATCH %d, BLOCK %dx%d, %lld MACs): CPU solve %.2f s (%s), library %.2f s\n",
                c->layers[e->layer].name, 1 << e->log_batch, 1 << e->log_block_in, 1 << e->log_block_out,
                (long long)op_macs(&c->layers[e->layer]), (c->solve_cpu_ms - s0) / 1e3,
                e->solved >= 0 ? enc_proof_name((enc_proof)e->solved) : "cached", (c->lib_cpu_ms - l0) / 1e3);
    }
    dse_entry_put(out, c, e);
    fflush(out);
    return true;
}

static void fill_read(void *ctx, FILE *in) {
    fill_job *j = ctx;
    dse_ctx *c = j->c;
    int64_t before = c->ndisk;
    dse_cache_read_lines(c, in);
    if (j->cf) {
        for (int64_t k = before; k < c->ndisk; k++)
            fprintf(j->cf, "%016llx%s", (unsigned long long)c->disk_key[k], c->disk_line[k]);
        fflush(j->cf);
    }
}

static void fill_tick(void *ctx, int64_t done, int64_t n) {
    fill_job *j = ctx;
    if (done == j->shown) return;
    j->shown = done;
    fill_progress(j->c, j->sh, done, n, j->t0);
}

bool dse_prepare(dse_ctx *c, status *st) {
    double t0 = es_now_ms();
    load_cache(c);
    dse_entry **need = NULL;
    int64_t nneed = collect_needed(c, &need);
    int jobs = c->o.jobs < nneed ? c->o.jobs : (int)(nneed > 0 ? nneed : 1);
    if (c->o.progress && nneed)
        fprintf(c->o.progress, "dse: %lld layer x shape cache entries to compute (solve + schedule library), %d jobs\n",
                (long long)nneed, jobs);
    FILE *cf = NULL;
    if (c->o.cache_path && nneed) {
        cf = fopen(c->o.cache_path, "a");
        if (!cf) {
            free(need);
            return status_fail(st, "%s: cannot open the cache file: %s", c->o.cache_path, strerror(errno));
        }
    }
    fill_shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ES_ASSERT(sh != MAP_FAILED);
    memset(sh, 0, sizeof *sh);
    fill_job j = {.c = c, .need = need, .sh = sh, .cf = cf, .t0 = t0, .shown = 0};
    pool_job pj = {.jobs = jobs, .n = nneed, .ctx = &j, .work = fill_work, .read = fill_read, .tick = fill_tick,
                   .what = "dse cache fill"};
    bool ok = pool_run(&pj, st);
    for (int64_t i = 0; ok && i < nneed; i++)
        if (!dse_entry_from_disk(c, need[i])) ok = status_fail(st, "dse: internal: a computed cache entry could not be read back");
    c->fill_solve_cpu_s += (double)sh->solve_us / 1e6;
    c->fill_lib_cpu_s += (double)sh->lib_us / 1e6;
    c->fill_memo_calls += sh->memo_calls;
    c->fill_memo_hits += sh->memo_hits;
    c->fill_borrowed += sh->borrowed;
    for (int p = 0; p <= ENC_PROOF_OPTIMAL; p++) c->fill_proofs[p] += sh->proofs[p];
    c->fill_entries += nneed;
    munmap(sh, sizeof *sh);
    if (cf) fclose(cf);
    free(need);
    c->hits = c->misses = 0;
    c->prepare_ms = es_now_ms() - t0;
    return ok;
}
