/* dse_eval: one design's evaluation (feasibility, per-layer choice of embedding and
 * schedule, suite totals), the run over a space and the simulator validation of
 * chosen designs (cost_sim: the chosen schedule lowered and simulated), both on worker
 * processes (bench/pool.h) with progress, and the Pareto flags.
 * Per layer the choice is the best (by the objective) of the library schedules whose
 * footprint fits the design's buffers; the footprint rule is sched_derive's (slots x
 * rows per buffer, micro-op rows), so the shortcut equals deriving each library
 * schedule on the design itself (what no_cache mode does; a test compares them).
 * Invariant: a design's result depends only on the design and the context's options. */
#include "bench/dse_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench/pool.h"
#include "core/es.h"
#include "vta/cost.h"
#include "vta/cost_dse.h"
#include "encoders/enc.h"
#include "vta/isa.h"

typedef struct dse_choice {
    int cand;                 /* 0 solver, 1 channel packing */
    sched s;                  /* inputs (and, when derived on the design, all) of the schedule */
    bool slow;
    double value, cycles, energy; /* objective value; the cost module's cycles and energy (pJ) */
    int64_t instances;
} dse_choice;

/* What a design-layer choice needs of the design. */
typedef struct dse_dctx {
    const hw_config *hw;
    int64_t dep[4];           /* depths: INP, WGT, ACC, UOP */
} dse_dctx;

static double value_of(const dse_ctx *c, double cycles, double energy) {
    if (c->o.objective == DSE_OBJ_CYCLES) return cycles;
    return c->o.objective == DSE_OBJ_ENERGY ? energy : cycles * energy;
}

/* s == NULL: library schedule lib_i (inputs filled only when it wins). */
static void consider(const dse_ctx *c, const dse_entry *e, int ci, int lib_i, const sched *s, double cycles,
                     double energy, bool slow, dse_choice *best, bool *have) {
    const dse_cand *cd = &e->c[ci];
    double v = value_of(c, cycles, energy);
    if (*have && !(v < best->value)) return;
    *have = true;
    best->cand = ci;
    if (s)
        best->s = *s;
    else
        dse_sched_from_in(&c->layers[e->layer], cd, &cd->lib[lib_i], &best->s);
    best->slow = slow;
    best->value = v;
    best->cycles = cycles;
    best->energy = energy;
    best->instances = cd->n.instances;
}

/* The cost module's figures of schedule s (inputs set) derived on the design itself. */
static void consider_on(const dse_ctx *c, const dse_entry *e, int ci, sched *s, const hw_config *hw, bool slow,
                        dse_choice *best, bool *have) {
    double cyc, en;
    status st;
    status_init(&st);
    if (cost_vta_eval(&c->layers[e->layer], hw, &e->c[ci].n, s, &cyc, &en, &st))
        consider(c, e, ci, -1, s, cyc, en, slow, best, have);
}

static void consider_lib_on(const dse_ctx *c, const dse_entry *e, int ci, int i, const hw_config *hw,
                            dse_choice *best, bool *have) {
    sched s;
    dse_sched_from_in(&c->layers[e->layer], &e->c[ci], &e->c[ci].lib[i], &s);
    consider_on(c, e, ci, &s, hw, false, best, have);
}

static bool cand_used(const dse_ctx *c, const dse_cand *cd, int ci) {
    return cd->ok && !(c->o.strategy == DSE_STRAT_REFERENCE && ci == 0);
}

