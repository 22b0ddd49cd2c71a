/* sched: tile sizes, tile order, double buffering and GEMM loop folding for an
 * embedding's loop nest (see sched.h), chosen by the cost model behind the plug of
 * sched_opts (default: vta/cost). The tile geometry is in sched_tile.c.
 * Invariant: sched_derive accepts only schedules that fit the buffers and ISA fields;
 * the search only visits schedules sched_derive accepted and is deterministic. */
#include "vta/sched.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/es.h"
#include "core/op.h"
#include "core/text.h"
#include "vta/cost.h"

void sched_opts_init(sched_opts *o) {
    memset(o, 0, sizeof *o);
    o->reuse = true;
    o->tile_weights = true;
    o->pad = SCHED_PAD_EITHER;
}

uint8_t sched_tiled_weights(const emb *e) { return e->swap ? SCHED_TILED_INP : SCHED_TILED_WGT; }

static int64_t ntiles_of(const emb_nest *n, const sched *s, int l) { return sched_ntiles(n, s, l); }

static int nslots(const sched *s, int x) { return sched_nslots(s, x); }

void sched_bias_axes(const op *o, const emb *e, const emb_nest *n, bool *rel) {
    const int64_t *row = o->t[OP_OUT].map[o->rq.bias_axis];
    for (int a = 0; a < EMB_MAX_LAXES; a++) rel[a] = false;
    for (int l = 0; l < n->nloops; l++) {
        const emb_loop *lp = &n->loop[l];
        if (lp->axis[EMB_ACC] < 0) continue;
        bool r = false;
        if (lp->kind == EMB_LOOP_DIM) {
            r = row[lp->dim] != 0;
        } else {
            for (int k = 0; k < e->nterms[lp->dim]; k++) {
                const emb_term *t = &e->term[lp->dim][k];
                r |= row[t->dim] != 0 || (t->comp_dim >= 0 && row[t->comp_dim] != 0);
            }
        }
        if (r) rel[lp->axis[EMB_ACC]] = true;
    }
}

/* The bias-by-ALU plan (see sched.h); false if the bias tile does not fit. */
static bool bias_plan(const hw_config *hw, const emb_nest *n, sched *s, int acc_slots) {
    const emb_layout *L = &n->lay[EMB_ACC];
    int64_t sd = 1, sb = 1;
    s->bias_ndims = 0;
    s->bias_rows = 1;
    for (int a = L->naxes - 1; a >= 0; a--) {
        int64_t c = s->pitch[EMB_ACC][a], ss = s->bias_rel[a] ? sb : 0;
        if (c > 1) {
            int64_t *p = s->bias_ndims ? s->bias_dim[s->bias_ndims - 1] : NULL;
            if (p && sd == p[0] * p[1] && ss == p[0] * p[2]) {
                p[0] *= c;
            } else {
                int64_t *q = s->bias_dim[s->bias_ndims++];
                q[0] = c, q[1] = sd, q[2] = ss;
            }
        }
        sd *= c;
        if (s->bias_rel[a]) {
            sb *= c;
            s->bias_rows *= c;
        }
    }
    s->bias_uops = 1;
    for (int i = 2; i < s->bias_ndims; i++) s->bias_uops *= s->bias_dim[i][0];
    int64_t end = acc_slots * s->slot_rows[EMB_ACC] + s->bias_rows;
    /* the ALU's source index has the INP index width (TVM's instruction layout) */
    return end <= hw_depth(hw, HW_MEM_ACC) && end <= hw_depth(hw, HW_MEM_INP);
}

/* Loops sharing an accumulator axis (e.g. the group and the channel multiplier of a
 * depthwise conv, o = M g + k): the ACC boxes of two tiles must not overlap, or one
 * tile's store would overwrite the other's outputs. They do not when at most one of
 * those loops is tiled and the whole span of the others fits under its coefficient
 * (a mixed-radix split: every tile's box is its own range of the axis). */
