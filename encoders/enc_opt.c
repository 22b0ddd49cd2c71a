/* enc_opt: minimization by iterative tightening (see enc_opt.h). Bounds on the
 * instance count go through the log shadow (enc_inst_le), which is exact for the
 * values asked; the final proof can be re-checked on the exact product circuit.
 * Invariant: every recorded point comes from a SAT model or, for the cycles seed, from
 * the C cost form (equal to the formula's term); a point is reported proven only after
 * UNSAT of "cost < value" or when the value equals a theorem bound (cycles: always, as
 * the solver's query is then the constant false; other costs: if the caller allowed it). */
#include "encoders/enc_opt.h"

#include <stdlib.h>
#include <string.h>
#include "encoders/enc_progress.h"
#include "encoders/enc_seed.h"
#include "encoders/enc_types.h"

static void record(enc_formula *f, enc_point *p) {
    Z3_model m = Z3_solver_get_model(f->ctx, f->sol);
    Z3_model_inc_ref(f->ctx, m);
    enc_model_choice(f, m, &p->swap, p->sel);
    ES_ASSERT(enc_space_consistent(f->sp, p->swap, p->sel));
    p->instances = (uint64_t)enc_space_instances(f->sp, p->sel);
    if (f->inst_on)
        ES_ASSERT(enc_model_u64(f, m, f->instances.t) == p->instances);
    p->have_dram = f->dram_on;
    p->dram = f->dram_on ? enc_model_u64(f, m, f->dram.t) : 0;
    p->have_cycles = f->cyc_on;
    p->cycles = f->cyc_on ? enc_model_u64_sat(f, m, f->cycles.t) : 0;
    p->found = true;
    Z3_model_dec_ref(f->ctx, m);
    enc_progress_point(p->instances, p->dram, p->have_dram); /* enc_progress.c */
}

/* The seed of the cycles objective as a point, evaluated in C (enc_cycles_seed's choice:
 * consistent, its nest builds, its cycles equal the formula's term). */
static void record_seed(enc_formula *f, enc_point *p) {
    const enc_space *sp = f->sp;
    p->swap = f->cyc_seed_swap;
    memcpy(p->sel, f->cyc_seed_sel, sizeof p->sel);
    ES_ASSERT(enc_space_consistent(sp, p->swap, p->sel));
    p->instances = (uint64_t)enc_space_instances(sp, p->sel);
    emb e;
    emb_nest n;
    status st;
    status_init(&st);
    enc_space_emb(sp, p->swap, p->sel, &e);
    ES_ASSERT(emb_nest_build(sp->o, &sp->hw, &e, &n, &st));
    p->have_dram = f->dram_on;
    p->dram = f->dram_on ? (uint64_t)(n.dram_bytes[0] + n.dram_bytes[1] + n.dram_bytes[2]) : 0;
    p->have_cycles = true;
    p->cycles = f->cyc_ub;
    ES_ASSERT(costform_u64(costform_eval(&f->cf, &n)) == p->cycles);
    p->found = true;
    enc_progress_point(p->instances, p->dram, p->have_dram);
}

/* Once per formula: the enumerated minimum of the cycles term (enc_cycles_exact). A
 * seed that already reaches it is kept (the same choice as without the enumeration);
 * otherwise the enumerated choice replaces it, so the search starts at the optimum and
 * its ties are broken deterministically (fewest bytes, then enc_cycles_exact's order). */
static void exact_seed(enc_formula *f) {
    if (f->cyc_exact_tried)
        return;
    f->cyc_exact_tried = true;
    uint64_t v;
    bool sw;
    int32_t sel[OP_MAX_DIMS];
    double t0 = es_now_ms();
    bool ok = enc_cycles_exact(f->sp, &f->cf, &v, &sw, sel);
    if (getenv("ENC_DEBUG"))
        fprintf(stderr, "enc_cycles_exact: %s in %.1f ms\n", ok ? "done" : "over the caps", es_now_ms() - t0);
    if (!ok)
        return;
    ES_ASSERT(v <= f->cyc_ub);
    if (getenv("ENC_DEBUG"))
        fprintf(stderr, "enc_cycles_exact: %llu (seed %llu)\n", (unsigned long long)v,
                (unsigned long long)f->cyc_ub);
    f->cyc_exact = true;
    if (v == f->cyc_ub)
        return;
    f->cyc_ub = v;
    f->cyc_seed_swap = sw;
    memcpy(f->cyc_seed_sel, sel, sizeof f->cyc_seed_sel);
}

static uint64_t value(enc_cost c, const enc_point *p) {
    return c == ENC_INST ? p->instances : c == ENC_DRAM ? p->dram : p->cycles;
}

