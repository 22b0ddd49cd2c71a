/* Tests of whole networks on VTA (bench/cmd_net_run.c): a small network with a
 * residual, a depthwise layer, pools and a dense layer (the built-in "tiny") compiled,
 * simulated and checked bit for bit against the C reference of the network, in both
 * flows; the totals add up from the per-layer figures; the joint layout choice is no
 * worse than each layer alone with its transitions paid; the layout maps of channel
 * packing equal the canonical NCHW1n16c layout (independent index arithmetic here). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/cmd_net.h"
#include "core/emb.h"
#include "core/netlayout_map.h"
#include "core/onnx.h"
#include "core/ref.h"
#include "vta/cost_dse.h"

static net *tiny(void) {
    status st;
    status_init(&st);
    net *g = netrun_builtin("tiny", 3, &st);
    cr_assert_not_null(g, "%s", st.msg);
    return g;
}

static void run_flow(netrun_flow flow, bool check, netrun_result *r) {
    net *g = tiny();
    netrun_opts o;
    netrun_opts_init(&o);
    o.flow = flow;
    o.placement = NETRUN_PLACE_ALL; /* the reference flow: graph-pack whatever this says */
    o.max_alts = 0; /* the fixed alternatives only: no solver, fast */
    o.check = check;
    o.timing_only = !check;
    status st;
    status_init(&st);
    cr_assert(netrun_run(g, &o, r, &st), "%s", st.msg);
    /* totals from the layers */
    uint64_t vta = 0;
    double trans = 0;
    int nvta = 0;
    for (int32_t i = 0; i < r->nlayers; i++) {
        const netrun_layer *l = &r->layer[i];
        if (l->engine != NET_ON_VTA) continue;
        nvta++;
        cr_assert_lt(l->chosen, l->nalts);
        vta += l->alt[l->chosen].cycles;
        trans += l->trans_in + l->trans_out;
        if (check) cr_assert_eq(l->check, DRV_CHECK_PASS, "layer %s", net_node_at(g, i)->name);
    }
    cr_assert_eq(nvta, r->nvta);
    cr_assert_eq(vta, r->vta_cycles);
    cr_assert_float_eq(trans, r->trans_cycles, 1e-6);
    cr_assert_float_eq(r->total_cycles, (double)vta + trans, 1e-6);
    cr_assert_eq(r->solve.status, NL_OPTIMAL);
    cr_assert_leq(r->total_cycles, r->alone_total + 1e-6);
    net_destroy(g);
}

/* Also: the timing-only run gives the functional run's cycles (the simulator's invariant). */
Test(netprog, tiny_embedsyn_bit_exact) {
    netrun_result r, b;
    run_flow(NETRUN_EMBEDSYN, true, &r);
    cr_assert_eq(r.check, DRV_CHECK_PASS, "%s", r.check_msg);
    cr_assert_eq(r.nvta, 4); /* conv, depthwise, 1x1 conv, dense */
    run_flow(NETRUN_EMBEDSYN, false, &b);
    cr_assert_eq(r.vta_cycles, b.vta_cycles);
    cr_assert_float_eq(r.total_cycles, b.total_cycles, 1e-6);
    cr_assert_eq(b.check, DRV_CHECK_SKIPPED);
    netrun_result_free(&r);
    netrun_result_free(&b);
}

Test(netprog, tiny_reference_flow_bit_exact) {
    netrun_result r;
    run_flow(NETRUN_REFERENCE, true, &r);
    cr_assert_eq(r.check, DRV_CHECK_PASS, "%s", r.check_msg);
    /* graph_pack: the first conv and the final dense on the host */
    cr_assert_eq(r.layer[1].engine, NET_ON_HOST);
    cr_assert_eq(r.layer[r.nlayers - 1].engine, NET_ON_HOST);
    cr_assert_gt(r.host.ops, 0);
    netrun_result_free(&r);
}

/* The reference flow's embedding is among every embedsyn layer's alternatives and the
 * graph-pack placement offloads the same layers, so the joint choice can always pick
 * what the reference flow runs: embedsyn's total is never above it. */