static bool acc_tiles_disjoint(const emb_nest *n, const sched *s) {
    for (int a = 0; a < n->lay[EMB_ACC].naxes; a++) {
        int cnt = 0, tiled = -1, ntiled = 0;
        int64_t span = 1;
        for (int l = 0; l < n->nloops; l++) {
            if (n->loop[l].axis[EMB_ACC] != a) continue;
            cnt++;
            if (s->tile[l] != n->loop[l].extent) {
                tiled = l;
                ntiled++;
            } else {
                int64_t c = n->loop[l].coef[EMB_ACC];
                span += (c < 0 ? -c : c) * (n->loop[l].extent - 1);
            }
        }
        if (cnt < 2 || ntiled == 0) continue;
        int64_t ct = tiled >= 0 ? n->loop[tiled].coef[EMB_ACC] : 0;
        if (ntiled > 1 || span > (ct < 0 ? -ct : ct)) return false;
    }
    return true;
}

static bool derive_geometry(const op *o, const hw_config *hw, const emb_nest *n, sched *s, bool check_acc,
                            status *st);

bool sched_derive(const op *o, const hw_config *hw, const emb_nest *n, sched *s, status *st) {
    return sched_derive_geometry(o, hw, n, s, st) && cost_vta_plug(NULL, o, hw, n, s, st);
}

bool sched_derive_geometry(const op *o, const hw_config *hw, const emb_nest *n, sched *s, status *st) {
    return derive_geometry(o, hw, n, s, true, st);
}

/* check_acc false: the footprint checks alone (the exhaustive search's prefix test,
 * where later loops sit at 1 and may not yet form disjoint ACC tiles). */