/* cost <= v for the search */
static Z3_ast le(enc_formula *f, enc_cost c, uint64_t v) {
    return c == ENC_INST ? enc_inst_le(f, v) : c == ENC_DRAM ? enc_dram_le(f, v) : enc_cyc_le(f, v);
}

/* The exact "cost < v" (activates the cost's definition). */
static Z3_ast lt_exact(enc_formula *f, enc_cost c, uint64_t v) {
    if (c == ENC_CYC) {
        enc_activate_cycles(f);
        return enc_ult_const(f, f->cycles, v);
    }
    enc_activate(f, c == ENC_INST, c == ENC_DRAM);
    return enc_ult_const(f, c == ENC_INST ? f->instances : f->dram, v);
}

static enc_term cost_term(enc_formula *f, enc_cost c) {
    return c == ENC_INST ? f->instances : c == ENC_DRAM ? f->dram : f->cycles;
}

enc_min_status enc_minimize(enc_formula *f, enc_cost c, int nassum, const Z3_ast *assum,
                            uint64_t lower, bool bound_proves, bool exact_proof, enc_point *best,
                            bool *proven, Z3_ast *proof_q) {
    Z3_ast A[64];
    ES_ASSERT(nassum < 63);
    for (int i = 0; i < nassum; i++)
        A[i] = assum[i];
    *proven = false;
    best->found = false;
    if (c == ENC_DRAM)
        enc_activate(f, false, true);
    if (c == ENC_CYC)
        enc_activate_cycles(f);
    if (c == ENC_CYC && nassum == 0 && !f->plain_proof && lower > 0 && f->cyc_ub == lower) {
        /* Proof shortcut: the seed meets the theorem bound. The solver's proof query
         * "cycles <= lower - 1" would contain the constant false (the bound's own split
         * clause, enc_cyc_le), so the bound is the proof; no solver check at all. */
        record_seed(f, best);
        *proven = true;
        *proof_q = lt_exact(f, c, lower);
        return ENC_MIN_OPTIMAL;
    }
    if (c == ENC_CYC && nassum == 0)
        exact_seed(f);
    Z3_lbool r = Z3_L_UNDEF;
    bool seeded = c == ENC_CYC && f->cyc_ub < UINT64_MAX && nassum + 1 + f->sp->nd < 64;
    if (seeded) {
        /* Start from the seed: the choice pinned by assumptions, so the first model is
         * the solver's own evaluation of it (propagation only, no search). */
        Z3_ast P[64];
        memcpy(P, A, (size_t)nassum * sizeof *A);
        int np = nassum;
        P[np++] = f->cyc_seed_swap ? f->swap : Z3_mk_not(f->ctx, f->swap);
        for (int d = 0; d < f->sp->nd; d++)
            P[np++] = enc_opt_is(f, d, f->cyc_seed_sel[d]);
        r = enc_check(f, np, P);
        seeded = r == Z3_L_TRUE;
    }
    if (!seeded)
        r = enc_check(f, nassum, A);
    if (r == Z3_L_FALSE)
        return ENC_MIN_UNSAT;
    if (r == Z3_L_UNDEF)
        return ENC_MIN_UNKNOWN;
    record(f, best);
    uint64_t v = value(c, best);
    bool tried_lower = false, tried_ub = false;
    for (;;) {
        if (bound_proves && lower > 0 && v == lower) {
            *proven = true;
            *proof_q = lt_exact(f, c, v);
            return ENC_MIN_OPTIMAL;
        }
        if (v == 0) {
            *proven = true;
            *proof_q = lt_exact(f, c, 0);
            return ENC_MIN_OPTIMAL;
        }
        /* Aim once at the lower bound (often met: then one more UNSAT is the proof),
         * once at the greedy upper bound (keeps instance bounds in the shadow's exact
         * range), then descend: "cost < v" SAT answers usually jump far down, and the
         * final UNSAT is the proof query. */
        uint64_t tgt = v - 1;
        uint64_t ub = c == ENC_INST ? f->ub : c == ENC_CYC ? f->cyc_ub : 0;
        if (c == ENC_CYC && !tried_ub && ub < v && ub >= lower) {
            /* the seed is usually optimal or close: aim at it before the lower bound */
            tgt = ub;
            tried_ub = true;
        } else if (!tried_lower && lower > 0 && lower < v && !seeded) {
            tgt = lower;
            tried_lower = true;
        } else if (!tried_ub && c == ENC_INST && f->ub < v - 1 && f->ub > lower) {
            tgt = f->ub;
            tried_ub = true;
        }
        if (c == ENC_CYC && f->cyc_exact && tgt + 1 == v && v == f->cyc_ub) {
            /* v is the enumerated minimum: this check is the proof. In new solvers (one
             * per swap value) it needs a fraction of the incremental solver's effort. */
            r = enc_check_split(f, le(f, c, tgt));
            ES_ASSERT(r != Z3_L_TRUE); /* the formula's models are the enumerated choices */
        } else {
            A[nassum] = enc_guard(f, le(f, c, tgt));
            r = enc_check(f, nassum + 1, A);
        }
        if (r == Z3_L_UNDEF)
            return ENC_MIN_UNKNOWN;
        if (r == Z3_L_TRUE) {
            record(f, best);
            uint64_t nv = value(c, best);
            ES_ASSERT(nv <= tgt);
            v = nv;
            continue;
        }
        if (tgt + 1 < v)
            continue; /* that target is infeasible; the next one is closer to v */
        /* UNSAT of "cost <= v-1": optimal. Re-check on the exact circuit. */
        Z3_ast q = lt_exact(f, c, v);
        if (exact_proof && c == ENC_INST) {
            Z3_ast both[2] = {q, A[nassum]};
            A[nassum] = enc_guard(f, Z3_mk_and(f->ctx, 2, both));
            r = enc_check(f, nassum + 1, A);
            if (r == Z3_L_UNDEF)
                return ENC_MIN_UNKNOWN;
            ES_ASSERT(r == Z3_L_FALSE); /* the shadow is a sound relaxation */
        }
        *proven = true;
        *proof_q = q;
        return ENC_MIN_OPTIMAL;
    }
}