static void never_above_reference(const char *name, int32_t alts) {
    status st;
    status_init(&st);
    net *g = netrun_builtin(name, 5, &st);
    cr_assert_not_null(g, "%s", st.msg);
    netrun_opts o;
    netrun_opts_init(&o);
    o.max_alts = alts;
    o.timing_only = true;
    netrun_result es, ref;
    cr_assert(netrun_run(g, &o, &es, &st), "%s", st.msg);
    o.flow = NETRUN_REFERENCE;
    cr_assert(netrun_run(g, &o, &ref, &st), "%s", st.msg);
    cr_assert_eq(es.placement, NETRUN_PLACE_GRAPH_PACK);
    cr_assert_eq(es.nvta, ref.nvta);
    cr_assert_gt(ref.nvta, 0);
    for (int32_t i = 0; i < es.nlayers; i++) {
        const netrun_layer *a = &es.layer[i], *b = &ref.layer[i];
        cr_assert_eq(a->engine, b->engine, "%s: layer %d placed differently", name, i);
        if (a->engine != NET_ON_VTA) continue;
        cr_assert_eq(b->nalts, 1);
        cr_assert_eq(a->alt[0].src, DRV_CHOSE_REFERENCE);
        cr_assert_eq(a->alt[0].cycles, b->alt[0].cycles);
        cr_assert_str_eq(a->alt[0].layout, b->alt[0].layout);
    }
    cr_assert_float_eq(ref.total_cycles, (double)ref.vta_cycles + ref.trans_cycles, 1e-6);
    cr_assert_leq(es.total_cycles, ref.total_cycles + 1e-6, "%s: %.0f > %.0f", name, es.total_cycles,
                  ref.total_cycles);
    netrun_result_free(&es);
    netrun_result_free(&ref);
    net_destroy(g);
}

/* a DAG with a residual, a depthwise layer and pools; no solver (fast) */
Test(netprog, embedsyn_never_above_reference_dag) { never_above_reference("tiny", 0); }
/* with the solver's optimum among the alternatives (three small convs: fast) */
Test(netprog, embedsyn_never_above_reference_solver) { never_above_reference("chain", 1); }

/* Channel packing of a 1x1 conv with 32 channels reads and writes NCHW1n16c: its input
 * map equals the canonical map of the input tensor, its output map that of the output
 * (computed here from the definition), so both transitions are free. */
static void conv(op *o, int64_t k, int64_t r) {
    op_conv p;
    memset(&p, 0, sizeof p);
    p.n = 1, p.c = 32, p.h = p.w = 5, p.k = k, p.r = p.s = r, p.stride_h = p.stride_w = 1;
    p.dil_h = p.dil_w = 1, p.groups = 1;
    status st;
    status_init(&st);
    cr_assert(op_build_conv(o, "c", &p, OP_CONV2D, &st), "%s", st.msg);
}