static bool derive_geometry(const op *o, const hw_config *hw, const emb_nest *n, sched *s, bool check_acc,
                            status *st) {
    s->nloops = n->nloops;
    bool seen[EMB_MAX_LOOPS] = {false};
    for (int i = 0; i < n->nloops; i++) {
        int l = s->order[i];
        if (l < 0 || l >= n->nloops || seen[l]) return status_fail(st, "schedule order is not a permutation");
        seen[l] = true;
        if (i > 0 && sched_is_reduction(n, s->order[i - 1]) && !sched_is_reduction(n, l))
            return status_fail(st, "schedule order puts an output loop inside a reduction loop");
        if (s->tile[l] < 1 || s->tile[l] > n->loop[l].extent)
            return status_fail(st, "tile %lld of loop %d outside 1..%lld", (long long)s->tile[l], l,
                               (long long)n->loop[l].extent);
    }
    if (check_acc && !acc_tiles_disjoint(n, s)) return status_fail(st, "loops sharing an accumulator axis must not be tiled");
    int64_t zero[EMB_MAX_LOOPS] = {0}, lo[EMB_MAX_LAXES];
    for (int x = 0; x < 3; x++) {
        const emb_layout *L = &n->lay[x];
        sched_box(n, (emb_operand)x, zero, s->tile, lo, s->pitch[x]);
        int64_t rows = 1, S[EMB_MAX_LAXES];
        for (int a = L->naxes - 1; a >= 0; a--) {
            S[a] = rows;
            rows *= s->pitch[x][a];
        }
        s->slot_rows[x] = rows;
        s->konst[x] = 0;
        for (int l = 0; l < n->nloops; l++) {
            int ax = n->loop[l].axis[x];
            int64_t c = n->loop[l].coef[x];
            s->stride[x][l] = ax >= 0 ? c * S[ax] : 0;
            if (ax >= 0 && c < 0) s->konst[x] += -c * (s->tile[l] - 1) * S[ax];
        }
        /* Strip the zero padding of the two innermost axes with pitch > 1. Only INP:
         * the HLS design ignores the pad fields of WGT loads (vta/port.h), so WGT
         * padding stays in the DRAM copy. */
        if (x == EMB_ACC) continue;
        int found = 0;
        for (int a = L->naxes - 1; a >= 0; a--) {
            bool inner = found < 2 && s->pitch[x][a] > 1;
            if (s->pitch[x][a] > 1) found++;
            s->strip[x][a] = x == EMB_INP && !s->keep_pad && inner && L->zero_lo[a] + L->zero_hi[a] > 0 && L->zero_lo[a] <= SCHED_MAX_PAD &&
                             L->zero_hi[a] <= SCHED_MAX_PAD;
        }
        for (int a = L->naxes; a < EMB_MAX_LAXES; a++) s->strip[x][a] = false;
    }
    sched_plan_tiled(n, s);
    /* Fold the two largest loops whose SRAM strides are all >= 0. */
    s->fold_out = s->fold_in = -1;
    for (int l = 0; l < n->nloops; l++) {
        if (s->tile[l] < 2 || s->tile[l] > SCHED_MAX_ITER) continue;
        if (s->stride[0][l] < 0 || s->stride[1][l] < 0 || s->stride[2][l] < 0) continue;
        if (s->fold_in < 0 || s->tile[l] >= s->tile[s->fold_in]) {
            s->fold_out = s->fold_in;
            s->fold_in = l;
        } else if (s->fold_out < 0 || s->tile[l] >= s->tile[s->fold_out]) {
            s->fold_out = l;
        }
    }
    double kuops = 1, exact = 1;
    s->nvariant_loops = 0;
    for (int l = 0; l < n->nloops; l++) {
        if (l == s->fold_out || l == s->fold_in || s->tile[l] == 1) continue;
        int64_t rem = n->loop[l].extent % s->tile[l];
        kuops *= (double)s->tile[l];
        exact *= (double)(s->tile[l] + rem);
        if (rem) s->nvariant_loops++;
    }
    int combos = nslots(s, 0) * nslots(s, 1) * nslots(s, 2);
    s->nkernels = (1 << s->nvariant_loops) * combos;
    s->bias_alu = o->rq.bias && s->bias_rel_known && bias_plan(hw, n, s, nslots(s, 2));
    if (!s->bias_alu) s->bias_rows = s->bias_uops = s->bias_ndims = 0;
    double urows = exact * combos + (2.0 + (double)s->bias_uops) * nslots(s, 2);
    if (urows > (double)hw_depth(hw, HW_MEM_UOP))
        return status_fail(st, "micro-op kernels (%.0f) exceed the UOP buffer", urows);
    s->kernel_uops = (int64_t)kuops;
    s->uop_rows = (int64_t)urows;
    static const hw_mem mem[3] = {HW_MEM_INP, HW_MEM_WGT, HW_MEM_ACC};
    static const char *names[3] = {"INP", "WGT", "ACC"};
    for (int x = 0; x < 3; x++)
        if ((double)s->slot_rows[x] * nslots(s, x) > (double)hw_depth(hw, mem[x]))
            return status_fail(st, "%s tile of %lld rows x %d slots exceeds the buffer (%lld)", names[x],
                               (long long)s->slot_rows[x], nslots(s, x), (long long)hw_depth(hw, mem[x]));
    if (s->slot_rows[EMB_ACC] > SCHED_MAX_ITER) return status_fail(st, "ACC tile over %lld rows", (long long)SCHED_MAX_ITER);
    s->ntiles = 1;
    s->nout_tiles = 1;
    for (int l = 0; l < n->nloops; l++) {
        s->ntiles *= ntiles_of(n, s, l);
        if (!sched_is_reduction(n, l)) s->nout_tiles *= ntiles_of(n, s, l);
    }
    return true;
}

/* ---- search ---- */

#define SCHED_MAX_CANDS 48

static int add_cand(int64_t *c, int k, int64_t v, int64_t E) {
    if (v < 1 || v > E || k >= SCHED_MAX_CANDS) return k;
    for (int i = 0; i < k; i++)
        if (c[i] == v) return k;
    c[k] = v;
    return k + 1;
}

