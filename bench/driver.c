/* driver: the pipeline of one operator, in order (DESIGN 8.1). The back end is reached
 * only through its target table (vta/target.h: tg->...), never by name:
 *   0.  choose_embedding: the strategy's embedding -> a checked plan    (core/emb, encoders/)
 *       (reference: tg->reference_embedding; portfolio: two plans, see run_portfolio)
 *   1.  emb_check_lanes               lane-by-lane check on a sample      (core/emb)
 *   2a. tg->schedules                 candidate schedules (cost model), or the one
 *                                     of driver_opts.sched_text (tg->schedule_load)
 *   2b. select: tg->codegen + timing-only tg->simulate of each candidate, fewest cycles
 *       wins (ties: the earlier candidate), DESIGN 4 "verified on the simulator"; the
 *       choice saved (tg->sched_save) for a later run
 *   3.  tg->codegen                   the program of the chosen schedule
 *   4.  data: ref_fill, emb_pack, tg->write_inputs (skipped when timing only)
 *   5.  tg->write_bundle              optional bundle directory
 *   6.  tg->simulate                  cycle simulation
 *   7.  check: emb_unpack_out vs ref_run, or sampled ref_output_acc      (core/ref)
 * Invariant: each check runs once per stage boundary: emb_check where the embedding
 * is made (builder, loader, decoder), the nest derived once into the plan, the lane
 * check once before lowering. A failed comparison is a result (DRV_CHECK_FAIL), never
 * an error; every error of a stage is returned as a status. */
#include "bench/driver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/es.h"
#include "core/ref.h"
#include "core/spec_emb.h"
#include "vta/costform_vta.h"
#include "vta/target.h"

void driver_opts_init(driver_opts *d) {
    memset(d, 0, sizeof *d);
    d->seed = 1;
}

static const char *const strategy_names[] = {DRIVER_STRATEGIES(ES_NAME3)};
static const char *const choice_names[] = {DRIVER_CHOICES(ES_NAME2)};
static const char *const check_names[] = {DRIVER_CHECKS(ES_NAME2)};

const char *driver_strategy_name(driver_strategy_kind k) { return strategy_names[k]; }
const char *driver_choice_name(driver_choice c) { return choice_names[c]; }
const char *driver_check_name(driver_check c) { return check_names[c]; }

void driver_strategy_init(driver_strategy *s, driver_strategy_kind k) {
    memset(s, 0, sizeof *s);
    s->kind = k;
    enc_options_init(&s->enc);
    s->enc.objective = ENC_OBJ_DEFAULT; /* cycles: the cost form is filled in solve_plan */
    if (k == DRV_PORTFOLIO) { /* as `embedsyn bench` runs it: proven, 60 s per layer */
        s->enc.prove = true;
        s->enc.timeout_s = DRIVER_PORTFOLIO_TIMEOUT_S;
    }
}

bool driver_strategy_parse(const char *text, driver_strategy *s, status *st) {
    const char *colon = strchr(text, ':');
    size_t len = colon ? (size_t)(colon - text) : strlen(text);
    char name[32];
    int k = -1;
    if (len < sizeof name) {
        memcpy(name, text, len);
        name[len] = 0;
        k = es_name_find(strategy_names, DRV_NSTRATEGIES, name);
    }
    bool arg_ok = k == DRV_IM2COL || k == DRV_FILE ? !colon || colon[1] : !colon;
    if (k < 0 || !arg_ok || (k == DRV_FILE && !colon))
        return status_fail(st, "--strategy must be reference, solve, portfolio or im2col[:DIMS], got '%s'", text);
    driver_strategy_init(s, (driver_strategy_kind)k);
    s->file = k == DRV_FILE ? colon + 1 : NULL;
    if (k == DRV_IM2COL && colon) {
        if (strlen(colon + 1) >= sizeof s->dims) return status_fail(st, "--strategy %s: too many dims", text);
        snprintf(s->dims, sizeof s->dims, "%s", colon + 1);
    }
    return true;
}