Test(netprog, channel_packing_is_canonical) {
    hw_config hw = hw_default();
    const nl_price pr = {hw_bus_bytes(&hw), hw.dram_latency};
    op o;
    conv(&o, 48, 1);
    status st;
    status_init(&st);
    emb e;
    emb_nest n;
    cr_assert(emb_channel_packing(&o, HW_INTRINSIC(&hw), &e, &st), "%s", st.msg);
    cr_assert(emb_nest_build(&o, HW_INTRINSIC(&hw), &e, &n, &st), "%s", st.msg);
    nl_map in, out, ci, co;
    cr_assert(nl_map_in(&o, HW_INTRINSIC(&hw), &e, &n, &in, &st), "%s", st.msg);
    cr_assert(nl_map_out(&o, HW_INTRINSIC(&hw), &e, &n, NULL, &out, &st), "%s", st.msg);
    int64_t ish[4] = {1, 32, 5, 5}, osh[4] = {1, 48, 5, 5};
    cr_assert(nl_map_canonical(HW_INTRINSIC(&hw), 4, ish, &ci, &st));
    cr_assert(nl_map_canonical(HW_INTRINSIC(&hw), 4, osh, &co, &st));
    /* the canonical map from its definition: vector (cb, y, x), lane c % 16 */
    cr_assert_eq(co.nvec, 3 * 25);
    for (int64_t cb = 0; cb < 3; cb++)
        for (int64_t q = 0; q < 25; q++)
            for (int64_t l = 0; l < 16; l++) cr_assert_eq(co.idx[(cb * 25 + q) * 16 + l], (cb * 16 + l) * 25 + q);
    nl_transition t = nl_transition_of(&pr, &ci, &in);
    cr_assert_eq(t.kind, NL_TR_SAME);
    cr_assert_float_eq(t.cycles, 0, 1e-9);
    t = nl_transition_of(&pr, &out, &co);
    cr_assert_eq(t.kind, NL_TR_SAME);
    /* a different layout: vectors 0 and 1 swapped is a direct store in three runs (1; 0;
     * 2..end): two extra DRAM latencies, cheaper than a copy */
    nl_map sh = {.nvec = co.nvec, .lanes = co.lanes, .idx = malloc((size_t)(co.nvec * co.lanes) * sizeof(int32_t))};
    memcpy(sh.idx, co.idx, (size_t)(co.nvec * 16) * sizeof(int32_t));
    memcpy(sh.idx, co.idx + 16, 16 * sizeof(int32_t));
    memcpy(sh.idx + 16, co.idx, 16 * sizeof(int32_t));
    t = nl_transition_of(&pr, &co, &sh);
    nl_transition c = nl_copy_transition(&pr, co.nvec * 16, co.nvec * 16);
    cr_assert_float_eq(c.cycles, (double)(2 * co.nvec * 16) / 8 + 32, 1e-9); /* 64-bit bus, one row */
    cr_assert_eq(t.kind, NL_TR_STORE);
    cr_assert_float_eq(t.cycles, 2.0 * hw.dram_latency, 1e-9);
    cr_assert_lt(t.cycles, c.cycles);
    /* every vector reversed: 75 runs would cost more than the copy, which is taken */
    for (int64_t v = 0; v < co.nvec; v++) memcpy(sh.idx + v * 16, co.idx + (co.nvec - 1 - v) * 16, 16 * sizeof(int32_t));
    t = nl_transition_of(&pr, &co, &sh);
    cr_assert_eq(t.kind, NL_TR_COPY);
    /* a lane permutation inside vectors cannot be stored directly: a copy */
    int32_t tmp = sh.idx[0];
    sh.idx[0] = sh.idx[1], sh.idx[1] = tmp;
    t = nl_transition_of(&pr, &co, &sh);
    cr_assert_eq(t.kind, NL_TR_COPY);
    cr_assert_float_eq(t.cycles, c.cycles, 1e-9);
    nl_map_free(&in), nl_map_free(&out), nl_map_free(&ci), nl_map_free(&co), nl_map_free(&sh);
}

/* l written alone into a fresh cache file at path, the file opened again: the lookup. */
static bool put_then_get(const char *path, uint64_t key, const netrun_layer *l, const op *o, const hw_config *hw,
                         netrun_layer *got) {
    status st;
    status_init(&st);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fclose(f);
    netrun_cache *c = netrun_cache_open(path, &st);
    cr_assert_not_null(c, "%s", st.msg);
    netrun_cache_put(c, key, l);
    netrun_cache_close(c);
    c = netrun_cache_open(path, &st);
    cr_assert_not_null(c, "%s", st.msg);
    bool hit = netrun_cache_get(c, key, o, hw, got);
    netrun_cache_close(c);
    return hit;
}

/* Alternative a's schedule as the driver saves it (candidate 0 of its plan). */
static void save_first_sched(const op *o, const hw_config *hw, netrun_alt *a) {
    status st;
    status_init(&st);
    driver_plan *pl = malloc(sizeof *pl);
    cr_assert_not_null(pl);
    bool ref = a->src == DRV_CHOSE_REFERENCE;
    cr_assert(driver_plan_make(o, hw, &a->e, ref, pl, &st), "%s", st.msg);
    const target *tg = target_vta();
    int tmpl;
    target_scheds *c = tg->schedules(o, hw, &pl->e, &pl->n, ref, a->act, 2, &tmpl, &st);
    cr_assert_not_null(c, "%s", st.msg);
    tg->sched_save(c, 0, a->sched, sizeof a->sched);
    tg->scheds_free(c);
    free(pl);
}

/* The alternatives cache: what is put comes back (embeddings, cycles, texts); another
 * key, an entry cut short, embeddings that do not fit the layer, or an input layout
 * that is not a network's are misses. */
