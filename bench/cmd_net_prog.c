/* cmd_net_prog: one program per network (`embedsyn net --one-program`, see
 * bench/cmd_net.h and vta/netprog.h). From a flow's choices (netrun_run), in node order:
 *   input          the network input in the canonical layout (NCHW1n16c) in the image
 *   VTA layer      its regions and code appended to the open segment (the driver's
 *                  chosen schedule regenerated at the image's regions); its input read
 *                  in place when the region holding the tensor already has the bytes
 *                  its loads expect (netprog_map_serves: the `same` transition),
 *                  else written into its own input region by extra STOREs of its VTA
 *                  producer when every vector it loads is one of the producer's
 *                  (netprog_store_plan: `store`), else re-laid out by the host, which
 *                  closes the segment (the hand-off happens before the layer's
 *                  segment runs). Two passes: the plans and input modes of every
 *                  layer first (a producer must know its consumers' STOREs), then
 *                  the regions, code and steps in node order.
 *   host node      closes the segment; at the hand-off the host reads its inputs from
 *                  the image, computes it (net_ref_node) and writes its output into a
 *                  canonical-layout region of the image
 * Run: the steps in order on the one image (segments on the simulator in strict mode:
 * the program stays in the portable subset; hand-offs on the host); checked: every tensor read back from the image after the run and
 * compared bit for bit with net_ref_run. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cmd_net.h"
#include "core/alloc.h"
#include "core/ref.h"
#include "core/text.h"
#include "vta/netprog.h"
#include "vta/target.h"

typedef enum { STEP_SEGMENT, STEP_HOST, STEP_RELAYOUT } step_kind;

typedef struct np_step {
    step_kind kind;
    int32_t index;  /* segment, host node, or the re-laid tensor */
    int region;     /* STEP_RELAYOUT: target region and its map */
    nl_map map;
} np_step;

typedef struct tloc {
    int region; /* -1: not in the image */
    nl_map map;
} tloc;

/* How a VTA layer's input arrives. */
typedef enum { IN_PLACE, IN_STORE, IN_HOST } in_mode;
#define NP_MAX_ALSO 8 /* consumers one producer stores for (more: host re-layouts) */

/* A VTA layer's plan (pass 1). */
typedef struct lplan {
    driver_plan *pl;       /* NULL off VTA */
    sched s;
    nl_map cm;             /* its compact input layout */
    in_mode mode;
    int inp_region;        /* IN_STORE: set when the producer is emitted */
    int nalso;             /* consumers this layer also stores for */
    netprog_store_target also[NP_MAX_ALSO];
    int32_t also_node[NP_MAX_ALSO];
} lplan;

struct netrun_prog {
    const net *g;
    hw_config hw;
    netprog *np;
    tloc *loc;          /* per tensor */
    lplan *plan;        /* per node */
    np_step *step;
    int32_t nstep, cap;
    int32_t *layer_of;  /* node -> netprog layer, -1 */
    netrun_prog_result res;
};

static void push_step(netrun_prog *q, np_step s) {
    if (q->nstep == q->cap) {
        q->cap = q->cap ? 2 * q->cap : 32;
        np_step *v = es_reallocarray(q->step, (size_t)q->cap, sizeof *v);
        ES_ASSERT(v); /* small */
        q->step = v;
    }
    q->step[q->nstep++] = s;
}

static void close_segment(netrun_prog *q) {
    int k = netprog_end_segment(q->np);
    if (k >= 0) push_step(q, (np_step){STEP_SEGMENT, k, -1, {0}});
}

/* A canonical-layout region for tensor t (its map is set). */
static bool canonical_region(netrun_prog *q, int32_t t, status *st) {
    const net_tensor *tt = net_tensor_at(q->g, t);
    tloc *l = &q->loc[t];
    char name[32], shape[96];
    snprintf(name, sizeof name, "t%d", (int)t);
    snprintf(shape, sizeof shape, "%lldx%lldx%lldx%lld", (long long)tt->shape[0], (long long)tt->shape[1],
             (long long)(tt->rank == 4 ? tt->shape[2] : 1), (long long)(tt->rank == 4 ? tt->shape[3] : 1));
    l->region = netprog_add_tensor(q->np, name, (uint64_t)(l->map.nvec * l->map.lanes), shape, "NCHW1n16c", st);
    return l->region >= 0;
}

