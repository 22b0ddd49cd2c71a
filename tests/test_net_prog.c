/* Tests of one program per network (bench/cmd_net_prog.c, vta/netprog.c,
 * lower_codegen_at): the built-in networks compiled into one DRAM image and one
 * instruction stream, simulated segment by segment on that image, every tensor read
 * back from the image and compared bit for bit with the C reference of the network
 * (net_ref_run, independent of VTA); a corrupted weight byte in the image makes the
 * check fail; layers chained in one segment read their inputs in place. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cmd_net.h"
#include "tests/emb_testlib.h"
#include "vta/netprog.h"

static net *builtin(const char *name) {
    status st;
    status_init(&st);
    net *g = netrun_builtin(name, 3, &st);
    cr_assert_not_null(g, "%s", st.msg);
    return g;
}

/* The flow's choices (timing-only, no solver), then its program. */
static netrun_prog *build(const net *g, netrun_flow flow, netrun_opts *o, netrun_result *r) {
    netrun_opts_init(o);
    o->flow = flow;
    o->placement = NETRUN_PLACE_ALL;
    o->max_alts = 0;
    o->timing_only = true;
    status st;
    status_init(&st);
    cr_assert(netrun_run(g, o, r, &st), "%s", st.msg);
    netrun_prog *q = netrun_prog_build(g, o, r, &st);
    cr_assert_not_null(q, "%s", st.msg);
    return q;
}

/* A network, its flow's choices and its program. */
typedef struct fx {
    net *g;
    netrun_opts o;
    netrun_result r;
    netrun_prog *q;
} fx;

static fx fx_open(const char *name, netrun_flow flow) {
    fx f;
    f.g = builtin(name);
    f.q = build(f.g, flow, &f.o, &f.r);
    return f;
}

static void fx_close(fx *f) {
    netrun_prog_destroy(f->q);
    netrun_result_free(&f->r);
    net_destroy(f->g);
}

/* A functional run with the check. */
static netrun_prog_result checked_run(netrun_prog *q, netrun_opts *o) {
    netrun_prog_result a;
    status st;
    status_init(&st);
    o->timing_only = false;
    o->check = true;
    cr_assert(netrun_prog_run(q, o, &a, &st), "%s", st.msg);
    return a;
}

/* The first node on VTA. */
static int32_t first_vta(const netrun_prog *q, const net *g) {
    for (int32_t i = 0; i < net_nnodes(g); i++)
        if (netrun_prog_layer(q, i) >= 0) return i;
    cr_assert_fail("no VTA layer");
    return -1;
}

/* Checked run and timing-only run of the same program: bit-exact, same cycles, the
 * program holds exactly the flow's VTA layers. */
static void one_program(const char *name, netrun_flow flow, int32_t want_vta) {
    fx f = fx_open(name, flow);
    cr_assert_eq(f.r.nvta, want_vta);
    netrun_prog_result a = checked_run(f.q, &f.o), b;
    cr_assert_eq(a.check, DRV_CHECK_PASS, "%s: %s", name, a.check_msg);
    status st;
    status_init(&st);
    f.o.timing_only = true;
    f.o.check = false;
    cr_assert(netrun_prog_run(f.q, &f.o, &b, &st), "%s", st.msg);
    cr_assert_eq(b.check, DRV_CHECK_SKIPPED);
    cr_assert_eq(a.cycles, b.cycles, "functional %llu vs timing-only %llu", (unsigned long long)a.cycles,
                 (unsigned long long)b.cycles);
    cr_assert_eq(a.nlayers, f.r.nvta);
    cr_assert_eq(a.layer_cycles, f.r.vta_cycles);
    cr_assert_eq(a.ndirect + a.nstored + a.nrelayout, a.nlayers);
    cr_assert(a.nsegments >= 1 && a.nsegments <= a.nlayers);
    /* every VTA layer has its place in the program; host nodes do not */
    int32_t seen = 0;
    for (int32_t i = 0; i < net_nnodes(f.g); i++) {
        int32_t k = netrun_prog_layer(f.q, i);
        cr_assert_eq(k >= 0, f.r.layer[i].engine == NET_ON_VTA && net_node_at(f.g, i)->kind != NET_INPUT);
        seen += k >= 0;
    }
    cr_assert_eq(seen, a.nlayers);
    /* drains and DRAM addresses change the cycles only a little */
    double d = (double)a.cycles - (double)a.layer_cycles;
    cr_assert_lt(d < 0 ? -d : d, 0.05 * (double)a.layer_cycles, "%llu vs %llu", (unsigned long long)a.cycles,
                 (unsigned long long)a.layer_cycles);
    fx_close(&f);
}

