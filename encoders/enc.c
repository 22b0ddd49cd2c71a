/* enc: the synthesis driver (enc_solve): space -> formula -> minimize -> prove ->
 * export -> decode + check. The stages are listed in order in enc_solve.
 * Invariant: one enc_space, one Z3 context per query, both released before return;
 * solver outcomes (unknown, timeout) are results, bad input is a status. */
#include "encoders/enc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/es.h"
#include "encoders/enc_decode.h"
#include "encoders/enc_encode.h"
#include "encoders/enc_opt.h"
#include "encoders/enc_seed.h"
#include "encoders/enc_space.h"

static const char *const proof_names[] = {ENC_PROOFS(ES_NAME2)};
static const char *const solver_names[] = {ENC_SOLVER_STATUSES(ES_NAME2)};

const char *enc_proof_name(enc_proof p) { return proof_names[p]; }
const char *enc_solver_status_name(enc_solver_status s) { return solver_names[s]; }
bool enc_proof_parse(const char *s, enc_proof *p) {
    int i = es_name_find(proof_names, ES_COUNT(proof_names), s);
    if (i < 0)
        return false;
    *p = (enc_proof)i;
    return true;
}

void enc_options_init(enc_options *o) {
    memset(o, 0, sizeof *o);
    o->objective = ENC_OBJ_LEX_UTIL_LAYOUT;
    o->prove = false;
    o->smt2_path = NULL;
    o->rlimit = 0;
    o->timeout_s = 0;
}

#define ENC_OBJ_NAME(e, name, alias, help) name,
#define ENC_OBJ_ALIAS(e, name, alias, help) alias,
static const char *const obj_names[ENC_OBJ_COUNT] = {ENC_OBJECTIVES(ENC_OBJ_NAME)};
static const char *const obj_aliases[ENC_OBJ_COUNT] = {ENC_OBJECTIVES(ENC_OBJ_ALIAS)};
#undef ENC_OBJ_NAME
#undef ENC_OBJ_ALIAS

const char *enc_objective_name(enc_objective ob) {
    ES_ASSERT((unsigned)ob < ENC_OBJ_COUNT);
    return obj_names[ob];
}

bool enc_objective_parse(const char *s, enc_objective *ob) {
    for (int k = 0; k < ENC_OBJ_COUNT; k++)
        if (!strcmp(s, obj_names[k]) || (obj_aliases[k][0] && !strcmp(s, obj_aliases[k]))) {
            *ob = (enc_objective)k;
            return true;
        }
    return false;
}

bool enc_objective_uses_cycles(enc_objective ob) {
    return ob == ENC_OBJ_CYCLES || ob == ENC_OBJ_LEX_CYCLES_LAYOUT;
}

uint64_t enc_rlimit_effective(const enc_options *opt) {
    return opt->rlimit ? opt->rlimit : ENC_DEFAULT_RLIMIT;
}

void enc_fill_costs(const op *o, const hw_intrinsic *hw, const emb *e, const emb_nest *n,
                    int64_t *instances, double *util, int64_t *dram, char *layout, size_t llen,
                    char *cls, size_t clen) {
    *instances = n->instances;
    *util = n->utilization;
    *dram = n->dram_bytes[0] + n->dram_bytes[1] + n->dram_bytes[2];
    emb_describe(o, hw, e, n, layout, llen);
    emb_class(o, e, cls, clen);
}

void enc_result_layout(const op *o, const hw_intrinsic *hw, const emb *e, enc_layout_info *li) {
    emb_nest n;
    status st;
    status_init(&st);
    ES_ASSERT(emb_nest_build(o, hw, e, &n, &st)); /* e was decoded and checked */
    li->needs_transform = n.needs_transform;
    li->dup_factor = n.dup_factor;
    for (int x = 0; x < 3; x++)
        li->bytes[x] = n.dram_bytes[x];
}

double enc_cpu_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* The optimum by the solver (minimize, + its proof: the last UNSAT of "better than"). */
static enc_min_status solver_optimum(enc_formula *f, const enc_options *opt, uint64_t lb, enc_point *pt, bool *proven,
                                     Z3_ast *q) {
    bool cyc = enc_objective_uses_cycles(opt->objective);
    enc_min_status ms;
    switch (opt->objective) {
    case ENC_OBJ_UTILIZATION:
        ms = enc_minimize(f, ENC_INST, 0, NULL, lb, !opt->prove, opt->prove, pt, proven, q);
        break;
    case ENC_OBJ_LAYOUT:
        ms = enc_minimize(f, ENC_DRAM, 0, NULL, 0, false, opt->prove, pt, proven, q);
        break;
    case ENC_OBJ_CYCLES:
        ms = enc_minimize(f, ENC_CYC, 0, NULL, enc_cycles_lower(f, lb), !opt->prove, opt->prove,
                          pt, proven, q);
        break;
    default:
        ms = enc_minimize_lex(f, cyc ? ENC_CYC : ENC_INST, 0, NULL,
                              cyc ? enc_cycles_lower(f, lb) : lb, !opt->prove, opt->prove, pt,
                              proven, q);
        if (ms == ENC_MIN_OPTIMAL && opt->smt2_path) {
            /* the exported query is the combined lex query: check it as such */
            Z3_ast a = enc_guard(f, *q);
            Z3_lbool lr = enc_check(f, 1, &a);
            if (lr == Z3_L_UNDEF) {
                ms = ENC_MIN_UNKNOWN;
                *proven = false;
            }
            ES_ASSERT(lr != Z3_L_TRUE);
        }
        break;
    }
    return ms;
}

/* Most consistent choices enc_options.enumerate visits (about 7 us each: <= ~15 s). */
#define ENC_ENUM_EVALS 2000000L