/* Pass 1 for a VTA layer: plan, schedule, input and output maps, and how its input
 * arrives: in place, stored by its VTA producer (a target in the producer's list), or
 * re-laid out by the host. */
static bool plan_vta_layer(netrun_prog *q, const netrun_layer *L, int32_t i, status *st) {
    const net_node *n = net_node_at(q->g, i);
    lplan *lp = &q->plan[i];
    lp->pl = es_malloc(sizeof *lp->pl);
    if (!lp->pl) return status_fail(st, "out of memory");
    lp->inp_region = -1;
    const netrun_alt *a = &L->alt[L->chosen];
    /* its schedule: the one the driver chose for the alternative (whose cycles the flow
     * reports), loaded from its saved form, no search */
    if (!driver_plan_make(&n->o, &q->hw, &a->e, a->src == DRV_CHOSE_REFERENCE, lp->pl, st) ||
        !sched_load(a->sched, &n->o, &q->hw, &lp->pl->n, &lp->s, st) ||
        !netprog_inp_map(&n->o, &q->hw, &lp->pl->e, &lp->pl->n, &lp->s, &lp->cm, st))
        return false;
    int32_t *rm = netrun_out_remap(q->g, n);
    bool ok = nl_map_out(&n->o, HW_INTRINSIC(&q->hw), &lp->pl->e, &lp->pl->n, rm, &q->loc[n->out].map, st);
    free(rm);
    const tloc *in = &q->loc[n->in[0]];
    int32_t u = net_tensor_at(q->g, n->in[0])->producer;
    lplan *pp = u >= 0 ? &q->plan[u] : NULL;
    netprog_store_target t;
    bool sw = lp->pl->e.swap; /* WGT blocks are no producer's OUT rows: always the host */
    lp->mode = IN_HOST;
    if (!sw && netprog_map_serves(&in->map, &lp->cm)) {
        lp->mode = IN_PLACE;
    } else if (!sw && ok && pp && pp->pl && pp->nalso < NP_MAX_ALSO && netprog_store_plan(&in->map, &lp->cm, &t)) {
        lp->mode = IN_STORE;
        pp->also[pp->nalso] = t;
        pp->also_node[pp->nalso++] = i;
    }
    return ok;
}

/* Pass 2 for a VTA layer: the regions of the consumers it stores for, then its own
 * regions and code (after a hand-off when the host re-lays its input out). */
static bool emit_vta_layer(netrun_prog *q, const netrun_layer *L, int32_t i, status *st) {
    const net_node *n = net_node_at(q->g, i);
    lplan *lp = &q->plan[i];
    for (int k = 0; k < lp->nalso; k++) {
        lplan *c = &q->plan[lp->also_node[k]];
        char name[32];
        snprintf(name, sizeof name, "L%d.inp", (int)lp->also_node[k]);
        c->inp_region = lp->also[k].region =
            netprog_add_tensor(q->np, name, (uint64_t)(c->cm.nvec * c->cm.lanes), "", "stored by the producer", st);
        if (c->inp_region < 0) return false;
    }
    const tloc *in = &q->loc[n->in[0]];
    if (lp->mode == IN_HOST) close_segment(q);
    char prefix[32];
    snprintf(prefix, sizeof prefix, "L%d", (int)i);
    int inp = lp->mode == IN_PLACE ? in->region : lp->inp_region;
    int k = netprog_add_layer_storing(q->np, prefix, &n->o, &lp->pl->e, &lp->pl->n, &lp->s, inp, n->wt,
                                      n->o.rq.bias ? n->bias : NULL, lp->also, lp->nalso, st);
    if (k < 0) return false;
    const netprog_layer *nl = netprog_layer_at(q->np, k);
    q->res.ndirect += lp->mode == IN_PLACE;
    q->res.nstored += lp->mode == IN_STORE;
    for (int a = 0; a < lp->nalso; a++) q->res.store_vectors += lp->also[a].stores;
    if (lp->mode == IN_HOST) {
        q->res.nrelayout++;
        /* as the flow prices it */
        q->res.relayout_cycles +=
            nl_transition_of(&(nl_price){hw_bus_bytes(&q->hw), q->hw.dram_latency}, &in->map, &lp->cm).cycles;
        push_step(q, (np_step){STEP_RELAYOUT, n->in[0], nl->region[netprog_act_region(&lp->pl->e)], lp->cm});
        memset(&lp->cm, 0, sizeof lp->cm); /* the step owns it */
    }
    q->layer_of[i] = k;
    q->loc[n->out].region = nl->region[LOWER_R_OUT];
    q->res.nlayers++;
    q->res.layer_cycles += L->alt[L->chosen].cycles;
    return true;
}