/* residual, depthwise, pools, dense: all four conv/dense layers on VTA */
Test(net_prog, tiny_embedsyn_one_program_bit_exact) { one_program("tiny", NETRUN_EMBEDSYN, 4); }

/* graph_pack: the first conv and the dense on the host */
Test(net_prog, tiny_reference_one_program_bit_exact) { one_program("tiny", NETRUN_REFERENCE, 2); }

/* The stages a flow reports (netrun_opts.stage), in order. */
static char stages[64][160];
static int nstages;
static void record_stage(const char *what) {
    if (nstages < 64) snprintf(stages[nstages++], sizeof stages[0], "%s", what);
}
static int stage_index(const char *prefix) {
    for (int i = 0; i < nstages; i++)
        if (!strncmp(stages[i], prefix, strlen(prefix))) return i;
    return -1;
}

/* MobileNetV2's inverted residual block: a padded variant (the input's zero bands kept
 * in DRAM) is listed only next to its compact one and only when faster. The joint
 * choice takes the depthwise layer's group band (channel-packed input and output: no
 * transition); with its fastest padded alternative chosen instead, the one program,
 * whose host re-layout writes the zero bands, is bit-exact and takes the flow's layer
 * cycles. */
Test(net_prog, padded_input_alternative) {
    net *g = builtin("block");
    netrun_opts o;
    netrun_opts_init(&o);
    o.placement = NETRUN_PLACE_ALL;
    o.max_alts = 1;
    o.timing_only = true;
    o.stage = record_stage;
    nstages = 0;
    netrun_result r;
    status st;
    status_init(&st);
    cr_assert(netrun_run(g, &o, &r, &st), "%s", st.msg);
    int32_t dw = -1, padded = 0;
    for (int32_t i = 0; i < net_nnodes(g); i++) {
        const netrun_layer *l = &r.layer[i];
        if (!strcmp(net_node_at(g, i)->name, "dw")) dw = i;
        if (l->engine != NET_ON_VTA) continue;
        for (int32_t a = 0; a < l->nalts; a++) {
            const netrun_alt *x = &l->alt[a];
            cr_assert(x->act == TARGET_ACT_COMPACT || x->act == TARGET_ACT_PADDED);
            cr_assert_eq(x->act == TARGET_ACT_PADDED, strstr(x->layout, "input padding in DRAM") != NULL);
            if (x->act != TARGET_ACT_PADDED) continue;
            padded++;
            cr_assert_neq(x->src, DRV_CHOSE_REFERENCE, "the reference keeps TVM's DMA padding");
            bool sibling = false;
            for (int32_t b = 0; b < a && !sibling; b++)
                sibling = l->alt[b].act == TARGET_ACT_COMPACT && emb_same(&l->alt[b].e, &x->e) &&
                          l->alt[b].cycles > x->cycles;
            cr_assert(sibling, "%s alternative %d: no slower compact variant before it", net_node_at(g, i)->name, a);
        }
    }
    cr_assert_geq(dw, 0);
    cr_assert_geq(padded, 1);
    netrun_layer *ld = &r.layer[dw];
    cr_assert_str_eq(ld->alt[ld->chosen].layout_class, "banded(g/c)", "dw chose %s", ld->alt[ld->chosen].layout);
    cr_assert_eq(ld->trans_kind_in, NL_TR_SAME);
    int32_t fast = -1;
    for (int32_t a = 0; a < ld->nalts; a++)
        if (ld->alt[a].act == TARGET_ACT_PADDED && (fast < 0 || ld->alt[a].cycles < ld->alt[fast].cycles)) fast = a;
    cr_assert_geq(fast, 0, "dw has no padded alternative");
    r.vta_cycles += ld->alt[fast].cycles - ld->alt[ld->chosen].cycles;
    ld->chosen = fast;
    netrun_prog *q = netrun_prog_build(g, &o, &r, &st);
    cr_assert_not_null(q, "%s", st.msg);
    netrun_prog_result a = checked_run(q, &o);
    cr_assert_eq(a.check, DRV_CHECK_PASS, "%s", a.check_msg);
    cr_assert_eq(a.layer_cycles, r.vta_cycles);
    cr_assert_geq(a.nrelayout, 1);
    /* the progress stages, in the flow's order (the checked run's layers with data) */
    int s_dw = stage_index("layer dw (node 3 of 4): alternatives"), s_price = stage_index("pricing the transitions");
    int s_code = stage_index("one program: schedules"), s_step = stage_index("one program: step 1 of ");
    cr_assert(s_dw >= 0 && s_price > s_dw && s_code > s_price && s_step > s_code, "%d %d %d %d (%d stages)", s_dw,
              s_price, s_code, s_step, nstages);
    netrun_prog_destroy(q);
    netrun_result_free(&r);
    net_destroy(g);
}

