/* cmd_net_run: one flow over a whole network (see bench/cmd_net.h), in order:
 *   1. placement        CONV/DENSE on VTA, the rest on the host (reference flow: the first
 *                       conv and the final dense on the host as well)
 *   2. alternatives     per distinct VTA layer: embeddings simulated timing-only through
 *                       the one-layer pipeline (driver_run_plan), by --jobs worker
 *                       processes (bench/pool.h) whose results come back as cache lines;
 *                       a layer none fits runs on the host (reported)
 *   3. transitions      per VTA -> VTA edge a cost matrix, per boundary with the host a
 *                       cost per alternative (core/netlayout_map), on the same workers
 *                       (bench/cmd_net_price.c)
 *   4. joint choice     nl_solve (exact variable elimination), and the layer-alone choice
 *   5. run              the chosen layer programs with real data on the simulator, host
 *                       nodes on the host, each tensor compared with net_ref_run. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/cmd_net.h"
#include "bench/pool.h"
#include "core/ref.h"
#include "encoders/enc.h"
#include "vta/cost.h"
#include "vta/costform_vta.h"
#include "vta/target.h"

static const char *const flow_names[] = {NETRUN_FLOWS(ES_NAME2)};
static const char *const placement_names[] = {NETRUN_PLACEMENTS(ES_NAME2)};
const char *netrun_flow_name(netrun_flow f) { return flow_names[f]; }
const char *netrun_placement_name(netrun_placement p) { return placement_names[p]; }

/* name -> id through the tables above; false (out unchanged) for an unknown name */
bool netrun_flow_parse(const char *s, netrun_flow *f) {
    int i = es_name_find(flow_names, NETRUN_NFLOWS, s);
    return i >= 0 && (*f = (netrun_flow)i, true);
}
bool netrun_placement_parse(const char *s, netrun_placement *p) {
    int i = es_name_find(placement_names, NETRUN_NPLACEMENTS, s);
    return i >= 0 && (*p = (netrun_placement)i, true);
}

void netrun_opts_init(netrun_opts *o) {
    memset(o, 0, sizeof *o);
    o->flow = NETRUN_EMBEDSYN;
    o->hw = hw_default();
    o->placement = NETRUN_PLACE_GRAPH_PACK;
    o->max_alts = 2;
    o->rlimit = NETRUN_RLIMIT;
    o->timeout_s = 600;
    o->seed = 1;
    o->jobs = 1;
}