enc_min_status enc_minimize_lex(enc_formula *f, enc_cost first, int nassum, const Z3_ast *assum,
                                uint64_t lower_a, bool bound_proves, bool exact_proof,
                                enc_point *best, bool *proven, Z3_ast *proof_q) {
    Z3_ast qa;
    bool pa;
    enc_min_status s =
        enc_minimize(f, first, nassum, assum, lower_a, bound_proves, exact_proof, best, &pa, &qa);
    if (s != ENC_MIN_OPTIMAL) {
        *proven = false;
        return s;
    }
    uint64_t va = value(first, best);
    Z3_ast A[64];
    ES_ASSERT(nassum < 63);
    for (int i = 0; i < nassum; i++)
        A[i] = assum[i];
    A[nassum] = enc_guard(f, le(f, first, va));
    enc_point p2 = *best;
    Z3_ast qb;
    bool pb;
    s = enc_minimize(f, ENC_DRAM, nassum + 1, A, 0, false, exact_proof, &p2, &pb, &qb);
    if (p2.found)
        *best = p2;
    if (s != ENC_MIN_OPTIMAL) {
        *proven = false;
        return s == ENC_MIN_UNSAT ? ENC_MIN_UNKNOWN : s;
    }
    ES_ASSERT(value(first, best) == va);
    *proven = pa && pb;
    enc_activate(f, true, true);
    Z3_ast both[2] = {enc_eq_const(f, cost_term(f, first), va), qb};
    Z3_ast alt[2] = {qa, Z3_mk_and(f->ctx, 2, both)};
    *proof_q = Z3_mk_or(f->ctx, 2, alt);
    return ENC_MIN_OPTIMAL;
}

uint64_t enc_cycles_lower(const enc_formula *f, uint64_t lb_instances) {
    if (!f->cf.set)
        return 0;
    enc_u128 best = 0;
    for (int m = 0; m < f->cf.nmod; m++) {
        enc_u128 v = (enc_u128)f->cf.fixed;
        for (int j = 0; j < 4; j++) {
            uint64_t mn = j == 0 && lb_instances > f->cyc_min[0] ? lb_instances : f->cyc_min[j];
            v += (enc_u128)f->cyc_k[m][j] * mn;
        }
        if (v > best)
            best = v;
    }
    if (getenv("ENC_DEBUG"))
        fprintf(stderr, "enc_cycles_lower: %llu (mins %llu %llu %llu %llu)\n", (unsigned long long)best,
                (unsigned long long)f->cyc_min[0], (unsigned long long)f->cyc_min[1],
                (unsigned long long)f->cyc_min[2], (unsigned long long)f->cyc_min[3]);
    return best > UINT64_MAX ? UINT64_MAX : (uint64_t)best;
}

void enc_check_cycles(const enc_formula *f, const enc_point *p, const emb_nest *n) {
    if (!p->have_cycles)
        return;
    uint64_t c = costform_u64(costform_eval(&f->cf, n));
    if (c != p->cycles) {
        fprintf(stderr, "embedsyn: encoder bug on operator %s: cycles term %llu, cost form on the nest %llu\n",
                f->sp->o->name, (unsigned long long)p->cycles, (unsigned long long)c);
        es_abort(__FILE__, __LINE__, "cycles term differs from the cost form");
    }
}