/* A checked run that must take one segment with no host re-layout: every input in
 * place but `stored` of them, and one FINISH in the whole stream (the last
 * instruction: the layers are chained by the queue drain). */
static netrun_prog_result one_segment(fx *f, int32_t stored) {
    netrun_prog_result a = checked_run(f->q, &f->o);
    cr_assert_eq(a.check, DRV_CHECK_PASS, "%s", a.check_msg);
    cr_assert_eq(a.nsegments, 1);
    cr_assert_eq(a.nrelayout, 0);
    cr_assert_eq(a.nstored, stored);
    cr_assert_eq(a.ndirect, a.nlayers - stored);
    cr_assert_geq(a.nlayers, 2);
    vta_prog *p = netprog_prog(netrun_prog_image(f->q));
    int64_t fin = 0;
    for (int64_t k = 0; k < vta_prog_ninsns(p); k++) fin += vta_prog_insn(p, k)->opcode == VTA_OP_FINISH;
    cr_assert_eq(fin, 1);
    cr_assert_eq(vta_prog_insn(p, vta_prog_ninsns(p) - 1)->opcode, VTA_OP_FINISH);
    return a;
}

/* Three convs in a row with channel packing: every input read in place. */
Test(net_prog, chain_one_segment_in_place) {
    fx f = fx_open("chain", NETRUN_REFERENCE);
    one_segment(&f, 0);
    fx_close(&f);
}

/* A stride-2 1x1 conv after a 3x3 conv (channel packing): its input vectors are a
 * subset of the producer's output vectors, so the producer STOREs them a second time
 * into the consumer's region (a `store` transition as VTA instructions, no hand-off). */
Test(net_prog, downsample_stored_by_producer) {
    fx f = fx_open("down", NETRUN_REFERENCE);
    netrun_prog_result a = one_segment(&f, 1);
    int32_t c3 = -1;
    for (int32_t i = 0; i < net_nnodes(f.g); i++)
        if (!strcmp(net_node_at(f.g, i)->name, "c3")) c3 = i;
    /* the conv's input footprint (O-1)*2+1 per spatial axis, every pixel of it (the
     * channel-packed layout keeps the odd ones the conv skips), C/16 vectors each */
    const net_tensor *in = net_tensor_at(f.g, net_node_at(f.g, c3)->in[0]);
    const net_tensor *out = net_tensor_at(f.g, net_node_at(f.g, c3)->out);
    int64_t want = (in->shape[1] + 15) / 16 * ((out->shape[2] - 1) * 2 + 1) * ((out->shape[3] - 1) * 2 + 1);
    cr_assert_lt(want, (in->shape[1] + 15) / 16 * in->shape[2] * in->shape[3]); /* a strict subset */
    cr_assert_eq(a.store_vectors, want);
    /* the transition the flow priced for this edge */
    cr_assert_eq(f.r.layer[c3].trans_kind_in, NL_TR_STORE);
    fx_close(&f);
}