static bool choose(dse_ctx *c, dse_entry *e, const dse_dctx *dc, dse_choice *best) {
    bool have = false;
    const hw_config *hw = dc->hw;
    const int64_t *dep = dc->dep;
    for (int ci = 0; ci < 2; ci++) {
        dse_cand *cd = &e->c[ci];
        if (!cand_used(c, cd, ci)) continue;
        if (c->o.no_cache) {
            for (int i = 0; i < cd->nlib; i++) consider_lib_on(c, e, ci, i, hw, best, &have);
            continue;
        }
        const dse_tclass *tc = dse_tclass_get(c, e, ci, hw);
        for (int i = 0; i < cd->nlib; i++) {
            const dse_derived *d = &tc->d[i];
            if (!d->ok || d->need[0] > dep[0] || d->need[1] > dep[1] || d->need[2] > dep[2] || d->need[3] > dep[3])
                continue;
            if (d->bias_alu && (d->bias_end > dep[2] || d->bias_end > dep[0]))
                consider_lib_on(c, e, ci, i, hw, best, &have); /* the bias plan changes: derive on the design */
            else
                consider(c, e, ci, i, NULL, d->est, d->energy, false, best, &have);
        }
    }
    if (!have) {
        /* No library schedule fits: search on the design itself. */
        for (int ci = 0; ci < 2; ci++) {
            dse_cand *cd = &e->c[ci];
            if (!cand_used(c, cd, ci)) continue;
            sched_opts so;
            sched_opts_init(&so);
            so.e = &cd->e;
            so.max_evals = c->o.sched_evals;
            sched s;
            status st;
            status_init(&st);
            c->slow++;
            if (sched_search(&c->layers[e->layer], hw, &cd->n, &so, &s, &st)) consider_on(c, e, ci, &s, hw, true, best, &have);
        }
    }
    return have;
}

static void dctx_init(dse_dctx *dc, const hw_config *hw) {
    dc->hw = hw;
    dc->dep[0] = hw_depth(hw, HW_MEM_INP);
    dc->dep[1] = hw_depth(hw, HW_MEM_WGT);
    dc->dep[2] = hw_depth(hw, HW_MEM_ACC);
    dc->dep[3] = hw_depth(hw, HW_MEM_UOP);
}

static bool is_default_hw(const hw_config *hw) {
    hw_config d = hw_default();
#define F_EQ(f, a, dv, doc) if (hw->f != d.f) return false;
    HW_SHAPE_FIELDS(F_EQ)
    HW_TIMING_FIELDS(F_EQ)
#undef F_EQ
    return true;
}

/* The entry of a layer for hw, filled. */
static dse_entry *layer_entry(dse_ctx *c, int l, const hw_config *hw, status *st) {
    dse_entry *e = dse_entry_get(c, c->canon[l], hw);
    return dse_entry_fill(c, e, st) ? e : NULL;
}

/* Layer l's hardware floor on hw, its operator facts computed once per BLOCK_IN. */
static void layer_floor(dse_ctx *c, int l, const hw_config *hw, cost_floor *f) {
    cost_floor_op tmp, *fo = &tmp;
    if (hw->log_block_in >= 0 && hw->log_block_in < DSE_FLOOR_WIDTHS)
        fo = &c->floor_op[l * DSE_FLOOR_WIDTHS + hw->log_block_in];
    if (fo == &tmp || fo->block_in != hw_block_in(hw)) cost_floor_op_of(&c->layers[l], hw_block_in(hw), fo);
    cost_vta_floor_of(&c->layers[l], fo, hw, f);
}

bool dse_eval(dse_ctx *c, const hw_config *hw, int64_t index, dse_design *d, status *st) {
    memset(d, 0, sizeof *d);
    d->index = index;
    d->val_worst_layer = -1;
    d->hw = *hw;
    d->is_default = is_default_hw(hw);
    d->area = cost_vta_area_rel(hw);
    d->reason = DSE_FEASIBLE;
    status t;
    status_init(&t);
    if (!hw_check(hw, &t)) {
        d->reason = DSE_BAD_CONFIG;
        snprintf(d->why, sizeof d->why, "%.250s", t.msg);
        return true;
    }
    if (!vta_isa_check(hw, &t)) {
        d->reason = DSE_ISA;
        snprintf(d->why, sizeof d->why, "%.250s", t.msg);
        return true;
    }
    double macs = 0, slots = 0, floor = 0, box_floor = 0;
    int64_t slow0 = c->slow;
    dse_dctx dc;
    dctx_init(&dc, hw);
    for (int l = 0; l < c->nlayers; l++) {
        dse_entry *e = layer_entry(c, l, hw, st);
        if (!e) return false;
        const char *nm = c->layers[l].name;
        if (!e->c[0].ok && !e->c[1].ok) {
            d->reason = DSE_NO_EMBEDDING;
            snprintf(d->why, sizeof d->why, "layer %.60s: %.180s", nm, e->err);
            return true;
        }
        dse_choice ch;
        if (!choose(c, e, &dc, &ch)) {
            d->reason = DSE_NO_TILE;
            snprintf(d->why, sizeof d->why, "layer %.60s: no schedule fits the buffers", nm);
            return true;
        }
        d->cycles += ch.cycles;
        d->energy_uj += ch.energy * 1e-6; /* pJ -> uJ */
        d->packed_layers += ch.cand == 1;
        macs += (double)op_macs(&c->layers[l]);
        slots += (double)ch.instances * (double)(hw_batch(hw) * hw_block_in(hw) * hw_block_out(hw));
        cost_floor fl;
        layer_floor(c, l, hw, &fl);
        floor += (double)fl.cycles;
        box_floor += (double)fl.cycles_box;
        d->layers++;
    }
    d->floor_cycles = floor;
    d->box_floor_cycles = box_floor;
    d->slow_layers = (int32_t)(c->slow - slow0);
    d->util = slots > 0 ? macs / slots : 0;
    return true;
}

