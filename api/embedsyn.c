/* api/embedsyn: the stable C API of include/embedsyn.h, a thin layer over the spec
 * loader (core/spec*), the encoder (encoders/enc.h) and the driver (bench/driver.h).
 * Invariant: every handle owns a copy of what it describes (no pointer into the
 * caller's data); errors are copied into the caller's buffer, nothing is printed. */
#include "embedsyn.h"

#include <stdlib.h>
#include <string.h>

#include "bench/driver.h"
#include "core/spec.h"
#include "core/spec_emb.h"
#include "encoders/enc.h"

#ifndef EMBEDSYN_VERSION
#define EMBEDSYN_VERSION "unknown"
#endif
#ifndef EMBEDSYN_GIT_REV
#define EMBEDSYN_GIT_REV "unknown"
#endif

struct embedsyn_hw { hw_config hw; };
struct embedsyn_op { op op; };
struct embedsyn_emb { emb e; };

const char *embedsyn_version(void) {
    static char buf[160];
    if (!buf[0])
        snprintf(buf, sizeof buf, "%s (git %s, Z3 %s)", EMBEDSYN_VERSION, EMBEDSYN_GIT_REV,
                 enc_z3_version());
    return buf;
}

static void put_err(char *err, size_t len, const status *st) {
    if (err && len)
        snprintf(err, len, "%s", st->failed ? st->msg : "failed");
}

static void *alloc(size_t n) {
    void *p = calloc(1, n);
    ES_ASSERT(p != NULL);
    return p;
}

embedsyn_hw *embedsyn_hw_default(void) {
    embedsyn_hw *h = alloc(sizeof *h);
    h->hw = hw_default();
    return h;
}

embedsyn_hw *embedsyn_hw_load(const char *path, char *err, size_t errlen) {
    embedsyn_hw *h = alloc(sizeof *h);
    status st;
    status_init(&st);
    if (!hw_load(path, &h->hw, &st)) {
        put_err(err, errlen, &st);
        free(h);
        return NULL;
    }
    return h;
}

void embedsyn_hw_free(embedsyn_hw *hw) { free(hw); }

embedsyn_op *embedsyn_op_load(const char *path, char *err, size_t errlen) {
    embedsyn_op *o = alloc(sizeof *o);
    status st;
    status_init(&st);
    if (!spec_load_op(path, &o->op, &st)) {
        put_err(err, errlen, &st);
        free(o);
        return NULL;
    }
    return o;
}

static embedsyn_op *parse_shape(const char *shape, bool conv, char *err, size_t errlen) {
    embedsyn_op *o = alloc(sizeof *o);
    status st;
    status_init(&st);
    bool ok = conv ? spec_parse_conv(shape, "conv", &o->op, &st)
                   : spec_parse_gemm(shape, "gemm", &o->op, &st);
    if (!ok) {
        put_err(err, errlen, &st);
        free(o);
        return NULL;
    }
    return o;
}

embedsyn_op *embedsyn_op_conv(const char *shape, char *err, size_t errlen) {
    return parse_shape(shape, true, err, errlen);
}

embedsyn_op *embedsyn_op_gemm(const char *shape, char *err, size_t errlen) {
    return parse_shape(shape, false, err, errlen);
}

void embedsyn_op_free(embedsyn_op *xo) { free(xo); }
const char *embedsyn_op_name(const embedsyn_op *xo) { return xo->op.name; }
int64_t embedsyn_op_macs(const embedsyn_op *xo) { return op_macs(&xo->op); }
void embedsyn_op_describe(const embedsyn_op *xo, char *buf, size_t len) {
    op_summary(&xo->op, buf, len);
}