/* The check reads the image: a flipped weight block of one layer is found. */
Test(net_prog, corrupt_weight_fails_the_check) {
    fx f = fx_open("tiny", NETRUN_REFERENCE);
    netprog *np = netrun_prog_image(f.q);
    int wr = netprog_layer_at(np, netrun_prog_layer(f.q, first_vta(f.q, f.g)))->region[LOWER_R_WGT];
    uint8_t *w = vta_prog_region_data(netprog_prog(np), wr);
    uint64_t nb = vta_prog_region(netprog_prog(np), wr)->bytes;
    for (uint64_t k = 0; k < nb && k < 256; k++) w[k] ^= 0x80; /* the first weight block */
    netrun_prog_result a = checked_run(f.q, &f.o);
    cr_assert_eq(a.check, DRV_CHECK_FAIL);
    cr_assert_not_null(strstr(a.check_msg, "reference"), "%s", a.check_msg);
    fx_close(&f);
}

/* The chosen layer of the first VTA node: nest and one schedule. */
static const netrun_alt *first_layer(fx *f, emb_nest *nest, sched *s, const op **o) {
    int32_t node = first_vta(f->q, f->g);
    *o = &net_node_at(f->g, node)->o;
    const netrun_alt *alt = &f->r.layer[node].alt[f->r.layer[node].chosen];
    status st;
    status_init(&st);
    cr_assert(emb_nest_derive(*o, HW_INTRINSIC(&f->o.hw), &alt->e, nest, &st), "%s", st.msg);
    sched_opts so;
    sched_opts_init(&so);
    cr_assert_eq(sched_search_top(*o, &f->o.hw, nest, &so, 1, s, &st), 1, "%s", st.msg);
    return alt;
}

/* Regions as lower_codegen adds them (the out region `short_out` bytes short). */
static vta_prog *spec_prog(fx *f, const op *o, const emb *e, const emb_nest *n, const sched *s, uint64_t short_out,
                           lower_at *at) {
    lower_region_spec spec[LOWER_NREGIONS];
    lower_region_specs(o, &f->o.hw, e, n, s, spec);
    vta_prog *p = vta_prog_create(&f->o.hw);
    status st;
    status_init(&st);
    for (int k = 0; k < LOWER_NREGIONS; k++)
        at->region[k] = spec[k].used ? vta_prog_add_region(p, lower_region_name((lower_region)k), spec[k].kind,
                                                           spec[k].bytes - (k == LOWER_R_OUT ? short_out : 0),
                                                           spec[k].shape, spec[k].layout, &st)
                                     : -1;
    return p;
}

/* lower_codegen_at, unchained with FINISH at lower_codegen's own regions, makes the
 * very program lower_codegen makes (same instructions, micro-ops, image); a region
 * that does not fit is refused. */