/* ---- the run ---- */

static bool in_shard(const dse_ctx *c, int64_t idx) { return idx % c->o.shard_n == c->o.shard_i; }

static bool eval_pos(dse_ctx *c, int64_t idx, dse_design *d, status *st) {
    hw_config hw;
    if (idx < 0) {
        hw = hw_default();
    } else {
        hw_space_design(&c->space, idx, &hw);
    }
    return dse_eval(c, &hw, idx, d, st);
}

/* A progress line per finished batch (about 10%) of the designs, with the ETA. */
static void progress(dse_ctx *c, int64_t done, int64_t total, double t0, int scale) {
    if (!c->o.progress) return;
    int64_t shown = done * scale < total ? done * scale : total;
    int64_t step = total / 10 > 0 ? total / 10 : 1;
    if (shown / step == c->progress_last && shown != total) return;
    c->progress_last = shown / step;
    double s = (es_now_ms() - t0) / 1e3;
    double dl = (double)shown * c->nlayers / (s > 0 ? s : 1e-9);
    double eta = shown > 0 ? s * (double)(total - shown) / (double)shown : 0;
    fprintf(c->o.progress, "dse: designs %lld/%lld (%.0f%%), %.1f s, %.0f design-layers/s, ETA %.0f s\n",
            (long long)shown, (long long)total, 100.0 * (double)shown / (double)(total ? total : 1), s, dl, eta);
}

/* The designs of a run on the pool (bench/pool.h). A pool item is a group of designs
 * of one timing class (intrinsic shape, timing fields, bus): their layers' schedule
 * libraries are derived once per class (dse_tclass_get), so a class stays in one
 * worker. A record per design comes back. */
typedef struct design_rec {
    int64_t i;
    dse_design d;
} design_rec;

typedef struct design_job {
    dse_ctx *c;
    const int64_t *pos;   /* design position in the space (-1: the default VTA) */
    int64_t *order;       /* design indices grouped by timing class */
    int64_t *group;       /* group g: order[group[g] .. group[g + 1]) */
    dse_design *res;
    bool *have;
    double t0;
} design_job;

static hw_config pos_hw(const dse_ctx *c, int64_t pos) {
    hw_config hw = hw_default();
    if (pos >= 0) hw_space_design(&c->space, pos, &hw);
    return hw;
}

static uint64_t class_key(const hw_config *h) {
    uint64_t k = es_hash64((uint64_t)h->log_batch);
    k = es_hash64(k ^ (uint64_t)h->log_block_in);
    k = es_hash64(k ^ (uint64_t)h->log_block_out);
    k = es_hash64(k ^ (uint64_t)h->log_bus_width);
#define TF_KEY(f, at, d, doc) k = es_hash64(k ^ (uint64_t)(uint32_t)h->f);
    HW_TIMING_FIELDS(TF_KEY)
#undef TF_KEY
    return k;
}

typedef struct keyed {
    uint64_t key;
    int64_t i;
} keyed;

