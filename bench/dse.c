/* dse: the context of a design-space exploration, its per-layer cache entries
 * (embeddings + schedule library) and the timing-class memo (see dse.h for what is
 * cached and why it is exact; the parallel fill of the entries a run needs is
 * dse_fill.c). Entries are filled from the cache file when their key (operator shape, not
 * name; intrinsic shape; bus when the objective uses it; the library probes and
 * options) matches, else computed: solve, channel packing, schedule searches.
 * Invariant: an entry's content is a pure function of its key, so where it came from
 * (memory, file, a worker process) never changes a result. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "bench/dse_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/spec.h"
#include "core/es.h"
#include "encoders/enc.h"
#include "vta/cost.h"
#include "vta/cost_dse.h"

#define DSE_NAME(id, name) name,
static const char *const obj_names[] = {DSE_OBJECTIVES(DSE_NAME)};
static const char *const strat_names[] = {DSE_STRATEGIES(DSE_NAME)};
static const char *const reason_names[] = {DSE_REASONS(DSE_NAME)};
#undef DSE_NAME
#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

const char *dse_objective_name(dse_objective o) { return obj_names[o]; }
const char *dse_strategy_name(dse_strategy s) { return strat_names[s]; }
const char *dse_reason_name(dse_reason r) { return reason_names[r]; }
static int find_name(const char *const *t, int n, const char *s) {
    for (int i = 0; i < n; i++)
        if (!strcmp(t[i], s)) return i;
    return -1;
}
bool dse_objective_parse(const char *s, dse_objective *o) {
    int i = find_name(obj_names, NELEM(obj_names), s);
    if (i >= 0) *o = (dse_objective)i;
    return i >= 0;
}
bool dse_strategy_parse(const char *s, dse_strategy *o) {
    int i = find_name(strat_names, NELEM(strat_names), s);
    if (i >= 0) *o = (dse_strategy)i;
    return i >= 0;
}
bool dse_reason_parse(const char *s, dse_reason *o) {
    int i = find_name(reason_names, NELEM(reason_names), s);
    if (i >= 0) *o = (dse_reason)i;
    return i >= 0;
}

/* The embedding objective depends on the bus only for objectives that price DRAM
 * traffic inside the solver; today's enc objectives (instances, layout bytes) do not. */
bool dse_objective_uses_bus(dse_objective o) {
    (void)o;
    return false;
}

void dse_opts_init(dse_opts *o) {
    memset(o, 0, sizeof *o);
    o->objective = DSE_OBJ_CYCLES;
    o->strategy = DSE_STRAT_SOLVE;
    o->jobs = 1;
    o->shard_n = 1;
    o->lib_k = 16;
    o->sched_evals = 2000;
    o->solve_rlimit = DSE_DEFAULT_RLIMIT;
    o->solve_timeout_s = 0;
}

uint64_t dse_fnv(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}
#define FNV0 DSE_FNV0

static uint64_t hash_op(const op *o) {
    op c = *o;
    memset(c.name, 0, sizeof c.name);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ES_ASSERT(f);
    spec_write_op(f, &c, 0);
    fclose(f);
    uint64_t h = dse_fnv(FNV0, buf, len);
    free(buf);
    return h;
}

/* ---- --largest ---- */

void dse_keep_largest(op *layers, int n, int k) {
    int *idx = malloc((size_t)n * sizeof *idx);
    op *tmp = malloc((size_t)k * sizeof *tmp);
    ES_ASSERT(idx && tmp);
    for (int i = 0; i < n; i++) { /* stable insertion sort on MACs, descending */
        int j = i;
        for (; j > 0 && op_macs(&layers[idx[j - 1]]) < op_macs(&layers[i]); j--) idx[j] = idx[j - 1];
        idx[j] = i;
    }
    /* the chosen ones back in suite order */
    for (int i = 1; i < k; i++)
        for (int j = i; j > 0 && idx[j - 1] > idx[j]; j--) {
            int t = idx[j];
            idx[j] = idx[j - 1];
            idx[j - 1] = t;
        }
    for (int i = 0; i < k; i++) tmp[i] = layers[idx[i]];
    memcpy(layers, tmp, (size_t)k * sizeof *tmp);
    free(tmp);
    free(idx);
}