Test(net_prog, codegen_at_equals_codegen_and_checks_regions) {
    fx f = fx_open("chain", NETRUN_REFERENCE);
    emb_nest nest;
    sched s;
    const op *o;
    const netrun_alt *alt = first_layer(&f, &nest, &s, &o);
    lower_at at = {.finish = true}, bad = {.finish = true};
    vta_prog *want, *p = spec_prog(&f, o, &alt->e, &nest, &s, 0, &at);
    vta_prog *q = spec_prog(&f, o, &alt->e, &nest, &s, 1, &bad);
    lower_stats ls, lw;
    status st;
    status_init(&st);
    cr_assert(lower_codegen_at(o, &f.o.hw, &alt->e, &nest, &s, p, &at, &ls, &st), "%s", st.msg);
    cr_assert(lower_codegen(o, &f.o.hw, &alt->e, &nest, &s, &want, &lw, &st), "%s", st.msg);
    cr_assert_eq(vta_prog_ninsns(p), vta_prog_ninsns(want));
    cr_assert_eq(ls.insns, lw.insns);
    cr_assert(vta_prog_finalize(p, &st) && vta_prog_finalize(want, &st), "%s", st.msg);
    uint64_t b1, b2;
    uint8_t *d1 = vta_prog_dram(p, &b1), *d2 = vta_prog_dram(want, &b2);
    cr_assert_eq(b1, b2);
    cr_assert_eq(memcmp(d1, d2, (size_t)b1), 0);
    cr_assert_not(lower_codegen_at(o, &f.o.hw, &alt->e, &nest, &s, q, &bad, &ls, &st));
    cr_assert_not_null(strstr(st.msg, "out"), "%s", st.msg);
    vta_prog_destroy(p);
    vta_prog_destroy(q);
    vta_prog_destroy(want);
    fx_close(&f);
}

/* Under operand swap the activation is VTA's WGT operand: nl_map_in_full maps the WGT
 * blocks (what a host re-layout writes into the layer's WGT region), checked against
 * emb_pack of random data; nl_map_in (the flow's pricing) still refuses it. */
Test(net_prog, swap_activation_map_is_the_wgt_layout) {
    hw_config hw = hw_default();
    op o = mkconv(cparams(1, 16, 5, 20, 8, 3, 3, 1, 1));
    emb e = emb_empty();
    e.swap = true;
    term(&o, &e, EMB_I, "c", 0);
    term(&o, &e, EMB_O, "x", 16);
    status st;
    status_init(&st);
    cr_assert(emb_check(&o, HW_INTRINSIC(&hw), &e, &st), "%s", st.msg);
    emb_nest n;
    cr_assert(emb_nest_build(&o, HW_INTRINSIC(&hw), &e, &n, &st), "%s", st.msg);
    cr_assert_eq(nl_act_operand(&e), EMB_WGT);
    cr_assert_eq(netprog_act_region(&e), LOWER_R_WGT);
    nl_map m;
    cr_assert(nl_map_in_full(&o, HW_INTRINSIC(&hw), &e, &n, &m, &st), "%s", st.msg);
    cr_assert_eq(m.lanes, n.lay[EMB_WGT].elem_bytes);
    cr_assert_eq(m.nvec, n.lay[EMB_WGT].elems);
    int64_t nin = op_tensor_elems(&o, OP_IN), nwt = op_tensor_elems(&o, OP_WT);
    int64_t ninp = n.lay[EMB_INP].elems * n.lay[EMB_INP].elem_bytes, nwgt = m.nvec * m.lanes;
    int8_t *in = malloc((size_t)nin), *wt = malloc((size_t)nwt), *inp = malloc((size_t)ninp), *wgt = malloc((size_t)nwgt);
    bool *used = calloc((size_t)nin, sizeof *used);
    cr_assert(in && wt && inp && wgt && used);
    ref_fill_i8(in, nin, 7);
    ref_fill_i8(wt, nwt, 8);
    emb_pack(&o, HW_INTRINSIC(&hw), &e, &n, in, wt, inp, wgt);
    int64_t mapped = 0;
    for (int64_t k = 0; k < nwgt; k++) {
        int32_t ix = m.idx[k];
        cr_assert(ix >= 0 || ix == NL_LANE_ZERO, "lane %lld: %d", (long long)k, ix);
        if (ix >= 0) {
            cr_assert_lt(ix, nin);
            cr_assert_eq(wgt[k], in[ix], "lane %lld: element %d", (long long)k, ix);
            used[ix] = true, mapped++;
        } else {
            cr_assert_eq(wgt[k], 0, "lane %lld should be zero", (long long)k);
        }
    }
    for (int64_t i = 0; i < nin; i++) cr_assert(used[i], "input element %lld is in no WGT lane", (long long)i);
    cr_assert_gt(mapped, nin); /* the R x S taps duplicate the input */
    nl_map_free(&m);
    status_init(&st);
    cr_assert_not(nl_map_in(&o, HW_INTRINSIC(&hw), &e, &n, &m, &st));
    cr_assert(strstr(st.msg, "operand swap"), "%s", st.msg);
    free(in), free(wt), free(inp), free(wgt), free(used);
}