typedef struct drv_data {
    int8_t *in, *wt, *inp, *wgt;
    int32_t *bias, *bias_acc;
} drv_data;

static void data_free(drv_data *d) {
    free(d->in);
    free(d->wt);
    free(d->inp);
    free(d->wgt);
    free(d->bias);
    free(d->bias_acc);
}

static int64_t bias_len(const op *o) { return o->t[OP_OUT].shape[o->rq.bias_axis]; }

/* Stage 4: random operands in natural layout, packed, copied into the program. */
static bool make_data(const target *tg, const op *o, const hw_config *hw, const emb *e, const emb_nest *n,
                      target_prog *p, uint64_t seed, const driver_data *given, drv_data *d, status *st) {
    int64_t nin = op_tensor_elems(o, OP_IN), nwt = op_tensor_elems(o, OP_WT);
    d->in = malloc((size_t)nin);
    d->wt = malloc((size_t)nwt);
    d->inp = calloc((size_t)(n->lay[EMB_INP].elems * n->lay[EMB_INP].elem_bytes), 1);
    d->wgt = calloc((size_t)(n->lay[EMB_WGT].elems * n->lay[EMB_WGT].elem_bytes), 1);
    if (!d->in || !d->wt || !d->inp || !d->wgt) return status_fail(st, "out of memory for operand data");
    ref_fill_i8(d->in, nin, seed);
    ref_fill_i8(d->wt, nwt, seed + 1);
    if (given) {
        memcpy(d->in, given->in, (size_t)nin);
        memcpy(d->wt, given->wt, (size_t)nwt);
    }
    if (o->rq.bias) {
        d->bias = malloc((size_t)bias_len(o) * sizeof *d->bias);
        d->bias_acc = calloc((size_t)(n->lay[EMB_ACC].elems * hw_intrinsic_of(hw).acc_bytes), 1);
        if (!d->bias || !d->bias_acc) return status_fail(st, "out of memory for bias data");
        ref_fill_i32(d->bias, bias_len(o), seed + 2, -(1 << 14), 1 << 14);
        if (given && given->bias) memcpy(d->bias, given->bias, (size_t)bias_len(o) * sizeof *d->bias);
        emb_pack_bias(o, HW_INTRINSIC(hw), e, n, d->bias, d->bias_acc);
    }
    emb_pack(o, HW_INTRINSIC(hw), e, n, d->in, d->wt, d->inp, d->wgt);
    return tg->write_inputs(p, d->inp, d->wgt, d->bias_acc, st);
}

/* Stage 7. */
static void check_output(const target *tg, const op *o, const hw_config *hw, const emb *e, const emb_nest *n,
                         target_prog *p, const driver_opts *dopt, const drv_data *d, driver_result *r) {
    int64_t obytes;
    const int8_t *outp = tg->output(p, &obytes);
    const op_tensor *ot = &o->t[OP_OUT];
    int64_t nout = op_tensor_elems(o, OP_OUT);
    r->check = DRV_CHECK_PASS;
    if (dopt->check) {
        int8_t *got = malloc((size_t)nout), *want = malloc((size_t)nout);
        ES_ASSERT(got && want);
        emb_unpack_out(o, HW_INTRINSIC(hw), e, n, outp, got);
        ref_run(o, d->in, d->wt, d->bias, NULL, want);
        for (int64_t i = 0; i < nout; i++)
            if (got[i] != want[i]) {
                r->check = DRV_CHECK_FAIL;
                snprintf(r->check_msg, sizeof r->check_msg, "Out[%lld] (row-major) = %d, reference %d",
                         (long long)i, got[i], want[i]);
                break;
            }
        free(got);
        free(want);
        return;
    }
    uint64_t rs = dopt->seed ^ 0x5A17ull;
    int64_t eb = hw_intrinsic_of(hw).out_bytes;
    for (int64_t k = 0; k < dopt->check_sample; k++) {
        int64_t idx[OP_MAX_RANK], elem, lane;
        for (int j = 0; j < ot->rank; j++) idx[j] = (int64_t)(es_splitmix64(&rs) % (uint64_t)ot->shape[j]);
        int8_t want = ref_requant(&o->rq, ref_output_acc(o, d->in, d->wt, d->bias, idx));
        emb_out_position(o, HW_INTRINSIC(hw), e, n, idx, &elem, &lane);
        ES_ASSERT(elem * eb + lane < obytes);
        int8_t got = outp[elem * eb + lane];
        if (got != want) {
            r->check = DRV_CHECK_FAIL;
            int w = snprintf(r->check_msg, sizeof r->check_msg, "Out[");
            for (int j = 0; j < ot->rank && w > 0 && (size_t)w < sizeof r->check_msg; j++)
                w += snprintf(r->check_msg + w, sizeof r->check_msg - (size_t)w, "%s%lld", j ? "," : "",
                              (long long)idx[j]);
            if (w > 0 && (size_t)w < sizeof r->check_msg)
                snprintf(r->check_msg + w, sizeof r->check_msg - (size_t)w, "] = %d, reference %d", got, want);
            return;
        }
    }
}

