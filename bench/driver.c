/* driver: the pipeline of one operator, in order (DESIGN 8.1), in driver_pipeline:
 *   1. emb_check + emb_nest_build   embedding -> loop nest and layouts  (core/emb)
 *   2. emb_check_scalar              lane-by-lane check on a sample      (core/emb)
 *   3a. sched_search_top (+ refstrat_template_sched): candidate schedules (vta/sched)
 *   3b. select: lower + timing-only simulation of each candidate, fewest cycles wins
 *       (ties: the earlier candidate), DESIGN 4 "verified on the simulator"
 *   4. lower_codegen + finalize      VTA program of the chosen schedule  (vta/codegen)
 *   5. data: ref_fill, emb_pack, lower_write_inputs (skipped when timing only)
 *   6. vta_bundle_write              optional bundle directory           (vta/prog)
 *   7. sim_run                       cycle simulation                    (vta/sim)
 *   8. check: emb_unpack_out vs ref_run, or sampled ref_output_acc      (core/ref)
 * Invariant: a failed comparison is a result (check = "fail"), never an error; every
 * error of a stage is returned as a status with the stage named. */
#include "bench/driver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/ref.h"
#include "vta/lower.h"
#include "vta/prog.h"
#include "vta/refstrat.h"

void driver_opts_init(driver_opts *d) {
    memset(d, 0, sizeof *d);
    d->seed = 1;
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static uint64_t mix64(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
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

/* Step 5: random operands in natural layout, packed, copied into the program. */
static bool make_data(const op *o, const hw_config *hw, const emb *e, const emb_nest *n, const sched *s,
                      vta_prog *p, uint64_t seed, drv_data *d, status *st) {
    int64_t nin = op_tensor_elems(o, OP_IN), nwt = op_tensor_elems(o, OP_WT);
    d->in = malloc((size_t)nin);
    d->wt = malloc((size_t)nwt);
    d->inp = calloc((size_t)(n->lay[EMB_INP].elems * n->lay[EMB_INP].elem_bytes), 1);
    d->wgt = calloc((size_t)(n->lay[EMB_WGT].elems * n->lay[EMB_WGT].elem_bytes), 1);
    if (!d->in || !d->wt || !d->inp || !d->wgt) return status_fail(st, "out of memory for operand data");
    ref_fill_i8(d->in, nin, seed);
    ref_fill_i8(d->wt, nwt, seed + 1);
    if (o->rq.bias) {
        d->bias = malloc((size_t)bias_len(o) * sizeof *d->bias);
        d->bias_acc = calloc((size_t)(n->lay[EMB_ACC].elems * hw_elem_bytes(hw, HW_MEM_ACC)), 1);
        if (!d->bias || !d->bias_acc) return status_fail(st, "out of memory for bias data");
        ref_fill_i32(d->bias, bias_len(o), seed + 2, -(1 << 14), 1 << 14);
        emb_pack_bias(o, hw, e, n, d->bias, d->bias_acc);
    }
    emb_pack(o, hw, e, n, d->in, d->wt, d->inp, d->wgt);
    return lower_write_inputs(p, hw, n, s, d->inp, d->wgt, d->bias_acc, st);
}

/* Step 8. */
static void check_output(const op *o, const hw_config *hw, const emb *e, const emb_nest *n, vta_prog *p,
                         const driver_opts *dopt, const drv_data *d, driver_result *r) {
    int64_t obytes;
    const int8_t *outp = lower_out_data(p, &obytes);
    const op_tensor *ot = &o->t[OP_OUT];
    int64_t nout = op_tensor_elems(o, OP_OUT);
    r->check = "pass";
    if (dopt->check) {
        int8_t *got = malloc((size_t)nout), *want = malloc((size_t)nout);
        ES_ASSERT(got && want);
        emb_unpack_out(o, hw, e, n, outp, got);
        ref_run(o, d->in, d->wt, d->bias, NULL, want);
        for (int64_t i = 0; i < nout; i++)
            if (got[i] != want[i]) {
                r->check = "fail";
                snprintf(r->check_msg, sizeof r->check_msg, "Out[%lld] (row-major) = %d, reference %d",
                         (long long)i, got[i], want[i]);
                break;
            }
        free(got);
        free(want);
        return;
    }
    uint64_t rs = dopt->seed ^ 0x5A17ull;
    int64_t eb = hw_elem_bytes(hw, HW_MEM_OUT);
    for (int64_t k = 0; k < dopt->check_sample; k++) {
        int64_t idx[OP_MAX_RANK], elem, lane;
        for (int j = 0; j < ot->rank; j++) idx[j] = (int64_t)(mix64(&rs) % (uint64_t)ot->shape[j]);
        int8_t want = ref_requant(&o->rq, ref_output_acc(o, d->in, d->wt, d->bias, idx));
        emb_out_position(o, hw, e, n, idx, &elem, &lane);
        ES_ASSERT(elem * eb + lane < obytes);
        int8_t got = outp[elem * eb + lane];
        if (got != want) {
            r->check = "fail";
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

/* Step 3b: the candidate of fewest simulated cycles (timing only); ties keep the
 * earlier candidate, so the result is deterministic. */
static bool select_schedule(const op *o, const hw_config *hw, const emb *e, const emb_nest *n,
                            const sched *cand, int ncand, const driver_opts *dopt, int *chosen, status *st) {
    *chosen = 0;
    if (ncand < 2) return true;
    uint64_t best = 0;
    for (int i = 0; i < ncand; i++) {
        vta_prog *p;
        lower_stats ls;
        if (!lower_codegen(o, hw, e, n, &cand[i], &p, &ls, st)) return false;
        bool ok = vta_prog_finalize(p, st);
        sim_report rep;
        if (ok) {
            uint64_t bytes;
            uint8_t *dram = vta_prog_dram(p, &bytes);
            sim_options sopt = {true, dopt->strict, NULL};
            ok = sim_run(hw, dram, bytes, vta_prog_insn_addr(p), vta_prog_insn_count(p), &sopt, &rep, st);
        }
        vta_prog_destroy(p);
        if (!ok) return false;
        if (i == 0 || rep.cycles < best) {
            best = rep.cycles;
            *chosen = i;
        }
    }
    return true;
}

static bool driver_pipeline(const op *o, const hw_config *hw, const emb *e, bool reference,
                            const driver_opts *dopt, driver_result *r, status *st) {
    memset(r, 0, sizeof *r);
    r->check = "skipped";
    double t0 = now_ms();
    /* 1-2: embedding -> nest, checks */
    emb_nest n;
    if (!emb_check(o, hw, e, st) || !emb_nest_build(o, hw, e, &n, st)) return false;
    if (!emb_check_scalar(o, hw, e, &n, dopt->timing_only ? 256 : 4096, dopt->seed, st)) return false;
    r->instances = n.instances;
    r->utilization = n.utilization;
    r->dram_bytes = n.dram_bytes[0] + n.dram_bytes[1] + n.dram_bytes[2];
    emb_describe(o, hw, e, &n, r->layout, sizeof r->layout);
    emb_class(o, e, r->layout_class, sizeof r->layout_class);
    /* 3a: candidate schedules: the reference runs its template's pick (the tuner's
     * model) alone; embedsyn the K best by estimate plus the template's schedule when
     * the template applies to the embedding. */
    sched_opts so;
    sched cand[SCHED_MAX_TOP + 1];
    int ncand;
    if (reference)
        refstrat_sched_opts(o, &n, &so);
    else
        sched_opts_init(&so);
    so.e = e; /* lets the bias come from a small tile (both strategies: TVM adds it by ALU too) */
    int k = reference ? 1 : dopt->sched_k > 0 ? dopt->sched_k : DRIVER_SCHED_K;
    if (k > SCHED_MAX_TOP) k = SCHED_MAX_TOP;
    if (dopt->sched) { /* a given schedule (dse validation): derived, not searched */
        cand[0] = *dopt->sched;
        if (!sched_derive(o, hw, &n, &cand[0], st)) return false;
        ncand = k = 1;
    } else if (!(ncand = sched_search_top(o, hw, &n, &so, k, cand, st))) {
        return false;
    }
    int tmpl = -1;
    if (!reference && k > 1) {
        bool applies;
        if (!refstrat_template_sched(o, hw, e, &n, &applies, &cand[ncand], st)) return false;
        if (applies) tmpl = ncand++;
    }
    /* 3b: choose by simulation */
    double ts = now_ms();
    int ci;
    if (!select_schedule(o, hw, e, &n, cand, ncand, dopt, &ci, st)) return false;
    r->sched_ms = now_ms() - ts;
    r->sched_tried = ncand;
    r->sched_chosen = ci;
    r->sched_template = ci == tmpl;
    const sched s = cand[ci];
    r->est_cycles = s.est_cycles;
    sched_describe(o, &n, &s, r->schedule, sizeof r->schedule);
    /* 4: program */
    vta_prog *p;
    lower_stats ls;
    if (!lower_codegen(o, hw, e, &n, &s, &p, &ls, st)) return false;
    if (!vta_prog_finalize(p, st)) {
        vta_prog_destroy(p);
        return false;
    }
    /* 5: data */
    drv_data d;
    memset(&d, 0, sizeof d);
    bool want_check = !dopt->timing_only && (dopt->check || dopt->check_sample > 0);
    bool ok = true;
    if (!dopt->timing_only) ok = make_data(o, hw, e, &n, &s, p, dopt->seed, &d, st);
    r->compile_ms = now_ms() - t0;
    /* 6: bundle */
    if (ok && dopt->bundle_dir) ok = vta_bundle_write(p, dopt->bundle_dir, st);
    /* 7: simulate */
    if (ok && !dopt->no_sim) {
        double t1 = now_ms();
        uint64_t bytes;
        uint8_t *dram = vta_prog_dram(p, &bytes);
        sim_options sopt = {dopt->timing_only, dopt->strict, NULL};
        ok = sim_run(hw, dram, bytes, vta_prog_insn_addr(p), vta_prog_insn_count(p), &sopt, &r->sim, st);
        r->sim_ms = now_ms() - t1;
    }
    /* 8: check */
    if (ok && want_check && !dopt->no_sim) check_output(o, hw, e, &n, p, dopt, &d, r);
    data_free(&d);
    vta_prog_destroy(p);
    return ok;
}

bool driver_run(const op *o, const hw_config *hw, const emb *e, const driver_opts *d, driver_result *r,
                status *st) {
    return driver_pipeline(o, hw, e, false, d, r, st);
}

bool driver_run_reference(const op *o, const hw_config *hw, const driver_opts *d, driver_result *r,
                          status *st) {
    emb e;
    if (!refstrat_embedding(o, hw, &e, st)) return false;
    return driver_pipeline(o, hw, &e, true, d, r, st);
}
