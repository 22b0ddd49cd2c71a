/* eval: the real layer evaluator (see eval.h).
 * Invariant: a layer is reported only with both simulations complete. */
#include "bench/eval.h"

#include <string.h>

void bench_eval_opts_init(bench_eval_opts *o) {
    memset(o, 0, sizeof *o);
    o->objective = ENC_OBJ_LEX_UTIL_LAYOUT;
    o->check_sample = 64;
    o->timeout_s = 60;
    o->seed = 1;
    o->pareto = true;
    o->pareto_timeout_s = 10;
}

bool bench_parse_objective(const char *text, enc_objective *obj, status *st) {
    if (!strcmp(text, "util") || !strcmp(text, "utilization"))
        *obj = ENC_OBJ_UTILIZATION;
    else if (!strcmp(text, "layout"))
        *obj = ENC_OBJ_LAYOUT;
    else if (!strcmp(text, "lex"))
        *obj = ENC_OBJ_LEX_UTIL_LAYOUT;
    else
        return status_fail(st, "--objective: expected util, layout or lex, got '%s'", text);
    return true;
}

bool bench_eval_real(void *ctx, const op *o, const hw_config *hw, bench_result *r, status *st) {
    (void)ctx;
    (void)o;
    (void)hw;
    (void)r;
    return status_fail(st, "the synthesis pipeline (enc_solve, driver_run) is not integrated "
                           "yet; use --evaluator fake");
}