/* The lowest cost-model estimate among the candidates. */
static double best_estimate(const target *tg, const target_scheds *cand) {
    double m = tg->sched_estimate(cand, 0);
    for (int i = 1; i < tg->nscheds(cand); i++)
        if (tg->sched_estimate(cand, i) < m) m = tg->sched_estimate(cand, i);
    return m;
}

/* Stage 2b: the candidate of fewest simulated cycles (timing only) among those the
 * cost model puts within DRIVER_MODEL_TOL of the best estimate; ties keep the earlier
 * candidate, so the result is deterministic. */
static bool select_schedule(const target *tg, const target_scheds *cand, const driver_opts *dopt, int *chosen,
                            status *st) {
    *chosen = 0;
    int ncand = tg->nscheds(cand);
    if (ncand < 2) return true;
    double limit = best_estimate(tg, cand) * (1 + DRIVER_MODEL_TOL);
    uint64_t best = 0;
    bool have = false;
    for (int i = 0; i < ncand; i++) {
        if (tg->sched_estimate(cand, i) > limit) continue;
        target_prog *p = tg->codegen(cand, i, st);
        if (!p) return false;
        sim_report rep;
        bool ok = tg->simulate(p, true, dopt->strict, &rep, st);
        tg->prog_free(p);
        if (!ok) return false;
        if (!have || rep.cycles < best) {
            best = rep.cycles;
            *chosen = i;
            have = true;
        }
    }
    return true;
}

static const target *target_of(const driver_opts *d) { return d->target ? d->target : target_default(); }

bool driver_plan_make(const op *o, const hw_config *hw, const emb *e, bool reference, driver_plan *p,
                      status *st) {
    p->o = o;
    p->hw = hw;
    p->e = *e;
    p->reference = reference;
    return emb_nest_derive(o, HW_INTRINSIC(hw), e, &p->n, st);
}