static int cmp_keyed(const void *x, const void *y) {
    const keyed *a = x, *b = y;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

/* Groups the cnt designs by timing class; returns the number of groups. */
static int64_t group_designs(const dse_ctx *c, const int64_t *pos, int64_t cnt, int64_t *order, int64_t *group) {
    keyed *k = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *k);
    ES_ASSERT(k);
    for (int64_t i = 0; i < cnt; i++) {
        hw_config hw = pos_hw(c, pos[i]);
        k[i] = (keyed){class_key(&hw), i};
    }
    qsort(k, (size_t)cnt, sizeof *k, cmp_keyed);
    int64_t ng = 0;
    for (int64_t i = 0; i < cnt; i++) {
        if (i == 0 || k[i].key != k[i - 1].key) group[ng++] = i;
        order[i] = k[i].i;
    }
    group[ng] = cnt;
    free(k);
    return ng;
}

static bool design_work(void *ctx, int64_t g, FILE *out, status *st) {
    design_job *j = ctx;
    design_rec *r = malloc(sizeof *r);
    ES_ASSERT(r);
    bool ok = true;
    for (int64_t k = j->group[g]; ok && k < j->group[g + 1]; k++) {
        memset(r, 0, sizeof *r);
        r->i = j->order[k];
        ok = eval_pos(j->c, j->pos[r->i], &r->d, st) && fwrite(r, sizeof *r, 1, out) == 1 && !es_stop_requested();
    }
    free(r);
    return ok;
}

static void design_read(void *ctx, FILE *in) {
    design_job *j = ctx;
    design_rec *r = malloc(sizeof *r);
    ES_ASSERT(r);
    while (fread(r, sizeof *r, 1, in) == 1) {
        j->res[r->i] = r->d;
        j->have[r->i] = true;
    }
    free(r);
}

/* Groups are taken in order: about group[done] designs are done. */
static void design_tick(void *ctx, int64_t done, int64_t n) {
    design_job *j = ctx;
    if (done > 0) progress(j->c, j->group[done], j->group[n], j->t0, 1);
}

bool dse_run(dse_ctx *c, dse_design **out, int64_t *nout, status *st) {
    if (!dse_prepare(c, st)) return false;
    int64_t nd = hw_space_count(&c->space);
    hw_config def = hw_default();
    int64_t cnt = hw_space_find(&c->space, &def) < 0 ? 1 : 0;
    for (int64_t i = 0; i < nd; i++) cnt += in_shard(c, i);
    int64_t *pos = malloc((size_t)cnt * sizeof *pos), *order = malloc((size_t)cnt * sizeof *order);
    int64_t *group = malloc(((size_t)cnt + 1) * sizeof *group);
    dse_design *res = calloc((size_t)cnt, sizeof *res);
    bool *have = calloc((size_t)cnt + 1, sizeof *have);
    if (!pos || !order || !group || !res || !have) {
        free(pos), free(order), free(group), free(res), free(have);
        return status_fail(st, "dse: out of memory for %lld designs", (long long)cnt);
    }
    int64_t k = 0;
    if (hw_space_find(&c->space, &def) < 0) pos[k++] = -1;
    for (int64_t i = 0; i < nd; i++)
        if (in_shard(c, i)) pos[k++] = i;
    int64_t ng = group_designs(c, pos, cnt, order, group);
    c->progress_last = -1;
    design_job j = {.c = c, .pos = pos, .order = order, .group = group, .res = res, .have = have, .t0 = es_now_ms()};
    pool_job pj = {.jobs = c->o.jobs, .n = ng, .ctx = &j, .work = design_work, .read = design_read,
                   .tick = design_tick, .what = "dse designs"};
    bool ok = pool_run(&pj, st);
    int64_t got = 0;
    for (int64_t i = 0; i < cnt; i++) got += have[i];
    if (ok && got != cnt) ok = status_fail(st, "dse: %lld of %lld designs evaluated", (long long)got, (long long)cnt);
    free(pos), free(order), free(group), free(have);
    if (!ok) {
        free(res);
        return false;
    }
    *out = res;
    *nout = cnt;
    return true;
}

/* ---- validation on the simulator ---- */