/* ---- buffer probes for the schedule library ---- */

#define BUF_FIELDS(X) X(log_uop_buff_size) X(log_inp_buff_size) X(log_wgt_buff_size) X(log_acc_buff_size)

/* The probe part of the cache keys under strategy s (the run's own: c->probe_hash). */
static uint64_t probe_hash_of(const dse_ctx *c, dse_strategy s) {
    int64_t opt[] = {(int64_t)s, c->o.lib_k, c->o.sched_evals, (int64_t)c->o.solve_rlimit,
                     (int64_t)(c->o.solve_timeout_s * 10)};
    return dse_fnv(c->probe_hash0, opt, sizeof opt);
}

static void setup_probes(dse_ctx *c) {
    hw_config lo = c->space.base, hi = c->space.base, def = c->space.base, dd = hw_default();
#define BF_DEF(f) def.f = dd.f; if (dd.f > hi.f) hi.f = dd.f;
    BUF_FIELDS(BF_DEF)
#undef BF_DEF
    for (int i = 0; i < c->space.naxes; i++) {
        const hw_space_axis *a = &c->space.ax[i];
        const char *nm = hw_space_field_name(a->field);
#define BF_AX(f)                                              \
        if (!strcmp(nm, #f)) {                                \
            if (a->v[0] < lo.f) lo.f = a->v[0];               \
            if (a->v[a->n - 1] > hi.f) hi.f = a->v[a->n - 1]; \
        }
        BUF_FIELDS(BF_AX)
#undef BF_AX
    }
    hw_config cand[3] = {lo, def, hi};
    c->nprobe = 0;
    for (int k = 0; k < 3; k++) {
        bool dup = false;
        for (int j = 0; j < c->nprobe; j++) dup |= !memcmp(&c->probe[j], &cand[k], sizeof cand[k]);
        if (!dup) c->probe[c->nprobe++] = cand[k];
    }
    /* the largest must be last (tclass derivations use it) */
    c->probe[c->nprobe - 1] = hi;
    uint64_t h = FNV0;
    for (int k = 0; k < c->nprobe; k++) {
        int32_t v[] = {
#define BF_V(f) c->probe[k].f,
            BUF_FIELDS(BF_V)
#undef BF_V
        };
        h = dse_fnv(h, v, sizeof v);
    }
    hw_config t = c->space.base;
    memset(t.name, 0, sizeof t.name);
#define TF_H(f, a, d, doc) h = dse_fnv(h, &t.f, sizeof t.f);
    HW_TIMING_FIELDS(TF_H)
#undef TF_H
    h = dse_fnv(h, &t.log_bus_width, sizeof t.log_bus_width);
    c->probe_hash0 = h;
    c->probe_hash = probe_hash_of(c, c->o.strategy);
}

dse_ctx *dse_create(const op *layers, int nlayers, const hw_space *space, const dse_opts *o, status *st) {
    if (nlayers < 1) {
        status_fail(st, "dse: no layers");
        return NULL;
    }
    dse_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        status_fail(st, "dse: out of memory");
        return NULL;
    }
    c->layers = layers;
    c->nlayers = nlayers;
    c->space = *space;
    c->o = *o;
    if (c->o.lib_k < 1 || c->o.lib_k > SCHED_MAX_TOP) c->o.lib_k = SCHED_MAX_TOP;
    if (c->o.jobs < 1) c->o.jobs = 1;
    if (c->o.shard_n < 1) c->o.shard_n = 1;
    setup_probes(c);
    c->op_hash = malloc((size_t)nlayers * sizeof *c->op_hash);
    c->canon = malloc((size_t)nlayers * sizeof *c->canon);
    c->floor_op = calloc((size_t)nlayers * DSE_FLOOR_WIDTHS, sizeof *c->floor_op);
    c->cap = 1024;
    c->tab = calloc((size_t)c->cap, sizeof *c->tab);
    if (!c->op_hash || !c->canon || !c->floor_op || !c->tab) {
        dse_destroy(c);
        status_fail(st, "dse: out of memory");
        return NULL;
    }
    /* layers of the same shape (names aside) share their entries */
    for (int i = 0; i < nlayers; i++) {
        c->op_hash[i] = hash_op(&layers[i]);
        c->canon[i] = i;
        for (int j = 0; j < i && c->canon[i] == i; j++)
            if (c->op_hash[j] == c->op_hash[i]) c->canon[i] = j;
    }
    return c;
}