bool driver_run_plan(const driver_plan *pl, const driver_opts *dopt, driver_result *r, status *st) {
    const op *o = pl->o;
    const hw_config *hw = pl->hw;
    const emb *e = &pl->e;
    const emb_nest *n = &pl->n;
    bool reference = pl->reference;
    driver_choice choice = r->choice; /* stage 0's, kept */
    driver_solve_info solve = r->solve;
    memset(r, 0, sizeof *r);
    r->choice = choice;
    r->solve = solve;
    r->check = DRV_CHECK_SKIPPED;
    r->failed_stage = DRV_STAGE_LOWER;
    double t0 = es_now_ms();
    /* 1: the lane check at the boundary to lowering */
    if (!emb_check_lanes(o, HW_INTRINSIC(hw), e, n, dopt->timing_only ? 256 : 4096, dopt->seed, st)) return false;
    r->instances = n->instances;
    r->utilization = n->utilization;
    r->dram_bytes = n->dram_bytes[0] + n->dram_bytes[1] + n->dram_bytes[2];
    emb_describe(o, HW_INTRINSIC(hw), e, n, r->layout, sizeof r->layout);
    emb_class(o, e, r->layout_class, sizeof r->layout_class);
    /* 2a: candidate schedules: the reference runs its template's pick (the tuner's
     * model) alone; embedsyn the K best by estimate plus the template's schedule when
     * the template applies to the embedding. */
    const target *tg = target_of(dopt);
    int k = dopt->sched_k > 0 ? dopt->sched_k : DRIVER_SCHED_K;
    int tmpl = -1;
    target_scheds *cand = dopt->sched_text ? tg->schedule_load(o, hw, e, n, dopt->sched_text, st)
                                           : tg->schedules(o, hw, e, n, reference, dopt->act, k, &tmpl, st);
    if (!cand) return false;
    if (tg->nscheds(cand) == 0) {
        tg->scheds_free(cand);
        r->failed_stage = DRV_STAGE_NO_SCHEDULE;
        return status_fail(st, "no schedule fits the buffers of hardware '%s'", hw->name);
    }
    if (dopt->sim_above > 0 && best_estimate(tg, cand) > dopt->sim_above) {
        tg->scheds_free(cand);
        r->sim.cycles = UINT64_MAX;
        return true;
    }
    /* 2b: choose by simulation */
    double ts = es_now_ms();
    int ci = 0;
    if (!dopt->sched_text && !select_schedule(tg, cand, dopt, &ci, st)) {
        tg->scheds_free(cand);
        return false;
    }
    r->sched_ms = es_now_ms() - ts;
    r->sched_tried = tg->nscheds(cand);
    r->sched_chosen = ci;
    tg->sched_save(cand, ci, r->sched_saved, sizeof r->sched_saved);
    r->sched_template = ci == tmpl;
    r->est_cycles = tg->sched_estimate(cand, ci);
    tg->sched_describe(cand, ci, r->schedule, sizeof r->schedule);
    r->input_layout = tg->sched_act(cand, ci);
    /* 3: program */
    target_prog *p = tg->codegen(cand, ci, st);
    if (!p) {
        tg->scheds_free(cand);
        return false;
    }
    /* 3b: portability (the simulator runs the same check when it runs) */
    if (dopt->no_sim && !tg->check_program(p, dopt->strict, &r->sim, st)) {
        tg->prog_free(p);
        tg->scheds_free(cand);
        return false;
    }
    /* 4: data */
    drv_data d;
    memset(&d, 0, sizeof d);
    bool want_check = !dopt->timing_only && (dopt->check || dopt->check_sample > 0);
    bool ok = true;
    if (!dopt->timing_only) ok = make_data(tg, o, hw, e, n, p, dopt->seed, dopt->data, &d, st);
    r->compile_ms = es_now_ms() - t0;
    /* 5: bundle */
    if (ok && dopt->bundle_dir) ok = tg->write_bundle(p, dopt->bundle_dir, st);
    /* 6: simulate */
    if (ok && !dopt->no_sim) {
        double t1 = es_now_ms();
        ok = tg->simulate(p, dopt->timing_only, dopt->strict, &r->sim, st);
        r->sim_ms = es_now_ms() - t1;
    }
    /* 7: check */
    if (ok && want_check && !dopt->no_sim) check_output(tg, o, hw, e, n, p, dopt, &d, r);
    if (ok && dopt->data && dopt->data->out && !dopt->timing_only && !dopt->no_sim) {
        int64_t obytes;
        emb_unpack_out(o, HW_INTRINSIC(hw), e, n, tg->output(p, &obytes), dopt->data->out);
    }
    data_free(&d);
    tg->prog_free(p);
    tg->scheds_free(cand);
    return ok;
}