/* The flow prices a layer's input transition from nl_map_act; the program writes and
 * reads the layout of the schedule's DRAM copy (netprog_inp_map, from lower_dram_copy).
 * They are the same map for each of a network's input layouts: compact (the zero bands
 * left to the DMA), padded (kept in DRAM), and under operand swap (the WGT blocks). */
Test(net_prog, flow_prices_the_map_the_program_uses) {
    hw_config hw = hw_default();
    for (int v = 0; v < 4; v++) {
        op o = mkconv(v < 3 ? cparams(1, 16, 10, 10, 16, 3, 3, 1, 1) : cparams(1, 16, 5, 20, 8, 3, 3, 1, 1));
        emb e;
        status st;
        status_init(&st);
        if (v < 2) {
            cr_assert(emb_channel_packing(&o, HW_INTRINSIC(&hw), &e, &st), "%s", st.msg);
        } else if (v == 2) {
            cr_assert(emb_im2col(&o, HW_INTRINSIC(&hw), "c,r,s", &e, &st), "%s", st.msg);
        } else {
            e = emb_empty();
            e.swap = true;
            term(&o, &e, EMB_I, "c", 0);
            term(&o, &e, EMB_O, "x", 16);
        }
        emb_nest n;
        cr_assert(emb_nest_build(&o, HW_INTRINSIC(&hw), &e, &n, &st), "%s", st.msg);
        bool padded = v == 1;
        sched_opts so;
        sched_opts_init(&so);
        so.e = &e;
        so.pad = padded ? SCHED_PAD_KEEP : SCHED_PAD_STRIP;
        sched s;
        cr_assert(sched_search(&o, &hw, &n, &so, &s, &st), "%s", st.msg);
        cr_assert_eq(s.keep_pad, padded);
        nl_map a, b;
        int64_t bytes = -1;
        cr_assert(nl_map_act(&o, HW_INTRINSIC(&hw), &e, &n, padded, &a, &bytes, &st), "v%d: %s", v, st.msg);
        cr_assert(netprog_inp_map(&o, &hw, &e, &n, &s, &b, &st), "v%d: %s", v, st.msg);
        cr_assert_eq(bytes, a.nvec * a.lanes);
        cr_assert_eq(a.lanes, b.lanes, "v%d", v);
        cr_assert_eq(a.nvec, b.nvec, "v%d: %lld vs %lld vectors", v, (long long)a.nvec, (long long)b.nvec);
        cr_assert(!memcmp(a.idx, b.idx, (size_t)(a.nvec * a.lanes) * sizeof *a.idx), "v%d: the maps differ", v);
        int64_t zero = 0;
        for (int64_t k = 0; k < a.nvec * a.lanes; k++) zero += a.idx[k] == NL_LANE_ZERO;
        if (v == 1) cr_assert_gt(zero, 0, "the padded layout holds its zero bands");
        if (v == 0) cr_assert_eq(zero, 0, "the compact layout has no zero lanes");
        nl_map_free(&a);
        nl_map_free(&b);
    }
}

/* --bundle: every segment written as a bundle just before it runs, replayed from the
 * files alone. Each bundle's run gives the program's cycles (summed over the
 * segments), and the image it leaves is the next segment's dram.bin except the regions
 * the host steps listed in steps.txt between them write (host outputs, re-layouts): so
 * the bundles hold the images the checked run used, and steps.txt names every byte the
 * host changes. */