static int candidates(int64_t E, bool divisors_only, bool full, int64_t *c) {
    int k = 0;
    if (full) return add_cand(c, 0, E, E);
    k = add_cand(c, k, 1, E);
    k = add_cand(c, k, E, E);
    if (!divisors_only) {
        for (int64_t j = 2; j <= 16; j++) k = add_cand(c, k, es_ceil_div(E, j), E);
        for (int64_t p = 2; p < E; p *= 2) k = add_cand(c, k, p, E);
        for (int64_t v = 2; v <= 8; v++) k = add_cand(c, k, v, E);
    }
    for (int64_t d = 2; d * d <= E && k < SCHED_MAX_CANDS; d++)
        if (E % d == 0) {
            k = add_cand(c, k, d, E);
            k = add_cand(c, k, E / d, E);
        }
    for (int i = 1; i < k; i++) /* ascending */
        for (int j = i; j > 0 && c[j - 1] > c[j]; j--) {
            int64_t t = c[j];
            c[j] = c[j - 1];
            c[j - 1] = t;
        }
    return k;
}

/* The k best distinct legal schedules seen by a search, by estimate (ties: first
 * seen first), for sched_search_top. */
typedef struct sched_topk {
    int k, n;
    sched *s;
} sched_topk;

static bool same_sched(const emb_nest *n, const sched *a, const sched *b) {
    for (int l = 0; l < n->nloops; l++)
        if (a->tile[l] != b->tile[l] || a->order[l] != b->order[l]) return false;
    return a->db_load == b->db_load && a->db_acc == b->db_acc && a->reuse == b->reuse && a->keep_pad == b->keep_pad;
}

static void topk_add(sched_topk *t, const emb_nest *n, const sched *s) {
    if (!t) return;
    for (int i = 0; i < t->n; i++)
        if (same_sched(n, &t->s[i], s)) return;
    if (t->n == t->k && !(s->est_cycles < t->s[t->n - 1].est_cycles)) return;
    int i = t->n < t->k ? t->n++ : t->n - 1;
    for (; i > 0 && s->est_cycles < t->s[i - 1].est_cycles; i--) t->s[i] = t->s[i - 1];
    t->s[i] = *s;
}

typedef struct search_ctx {
    const op *o;
    const hw_config *hw;
    const emb_nest *n;
    const sched_opts *opt;
    int64_t evals;
    sched_topk *top;  /* collects the best schedules seen, or NULL */
} search_ctx;

/* The estimate a schedule must stay below to change anything when the caller needs one
 * below thr: thr, or the k-th best of a full top-k list if that is higher; INFINITY
 * while the list is filling (every legal schedule may enter it). */
static double eval_need(const search_ctx *c, double thr) {
    if (!c->top) return thr;
    if (c->top->n < c->top->k) return INFINITY;
    double worst = c->top->s[c->top->n - 1].est_cycles;
    return worst > thr ? worst : thr;
}

/* Best legal double-buffering choice for tiles/order in *s; false if none fits. A
 * variant whose compute bound (cost_vta_compute_bound) is at least what it would have
 * to beat (thr, see eval_need) is not costed: its estimate could not be below thr or
 * enter the top list, so the caller decides as if it had been costed; false when no
 * variant is left. Every variant counts against the evaluation budget. */
static bool eval(search_ctx *c, sched *s, double thr) {
    static const bool dbl[4] = {true, true, false, false}, dba[4] = {true, false, true, false};
    sched t[4];
    bool ok[4];
    int best = -1;
    if (es_stop_requested()) return false; /* interrupted: every later candidate is skipped */
    for (int k = 0; k < 4; k++) {
        t[k] = *s;
        t[k].db_load = dbl[k];
        t[k].db_acc = dba[k];
        status st;
        status_init(&st);
        c->evals++;
        ok[k] = sched_derive_geometry(c->o, c->hw, c->n, &t[k], &st);
        if (ok[k] && (!c->opt->cost || c->opt->vta_bound) &&
            cost_vta_compute_bound(c->o, c->hw, c->n, &t[k]) * (1 - 1e-9) >= eval_need(c, thr))
            ok[k] = false;
        if (ok[k] && c->opt->cost) ok[k] = c->opt->cost(c->opt->cost_ctx, c->o, c->hw, c->n, &t[k], &st);
    }
    /* the default model costs the four together (one set of DMA class tables) */
    if (!c->opt->cost) cost_vta_plug_variants(c->o, c->hw, c->n, t, 4, ok);
    for (int k = 0; k < 4; k++) {
        if (!ok[k]) continue;
        topk_add(c->top, c->n, &t[k]);
        if (best < 0 || t[k].est_cycles < t[best].est_cycles) best = k;
    }
    if (best >= 0) *s = t[best];
    return best >= 0;
}