static void entry_free(dse_entry *e) {
    for (int k = 0; k < 2; k++) {
        for (int t = 0; t < e->c[k].ntc; t++) free(e->c[k].tc[t].d);
        free(e->c[k].tc);
    }
    free(e);
}

void dse_destroy(dse_ctx *c) {
    if (!c) return;
    for (int64_t i = 0; i < c->cap; i++)
        if (c->tab && c->tab[i]) entry_free(c->tab[i]);
    free(c->tab);
    free(c->op_hash);
    free(c->canon);
    free(c->floor_op);
    for (int64_t i = 0; i < c->ndisk; i++) free(c->disk_line[i]);
    free(c->disk_line);
    free(c->disk_key);
    free(c);
}

void dse_stats(const dse_ctx *c, int64_t *hits, int64_t *misses, int64_t *slow, double *prepare_ms) {
    *hits = c->hits;
    *misses = c->misses;
    *slow = c->slow;
    *prepare_ms = c->prepare_ms;
}

void dse_fill_stats(const dse_ctx *c, int64_t *entries, double *solve_cpu_s, double *lib_cpu_s) {
    *entries = c->fill_entries;
    *solve_cpu_s = c->fill_solve_cpu_s;
    *lib_cpu_s = c->fill_lib_cpu_s;
}

void dse_fill_memo_stats(const dse_ctx *c, int64_t *calls, int64_t *hits, int64_t *borrowed) {
    *calls = c->fill_memo_calls;
    *hits = c->fill_memo_hits;
    *borrowed = c->fill_borrowed;
}

void dse_fill_proof_stats(const dse_ctx *c, int64_t *enumerated, int64_t *proven, int64_t *unproven) {
    *enumerated = c->fill_proofs[ENC_PROOF_ENUMERATED];
    *proven = c->fill_proofs[ENC_PROOF_OPTIMAL];
    *unproven = c->fill_proofs[ENC_PROOF_UNKNOWN] + c->fill_proofs[ENC_PROOF_NOT_PROVEN];
}

/* ---- entries ---- */

static uint64_t mem_key(int layer, int32_t lb, int32_t lbi, int32_t lbo, int32_t bus) {
    int32_t v[] = {layer, lb, lbi, lbo, bus};
    uint64_t h = dse_fnv(FNV0, v, sizeof v);
    return h ? h : 1;
}

/* What an entry's content depends on besides the layer and the intrinsic shape, and so
 * what its cache keys hold:
 *   - the cache line format (DSE_CACHE_FORMAT);
 *   - the solver settings: strategy, the encoder objective, proof off, enumeration on,
 *     rlimit, timeout;
 *   - the library (emb + library key only): the cost model's version (the schedule
 *     search ranks by it), the ranking objective (cycles), the bus width and timing
 *     constants of the probes, their buffer sizes, lib_k and the search budget.
 * The DSE objective is not a part: an entry is the same for cycles, energy and edp
 * (the objective only chooses among its library schedules, after the cache). */
#define DSE_CACHE_FORMAT 2
#define DSE_ENC_OBJECTIVE ENC_OBJ_LEX_UTIL_LAYOUT

