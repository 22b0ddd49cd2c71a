/* End-to-end tests of the whole pipeline: Z3 synthesis (encoders/enc) -> decoded
 * embedding -> lowering -> simulation -> bit-exact comparison with the plain C
 * reference (core/ref), on the small test shapes of the lowering issue and on
 * non-default hardware. The oracle is ref_run, which shares no code with the
 * embedding, layouts, lowering or simulator. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/driver.h"
#include "bench/json.h"
#include "bench/report.h"
#include "core/arena.h"
#include "core/spec.h"
#include "encoders/enc.h"
#include "tests/test_util.h"

static void solve_and_check(const char *kind, const char *shape, const hw_config *hw) {
    op o;
    status st;
    status_init(&st);
    bool ok = !strcmp(kind, "conv") ? spec_parse_conv(shape, "--conv", &o, &st)
                                    : spec_parse_gemm(shape, "--gemm", &o, &st);
    cr_assert(ok, "%s: %s", shape, st.msg);

    enc_options eo;
    enc_options_init(&eo);
    eo.prove = true;
    enc_result er;
    cr_assert(enc_solve(&o, HW_INTRINSIC(hw), &eo, &er, &st), "%s: %s", shape, st.msg);
    cr_assert(er.found, "%s: no embedding", shape);
    cr_assert_eq(er.proof, ENC_PROOF_OPTIMAL, "%s: proof %s", shape, enc_proof_name(er.proof));
    cr_assert_geq(er.instances, er.lower_bound_instances, "%s", shape);

    driver_opts d = tl_checked_opts();
    d.seed = 7;
    driver_result r;
    cr_assert(driver_run(&o, hw, &er.e, &d, &r, &st), "%s: %s", shape, st.msg);
    cr_assert_eq(r.check, DRV_CHECK_PASS, "%s (%s): %s", shape, er.layout, r.check_msg);
    /* The program executes exactly the instances the solver optimized. */
    cr_assert_eq(r.instances, er.instances, "%s", shape);
    cr_assert_eq((int64_t)r.sim.gemm_counter, er.instances, "%s: gemm_counter %llu vs %lld", shape,
                 (unsigned long long)r.sim.gemm_counter, (long long)er.instances);
}

static const char *conv_shapes[] = {
    "C=3,H=7,W=7,K=5,R=3,S=3,pad=1",            /* padded odd sizes */
    "C=1,H=12,W=20,K=8,R=5,S=5,stride=2",       /* C=1: im2col territory */
    "C=3,H=15,W=15,K=16,R=7,S=7,stride=2,pad=3",
    "C=16,H=9,W=9,K=32,R=3,S=3,pad=1",          /* channel packing fits */
    "N=2,C=5,H=6,W=6,K=7,R=3,S=3,stride=2,pad=2",
    "C=8,H=10,W=10,K=8,R=3,S=3,pad=1,groups=8", /* depthwise */
    "C=4,H=8,W=8,K=6,R=1,S=1,bias=1,relu=1",
};
static const char *gemm_shapes[] = {
    "M=35,N=21,K=40", "M=5,N=3,K=17", "M=16,N=1,K=64", "M=20,N=33,K=7,bias=1",
};

Test(pipeline, solved_embeddings_pass_check_default_vta, .timeout = 240) {
    hw_config hw = hw_default();
    for (size_t i = 0; i < sizeof conv_shapes / sizeof *conv_shapes; i++)
        solve_and_check("conv", conv_shapes[i], &hw);
    for (size_t i = 0; i < sizeof gemm_shapes / sizeof *gemm_shapes; i++)
        solve_and_check("gemm", gemm_shapes[i], &hw);
}

Test(pipeline, solved_embeddings_pass_check_batch2_hw, .timeout = 240) {
    hw_config hw = hw_default();
    hw.log_batch = 1;
    hw.log_acc_buff_size = 18;
    solve_and_check("conv", "N=2,C=3,H=7,W=7,K=5,R=3,S=3,pad=1", &hw);
    solve_and_check("conv", "C=1,H=9,W=9,K=4,R=3,S=3", &hw);
    solve_and_check("gemm", "M=35,N=6,K=40", &hw);
}

