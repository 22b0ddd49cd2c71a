/* Tests of whole networks on VTA (bench/cmd_net_run.c): a small network with a
 * residual, a depthwise layer, pools and a dense layer (the built-in "tiny") compiled,
 * simulated and checked bit for bit against the C reference of the network, in both
 * flows; the totals add up from the per-layer figures; the joint layout choice is no
 * worse than each layer alone with its transitions paid; the layout maps of channel
 * packing equal the canonical NCHW1n16c layout (independent index arithmetic here). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cmd_net.h"
#include "core/emb.h"
#include "core/netlayout_map.h"
#include "core/onnx.h"
#include "core/ref.h"

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
    o.max_alts = 0; /* channel packing and im2col: no solver, fast */
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

/* Channel packing of a 1x1 conv with 32 channels reads and writes NCHW1n16c: its input
 * map equals the canonical map of the input tensor, its output map that of the output
 * (computed here from the definition), so both transitions are free. */
Test(netprog, channel_packing_is_canonical) {
    hw_config hw = hw_default();
    op_conv p;
    memset(&p, 0, sizeof p);
    p.n = 1, p.c = 32, p.h = p.w = 5, p.k = 48, p.r = p.s = 1, p.stride_h = p.stride_w = 1;
    p.dil_h = p.dil_w = 1, p.groups = 1;
    op o;
    status st;
    status_init(&st);
    cr_assert(op_build_conv(&o, "c", &p, OP_CONV2D, &st), "%s", st.msg);
    emb e;
    emb_nest n;
    cr_assert(emb_channel_packing(&o, &hw, &e, &st), "%s", st.msg);
    cr_assert(emb_nest_build(&o, &hw, &e, &n, &st), "%s", st.msg);
    nl_map in, out, ci, co;
    cr_assert(nl_map_in(&o, &hw, &e, &n, &in, &st), "%s", st.msg);
    cr_assert(nl_map_out(&o, &hw, &e, &n, NULL, &out, &st), "%s", st.msg);
    int64_t ish[4] = {1, 32, 5, 5}, osh[4] = {1, 48, 5, 5};
    cr_assert(nl_map_canonical(&hw, 4, ish, &ci, &st));
    cr_assert(nl_map_canonical(&hw, 4, osh, &co, &st));
    /* the canonical map from its definition: vector (cb, y, x), lane c % 16 */
    cr_assert_eq(co.nvec, 3 * 25);
    for (int64_t cb = 0; cb < 3; cb++)
        for (int64_t q = 0; q < 25; q++)
            for (int64_t l = 0; l < 16; l++) cr_assert_eq(co.idx[(cb * 25 + q) * 16 + l], (cb * 16 + l) * 25 + q);
    nl_transition t = nl_transition_of(&hw, &ci, &in);
    cr_assert_eq(t.kind, NL_TR_SAME);
    cr_assert_float_eq(t.cycles, 0, 1e-9);
    t = nl_transition_of(&hw, &out, &co);
    cr_assert_eq(t.kind, NL_TR_SAME);
    /* a different layout: vectors 0 and 1 swapped is a direct store in three runs (1; 0;
     * 2..end): two extra DRAM latencies, cheaper than a copy */
    nl_map sh = {co.nvec, co.lanes, malloc((size_t)(co.nvec * co.lanes) * sizeof(int32_t))};
    memcpy(sh.idx, co.idx, (size_t)(co.nvec * 16) * sizeof(int32_t));
    memcpy(sh.idx, co.idx + 16, 16 * sizeof(int32_t));
    memcpy(sh.idx + 16, co.idx, 16 * sizeof(int32_t));
    t = nl_transition_of(&hw, &co, &sh);
    nl_transition c = nl_copy_transition(&hw, co.nvec * 16, co.nvec * 16);
    cr_assert_float_eq(c.cycles, (double)(2 * co.nvec * 16) / 8 + 32, 1e-9); /* 64-bit bus, one row */
    cr_assert_eq(t.kind, NL_TR_STORE);
    cr_assert_float_eq(t.cycles, 2.0 * hw.dram_latency, 1e-9);
    cr_assert_lt(t.cycles, c.cycles);
    /* every vector reversed: 75 runs would cost more than the copy, which is taken */
    for (int64_t v = 0; v < co.nvec; v++) memcpy(sh.idx + v * 16, co.idx + (co.nvec - 1 - v) * 16, 16 * sizeof(int32_t));
    t = nl_transition_of(&hw, &co, &sh);
    cr_assert_eq(t.kind, NL_TR_COPY);
    /* a lane permutation inside vectors cannot be stored directly: a copy */
    int32_t tmp = sh.idx[0];
    sh.idx[0] = sh.idx[1], sh.idx[1] = tmp;
    t = nl_transition_of(&hw, &co, &sh);
    cr_assert_eq(t.kind, NL_TR_COPY);
    cr_assert_float_eq(t.cycles, c.cycles, 1e-9);
    nl_map_free(&in), nl_map_free(&out), nl_map_free(&ci), nl_map_free(&co), nl_map_free(&sh);
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
