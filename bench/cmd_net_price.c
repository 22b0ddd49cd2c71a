/* cmd_net_price: stage 3 of the network flow (see bench/cmd_net.h): for every VTA layer
 * the price of its input's transition from each alternative of its VTA producer (the
 * edge matrix) or from the host's canonical layout, and of its output's transition to
 * the canonical layout when a host node or the network output reads it; the maps are
 * core/netlayout_map's, the prices nl_transition_of's. Layers are priced on the worker
 * pool (bench/pool.h), one item each; a worker writes a layer's figures as one text
 * line (doubles as hex floats), the parent reads them back.
 * Invariant: V[v] is the same whatever the number of jobs (exact round trip). */
#include <stdlib.h>
#include <string.h>

#include "bench/cmd_net.h"
#include "bench/pool.h"

static bool map_of_out(const net *g, const netrun_opts *opt, const netrun_layer *l, int32_t a, nl_map *m,
                       status *st) {
    const net_node *n = net_node_at(g, l->node);
    emb_nest nest;
    if (!emb_nest_derive(&n->o, HW_INTRINSIC(&opt->hw), &l->alt[a].e, &nest, st)) return false;
    int32_t *rm = netrun_out_remap(g, n);
    bool ok = nl_map_out(&n->o, HW_INTRINSIC(&opt->hw), &l->alt[a].e, &nest, rm, m, st);
    free(rm);
    return ok;
}

/* The input map of alternative a (nl_map_act), or false (a copy priced from *bytes)
 * when there is none. */
static bool map_of_in(const net *g, const netrun_opts *opt, const netrun_layer *l, int32_t a, nl_map *m,
                      int64_t *bytes) {
    const net_node *n = net_node_at(g, l->node);
    const netrun_alt *x = &l->alt[a];
    status st;
    status_init(&st);
    emb_nest nest;
    if (!emb_nest_derive(&n->o, HW_INTRINSIC(&opt->hw), &x->e, &nest, &st)) return false;
    *bytes = nest.dram_bytes[nl_act_operand(&x->e)];
    return nl_map_act(&n->o, HW_INTRINSIC(&opt->hw), &x->e, &nest, x->act == TARGET_ACT_PADDED, m, bytes, &st);
}

/* 3: boundary costs and the edge matrix of layer v. */
static bool price_layer(const net *g, const netrun_opts *opt, const netrun_layer *L, netrun_lvar *V, int32_t v,
                        status *st) {
    const net_node *n = net_node_at(g, v);
    const netrun_layer *l = &L[v];
    const net_tensor *tin = net_tensor_at(g, n->in[0]), *tout = net_tensor_at(g, n->out);
    int32_t u = tin->producer;
    V[v].prod = u >= 0 && L[u].engine == NET_ON_VTA ? u : -1;
    nl_map cin = {0}, cout = {0}, pm[NETRUN_MAX_ALTS];
    memset(pm, 0, sizeof pm);
    const nl_price pr = {hw_bus_bytes(&opt->hw), opt->hw.dram_latency};
    bool ok = nl_map_canonical(HW_INTRINSIC(&opt->hw), tin->rank, tin->shape, &cin, st) &&
              nl_map_canonical(HW_INTRINSIC(&opt->hw), tout->rank, tout->shape, &cout, st);
    if (V[v].prod >= 0)
        for (int32_t a = 0; ok && a < L[u].nalts; a++) {
            ok = map_of_out(g, opt, &L[u], a, &pm[a], st);
            if (ok) nl_map_index(&pm[a]); /* shared by the transitions to every alternative */
        }
    if (ok && V[v].prod >= 0) {
        V[v].em = calloc((size_t)(L[u].nalts * l->nalts), sizeof *V[v].em);
        V[v].ek = calloc((size_t)(L[u].nalts * l->nalts), sizeof *V[v].ek);
        ES_ASSERT(V[v].em && V[v].ek);
    }
    /* host consumers (or the network output) read the canonical layout */
    int32_t users[64], nu = net_tensor_users(g, n->out, users, 64);
    bool host_user = n->out == net_output(g) || nu > 64;
    for (int32_t k = 0; k < nu && k < 64; k++) host_user |= L[users[k]].engine != NET_ON_VTA;
    for (int32_t b = 0; ok && b < l->nalts; b++) {
        nl_map im;
        int64_t ibytes = 0;
        bool have = map_of_in(g, opt, l, b, &im, &ibytes);
        nl_transition t = have ? nl_transition_of(&pr, &cin, &im)
                               : nl_copy_transition(&pr, net_tensor_elems(tin), ibytes);
        V[v].bin[b] = V[v].prod >= 0 ? 0 : t.cycles;
        V[v].kin[b] = t.kind;
        for (int32_t a = 0; V[v].prod >= 0 && a < L[u].nalts; a++) {
            nl_transition e = have ? nl_transition_of(&pr, &pm[a], &im)
                                   : nl_copy_transition(&pr, pm[a].nvec * pm[a].lanes, ibytes);
            V[v].em[a * l->nalts + b] = e.cycles;
            V[v].ek[a * l->nalts + b] = e.kind;
        }
        if (have) nl_map_free(&im);
        V[v].bout[b] = 0;
        V[v].kout[b] = NL_TR_SAME;
        if (host_user) {
            nl_map om;
            ok = map_of_out(g, opt, l, b, &om, st);
            nl_transition to = ok ? nl_transition_of(&pr, &om, &cout) : t;
            V[v].bout[b] = to.cycles;
            V[v].kout[b] = to.kind;
            if (ok) nl_map_free(&om);
        }
    }
    for (int32_t a = 0; a < NETRUN_MAX_ALTS; a++)
        if (pm[a].idx) nl_map_free(&pm[a]);
    if (cin.idx) nl_map_free(&cin);
    if (cout.idx) nl_map_free(&cout);
    return ok;
}