static uint64_t solver_hash(const dse_ctx *c, const dse_entry *e, dse_strategy strat) {
    int64_t v[] = {DSE_CACHE_FORMAT, e->log_batch, e->log_block_in, e->log_block_out, e->log_bus,
                   (int64_t)strat, (int64_t)DSE_ENC_OBJECTIVE, 0 /* prove */, 1 /* enumerate */,
                   (int64_t)c->o.solve_rlimit, (int64_t)(c->o.solve_timeout_s * 10)};
    uint64_t h = dse_fnv(FNV0, &c->op_hash[e->layer], sizeof c->op_hash[e->layer]);
    return dse_fnv(h, v, sizeof v);
}

static uint64_t strategy_disk_key(const dse_ctx *c, const dse_entry *e, uint32_t ver, dse_strategy strat) {
    int32_t probe_bus = e->log_bus >= 0 ? e->log_bus : c->space.base.log_bus_width;
    int32_t v[] = {(int32_t)ver, (int32_t)SCHED_MAX_TOP, (int32_t)DSE_OBJ_CYCLES /* library ranking */, probe_bus};
    uint64_t h = solver_hash(c, e, strat);
    h = dse_fnv(h, v, sizeof v);
    uint64_t ph = probe_hash_of(c, strat);
    return dse_fnv(h, &ph, sizeof ph);
}

uint64_t dse_entry_disk_key(const dse_ctx *c, const dse_entry *e, uint32_t ver) {
    return strategy_disk_key(c, e, ver, c->o.strategy);
}

static uint64_t disk_key(const dse_ctx *c, const dse_entry *e) { return dse_entry_disk_key(c, e, COST_MODEL_VERSION); }

/* The key of the embeddings alone (no library probes, search options or cost model): a
 * space with other buffer ranges or a new cost model reuses the Z3 solves and only
 * searches new libraries. */
static uint64_t emb_key(const dse_ctx *c, const dse_entry *e) {
    return dse_fnv(solver_hash(c, e, c->o.strategy), "EMB", 3);
}

static void grow(dse_ctx *c) {
    int64_t ncap = c->cap * 2;
    dse_entry **nt = calloc((size_t)ncap, sizeof *nt);
    ES_ASSERT(nt);
    for (int64_t i = 0; i < c->cap; i++) {
        dse_entry *e = c->tab[i];
        if (!e) continue;
        int64_t j = (int64_t)(e->key % (uint64_t)ncap);
        while (nt[j]) j = (j + 1) % ncap;
        nt[j] = e;
    }
    free(c->tab);
    c->tab = nt;
    c->cap = ncap;
}

dse_entry *dse_entry_get(dse_ctx *c, int layer, const hw_config *hw) {
    int32_t bus = dse_objective_uses_bus(c->o.objective) ? hw->log_bus_width : -1;
    uint64_t k = mem_key(layer, hw->log_batch, hw->log_block_in, hw->log_block_out, bus);
    int64_t j = (int64_t)(k % (uint64_t)c->cap);
    for (; c->tab[j]; j = (j + 1) % c->cap) {
        dse_entry *e = c->tab[j];
        if (e->key == k && e->layer == layer && e->log_batch == hw->log_batch &&
            e->log_block_in == hw->log_block_in && e->log_block_out == hw->log_block_out && e->log_bus == bus)
            return e;
    }
    dse_entry *e = calloc(1, sizeof *e);
    ES_ASSERT(e);
    e->key = k;
    e->layer = layer;
    e->log_batch = hw->log_batch;
    e->log_block_in = hw->log_block_in;
    e->log_block_out = hw->log_block_out;
    e->log_bus = bus;
    c->tab[j] = e;
    if (++c->count * 2 > c->cap) grow(c);
    return e;
}