/* The optimum by exhaustive enumeration of the space in C (enc_exact_min with the
 * objective's first cost); false when the space is too large. The point's cycles (with
 * a cost form) are checked against the formula's cost form after decoding. */
static bool enum_optimum(const enc_formula *f, const enc_options *opt, enc_point *pt) {
    enc_exact_key key = opt->objective == ENC_OBJ_LAYOUT ? ENC_EXACT_DRAM
                        : enc_objective_uses_cycles(opt->objective) ? ENC_EXACT_CYCLES
                                                                    : ENC_EXACT_INSTANCES;
    enc_choice ch;
    if (!enc_exact_min(f->sp, f->cf.set ? &f->cf : NULL, key, ENC_ENUM_EVALS, &ch))
        return false;
    memset(pt, 0, sizeof *pt);
    pt->found = true;
    pt->swap = ch.swap;
    memcpy(pt->sel, ch.sel, sizeof pt->sel);
    pt->instances = (uint64_t)enc_space_instances(f->sp, ch.sel);
    pt->have_dram = true;
    pt->dram = (uint64_t)ch.dram;
    pt->have_cycles = f->cf.set;
    pt->cycles = ch.cycles;
    return true;
}

bool enc_solve(const op *o, const hw_intrinsic *hw, const enc_options *opt, enc_result *r,
               status *st) {
    double t0 = es_now_ms(), c0 = enc_cpu_ms();
    memset(r, 0, sizeof *r);
    r->lower_bound_instances = enc_lower_bound(o, hw);
    r->proof = ENC_PROOF_UNKNOWN;
    r->solver_status = ENC_SOLVER_UNKNOWN;

    bool cyc = enc_objective_uses_cycles(opt->objective);
    if (cyc && !opt->cf.set)
        return status_fail(st, "objective %s needs the target's cost form",
                           enc_objective_name(opt->objective));
    /* 1-2. the space and the formula (with the cycles term when there is a cost form) */
    enc_formula f;
    enc_space *sp = enc_query_open(o, hw, opt->cf.set ? &opt->cf : NULL, enc_rlimit_effective(opt),
                                   opt->timeout_s, &f, st);
    if (!sp)
        return false;
    f.plain_proof = opt->plain_proof;
    if (getenv("ENC_DEBUG"))
        fprintf(stderr, "enc_solve: formula built, %.1f ms CPU\n", enc_cpu_ms() - c0);
    /* 3. minimize (+ prove: the last UNSAT of "better than the optimum") */
    enc_point pt;
    memset(&pt, 0, sizeof pt);
    bool proven = false;
    Z3_ast q = NULL;
    uint64_t lb = (uint64_t)r->lower_bound_instances;
    enc_min_status ms;
    bool enumerated = opt->enumerate && !opt->prove && !opt->smt2_path && enum_optimum(&f, opt, &pt);
    if (enumerated) {
        ms = ENC_MIN_OPTIMAL;
    } else {
        ms = solver_optimum(&f, opt, lb, &pt, &proven, &q);
    }
    ES_ASSERT(ms != ENC_MIN_UNSAT); /* the all-NONE choice is always a model */
    r->solver_status = ms == ENC_MIN_OPTIMAL ? ENC_SOLVER_SAT : ENC_SOLVER_UNKNOWN;
    r->proof = enumerated ? ENC_PROOF_ENUMERATED
               : proven   ? ENC_PROOF_OPTIMAL
               : (ms == ENC_MIN_UNKNOWN ? ENC_PROOF_UNKNOWN : ENC_PROOF_NOT_PROVEN);
    if (getenv("ENC_DEBUG"))
        fprintf(stderr, "enc_solve: minimized, %.1f ms CPU\n", enc_cpu_ms() - c0);
    /* 4. export the proof query */
    bool ok = true;
    if (opt->smt2_path && proven) {
        FILE *fp = fopen(opt->smt2_path, "w");
        if (!fp) {
            ok = status_fail(st, "%s: cannot write SMT-LIB2 file", opt->smt2_path);
        } else {
            fputs("(set-logic QF_BV)\n", fp);
            const char *txt = enc_smt2(&f, q);
            /* Z3 prints its own (set-info ...) header; drop a duplicate set-logic. */
            const char *sl = strstr(txt, "(set-logic");
            if (sl) {
                fwrite(txt, 1, (size_t)(sl - txt), fp);
                const char *e = strchr(sl, '\n');
                fputs(e ? e + 1 : "", fp);
            } else {
                fputs(txt, fp);
            }
            fclose(fp);
        }
    } else if (opt->smt2_path && !proven) {
        ok = status_fail(st, "%s: no proof to export (solver status %s)", opt->smt2_path,
                         enc_solver_status_name(r->solver_status));
    }
    /* 5. decode + check */
    if (pt.found) {
        enc_decode(sp, &pt, &r->e, &r->nest);
        enc_check_cycles(&f, &pt, &r->nest);
        r->found = true;
        if (opt->cf.set)
            r->est_cycles = costform_cycles(&opt->cf, costform_eval(&opt->cf, &r->nest));
        enc_fill_costs(o, hw, &r->e, &r->nest, &r->instances, &r->utilization, &r->dram_bytes,
                       r->layout, sizeof r->layout, r->layout_class, sizeof r->layout_class);
        r->global = r->instances == r->lower_bound_instances;
    }
    r->rlimit_used = f.rlimit_used;
    enc_formula_free(&f);
    free(sp);
    r->solve_ms = es_now_ms() - t0;
    r->solve_cpu_ms = enc_cpu_ms() - c0;
    return ok;
}