bool dse_layer_pick(dse_ctx *c, const hw_config *hw, int l, dse_pick *p, status *st) {
    memset(p, 0, sizeof *p);
    dse_entry *e = layer_entry(c, l, hw, st);
    if (!e) return false;
    dse_choice ch;
    dse_dctx dc;
    dctx_init(&dc, hw);
    if (!choose(c, e, &dc, &ch)) return status_fail(st, "dse: layer %s has no schedule on %s", c->layers[l].name, hw->name);
    const dse_cand *cd = &e->c[ch.cand];
    p->e = cd->e;
    p->n = cd->n;
    p->s = ch.s;
    p->packed = ch.cand == 1;
    p->cycles = ch.cycles;
    p->energy_pj = ch.energy;
    status in;
    status_init(&in);
    if (!sched_derive(&c->layers[l], hw, &p->n, &p->s, &in))
        return status_fail(st, "dse: internal: layer %s: the chosen schedule does not fit %s: %s", c->layers[l].name,
                           hw->name, in.msg);
    return true;
}

/* The layers validated of n with a sample of `sample` (0: all), in order. */
static int val_layers(int n, int sample, int k) {
    int take = sample > 0 && sample < n ? sample : n;
    return k < 0 ? take : take == n ? k : (int)((int64_t)k * n / take);
}

/* One design-layer on the simulator: the model's and the simulator's cycles. */
static bool validate_layer(dse_ctx *c, const hw_config *hw, int l, double *model, double *simc, status *st) {
    dse_pick p;
    if (!dse_layer_pick(c, hw, l, &p, st)) return false;
    /* the cost module on the design itself must give the figure the design was ranked by */
    sched t = p.s;
    double cyc = 0, en = 0;
    sim_report rep;
    status in;
    status_init(&in);
    if (!cost_vta_eval(&c->layers[l], hw, &p.n, &t, &cyc, &en, &in) ||
        !cost_sim(&c->layers[l], hw, &p.e, &p.n, &p.s, &rep, &in))
        return status_fail(st, "dse: validation of design %s, layer %s: %s", hw->name, c->layers[l].name, in.msg);
    if (!(fabs(cyc - p.cycles) <= 1e-9 * p.cycles))
        return status_fail(st, "dse: internal: design %s, layer %s: estimate %.17g here, %.17g on the design", hw->name,
                           c->layers[l].name, p.cycles, cyc);
    *model = p.cycles;
    *simc = (double)rep.cycles;
    return true;
}

/* Sums a design's validated layers (the sample of n layers) into its val_ fields. */
static void val_sum(dse_design *d, int n, int sample, int take, const double *model, const double *simc) {
    double m = 0, sm = 0, worst = 0;
    d->val_worst_layer = -1;
    for (int k = 0; k < take; k++) {
        m += model[k];
        sm += simc[k];
        double err = simc[k] > 0 ? fabs(model[k] - simc[k]) / simc[k] : 0;
        if (err > worst || d->val_worst_layer < 0) {
            worst = err;
            d->val_worst_layer = val_layers(n, sample, k);
        }
    }
    d->val_layers = take;
    d->val_model = m;
    d->val_sim = sm;
    d->val_err = sm > 0 ? (m - sm) / sm : 0;
    d->val_max_layer_err = worst;
}

bool dse_validate(dse_ctx *c, dse_design *d, int sample, status *st) {
    if (d->reason != DSE_FEASIBLE) return true;
    int take = val_layers(c->nlayers, sample, -1);
    double *v = malloc(2 * (size_t)take * sizeof *v);
    ES_ASSERT(v);
    bool ok = true;
    for (int k = 0; k < take && ok; k++)
        ok = validate_layer(c, &d->hw, val_layers(c->nlayers, sample, k), &v[k], &v[take + k], st);
    if (ok) val_sum(d, c->nlayers, sample, take, v, v + take);
    free(v);
    return ok;
}

/* The validation's tasks (design-layers, design which[t / take]) on the pool: a line
 * "t MODEL SIM" per task (hex floats: exact). */
typedef struct val_job {
    dse_ctx *c;
    const dse_design *d;
    const int64_t *which;
    int take, sample;
    int64_t ntask;
    double *res;    /* res[t] the model's, res[ntask + t] the simulator's cycles */
    bool *have;
} val_job;

static bool val_work(void *ctx, int64_t t, FILE *out, status *st) {
    val_job *j = ctx;
    const dse_design *x = &j->d[j->which[t / j->take]];
    double m, sm;
    if (!validate_layer(j->c, &x->hw, val_layers(j->c->nlayers, j->sample, (int)(t % j->take)), &m, &sm, st))
        return false;
    fprintf(out, "%lld %a %a\n", (long long)t, m, sm);
    return true;
}