static void hill_climb(search_ctx *c, sched *cur, int64_t (*cand)[SCHED_MAX_CANDS], const int *ncand) {
    for (int iter = 0; iter < 200; iter++) {
        sched best = *cur;
        for (int l = 0; l < c->n->nloops; l++)
            for (int k = 0; k < ncand[l]; k++) {
                if (cand[l][k] == cur->tile[l]) continue;
                sched t = *cur;
                t.tile[l] = cand[l][k];
                double thr = best.est_cycles * (1 - 1e-9);
                if (eval(c, &t, thr) && t.est_cycles < thr) best = t;
            }
        if (!(best.est_cycles < cur->est_cycles * (1 - 1e-9))) return;
        *cur = best;
    }
}

static void exhaustive(search_ctx *c, sched *t, int l, int64_t (*cand)[SCHED_MAX_CANDS], const int *ncand,
                       sched *best, bool *have, int64_t budget) {
    /* the prefix checks below cost schedules too: a stop request ends the recursion */
    if (c->evals >= budget || es_stop_requested()) return;
    if (l == c->n->nloops) {
        sched u = *t;
        if (eval(c, &u, *have ? best->est_cycles : INFINITY) && (!*have || u.est_cycles < best->est_cycles)) {
            *best = u;
            *have = true;
        }
        return;
    }
    for (int k = 0; k < ncand[l]; k++) {
        t->tile[l] = cand[l][k];
        /* Footprints grow with the tile: once the single-buffered slots of this
         * prefix (later loops at 1) overflow, larger values overflow too. */
        int64_t save[EMB_MAX_LOOPS];
        memcpy(save, t->tile, sizeof save);
        for (int j = l + 1; j < c->n->nloops; j++) t->tile[j] = c->opt->full[j] ? c->n->loop[j].extent : 1;
        sched u = *t;
        u.db_load = u.db_acc = false;
        status st;
        status_init(&st);
        bool fits = derive_geometry(c->o, c->hw, c->n, &u, false, &st) &&
                    (c->opt->cost ? c->opt->cost(c->opt->cost_ctx, c->o, c->hw, c->n, &u, &st)
                                  : cost_vta_check(c->o, c->hw, c->n, &u, &st));
        memcpy(t->tile, save, sizeof save);
        if (!fits) break;
        exhaustive(c, t, l + 1, cand, ncand, best, have, budget);
    }
}

/* The input's zero bands kept in DRAM: a climb from the best stripped schedule of a
 * tile order with keep_pad set (its tiles may differ: rows are fewer and longer, boxes
 * carry the padding's bytes); *best becomes the better of the two. Only when best
 * strips a band. */
static void keep_pad_climb(search_ctx *c, sched *best, int64_t (*cand)[SCHED_MAX_CANDS], const int *ncand) {
    bool strips = false;
    for (int a = 0; a < c->n->lay[EMB_INP].naxes; a++) strips |= best->strip[EMB_INP][a];
    if (!strips) return;
    sched u = *best;
    u.keep_pad = true;
    if (!eval(c, &u, INFINITY)) return;
    hill_climb(c, &u, cand, ncand);
    if (u.est_cycles < best->est_cycles) *best = u;
}