/* Stage 0 of the solver: the optimum with the nest its decoder built and checked. */
static bool solve_plan(const op *o, const hw_config *hw, const driver_strategy *s, driver_plan *pl,
                       driver_result *r, status *st) {
    enc_result *er = malloc(sizeof *er);
    if (!er) return status_fail(st, "out of memory");
    enc_options eo = s->enc;
    if (enc_objective_uses_cycles(eo.objective) && !eo.cf.set)
        costform_vta(hw, o, &eo.cf); /* the target's cycle estimate coefficients */
    bool ok = enc_solve(o, HW_INTRINSIC(hw), &eo, er, st);
    if (ok) {
        r->solve = (driver_solve_info){true, er->proof, er->global, er->solver_status, er->solve_ms,
                                       er->lower_bound_instances, er->rlimit_used};
        if (!er->found)
            ok = status_fail(st, "the solver found no embedding (solver status %s)",
                             enc_solver_status_name(er->solver_status));
    }
    if (ok) *pl = (driver_plan){o, hw, er->e, er->nest, false};
    free(er);
    return ok;
}

/* Stage 0: the strategy's embedding as a checked plan (every strategy but the
 * portfolio, which is two plans, see run_portfolio). */
static bool choose_embedding(const op *o, const hw_config *hw, const driver_strategy *s, const driver_opts *dopt,
                             driver_plan *pl, driver_result *r, status *st) {
    emb e;
    switch (s->kind) {
    case DRV_SOLVE:
    case DRV_PORTFOLIO:
        r->choice = DRV_CHOSE_SOLVER;
        return solve_plan(o, hw, s, pl, r, st);
    case DRV_FILE:
        r->choice = DRV_CHOSE_FILE;
        if (!spec_load_emb(s->file, o, &e, st)) return false;
        break;
    case DRV_IM2COL: {
        char dims[64];
        if (s->dims[0])
            snprintf(dims, sizeof dims, "%s", s->dims);
        else
            op_reduction_dims(o, dims, sizeof dims);
        r->choice = DRV_CHOSE_IM2COL;
        if (!emb_im2col(o, HW_INTRINSIC(hw), dims, &e, st)) return false;
        break;
    }
    case DRV_REFERENCE:
    default:
        r->choice = DRV_CHOSE_REFERENCE;
        if (!target_of(dopt)->reference_embedding(o, hw, &e, st)) return false;
        break;
    }
    return driver_plan_make(o, hw, &e, s->kind == DRV_REFERENCE, pl, st);
}

/* The portfolio: channel packing, full im2col (every reduction dim on the input
 * lanes) and, for convs with fewer than BLOCK_IN channels per group, the banded
 * Toeplitz form (input in its natural layout) compete with the solver's optimum; the
 * fewest simulated cycles win, ties keep the earlier one. The solver's cycles
 * objective is an embedding-level estimate (it ignores the schedule), so a fixed
 * strategy can still be faster on the simulator; this keeps every layer at least as
 * fast as each of them. Each alternative is simulated timing-only first, writing no
 * bundle, and the winner is rerun with the caller's options (data, check, bundle) when
 * that run is not the one already made (the pipeline is deterministic; compile's
 * no-simulation run simulates the solver's plan as a trial too); an alternative equal to
 * an earlier one is skipped, and one whose best schedule the cost model puts more than
 * DRIVER_MODEL_TOL above the cycles to beat is not simulated. */
#define PORTFOLIO_ALTS 3
static bool portfolio_alt(const op *o, const hw_config *hw, int alt, emb *e, driver_choice *what) {
    status ign;
    status_init(&ign);
    char dims[64];
    switch (alt) {
    case 0: *what = DRV_CHOSE_CHANNEL_PACKING; return emb_channel_packing(o, HW_INTRINSIC(hw), e, &ign);
    case 1:
        *what = DRV_CHOSE_IM2COL;
        op_reduction_dims(o, dims, sizeof dims);
        return emb_im2col(o, HW_INTRINSIC(hw), dims, e, &ign);
    default: {
        int cd = op_dim_index(o, "c");
        *what = DRV_CHOSE_BAND;
        return cd >= 0 && o->extent[cd] < hw_block_in(hw) && emb_band(o, HW_INTRINSIC(hw), e, &ign);
    }
    }
}