/* The probe p with the entry's intrinsic shape (and bus). */
static hw_config probe_hw(const dse_ctx *c, const dse_entry *e, int p) {
    hw_config h = c->probe[p];
    h.log_batch = e->log_batch;
    h.log_block_in = e->log_block_in;
    h.log_block_out = e->log_block_out;
    if (e->log_bus >= 0) h.log_bus_width = e->log_bus;
    snprintf(h.name, sizeof h.name, "probe%d", p);
    return h;
}

static bool same_in(const dse_sched_in *a, const dse_sched_in *b, int nl) {
    return !memcmp(a->tile, b->tile, (size_t)nl * sizeof a->tile[0]) &&
           !memcmp(a->order, b->order, (size_t)nl * sizeof a->order[0]) && a->db_load == b->db_load &&
           a->db_acc == b->db_acc && a->reuse == b->reuse && a->keep_pad == b->keep_pad;
}

/* Nest of the candidate's embedding. */
void dse_cand_finish(dse_ctx *c, dse_entry *e, dse_cand *cd) {
    const op *o = &c->layers[e->layer];
    hw_config h = probe_hw(c, e, c->nprobe - 1); /* the largest buffers: a valid config */
    status st;
    status_init(&st);
    if (!cd->ok || !emb_check(o, HW_INTRINSIC(&h), &cd->e, &st) || !emb_nest_build(o, HW_INTRINSIC(&h), &cd->e, &cd->n, &st)) cd->ok = false;
}

/* With a cost plug sched_search_top leaves the exact re-costing to the plug's owner:
 * the same as it does without one (top[1..m) re-costed by cost_vta_exact and sorted
 * after top[0]), so the library and its order equal a search without the memo. */
static void exact_order(const op *o, const hw_config *hw, const emb_nest *n, sched *top, int m) {
    for (int i = 1; i < m; i++) {
        sched t = top[i];
        status st;
        status_init(&st);
        if (cost_vta_exact(o, hw, n, &t, &st)) top[i] = t;
        for (int j = i; j > 1 && top[j].est_cycles < top[j - 1].est_cycles; j--) {
            sched u = top[j];
            top[j] = top[j - 1];
            top[j - 1] = u;
        }
    }
}

/* A library of the same embedding from the other strategy's entry of the same layer and
 * shape in the cache (same probes, budget and cost model; the library is a function of
 * the layer, the probes and the embedding alone, so it is the one a search would give):
 * the solve strategy's channel packing candidate is the reference strategy's only one. */
static bool borrow_library(dse_ctx *c, const dse_entry *e, dse_cand *cd) {
    dse_strategy other = c->o.strategy == DSE_STRAT_SOLVE ? DSE_STRAT_REFERENCE : DSE_STRAT_SOLVE;
    dse_entry *x = calloc(1, sizeof *x);
    ES_ASSERT(x);
    *x = *e;
    memset(x->c, 0, sizeof x->c);
    bool found = false;
    if (dse_cache_lookup(c, x, strategy_disk_key(c, e, COST_MODEL_VERSION, other)))
        for (int k = 0; k < 2 && !found; k++)
            if (x->c[k].ok && !memcmp(&x->c[k].e, &cd->e, sizeof cd->e)) {
                cd->nlib = x->c[k].nlib;
                memcpy(cd->lib, x->c[k].lib, sizeof cd->lib);
                found = true;
            }
    free(x);
    c->borrowed += found;
    return found;
}

