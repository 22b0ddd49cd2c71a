/* enc_opt: minimization by iterative tightening (see enc_opt.h). Bounds on the
 * instance count go through the log shadow (enc_inst_le), which is exact for the
 * values asked; the final proof can be re-checked on the exact product circuit.
 * Invariant: every recorded point comes from a SAT model; a point is reported proven
 * only after UNSAT of "cost < value" (or the value equals a theorem bound and the
 * caller allowed that shortcut). */
#include "encoders/enc_opt.h"

#include "encoders/enc.h"

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
    p->found = true;
    Z3_model_dec_ref(f->ctx, m);
    enc_progress_point(p->instances, p->dram, p->have_dram); /* enc_progress.c */
}

static uint64_t value(enc_cost c, const enc_point *p) {
    return c == ENC_INST ? p->instances : p->dram;
}

/* cost <= v for the search */
static Z3_ast le(enc_formula *f, enc_cost c, uint64_t v) {
    return c == ENC_INST ? enc_inst_le(f, v) : enc_dram_le(f, v);
}

/* The exact "cost < v" (activates the cost's definition). */
static Z3_ast lt_exact(enc_formula *f, enc_cost c, uint64_t v) {
    enc_activate(f, c == ENC_INST, c == ENC_DRAM);
    return enc_ult_const(f, c == ENC_INST ? f->instances : f->dram, v);
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
    Z3_lbool r = enc_check(f, nassum, A);
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
        if (!tried_lower && lower > 0 && lower < v) {
            tgt = lower;
            tried_lower = true;
        } else if (!tried_ub && c == ENC_INST && f->ub < v - 1 && f->ub > lower) {
            tgt = f->ub;
            tried_ub = true;
        }
        A[nassum] = enc_guard(f, le(f, c, tgt));
        r = enc_check(f, nassum + 1, A);
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

enc_min_status enc_minimize_lex(enc_formula *f, int nassum, const Z3_ast *assum,
                                uint64_t lower_a, bool bound_proves, bool exact_proof,
                                enc_point *best, bool *proven, Z3_ast *proof_q) {
    Z3_ast qa;
    bool pa;
    enc_min_status s =
        enc_minimize(f, ENC_INST, nassum, assum, lower_a, bound_proves, exact_proof, best, &pa, &qa);
    if (s != ENC_MIN_OPTIMAL) {
        *proven = false;
        return s;
    }
    uint64_t va = best->instances;
    Z3_ast A[64];
    ES_ASSERT(nassum < 63);
    for (int i = 0; i < nassum; i++)
        A[i] = assum[i];
    A[nassum] = enc_guard(f, enc_inst_le(f, va));
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
    ES_ASSERT(best->instances == va);
    *proven = pa && pb;
    enc_activate(f, true, true);
    Z3_ast both[2] = {enc_eq_const(f, f->instances, va), qb};
    Z3_ast alt[2] = {qa, Z3_mk_and(f->ctx, 2, both)};
    *proof_q = Z3_mk_or(f->ctx, 2, alt);
    return ENC_MIN_OPTIMAL;
}