/* The pool's job: the VTA layers in node order. */
typedef struct price_job {
    const net *g;
    const netrun_opts *opt;
    const netrun_layer *L;
    netrun_lvar *V;
    const int32_t *node; /* node of item i */
    bool *done;          /* per node: read back */
} price_job;

/* "P v prod nb na {bin kin bout kout}*nb {em ek}*(na*nb)". */
static bool price_work(void *ctx, int64_t i, FILE *out, status *st) {
    price_job *j = ctx;
    int32_t v = j->node[i];
    netrun_lvar *x = &j->V[v]; /* this process's copy (in a worker); read back below */
    bool ok = price_layer(j->g, j->opt, j->L, j->V, v, st);
    if (ok) {
        int32_t nb = j->L[v].nalts, na = x->prod >= 0 ? j->L[x->prod].nalts : 0;
        fprintf(out, "P %d %d %d %d", (int)v, (int)x->prod, (int)nb, (int)na);
        for (int32_t b = 0; b < nb; b++)
            fprintf(out, " %a %d %a %d", x->bin[b], (int)x->kin[b], x->bout[b], (int)x->kout[b]);
        for (int32_t k = 0; k < na * nb; k++) fprintf(out, " %a %d", x->em[k], (int)x->ek[k]);
        fputc('\n', out);
    }
    free(x->em);
    free(x->ek);
    x->em = NULL;
    x->ek = NULL;
    return ok && !es_stop_requested();
}

static bool read_kind(FILE *in, nl_trans_kind *k) {
    int x;
    if (fscanf(in, "%d", &x) != 1 || x < NL_TR_SAME || x > NL_TR_COPY) return false;
    *k = (nl_trans_kind)x;
    return true;
}

static void price_read(void *ctx, FILE *in) {
    price_job *j = ctx;
    char tag;
    while (fscanf(in, " %c", &tag) == 1) {
        int v, prod, nb, na;
        ES_ASSERT(tag == 'P' && fscanf(in, "%d %d %d %d", &v, &prod, &nb, &na) == 4);
        ES_ASSERT(v >= 0 && v < net_nnodes(j->g) && nb == j->L[v].nalts && nb <= NETRUN_MAX_ALTS);
        netrun_lvar *x = &j->V[v];
        x->prod = prod;
        for (int b = 0; b < nb; b++)
            ES_ASSERT(fscanf(in, "%la", &x->bin[b]) == 1 && read_kind(in, &x->kin[b]) &&
                      fscanf(in, "%la", &x->bout[b]) == 1 && read_kind(in, &x->kout[b]));
        if (prod >= 0) {
            x->em = calloc((size_t)(na * nb), sizeof *x->em);
            x->ek = calloc((size_t)(na * nb), sizeof *x->ek);
            ES_ASSERT(x->em && x->ek);
            for (int k = 0; k < na * nb; k++) ES_ASSERT(fscanf(in, "%la", &x->em[k]) == 1 && read_kind(in, &x->ek[k]));
        }
        j->done[v] = true;
    }
}

static void price_tick(void *ctx, int64_t done, int64_t n) {
    price_job *j = ctx;
    netrun_stage(j->opt, "pricing the transitions: %lld of %lld VTA layers", (long long)done, (long long)n);
}

bool netrun_price(const net *g, const netrun_opts *opt, const netrun_layer *L, netrun_lvar *V, status *st) {
    int32_t nn = net_nnodes(g), nv = 0;
    int32_t *node = malloc(((size_t)nn + 1) * sizeof *node);
    bool *done = calloc((size_t)nn + 1, sizeof *done);
    ES_ASSERT(node && done);
    for (int32_t i = 0; i < nn; i++)
        if (L[i].engine == NET_ON_VTA) node[nv++] = i;
    price_job j = {.g = g, .opt = opt, .L = L, .V = V, .node = node, .done = done};
    pool_job pj = {.jobs = opt->jobs, .n = nv, .ctx = &j, .work = price_work, .read = price_read,
                   .tick = price_tick, .what = "pricing"};
    bool ok = pool_run(&pj, st);
    for (int32_t k = 0; ok && k < nv; k++)
        if (!done[node[k]]) ok = status_fail(st, "net: layer %s was not priced", net_node_at(g, node[k])->name);
    free(node);
    free(done);
    return ok;
}