/* The candidate's schedule library: the top schedules at every buffer probe. */
static void cand_library(dse_ctx *c, dse_entry *e, dse_cand *cd) {
    if (!cd->ok) return;
    if (!c->o.no_borrow && borrow_library(c, e, cd)) return;
    const op *o = &c->layers[e->layer];
    status st;
    cd->nlib = 0;
    dse_memo *memo = c->o.no_memo ? NULL : dse_memo_create();
    for (int p = 0; p < c->nprobe; p++) { /* a stop request ends each search at once (vta/sched.c) */
        hw_config ph = probe_hw(c, e, p);
        sched_opts so;
        sched_opts_init(&so);
        so.e = &cd->e;
        so.max_evals = c->o.sched_evals;
        if (memo) {
            so.cost = dse_memo_plug;
            so.cost_ctx = memo;
            so.vta_bound = true; /* the memo returns cost_vta_plug's figures */
        }
        sched top[SCHED_MAX_TOP];
        status_init(&st);
        int m = hw_check(&ph, &st) ? sched_search_top(o, &ph, &cd->n, &so, c->o.lib_k, top, &st) : 0;
        if (memo) exact_order(o, &ph, &cd->n, top, m);
        for (int i = 0; i < m && cd->nlib < DSE_MAX_LIB; i++) {
            dse_sched_in in;
            memset(&in, 0, sizeof in);
            memcpy(in.tile, top[i].tile, sizeof in.tile);
            memcpy(in.order, top[i].order, sizeof in.order);
            in.db_load = top[i].db_load;
            in.db_acc = top[i].db_acc;
            in.reuse = top[i].reuse;
            in.keep_pad = top[i].keep_pad;
            bool dup = false;
            for (int j = 0; j < cd->nlib && !dup; j++) dup = same_in(&cd->lib[j], &in, cd->n.nloops);
            if (!dup) cd->lib[cd->nlib++] = in;
        }
    }
    if (memo) {
        int64_t calls, hits;
        dse_memo_stats(memo, &calls, &hits);
        c->memo_calls += calls;
        c->memo_hits += hits;
    }
    dse_memo_destroy(memo);
}

/* This process's CPU time (the split between Z3 and the library searches; wall time
 * under a loaded machine says little). */
static double cpu_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void dse_entry_compute(dse_ctx *c, dse_entry *e) {
    e->solved = -1;
    if (dse_cache_lookup(c, e, emb_key(c, e))) { /* solved before: only the library is new */
        double l0 = cpu_ms();
        for (int k = 0; k < 2; k++) cand_library(c, e, &e->c[k]);
        c->lib_cpu_ms += cpu_ms() - l0;
        return;
    }
    double s0 = cpu_ms();
    const op *o = &c->layers[e->layer];
    hw_config h = probe_hw(c, e, c->nprobe - 1); /* the largest buffers: a valid config */
    status st;
    status_init(&st);
    memset(e->c, 0, sizeof e->c);
    if (c->o.strategy == DSE_STRAT_SOLVE) {
        enc_options eo;
        enc_options_init(&eo);
        eo.objective = DSE_ENC_OBJECTIVE;
        eo.prove = false;
        eo.enumerate = true; /* the optimum by enumeration where the space allows it */
        eo.rlimit = c->o.solve_rlimit;
        eo.timeout_s = c->o.solve_timeout_s;
        enc_result r;
        bool solved = enc_solve(o, HW_INTRINSIC(&h), &eo, &r, &st);
        e->solved = (int8_t)r.proof;
        if (solved && r.found) {
            e->c[0].ok = true;
            e->c[0].e = r.e;
        } else {
            snprintf(e->err, sizeof e->err, "solver: %.180s", st.failed ? st.msg : enc_solver_status_name(r.solver_status));
        }
    }
    if (enc_interrupted()) return; /* cut short: the caller drops the entry */
    status_init(&st);
    if (emb_channel_packing(o, HW_INTRINSIC(&h), &e->c[1].e, &st)) {
        e->c[1].ok = true;
    } else if (!e->err[0]) {
        snprintf(e->err, sizeof e->err, "channel packing: %.170s", st.msg);
    }
    for (int k = 0; k < 2; k++) dse_cand_finish(c, e, &e->c[k]);
    /* the same embedding twice: one library (searched once) */
    if (e->c[0].ok && e->c[1].ok && !memcmp(&e->c[0].e, &e->c[1].e, sizeof(emb))) e->c[1].ok = false;
    double l0 = cpu_ms();
    c->solve_cpu_ms += l0 - s0;
    for (int k = 0; k < 2; k++) cand_library(c, e, &e->c[k]);
    c->lib_cpu_ms += cpu_ms() - l0;
    e->ready = true;
}

