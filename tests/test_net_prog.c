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

/* Checked run and timing-only run of the same program: bit-exact, same cycles, the
 * program holds exactly the flow's VTA layers. */
static void one_program(const char *name, netrun_flow flow, int32_t want_vta) {
    net *g = builtin(name);
    netrun_opts o;
    netrun_result r;
    netrun_prog *q = build(g, flow, &o, &r);
    cr_assert_eq(r.nvta, want_vta);
    netrun_prog_result a, b;
    status st;
    status_init(&st);
    o.timing_only = false;
    o.check = true;
    cr_assert(netrun_prog_run(q, &o, &a, &st), "%s", st.msg);
    cr_assert_eq(a.check, DRV_CHECK_PASS, "%s: %s", name, a.check_msg);
    o.timing_only = true;
    o.check = false;
    cr_assert(netrun_prog_run(q, &o, &b, &st), "%s", st.msg);
    cr_assert_eq(b.check, DRV_CHECK_SKIPPED);
    cr_assert_eq(a.cycles, b.cycles, "functional %llu vs timing-only %llu", (unsigned long long)a.cycles,
                 (unsigned long long)b.cycles);
    cr_assert_eq(a.nlayers, r.nvta);
    cr_assert_eq(a.layer_cycles, r.vta_cycles);
    cr_assert_eq(a.ndirect + a.nrelayout, a.nlayers);
    cr_assert(a.nsegments >= 1 && a.nsegments <= a.nlayers);
    /* every VTA layer has its place in the program; host nodes do not */
    int32_t seen = 0;
    for (int32_t i = 0; i < net_nnodes(g); i++) {
        int32_t k = netrun_prog_layer(q, i);
        cr_assert_eq(k >= 0, r.layer[i].engine == NET_ON_VTA && net_node_at(g, i)->kind != NET_INPUT);
        seen += k >= 0;
    }
    cr_assert_eq(seen, a.nlayers);
    /* drains and DRAM addresses change the cycles only a little */
    double d = (double)a.cycles - (double)a.layer_cycles;
    cr_assert_lt(d < 0 ? -d : d, 0.05 * (double)a.layer_cycles, "%llu vs %llu", (unsigned long long)a.cycles,
                 (unsigned long long)a.layer_cycles);
    netrun_prog_destroy(q);
    netrun_result_free(&r);
    net_destroy(g);
}

/* residual, depthwise, pools, dense: all four conv/dense layers on VTA */
Test(net_prog, tiny_embedsyn_one_program_bit_exact) { one_program("tiny", NETRUN_EMBEDSYN, 4); }

/* graph_pack: the first conv and the dense on the host */
Test(net_prog, tiny_reference_one_program_bit_exact) { one_program("tiny", NETRUN_REFERENCE, 2); }

/* Three convs in a row with channel packing: one segment, every input read in place,
 * the layers chained by the queue drain (no FINISH between them). */
Test(net_prog, chain_one_segment_in_place) {
    net *g = builtin("chain");
    netrun_opts o;
    netrun_result r;
    netrun_prog *q = build(g, NETRUN_REFERENCE, &o, &r);
    netrun_prog_result a;
    status st;
    status_init(&st);
    o.timing_only = false;
    o.check = true;
    cr_assert(netrun_prog_run(q, &o, &a, &st), "%s", st.msg);
    cr_assert_eq(a.check, DRV_CHECK_PASS, "%s", a.check_msg);
    cr_assert_eq(a.nsegments, 1);
    cr_assert_eq(a.nrelayout, 0);
    cr_assert_eq(a.ndirect, a.nlayers);
    cr_assert_geq(a.nlayers, 2);
    /* one FINISH in the whole stream: the last instruction */
    vta_prog *p = netprog_prog(netrun_prog_image(q));
    int64_t fin = 0;
    for (int64_t k = 0; k < vta_prog_ninsns(p); k++) fin += vta_prog_insn(p, k)->opcode == VTA_OP_FINISH;
    cr_assert_eq(fin, 1);
    cr_assert_eq(vta_prog_insn(p, vta_prog_ninsns(p) - 1)->opcode, VTA_OP_FINISH);
    netrun_prog_destroy(q);
    netrun_result_free(&r);
    net_destroy(g);
}

/* The check reads the image: a flipped weight block of one layer is found. */
Test(net_prog, corrupt_weight_fails_the_check) {
    net *g = builtin("tiny");
    netrun_opts o;
    netrun_result r;
    netrun_prog *q = build(g, NETRUN_REFERENCE, &o, &r);
    netprog *np = netrun_prog_image(q);
    int32_t node = -1;
    for (int32_t i = 0; i < net_nnodes(g) && node < 0; i++)
        if (netrun_prog_layer(q, i) >= 0) node = i;
    cr_assert_geq(node, 0);
    int wr = netprog_layer_at(np, netrun_prog_layer(q, node))->region[LOWER_R_WGT];
    uint8_t *w = vta_prog_region_data(netprog_prog(np), wr);
    uint64_t nb = vta_prog_region(netprog_prog(np), wr)->bytes;
    for (uint64_t k = 0; k < nb && k < 256; k++) w[k] ^= 0x80; /* the first weight block */
    netrun_prog_result a;
    status st;
    status_init(&st);
    o.timing_only = false;
    o.check = true;
    cr_assert(netrun_prog_run(q, &o, &a, &st), "%s", st.msg);
    cr_assert_eq(a.check, DRV_CHECK_FAIL);
    cr_assert_not_null(strstr(a.check_msg, "reference"), "%s", a.check_msg);
    netrun_prog_destroy(q);
    netrun_result_free(&r);
    net_destroy(g);
}

/* lower_codegen_at refuses regions that do not fit the layer. */
Test(net_prog, codegen_at_checks_regions) {
    net *g = builtin("chain");
    netrun_opts o;
    netrun_result r;
    netrun_prog *q = build(g, NETRUN_REFERENCE, &o, &r);
    int32_t node = -1;
    for (int32_t i = 0; i < net_nnodes(g) && node < 0; i++)
        if (netrun_prog_layer(q, i) >= 0) node = i;
    const net_node *n = net_node_at(g, node);
    const netrun_alt *alt = &r.layer[node].alt[r.layer[node].chosen];
    emb_nest nest;
    status st;
    status_init(&st);
    cr_assert(emb_nest_derive(&n->o, &o.hw, &alt->e, &nest, &st), "%s", st.msg);
    sched s;
    sched_opts so;
    sched_opts_init(&so);
    cr_assert_eq(sched_search_top(&n->o, &o.hw, &nest, &so, 1, &s, &st), 1, "%s", st.msg);
    lower_region_spec spec[LOWER_NREGIONS];
    lower_region_specs(&n->o, &o.hw, &alt->e, &nest, &s, spec);
    vta_prog *p = vta_prog_create(&o.hw);
    lower_at at = {.finish = true};
    for (int k = 0; k < LOWER_NREGIONS; k++)
        at.region[k] = spec[k].used ? vta_prog_add_region(p, lower_region_name((lower_region)k), spec[k].kind,
                                                          spec[k].bytes - (k == LOWER_R_OUT), "", "", &st)
                                    : -1;
    lower_stats ls;
    cr_assert_not(lower_codegen_at(&n->o, &o.hw, &alt->e, &nest, &s, p, &at, &ls, &st));
    cr_assert_not_null(strstr(st.msg, "out"), "%s", st.msg);
    vta_prog_destroy(p);
    netrun_prog_destroy(q);
    netrun_result_free(&r);
    net_destroy(g);
}