static void plan_free(lplan *lp) {
    free(lp->pl);
    nl_map_free(&lp->cm);
    for (int k = 0; k < lp->nalso; k++) netprog_store_target_free(&lp->also[k]);
}

void netrun_prog_destroy(netrun_prog *q) {
    if (!q) return;
    for (int32_t t = 0; q->loc && t < net_ntensors(q->g); t++) nl_map_free(&q->loc[t].map);
    for (int32_t i = 0; q->plan && i < net_nnodes(q->g); i++) plan_free(&q->plan[i]);
    for (int32_t k = 0; k < q->nstep; k++) nl_map_free(&q->step[k].map);
    netprog_destroy(q->np);
    free(q->loc);
    free(q->plan);
    free(q->step);
    free(q->layer_of);
    free(q);
}

/* Pass 1 over the nodes (schedules, maps and input modes), pass 2 (regions, code,
 * steps). */
static bool build_passes(netrun_prog *q, const netrun_result *r, status *st) {
    int32_t nn = net_nnodes(q->g);
    bool ok = true;
    for (int32_t i = 0; ok && i < nn; i++) {
        const net_node *n = net_node_at(q->g, i);
        const net_tensor *t = net_tensor_at(q->g, n->out);
        q->layer_of[i] = -1;
        if (n->kind != NET_INPUT && r->layer[i].engine == NET_ON_VTA) ok = plan_vta_layer(q, &r->layer[i], i, st);
        else ok = nl_map_canonical(HW_INTRINSIC(&q->hw), t->rank, t->shape, &q->loc[n->out].map, st);
        if (!ok) status_context(st, "node '%s'", n->name);
    }
    for (int32_t i = 0; ok && i < nn; i++) {
        const net_node *n = net_node_at(q->g, i);
        if (n->kind == NET_INPUT) {
            ok = canonical_region(q, n->out, st);
        } else if (r->layer[i].engine == NET_ON_VTA) {
            ok = emit_vta_layer(q, &r->layer[i], i, st);
            if (!ok) status_context(st, "node '%s'", n->name);
        } else {
            close_segment(q);
            push_step(q, (np_step){STEP_HOST, i, -1, {0}});
            q->res.nhost++;
            ok = canonical_region(q, n->out, st);
        }
    }
    if (ok) close_segment(q);
    return ok && netprog_finalize(q->np, st);
}

netrun_prog *netrun_prog_build(const net *g, const netrun_opts *o, const netrun_result *r, status *st) {
    netrun_prog *q = es_calloc(1, sizeof *q);
    if (!q) return status_fail(st, "out of memory"), NULL;
    netrun_stage(o, "one program: schedules, regions and code");
    q->g = g;
    q->hw = o->hw;
    int32_t nt = net_ntensors(g), nn = net_nnodes(g);
    q->np = netprog_create(&o->hw);
    q->loc = es_calloc((size_t)nt, sizeof *q->loc);
    q->plan = es_calloc((size_t)nn, sizeof *q->plan);
    q->layer_of = es_calloc((size_t)nn, sizeof *q->layer_of);
    bool ok = q->np && q->loc && q->plan && q->layer_of;
    if (!ok) status_fail(st, "out of memory");
    for (int32_t t = 0; ok && t < nt; t++) q->loc[t].region = -1;
    if (!ok || !build_passes(q, r, st)) {
        netrun_prog_destroy(q);
        return NULL;
    }
    q->res.nsegments = netprog_nsegments(q->np);
    q->res.insns = vta_prog_ninsns(netprog_prog(q->np));
    vta_prog_dram(netprog_prog(q->np), &q->res.image_bytes);
    return q;
}