static bool run_portfolio(const driver_plan *solved, const driver_opts *dopt, driver_result *r, status *st) {
    /* The trials: timing-only simulations that write no bundle (compile's no_sim run
     * has no cycles to compare, so its solver plan is a trial too). */
    driver_opts dt = *dopt;
    dt.timing_only = true;
    dt.check = false;
    dt.check_sample = 0;
    dt.bundle_dir = NULL;
    dt.no_sim = false;
    dt.data = NULL;
    if (!driver_run_plan(solved, dopt->no_sim ? &dt : dopt, r, st)) return false;
    /* the winner's run with the caller's options (data, check, bundle), when its trial was not that run */
    bool final_run = !dopt->timing_only || dopt->bundle_dir || dopt->no_sim;
    bool rerun = dopt->no_sim;
    driver_plan *cp = malloc(2 * sizeof *cp); /* the trial's slot and the winner's, swapped on a win */
    if (!cp) return status_fail(st, "out of memory");
    const driver_plan *win = solved;
    int trial = 0;
    bool ok = true;
    emb seen[PORTFOLIO_ALTS];
    int nseen = 0;
    for (int alt = 0; alt < PORTFOLIO_ALTS && ok; alt++) {
        status ign;
        status_init(&ign);
        emb e;
        driver_choice what;
        if (!portfolio_alt(solved->o, solved->hw, alt, &e, &what) || emb_same(&e, &solved->e) ||
            !driver_plan_make(solved->o, solved->hw, &e, false, &cp[trial], &ign))
            continue;
        bool dup = false;
        for (int j = 0; j < nseen; j++) dup |= emb_same(&e, &seen[j]);
        if (dup) continue;
        seen[nseen++] = e;
        dt.sim_above = (double)r->sim.cycles * (1 + DRIVER_MODEL_TOL);
        driver_result cr = *r;
        ok = driver_run_plan(&cp[trial], &dt, &cr, st);
        if (ok && cr.sim.cycles < r->sim.cycles) {
            *r = cr;
            r->choice = what;
            win = &cp[trial];
            trial ^= 1;
            rerun = final_run;
        }
        if (!ok) r->choice = what;
    }
    if (ok && rerun) {
        driver_result fr = *r;
        ok = driver_run_plan(win, dopt, &fr, st);
        if (ok) {
            fr.choice = r->choice;
            *r = fr;
        }
    }
    free(cp);
    return ok;
}

bool driver_run_strategy(const op *o, const hw_config *hw, const driver_strategy *s, const driver_opts *d,
                         driver_result *r, status *st) {
    memset(r, 0, sizeof *r);
    r->failed_stage = DRV_STAGE_CHOICE;
    driver_plan *pl = malloc(sizeof *pl);
    if (!pl) return status_fail(st, "out of memory");
    bool ok = choose_embedding(o, hw, s, d, pl, r, st);
    if (ok) ok = s->kind == DRV_PORTFOLIO ? run_portfolio(pl, d, r, st) : driver_run_plan(pl, d, r, st);
    free(pl);
    return ok;
}

bool driver_run(const op *o, const hw_config *hw, const emb *e, const driver_opts *d, driver_result *r,
                status *st) {
    memset(r, 0, sizeof *r);
    r->failed_stage = DRV_STAGE_CHOICE;
    r->choice = DRV_CHOSE_FILE;
    driver_plan *pl = malloc(sizeof *pl);
    if (!pl) return status_fail(st, "out of memory");
    bool ok = emb_check(o, HW_INTRINSIC(hw), e, st) && driver_plan_make(o, hw, e, false, pl, st) && driver_run_plan(pl, d, r, st);
    free(pl);
    return ok;
}

bool driver_run_reference(const op *o, const hw_config *hw, const driver_opts *d, driver_result *r,
                          status *st) {
    driver_strategy s;
    driver_strategy_init(&s, DRV_REFERENCE);
    return driver_run_strategy(o, hw, &s, d, r, st);
}