/* The default model's final word on a chosen schedule: small programs at their real
 * DRAM addresses (cost_vta_exact); the fast estimate stays if that fails. */
static void refine(const op *o, const hw_config *hw, const emb_nest *n, sched *s) {
    sched t = *s;
    status st;
    status_init(&st);
    if (cost_vta_exact(o, hw, n, &t, &st)) *s = t;
}

static bool search(const op *o, const hw_config *hw, const emb_nest *n, const sched_opts *opt, sched *out,
                   sched_topk *top, status *st) {
    search_ctx c = {o, hw, n, opt, 0, top};
    int64_t cand[EMB_MAX_LOOPS][SCHED_MAX_CANDS];
    int ncand[EMB_MAX_LOOPS];
    int64_t coarse[EMB_MAX_LOOPS][SCHED_MAX_CANDS];
    int ncoarse[EMB_MAX_LOOPS];
    for (int l = 0; l < n->nloops; l++) {
        ncand[l] = candidates(n->loop[l].extent, opt->divisors_only, opt->full[l], cand[l]);
        /* coarse: up to 8 values spread over the sorted candidates, first and last kept */
        int k = ncand[l];
        ncoarse[l] = 0;
        for (int i = 0; i < 8 && i < k; i++) {
            int idx = k <= 8 ? i : (int)((int64_t)i * (k - 1) / 7);
            if (ncoarse[l] == 0 || coarse[l][ncoarse[l] - 1] != cand[l][idx]) coarse[l][ncoarse[l]++] = cand[l][idx];
        }
    }
    /* Tile orders: output loops in nest order, reduction loops in nest order; unless
     * fixed, each output loop with more than one iteration may be the innermost one
     * (it decides which operand is reused across consecutive tiles). */
    int outs[EMB_MAX_LOOPS], nout = 0, reds[EMB_MAX_LOOPS], nred = 0;
    for (int l = 0; l < n->nloops; l++) {
        if (sched_is_reduction(n, l))
            reds[nred++] = l;
        else
            outs[nout++] = l;
    }
    int inner_choices[EMB_MAX_LOOPS + 1], nchoices = 0;
    inner_choices[nchoices++] = -1;
    if (!opt->fixed_order)
        for (int i = 0; i < nout - 1; i++)
            if (n->loop[outs[i]].extent > 1) inner_choices[nchoices++] = outs[i];
    sched best;
    bool have = false;
    for (int ch = 0; ch < nchoices; ch++) {
        sched t;
        memset(&t, 0, sizeof t);
        t.reuse = opt->reuse;
        t.tiled_ok = opt->tile_weights && opt->e ? sched_tiled_weights(opt->e) : 0;
        t.keep_pad = opt->pad == SCHED_PAD_KEEP;
        int k = 0;
        for (int i = 0; i < nout; i++)
            if (outs[i] != inner_choices[ch]) t.order[k++] = outs[i];
        if (inner_choices[ch] >= 0) t.order[k++] = inner_choices[ch];
        for (int i = 0; i < nred; i++) t.order[k++] = reds[i];
        for (int l = 0; l < n->nloops; l++) t.tile[l] = opt->full[l] ? n->loop[l].extent : 1;
        if (opt->e && o->rq.bias) {
            sched_bias_axes(o, opt->e, n, t.bias_rel);
            t.bias_rel_known = true;
        }
        if (opt->exhaustive) {
            int64_t budget = c.evals + (opt->max_evals > 0 ? opt->max_evals : 400000);
            exhaustive(&c, &t, 0, cand, ncand, &best, &have, budget);
            continue;
        }
        /* Three starts for hill climbing: the best of a coarse exhaustive pass (at most
         * 8 spread values per loop), everything at 1, the whole reduction in one tile. */
        sched coarse_best;
        bool coarse_have = false;
        {
            sched u = t;
            int64_t budget = c.evals + (opt->max_evals > 0 ? opt->max_evals : 60000);
            exhaustive(&c, &u, 0, coarse, ncoarse, &coarse_best, &coarse_have, budget);
        }
        sched order_best;
        bool order_have = false;
        for (int start = 0; start < 3; start++) {
            sched u = t;
            if (start == 0) {
                if (!coarse_have) continue;
                u = coarse_best;
            }
            if (start == 2)
                for (int l = 0; l < n->nloops; l++)
                    if (sched_is_reduction(n, l)) u.tile[l] = n->loop[l].extent;
            if (start > 0 && !eval(&c, &u, INFINITY)) continue;
            hill_climb(&c, &u, cand, ncand);
            if (!order_have || u.est_cycles < order_best.est_cycles) {
                order_best = u;
                order_have = true;
            }
        }
        if (order_have && opt->pad == SCHED_PAD_EITHER) keep_pad_climb(&c, &order_best, cand, ncand);
        if (order_have && (!have || order_best.est_cycles < best.est_cycles)) {
            best = order_best;
            have = true;
        }
    }
    if (es_stop_requested()) return status_fail(st, "schedule search interrupted");
    if (!have) return status_fail(st, "no schedule fits the buffers of hardware '%s'", hw->name);
    if (!opt->cost) refine(o, hw, n, &best);
    *out = best;
    return true;
}