embedsyn_emb *embedsyn_solve(const embedsyn_op *xo, const embedsyn_hw *hw,
                             embedsyn_objective objective, uint64_t rlimit,
                             embedsyn_solve_info *info, char *err, size_t errlen) {
    enc_options eo;
    enc_options_init(&eo);
    eo.objective = objective == EMBEDSYN_OBJ_UTILIZATION ? ENC_OBJ_UTILIZATION
                   : objective == EMBEDSYN_OBJ_LAYOUT    ? ENC_OBJ_LAYOUT
                                                         : ENC_OBJ_LEX_UTIL_LAYOUT;
    eo.rlimit = rlimit;
    enc_result r;
    status st;
    status_init(&st);
    bool ok = enc_solve(&xo->op, HW_INTRINSIC(&hw->hw), &eo, &r, &st);
    if (!ok || !r.found) {
        if (ok)
            status_fail(&st, "no embedding found (solver %s)", enc_solver_status_name(r.solver_status));
        put_err(err, errlen, &st);
        return NULL;
    }
    if (info) {
        memset(info, 0, sizeof *info);
        info->instances = r.instances;
        info->lower_bound = r.lower_bound_instances;
        info->utilization = r.utilization;
        info->dram_bytes = r.dram_bytes;
        info->proven = r.proof == ENC_PROOF_OPTIMAL;
        info->global = r.global;
        info->complete = r.solver_status == ENC_SOLVER_SAT;
        info->solve_ms = r.solve_ms;
        snprintf(info->layout, sizeof info->layout, "%s", r.layout);
    }
    embedsyn_emb *e = alloc(sizeof *e);
    e->e = r.e;
    return e;
}

embedsyn_emb *embedsyn_emb_reference(const embedsyn_op *xo, const embedsyn_hw *hw, char *err,
                                     size_t errlen) {
    embedsyn_emb *e = alloc(sizeof *e);
    status st;
    status_init(&st);
    if (!emb_channel_packing(&xo->op, HW_INTRINSIC(&hw->hw), &e->e, &st)) {
        put_err(err, errlen, &st);
        free(e);
        return NULL;
    }
    return e;
}

embedsyn_emb *embedsyn_emb_load(const char *path, const embedsyn_op *xo, char *err,
                                size_t errlen) {
    embedsyn_emb *e = alloc(sizeof *e);
    status st;
    status_init(&st);
    if (!spec_load_emb(path, &xo->op, &e->e, &st)) {
        put_err(err, errlen, &st);
        free(e);
        return NULL;
    }
    return e;
}

void embedsyn_emb_write(FILE *f, const embedsyn_op *xo, const embedsyn_emb *e) {
    emb_write_xml(f, &xo->op, &e->e);
}

void embedsyn_emb_free(embedsyn_emb *e) { free(e); }

static bool drive(const embedsyn_op *xo, const embedsyn_hw *hw, const embedsyn_emb *e,
                  const driver_opts *d, driver_result *r, char *err, size_t errlen) {
    status st;
    status_init(&st);
    bool ok = e ? driver_run(&xo->op, &hw->hw, &e->e, d, r, &st)
                : driver_run_reference(&xo->op, &hw->hw, d, r, &st);
    if (!ok)
        put_err(err, errlen, &st);
    return ok;
}

bool embedsyn_run(const embedsyn_op *xo, const embedsyn_hw *hw, const embedsyn_emb *e,
                  const embedsyn_run_opts *opts, embedsyn_run_info *info, char *err,
                  size_t errlen) {
    driver_opts d;
    driver_opts_init(&d);
    embedsyn_run_opts o = {0};
    if (opts)
        o = *opts;
    d.check = o.check;
    d.check_sample = o.check ? 0 : o.check_sample;
    d.timing_only = !o.check && o.check_sample <= 0;
    d.seed = o.seed ? o.seed : 1;
    d.bundle_dir = o.bundle_dir;
    driver_result r;
    if (!drive(xo, hw, e, &d, &r, err, errlen))
        return false;
    if (info) {
        memset(info, 0, sizeof *info);
        info->cycles = (uint64_t)r.sim.cycles;
        info->utilization = r.utilization;
        info->dram_bytes = r.dram_bytes;
        info->checked = r.check != DRV_CHECK_SKIPPED;
        info->check_passed = r.check == DRV_CHECK_PASS;
        snprintf(info->schedule, sizeof info->schedule, "%s", r.schedule);
    }
    return true;
}

bool embedsyn_compile(const embedsyn_op *xo, const embedsyn_hw *hw, const embedsyn_emb *e,
                      const char *dir, uint64_t seed, char *err, size_t errlen) {
    driver_opts d;
    driver_opts_init(&d);
    d.bundle_dir = dir;
    d.no_sim = true;
    d.seed = seed ? seed : 1;
    driver_result r;
    return drive(xo, hw, e, &d, &r, err, errlen);
}
