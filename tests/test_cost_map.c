/* Tests of the mapping side of the cost model: core/dataflow (directives, reuse and
 * footprints), core/maestro (.m export/import round trip, FILE:LINE errors) and the
 * report of vta/cost_report (checked against the simulator's counters and against
 * sched_derive's footprints, both computed independently of the report). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/dataflow.h"
#include "core/emb.h"
#include "core/maestro.h"
#include "core/op.h"
#include "tests/test_util.h"
#include "vta/cost.h"
#include "vta/hw.h"
#include "vta/sched.h"


/* A random operator with a MAESTRO form: unpadded conv, depthwise, or GEMM. */
static op random_op(uint64_t *s, int i) {
    op o;
    status st;
    status_init(&st);
    char name[32];
    snprintf(name, sizeof name, "L%d", i);
    int kind = (int)tl_rnd(s, 0, 2);
    if (kind == 2) {
        op_gemm p = {.batch = 1, .m = tl_rnd(s, 1, 90), .n = tl_rnd(s, 1, 90), .k = tl_rnd(s, 1, 200)};
        cr_assert(op_build_gemm(&o, name, &p, &st), "%s", st.msg);
        return o;
    }
    op_conv p;
    memset(&p, 0, sizeof p);
    p.n = 1;
    p.c = tl_rnd(s, 1, 40);
    p.r = tl_rnd(s, 1, 3);
    p.s = tl_rnd(s, 1, 3);
    p.h = tl_rnd(s, p.r, 24);
    p.w = tl_rnd(s, p.s, 24);
    p.k = kind == 1 ? p.c : tl_rnd(s, 1, 40);
    p.stride_h = tl_rnd(s, 1, 2);
    p.stride_w = tl_rnd(s, 1, 2);
    p.dil_h = p.dil_w = 1;
    p.groups = kind == 1 ? p.c : 1;
    cr_assert(op_build_conv(&o, name, &p, kind == 1 ? OP_DEPTHWISE : OP_CONV2D, &st), "%s", st.msg);
    return o;
}

static void mapping_of(const op *o, const hw_config *hw, emb *e, emb_nest *n, sched *s, df_mapping *m) {
    status st;
    status_init(&st);
    cr_assert(emb_channel_packing(o, HW_INTRINSIC(hw), e, &st), "%s", st.msg);
    cr_assert(emb_nest_build(o, HW_INTRINSIC(hw), e, n, &st), "%s", st.msg);
    sched_opts so;
    sched_opts_init(&so);
    so.e = e;
    cr_assert(sched_search(o, hw, n, &so, s, &st), "%s", st.msg);
    df_tiling t;
    memset(&t, 0, sizeof t);
    t.lanes[EMB_B] = hw_batch(hw);
    t.lanes[EMB_O] = hw_block_out(hw);
    t.lanes[EMB_I] = hw_block_in(hw);
    memcpy(t.tile, s->tile, sizeof t.tile);
    memcpy(t.order, s->order, sizeof t.order);
    t.reuse = s->reuse;
    df_build(o, e, n, &t, m);
}

Test(cost_map, maestro_round_trip) {
    hw_config hw = hw_default();
    uint64_t s = 5;
    char path[] = "/tmp/test_cost_map_XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    for (int i = 0; i < 30; i++) {
        op o = random_op(&s, i);
        emb e;
        emb_nest n;
        sched sc;
        df_mapping m;
        mapping_of(&o, &hw, &e, &n, &sc, &m);
        status st;
        status_init(&st);
        cr_assert(maestro_write_mapping(path, &o, &m, &st), "%s", st.msg);
        char net[64];
        op *ops;
        int nops;
        cr_assert(maestro_load(path, net, sizeof net, &ops, &nops, &st), "%s", st.msg);
        cr_assert_eq(nops, 1);
        const op *b = &ops[0];
        cr_assert_str_eq(b->name, o.name);
        cr_assert_eq(b->kind, o.kind, "%s", o.name);
        cr_assert_eq(b->ndims, o.ndims, "%s", o.name);
        for (int d = 0; d < o.ndims; d++) {
            cr_assert_str_eq(b->dim_name[d], o.dim_name[d]);
            cr_assert_eq(b->extent[d], o.extent[d], "%s dim %s", o.name, o.dim_name[d]);
        }
        cr_assert_eq(op_macs(b), op_macs(&o));
        if (o.kind != OP_GEMM)
            cr_assert(b->conv.stride_h == o.conv.stride_h && b->conv.stride_w == o.conv.stride_w &&
                      b->conv.h == o.conv.h && b->conv.w == o.conv.w && b->conv.groups == o.conv.groups);
        free(ops);
    }
    unlink(path);
}