bool sched_search(const op *o, const hw_config *hw, const emb_nest *n, const sched_opts *opt, sched *out,
                  status *st) {
    return search(o, hw, n, opt, out, NULL, st);
}

int sched_search_top(const op *o, const hw_config *hw, const emb_nest *n, const sched_opts *opt, int k,
                     sched *out, status *st) {
    ES_ASSERT(k >= 1 && k <= SCHED_MAX_TOP);
    sched pool[SCHED_MAX_TOP + 1];
    sched_topk top = {k + 1, 0, pool};
    if (!search(o, hw, n, opt, &out[0], &top, st)) return 0;
    int m = 1;
    for (int i = 0; i < top.n && m < k; i++)
        if (!same_sched(n, &top.s[i], &out[0])) out[m++] = top.s[i];
    if (!opt->cost) /* re-costed by the exact model, then in its order after out[0] */
        for (int i = 1; i < m; i++) {
            refine(o, hw, n, &out[i]);
            for (int j = i; j > 1 && out[j].est_cycles < out[j - 1].est_cycles; j--) {
                sched t = out[j];
                out[j] = out[j - 1];
                out[j - 1] = t;
            }
        }
    return m;
}

void sched_describe(const op *o, const emb_nest *n, const sched *s, char *buf, size_t len) {
    size_t k = 0;
    buf[0] = 0;
    text_putf(buf, len, &k, "tiles");
    for (int i = 0; i < n->nloops; i++) {
        int l = s->order[i];
        const emb_loop *lp = &n->loop[l];
        static const char *lane[3] = {"B", "O", "I"};
        if (lp->kind == EMB_LOOP_DIM)
            text_putf(buf, len, &k, " %s=%lld/%lld", o->dim_name[lp->dim], (long long)s->tile[l],
                      (long long)lp->extent);
        else
            text_putf(buf, len, &k, " chunk%s=%lld/%lld", lane[lp->dim], (long long)s->tile[l],
                      (long long)lp->extent);
    }
    if (o->rq.bias) text_putf(buf, len, &k, "; bias by %s", s->bias_alu ? "ALU ADD from a tile" : "LOAD ACC");
    if (s->keep_pad) text_putf(buf, len, &k, "; input padding in DRAM");
    if (s->tiled[EMB_INP] || s->tiled[EMB_WGT])
        text_putf(buf, len, &k, "; tiled DRAM copy of%s%s", s->tiled[EMB_INP] ? " inp" : "",
                  s->tiled[EMB_WGT] ? " wgt" : "");
    text_putf(buf, len, &k,
              "; db load=%d acc=%d reuse=%d; %lld tiles, %lld out tiles, %d kernels x %lld uops; est %.0f cycles",
              s->db_load, s->db_acc, s->reuse, (long long)s->ntiles, (long long)s->nout_tiles, s->nkernels,
              (long long)s->kernel_uops, s->est_cycles);
}