static void val_read(void *ctx, FILE *in) {
    val_job *j = ctx;
    char line[512];
    while (fgets(line, sizeof line, in)) {
        long long t;
        double m, sm;
        if (sscanf(line, "%lld %la %la", &t, &m, &sm) == 3 && t >= 0 && t < j->ntask) {
            j->res[t] = m;
            j->res[j->ntask + t] = sm;
            j->have[t] = true;
        }
    }
}

static void val_tick(void *ctx, int64_t done, int64_t n) {
    val_job *j = ctx;
    if (j->c->o.progress && done > 0 && done != j->c->progress_last &&
        (done % (n / 10 > 0 ? n / 10 : 1) == 0 || done == n)) {
        fprintf(j->c->o.progress, "dse: validation %lld/%lld design-layers on the simulator\n", (long long)done,
                (long long)n);
        j->c->progress_last = done;
    }
}

bool dse_validate_front(dse_ctx *c, dse_design *d, int64_t n, int sample, status *st) {
    int take = val_layers(c->nlayers, sample, -1);
    int64_t *which = malloc((size_t)(n > 0 ? n : 1) * sizeof *which), nv = 0;
    ES_ASSERT(which);
    for (int64_t i = 0; i < n; i++)
        if ((d[i].pareto_cycles || d[i].is_default) && d[i].reason == DSE_FEASIBLE) which[nv++] = i;
    int64_t ntask = nv * take;
    val_job j = {.c = c, .d = d, .which = which, .take = take, .sample = sample, .ntask = ntask};
    j.res = calloc(2 * (size_t)(ntask > 0 ? ntask : 1), sizeof *j.res);
    j.have = calloc((size_t)ntask + 1, sizeof *j.have);
    ES_ASSERT(j.res && j.have);
    c->progress_last = -1;
    pool_job pj = {.jobs = c->o.jobs, .n = ntask, .ctx = &j, .work = val_work, .read = val_read, .tick = val_tick,
                   .what = "dse validation"};
    bool ok = pool_run(&pj, st);
    for (int64_t t = 0; ok && t < ntask; t++)
        if (!j.have[t]) ok = status_fail(st, "dse: validation: design-layer %lld has no result", (long long)t);
    for (int64_t k = 0; ok && k < nv; k++)
        val_sum(&d[which[k]], c->nlayers, sample, take, j.res + k * take, j.res + ntask + k * take);
    free(j.res);
    free(j.have);
    free(which);
    return ok;
}

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

bool dse_validation_summary(const dse_design *d, int64_t n, double *median, double *max, double *worst_layer,
                            int64_t *count) {
    double *v = malloc((size_t)(n > 0 ? n : 1) * sizeof *v);
    ES_ASSERT(v);
    int64_t k = 0;
    *max = *worst_layer = 0;
    for (int64_t i = 0; i < n; i++) {
        if (!d[i].val_layers) continue;
        v[k++] = fabs(d[i].val_err);
        if (fabs(d[i].val_err) > *max) *max = fabs(d[i].val_err);
        if (d[i].val_max_layer_err > *worst_layer) *worst_layer = d[i].val_max_layer_err;
    }
    qsort(v, (size_t)k, sizeof *v, cmp_double);
    *median = k ? (k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2) : 0;
    *count = k;
    free(v);
    return k > 0;
}

/* ---- Pareto ---- */

static bool dominates(double a1, double a2, double b1, double b2) {
    return a1 <= b1 && a2 <= b2 && (a1 < b1 || a2 < b2);
}

void dse_pareto(dse_design *d, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        d[i].pareto_cycles = d[i].pareto_energy = false;
        if (d[i].reason != DSE_FEASIBLE) continue;
        bool dc = false, de = false;
        for (int64_t j = 0; j < n && !(dc && de); j++) {
            if (j == i || d[j].reason != DSE_FEASIBLE) continue;
            dc = dc || dominates(d[j].cycles, d[j].area, d[i].cycles, d[i].area);
            de = de || dominates(d[j].energy_uj, d[j].area, d[i].energy_uj, d[i].area);
        }
        d[i].pareto_cycles = !dc;
        d[i].pareto_energy = !de;
    }
}
