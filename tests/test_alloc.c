/* Allocation-failure tests (core/alloc): the N-th allocation through the library's
 * wrappers fails (alone, or with every later one: a real out-of-memory), for every N
 * an operation makes, over a spec load, JSON and baseline loading, a solve and a
 * compile + simulate of a small layer. Every failure must come back as a clean
 * status ("... out of memory ..."), never a crash; LeakSanitizer (scripts/test's
 * sanitizer build) checks that nothing leaks on the failure paths. The code generator,
 * the program builder (regions, instruction stream, encoding), the bundle reader and the
 * scalar lane checker are swept on their own as well. Allocations of Z3, libxml2 and
 * the encoders are not hooked (the encoders' call into the lane checker is bracketed
 * by es_alloc_unhooked_begin/end). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/baseline.h"
#include "bench/driver.h"
#include "bench/json.h"
#include "core/alloc.h"
#include "core/spec.h"
#include "encoders/enc.h"
#include "vta/lower.h"
#include "vta/refstrat.h"
#include "vta/sched.h"

typedef bool (*op_fn)(status *st);

/* Sweeps N over fn in one mode; returns how many N made an allocation fail. */
static long sweep(const char *what, op_fn fn, bool sticky) {
    long failures = 0;
    for (long n = 1;; n++) {
        cr_assert_lt(n, 200000, "%s: no end to the allocations", what);
        status st;
        status_init(&st);
        es_alloc_fail_at(n, sticky);
        bool ok = fn(&st);
        long failed = es_alloc_failed();
        es_alloc_fail_at(0, false);
        if (failed == 0) {
            /* Fewer than n allocations: the operation ran untouched and must succeed. */
            cr_assert(ok, "%s: fails without an allocation failure: %s", what, st.msg);
            cr_assert_gt(n, 1, "%s: allocates nothing through the hook", what);
            break;
        }
        failures++;
        /* Either the operation coped (the failing allocation had a fallback) or it
         * reports out-of-memory as a status. */
        if (!ok)
            cr_assert(st.failed && strstr(st.msg, "out of memory"),
                      "%s: allocation %ld failed -> '%s'", what, n, st.msg);
    }
    return failures;
}

static bool load_op(status *st) {
    op o;
    return spec_load_op(EMBEDSYN_SOURCE_DIR "/tests/good/op_conv.xml", &o, st);
}

static bool load_suite(status *st) {
    char name[64];
    op *ops = NULL;
    int n = 0;
    bool ok = spec_load_suite(EMBEDSYN_SOURCE_DIR "/tests/good/suite_mixed.xml", name, sizeof name,
                              &ops, &n, st);
    free(ops);
    return ok;
}

static bool load_hw(status *st) {
    hw_config hw;
    return hw_load(EMBEDSYN_SOURCE_DIR "/tests/good/hw_custom.xml", &hw, st);
}

static bool load_baseline(status *st) {
    baseline b;
    bool ok = baseline_load(EMBEDSYN_SOURCE_DIR "/bench/baselines/ci.json", &b, st);
    if (ok)
        baseline_free(&b);
    return ok;
}

static bool parse_json(status *st) {
    static const char txt[] = "{\"a\": [1, 2.5, \"x\\u00e9\", {\"b\": null}], \"c\": true}";
    arena *a = arena_create();
    bool ok = json_parse(a, txt, sizeof txt - 1, "t", st) != NULL;
    arena_destroy(a);
    return ok;
}

/* The operator comes from a spec file (hooked); Z3's allocations are out of scope. */
static bool solve(status *st) {
    op o;
    if (!spec_parse_gemm("M=16,N=16,K=32", "gemm", &o, st))
        return false;
    hw_config hw;
    if (!hw_load(EMBEDSYN_SOURCE_DIR "/tests/good/hw_empty.xml", &hw, st))
        return false;
    enc_options eo;
    enc_options_init(&eo);
    enc_result r;
    return enc_solve(&o, HW_INTRINSIC(&hw), &eo, &r, st);
}

static bool compile_and_simulate(status *st) {
    op o;
    status ps;
    status_init(&ps);
    cr_assert(spec_parse_conv("N=1,C=3,H=8,W=8,K=16,R=3,S=3,pad=1", "conv", &o, &ps), "%s", ps.msg);
    hw_config hw = hw_default();
    driver_opts d;
    driver_opts_init(&d);
    d.check = true;
    d.sched_k = 1;
    driver_result r;
    return driver_run_reference(&o, &hw, &d, &r, st);
}

/* A small conv's reference embedding, nest and schedule, made once outside the hook. */
static struct {
    op o;
    hw_config hw;
    emb e;
    emb_nest n;
    sched s;
    char dir[64];
} lw;

static void lowering_setup(const char *conv) {
    status st;
    status_init(&st);
    cr_assert(spec_parse_conv(conv, "conv", &lw.o, &st), "%s", st.msg);
    lw.hw = hw_default();
    cr_assert(refstrat_embedding(&lw.o, &lw.hw, &lw.e, &st), "%s", st.msg);
    cr_assert(emb_nest_build(&lw.o, HW_INTRINSIC(&lw.hw), &lw.e, &lw.n, &st), "%s", st.msg);
    sched_opts so;
    refstrat_sched_opts(&lw.o, &lw.n, &so);
    so.e = &lw.e;
    cr_assert(sched_search(&lw.o, &lw.hw, &lw.n, &so, &lw.s, &st), "%s", st.msg);
}