static void expect_error(const char *text, int line, const char *what) {
    char path[] = "/tmp/test_cost_map_XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    status st;
    status_init(&st);
    char net[64], want[600];
    op *ops;
    int n;
    cr_assert_not(maestro_load(path, net, sizeof net, &ops, &n, &st), "accepted: %s", text);
    snprintf(want, sizeof want, "%s:%d:", path, line);
    cr_assert(strstr(st.msg, want) == st.msg, "want %s, got %s", want, st.msg);
    cr_assert(strstr(st.msg, what), "want '%s' in %s", what, st.msg);
    unlink(path);
}

Test(cost_map, maestro_errors_name_file_and_line) {
    expect_error("Network a {\n Layer b {\n Type: POOL\n }\n}\n", 2, "POOL");
    expect_error("Network a {\n Layer b {\n Type: CONV\n Dimensions { K: 4, C: 3 }\n }\n}\n", 2, "need C, K, Y");
    expect_error("Network a {\n Layer b {\n Type: GEMM\n Dimensions { M: 4, N: x }\n }\n}\n", 4, "number");
    expect_error("Network a {\n Layer b {\n Type: CONV\n Dataflow { SpatialMap(1,1) K;\n", 5, "unterminated");
    expect_error("Layer b { }\n", 1, "expected Network");
    expect_error("Network a {\n}\n", 3, "no layer");
}

Test(cost_map, directives_cover_the_nest_and_reuse_matches_the_schedule) {
    hw_config hw = hw_default();
    uint64_t s = 9;
    for (int i = 0; i < 25; i++) {
        op o = random_op(&s, i);
        emb e;
        emb_nest n;
        sched sc;
        df_mapping m;
        mapping_of(&o, &hw, &e, &n, &sc, &m);
        int seen[EMB_MAX_LOOPS] = {0}, spatial = 0, terms = 0;
        for (int k = 0; k < m.n; k++) {
            if (m.d[k].loop >= 0) seen[m.d[k].loop] += m.d[k].level == DF_DRAM ? 1 : 10;
            spatial += m.d[k].kind == DF_SPATIAL;
        }
        for (int ln = 0; ln < 3; ln++) terms += e.nterms[ln];
        cr_assert_eq(spatial, terms, "%s: one SpatialMap per lane term", o.name);
        for (int l = 0; l < n.nloops; l++) {
            int64_t nt = (n.loop[l].extent + sc.tile[l] - 1) / sc.tile[l];
            cr_assert_eq(seen[l], (nt > 1 ? 1 : 0) + (sc.tile[l] > 1 ? 10 : 0), "%s loop %d", o.name, l);
        }
        /* footprints equal sched_derive's slot rows; tiles equal its counts */
        for (int x = 0; x < 3; x++) cr_assert_eq(m.footprint[x], sc.slot_rows[x], "%s operand %d", o.name, x);
        cr_assert_eq(m.tiles, sc.ntiles);
        cr_assert_eq(m.out_tiles, sc.nout_tiles);
        /* the model's walk counts the same INP/WGT tile loads as the reuse analysis */
        cr_assert_eq(m.fetches[0], sc.loads[0], "%s: inp loads %lld vs %lld", o.name, (long long)m.fetches[0],
                     (long long)sc.loads[0]);
        cr_assert_eq(m.fetches[1], sc.loads[1], "%s: wgt loads", o.name);
    }
}

Test(cost_map, report_matches_simulator_counters) {
    hw_config hw = hw_default();
    uint64_t s = 21;
    int checked = 0;
    for (int i = 0; i < 12; i++) {
        op o = random_op(&s, i);
        if (o.kind != OP_GEMM) continue; /* no padding: every DMA element is DRAM data */
        checked++;
        emb e;
        emb_nest n;
        sched sc;
        df_mapping m;
        mapping_of(&o, &hw, &e, &n, &sc, &m);
        cost_report r;
        status st;
        status_init(&st);
        cr_assert(cost_vta_report(&o, &hw, &n, &sc, &r, &st), "%s", st.msg);
        sim_report rep;
        cr_assert(cost_sim(&o, &hw, &e, &n, &sc, &rep, &st), "%s", st.msg);
        cr_assert_eq((uint64_t)r.c.dram_bytes[COST_INP], rep.inp_load_nbytes, "%s", o.name);
        cr_assert_eq((uint64_t)r.c.dram_bytes[COST_WGT], rep.wgt_load_nbytes, "%s", o.name);
        cr_assert_eq((uint64_t)r.c.dram_bytes[COST_OUT], rep.out_store_nbytes, "%s", o.name);
        cr_assert_eq((uint64_t)r.c.dram_bytes[COST_UOP], rep.uop_load_nbytes, "%s", o.name);
        cr_assert_eq((uint64_t)r.c.insns, rep.insns, "%s", o.name);
        cr_assert_eq(r.macs, (double)rep.gemm_counter * 256, "%s", o.name);
        cr_assert_eq(r.alu_ops, (double)rep.alu_counter * 16, "%s", o.name);
        double parts = r.e_mac + r.e_alu + r.e_dram + r.e_fetch;
        for (int x = 0; x < COST_NOPER; x++) parts += r.e_sram[x];
        cr_assert_float_eq(parts, r.e_total, 1e-6 * r.e_total);
        cr_assert_float_eq(r.e_mac, r.macs * hw.e_mac_fj / 1000, 1e-9 * r.e_mac + 1e-9);
    }
    cr_assert_geq(checked, 2);
}