Test(netprog, cache_round_trip) {
    char path[] = "/tmp/test_netprog_cache_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    hw_config hw = hw_default();
    status st;
    status_init(&st);
    op o, other;
    conv(&o, 48, 3);
    op_gemm gp = {.batch = 1, .m = 16, .n = 16, .k = 16};
    cr_assert(op_build_gemm(&other, "g", &gp, &st), "%s", st.msg);
    netrun_layer l, got;
    memset(&l, 0, sizeof l);
    l.nalts = 2;
    cr_assert(emb_channel_packing(&o, HW_INTRINSIC(&hw), &l.alt[0].e, &st), "%s", st.msg);
    cr_assert(emb_im2col(&o, HW_INTRINSIC(&hw), "c,r,s", &l.alt[1].e, &st), "%s", st.msg);
    for (int i = 0; i < 2; i++) {
        l.alt[i].src = i ? DRV_CHOSE_IM2COL : DRV_CHOSE_REFERENCE;
        l.alt[i].act = i ? TARGET_ACT_PADDED : TARGET_ACT_COMPACT;
        l.alt[i].cycles = 1000u + 7u * (unsigned)i;
        save_first_sched(&o, &hw, &l.alt[i]);
        snprintf(l.alt[i].layout_class, sizeof l.alt[i].layout_class, "class %d", i);
        snprintf(l.alt[i].layout, sizeof l.alt[i].layout, "layout, number %d", i);
    }
    netrun_opts no;
    netrun_opts_init(&no);
    uint64_t key = netrun_cache_key("k", &no);
    no.rlimit++;
    cr_assert_neq(netrun_cache_key("k", &no), key, "the solver budget is part of the key");
    no.rlimit--;
    cr_assert_eq(netrun_cache_key("k", &no), key);
    cr_assert_eq(netrun_cache_key_at("k", &no, COST_MODEL_VERSION), key);
    cr_assert_neq(netrun_cache_key_at("k", &no, COST_MODEL_VERSION + 1), key,
                  "the cost model's version is part of the key: it chose the cached cycles' schedules");
    netrun_cache *c = netrun_cache_open(path, &st);
    cr_assert_not_null(c, "%s", st.msg);
    netrun_cache_put(c, key, &l);
    netrun_cache_close(c);
    c = netrun_cache_open(path, &st);
    cr_assert_not_null(c, "%s", st.msg);
    memset(&got, 0, sizeof got);
    cr_assert(netrun_cache_get(c, key, &o, &hw, &got));
    cr_assert_eq(got.nalts, 2);
    for (int i = 0; i < 2; i++) {
        const netrun_alt *a = &l.alt[i], *b = &got.alt[i];
        cr_assert_eq(a->src, b->src);
        cr_assert_eq(a->act, b->act);
        cr_assert_eq(a->cycles, b->cycles);
        cr_assert_str_eq(a->sched, b->sched);
        cr_assert_str_eq(a->layout, b->layout);
        cr_assert_str_eq(a->layout_class, b->layout_class);
        cr_assert_eq(a->e.swap, b->e.swap);
        for (int k = 0; k < 3; k++) {
            cr_assert_eq(a->e.nterms[k], b->e.nterms[k]);
            for (int t = 0; t < a->e.nterms[k]; t++) {
                const emb_term *x = &a->e.term[k][t], *y = &b->e.term[k][t];
                cr_assert(x->dim == y->dim && x->extent == y->extent && x->comp_dim == y->comp_dim &&
                          x->comp_coef == y->comp_coef);
            }
        }
    }
    cr_assert_not(netrun_cache_get(c, key + 1, &o, &hw, &got));
    cr_assert_not(netrun_cache_get(c, key, &other, &hw, &got), "a conv's embeddings do not fit a GEMM");
    netrun_cache_close(c);
    /* the entry cut short: only its first line left */
    FILE *f = fopen(path, "r");
    char line[2048];
    cr_assert(f && fgets(line, sizeof line, f));
    fclose(f);
    f = fopen(path, "w");
    fputs(line, f);
    fputs("garbage\tline\n", f);
    fclose(f);
    c = netrun_cache_open(path, &st);
    cr_assert_not_null(c, "%s", st.msg);
    cr_assert_not(netrun_cache_get(c, key, &o, &hw, &got));
    netrun_cache_close(c);
    /* a schedule that does not fit the layer (a tile beyond a loop's extent): a miss */
    snprintf(l.alt[0].sched, sizeof l.alt[0].sched, "t99999%s", strchr(l.alt[0].sched, '.'));
    cr_assert_not(put_then_get(path, key, &l, &o, &hw, &got), "a schedule that does not load is a miss");
    save_first_sched(&o, &hw, &l.alt[0]);
    /* a network layer's input layout is compact or padded, never the schedule's choice */
    l.alt[1].act = TARGET_ACT_FREE;
    cr_assert_not(put_then_get(path, key, &l, &o, &hw, &got), "an alternative of input layout 'free' is a miss");
    unlink(path);
}