Test(pipeline, cli_solve_then_run_embedding, .timeout = 120) {
    char dir[] = "/tmp/embedsyn_pipeXXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s solve --conv C=3,H=9,W=9,K=5,R=3,S=3,stride=2,pad=1 -o %s/e.xml >/dev/null",
             EMBEDSYN_CLI, dir);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    snprintf(cmd, sizeof cmd,
             "%s run --conv C=3,H=9,W=9,K=5,R=3,S=3,stride=2,pad=1 --embedding %s/e.xml --check --json",
             EMBEDSYN_CLI, dir);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    char out[8192] = {0};
    size_t n = fread(out, 1, sizeof out - 1, p);
    int rc = pclose(p);
    cr_assert_eq(rc, 0, "%s -> %d", cmd, rc);
    cr_assert(n > 0);
    cr_assert(strstr(out, "\"check\":\"pass\"") != NULL, "%s", out);
    /* The same through --strategy solve in one command. */
    snprintf(cmd, sizeof cmd, "%s run --conv C=3,H=9,W=9,K=5,R=3,S=3,stride=2,pad=1 --strategy solve --check --json",
             EMBEDSYN_CLI);
    p = popen(cmd, "r");
    cr_assert_not_null(p);
    char out2[8192] = {0};
    n = fread(out2, 1, sizeof out2 - 1, p);
    rc = pclose(p);
    cr_assert_eq(rc, 0, "%s -> %d", cmd, rc);
    cr_assert(n > 0);
    cr_assert(strstr(out2, "\"check\":\"pass\"") != NULL, "%s", out2);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

/* One pipeline for every command: `run --strategy portfolio` simulates, for every layer
 * of the CI suite, the same embedding (layout, choice) with the same cycles as `bench`,
 * whose results are read back from its results.json (an independent reader). */
Test(pipeline, run_portfolio_matches_bench_on_ci_suite, .timeout = 900) {
    char dir[] = "/tmp/embedsyn_pfXXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char cmd[2048], suite[512];
    int layers = tl_ci_suite(dir, suite, sizeof suite);
    snprintf(cmd, sizeof cmd, "%s bench %s --check-sample 0 --jobs 2 --quiet --out %s/b >/dev/null 2>&1",
             EMBEDSYN_CLI, suite, dir);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    char path[512];
    snprintf(path, sizeof path, "%s/b/results.json", dir);
    report_meta m;
    bench_result *br;
    int nb;
    status st;
    status_init(&st);
    cr_assert(report_read_json(path, &m, &br, &nb, &st), "%s", st.msg);
    cr_assert_eq(nb, layers);

    snprintf(cmd, sizeof cmd, "%s run --suite %s --strategy portfolio --timing-only --json", EMBEDSYN_CLI, suite);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    static char line[1 << 14];
    int seen = 0;
    while (fgets(line, sizeof line, p)) {
        arena *a = arena_create();
        const json_value *v = json_parse(a, line, strlen(line), "run", &st);
        cr_assert_not_null(v, "%s", st.msg);
        char name[OP_NAME_MAX] = "", layout[160] = "", choice[32] = "";
        int64_t cycles = -1;
        cr_assert(json_get_str(v, "name", true, "run", name, sizeof name, &st) &&
                      json_get_str(v, "layout", true, "run", layout, sizeof layout, &st) &&
                      json_get_str(v, "emb_choice", true, "run", choice, sizeof choice, &st) &&
                      json_get_i64(v, "cycles", true, "run", &cycles, &st),
                  "%s: %s", line, st.msg);
        const bench_result *b = NULL;
        for (int i = 0; i < nb; i++)
            if (!strcmp(br[i].name, name)) b = &br[i];
        cr_assert_not_null(b, "%s: not in the bench results", name);
        cr_assert(b->ok, "%s: %s", name, b->error);
        cr_assert_str_eq(layout, b->layout, "%s", name);
        cr_assert_str_eq(choice, bench_choice_name(b->emb_choice), "%s", name);
        cr_assert_eq(cycles, b->cycles, "%s: run %lld, bench %lld cycles", name, (long long)cycles,
                     (long long)b->cycles);
        arena_destroy(a);
        seen++;
    }
    cr_assert_eq(pclose(p), 0);
    cr_assert_eq(seen, nb, "run reported %d layers, bench %d", seen, nb);
    free(br);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}
