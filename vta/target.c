/* target: the VTA back end as a target table (see target.h): refstrat for the
 * reference strategy, sched for the candidates, lower for code generation and the
 * operand copies, prog for finalize and the bundle, sim for the cycle simulation. */
#include "vta/target.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/es.h"
#include "vta/lower.h"
#include "vta/port.h"
#include "vta/prog.h"
#include "vta/refstrat.h"
#include "vta/sched.h"

struct target_scheds {
    const op *o;
    const hw_config *hw;
    const emb *e;
    const emb_nest *n;
    int ncand;
    sched cand[SCHED_MAX_TOP + 1];
};

struct target_prog {
    const target_scheds *s;
    int i;
    vta_prog *p;
};

static target_scheds *vta_schedules(const op *o, const hw_config *hw, const emb *e, const emb_nest *n,
                                    bool reference, target_act act, int k, int *tmpl, status *st) {
    target_scheds *s = malloc(sizeof *s);
    if (!s) {
        status_fail(st, "out of memory");
        return NULL;
    }
    *s = (target_scheds){.o = o, .hw = hw, .e = e, .n = n};
    *tmpl = -1;
    sched_opts so;
    if (reference)
        refstrat_sched_opts(o, n, &so);
    else
        sched_opts_init(&so);
    so.e = e; /* lets the bias come from a small tile (both strategies: TVM adds it by ALU too) */
    if (!reference && act != TARGET_ACT_FREE) so.pad = act == TARGET_ACT_PADDED ? SCHED_PAD_KEEP : SCHED_PAD_STRIP;
    if (reference) k = 1;
    if (k > SCHED_MAX_TOP) k = SCHED_MAX_TOP;
    status in;
    status_init(&in);
    if (!(s->ncand = sched_search_top(o, hw, n, &so, k, s->cand, &in))) {
        if (es_stop_requested()) { /* the search's other way out: no set, the reason */
            free(s);
            status_fail(st, "%s", in.msg);
            return NULL;
        }
        return s; /* no schedule fits the buffers: the empty set */
    }
    if (!reference && k > 1) {
        bool applies;
        if (!refstrat_template_sched(o, hw, e, n, &applies, &s->cand[s->ncand], st)) {
            free(s);
            return NULL;
        }
        if (applies) *tmpl = s->ncand++;
    }
    return s;
}

static int vta_nscheds(const target_scheds *s) { return s->ncand; }
static double vta_sched_estimate(const target_scheds *s, int i) { return s->cand[i].est_cycles; }
static void vta_sched_describe(const target_scheds *s, int i, char *buf, size_t len) {
    sched_describe(s->o, s->n, &s->cand[i], buf, len);
}
static target_act vta_sched_act(const target_scheds *s, int i) {
    return s->cand[i].keep_pad ? TARGET_ACT_PADDED : TARGET_ACT_COMPACT;
}
static void vta_scheds_free(target_scheds *s) { free(s); }

_Static_assert(SCHED_TEXT_MAX <= TARGET_SCHED_TEXT, "a saved VTA schedule fits the target's token");
static void vta_sched_save(const target_scheds *s, int i, char *buf, size_t len) { sched_save(&s->cand[i], buf, len); }

static target_scheds *vta_schedule_load(const op *o, const hw_config *hw, const emb *e, const emb_nest *n,
                                        const char *text, status *st) {
    target_scheds *s = malloc(sizeof *s);
    if (!s) {
        status_fail(st, "out of memory");
        return NULL;
    }
    *s = (target_scheds){.o = o, .hw = hw, .e = e, .n = n, .ncand = 1};
    if (!sched_load(text, o, hw, n, &s->cand[0], st)) {
        free(s);
        return NULL;
    }
    return s;
}
const sched *target_vta_sched(const target_scheds *s, int i) { return &s->cand[i]; }