/* An alternative's saved schedule (netrun_alt.sched), taken without searching
 * (driver_opts.sched_text, as the network's runs and its one program do), gives the
 * cycles the alternative was chosen with, and searching again saves the same text;
 * a text that does not load is an error. */
Test(netprog, saved_schedule_reproduces_the_alternative) {
    status st;
    status_init(&st);
    net *g = netrun_builtin("block", 5, &st);
    cr_assert_not_null(g, "%s", st.msg);
    netrun_opts o;
    netrun_opts_init(&o);
    o.max_alts = 1;
    o.timing_only = true;
    o.placement = NETRUN_PLACE_ALL;
    netrun_result r;
    cr_assert(netrun_run(g, &o, &r, &st), "%s", st.msg);
    int checked = 0, nonzero = 0;
    for (int32_t i = 0; i < r.nlayers; i++) {
        const netrun_layer *l = &r.layer[i];
        if (l->engine != NET_ON_VTA || !l->key_first) continue;
        for (int32_t a = 0; a < l->nalts; a++) {
            const netrun_alt *x = &l->alt[a];
            driver_plan *pl = malloc(sizeof *pl);
            cr_assert_not_null(pl);
            cr_assert(driver_plan_make(&net_node_at(g, i)->o, &o.hw, &x->e, x->src == DRV_CHOSE_REFERENCE, pl, &st),
                      "%s", st.msg);
            driver_opts d;
            driver_opts_init(&d);
            d.timing_only = true;
            d.act = x->act;
            driver_result again, loaded;
            cr_assert(driver_run_plan(pl, &d, &again, &st), "%s", st.msg);
            cr_assert_str_eq(again.sched_saved, x->sched, "layer %d alternative %d", i, a);
            d.sched_text = x->sched;
            cr_assert(driver_run_plan(pl, &d, &loaded, &st), "%s", st.msg);
            cr_assert_eq(loaded.sim.cycles, x->cycles, "layer %d alternative %d: %llu vs %llu", i, a,
                         (unsigned long long)loaded.sim.cycles, (unsigned long long)x->cycles);
            cr_assert_str_eq(loaded.sched_saved, x->sched);
            cr_assert_eq(loaded.sched_tried, 1);
            d.sched_text = "t1;o0;f0000;w0;b-";
            cr_assert_not(driver_run_plan(pl, &d, &loaded, &st), "a schedule of another nest");
            cr_assert(strstr(st.msg, "saved schedule"), "%s", st.msg);
            status_init(&st);
            nonzero += again.sched_chosen > 0;
            checked++;
            free(pl);
        }
    }
    cr_assert_geq(checked, 4);
    cr_log_info("%d alternatives, %d with a candidate other than the estimate's best", checked, nonzero);
    netrun_result_free(&r);
    net_destroy(g);
}

/* The cache file's lines, sorted (workers append them in another order). */
static char *sorted_lines(const char *path) {
    char cmd[256];
    snprintf(cmd, sizeof cmd, "sort %s", path);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    cr_assert_not_null(buf);
    size_t k;
    while ((k = fread(buf + n, 1, cap - 1 - n, p)) > 0) {
        n += k;
        if (n + 1 >= cap) buf = realloc(buf, cap *= 2);
    }
    buf[n] = 0;
    cr_assert_eq(pclose(p), 0);
    return buf;
}

/* Worker processes compute the distinct layers' alternatives, price the layers'
 * transitions and find the one program's schedules: the flow's every figure, the
 * program's, and the cache lines written, are those of the run in this process. */