void dse_entry_put(FILE *f, const dse_ctx *c, const dse_entry *e) {
    dse_cache_put_line(f, disk_key(c, e), e, true);
    dse_cache_put_line(f, emb_key(c, e), e, false);
}

bool dse_entry_from_disk(dse_ctx *c, dse_entry *e) { return dse_cache_lookup(c, e, disk_key(c, e)); }

bool dse_entry_fill(dse_ctx *c, dse_entry *e, status *st) {
    (void)st;
    if (e->ready) {
        c->hits++;
        return true;
    }
    c->misses++;
    if (dse_entry_from_disk(c, e)) return true;
    dse_entry_compute(c, e);
    return true;
}

/* ---- timing classes ---- */

static bool same_timing(const hw_config *a, const hw_config *b) {
#define TF_EQ(f, at, d, doc) if (a->f != b->f) return false;
    HW_TIMING_FIELDS(TF_EQ)
#undef TF_EQ
    return a->log_bus_width == b->log_bus_width;
}

void dse_sched_from_in(const op *o, const dse_cand *cd, const dse_sched_in *in, sched *s) {
    memset(s, 0, sizeof *s);
    memcpy(s->tile, in->tile, sizeof s->tile);
    memcpy(s->order, in->order, sizeof s->order);
    s->db_load = in->db_load;
    s->db_acc = in->db_acc;
    s->reuse = in->reuse;
    s->keep_pad = in->keep_pad;
    s->tiled_ok = sched_tiled_weights(&cd->e); /* as the library's search (sched_opts_init) */
    if (o->rq.bias) {
        sched_bias_axes(o, &cd->e, &cd->n, s->bias_rel);
        s->bias_rel_known = true;
    }
}

const dse_tclass *dse_tclass_get(dse_ctx *c, dse_entry *e, int ci, const hw_config *hw) {
    dse_cand *cd = &e->c[ci];
    for (int t = 0; t < cd->ntc; t++)
        if (same_timing(&cd->tc[t].hw, hw)) return &cd->tc[t];
    if (cd->ntc == cd->captc) {
        cd->captc = cd->captc ? 2 * cd->captc : 4;
        cd->tc = realloc(cd->tc, (size_t)cd->captc * sizeof *cd->tc);
        ES_ASSERT(cd->tc);
    }
    dse_tclass *tc = &cd->tc[cd->ntc++];
    tc->hw = probe_hw(c, e, c->nprobe - 1);
    tc->hw.log_bus_width = hw->log_bus_width;
#define TF_CP(f, at, d, doc) tc->hw.f = hw->f;
    HW_TIMING_FIELDS(TF_CP)
#undef TF_CP
    tc->d = calloc((size_t)(cd->nlib ? cd->nlib : 1), sizeof *tc->d);
    ES_ASSERT(tc->d);
    const op *o = &c->layers[e->layer];
    for (int i = 0; i < cd->nlib; i++) {
        sched s;
        dse_sched_from_in(o, cd, &cd->lib[i], &s);
        status st;
        status_init(&st);
        dse_derived *d = &tc->d[i];
        d->ok = cost_vta_eval(o, &tc->hw, &cd->n, &s, &d->est, &d->energy, &st);
        if (!d->ok) continue;
        d->need[0] = s.slot_rows[EMB_INP] * (s.db_load ? 2 : 1);
        d->need[1] = s.slot_rows[EMB_WGT] * (s.db_load ? 2 : 1);
        d->need[2] = s.slot_rows[EMB_ACC] * (s.db_acc ? 2 : 1);
        d->need[3] = s.uop_rows;
        d->bias_alu = s.bias_alu;
        d->bias_end = d->need[2] + s.bias_rows;
    }
    return tc;
}