/* Code generation + encoding of the instruction stream. */
static bool codegen_finalize(status *st) {
    vta_prog *p;
    lower_stats ls;
    if (!lower_codegen(&lw.o, &lw.hw, &lw.e, &lw.n, &lw.s, &p, &ls, st))
        return false;
    bool ok = vta_prog_finalize(p, st);
    vta_prog_destroy(p);
    return ok;
}

static bool bundle_read(status *st) {
    vta_prog *p = vta_bundle_read(lw.dir, st);
    bool ok = p != NULL;
    vta_prog_destroy(p);
    return ok;
}

/* Every instance enumerated: the coverage and output bitmaps are allocated too. */
static bool check_all_lanes(status *st) {
    return emb_check_lanes(&lw.o, HW_INTRINSIC(&lw.hw), &lw.e, &lw.n, lw.n.instances, 1, st);
}

Test(alloc, codegen_and_bundle_fail_cleanly_at_every_allocation) {
    lowering_setup("N=1,C=64,H=28,W=28,K=64,R=3,S=3,pad=1");
    status st;
    status_init(&st);
    vta_prog *p;
    lower_stats ls;
    cr_assert(lower_codegen(&lw.o, &lw.hw, &lw.e, &lw.n, &lw.s, &p, &ls, &st), "%s", st.msg);
    cr_assert(vta_prog_finalize(p, &st), "%s", st.msg);
    snprintf(lw.dir, sizeof lw.dir, "/tmp/es_alloc_bundle_%d", (int)getpid());
    cr_assert(vta_bundle_write(p, lw.dir, &st), "%s", st.msg);
    vta_prog_destroy(p);
    /* The instruction stream grows past its first 64 slots: the growth path too. */
    cr_assert_gt(ls.insns, 64, "%lld instructions", (long long)ls.insns);
    long n = 0;
    for (int sticky = 0; sticky < 2; sticky++) {
        n += sweep("codegen+finalize", codegen_finalize, sticky);
        n += sweep("bundle read", bundle_read, sticky);
    }
    /* codegen: program, regions, micro-ops, tile plan, instruction buffer, program
     * stream (growths), encoding; bundle: program, image, instructions. */
    cr_assert_geq(n, 2 * (8 + 3), "only %ld failure points", n);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", lw.dir);
    cr_assert_eq(system(cmd), 0);
}

Test(alloc, lane_check_fails_cleanly_at_every_allocation) {
    lowering_setup("N=1,C=3,H=8,W=8,K=16,R=3,S=3,pad=1");
    /* 7 buffers: coverage and slot bitmaps, 5 lane buffers; then the output bitmap and
     * the lane values of the totals (a failure at each, alone and sticky). */
    long n = sweep("lane check", check_all_lanes, false);
    cr_assert_eq(n, 9, "%ld failure points", n);
    cr_assert_geq(sweep("lane check", check_all_lanes, true), 9);
}

Test(alloc, hook_counts_and_fails_the_nth_allocation) {
    es_alloc_fail_at(3, false);
    void *p[5];
    for (int i = 0; i < 5; i++)
        p[i] = es_malloc(8);
    cr_assert(p[0] && p[1] && !p[2] && p[3] && p[4]);
    cr_assert_eq(es_alloc_count(), 5);
    cr_assert_eq(es_alloc_failed(), 1);
    for (int i = 0; i < 5; i++)
        es_free(p[i]);
    es_alloc_fail_at(2, true);
    void *q = es_calloc(1, 8), *r = es_realloc(NULL, 8), *s = es_malloc(8);
    cr_assert(q && !r && !s);
    cr_assert_eq(es_alloc_failed(), 2);
    es_free(q);
    es_alloc_fail_at(0, false);
    /* Size overflow is a failure, not a wrapped small allocation. */
    cr_assert_null(es_calloc(SIZE_MAX / 2, 4));
    cr_assert_null(es_reallocarray(NULL, SIZE_MAX / 2, 4));
}

Test(alloc, spec_loads_fail_cleanly_at_every_allocation) {
    long n = 0;
    for (int sticky = 0; sticky < 2; sticky++) {
        n += sweep("operator", load_op, sticky);
        n += sweep("suite", load_suite, sticky);
        n += sweep("hardware", load_hw, sticky);
    }
    cr_assert_gt(n, 6, "only %ld failure points", n);
}

Test(alloc, json_and_baseline_fail_cleanly_at_every_allocation) {
    long n = 0;
    for (int sticky = 0; sticky < 2; sticky++) {
        n += sweep("json", parse_json, sticky);
        n += sweep("baseline", load_baseline, sticky);
    }
    cr_assert_gt(n, 10, "only %ld failure points", n);
}

Test(alloc, solve_fails_cleanly_at_every_allocation) {
    cr_assert_gt(sweep("solve", solve, false) + sweep("solve", solve, true), 1);
}

Test(alloc, compile_and_simulate_fail_cleanly_at_every_allocation) {
    cr_assert_gt(sweep("compile+simulate", compile_and_simulate, false) +
                     sweep("compile+simulate", compile_and_simulate, true),
                 1);
}