Test(netprog, jobs_do_not_change_the_result, .timeout = 120) {
    status st;
    status_init(&st);
    net *g = netrun_builtin("chain", 5, &st);
    cr_assert_not_null(g, "%s", st.msg);
    netrun_result r[2];
    netrun_prog_result pr[2];
    char path[2][40];
    for (int k = 0; k < 2; k++) {
        snprintf(path[k], sizeof path[k], "/tmp/test_netprog_jobs_XXXXXX");
        int fd = mkstemp(path[k]);
        cr_assert_geq(fd, 0);
        close(fd);
        netrun_opts o;
        netrun_opts_init(&o);
        o.max_alts = 1;
        o.timing_only = true;
        o.placement = NETRUN_PLACE_ALL;
        o.jobs = k ? 3 : 1;
        o.cache = path[k];
        cr_assert(netrun_run(g, &o, &r[k], &st), "%d jobs: %s", o.jobs, st.msg);
        /* the one program: its layers' schedules come from the workers too */
        cr_assert(netrun_one_program(g, &o, &r[k], &pr[k], &st), "%d jobs: %s", o.jobs, st.msg);
    }
    cr_assert_eq(pr[0].cycles, pr[1].cycles);
    cr_assert_eq(pr[0].insns, pr[1].insns);
    cr_assert_eq(pr[0].image_bytes, pr[1].image_bytes);
    cr_assert_eq(pr[0].layer_cycles, r[0].vta_cycles);
    cr_assert_gt(r[0].ndistinct, 1);
    cr_assert_eq(r[0].ndistinct, r[1].ndistinct);
    cr_assert_eq(r[0].solve_rlimit, r[1].solve_rlimit, "the solver's figures come back from the workers");
    cr_assert_eq(r[0].vta_cycles, r[1].vta_cycles);
    cr_assert_float_eq(r[0].total_cycles, r[1].total_cycles, 1e-9);
    for (int32_t i = 0; i < r[0].nlayers; i++) {
        const netrun_layer *a = &r[0].layer[i], *b = &r[1].layer[i];
        cr_assert_eq(a->engine, b->engine);
        cr_assert_eq(a->nalts, b->nalts, "layer %d", i);
        cr_assert_eq(a->chosen, b->chosen);
        cr_assert_eq(a->alone, b->alone);
        cr_assert_eq(a->cached, false);
        /* the transitions priced by the workers, read back exactly */
        cr_assert_eq(a->trans_in, b->trans_in, "layer %d: %a vs %a", i, a->trans_in, b->trans_in);
        cr_assert_eq(a->trans_out, b->trans_out);
        cr_assert_eq(a->trans_kind_in, b->trans_kind_in);
        cr_assert_eq(a->trans_kind_out, b->trans_kind_out);
        for (int32_t k = 0; k < a->nalts; k++) {
            cr_assert_eq(a->alt[k].cycles, b->alt[k].cycles);
            cr_assert_eq(a->alt[k].src, b->alt[k].src);
            cr_assert_str_eq(a->alt[k].layout, b->alt[k].layout);
        }
    }
    char *l0 = sorted_lines(path[0]), *l1 = sorted_lines(path[1]);
    cr_assert_gt(strlen(l0), 0);
    cr_assert_str_eq(l0, l1);
    free(l0);
    free(l1);
    /* a second run finds every distinct layer in the cache */
    netrun_opts o;
    netrun_opts_init(&o);
    o.max_alts = 1;
    o.timing_only = true;
    o.placement = NETRUN_PLACE_ALL;
    o.jobs = 2;
    o.cache = path[1];
    netrun_result again;
    cr_assert(netrun_run(g, &o, &again, &st), "%s", st.msg);
    for (int32_t i = 0; i < again.nlayers; i++)
        if (again.layer[i].key_first) cr_assert(again.layer[i].cached, "layer %d", i);
    cr_assert_eq(again.vta_cycles, r[0].vta_cycles);
    netrun_result_free(&again);
    for (int k = 0; k < 2; k++) {
        netrun_result_free(&r[k]);
        unlink(path[k]);
    }
    net_destroy(g);
}

/* The ONNX test model (a residual, a depthwise layer, pools and a dense layer; written
 * by scripts/gen-onnx small) imported, compiled, simulated and checked bit for bit. */
Test(netprog, small_onnx_bit_exact) {
    status st;
    status_init(&st);
    net *g = onnx_import(EMBEDSYN_SOURCE_DIR "/tests/onnx/small.onnx", NULL, 0, 1, &st);
    cr_assert_not_null(g, "%s", st.msg);
    bool dw = false, add = false, dense = false;
    for (int32_t i = 0; i < net_nnodes(g); i++) {
        const net_node *n = net_node_at(g, i);
        dw |= n->kind == NET_CONV && n->o.kind == OP_DEPTHWISE;
        add |= n->kind == NET_ADD;
        dense |= n->kind == NET_DENSE;
    }
    cr_assert(dw && add && dense, "the model has a depthwise layer, a residual and a dense layer");
    netrun_opts o;
    netrun_opts_init(&o);
    o.max_alts = 0;
    o.check = true;
    netrun_result r;
    cr_assert(netrun_run(g, &o, &r, &st), "%s", st.msg);
    cr_assert_eq(r.check, DRV_CHECK_PASS, "%s", r.check_msg);
    cr_assert_gt(r.vta_cycles, 0);
    netrun_result_free(&r);
    net_destroy(g);
}
