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
#include "core/spec.h"
#include "core/text.h"
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

/* The mapping of o under an embedding family: 0 channel packing, 1 im2col over the
 * reduction dims (conv: c,r,s; GEMM: k), 2 the banded Toeplitz form (or group band for a
 * depthwise conv); falls back to channel packing where the family does not apply. */
static void mapping_family(const op *o, const hw_config *hw, int fam, emb *e, emb_nest *n, sched *s,
                           df_mapping *m) {
    status st;
    status_init(&st);
    bool ok = false;
    if (fam == 1) ok = emb_im2col(o, HW_INTRINSIC(hw), o->kind == OP_GEMM ? "k" : "c,r,s", e, &st);
    if (fam == 2 && o->kind != OP_GEMM)
        ok = o->kind == OP_DEPTHWISE ? emb_group_band(o, HW_INTRINSIC(hw), e, &st) : emb_band(o, HW_INTRINSIC(hw), e, &st);
    status_init(&st);
    if (!ok) cr_assert(emb_channel_packing(o, HW_INTRINSIC(hw), e, &st), "%s", st.msg);
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

static void mapping_of(const op *o, const hw_config *hw, emb *e, emb_nest *n, sched *s, df_mapping *m) {
    mapping_family(o, hw, 0, e, n, s, m);
}

static void check_maestro_rules(const char *text, const op *o, int64_t lanes);

/* Written files obey MAESTRO's rules (channel packing, im2col and the banded forms) and
 * read back to the same operator. */
Test(cost_map, maestro_round_trip) {
    hw_config hw = hw_default();
    uint64_t s = 5;
    char path[] = "/tmp/test_cost_map_XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    for (int i = 0; i < 45; i++) {
        op o = random_op(&s, i);
        emb e;
        emb_nest n;
        sched sc;
        df_mapping m;
        mapping_family(&o, &hw, i % 3, &e, &n, &sc, &m);
        status st;
        status_init(&st);
        cr_assert(maestro_write_mapping(path, &o, &m, &st), "%s", st.msg);
        size_t len;
        unsigned char *text = text_read_path(path, &len, &st);
        cr_assert(text, "%s", st.msg);
        check_maestro_rules((const char *)text, &o, m.lanes[0] * m.lanes[1] * m.lanes[2]);
        free(text);
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
    expect_error("Network a {\n Layer b {\n Type: CONV\n Dimensions { K: 4, C: 3 }\n }\n}\n", 2, "need C, K, and one of Y");
    expect_error("Network a {\n Layer b {\n Type: GEMM\n Dimensions { M: 4, N: x }\n }\n}\n", 4, "number");
    expect_error("Network a {\n Layer b {\n Type: CONV\n Dataflow { SpatialMap(1,1) K;\n", 5, "unterminated");
    expect_error("Layer b { }\n", 1, "expected Network");
    expect_error("Network a {\n}\n", 3, "no layer");
    expect_error("Network a {\n Layer b {\n Type: TRCONV\n }\n}\n", 2, "TRCONV (a transposed conv)");
    expect_error("Network a {\n Layer b {\n Type: DSCONV\n Dimensions { K: 4, C: 8, Y: 9, X: 9 }\n }\n}\n", 2,
                 "DSCONV needs K = 1");
    expect_error("Network a {\n Layer b {\n Type: CONV\n Dimensions { K: 4, C: 8, Y: 9, Y: 8 }\n", 4,
                 "Y given twice");
    expect_error("Network a {\n Layer b {\n Type: CONV\n Dimensions { K: 4, C: Sz, Y: 9 }\n", 4,
                 "number or a Constant");
    expect_error("Network a {\n Layer b {\n Type: CONV\n Dimensions { K: 4, C: 8, Y: 9, X: 9, X': 7 }\n }\n}\n", 2,
                 "one of Y / Y' and of X / X'");
}

/* The rules MAESTRO's parser and cluster analysis enforce on a Dataflow block, checked
 * on the text written (DFSL_parser.hpp, DFA_cluster-unit.hpp of maestro-project/maestro):
 * every cluster level, the top one included, has one or two SpatialMaps and each dim
 * at most once; R and S are mapped whole; every dim is one of the layer's; the top
 * level's clusters times the cluster sizes are the intrinsic's lanes. */
static void check_maestro_rules(const char *text, const op *o, int64_t lanes) {
    const char *df = strstr(text, "Dataflow {");
    cr_assert(df, "no Dataflow in:\n%s", text);
    const char *dims_ok[] = {"N", "K", "C", "R", "S", "Y'", "X'", "M"};
    char seen[8][8];
    int nseen = 0, spatial = 0, levels = 0;
    int64_t first_cluster = 0;
    for (const char *p = strchr(df, '\n') + 1; *p && strncmp(p, "    }", 5); p = strchr(p, '\n') + 1) {
        while (*p == ' ') p++;
        long a, b;
        char kind[16], dim[8];
        if (!strncmp(p, "//", 2)) continue;
        if (sscanf(p, "Cluster(%ld, P);", &a) == 1) {
            cr_assert(spatial >= 1 && spatial <= 2, "level %d has %d SpatialMaps:\n%s", levels, spatial, text);
            if (!first_cluster) first_cluster = a;
            nseen = spatial = 0;
            levels++;
            continue;
        }
        cr_assert_eq(sscanf(p, "%15[A-Za-z](%ld,%ld) %7[A-Z'];", kind, &a, &b, dim), 4, "bad line: %.40s", p);
        cr_assert(!strcmp(kind, "SpatialMap") || !strcmp(kind, "TemporalMap"), "%s", kind);
        bool known = false;
        for (size_t i = 0; i < sizeof dims_ok / sizeof dims_ok[0]; i++) known = known || !strcmp(dim, dims_ok[i]);
        cr_assert(known, "unknown dim %s:\n%s", dim, text);
        for (int i = 0; i < nseen; i++) cr_assert(strcmp(seen[i], dim), "%s twice in a level:\n%s", dim, text);
        snprintf(seen[nseen++], sizeof seen[0], "%s", dim);
        spatial += !strcmp(kind, "SpatialMap");
        if (!strcmp(kind, "TemporalMap") && (!strcmp(dim, "R") || !strcmp(dim, "S")))
            cr_assert_eq(a, !strcmp(dim, "R") ? o->conv.r : o->conv.s, "%s not whole:\n%s", dim, text);
    }
    cr_assert(spatial >= 1 && spatial <= 2, "last level has %d SpatialMaps:\n%s", spatial, text);
    if (first_cluster) cr_assert_eq(lanes % first_cluster, 0, "%s", text);
}

/* A file in the forms MAESTRO's own files use: Constants, names with '-' and '.',
 * colons left out, output sizes Y' / X', DSCONV with K: 1, a dim repeated, a layer
 * name repeated; read as a MAESTRO network and as a suite. */
Test(cost_map, maestro_reads_maestros_own_forms) {
    const char *text = "// as in maestro-project/maestro data/mapping\n"
                       "Constant SzM 100;\nConstant SzK 64;\n"
                       "Network torchvision.models.x {\n"
                       "Layer Conv2d-1 {\nType: CONV\nStride { X: 2, Y: 2 }\n"
                       "Dimensions { N 1, K 64, C 3, R 7, S 7, Y 229, X 229 }\n"
                       "Dataflow {\n SpatialMap(1,1) Y';\n TemporalMap(Sz(R),Sz(R)) R;\n }\n}\n"
                       "Layer dw {\nType: DSCONV\nDimensions { N: 1, N: 1, K: 1, C: 32, R: 3, S: 3, Y': 56, X': 56 }\n}\n"
                       "Layer BLAS { Type GEMM Dimensions { K: SzK, M: SzM, N: 7 } }\n"
                       "Layer BLAS { Type GEMM Dimensions { K: 2, M: 3, N: 4 } }\n"
                       "Layer BLAS { Type GEMM Dimensions { K: 5, M: 6, N: 7 } }\n"
                       "}\n";
    char dir[] = "/tmp/test_cost_map_XXXXXX", path[64];
    cr_assert(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/net.m", dir); /* a suite is a MAESTRO network by its .m */
    tl_write_text(path, text);
    status st;
    status_init(&st);
    char net[64];
    op *ops;
    int n;
    cr_assert(maestro_load(path, net, sizeof net, &ops, &n, &st), "%s", st.msg);
    /* the same operators as a suite (bench, run --suite, solve --suite, dse) */
    op *sops;
    int sn;
    char sname[64];
    cr_assert(spec_load_suite(path, sname, sizeof sname, &sops, &sn, &st), "%s", st.msg);
    unlink(path);
    rmdir(dir);
    cr_assert_str_eq(sname, "torchvision.models.x");
    cr_assert_eq(sn, 5);
    for (int i = 0; i < sn; i++) cr_assert_str_eq(sops[i].name, ops[i].name);
    free(sops);
    cr_assert_str_eq(net, "torchvision.models.x");
    cr_assert_eq(n, 5);
    /* a repeated name is numbered, the first kept */
    cr_assert_str_eq(ops[2].name, "BLAS");
    cr_assert_str_eq(ops[3].name, "BLAS#2");
    cr_assert_str_eq(ops[4].name, "BLAS#3");
    cr_assert(ops[4].gemm.k == 5 && ops[3].gemm.m == 3);
    cr_assert_str_eq(ops[0].name, "Conv2d-1");
    cr_assert(ops[0].kind == OP_CONV2D && ops[0].conv.c == 3 && ops[0].conv.k == 64 && ops[0].conv.h == 229 &&
              ops[0].conv.stride_h == 2 && ops[0].conv.oh == 112);
    /* Y' = 56 with R = 3, stride 1: an input of 58 rows */
    cr_assert(ops[1].kind == OP_DEPTHWISE && ops[1].conv.c == 32 && ops[1].conv.k == 32 && ops[1].conv.groups == 32 &&
              ops[1].conv.h == 58 && ops[1].conv.oh == 56 && ops[1].conv.ow == 56);
    cr_assert(ops[2].kind == OP_GEMM && ops[2].gemm.m == 100 && ops[2].gemm.k == 64 && ops[2].gemm.n == 7);
    cr_assert_eq(op_macs(&ops[1]), 32 * 9 * 56 * 56);
    free(ops);
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

/* --op NET.m:LAYER picks a layer of a MAESTRO network in every command (cost's own
 * option parser and the getopt one of run and solve); --op NET.m of several layers,
 * or an unknown layer, is an error (exit 2) naming the file. An op or mapping with no
 * MAESTRO form: --maestro fails and leaves no file. */
Test(cost_map, cli_op_picks_a_maestro_layer) {
    char path[64], cmd[1024], out[4096];
    snprintf(path, sizeof path, "/tmp/test_cost_map_op_%d.m", (int)getpid());
    tl_write_text(path, "Network n {\n Layer first { Type: GEMM Dimensions { M: 8, N: 8, K: 8 } }\n"
                        " Layer dw-2 { Type: DSCONV Dimensions { K 1, C 16, R 3, S 3, Y 10, X 10 } }\n}\n");
    const char *cmds[] = {"run --strategy portfolio --check --json", "cost --json", "solve --json"};
    for (int i = 0; i < 3; i++) {
        snprintf(cmd, sizeof cmd, "%s %s --op %s:dw-2", EMBEDSYN_CLI, cmds[i], path);
        FILE *p = popen(cmd, "r");
        cr_assert(p);
        size_t n = fread(out, 1, sizeof out - 1, p);
        out[n] = 0;
        cr_assert_eq(pclose(p), 0, "%s: %s", cmd, out);
        cr_assert(strstr(out, "dw-2"), "%s: %s", cmd, out);
        if (i == 0) cr_assert(strstr(out, "\"check\":\"pass\""), "%s", out);
    }
    snprintf(cmd, sizeof cmd, "%s run --op %s 2>&1", EMBEDSYN_CLI, path);
    FILE *p = popen(cmd, "r");
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = 0;
    cr_assert_eq(WEXITSTATUS(pclose(p)), 2, "%s", out);
    cr_assert(strstr(out, "2 layers") && strstr(out, path), "%s", out);
    snprintf(cmd, sizeof cmd, "%s cost --op %s:nope 2>&1", EMBEDSYN_CLI, path);
    p = popen(cmd, "r");
    n = fread(out, 1, sizeof out - 1, p);
    out[n] = 0;
    cr_assert_eq(WEXITSTATUS(pclose(p)), 2, "%s", out);
    cr_assert(strstr(out, "no layer 'nope'"), "%s", out);
    unlink(path);
    /* no MAESTRO form: a grouped conv that is not depthwise (found before writing), and
     * TVM's depthwise template with N = 2 (its lanes on k and c of extent 1; found while
     * writing the dataflow) */
    const char *noform[] = {"C=8,H=6,W=6,K=8,R=3,S=3,groups=2", "N=2,C=16,H=8,W=8,K=16,R=3,S=3,pad=1,groups=16"};
    for (int i = 0; i < 2; i++) {
        snprintf(cmd, sizeof cmd, "%s cost --conv %s --maestro %s 2>/dev/null", EMBEDSYN_CLI, noform[i], path);
        cr_assert_eq(WEXITSTATUS(system(cmd)), 2, "%s", noform[i]);
        cr_assert_neq(access(path, F_OK), 0, "a failed --maestro left %s (%s)", path, noform[i]);
    }
}