static bool in_region(vta_prog *p, const char *name, uint64_t addr) {
    int r = vta_prog_find_region(p, name);
    cr_assert_geq(r, 0, "steps.txt names region '%s' the image does not have", name);
    const vta_region *g = vta_prog_region(p, r);
    return addr >= g->addr && addr < g->addr + g->bytes;
}

Test(net_prog, bundles_replay_the_program) {
    fx f = fx_open("tiny", NETRUN_EMBEDSYN);
    char dir[] = "/tmp/embedsyn-bundle-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    f.o.bundle = dir;
    netrun_prog_result a = checked_run(f.q, &f.o);
    cr_assert_eq(a.check, DRV_CHECK_PASS, "%s", a.check_msg);
    cr_assert_geq(a.nsegments, 2, "tiny with every layer on VTA has host hand-offs between segments");

    char path[512], line[1024];
    snprintf(path, sizeof path, "%s/steps.txt", dir);
    FILE *sf = fopen(path, "r");
    cr_assert_not_null(sf);
    uint8_t *prev = NULL; /* the image the last segment left */
    uint64_t prev_bytes = 0, cycles = 0;
    char host_regions[16][64];
    int nhost = 0, nseg = 0;
    status st;
    status_init(&st);
    while (fgets(line, sizeof line, sf)) {
        char kind[16], a1[256], a2[256];
        if (line[0] == '#' || sscanf(line, "%15s %255s %255s", kind, a1, a2) < 2) continue;
        if (!strcmp(kind, "host")) { /* the output region t<N> is the last word */
            char *out = strrchr(line, ' ');
            cr_assert(out && nhost < 16);
            snprintf(host_regions[nhost++], sizeof host_regions[0], "%.*s", (int)strcspn(out + 1, "\n"), out + 1);
            continue;
        }
        if (!strcmp(kind, "relayout")) {
            cr_assert(nhost < 16);
            snprintf(host_regions[nhost++], sizeof host_regions[0], "%.63s", a2);
            continue;
        }
        cr_assert_str_eq(kind, "segment", "unknown step: %s", line);
        cr_assert_eq(atoi(a1), nseg, "segments in order");
        snprintf(path, sizeof path, "%s/%s", dir, a2);
        vta_prog *p = vta_bundle_read(path, &st);
        cr_assert_not_null(p, "%s", st.msg);
        uint64_t bytes;
        uint8_t *img = vta_prog_dram(p, &bytes);
        if (prev) { /* what the host steps since the previous segment did not write is unchanged */
            cr_assert_eq(bytes, prev_bytes);
            uint64_t same = 0;
            for (uint64_t k = 0; k < bytes; k++) {
                bool host = false;
                for (int h = 0; h < nhost && !host; h++) host = in_region(p, host_regions[h], k);
                if (!host) cr_assert_eq(img[k], prev[k], "segment %d byte 0x%llx", nseg, (unsigned long long)k);
                same += img[k] == prev[k];
            }
            cr_assert_lt(same, bytes, "the host steps changed nothing");
        }
        sim_options so = {.strict = true, .model = SIM_MODEL_PORTABLE};
        sim_report rep;
        cr_assert(sim_run(vta_prog_hw(p), img, bytes, vta_prog_insn_addr(p), vta_prog_insn_count(p), &so, &rep, &st),
                  "%s", st.msg);
        cycles += rep.cycles;
        free(prev);
        prev = malloc(bytes);
        cr_assert_not_null(prev);
        memcpy(prev, img, bytes);
        prev_bytes = bytes;
        nhost = 0;
        nseg++;
        vta_prog_destroy(p);
    }
    fclose(sf);
    free(prev);
    cr_assert_eq(nseg, a.nsegments);
    cr_assert_eq(cycles, a.cycles, "bundles %llu, program %llu", (unsigned long long)cycles,
                 (unsigned long long)a.cycles);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
    fx_close(&f);
}