void netrun_stage(const netrun_opts *o, const char *fmt, ...) {
    if (!o->stage) return;
    char buf[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    o->stage(buf);
}

void netrun_result_free(netrun_result *r) {
    free(r->layer);
    r->layer = NULL;
}

/* 1. */
static void place(const net *g, bool graph_pack, netrun_layer *L) {
    int32_t first_conv = -1, last_dense = -1, nn = net_nnodes(g);
    for (int32_t i = 0; i < nn; i++) {
        const net_node *n = net_node_at(g, i);
        L[i].node = i;
        L[i].engine = n->kind == NET_CONV || n->kind == NET_DENSE ? NET_ON_VTA : NET_ON_HOST;
        if (n->kind == NET_CONV && first_conv < 0) first_conv = i;
        if (n->kind == NET_DENSE) last_dense = i;
    }
    if (graph_pack) {
        if (first_conv >= 0) L[first_conv].engine = NET_ON_HOST;
        if (last_dense >= 0) L[last_dense].engine = NET_ON_HOST;
    }
}

/* The distinct-layer key: the operator's shape and requantization. */
static void layer_key(const op *o, char *buf, size_t len) {
    char s[300];
    op_summary(o, s, sizeof s);
    snprintf(buf, len, "%s|%d|%d|%d|%d|%d|%d", s, o->rq.shift, o->rq.clip_lo, o->rq.clip_hi, (int)o->rq.bias,
             o->rq.bias_axis, (int)o->rq.relu);
}

/* Simulates embedding e of o timing-only with the input's DRAM layout act and appends
 * it unless its layout is already listed or (below > 0) it takes below cycles or more
 * (not simulated when the cost model's estimate says so). Returns its cycles (0: it
 * failed or was not simulated); *padded: its input layout has zero bands that the DMA
 * pads, i.e. a PADDED variant is another layout. */
static uint64_t add_variant(const op *o, const hw_config *hw, const emb *e, bool reference, driver_choice src,
                            target_act act, uint64_t below, bool *padded, netrun_layer *l) {
    if (l->nalts >= NETRUN_MAX_ALTS) return 0;
    driver_plan *pl = malloc(sizeof *pl);
    ES_ASSERT(pl);
    status st;
    status_init(&st);
    driver_opts d;
    driver_opts_init(&d);
    d.timing_only = true;
    d.act = act;                                 /* as in the network program (cmd_net_prog.c) */
    if (below > 0) d.sim_above = (double)below; /* not simulated unless its estimate is faster */
    driver_result r;
    memset(&r, 0, sizeof r);
    uint64_t cycles = 0;
    *padded = false;
    if (driver_plan_make(o, hw, e, reference, pl, &st) && driver_run_plan(pl, &d, &r, &st) &&
        r.sim.cycles != UINT64_MAX) {
        cycles = r.sim.cycles;
        const emb_layout *L = &pl->n.lay[EMB_INP];
        for (int a = 0; a < L->naxes && !e->swap; a++) *padded |= L->zero_lo[a] + L->zero_hi[a] > 0;
        if (act == TARGET_ACT_PADDED) {
            size_t k = strlen(r.layout);
            snprintf(r.layout + k, sizeof r.layout - k, "; input padding in DRAM");
        }
        bool dup = below > 0 && cycles >= below;
        for (int32_t i = 0; i < l->nalts && !dup; i++)
            dup = !strcmp(l->alt[i].layout, r.layout) && l->alt[i].cycles == r.sim.cycles;
        if (!dup) {
            netrun_alt *a = &l->alt[l->nalts++];
            a->e = *e;
            a->src = src;
            a->act = act;
            a->cycles = r.sim.cycles;
            snprintf(a->sched, sizeof a->sched, "%s", r.sched_saved);
            snprintf(a->layout_class, sizeof a->layout_class, "%s", r.layout_class);
            snprintf(a->layout, sizeof a->layout, "%s", r.layout);
        }
    }
    free(pl);
    return cycles;
}

/* Embedding e of o with the input's zero bands left to the DMA (the network's standard
 * layout), then, when it has zero bands, with them kept in DRAM if that is faster (the
 * transitions decide between the two; the reference keeps TVM's DMA padding). */
static void add_alt(const op *o, const hw_config *hw, const emb *e, bool reference, driver_choice src,
                    netrun_layer *l) {
    bool padded;
    uint64_t c = add_variant(o, hw, e, reference, src, TARGET_ACT_COMPACT, 0, &padded, l);
    if (c > 0 && padded && !reference) add_variant(o, hw, e, false, src, TARGET_ACT_PADDED, c, &padded, l);
}

/* 2, the solver's part: its optimum under the cycles objective, then up to max_alts - 1
 * points of the Pareto front of (cycles, instances, bytes) (fastest first by the cost
 * form's estimate), each query under the rlimit budget. */
static void solver_alternatives(const op *o, const netrun_opts *opt, netrun_layer *l) {
    const hw_config *hw = &opt->hw;
    status st;
    status_init(&st);
    enc_options eo;
    enc_options_init(&eo);
    eo.objective = ENC_OBJ_DEFAULT;
    eo.rlimit = opt->rlimit;
    eo.timeout_s = opt->timeout_s;
    costform_vta(hw, o, &eo.cf);
    double c0 = enc_cpu_ms();
    enc_result *er = malloc(sizeof *er);
    ES_ASSERT(er);
    if (enc_solve(o, HW_INTRINSIC(hw), &eo, er, &st)) {
        l->solve_rlimit += er->rlimit_used;
        if (er->found) add_alt(o, hw, &er->e, false, DRV_CHOSE_SOLVER, l);
    }
    free(er);
    enc_alts a;
    status_init(&st);
    if (opt->max_alts > 1 && enc_layouts(o, HW_INTRINSIC(hw), &eo, false, opt->max_alts - 1, &a, &st)) {
        for (int32_t i = 0; i < a.n; i++) add_alt(o, hw, &a.a[i].e, false, DRV_CHOSE_SOLVER, l);
        enc_alts_free(&a);
    }
    l->solve_cpu_ms += enc_cpu_ms() - c0;
}

/* 2: the alternatives of one layer. The reference flow's (channel packing with TVM's
 * schedule template) comes first in both flows, so the embedsyn flow can always choose
 * exactly what the reference flow runs and its total is never above the reference's. */
static void alternatives(const op *o, const netrun_opts *opt, netrun_layer *l) {
    const hw_config *hw = &opt->hw;
    status st;
    status_init(&st);
    emb e;
    l->nalts = 0;
    if (target_default()->reference_embedding(o, hw, &e, &st)) add_alt(o, hw, &e, true, DRV_CHOSE_REFERENCE, l);
    if (opt->flow == NETRUN_REFERENCE) return;
    if (opt->max_alts > 0) solver_alternatives(o, opt, l);
    status_init(&st);
    if (emb_channel_packing(o, HW_INTRINSIC(hw), &e, &st)) add_alt(o, hw, &e, false, DRV_CHOSE_CHANNEL_PACKING, l);
    char dims[64];
    op_reduction_dims(o, dims, sizeof dims);
    status_init(&st);
    if (emb_im2col(o, HW_INTRINSIC(hw), dims, &e, &st)) add_alt(o, hw, &e, false, DRV_CHOSE_IM2COL, l);
    status_init(&st);
    if (emb_group_band(o, HW_INTRINSIC(hw), &e, &st)) add_alt(o, hw, &e, false, DRV_CHOSE_BAND, l);
}

/* op Out natural index -> the node's output tensor index (-1: cropped away), or NULL
 * when they are the same (no crop, dense with one row). */
int32_t *netrun_out_remap(const net *g, const net_node *n) {
    const op *o = &n->o;
    const net_tensor *t = net_tensor_at(g, n->out);
    int64_t nout = op_tensor_elems(o, OP_OUT);
    if (nout == net_tensor_elems(t) && (n->kind == NET_CONV ? !n->crop_h && !n->crop_w : o->gemm.n == 1)) return NULL;
    int32_t *m = malloc((size_t)nout * sizeof *m);
    ES_ASSERT(m);
    const int64_t *os = o->t[OP_OUT].shape;
    for (int64_t i = 0; i < nout; i++) {
        if (n->kind == NET_DENSE) { /* Out C[M, N] -> tensor [N, M] */
            int64_t M = os[0], N = os[1];
            m[i] = (int32_t)((i % N) * M + i / N);
            continue;
        }
        int64_t w = i % os[3], h = i / os[3] % os[2], c = i / (os[3] * os[2]) % os[1], b = i / (os[3] * os[2] * os[1]);
        int64_t th = h - n->crop_h, tw = w - n->crop_w;
        bool in = th >= 0 && tw >= 0 && th < t->shape[2] && tw < t->shape[3];
        m[i] = in ? (int32_t)(((b * t->shape[1] + c) * t->shape[2] + th) * t->shape[3] + tw) : -1;
    }
    return m;
}

/* 4: the joint choice, the layer-alone one, and the chosen transitions per layer. */
static bool choose(const net *g, netrun_layer *L, netrun_lvar *V, netrun_result *r, status *st) {
    int32_t nn = net_nnodes(g), nv = 0;
    for (int32_t i = 0; i < nn; i++) V[i].var = L[i].engine == NET_ON_VTA ? nv++ : -1;
    nl_problem *p = nl_create(nv);
    int32_t *ch = calloc((size_t)nv + 1, sizeof *ch), *al = calloc((size_t)nv + 1, sizeof *al);
    bool ok = p && ch && al;
    if (!ok) status_fail(st, "out of memory");
    for (int32_t i = 0; ok && i < nn; i++) {
        if (V[i].var < 0) continue;
        double c[NETRUN_MAX_ALTS];
        for (int32_t a = 0; a < L[i].nalts; a++) {
            c[a] = (double)L[i].alt[a].cycles + V[i].bin[a] + V[i].bout[a];
            if (L[i].alt[a].cycles < L[i].alt[al[V[i].var]].cycles) al[V[i].var] = a;
        }
        ok = nl_set_alts(p, V[i].var, L[i].nalts, c, st);
    }
    for (int32_t i = 0; ok && i < nn; i++)
        if (V[i].var >= 0 && V[i].prod >= 0) ok = nl_add_edge(p, V[V[i].prod].var, V[i].var, V[i].em, st);
    if (ok) ok = nl_solve(p, ch, &r->solve, st);
    if (ok) {
        r->alone_total = nl_eval(p, al);
        r->total_cycles = r->solve.total;
        for (int32_t i = 0; i < nn; i++) {
            if (V[i].var < 0) continue;
            netrun_layer *l = &L[i];
            l->chosen = ch[V[i].var];
            l->alone = al[V[i].var];
            l->trans_out = V[i].bout[l->chosen];
            l->trans_kind_out = V[i].kout[l->chosen];
            l->trans_in = V[i].bin[l->chosen];
            l->trans_kind_in = V[i].kin[l->chosen];
            if (V[i].prod >= 0) {
                int32_t k = L[V[i].prod].chosen * l->nalts + l->chosen;
                l->trans_in = V[i].em[k];
                l->trans_kind_in = V[i].ek[k];
            }
            r->vta_cycles += l->alt[l->chosen].cycles;
            r->vta_floor += (uint64_t)l->floor_cycles;
            r->trans_cycles += l->trans_in + l->trans_out;
        }
    }
    nl_destroy(p);
    free(ch);
    free(al);
    return ok;
}

/* The distinct layers whose alternatives are computed (not cached), for the pool. */
typedef struct alt_job {
    const net *g;
    netrun_opts opt;      /* the flow's options (no progress output in a worker) */
    const netrun_opts *parent_opt;
    pid_t parent;
    netrun_cache *cache;  /* the lines read back go here (and to the --cache file) */
    const int32_t *node;  /* node of item i */
    const uint64_t *key;  /* its cache key */
    netrun_layer *L;      /* the flow's layers: solver figures and empty results */
    bool *done;           /* item i read back */
} alt_job;

/* One distinct layer: its alternatives as cache lines, then a line
 * "stat KEY NALTS CPU_MS RLIMIT" (also for a layer with none). */
static bool alt_work(void *ctx, int64_t i, FILE *out, status *st) {
    (void)st; /* a layer that nothing fits has no alternatives: a result */
    alt_job *j = ctx;
    int32_t v = j->node[i];
    const net_node *n = net_node_at(j->g, v);
    if (getpid() == j->parent) /* a worker leaves the parent's progress display alone */
        netrun_stage(j->parent_opt, "layer %s (node %d of %d): alternatives", n->name, (int)v + 1,
                     (int)net_nnodes(j->g));
    netrun_layer *l = calloc(1, sizeof *l);
    ES_ASSERT(l);
    alternatives(&n->o, &j->opt, l);
    bool ok = !es_stop_requested(); /* never a cut-short entry */
    if (ok) {
        netrun_cache_write(out, j->key[i], l);
        fprintf(out, "stat %016llx %d %.3f %llu\n", (unsigned long long)j->key[i], (int)l->nalts, l->solve_cpu_ms,
                (unsigned long long)l->solve_rlimit);
        fflush(out);
    }
    free(l);
    return ok;
}

static void alt_read(void *ctx, FILE *in) {
    alt_job *j = ctx;
    char line[2048];
    while (fgets(line, sizeof line, in)) {
        unsigned long long key, rl;
        int nalts;
        double ms;
        if (sscanf(line, "stat %llx %d %lf %llu", &key, &nalts, &ms, &rl) != 4) {
            ES_ASSERT(netrun_cache_add_line(j->cache, line));
            continue;
        }
        for (int32_t k = 0; j->node[k] >= 0; k++)
            if (j->key[k] == key && !j->done[k]) {
                netrun_layer *l = &j->L[j->node[k]];
                l->solve_cpu_ms = ms;
                l->solve_rlimit = rl;
                l->nalts = nalts; /* 0: none; else the cache holds them */
                j->done[k] = true;
                break;
            }
    }
}

static void alt_tick(void *ctx, int64_t done, int64_t n) {
    alt_job *j = ctx;
    if (j->opt.jobs > 1)
        netrun_stage(j->parent_opt, "alternatives of %lld distinct layers: %lld done (%d worker processes)",
                     (long long)n, (long long)done, j->opt.jobs);
}

/* The alternatives of every distinct VTA layer that the cache does not hold, computed
 * by opt->jobs worker processes and read back through the cache lines. */
static bool compute_missing(const net *g, const netrun_opts *opt, netrun_cache *cache, netrun_layer *L,
                            const int32_t *miss, const uint64_t *key, int32_t nmiss, status *st) {
    alt_job j = {.g = g, .opt = *opt, .parent_opt = opt, .parent = getpid(), .cache = cache, .node = miss,
                 .key = key, .L = L};
    j.opt.progress = false;
    j.opt.stage = NULL;
    j.done = calloc((size_t)nmiss + 1, sizeof *j.done);
    ES_ASSERT(j.done);
    pool_job pj = {.jobs = opt->jobs, .n = nmiss, .ctx = &j, .work = alt_work, .read = alt_read,
                   .tick = alt_tick, .what = "layer alternatives"};
    bool ok = pool_run(&pj, st);
    for (int32_t k = 0; k < nmiss && ok; k++) {
        netrun_layer *l = &L[miss[k]];
        if (!j.done[k])
            ok = status_fail(st, "net: layer %s: no alternatives came back from its worker",
                             net_node_at(g, miss[k])->name);
        else if (l->nalts > 0)
            ES_ASSERT(netrun_cache_get(cache, key[k], &net_node_at(g, miss[k])->o, &opt->hw, l));
    }
    free(j.done);
    return ok;
}

/* 2 for every VTA layer: the first layer of each shape gets its alternatives from the
 * cache or computes them (compute_missing), the others copy them. */
static bool all_alternatives(const net *g, const netrun_opts *opt, bool graph_pack, netrun_cache *cache,
                             netrun_layer *L, netrun_result *r, status *st) {
    int32_t nn = net_nnodes(g), nmiss = 0;
    int32_t *same = malloc((size_t)nn * sizeof *same), *miss = malloc(((size_t)nn + 1) * sizeof *miss);
    uint64_t *key = malloc((size_t)nn * sizeof *key);
    ES_ASSERT(same && miss && key);
    for (int32_t i = 0; i < nn; i++) {
        same[i] = -1;
        if (L[i].engine != NET_ON_VTA) continue;
        const op *o = &net_node_at(g, i)->o;
        char k1[400], k2[400];
        layer_key(o, k1, sizeof k1);
        for (int32_t j = 0; j < i && same[i] < 0; j++)
            if (L[j].engine == NET_ON_VTA && same[j] < 0) {
                layer_key(&net_node_at(g, j)->o, k2, sizeof k2);
                if (net_node_at(g, j)->kind == net_node_at(g, i)->kind && !strcmp(k1, k2)) same[i] = j;
            }
        if (same[i] >= 0) continue;
        key[nmiss] = netrun_cache_key(k1, opt);
        L[i].cached = netrun_cache_get(cache, key[nmiss], o, &opt->hw, &L[i]);
        if (!L[i].cached) miss[nmiss++] = i;
    }
    miss[nmiss] = -1;
    bool ok = compute_missing(g, opt, cache, L, miss, key, nmiss, st);
    for (int32_t i = 0; i < nn && ok; i++) {
        if (L[i].engine != NET_ON_VTA) continue;
        const op *o = &net_node_at(g, i)->o;
        if (same[i] >= 0) {
            memcpy(L[i].alt, L[same[i]].alt, sizeof L[i].alt);
            L[i].nalts = L[same[i]].nalts;
        } else {
            L[i].key_first = L[i].nalts > 0;
            r->ndistinct += L[i].nalts > 0;
            r->solve_cpu_ms += L[i].solve_cpu_ms;
            r->solve_rlimit += L[i].solve_rlimit;
        }
        if (opt->progress)
            fprintf(stderr, "net: %s: %d alternative%s%s (solver %.1f s CPU)\n", net_node_at(g, i)->name, L[i].nalts,
                    L[i].nalts == 1 ? "" : "s",
                    same[i] >= 0 ? " (same shape as an earlier layer)" : L[i].cached ? " (cached)" : "",
                    L[i].solve_cpu_ms / 1000);
        /* graph-pack: a layer the reference embedding does not fit stays on the host, as
         * in the reference flow */
        bool ref = L[i].nalts > 0 && L[i].alt[0].src == DRV_CHOSE_REFERENCE;
        if (!L[i].nalts || (graph_pack && !ref)) L[i].engine = NET_ON_HOST;
        cost_floor fl;
        cost_vta_floor(o, &opt->hw, &fl);
        L[i].floor_cycles = fl.cycles;
    }
    free(same);
    free(miss);
    free(key);
    return ok;
}

/* 5: one VTA layer with its real data; out gets the node's output tensor. */
static bool run_layer(const net *g, const netrun_opts *opt, netrun_layer *l, int8_t *const *vals, status *st) {
    const net_node *n = net_node_at(g, l->node);
    const op *o = &n->o;
    int64_t nout = op_tensor_elems(o, OP_OUT);
    int8_t *out = malloc((size_t)nout);
    driver_plan *pl = malloc(sizeof *pl);
    ES_ASSERT(out && pl);
    driver_data dd = {vals[n->in[0]], n->wt, o->rq.bias ? n->bias : NULL, out};
    driver_opts d;
    driver_opts_init(&d);
    d.act = l->alt[l->chosen].act;
    d.sched_text = l->alt[l->chosen].sched; /* the schedule the alternative's run chose */
    d.check = opt->check;
    d.data = &dd;
    driver_result dr;
    memset(&dr, 0, sizeof dr);
    bool ok = driver_plan_make(o, &opt->hw, &l->alt[l->chosen].e, l->alt[l->chosen].src == DRV_CHOSE_REFERENCE, pl,
                               st) &&
              driver_run_plan(pl, &d, &dr, st);
    if (ok) {
        l->check = opt->check ? dr.check : DRV_CHECK_SKIPPED;
        ES_ASSERT(dr.sim.cycles == l->alt[l->chosen].cycles); /* functional = timing-only */
        int32_t *rm = netrun_out_remap(g, n);
        int8_t *t = vals[n->out];
        for (int64_t i = 0; i < nout; i++)
            if (!rm) t[i] = out[i];
            else if (rm[i] >= 0) t[rm[i]] = out[i];
        free(rm);
    } else {
        status_context(st, "node '%s'", n->name);
    }
    free(out);
    free(pl);
    return ok;
}

/* 5: the whole network on real data; every tensor against the reference. */
static bool run_values(const net *g, const netrun_opts *opt, netrun_layer *L, netrun_result *r, status *st) {
    int32_t nt = net_ntensors(g), nn = net_nnodes(g);
    int8_t **vals = calloc((size_t)nt, sizeof *vals);
    ES_ASSERT(vals);
    bool ok = true;
    for (int32_t t = 0; t < nt && ok; t++) {
        vals[t] = malloc((size_t)net_tensor_elems(net_tensor_at(g, t)));
        if (!vals[t]) ok = status_fail(st, "out of memory for tensor '%s'", net_tensor_at(g, t)->name);
    }
    int8_t *input = ok ? vals[net_input(g)] : NULL;
    if (ok) ref_fill_i8(input, net_tensor_elems(net_tensor_at(g, net_input(g))), opt->seed);
    for (int32_t i = 0; ok && i < nn; i++) {
        const net_node *n = net_node_at(g, i);
        if (es_stop_requested()) ok = status_fail(st, "stopped by a signal");
        if (!ok || n->kind == NET_INPUT) continue;
        if (L[i].engine == NET_ON_VTA) {
            netrun_stage(opt, "running layer %s with data", n->name);
            ok = run_layer(g, opt, &L[i], vals, st);
            if (ok && L[i].check == DRV_CHECK_FAIL && r->check != DRV_CHECK_FAIL) {
                r->check = DRV_CHECK_FAIL;
                snprintf(r->check_msg, sizeof r->check_msg, "node '%s': the layer's output differs from ref_run", n->name);
            }
        } else {
            net_ref_node(g, i, vals);
        }
        if (opt->progress && L[i].engine == NET_ON_VTA) fprintf(stderr, "net: ran %s\n", n->name);
    }
    if (ok && opt->check) {
        int8_t **want = NULL;
        ok = net_ref_run(g, input, &want, st);
        if (r->check != DRV_CHECK_FAIL) r->check = DRV_CHECK_PASS;
        for (int32_t t = 0; ok && t < nt && r->check == DRV_CHECK_PASS; t++) {
            const net_tensor *tt = net_tensor_at(g, t);
            for (int64_t k = 0; k < net_tensor_elems(tt); k++)
                if (vals[t][k] != want[t][k]) {
                    r->check = DRV_CHECK_FAIL;
                    snprintf(r->check_msg, sizeof r->check_msg, "tensor '%s'[%lld] = %d, reference %d", tt->name,
                             (long long)k, vals[t][k], want[t][k]);
                    break;
                }
        }
        if (want) net_values_free(g, want);
    }
    for (int32_t t = 0; t < nt; t++) free(vals[t]);
    free(vals);
    return ok;
}

bool netrun_run(const net *g, const netrun_opts *opt, netrun_result *r, status *st) {
    memset(r, 0, sizeof *r);
    r->flow = opt->flow;
    r->check = DRV_CHECK_SKIPPED;
    if (!net_check(g, st)) return false;
    int32_t nn = net_nnodes(g);
    double t0 = es_now_ms();
    r->nlayers = nn;
    r->layer = calloc((size_t)nn, sizeof *r->layer);
    netrun_lvar *V = calloc((size_t)nn, sizeof *V);
    if (!r->layer || !V) {
        free(V);
        return status_fail(st, "out of memory");
    }
    netrun_layer *L = r->layer;
    bool graph_pack = opt->flow == NETRUN_REFERENCE || opt->placement == NETRUN_PLACE_GRAPH_PACK;
    r->placement = graph_pack ? NETRUN_PLACE_GRAPH_PACK : NETRUN_PLACE_ALL;
    place(g, graph_pack, L);
    netrun_cache *cache = netrun_cache_open(opt->cache, st); /* NULL path: in memory */
    if (!cache) {
        free(V);
        return false;
    }
    bool ok = all_alternatives(g, opt, graph_pack, cache, L, r, st);
    netrun_cache_close(cache);
    if (ok) ok = netrun_price(g, opt, L, V, st);
    netrun_stage(opt, "choosing the layouts");
    if (ok) ok = choose(g, L, V, r, st);
    for (int32_t i = 0; i < nn; i++) {
        free(V[i].em);
        free(V[i].ek);
        if (L[i].engine == NET_ON_VTA) {
            r->nvta++;
        } else if (net_node_at(g, i)->kind != NET_INPUT) {
            r->nhost++;
            L[i].host = net_node_host_work(g, i);
            r->host.bytes += L[i].host.bytes;
            r->host.ops += L[i].host.ops;
        }
    }
    free(V);
    r->compile_ms = es_now_ms() - t0;
    double t1 = es_now_ms();
    if (ok && !opt->timing_only) ok = run_values(g, opt, L, r, st);
    r->run_ms = es_now_ms() - t1;
    return ok;
}