/* The report's compute split: the ALU epilogue (closed form) is what the walk's compute
 * busy time loses when ALU instructions cost nothing; the reset GEMMs are there exactly
 * when no bias initializes ACC by LOAD ACC; the rest covers every GEMM iteration. */
Test(cost_map, compute_split_matches_the_walk) {
    hw_config hw = hw_default(), free_alu = hw;
    free_alu.alu_startup = free_alu.alu_imm_cycles = free_alu.alu_reg_cycles = 0;
    uint64_t s = 31;
    for (int i = 0; i < 10; i++) {
        op o = random_op(&s, i);
        o.rq.shift = (int32_t)tl_rnd(&s, 0, 15);
        if (o.kind == OP_CONV2D) {
            o.rq.bias = tl_rnd(&s, 0, 1) == 1;
            o.rq.bias_axis = 1;
        }
        emb e;
        emb_nest n;
        sched sc;
        df_mapping m;
        mapping_of(&o, &hw, &e, &n, &sc, &m);
        cost_report r, r0;
        status st;
        status_init(&st);
        cr_assert(cost_vta_report(&o, &hw, &n, &sc, &r, &st), "%s", st.msg);
        cr_assert(cost_vta_report(&o, &free_alu, &n, &sc, &r0, &st), "%s", st.msg);
        double lost = r.c.busy[SIM_COMPUTE] - r0.c.busy[SIM_COMPUTE];
        cr_assert_gt(r.busy_alu, 0, "%s", o.name);
        cr_assert_float_eq(r.busy_alu, lost, 1e-9 * lost, "%s: ALU %.1f, walk %.1f", o.name, r.busy_alu, lost);
        cr_assert_eq(r.busy_reset > 0, !(o.rq.bias && !sc.bias_alu), "%s", o.name);
        cr_assert_geq(r.busy_gemm, r.macs / 256 * hw.gemm_iter_cycles, "%s", o.name);
    }
}

/* The CLI: --json carries the directives, the model, whose cycles equal the
 * library's estimate of the same mapping, and the layer's hardware floor; --maestro writes a file spec check reads;
 * bad usage exits 2. */
Test(cost_map, cli_json_maestro_and_usage) {
    char cmd[1024], out[1 << 15], path[64];
    snprintf(path, sizeof path, "/tmp/test_cost_map_%d.m", (int)getpid());
    snprintf(cmd, sizeof cmd, "%s cost --gemm M=35,N=70,K=64 --strategy packing --json --maestro %s", EMBEDSYN_CLI,
             path);
    FILE *p = popen(cmd, "r");
    cr_assert(p);
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = 0;
    cr_assert_eq(pclose(p), 0, "%s", out);
    cr_assert(strstr(out, "\"directives\":[") && strstr(out, "SpatialMap(1,1) m"), "%s", out);
    const char *c = strstr(out, "\"model\":{\"cycles\":");
    cr_assert(c, "%s", out);
    double cyc = atof(c + strlen("\"model\":{\"cycles\":"));
    /* the same mapping through the library */
    hw_config hw = hw_default();
    op o = tl_gemm(1, 35, 70, 64, false, false);
    status st;
    status_init(&st);
    emb e;
    emb_nest nn;
    sched sc;
    df_mapping m;
    mapping_of(&o, &hw, &e, &nn, &sc, &m);
    cost_report r;
    cr_assert(cost_vta_report(&o, &hw, &nn, &sc, &r, &st), "%s", st.msg);
    cr_assert_float_eq(cyc, r.cycles, 0.5, "CLI %f vs library %f", cyc, r.cycles);
    /* the hardware floor of the layer, below the mapping's cycles */
    const char *fk = strstr(out, "\"floor\":{\"cycles\":");
    cr_assert(fk, "%s", out);
    cost_floor fl;
    cost_vta_floor(&o, &hw, &fl);
    cr_assert_eq(atoll(fk + strlen("\"floor\":{\"cycles\":")), fl.cycles, "%s", fk);
    cr_assert_leq((double)fl.cycles, r.cycles);
    snprintf(cmd, sizeof cmd, "%s spec check %s > /dev/null", EMBEDSYN_CLI, path);
    cr_assert_eq(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s cost --gemm M=4,N=4,K=4 --strategy bogus 2>/dev/null", EMBEDSYN_CLI);
    cr_assert_eq(WEXITSTATUS(system(cmd)), 2);
    snprintf(cmd, sizeof cmd, "%s cost --help > /dev/null", EMBEDSYN_CLI);
    cr_assert_eq(system(cmd), 0);
    unlink(path);
}