static target_prog *vta_codegen(const target_scheds *s, int i, status *st) {
    target_prog *tp = malloc(sizeof *tp);
    if (!tp) {
        status_fail(st, "out of memory");
        return NULL;
    }
    lower_stats ls;
    tp->s = s;
    tp->i = i;
    if (!lower_codegen(s->o, s->hw, s->e, s->n, &s->cand[i], &tp->p, &ls, st)) {
        free(tp);
        return NULL;
    }
    if (!vta_prog_finalize(tp->p, st)) {
        vta_prog_destroy(tp->p);
        free(tp);
        return NULL;
    }
    return tp;
}

static bool vta_write_inputs(target_prog *p, const int8_t *inp, const int8_t *wgt, const int32_t *bias_acc,
                             status *st) {
    return lower_write_inputs(p->p, p->s->hw, p->s->n, &p->s->cand[p->i], inp, wgt, bias_acc, st);
}

static const int8_t *vta_output(target_prog *p, int64_t *bytes) { return lower_out_data(p->p, bytes); }

static bool vta_write_bundle(const target_prog *p, const char *dir, status *st) {
    return vta_bundle_write(p->p, dir, st);
}

static bool vta_simulate(target_prog *p, bool timing_only, bool strict, sim_report *rep, status *st) {
    uint64_t bytes;
    uint8_t *dram = vta_prog_dram(p->p, &bytes);
    sim_options so = {.timing_only = timing_only, .strict = strict};
    return sim_run(p->s->hw, dram, bytes, vta_prog_insn_addr(p->p), vta_prog_insn_count(p->p), &so, rep, st);
}

static bool vta_check_program(const target_prog *p, bool strict, sim_report *rep, status *st) {
    uint64_t bytes;
    uint8_t *dram = vta_prog_dram(p->p, &bytes);
    port_report pr;
    if (!port_check(p->s->hw, dram, bytes, vta_prog_insn_addr(p->p), vta_prog_insn_count(p->p), strict, &pr, st))
        return false;
    rep->nwarnings = pr.nfindings > INT32_MAX ? INT32_MAX : (int)pr.nfindings;
    snprintf(rep->warning, sizeof rep->warning, "%s", pr.first);
    return true;
}

static void vta_prog_free(target_prog *p) {
    if (!p) return;
    vta_prog_destroy(p->p);
    free(p);
}

const target *target_vta(void) {
    static const target t = {
        .name = "vta",
        .max_sched_k = SCHED_MAX_TOP,
        .reference_embedding = refstrat_embedding,
        .schedules = vta_schedules,
        .nscheds = vta_nscheds,
        .sched_estimate = vta_sched_estimate,
        .sched_describe = vta_sched_describe,
        .sched_act = vta_sched_act,
        .scheds_free = vta_scheds_free,
        .sched_save = vta_sched_save,
        .schedule_load = vta_schedule_load,
        .codegen = vta_codegen,
        .write_inputs = vta_write_inputs,
        .output = vta_output,
        .write_bundle = vta_write_bundle,
        .simulate = vta_simulate,
        .check_program = vta_check_program,
        .prog_free = vta_prog_free,
    };
    return &t;
}

#define TG_NAME(name, getter) name,
#define TG_GET(name, getter) getter,
static const char *const target_names[] = {TARGETS(TG_NAME)};
static const target *(*const target_getters[])(void) = {TARGETS(TG_GET)};

const target *target_find(const char *name) {
    int i = es_name_find(target_names, ES_COUNT(target_names), name);
    return i < 0 ? NULL : target_getters[i]();
}

const target *target_default(void) { return target_getters[0](); }

static const char *const act_names[] = {TARGET_ACTS(ES_NAME2)};
const char *target_act_name(target_act a) { return act_names[a]; }
bool target_act_parse(const char *s, target_act *a) {
    int i = es_name_find(act_names, TARGET_NACTS, s);
    return i >= 0 && (*a = (target_act)i, true);
}
