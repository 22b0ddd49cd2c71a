/* test_util: support shared by the test programs: operator builders (conv parameters
 * with unit dilation and one group, conv / GEMM operators built by core/op, a failed
 * build being a test failure) and the row type of tables of text cases. Static
 * functions in a header: each test program includes it once. */
#ifndef EMBEDSYN_TESTS_TEST_UTIL_H
#define EMBEDSYN_TESTS_TEST_UTIL_H

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/driver.h"
#include "core/es.h"
#include "core/op.h"
#include "core/spec.h"
#include "core/status.h"
#include "vta/hw.h"

/* Writes text to path (a suite, a MAESTRO file); a failure is a test failure. */
static inline void tl_write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    cr_assert_eq(fclose(f), 0, "%s", path);
}

/* A draw in lo..hi (splitmix64, es_splitmix64). */
static inline int64_t tl_rnd(uint64_t *s, int64_t lo, int64_t hi) {
    return lo + (int64_t)(es_splitmix64(s) % (uint64_t)(hi - lo + 1));
}

/* xorshift64 (13, 7, 17) and a draw in lo..hi from it: the random cases of the encoder
 * and reference tests were chosen with this generator (their sample sizes are tuned to
 * its draws). */
static inline uint64_t tl_xorshift64(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}
static inline int64_t tl_xrnd(uint64_t *s, int64_t lo, int64_t hi) {
    return lo + (int64_t)(tl_xorshift64(s) % (uint64_t)(hi - lo + 1));
}

/* Driver options of a checked run: the whole output compared with the reference, the
 * simulator strict. */
static inline driver_opts tl_checked_opts(void) {
    driver_opts d;
    driver_opts_init(&d);
    d.check = true;
    d.strict = true;
    return d;
}

/* A row of a table of text cases: an input and what the output (or message) must be
 * or contain. */
typedef struct tl_text_case {
    const char *text, *want;
} tl_text_case;

static inline op_conv tl_conv_params(int64_t n, int64_t c, int64_t h, int64_t w, int64_t k, int64_t r,
                                     int64_t s, int64_t stride, int64_t pad) {
    op_conv p;
    memset(&p, 0, sizeof p);
    p.n = n, p.c = c, p.h = h, p.w = w, p.k = k, p.r = r, p.s = s;
    p.stride_h = p.stride_w = stride;
    p.pad_h = p.pad_w = pad;
    p.dil_h = p.dil_w = 1;
    p.groups = 1;
    return p;
}

static inline op tl_build_conv(const op_conv *p, const char *name, op_kind kind) {
    op o;
    status st;
    status_init(&st);
    cr_assert(op_build_conv(&o, name, p, kind, &st), "%s", st.msg);
    return o;
}

static inline op tl_build_gemm(const op_gemm *g, const char *name) {
    op o;
    status st;
    status_init(&st);
    cr_assert(op_build_gemm(&o, name, g, &st), "%s", st.msg);
    return o;
}

/* A plain conv named "conv". */
static inline op tl_conv(int64_t n, int64_t c, int64_t h, int64_t w, int64_t k, int64_t r, int64_t s,
                         int64_t stride, int64_t pad) {
    op_conv p = tl_conv_params(n, c, h, w, k, r, s, stride, pad);
    return tl_build_conv(&p, "conv", OP_CONV2D);
}

/* A GEMM named "gemm". */
static inline op tl_gemm(int64_t batch, int64_t m, int64_t n, int64_t k, bool a_t, bool b_t) {
    op_gemm g = {.batch = batch, .m = m, .n = n, .k = k, .a_t = a_t, .b_t = b_t};
    return tl_build_gemm(&g, "gemm");
}

/* The DSE's widest shape on the default VTA: BATCH 4, BLOCK 32x32, a 512-bit bus, with
 * the given log2 buffer bytes of INP, WGT and ACC. */
static inline hw_config tl_hw_b4_block32_bus512(const char *name, int log_inp, int log_wgt, int log_acc) {
    hw_config hw = hw_default();
    snprintf(hw.name, sizeof hw.name, "%s", name);
    hw.log_batch = 2;
    hw.log_block_in = hw.log_block_out = 5;
    hw.log_bus_width = 9;
    hw.log_inp_buff_size = log_inp;
    hw.log_wgt_buff_size = log_wgt;
    hw.log_acc_buff_size = log_acc;
    return hw;
}

/* Requantization of a conv as the lowering tests use it: bias per output channel
 * (Out is N,K,Y,X), shift 9 with a bias, 6 without. */
static inline void tl_conv_rq(op *o, bool bias, bool relu) {
    o->rq.bias = bias;
    o->rq.bias_axis = 1;
    o->rq.relu = relu;
    o->rq.shift = bias ? 9 : 6;
}

/* The sanitizer build (ASan + UBSan, 2-5x slower than the normal build) runs the cases
 * that go over a whole suite on a sample of its layers: there it looks for memory and
 * undefined-behaviour errors on the same code paths, while the normal build compares
 * every layer. */
#ifdef EMBEDSYN_TEST_SANITIZED
#define TL_SANITIZED 1
#else
#define TL_SANITIZED 0
#endif

/* The CI suite's layers a suite-wide case runs: all of them, or under the sanitizer a
 * sample with a conv of one input channel (under-used: it has a Pareto front), a strided
 * conv, a 1x1 conv, a GEMM and a GEMV. */
static const int tl_ci_sample[] = {0, 3, 4, 9, 11};

/* Writes the suite of those layers (named "ci", so the committed baseline's keys match)
 * to DIR/ci.xml and puts its path in path; returns the number of layers. */
static inline int tl_ci_suite(const char *dir, char *path, size_t len) {
    char name[64];
    op *ops = NULL;
    int n = 0;
    status st;
    status_init(&st);
    cr_assert(spec_load_suite(EMBEDSYN_SOURCE_DIR "/bench/suites/ci.xml", name, sizeof name, &ops, &n, &st), "%s",
              st.msg);
    int m = 0;
    if (TL_SANITIZED) {
        for (int i = 0; i < ES_COUNT(tl_ci_sample); i++) {
            cr_assert_lt(tl_ci_sample[i], n);
            ops[m++] = ops[tl_ci_sample[i]];
        }
    } else
        m = n;
    snprintf(path, len, "%s/ci.xml", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    spec_write_suite(f, name, ops, m);
    cr_assert_eq(fclose(f), 0);
    free(ops);
    return m;
}

#endif