netprog *netrun_prog_image(netrun_prog *q) { return q->np; }
int32_t netrun_prog_layer(const netrun_prog *q, int32_t node) { return q->layer_of[node]; }

/* Tensor t read back from the image (elements the map does not hold: 0). */
static int8_t *read_tensor(netrun_prog *q, int32_t t) {
    int8_t *v = es_calloc((size_t)net_tensor_elems(net_tensor_at(q->g, t)), 1);
    if (v && q->loc[t].region >= 0) netprog_get(q->np, q->loc[t].region, &q->loc[t].map, v);
    return v;
}

/* A host node at its hand-off: inputs from the image, output into it. */
static bool host_step(netrun_prog *q, int32_t i, status *st) {
    const net_node *n = net_node_at(q->g, i);
    int8_t **vals = es_calloc((size_t)net_ntensors(q->g), sizeof *vals);
    bool ok = vals != NULL;
    for (int32_t k = 0; ok && k < n->nin; k++)
        if (!vals[n->in[k]]) ok = (vals[n->in[k]] = read_tensor(q, n->in[k])) != NULL;
    if (ok) ok = (vals[n->out] = es_calloc((size_t)net_tensor_elems(net_tensor_at(q->g, n->out)), 1)) != NULL;
    if (ok) {
        net_ref_node(q->g, i, vals);
        netprog_put(q->np, q->loc[n->out].region, &q->loc[n->out].map, vals[n->out]);
    }
    for (int32_t t = 0; vals && t < net_ntensors(q->g); t++) free(vals[t]);
    free(vals);
    return ok || status_fail(st, "out of memory at node '%s'", n->name);
}

/* Every tensor read back from the image against the reference. */
static bool check_all(netrun_prog *q, const int8_t *input, status *st) {
    int8_t **want = NULL;
    if (!net_ref_run(q->g, input, &want, st)) return false;
    netrun_prog_result *r = &q->res;
    r->check = DRV_CHECK_PASS;
    bool ok = true;
    for (int32_t t = 0; ok && t < net_ntensors(q->g) && r->check == DRV_CHECK_PASS; t++) {
        const net_tensor *tt = net_tensor_at(q->g, t);
        int8_t *got = read_tensor(q, t);
        ok = got != NULL;
        for (int64_t k = 0; ok && k < net_tensor_elems(tt); k++)
            if (got[k] != want[t][k]) {
                r->check = DRV_CHECK_FAIL;
                snprintf(r->check_msg, sizeof r->check_msg, "tensor '%s'[%lld] = %d in the image, reference %d",
                         tt->name, (long long)k, got[k], want[t][k]);
                break;
            }
        free(got);
    }
    net_values_free(q->g, want);
    return ok || status_fail(st, "out of memory for the check");
}

/* --bundle: DIR/steps.txt, the steps in the order they run (opened with a header). */
static FILE *open_steps(const netrun_opts *o, status *st) {
    char path[4096];
    if (snprintf(path, sizeof path, "%s/steps.txt", o->bundle) >= (int)sizeof path) {
        status_fail(st, "%s: path too long", o->bundle);
        return NULL;
    }
    if (!text_mkdir_p(o->bundle, st)) return NULL;
    FILE *f = fopen(path, "w");
    if (!f) {
        status_fail(st, "%s: cannot create: %s", path, strerror(errno));
        return NULL;
    }
    fprintf(f, "# embedsyn network program: run these steps in order on one DRAM image.\n"
               "# segment K DIR: run bundle DIR (its dram.bin is the image just before segment K;\n"
               "#   VTA regions L<node>.*, activations t<tensor> and L<node>.inp)\n"
               "# host NODE: the host computes node NODE from the image and writes its output\n"
               "# relayout TENSOR REGION: the host copies tensor TENSOR into region REGION's layout\n");
    return f;
}

