/* eval: the real layer evaluator (see eval.h): reference strategy, synthesis + proof,
 * lowering + simulation of the synthesized embedding, and optionally the encoder's
 * Pareto front, each stage named in error messages.
 * Invariant: a layer is reported only with both simulations complete. */
#include "bench/eval.h"

#include <string.h>

#include "bench/driver.h"

void bench_eval_opts_init(bench_eval_opts *o) {
    memset(o, 0, sizeof *o);
    o->objective = ENC_OBJ_DEFAULT;
    o->check_sample = 64;
    o->timeout_s = DRIVER_PORTFOLIO_TIMEOUT_S;
    o->seed = 1;
    o->pareto = false; /* opt-in: the front costs up to ~30 s per layer (see README) */
    o->pareto_timeout_s = 10;
}

bool bench_parse_objective(const char *text, enc_objective *obj, status *st) {
    if (!enc_objective_parse(text, obj))
        return status_fail(st, "--objective: bad objective '%s' (see --help)", text);
    return true;
}

/* Runs one stage's status through a prefix so the report says which stage failed. */
static bool stage_fail(status *st, const char *stage, const status *inner) {
    return status_fail(st, "%s: %s", stage, inner->failed ? inner->msg : "failed");
}

/* Bytes the simulated program moved between DRAM and the buffers. */
static int64_t traffic(const sim_report *s) {
    return (int64_t)(s->inp_load_nbytes + s->wgt_load_nbytes + s->acc_load_nbytes +
                     s->uop_load_nbytes + s->out_store_nbytes);
}

/* The figures of the simulated program of driver result d into r's fields with prefix P
 * (ref_ for the reference strategy, nothing for the embedding's). */
#define PROGRAM_FIELDS(P, d)                                                  \
    do {                                                                      \
        r->P##cycles = (int64_t)(d).sim.cycles;                               \
        r->P##util = (d).utilization;                                         \
        r->P##dram_bytes = (d).dram_bytes;                                    \
        r->P##check = (d).check;                                              \
        r->P##traffic = traffic(&(d).sim);                                    \
        r->P##gemm = (int64_t)(d).sim.gemm_counter;                           \
        snprintf(r->P##schedule, sizeof r->P##schedule, "%s", (d).schedule);  \
        r->P##est_cycles = (int64_t)(d).est_cycles;                           \
    } while (0)

bool bench_eval_real(void *ctx, const op *o, const hw_config *hw, bench_result *r, status *st) {
    const bench_eval_opts *eo = ctx;
    status in;
    status_init(&in);
    bool check = eo->full_check || eo->check_sample > 0;

    /* 1. The reference strategy (TVM's fixed approach) on the same simulator. */
    driver_opts d;
    driver_opts_init(&d);
    d.seed = eo->seed;
    d.timing_only = !(eo->check_reference && check);
    d.check = eo->check_reference && eo->full_check;
    d.check_sample = eo->check_reference && !eo->full_check ? eo->check_sample : 0;
    driver_result rr;
    if (driver_run_reference(o, hw, &d, &rr, &in)) {
        PROGRAM_FIELDS(ref_, rr);
        if (rr.check == DRV_CHECK_FAIL)
            snprintf(r->check_msg, sizeof r->check_msg, "reference: %.240s", rr.check_msg);
    } else if (rr.failed_stage == DRV_STAGE_NO_SCHEDULE) {
        /* TVM's template cannot run the layer (its tiles exceed the buffers): a result
         * of the reference, not an error of the layer; embedsyn's program still runs */
        r->ref_no_schedule = true;
        status_init(&in);
    } else {
        return stage_fail(st, "reference strategy", &in);
    }

    /* 2-3. The portfolio strategy: synthesis and proof, then lowering + simulation of
     * the solver's optimum, or of channel packing when it is as utilization-optimal and
     * simulates fewer cycles (driver.c); functional with a sampled check when asked
     * (the simulator's cycles are the same in both modes). */
    driver_strategy strat;
    driver_strategy_init(&strat, DRV_PORTFOLIO);
    strat.enc.objective = eo->objective;
    strat.enc.prove = true;
    if (eo->rlimit)
        strat.enc.rlimit = eo->rlimit;
    strat.enc.timeout_s = eo->timeout_s;
    d.timing_only = !check;
    d.check = eo->full_check;
    d.check_sample = eo->full_check ? 0 : eo->check_sample;
    driver_result dr;
    bool ok = driver_run_strategy(o, hw, &strat, &d, &dr, &in);
    r->solve_ms = dr.solve.solve_ms;
    r->solve_rlimit = (int64_t)dr.solve.rlimit_used;
    r->proof = dr.solve.proof;
    snprintf(r->solver_status, sizeof r->solver_status, "%s", enc_solver_status_name(dr.solve.solver_status));
    r->global = dr.solve.global;
    r->lb_instances = dr.solve.lb_instances;
    if (!ok) {
        if (dr.failed_stage == DRV_STAGE_CHOICE)
            return stage_fail(st, "synthesis", &in);
        return stage_fail(st, dr.choice == DRV_CHOSE_CHANNEL_PACKING ? "lowering/simulation of channel packing"
                                                                       : "lowering/simulation",
                          &in);
    }
    r->emb_choice = (int32_t)dr.choice;
    r->sched_tried = dr.sched_tried;
    r->sched_template = dr.sched_template;
    PROGRAM_FIELDS(, dr);
    r->instances = dr.instances;
    snprintf(r->layout, sizeof r->layout, "%s", dr.layout);
    snprintf(r->layout_class, sizeof r->layout_class, "%s", dr.layout_class);
    if (dr.check == DRV_CHECK_FAIL)
        snprintf(r->check_msg, sizeof r->check_msg, "%s", dr.check_msg);
    r->sim_ms = rr.sim_ms + dr.sim_ms;

    /* 4. The utilization / layout-bytes front of the layers the reference under-uses. */
    if (eo->pareto && r->ref_util < 0.5) {
        enc_alts alts;
        memset(&alts, 0, sizeof alts);
        status pst;
        status_init(&pst);
        enc_options popt = strat.enc;
        popt.prove = false;
        /* the report's front is (utilization, layout bytes): the 2-D enumeration, which
         * is much cheaper than the 3-D front of a cycles objective */
        popt.objective = ENC_OBJ_LEX_UTIL_LAYOUT;
        if (eo->pareto_timeout_s > 0)
            popt.timeout_s = eo->pareto_timeout_s;
        if (eo->pareto_rlimit)
            popt.rlimit = eo->pareto_rlimit;
        if (enc_layouts(o, HW_INTRINSIC(hw), &popt, false, 16, &alts, &pst)) {
            double pu[16];
            int64_t pb[16];
            int32_t np = alts.n < 16 ? alts.n : 16;
            for (int32_t k = 0; k < np; k++) {
                pu[k] = alts.a[k].utilization;
                pb[k] = alts.a[k].dram_bytes;
            }
            /* dominated points dropped; a front cut short by a limit is marked */
            bench_pareto_set(r, pu, pb, np, alts.solver_status == ENC_SOLVER_SAT);
            enc_alts_free(&alts);
        }
    }
    return true;
}