void sched_save(const sched *s, char *buf, size_t len) {
    size_t k = 0;
    buf[0] = 0;
    text_putf(buf, len, &k, "t");
    for (int l = 0; l < s->nloops; l++) text_putf(buf, len, &k, l ? ".%lld" : "%lld", (long long)s->tile[l]);
    text_putf(buf, len, &k, ";o");
    for (int i = 0; i < s->nloops; i++) text_putf(buf, len, &k, i ? ".%d" : "%d", (int)s->order[i]);
    text_putf(buf, len, &k, ";f%d%d%d%d;w%u;b", s->db_load, s->db_acc, s->reuse, s->keep_pad, (unsigned)s->tiled_ok);
    if (!s->bias_rel_known) text_putf(buf, len, &k, "-");
    for (int a = 0; s->bias_rel_known && a < EMB_MAX_LAXES; a++) text_putf(buf, len, &k, "%d", s->bias_rel[a]);
    ES_ASSERT(k < len); /* SCHED_TEXT_MAX holds the longest */
}

/* A list of n non-negative numbers separated by '.' at *p, then `end`. */
static bool load_list(const char **p, int n, int64_t *v, char end) {
    for (int i = 0; i < n; i++) {
        if (i && *(*p)++ != '.') return false;
        if (**p < '0' || **p > '9') return false;
        char *e;
        errno = 0;
        long long x = strtoll(*p, &e, 10);
        if (errno || x > INT32_MAX) return false;
        v[i] = x;
        *p = e;
    }
    return *(*p)++ == end;
}

static bool load_bit(const char **p, bool *b) {
    if (**p != '0' && **p != '1') return false;
    *b = *(*p)++ == '1';
    return true;
}

bool sched_parse(const char *text, int nloops, sched *s, status *st) {
    memset(s, 0, sizeof *s);
    s->nloops = nloops;
    int64_t order[EMB_MAX_LOOPS];
    const char *p = text;
    bool ok = *p++ == 't' && load_list(&p, nloops, s->tile, ';') && *p++ == 'o' &&
              load_list(&p, nloops, order, ';') && *p++ == 'f' && load_bit(&p, &s->db_load) &&
              load_bit(&p, &s->db_acc) && load_bit(&p, &s->reuse) && load_bit(&p, &s->keep_pad) && *p++ == ';' &&
              *p++ == 'w' && *p >= '0' && *p <= '3' && p[1] == ';';
    if (ok) {
        s->tiled_ok = (uint8_t)(*p - '0');
        p += 2;
        ok = *p++ == 'b';
    }
    if (ok && *p == '-') {
        p++;
    } else {
        s->bias_rel_known = true;
        for (int a = 0; ok && a < EMB_MAX_LAXES; a++) ok = load_bit(&p, &s->bias_rel[a]);
    }
    if (!ok || *p) return status_fail(st, "saved schedule '%.80s' does not parse for %d loops", text, nloops);
    for (int i = 0; i < nloops; i++) s->order[i] = (int32_t)order[i];
    return true;
}

bool sched_load(const char *text, const op *o, const hw_config *hw, const emb_nest *n, sched *s, status *st) {
    if (!sched_parse(text, n->nloops, s, st)) return false;
    status e;
    status_init(&e);
    if (!sched_derive_geometry(o, hw, n, s, &e)) return status_fail(st, "saved schedule '%.80s': %s", text, e.msg);
    /* costed as the search's candidates are (sched_derive, then refine): the exact model
     * at the program's addresses, else the default one */
    sched t = *s;
    status inexact;
    status_init(&inexact);
    if (cost_vta_exact(o, hw, n, &t, &inexact)) *s = t;
    else if (!cost_vta_plug(NULL, o, hw, n, s, &e)) return status_fail(st, "saved schedule '%.80s': %s", text, e.msg);
    return true;
}