/* One step's line in steps.txt; a segment's bundle too (the image as it is now). */
static bool bundle_step(netrun_prog *q, const np_step *s, FILE *f, const char *dir, status *st) {
    const vta_prog *p = netprog_prog(q->np);
    switch (s->kind) {
    case STEP_SEGMENT: {
        char sub[4096];
        int w = 2; /* digits: the names sort in segment order */
        for (int m = netprog_nsegments(q->np) - 1; m >= 100; m /= 10) w++;
        if (snprintf(sub, sizeof sub, "%s/segment-%0*d", dir, w, (int)s->index) >= (int)sizeof sub)
            return status_fail(st, "%s: path too long", dir);
        fprintf(f, "segment %d segment-%0*d layers", (int)s->index, w, (int)s->index);
        for (int32_t i = 0; i < net_nnodes(q->g); i++)
            if (q->layer_of[i] >= 0 && netprog_layer_at(q->np, q->layer_of[i])->segment == s->index)
                fprintf(f, " L%d=%s", (int)i, net_node_at(q->g, i)->name);
        fputc('\n', f);
        return netprog_write_segment(q->np, s->index, sub, st);
    }
    case STEP_HOST: {
        const net_node *n = net_node_at(q->g, s->index);
        fprintf(f, "host %s %s inputs", n->name, net_node_kind_name(n->kind));
        for (int k = 0; k < n->nin; k++) fprintf(f, " t%d", (int)n->in[k]);
        fprintf(f, " output t%d\n", (int)n->out);
        break;
    }
    case STEP_RELAYOUT:
        fprintf(f, "relayout t%d %s\n", (int)s->index, vta_prog_region(p, s->region)->name);
        break;
    }
    return true;
}

bool netrun_prog_run(netrun_prog *q, const netrun_opts *o, netrun_prog_result *res, status *st) {
    netrun_prog_result *r = &q->res;
    r->cycles = 0;
    r->relayout_bytes = 0;
    r->check = DRV_CHECK_SKIPPED;
    r->check_msg[0] = 0;
    int32_t tin = net_input(q->g);
    int64_t nin = net_tensor_elems(net_tensor_at(q->g, tin));
    int8_t *input = es_malloc((size_t)nin);
    if (!input) return status_fail(st, "out of memory");
    ref_fill_i8(input, nin, o->seed);
    netprog_put(q->np, q->loc[tin].region, &q->loc[tin].map, input);
    sim_options so = {.timing_only = o->timing_only, .strict = true, .model = SIM_MODEL_PORTABLE};
    ES_ASSERT(!o->bundle || !o->timing_only); /* the command line refuses it */
    FILE *steps = o->bundle ? open_steps(o, st) : NULL;
    bool ok = !o->bundle || steps;
    for (int32_t k = 0; ok && k < q->nstep; k++) {
        const np_step *s = &q->step[k];
        netrun_stage(o, "one program: step %d of %d (%s)", (int)k + 1, (int)q->nstep,
                     s->kind == STEP_SEGMENT ? "VTA segment" : s->kind == STEP_RELAYOUT ? "host re-layout" : "host node");
        if (es_stop_requested()) ok = status_fail(st, "stopped by a signal");
        else if (steps && !bundle_step(q, s, steps, o->bundle, st)) ok = false;
        else if (s->kind == STEP_SEGMENT) {
            sim_report rep;
            ok = netprog_run_segment(q->np, s->index, &so, &rep, st);
            r->cycles += rep.cycles;
            if (!ok) status_context(st, "segment %d", (int)s->index);
        } else if (s->kind == STEP_RELAYOUT) {
            r->relayout_bytes += s->map.nvec * s->map.lanes;
            int8_t *v = o->timing_only ? NULL : read_tensor(q, s->index);
            if (v) netprog_put(q->np, s->region, &s->map, v);
            ok = o->timing_only || v || status_fail(st, "out of memory");
            free(v);
        } else if (!o->timing_only) {
            ok = host_step(q, s->index, st);
        }
    }
    if (steps && fclose(steps) != 0 && ok) ok = status_fail(st, "%s/steps.txt: write failed", o->bundle);
    if (ok && o->check && !o->timing_only) ok = check_all(q, input, st);
    free(input);
    *res = *r;
    return ok;
}

bool netrun_one_program(const net *g, const netrun_opts *o, const netrun_result *r, netrun_prog_result *res,
                        status *st) {
    netrun_prog *q = netrun_prog_build(g, o, r, st);
    if (!q) return false;
    bool ok = netrun_prog_run(q, o, res, st);
    netrun_prog_destroy(q);
    return ok;
}
